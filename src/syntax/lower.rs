//! Lowering: pest parse tree -> AST. One `lower_<rule>` function per
//! construct. Problems that do not stop parsing (a bad number, a broken
//! interpolation) are collected and reported together.
use std::sync::OnceLock;
use std::time::Duration;

use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser;

use super::ast::*;
use super::error::from_pest;
use super::limits;
use super::parser::{is_infix, RbkParser, Rule};
use super::parts;
use crate::diagnostic::{Code, Diagnostic};

pub(crate) fn parse_file(src: &str, parts: usize) -> Result<File, Vec<Diagnostic>> {
    let outline = limits::prescan(src, 0).map_err(|d| vec![*d])?;
    if parts > 1 {
        if let Some(file) = parts::parse_in_parts(src, &outline, parts) {
            return Ok(file);
        }
    }
    parse_file_whole(src)
}

/// Parse the file as one piece, on this thread: the way every problem is
/// reported, whatever the size.
pub(crate) fn parse_file_whole(src: &str) -> Result<File, Vec<Diagnostic>> {
    let mut pairs = parse_rule(Rule::file, src).map_err(|e| vec![from_pest(e, src)])?;
    let file_pair = pairs.next().expect("the file rule always yields one pair");
    let mut lw = Lowerer::new(0);
    let file = lw.lower_file(file_pair);
    if lw.diags.is_empty() {
        Ok(file)
    } else {
        Err(lw.diags)
    }
}

/// Parse with pest's error detail off (it costs most of the parse time),
/// and only on failure parse again with it on, to say what was expected.
/// The setting is process-wide: the lock keeps a concurrent detailed
/// reparse from having it switched off under it.
fn parse_rule(
    rule: Rule,
    src: &str,
) -> Result<pest::iterators::Pairs<'_, Rule>, pest::error::Error<Rule>> {
    static DETAIL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    match RbkParser::parse(rule, src) {
        Ok(pairs) => Ok(pairs),
        Err(_) => {
            let _guard = DETAIL.lock().unwrap_or_else(|e| e.into_inner());
            pest::set_error_detail(true);
            let detailed = RbkParser::parse(rule, src);
            pest::set_error_detail(false);
            detailed
        }
    }
}

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::or, Assoc::Left))
            .op(Op::infix(Rule::and, Assoc::Left))
            .op(Op::prefix(Rule::not))
            .op(Op::infix(Rule::eq, Assoc::Left)
                | Op::infix(Rule::ne, Assoc::Left)
                | Op::infix(Rule::lt, Assoc::Left)
                | Op::infix(Rule::le, Assoc::Left)
                | Op::infix(Rule::gt, Assoc::Left)
                | Op::infix(Rule::ge, Assoc::Left)
                | Op::infix(Rule::matches, Assoc::Left)
                | Op::infix(Rule::not_match, Assoc::Left)
                | Op::infix(Rule::in_op, Assoc::Left)
                | Op::infix(Rule::not_in, Assoc::Left))
            .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
            .op(Op::infix(Rule::mul, Assoc::Left)
                | Op::infix(Rule::div, Assoc::Left)
                | Op::infix(Rule::rem, Assoc::Left))
            .op(Op::prefix(Rule::neg))
    })
}

pub(crate) struct Lowerer {
    pub(crate) diags: Vec<Diagnostic>,
    /// Inside an expression already measured by [`expression_parts`].
    in_expr: bool,
    /// Where the text pest parsed starts in the file: pest counts from the
    /// start of its input, which is a part of the file for a procedure
    /// parsed in parts, or the inside of a string's `{...}`.
    base: usize,
}

/// Operators, field accesses, indexes and calls in an expression, nested
/// ones included: the lowered tree is at most this deep (plus brackets).
fn expression_parts(pair: &Pair<Rule>) -> usize {
    pair.clone()
        .into_inner()
        .flatten()
        .filter(|p| {
            let rule = p.as_rule();
            is_infix(rule)
                || matches!(
                    rule,
                    Rule::not | Rule::neg | Rule::field | Rule::index | Rule::call_args
                )
        })
        .count()
}

impl Lowerer {
    pub(crate) fn new(base: usize) -> Self {
        Lowerer {
            diags: Vec::new(),
            in_expr: false,
            base,
        }
    }

    fn span(&self, p: &Pair<Rule>) -> Span {
        let s = p.as_span();
        Span::new((self.base + s.start()).into(), s.end() - s.start())
    }

    /// A file offset, from an offset in pest's input.
    fn at(&self, pos: usize) -> usize {
        self.base + pos
    }

    fn ident(&mut self, p: &Pair<Rule>) -> Ident {
        // A name starts a word: if it does not, a keyword took the front of
        // it (`stepper "x" {}` read as a step named `per`).
        let span = p.as_span();
        self.glued_keyword(span.get_input(), span.start(), false);
        Ident {
            name: p.as_str().to_string(),
            span: self.span(p),
        }
    }

    fn path(&mut self, p: Pair<Rule>) -> Path {
        let span = self.span(&p);
        Path {
            segments: p.into_inner().map(|i| self.ident(&i)).collect(),
            span,
        }
    }

    fn type_expr(&mut self, p: Pair<Rule>) -> TypeExpr {
        let inner = p.into_inner().next().expect("type");
        match inner.as_rule() {
            Rule::list_type => {
                let span = self.span(&inner);
                let elem = inner.into_inner().next().expect("list element type");
                TypeExpr::List(Box::new(self.type_expr(elem)), span)
            }
            _ => TypeExpr::Named(self.ident(&inner)),
        }
    }

    fn error(&mut self, code: Code, span: Span, msg: impl Into<String>, help: &str) {
        self.diags
            .push(Diagnostic::new(code, span, msg).with_help(help.to_string()));
    }

