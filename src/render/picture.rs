//! The procedure graph as a picture: one self-contained SVG, for `rbk graph
//! --format svg`, the HTML runbook and the book's runbook pages. No script
//! and no font or stylesheet from elsewhere, so it shows offline, inline in
//! a page or on its own.
//!
//! layout-rs does the layout (ranks top to bottom in execution order,
//! crossing reduction, edge routing); the drawing is ours ([`Canvas`]), so
//! each kind of node gets its own shape: steps are boxes, gates octagons,
//! decisions pointed hexagons with their arms' conditions on the edges,
//! calls boxes with side bars, and a node holding a patience window gets an
//! orange dashed outline and the window on a line of its own. `needs` edges
//! are dashed green.
use std::collections::HashMap;
use std::fmt::Write as _;

use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;
use petgraph::visit::EdgeRef;

use crate::check::walk;
use crate::dag::{Dag, DagKind, DagNode};
use crate::syntax::ast::{Expr, Procedure, StmtKind};

/// What the picture needs beyond one procedure's graph.
pub struct PictureOptions<'o, 'p> {
    /// The procedure a `call` runs: its title goes under the call's.
    pub called: &'o dyn Fn(&str) -> Option<&'p Procedure>,
    /// How a decision arm's condition reads on its edge.
    pub condition: &'o dyn Fn(&Expr) -> String,
}

/// Font size of node text, in pixels.
const FONT: f64 = 13.0;
/// Line height of node text.
const LINE: f64 = 17.0;
/// Estimated advance of one character at [`FONT`] (system sans-serif).
const CHAR: f64 = 8.0;
/// Edge labels are drawn at this size.
const LABEL_FONT: f64 = 11.0;
/// layout-rs sizes an edge label as `chars x font_size` square pixels; this
/// font size gives a box the width of the label drawn at [`LABEL_FONT`].
const LABEL_LAYOUT_SIZE: usize = 7;
/// Titles wrap at this many characters, labels are cut at this many.
const WRAP: usize = 34;
const MAX_LABEL: usize = 40;
/// Extra width of the pointed shapes (gates, decisions).
const POINT: f64 = 14.0;

/// The graph of `procedure` as an SVG document (no XML prolog, so it can be
/// inlined in HTML or Markdown as it is). Deterministic, and free of blank
/// lines (a blank line would end an HTML block in Markdown).
pub fn to_svg(procedure: &Procedure, dag: &Dag, opts: &PictureOptions) -> String {
    let patience = patience_windows(procedure);
    let mut vg = VisualGraph::new(Orientation::TopToBottom);
    let mut shapes = Vec::new();
    let mut handles = HashMap::new();
    let order = std::iter::once(dag.start)
        .chain(dag.nodes.iter().copied())
        .chain(std::iter::once(dag.end));
    for ix in order {
        let n = &dag.graph[ix];
        let shape = NodeShape::of(n, patience.get(n.id.as_str()), opts);
        let (w, h) = shape.size();
        let kind = match n.kind {
            DagKind::Start | DagKind::End => ShapeKind::new_circle(&n.title),
            _ => ShapeKind::new_box(&n.title),
        };
        let elem = Element::create_with_properties(
            kind,
            StyleAttr::simple(),
            Orientation::TopToBottom,
            Point::new(w, h),
            format!("n{}", shapes.len()),
        );
        handles.insert(ix, vg.add_node(elem));
        shapes.push(shape);
    }
    let mut edges = Vec::new();
    for e in dag.graph.edge_references() {
        let label = match (&e.weight().condition, &e.weight().label) {
            (Some(c), _) => Some((opts.condition)(c)),
            (None, l) => l.clone(),
        };
        let style = if label.is_some() {
            EdgeStyle::Arm
        } else {
            EdgeStyle::Sequence
        };
        add_edge(
            &mut vg,
            &mut edges,
            &handles,
            (e.source(), e.target()),
            style,
            label,
        );
    }
    for &ix in &dag.nodes {
        for need in &dag.graph[ix].needs {
            if let Some(g) = dag.node(need) {
                add_edge(
                    &mut vg,
                    &mut edges,
                    &handles,
                    (g, ix),
                    EdgeStyle::Needs,
                    None,
                );
            }
        }
    }
    let mut canvas = Canvas::new(shapes, edges);
    vg.do_it(false, false, false, &mut canvas);
    canvas.finish(&procedure.name.name)
}

