//! Diagnostics: every problem rbk reports, from a syntax error to a failed
//! builtin at run time, is a [`Diagnostic`] with a stable [`Code`].
//!
//! Codes live in ranges and are never reused or renumbered:
//! RBK0xx syntax, 1xx names, 2xx graph and ordering, 3xx types and builtins,
//! 4xx safety, 9xx run time. Each has a page in the book
//! (`book/src/diagnostics/RBKnnn.md`) with a bad and a good example, and a bad
//! example under `examples/bad/RBKnnn-*.rbk` whose rendering is snapshot-tested.
use std::fmt;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use crate::syntax::ast::Span;

/// The environment variable naming where the book is published: a URL or
/// `file://` path of the built book's root (the folder holding
/// `diagnostics/RBK401.html`).
pub const BOOK_URL_VAR: &str = "RBK_BOOK_URL";

/// Where help links point: the root of a book and the extension of its pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookBase {
    /// A URL without a trailing `/`.
    pub root: String,
    /// `html` for a built book, `md` for its sources.
    pub ext: &'static str,
}

impl BookBase {
    /// A built book at `root` (a URL, or a `file://` path).
    pub fn html(root: impl Into<String>) -> BookBase {
        let root: String = root.into();
        BookBase {
            root: root.trim_end_matches('/').to_string(),
            ext: "html",
        }
    }

    /// Where the book is, as this binary finds it: `$RBK_BOOK_URL`; else the
    /// book installed beside the binary (`../share/doc/rbk/book`); else the
    /// book built in the source checkout (`mdbook build book`); else that
    /// checkout's Markdown sources, which are always there. There is no
    /// hosted copy, so every default is a page on this machine.
    pub fn find() -> BookBase {
        if let Some(url) = std::env::var(BOOK_URL_VAR).ok().filter(|u| !u.is_empty()) {
            return BookBase::html(url);
        }
        let checkout = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("book");
        let installed = std::env::current_exe()
            .ok()
            .and_then(|exe| Some(exe.parent()?.parent()?.join("share/doc/rbk/book")));
        let built = installed
            .into_iter()
            .chain(std::iter::once(checkout.join("book")))
            .find(|dir| dir.join("diagnostics/index.html").is_file());
        match built {
            Some(dir) => BookBase::html(file_url(&dir)),
            None => BookBase {
                root: file_url(&checkout.join("src")),
                ext: "md",
            },
        }
    }

    /// The book's index of diagnostic codes.
    pub fn index(&self) -> String {
        format!("{}/diagnostics/index.{}", self.root, self.ext)
    }

    /// The page of `code` in this book.
    pub fn page(&self, code: Code) -> String {
        format!("{}/diagnostics/{}.{}", self.root, code.as_str(), self.ext)
    }
}

fn file_url(dir: &std::path::Path) -> String {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    format!("file://{}", dir.display())
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $sev:ident, $title:literal; )*) => {
        /// Every diagnostic code rbk can report.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable code, e.g. `RBK401`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// The severity a check reports this code with.
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }

            /// One line saying what the code is about (the book's index).
            pub fn title(self) -> &'static str {
                match self { $( Code::$variant => $title, )* }
            }
        }
    };
}

