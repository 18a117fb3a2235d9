//! Name resolution: which names exist where (params, site fields, `let`s,
//! loop variables, a poll's `attempt`, matcher bindings), duplicate node and
//! declaration names, decision/`needs`/`call` targets and layers. Expression
//! typing lives in `typeck.rs`; both report into the same [`Resolver`].
use std::collections::HashMap;

use super::builtins;
use super::env::{closest, list_of, Env};
use super::scopes::ssh;
use super::typeck::article;
use super::types::Ty;
use crate::compilation::{Compilation, Unit};
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{self, Block, Else, NodeKind, ScopeKind, Stmt, StmtKind, Text};

/// Resolve and type-check the root file of `comp` (its declarations and its
/// procedure). Used files are checked when they are checked themselves.
pub fn resolve(comp: &Compilation) -> Vec<Diagnostic> {
    let Some(file) = &comp.root.file else {
        return Vec::new();
    };
    let mut r = Resolver::new(comp, &comp.root);
    r.file(file);
    r.diags
}

/// The type of every name the root file binds (parameters, `let`s, loop
/// and comprehension variables, matcher bindings), at the name's span, in
/// the order resolution met them: what an editor shows on hover and
/// completes after `name.`.
pub fn binding_types(comp: &Compilation) -> Vec<(ast::Span, Ty)> {
    let Some(file) = &comp.root.file else {
        return Vec::new();
    };
    let mut r = Resolver::new(comp, &comp.root);
    r.bound = Some(Vec::new());
    r.file(file);
    r.bound.unwrap_or_default()
}

pub(super) struct Resolver<'c> {
    pub(super) comp: &'c Compilation,
    pub(super) unit: &'c Unit,
    pub(super) env: Env,
    /// Credential scopes enclosing the current statement, innermost last.
    pub(super) scopes: Vec<ScopeKind>,
    pub(super) site: HashMap<&'c str, Ty>,
    /// Variables of procedures already `call`ed, read as `call_name.var`.
    pub(super) called: HashMap<String, Vec<(String, Ty)>>,
    /// How many `call`s deep this resolver is (guards `use` cycles).
    depth: usize,
    /// The procedure being resolved (for `call` statements in its blocks).
    current: Option<&'c ast::Procedure>,
    pub(super) diags: Vec<Diagnostic>,
    /// Every binding's span and type, when asked for ([`binding_types`]).
    bound: Option<Vec<(ast::Span, Ty)>>,
}

impl<'c> Resolver<'c> {
    fn new(comp: &'c Compilation, unit: &'c Unit) -> Self {
        let mut site = HashMap::new();
        for (_, f) in comp.site_fields() {
            site.entry(f.name.as_str())
                .or_insert_with(|| type_of_decl(&f.ty).unwrap_or(Ty::Any));
        }
        Resolver {
            comp,
            unit,
            env: Env::new(),
            scopes: Vec::new(),
            site,
            called: HashMap::new(),
            depth: 0,
            current: None,
            diags: Vec::new(),
            bound: None,
        }
    }

    /// Bind `name` in the innermost frame (and note its type when asked).
    pub(super) fn bind(&mut self, name: &ast::Ident, ty: Ty) {
        self.env.define(&name.name, ty);
        if let Some(b) = &mut self.bound {
            b.push((name.span, ty));
        }
    }

    pub(super) fn report(&mut self, d: Diagnostic) {
        self.diags.push(d.with_source(&self.unit.source));
    }

    fn file(&mut self, file: &'c ast::File) {
        for item in &file.items {
            match item {
                ast::FileItem::Layers(l) => self.layers_decl(l),
                ast::FileItem::Site(s) => self.site_decl(s),
                ast::FileItem::Expectations(e) => self.expectations(e),
                ast::FileItem::Use(_) => {}
                ast::FileItem::Procedure(p) => self.procedure(p),
            }
        }
    }

    fn layers_decl(&mut self, l: &ast::Layers) {
        for (i, name) in l.names.iter().enumerate() {
            if let Some(first) = l.names[..i].iter().find(|n| n.name == name.name) {
                let d = Diagnostic::new(
                    Code::Duplicate,
                    name.span,
                    format!("layer `{}` is listed twice", name.name),
                )
                .with_label("listed again here")
                .with_secondary(first.span, "first listed here")
                .with_help("list each layer once, bottom layer first");
                self.report(d);
            }
        }
    }

