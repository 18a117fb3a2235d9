//! RBK202: a node that no path from the start reaches (every decision
//! before it jumps over it).
use super::RuleInput;
use crate::diagnostic::{Code, Diagnostic};

pub fn check(cx: &RuleInput) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for &ix in &cx.dag.nodes {
        if cx.reachable.contains(&ix) {
            continue;
        }
        let n = &cx.dag.graph[ix];
        let Some(span) = n.span else { continue };
        out.push(
            Diagnostic::new(
                Code::Unreachable,
                span,
                format!("{} `{}` can never run", n.kind.as_str(), n.id),
            )
            .with_label("no path from the start reaches this")
            .with_help("a decision before it jumps over it on every branch: add a branch (or `otherwise`) that leads here, or remove it"),
        );
    }
    out
}
