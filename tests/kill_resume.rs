//! Issue 17's crash test: `rbk exec` (real clients) against `rbk sim serve`,
//! killed with SIGKILL at random points and resumed from its journal until
//! the run completes, over and over (at least 50 kills). Over every chain:
//! no step completed by one run starts again in a later one; no step is
//! recorded complete unless the step ran to its end in that run; every
//! world-changing call was journaled (and synced) as an intent before it was
//! sent; no destructive call is sent without its verify-then-delete re-check
//! in the same run, and no server is deleted twice.
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::sim_serve::SimServe;
use serde_json::Value;

const KILLS: usize = 50;
const SPEED: f64 = 200.0;

/// A small deterministic generator (the seed is printed on failure).
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// The journal's runs; torn lines (a kill mid-write) are left out.
fn runs(journal: &Path) -> Vec<Vec<Value>> {
    let text = std::fs::read_to_string(journal).unwrap_or_default();
    let mut runs: Vec<Vec<Value>> = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(ev) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if ev["event"] == "run_start" {
            runs.push(Vec::new());
        }
        runs.last_mut()
            .expect("a journal starts with run_start")
            .push(ev);
    }
    runs
}

fn check_chain(runs: &[Vec<Value>], context: &str) {
    // Gates are re-checked by every resumed run, by design: only steps must
    // never run twice.
    let gates: Vec<&str> = runs
        .iter()
        .flatten()
        .filter(|ev| ev["event"] == "gate")
        .filter_map(|ev| ev["gate"].as_str())
        .collect();
    let mut completed: Vec<String> = Vec::new();
    let mut deleted: Vec<String> = Vec::new();
    for (r, run) in runs.iter().enumerate() {
        let mut current: Option<String> = None;
        let mut calls_in_step: Vec<&Value> = Vec::new();
        let mut intents: Vec<&Value> = Vec::new();
        for ev in run {
            let step = ev["step"].as_str().unwrap_or_default().to_string();
            match ev["event"].as_str().unwrap_or_default() {
                "step_start" => {
                    assert!(
                        gates.contains(&step.as_str()) || !completed.contains(&step),
                        "run {r}: `{step}` starts again after an earlier run completed it\n{context}"
                    );
                    current = Some(step);
                    calls_in_step.clear();
                }
                "step_end" if ev["outcome"] == "ok" => {
                    assert_eq!(
                        current.as_deref(),
                        Some(step.as_str()),
                        "run {r}: `{step}` recorded complete but never started in this run\n{context}"
                    );
                    assert!(
                        calls_in_step.iter().all(|c| c["ok"] == true),
                        "run {r}: `{step}` recorded complete after a failed call\n{context}"
                    );
                    completed.push(step);
                    current = None;
                }
                "step_end" if ev["completed_by"].is_string() => {
                    assert!(
                        completed.contains(&step),
                        "run {r}: `{step}` skipped as completed, but no run completed it\n{context}"
                    );
                }
                "call_intent" => intents.push(ev),
                "call" => {
                    let builtin = ev["builtin"].as_str().unwrap_or_default();
                    if matches!(
                        builtin,
                        "openstack.server.delete" | "openstack.loadbalancer.failover"
                    ) {
                        assert!(
                            intents
                                .iter()
                                .any(|i| i["builtin"] == ev["builtin"] && i["args"] == ev["args"]),
                            "run {r}: {builtin} sent without its intent journaled first\n{context}"
                        );
                    }
                    if builtin == "openstack.server.delete" {
                        // The verify-then-delete re-check: the last call before
                        // this delete re-read Octavia's amphora list.
                        let last = calls_in_step.last().map(|c| c["builtin"].clone());
                        assert_eq!(
                            last,
                            Some(Value::from("openstack.loadbalancer.amphora.list")),
                            "run {r}: a delete without its re-check right before it\n{context}"
                        );
                        let id = ev["args"]["id"].to_string();
                        if ev["ok"] == true {
                            assert!(
                                !deleted.contains(&id),
                                "run {r}: server {id} deleted twice\n{context}"
                            );
                            deleted.push(id);
                        }
                    }
                    calls_in_step.push(ev);
                }
                _ => {}
            }
        }
    }
}

#[test]
fn sigkill_at_random_points_then_resume_never_repeats_or_invents_work() {
    let seed = std::env::var("RBK_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(17);
    let mut rng = Lcg(seed);
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let locks = dir.path().join("locks");
    let mut sim = SimServe::start("zombies", SPEED);
    let procedure = dir.path().join("kill-resume.rbk");
    let fixture = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kill-resume.rbk"),
    )
    .expect("fixture");
    std::fs::write(
        &procedure,
        fixture.replace("OPENRC", &sim.openrc().to_string_lossy()),
    )
    .expect("write procedure");
    let (mut kills, mut chains, mut runs_total) = (0, 0, 0);
    while kills < KILLS {
        chains += 1;
        if chains > 1 {
            // A fresh world (two orphans, an LB in ERROR) for each chain.
            sim = sim.restart("zombies", SPEED);
        }
        let journal = dir.path().join(format!("chain-{chains}.jsonl"));
        let mut first = true;
        loop {
            assert!(
                runs_total < 40 * KILLS,
                "seed {seed}: a chain never completes"
            );
            runs_total += 1;
            // A run killed before its `run_start` reached the file did
            // nothing: the operator starts afresh.
            if !first && runs(&journal).is_empty() {
                let _ = std::fs::remove_file(&journal);
                first = true;
            }
            let flag = if first { "--journal" } else { "--resume" };
            first = false;
            let mut child = Command::new(env!("CARGO_BIN_EXE_rbk"))
                .args(["exec", "--yes", "--quiet", flag])
                .arg(&journal)
                .arg(&procedure)
                .env("RBK_LOCK_DIR", &locks)
                .env("NO_COLOR", "1")
                .env_remove("OS_CLOUD")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("run rbk exec");
            let kill_at = Instant::now() + Duration::from_millis(10 + rng.below(700));
            let status = loop {
                if let Some(s) = child.try_wait().expect("wait") {
                    break Some(s);
                }
                if Instant::now() >= kill_at {
                    break None;
                }
                std::thread::sleep(Duration::from_millis(2));
            };
            match status {
                None => {
                    child.kill().expect("SIGKILL");
                    child.wait().expect("reap");
                    kills += 1;
                }
                Some(s) => {
                    let out = child.wait_with_output().expect("output");
                    assert_eq!(
                        s.code(),
                        Some(0),
                        "seed {seed}, chain {chains}: a resumed run failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    break;
                }
            }
        }
        let runs = runs(&journal);
        let context = format!(
            "seed {seed}, chain {chains}:\n{}",
            std::fs::read_to_string(&journal).unwrap_or_default()
        );
        check_chain(&runs, &context);
        let last = runs
            .last()
            .and_then(|r| r.last())
            .cloned()
            .unwrap_or_default();
        assert_eq!(last["outcome"], "success", "{context}");
    }
    eprintln!(
        "{kills} kills over {chains} chains ({runs_total} runs) in {:.1}s",
        started.elapsed().as_secs_f64()
    );
}
