//! The procedure's graph as a Mermaid flowchart: nodes in source order,
//! fall-through edges, decision branches labelled with their condition, and
//! dotted `needs` edges from gates to the nodes that rely on them.
//!
//! (When `dag/` grows its own Mermaid export, this should become a thin call
//! to it.)
use super::condition;
use crate::syntax::ast::{NodeKind, Procedure};

/// The flowchart of `p`; `called` finds the procedure a `call` runs, whose
/// nodes are drawn inside a subgraph.
pub fn flowchart<'a>(p: &'a Procedure, called: &dyn Fn(&str) -> Option<&'a Procedure>) -> String {
    let mut out = String::from("flowchart TD\n  start([start])\n  finish([end])\n");
    let first = p.nodes().next().map(|n| node_id("", &n.name.name));
    out.push_str(&format!(
        "  start --> {}\n",
        first.unwrap_or_else(|| "finish".into())
    ));
    let mut stack = vec![p.name.name.clone()];
    emit(p, "", "", Some("finish"), called, &mut stack, &mut out);
    out
}

/// Declare the nodes of `p` and the edges between them. `after` is where
/// the last node leads (None inside a subgraph: the subgraph's own edge
/// says where it goes).
fn emit<'a>(
    p: &'a Procedure,
    scope: &str,
    number: &str,
    after: Option<&str>,
    called: &dyn Fn(&str) -> Option<&'a Procedure>,
    stack: &mut Vec<String>,
    out: &mut String,
) {
    let nodes: Vec<_> = p.nodes().collect();
    let indent = "  ".repeat(stack.len());
    for (i, n) in nodes.iter().enumerate() {
        let num = format!("{number}{}", i + 1);
        let title = n
            .title
            .as_ref()
            .map(|t| t.display_template())
            .unwrap_or_else(|| n.name.name.clone());
        let id = node_id(scope, &n.name.name);
        match &n.kind {
            NodeKind::Step(_) => out.push_str(&format!(
                "{indent}{id}[\"{}\"]\n",
                escape(&format!("{num}. {title}"))
            )),
            NodeKind::Gate(_) => out.push_str(&format!(
                "{indent}{id}{{{{\"{}\"}}}}\n",
                escape(&format!("{num}. GATE: {title}"))
            )),
            NodeKind::Decide(_) => out.push_str(&format!(
                "{indent}{id}{{\"{}\"}}\n",
                escape(&format!("{num}. {title}"))
            )),
            NodeKind::Call => {
                match called(&n.name.name).filter(|c| !stack.contains(&c.name.name)) {
                    Some(cp) => {
                        let label = format!("{num}. {}", cp.title.display_template());
                        out.push_str(&format!("{indent}subgraph {id} [\"{}\"]\n", escape(&label)));
                        out.push_str(&format!("{indent}  direction TB\n"));
                        stack.push(cp.name.name.clone());
                        let inner_scope = format!("{scope}{}__", n.name.name);
                        emit(
                            cp,
                            &inner_scope,
                            &format!("{num}."),
                            None,
                            called,
                            stack,
                            out,
                        );
                        stack.pop();
                        out.push_str(&format!("{indent}end\n"));
                    }
                    None => out.push_str(&format!(
                        "{indent}{id}[[\"{}\"]]\n",
                        escape(&format!("{num}. call {}", n.name.name))
                    )),
                }
            }
        }
    }
    let next = |i: usize| -> Option<String> {
        nodes
            .get(i + 1)
            .map(|n| node_id(scope, &n.name.name))
            .or_else(|| after.map(str::to_string))
    };
    for (i, n) in nodes.iter().enumerate() {
        let id = node_id(scope, &n.name.name);
        match &n.kind {
            NodeKind::Decide(d) => {
                for b in &d.branches {
                    let label = b
                        .condition
                        .as_ref()
                        .map(condition::plain)
                        .unwrap_or_default();
                    out.push_str(&format!(
                        "{indent}{id} -->|\"{}\"| {}\n",
                        escape(&shorten(&label, 48)),
                        node_id(scope, &b.target.name)
                    ));
                }
                match (&d.otherwise, next(i)) {
                    (Some(o), _) => out.push_str(&format!(
                        "{indent}{id} -->|otherwise| {}\n",
                        node_id(scope, &o.target.name)
                    )),
                    (None, Some(nx)) => {
                        out.push_str(&format!("{indent}{id} -->|\"no branch matches\"| {nx}\n"))
                    }
                    (None, None) => {}
                }
            }
            _ => {
                if let Some(nx) = next(i) {
                    out.push_str(&format!("{indent}{id} --> {nx}\n"));
                }
            }
        }
    }
    for n in &nodes {
        for g in &n.needs {
            out.push_str(&format!(
                "{indent}{} -.->|needs| {}\n",
                node_id(scope, &g.name),
                node_id(scope, &n.name.name)
            ));
        }
    }
}

/// Prefixed so that node names never collide with Mermaid keywords (`end`).
fn node_id(scope: &str, name: &str) -> String {
    format!("n_{scope}{name}")
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
        let chart = flowchart(f.procedure().expect("procedure"), &|_| None);
        assert!(chart.contains("n_g{{\"1. GATE: G\"}}"), "{chart}");
        assert!(chart.contains("n_d -->|\"x is 1\"| n_b"), "{chart}");
        assert!(
            chart.contains("n_d -->|\"no branch matches\"| n_a"),
            "{chart}"
        );
        assert!(chart.contains("n_b[\"4. B #quot;q#quot;\"]"), "{chart}");
        assert!(chart.contains("n_b --> finish"), "{chart}");
        assert!(chart.contains("n_g -.->|needs| n_b"), "{chart}");
    }
}
