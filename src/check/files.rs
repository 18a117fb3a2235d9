//! Checking many files in one run: the files they use are parsed once
//! ([`Units`]), and independent files are checked on every core.
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::compilation::{Compilation, LoadError, Units};
use crate::diagnostic::Diagnostic;
use crate::threads;

/// Each file's compilation checked, in the order of `files`, on as many
/// threads as there are cores (files are independent; the ones they use
/// are parsed once, by whichever thread needs them first, and kept in
/// `units`).
pub fn check_files(files: &[PathBuf], units: &Units) -> Vec<Result<Vec<Diagnostic>, LoadError>> {
    let next = AtomicUsize::new(0);
    // Each thread takes the next file not yet taken, so a large file holds
    // up one thread and not a fixed share of the list.
    let worker = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(f) = files.get(i) else { break };
            done.push((i, Compilation::load_in(f, units).map(|c| super::check(&c))));
        }
        done
    };
    let helpers = threads::cores().min(files.len()).saturating_sub(1);
    let (theirs, mine) = threads::fan_out(vec![worker; helpers], worker);
    let mut all: Vec<_> = theirs.into_iter().flatten().chain(mine).collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, outcome)| outcome).collect()
}
