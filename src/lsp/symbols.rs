//! The navigation index of one compilation: every place a name is defined
//! or used (steps, gates, decisions, procedures, params, site fields,
//! `let`s and loop variables, layers, builtins), so that hover, go to
//! definition and find references are lookups. Names bind as the resolver
//! binds them: a step's `let`s stay visible to later nodes, `foreach` and
//! `if` bodies and comprehensions have their own.
use std::collections::HashMap;
use std::path::PathBuf;

use crate::check::walk::text_exprs;
use crate::compilation::Compilation;
use crate::resolve::builtins;
use crate::syntax::ast::{
    Block, Else, Expr, ExprKind, FieldDecl, File, FileItem, Node, NodeKind, ProcItem, Procedure,
    Span, Stmt, StmtKind, Text,
};

/// What a name means, independent of where it is written. Keys are equal
/// across the compilations of different open files when they name the same
/// thing, so references can be collected from all of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// A step, gate or decision of the procedure in `file`.
    Node {
        file: PathBuf,
        name: String,
    },
    Procedure(String),
    Site(String),
    Layer(String),
    /// A parameter, `let`, loop or comprehension variable or matcher
    /// binding, by the byte offset of its definition in `file`.
    Var {
        file: PathBuf,
        def: usize,
    },
    Builtin(&'static str),
}

/// One name as written.
#[derive(Debug, Clone)]
pub struct Occurrence {
    /// Index into the compilation's units (0 is the root file).
    pub unit: usize,
    pub span: Span,
    pub key: Key,
    pub is_def: bool,
}

/// What a definition is, for hover and the outline.
#[derive(Debug, Clone)]
pub struct Def {
    pub unit: usize,
    pub span: Span,
    /// Markdown describing it (kind, title, type, docs).
    pub doc: String,
}

#[derive(Debug, Default)]
pub struct SymbolIndex {
    pub occurrences: Vec<Occurrence>,
    pub defs: HashMap<Key, Def>,
}

impl SymbolIndex {
    pub fn of(comp: &Compilation) -> SymbolIndex {
        let mut index = SymbolIndex::default();
        for (i, unit) in comp.units().enumerate() {
            if let Some(file) = &unit.file {
                let path = super::analysis::canonical(&unit.path);
                Walker::new(&mut index, i, path).file(file);
            }
        }
        index
    }

    /// The name written at byte `offset` of unit `unit`.
    pub fn at(&self, unit: usize, offset: usize) -> Option<&Occurrence> {
        self.occurrences.iter().find(|o| {
            o.unit == unit && o.span.offset() <= offset && offset <= o.span.offset() + o.span.len()
        })
    }

    pub fn references<'a>(&'a self, key: &'a Key) -> impl Iterator<Item = &'a Occurrence> + 'a {
        self.occurrences.iter().filter(move |o| &o.key == key)
    }

    /// Names of the nodes of `kind` ("step", "gate", "decide", "call") in
    /// the root procedure, in source order.
    pub fn node_names(comp: &Compilation, kinds: &[&str]) -> Vec<(String, String)> {
        comp.procedure()
            .into_iter()
            .flat_map(|p| p.nodes())
            .filter(|n| kinds.contains(&n.kind.keyword()))
            .map(|n| (n.name.name.clone(), node_summary(n)))
            .collect()
    }
}

/// `gate headroom — "5b. Headroom for one more amphora"`, one line.
pub fn node_summary(n: &Node) -> String {
    match &n.title {
        Some(t) => format!(
            "{} {}: {}",
            n.kind.keyword(),
            n.name.name,
            t.display_template()
        ),
        None => format!("{} {}", n.kind.keyword(), n.name.name),
    }
}

struct Walker<'i> {
    index: &'i mut SymbolIndex,
    unit: usize,
    file: PathBuf,
    /// Visible variables, innermost frame last.
    frames: Vec<HashMap<String, Key>>,
    /// Names of `call` nodes: a decision may jump to one.
    calls: Vec<String>,
}

impl<'i> Walker<'i> {
    fn new(index: &'i mut SymbolIndex, unit: usize, file: PathBuf) -> Self {
        Walker {
            index,
            unit,
            file,
            frames: vec![HashMap::new()],
            calls: Vec::new(),
        }
    }

    fn occur(&mut self, span: Span, key: Key, is_def: bool) {
        self.index.occurrences.push(Occurrence {
            unit: self.unit,
            span,
            key,
            is_def,
        });
    }

    fn define(&mut self, span: Span, key: Key, doc: String) {
        self.index.defs.entry(key.clone()).or_insert(Def {
            unit: self.unit,
            span,
            doc,
        });
        self.occur(span, key, true);
    }

    fn bind(&mut self, name: &crate::syntax::ast::Ident, what: &str) {
        let key = Key::Var {
            file: self.file.clone(),
            def: name.span.offset(),
        };
        self.define(
            name.span,
            key.clone(),
            format!("**{what}** `{}`", name.name),
        );
        if let Some(frame) = self.frames.last_mut() {
            frame.insert(name.name.clone(), key);
        }
    }

