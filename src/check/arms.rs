//! RBK206: decision arms are exclusive. A run that takes one arm must not
//! fall through, node after node, into the target of another arm of the
//! same decision ("-> Step 5" or "-> skip to Step 6", never both).
//!
//! Falling through stops at the next decision: that one chooses again. To
//! make optional work, write one arm that skips it (a run where no arm holds
//! falls into the work); to end an arm, jump on with `otherwise -> end`.
use super::RuleInput;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{Branch, Node, NodeKind};

pub fn check(cx: &RuleInput) -> Vec<Diagnostic> {
    let nodes: Vec<&Node> = cx.proc.nodes().collect();
    let position = |name: &str| cx.dag.node(name).and_then(|ix| cx.dag.graph[ix].position);
    let mut out = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        let NodeKind::Decide(d) = &n.kind else {
            continue;
        };
        // Each forward target once, with the first arm that names it.
        let mut arms: Vec<(usize, &Branch)> = Vec::new();
        for b in d.branches.iter().chain(d.otherwise.iter()) {
            let Some(at) = position(&b.target.name) else {
                continue;
            };
            if at > i && !arms.iter().any(|(j, _)| *j == at) {
                arms.push((at, b));
            }
        }
        if arms.len() < 2 {
            continue;
        }
        for &(at, arm) in &arms {
            // Walk on in source order until a decision, or another target.
            let run_on = nodes[at + 1..]
                .iter()
                .enumerate()
                .take_while(|(_, m)| !matches!(m.kind, NodeKind::Decide(_)))
                .find(|(k, _)| arms.iter().any(|(j, _)| *j == at + 1 + k));
            let Some((_, other)) = run_on else { continue };
            out.push(
                Diagnostic::new(
                    Code::ArmFallsThrough,
                    arm.target.span,
                    format!(
                        "the arm to `{}` runs on into `{}`, the target of another arm of `{}`",
                        arm.target.name, other.name.name, n.name.name
                    ),
                )
                .with_label("this arm falls through")
                .with_secondary(other.name.span, "another arm's target, reached too")
                .with_help(format!(
                    "arms are exclusive: end this arm before `{0}` (after its work: `decide NAME \"...\" {{ otherwise -> end }}`), or, when `{0}` should follow it, write one arm that skips the optional work instead (`when not CONDITION -> {0}`)",
                    other.name.name
                )),
            );
        }
    }
    out
}
