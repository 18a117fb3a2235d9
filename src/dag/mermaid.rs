//! The procedure graph as a Mermaid flowchart, for `rbk graph --format
//! mermaid` and the runbooks of `rbk render`. Nodes come out in source order
//! and edges in the graph's insertion order, so the text is the same on every
//! run. Gates are hexagons, decisions diamonds, unresolved calls
//! subroutines; a call whose procedure is known is drawn as a subgraph
//! holding that procedure's nodes. Decision edges carry their condition,
//! `needs` are dotted edges from the gate to the node relying on it.
use std::collections::HashSet;

use petgraph::visit::EdgeRef;

use super::{Dag, DagKind, DagNode};
use crate::syntax::ast::{Expr, Procedure};

/// What the caller knows beyond one procedure's graph.
pub struct MermaidOptions<'o, 'p> {
    /// The procedure a `call` runs; its nodes are drawn inside a subgraph.
    pub called: &'o dyn Fn(&str) -> Option<&'p Procedure>,
    /// How a decision branch's condition reads on its edge.
    pub condition: &'o dyn Fn(&Expr) -> String,
    /// Add each node's kind, name and layer under its title.
    pub details: bool,
}

/// Edge labels longer than this are cut, so the chart stays readable.
const MAX_LABEL: usize = 48;

/// The flowchart of `dag`, the graph of `procedure`.
pub fn to_mermaid(procedure: &Procedure, dag: &Dag, opts: &MermaidOptions) -> String {
    let mut w = Writer {
        opts,
        out: String::from("flowchart TD\n  start([\"start\"])\n  finish([\"end\"])\n"),
        used: HashSet::new(),
        stack: vec![procedure.name.name.clone()],
    };
    w.emit(dag, "", "", true);
    w.out
}

struct Writer<'w, 'o, 'p> {
    opts: &'w MermaidOptions<'o, 'p>,
    out: String,
    /// Ids handed out so far: every node gets its own, even a duplicate name.
    used: HashSet<String>,
    /// Procedures being drawn, to stop a `call` cycle.
    stack: Vec<String>,
}

impl Writer<'_, '_, '_> {
    /// Declare the nodes of `dag` and the edges between them. Inside a
    /// subgraph (`top` false) the start and end get no edges: the
    /// subgraph's own edges say where it is entered and left.
    fn emit(&mut self, dag: &Dag, scope: &str, number: &str, top: bool) {
        let indent = "  ".repeat(self.stack.len());
        let mut ids: Vec<Option<String>> = vec![None; dag.graph.node_count()];
        if top {
            ids[dag.start.index()] = Some("start".into());
            ids[dag.end.index()] = Some("finish".into());
        }
        for &ix in &dag.nodes {
            let n = &dag.graph[ix];
            let id = self.fresh_id(scope, &n.id);
            let num = format!("{number}{}", n.position.map_or(0, |p| p + 1));
            let callee = match n.kind {
                DagKind::Call => {
                    (self.opts.called)(&n.id).filter(|c| !self.stack.contains(&c.name.name))
                }
                _ => None,
            };
            match callee {
                Some(cp) => {
                    let label = format!("{num}. {}", cp.title.display_template());
                    let text = self.text(&label, n);
                    self.out
                        .push_str(&format!("{indent}subgraph {id} [\"{text}\"]\n"));
                    self.out.push_str(&format!("{indent}  direction TB\n"));
                    self.stack.push(cp.name.name.clone());
                    self.emit(
                        &Dag::build(cp),
                        &format!("{scope}{}__", n.id),
                        &format!("{num}."),
                        false,
                    );
                    self.stack.pop();
                    self.out.push_str(&format!("{indent}end\n"));
                }
                None => {
                    let label = match n.kind {
                        DagKind::Gate => format!("{num}. GATE: {}", n.title),
                        _ => format!("{num}. {}", n.title),
                    };
                    let text = self.text(&label, n);
                    let shape = match n.kind {
                        DagKind::Gate => format!("{{{{\"{text}\"}}}}"),
                        DagKind::Decide => format!("{{\"{text}\"}}"),
                        DagKind::Call => format!("[[\"{text}\"]]"),
                        _ => format!("[\"{text}\"]"),
                    };
                    self.out.push_str(&format!("{indent}{id}{shape}\n"));
                }
            }
            ids[ix.index()] = Some(id);
        }
        for e in dag.graph.edge_references() {
            let (Some(a), Some(b)) = (&ids[e.source().index()], &ids[e.target().index()]) else {
                continue;
            };
            let label = match (&e.weight().condition, &e.weight().label) {
                (Some(c), _) => Some((self.opts.condition)(c)),
                (None, l) => l.clone(),
            };
            match label {
                Some(l) => self.out.push_str(&format!(
                    "{indent}{a} -->|\"{}\"| {b}\n",
                    escape(&shorten(&l, MAX_LABEL))
                )),
                None => self.out.push_str(&format!("{indent}{a} --> {b}\n")),
            }
        }
        for &ix in &dag.nodes {
            for need in &dag.graph[ix].needs {
                let (Some(Some(g)), Some(n)) =
                    (dag.node(need).map(|g| &ids[g.index()]), &ids[ix.index()])
                else {
                    continue;
                };
                self.out
                    .push_str(&format!("{indent}{g} -.->|\"needs\"| {n}\n"));
            }
        }
    }

    /// `n_` + the scoped name: never a Mermaid keyword (`end`), only
    /// letters, digits and `_`, and unique in the chart.
    fn fresh_id(&mut self, scope: &str, name: &str) -> String {
        let safe: String = format!("{scope}{name}")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let base = format!("n_{safe}");
        let mut id = base.clone();
        let mut k = 2;
        while self.used.contains(&id) {
            id = format!("{base}_{k}");
            k += 1;
        }
        self.used.insert(id.clone());
        id
    }

    /// A node's escaped label text, with its details line if asked for.
    fn text(&self, label: &str, n: &DagNode) -> String {
        let mut text = escape(label);
        if self.opts.details {
            let mut detail = format!("{} {}", n.kind.as_str(), n.id);
            if let Some(l) = &n.layer {
                detail.push_str(&format!(" [{l}]"));
            }
            text.push_str("<br/>");
            text.push_str(&escape(&detail));
        }
        text
    }
}