fn add_edge(
    vg: &mut VisualGraph,
    edges: &mut Vec<EdgeInfo>,
    handles: &HashMap<petgraph::graph::NodeIndex, layout::adt::dag::NodeHandle>,
    (from, to): (petgraph::graph::NodeIndex, petgraph::graph::NodeIndex),
    style: EdgeStyle,
    label: Option<String>,
) {
    let (Some(&a), Some(&b)) = (handles.get(&from), handles.get(&to)) else {
        return;
    };
    let mut look = StyleAttr::simple();
    look.font_size = LABEL_LAYOUT_SIZE;
    let text = label
        .as_deref()
        .map(|l| shorten(l, MAX_LABEL))
        .unwrap_or_default();
    let line = match style {
        EdgeStyle::Needs => LineStyleKind::Dashed,
        _ => LineStyleKind::Normal,
    };
    let arrow = Arrow::with_properties(
        LineEndKind::None,
        LineEndKind::Arrow,
        line,
        &text,
        &look,
        format!("e{}", edges.len()),
        &None,
        &None,
    );
    vg.add_edge(arrow, a, b);
    edges.push(EdgeInfo {
        style,
        full_label: label,
    });
}

/// Each node's patience windows, as "label, duration".
fn patience_windows(p: &Procedure) -> HashMap<&str, Vec<String>> {
    let mut out: HashMap<&str, Vec<String>> = HashMap::new();
    walk::statements(p, &mut |node, stmt, _| {
        if let StmtKind::Patience(w) = &stmt.kind {
            let mut line = format!("patience: {}", w.label.display_template());
            if let Some(d) = &w.duration {
                line.push_str(&format!(" ({d})"));
            }
            out.entry(node.name.name.as_str()).or_default().push(line);
        }
    });
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EdgeStyle {
    /// One node after the other.
    Sequence,
    /// A decision's arm, labelled with its condition.
    Arm,
    /// From a gate to a node that `needs` it.
    Needs,
}

struct EdgeInfo {
    style: EdgeStyle,
    /// The arm's whole condition, for the tooltip when the label is cut.
    full_label: Option<String>,
}

/// What one node shows.
struct NodeShape {
    kind: DagKind,
    id: String,
    /// The node's title, as the reader should find it in the picture.
    title: String,
    /// Title lines (bold), then the detail line.
    title_lines: Vec<String>,
    detail: Option<String>,
    patience: Vec<String>,
}

impl NodeShape {
    fn of(n: &DagNode, patience: Option<&Vec<String>>, opts: &PictureOptions) -> NodeShape {
        let numbered = match (n.kind, n.position) {
            (DagKind::Gate, Some(p)) => format!("{}. GATE: {}", p + 1, n.title),
            (_, Some(p)) => format!("{}. {}", p + 1, n.title),
            _ => n.title.clone(),
        };
        let detail = match n.kind {
            DagKind::Start | DagKind::End => None,
            kind => {
                let mut d = format!("{} {}", kind.as_str(), n.id);
                if kind == DagKind::Call {
                    if let Some(callee) = (opts.called)(&n.id) {
                        d = format!("call {}: {}", n.id, callee.title.display_template());
                    }
                }
                if let Some(l) = &n.layer {
                    d.push_str(&format!(" [{l}]"));
                }
                Some(d)
            }
        };
        NodeShape {
            kind: n.kind,
            id: n.id.clone(),
            title: n.title.clone(),
            title_lines: wrap(&numbered, WRAP),
            detail: detail.map(|d| shorten(&d, WRAP + 12)),
            patience: patience
                .into_iter()
                .flatten()
                .map(|p| shorten(p, WRAP + 12))
                .collect(),
        }
    }

    fn lines(&self) -> usize {
        self.title_lines.len() + usize::from(self.detail.is_some()) + self.patience.len()
    }

    /// Width and height, from the text it holds.
    fn size(&self) -> (f64, f64) {
        let longest = self
            .title_lines
            .iter()
            .chain(self.detail.iter())
            .chain(self.patience.iter())
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(1) as f64;
        let pointed = matches!(self.kind, DagKind::Gate | DagKind::Decide);
        let w = longest * CHAR + 28.0 + if pointed { 2.0 * POINT } else { 0.0 };
        let h = self.lines() as f64 * LINE + 16.0;
        match self.kind {
            DagKind::Start | DagKind::End => (w.max(70.0), h + 6.0),
            _ => (w.max(90.0), h),
        }
    }
}

/// layout-rs's drawing calls, turned into the picture. A node arrives as a
/// rectangle or ellipse carrying its index in `properties` ("n3"), then its
/// text at its centre (ours to draw instead); an edge arrives as a path
/// carrying "e5", an edge label as any other text.
struct Canvas {
    shapes: Vec<NodeShape>,
    edges: Vec<EdgeInfo>,
    nodes_svg: String,
    edges_svg: String,
    labels_svg: String,
    /// Centre of the node just drawn: the next text there is its own.
    node_centre: Option<Point>,
    min: Point,
    max: Point,
}

impl Canvas {
    fn new(shapes: Vec<NodeShape>, edges: Vec<EdgeInfo>) -> Canvas {
        Canvas {
            shapes,
            edges,
            nodes_svg: String::new(),
            edges_svg: String::new(),
            labels_svg: String::new(),
            node_centre: None,
            min: Point::new(f64::MAX, f64::MAX),
            max: Point::new(f64::MIN, f64::MIN),
        }
    }

    fn grow(&mut self, p: Point) {
        self.min = Point::new(self.min.x.min(p.x), self.min.y.min(p.y));
        self.max = Point::new(self.max.x.max(p.x), self.max.y.max(p.y));
    }

    fn index(properties: &Option<String>, prefix: char) -> Option<usize> {
        properties.as_deref()?.strip_prefix(prefix)?.parse().ok()
    }

    /// Draw node `i` in the box with top-left `xy` and size `size`.
    fn node(&mut self, i: usize, xy: Point, size: Point) {
        self.grow(xy.sub(Point::splat(6.0)));
        self.grow(xy.add(size).add(Point::splat(6.0)));
        self.node_centre = Some(xy.add(size.scale(0.5)));
        let Some(s) = self.shapes.get(i) else { return };
        let (x, y, w, h) = (xy.x, xy.y, size.x, size.y);
        let mut g = String::new();
        let _ = writeln!(
            g,
            "<g class=\"node {}\" data-node=\"{}\">",
            s.kind.as_str(),
            escape(&s.id)
        );
        let _ = writeln!(g, "<title>{}</title>", escape(&s.title));
        if !s.patience.is_empty() {
            let _ = writeln!(
                g,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\" fill=\"none\" stroke=\"#ef6c00\" stroke-width=\"2\" stroke-dasharray=\"6,4\"/>",
                num(x - 5.0),
                num(y - 5.0),
                num(w + 10.0),
                num(h + 10.0)
            );
        }
        let outline = match s.kind {
            DagKind::Start | DagKind::End => format!(
                "<ellipse cx=\"{}\" cy=\"{}\" rx=\"{}\" ry=\"{}\" fill=\"#eceff1\" stroke=\"#455a64\" stroke-width=\"1.5\"/>",
                num(x + w / 2.0),
                num(y + h / 2.0),
                num(w / 2.0),
                num(h / 2.0)
            ),
            DagKind::Step => format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" fill=\"#ffffff\" stroke=\"#455a64\" stroke-width=\"1.5\"/>",
                num(x),
                num(y),
                num(w),
                num(h)
            ),
            DagKind::Gate => {
                let c = 10.0;
                polygon(
                    &[
                        (x + c, y),
                        (x + w - c, y),
                        (x + w, y + c),
                        (x + w, y + h - c),
                        (x + w - c, y + h),
                        (x + c, y + h),
                        (x, y + h - c),
                        (x, y + c),
                    ],
                    "#e8f5e9",
                    "#2e7d32",
                )
            }
            DagKind::Decide => polygon(
                &[
                    (x, y + h / 2.0),
                    (x + POINT, y),
                    (x + w - POINT, y),
                    (x + w, y + h / 2.0),
                    (x + w - POINT, y + h),
                    (x + POINT, y + h),
                ],
                "#fff8e1",
                "#f9a825",
            ),
            DagKind::Call => format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#e3f2fd\" stroke=\"#1565c0\" stroke-width=\"1.5\"/>\n<path d=\"M {} {} V {} M {} {} V {}\" stroke=\"#1565c0\" stroke-width=\"1.5\"/>",
                num(x),
                num(y),
                num(w),
                num(h),
                num(x + 7.0),
                num(y),
                num(y + h),
                num(x + w - 7.0),
                num(y),
                num(y + h)
            ),
        };
        g.push_str(&outline);
        g.push('\n');
        let cx = x + w / 2.0;
        let mut baseline = y + h / 2.0 - s.lines() as f64 * LINE / 2.0 + LINE - 4.0;
        let _ = write!(
            g,
            "<text text-anchor=\"middle\" font-size=\"{}\" fill=\"#1b1b1b\">",
            num(FONT)
        );
        let mut line = |g: &mut String, text: &str, attrs: &str| {
            let _ = write!(
                g,
                "<tspan x=\"{}\" y=\"{}\"{attrs}>{}</tspan>",
                num(cx),
                num(baseline),
                escape(text)
            );
            baseline += LINE;
        };
        for t in &s.title_lines {
            line(&mut g, t, " font-weight=\"bold\"");
        }
        if let Some(d) = &s.detail {
            line(&mut g, d, " fill=\"#546e7a\" font-size=\"11\"");
        }
        for p in &s.patience {
            line(&mut g, p, " fill=\"#e65100\" font-style=\"italic\"");
        }
        g.push_str("</text>\n</g>\n");
        self.nodes_svg.push_str(&g);
    }
}

