//! RBK403: an exclusive action inside `foreach ... parallel`.
//! RBK405: a destructive or exclusive call inside a poll (retrying blind).
use super::walk::Frame;
use super::RuleInput;
use crate::diagnostic::{Code, Diagnostic};
use crate::resolve::builtins::Effect;

pub fn check(cx: &RuleInput) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    cx.index.calls(&mut |c| {
        let Some(b) = c.builtin else { return };
        if b.effect == Effect::Exclusive {
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
        if matches!(b.effect, Effect::Destructive | Effect::Exclusive) {
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
                        format!("`{}` is {} and would be repeated by the poll around it", b.name, b.effect.as_str()),
                    )
                    .with_label("repeated on every attempt")
                    .with_secondary(head, "this poll")
                    .with_help("call it once before the poll and only read status inside it; do NOT retry blind: each failed attempt can leave another zombie"),
                );
            }
        }
    });
    out
}
