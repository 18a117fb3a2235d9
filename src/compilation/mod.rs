//! A [`Compilation`]: one procedure file with every file it `use`s, parsed.
//! It is what `rbk check` checks and what `rbk exec` and `rbk render` consume.
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic, SourceFile};
use crate::syntax::{self, ast};

/// One parsed file.
#[derive(Debug, Clone)]
pub struct Unit {
    pub path: PathBuf,
    pub source: SourceFile,
    /// None when the file did not parse (its diagnostics say why).
    pub file: Option<ast::File>,
}

#[derive(Debug, Clone)]
pub struct Compilation {
    /// The file asked for.
    pub root: Unit,
    /// Files brought in by `use`, transitively, each once, in load order.
    pub used: Vec<Unit>,
    /// Problems found while loading and parsing, for every file.
    pub diagnostics: Vec<Diagnostic>,
}

/// The file itself could not be read: a usage error (exit 2), not a diagnostic.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {}: {source}", path.display())]
pub struct LoadError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl Compilation {
    /// Read and parse `path` and everything it uses.
    pub fn load(path: &Path) -> Result<Compilation, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self::from_source(path, text))
    }

    /// Parse `text` as if read from `path` (uses resolve relative to it).
    pub fn from_source(path: &Path, text: String) -> Compilation {
        Self::from_source_with(path, text, &|p| std::fs::read_to_string(p))
    }

    /// [`from_source`](Self::from_source), reading used files with `read`
    /// (an editor passes the unsaved text of the files it has open).
    pub fn from_source_with(
        path: &Path,
        text: String,
        read: &dyn Fn(&Path) -> std::io::Result<String>,
    ) -> Compilation {
        let mut diagnostics = Vec::new();
        let root = parse_unit(path, text, &mut diagnostics);
        let mut comp = Compilation {
            root,
            used: Vec::new(),
            diagnostics,
        };
        let mut seen: HashSet<PathBuf> = HashSet::new();
        seen.insert(canonical(path));
        // Units to scan for `use`, by position (None: the root) rather than
        // cloned: a unit holds a whole parsed tree.
        let mut stack: Vec<(PathBuf, Option<usize>)> = vec![(path.to_path_buf(), None)];
        while let Some((from, which)) = stack.pop() {
            let unit = match which {
                None => &comp.root,
                Some(i) => &comp.used[i],
            };
            let Some(file) = &unit.file else { continue };
            // Collected first: loading a used file appends to `comp.used`.
            let uses: Vec<(Option<String>, ast::Span, ast::Span)> = file
                .uses()
                .map(|u| (u.path.as_literal(), u.path.span, u.span))
                .collect();
            let source = unit.source.clone();
            for (rel, path_span, use_span) in uses {
                let Some(rel) = rel else {
                    comp.diagnostics.push(
                        Diagnostic::new(Code::BadUse, path_span, "a `use` path cannot interpolate")
                            .with_help("write the path as a plain string: `use \"common.rbk\"`")
                            .with_source(&source),
                    );
                    continue;
                };
                let target = from.parent().unwrap_or(Path::new(".")).join(&rel);
                let key = canonical(&target);
                if !seen.insert(key) {
                    continue;
                }
                match read(&target) {
                    Ok(text) => {
                        let used = parse_unit(&target, text, &mut comp.diagnostics);
                        if used.file.is_none() {
                            comp.diagnostics.push(
                                Diagnostic::new(
                                    Code::BadUse,
                                    use_span,
                                    format!("`{rel}` has errors"),
                                )
                                .with_label("used here")
                                .with_help("fix the errors reported for that file")
                                .with_source(&source),
                            );
                        }
                        stack.push((target.clone(), Some(comp.used.len())));
                        comp.used.push(used);
                    }
                    Err(e) => comp.diagnostics.push(
                        Diagnostic::new(
                            Code::BadUse,
                            path_span,
                            format!("cannot read `{rel}`: {e}"),
                        )
                        .with_label("used here")
                        .with_help(format!(
                            "paths are relative to this file's folder; looked for {}",
                            target.display()
                        ))
                        .with_source(&source),
                    ),
                }
            }
        }
        comp
    }

    /// Every parsed file: the root first, then the used ones.
    pub fn units(&self) -> impl Iterator<Item = &Unit> {
        std::iter::once(&self.root).chain(self.used.iter())
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

fn parse_unit(path: &Path, text: String, diags: &mut Vec<Diagnostic>) -> Unit {
    let source = SourceFile::new(path.display().to_string(), text);
    let file = match syntax::parse(&source) {
        Ok(f) => Some(f),
        Err(d) => {
            diags.extend(d);
            None
        }
    };
    Unit {
        path: path.to_path_buf(),
        source,
        file,
    }
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}