impl RenderBackend for Canvas {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        _look: &StyleAttr,
        properties: Option<String>,
        _clip: Option<ClipHandle>,
    ) {
        if let Some(i) = Canvas::index(&properties, 'n') {
            self.node(i, xy, size);
        }
    }

    fn draw_line(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}

    fn draw_circle(
        &mut self,
        center: Point,
        size: Point,
        _look: &StyleAttr,
        properties: Option<String>,
    ) {
        if let Some(i) = Canvas::index(&properties, 'n') {
            let half = size.scale(0.5);
            self.node(i, center.sub(half), size);
        }
    }

    fn draw_text(&mut self, xy: Point, text: &str, _look: &StyleAttr) {
        // The text layout-rs draws at a node's centre is the node's: drawn.
        if self
            .node_centre
            .take()
            .is_some_and(|c| c.distance_to(xy) < 0.5)
            || text.is_empty()
        {
            return;
        }
        let w = text.chars().count() as f64 * LABEL_FONT * 0.56 + 8.0;
        let h = LABEL_FONT + 6.0;
        self.grow(Point::new(xy.x - w / 2.0, xy.y - h / 2.0));
        self.grow(Point::new(xy.x + w / 2.0, xy.y + h / 2.0));
        let _ = writeln!(
            self.labels_svg,
            "<g class=\"label\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.9\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"{}\" fill=\"#5d4037\">{}</text></g>",
            num(xy.x - w / 2.0),
            num(xy.y - h / 2.0),
            num(w),
            num(h),
            num(xy.x),
            num(xy.y + LABEL_FONT / 2.0 - 2.0),
            num(LABEL_FONT),
            escape(text)
        );
    }

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        _dashed: bool,
        _head: (bool, bool),
        _look: &StyleAttr,
        properties: Option<String>,
        _text: &str,
    ) {
        let Some(info) = Canvas::index(&properties, 'e').and_then(|i| self.edges.get(i)) else {
            return;
        };
        let (style, tip) = (info.style, info.full_label.clone());
        if path.len() < 2 {
            return;
        }
        for (a, b) in path {
            self.grow(*a);
            self.grow(*b);
        }
        let mut d = format!(
            "M {} {} C {} {}, {} {}, {} {}",
            num(path[0].0.x),
            num(path[0].0.y),
            num(path[0].1.x),
            num(path[0].1.y),
            num(path[1].0.x),
            num(path[1].0.y),
            num(path[1].1.x),
            num(path[1].1.y)
        );
        for (a, b) in &path[2..] {
            let _ = write!(d, " S {} {}, {} {}", num(a.x), num(a.y), num(b.x), num(b.y));
        }
        let (class, stroke, extra, marker) = match style {
            EdgeStyle::Sequence => ("sequence", "#455a64", "", "rbk-arrow"),
            EdgeStyle::Arm => ("arm", "#8d6e63", "", "rbk-arrow-arm"),
            EdgeStyle::Needs => (
                "needs",
                "#2e7d32",
                " stroke-dasharray=\"6,4\"",
                "rbk-arrow-needs",
            ),
        };
        let title = match (style, tip) {
            (EdgeStyle::Needs, _) => "<title>needs</title>".to_string(),
            (_, Some(t)) => format!("<title>{}</title>", escape(&t)),
            _ => String::new(),
        };
        let _ = writeln!(
            self.edges_svg,
            "<path class=\"edge {class}\" d=\"{d}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"1.5\"{extra} marker-end=\"url(#{marker})\">{title}</path>"
        );
    }

    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        0
    }
}

