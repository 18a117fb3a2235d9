//! `rbk exec --sim`: the real binary against the simulated cloud. Every
//! example and procedure runs to success in the scenario it is written for;
//! the journal is stable (virtual clock); bad input exits 2; failures exit 1.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rbk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rbk"))
        .args(args)
        .current_dir(root())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run rbk")
}

fn text(o: &Output) -> String {
    format!(
        "{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The situation each procedure is written for (default: healthy).
fn scenario_for(file: &Path) -> &'static str {
    match file.file_stem().and_then(|s| s.to_str()) {
        Some("start") | Some("recovery") => "parked",
        Some("k8s-readiness") => "cold-start",
        Some("lb-repair") => "lb-error",
        _ => "healthy",
    }
}

fn rbk_files(dir: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .expect("read dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rbk"))
        .filter(|p| {
            std::fs::read_to_string(p)
                .map(|t| t.lines().any(|l| l.trim_start().starts_with("procedure ")))
                .unwrap_or(false)
        })
        .collect();
    out.sort();
    out
}

fn journal_events(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .expect("journal written")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each journal line is JSON"))
        .collect()
}

#[test]
fn every_example_and_procedure_runs_under_sim() {
    let mut ran = 0;
    for (dir, site) in [
        ("examples", "sites/examples.toml"),
        ("procedures", "sites/capi-mgmt.toml"),
    ] {
        for file in rbk_files(dir) {
            let rel = file
                .strip_prefix(root())
                .expect("under root")
                .to_string_lossy()
                .to_string();
            let sim = format!("--sim={}", scenario_for(&file));
            let tmp = tempfile::tempdir().expect("tempdir");
            let journal = tmp.path().join("j.jsonl");
            let j = journal.to_string_lossy().to_string();
            let o = rbk(&["exec", &sim, "--site", site, "--yes", "--journal", &j, &rel]);
            assert_eq!(o.status.code(), Some(0), "{rel} under {sim}:\n{}", text(&o));
            let events = journal_events(&journal);
            assert_eq!(
                events.first().and_then(|e| e["event"].as_str()),
                Some("run_start"),
                "{rel}"
            );
            let end = events.last().expect("events");
            assert_eq!(end["event"], "run_end", "{rel}");
            assert_eq!(end["outcome"], "success", "{rel}");
            ran += 1;
        }
    }
    assert!(ran >= 2, "found no procedures to run");
}

/// The journal of the start example, parked: timestamps are simulated, so
/// it is the same on every run (call durations are redacted).
#[test]
fn start_journal_snapshot() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let journal = tmp.path().join("j.jsonl");
    let j = journal.to_string_lossy().to_string();
    let o = rbk(&[
        "exec",
        "--sim=parked",
        "--site",
        "sites/examples.toml",
        "--journal",
        &j,
        "examples/start.rbk",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let lines: Vec<String> = journal_events(&journal)
        .into_iter()
        .map(|mut e| {
            if e.get("ms").is_some() {
                e["ms"] = serde_json::json!("[ms]");
            }
            e.to_string()
        })
        .collect();
    insta::assert_snapshot!("start_parked_journal", lines.join("\n"));
}

#[test]
fn the_journal_says_what_the_terminal_said_about_expectations() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let journal = tmp.path().join("j.jsonl");
    let j = journal.to_string_lossy().to_string();
    let o = rbk(&[
        "exec",
        "--sim=lb-error",
        "--site",
        "sites/capi-mgmt.toml",
        "--journal",
        &j,
        "procedures/verify.rbk",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("ALARM: LB provisioning ERROR, operating ONLINE"),
        "{out}"
    );
    let events = journal_events(&journal);
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "expectation" && e["verdict"] == "alarm"),
        "no alarm expectation in the journal"
    );
    assert!(events
        .iter()
        .any(|e| e["event"] == "decision" && e["taken"] == "needs_lb_repair"));
}

