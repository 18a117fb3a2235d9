//! RBK201: a decision may only jump forward; procedures are DAGs.
use super::Ctx;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::NodeKind;

pub fn check(cx: &Ctx) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let nodes: Vec<_> = cx.proc.nodes().collect();
    for (i, n) in nodes.iter().enumerate() {
        let NodeKind::Decide(d) = &n.kind else {
            continue;
        };
        for b in d.branches.iter().chain(d.otherwise.iter()) {
            let Some(j) = nodes.iter().position(|m| m.name.name == b.target.name) else {
                continue;
            };
            if j > i {
                continue;
            }
            let what = if j == i { "itself" } else { "an earlier node" };
            out.push(
                Diagnostic::new(
                    Code::BackwardJump,
                    b.target.span,
                    format!("decision `{}` jumps back to {what}, `{}`", n.name.name, b.target.name),
                )
                .with_label("backward jump")
                .with_secondary(nodes[j].name.span, "defined here, before the decision")
                .with_help("decisions only jump forward; to repeat work use a `poll`, or move the target after the decision"),
            );
        }
    }
    out
}
