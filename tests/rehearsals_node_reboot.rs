//! Rehearsals of procedures/node-reboot.rbk on the simulator's Kubernetes
//! worlds (scenarios/k8s-workers*.toml): the good path, a drain a budget
//! never lets finish, and a node that never comes back Ready, asserting on
//! the journal.
use std::time::Duration;

use crate::support::rehearsal::Rehearsal;

/// A procedure on a Kubernetes world under scenarios/, with its site file.
fn workers(scenario: &str, procedure: &str, args: &[&str]) -> Rehearsal {
    Rehearsal::run(scenario, "k8s-workers.toml", procedure, args)
}

const WORKER_2: &str = "node=worker-2";

#[test]
fn good_path_reboots_one_node_and_returns_it() {
    let r = workers("k8s-workers.toml", "node-reboot.rbk", &[WORKER_2]);
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
    let r = workers(
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
    let r = workers(
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
    let r = workers("k8s-workers.toml", "node-reboot.rbk", &["node=worker-9"]);
    assert_ne!(r.code, 0, "{}", r.context());
    assert!(r.calls("kube.cordon").is_empty(), "{}", r.context());
    assert!(r.stderr.contains("worker-9"), "{}", r.context());
}

#[test]
fn dry_run_walks_every_step_and_changes_nothing() {
    let r = workers(
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
    let r = workers("k8s-workers.toml", "rolling-reboot.rbk", &[]);
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
    let r = workers("k8s-workers-stuck-node.toml", "rolling-reboot.rbk", &[]);
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