    fn file(&mut self, file: &File) {
        for item in &file.items {
            match item {
                FileItem::Use(_) => {}
                FileItem::Layers(l) => self.layers(l),
                FileItem::Site(s) => {
                    for f in &s.fields {
                        let doc = decl_doc("site field", f);
                        self.define(f.name.span, Key::Site(f.name.name.clone()), doc);
                        if let Some(d) = &f.default {
                            self.expr(d);
                        }
                    }
                }
                FileItem::Expectations(e) => self.expectations(e),
                FileItem::Procedure(p) => self.procedure(p),
            }
        }
    }

    fn layers(&mut self, l: &crate::syntax::ast::Layers) {
        let order: Vec<&str> = l.names.iter().map(|n| n.as_str()).collect();
        for n in &l.names {
            let doc = format!(
                "**layer** `{}`\n\nRepair order, bottom first: {}",
                n.name,
                order.join(" < ")
            );
            self.define(n.span, Key::Layer(n.name.clone()), doc);
        }
    }

    fn expectations(&mut self, e: &crate::syntax::ast::Expectations) {
        for x in &e.items {
            self.text(&x.observation);
            self.text(&x.meaning);
            if let Some(m) = &x.matcher {
                if let Some(b) = builtins::lookup_path(&m.builtin) {
                    self.occur(m.builtin.span, Key::Builtin(b.name), false);
                }
                self.frames.push(HashMap::new());
                self.bind(&m.binding, "binding");
                self.expr(&m.condition);
                self.frames.pop();
            }
        }
    }

    fn procedure(&mut self, p: &Procedure) {
        let mut doc = format!(
            "**procedure** `{}`: {}",
            p.name.name,
            p.title.display_template()
        );
        push_docs(&mut doc, &p.doc);
        self.define(p.name.span, Key::Procedure(p.name.name.clone()), doc);
        self.calls = p
            .nodes()
            .filter(|n| matches!(n.kind, NodeKind::Call(_)))
            .map(|n| n.name.name.clone())
            .collect();
        for item in &p.items {
            match item {
                ProcItem::Param(f) => {
                    if let Some(d) = &f.default {
                        self.expr(d);
                    }
                    let key = Key::Var {
                        file: self.file.clone(),
                        def: f.name.span.offset(),
                    };
                    self.define(f.name.span, key.clone(), decl_doc("param", f));
                    self.frames[0].insert(f.name.name.clone(), key);
                }
                ProcItem::Layers(l) => self.layers(l),
                ProcItem::Expectations(e) => self.expectations(e),
                ProcItem::Node(n) => self.node(n),
                ProcItem::Header(_) | ProcItem::Doc(_) => {}
            }
        }
    }

    fn node_key(&self, name: &str) -> Key {
        if self.calls.iter().any(|c| c == name) {
            Key::Procedure(name.to_string())
        } else {
            Key::Node {
                file: self.file.clone(),
                name: name.to_string(),
            }
        }
    }

    fn node(&mut self, n: &Node) {
        if matches!(n.kind, NodeKind::Call(_)) {
            self.occur(n.name.span, Key::Procedure(n.name.name.clone()), false);
        } else {
            let mut doc = format!("**{}**", node_summary(n));
            if let Some(l) = &n.layer {
                doc.push_str(&format!("\n\nlayer `{}`", l.name));
            }
            if !n.needs.is_empty() {
                let needs: Vec<String> = n.needs.iter().map(|g| format!("`{}`", g.name)).collect();
                doc.push_str(&format!("\n\nneeds {}", needs.join(", ")));
            }
            push_docs(&mut doc, &n.doc);
            let key = self.node_key(&n.name.name);
            self.define(n.name.span, key, doc);
        }
        if let Some(l) = &n.layer {
            self.occur(l.span, Key::Layer(l.name.clone()), false);
        }
        for g in &n.needs {
            let key = self.node_key(&g.name);
            self.occur(g.span, key, false);
        }
        if let Some(t) = &n.title {
            self.text(t);
        }
        match &n.kind {
            NodeKind::Step(b) | NodeKind::Gate(b) => self.block(b, false),
            NodeKind::Decide(d) => {
                for br in d.branches.iter().chain(d.otherwise.iter()) {
                    if let Some(c) = &br.condition {
                        self.expr(c);
                    }
                    let key = self.node_key(&br.target.name);
                    self.occur(br.target.span, key, false);
                    if let Some(r) = &br.reason {
                        self.text(r);
                    }
                }
            }
            NodeKind::Call(args) => self.args(args),
        }
    }

