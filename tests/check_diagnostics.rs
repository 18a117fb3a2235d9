//! Every check code has a bad example under `examples/bad/` that produces
//! exactly that code, and its rendering is snapshot-tested; every good
//! example and every procedure checks clean.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rbk::check;
use rbk::diagnostic::{Code, Diagnostic};
use rbk::resolve::Compilation;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Check a file by its path relative to the crate, so rendered file names
/// are the same on every machine.
fn check_file(path: &Path) -> Vec<Diagnostic> {
    let rel = path.strip_prefix(root()).unwrap_or(path);
    let text = std::fs::read_to_string(root().join(rel)).expect("example is readable");
    // `use` paths resolve against `rel`: the tests run from the crate root.
    check::check(&Compilation::from_source(rel, text))
}

fn rbk_files(dir: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.retain(|p| p.extension().is_some_and(|x| x == "rbk"));
    out.sort();
    out
}

/// The code a bad example is named after: `RBK401-unbounded-poll.rbk` -> RBK401.
fn code_of(path: &Path) -> Option<Code> {
    let name = path.file_name()?.to_str()?;
    let code = name.split('-').next()?;
    Code::ALL.iter().copied().find(|c| c.as_str() == code)
}

fn checked_codes() -> BTreeSet<Code> {
    Code::ALL
        .iter()
        .copied()
        .filter(|c| !c.as_str().starts_with("RBK9"))
        .collect()
}

#[test]
fn bad_examples_render() {
    insta::glob!("../examples/bad", "*.rbk", |path| {
        let diags = check_file(path);
        let rendered: Vec<String> = diags.iter().map(|d| d.render(false, 80)).collect();
        insta::assert_snapshot!(rendered.join("\n"));
    });
}

#[test]
fn each_bad_example_produces_exactly_its_code() {
    for path in rbk_files("examples/bad") {
        let want = code_of(&path)
            .unwrap_or_else(|| panic!("{} is not named RBKnnn-*.rbk", path.display()));
        let got: Vec<Code> = check_file(&path).iter().map(|d| d.code).collect();
        assert_eq!(got, vec![want], "{}", path.display());
    }
}

#[test]
fn every_check_code_has_a_bad_example_and_vice_versa() {
    let examples: BTreeSet<Code> = rbk_files("examples/bad")
        .iter()
        .filter_map(|p| code_of(p))
        .collect();
    let missing: Vec<&str> = checked_codes()
        .difference(&examples)
        .map(|c| c.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a bad example: {missing:?}"
    );
    for p in rbk_files("examples/bad") {
        let code = code_of(&p).unwrap_or_else(|| panic!("{} names no code", p.display()));
        assert!(
            checked_codes().contains(&code),
            "{} is a run-time code",
            p.display()
        );
    }
}

#[test]
fn good_examples_and_procedures_check_clean() {
    let files: Vec<PathBuf> = rbk_files("examples")
        .into_iter()
        .chain(rbk_files("procedures"))
        .collect();
    assert!(!files.is_empty());
    for f in files {
        let diags = check_file(&f);
        let shown: Vec<String> = diags.iter().map(|d| d.render(false, 100)).collect();
        assert!(diags.is_empty(), "{}:\n{}", f.display(), shown.join("\n"));
    }
}
