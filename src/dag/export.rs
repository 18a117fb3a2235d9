//! `rbk graph` output: DOT and JSON (Mermaid is in `mermaid.rs`). Nodes and edges come out in
//! source order, so the output is the same on every run.
use petgraph::visit::EdgeRef;
use serde_json::{json, Value};

use super::{Dag, DagKind};

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn label_lines(n: &super::DagNode) -> Vec<String> {
    let mut lines = vec![n.title.clone()];
    if matches!(
        n.kind,
        DagKind::Step | DagKind::Gate | DagKind::Decide | DagKind::Call
    ) {
        let mut head = format!("{} {}", n.kind.as_str(), n.id);
        if let Some(l) = &n.layer {
            head.push_str(&format!(" [{l}]"));
        }
        lines.insert(0, head);
    }
    lines
}

/// Graphviz DOT.
pub fn to_dot(name: &str, dag: &Dag) -> String {
    let mut out = format!("digraph \"{}\" {{\n", dot_escape(name));
    out.push_str(
        "  rankdir=TB;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\"];\n",
    );
    for ix in dag.graph.node_indices() {
        let n = &dag.graph[ix];
        let shape = match n.kind {
            DagKind::Start | DagKind::End => "circle",
            DagKind::Step => "box",
            DagKind::Gate => "octagon",
            DagKind::Decide => "diamond",
            DagKind::Call => "component",
        };
        let label = label_lines(n).join("\n");
        out.push_str(&format!(
            "  \"{}\" [label=\"{}\", shape={shape}];\n",
            dot_escape(&n.id),
            dot_escape(&label)
        ));
    }
    for e in dag.graph.edge_references() {
        let (a, b) = (&dag.graph[e.source()].id, &dag.graph[e.target()].id);
        match &e.weight().label {
            Some(l) => out.push_str(&format!(
                "  \"{}\" -> \"{}\" [label=\"{}\"];\n",
                dot_escape(a),
                dot_escape(b),
                dot_escape(l)
            )),
            None => out.push_str(&format!(
                "  \"{}\" -> \"{}\";\n",
                dot_escape(a),
                dot_escape(b)
            )),
        }
    }
    out.push_str("}\n");
    out
}

/// `{"procedure", "nodes": [{id, kind, title, layer}], "edges": [{from, to, label}]}`.
pub fn to_json(name: &str, dag: &Dag) -> Value {
    let nodes: Vec<Value> = dag
        .graph
        .node_indices()
        .map(|ix| {
            let n = &dag.graph[ix];
            json!({ "id": n.id, "kind": n.kind.as_str(), "title": n.title, "layer": n.layer })
        })
        .collect();
    let edges: Vec<Value> = dag
        .graph
        .edge_references()
        .map(|e| {
            json!({
                "from": dag.graph[e.source()].id,
                "to": dag.graph[e.target()].id,
                "label": e.weight().label,
            })
        })
        .collect();
    json!({ "procedure": name, "nodes": nodes, "edges": edges })
}