#[test]
fn a_failed_builtin_exits_1_and_names_the_call() {
    // Starting an ACTIVE server: Nova refuses with 409.
    let o = rbk(&[
        "exec",
        "--sim=healthy",
        "--site",
        "sites/examples.toml",
        "examples/start.rbk",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("RBK901"), "{err}");
    assert!(err.contains("openstack.server.start failed"), "{err}");
    assert!(err.contains("Cannot 'start' instance"), "{err}");
}

#[test]
fn confirm_without_a_terminal_or_yes_refuses_with_rbk906() {
    let o = rbk(&[
        "exec",
        "--sim=healthy",
        "--site",
        "sites/capi-mgmt.toml",
        "procedures/parking.rbk",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("RBK906"),
        "{}",
        text(&o)
    );
}

#[test]
fn dry_run_shows_and_skips_mutations() {
    let o = rbk(&[
        "exec",
        "--sim=healthy",
        "--site",
        "sites/capi-mgmt.toml",
        "--dry-run",
        "procedures/parking.rbk",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("would run: openstack server stop capi-mgmt-v2"),
        "{out}"
    );
}

#[test]
fn bad_site_and_params_exit_2_naming_the_field() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let missing = tmp.path().join("missing.toml");
    std::fs::write(&missing, "project_id = \"p\"\n").expect("write");
    let o = rbk(&[
        "exec",
        "--sim",
        "--site",
        &missing.to_string_lossy(),
        "examples/start.rbk",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("RBK905") && err.contains("mgmt_fip") && err.contains("missing.toml"),
        "{err}"
    );

    let wrong = tmp.path().join("wrong.toml");
    std::fs::write(&wrong, "project_id = 3\nmgmt_fip = \"x\"\n").expect("write");
    let o = rbk(&[
        "exec",
        "--sim",
        "--site",
        &wrong.to_string_lossy(),
        "examples/start.rbk",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("`project_id` must be str"),
        "{}",
        text(&o)
    );

    let unknown = tmp.path().join("unknown.toml");
    std::fs::write(
        &unknown,
        "project_id = \"p\"\nmgmt_fip = \"x\"\nextra = 1\n",
    )
    .expect("write");
    let o = rbk(&[
        "exec",
        "--sim",
        "--site",
        &unknown.to_string_lossy(),
        "examples/start.rbk",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("unknown field `extra`"),
        "{}",
        text(&o)
    );

    let o = rbk(&[
        "exec",
        "--sim",
        "--site",
        "sites/examples.toml",
        "--set",
        "attempts=many",
        "examples/start.rbk",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("attempts"),
        "{}",
        text(&o)
    );

    let o = rbk(&[
        "exec",
        "--sim",
        "--site",
        "sites/examples.toml",
        "--set",
        "nope=1",
        "examples/start.rbk",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    let o = rbk(&[
        "exec",
        "--sim=no-such-scenario",
        "--site",
        "sites/examples.toml",
        "examples/start.rbk",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn set_params_change_the_run() {
    // One status poll is not enough for a VM that takes 20 s to go ACTIVE.
    let o = rbk(&[
        "exec",
        "--sim=parked",
        "--site",
        "sites/examples.toml",
        "--set",
        "attempts=1",
        "examples/start.rbk",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("RBK903"),
        "{}",
        text(&o)
    );
}

#[test]
fn resume_skips_completed_steps_and_rechecks_gates() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let first = tmp.path().join("first.jsonl");
    let f = first.to_string_lossy().to_string();
    // First run: the VM starts and the gate passes.
    let o = rbk(&[
        "exec",
        "--sim=parked",
        "--site",
        "sites/examples.toml",
        "--journal",
        &f,
        "examples/start.rbk",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // Resume in a world where the VM is up: start_vm is skipped (starting an
    // ACTIVE VM again would fail with 409), the gate is checked again.
    let second = tmp.path().join("second.jsonl");
    let s = second.to_string_lossy().to_string();
    let o = rbk(&[
        "exec",
        "--sim=healthy",
        "--site",
        "sites/examples.toml",
        "--resume",
        &f,
        "--journal",
        &s,
        "examples/start.rbk",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let events = journal_events(&second);
    assert!(events
        .iter()
        .any(|e| e["event"] == "step_end" && e["step"] == "start_vm" && e["outcome"] == "skipped"));
    assert!(events
        .iter()
        .any(|e| e["event"] == "gate" && e["gate"] == "ssh_port_ok" && e["passed"] == true));
    assert!(!events
        .iter()
        .any(|e| e["builtin"] == "openstack.server.start"));
}
