//! A [`Compilation`]: one procedure file with every file it `use`s, parsed.
//! It is what `rbk check` checks and what `rbk exec` and `rbk render` consume.
//! Compilations of one run share their parsed files through [`Units`].
mod memo;
mod units;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use units::{Parsed, Reads, Units};

use crate::diagnostic::{Code, Diagnostic, SourceFile};
use crate::syntax::ast;

/// One parsed file.
#[derive(Debug, Clone)]
pub struct Unit {
    pub path: PathBuf,
    pub source: SourceFile,
    /// None when the file did not parse (its diagnostics say why).
    pub file: Option<ast::File>,
    /// What the checks worked out about its procedure as a callee.
    memo: memo::Memo,
}

/// Units are shared (between the compilations of a run, see [`Units`]):
/// cloning a compilation copies no tree.
#[derive(Debug, Clone)]
pub struct Compilation {
    /// The file asked for.
    pub root: Arc<Unit>,
    /// Files brought in by `use`, transitively, each once, in load order.
    pub used: Vec<Arc<Unit>>,
    /// Problems found while loading and parsing, for every file.
    pub diagnostics: Vec<Diagnostic>,
}

/// The file itself could not be read: a usage error (exit 2), not a diagnostic.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {}: {source}", path.display())]
pub struct LoadError {
    pub path: PathBuf,
    #[source]
    pub source: Arc<std::io::Error>,
}

/// Files as they are on disk.
fn read_file(path: &Path) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

impl Compilation {
    /// Read and parse `path` and everything it uses.
    pub fn load(path: &Path) -> Result<Compilation, LoadError> {
        Self::load_in(path, &Units::new(Reads::Once))
    }

    /// [`load`](Self::load), taking files already parsed from `units` and
    /// leaving the ones it parses there.
    pub fn load_in(path: &Path, units: &Units) -> Result<Compilation, LoadError> {
        match units.load(path, &read_file) {
            Ok(root) => Ok(Self::from_root(path, root, &read_file, units)),
            Err(source) => Err(LoadError {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Parse `text` as if read from `path` (uses resolve relative to it).
    pub fn from_source(path: &Path, text: String) -> Compilation {
        Self::from_source_with(path, text, &read_file)
    }

    /// [`from_source`](Self::from_source), reading used files with `read`
    /// (an editor passes the unsaved text of the files it has open).
    pub fn from_source_with(
        path: &Path,
        text: String,
        read: &dyn Fn(&Path) -> std::io::Result<String>,
    ) -> Compilation {
        Self::from_source_in(path, text, read, &Units::new(Reads::Once))
    }

    /// [`from_source_with`](Self::from_source_with), sharing parsed files
    /// through `units`.
    pub fn from_source_in(
        path: &Path,
        text: String,
        read: &dyn Fn(&Path) -> std::io::Result<String>,
        units: &Units,
    ) -> Compilation {
        let root = units.parse(path, text);
        Self::from_root(path, root, read, units)
    }

    /// The compilation of the parsed `root`: every file it uses, from
    /// `units` or read with `read`.
    fn from_root(
        path: &Path,
        root: Parsed,
        read: &dyn Fn(&Path) -> std::io::Result<String>,
        units: &Units,
    ) -> Compilation {
        let mut comp = Compilation {
            root: root.unit,
            used: Vec::new(),
            diagnostics: root.diagnostics.to_vec(),
        };
        let mut seen: HashSet<PathBuf> = HashSet::new();
        seen.insert(units.canonical(path));
        // Units to scan for `use`, by position (None: the root).
        let mut stack: Vec<Option<usize>> = vec![None];
        while let Some(which) = stack.pop() {
            let unit = match which {
                None => Arc::clone(&comp.root),
                Some(i) => Arc::clone(&comp.used[i]),
            };
            let Some(file) = &unit.file else { continue };
            let source = &unit.source;
            for u in file.uses() {
                let Some(rel) = u.path.as_literal() else {
                    comp.diagnostics.push(
                        Diagnostic::new(
                            Code::BadUse,
                            u.path.span,
                            "a `use` path cannot interpolate",
                        )
                        .with_help("write the path as a plain string: `use \"common.rbk\"`")
                        .with_source(source),
                    );
                    continue;
                };
                let target = unit.path.parent().unwrap_or(Path::new(".")).join(&rel);
                if !seen.insert(units.canonical(&target)) {
                    continue;
                }
                match units.load(&target, read) {
                    Ok(used) => {
                        comp.diagnostics.extend(used.diagnostics.iter().cloned());
                        if used.unit.file.is_none() {
                            comp.diagnostics.push(
                                Diagnostic::new(
                                    Code::BadUse,
                                    u.span,
                                    format!("`{rel}` has errors"),
                                )
                                .with_label("used here")
                                .with_help("fix the errors reported for that file")
                                .with_source(source),
                            );
                        }
                        stack.push(Some(comp.used.len()));
                        comp.used.push(used.unit);
                    }
                    Err(e) => comp.diagnostics.push(
                        Diagnostic::new(
                            Code::BadUse,
                            u.path.span,
                            format!("cannot read `{rel}`: {e}"),
                        )
                        .with_label("used here")
                        .with_help(format!(
                            "paths are relative to this file's folder; looked for {}",
                            target.display()
                        ))
                        .with_source(source),
                    ),
                }
            }
        }
        comp
    }

    /// Every parsed file: the root first, then the used ones.
    pub fn units(&self) -> impl Iterator<Item = &Unit> {
        std::iter::once(&*self.root).chain(self.used.iter().map(|u| &**u))
    }

    pub fn files(&self) -> impl Iterator<Item = (&Unit, &ast::File)> {
        self.units().filter_map(|u| u.file.as_ref().map(|f| (u, f)))
    }

    /// The procedure of the root file, if it has one.
    pub fn procedure(&self) -> Option<&ast::Procedure> {
        self.root.file.as_ref()?.procedure()
    }

    /// A procedure by name, from the root or a used file (for `call`).
    pub fn find_procedure(&self, name: &str) -> Option<(&Unit, &ast::Procedure)> {
        self.files()
            .filter_map(|(u, f)| f.procedure().map(|p| (u, p)))
            .find(|(_, p)| p.name.name == name)
    }

    /// The layer order, bottom first, from the first `layers` declaration.
    pub fn layers(&self) -> Vec<&ast::Ident> {
        self.files()
            .flat_map(|(_, f)| f.layers())
            .next()
            .map(|l| l.names.iter().collect())
            .unwrap_or_default()
    }

    /// Site fields declared in any file.
    pub fn site_fields(&self) -> impl Iterator<Item = (&Unit, &ast::FieldDecl)> {
        self.files()
            .flat_map(|(u, f)| f.site_fields().map(move |d| (u, d)))
    }

    /// Expectations declared in any file, root first.
    pub fn expectations(&self) -> impl Iterator<Item = (&Unit, &ast::Expect)> {
        self.files()
            .flat_map(|(u, f)| f.expectations().map(move |e| (u, e)))
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}
