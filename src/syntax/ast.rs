//! The abstract syntax tree. Every node carries a byte span into its file
//! ([`Span`], a miette `SourceSpan`), so every later stage can point at source.
//!
//! Spans are left out of equality: two trees that differ only in positions
//! compare equal, which keeps formatter and parser tests about structure.
use std::time::Duration;

pub use miette::SourceSpan as Span;
pub use source::{
    args_source, format_duration, write_args, write_args_indented, write_text, write_text_indented,
    IndentedExpr,
};

mod source;

/// Join two spans into the smallest span covering both.
pub fn join(a: Span, b: Span) -> Span {
    let start = a.offset().min(b.offset());
    let end = (a.offset() + a.len()).max(b.offset() + b.len());
    Span::new(start.into(), end - start)
}

macro_rules! spans_ignored_in_eq {
    ($t:ty { $($f:ident),* }) => {
        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                true $(&& self.$f == other.$f)*
            }
        }
    };
}

/// A name as written, with where it was written.
#[derive(Debug, Clone)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}
spans_ignored_in_eq!(Ident { name });

impl Ident {
    pub fn as_str(&self) -> &str {
        &self.name
    }
}

/// A dotted name: `openstack.server.show`, `site.project_id`.
#[derive(Debug, Clone)]
pub struct Path {
    pub segments: Vec<Ident>,
    pub span: Span,
}
spans_ignored_in_eq!(Path { segments });

impl Path {
    pub fn dotted(&self) -> String {
        let names: Vec<&str> = self.segments.iter().map(|s| s.as_str()).collect();
        names.join(".")
    }
}

/// One source file: shared declarations and at most one procedure.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub items: Vec<FileItem>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FileItem {
    Use(Use),
    Layers(Layers),
    Site(SiteDecl),
    Expectations(Expectations),
    Procedure(Procedure),
}

impl File {
    pub fn procedure(&self) -> Option<&Procedure> {
        self.items.iter().find_map(|i| match i {
            FileItem::Procedure(p) => Some(p),
            _ => None,
        })
    }
    pub fn uses(&self) -> impl Iterator<Item = &Use> {
        self.items.iter().filter_map(|i| match i {
            FileItem::Use(u) => Some(u),
            _ => None,
        })
    }
    pub fn layers(&self) -> impl Iterator<Item = &Layers> {
        let top = self.items.iter().filter_map(|i| match i {
            FileItem::Layers(l) => Some(l),
            _ => None,
        });
        let inner = self.procedure().into_iter().flat_map(|p| p.layers());
        top.chain(inner)
    }
    pub fn site_fields(&self) -> impl Iterator<Item = &FieldDecl> {
        self.items.iter().flat_map(|i| match i {
            FileItem::Site(s) => s.fields.as_slice(),
            _ => &[],
        })
    }
    /// Expectations declared at file level and inside the procedure.
    pub fn expectations(&self) -> impl Iterator<Item = &Expect> {
        let top = self.items.iter().flat_map(|i| match i {
            FileItem::Expectations(e) => e.items.as_slice(),
            _ => &[],
        });
        let inner = self
            .procedure()
            .into_iter()
            .flat_map(|p| p.expectations().flat_map(|e| e.items.iter()));
        top.chain(inner)
    }
}

/// `use "common.rbk"`: bring another file's declarations and procedure in.
#[derive(Debug, Clone)]
pub struct Use {
    pub path: Text,
    pub span: Span,
}
spans_ignored_in_eq!(Use { path });

/// `layers vm < k8s < capi`: the bottom-up repair order.
#[derive(Debug, Clone)]
pub struct Layers {
    pub names: Vec<Ident>,
    pub span: Span,
}
spans_ignored_in_eq!(Layers { names });

/// `site { project_id: str "..." }`: the literals a site file must supply.
#[derive(Debug, Clone)]
pub struct SiteDecl {
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}
spans_ignored_in_eq!(SiteDecl { fields });

/// A typed name with an optional default and description: a site field or a
/// procedure parameter.
#[derive(Debug, Clone)]
pub struct FieldDecl {
    pub doc: Vec<String>,
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
    pub description: Option<Text>,
    pub span: Span,
}
spans_ignored_in_eq!(FieldDecl {
    doc,
    name,
    ty,
    default,
    description
});

#[derive(Debug, Clone, PartialEq)]
pub enum TypeExpr {
    Named(Ident),
    List(Box<TypeExpr>, Span),
}

impl TypeExpr {
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(i) => i.span,
            TypeExpr::List(_, s) => *s,
        }
    }
}