impl Canvas {
    fn finish(self, name: &str) -> String {
        let (min, max) = if self.min.x > self.max.x {
            (Point::zero(), Point::splat(10.0))
        } else {
            (self.min, self.max)
        };
        let (w, h) = (max.x - min.x, max.y - min.y);
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"rbk-graph\" role=\"img\" width=\"{}\" height=\"{}\" viewBox=\"{} {} {} {}\" style=\"max-width:100%;height:auto\" font-family=\"system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif\">\n",
            num(w),
            num(h),
            num(min.x),
            num(min.y),
            num(w),
            num(h)
        );
        let _ = writeln!(out, "<title>Procedure graph of {}</title>", escape(name));
        out.push_str("<defs>\n");
        for (id, color) in [
            ("rbk-arrow", "#455a64"),
            ("rbk-arrow-arm", "#8d6e63"),
            ("rbk-arrow-needs", "#2e7d32"),
        ] {
            let _ = writeln!(
                out,
                "<marker id=\"{id}\" markerWidth=\"10\" markerHeight=\"7\" refX=\"10\" refY=\"3.5\" orient=\"auto\"><polygon points=\"0 0, 10 3.5, 0 7\" fill=\"{color}\"/></marker>"
            );
        }
        out.push_str("</defs>\n");
        out.push_str(&self.edges_svg);
        out.push_str(&self.nodes_svg);
        out.push_str(&self.labels_svg);
        out.push_str("</svg>\n");
        out
    }
}