    /// A block; `own_frame` for the bodies whose `let`s end with them.
    fn block(&mut self, b: &Block, own_frame: bool) {
        if own_frame {
            self.frames.push(HashMap::new());
        }
        for s in &b.stmts {
            self.stmt(s);
        }
        if own_frame {
            self.frames.pop();
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Let { name, value } => {
                self.expr(value);
                self.bind(name, "let");
            }
            StmtKind::Record { name, value } => {
                self.expr(value);
                self.bind(name, "record");
            }
            StmtKind::Expr(value) => self.expr(value),
            StmtKind::Scope(sc) => {
                for a in &sc.args {
                    self.expr(&a.value);
                }
                self.block(&sc.body, false);
            }
            StmtKind::Poll(p) => {
                for e in p.every.iter().chain(&p.max).chain(&p.within) {
                    self.expr(e);
                }
                if let Some(l) = &p.label {
                    self.text(l);
                }
                self.block(&p.body, false);
                if let Some(u) = &p.until {
                    self.expr(u);
                }
                for f in &p.fails {
                    self.expr(&f.condition);
                    self.text(&f.message);
                }
            }
            StmtKind::Patience(p) => {
                if let Some(d) = &p.duration {
                    self.expr(d);
                }
                for f in &p.forbid {
                    if let Some(b) = builtins::lookup_path(&f.builtin) {
                        self.occur(f.builtin.span, Key::Builtin(b.name), false);
                    }
                }
                self.block(&p.body, false);
            }
            StmtKind::Foreach(f) => {
                self.expr(&f.iter);
                if let Some(m) = f.parallel.as_ref().and_then(|p| p.max.as_ref()) {
                    self.expr(m);
                }
                self.frames.push(HashMap::new());
                self.bind(&f.var, "loop variable");
                self.block(&f.body, false);
                self.frames.pop();
            }
            StmtKind::If(i) => self.if_stmt(i),
            StmtKind::Require { condition, message } => {
                self.expr(condition);
                self.text(message);
            }
            StmtKind::Confirm { message } | StmtKind::Log { message } => self.text(message),
            StmtKind::Doc(d) => self.text(&d.text),
            StmtKind::Call(c) => {
                self.occur(c.name.span, Key::Procedure(c.name.name.clone()), false);
                self.args(&c.args);
                if let Some(n) = &c.note {
                    self.text(n);
                }
            }
        }
    }

    /// The values passed to a called procedure.
    fn args(&mut self, args: &[crate::syntax::ast::Arg]) {
        for a in args {
            self.expr(&a.value);
        }
    }

    fn if_stmt(&mut self, i: &crate::syntax::ast::If) {
        self.expr(&i.condition);
        self.block(&i.then, true);
        match &i.otherwise {
            Some(Else::If(s)) => self.stmt(s),
            Some(Else::Block(b)) => self.block(b, true),
            None => {}
        }
    }

    fn text(&mut self, t: &Text) {
        for e in text_exprs(t) {
            self.expr(e);
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Var(i) => {
                let found = self
                    .frames
                    .iter()
                    .rev()
                    .find_map(|f| f.get(&i.name))
                    .cloned();
                if let Some(key) = found {
                    self.occur(i.span, key, false);
                }
            }
            ExprKind::Field { base, name } => {
                if matches!(&base.kind, ExprKind::Var(v) if v.name == "site") {
                    self.occur(name.span, Key::Site(name.name.clone()), false);
                } else {
                    self.expr(base);
                }
            }
            ExprKind::Str(t) => self.text(t),
            ExprKind::List(items) => items.iter().for_each(|x| self.expr(x)),
            ExprKind::Index { base, index } => {
                self.expr(base);
                self.expr(index);
            }
            ExprKind::Call { callee, args } => {
                if let Some(b) = builtins::lookup_path(callee) {
                    self.occur(callee.span, Key::Builtin(b.name), false);
                }
                args.iter().for_each(|a| self.expr(&a.value));
            }
            ExprKind::Unary { operand, .. } => self.expr(operand),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
            }
            ExprKind::Comprehension {
                var,
                iter,
                filter,
                map,
                ..
            } => {
                self.expr(iter);
                self.frames.push(HashMap::new());
                self.bind(var, "variable");
                for x in filter.iter().chain(map.iter()) {
                    self.expr(x);
                }
                self.frames.pop();
            }
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Duration(_) => {}
        }
    }
}

/// `**param** `name`: str = "x"`, its description and doc comments.
fn decl_doc(what: &str, f: &FieldDecl) -> String {
    let mut doc = format!("**{what}** `{}: {}", f.name.name, f.ty);
    if let Some(d) = &f.default {
        doc.push_str(&format!(" = {d}"));
    }
    doc.push('`');
    if let Some(t) = &f.description {
        doc.push_str("\n\n");
        doc.push_str(&t.display_template());
    }
    push_docs(&mut doc, &f.doc);
    doc
}

fn push_docs(out: &mut String, doc: &[String]) {
    if !doc.is_empty() {
        out.push_str("\n\n");
        out.push_str(&doc.join("\n"));
    }
}
