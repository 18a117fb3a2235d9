//! `rbk exec --sim`: the real binary against the simulated cloud. Every
//! example and procedure runs to success in the scenario it is written for;
//! the journal is stable (virtual clock); bad input exits 2; failures exit 1.
use crate::support::said;
use crate::support::{self, root};
use std::path::{Path, PathBuf};
use std::process::Output;

const EXAMPLES_SITE: &str = "sites/examples.toml";
const CAPI_SITE: &str = "sites/capi-mgmt.toml";
const START: &str = "examples/start.rbk";

/// `rbk exec SIM --site SITE EXTRA... FILE`, where `sim` is the whole flag
/// (`--sim` or `--sim=SCENARIO`).
fn exec(sim: &str, site: &str, extra: &[&str], file: &str) -> Output {
    support::rbk(["exec", sim, "--site", site])
        .args(extra)
        .arg(file)
        .output()
        .expect("run rbk")
}

#[track_caller]
fn assert_exit(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "{}", said(o));
}

#[track_caller]
fn assert_stderr_has(o: &Output, needle: &str) {
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(needle),
        "stderr lacks {needle:?}:\n{}",
        said(o)
    );
}

/// A `--journal` file in its own temporary directory.
struct Journal {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Journal {
    fn new() -> Journal {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("j.jsonl");
        Journal { _dir: dir, path }
    }

    fn arg(&self) -> String {
        self.path.to_string_lossy().to_string()
    }

    fn events(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.path)
            .expect("journal written")
            .lines()
            .map(|l| serde_json::from_str(l).expect("each journal line is JSON"))
            .collect()
    }
}

fn has_event(events: &[serde_json::Value], pred: impl Fn(&serde_json::Value) -> bool) -> bool {
    events.iter().any(pred)
}

/// How a file under `dir` is rehearsed: the world it is written for, its
/// site file and `--set` values for params without a default.
struct World {
    scenario: &'static str,
    site: &'static str,
    params: &'static [&'static str],
}

