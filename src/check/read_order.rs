//! RBK207 (a warning): reading a layer before the gates of the layers below
//! it have passed. The reads fail or mislead ("check the LB BEFORE blaming
//! CAPI"). Nodes that change their layer are RBK204's; reads inside a
//! patience window are expected to fail there and are not reported.
use std::collections::HashSet;

use super::layer_order::{gates, node_layer};
use super::walk::Frame;
use super::RuleInput;
use crate::dag::{strictly_dominates, DagKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::resolve::builtins::Effect;
use crate::syntax::ast::{Node, Span};

pub fn check(cx: &RuleInput) -> Vec<Diagnostic> {
    let layers: Vec<String> = cx.comp.layers().iter().map(|l| l.name.clone()).collect();
    if layers.is_empty() {
        return Vec::new();
    }
    let default = cx.proc.default_layer().and_then(|t| t.as_literal());
    // Per node: its first read outside patience windows; and whether it acts.
    let mut reads: Vec<(&Node, Span)> = Vec::new();
    let mut reading: HashSet<&str> = HashSet::new();
    let mut acting: HashSet<&str> = HashSet::new();
    cx.index.calls(&mut |c| {
        let Some(b) = c.builtin else { return };
        let effect = b.effect_of(c.args);
        if effect.mutates() {
            acting.insert(&c.node.name.name);
        } else if effect == Effect::ReadOnly
            && b.scope.is_some()
            && !c.frames.iter().any(|f| matches!(f, Frame::Patience(..)))
            && reading.insert(&c.node.name.name)
        {
            reads.push((c.node, c.callee.span));
        }
    });
    // Gates passed by gate and `call` nodes: a `call` statement's gates
    // (in a loop, say) are about its own item, not about the layer.
    let all_gates: Vec<_> = gates(cx.comp, cx.proc, 0)
        .into_iter()
        .filter(|(src, _, _)| {
            cx.dag
                .node(src)
                .is_some_and(|g| matches!(cx.dag.graph[g].kind, DagKind::Gate | DagKind::Call))
        })
        .collect();
    let rank = |l: &str| layers.iter().position(|x| x == l);
    let mut out = Vec::new();
    for (node, span) in reads {
        if acting.contains(node.name.name.as_str()) {
            continue;
        }
        let Some(me) = cx.dag.node(&node.name.name) else {
            continue;
        };
        let Some(layer) = node_layer(node, default.as_deref()) else {
            continue;
        };
        let Some(r) = rank(&layer) else { continue };
        if !cx.reachable.contains(&me) {
            continue;
        }
        let missing = all_gates.iter().find(|(src, _, gl)| {
            rank(gl).is_some_and(|gr| gr < r)
                && cx
                    .dag
                    .node(src)
                    .is_some_and(|g| g != me && !strictly_dominates(&cx.doms, g, me))
        });
        let Some((src, gate, gate_layer)) = missing else {
            continue;
        };
        let mut d = Diagnostic::new(
            Code::ReadBeforeGate,
            span,
            format!("`{}` reads layer `{layer}`, but gate `{gate}` of the lower layer `{gate_layer}` may not have passed yet", node.name.name),
        )
        .with_label(format!("reads `{layer}`"));
        if let Some(s) = cx.dag.node(src).and_then(|g| cx.dag.graph[g].span) {
            d = d.with_secondary(s, "the lower-layer gate");
        }
        out.push(d.with_help(format!(
            "look from the bottom up ({}): a layer read before the one below it is green fails or misleads; move the read after the gate, or into a `patience` window when failing there is expected",
            layers.join(" -> ")
        )));
    }
    out
}