    /// A name. The grammar does not keep keywords out of names (checking
    /// every name against every keyword was a tenth of the parse time), so
    /// a keyword used as a name is caught here.
    fn name(&mut self, p: &Pair<Rule>) -> Ident {
        let ident = self.ident(p);
        if p.as_rule() == Rule::ident && is_keyword(&ident.name) {
            self.diags.push(
                Diagnostic::new(
                    Code::Syntax,
                    ident.span,
                    format!("expected a name, found the keyword `{}`", ident.name),
                )
                .with_label("a keyword")
                .with_help(match ident.name.as_str() {
                    q @ ("any" | "all" | "count" | "filter" | "map") => {
                        format!("`{q}` is written `{q}(x in xs where CONDITION)`")
                    }
                    k => format!("keywords can't be names: pick another name, e.g. `{k}_value`"),
                }),
            );
        }
        ident
    }

    /// A keyword glued to the word after it, where pest ended the keyword
    /// at `end` in `input`: `letter = 3` read as `let ter = 3`. pest's
    /// keywords are literals with no word boundary of their own (a boundary
    /// in the grammar costs an atomic rule, so a pair, per keyword), so
    /// lowering checks it at the two places a keyword can end: before every
    /// name, and after a statement's keyword (`iftrue`, `pollevery`). Each
    /// glued word is reported once, though both places may see it.
    fn glued_keyword(&mut self, input: &str, end: usize, statement: bool) {
        let bytes = input.as_bytes();
        let glued = end > 0
            && is_ident_byte(bytes[end - 1])
            && bytes.get(end).is_some_and(|b| is_ident_byte(*b));
        if !glued {
            return;
        }
        let start = bytes[..end]
            .iter()
            .rposition(|b| !is_ident_byte(*b))
            .map_or(0, |i| i + 1);
        let stop = bytes[end..]
            .iter()
            .position(|b| !is_ident_byte(*b))
            .map_or(bytes.len(), |i| end + i);
        let at = self.at(start);
        if self
            .diags
            .iter()
            .any(|d| d.primary_span().is_some_and(|s| s.offset() == at))
        {
            return;
        }
        let (keyword, rest, word) = (&input[start..end], &input[end..stop], &input[start..stop]);
        let span = Span::new(at.into(), word.len());
        if statement {
            self.error(
                Code::Syntax,
                span,
                format!("expected a statement, found `{word}`"),
                "a statement starts with a keyword (`let`, `log`, `poll`, ...) followed by a space, or is a call",
            );
        } else {
            self.diags.push(
                Diagnostic::new(
                    Code::Syntax,
                    span,
                    format!("expected `{keyword}` and a space, found the word `{word}`"),
                )
                .with_label("one word")
                .with_help(format!(
                    "a keyword stands alone: write `{keyword} {rest}` if that is what you meant"
                )),
            );
        }
    }

    fn lower_file(&mut self, pair: Pair<Rule>) -> File {
        File {
            items: self.lower_file_items(pair.into_inner()),
        }
    }

    /// The items of a file, or of the part of one that a parser thread read
    /// (where the procedure may be a `procedure_open`, its `}` still ahead).
    pub(crate) fn lower_file_items(&mut self, pairs: Pairs<Rule>) -> Vec<FileItem> {
        let mut items = Vec::new();
        let mut first_proc: Option<Span> = None;
        for p in pairs {
            match p.as_rule() {
                Rule::use_decl => items.push(FileItem::Use(self.lower_use(p))),
                Rule::layers_decl => items.push(FileItem::Layers(self.lower_layers(p))),
                Rule::site_decl => items.push(FileItem::Site(self.lower_site(p))),
                Rule::expectations => {
                    items.push(FileItem::Expectations(self.lower_expectations(p)))
                }
                Rule::procedure | Rule::procedure_open => {
                    let proc = self.lower_procedure(p);
                    if let Some(first) = first_proc {
                        self.diags.push(
                            Diagnostic::new(Code::TwoProcedures, proc.name.span, format!("second procedure `{}` in one file", proc.name.name))
                                .with_label("second procedure")
                                .with_secondary(first, "first procedure")
                                .with_help("put each procedure in its own file and bring it in with `use \"file.rbk\"`"),
                        );
                    } else {
                        first_proc = Some(proc.name.span);
                    }
                    items.push(FileItem::Procedure(proc));
                }
                Rule::stray_doc | Rule::EOI => {}
                r => unreachable!("file item {r:?}"),
            }
        }
        items
    }

    fn lower_use(&mut self, pair: Pair<Rule>) -> Use {
        let span = self.span(&pair);
        let s = pair.into_inner().next().expect("use has a string");
        Use {
            path: self.lower_string(s),
            span,
        }
    }

    fn lower_layers(&mut self, pair: Pair<Rule>) -> Layers {
        let span = self.span(&pair);
        Layers {
            names: pair.into_inner().map(|p| self.name(&p)).collect(),
            span,
        }
    }

    fn lower_site(&mut self, pair: Pair<Rule>) -> SiteDecl {
        let span = self.span(&pair);
        let fields = pair
            .into_inner()
            .map(|p| self.lower_field_decl(p))
            .collect();
        SiteDecl { fields, span }
    }

