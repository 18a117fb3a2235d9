//! RBK403: an exclusive action inside `foreach ... parallel`.
//! RBK405: a destructive or exclusive call inside a poll (retrying blind).
use super::walk::{self, Frame};
use super::RuleInput;
use crate::compilation::Compilation;
use crate::diagnostic::{Code, Diagnostic};
use crate::resolve::builtins::Effect;
use crate::syntax::ast::{NodeKind, Procedure, StmtKind};

/// The first exclusive builtin `p` calls, itself or through the procedures
/// it calls.
fn exclusive_in(comp: &Compilation, p: &Procedure, depth: usize) -> Option<&'static str> {
    let mut found = None;
    walk::Index::of(p).calls(&mut |c| {
        if found.is_none()
            && c.builtin
                .is_some_and(|b| b.effect_of(c.args) == Effect::Exclusive)
        {
            found = c.builtin.map(|b| b.name);
        }
    });
    if found.is_some() || depth >= 8 {
        return found;
    }
    let mut called: Vec<String> = p
        .nodes()
        .filter(|n| matches!(n.kind, NodeKind::Call(_)))
        .map(|n| n.name.name.clone())
        .collect();
    walk::statements(p, &mut |_, s, _| {
        if let StmtKind::Call(c) = &s.kind {
            called.push(c.name.name.clone());
        }
    });
    called
        .iter()
        .filter_map(|name| comp.find_procedure(name))
        .find_map(|(_, callee)| exclusive_in(comp, callee, depth + 1))
}

/// RBK403 for a `call` in a parallel loop of a procedure that runs an
/// exclusive action.
fn calls_in_parallel(cx: &RuleInput, out: &mut Vec<Diagnostic>) {
    walk::statements(cx.proc, &mut |_, s, frames| {
        let StmtKind::Call(c) = &s.kind else { return };
        let Some(pspan) = frames.iter().find_map(|f| match f {
            Frame::Foreach(fe, _) => fe.parallel.as_ref().map(|p| p.span),
            _ => None,
        }) else {
            return;
        };
        let Some((_, callee)) = cx.comp.find_procedure(&c.name.name) else {
            return;
        };
        if let Some(b) = exclusive_in(cx.comp, callee, 1) {
            out.push(
                Diagnostic::new(
                    Code::ExclusiveInParallel,
                    c.name.span,
                    format!("`{}` runs `{b}`, which must run one at a time, but this loop is parallel", c.name.name),
                )
                .with_label("runs an exclusive action")
                .with_secondary(pspan, "runs iterations in parallel")
                .with_help("drop `parallel`: one slot of headroom means one failover at a time (STRICTLY SEQUENTIAL)"),
            );
        }
    });
}

pub fn check(cx: &RuleInput) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    cx.index.calls(&mut |c| {
        let Some(b) = c.builtin else { return };
        let effect = b.effect_of(c.args);
        if effect == Effect::Exclusive {
            let parallel = c.frames.iter().find_map(|f| match f {
                Frame::Foreach(fe, span) => fe.parallel.as_ref().map(|p| (p.span, *span)),
                _ => None,
            });
            if let Some((pspan, _)) = parallel {
                out.push(
                    Diagnostic::new(
                        Code::ExclusiveInParallel,
                        c.callee.span,
                        format!("`{}` must run one at a time, but this loop is parallel", b.name),
                    )
                    .with_label("exclusive action")
                    .with_secondary(pspan, "runs iterations in parallel")
                    .with_help("drop `parallel`: one slot of headroom means one failover at a time (STRICTLY SEQUENTIAL)"),
                );
            }
        }
        if matches!(effect, Effect::Destructive | Effect::Exclusive) {
            let poll = c.frames.iter().find_map(|f| match f {
                Frame::Poll(_, span) => Some(*span),
                _ => None,
            });
            if let Some(pspan) = poll {
                let head = crate::syntax::ast::Span::new(pspan.offset().into(), 4.min(pspan.len()));
                out.push(
                    Diagnostic::new(
                        Code::RetryInPoll,
                        c.callee.span,
                        format!("`{}` is {} and would be repeated by the poll around it", b.name, effect.as_str()),
                    )
                    .with_label("repeated on every attempt")
                    .with_secondary(head, "this poll")
                    .with_help("call it once before the poll and only read status inside it; do NOT retry blind: each failed attempt can leave another zombie"),
                );
            }
        }
    });
    calls_in_parallel(cx, &mut out);
    out
}