impl std::fmt::Display for TypeExpr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeExpr::Named(i) => f.write_str(i.as_str()),
            TypeExpr::List(t, _) => write!(f, "list[{t}]"),
        }
    }
}

/// The expectations table: observation -> meaning, benign or alarm.
#[derive(Debug, Clone)]
pub struct Expectations {
    pub items: Vec<Expect>,
    pub span: Span,
}
spans_ignored_in_eq!(Expectations { items });

#[derive(Debug, Clone)]
pub struct Expect {
    pub id: Option<Ident>,
    pub observation: Text,
    pub verdict: Verdict,
    pub meaning: Text,
    /// How to recognise the observation at run time, if it can be.
    pub matcher: Option<Matcher>,
    pub span: Span,
}
spans_ignored_in_eq!(Expect {
    id,
    observation,
    verdict,
    meaning,
    matcher
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Benign,
    Alarm,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Benign => "benign",
            Verdict::Alarm => "alarm",
        }
    }
}

/// `on openstack.coe.cluster.show as c when c.health_status == "UNHEALTHY"`:
/// after every call of `builtin`, bind its result to `binding` and test.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub builtin: Path,
    pub binding: Ident,
    pub condition: Expr,
    pub span: Span,
}
spans_ignored_in_eq!(Matcher {
    builtin,
    binding,
    condition
});

#[derive(Debug, Clone)]
pub struct Procedure {
    pub doc: Vec<String>,
    pub name: Ident,
    pub title: Text,
    /// `readonly`: where the marker is; nothing in it may change the world.
    pub readonly: Option<Span>,
    /// Everything in the body, in source order.
    pub items: Vec<ProcItem>,
    pub span: Span,
}
spans_ignored_in_eq!(Procedure {
    doc,
    name,
    title,
    items
});

#[derive(Debug, Clone, PartialEq)]
pub enum ProcItem {
    Header(HeaderField),
    Param(FieldDecl),
    Layers(Layers),
    Expectations(Expectations),
    Node(Node),
    Doc(DocItem),
}

impl Procedure {
    pub fn header(&self, key: HeaderKey) -> impl Iterator<Item = &HeaderField> {
        self.items.iter().filter_map(move |i| match i {
            ProcItem::Header(h) if h.key == key => Some(h),
            _ => None,
        })
    }
    pub fn params(&self) -> impl Iterator<Item = &FieldDecl> {
        self.items.iter().filter_map(|i| match i {
            ProcItem::Param(p) => Some(p),
            _ => None,
        })
    }
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.items.iter().filter_map(|i| match i {
            ProcItem::Node(n) => Some(n),
            _ => None,
        })
    }
    pub fn layers(&self) -> impl Iterator<Item = &Layers> {
        self.items.iter().filter_map(|i| match i {
            ProcItem::Layers(l) => Some(l),
            _ => None,
        })
    }
    pub fn expectations(&self) -> impl Iterator<Item = &Expectations> {
        self.items.iter().filter_map(|i| match i {
            ProcItem::Expectations(e) => Some(e),
            _ => None,
        })
    }
    /// The procedure's default layer (`layer vm` in the header).
    pub fn default_layer(&self) -> Option<&Text> {
        self.header(HeaderKey::Layer)
            .next()
            .and_then(|h| h.values.first())
    }
}

#[derive(Debug, Clone)]
pub struct HeaderField {
    pub key: HeaderKey,
    pub values: Vec<Text>,
    pub span: Span,
}
spans_ignored_in_eq!(HeaderField { key, values });

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderKey {
    Status,
    Verified,
    Applies,
    Destination,
    See,
    Layer,
}

impl HeaderKey {
    pub fn as_str(self) -> &'static str {
        match self {
            HeaderKey::Status => "status",
            HeaderKey::Verified => "verified",
            HeaderKey::Applies => "applies",
            HeaderKey::Destination => "destination",
            HeaderKey::See => "see",
            HeaderKey::Layer => "layer",
        }
    }
}

/// A node of the procedure's graph: a step, a gate, a decision or a call.
#[derive(Debug, Clone)]
pub struct Node {
    pub doc: Vec<String>,
    pub kind: NodeKind,
    pub name: Ident,
    /// Steps and gates have a title; decisions a question; calls an optional note.
    pub title: Option<Text>,
    pub layer: Option<Ident>,
    /// Gates this node relies on (`needs ssh_port_ok`).
    pub needs: Vec<Ident>,
    /// `readonly`: where the marker is; nothing in it may change the world.
    pub readonly: Option<Span>,
    pub span: Span,
}
spans_ignored_in_eq!(Node {
    doc,
    kind,
    name,
    title,
    layer,
    needs
});

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Step(Block),
    /// A named condition: the body must complete for the gate to pass, and
    /// nothing after it runs otherwise.
    Gate(Block),
    Decide(Decide),
    /// Run another procedure (brought in with `use`) here, with these
    /// arguments for its `param`s.
    Call(Vec<Arg>),
}

