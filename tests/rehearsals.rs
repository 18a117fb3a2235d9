//! Rehearsals: the seed runbook's procedures run on the simulated cloud in
//! each failure situation the seed describes, asserting on the journal that
//! they end the way the seed says they should.
use crate::support::rehearsal::Rehearsal;

/// A seed procedure on a built-in scenario, with the seed's site file.
fn seed(scenario: &str, procedure: &str) -> Rehearsal {
    Rehearsal::run(scenario, "capi-mgmt.toml", procedure, &[])
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
    let r = seed("healthy", "recovery.rbk");
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
    let r = seed("lb-error", "recovery.rbk");
    r.assert_success();
    assert_bottom_up_gates(&r);
    // No arm holds (the one arm skips Step 5), so the run falls into it.
    assert!(
        !r.decisions().contains(&"final_verify".to_string()),
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

/// The README's first command: verify's decision sends the run to Step 5,
/// and that arm no longer falls through into "stack green" (RBK206).
#[test]
fn verify_arms_are_exclusive() {
    let r = seed("zombies", "recovery.rbk");
    r.assert_success();
    let logs: Vec<&str> = r.of("log").filter_map(|e| e["message"].as_str()).collect();
    assert!(
        logs.iter().any(|m| m.starts_with("LB repair needed")),
        "{}",
        r.context()
    );
    assert!(
        !logs.iter().any(|m| m.starts_with("stack green")),
        "the repair arm fell into stack_green\n{}",
        r.context()
    );
    let green_skipped = r
        .of("step_end")
        .any(|e| e["step"] == "stack_green" && e["outcome"] == "skipped");
    assert!(green_skipped, "{}", r.context());
    let d = r.decisions();
    let at = d.iter().position(|t| t == "needs_lb_repair");
    assert!(
        at.is_some_and(|i| d.get(i + 1).map(String::as_str) == Some("end")),
        "{d:?}"
    );
    // Step 5 still runs after verify: the failover happened.
    assert_eq!(
        r.calls("openstack.loadbalancer.failover").len(),
        1,
        "{}",
        r.context()
    );
}

#[test]
fn zombies_are_deleted_each_after_its_recheck() {
    let r = seed("zombies", "recovery.rbk");
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
    let r = seed("no-headroom", "recovery.rbk");
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
    let r = seed("no-headroom-with-zombie", "recovery.rbk");
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
    let r = seed("magnum-d042", "recovery.rbk");
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
    let park = seed("healthy", "parking.rbk");
    park.assert_success();
    assert_eq!(
        park.calls("openstack.server.stop").len(),
        1,
        "{}",
        park.context()
    );
    // While parked, Magnum says UNHEALTHY with an EMPTY reason: explained.
    let parked = seed("parked", "parking.rbk");
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
    let back = seed("parked", "recovery.rbk");
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
        let r = seed(scenario, procedure);
        assert_eq!(r.code, 0, "{procedure} on {scenario}\n{}", r.context());
    }
}
