//! Rehearsals: the seed runbook's procedures run on the simulated cloud in
//! each failure situation the seed describes, asserting on the journal that
//! they end the way the seed says they should.
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
    fn run(scenario: &str, procedure: &str) -> Rehearsal {
        let dir = tempfile::tempdir().expect("temp dir");
        let journal = dir.path().join("journal.jsonl");
        let started = Instant::now();
        let out = rbk(["exec"])
            .arg(format!("--sim={scenario}"))
            .arg("--yes")
            .arg("--site")
            .arg(root().join("sites/capi-mgmt.toml"))
            .arg("--journal")
            .arg(&journal)
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

    fn of(&self, kind: &str) -> impl Iterator<Item = &Value> {
        let kind = kind.to_string();
        self.events
            .iter()
            .filter(move |e| e["event"] == kind.as_str())
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

    fn decisions(&self) -> Vec<String> {
        self.of("decision")
            .filter_map(|e| e["taken"].as_str().map(String::from))
            .collect()
    }

    fn outcome(&self) -> String {
        self.of("run_end")
            .last()
            .and_then(|e| e["outcome"].as_str())
            .unwrap_or("none")
            .to_string()
    }

    fn assert_success(&self) {
        assert_eq!(self.code, 0, "{}", self.context());
        assert_eq!(self.outcome(), "success", "{}", self.context());
        assert!(
            self.wall < Duration::from_secs(10),
            "took {:?} of wall time",
            self.wall
        );
    }

    /// Index of an event in the journal.
    fn position(&self, e: &Value) -> usize {
        self.events
            .iter()
            .position(|x| std::ptr::eq(x, e))
            .expect("event from this journal")
    }
}

/// Gates every full recovery passes, bottom up.
fn assert_bottom_up_gates(r: &Rehearsal) {
    for gate in ["ssh_port_ok", "k8s_ready", "cluster_available"] {
        assert!(
            r.gate_passed(gate),
            "gate {gate} not passed\n{}",
            r.context()
        );
    }
}

#[test]
fn healthy_skips_lb_repair() {
    let r = Rehearsal::run("healthy", "recovery.rbk");
    r.assert_success();
    assert_bottom_up_gates(&r);
    assert!(
        r.decisions().contains(&"final_verify".to_string()),
        "{}",
        r.context()
    );
    assert!(
        r.calls("openstack.loadbalancer.failover").is_empty(),
        "{}",
        r.context()
    );
    assert!(
        r.calls("openstack.server.delete").is_empty(),
        "{}",
        r.context()
    );
    // The VM was already running: no start.
    assert!(
        r.calls("openstack.server.start").is_empty(),
        "{}",
        r.context()
    );
}

#[test]
fn lb_error_fails_over_exactly_once() {
    let r = Rehearsal::run("lb-error", "recovery.rbk");
    r.assert_success();
    assert_bottom_up_gates(&r);
    assert!(
        r.decisions().contains(&"lb_repair".to_string()),
        "{}",
        r.context()
    );
    assert!(r.gate_passed("headroom"), "{}", r.context());
    let failovers = r.calls("openstack.loadbalancer.failover");
    assert_eq!(failovers.len(), 1, "{}", r.context());
    assert_eq!(
        failovers[0]["args"]["id"],
        "0f968008-2c6e-4d0a-9d43-7f3b5c1a8e21"
    );
    // The LB-timeout condition was explained, not left to memory.
    assert!(
        r.of("expectation").any(|e| e["verdict"] == "alarm"),
        "no alarm expectation reported\n{}",
        r.context()
    );
}

#[test]
fn zombies_are_deleted_each_after_its_recheck() {
    let r = Rehearsal::run("zombies", "recovery.rbk");
    r.assert_success();
    let deletes = r.calls("openstack.server.delete");
    assert_eq!(deletes.len(), 2, "both orphans deleted\n{}", r.context());
    // Verify-then-delete: an amphora list is read after the previous delete
    // (or the sweep's first read) and before each delete.
    let mut since = 0;
    for d in &deletes {
        let at = r.position(d);
        let rechecked = r.events[since..at]
            .iter()
            .filter(|e| {
                e["event"] == "call" && e["builtin"] == "openstack.loadbalancer.amphora.list"
            })
            .count();
        assert!(
            rechecked >= 1,
            "delete at {at} without a re-check since {since}\n{}",
            r.context()
        );
        since = at;
    }
    assert_eq!(
        r.calls("openstack.loadbalancer.failover").len(),
        1,
        "{}",
        r.context()
    );
}

#[test]
fn no_headroom_stops_before_any_failover() {
    let r = Rehearsal::run("no-headroom", "recovery.rbk");
    assert_eq!(r.code, 1, "{}", r.context());
    assert_eq!(r.outcome(), "failed", "{}", r.context());
    assert!(
        r.calls("openstack.loadbalancer.failover").is_empty(),
        "no failover against NoValidHost\n{}",
        r.context()
    );
    assert!(!r.gate_passed("headroom"), "{}", r.context());
    let said = format!("{}{}", r.stdout, r.stderr);
    assert!(
        said.contains("free at least"),
        "says what memory to free\n{}",
        r.context()
    );
    assert!(said.contains("NoValidHost"), "{}", r.context());
}

#[test]
fn no_headroom_with_zombie_sweep_frees_the_slot() {
    let r = Rehearsal::run("no-headroom-with-zombie", "recovery.rbk");
    r.assert_success();
    assert_eq!(
        r.calls("openstack.server.delete").len(),
        1,
        "{}",
        r.context()
    );
    assert!(r.gate_passed("headroom"), "{}", r.context());
    assert_eq!(
        r.calls("openstack.loadbalancer.failover").len(),
        1,
        "{}",
        r.context()
    );
}

#[test]
fn magnum_d042_is_reported_as_known_benign() {
    let r = Rehearsal::run("magnum-d042", "recovery.rbk");
    r.assert_success();
    assert!(
        r.of("expectation").any(|e| e["verdict"] == "benign"
            && e["observation"]
                .as_str()
                .is_some_and(|o| o.contains("Infrastructure resource not found."))),
        "{}",
        r.context()
    );
}

#[test]
fn parking_then_recovery_is_a_full_cycle() {
    let park = Rehearsal::run("healthy", "parking.rbk");
    park.assert_success();
    assert_eq!(
        park.calls("openstack.server.stop").len(),
        1,
        "{}",
        park.context()
    );
    // While parked, Magnum says UNHEALTHY with an EMPTY reason: explained.
    let parked = Rehearsal::run("parked", "parking.rbk");
    parked.assert_success();
    assert!(
        parked.calls("openstack.server.stop").is_empty(),
        "already SHUTOFF\n{}",
        parked.context()
    );
    assert!(
        parked.of("expectation").any(|e| e["observation"]
            .as_str()
            .is_some_and(|o| o.contains("reason EMPTY"))),
        "{}",
        parked.context()
    );
    let back = Rehearsal::run("parked", "recovery.rbk");
    back.assert_success();
    assert_eq!(
        back.calls("openstack.server.start").len(),
        1,
        "{}",
        back.context()
    );
    assert_bottom_up_gates(&back);
}

#[test]
fn every_procedure_runs_alone() {
    for (scenario, procedure) in [
        ("parked", "start.rbk"),
        ("cold-start", "k8s-readiness.rbk"),
        ("healthy", "verify.rbk"),
        ("lb-error", "lb-repair.rbk"),
        ("healthy", "final-verify.rbk"),
    ] {
        let r = Rehearsal::run(scenario, procedure);
        assert_eq!(r.code, 0, "{procedure} on {scenario}\n{}", r.context());
    }
}
