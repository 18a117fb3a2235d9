//! The canonical layout of each construct: one function per AST type.
use super::printer::{Blank, Printer};
use crate::syntax::ast::*;

fn start(s: Span) -> usize {
    s.offset()
}

fn end(s: Span) -> usize {
    s.offset() + s.len()
}

/// The offset of the closing brace of a construct that ends with one.
fn last(s: Span) -> usize {
    end(s).saturating_sub(1)
}

impl Printer<'_> {
    fn text(&self, t: &Text) -> String {
        if let Some(src) = self.as_written(start(t.span), end(t.span)) {
            return src.to_string();
        }
        let mut out = String::new();
        let _ = write_text_indented(&mut out, t, &self.ind());
        out
    }

    fn expr(&self, e: &Expr) -> String {
        if let Some(src) = self.as_written(start(e.span), end(e.span)) {
            return src.to_string();
        }
        let indent = self.ind();
        IndentedExpr {
            expr: e,
            indent: &indent,
        }
        .to_string()
    }

    fn args(&self, args: &[Arg]) -> String {
        if let (Some(first), Some(last)) = (args.first(), args.last()) {
            if let Some(src) = self.as_written(start(first.span), end(last.span)) {
                return src.to_string();
            }
        }
        let mut out = String::new();
        let _ = write_args_indented(&mut out, args, &self.ind());
        out
    }

    /// `/// ...` lines of an item whose docs lie in `start..name`.
    fn docs(&mut self, doc: &[String], start: usize, name: &Ident) {
        self.attach_docs(start, name.span.offset());
        for line in doc {
            if line.is_empty() {
                self.push("///".to_string());
            } else {
                self.push(format!("/// {line}"));
            }
        }
        self.flush(name.span.offset(), Blank::Never);
    }

    pub fn file(&mut self, file: &File) {
        let mut prev: Option<&FileItem> = None;
        for item in &file.items {
            let blank = match (prev, item) {
                (None, _) | (Some(FileItem::Use(_)), FileItem::Use(_)) => Blank::Keep,
                _ => Blank::Force,
            };
            let span = file_item_span(item);
            self.item(start(span), blank);
            match item {
                FileItem::Use(u) => self.push(format!("use {}", self.text(&u.path))),
                FileItem::Layers(l) => self.layers(l),
                FileItem::Site(s) => {
                    self.open("site".to_string());
                    self.fields(&s.fields);
                    self.close(last(s.span), "}");
                }
                FileItem::Expectations(e) => self.expectations(e),
                FileItem::Procedure(p) => self.procedure(p),
            }
            self.done(end(span));
            prev = Some(item);
        }
    }

    fn layers(&mut self, l: &Layers) {
        let names: Vec<&str> = l.names.iter().map(Ident::as_str).collect();
        self.push(format!("layers {}", names.join(" < ")));
    }

    fn fields(&mut self, fields: &[FieldDecl]) {
        for f in fields {
            self.item(start(f.span), Blank::Keep);
            self.field(f, "");
            self.done(end(f.span));
        }
    }

    /// A site field or (with `keyword` "param ") a parameter.
    fn field(&mut self, f: &FieldDecl, keyword: &str) {
        self.docs(&f.doc, start(f.span), &f.name);
        let mut line = format!("{keyword}{}: {}", f.name.name, f.ty);
        if let Some(d) = &f.default {
            line.push_str(&format!(" = {}", self.expr(d)));
        }
        if let Some(d) = &f.description {
            line.push_str(&format!(" {}", self.text(d)));
        }
        self.push(line);
    }

    fn expectations(&mut self, e: &Expectations) {
        self.open("expectations".to_string());
        for x in &e.items {
            self.item(start(x.span), Blank::Keep);
            let mut header = "expect ".to_string();
            if let Some(id) = &x.id {
                header.push_str(&format!("{} ", id.name));
            }
            header.push_str(&format!(
                "{} {}",
                self.text(&x.observation),
                x.verdict.as_str()
            ));
            self.open(header);
            self.item(start(x.meaning.span), Blank::Never);
            self.push(format!("meaning {}", self.text(&x.meaning)));
            if let Some(m) = &x.matcher {
                self.item(start(m.span), Blank::Never);
                self.push(format!(
                    "on {} as {} when {}",
                    m.builtin.dotted(),
                    m.binding.name,
                    self.expr(&m.condition)
                ));
            }
            self.close(last(x.span), "}");
            self.done(end(x.span));
        }
        self.close(last(e.span), "}");
    }

    fn procedure(&mut self, p: &Procedure) {
        self.docs(&p.doc, start(p.span), &p.name);
        let readonly = if p.readonly.is_some() {
            " readonly"
        } else {
            ""
        };
        self.open(format!(
            "procedure {} {}{readonly}",
            p.name.name,
            self.text(&p.title)
        ));
        let mut prev: Option<&ProcItem> = None;
        for item in &p.items {
            let blank = match (prev, item) {
                (None, _) => Blank::Keep,
                // A run of `call`s reads as one list.
                (Some(ProcItem::Node(a)), ProcItem::Node(b))
                    if matches!(a.kind, NodeKind::Call(_))
                        && matches!(b.kind, NodeKind::Call(_)) =>
                {
                    Blank::Keep
                }
                (_, ProcItem::Node(_) | ProcItem::Expectations(_))
                | (Some(ProcItem::Node(_) | ProcItem::Expectations(_)), _) => Blank::Force,
                (Some(a), b) if std::mem::discriminant(a) == std::mem::discriminant(b) => {
                    Blank::Keep
                }
                _ => Blank::Force,
            };
            let span = proc_item_span(item);
            self.item(start(span), blank);
            match item {
                ProcItem::Header(h) => {
                    let values: Vec<String> = h.values.iter().map(|v| self.text(v)).collect();
                    self.push(format!("{} {}", h.key.as_str(), values.join(", ")));
                }
                ProcItem::Param(f) => self.field(f, "param "),
                ProcItem::Layers(l) => self.layers(l),
                ProcItem::Expectations(e) => self.expectations(e),
                ProcItem::Node(n) => self.node(n),
                ProcItem::Doc(d) => self.doc_item(d),
            }
            self.done(end(span));
            prev = Some(item);
        }
        self.close(last(p.span), "}");
    }

    fn doc_item(&mut self, d: &DocItem) {
        let duration = d
            .duration
            .map(|x| match self.written(start(x.span), end(x.span)) {
                Some(src) => format!(" ~{src}"),
                None => format!(" ~{}", format_compound_duration(x.value)),
            })
            .unwrap_or_default();
        self.push(format!(
            "{}{duration} {}",
            d.kind.as_str(),
            self.text(&d.text)
        ));
    }

    fn node(&mut self, n: &Node) {
        self.docs(&n.doc, start(n.span), &n.name);
        let mut header = format!("{} {}", n.kind.keyword(), n.name.name);
        if let NodeKind::Call(args) = &n.kind {
            if !args.is_empty() {
                header.push_str(&format!("({})", self.args(args)));
            }
        }
        if let Some(t) = &n.title {
            header.push_str(&format!(" {}", self.text(t)));
        }
        match &n.kind {
            NodeKind::Step(b) | NodeKind::Gate(b) => {
                if let Some(l) = &n.layer {
                    header.push_str(&format!(" layer {}", l.name));
                }
                if !n.needs.is_empty() {
                    let needs: Vec<&str> = n.needs.iter().map(Ident::as_str).collect();
                    header.push_str(&format!(" needs {}", needs.join(", ")));
                }
                if n.readonly.is_some() {
                    header.push_str(" readonly");
                }
                self.open(header);
                self.stmts(&b.stmts);
                self.close(last(b.span), "}");
            }
            NodeKind::Decide(d) => {
                self.open(header);
                for b in d.branches.iter().chain(&d.otherwise) {
                    self.item(start(b.span), Blank::Keep);
                    let mut line = match &b.condition {
                        Some(c) => format!("when {} -> {}", self.expr(c), b.target.name),
                        None => format!("otherwise -> {}", b.target.name),
                    };
                    if let Some(r) = &b.reason {
                        line.push_str(&format!(" {}", self.text(r)));
                    }
                    self.push(line);
                    self.done(end(b.span));
                }
                self.close(last(n.span), "}");
            }
            NodeKind::Call(_) => self.push(header),
        }
    }

    fn stmts(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            self.item(start(s.span), Blank::Keep);
            self.stmt(s);
            self.done(end(s.span));
        }
    }

    fn block(&mut self, header: String, b: &Block) {
        self.open(header);
        self.stmts(&b.stmts);
        self.close(last(b.span), "}");
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Let { name, value } => {
                self.push(format!("let {} = {}", name.name, self.expr(value)))
            }
            StmtKind::Record { name, value } => {
                self.push(format!("record {} = {}", name.name, self.expr(value)))
            }
            StmtKind::Scope(sc) => {
                let mut header = format!("scope {}", sc.kind.as_str());
                if !sc.args.is_empty() {
                    header.push_str(&format!("({})", self.args(&sc.args)));
                }
                self.block(header, &sc.body);
            }
            StmtKind::Poll(p) => self.poll(p, s.span),
            StmtKind::Patience(p) => {
                let mut header = format!("patience {}", self.text(&p.label));
                if let Some(d) = &p.duration {
                    header.push_str(&format!(" for {}", self.expr(d)));
                }
                if !p.forbid.is_empty() {
                    let items: Vec<String> = p
                        .forbid
                        .iter()
                        .map(|f| match &f.pattern {
                            Some(pat) => format!("{} ~ {}", f.builtin.dotted(), self.text(pat)),
                            None => f.builtin.dotted(),
                        })
                        .collect();
                    header.push_str(&format!(" forbid {}", items.join(", ")));
                }
                self.block(header, &p.body);
            }
            StmtKind::Foreach(f) => {
                let mut header = format!("foreach {} in {}", f.var.name, self.expr(&f.iter));
                if let Some(par) = &f.parallel {
                    header.push_str(" parallel");
                    if let Some(m) = &par.max {
                        header.push_str(&format!(" max {}", self.expr(m)));
                    }
                }
                self.block(header, &f.body);
            }
            StmtKind::If(i) => {
                self.open(format!("if {}", self.expr(&i.condition)));
                self.if_rest(i);
            }
            StmtKind::Require { condition, message } => self.push(format!(
                "require {} else abort {}",
                self.expr(condition),
                self.text(message)
            )),
            StmtKind::Confirm { message } => self.push(format!("confirm {}", self.text(message))),
            StmtKind::Log { message } => self.push(format!("log {}", self.text(message))),
            StmtKind::Call(c) => {
                let mut line = format!("call {}", c.name.name);
                if !c.args.is_empty() {
                    line.push_str(&format!("({})", self.args(&c.args)));
                }
                if let Some(t) = &c.note {
                    line.push_str(&format!(" {}", self.text(t)));
                }
                self.push(line)
            }
            StmtKind::Doc(d) => self.doc_item(d),
            StmtKind::Expr(e) => self.push(self.expr(e)),
        }
    }

    /// The body of an `if` whose header is open, and its `else` chain.
    fn if_rest(&mut self, i: &If) {
        self.stmts(&i.then.stmts);
        match &i.otherwise {
            None => self.close(last(i.then.span), "}"),
            Some(Else::Block(b)) => {
                self.close(last(i.then.span), "} else {");
                self.reopen();
                self.stmts(&b.stmts);
                self.close(last(b.span), "}");
            }
            Some(Else::If(stmt)) => match &stmt.kind {
                StmtKind::If(next) => {
                    let closer = format!("}} else if {} {{", self.outer_expr(&next.condition));
                    self.close(last(i.then.span), &closer);
                    self.reopen();
                    self.if_rest(next);
                }
                // The parser only puts an `if` here.
                _ => self.close(last(i.then.span), "}"),
            },
        }
    }

    /// An expression printed on a line one level out (a closing line).
    fn outer_expr(&self, e: &Expr) -> String {
        if let Some(src) = self.as_written(start(e.span), end(e.span)) {
            return src.to_string();
        }
        let indent = "  ".repeat(self.indent_level().saturating_sub(1));
        IndentedExpr {
            expr: e,
            indent: &indent,
        }
        .to_string()
    }

    fn poll(&mut self, p: &Poll, span: Span) {
        let mut header = "poll".to_string();
        if let Some(l) = &p.label {
            header.push_str(&format!(" {}", self.text(l)));
        }
        for (kw, e) in [("every", &p.every), ("max", &p.max), ("within", &p.within)] {
            if let Some(e) = e {
                header.push_str(&format!(" {kw} {}", self.expr(e)));
            }
        }
        self.open(header);
        self.stmts(&p.body.stmts);
        if let Some(u) = &p.until {
            self.item(start(u.span), Blank::Never);
            self.push(format!("until {}", self.expr(u)));
        }
        for f in &p.fails {
            self.item(start(f.span), Blank::Never);
            self.push(format!(
                "fail if {}: {}",
                self.expr(&f.condition),
                self.text(&f.message)
            ));
        }
        // Comments up to the exhausted clause's message belong in the body.
        let (close, closer) = match &p.exhausted {
            // The span takes in the comments after the `}` (the grammar
            // looked for an `on exhausted` there): they come after the poll.
            None => (self.code_end(end(span)).saturating_sub(1), "}".to_string()),
            Some(Exhausted::Abort(m)) => (
                start(m.span),
                format!("}} on exhausted abort {}", self.outer_text(m)),
            ),
            Some(Exhausted::Continue(None)) => (
                self.code_end(end(span)),
                "} on exhausted continue".to_string(),
            ),
            Some(Exhausted::Continue(Some(m))) => (
                start(m.span),
                format!("}} on exhausted continue {}", self.outer_text(m)),
            ),
        };
        self.close(close, &closer);
    }

    /// A string printed on a line one level out (a closing line).
    fn outer_text(&self, t: &Text) -> String {
        if let Some(src) = self.as_written(start(t.span), end(t.span)) {
            return src.to_string();
        }
        let indent = "  ".repeat(self.indent_level().saturating_sub(1));
        let mut out = String::new();
        let _ = write_text_indented(&mut out, t, &indent);
        out
    }
}

fn file_item_span(item: &FileItem) -> Span {
    match item {
        FileItem::Use(u) => u.span,
        FileItem::Layers(l) => l.span,
        FileItem::Site(s) => s.span,
        FileItem::Expectations(e) => e.span,
        FileItem::Procedure(p) => p.span,
    }
}

fn proc_item_span(item: &ProcItem) -> Span {
    match item {
        ProcItem::Header(h) => h.span,
        ProcItem::Param(f) => f.span,
        ProcItem::Layers(l) => l.span,
        ProcItem::Expectations(e) => e.span,
        ProcItem::Node(n) => n.span,
        ProcItem::Doc(d) => d.span,
    }
}
