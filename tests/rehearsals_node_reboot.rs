//! Rehearsals of procedures/node-reboot.rbk on the simulator's Kubernetes
//! worlds (scenarios/k8s-workers*.toml): the good path, a drain a budget
//! never lets finish, and a node that never comes back Ready, asserting on
//! the journal.
use std::time::{Duration, Instant};

use crate::support::{rbk, root};
use serde_json::Value;

struct Rehearsal {
    code: i32,
    stdout: String,
    stderr: String,
    events: Vec<Value>,
    wall: Duration,
}

impl Rehearsal {
    fn run(scenario: &str, procedure: &str, sets: &[&str]) -> Rehearsal {
        let dir = tempfile::tempdir().expect("temp dir");
        let journal = dir.path().join("journal.jsonl");
        let started = Instant::now();
        let mut cmd = rbk(["exec"]);
        cmd.arg(format!(
            "--sim={}",
            root().join("scenarios").join(scenario).display()
        ))
        .arg("--yes")
        .arg("--site")
        .arg(root().join("sites/k8s-workers.toml"))
        .arg("--journal")
        .arg(&journal);
        for s in sets {
            if s.starts_with("--") {
                cmd.arg(s);
            } else {
                cmd.arg("--set").arg(s);
            }
        }
        let out = cmd
            .arg(root().join("procedures").join(procedure))
            .env("NO_COLOR", "1")
            .output()
            .expect("run rbk");
        let wall = started.elapsed();
        let text = std::fs::read_to_string(&journal).unwrap_or_default();
        let events = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("journal line {l:?}: {e}")))
            .collect();
        Rehearsal {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            events,
            wall,
        }
    }

    fn context(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}\n--- journal\n{}",
            self.code,
            self.stdout,
            self.stderr,
            self.events
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    }

    fn of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> {
        self.events.iter().filter(move |e| e["event"] == kind)
    }

    /// Successful calls of one builtin, in order.
    fn calls(&self, builtin: &str) -> Vec<&Value> {
        self.of("call")
            .filter(|e| e["builtin"] == builtin && e["ok"] == true)
            .collect()
    }

    fn gate_passed(&self, gate: &str) -> bool {
        self.of("gate")
            .any(|e| e["gate"] == gate && e["passed"] == true)
    }

    fn outcome(&self) -> String {
        self.of("run_end")
            .last()
            .and_then(|e| e["outcome"].as_str())
            .unwrap_or("none")
            .to_string()
    }

    fn position(&self, e: &Value) -> usize {
        self.events
            .iter()
            .position(|x| std::ptr::eq(x, e))
            .expect("event from this journal")
    }

    fn alarms(&self) -> Vec<String> {
        self.of("expectation")
            .filter(|e| e["verdict"] == "alarm")
            .filter_map(|e| e["id"].as_str().map(String::from))
            .collect()
    }
}

const WORKER_2: &str = "node=worker-2";

