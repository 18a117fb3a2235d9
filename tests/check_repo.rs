//! `rbk check` on a repository: a file `use`d by many procedures is read
//! and parsed once per run, and sharing it changes nothing in the report,
//! which is exactly what checking each file on its own gives, merged.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rbk::check;
use rbk::check::check_files;
use rbk::compilation::{Compilation, Reads, Units};
use rbk::diagnostic::{Diagnostic, Severity};

use crate::support::repo::{write_repository, SEED};
use crate::support::{rbk, root};

/// Every `*.rbk` below `dir`, sorted, as `rbk check DIR` lists them.
fn rbk_files(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    let mut out = Vec::new();
    for e in entries {
        if e.is_dir() {
            out.extend(rbk_files(&e));
        } else if e.extension().is_some_and(|x| x == "rbk") {
            out.push(e);
        }
    }
    out
}

#[test]
fn a_file_used_by_300_procedures_is_parsed_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let team = write_repository(dir.path(), 300).expect("repository");
    let files = rbk_files(dir.path());
    assert_eq!(files.len(), 306);

    let units = Units::new(Reads::Once);
    for outcome in check_files(&files, &units) {
        let diags = outcome.expect("readable");
        assert!(diags.is_empty(), "the repository checks clean: {diags:?}");
    }
    // 300 team procedures and the six files they all use: one parse each.
    assert_eq!(units.parses(), 306);

    // Two compilations hold the very same trees of the files they share.
    let first = Compilation::load_in(&team[0], &units).expect("readable");
    let last = Compilation::load_in(&team[299], &units).expect("readable");
    assert_eq!(first.used.len(), SEED.len());
    for (a, b) in first.used.iter().zip(&last.used) {
        assert!(Arc::ptr_eq(a, b), "{} is shared", a.path.display());
    }
    assert_eq!(units.parses(), 306, "loading again parses nothing");
}

#[test]
fn without_sharing_each_use_is_parsed_again() {
    // What the counter counts: a fresh cache per file parses the used
    // files once per user (the cost the shared cache takes away).
    let dir = tempfile::tempdir().expect("tempdir");
    let team = write_repository(dir.path(), 3).expect("repository");
    let parses: usize = team
        .iter()
        .map(|f| {
            let units = Units::new(Reads::Once);
            Compilation::load_in(f, &units).expect("readable");
            units.parses()
        })
        .sum();
    assert_eq!(parses, 3 * (1 + SEED.len()));
}

/// What `rbk check --format F` prints for `files` when each is checked on
/// its own, with nothing shared: the reports merged as the CLI merges them.
fn checked_alone(files: &[PathBuf], format: &str) -> String {
    let mut diags: Vec<Diagnostic> = Vec::new();
    for f in files {
        let comp = Compilation::load(f).expect("readable");
        diags.extend(check::check(&comp));
    }
    check::sort_and_dedup(&mut diags);
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    match format {
        "human" => {
            let mut out: String = diags
                .iter()
                .map(|d| format!("{}\n", d.render(false, 100)))
                .collect();
            let plural =
                |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
            out.push_str(&format!(
                "{}, {} in {}\n",
                plural(errors, "error"),
                plural(diags.len() - errors, "warning"),
                plural(files.len(), "file")
            ));
            out
        }
        "json" => format!("{}\n", check::json_report(files.len(), &diags)),
        _ => unreachable!("a format the test asks for"),
    }
}

/// `rbk check --format F DIR`, three times: it must say the same each time.
fn checked_together(dir: &Path, format: &str) -> String {
    let runs: Vec<String> = (0..3)
        .map(|_| {
            let out = rbk(["check", "--format", format])
                .arg(dir)
                .env("COLUMNS", "100")
                .output()
                .expect("rbk runs");
            assert_eq!(out.status.code(), Some(1), "problems were planted");
            String::from_utf8(out.stdout).expect("utf-8")
        })
        .collect();
    assert!(
        runs.iter().all(|r| r == &runs[0]),
        "every run reports the same"
    );
    runs[0].clone()
}

