//! `rbk fleet run` and `rbk fleet plan --format json`, end to end against the
//! built binary: the three sites of `sites/fleet/` rehearsed on `--sim`
//! (the `no-headroom` scenario makes a site fail at its `headroom` gate), a
//! site locked by another run, resume after a failure and after Ctrl-C.
use crate::support::said;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{rbk, root};

const SITES: [&str; 3] = [
    "sites/fleet/eu-north.toml",
    "sites/fleet/eu-west.toml",
    "sites/fleet/us-east.toml",
];

/// `rbk fleet run --sim procedures/recovery.rbk --sites <the three sites>`
/// with `extra` flags, journals in `dir`, locks in `dir/locks`.
fn fleet(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "fleet",
        "run",
        "--sim",
        "procedures/recovery.rbk",
        "--sites",
    ];
    args.extend(SITES);
    args.extend(extra);
    rbk(&args)
        .env("RBK_LOCK_DIR", dir.join("locks"))
        .output()
        .expect("run rbk fleet")
}

fn journal_dir(dir: &Path) -> String {
    dir.join("journals").display().to_string()
}

/// The summary row of `site` (the line after the summary's header naming it).
fn result_of(out: &str, site: &str) -> String {
    let summary = out.split("JOURNAL\n").nth(1).expect("a summary table");
    summary
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{site} ")))
        .unwrap_or_else(|| panic!("no row for {site} in:\n{out}"))
        .to_string()
}

/// The outcomes of the runs a site's journal holds.
fn runs(dir: &Path, site: &str) -> Vec<String> {
    let path = dir.join("journals").join(format!("{site}.jsonl"));
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["event"] == "run_end")
        .map(|e| e["outcome"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The line where `site` first shows as running.
fn started_at(out: &str, site: &str) -> usize {
    out.lines()
        .position(|l| l.starts_with(site) && l.contains("running"))
        .unwrap_or_else(|| panic!("{site} never ran:\n{out}"))
}

#[test]
fn every_site_runs_after_the_canary_and_each_keeps_its_journal() {
    let dir = tempfile::tempdir().unwrap();
    let jd = journal_dir(dir.path());
    let o = fleet(
        dir.path(),
        &[
            "--canary",
            "eu-west",
            "--parallel",
            "2",
            "--journal-dir",
            &jd,
        ],
    );
    let out = said(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("canary eu-west, 2 at a time"), "{out}");
    assert!(
        out.contains("FLEET DONE: `recovery` on 3 site(s): 3 done"),
        "{out}"
    );
    // The canary ran first and alone: it was done before any other started.
    let canary_done = out
        .lines()
        .position(|l| l.starts_with("eu-west") && l.trim_end().ends_with("done"))
        .expect("the canary finished");
    assert!(started_at(&out, "eu-west") < canary_done);
    for other in ["eu-north", "us-east"] {
        assert!(started_at(&out, other) > canary_done, "{out}");
        assert!(result_of(&out, other).contains("done"), "{out}");
    }
    // A line per change: the step each site was in.
    assert!(out.contains("running step "), "{out}");
    for site in ["eu-north", "eu-west", "us-east"] {
        assert_eq!(runs(dir.path(), site), ["success"]);
        let show = rbk(["journal", "show", &format!("{jd}/{site}.jsonl")])
            .output()
            .unwrap();
        assert!(show.status.success(), "{}", said(&show));
        assert!(
            Path::new(&jd).join(format!("{site}.log")).exists(),
            "each site's output is kept"
        );
    }
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(&jd).join("plan.json")).unwrap())
            .unwrap();
    assert_eq!(plan["canary"], "eu-west");
}

#[test]
fn a_failing_canary_stops_the_fleet_before_anything_else_runs() {
    let dir = tempfile::tempdir().unwrap();
    let jd = journal_dir(dir.path());
    let o = fleet(
        dir.path(),
        &[
            "--sim-scenario",
            "eu-north=no-headroom",
            "--keep-going",
            "--parallel",
            "3",
            "--journal-dir",
            &jd,
        ],
    );
    let out = said(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("canary eu-north"),
        "the first site by default: {out}"
    );
    assert!(
        result_of(&out, "eu-north").contains("failed at step headroom"),
        "{out}"
    );
    assert!(
        out.contains("eu-north: No host clears"),
        "the failure's message: {out}"
    );
    for other in ["eu-west", "us-east"] {
        assert!(
            result_of(&out, other).contains("not run (the canary did not complete)"),
            "even with --keep-going: {out}"
        );
        assert!(runs(dir.path(), other).is_empty(), "{other} ran");
    }
    assert!(out.contains(&format!("--resume {jd}")), "{out}");
}

