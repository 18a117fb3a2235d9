//! `rbk fmt [--check] PATH...`: rewrite files in the canonical layout, or
//! (`--check`) list those that are not in it.
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::{exit, usage_error, FmtArgs};
use crate::diagnostic::SourceFile;

pub fn run(args: FmtArgs) -> i32 {
    let files = match rbk_files(&args.paths) {
        Ok(files) => files,
        Err(msg) => return usage_error(msg),
    };
    let color = std::io::stderr().is_terminal();
    let mut code = exit::OK;
    for path in files {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => return usage_error(format!("cannot read {}: {e}", path.display())),
        };
        let source = SourceFile::new(path.display().to_string(), text.as_str());
        let formatted = match crate::formatter::format_source(&source) {
            Ok(f) => f,
            Err(diags) => {
                for d in diags {
                    eprintln!("{}", d.render(color, 100));
                }
                code = exit::FAILED;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        println!("{}", path.display());
        if args.check {
            code = exit::FAILED;
        } else if let Err(e) = write_atomically(&path, &formatted) {
            return usage_error(format!("cannot write {}: {e}", path.display()));
        }
    }
    code
}

/// The files named, with every `*.rbk` below each directory, in a stable order.
fn rbk_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        let hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "rbk") {
            out.push(p);
        }
    }
    Ok(())
}

/// Replace `path` with `text` so that a reader sees the old or the new file,
/// never half of one; the file keeps its permissions.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    let perms = std::fs::metadata(path)?.permissions();
    std::fs::set_permissions(tmp.path(), perms)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
