//! Every check code has a bad example under `examples/bad/` that produces
//! exactly that code, and its rendering is snapshot-tested; every good
//! example and every procedure checks clean.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::support::root;
use rbk::check;
use rbk::compilation::Compilation;
use rbk::diagnostic::{Code, Diagnostic};

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
        // The help link depends on where this machine keeps the book
        // (tests/book.rs checks that it resolves): the snapshot names it.
        let rendered: Vec<String> = diags
            .iter()
            .map(|d| {
                d.render(false, 80)
                    .replace(&d.code.url(), &format!("<book>/diagnostics/{}", d.code))
            })
            .collect();
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

/// The fenced ```rbk blocks of a page that are not tagged `bad`.
fn good_blocks(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in page.lines() {
        match &mut current {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    let mut tags = info.split(',').map(str::trim);
                    if tags.next() == Some("rbk") && !tags.any(|t| t == "bad") {
                        current = Some(String::new());
                    }
                }
            }
            Some(body) => {
                if line.starts_with("```") {
                    out.push(std::mem::take(body));
                    current = None;
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    out
}

#[test]
fn every_code_has_a_book_page_with_bad_and_good_examples() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Good examples may `use` these, as the bad ones do.
    for shared in ["common.rbk", "check-server.rbk"] {
        std::fs::copy(
            root().join("examples").join(shared),
            dir.path().join(shared),
        )
        .expect("copy a shared example");
    }
    for c in Code::ALL {
        let page = root().join(format!("book/src/diagnostics/{}.md", c.as_str()));
        let text =
            std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
        assert!(
            text.lines()
                .next()
                .is_some_and(|l| l.starts_with("# ") && l.contains(c.as_str())),
            "{} must open with a heading naming its code",
            page.display()
        );
        assert!(
            text.contains("## Bad") && text.contains("## Good"),
            "{}",
            page.display()
        );
        assert!(text.matches("```rbk").count() >= 2, "{}", page.display());
        let runtime = c.as_str().starts_with("RBK9");
        if !runtime {
            let bad = format!("{{{{#include ../../../examples/bad/{}-", c.as_str());
            assert!(
                text.contains(&bad),
                "{} must include its bad example",
                page.display()
            );
        }
        for (i, block) in good_blocks(&text).into_iter().enumerate() {
            let file = dir.path().join(format!("{}-{i}.rbk", c.as_str()));
            std::fs::write(&file, &block).expect("write block");
            let comp = Compilation::load(&file).expect("readable block");
            let diags: Vec<Diagnostic> = check::check(&comp)
                .into_iter()
                .filter(|d| !runtime || d.is_error())
                .collect();
            let shown: Vec<String> = diags.iter().map(|d| d.render(false, 100)).collect();
            assert!(
                diags.is_empty(),
                "{} block {i} must check clean:\n{}",
                page.display(),
                shown.join("\n")
            );
        }
    }
}
