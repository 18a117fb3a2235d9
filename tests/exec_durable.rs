//! Issue 17 on the built binary: journals are append-only records, resume
//! chains carry completed steps forward, a changed procedure is refused, a
//! torn last line is tolerated and a corrupt one named, a journal that cannot
//! be written fails loudly (exit 3), one real run per site at a time (exit
//! 4), no silent waits under --sim, and `rbk journal show`.
use crate::support::{journal_events, said};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const CAPI_SITE: &str = "sites/capi-mgmt.toml";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rbk(args: &[&str]) -> Output {
    rbk_in(&root(), args, None)
}

fn rbk_in(dir: &Path, args: &[&str], locks: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rbk"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("OS_CLOUD")
        .stdin(Stdio::null());
    if let Some(l) = locks {
        cmd.env("RBK_LOCK_DIR", l);
    }
    cmd.output().expect("run rbk")
}

#[track_caller]
fn assert_exit(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "{}", said(o));
}

fn count(events: &[Value], pred: impl Fn(&Value) -> bool) -> usize {
    events.iter().filter(|e| pred(e)).count()
}

fn recovery(journal_flag: &str, journal: &Path) -> Output {
    rbk(&[
        "exec",
        "--sim=no-headroom",
        "--yes",
        "--site",
        CAPI_SITE,
        journal_flag,
        &journal.to_string_lossy(),
        "procedures/recovery.rbk",
    ])
}

#[test]
fn the_operators_three_runs_keep_one_record_and_never_redo_a_step() {
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("recovery.jsonl");
    // 1: stops at the headroom gate.
    assert_exit(&recovery("--journal", &j), 1);
    let first = journal_events(&j);
    let first_calls = count(&first, |e| e["event"] == "call");
    assert!(first_calls > 0);
    // The same file again without --resume: refused, not overwritten.
    let o = recovery("--journal", &j);
    assert_exit(&o, 2);
    assert!(
        said(&o).contains("never overwrites a journal"),
        "{}",
        said(&o)
    );
    assert_eq!(
        journal_events(&j),
        first,
        "the refused run left the record alone"
    );
    // 2 and 3: resumed twice, each appended to the same file.
    assert_exit(&recovery("--resume", &j), 1);
    assert_exit(&recovery("--resume", &j), 1);
    let all = journal_events(&j);
    assert_eq!(
        &all[..first.len()],
        &first[..],
        "earlier runs are kept as written"
    );
    let starts: Vec<&Value> = all.iter().filter(|e| e["event"] == "run_start").collect();
    assert_eq!(starts.len(), 3);
    assert!(starts[0]["run"].is_string());
    assert_eq!(starts[1]["resumes"], starts[0]["run"]);
    assert_eq!(starts[2]["resumes"], starts[1]["run"]);
    // start_vm was done once, by the first run; the third run still knows.
    assert_eq!(
        count(&all, |e| e["event"] == "step_start"
            && e["step"] == "start_vm"),
        1
    );
    let third: Vec<&Value> = all.iter().skip_while(|e| *e != starts[2]).collect();
    assert!(third.iter().any(|e| e["event"] == "step_end"
        && e["step"] == "start_vm"
        && e["outcome"] == "skipped"
        && e["completed_by"] == starts[0]["run"]));
    // The zombie sweep ran once too.
    assert_eq!(
        count(&all, |e| e["event"] == "step_start" && e["step"] == "sweep"),
        1
    );
    // --journal-mode append adds a fresh run (no `resumes`) to the file.
    let o = rbk(&[
        "exec",
        "--sim=no-headroom",
        "--yes",
        "--site",
        CAPI_SITE,
        "--journal-mode",
        "append",
        "--journal",
        &j.to_string_lossy(),
        "procedures/recovery.rbk",
    ]);
    assert_exit(&o, 1);
    let all = journal_events(&j);
    let last_start = all
        .iter()
        .rev()
        .find(|e| e["event"] == "run_start")
        .unwrap();
    assert!(last_start.get("resumes").is_none(), "{last_start}");
}

/// A copy of examples/start.rbk in its own folder, to edit.
fn start_copy(dir: &Path) -> PathBuf {
    std::fs::copy(root().join("examples/common.rbk"), dir.join("common.rbk")).unwrap();
    let p = dir.join("start.rbk");
    std::fs::copy(root().join("examples/start.rbk"), &p).unwrap();
    p
}