    /// `field_decl` and `param_decl`: `[///doc] [param] name: type [= default] ["description"]`
    fn lower_field_decl(&mut self, pair: Pair<Rule>) -> FieldDecl {
        let span = self.span(&pair);
        let mut doc = Vec::new();
        let mut name = None;
        let mut ty = None;
        let mut default = None;
        let mut description = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::doc_comment => doc.push(doc_text(&p)),
                Rule::ident => name = Some(self.name(&p)),
                Rule::type_expr => ty = Some(self.type_expr(p)),
                Rule::default_value => {
                    let e = p.into_inner().next().expect("default has an expr");
                    default = Some(self.lower_expr(e));
                }
                Rule::string => description = Some(self.lower_string(p)),
                r => unreachable!("field item {r:?}"),
            }
        }
        FieldDecl {
            doc,
            name: name.expect("field has a name"),
            ty: ty.expect("field has a type"),
            default,
            description,
            span,
        }
    }

    fn lower_expectations(&mut self, pair: Pair<Rule>) -> Expectations {
        let span = self.span(&pair);
        let items = pair.into_inner().map(|p| self.lower_expect(p)).collect();
        Expectations { items, span }
    }

    fn lower_expect(&mut self, pair: Pair<Rule>) -> Expect {
        let span = self.span(&pair);
        let mut id = None;
        let mut observation = None;
        let mut verdict = Verdict::Alarm;
        let mut meaning = None;
        let mut matcher = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => id = Some(self.name(&p)),
                Rule::string => observation = Some(self.lower_string(p)),
                Rule::verdict => {
                    verdict = if p.as_str() == "benign" {
                        Verdict::Benign
                    } else {
                        Verdict::Alarm
                    }
                }
                Rule::meaning => {
                    let s = p.into_inner().next().expect("meaning has a string");
                    meaning = Some(self.lower_string(s));
                }
                Rule::matcher => {
                    let mspan = self.span(&p);
                    let mut inner = p.into_inner();
                    let builtin = self.path(inner.next().expect("matcher path"));
                    let binding = self.name(&inner.next().expect("matcher binding"));
                    let condition = self.lower_expr(inner.next().expect("matcher condition"));
                    matcher = Some(Matcher {
                        builtin,
                        binding,
                        condition,
                        span: mspan,
                    });
                }
                r => unreachable!("expect item {r:?}"),
            }
        }
        Expect {
            id,
            observation: observation.expect("expect has an observation"),
            verdict,
            meaning: meaning.expect("expect has a meaning"),
            matcher,
            span,
        }
    }

    fn lower_procedure(&mut self, pair: Pair<Rule>) -> Procedure {
        let span = self.span(&pair);
        let mut doc = Vec::new();
        let mut name = None;
        let mut title = None;
        let mut readonly = None;
        let mut items = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::doc_comment => doc.push(doc_text(&p)),
                Rule::ident => name = Some(self.name(&p)),
                Rule::string if title.is_none() => title = Some(self.lower_string(p)),
                Rule::readonly_attr => readonly = Some(self.span(&p)),
                _ => self.lower_proc_item(p, &mut items),
            }
        }
        Procedure {
            doc,
            name: name.expect("procedure has a name"),
            title: title.expect("procedure has a title"),
            readonly,
            items,
            span,
        }
    }

    /// A run of a procedure's items (a `proc_part`'s insides).
    pub(crate) fn lower_proc_items(&mut self, pairs: Pairs<Rule>) -> Vec<ProcItem> {
        let mut items = Vec::new();
        for p in pairs {
            self.lower_proc_item(p, &mut items);
        }
        items
    }

    fn lower_proc_item(&mut self, p: Pair<Rule>, items: &mut Vec<ProcItem>) {
        match p.as_rule() {
            Rule::header_field => items.push(ProcItem::Header(self.lower_header(p))),
            Rule::param_decl => items.push(ProcItem::Param(self.lower_field_decl(p))),
            Rule::layers_decl => items.push(ProcItem::Layers(self.lower_layers(p))),
            Rule::expectations => items.push(ProcItem::Expectations(self.lower_expectations(p))),
            Rule::step | Rule::gate | Rule::decide | Rule::call_node => {
                items.push(ProcItem::Node(self.lower_node(p)))
            }
            Rule::doc_item => items.push(ProcItem::Doc(self.lower_doc_item(p))),
            Rule::stray_doc | Rule::EOI => {}
            r => unreachable!("procedure item {r:?}"),
        }
    }

    fn lower_header(&mut self, pair: Pair<Rule>) -> HeaderField {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let key = match inner.next().expect("header key").as_str() {
            "status" => HeaderKey::Status,
            "verified" => HeaderKey::Verified,
            "applies" => HeaderKey::Applies,
            "destination" => HeaderKey::Destination,
            "see" => HeaderKey::See,
            _ => HeaderKey::Layer,
        };
        let values = inner.map(|p| self.lower_string(p)).collect();
        HeaderField { key, values, span }
    }

    fn lower_node(&mut self, pair: Pair<Rule>) -> Node {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut doc = Vec::new();
        let mut name = None;
        let mut title = None;
        let mut layer = None;
        let mut needs = Vec::new();
        let mut readonly = None;
        let mut body = None;
        let mut branches = Vec::new();
        let mut otherwise = None;
        let mut args = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::doc_comment => doc.push(doc_text(&p)),
                Rule::ident => name = Some(self.name(&p)),
                Rule::string => title = Some(self.lower_string(p)),
                Rule::layer_attr => layer = p.into_inner().next().map(|i| self.name(&i)),
                Rule::needs_attr => needs.extend(p.into_inner().map(|i| self.name(&i))),
                Rule::readonly_attr => readonly = Some(self.span(&p)),
                Rule::block => body = Some(self.lower_block(p)),
                Rule::branch => branches.push(self.lower_branch(p)),
                Rule::otherwise => otherwise = Some(self.lower_branch(p)),
                Rule::arg_list => args = self.lower_args(p),
                r => unreachable!("node item {r:?}"),
            }
        }
        let empty = || Block {
            stmts: Vec::new(),
            span,
        };
        let kind = match rule {
            Rule::step => NodeKind::Step(body.unwrap_or_else(empty)),
            Rule::gate => NodeKind::Gate(body.unwrap_or_else(empty)),
            Rule::decide => NodeKind::Decide(Decide {
                branches,
                otherwise,
            }),
            _ => NodeKind::Call(args),
        };
        Node {
            doc,
            kind,
            name: name.expect("node has a name"),
            title,
            layer,
            needs,
            readonly,
            span,
        }
    }

    fn lower_branch(&mut self, pair: Pair<Rule>) -> Branch {
        let span = self.span(&pair);
        let is_when = pair.as_rule() == Rule::branch;
        let mut inner = pair.into_inner();
        let condition = is_when.then(|| self.lower_expr(inner.next().expect("branch condition")));
        let target = self.name(&inner.next().expect("branch target"));
        let reason = inner.next().map(|s| self.lower_string(s));
        Branch {
            condition,
            target,
            reason,
            span,
        }
    }

    fn lower_doc_item(&mut self, pair: Pair<Rule>) -> DocItem {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let kind = match inner.next().expect("doc kind").as_str() {
            "note" => DocKind::Note,
            "warn" => DocKind::Warn,
            _ => DocKind::Timing,
        };
        let mut next = inner.next().expect("doc text");
        let mut duration = None;
        if next.as_rule() == Rule::doc_duration {
            duration = self.doc_duration(&next, kind);
            next = inner.next().expect("doc text");
        }
        let text = self.lower_string(next);
        DocItem {
            kind,
            duration,
            text,
            span,
        }
    }

    /// `~3m30s`: the sum of its parts; only `timing` has one.
    fn doc_duration(&mut self, p: &Pair<Rule>, kind: DocKind) -> Option<Approx> {
        let span = self.span(p);
        if kind != DocKind::Timing {
            self.bad_literal(
                span,
                "a duration here (only `timing ~3m30s \"...\"` has one)",
            );
            return None;
        }
        let text = &p.as_str()[1..];
        let mut total = Duration::ZERO;
        let mut rest = text;
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| c.is_ascii_alphabetic())
                .unwrap_or(rest.len());
            let unit_len = rest[digits..]
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(rest.len() - digits);
            let part = &rest[..digits + unit_len];
            match parse_duration(part).and_then(|d| total.checked_add(d)) {
                Some(t) => total = t,
                None => {
                    self.bad_literal(span, "this duration (too large)");
                    return None;
                }
            }
            rest = &rest[digits + unit_len..];
        }
        let after_tilde = Span::new((span.offset() + 1).into(), span.len() - 1);
        Some(Approx {
            value: total,
            span: after_tilde,
        })
    }

    fn lower_block(&mut self, pair: Pair<Rule>) -> Block {
        let span = self.span(&pair);
        let stmts = pair
            .into_inner()
            .filter(|p| p.as_rule() != Rule::stray_doc)
            .map(|p| self.lower_stmt(p))
            .collect();
        Block { stmts, span }
    }

    fn lower_stmt(&mut self, pair: Pair<Rule>) -> Stmt {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let keyword = match rule {
            Rule::let_stmt => Some("let"),
            Rule::record_stmt => Some("record"),
            Rule::scope_stmt => Some("scope"),
            Rule::poll_stmt => Some("poll"),
            Rule::patience_stmt => Some("patience"),
            Rule::foreach_stmt => Some("foreach"),
            Rule::if_stmt => Some("if"),
            Rule::require_stmt => Some("require"),
            Rule::confirm_stmt => Some("confirm"),
            Rule::log_stmt => Some("log"),
            Rule::call_stmt => Some("call"),
            _ => None,
        };
        if let Some(keyword) = keyword {
            let text = pair.as_span();
            self.glued_keyword(text.get_input(), text.start() + keyword.len(), true);
        }
        let kind = match rule {
            Rule::let_stmt | Rule::record_stmt => {
                let mut inner = pair.into_inner();
                let name = self.name(&inner.next().expect("binding name"));
                let value = self.lower_expr(inner.next().expect("binding value"));
                if rule == Rule::let_stmt {
                    StmtKind::Let { name, value }
                } else {
                    StmtKind::Record { name, value }
                }
            }
            Rule::call_stmt => {
                let mut inner = pair.into_inner();
                let name = self.name(&inner.next().expect("called procedure"));
                let mut args = Vec::new();
                let mut note = None;
                for p in inner {
                    match p.as_rule() {
                        Rule::arg_list => args = self.lower_args(p),
                        _ => note = Some(self.lower_string(p)),
                    }
                }
                StmtKind::Call(CallProc { name, args, note })
            }
            Rule::scope_stmt => {
                let mut inner = pair.into_inner();
                let kind = match inner.next().expect("scope kind").as_str() {
                    "openstack" => ScopeKind::OpenStack,
                    "kube" => ScopeKind::Kube,
                    _ => ScopeKind::Ssh,
                };
                let mut args = Vec::new();
                let mut body = None;
                for p in inner {
                    match p.as_rule() {
                        Rule::arg_list => args = self.lower_args(p),
                        _ => body = Some(self.lower_block(p)),
                    }
                }
                StmtKind::Scope(Scope {
                    kind,
                    args,
                    body: body.expect("scope body"),
                })
            }
            Rule::poll_stmt => StmtKind::Poll(Box::new(self.lower_poll(pair))),
            Rule::patience_stmt => {
                let mut label = None;
                let mut duration = None;
                let mut forbid = Vec::new();
                let mut body = None;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::string => label = Some(self.lower_string(p)),
                        Rule::patience_for => {
                            duration = p.into_inner().next().map(|e| self.lower_expr(e))
                        }
                        Rule::forbid => {
                            for item in p.into_inner() {
                                let fspan = self.span(&item);
                                let mut fi = item.into_inner();
                                let builtin = self.path(fi.next().expect("forbid path"));
                                let pattern = fi.next().map(|s| self.lower_string(s));
                                forbid.push(Forbid {
                                    builtin,
                                    pattern,
                                    span: fspan,
                                });
                            }
                        }
                        _ => body = Some(self.lower_block(p)),
                    }
                }
                StmtKind::Patience(Patience {
                    label: label.expect("patience label"),
                    duration,
                    forbid,
                    body: body.expect("patience body"),
                })
            }
            Rule::foreach_stmt => {
                let mut inner = pair.into_inner();
                let var = self.name(&inner.next().expect("loop variable"));
                let iter = self.lower_expr(inner.next().expect("loop source"));
                let mut parallel = None;
                let mut body = None;
                for p in inner {
                    match p.as_rule() {
                        Rule::parallel => {
                            let pspan = self.span(&p);
                            let max = p.into_inner().next().map(|e| self.lower_expr(e));
                            parallel = Some(Parallel { max, span: pspan });
                        }
                        _ => body = Some(self.lower_block(p)),
                    }
                }
                StmtKind::Foreach(Foreach {
                    var,
                    iter,
                    parallel,
                    body: body.expect("loop body"),
                })
            }
            Rule::if_stmt => StmtKind::If(self.lower_if(pair)),
            Rule::require_stmt => {
                let mut inner = pair.into_inner();
                let condition = self.lower_expr(inner.next().expect("require condition"));
                let message = self.lower_string(inner.next().expect("require message"));
                StmtKind::Require { condition, message }
            }
            Rule::confirm_stmt | Rule::log_stmt => {
                let message = self.lower_string(pair.into_inner().next().expect("message"));
                if rule == Rule::confirm_stmt {
                    StmtKind::Confirm { message }
                } else {
                    StmtKind::Log { message }
                }
            }
            Rule::doc_item => StmtKind::Doc(self.lower_doc_item(pair)),
            Rule::expr_stmt => {
                StmtKind::Expr(self.lower_expr(pair.into_inner().next().expect("expr")))
            }
            r => unreachable!("statement {r:?}"),
        };
        Stmt { kind, span }
    }

    /// `if A {} else if B {} else {}`: the grammar reads the arms as a flat
    /// list (no recursion per arm); the AST nests them as before.
    fn lower_if(&mut self, pair: Pair<Rule>) -> If {
        let chain_end = self.at(pair.as_span().end());
        let mut inner = pair.into_inner();
        let condition = self.lower_expr(inner.next().expect("if condition"));
        let then = self.lower_block(inner.next().expect("if block"));
        let mut arms = Vec::new();
        let mut last_else = None;
        for p in inner {
            match p.as_rule() {
                Rule::else_if => {
                    let mut arm = p.into_inner();
                    let if_kw = arm.next().expect("`if` of else-if");
                    let start = self.at(if_kw.as_span().start());
                    let condition = self.lower_expr(arm.next().expect("else-if condition"));
                    let then = self.lower_block(arm.next().expect("else-if block"));
                    arms.push((Span::new(start.into(), chain_end - start), condition, then));
                }
                _ => {
                    let block = p.into_inner().next().expect("else block");
                    last_else = Some(Else::Block(self.lower_block(block)));
                }
            }
        }
        if arms.len() > limits::MAX_ELSE_IF {
            let (span, ..) = &arms[limits::MAX_ELSE_IF];
            self.error(
                Code::Syntax,
                Span::new(span.offset().into(), 2),
                format!("more than {} `else if` arms", limits::MAX_ELSE_IF),
                "use a `decide` node, or a list and `any(...)`, for this many cases",
            );
            arms.truncate(limits::MAX_ELSE_IF);
        }
        let mut otherwise = last_else;
        for (span, condition, then) in arms.into_iter().rev() {
            let nested = If {
                condition,
                then,
                otherwise,
            };
            otherwise = Some(Else::If(Box::new(Stmt {
                kind: StmtKind::If(nested),
                span,
            })));
        }
        If {
            condition,
            then,
            otherwise,
        }
    }

    fn lower_poll(&mut self, pair: Pair<Rule>) -> Poll {
        let poll_span = self.span(&pair);
        let mut poll = Poll {
            label: None,
            every: None,
            max: None,
            within: None,
            body: Block {
                stmts: Vec::new(),
                span: poll_span,
            },
            until: None,
            fails: Vec::new(),
            exhausted: None,
        };
        let mut body_span: Option<Span> = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::string => poll.label = Some(self.lower_string(p)),
                Rule::every | Rule::max_attempts | Rule::within => {
                    let rule = p.as_rule();
                    let e = self.lower_expr(p.into_inner().next().expect("bound value"));
                    match rule {
                        Rule::every => poll.every = Some(e),
                        Rule::max_attempts => poll.max = Some(e),
                        _ => poll.within = Some(e),
                    }
                }
                Rule::until_clause => {
                    poll.until = Some(self.lower_expr(p.into_inner().next().expect("until")))
                }
                Rule::fail_clause => {
                    let span = self.span(&p);
                    let mut inner = p.into_inner();
                    let condition = self.lower_expr(inner.next().expect("fail condition"));
                    let message = self.lower_string(inner.next().expect("fail message"));
                    poll.fails.push(FailIf {
                        condition,
                        message,
                        span,
                    });
                }
                Rule::exhausted => {
                    let action = p.into_inner().next().expect("exhausted action");
                    poll.exhausted = Some(match action.as_rule() {
                        Rule::abort_action => Exhausted::Abort(
                            self.lower_string(action.into_inner().next().expect("abort message")),
                        ),
                        _ => Exhausted::Continue(
                            action.into_inner().next().map(|s| self.lower_string(s)),
                        ),
                    });
                }
                Rule::stray_doc => {}
                _ => {
                    let stmt = self.lower_stmt(p);
                    body_span = Some(match body_span {
                        Some(s) => join(s, stmt.span),
                        None => stmt.span,
                    });
                    poll.body.stmts.push(stmt);
                }
            }
        }
        if let Some(s) = body_span {
            poll.body.span = s;
        }
        poll
    }

    fn lower_args(&mut self, pair: Pair<Rule>) -> Vec<Arg> {
        pair.into_inner()
            .map(|a| {
                let span = self.span(&a);
                let mut inner = a.into_inner().peekable();
                let name = if inner.peek().map(|p| p.as_rule()) == Some(Rule::ident) {
                    inner.next().map(|p| self.name(&p))
                } else {
                    None
                };
                let value = self.lower_expr(inner.next().expect("argument value"));
                Arg { name, value, span }
            })
            .collect()
    }

    // ------------------------------------------------------------ expressions

    fn lower_expr(&mut self, pair: Pair<Rule>) -> Expr {
        debug_assert_eq!(pair.as_rule(), Rule::expr);
        if !self.in_expr {
            // Every part takes at least one character: short text needs no count.
            let parts = if pair.as_str().len() > limits::MAX_EXPRESSION_PARTS {
                expression_parts(&pair)
            } else {
                0
            };
            if parts > limits::MAX_EXPRESSION_PARTS {
                let span = self.span(&pair);
                self.diags.push(
                    Diagnostic::new(
                        Code::Syntax,
                        span,
                        format!(
                            "expression too large: {parts} operators, fields, indexes and calls (at most {})",
                            limits::MAX_EXPRESSION_PARTS
                        ),
                    )
                    .with_label("this expression")
                    .with_help("split it into steps with `let`"),
                );
                return Expr {
                    kind: ExprKind::None,
                    span,
                };
            }
            self.in_expr = true;
            let e = self.lower_expr(pair);
            self.in_expr = false;
            return e;
        }
        let pairs = pair.into_inner();
        // Most expressions are one operand: no operators to order.
        if pairs.len() == 1 {
            let only = pairs.peek().expect("one operand");
            if only.as_rule() == Rule::postfixed {
                return self.lower_postfixed(only);
            }
        }
        // The closures below all need `self`; a RefCell-free way is to run
        // the Pratt parser over a cell of our own diagnostics.
        let diags = std::cell::RefCell::new(std::mem::take(&mut self.diags));
        let base = self.base;
        let result = pratt()
            .map_primary(|p| {
                let mut lw = Lowerer {
                    diags: std::mem::take(&mut *diags.borrow_mut()),
                    in_expr: true,
                    base,
                };
                let e = lw.lower_postfixed(p);
                *diags.borrow_mut() = lw.diags;
                e
            })
            .map_prefix(|op, operand| {
                let span = join(self.span(&op), operand.span);
                let op = if op.as_rule() == Rule::not {
                    UnaryOp::Not
                } else {
                    UnaryOp::Neg
                };
                Expr {
                    kind: ExprKind::Unary {
                        op,
                        operand: Box::new(operand),
                    },
                    span,
                }
            })
            .map_infix(|lhs, op, rhs| {
                let op = match op.as_rule() {
                    Rule::or => BinaryOp::Or,
                    Rule::and => BinaryOp::And,
                    Rule::eq => BinaryOp::Eq,
                    Rule::ne => BinaryOp::Ne,
                    Rule::lt => BinaryOp::Lt,
                    Rule::le => BinaryOp::Le,
                    Rule::gt => BinaryOp::Gt,
                    Rule::ge => BinaryOp::Ge,
                    Rule::matches => BinaryOp::Matches,
                    Rule::not_match => BinaryOp::NotMatches,
                    Rule::in_op => BinaryOp::In,
                    Rule::not_in => BinaryOp::NotIn,
                    Rule::add => BinaryOp::Add,
                    Rule::sub => BinaryOp::Sub,
                    Rule::mul => BinaryOp::Mul,
                    Rule::div => BinaryOp::Div,
                    _ => BinaryOp::Rem,
                };
                let span = join(lhs.span, rhs.span);
                Expr {
                    kind: ExprKind::Binary {
                        op,
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                    span,
                }
            })
            .parse(pairs);
        self.diags = diags.into_inner();
        result
    }

    fn lower_postfixed(&mut self, pair: Pair<Rule>) -> Expr {
        let mut inner = pair.into_inner();
        let mut expr = self.lower_primary(inner.next().expect("primary"));
        for post in inner {
            let pspan = self.span(&post);
            let span = join(expr.span, pspan);
            expr = match post.as_rule() {
                Rule::field => {
                    let name = self.name(&post.into_inner().next().expect("field name"));
                    Expr {
                        kind: ExprKind::Field {
                            base: Box::new(expr),
                            name,
                        },
                        span,
                    }
                }
                Rule::index => {
                    let index = self.lower_expr(post.into_inner().next().expect("index"));
                    Expr {
                        kind: ExprKind::Index {
                            base: Box::new(expr),
                            index: Box::new(index),
                        },
                        span,
                    }
                }
                _ => {
                    let args = self.lower_args(post);
                    match expr_to_path(&expr) {
                        Some(callee) => Expr {
                            kind: ExprKind::Call { callee, args },
                            span,
                        },
                        None => {
                            self.error(
                                Code::NotCallable,
                                expr.span,
                                "only a named builtin or function can be called",
                                "call a builtin by its name, e.g. `openstack.server.show(name)`",
                            );
                            expr
                        }
                    }
                }
            };
        }
        expr
    }

    fn lower_primary(&mut self, pair: Pair<Rule>) -> Expr {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::expr => return self.lower_expr(pair),
            Rule::ident => ExprKind::Var(self.name(&pair)),
            Rule::boolean => ExprKind::Bool(pair.as_str() == "true"),
            Rule::none => ExprKind::None,
            Rule::string => ExprKind::Str(self.lower_string(pair)),
            Rule::number => {
                let text = pair.as_str();
                if text.contains('.') {
                    match text.parse::<f64>() {
                        Ok(x) => ExprKind::Float(x),
                        Err(_) => self.bad_literal(span, "this number"),
                    }
                } else {
                    match text.parse::<i64>() {
                        Ok(i) => ExprKind::Int(i),
                        Err(_) => self.bad_literal(span, "this number (too large)"),
                    }
                }
            }
            Rule::duration => match parse_duration(pair.as_str()) {
                Some(d) => ExprKind::Duration(d),
                None => self.bad_literal(span, "this duration (too large)"),
            },
            Rule::list => ExprKind::List(pair.into_inner().map(|e| self.lower_expr(e)).collect()),
            Rule::comprehension => {
                let mut inner = pair.into_inner();
                let quantifier = match inner.next().expect("quantifier").as_str() {
                    "any" => Quantifier::Any,
                    "all" => Quantifier::All,
                    "count" => Quantifier::Count,
                    "filter" => Quantifier::Filter,
                    _ => Quantifier::Map,
                };
                let var = self.name(&inner.next().expect("comprehension variable"));
                let iter = Box::new(self.lower_expr(inner.next().expect("comprehension source")));
                // `where` and `:` parts are told apart by their text position.
                let rest: Vec<Pair<Rule>> = inner.collect();
                let mut filter = None;
                let mut map = None;
                for e in rest {
                    let preceded_by_colon = {
                        let s = e.as_span();
                        let whole = s.get_input();
                        whole[..s.start()].trim_end().ends_with(':')
                    };
                    let lowered = Box::new(self.lower_expr(e));
                    if preceded_by_colon {
                        map = Some(lowered);
                    } else {
                        filter = Some(lowered);
                    }
                }
                ExprKind::Comprehension {
                    quantifier,
                    var,
                    iter,
                    filter,
                    map,
                }
            }
            r => unreachable!("primary {r:?}"),
        };
        Expr { kind, span }
    }

    fn bad_literal(&mut self, span: Span, what: &str) -> ExprKind {
        self.error(Code::BadLiteral, span, format!("cannot read {what}"), "numbers are whole (`20`) or decimal (`1.5`); durations are a number and a unit: `500ms`, `10s`, `3.5m`, `2h`, `1d`");
        ExprKind::None
    }

    // ------------------------------------------------------------ strings

    fn lower_string(&mut self, pair: Pair<Rule>) -> Text {
        let span = self.span(&pair);
        let chars = pair.into_inner().next().expect("string text");
        let triple = chars.as_rule() == Rule::triple_chars;
        let raw = chars.as_str();
        let base = self.at(chars.as_span().start());
        let parts = self.split_interpolations(raw, base, triple);
        let parts = if triple { dedent(parts) } else { parts };
        Text {
            parts,
            triple,
            span,
        }
    }

    /// Split string source into literal parts and `{expr}` parts, handling
    /// escapes (plain strings) and `{{`/`}}`.
    fn split_interpolations(&mut self, raw: &str, base: usize, triple: bool) -> Vec<TextPart> {
        // Most strings are plain text: nothing to split or unescape.
        if !raw.contains(['{', '}', '\\']) {
            return if raw.is_empty() {
                Vec::new()
            } else {
                vec![TextPart::Lit(raw.to_string())]
            };
        }
        let mut parts = Vec::new();
        let mut lit = String::new();
        let bytes: Vec<(usize, char)> = raw.char_indices().collect();
        let mut i = 0;
        while i < bytes.len() {
            let (pos, c) = bytes[i];
            match c {
                '\\' if !triple => {
                    let next = bytes.get(i + 1).map(|(_, c)| *c);
                    match next {
                        Some('n') => lit.push('\n'),
                        Some('t') => lit.push('\t'),
                        Some('\\') => lit.push('\\'),
                        Some('"') => lit.push('"'),
                        Some('{') => lit.push('{'),
                        Some('}') => lit.push('}'),
                        // Any other escape stays as written, so regexes
                        // read naturally: "cluster status:\s+ready".
                        Some(other) => {
                            lit.push('\\');
                            lit.push(other);
                        }
                        None => lit.push('\\'),
                    }
                    i += 2;
                }
                '{' if bytes.get(i + 1).map(|(_, c)| *c) == Some('{') => {
                    lit.push('{');
                    i += 2;
                }
                '}' if bytes.get(i + 1).map(|(_, c)| *c) == Some('}') => {
                    lit.push('}');
                    i += 2;
                }
                '{' => {
                    // Find the matching close brace, allowing nested strings.
                    let start = i + 1;
                    let mut depth = 1;
                    let mut j = start;
                    let mut in_str = false;
                    while j < bytes.len() {
                        let ch = bytes[j].1;
                        if in_str {
                            if ch == '\'' {
                                in_str = false;
                            }
                        } else if ch == '\'' {
                            in_str = true;
                        } else if ch == '{' {
                            depth += 1;
                        } else if ch == '}' {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        j += 1;
                    }
                    let open_span = Span::new((base + pos).into(), 1);
                    if j >= bytes.len() {
                        self.error(
                            Code::BadInterpolation,
                            open_span,
                            "`{` opens an interpolation that is never closed",
                            "close it with `}`, or write a literal brace as `{{`",
                        );
                        break;
                    }
                    if !lit.is_empty() {
                        parts.push(TextPart::Lit(std::mem::take(&mut lit)));
                    }
                    let expr_start = bytes[start].0;
                    let expr_end = bytes[j].0;
                    let src = &raw[expr_start..expr_end];
                    if let Some(e) = self.lower_interpolation(src, base + expr_start) {
                        parts.push(TextPart::Expr(e));
                    }
                    i = j + 1;
                }
                '}' => {
                    let span = Span::new((base + pos).into(), 1);
                    self.error(
                        Code::BadInterpolation,
                        span,
                        "`}` with no `{` before it",
                        "write a literal brace as `}}`",
                    );
                    i += 1;
                }
                c => {
                    lit.push(c);
                    i += 1;
                }
            }
        }
        if !lit.is_empty() {
            parts.push(TextPart::Lit(lit));
        }
        parts
    }

    fn lower_interpolation(&mut self, src: &str, offset: usize) -> Option<Expr> {
        if let Err(d) = limits::prescan(src, offset) {
            self.diags.push(*d);
            return None;
        }
        // `{name}` and `{a.b.c}` are most interpolations: no parser needed.
        if let Some(mut e) = simple_path(src) {
            shift_spans(&mut e, offset);
            return Some(e);
        }
        match parse_rule(Rule::interpolation, src) {
            Ok(mut pairs) => {
                let interp = pairs.next()?;
                let expr = interp.into_inner().next()?;
                // An interpolation is an expression of its own, measured apart
                // from any expression its string sits in.
                // pest counted from the start of `src`: spans and problems
                // found inside are placed in the file through `base`.
                let outer = std::mem::replace(&mut self.in_expr, false);
                let outer_base = std::mem::replace(&mut self.base, offset);
                let e = self.lower_expr(expr);
                self.in_expr = outer;
                self.base = outer_base;
                Some(e)
            }
            Err(err) => {
                let d = from_pest(err, src);
                let inner = d.primary_span().map_or(0, |s| s.offset());
                let span = Span::new((offset + inner).into(), 1);
                // The interpolation is parsed on its own: its "end of file"
                // is the closing brace.
                let message = if d.message == "unexpected end of file" {
                    "the expression ends too soon".to_string()
                } else {
                    d.message.replace("end of file", "`}`")
                };
                self.error(Code::BadInterpolation, span, format!("in `{{{src}}}`: {message}"), "an interpolation holds one expression, e.g. `{server.status}` or `{len(orphans)}`");
                None
            }
        }
    }
}

