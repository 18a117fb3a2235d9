//! Statements in words, each with the commands an operator would type:
//! one list item per statement, nested blocks as nested lists.
use std::collections::BTreeMap;

use super::command::{self, CommandContext};
use super::condition::words;
use super::doc::{code, prose, strong, text, Block, CalloutKind, Inline};
use crate::resolve::builtins::{self, Effect};
use crate::syntax::ast::{
    format_duration, DocItem, DocKind, Else, Exhausted, Expr, ExprKind, Poll, Stmt, StmtKind, Text,
    TextPart,
};

/// What statement rendering needs besides the statements.
pub struct StmtCtx<'a> {
    pub context: CommandContext<'a>,
    /// Procedure parameters' defaults, to explain `max attempts`.
    pub params: BTreeMap<String, Option<Expr>>,
}

pub fn block(stmts: &[Stmt], cx: &StmtCtx) -> Vec<Block> {
    if stmts.is_empty() {
        return Vec::new();
    }
    vec![Block::List(stmts.iter().map(|s| item(s, cx)).collect())]
}

fn item(s: &Stmt, cx: &StmtCtx) -> Vec<Block> {
    match &s.kind {
        StmtKind::Let { name, value } => {
            let mut out = vec![Block::Para(vec![
                text("Set "),
                code(&name.name),
                text(" = "),
                code(value.to_string()),
                text(effect_note(value)),
            ])];
            out.extend(commands(&[value], &cx.context));
            out
        }
        StmtKind::Expr(e) => {
            let mut out = vec![Block::Para(vec![code(e.to_string()), text(effect_note(e))])];
            out.extend(commands(&[e], &cx.context));
            out
        }
        StmtKind::Scope(sc) => {
            let pre = command::preamble(sc, &cx.context);
            let mut out = vec![Block::Para(vec![
                strong("Scope:"),
                text(format!(" {}", pre.summary)),
            ])];
            if !pre.shell.is_empty() {
                out.push(Block::Code {
                    lang: "sh".into(),
                    text: pre.shell.join("\n"),
                });
            }
            let inner = StmtCtx {
                context: CommandContext {
                    ssh: pre.ssh.or_else(|| cx.context.ssh.clone()),
                    ..cx.context.clone()
                },
                params: cx.params.clone(),
            };
            out.extend(block(&sc.body.stmts, &inner));
            out
        }
        StmtKind::Poll(p) => poll(p, cx),
        StmtKind::Patience(pt) => {
            let mut body = quoted(&pt.label, &cx.context);
            if let Some(d) = &pt.duration {
                body.push(text(format!(" for {}", duration_words(d))));
            }
            body.push(text(
                ". Failures inside this window are expected noise, not alarms.",
            ));
            if !pt.forbid.is_empty() {
                body.push(text(" Do NOT, inside this window: "));
                for (i, f) in pt.forbid.iter().enumerate() {
                    if i > 0 {
                        body.push(text("; "));
                    }
                    let name = f.builtin.dotted();
                    let by_hand = builtins::lookup(&name)
                        .map(|b| command_head(b.command))
                        .filter(|h| !h.is_empty())
                        .unwrap_or_else(|| name.clone());
                    body.push(code(by_hand));
                    if let Some(pat) = &f.pattern {
                        body.push(text(" matching "));
                        body.push(code(pat.display_template()));
                    }
                }
                body.push(text("."));
            }
            let mut out = vec![Block::Callout {
                kind: CalloutKind::Patience,
                body,
            }];
            out.extend(block(&pt.body.stmts, cx));
            out
        }
        StmtKind::Foreach(f) => {
            let how = match &f.parallel {
                None => " (one at a time)".to_string(),
                Some(p) => match &p.max {
                    Some(m) => format!(" (in parallel, at most {m} at once)"),
                    None => " (in parallel)".into(),
                },
            };
            let mut out = vec![Block::Para(vec![
                strong("For each"),
                text(" "),
                code(&f.var.name),
                text(" in "),
                code(f.iter.to_string()),
                text(format!("{how}:")),
            ])];
            out.extend(commands(&[&f.iter], &cx.context));
            out.extend(block(&f.body.stmts, cx));
            out
        }
        StmtKind::If(i) => {
            let mut out = Vec::new();
            let mut head = vec![strong("If"), text(" ")];
            head.extend(words(&i.condition));
            head.push(text(":"));
            out.push(Block::Para(head));
            out.extend(commands(&[&i.condition], &cx.context));
            out.extend(block(&i.then.stmts, cx));
            let mut next = i.otherwise.as_ref();
            while let Some(e) = next {
                match e {
                    Else::Block(b) => {
                        out.push(Block::Para(vec![strong("Otherwise:")]));
                        out.extend(block(&b.stmts, cx));
                        next = None;
                    }
                    Else::If(s) => {
                        let StmtKind::If(inner) = &s.kind else { break };
                        let mut head = vec![strong("Else, if"), text(" ")];
                        head.extend(words(&inner.condition));
                        head.push(text(":"));
                        out.push(Block::Para(head));
                        out.extend(commands(&[&inner.condition], &cx.context));
                        out.extend(block(&inner.then.stmts, cx));
                        next = inner.otherwise.as_ref();
                    }
                }
            }
            out
        }
        StmtKind::Require { condition, message } => {
            let mut head = vec![strong("Require"), text(" ")];
            head.extend(words(condition));
            head.push(text(", else ABORT: "));
            head.extend(quoted(message, &cx.context));
            let mut out = vec![Block::Para(head)];
            out.extend(commands(&[condition], &cx.context));
            out
        }
        StmtKind::Confirm { message } => {
            let mut p = vec![
                strong("Confirm"),
                text(" (ask the operator; "),
                code("--yes"),
                text(" answers yes): "),
            ];
            p.extend(quoted(message, &cx.context));
            vec![Block::Para(p)]
        }
        StmtKind::Log { message } => {
            let mut p = vec![text("Print ")];
            p.extend(quoted(message, &cx.context));
            vec![Block::Para(p)]
        }
        StmtKind::Record { name, value } => {
            let mut out = vec![Block::Para(vec![
                strong("Record"),
                text(" in the as-executed log: "),
                code(&name.name),
                text(" = "),
                code(value.to_string()),
            ])];
            out.extend(commands(&[value], &cx.context));
            out
        }
        StmtKind::Doc(d) => vec![callout(d)],
        StmtKind::Call(c) => {
            let mut p = vec![
                strong("Run procedure"),
                text(" "),
                Inline::Link {
                    text: vec![code(&c.name.name)],
                    href: format!("#{}", called_anchor(&c.name.name)),
                },
            ];
            p.extend(call_args(&c.args));
            if let Some(t) = &c.note {
                p.push(text(": "));
                p.extend(quoted(t, &cx.context));
            }
            vec![Block::Para(p)]
        }
    }
}

