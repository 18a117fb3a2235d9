//! The procedure's graph as a Mermaid flowchart: nodes in source order,
//! fall-through edges, decision branches labelled with their condition, and
//! dotted `needs` edges from gates to the nodes that rely on them.
//!
//! (When `dag/` grows its own Mermaid export, this should become a thin call
//! to it.)
use super::condition;
use crate::syntax::ast::{NodeKind, Procedure};

pub fn flowchart(p: &Procedure) -> String {
    let nodes: Vec<_> = p.nodes().collect();
    let mut out = String::from("flowchart TD\n");
    out.push_str("  start([start])\n");
    for (i, n) in nodes.iter().enumerate() {
        let title = n
            .title
            .as_ref()
            .map(|t| t.display_template())
            .unwrap_or_else(|| n.name.name.clone());
        let label = escape(&format!("{}. {}", i + 1, title));
        let id = node_id(&n.name.name);
        out.push_str(&match &n.kind {
            NodeKind::Step(_) => format!("  {id}[\"{label}\"]\n"),
            NodeKind::Gate(_) => format!("  {id}{{{{\"{}\"}}}}\n", escape(&format!("{}. GATE: {title}", i + 1))),
            NodeKind::Decide(_) => format!("  {id}{{\"{label}\"}}\n"),
            NodeKind::Call => format!(
                "  {id}[[\"{}\"]]\n",
                escape(&format!("{}. call {}", i + 1, n.name.name))
            ),
        });
    }
    out.push_str("  finish([end])\n");
    let next = |i: usize| {
        nodes
            .get(i + 1)
            .map(|n| node_id(&n.name.name))
            .unwrap_or_else(|| "finish".into())
    };
    match nodes.first() {
        Some(n) => out.push_str(&format!("  start --> {}\n", node_id(&n.name.name))),
        None => out.push_str("  start --> finish\n"),
    }
    for (i, n) in nodes.iter().enumerate() {
        let id = node_id(&n.name.name);
        match &n.kind {
            NodeKind::Decide(d) => {
                for b in &d.branches {
                    let label = b
                        .condition
                        .as_ref()
                        .map(condition::plain)
                        .unwrap_or_default();
                    out.push_str(&format!(
                        "  {id} -->|\"{}\"| {}\n",
                        escape(&shorten(&label, 48)),
                        node_id(&b.target.name)
                    ));
                }
                match &d.otherwise {
                    Some(o) => out.push_str(&format!(
                        "  {id} -->|otherwise| {}\n",
                        node_id(&o.target.name)
                    )),
                    None => out.push_str(&format!("  {id} -->|\"no branch matches\"| {}\n", next(i))),
                }
            }
            _ => out.push_str(&format!("  {id} --> {}\n", next(i))),
        }
    }
    for n in &nodes {
        for g in &n.needs {
            out.push_str(&format!(
                "  {} -.->|needs| {}\n",
                node_id(&g.name),
                node_id(&n.name.name)
            ));
        }
    }
    out
}

/// Prefixed so that node names never collide with Mermaid keywords (`end`).
fn node_id(name: &str) -> String {
    format!("n_{name}")
}

fn escape(s: &str) -> String {
    s.replace('#', "#35;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('\n', " ")
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;

    #[test]
    fn decisions_branch_and_fall_through() {
        let src = r#"procedure p "t" {
            gate g "G" { log "x" }
            decide d "Which?" { when x == 1 -> b "one" }
            step a "A" { log "a" }
            step b "B \"q\"" needs g { log "b" }
        }"#;
        let f = crate::syntax::parse(&SourceFile::new("t.rbk", src)).expect("parses");
        let chart = flowchart(f.procedure().expect("procedure"));
        assert!(chart.contains("n_g{{\"1. GATE: G\"}}"), "{chart}");
        assert!(chart.contains("n_d -->|\"x is 1\"| n_b"), "{chart}");
        assert!(chart.contains("n_d -->|\"no branch matches\"| n_a"), "{chart}");
        assert!(chart.contains("n_b[\"4. B #quot;q#quot;\"]"), "{chart}");
        assert!(chart.contains("n_b --> finish"), "{chart}");
        assert!(chart.contains("n_g -.->|needs| n_b"), "{chart}");
    }
}
