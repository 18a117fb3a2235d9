//! RBK411: a poll that never looks again. Its `until` and `fail if` read
//! only values computed outside its body, so every attempt sees the same
//! value: it passes at once or burns its whole budget. A condition looks
//! again when it calls a builtin itself, or reads a `let` of the body that
//! calls one (directly or through other such `let`s) or sets a constant.
use std::collections::HashSet;

use super::{walk, RuleInput};
use crate::diagnostic::{Code, Diagnostic};
use crate::resolve::builtins::{self, Effect};
use crate::syntax::ast::{Block, Expr, ExprKind, Poll, Span, StmtKind};

/// Does `e` call something that is not a pure function?
fn calls_out(e: &Expr) -> bool {
    let mut found = false;
    walk::visit_expr(e, &mut |x| {
        if let ExprKind::Call { callee, .. } = &x.kind {
            found |= builtins::lookup_path(callee).is_none_or(|b| b.effect != Effect::Pure);
        }
    });
    found
}

/// The plain variables `e` reads.
fn reads(e: &Expr) -> HashSet<&str> {
    let mut out = HashSet::new();
    walk::visit_expr(e, &mut |x| {
        if let ExprKind::Var(v) = &x.kind {
            out.insert(v.name.as_str());
        }
    });
    out
}

/// The `let`s of a block and the blocks inside it: (name, value).
fn lets<'a>(b: &'a Block, out: &mut Vec<(&'a str, &'a Expr)>) {
    for s in &b.stmts {
        match &s.kind {
            StmtKind::Let { name, value } => out.push((name.name.as_str(), value)),
            StmtKind::Scope(sc) => lets(&sc.body, out),
            StmtKind::Poll(p) => lets(&p.body, out),
            StmtKind::Patience(p) => lets(&p.body, out),
            StmtKind::Foreach(f) => lets(&f.body, out),
            StmtKind::If(i) => {
                lets(&i.then, out);
                let mut rest = i.otherwise.as_ref();
                while let Some(e) = rest {
                    match e {
                        crate::syntax::ast::Else::Block(b) => {
                            lets(b, out);
                            rest = None;
                        }
                        crate::syntax::ast::Else::If(s) => {
                            let StmtKind::If(inner) = &s.kind else { break };
                            lets(&inner.then, out);
                            rest = inner.otherwise.as_ref();
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// The body's variables whose value is read afresh on each attempt.
fn fresh_vars(p: &Poll) -> HashSet<&str> {
    let mut body = Vec::new();
    lets(&p.body, &mut body);
    let mut fresh: HashSet<&str> = HashSet::new();
    loop {
        let before = fresh.len();
        for (name, value) in &body {
            if !fresh.contains(name)
                && (calls_out(value) || {
                    // A constant set in the body is not a stale copy.
                    let r = reads(value);
                    r.is_empty() || r.iter().any(|v| fresh.contains(v))
                })
            {
                fresh.insert(name);
            }
        }
        if fresh.len() == before {
            return fresh;
        }
    }
}

fn stale(p: &Poll) -> Option<Span> {
    let conditions: Vec<&Expr> = p
        .until
        .iter()
        .chain(p.fails.iter().map(|f| &f.condition))
        .collect();
    let read: HashSet<&str> = conditions.iter().flat_map(|c| reads(c)).collect();
    // A constant condition is another matter; one that calls out looks again.
    if read.is_empty() || conditions.iter().any(|c| calls_out(c)) {
        return None;
    }
    let fresh = fresh_vars(p);
    if read.iter().any(|v| fresh.contains(v)) {
        return None;
    }
    conditions.first().map(|c| c.span)
}

pub fn check(cx: &RuleInput) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for s in cx.index.statements() {
        let StmtKind::Poll(p) = &s.kind else { continue };
        let Some(span) = stale(p) else { continue };
        out.push(
            Diagnostic::new(
                Code::StalePoll,
                span,
                "this poll's conditions read only values computed before it: every attempt sees the same value",
            )
            .with_label("never looks again")
            .with_help("read the world inside the poll, e.g. `let st = openstack.server.show(id).status` in its body, and test that in `until`"),
        );
    }
    out
}
