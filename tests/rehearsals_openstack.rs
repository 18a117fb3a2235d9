//! Rehearsals of the maintenance procedures (host-maintenance.rbk,
//! host-return.rbk, amphora-rotation.rbk) on the simulated cloud: the built
//! binary runs each against its scenario files, and the journal must show
//! the good path, or the refusal each failure calls for.
use crate::support::rehearsal::Rehearsal;

fn maintenance(scenario: &str) -> Rehearsal {
    Rehearsal::run(
        scenario,
        "compute.toml",
        "host-maintenance.rbk",
        &["host=compute-4"],
    )
}

#[test]
fn host_maintenance_disables_then_migrates_each_server_off_one_at_a_time() {
    let r = maintenance("host-maintenance.toml");
    r.assert_outcome(0, "success");
    for gate in ["service_up", "capacity", "host_disabled", "empty"] {
        assert!(r.gate_passed(gate), "gate {gate}\n{}", r.context());
    }
    let disable = r.calls("openstack.compute.service.disable");
    assert_eq!(disable.len(), 1, "{}", r.context());
    assert_eq!(disable[0]["args"]["host"], "compute-4");
    assert_eq!(
        disable[0]["args"]["reason"],
        "maintenance (rbk host-maintenance)"
    );
    let migrations = r.calls("openstack.server.live_migrate");
    assert_eq!(migrations.len(), 3, "{}", r.context());
    // Disabled first; each migration only after the previous one settled
    // (a server.show poll between them) and after a capacity re-check.
    assert!(
        r.first("openstack.compute.service.disable") < r.first("openstack.server.live_migrate")
    );
    let at: Vec<usize> = r
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| e["event"] == "call" && e["builtin"] == "openstack.server.live_migrate")
        .map(|(i, _)| i)
        .collect();
    for pair in at.windows(2) {
        let between = &r.events[pair[0]..pair[1]];
        for needed in ["openstack.server.show", "openstack.hypervisor.list"] {
            assert!(
                between.iter().any(|e| e["builtin"] == needed),
                "no {needed} between two migrations\n{}",
                r.context()
            );
        }
    }
    assert!(r.says("compute-4 is empty and disabled"), "{}", r.context());
}

#[test]
fn host_maintenance_refuses_before_migrating_when_no_host_has_room() {
    let r = maintenance("host-maintenance-no-capacity.toml");
    r.assert_outcome(1, "failed");
    assert!(!r.gate_passed("capacity"), "{}", r.context());
    assert!(
        r.calls("openstack.compute.service.disable").is_empty(),
        "{}",
        r.context()
    );
    assert!(
        r.calls("openstack.server.live_migrate").is_empty(),
        "{}",
        r.context()
    );
    assert!(
        r.says("not enough room: 16384 MB to move"),
        "{}",
        r.context()
    );
    assert!(r.says("nothing was touched"), "{}", r.context());
}

#[test]
fn host_maintenance_stops_at_the_migration_that_errors() {
    let r = maintenance("host-maintenance-migration-error.toml");
    assert_eq!(r.code, 1, "{}", r.context());
    assert_ne!(r.outcome(), "success", "{}", r.context());
    let migrations = r.calls("openstack.server.live_migrate");
    // web-1 and web-2 moved; db-1's migration errored and nothing came after it.
    assert_eq!(migrations.len(), 3, "{}", r.context());
    assert!(!r.gate_passed("empty"), "{}", r.context());
    assert!(
        r.says("live migration of db-1 failed: it is ACTIVE on compute-4 again"),
        "{}",
        r.context()
    );
    assert!(r.says("compute-4 stays disabled"), "{}", r.context());
}

#[test]
fn host_return_enables_and_sees_the_host_schedulable() {
    let r = Rehearsal::run(
        "host-return.toml",
        "compute.toml",
        "host-return.rbk",
        &["host=compute-4"],
    );
    r.assert_outcome(0, "success");
    assert!(r.says("firmware update (CHG-2231)"), "{}", r.context());
    assert_eq!(r.calls("openstack.compute.service.enable").len(), 1);
    assert!(r.gate_passed("schedulable"), "{}", r.context());
}

fn rotation(scenario: &str) -> Rehearsal {
    Rehearsal::run(
        scenario,
        "capi-mgmt.toml",
        "amphora-rotation.rbk",
        &["image=amphora-haproxy-2025.1"],
    )
}

#[test]
fn amphora_rotation_fails_every_amphora_over_one_at_a_time() {
    let r = rotation("amphora-rotation.toml");
    r.assert_outcome(0, "success");
    let failovers = r.calls("openstack.loadbalancer.amphora.failover");
    // The seed's three SINGLE load balancers and web-lb's MASTER and BACKUP.
    assert_eq!(failovers.len(), 5, "{}", r.context());
    // Headroom re-checked and the LB back to ACTIVE before each next failover.
    let at: Vec<usize> = r
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e["event"] == "call" && e["builtin"] == "openstack.loadbalancer.amphora.failover"
        })
        .map(|(i, _)| i)
        .collect();
    for pair in at.windows(2) {
        let between = &r.events[pair[0]..pair[1]];
        assert!(between
            .iter()
            .any(|e| e["builtin"] == "openstack.hypervisor.list"));
        assert!(between
            .iter()
            .any(|e| e["builtin"] == "openstack.loadbalancer.show"));
    }
    assert!(r.gate_passed("rotated"), "{}", r.context());
    assert!(
        r.says("5 amphora(e), 0 not on amphora-haproxy-2025.1"),
        "{}",
        r.context()
    );
}

#[test]
fn amphora_rotation_stops_at_the_first_failover_in_error() {
    let r = rotation("amphora-rotation-error.toml");
    r.assert_outcome(1, "failed");
    let failovers = r.calls("openstack.loadbalancer.amphora.failover");
    // kube-api first (fine), then ingress ends in ERROR: nothing after it.
    assert_eq!(failovers.len(), 2, "{}", r.context());
    assert!(!r.gate_passed("rotated"), "{}", r.context());
    assert!(r.says("rotation STOPPED"), "{}", r.context());
}

#[test]
fn amphora_rotation_refuses_to_start_without_headroom() {
    // no-headroom: the kube-api LB is in ERROR and no host has room.
    let r = Rehearsal::run(
        "no-headroom",
        "capi-mgmt.toml",
        "amphora-rotation.rbk",
        &["image=amphora-haproxy-2025.1"],
    );
    assert_eq!(r.code, 1, "{}", r.context());
    assert!(r
        .calls("openstack.loadbalancer.amphora.failover")
        .is_empty());
}