impl NodeKind {
    pub fn keyword(&self) -> &'static str {
        match self {
            NodeKind::Step(_) => "step",
            NodeKind::Gate(_) => "gate",
            NodeKind::Decide(_) => "decide",
            NodeKind::Call(_) => "call",
        }
    }
    pub fn body(&self) -> Option<&Block> {
        match self {
            NodeKind::Step(b) | NodeKind::Gate(b) => Some(b),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decide {
    pub branches: Vec<Branch>,
    pub otherwise: Option<Branch>,
}

/// `when COND -> target "why"`; `condition` is None for `otherwise`.
#[derive(Debug, Clone)]
pub struct Branch {
    pub condition: Option<Expr>,
    pub target: Ident,
    pub reason: Option<Text>,
    pub span: Span,
}
spans_ignored_in_eq!(Branch {
    condition,
    target,
    reason
});

/// Free text kept word for word in the rendered runbook.
#[derive(Debug, Clone)]
pub struct DocItem {
    pub kind: DocKind,
    /// `timing ~3m30s "..."`: the verified duration, when written.
    pub duration: Option<Approx>,
    pub text: Text,
    pub span: Span,
}
spans_ignored_in_eq!(DocItem {
    kind,
    duration,
    text
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Note,
    Warn,
    Timing,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Note => "note",
            DocKind::Warn => "warn",
            DocKind::Timing => "timing",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}
spans_ignored_in_eq!(Block { stmts });

#[derive(Debug, Clone)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}
spans_ignored_in_eq!(Stmt { kind });

#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    Let {
        name: Ident,
        value: Expr,
    },
    Scope(Scope),
    Poll(Box<Poll>),
    Patience(Patience),
    Foreach(Foreach),
    If(If),
    Require {
        condition: Expr,
        message: Text,
    },
    Confirm {
        message: Text,
    },
    Log {
        message: Text,
    },
    Record {
        name: Ident,
        value: Expr,
    },
    /// `call NAME(arg: value) "note"` inside a block (a loop body, say).
    Call(CallProc),
    Doc(DocItem),
    Expr(Expr),
}

/// A call of another procedure as a statement: its name, the arguments
/// for its `param`s (always named), and an optional note.
#[derive(Debug, Clone, PartialEq)]
pub struct CallProc {
    pub name: Ident,
    pub args: Vec<Arg>,
    pub note: Option<Text>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScopeKind {
    OpenStack,
    Kube,
    Ssh,
}

impl ScopeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::OpenStack => "openstack",
            ScopeKind::Kube => "kube",
            ScopeKind::Ssh => "ssh",
        }
    }
}

/// `scope openstack(project: site.project_id) { ... }`
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    pub kind: ScopeKind,
    pub args: Vec<Arg>,
    pub body: Block,
}

/// A bounded poll: run the body every `every`, at most `max` times and/or
/// until `within` has passed, until `until` holds or a `fail if` fires.
#[derive(Debug, Clone, PartialEq)]
pub struct Poll {
    pub label: Option<Text>,
    pub every: Option<Expr>,
    pub max: Option<Expr>,
    pub within: Option<Expr>,
    pub body: Block,
    pub until: Option<Expr>,
    pub fails: Vec<FailIf>,
    pub exhausted: Option<Exhausted>,
}

#[derive(Debug, Clone)]
pub struct FailIf {
    pub condition: Expr,
    pub message: Text,
    pub span: Span,
}
spans_ignored_in_eq!(FailIf { condition, message });

#[derive(Debug, Clone, PartialEq)]
pub enum Exhausted {
    /// Fail the run with this message (the default, with a generic message).
    Abort(Text),
    /// Warn and carry on.
    Continue(Option<Text>),
}

/// `patience "k8s convergence" for 25m forbid openstack.server.stop { ... }`:
/// failures inside are expected noise, and the listed actions are forbidden.
#[derive(Debug, Clone, PartialEq)]
pub struct Patience {
    pub label: Text,
    pub duration: Option<Expr>,
    pub forbid: Vec<Forbid>,
    pub body: Block,
}