/// Remove the common indentation of a `"""` string, and the newline right
/// after the opening quotes and before the closing ones.
fn dedent(parts: Vec<TextPart>) -> Vec<TextPart> {
    // Indentation is measured on the literal text at the start of each line.
    let mut full = String::new();
    for p in &parts {
        match p {
            TextPart::Lit(s) => full.push_str(s),
            TextPart::Expr(_) => full.push('\u{0}'),
        }
    }
    let indent = full
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    let mut out = Vec::new();
    let last = parts.len().saturating_sub(1);
    for (idx, p) in parts.into_iter().enumerate() {
        match p {
            TextPart::Lit(s) => {
                let mut text = String::new();
                let mut at_line_start = false;
                let mut skipped = 0;
                for c in s.chars() {
                    if at_line_start && skipped < indent && (c == ' ' || c == '\t') {
                        skipped += 1;
                        continue;
                    }
                    at_line_start = false;
                    text.push(c);
                    if c == '\n' {
                        at_line_start = true;
                        skipped = 0;
                    }
                }
                if idx == 0 {
                    if let Some(rest) = text.strip_prefix('\n') {
                        text = rest.to_string();
                    } else if let Some(rest) = text.strip_prefix("\r\n") {
                        text = rest.to_string();
                    }
                }
                if idx == last {
                    let trimmed = text.trim_end_matches([' ', '\t']);
                    if trimmed.ends_with('\n') {
                        text = trimmed.trim_end_matches('\n').to_string();
                    }
                }
                if !text.is_empty() {
                    out.push(TextPart::Lit(text));
                }
            }
            e => out.push(e),
        }
    }
    out
}