/// The anchor of a procedure called from a statement (its section under
/// "Called procedures").
pub fn called_anchor(name: &str) -> String {
    format!("called-{name}")
}

/// " with `host` = `h.name`, `force` = `true`", or nothing.
pub fn call_args(args: &[crate::syntax::ast::Arg]) -> Vec<Inline> {
    let mut out = Vec::new();
    for (i, a) in args.iter().enumerate() {
        out.push(text(if i == 0 { " with " } else { ", " }));
        if let Some(n) = &a.name {
            out.push(code(&n.name));
            out.push(text(" = "));
        }
        out.push(code(a.value.to_string()));
    }
    out
}

fn poll(p: &Poll, cx: &StmtCtx) -> Vec<Block> {
    let mut head = vec![strong("Poll")];
    if let Some(l) = &p.label {
        head.push(text(" "));
        head.extend(quoted(l, &cx.context));
    }
    let mut bounds: Vec<Vec<Inline>> = Vec::new();
    if let Some(e) = &p.every {
        bounds.push(vec![text(format!("every {}", duration_words(e)))]);
    }
    if let Some(m) = &p.max {
        let mut b = vec![text("at most ")];
        b.extend(count_words(m, cx));
        b.push(text(" times"));
        bounds.push(b);
    }
    if let Some(w) = &p.within {
        bounds.push(vec![text(format!("for at most {}", duration_words(w)))]);
    }
    head.push(text(": "));
    for (i, b) in bounds.into_iter().enumerate() {
        if i > 0 {
            head.push(text(", "));
        }
        head.extend(b);
    }
    match &p.until {
        Some(u) => {
            head.push(text(", until "));
            head.extend(words(u));
        }
        None => head.push(text(" (no `until`: it runs until it runs out)")),
    }
    head.push(text(". Each attempt:"));
    let mut out = vec![Block::Para(head)];
    let mut items: Vec<Vec<Block>> = p.body.stmts.iter().map(|s| item(s, cx)).collect();
    let conds: Vec<&Expr> = p
        .until
        .iter()
        .chain(p.fails.iter().map(|f| &f.condition))
        .collect();
    let extra = commands(&conds, &cx.context);
    if !extra.is_empty() {
        let mut it = vec![Block::Para(vec![text("Check with:")])];
        it.extend(extra);
        items.push(it);
    }
    if let Some(u) = &p.until {
        let mut it = vec![strong("Done"), text(" when ")];
        it.extend(words(u));
        it.push(text("."));
        items.push(vec![Block::Para(it)]);
    }
    for f in &p.fails {
        let mut it = vec![strong("Stop at once, FAILED,"), text(" if ")];
        it.extend(words(&f.condition));
        it.push(text(": "));
        it.extend(quoted(&f.message, &cx.context));
        items.push(vec![Block::Para(it)]);
    }
    out.push(Block::List(items));
    let exhausted = match &p.exhausted {
        Some(Exhausted::Abort(m)) => {
            let mut p = vec![strong("When it runs out:"), text(" ABORT: ")];
            p.extend(quoted(m, &cx.context));
            p
        }
        Some(Exhausted::Continue(Some(m))) => {
            let mut p = vec![strong("When it runs out:"), text(" carry on, warning: ")];
            p.extend(quoted(m, &cx.context));
            p
        }
        Some(Exhausted::Continue(None)) => vec![strong("When it runs out:"), text(" carry on.")],
        None => vec![strong("When it runs out:"), text(" ABORT (the run fails).")],
    };
    out.push(Block::Para(exhausted));
    out
}