#[test]
fn good_path_reboots_one_node_and_returns_it() {
    let r = Rehearsal::run("k8s-workers.toml", "node-reboot.rbk", &[WORKER_2]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.outcome(), "success", "{}", r.context());
    assert!(r.wall < Duration::from_secs(10), "took {:?}", r.wall);
    for gate in ["ready_before", "back", "workloads"] {
        assert!(r.gate_passed(gate), "gate {gate}\n{}", r.context());
    }
    // In order: cordon, drain, reboot, uncordon, each once.
    let order: Vec<usize> = ["kube.cordon", "kube.drain", "ssh.run", "kube.uncordon"]
        .iter()
        .map(|b| {
            let calls = r.calls(b);
            assert_eq!(calls.len(), 1, "{b} once\n{}", r.context());
            r.position(calls[0])
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", r.context());
    let drain = r.calls("kube.drain")[0];
    assert_eq!(drain["args"]["node"], "worker-2");
    assert_eq!(drain["args"]["timeout"], "10m");
    let reboot = r.calls("ssh.run")[0];
    assert!(reboot["args"]["command"]
        .as_str()
        .is_some_and(|c| c.contains("reboot")));
    // It waited out NotReady (the benign expectation) before it came back.
    assert!(
        r.of("expectation")
            .any(|e| e["id"] == "not_ready_after_reboot" && e["verdict"] == "benign"),
        "{}",
        r.context()
    );
    assert!(r.alarms().is_empty(), "{}", r.context());
}

#[test]
fn a_budget_that_never_allows_stops_at_the_bound_before_the_reboot() {
    let r = Rehearsal::run(
        "k8s-workers-pdb-blocks.toml",
        "node-reboot.rbk",
        &[WORKER_2],
    );
    assert_ne!(r.code, 0, "{}", r.context());
    assert_eq!(r.outcome(), "aborted", "{}", r.context());
    let drain = r.calls("kube.drain");
    assert_eq!(drain.len(), 1, "{}", r.context());
    assert_eq!(r.alarms(), ["drain_blocked"], "{}", r.context());
    // Never rebooted, left cordoned for the owner to sort out.
    assert!(r.calls("ssh.run").is_empty(), "{}", r.context());
    assert!(r.calls("kube.uncordon").is_empty(), "{}", r.context());
    assert!(
        r.stderr.contains("disruption budget ledger") && r.stderr.contains("stays cordoned"),
        "{}",
        r.context()
    );
}

#[test]
fn a_node_that_never_comes_back_stays_cordoned() {
    let r = Rehearsal::run(
        "k8s-workers-stuck-node.toml",
        "node-reboot.rbk",
        &[WORKER_2],
    );
    assert_ne!(r.code, 0, "{}", r.context());
    assert_eq!(r.outcome(), "failed", "{}", r.context());
    assert_eq!(r.calls("ssh.run").len(), 1, "{}", r.context());
    assert!(!r.gate_passed("back"), "{}", r.context());
    assert!(r.calls("kube.uncordon").is_empty(), "{}", r.context());
    assert!(
        r.alarms().contains(&"cni_not_ready".to_string()),
        "{}",
        r.context()
    );
}

#[test]
fn an_unknown_node_is_refused_before_anything_changes() {
    let r = Rehearsal::run("k8s-workers.toml", "node-reboot.rbk", &["node=worker-9"]);
    assert_ne!(r.code, 0, "{}", r.context());
    assert!(r.calls("kube.cordon").is_empty(), "{}", r.context());
    assert!(r.stderr.contains("worker-9"), "{}", r.context());
}

#[test]
fn dry_run_walks_every_step_and_changes_nothing() {
    let r = Rehearsal::run(
        "k8s-workers.toml",
        "node-reboot.rbk",
        &[WORKER_2, "--dry-run"],
    );
    assert_eq!(r.code, 0, "{}", r.context());
    for b in ["kube.cordon", "kube.drain", "ssh.run", "kube.uncordon"] {
        let calls = r.calls(b);
        assert_eq!(calls.len(), 1, "{b}\n{}", r.context());
        assert_eq!(
            calls[0]["dry_run"],
            true,
            "{b} must be skipped\n{}",
            r.context()
        );
    }
    assert!(
        r.stdout
            .contains("would run: ssh ubuntu@10.20.0.12 'sudo systemctl reboot'"),
        "{}",
        r.context()
    );
}

/// The node each change was made to, in journal order: `cordon:worker-1`, ...
fn changes(r: &Rehearsal) -> Vec<String> {
    r.of("call")
        .filter(|e| e["ok"] == true)
        .filter_map(|e| {
            let b = e["builtin"].as_str()?;
            let what = b
                .strip_prefix("kube.")
                .filter(|w| matches!(*w, "cordon" | "drain" | "uncordon"));
            let what = match (what, b) {
                (Some(w), _) => w.to_string(),
                (None, "ssh.run") => "reboot".to_string(),
                _ => return None,
            };
            let step = e["step"].as_str().unwrap_or_default();
            let node = e["args"]["node"]
                .as_str()
                .map(str::to_string)
                .or_else(|| capture_node(step))?;
            Some(format!("{what}:{node}"))
        })
        .collect()
}

/// `node_reboot(node: "worker-2")/reboot` -> `worker-2`.
fn capture_node(step: &str) -> Option<String> {
    let rest = step.split_once("node: \"")?.1;
    Some(rest.split_once('"')?.0.to_string())
}

#[test]
fn rolling_reboot_takes_one_worker_at_a_time() {
    let r = Rehearsal::run("k8s-workers.toml", "rolling-reboot.rbk", &[]);
    assert_eq!(r.code, 0, "{}", r.context());
    assert_eq!(r.outcome(), "success", "{}", r.context());
    let mut want = Vec::new();
    for w in ["worker-1", "worker-2", "worker-3"] {
        for what in ["cordon", "drain", "reboot", "uncordon"] {
            want.push(format!("{what}:{w}"));
        }
    }
    assert_eq!(changes(&r), want, "{}", r.context());
    // The control plane is not part of the roll.
    assert!(!r.stdout.contains("cp-1"), "{}", r.context());
}

#[test]
fn rolling_reboot_stops_at_the_first_node_that_does_not_come_back() {
    let r = Rehearsal::run("k8s-workers-stuck-node.toml", "rolling-reboot.rbk", &[]);
    assert_ne!(r.code, 0, "{}", r.context());
    let changes = changes(&r);
    assert_eq!(
        changes.last().map(String::as_str),
        Some("reboot:worker-2"),
        "{}",
        r.context()
    );
    assert!(changes.contains(&"uncordon:worker-1".to_string()));
    assert!(
        !changes.iter().any(|c| c.ends_with("worker-3")),
        "{}",
        r.context()
    );
}