/// Text for inside a quoted Mermaid label: characters Mermaid would read
/// as syntax become its entity codes (`#` first, so user text cannot forge
/// an entity).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
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
    use crate::syntax::ast::File;

    fn parse(src: &str) -> File {
        crate::syntax::parse(&SourceFile::new("t.rbk", src)).expect("parses")
    }

    fn chart<'a>(
        p: &'a Procedure,
        called: &dyn Fn(&str) -> Option<&'a Procedure>,
        details: bool,
    ) -> String {
        let opts = MermaidOptions {
            called,
            condition: &|e| e.to_string(),
            details,
        };
        to_mermaid(p, &Dag::build(p), &opts)
    }

    #[test]
    fn shapes_branches_fall_through_needs_and_escapes() {
        let f = parse(
            r#"procedure p "t" {
            gate g "G" { log "x" }
            decide d "Which?" { when x == "a|b" -> b "one" }
            step a "A" { log "a" }
            step b "B \"q\" <#1>" needs g { log "b" }
        }"#,
        );
        let c = chart(f.procedure().expect("procedure"), &|_| None, false);
        let want = r#"flowchart TD
  start(["start"])
  finish(["end"])
  n_g{{"1. GATE: G"}}
  n_d{"2. Which?"}
  n_a["3. A"]
  n_b["4. B #quot;q#quot; #lt;#35;1#gt;"]
  start --> n_g
  n_g --> n_d
  n_d -->|"x == #quot;a#124;b#quot;"| n_b
  n_d -->|"no branch matched"| n_a
  n_a --> n_b
  n_b --> finish
  n_g -.->|"needs"| n_b
"#;
        assert_eq!(c, want);
    }

    #[test]
    fn details_show_kind_name_and_layer() {
        let f = parse(r#"procedure p "t" { layer "vm" step s "S" { log "s" } }"#);
        let c = chart(f.procedure().expect("procedure"), &|_| None, true);
        assert!(c.contains("n_s[\"1. S<br/>step s [vm]\"]"), "{c}");
    }

    fn by_name<'a>(
        outer: &'a Procedure,
        inner: &'a Procedure,
    ) -> impl Fn(&str) -> Option<&'a Procedure> {
        move |name| match name {
            "inner" => Some(inner),
            "outer" => Some(outer),
            _ => None,
        }
    }

    #[test]
    fn called_procedures_are_subgraphs_and_cycles_stop() {
        let outer = parse(
            r#"procedure outer "Outer" {
            call inner
            step end "Last" { log "e" }
        }"#,
        );
        let inner = parse(
            r#"procedure inner "Inner" {
            step one "One" { log "1" }
            call outer
        }"#,
        );
        let (op, ip) = (
            outer.procedure().expect("outer"),
            inner.procedure().expect("inner"),
        );
        let called = by_name(op, ip);
        let c = chart(op, &called, false);
        let want = r#"flowchart TD
  start(["start"])
  finish(["end"])
  subgraph n_inner ["1. Inner"]
    direction TB
    n_inner__one["1.1. One"]
    n_inner__outer[["1.2. call outer"]]
    n_inner__one --> n_inner__outer
  end
  n_end["2. Last"]
  start --> n_inner
  n_inner --> n_end
  n_end --> finish
"#;
        assert_eq!(c, want);
    }

    #[test]
    fn duplicate_names_get_distinct_ids() {
        let f = parse(
            r#"procedure p "t" {
            step a "A" { log "a" }
            step a "A again" { log "a" }
        }"#,
        );
        let c = chart(f.procedure().expect("procedure"), &|_| None, false);
        assert!(c.contains("n_a[\"1. A\"]"), "{c}");
        assert!(c.contains("n_a_2[\"2. A again\"]"), "{c}");
    }
}
