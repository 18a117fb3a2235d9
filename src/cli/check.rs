//! `rbk check`: lint files and directories, report in the chosen format,
//! exit 0 (clean), 1 (errors, or warnings with `--deny-warnings`) or 2
//! (usage error or unreadable file).
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::{exit, CheckArgs, CheckFormat};
use crate::check;
use crate::compilation::{Reads, Units};
use crate::diagnostic::{Diagnostic, Severity};

pub fn run(args: CheckArgs) -> i32 {
    let mut unreadable = false;
    let mut files = Vec::new();
    for p in &args.paths {
        match collect(p, &mut files) {
            Ok(()) => {}
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", p.display());
                unreadable = true;
            }
        }
    }
    // Every file is read and parsed once, however many files use it.
    let units = Units::new(Reads::Once);
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut checked = 0;
    // In the order of `files`, whichever thread checked them: the report
    // does not depend on the number of cores.
    for outcome in check::check_files(&files, &units) {
        match outcome {
            Ok(found) => {
                checked += 1;
                diags.extend(found);
            }
            Err(e) => {
                eprintln!("error: {e}");
                unreadable = true;
            }
        }
    }
    // A file used by several checked files is reported once.
    check::sort_and_dedup(&mut diags);

    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags.len() - errors;
    let out = match args.format {
        CheckFormat::Human => human(&diags, errors, warnings, checked),
        CheckFormat::Json => format!("{}\n", check::json_report(checked, &diags)),
        CheckFormat::Sarif => match serde_json::to_string_pretty(&check::sarif_report(&diags)) {
            Ok(s) => s + "\n",
            Err(e) => return super::usage_error(e),
        },
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`rbk check | head`) is not an error worth a panic.
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    // The process exits right after this: freeing the syntax trees node by
    // node costs more than checking them did, and the OS reclaims them at
    // once.
    std::mem::forget(units);

    if unreadable {
        exit::USAGE
    } else if errors > 0 || (args.deny_warnings && warnings > 0) {
        exit::FAILED
    } else {
        exit::OK
    }
}

fn human(diags: &[Diagnostic], errors: usize, warnings: usize, files: usize) -> String {
    let color = std::io::stdout().is_terminal();
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100);
    let mut out = String::new();
    for d in diags {
        out.push_str(&d.render(color, width));
        out.push('\n');
    }
    out.push_str(&summary(errors, warnings, files));
    out.push('\n');
    out
}

/// "2 errors, 1 warning in 3 files".
pub fn summary(errors: usize, warnings: usize, files: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {} in {}",
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(files, "file")
    )
}

/// A file as itself; a directory as every `*.rbk` below it, sorted.
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            collect(&e, out)?;
        } else if e.extension().is_some_and(|x| x == "rbk") {
            out.push(e);
        }
    }
    Ok(())
}
