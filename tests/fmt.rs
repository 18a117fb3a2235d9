//! `rbk fmt`: idempotent on every example and procedure, keeps comments,
//! and `--check` reports through its exit code.
use crate::support::run;
use std::path::{Path, PathBuf};

use rbk::diagnostic::SourceFile;
use rbk::formatter::format_str;
use rbk::syntax::{self, ast};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rbk_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join(dir))
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "rbk"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn parse(name: &str, text: &str) -> ast::File {
    syntax::parse(&SourceFile::new(name, text)).unwrap_or_else(|d| {
        panic!(
            "{name} does not parse:\n{text}\n{}",
            d.iter().map(|d| d.render(false, 100)).collect::<String>()
        )
    })
}

/// fmt(x) means what x means, and fmt(fmt(x)) == fmt(x).
fn assert_stable(path: &Path) -> String {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let once = format_str(&name, &text).unwrap_or_else(|d| panic!("{name}: {d:?}"));
    assert_eq!(
        parse(&name, &text),
        parse(&name, &once),
        "{name}: meaning changed:\n{once}"
    );
    let twice = format_str(&name, &once).unwrap_or_else(|d| panic!("{name}: {d:?}"));
    assert_eq!(
        once, twice,
        "{name}: formatting the output changed it again"
    );
    once
}

#[test]
fn every_example_formats_stably() {
    let files = rbk_files("examples");
    assert!(files.len() >= 8, "expected the examples, found {files:?}");
    for f in files {
        assert_stable(&f);
    }
}

#[test]
fn every_example_is_already_formatted() {
    for f in rbk_files("examples") {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let out = assert_stable(&f);
        assert_eq!(text, out, "{} is not in the canonical layout", f.display());
    }
}

#[test]
fn every_procedure_formats_stably() {
    for f in rbk_files("procedures") {
        assert_stable(&f);
    }
}

/// Every `.rbk` under `dir`, at any depth.
fn rbk_files_below(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            rbk_files_below(&p, out);
        } else if p.extension().is_some_and(|e| e == "rbk") {
            out.push(p);
        }
    }
}

/// The ```rbk blocks of the book's pages.
fn book_blocks(dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            book_blocks(&p, out);
            continue;
        }
        if p.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        let mut rest = text.as_str();
        let mut n = 0;
        while let Some(start) = rest.find("```rbk") {
            let body = &rest[start + 6..];
            let body = body.split_once('\n').map_or("", |(_, b)| b);
            let Some(end) = body.find("```") else { break };
            n += 1;
            out.push((format!("{}#{n}", p.display()), body[..end].to_string()));
            rest = &body[end + 3..];
        }
    }
}

/// Every input the tests and the book hold that parses keeps its tree
/// (spans aside) through `rbk fmt`; the ones that do not parse are left.
#[test]
fn fmt_keeps_the_tree_of_every_input_in_the_repo() {
    let mut inputs: Vec<(String, String)> = Vec::new();
    let mut files = Vec::new();
    for dir in ["examples", "procedures", "tests", "benches", "book"] {
        rbk_files_below(&repo().join(dir), &mut files);
    }
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        inputs.push((f.display().to_string(), text));
    }
    book_blocks(&repo().join("book/src"), &mut inputs);
    let mut formatted = 0;
    for (name, text) in &inputs {
        let Ok(before) = syntax::parse(&SourceFile::new(name.as_str(), text.as_str())) else {
            continue;
        };
        let once = format_str(name, text).unwrap_or_else(|d| panic!("{name}: {d:?}"));
        assert_eq!(
            before,
            parse(name, &once),
            "{name}: meaning changed:\n{once}"
        );
        assert_eq!(
            once,
            format_str(name, &once).unwrap(),
            "{name}: not idempotent"
        );
        formatted += 1;
    }
    assert!(
        formatted >= 40,
        "only {formatted} inputs parsed of {}",
        inputs.len()
    );
}

/// The fuzzer's finding: `fail if c: "msg"-1` was a `fail` clause and a
/// statement `-1`, which fmt put on a line of its own, where the next parse
/// joined it onto the line above. A statement cannot start with `-`, `(` or
/// `[` now: the input is an error with a help line, never a guess.
#[test]
fn a_statement_that_would_join_the_line_above_is_an_error() {
    for stmt in [
        "fail if c: \"msg\"-1",
        "fail if c: \"msg\" (c)",
        "fail if c: \"msg\" [1]",
    ] {
        let text = format!(
            "procedure p \"p\" {{\n  step s \"s\" {{\n    poll \"x\" every 1s max 3 {{\n      let c = true\n      until c\n      {stmt}\n    }}\n  }}\n}}\n"
        );
        let diags =
            syntax::parse(&SourceFile::new("p.rbk", text.as_str())).expect_err("does not parse");
        let help = diags[0].help.clone().unwrap_or_default();
        assert!(
            help.contains("a statement cannot start with `-`, `(` or `[`"),
            "{stmt}: {help}"
        );
        assert!(format_str("p.rbk", &text).is_err(), "fmt leaves it alone");
    }
}

#[test]
fn comments_in_awkward_places_are_kept() {
    let path = repo().join("tests/fixtures/fmt/comments.rbk");
    let src = std::fs::read_to_string(&path).unwrap_or_default();
    let out = assert_stable(&path);
    // Every comment of the input comes out exactly once.
    for c in rbk::formatter::comments::scan(&src) {
        let first_line = c.text.lines().next().unwrap_or_default();
        assert_eq!(
            out.matches(first_line).count(),
            1,
            "{first_line:?} in\n{out}"
        );
    }
    // Same-line comments stay on their line.
    for line in [
        "use \"common.rbk\" // why common",
        "  status \"DRAFT\" /* after a header */",
        "  param n: int = 3 // after a param",
        "    let x = n + 1 // after let",
        "      until y > 0 // after until",
        "  step b \"B\" {} // after an empty block",
    ] {
        assert!(out.contains(&format!("{line}\n")), "{line:?} in\n{out}");
    }
    // Doc comments stay attached to their item.
    assert!(out.contains("/// doc of a step\n  step a"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn check_flag_lists_unformatted_files_and_exits_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.rbk");
    let bad = dir.path().join("sub/bad.rbk");
    std::fs::create_dir_all(bad.parent().unwrap_or(dir.path())).expect("mkdir");
    std::fs::write(&good, "layers a < b\n").expect("write");
    std::fs::write(&bad, "layers   a<b\n").expect("write");

    let out = run(&["fmt", "--check", good.to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty());

    let out = run(&["fmt", "--check", dir.path().to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains("bad.rbk") && !listed.contains("good.rbk"),
        "{listed}"
    );
    // --check changes nothing.
    assert_eq!(
        std::fs::read_to_string(&bad).unwrap_or_default(),
        "layers   a<b\n"
    );

    let out = run(&["fmt", dir.path().to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(&bad).unwrap_or_default(),
        "layers a < b\n"
    );
    let out = run(&["fmt", "--check", dir.path().to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn a_file_that_does_not_parse_is_reported_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = dir.path().join("broken.rbk");
    let text = "procedure p \"t\" {\n  step a {\n}\n";
    std::fs::write(&broken, text).expect("write");
    let out = run(&["fmt", broken.to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("RBK001"),
        "{out:?}"
    );
    assert_eq!(std::fs::read_to_string(&broken).unwrap_or_default(), text);
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let out = run(&["fmt", "/nonexistent/x.rbk"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}
