//! The procedure graph (petgraph): one node per step, gate, decision and
//! call, plus a start and an end node. Edges follow source order, except
//! from a decision, whose edges go to its targets (and, without `otherwise`,
//! to the next node). Backward and unknown targets get no edge: the checks
//! report them, and the graph stays a DAG.
mod export;
mod mermaid;

use std::collections::{HashMap, HashSet};

use petgraph::algo::dominators::{self, Dominators};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::Dfs;

use crate::syntax::ast::{self, Span};

pub use export::{to_dot, to_json};
pub use mermaid::{to_mermaid, MermaidOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DagKind {
    Start,
    End,
    Step,
    Gate,
    Decide,
    Call,
}

impl DagKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DagKind::Start => "start",
            DagKind::End => "end",
            DagKind::Step => "step",
            DagKind::Gate => "gate",
            DagKind::Decide => "decide",
            DagKind::Call => "call",
        }
    }
}

#[derive(Debug, Clone)]
pub struct DagNode {
    /// The node's name (`__start__` / `__end__` for the two ends).
    pub id: String,
    pub kind: DagKind,
    pub title: String,
    /// Its `layer`, or the procedure's default layer.
    pub layer: Option<String>,
    /// Position among the procedure's nodes (None for start and end).
    pub position: Option<usize>,
    /// The node's name in source.
    pub span: Option<Span>,
    /// The gates it `needs`, by name.
    pub needs: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct DagEdge {
    /// The branch condition (`otherwise`, or `no branch matched` for the
    /// fall-through of a decision without `otherwise`); None in sequence.
    pub label: Option<String>,
    /// The branch condition itself, for exports that word it their own way.
    pub condition: Option<ast::Expr>,
}

impl DagEdge {
    /// An edge in sequence.
    fn plain() -> DagEdge {
        DagEdge {
            label: None,
            condition: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Dag {
    pub graph: DiGraph<DagNode, DagEdge>,
    pub start: NodeIndex,
    pub end: NodeIndex,
    /// Procedure nodes in source order.
    pub nodes: Vec<NodeIndex>,
    by_name: HashMap<String, NodeIndex>,
}

pub const START_ID: &str = "__start__";
pub const END_ID: &str = "__end__";

impl Dag {
    /// Build the graph of one procedure.
    pub fn build(p: &ast::Procedure) -> Dag {
        let mut graph = DiGraph::new();
        let default_layer = p.default_layer().and_then(|t| t.as_literal());
        let start = graph.add_node(DagNode {
            id: START_ID.into(),
            kind: DagKind::Start,
            title: "start".into(),
            layer: None,
            position: None,
            span: None,
            needs: Vec::new(),
        });
        let ast_nodes: Vec<&ast::Node> = p.nodes().collect();
        let mut nodes = Vec::new();
        let mut by_name = HashMap::new();
        for (i, n) in ast_nodes.iter().enumerate() {
            let kind = match n.kind {
                ast::NodeKind::Step(_) => DagKind::Step,
                ast::NodeKind::Gate(_) => DagKind::Gate,
                ast::NodeKind::Decide(_) => DagKind::Decide,
                ast::NodeKind::Call(_) => DagKind::Call,
            };
            let title = match (&n.title, &n.kind) {
                // A call with arguments is titled by them: they say what it does.
                (_, ast::NodeKind::Call(args)) if !args.is_empty() => {
                    format!("call {}({})", n.name.name, ast::args_source(args))
                }
                (Some(t), _) => t.as_literal().unwrap_or_else(|| t.display_template()),
                (None, _) if kind == DagKind::Call => format!("call {}", n.name.name),
                (None, _) => n.name.name.clone(),
            };
            let layer = n
                .layer
                .as_ref()
                .map(|l| l.name.clone())
                .or_else(|| default_layer.clone());
            let ix = graph.add_node(DagNode {
                id: n.name.name.clone(),
                kind,
                title,
                layer,
                position: Some(i),
                span: Some(n.name.span),
                needs: n.needs.iter().map(|g| g.name.clone()).collect(),
            });
            nodes.push(ix);
            by_name.entry(n.name.name.clone()).or_insert(ix);
        }
        let end = graph.add_node(DagNode {
            id: END_ID.into(),
            kind: DagKind::End,
            title: "end".into(),
            layer: None,
            position: None,
            span: None,
            needs: Vec::new(),
        });
        let next = |i: usize| nodes.get(i + 1).copied().unwrap_or(end);
        graph.add_edge(
            start,
            nodes.first().copied().unwrap_or(end),
            DagEdge::plain(),
        );
        for (i, n) in ast_nodes.iter().enumerate() {
            let from = nodes[i];
            let ast::NodeKind::Decide(d) = &n.kind else {
                graph.add_edge(from, next(i), DagEdge::plain());
                continue;
            };
            for b in d.branches.iter().chain(d.otherwise.iter()) {
                let Some(&to) = by_name.get(b.target.as_str()) else {
                    continue;
                };
                if graph[to].position.is_some_and(|j| j <= i) {
                    continue;
                }
                let label = match &b.condition {
                    Some(c) => c.to_string(),
                    None => "otherwise".into(),
                };
                graph.add_edge(
                    from,
                    to,
                    DagEdge {
                        label: Some(label),
                        condition: b.condition.clone(),
                    },
                );
            }
            if d.otherwise.is_none() {
                graph.add_edge(
                    from,
                    next(i),
                    DagEdge {
                        label: Some("no branch matched".into()),
                        condition: None,
                    },
                );
            }
        }
        Dag {
            graph,
            start,
            end,
            nodes,
            by_name,
        }
    }

    /// The node with this name (the first, if the name is duplicated).
    pub fn node(&self, name: &str) -> Option<NodeIndex> {
        self.by_name.get(name).copied()
    }

    /// Dominance from the start node.
    pub fn dominators(&self) -> Dominators<NodeIndex> {
        dominators::simple_fast(&self.graph, self.start)
    }

    /// Nodes some path from the start reaches.
    pub fn reachable(&self) -> HashSet<NodeIndex> {
        let mut seen = HashSet::new();
        let mut dfs = Dfs::new(&self.graph, self.start);
        while let Some(n) = dfs.next(&self.graph) {
            seen.insert(n);
        }
        seen
    }
}

/// Does `a` come before `b` on every path from the start (a != b)?
pub fn strictly_dominates(doms: &Dominators<NodeIndex>, a: NodeIndex, b: NodeIndex) -> bool {
    a != b
        && doms
            .strict_dominators(b)
            .is_some_and(|mut it| it.any(|d| d == a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;

    fn dag(src: &str) -> Dag {
        let file = crate::syntax::parse(&SourceFile::new("t.rbk", src)).expect("parses");
        Dag::build(file.procedure().expect("procedure"))
    }

    #[test]
    fn a_gate_skipped_by_a_decision_does_not_dominate() {
        let g = dag(r#"procedure p "t" {
            decide d "q" { when true -> after "skip" }
            gate g "G" { log "g" }
            step after "After" { log "a" }
        }"#);
        let doms = g.dominators();
        let (gate, after, d) = (g.node("g"), g.node("after"), g.node("d"));
        let (gate, after, d) = (gate.expect("g"), after.expect("after"), d.expect("d"));
        assert!(!strictly_dominates(&doms, gate, after));
        assert!(strictly_dominates(&doms, d, after));
        assert!(strictly_dominates(&doms, g.start, g.end));
    }

    #[test]
    fn backward_targets_get_no_edge_and_skipped_nodes_are_unreachable() {
        let g = dag(r#"procedure p "t" {
            step a "A" { log "a" }
            decide d "q" { when true -> a "back" otherwise -> c }
            step b "B" { log "b" }
            step c "C" { log "c" }
        }"#);
        let reach = g.reachable();
        assert!(!reach.contains(&g.node("b").expect("b")));
        assert!(reach.contains(&g.node("c").expect("c")));
        assert_eq!(
            g.graph.edge_count(),
            5,
            "start->a, a->d, d->c, b->c, c->end"
        );
    }
}