#[test]
fn a_failure_in_wave_two_stops_new_sites_unless_keep_going() {
    let failing = ["--sim-scenario", "eu-west=no-headroom", "--parallel", "1"];
    // Stop on failure (the default): us-east, after eu-west, never starts.
    let dir = tempfile::tempdir().unwrap();
    let jd = journal_dir(dir.path());
    let o = fleet(
        dir.path(),
        &[&failing[..], &["--journal-dir", &jd]].concat(),
    );
    let out = said(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(result_of(&out, "eu-north").contains("done"), "{out}");
    assert!(
        result_of(&out, "eu-west").contains("failed at step headroom"),
        "{out}"
    );
    assert!(
        result_of(&out, "us-east").contains("not run (stopped after a failure)"),
        "{out}"
    );
    assert!(runs(dir.path(), "us-east").is_empty());
    assert!(
        out.contains("FLEET NOT DONE: `recovery` on 3 site(s): 1 done, 1 failed, 1 not run"),
        "{out}"
    );
    // Keep going: us-east runs and completes; the fleet still fails.
    let dir = tempfile::tempdir().unwrap();
    let jd = journal_dir(dir.path());
    let o = fleet(
        dir.path(),
        &[&failing[..], &["--keep-going", "--journal-dir", &jd]].concat(),
    );
    let out = said(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(result_of(&out, "us-east").contains("done"), "{out}");
    assert_eq!(runs(dir.path(), "us-east"), ["success"]);
    assert_eq!(runs(dir.path(), "eu-west"), ["failed"]);
}

#[test]
fn a_locked_site_is_reported_and_not_run() {
    use rbk::interp::site_lock::{site_key, Holder, SiteLock};
    let dir = tempfile::tempdir().unwrap();
    let jd = journal_dir(dir.path());
    // Another operator's run holds us-east.
    let site = root().join("sites/fleet/us-east.toml");
    let (key, name) = site_key(Some(&site), None).unwrap();
    let held = SiteLock::acquire(
        &dir.path().join("locks"),
        &key,
        &Holder::me("lb_repair", &name),
    )
    .unwrap();
    let o = fleet(dir.path(), &["--journal-dir", &jd]);
    let out = said(&o);
    assert_eq!(
        o.status.code(),
        Some(4),
        "only a lock kept the fleet from done: {out}"
    );
    assert!(result_of(&out, "us-east").contains("locked"), "{out}");
    assert!(
        out.contains("us-east: site `us-east` is locked by") && out.contains("running `lb_repair`"),
        "the holder is named: {out}"
    );
    assert!(runs(dir.path(), "us-east").is_empty());
    for other in ["eu-north", "eu-west"] {
        assert_eq!(runs(dir.path(), other), ["success"], "{out}");
    }
    drop(held);
}

#[test]
fn a_fleet_resumes_after_a_failure_and_completed_sites_are_not_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let jd = journal_dir(dir.path());
    let o = fleet(
        dir.path(),
        &[
            "--sim-scenario",
            "eu-west=no-headroom",
            "--keep-going",
            "--journal-dir",
            &jd,
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", said(&o));
    // Without --resume, the journals are never overwritten.
    let again = fleet(dir.path(), &["--journal-dir", &jd]);
    assert_eq!(again.status.code(), Some(2), "{}", said(&again));
    assert!(said(&again).contains("pass --resume"), "{}", said(&again));
    // The headroom is fixed (the healthy scenario): resume the fleet.
    let o = fleet(dir.path(), &["--resume", &jd]);
    let out = said(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    for done in ["eu-north", "us-east"] {
        assert!(
            result_of(&out, done).contains("done (by an earlier run)"),
            "{out}"
        );
        assert_eq!(runs(dir.path(), done), ["success"], "{done} ran again");
    }
    assert!(result_of(&out, "eu-west").contains("done"), "{out}");
    assert_eq!(runs(dir.path(), "eu-west"), ["failed", "success"]);
    // The second run resumed the first: its completed steps were skipped.
    let journal = std::fs::read_to_string(Path::new(&jd).join("eu-west.jsonl")).unwrap();
    assert!(journal.contains("\"resumes\""), "{journal}");
    assert!(journal.contains("\"completed_by\""), "{journal}");
}

#[test]
fn bad_input_stops_the_fleet_before_any_site_runs() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "project_id = \"p\"\n").unwrap();
    let jd = journal_dir(dir.path());
    let o = rbk([
        "fleet",
        "run",
        "--sim",
        "procedures/recovery.rbk",
        "--journal-dir",
        &jd,
        "--sites",
        SITES[0],
        bad.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    let out = said(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.contains("site `bad`") && out.contains("missing field"),
        "{out}"
    );
    assert!(!Path::new(&jd).exists(), "nothing ran, nothing was written");
    // A procedure with errors runs nowhere, as `rbk exec` refuses it (exit 1).
    let broken = dir.path().join("broken.rbk");
    std::fs::write(
        &broken,
        "procedure p \"P\" {\n  step s \"S\" {\n    nope()\n  }\n}\n",
    )
    .unwrap();
    let o = rbk(["fleet", "run", "--sim", "--journal-dir", &jd])
        .arg(&broken)
        .args(["--sites", SITES[0]])
        .output()
        .unwrap();
    let out = said(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("RBK102") && out.contains("not running it on any site"),
        "{out}"
    );
    assert!(!Path::new(&jd).exists(), "nothing ran, nothing was written");
    for (args, says) in [
        (
            vec!["--canary", "nowhere"],
            "--canary nowhere: no such site",
        ),
        (vec!["--sim-scenario", "eu-west=nope"], "scenario nope"),
        (vec!["--set", "nope=1"], "no parameter `nope`"),
    ] {
        let o = fleet(dir.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{}", said(&o));
        assert!(said(&o).contains(says), "{}", said(&o));
    }
}

/// A real run (no --sim) on sites that touch no cloud: one quick step, then
/// a wait as long as `pause`.
const WAITER: &str = r#"
site {
  name: str "The site's name"
}

procedure waiter "Check, then hold the site for a while" {
  param pause: duration = 30s "How long to hold the site"

  step check "Check" {
    log "checking {site.name}"
  }

  step wait "Wait" {
    sleep(pause)
  }
}
"#;

#[test]
fn ctrl_c_stops_every_site_resumably_and_resume_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("waiter.rbk"), WAITER).unwrap();
    std::fs::create_dir(d.join("sites")).unwrap();
    for s in ["a", "b"] {
        std::fs::write(
            d.join("sites").join(format!("{s}.toml")),
            format!("name = \"{s}\"\n"),
        )
        .unwrap();
    }
    let run = |extra: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_rbk"));
        c.args([
            "fleet",
            "run",
            "waiter.rbk",
            "--sites",
            "sites",
            "--no-canary",
            "--parallel",
            "2",
        ])
        .args(extra)
        .current_dir(d)
        .env("RBK_LOCK_DIR", d.join("locks"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        c
    };
    let child = run(&["--journal-dir", "journals"]).spawn().unwrap();
    // Wait until both sites are in their wait step.
    let deadline = Instant::now() + Duration::from_secs(20);
    let waiting = |s: &str| {
        std::fs::read_to_string(d.join("journals").join(format!("{s}.jsonl")))
            .is_ok_and(|j| j.contains("\"step_start\",\"step\":\"wait\""))
    };
    while !(waiting("a") && waiting("b")) {
        assert!(
            Instant::now() < deadline,
            "the sites never reached their wait"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let o = child.wait_with_output().unwrap();
    let out = said(&o);
    assert_eq!(o.status.code(), Some(130), "{out}");
    let journals = PathBuf::from(d).join("journals");
    for s in ["a", "b"] {
        assert!(
            result_of(&out, s).contains("interrupted at step wait"),
            "{out}"
        );
        let j = std::fs::read_to_string(journals.join(format!("{s}.jsonl"))).unwrap();
        assert!(j.contains("\"outcome\":\"interrupted\""), "{j}");
    }
    // The procedure changed since: each site refuses to resume it blindly.
    let changed = WAITER.replace("checking {site.name}", "checking {site.name} again");
    std::fs::write(d.join("waiter.rbk"), changed).unwrap();
    let o = run(&["--resume", "journals", "--set", "pause=0s"])
        .output()
        .unwrap();
    let out = said(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(result_of(&out, "a").contains("error"), "{out}");
    assert!(out.contains("--accept-changed"), "{out}");
    // Resume, accepting the change, without the long wait this time.
    let o = run(&[
        "--resume",
        "journals",
        "--accept-changed",
        "--set",
        "pause=0s",
    ])
    .output()
    .unwrap();
    let out = said(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    for s in ["a", "b"] {
        let j = std::fs::read_to_string(journals.join(format!("{s}.jsonl"))).unwrap();
        assert!(
            j.contains("\"step\":\"check\",\"outcome\":\"skipped\""),
            "the completed step was not run again: {j}"
        );
        assert!(j.trim_end().ends_with("\"outcome\":\"success\"}"), "{j}");
    }
}

#[test]
fn the_json_plan() {
    let o = rbk([
        "fleet",
        "plan",
        "--format",
        "json",
        "--sim",
        "procedures/final-verify.rbk",
        "--sites",
        "sites/fleet",
        "--canary",
        "eu-west",
        "--parallel",
        "2",
        "--keep-going",
        "--sim-scenario",
        "us-east=no-headroom",
        "--secret",
        "us-east=us-east-admin",
        "--set",
        "check_workload=true",
        "--journal-dir",
        "journals/fleet",
        "--yes",
    ])
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let plan: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    insta::assert_json_snapshot!("json_plan", plan);
}

#[test]
fn status_without_a_kubeconfig_is_a_usage_error() {
    let o = rbk(["fleet", "status", "--kubeconfig", "/nonexistent/kubeconfig"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        said(&o).contains("kubeconfig /nonexistent/kubeconfig"),
        "{}",
        said(&o)
    );
}

/// The issue's own command, on a terminal (`script` gives it a
/// pseudo-terminal): the live table redraws its lines in place, and the
/// journals go to the default `journals/fleet-<time>` directory.
#[test]
fn on_a_terminal_the_fleet_shows_a_live_table() {
    let dir = tempfile::tempdir().unwrap();
    let sites: Vec<String> = SITES
        .iter()
        .map(|s| root().join(s).display().to_string())
        .collect();
    let command = format!(
        "{} fleet run --sim {} --sites {} --canary eu-west",
        env!("CARGO_BIN_EXE_rbk"),
        root().join("procedures/recovery.rbk").display(),
        sites.join(" ")
    );
    let o = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir.path())
        .env("TERM", "xterm")
        .env("RBK_LOCK_DIR", dir.path().join("locks"))
        .stdin(Stdio::null())
        .output()
        .expect("run `script` (util-linux/bsdutils; scripts/test installs it)");
    let out = said(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("\u{1b}[1A"), "lines redrawn in place: {out:?}");
    assert!(out.contains("running step "), "{out}");
    assert!(
        out.contains("FLEET DONE: `recovery` on 3 site(s): 3 done"),
        "{out}"
    );
    let fleets: Vec<_> = std::fs::read_dir(dir.path().join("journals"))
        .expect("the default journal directory")
        .flatten()
        .collect();
    assert_eq!(fleets.len(), 1);
    let name = fleets[0].file_name().to_string_lossy().to_string();
    assert!(name.starts_with("fleet-") && name.ends_with('Z'), "{name}");
    assert!(fleets[0].path().join("eu-west.jsonl").exists());
}

/// A real fleet (no --sim): two sites, each its own cloud (an `rbk sim
/// serve` each) reached with the credentials its site file names; each
/// site's `rbk exec` talks to its own cloud only.
#[test]
fn a_real_fleet_runs_each_site_against_its_own_cloud() {
    use crate::support::sim_serve::SimServe;
    let clouds = [
        SimServe::start("healthy", 1.0),
        SimServe::start("healthy", 1.0),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut sites = Vec::new();
    for (name, cloud) in ["north", "south"].iter().zip(&clouds) {
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(
            &path,
            format!(
                "admin_openrc = \"{}\"\nram_allocation_ratio = 1.5\nreserved_host_memory_mb = 8192\n",
                cloud.openrc().display()
            ),
        )
        .unwrap();
        sites.push(path.display().to_string());
    }
    let jd = journal_dir(dir.path());
    let o = rbk(["fleet", "run", "procedures/host-return.rbk", "--sites"])
        .args(&sites)
        .args(["--set", "host=compute-1", "--yes", "--parallel", "2"])
        .args(["--journal-dir", &jd])
        .env_remove("OS_CLOUD")
        .env("RBK_LOCK_DIR", dir.path().join("locks"))
        .output()
        .unwrap();
    let out = said(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(!out.contains("rehearsal"), "{out}");
    for (name, cloud) in ["north", "south"].iter().zip(&clouds) {
        assert_eq!(runs(dir.path(), name), ["success"], "{out}");
        let journal =
            std::fs::read_to_string(Path::new(&jd).join(format!("{name}.jsonl"))).unwrap();
        assert!(journal.contains("\"backend\":\"real\""), "{journal}");
        assert!(cloud.tokens_issued() >= 1, "{name}'s cloud was never asked");
    }
}

/// `--dry-run` reaches every site, and a dry run completes no site: the
/// fleet resumed for real runs every site.
#[test]
fn a_dry_run_fleet_completes_no_site() {
    let dir = tempfile::tempdir().unwrap();
    let jd = journal_dir(dir.path());
    let o = fleet(dir.path(), &["--dry-run", "--journal-dir", &jd]);
    let out = said(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("dry run"), "{out}");
    let journal = std::fs::read_to_string(Path::new(&jd).join("us-east.jsonl")).unwrap();
    assert!(journal.contains("\"dry_run\":true"), "{journal}");
    let o = fleet(dir.path(), &["--resume", &jd]);
    let out = said(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(!out.contains("by an earlier run"), "{out}");
    for site in ["eu-north", "eu-west", "us-east"] {
        assert_eq!(runs(dir.path(), site), ["success", "success"], "{out}");
    }
}