/// Move every span in an expression parsed from a substring to file offsets.
fn shift_spans(e: &mut Expr, by: usize) {
    fn shift(s: &mut Span, by: usize) {
        *s = Span::new((s.offset() + by).into(), s.len());
    }
    fn shift_text(t: &mut Text, by: usize) {
        shift(&mut t.span, by);
        for p in &mut t.parts {
            if let TextPart::Expr(e) = p {
                shift_spans(e, by);
            }
        }
    }
    shift(&mut e.span, by);
    match &mut e.kind {
        ExprKind::Str(t) => shift_text(t, by),
        ExprKind::List(items) => items.iter_mut().for_each(|i| shift_spans(i, by)),
        ExprKind::Var(i) => shift(&mut i.span, by),
        ExprKind::Field { base, name } => {
            shift_spans(base, by);
            shift(&mut name.span, by);
        }
        ExprKind::Index { base, index } => {
            shift_spans(base, by);
            shift_spans(index, by);
        }
        ExprKind::Call { callee, args } => {
            shift(&mut callee.span, by);
            callee
                .segments
                .iter_mut()
                .for_each(|s| shift(&mut s.span, by));
            for a in args {
                shift(&mut a.span, by);
                if let Some(n) = &mut a.name {
                    shift(&mut n.span, by);
                }
                shift_spans(&mut a.value, by);
            }
        }
        ExprKind::Unary { operand, .. } => shift_spans(operand, by),
        ExprKind::Binary { lhs, rhs, .. } => {
            shift_spans(lhs, by);
            shift_spans(rhs, by);
        }
        ExprKind::Comprehension {
            var,
            iter,
            filter,
            map,
            ..
        } => {
            shift(&mut var.span, by);
            shift_spans(iter, by);
            if let Some(f) = filter {
                shift_spans(f, by);
            }
            if let Some(m) = map {
                shift_spans(m, by);
            }
        }
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::Duration(_) => {}
    }
}