fn world_for(dir: &str, file: &Path) -> World {
    let site = if dir == "examples" {
        EXAMPLES_SITE
    } else {
        CAPI_SITE
    };
    let world = |scenario| World {
        scenario,
        site,
        params: &[],
    };
    match file.file_stem().and_then(|s| s.to_str()) {
        Some("start") | Some("recovery") => world("parked"),
        Some("k8s-readiness") => world("cold-start"),
        Some("lb-repair") => world("lb-error"),
        Some("check-server") => World {
            params: &["--set", "server=capi-mgmt-v2"],
            ..world("healthy")
        },
        Some("host-maintenance") | Some("host-return") => World {
            scenario: if file.ends_with("host-return.rbk") {
                "scenarios/host-return.toml"
            } else {
                "scenarios/host-maintenance.toml"
            },
            site: "sites/compute.toml",
            params: &["--set", "host=compute-4"],
        },
        Some("amphora-rotation") => World {
            params: &["--set", "image=amphora-haproxy-2025.1"],
            ..world("scenarios/amphora-rotation.toml")
        },
        Some("node-reboot") => World {
            scenario: "scenarios/k8s-workers.toml",
            site: "sites/k8s-workers.toml",
            params: &["--set", "node=worker-2"],
        },
        Some("10-generic-builtins") => world("scenarios/generic-builtins.toml"),
        // The simulated cluster names its pods from a fixed seed.
        Some("recycle-pod") => World {
            params: &[
                "--set",
                "pod=api-b8zwrrf6z7-ht88z",
                "--set",
                "namespace=shop",
                "--set",
                "deployment=api",
            ],
            ..world("scenarios/generic-builtins.toml")
        },
        Some("rolling-reboot") => World {
            scenario: "scenarios/k8s-workers.toml",
            site: "sites/k8s-workers.toml",
            params: &[],
        },
        _ => world("healthy"),
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

#[test]
fn every_example_and_procedure_runs_under_sim() {
    let mut ran = 0;
    for dir in ["examples", "procedures"] {
        for file in rbk_files(dir) {
            let rel = file
                .strip_prefix(root())
                .expect("under root")
                .to_string_lossy()
                .to_string();
            let world = world_for(dir, &file);
            let sim = format!("--sim={}", world.scenario);
            let journal = Journal::new();
            let journal_arg = journal.arg();
            let mut extra = vec!["--yes", "--journal", &journal_arg];
            extra.extend(world.params);
            let o = exec(&sim, world.site, &extra, &rel);
            assert_eq!(o.status.code(), Some(0), "{rel} under {sim}:\n{}", said(&o));
            let events = journal.events();
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
    let journal = Journal::new();
    let o = exec(
        "--sim=parked",
        EXAMPLES_SITE,
        &["--journal", &journal.arg()],
        START,
    );
    assert_exit(&o, 0);
    let lines: Vec<String> = journal
        .events()
        .into_iter()
        .map(|mut e| {
            if e.get("ms").is_some() {
                e["ms"] = serde_json::json!("[ms]");
            }
            // A fresh id per run; the hashes change with every edit.
            for key in ["run", "source_hash", "node_hashes"] {
                if e.get(key).is_some() {
                    e[key] = serde_json::json!(format!("[{key}]"));
                }
            }
            e.to_string()
        })
        .collect();
    insta::assert_snapshot!("start_parked_journal", lines.join("\n"));
}

#[test]
fn the_journal_says_what_the_terminal_said_about_expectations() {
    let journal = Journal::new();
    let o = exec(
        "--sim=lb-error",
        CAPI_SITE,
        &["--journal", &journal.arg()],
        "procedures/verify.rbk",
    );
    assert_exit(&o, 0);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("ALARM: LB provisioning ERROR, operating ONLINE"),
        "{out}"
    );
    let events = journal.events();
    assert!(
        has_event(&events, |e| e["event"] == "expectation"
            && e["verdict"] == "alarm"),
        "no alarm expectation in the journal"
    );
    assert!(has_event(&events, |e| e["event"] == "decision"
        && e["taken"] == "needs_lb_repair"));
}

#[test]
fn a_failed_builtin_exits_1_and_names_the_call() {
    // Starting an ACTIVE server: Nova refuses with 409.
    let o = exec("--sim=healthy", EXAMPLES_SITE, &[], START);
    assert_exit(&o, 1);
    assert_stderr_has(&o, "RBK901");
    assert_stderr_has(&o, "openstack.server.start failed");
    assert_stderr_has(&o, "Cannot 'start' instance");
}

#[test]
fn a_program_with_check_errors_never_runs() {
    // Only a checked program runs: exit 1, the errors, and no run at all.
    let journal = Journal::new();
    let o = exec(
        "--sim=healthy",
        EXAMPLES_SITE,
        &["--journal", &journal.arg()],
        "examples/bad/RBK101-unknown-name.rbk",
    );
    assert_exit(&o, 1);
    assert_stderr_has(&o, "RBK101");
    assert_stderr_has(&o, "has errors; not running it (see `rbk check`)");
    assert!(
        !journal.path.exists(),
        "a journal was written:\n{}",
        said(&o)
    );
}

#[test]
fn confirm_without_a_terminal_or_yes_refuses_with_rbk906() {
    let o = exec("--sim=healthy", CAPI_SITE, &[], "procedures/parking.rbk");
    assert_exit(&o, 1);
    assert_stderr_has(&o, "RBK906");
}

#[test]
fn dry_run_shows_and_skips_mutations() {
    let o = exec(
        "--sim=healthy",
        CAPI_SITE,
        &["--dry-run"],
        "procedures/parking.rbk",
    );
    assert_exit(&o, 0);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("would run: openstack server stop capi-mgmt-v2"),
        "{out}"
    );
}

#[test]
fn bad_site_and_params_exit_2_naming_the_field() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = |name: &str, body: &str| {
        let path = tmp.path().join(name);
        std::fs::write(&path, body).expect("write");
        path.to_string_lossy().to_string()
    };

    let o = exec(
        "--sim",
        &site("missing.toml", "project_id = \"p\"\n"),
        &[],
        START,
    );
    assert_exit(&o, 2);
    assert_stderr_has(&o, "RBK905");
    assert_stderr_has(&o, "mgmt_fip");
    assert_stderr_has(&o, "missing.toml");

    let wrong = site("wrong.toml", "project_id = 3\nmgmt_fip = \"x\"\n");
    let o = exec("--sim", &wrong, &[], START);
    assert_exit(&o, 2);
    assert_stderr_has(&o, "`project_id` must be str");

    let unknown = site(
        "unknown.toml",
        "project_id = \"p\"\nmgmt_fip = \"x\"\nextra = 1\n",
    );
    let o = exec("--sim", &unknown, &[], START);
    assert_exit(&o, 2);
    assert_stderr_has(&o, "unknown field `extra`");

    let o = exec("--sim", EXAMPLES_SITE, &["--set", "attempts=many"], START);
    assert_exit(&o, 2);
    assert_stderr_has(&o, "attempts");

    let o = exec("--sim", EXAMPLES_SITE, &["--set", "nope=1"], START);
    assert_exit(&o, 2);

    let o = exec("--sim=no-such-scenario", EXAMPLES_SITE, &[], START);
    assert_exit(&o, 2);
}

/// `--sim` needs no site file: the simulated cloud names its project, VM,
/// floating IP, namespace, LB and cluster itself; a site file still wins.
#[test]
fn sim_without_a_site_file_uses_the_simulated_names() {
    let run = |args: &[&str]| support::rbk(args).output().expect("run rbk");
    let o = run(&["exec", "--sim", "examples/01-first-step.rbk"]);
    assert_exit(&o, 0);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("looking after capi-mgmt-v2 at 10.12.7.40"),
        "{}",
        said(&o)
    );

    let tmp = tempfile::tempdir().expect("tempdir");
    let site = tmp.path().join("site.toml");
    std::fs::write(
        &site,
        std::fs::read_to_string(root().join(EXAMPLES_SITE))
            .expect("site")
            .replace("10.12.7.40", "192.0.2.77"),
    )
    .expect("write");
    let site = site.to_string_lossy().to_string();
    let o = run(&[
        "exec",
        "--sim",
        "--site",
        &site,
        "examples/01-first-step.rbk",
    ]);
    assert_exit(&o, 0);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("at 192.0.2.77"),
        "{}",
        said(&o)
    );

    // Without --sim there is no simulated world to ask.
    let o = run(&["exec", "examples/01-first-step.rbk"]);
    assert_exit(&o, 2);
    assert_stderr_has(&o, "needs a site file");
}

