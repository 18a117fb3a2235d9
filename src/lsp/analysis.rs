//! One open document checked: the compilation `rbk check` would build from
//! the editor's text (used files read from the editor when open there), its
//! diagnostics as `rbk check` reports them, and the navigation index.
use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Uri,
};

use super::symbols::SymbolIndex;
use super::text::{path_to_uri, LineIndex};
use crate::check;
use crate::compilation::Compilation;
use crate::diagnostic::{BookBase, Diagnostic, Severity};
use crate::resolve;
use crate::resolve::types::Ty;
use crate::syntax::ast::Span;

pub struct Analysis {
    /// The document's URI as the editor wrote it.
    pub uri: Uri,
    pub comp: Compilation,
    /// Every diagnostic `rbk check` reports for the compilation.
    pub diags: Vec<Diagnostic>,
    pub index: SymbolIndex,
    /// Lines of the root file's text.
    pub lines: LineIndex,
    /// Types of the root file's bindings, computed on first use (hover,
    /// completion after `name.`), not on every keystroke.
    bindings: OnceCell<Vec<(Span, Ty)>>,
}

impl Analysis {
    pub fn new(
        uri: Uri,
        path: &Path,
        text: String,
        read: &dyn Fn(&Path) -> std::io::Result<String>,
    ) -> Self {
        let lines = LineIndex::new(&text);
        let comp = Compilation::from_source_with(path, text, read);
        let diags = check::check(&comp);
        let index = SymbolIndex::of(&comp);
        Analysis {
            uri,
            comp,
            diags,
            index,
            lines,
            bindings: OnceCell::new(),
        }
    }

    /// Did the root file parse (so its tree is the text being edited)?
    pub fn parsed(&self) -> bool {
        self.comp.root.file.is_some()
    }

    pub fn text(&self) -> &str {
        &self.comp.root.source.text
    }

    /// The type of the name bound at `span`, if the resolver bound one there.
    pub fn binding_type(&self, span: Span) -> Option<Ty> {
        self.bindings()
            .iter()
            .find(|(s, _)| s.offset() == span.offset())
            .map(|(_, t)| *t)
    }

    pub fn bindings(&self) -> &[(Span, Ty)] {
        self.bindings
            .get_or_init(|| resolve::binding_types(&self.comp))
    }

    /// Does this compilation read `path` through a `use`?
    pub fn uses(&self, path: &Path) -> bool {
        let want = canonical(path);
        self.comp.used.iter().any(|u| canonical(&u.path) == want)
    }

    /// The diagnostics about the root file, as LSP diagnostics. Problems in
    /// used files show on the `use` that brings them in (RBK106), and in
    /// those files themselves when they are open.
    pub fn lsp_diagnostics(&self) -> Vec<lsp_types::Diagnostic> {
        let root = &self.comp.root.source.name;
        self.diags
            .iter()
            .filter(|d| d.source.as_ref().is_none_or(|s| &s.name == root))
            .map(|d| to_lsp(d, &self.uri, &self.lines, self.text()))
            .collect()
    }

    /// The location of `span` in unit `unit` of the compilation.
    pub fn location(&self, unit: usize, span: Span) -> Option<Location> {
        if unit == 0 {
            return Some(Location::new(
                self.uri.clone(),
                self.lines.range(self.text(), span),
            ));
        }
        let u = self.comp.units().nth(unit)?;
        let range = LineIndex::new(&u.source.text).range(&u.source.text, span);
        Some(Location::new(path_to_uri(&u.path)?, range))
    }
}

/// The book the codes link to, looked for once (not per diagnostic).
fn book() -> &'static BookBase {
    static BOOK: OnceLock<BookBase> = OnceLock::new();
    BOOK.get_or_init(BookBase::find)
}

pub fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// An rbk diagnostic as the editor shows it: the code linking to its book
/// page, the help line under the message, secondary labels as related
/// information.
pub fn to_lsp(d: &Diagnostic, uri: &Uri, lines: &LineIndex, text: &str) -> lsp_types::Diagnostic {
    let span = d.primary_span().unwrap_or_else(|| Span::new(0.into(), 0));
    let range = lines.range(text, span);
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(h);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter(|l| !l.text.is_empty())
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), lines.range(text, l.span)),
            message: l.text.clone(),
        })
        .collect();
    lsp_types::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_string())),
        code_description: book()
            .page(d.code)
            .parse()
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some("rbk".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}