/// A forbidden action: a builtin, optionally only when its command text
/// matches a pattern (`ssh.run ~ "restart"`).
#[derive(Debug, Clone)]
pub struct Forbid {
    pub builtin: Path,
    pub pattern: Option<Text>,
    pub span: Span,
}
spans_ignored_in_eq!(Forbid { builtin, pattern });

#[derive(Debug, Clone, PartialEq)]
pub struct Foreach {
    pub var: Ident,
    pub iter: Expr,
    /// `parallel` (optionally `max N`); sequential when None.
    pub parallel: Option<Parallel>,
    pub body: Block,
}

#[derive(Debug, Clone)]
pub struct Parallel {
    pub max: Option<Expr>,
    pub span: Span,
}
spans_ignored_in_eq!(Parallel { max });

#[derive(Debug, Clone, PartialEq)]
pub struct If {
    pub condition: Expr,
    pub then: Block,
    pub otherwise: Option<Else>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Else {
    If(Box<Stmt>),
    Block(Block),
}

/// A string as written: literal parts and `{expr}` interpolations.
#[derive(Debug, Clone)]
pub struct Text {
    pub parts: Vec<TextPart>,
    /// Written as `"""..."""`.
    pub triple: bool,
    pub span: Span,
}
spans_ignored_in_eq!(Text { parts, triple });

#[derive(Debug, Clone, PartialEq)]
pub enum TextPart {
    Lit(String),
    Expr(Expr),
}

impl Text {
    /// The text when it has no interpolation.
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                TextPart::Lit(s) => out.push_str(s),
                TextPart::Expr(_) => return None,
            }
        }
        Some(out)
    }
    /// The text with each interpolation shown as `{...}` source-like.
    pub fn display_template(&self) -> String {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                TextPart::Lit(s) => out.push_str(s),
                TextPart::Expr(e) => {
                    out.push('{');
                    out.push_str(&e.to_string());
                    out.push('}');
                }
            }
        }
        out
    }
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}
spans_ignored_in_eq!(Expr { kind });

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    Bool(bool),
    None,
    Duration(Duration),
    Str(Text),
    List(Vec<Expr>),
    /// A bare name: a variable, parameter, or `site`.
    Var(Ident),
    Field {
        base: Box<Expr>,
        name: Ident,
    },
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    /// A call of a builtin or function by its dotted name.
    Call {
        callee: Path,
        args: Vec<Arg>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `any(x in xs where cond)`, `map(x in xs: expr)`, ...
    Comprehension {
        quantifier: Quantifier,
        var: Ident,
        iter: Box<Expr>,
        filter: Option<Box<Expr>>,
        map: Option<Box<Expr>>,
    },
}

#[derive(Debug, Clone)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
    pub span: Span,
}
spans_ignored_in_eq!(Arg { name, value });

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `text ~ "regex"`
    Matches,
    NotMatches,
    /// `x in list`, `"sub" in text`
    In,
    NotIn,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Matches => "~",
            BinaryOp::NotMatches => "!~",
            BinaryOp::In => "in",
            BinaryOp::NotIn => "not in",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
        }
    }
    /// Binding strength; higher binds tighter.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::Matches
            | BinaryOp::NotMatches
            | BinaryOp::In
            | BinaryOp::NotIn => 3,
            BinaryOp::Add | BinaryOp::Sub => 4,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => 5,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    Any,
    All,
    Count,
    Filter,
    Map,
}

impl Quantifier {
    pub fn as_str(self) -> &'static str {
        match self {
            Quantifier::Any => "any",
            Quantifier::All => "all",
            Quantifier::Count => "count",
            Quantifier::Filter => "filter",
            Quantifier::Map => "map",
        }
    }
}

/// A `timing ~3m30s` duration, and how it was written (`rbk fmt` keeps
/// `~108s` as `~108s`).
#[derive(Debug, Clone, Copy)]
pub struct Approx {
    pub value: Duration,
    /// The source text after `~`, e.g. `3m30s`.
    pub span: Span,
}
spans_ignored_in_eq!(Approx { value });

/// A duration for messages: hours, minutes, seconds and milliseconds,
/// each written only when not zero (`0s` for nothing).
pub fn format_compound_duration(d: Duration) -> String {
    let ms = d.as_millis();
    let parts = [
        (ms / 3_600_000, "h"),
        (ms / 60_000 % 60, "m"),
        (ms / 1000 % 60, "s"),
        (ms % 1000, "ms"),
    ];
    let out: String = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect();
    if out.is_empty() {
        "0s".into()
    } else {
        out
    }
}