    fn site_decl(&mut self, s: &ast::SiteDecl) {
        // Duplicates across every file of the compilation, reported in this one.
        let mut seen: HashMap<&str, ast::Span> = HashMap::new();
        for (u, f) in self.comp.site_fields() {
            if std::ptr::eq(u, self.unit) {
                continue;
            }
            seen.entry(f.name.as_str()).or_insert(f.name.span);
        }
        for f in &s.fields {
            if let Some(first) = seen.get(f.name.as_str()).copied() {
                let d = Diagnostic::new(
                    Code::Duplicate,
                    f.name.span,
                    format!("site field `{}` is declared twice", f.name.name),
                )
                .with_label("declared again here")
                .with_help("declare each site field once (shared fields belong in a file the procedures `use`)");
                let d = if self.is_local(first, &s.fields) {
                    d.with_secondary(first, "first declared here")
                } else {
                    d
                };
                self.report(d);
            } else {
                seen.insert(f.name.as_str(), f.name.span);
            }
            self.field_decl(f, "site field");
        }
    }

    fn is_local(&self, span: ast::Span, fields: &[ast::FieldDecl]) -> bool {
        fields.iter().any(|f| f.name.span == span)
    }

    /// Check a declaration's type and default; returns its type.
    fn field_decl(&mut self, f: &ast::FieldDecl, what: &str) -> Ty {
        let ty = match type_of_decl(&f.ty) {
            Ok(t) => t,
            Err(bad) => {
                let d = Diagnostic::new(
                    Code::UnknownName,
                    bad.span,
                    format!("unknown type `{}` for {what} `{}`", bad.name, f.name.name),
                )
                .with_label("no such type")
                .with_help("types are str, int, float, bool, duration, map, any, list[T] and the record types (Server, LoadBalancer, ...)");
                self.report(d);
                Ty::Any
            }
        };
        if let Some(default) = &f.default {
            let got = self.expr(default);
            if !super::typeck::accepts(got, ty) {
                let d = Diagnostic::new(
                    Code::ArgType,
                    default.span,
                    format!(
                        "the default of `{}` is {}, but it is declared {ty}",
                        f.name.name,
                        article(got)
                    ),
                )
                .with_label(format!("this is {}", article(got)))
                .with_help(format!(
                    "give {} default, or change the declared type",
                    article(ty)
                ));
                self.report(d);
            }
        }
        if let Some(t) = &f.description {
            self.text(t);
        }
        ty
    }

    fn expectations(&mut self, e: &ast::Expectations) {
        for x in &e.items {
            self.text(&x.observation);
            self.text(&x.meaning);
            let Some(m) = &x.matcher else { continue };
            let name = m.builtin.dotted();
            let ty = match builtins::lookup(&name) {
                Some(b) => b.returns,
                None => {
                    self.unknown_builtin(&name, m.builtin.span);
                    Ty::Any
                }
            };
            self.env.push();
            self.bind(&m.binding, ty);
            self.condition(&m.condition, "an expectation's `when`");
            self.env.pop();
        }
    }

