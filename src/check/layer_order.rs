//! RBK204: repair from the bottom up. A node acting on layer L (a step or
//! gate that changes something, on its `layer`; a mutating builtin, on the
//! builtin's layer; a `call`, on whatever the called procedure changes) must
//! come after every gate of a lower layer that the procedure has, on every
//! path. Gates passed inside a called procedure count after the call.
use std::collections::HashMap;

use petgraph::graph::NodeIndex;

use super::{walk, RuleInput};
use crate::compilation::Compilation;
use crate::dag::strictly_dominates;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{Ident, Node, NodeKind, Procedure, Span, StmtKind};

/// What a procedure does to layers, as seen by a caller.
#[derive(Debug, Default)]
struct Summary {
    /// Layers it changes.
    acting: Vec<String>,
    /// Its gates (and those of procedures it calls): name and layer.
    gates: Vec<(String, String)>,
}

/// For each node: the layers it changes, each with where. `index` is
/// that of `p`.
fn acting_layers(
    comp: &Compilation,
    p: &Procedure,
    index: &walk::Index,
    depth: usize,
) -> HashMap<String, Vec<(String, Span)>> {
    let default = p.default_layer().and_then(|t| t.as_literal());
    let mut out: HashMap<String, Vec<(String, Span)>> = HashMap::new();
    index.calls(&mut |c| {
        let Some(b) = c.builtin else { return };
        if !b.effect_of(c.args).mutates() {
            return;
        }
        let entry = out.entry(c.node.name.name.clone()).or_default();
        if let Some(l) = b.layer {
            entry.push((l.to_string(), c.callee.span));
        }
        if let Some(l) = node_layer(c.node, default.as_deref()) {
            entry.push((l, c.callee.span));
        }
    });
    if depth >= 8 {
        return out;
    }
    for n in p.nodes() {
        if matches!(n.kind, NodeKind::Call(_)) {
            if let Some((_, callee)) = comp.find_procedure(&n.name.name) {
                let s = summary(comp, callee, depth + 1);
                let entry = out.entry(n.name.name.clone()).or_default();
                entry.extend(s.acting.into_iter().map(|l| (l, n.name.span)));
            }
        }
    }
    // A `call` statement acts, in its node, on what the callee changes.
    for (n, name) in stmt_calls(p) {
        if let Some((_, callee)) = comp.find_procedure(&name.name) {
            let s = summary(comp, callee, depth + 1);
            let entry = out.entry(n.name.name.clone()).or_default();
            entry.extend(s.acting.into_iter().map(|l| (l, name.span)));
        }
    }
    out
}

/// Every `call` statement of `p`, with the node it is in.
fn stmt_calls(p: &Procedure) -> Vec<(&Node, &Ident)> {
    let mut out = Vec::new();
    walk::statements(p, &mut |n, s, _| {
        if let StmtKind::Call(c) = &s.kind {
            out.push((n, &c.name));
        }
    });
    out
}

pub(super) fn node_layer(n: &Node, default: Option<&str>) -> Option<String> {
    n.layer
        .as_ref()
        .map(|l| l.name.clone())
        .or_else(|| default.map(str::to_string))
}

fn summary(comp: &Compilation, p: &Procedure, depth: usize) -> Summary {
    let mut s = Summary::default();
    for layers in acting_layers(comp, p, &walk::Index::of(p), depth).into_values() {
        s.acting.extend(layers.into_iter().map(|(l, _)| l));
    }
    s.gates = gates(comp, p, depth)
        .into_iter()
        .map(|(_, name, layer)| (name, layer))
        .collect();
    s
}

/// Every gate passed by a node of `p`: (node name, gate name, layer).
pub(super) fn gates(
    comp: &Compilation,
    p: &Procedure,
    depth: usize,
) -> Vec<(String, String, String)> {
    let default = p.default_layer().and_then(|t| t.as_literal());
    let mut out = Vec::new();
    for n in p.nodes() {
        match &n.kind {
            NodeKind::Gate(_) => {
                if let Some(l) = node_layer(n, default.as_deref()) {
                    out.push((n.name.name.clone(), n.name.name.clone(), l));
                }
            }
            NodeKind::Call(_) if depth < 8 => {
                if let Some((_, callee)) = comp.find_procedure(&n.name.name) {
                    let s = summary(comp, callee, depth + 1);
                    out.extend(
                        s.gates
                            .into_iter()
                            .map(|(g, l)| (n.name.name.clone(), g, l)),
                    );
                }
            }
            _ => {}
        }
    }
    // Gates passed inside procedures that statements call count after
    // the node that calls them.
    if depth < 8 {
        for (n, name) in stmt_calls(p) {
            if let Some((_, callee)) = comp.find_procedure(&name.name) {
                let s = summary(comp, callee, depth + 1);
                out.extend(
                    s.gates
                        .into_iter()
                        .map(|(g, l)| (n.name.name.clone(), g, l)),
                );
            }
        }
    }
    out
}

pub fn check(cx: &RuleInput) -> Vec<Diagnostic> {
    let layers: Vec<String> = cx.comp.layers().iter().map(|l| l.name.clone()).collect();
    let rank = |l: &str| layers.iter().position(|x| x == l);
    let acting = acting_layers(cx.comp, cx.proc, &cx.index, 0);
    let gates: Vec<(NodeIndex, String, String)> = gates(cx.comp, cx.proc, 0)
        .into_iter()
        .filter_map(|(node, g, l)| cx.dag.node(&node).map(|ix| (ix, g, l)))
        .collect();
    let mut out = Vec::new();
    for n in cx.proc.nodes() {
        let Some(me) = cx.dag.node(&n.name.name) else {
            continue;
        };
        if !cx.reachable.contains(&me) {
            continue;
        }
        let Some(acts) = acting.get(&n.name.name) else {
            continue;
        };
        let mut reported: Vec<String> = Vec::new();
        for (layer, span) in acts {
            let Some(r) = rank(layer) else { continue };
            if reported.contains(layer) {
                continue;
            }
            let missing: Vec<&(NodeIndex, String, String)> = gates
                .iter()
                .filter(|(src, _, gl)| {
                    *src != me
                        && rank(gl).is_some_and(|gr| gr < r)
                        && !strictly_dominates(&cx.doms, *src, me)
                })
                .collect();
            let Some((src, first, first_layer)) = missing.first().copied() else {
                continue;
            };
            reported.push(layer.clone());
            let names: Vec<String> = missing
                .iter()
                .map(|(_, g, l)| format!("`{g}` ({l})"))
                .collect();
            let mut d = Diagnostic::new(
                Code::LayerOrder,
                *span,
                format!(
                    "`{}` acts on layer `{layer}`, but gate `{first}` of the lower layer `{first_layer}` may not have passed yet",
                    n.name.name
                ),
            )
            .with_label(format!("acts on `{layer}`"));
            if let Some(s) = cx.dag.graph[*src].span {
                let text = if cx.dag.graph[*src].id == *first {
                    "the lower-layer gate".to_string()
                } else {
                    format!("passes gate `{first}`")
                };
                d = d.with_secondary(s, text);
            }
            out.push(d.with_help(format!(
                "repair from the bottom up ({}): every path to this node must pass {} first; move it after the gate, or make the decisions that skip the gate skip it too",
                layers.join(" -> "),
                names.join(", ")
            )));
        }
    }
    out
}
