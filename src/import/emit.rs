//! Emission: the draft procedure the import builds, and its text. The text
//! goes through `rbk::formatter` afterwards, so here it only has to parse.
use std::fmt::Write;

/// The credentials a statement needs: the `scope` block around it.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    OpenStack {
        project: Option<String>,
        openrc: Option<String>,
        cloud: Option<String>,
    },
    Kube {
        kubeconfig: Option<String>,
    },
    Ssh {
        host: String,
        user: String,
        key: Option<String>,
        known_hosts: Option<&'static str>,
        port: Option<String>,
    },
}

impl Scope {
    fn header(&self) -> String {
        let args = |pairs: Vec<(&str, &Option<String>)>| {
            pairs
                .into_iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {v}")))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Scope::OpenStack {
                project,
                openrc,
                cloud,
            } => format!(
                "scope openstack({})",
                args(vec![
                    ("project", project),
                    ("openrc", openrc),
                    ("cloud", cloud)
                ])
            ),
            Scope::Kube { kubeconfig } => {
                format!("scope kube({})", args(vec![("kubeconfig", kubeconfig)]))
            }
            Scope::Ssh {
                host,
                user,
                key,
                known_hosts,
                port,
            } => {
                let known = known_hosts.map(quote);
                let rest = args(vec![("key", key), ("known_hosts", &known), ("port", port)]);
                let sep = if rest.is_empty() { "" } else { ", " };
                format!("scope ssh(host: {host}, user: {user}{sep}{rest})")
            }
        }
    }
}