/// A repository with problems in the team procedures, in a file they use
/// (a syntax error, reported once however many files use it), in a use
/// of a missing file, and the same file reached by two spellings.
fn repository_with_problems(dir: &Path) -> Vec<PathBuf> {
    let team = write_repository(dir, 40).expect("repository");
    let plant = |path: &Path, from: &str, to: &str| {
        let text = std::fs::read_to_string(path).expect("generated");
        assert!(text.contains(from), "{from} is in {}", path.display());
        std::fs::write(path, text.replacen(from, to, 1)).expect("write");
    };
    // An unknown name and a poll without a bound.
    plant(&team[3], "log \"{len(servers)}", "log \"{len(servrs)}");
    plant(&team[7], "every 10s max 18", "every 10s");
    // A used file that does not parse, used by two procedures.
    std::fs::write(dir.join("broken.rbk"), "site {\n  zone: str \"a zone\"\n").expect("write");
    for t in [&team[11], &team[12]] {
        plant(
            t,
            "use \"common.rbk\"\n",
            "use \"common.rbk\"\nuse \"broken.rbk\"\n",
        );
    }
    plant(
        &team[13],
        "use \"common.rbk\"\n",
        "use \"common.rbk\"\nuse \"gone.rbk\"\n",
    );
    // The same seed file by another path: a folder below, `use "../..."`.
    let sub = dir.join("sub");
    std::fs::create_dir_all(&sub).expect("mkdir");
    let nested = crate::support::repo::team_procedure(900).replace("use \"", "use \"../");
    std::fs::write(
        sub.join("team-900.rbk"),
        nested.replacen("log \"{len(servers)}", "log \"{len(srvers)}", 1),
    )
    .expect("write");
    rbk_files(dir)
}

#[test]
fn a_directory_reports_what_its_files_report_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = repository_with_problems(dir.path());
    for format in ["human", "json"] {
        let together = checked_together(dir.path(), format);
        assert_eq!(together, checked_alone(&files, format), "--format {format}");
    }
}

#[test]
fn the_examples_report_what_each_example_reports_alone() {
    // Every diagnostic code's bad example, some reached by `../`, one
    // secret masked: the directory's report is the files' reports merged.
    let examples = root().join("examples");
    let files = rbk_files(&examples);
    for format in ["human", "json"] {
        assert_eq!(
            checked_together(&examples, format),
            checked_alone(&files, format),
            "--format {format}"
        );
    }
}

#[test]
fn a_called_procedure_is_worked_out_again_where_its_callees_differ() {
    // `relay.rbk` calls `source`; `top-int.rbk` and `top-str.rbk` both use
    // `relay.rbk` (the same unit: same path) but give `source` a different
    // file, whose `value` is an int in one and a str in the other. What the
    // checker knows of `relay` is kept with `relay.rbk` and shared, but
    // never across the two: each is told what it would be told alone.
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write(
        "relay.rbk",
        "procedure relay \"Relay\" {\n  call source \"the source\"\n  step pass \"Pass it on\" {\n    let value = source.value\n    log \"{value}\"\n  }\n}\n",
    );
    for (kind, value) in [("int", "1"), ("str", "\"one\"")] {
        write(
            &format!("{kind}/source.rbk"),
            &format!("procedure source \"Source\" {{\n  step make \"Make it\" {{\n    let value = {value}\n    log \"{{value}}\"\n  }}\n}}\n"),
        );
        write(
            &format!("top-{kind}.rbk"),
            &format!("use \"{kind}/source.rbk\"\nuse \"relay.rbk\"\n\nprocedure top \"Top\" {{\n  call relay \"relay\"\n  step use_it \"Use it\" {{\n    require relay.value > 0 else abort \"not positive\"\n  }}\n}}\n"),
        );
    }
    let files = rbk_files(dir.path());
    let alone = checked_alone(&files, "json");
    // `relay.value` is not a number for the str top; it is for the int one.
    assert!(alone.contains("top-str.rbk"), "{alone}");
    assert!(!alone.contains("top-int.rbk"), "{alone}");
    assert_eq!(checked_together(dir.path(), "json"), alone);
    // In one run, `relay.rbk` is one unit for both.
    let units = Units::new(Reads::Once);
    let a = Compilation::load_in(&dir.path().join("top-int.rbk"), &units).expect("readable");
    let b = Compilation::load_in(&dir.path().join("top-str.rbk"), &units).expect("readable");
    let relay = |c: &Compilation| {
        c.used
            .iter()
            .find(|u| u.path.ends_with("relay.rbk"))
            .cloned()
            .expect("relay is used")
    };
    assert!(Arc::ptr_eq(&relay(&a), &relay(&b)));
}
