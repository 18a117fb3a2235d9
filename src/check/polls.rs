//! RBK401: a poll with neither `max` attempts nor a `within` deadline.
//! RBK408: a poll with no `until`: it can only run out.
use super::RuleInput;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{Span, StmtKind};

/// The `poll` keyword (and label) of a poll statement, for pointing at.
fn head(span: Span) -> Span {
    Span::new(span.offset().into(), "poll".len().min(span.len()))
}

pub fn check(cx: &RuleInput) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for s in cx.index.statements() {
        let StmtKind::Poll(p) = &s.kind else { continue };
        if p.max.is_none() && p.within.is_none() {
            out.push(
                Diagnostic::new(Code::UnboundedPoll, head(s.span), "this poll has no attempt limit and no deadline")
                    .with_label("can run forever")
                    .with_help("bound it: `poll every 10s max 20 { ... }` or `poll every 10s within 5m { ... }`, and say what happens when it runs out with `on exhausted abort \"...\"`"),
            );
        }
        if p.until.is_none() {
            out.push(
                Diagnostic::new(Code::PollWithoutUntil, head(s.span), "this poll has no `until`, so it can only run out")
                    .with_label("no success condition")
                    .with_help("add `until CONDITION` inside the poll; if you only want to wait, use `sleep(...)`"),
            );
        }
    }
    out
}