/// The first run starts the parked VM; a resumed run finds it up.
fn start(dir: &Path, extra: &[&str]) -> Output {
    let site = root().join("sites/examples.toml");
    let sim = if extra.contains(&"--resume") {
        "--sim=healthy"
    } else {
        "--sim=parked"
    };
    let mut args = vec!["exec", sim, "--site", site.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push("start.rbk");
    rbk_in(dir, &args, None)
}

#[test]
fn resume_refuses_another_procedure_and_a_changed_one_unless_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let p = start_copy(dir.path());
    assert_exit(&start(dir.path(), &["--journal", "j.jsonl"]), 0);
    // Another procedure's journal.
    let o = rbk(&[
        "exec",
        "--sim=parked",
        "--yes",
        "--site",
        CAPI_SITE,
        "--resume",
        &dir.path().join("j.jsonl").to_string_lossy(),
        "procedures/verify.rbk",
    ]);
    assert_exit(&o, 2);
    assert!(
        said(&o).contains("is a run of procedure `start`, not `verify`"),
        "{}",
        said(&o)
    );
    // Reformatting changes nothing that matters.
    let src = std::fs::read_to_string(&p).unwrap();
    let step_at = src
        .find("step start_vm")
        .expect("examples/start.rbk has step start_vm");
    let changed = format!(
        "{}{}",
        &src[..step_at],
        src[step_at..].replacen("log ", "log   ", 1)
    );
    std::fs::write(&p, &changed).unwrap();
    let o = start(
        dir.path(),
        &["--resume", "j.jsonl", "--journal", "layout.jsonl"],
    );
    assert_exit(&o, 0);
    // A real change to a step: refused, naming it; accepted with the flag.
    std::fs::write(&p, src.replacen("status=", "status is ", 1)).unwrap();
    let o = start(dir.path(), &["--resume", "j.jsonl"]);
    assert_exit(&o, 2);
    assert!(said(&o).contains("changed: `start_vm`"), "{}", said(&o));
    assert!(said(&o).contains("--accept-changed"), "{}", said(&o));
    let o = start(dir.path(), &["--resume", "j.jsonl", "--accept-changed"]);
    assert_exit(&o, 0);
    assert!(
        said(&o).contains("resuming a changed procedure (--accept-changed): changed: `start_vm`"),
        "{}",
        said(&o)
    );
}

#[test]
fn a_torn_last_line_is_ignored_and_a_corrupt_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    start_copy(dir.path());
    assert_exit(&start(dir.path(), &["--journal", "j.jsonl"]), 0);
    let j = dir.path().join("j.jsonl");
    let whole = std::fs::read_to_string(&j).unwrap();
    // Cut the journal in the middle of its last event, as a crash would.
    let torn = &whole[..whole.trim_end().len() - 10];
    std::fs::write(&j, torn).unwrap();
    let o = start(dir.path(), &["--resume", "j.jsonl"]);
    assert_exit(&o, 0);
    assert!(
        said(&o).contains("ignoring a line cut short"),
        "{}",
        said(&o)
    );
    let lines = events_lenient(&j);
    assert_eq!(
        count(&lines, |e| e["event"] == "run_start"),
        2,
        "appended after the torn line"
    );
    // A damaged line in the middle is not a crash artefact: an error naming it.
    let mut broken: Vec<String> = whole.lines().map(str::to_string).collect();
    broken[3] = "{\"event\": garbage".into();
    std::fs::write(&j, broken.join("\n") + "\n").unwrap();
    let o = start(dir.path(), &["--resume", "j.jsonl"]);
    assert_exit(&o, 2);
    assert!(
        said(&o).contains("line 4: not a journal event"),
        "{}",
        said(&o)
    );
}