    pub(super) fn unknown_builtin(&mut self, name: &str, span: ast::Span) {
        let mut d = Diagnostic::new(
            Code::UnknownBuiltin,
            span,
            format!("there is no builtin or function called `{name}`"),
        )
        .with_label("unknown");
        d = match builtins::similar(name) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help("the book's builtin reference lists every builtin; procedures run with `call`, not as functions"),
        };
        self.report(d);
    }

    fn procedure(&mut self, p: &'c ast::Procedure) {
        self.current = Some(p);
        self.text(&p.title);
        let layers: Vec<String> = self.comp.layers().iter().map(|l| l.name.clone()).collect();

        // Parameters.
        let mut params: HashMap<&str, ast::Span> = HashMap::new();
        for param in p.params() {
            if let Some(first) = params.get(param.name.as_str()) {
                let d = Diagnostic::new(
                    Code::Duplicate,
                    param.name.span,
                    format!("parameter `{}` is declared twice", param.name.name),
                )
                .with_label("declared again here")
                .with_secondary(*first, "first declared here")
                .with_help("rename or remove one of them");
                self.report(d);
            }
            params.insert(param.name.as_str(), param.name.span);
            let ty = self.field_decl(param, "parameter");
            self.bind(&param.name, ty);
        }

        // Header fields.
        for h in p.header(ast::HeaderKey::Layer) {
            for v in &h.values {
                if let Some(name) = v.as_literal() {
                    self.check_layer(&name, v.span, &layers);
                }
            }
        }
        for item in &p.items {
            match item {
                ast::ProcItem::Header(h) => h.values.iter().for_each(|v| self.text(v)),
                ast::ProcItem::Doc(d) => self.text(&d.text),
                ast::ProcItem::Expectations(e) => self.expectations(e),
                ast::ProcItem::Layers(l) => self.layers_decl(l),
                _ => {}
            }
        }

        // Node names.
        let nodes: Vec<&ast::Node> = p.nodes().collect();
        let mut by_name: HashMap<&str, &ast::Node> = HashMap::new();
        for n in &nodes {
            if let Some(first) = by_name.get(n.name.as_str()) {
                let d = Diagnostic::new(
                    Code::Duplicate,
                    n.name.span,
                    format!(
                        "`{}` is already the name of a {} in this procedure",
                        n.name.name,
                        first.kind.keyword()
                    ),
                )
                .with_label(format!("second {} named `{}`", n.kind.keyword(), n.name.name))
                .with_secondary(first.name.span, "first defined here")
                .with_help("give every step, gate, decision and call a unique name: decisions and `needs` refer to them by name");
                self.report(d);
            } else {
                by_name.insert(n.name.as_str(), n);
            }
        }
        let node_names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();

        for n in &nodes {
            if let Some(l) = &n.layer {
                self.check_layer(&l.name, l.span, &layers);
            }
            for g in &n.needs {
                if !by_name.contains_key(g.as_str()) {
                    self.unknown_target(g, &node_names, "gate");
                }
            }
            if let Some(t) = &n.title {
                self.text(t);
            }
            match &n.kind {
                NodeKind::Step(b) | NodeKind::Gate(b) => {
                    self.scopes.clear();
                    self.block(b);
                }
                NodeKind::Decide(d) => {
                    for br in d.branches.iter().chain(d.otherwise.iter()) {
                        if let Some(c) = &br.condition {
                            self.condition(c, "a `when`");
                        }
                        if !by_name.contains_key(br.target.as_str())
                            && br.target.name != crate::dag::END_TARGET
                        {
                            self.unknown_target(&br.target, &node_names, "step");
                        }
                        if let Some(r) = &br.reason {
                            self.text(r);
                        }
                    }
                }
                NodeKind::Call(args) => self.call_target(p, &n.name, args),
            }
        }
    }

    /// A `call` of another procedure, as a node or a statement: the
    /// procedure exists, its arguments match its `param`s, and its
    /// variables become readable as `name.variable`.
    fn call_target(&mut self, p: &ast::Procedure, name: &ast::Ident, args: &[ast::Arg]) {
        let arg_types: Vec<Ty> = args.iter().map(|a| self.expr(&a.value)).collect();
        if name.name == p.name.name {
            let d = Diagnostic::new(
                Code::UnknownTarget,
                name.span,
                format!("procedure `{}` calls itself", p.name.name),
            )
            .with_label("recursive call")
            .with_help("procedures are run top to bottom once; split the repeated part into its own procedure");
            self.report(d);
            return;
        }
        if let Some((unit, callee)) = self.comp.find_procedure(&name.name) {
            self.proc_call_args(name, callee, args, &arg_types);
            if self.depth < 8 {
                let mut inner = Resolver::new(self.comp, unit);
                inner.depth = self.depth + 1;
                inner.procedure(callee);
                let vars = inner.env.bindings();
                self.called.insert(name.name.clone(), vars);
            }
            return;
        }
        let known: Vec<&str> = self
            .comp
            .files()
            .filter_map(|(_, f)| f.procedure())
            .map(|p| p.name.as_str())
            .collect();
        let mut d = Diagnostic::new(
            Code::UnknownTarget,
            name.span,
            format!("there is no procedure `{}` to call", name.name),
        )
        .with_label("unknown procedure");
        d = match closest(&name.name, known.iter().copied()) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!(
                "bring the procedure's file in with `use \"{}.rbk\"` at the top of this file",
                name.name
            )),
        };
        self.report(d);
    }

    /// A call's arguments against the callee's `param`s: each named, each
    /// a param, each of its type; every param without a default set.
    fn proc_call_args(
        &mut self,
        name: &ast::Ident,
        callee: &ast::Procedure,
        args: &[ast::Arg],
        types: &[Ty],
    ) {
        let params: Vec<&ast::FieldDecl> = callee.params().collect();
        let signature = call_signature(&name.name, &params);
        let mut given: Vec<&str> = Vec::new();
        for (a, got) in args.iter().zip(types) {
            let Some(arg_name) = &a.name else {
                let d = Diagnostic::new(
                    Code::UnknownCallArgument,
                    a.span,
                    format!("arguments of `call {}` must be named", name.name),
                )
                .with_label("no name")
                .with_help(format!("write `param: value`; {signature}"));
                self.report(d);
                continue;
            };
            let Some(param) = params.iter().find(|p| p.name.name == arg_name.name) else {
                let mut d = Diagnostic::new(
                    Code::UnknownCallArgument,
                    arg_name.span,
                    format!("procedure `{}` has no param `{}`", name.name, arg_name.name),
                )
                .with_label("no such param");
                d = match closest(&arg_name.name, params.iter().map(|p| p.name.as_str())) {
                    Some(s) => d.with_help(format!("did you mean `{s}`? {signature}")),
                    None => d.with_help(signature.clone()),
                };
                self.report(d);
                continue;
            };
            if given.contains(&arg_name.as_str()) {
                let d = Diagnostic::new(
                    Code::UnknownCallArgument,
                    arg_name.span,
                    format!("param `{}` is set twice", arg_name.name),
                )
                .with_label("set again here")
                .with_help("set each param once");
                self.report(d);
                continue;
            }
            given.push(arg_name.as_str());
            let want = type_of_decl(&param.ty).unwrap_or(Ty::Any);
            if !super::typeck::accepts(*got, want) {
                let d = Diagnostic::new(
                    Code::CallArgType,
                    a.value.span,
                    format!(
                        "param `{}` of `{}` is {}, but this is {}",
                        arg_name.name,
                        name.name,
                        article(want),
                        article(*got)
                    ),
                )
                .with_label(format!("this is {}", article(*got)))
                .with_help(format!("pass {}; {signature}", article(want)));
                self.report(d);
            }
        }
        let missing: Vec<&str> = params
            .iter()
            .filter(|p| p.default.is_none() && !given.contains(&p.name.as_str()))
            .map(|p| p.name.as_str())
            .collect();
        if !missing.is_empty() {
            let example: Vec<String> = missing.iter().map(|m| format!("{m}: ...")).collect();
            let d = Diagnostic::new(
                Code::MissingCallArgument,
                name.span,
                format!(
                    "`call {}` does not set {}, which {} no default",
                    name.name,
                    list_names(missing.iter().copied()),
                    if missing.len() == 1 { "has" } else { "have" }
                ),
            )
            .with_label(format!("missing {}", list_names(missing.iter().copied())))
            .with_help(format!(
                "write `call {}({})`; {signature}",
                name.name,
                example.join(", ")
            ));
            self.report(d);
        }
    }

    fn unknown_target(&mut self, name: &ast::Ident, known: &[&str], what: &str) {
        let mut d = Diagnostic::new(
            Code::UnknownTarget,
            name.span,
            format!("there is no {what} `{}` in this procedure", name.name),
        )
        .with_label("unknown name");
        d = match closest(&name.name, known.iter().copied()) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help("name a step, gate, decision or call defined in this procedure"),
        };
        self.report(d);
    }

    fn check_layer(&mut self, name: &str, span: ast::Span, layers: &[String]) {
        if layers.iter().any(|l| l == name) {
            return;
        }
        let mut d = Diagnostic::new(Code::UnknownLayer, span, format!("unknown layer `{name}`"))
            .with_label("not in the `layers` declaration");
        d = if layers.is_empty() {
            d.with_help("declare the layer order first, bottom layer first: `layers vm < k8s < lb`")
        } else if let Some(s) = closest(name, layers.iter().map(String::as_str)) {
            d.with_help(format!(
                "did you mean `{s}`? the layers are {}",
                layers.join(" < ")
            ))
        } else {
            d.with_help(format!(
                "use one of the declared layers ({}) or add it to `layers`",
                layers.join(" < ")
            ))
        };
        self.report(d);
    }

    pub(super) fn block(&mut self, b: &Block) {
        for s in &b.stmts {
            self.stmt(s);
        }
    }

    fn scoped_block(&mut self, b: &Block) {
        self.env.push();
        self.block(b);
        self.env.pop();
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Let { name, value } => {
                let ty = self.expr(value);
                self.bind(name, ty);
            }
            StmtKind::Scope(sc) => {
                self.scope_args(sc, s.span);
                self.scopes.push(sc.kind);
                self.block(&sc.body);
                self.scopes.pop();
            }
            StmtKind::Poll(p) => {
                if let Some(t) = &p.label {
                    self.text(t);
                }
                if let Some(e) = &p.every {
                    self.expect_ty(e, Ty::Duration, "`every`");
                }
                if let Some(e) = &p.max {
                    self.expect_ty(e, Ty::Int, "`max`");
                }
                if let Some(e) = &p.within {
                    self.expect_ty(e, Ty::Duration, "`within`");
                }
                self.env.define("attempt", Ty::Int);
                self.block(&p.body);
                for f in &p.fails {
                    self.condition(&f.condition, "a `fail if`");
                    self.text(&f.message);
                }
                if let Some(u) = &p.until {
                    self.condition(u, "`until`");
                }
                match &p.exhausted {
                    Some(ast::Exhausted::Abort(t)) | Some(ast::Exhausted::Continue(Some(t))) => {
                        self.text(t)
                    }
                    _ => {}
                }
            }
            StmtKind::Patience(p) => {
                self.text(&p.label);
                if let Some(e) = &p.duration {
                    self.expect_ty(e, Ty::Duration, "`for`");
                }
                for f in &p.forbid {
                    let name = f.builtin.dotted();
                    if builtins::lookup(&name).is_none() {
                        self.unknown_builtin(&name, f.builtin.span);
                    }
                    if let Some(pat) = f.pattern.as_ref().and_then(|t| t.as_literal()) {
                        if let Err(e) = regex::Regex::new(&pat) {
                            let span = f.pattern.as_ref().map_or(f.span, |t| t.span);
                            let d = Diagnostic::new(
                                Code::BadLiteral,
                                span,
                                "this pattern is not a valid regular expression",
                            )
                            .with_label("bad pattern")
                            .with_help(first_line(&e.to_string()));
                            self.report(d);
                        }
                    }
                }
                self.block(&p.body);
            }
            StmtKind::Foreach(f) => {
                let iter = self.expr(&f.iter);
                let elem = match iter.element() {
                    Some(t) => t,
                    None => {
                        let d = Diagnostic::new(
                            Code::TypeMismatch,
                            f.iter.span,
                            format!("cannot loop over {}", article(iter)),
                        )
                        .with_label(format!("this is {}", article(iter)))
                        .with_help("`foreach` needs a list (for example the result of a `.list()` builtin)");
                        self.report(d);
                        Ty::Any
                    }
                };
                if let Some(max) = f.parallel.as_ref().and_then(|p| p.max.as_ref()) {
                    self.expect_ty(max, Ty::Int, "`parallel max`");
                }
                self.env.push();
                self.bind(&f.var, elem);
                self.block(&f.body);
                self.env.pop();
            }
            StmtKind::If(i) => self.if_stmt(i),
            StmtKind::Require { condition, message } => {
                self.condition(condition, "`require`");
                self.text(message);
            }
            StmtKind::Confirm { message } | StmtKind::Log { message } => self.text(message),
            StmtKind::Record { name, value } => {
                // A record is also a variable: a caller reads it as
                // `procedure.name`, the procedure's result.
                let ty = self.expr(value);
                self.bind(name, ty);
            }
            StmtKind::Doc(d) => self.text(&d.text),
            StmtKind::Call(c) => {
                if let Some(p) = self.current {
                    self.call_target(p, &c.name, &c.args);
                }
                if let Some(t) = &c.note {
                    self.text(t);
                }
            }
            StmtKind::Expr(e) => {
                self.expr(e);
                if !matches!(e.kind, ast::ExprKind::Call { .. }) {
                    let d = Diagnostic::new(
                        Code::UnusedValue,
                        e.span,
                        "this value is computed and then dropped",
                    )
                    .with_label("not used")
                    .with_help("bind it with `let name = ...`, test it with `require ... else abort \"...\"`, or remove it");
                    self.report(d);
                }
            }
        }
    }

    fn if_stmt(&mut self, i: &ast::If) {
        self.condition(&i.condition, "`if`");
        self.scoped_block(&i.then);
        match &i.otherwise {
            Some(Else::If(s)) => match &s.kind {
                StmtKind::If(inner) => self.if_stmt(inner),
                _ => self.stmt(s),
            },
            Some(Else::Block(b)) => self.scoped_block(b),
            None => {}
        }
    }

    fn scope_args(&mut self, sc: &ast::Scope, span: ast::Span) {
        let params = super::scopes::args(sc.kind);
        let kind = sc.kind.as_str();
        let mut given: Vec<&str> = Vec::new();
        for a in &sc.args {
            let got = self.expr(&a.value);
            let Some(name) = &a.name else {
                let d = Diagnostic::new(
                    Code::UnknownArgument,
                    a.span,
                    format!("`scope {kind}` arguments must be named"),
                )
                .with_label("no name")
                .with_help(format!(
                    "write `name: value`; `scope {kind}` takes {}",
                    list_names(params.iter().map(|p| p.name))
                ));
                self.report(d);
                continue;
            };
            let Some(want) = params.iter().find(|p| p.name == name.name).map(|p| p.ty) else {
                let mut d = Diagnostic::new(
                    Code::UnknownArgument,
                    name.span,
                    format!("`scope {kind}` has no argument `{}`", name.name),
                )
                .with_label("unknown argument");
                d = match closest(&name.name, params.iter().map(|p| p.name)) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(format!(
                        "`scope {kind}` takes {}",
                        list_names(params.iter().map(|p| p.name))
                    )),
                };
                self.report(d);
                continue;
            };
            given.push(name.as_str());
            if !super::typeck::accepts(got, want) {
                let d = Diagnostic::new(
                    Code::ArgType,
                    a.value.span,
                    format!(
                        "`{}` must be {}, but this is {}",
                        name.name,
                        article(want),
                        article(got)
                    ),
                )
                .with_label(format!("this is {}", article(got)))
                .with_help(format!("pass {}", article(want)));
                self.report(d);
            }
            if sc.kind == ScopeKind::Ssh && name.name == ssh::KNOWN_HOSTS {
                if let ast::ExprKind::Str(t) = &a.value.kind {
                    if let Some(v) = t.as_literal() {
                        if v != ssh::STRICT && v != ssh::ACCEPT_NEW {
                            let d = Diagnostic::new(
                                Code::ArgType,
                                a.value.span,
                                format!("`known_hosts` is \"strict\" or \"accept-new\", not \"{v}\""),
                            )
                            .with_label("unknown policy")
                            .with_help("use \"strict\" (the default) or \"accept-new\"; host keys are never ignored");
                            self.report(d);
                        }
                    }
                }
            }
        }
        let missing: Vec<&str> = params
            .iter()
            .filter(|p| p.required && !given.contains(&p.name))
            .map(|p| p.name)
            .collect();
        if !missing.is_empty() {
            let head = ast::Span::new(span.offset().into(), "scope".len().min(span.len()));
            let d = Diagnostic::new(
                Code::ScopeArgs,
                head,
                format!("`scope {kind}` needs {}", list_names(missing.iter().copied())),
            )
            .with_label(format!("missing {}", list_names(missing.iter().copied())))
            .with_help(format!(
                "say where to connect: `scope {kind}(host: site.mgmt_fip, user: \"ubuntu\") {{ ... }}`"
            ));
            self.report(d);
        }
    }

    /// Type-check the interpolations of a text.
    pub(super) fn text(&mut self, t: &Text) {
        for p in &t.parts {
            if let ast::TextPart::Expr(e) = p {
                self.expr(e);
            }
        }
    }

    /// Every name visible now, for "did you mean".
    pub(super) fn visible_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.env.names().map(str::to_string).collect();
        names.push("site".into());
        names
    }

    pub(super) fn list_ty(&self, elem: Ty) -> Ty {
        list_of(elem)
    }
}

/// The type a `param`/`site` declaration names, or the unknown name in it.
fn type_of_decl(t: &ast::TypeExpr) -> Result<Ty, &ast::Ident> {
    match t {
        ast::TypeExpr::Named(i) => Ty::from_name(&i.name).ok_or(i),
        ast::TypeExpr::List(inner, _) => type_of_decl(inner).map(list_of),
    }
}

/// "`evacuate` takes host: str, force: bool = false" for help lines.
fn call_signature(name: &str, params: &[&ast::FieldDecl]) -> String {
    if params.is_empty() {
        return format!("`{name}` takes no params");
    }
    let list: Vec<String> = params
        .iter()
        .map(|p| {
            let ty = type_of_decl(&p.ty).map_or_else(|_| "any".to_string(), |t| t.to_string());
            match &p.default {
                Some(d) => format!("{}: {ty} = {d}", p.name.name),
                None => format!("{}: {ty}", p.name.name),
            }
        })
        .collect();
    format!("`{name}` takes `{}`", list.join(", "))
}

fn first_line(s: &str) -> String {
    s.lines().last().unwrap_or(s).trim().to_string()
}

pub(super) fn list_names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    match names.len() {
        0 => "nothing".into(),
        1 => names[0].clone(),
        n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
    }
}
