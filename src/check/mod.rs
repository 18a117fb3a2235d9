//! The checks: one file per rule, each a small function returning
//! `Vec<Diagnostic>`. [`check`] runs them all and reports everything together.
mod report;

pub use report::{json_report, sarif_report};

use crate::diagnostic::Diagnostic;
use crate::resolve::{self, Compilation};

/// Every problem in `comp`: its parse diagnostics, names and types, the
/// graph rules and the safety rules, sorted by file and position.
pub fn check(comp: &Compilation) -> Vec<Diagnostic> {
    let mut out = comp.diagnostics.clone();
    out.extend(resolve::resolve(comp));
    sort_and_dedup(&mut out);
    out
}

/// Order by file, then position, then code; drop exact repeats.
pub fn sort_and_dedup(diags: &mut Vec<Diagnostic>) {
    diags.sort_by_key(sort_key);
    diags.dedup_by(|a, b| sort_key(a) == sort_key(b) && a.message == b.message);
}

fn sort_key(d: &Diagnostic) -> (String, usize, usize, crate::diagnostic::Code) {
    let file = d
        .source
        .as_ref()
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let span = d.primary_span();
    (
        file,
        span.map_or(0, |s| s.offset()),
        span.map_or(0, |s| s.len()),
        d.code,
    )
}
