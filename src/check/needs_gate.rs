//! RBK203: a node that `needs` a gate some path to it does not pass.
//! RBK205: `needs` naming a step, decision or call instead of a gate.
use super::RuleInput;
use crate::dag::{strictly_dominates, DagKind};
use crate::diagnostic::{Code, Diagnostic};

pub fn check(cx: &RuleInput) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for n in cx.proc.nodes() {
        let Some(me) = cx.dag.node(&n.name.name) else {
            continue;
        };
        for g in &n.needs {
            let Some(gix) = cx.dag.node(&g.name) else {
                continue;
            };
            let gate = &cx.dag.graph[gix];
            if gate.kind != DagKind::Gate {
                let mut d = Diagnostic::new(
                    Code::NeedsNotGate,
                    g.span,
                    format!("`needs {}` names a {}, not a gate", g.name, gate.kind.as_str()),
                )
                .with_label(format!("a {}", gate.kind.as_str()))
                .with_help("`needs` lists gates (named conditions that must pass); turn the check into a `gate`, or drop it from `needs`");
                if let Some(s) = gate.span {
                    d = d.with_secondary(s, "defined here");
                }
                out.push(d);
                continue;
            }
            if !cx.reachable.contains(&me) || strictly_dominates(&cx.doms, gix, me) {
                continue;
            }
            let why = if gate.position > cx.dag.graph[me].position {
                "the gate comes after it"
            } else {
                "a decision can jump past the gate"
            };
            let mut d = Diagnostic::new(
                Code::GateNotDominating,
                g.span,
                format!("`{}` needs gate `{}`, but some path reaches it without passing the gate ({why})", n.name.name, g.name),
            )
            .with_label("not guaranteed to have passed");
            if let Some(s) = gate.span {
                d = d.with_secondary(s, "the gate");
            }
            out.push(d.with_help("put the gate before this node on every path: move it earlier, or make the decisions that skip it skip this node too"));
        }
    }
    out
}
