//! Scope arguments: every `scope KIND(...)` the book shows (chapters,
//! example files, diagnostic pages) names only arguments of the one table
//! (`rbk::resolve::scopes`), the complete ones pass `rbk check`, and the
//! documented arguments check and run.
use std::collections::BTreeSet;

use rbk::resolve::scopes::SCOPES;

use crate::support::{rbk, root};

/// Every page and example file of the book, below `dir`, sorted.
fn book_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("book/src")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            book_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "md" || x == "rbk") {
            out.push(p);
        }
    }
}

/// `(file, kind, args)` of every `scope KIND(ARGS)` in the book: its
/// chapters, its example files, its diagnostic pages.
fn book_scopes() -> Vec<(String, String, String)> {
    let re = regex::Regex::new(r"scope (openstack|kube|ssh)\(([^)]*)\)").expect("regex");
    let mut out = Vec::new();
    let dir = root().join("book/src");
    let mut files = Vec::new();
    book_files(&dir, &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read chapter");
        for c in re.captures_iter(&text) {
            let name = f
                .strip_prefix(&dir)
                .unwrap_or(&f)
                .to_string_lossy()
                .into_owned();
            out.push((name, c[1].to_string(), c[2].to_string()));
        }
    }
    out
}

fn table_args(kind: &str) -> Vec<&'static str> {
    SCOPES
        .iter()
        .find(|s| s.kind.as_str() == kind)
        .map(|s| s.args.iter().map(|a| a.name).collect())
        .unwrap_or_default()
}

/// A procedure with one step holding `scope KIND(ARGS) { log }`, declaring
/// the `site.x` fields it names.
fn wrap(kind: &str, args: &str) -> String {
    let fields: BTreeSet<&str> = regex::Regex::new(r"site\.(\w+)")
        .expect("regex")
        .captures_iter(args)
        .map(|c| c.get(1).map_or("", |m| m.as_str()))
        .collect();
    let site: String = fields
        .iter()
        .map(|f| format!("  {f}: str \"{f}\"\n"))
        .collect();
    let site = if site.is_empty() {
        String::new()
    } else {
        format!("site {{\n{site}}}\n\n")
    };
    format!(
        "{site}procedure p \"t\" {{\n  step s \"s\" {{\n    scope {kind}({args}) {{\n      log \"in scope\"\n    }}\n  }}\n}}\n"
    )
}

#[test]
fn book_scope_examples_name_table_arguments_and_check() {
    let name = regex::Regex::new(r"(\w+):").expect("regex");
    let scopes = book_scopes();
    assert!(scopes.len() > 10, "found only {scopes:?}");
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, (file, kind, args)) in scopes.iter().enumerate() {
        let known = table_args(kind);
        for n in name.captures_iter(args) {
            assert!(
                known.contains(&&n[1]),
                "{file}: `scope {kind}({args})` names `{}`, which is not in the scope table ({known:?})",
                &n[1]
            );
        }
        // Signatures and elided examples (`...`, `PATH | NAME`) are not
        // programs; the diagnostic pages show scopes missing an argument on
        // purpose (`rbk check` on their examples is their own test).
        if file.starts_with("diagnostics/")
            || args.contains("...")
            || args.contains('|')
            || args.chars().any(|c| c.is_ascii_uppercase())
        {
            continue;
        }
        let path = dir.path().join(format!("scope{i}.rbk"));
        std::fs::write(&path, wrap(kind, args)).expect("write");
        let out = rbk(["check"])
            .arg(&path)
            .env("NO_COLOR", "1")
            .output()
            .expect("run rbk");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{file}: `scope {kind}({args})` does not check:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Every argument of the table, as the credentials chapter documents them,
/// checks and runs (under `--sim`, the scopes log and end).
#[test]
fn every_documented_scope_argument_checks_and_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("all.rbk");
    let text = r#"procedure p "every scope argument" {
  step s "s" {
    scope openstack(project: "admin", domain: "Default", openrc: "~/admin-openrc") {
      log "openstack"
    }
    scope openstack(cloud: "lab") {
      log "cloud"
    }
    scope kube(kubeconfig: "~/.kube/config") {
      log "kube"
    }
    scope ssh(host: "192.0.2.10", user: "ubuntu", key: "~/.ssh/id_ed25519", known_hosts: "accept-new", known_hosts_file: "~/.ssh/known_hosts", port: 2222, connect_timeout: 5s) {
      log "ssh"
    }
  }
}
"#;
    std::fs::write(&path, text).expect("write");
    let used: BTreeSet<String> = regex::Regex::new(r"(\w+):")
        .expect("regex")
        .captures_iter(text)
        .map(|c| c[1].to_string())
        .collect();
    for s in SCOPES {
        for a in s.args {
            assert!(used.contains(a.name), "the test does not use `{}`", a.name);
        }
    }
    let out = rbk(["check"]).arg(&path).output().expect("run rbk");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = rbk(["exec", "--sim", "--yes"])
        .arg(&path)
        .output()
        .expect("run rbk");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