/// `name` or `a.b.c` (white space around it allowed), as the expression
/// the grammar would give, with spans relative to `src`; `None` for
/// anything else, keywords included, which the parser then reads.
fn simple_path(src: &str) -> Option<Expr> {
    let start = src.len() - src.trim_start().len();
    let text = src.trim();
    let is_word = |w: &str| {
        let mut chars = w.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let mut segments = text.split('.');
    let first = segments.next()?;
    if !is_word(first) || is_keyword(first) {
        return None;
    }
    let ident = |name: &str, at: usize| Ident {
        name: name.to_string(),
        span: Span::new(at.into(), name.len()),
    };
    let mut expr = Expr {
        kind: ExprKind::Var(ident(first, start)),
        span: Span::new(start.into(), first.len()),
    };
    let mut at = start + first.len();
    for name in segments {
        if !is_word(name) {
            return None;
        }
        let field = ident(name, at + 1);
        at += 1 + name.len();
        expr = Expr {
            span: Span::new(start.into(), at - start),
            kind: ExprKind::Field {
                base: Box::new(expr),
                name: field,
            },
        };
    }
    Some(expr)
}

/// `a.b.c` as a path, when the expression is only names and fields.
fn expr_to_path(e: &Expr) -> Option<Path> {
    match &e.kind {
        ExprKind::Var(i) => Some(Path {
            segments: vec![i.clone()],
            span: e.span,
        }),
        ExprKind::Field { base, name } => {
            let mut p = expr_to_path(base)?;
            p.segments.push(name.clone());
            p.span = e.span;
            Some(p)
        }
        _ => None,
    }
}

/// The words of the grammar's `keyword` rule, sorted (a test keeps the two
/// equal).
pub(crate) const KEYWORDS: &[&str] = &[
    "all",
    "and",
    "any",
    "call",
    "confirm",
    "count",
    "decide",
    "else",
    "expectations",
    "false",
    "filter",
    "foreach",
    "gate",
    "if",
    "in",
    "let",
    "log",
    "map",
    "none",
    "not",
    "note",
    "or",
    "otherwise",
    "param",
    "patience",
    "poll",
    "procedure",
    "record",
    "require",
    "scope",
    "step",
    "timing",
    "true",
    "until",
    "use",
    "warn",
    "when",
    "where",
];

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

pub(crate) fn is_keyword(name: &str) -> bool {
    // Keywords are short and all lowercase letters; most names are not
    // (`servers2`, `mgmt_vm`) and need no search.
    name.len() <= 12
        && name.bytes().all(|b| b.is_ascii_lowercase())
        && KEYWORDS.binary_search(&name).is_ok()
}

fn doc_text(p: &Pair<Rule>) -> String {
    let text = p.as_str().trim_start_matches("///");
    text.strip_prefix(' ')
        .unwrap_or(text)
        .trim_end()
        .to_string()
}

/// `10s`, `3.5m`, `2h`, `500ms`, `1d` (a site file's `10 s` too): the one
/// reading of a duration, for literals, site and `--set` values and the
/// builtin table's defaults.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (num, unit) = text.split_at(split);
    let value: f64 = num.trim().parse().ok()?;
    let secs = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        "d" => value * 86400.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(secs).ok()
}