fn polygon(points: &[(f64, f64)], fill: &str, stroke: &str) -> String {
    let pts: Vec<String> = points
        .iter()
        .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
        .collect();
    format!(
        "<polygon points=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"2\"/>",
        pts.join(" ")
    )
}

/// A coordinate with one decimal, without a trailing `.0`.
fn num(x: f64) -> String {
    let s = format!("{:.1}", x);
    match s.strip_suffix(".0") {
        Some("-0") => "0".into(),
        Some(t) => t.into(),
        None => s,
    }
}

/// Lines of at most `width` characters, broken at spaces (a longer word
/// stays whole).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Text for SVG content and attribute values.
fn escape(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;

    fn picture(src: &str) -> String {
        let f = crate::syntax::parse(&SourceFile::new("t.rbk", src)).expect("parses");
        let p = f.procedure().expect("procedure");
        let opts = PictureOptions {
            called: &|_| None,
            condition: &|e| e.to_string(),
        };
        to_svg(p, &Dag::build(p), &opts)
    }

    const SRC: &str = r#"procedure p "t" {
        gate g "G <ok>" { log "x" }
        decide d "Which?" { when x == "a" -> b "one" }
        step a "A" { patience "settle" for 5m { log "a" } }
        call other
        step b "B" needs g { log "b" }
    }"#;

    #[test]
    fn every_kind_has_its_shape_and_every_title_is_drawn() {
        let svg = picture(SRC);
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{svg}"
        );
        for want in [
            "class=\"node gate\" data-node=\"g\"",
            "class=\"node decide\" data-node=\"d\"",
            "class=\"node step\" data-node=\"a\"",
            "class=\"node call\" data-node=\"other\"",
            "class=\"node start\"",
            "class=\"node end\"",
            ">1. GATE: G &lt;ok&gt;</tspan>",
            ">patience: settle (5m)</tspan>",
            "stroke-dasharray=\"6,4\"",
            "class=\"edge needs\"",
            "class=\"edge arm\"",
            "x == &quot;a&quot;",
            ">no branch matched</text>",
        ] {
            assert!(svg.contains(want), "missing {want:?} in\n{svg}");
        }
        assert!(
            !svg.contains("\n\n"),
            "no blank line (ends a Markdown HTML block)"
        );
        assert_eq!(svg, picture(SRC), "deterministic");
    }

    #[test]
    fn the_layout_reads_top_to_bottom_in_execution_order() {
        let svg = picture(SRC);
        let y_of = |id: &str| -> f64 {
            let at = svg.find(&format!("data-node=\"{id}\"")).expect("node");
            let tail = &svg[at..];
            let y = tail.split("<tspan").nth(1).expect("text");
            let y = y.split("y=\"").nth(1).expect("y");
            y.split('"').next().expect("value").parse().expect("number")
        };
        let ys: Vec<f64> = ["g", "d", "a", "other", "b"]
            .iter()
            .map(|n| y_of(n))
            .collect();
        assert!(ys.windows(2).all(|w| w[0] < w[1]), "{ys:?}");
    }

    #[test]
    fn wrap_and_num() {
        assert_eq!(wrap("a bb ccc", 4), vec!["a bb", "ccc"]);
        assert_eq!(wrap("", 4), vec![""]);
        assert_eq!(num(2.0), "2");
        assert_eq!(num(-0.01), "0");
        assert_eq!(num(1.25), "1.2");
    }
}