/// One statement of the draft, with the scope it needs, the
/// `TODO(import)` comments the author must resolve before it, and the
/// runbook's own comments on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub scope: Option<Scope>,
    pub todos: Vec<String>,
    /// The runbook's comments on lines of their own before it.
    pub comments: Vec<String>,
    /// The runbook's comment at the end of its line.
    pub trailing: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    Let(String, String),
    Expr(String),
    /// The string's source, quotes included.
    Log(String),
    Note(String),
    Warn(String),
    /// A verified duration (`~3m30s`) and the text.
    Timing(Option<String>, String),
    /// A plain `// ...` comment.
    Comment(String),
    Poll(Poll),
    Foreach {
        var: String,
        items: String,
        body: Vec<Stmt>,
    },
    /// `patience "label" for D { ... }`.
    Patience {
        label: String,
        duration: Option<String>,
        body: Vec<Stmt>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Poll {
    pub every: String,
    /// None: the runbook's loop had no bound (the checker asks for one).
    pub max: Option<u32>,
    pub body: Vec<Stmt>,
    pub until: String,
    pub fails: Vec<(String, String)>,
}

impl Stmt {
    pub fn new(kind: StmtKind) -> Stmt {
        Stmt::scoped(kind, None)
    }
    pub fn scoped(kind: StmtKind, scope: Option<Scope>) -> Stmt {
        Stmt {
            kind,
            scope,
            todos: Vec::new(),
            comments: Vec::new(),
            trailing: None,
        }
    }
    pub fn todo(mut self, why: impl Into<String>) -> Stmt {
        self.todos.push(why.into());
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NodeKind {
    Step,
    Gate,
}

#[derive(Debug)]
pub struct Node {
    pub kind: NodeKind,
    pub name: String,
    pub title: String,
    pub doc: Option<String>,
    pub todos: Vec<String>,
    pub body: Vec<Stmt>,
    /// The one layer its changes fall on (see `import::layers`).
    pub layer: Option<&'static str>,
}

#[derive(Debug)]
pub struct Arm {
    pub cond: String,
    pub target: String,
    pub why: String,
    pub todos: Vec<String>,
}

#[derive(Debug)]
pub struct Decide {
    pub name: String,
    pub question: String,
    pub arms: Vec<Arm>,
    /// Comments for what the decision said that is no arm.
    pub todos: Vec<String>,
}

#[derive(Debug)]
pub enum Item {
    Node(Node),
    Decide(Decide),
}

#[derive(Debug)]
pub struct Expect {
    pub name: String,
    pub observation: String,
    pub benign: bool,
    pub meaning: String,
}

#[derive(Debug)]
pub struct SiteField {
    pub name: String,
    pub value: String,
    pub doc: String,
}

#[derive(Debug, Default)]
pub struct Draft {
    pub source_name: String,
    pub name: String,
    pub title: String,
    pub applies: Option<String>,
    pub notes: Vec<Stmt>,
    pub params: Vec<(String, String)>,
    pub site: Vec<SiteField>,
    /// Site values go to a site file: declare the fields without defaults.
    pub site_out: bool,
    pub expectations: Vec<Expect>,
    pub expectations_todo: Option<String>,
    pub items: Vec<Item>,
}

/// An rbk string literal holding exactly `s`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '{' => out.push_str("{{"),
            '}' => out.push_str("}}"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Draft {
    /// The draft's source text (before formatting).
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "// Draft imported by `rbk import` from {}.",
            self.source_name
        );
        out.push_str("// Each `TODO(import)` marks what the import could not map exactly;\n");
        out.push_str("// `rbk check` on this file lists what is left to decide.\n\n");
        let layered = self
            .items
            .iter()
            .any(|i| matches!(i, Item::Node(n) if n.layer.is_some()));
        if layered {
            out.push_str("// The layers rbk's builtins act on, bottom layer first: add the\n");
            out.push_str("// runbook's own where they belong.\n");
            let _ = writeln!(
                out,
                "layers {}\n",
                crate::resolve::builtins::LAYERS.join(" < ")
            );
        }
        if !self.site.is_empty() {
            out.push_str("site {\n");
            for f in &self.site {
                let default = if self.site_out {
                    String::new()
                } else {
                    format!(" = {}", quote(&f.value))
                };
                let _ = writeln!(out, "{}: str{default} {}", f.name, quote(&f.doc));
            }
            out.push_str("}\n\n");
        }
        if !self.expectations.is_empty() {
            if let Some(t) = &self.expectations_todo {
                todo_lines(&mut out, std::slice::from_ref(t));
            }
            out.push_str("expectations {\n");
            for e in &self.expectations {
                let verdict = if e.benign { "benign" } else { "alarm" };
                let _ = writeln!(
                    out,
                    "expect {} {} {verdict} {{\nmeaning {}\n}}",
                    e.name,
                    quote(&e.observation),
                    quote(&e.meaning)
                );
            }
            out.push_str("}\n\n");
        }
        let _ = writeln!(out, "procedure {} {} {{", self.name, quote(&self.title));
        if let Some(a) = &self.applies {
            let _ = writeln!(out, "applies {}", quote(a));
        }
        for (name, doc) in &self.params {
            let _ = writeln!(out, "param {name}: str {}", quote(doc));
        }
        block(&mut out, &self.notes);
        for item in &self.items {
            out.push('\n');
            match item {
                Item::Node(n) => node(&mut out, n),
                Item::Decide(d) => decide(&mut out, d),
            }
        }
        out.push_str("}\n");
        out
    }
}

fn todo_lines(out: &mut String, todos: &[String]) {
    for t in todos {
        for (i, line) in t.lines().enumerate() {
            if i == 0 {
                let _ = writeln!(out, "// TODO(import): {line}");
            } else {
                let _ = writeln!(out, "// {line}");
            }
        }
    }
}

fn node(out: &mut String, n: &Node) {
    todo_lines(out, &n.todos);
    if let Some(doc) = &n.doc {
        let _ = writeln!(out, "/// {doc}");
    }
    let kw = match n.kind {
        NodeKind::Step => "step",
        NodeKind::Gate => "gate",
    };
    let layer = n.layer.map(|l| format!(" layer {l}")).unwrap_or_default();
    let _ = writeln!(out, "{kw} {} {}{layer} {{", n.name, quote(&n.title));
    block(out, &n.body);
    out.push_str("}\n");
}

fn decide(out: &mut String, d: &Decide) {
    let _ = writeln!(out, "decide {} {} {{", d.name, quote(&d.question));
    for a in &d.arms {
        todo_lines(out, &a.todos);
        let _ = writeln!(out, "when {} -> {} {}", a.cond, a.target, quote(&a.why));
    }
    todo_lines(out, &d.todos);
    out.push_str("}\n");
}

/// Print statements, each run of them that needs the same scope inside one
/// `scope` block. A statement that needs none (a log, a note) joins the
/// open scope when the next scoped statement needs the same one.
fn block(out: &mut String, stmts: &[Stmt]) {
    let mut open: Option<&Scope> = None;
    for (i, s) in stmts.iter().enumerate() {
        let wanted = match &s.scope {
            Some(sc) => Some(sc),
            None => match (open, next_scope(&stmts[i + 1..])) {
                (Some(o), Some(n)) if o == n => Some(o),
                _ => None,
            },
        };
        if open != wanted {
            if open.is_some() {
                out.push_str("}\n");
            }
            if let Some(w) = wanted {
                let _ = writeln!(out, "{} {{", w.header());
            }
            open = wanted;
        }
        stmt(out, s);
    }
    if open.is_some() {
        out.push_str("}\n");
    }
}

fn next_scope(stmts: &[Stmt]) -> Option<&Scope> {
    stmts.iter().find_map(|s| s.scope.as_ref())
}

fn stmt(out: &mut String, s: &Stmt) {
    for c in &s.comments {
        let _ = writeln!(out, "// {c}");
    }
    todo_lines(out, &s.todos);
    let at = out.len();
    stmt_kind(out, s);
    // The runbook's comment goes at the end of the statement's first line.
    if let Some(t) = &s.trailing {
        let eol = out[at..].find('\n').map_or(out.len(), |i| at + i);
        out.insert_str(eol, &format!(" // {t}"));
    }
}

fn stmt_kind(out: &mut String, s: &Stmt) {
    match &s.kind {
        StmtKind::Let(name, e) => {
            let _ = writeln!(out, "let {name} = {e}");
        }
        StmtKind::Expr(e) => {
            let _ = writeln!(out, "{e}");
        }
        StmtKind::Log(text) => {
            let _ = writeln!(out, "log {text}");
        }
        StmtKind::Note(t) => {
            let _ = writeln!(out, "note {}", quote(t));
        }
        StmtKind::Warn(t) => {
            let _ = writeln!(out, "warn {}", quote(t));
        }
        StmtKind::Timing(d, t) => {
            let d = d.as_ref().map(|d| format!("~{d} ")).unwrap_or_default();
            let _ = writeln!(out, "timing {d}{}", quote(t));
        }
        StmtKind::Comment(c) => {
            for line in c.lines() {
                let _ = writeln!(out, "// {line}");
            }
        }
        StmtKind::Poll(p) => {
            let max = p.max.map(|m| format!(" max {m}")).unwrap_or_default();
            let _ = writeln!(out, "poll every {}{max} {{", p.every);
            block(out, &p.body);
            let _ = writeln!(out, "until {}", p.until);
            for (cond, msg) in &p.fails {
                let _ = writeln!(out, "fail if {cond}: {}", quote(msg));
            }
            out.push_str("}\n");
        }
        StmtKind::Foreach { var, items, body } => {
            let _ = writeln!(out, "foreach {var} in {items} {{");
            block(out, body);
            out.push_str("}\n");
        }
        StmtKind::Patience {
            label,
            duration,
            body,
        } => {
            let d = duration
                .as_ref()
                .map(|d| format!(" for {d}"))
                .unwrap_or_default();
            let _ = writeln!(out, "patience {}{d} {{", quote(label));
            block(out, body);
            out.push_str("}\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_text_exact() {
        assert_eq!(quote("a \"b\" {c} \\ d\n"), r#""a \"b\" {{c}} \\ d\n""#);
    }

    #[test]
    fn scopes_group_consecutive_statements() {
        let os = Some(Scope::OpenStack {
            project: None,
            openrc: Some(quote("~/openrc")),
            cloud: None,
        });
        let stmts = vec![
            Stmt::scoped(StmtKind::Expr("a()".into()), os.clone()),
            Stmt::new(StmtKind::Log(quote("x"))),
            Stmt::scoped(StmtKind::Expr("b()".into()), os.clone()),
            Stmt::new(StmtKind::Log(quote("y"))),
        ];
        let mut out = String::new();
        block(&mut out, &stmts);
        assert_eq!(
            out,
            "scope openstack(openrc: \"~/openrc\") {\na()\nlog \"x\"\nb()\n}\nlog \"y\"\n"
        );
    }
}