/// A duration expression in words: `10s` -> "10 s", `2m` -> "2 min".
pub fn duration_words(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Duration(d) => {
            let s = format_duration(*d);
            let unit_at = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
            let (n, unit) = s.split_at(unit_at);
            let unit = match unit {
                "m" => "min",
                other => other,
            };
            format!("{n} {unit}")
        }
        _ => e.to_string(),
    }
}

/// `max 20` -> "20"; `max attempts` -> "`attempts` (default 20)".
fn count_words(e: &Expr, cx: &StmtCtx) -> Vec<Inline> {
    match &e.kind {
        ExprKind::Int(n) => vec![text(n.to_string())],
        ExprKind::Var(v) => match cx.params.get(&v.name) {
            Some(Some(d)) => vec![code(&v.name), text(format!(" (default {d})"))],
            _ => vec![code(&v.name)],
        },
        _ => vec![code(e.to_string())],
    }
}

pub fn callout(d: &DocItem) -> Block {
    let kind = match d.kind {
        DocKind::Note => CalloutKind::Note,
        DocKind::Warn => CalloutKind::Warning,
        DocKind::Timing => CalloutKind::Timing,
    };
    Block::Callout {
        kind,
        body: prose(&d.text.display_template()),
    }
}

/// A message as the operator will see it: site fields by value when known,
/// other interpolations as `<placeholders>`, `backticks` as code.
fn quoted(t: &Text, context: &CommandContext) -> Vec<Inline> {
    let shown: String = t
        .parts
        .iter()
        .map(|p| match p {
            TextPart::Lit(s) => s.clone(),
            TextPart::Expr(e) => match &e.kind {
                ExprKind::Field { .. } => context.show(e),
                _ => format!("<{e}>"),
            },
        })
        .collect();
    let mut out = vec![text("“")];
    out.extend(prose(&shown));
    out.push(text("”"));
    out
}

/// The words `openstack server stop` of a command template.
fn command_head(template: &str) -> String {
    template
        .split_whitespace()
        .take_while(|w| !w.contains('{') && !w.starts_with('['))
        .collect::<Vec<_>>()
        .join(" ")
}

/// " (changes the world)" and the like, for the first acting call.
fn effect_note(e: &Expr) -> String {
    let worst = calls_in(e)
        .iter()
        .filter_map(|(c, args)| builtins::lookup(c).map(|b| b.effect_of(args)))
        .max();
    match worst {
        Some(Effect::Mutating) => " (changes the world)".into(),
        Some(Effect::Destructive) => " (DESTRUCTIVE: cannot be undone)".into(),
        Some(Effect::Exclusive) => " (changes the world; one at a time)".into(),
        _ => String::new(),
    }
}

/// The hand-typed commands of every builtin call in `exprs`, as one shell
/// block (none when there are none).
fn commands(exprs: &[&Expr], context: &CommandContext) -> Vec<Block> {
    let mut lines: Vec<String> = Vec::new();
    for e in exprs {
        for (callee, args) in calls_in(e) {
            if let Some(c) = command::command(&callee, &args, context) {
                if !lines.contains(&c) {
                    lines.push(c);
                }
            }
        }
    }
    if lines.is_empty() {
        Vec::new()
    } else {
        vec![Block::Code {
            lang: "sh".into(),
            text: lines.join("\n"),
        }]
    }
}

/// Every call in an expression, innermost first (arguments run before the
/// call that uses them).
fn calls_in(e: &Expr) -> Vec<(String, Vec<crate::syntax::ast::Arg>)> {
    let mut out = Vec::new();
    walk(e, &mut out);
    out
}

fn walk(e: &Expr, out: &mut Vec<(String, Vec<crate::syntax::ast::Arg>)>) {
    match &e.kind {
        ExprKind::Call { callee, args } => {
            for a in args {
                walk(&a.value, out);
            }
            out.push((callee.dotted(), args.clone()));
        }
        ExprKind::Str(t) => {
            for p in &t.parts {
                if let TextPart::Expr(x) = p {
                    walk(x, out);
                }
            }
        }
        ExprKind::List(items) => items.iter().for_each(|x| walk(x, out)),
        ExprKind::Field { base, .. } => walk(base, out),
        ExprKind::Index { base, index } => {
            walk(base, out);
            walk(index, out);
        }
        ExprKind::Unary { operand, .. } => walk(operand, out),
        ExprKind::Binary { lhs, rhs, .. } => {
            walk(lhs, out);
            walk(rhs, out);
        }
        ExprKind::Comprehension {
            iter, filter, map, ..
        } => {
            walk(iter, out);
            if let Some(f) = filter {
                walk(f, out);
            }
            if let Some(m) = map {
                walk(m, out);
            }
        }
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::Duration(_)
        | ExprKind::Var(_) => {}
    }
}
