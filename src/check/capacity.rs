//! RBK416: a call that places new load (the table's `PlacesLoad` hazard:
//! failover, migrate, resize, create) in a node that no capacity gate
//! dominates. A capacity gate is a gate whose body reads capacity (the
//! `ReadsCapacity` hazard: hypervisors, Placement), or a `call` of a
//! procedure that has one. "DO NOT retry failover against NoValidHost --
//! each attempt mints another zombie."
use petgraph::graph::NodeIndex;

use super::{walk, RuleInput};
use crate::compilation::Compilation;
use crate::dag::strictly_dominates;
use crate::diagnostic::{Code, Diagnostic};
use crate::resolve::builtins::Hazard;
use crate::syntax::ast::{Node, NodeKind, Procedure};

/// Does `p` have a capacity gate (itself, or in a procedure it calls)?
fn has_capacity_gate(comp: &Compilation, p: &Procedure, depth: usize) -> bool {
    let index = walk::Index::of(p);
    let mut found = false;
    index.calls(&mut |c| {
        found |= matches!(c.node.kind, NodeKind::Gate(_))
            && c.builtin.is_some_and(|b| b.has(Hazard::ReadsCapacity));
    });
    found || depth < 8 && p.nodes().any(|n| is_capacity_call(comp, n, depth))
}

fn is_capacity_call(comp: &Compilation, n: &Node, depth: usize) -> bool {
    matches!(n.kind, NodeKind::Call(_))
        && comp
            .find_procedure(&n.name.name)
            .is_some_and(|(_, callee)| has_capacity_gate(comp, callee, depth + 1))
}

pub fn check(cx: &RuleInput) -> Vec<Diagnostic> {
    let mut placing = Vec::new();
    let mut gates: Vec<NodeIndex> = Vec::new();
    cx.index.calls(&mut |c| {
        let Some(b) = c.builtin else { return };
        if b.has(Hazard::PlacesLoad) {
            placing.push((c.node, c.callee.span, b.name));
        }
        if b.has(Hazard::ReadsCapacity) && matches!(c.node.kind, NodeKind::Gate(_)) {
            gates.extend(cx.dag.node(&c.node.name.name));
        }
    });
    if placing.is_empty() {
        return Vec::new();
    }
    for n in cx.proc.nodes() {
        if is_capacity_call(cx.comp, n, 0) {
            gates.extend(cx.dag.node(&n.name.name));
        }
    }
    let mut out = Vec::new();
    for (node, span, name) in placing {
        let Some(me) = cx.dag.node(&node.name.name) else {
            continue;
        };
        if gates.iter().any(|g| strictly_dominates(&cx.doms, *g, me)) {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::NoCapacityGate,
                span,
                format!("`{name}` needs room for one more instance, but no capacity gate passes before `{}` on every path", node.name.name),
            )
            .with_label("places new load")
            .with_help("put a gate before it that reads capacity (`openstack.hypervisor.list()`) and `require`s room for one more; a failover against NoValidHost fails and leaves another zombie behind"),
        );
    }
    out
}
