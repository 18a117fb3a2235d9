//! `rbk check` as a user runs it: the real binary, its exit codes and its
//! output formats (human, json, sarif).
use crate::support;
use std::path::Path;
use std::process::Output;

fn rbk(args: &[&str]) -> Output {
    support::rbk(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run rbk")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, text).expect("write fixture");
    p.display().to_string()
}

const CLEAN: &str = r#"
procedure clean "A clean procedure" {
  step hello "Say hello" {
    log "hello"
  }
}
"#;

const ERRORS: &str = r#"
procedure broken "Two mistakes" {
  step a "A" {
    log "{nope}"
    openstack.server.start("vm")
  }
}
"#;

const WARNING: &str = r#"
procedure warns "A dropped value" {
  step a "A" {
    1 + 2
  }
}
"#;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn clean_file_exits_0_with_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "clean.rbk", CLEAN);
    let o = rbk(&["check", &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("0 errors, 0 warnings in 1 file"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn errors_exit_1_and_every_error_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "broken.rbk", ERRORS);
    let o = rbk(&["check", &f]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("RBK101"), "{out}");
    assert!(out.contains("RBK305"), "{out}");
    assert!(out.contains("2 errors, 0 warnings in 1 file"), "{out}");
    assert!(
        !out.contains('\u{1b}'),
        "no colour when not a terminal: {out}"
    );
}

#[test]
fn json_has_the_contract_shape() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "broken.rbk", ERRORS);
    let o = rbk(&["check", "--format", "json", &f]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json on stdout");
    assert_eq!(v["files"], 1);
    let diags = v["diagnostics"].as_array().expect("diagnostics array");
    assert_eq!(diags.len(), 2);
    let d = &diags[0];
    assert_eq!(d["code"], "RBK101");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], f.as_str());
    assert_eq!(d["line"], 4);
    assert_eq!(d["column"], 11);
    assert!(d["message"].as_str().is_some_and(|m| m.contains("nope")));
    assert!(d["help"].is_string());
}

#[test]
fn sarif_lists_rules_and_results() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "broken.rbk", ERRORS);
    let o = rbk(&["check", "--format", "sarif", &f]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif on stdout");
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "rbk");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), rbk::diagnostic::Code::ALL.len());
    assert!(rules.iter().all(|r| r["helpUri"].is_string()));
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    let r = &results[1];
    assert_eq!(r["ruleId"], "RBK305");
    assert_eq!(r["level"], "error");
    let region = &r["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 5);
    assert_eq!(region["startColumn"], 5);
}

#[test]
fn warnings_pass_unless_denied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "warns.rbk", WARNING);
    let o = rbk(&["check", &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("0 errors, 1 warning in 1 file"));
    let o = rbk(&["check", "--deny-warnings", &f]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn a_directory_means_every_rbk_file_below_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "a/clean.rbk", CLEAN);
    write(dir.path(), "a/b/broken.rbk", ERRORS);
    write(dir.path(), "a/notes.txt", "not rbk {");
    let o = rbk(&[
        "check",
        "--format",
        "json",
        &dir.path().display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["files"], 2);
    assert_eq!(v["diagnostics"].as_array().map(Vec::len), Some(2));
}

#[test]
fn unreadable_path_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.rbk").display().to_string();
    let o = rbk(&["check", &missing]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.rbk"));
}

#[test]
fn no_path_is_a_usage_error() {
    assert_eq!(rbk(&["check"]).status.code(), Some(2));
    assert_eq!(
        rbk(&["check", "--format", "xml", "x.rbk"]).status.code(),
        Some(2)
    );
}

#[test]
fn a_syntax_error_exits_1_with_rbk001() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "syntax.rbk", "procedure p \"t\" { step }");
    let o = rbk(&["check", "--format", "json", &f]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["diagnostics"][0]["code"], "RBK001");
}

/// A large file is parsed in parts and checked on two threads
/// (`rbk::threads`): what it reports must not change, nor may a secret
/// escape the masking that covers every diagnostic about its file.
#[test]
fn a_large_file_reports_what_a_small_one_does() {
    let faulty = r#"
procedure big "Mistakes first, then many clean steps" {
  step a "A" {
    let password = "hunter2-correct-horse"
    log "{nope} {password}"
    openstack.server.start("vm")
  }
"#;
    let clean_step = |i: usize| {
        format!(
            "\n  /// Step {i}.\n  step s{i} \"Step {i}\" {{\n    scope openstack(project: \"p\") {{\n      let st{i} = openstack.server.show(\"vm\").status\n      log \"{{st{i}}} at {i}\"\n    }}\n  }}\n"
        )
    };
    let small = format!("{faulty}{}}}\n", clean_step(0));
    let mut large = faulty.to_string();
    let mut i = 0;
    while large.len() < 400 * 1024 {
        large.push_str(&clean_step(i));
        i += 1;
    }
    large.push_str("}\n");

    let dir = tempfile::tempdir().expect("tempdir");
    let reports: Vec<(String, serde_json::Value)> = [("small.rbk", &small), ("large.rbk", &large)]
        .into_iter()
        .map(|(name, text)| {
            let f = write(dir.path(), name, text);
            let human = rbk(&["check", &f]);
            assert_eq!(human.status.code(), Some(1), "{name}");
            let json = rbk(&["check", "--format", "json", &f]);
            let mut v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
            for d in v["diagnostics"].as_array_mut().expect("diagnostics") {
                d["file"] = serde_json::Value::Null;
            }
            (stdout(&human), v)
        })
        .collect();
    let (small_human, small_json) = &reports[0];
    let (large_human, large_json) = &reports[1];
    assert_eq!(small_json, large_json);
    let codes: Vec<&str> = small_json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"RBK101") && codes.contains(&"RBK305"),
        "{codes:?}"
    );
    for out in [small_human, large_human] {
        assert!(out.contains("looks like a secret"), "{out}");
        assert!(!out.contains("hunter2"), "the secret leaked:\n{out}");
    }
}
