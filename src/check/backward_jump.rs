//! RBK201: a decision may only jump forward; procedures are DAGs.
use super::RuleInput;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::NodeKind;

pub fn check(cx: &RuleInput) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, n) in cx.proc.nodes().enumerate() {
        let NodeKind::Decide(d) = &n.kind else {
            continue;
        };
        for b in d.branches.iter().chain(d.otherwise.iter()) {
            // The graph knows each name's (first) node: no scan per branch.
            let Some(target) = cx.dag.node(&b.target.name).map(|ix| &cx.dag.graph[ix]) else {
                continue;
            };
            let (Some(j), Some(target_span)) = (target.position, target.span) else {
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
                .with_secondary(target_span, "defined here, before the decision")
                .with_help("decisions only jump forward; to repeat work use a `poll`, or move the target after the decision"),
            );
        }
    }
    out
}
