//! RBK410: verify-then-delete with a stale re-check. The `require` before a
//! destructive call (RBK402's verification) must read data fetched afresh
//! for this deletion: inside the loop that deletes, and after any earlier
//! deletion. A re-check that reads only data fetched before the loop (the
//! loop's own list, or a `let` outside it) or before an earlier deletion
//! tests yesterday's truth.
use std::collections::HashSet;

use super::guards::vars_of;
use super::walk::Frame;
use super::RuleInput;
use crate::diagnostic::{Code, Diagnostic};
use crate::resolve::builtins::{self, Effect};
use crate::syntax::ast::{Expr, ExprKind, Span, Stmt, StmtKind};

/// A statement that ran before the call, and how deep its block is among
/// the call's frames.
struct Earlier<'a> {
    stmt: &'a Stmt,
    depth: usize,
}

/// Earlier statements, nearest first.
fn earlier<'a>(frames: &[Frame<'a>]) -> Vec<Earlier<'a>> {
    let mut out = Vec::new();
    for (depth, fr) in frames.iter().enumerate().rev() {
        if let Frame::Block(stmts, i) = fr {
            out.extend(stmts[..*i].iter().rev().map(|stmt| Earlier { stmt, depth }));
        }
    }
    out
}

/// Does `e` read the world (a call of a builtin that is not pure)?
fn reads_world(e: &Expr) -> bool {
    let mut found = false;
    crate::check::walk::visit_expr(e, &mut |x| {
        if let ExprKind::Call { callee, args } = &x.kind {
            found |= builtins::lookup_path(callee)
                .is_some_and(|b| b.effect_of(args) == Effect::ReadOnly);
        }
    });
    found
}

/// Does the statement delete something?
fn deletes(s: &Stmt) -> bool {
    let mut found = false;
    crate::check::walk::own_exprs(s, &mut |e| {
        crate::check::walk::visit_expr(e, &mut |x| {
            if let ExprKind::Call { callee, args } = &x.kind {
                found |= builtins::lookup_path(callee)
                    .is_some_and(|b| b.effect_of(args) == Effect::Destructive);
            }
        })
    });
    found
}

/// The variables of `vars_of`'s set, without the fields it names (`a.b`).
fn plain(vars: HashSet<String>) -> impl Iterator<Item = String> {
    vars.into_iter()
        .map(|v| v.split('.').next().unwrap_or_default().to_string())
}

/// How fresh the data behind `vars` is, seen from the statement at `from`
/// in `list`: Some(true) when a world read feeds it in this loop iteration
/// and after the last deletion, Some(false) when every world read behind it
/// is older, None when no world read feeds it here.
fn freshness(
    list: &[Earlier],
    from: usize,
    loop_depth: Option<usize>,
    frames: &[Frame],
    vars: HashSet<String>,
) -> Option<bool> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut todo: Vec<(String, usize)> = vars.into_iter().map(|v| (v, from)).collect();
    let mut any_fetch = None;
    while let Some((v, at)) = todo.pop() {
        if !seen.insert(v.clone()) {
            continue;
        }
        // The nearest `let` of it before `at`.
        let def =
            list.iter().enumerate().skip(at + 1).find(
                |(_, e)| matches!(&e.stmt.kind, StmtKind::Let { name, .. } if name.name == v),
            );
        if let Some((k, e)) = def {
            let StmtKind::Let { value, .. } = &e.stmt.kind else {
                continue;
            };
            if reads_world(value) {
                let in_loop = loop_depth.is_none_or(|d| e.depth > d);
                let deleted_since = list[..k].iter().any(|x| deletes(x.stmt));
                if in_loop && !deleted_since {
                    return Some(true);
                }
                any_fetch = Some(false);
            }
            todo.extend(plain(vars_of(value)).map(|w| (w, k)));
            continue;
        }
        // A loop variable: its list was fetched before the loop.
        for fr in frames {
            if let Frame::Foreach(f, _) = fr {
                if f.var.name == v {
                    if reads_world(&f.iter) {
                        any_fetch = Some(false);
                    }
                    todo.extend(plain(vars_of(&f.iter)).map(|w| (w, list.len())));
                }
            }
        }
    }
    any_fetch
}

pub fn check(cx: &RuleInput) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    cx.index.calls(&mut |c| {
        let Some(b) = c.builtin else { return };
        if b.effect_of(c.args) != Effect::Destructive {
            return;
        }
        let list = earlier(c.frames);
        // The nearest `require`: RBK402 says whether it is about this data.
        let Some((at, condition, span)) =
            list.iter()
                .enumerate()
                .find_map(|(k, e)| match &e.stmt.kind {
                    StmtKind::Require { condition, .. } => Some((k, condition, e.stmt.span)),
                    _ => None,
                })
        else {
            return;
        };
        if reads_world(condition) {
            return;
        }
        let loop_depth = c
            .frames
            .iter()
            .rposition(|f| matches!(f, Frame::Foreach(..)));
        // Only plain variables and their fields: `vars_of` names fields `a.b`.
        let vars: HashSet<String> = plain(vars_of(condition)).collect();
        if freshness(&list, at, loop_depth, c.frames, vars) != Some(false) {
            return;
        }
        out.push(stale(span, c.callee.span, b.name));
    });
    out
}

fn stale(require: Span, call: Span, name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::StaleVerify,
        require,
        format!("this re-check reads data fetched before the loop or before an earlier deletion, not afresh for `{name}`"),
    )
    .with_label("stale re-check")
    .with_secondary(call, "deletes on its word")
    .with_help("re-read the truth right before each deletion, inside the loop: `let recheck = openstack.loadbalancer.amphora.list()`, then `require not any(a in recheck where ...) else abort \"...\"`")
}