codes! {
    // ---- 0xx syntax
    /// The parser could not make sense of the text here.
    Syntax = "RBK001", Error, "syntax error";
    /// A number, duration or escape that is malformed or out of range.
    BadLiteral = "RBK002", Error, "malformed literal";
    /// A `{...}` interpolation in a string that does not parse.
    BadInterpolation = "RBK003", Error, "malformed string interpolation";
    /// More than one `procedure` in one file.
    TwoProcedures = "RBK004", Error, "more than one procedure in a file";
    /// A call of something that is not a named function or builtin.
    NotCallable = "RBK005", Error, "only named builtins and functions can be called";

    // ---- 1xx names
    /// A name that no `let`, parameter, loop, site field or binding defines.
    UnknownName = "RBK101", Error, "unknown name";
    /// A call of a builtin or function that does not exist.
    UnknownBuiltin = "RBK102", Error, "unknown builtin or function";
    /// Two steps, gates, decisions, parameters or site fields with one name.
    Duplicate = "RBK103", Error, "duplicate name";
    /// A decision target, `needs` or `call` naming no node of the procedure.
    UnknownTarget = "RBK104", Error, "unknown step, gate or procedure";
    /// A layer that the `layers` declaration does not list.
    UnknownLayer = "RBK105", Error, "unknown layer";
    /// A `use`d file that cannot be read, does not check, or is used in a cycle.
    BadUse = "RBK106", Error, "unusable `use`";
    /// A field that the record type does not have (`server.stauts`).
    UnknownField = "RBK107", Error, "unknown field";
    /// A scope argument or named argument that does not exist.
    UnknownArgument = "RBK108", Error, "unknown argument";
    /// A `call` argument that the called procedure has no `param` for.
    UnknownCallArgument = "RBK109", Error, "call argument the procedure has no param for";
    /// A `call` that does not set a `param` without a default.
    MissingCallArgument = "RBK110", Error, "call does not set a required param";
    /// A literal the builtin table does not list for a parameter that
    /// decides the call's effect (`method: "GRT"`).
    UnknownEffectValue = "RBK111", Error, "value the effect-deciding parameter does not know";
    /// A literal outside the values the builtin table lists for a
    /// parameter (`openstack.request("compue", ...)`).
    UnknownValue = "RBK112", Error, "value the parameter does not take";

    // ---- 2xx graph and ordering
    /// A decision that jumps to a node before it (procedures are DAGs).
    BackwardJump = "RBK201", Error, "decision jumps backwards";
    /// A node that no path from the start reaches.
    Unreachable = "RBK202", Error, "unreachable node";
    /// A node that `needs` a gate which some path to it does not pass.
    GateNotDominating = "RBK203", Error, "gate does not guard every path";
    /// Acting on a layer before the gates of a lower layer have passed.
    LayerOrder = "RBK204", Error, "layer acted on before the layers below it are green";
    /// `needs` names a step, decision or call instead of a gate.
    NeedsNotGate = "RBK205", Error, "`needs` names something that is not a gate";
    /// A decision arm whose target runs on into another arm's target.
    ArmFallsThrough = "RBK206", Error, "decision arm falls through into another arm";
    /// Reading a layer before the gates of the layers below it have passed.
    ReadBeforeGate = "RBK207", Warning, "layer read before the layers below it are green";

    // ---- 3xx types and builtins
    /// Too many or too few arguments for a builtin.
    ArgCount = "RBK301", Error, "wrong number of arguments";
    /// An argument of the wrong type.
    ArgType = "RBK302", Error, "argument of the wrong type";
    /// Operands an operator cannot combine (`"a" - 1`).
    TypeMismatch = "RBK303", Error, "type mismatch";
    /// A condition (`until`, `if`, `when`, `require`, `where`) that is not a bool.
    NotBool = "RBK304", Error, "condition is not a boolean";
    /// An OpenStack, kube or ssh builtin outside a matching `scope` block.
    OutsideScope = "RBK305", Error, "cloud call outside its credential scope";
    /// A scope block missing an argument it needs (`ssh` without `host`).
    ScopeArgs = "RBK306", Error, "scope block is missing an argument";
    /// A statement that computes a value and drops it.
    UnusedValue = "RBK307", Warning, "value computed and dropped";
    /// A `call` argument whose type is not the `param`'s type.
    CallArgType = "RBK309", Error, "call argument of the wrong type";

    // ---- 4xx safety
    /// A poll with neither `max` attempts nor a `within` deadline.
    UnboundedPoll = "RBK401", Error, "unbounded poll";
    /// A destructive call not preceded by a `require` over the same data.
    DeleteWithoutVerify = "RBK402", Error, "destructive call without verify-then-delete";
    /// An exclusive action (load balancer failover) in a `parallel` loop.
    ExclusiveInParallel = "RBK403", Error, "exclusive action in a parallel loop";
    /// An action that a patience window forbids, inside that window.
    ForbiddenInPatience = "RBK404", Error, "forbidden action inside a patience window";
    /// A destructive or exclusive call repeated by a poll (retrying blind).
    RetryInPoll = "RBK405", Error, "destructive or exclusive call inside a poll";
    /// A literal that looks like a password, token or private key.
    SecretLiteral = "RBK406", Error, "secret-looking literal in source";
    /// A destructive call with no `confirm` before it.
    NoConfirm = "RBK407", Warning, "destructive call without `confirm`";
    /// A poll with no `until`: it can only run out.
    PollWithoutUntil = "RBK408", Warning, "poll without `until`";
    /// A change to the world inside a step or procedure marked `readonly`.
    ReadonlyMutates = "RBK409", Error, "`readonly` step or procedure changes something";
    /// A verify-then-delete whose `require` reads data fetched too early.
    StaleVerify = "RBK410", Error, "re-check reads stale data";
    /// A poll whose `until` and `fail if` read only values from outside it.
    StalePoll = "RBK411", Error, "poll never looks again";
    /// A poll whose budget is shorter than the `timing` verified for it.
    PollShorterThanTiming = "RBK412", Warning, "poll budget shorter than its verified timing";
    /// An id-only call given a name or a literal that is not a UUID.
    ByName = "RBK413", Error, "acting by name where the API scopes names";
    /// A UUID, IP address or project id written into a procedure.
    SiteLiteral = "RBK414", Warning, "site literal written into a procedure";
    /// A disruptive call with no `confirm` before it.
    DisruptiveWithoutConfirm = "RBK415", Warning, "disruptive call without `confirm`";
    /// A call that places new load with no capacity gate before it.
    NoCapacityGate = "RBK416", Error, "new load placed without a capacity gate";

    // ---- 9xx run time
    /// A builtin call failed (the remote's message is included).
    CallFailed = "RBK901", Error, "builtin call failed";
    /// A `require` did not hold.
    RequireFailed = "RBK902", Error, "requirement failed";
    /// A poll ran out of attempts or time.
    PollExhausted = "RBK903", Error, "poll exhausted";
    /// A poll's `fail if` condition fired.
    PollFailed = "RBK904", Error, "poll failed";
    /// A site file or `--set` value that is missing or of the wrong type.
    BadInput = "RBK905", Error, "bad site file or parameter";
    /// A `confirm` answered no, or asked without a terminal and without `--yes`.
    NotConfirmed = "RBK906", Error, "confirmation refused";
    /// An expression that failed while running (a missing field, a bad regex).
    EvalFailed = "RBK907", Error, "expression failed at run time";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Code {
    /// The book page for this code, in the book [`BookBase::find`] finds.
    pub fn url(self) -> String {
        BookBase::find().page(self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Label {
    pub span: Span,
    pub text: String,
    pub primary: bool,
}

/// Source text shared by the diagnostics of one file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: Arc<str>,
    /// The same text under its name, as miette shows it in report headers.
    named: Arc<NamedSource<Arc<str>>>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        let name = name.into();
        let text: Arc<str> = text.into();
        // Shares the text rather than copying it: sources can be megabytes.
        let named = Arc::new(NamedSource::new(&name, Arc::clone(&text)));
        SourceFile { name, text, named }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One problem, with where it is and what to do about it.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    /// The file the spans point into; attached by whoever knows it.
    pub source: Option<SourceFile>,
}

impl Diagnostic {
    /// A diagnostic with the code's own severity and a primary label.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            labels: vec![Label {
                span,
                text: String::new(),
                primary: true,
            }],
            help: None,
            source: None,
        }
    }

    /// A diagnostic not tied to a place in source (run time, bad input).
    pub fn bare(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            labels: Vec::new(),
            help: None,
            source: None,
        }
    }

    /// Set the primary label's text.
    pub fn with_label(mut self, text: impl Into<String>) -> Self {
        if let Some(l) = self.labels.iter_mut().find(|l| l.primary) {
            l.text = text.into();
        }
        self
    }

    /// Add a secondary label elsewhere.
    pub fn with_secondary(mut self, span: Span, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            text: text.into(),
            primary: false,
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn with_source(mut self, source: &SourceFile) -> Self {
        self.source = Some(source.clone());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn primary_span(&self) -> Option<Span> {
        self.labels.iter().find(|l| l.primary).map(|l| l.span)
    }

    /// 1-based line and column of the primary label, when there is a source.
    pub fn line_col(&self) -> Option<(usize, usize)> {
        let src = self.source.as_ref()?;
        Some(src.line_col(self.primary_span()?.offset()))
    }

    /// Render as miette does on a terminal; `color` false gives plain text.
    pub fn render(&self, color: bool, width: usize) -> String {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(width)
            .with_links(false);
        let mut out = String::new();
        let report: &dyn miette::Diagnostic = self;
        if handler.render_report(&mut out, report).is_err() {
            out = format!("{}: {}", self.code, self.message);
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code.url()))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source
            .as_ref()
            .map(|s| &*s.named as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() || self.source.is_none() {
            return None;
        }
        Some(Box::new(self.labels.iter().map(|l| {
            let text = (!l.text.is_empty()).then(|| l.text.clone());
            let span: SourceSpan = l.span;
            if l.primary {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            }
        })))
    }
}