#[test]
fn set_params_change_the_run() {
    // One status poll is not enough for a VM that takes 20 s to go ACTIVE.
    let o = exec(
        "--sim=parked",
        EXAMPLES_SITE,
        &["--set", "attempts=1"],
        START,
    );
    assert_exit(&o, 1);
    assert_stderr_has(&o, "RBK903");
}

#[test]
fn resume_skips_completed_steps_and_rechecks_gates() {
    // First run: the VM starts and the gate passes.
    let first = Journal::new();
    let o = exec(
        "--sim=parked",
        EXAMPLES_SITE,
        &["--journal", &first.arg()],
        START,
    );
    assert_exit(&o, 0);
    // Resume in a world where the VM is up: start_vm is skipped (starting an
    // ACTIVE VM again would fail with 409), the gate is checked again.
    let second = Journal::new();
    let o = exec(
        "--sim=healthy",
        EXAMPLES_SITE,
        &["--resume", &first.arg(), "--journal", &second.arg()],
        START,
    );
    assert_exit(&o, 0);
    let events = second.events();
    assert!(has_event(&events, |e| e["event"] == "step_end"
        && e["step"] == "start_vm"
        && e["outcome"] == "skipped"));
    assert!(has_event(&events, |e| e["event"] == "gate"
        && e["gate"] == "ssh_port_ok"
        && e["passed"] == true));
    assert!(!has_event(&events, |e| e["builtin"] == "openstack.server.start"));
}