fn events_lenient(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[test]
fn a_journal_that_cannot_be_written_is_loud_and_exits_3() {
    // /dev/full: every write fails with "No space left on device".
    let o = rbk(&[
        "exec",
        "--sim=parked",
        "--site",
        "sites/examples.toml",
        "--journal-mode",
        "append",
        "--journal",
        "/dev/full",
        "examples/start.rbk",
    ]);
    assert_exit(&o, 3);
    let t = said(&o);
    assert!(
        t.contains("warning: journal /dev/full: cannot write event `run_start`"),
        "{t}"
    );
    assert!(t.contains("JOURNAL INCOMPLETE"), "{t}");
    assert!(t.contains("SUCCESS"), "the run itself went on: {t}");
}

/// A real run (no --sim) that holds the site lock for a while and touches
/// no cloud.
const WAITER: &str = r#"
site {
  name: str "The site's name"
}

procedure waiter "Hold the site for a while" {
  step wait "Wait" {
    sleep(30s)
  }
}
"#;

#[test]
fn one_real_run_per_site_a_stale_lock_is_taken_over_and_sim_runs_need_none() {
    let dir = tempfile::tempdir().unwrap();
    let locks = dir.path().join("locks");
    std::fs::write(dir.path().join("waiter.rbk"), WAITER).unwrap();
    std::fs::write(dir.path().join("site.toml"), "name = \"prod-1\"\n").unwrap();
    let args = ["exec", "--site", "site.toml", "waiter.rbk"];
    let mut holder = Command::new(env!("CARGO_BIN_EXE_rbk"))
        .args(args)
        .current_dir(dir.path())
        .env("RBK_LOCK_DIR", &locks)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until it holds the lock (its holder line is written).
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_dir(&locks)
        .map(|d| {
            d.flatten()
                .any(|e| std::fs::metadata(e.path()).is_ok_and(|m| m.len() > 0))
        })
        .unwrap_or(false)
    {
        assert!(
            Instant::now() < deadline,
            "the first run never took the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let started = Instant::now();
    let o = rbk_in(dir.path(), &args, Some(&locks));
    assert_exit(&o, 4);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "refused at once"
    );
    let t = said(&o);
    assert!(t.contains("site `site` is locked by"), "{t}");
    assert!(
        t.contains(&format!("(pid {}) running `waiter` since", holder.id())),
        "{t}"
    );
    // A simulated run changes no site: no lock needed (a dry run neither).
    assert_exit(
        &rbk_in(
            dir.path(),
            &["exec", "--sim", "--site", "site.toml", "waiter.rbk"],
            Some(&locks),
        ),
        0,
    );
    // The holder dies without cleaning up: the next run on the site (any
    // procedure) takes the lock over.
    holder.kill().unwrap();
    holder.wait().unwrap();
    std::fs::write(
        dir.path().join("quick.rbk"),
        WAITER.replace("sleep(30s)", "log \"quick\""),
    )
    .unwrap();
    let o = rbk_in(
        dir.path(),
        &["exec", "--site", "site.toml", "quick.rbk"],
        Some(&locks),
    );
    assert_exit(&o, 0);
    assert!(
        said(&o).contains("took over the lock of site `site` from"),
        "{}",
        said(&o)
    );
    assert!(said(&o).contains("that process is gone"), "{}", said(&o));
}

#[test]
fn verify_on_a_parked_vm_ends_at_once_naming_the_unreachable_api() {
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("j.jsonl");
    let started = Instant::now();
    let o = rbk(&[
        "exec",
        "--sim=parked",
        "--site",
        CAPI_SITE,
        "--journal",
        &j.to_string_lossy(),
        "procedures/verify.rbk",
    ]);
    let wall = started.elapsed();
    assert_exit(&o, 1);
    assert!(wall < Duration::from_secs(2), "took {wall:?} of wall time");
    let t = said(&o);
    // Each attempt as it happens, what is tried and for how long.
    assert!(t.contains("kube.nodes: attempt 1 of 3 failed (https://10.12.7.40:6443: connection timed out after 10s"), "{t}");
    assert!(t.contains("attempt 3 of 3 failed"), "{t}");
    assert!(t.contains("giving up"), "{t}");
    // The diagnostic names the API and points at what explains it (read
    // without the line breaks and margins of the terminal rendering).
    let t: String = t
        .replace(['│', '·'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(t.contains("cannot reach https://10.12.7.40:6443"), "{t}");
    assert!(t.contains("expectation `mgmt_api_unreachable`"), "{t}");
    assert!(
        t.contains("this procedure applies: After `cluster status: ready`"),
        "{t}"
    );
    // Simulated time, not wall time: three 10 s connect timeouts.
    assert!(t.contains("simulated 31s"), "{t}");
    let ev = journal_events(&j);
    assert_eq!(
        count(&ev, |e| e["event"] == "retry"
            && e["builtin"] == "kube.nodes"),
        3
    );
}

#[test]
fn journal_show_prints_the_chain_as_text_markdown_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let j = dir.path().join("recovery.jsonl");
    assert_exit(&recovery("--journal", &j), 1);
    assert_exit(&recovery("--resume", &j), 1);
    let path = j.to_string_lossy().to_string();
    let o = rbk(&["journal", "show", &path]);
    assert_exit(&o, 0);
    let t = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        t.contains("Run 1 of 2:") && t.contains("Run 2 of 2:"),
        "{t}"
    );
    assert!(t.contains("procedure: recovery"), "{t}");
    assert!(t.contains("⤼ start_vm: already completed by run"), "{t}");
    assert!(t.contains("gate headroom DID NOT PASS"), "{t}");
    let o = rbk(&["journal", "show", "--format", "md", &path]);
    assert_exit(&o, 0);
    let md = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        md.starts_with("## As-executed: `recovery` (2 runs)"),
        "{md}"
    );
    assert!(md.contains("| time | event |"), "{md}");
    let o = rbk(&["journal", "show", "--format", "json", "--last", &path]);
    assert_exit(&o, 0);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["runs"].as_array().map(Vec::len), Some(1));
    assert_eq!(doc["runs"][0]["outcome"], "failed");
    assert!(doc["runs"][0]["resumes"].is_string());
    // Not a journal: exit 2 naming the line.
    std::fs::write(dir.path().join("bad.jsonl"), "hello\n{}\n").unwrap();
    let o = rbk(&[
        "journal",
        "show",
        &dir.path().join("bad.jsonl").to_string_lossy(),
    ]);
    assert_exit(&o, 2);
    assert!(
        said(&o).contains("line 1: not a journal event"),
        "{}",
        said(&o)
    );
}
