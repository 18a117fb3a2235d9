//! Each scenario's story, driven with a virtual clock: the seed runbook's
//! situations must unfold with the seed's verified timings.
use std::time::Duration;

use super::ids::{KUBE_API_LB_ID, MGMT_VM_ID};
use super::world::{Ms, World, MINUTE, SECOND};
use super::{Scenario, SharedWorld};
use crate::clock::Clock;

fn world(name: &str) -> World {
    Scenario::named(name).unwrap().build(0).unwrap()
}

fn status_at(w: &mut World, id: &str, t: Ms) -> String {
    w.tick(t);
    w.server(id)
        .map(|s| s.status.clone())
        .unwrap_or_else(|| "GONE".into())
}

fn lb_status(w: &mut World, t: Ms) -> (String, String) {
    w.tick(t);
    let lb = w.lb(KUBE_API_LB_ID).unwrap();
    (lb.provisioning_status.clone(), lb.operating_status.clone())
}

#[test]
fn parked_vm_starts_active_in_20s_sshd_in_3_5_min_k8s_in_20_min() {
    let mut w = world("parked");
    assert_eq!(status_at(&mut w, MGMT_VM_ID, 0), "SHUTOFF");
    let (health, reason) = w.magnum_health(0);
    assert_eq!(health, "UNHEALTHY");
    assert!(reason.is_empty(), "parked: Magnum's reason is EMPTY");

    let t0 = 60 * SECOND;
    w.start_server(MGMT_VM_ID, t0).unwrap();
    assert_eq!(status_at(&mut w, MGMT_VM_ID, t0 + 10 * SECOND), "SHUTOFF");
    assert_eq!(status_at(&mut w, MGMT_VM_ID, t0 + 20 * SECOND), "ACTIVE");
    assert!(!w.mgmt_sshd_up(t0 + 3 * MINUTE));
    assert!(w.mgmt_sshd_up(t0 + 3 * MINUTE + 30 * SECOND));
    assert!(w.kube_api_status(t0 + 19 * MINUTE).is_err());
    assert!(!w.mgmt_k8s_ready(t0 + 20 * MINUTE));
    w.tick(t0 + 21 * MINUTE);
    assert!(w.mgmt_k8s_ready(t0 + 21 * MINUTE));
    assert!(w.kube_api_status(t0 + 21 * MINUTE).is_ok());
    let (_, reason) = w.magnum_health(t0 + 21 * MINUTE);
    assert_eq!(
        reason["infrastructure"],
        "Infrastructure resource not found."
    );
}

#[test]
fn cold_start_noise_then_ready() {
    let mut w = world("cold-start");
    let out = |w: &World, t: Ms| {
        super::guest::run(
            w,
            t,
            "uptime; sudo k8s status 2>&1 </dev/null | head -4",
            &String::new,
        )
    };
    w.tick(5 * MINUTE);
    let early = out(&w, 5 * MINUTE).stdout;
    assert!(early.contains("control.socket"), "{early}");
    w.tick(10 * MINUTE);
    let mid = out(&w, 10 * MINUTE).stdout;
    assert!(mid.contains("TLS handshake timeout"), "{mid}");
    let load: f64 = mid
        .split("load average: ")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(load > 90.0, "{mid}");
    w.tick(21 * MINUTE);
    let ready = out(&w, 21 * MINUTE).stdout;
    assert!(ready.contains("cluster status:           ready"), "{ready}");
    assert_eq!(ready.lines().count(), 5, "uptime + head -4: {ready}");
}

#[test]
fn stop_parks_the_vm_and_magnum_loses_its_reason() {
    let mut w = world("healthy");
    assert!(!w.magnum_health(0).1.is_empty());
    w.stop_server(MGMT_VM_ID, 0).unwrap();
    assert_eq!(status_at(&mut w, MGMT_VM_ID, 10 * SECOND), "SHUTOFF");
    assert!(w.kube_api_status(10 * SECOND).is_err());
    assert!(w.magnum_health(10 * SECOND).1.is_empty());
    // Starting an ACTIVE server is a conflict, as in Nova.
    let mut h = world("healthy");
    assert!(matches!(
        h.start_server(MGMT_VM_ID, 0),
        Err(super::WorldError::Conflict(_))
    ));
}

#[test]
fn lb_error_failover_reaches_active_in_108s_and_capi_clears_10_min_later() {
    let mut w = world("lb-error");
    assert_eq!(lb_status(&mut w, 0), ("ERROR".into(), "ONLINE".into()));
    let msg = w.capi_infrastructure_ready(0).unwrap_err();
    assert!(
        msg.contains("timed out waiting for load balancer") && msg.contains(KUBE_API_LB_ID),
        "{msg}"
    );
    let servers_before = w.servers.len();

    w.failover(KUBE_API_LB_ID, 0).unwrap();
    assert_eq!(lb_status(&mut w, 1).0, "PENDING_UPDATE");
    // The replacement is built before the old one is reaped: +1 server now.
    assert_eq!(w.servers.len(), servers_before + 1);
    assert!(matches!(
        w.failover(KUBE_API_LB_ID, 2 * SECOND),
        Err(super::WorldError::Conflict(_))
    ));
    // Brief kube-api blip mid-failover.
    assert!(w.kube_api_status(85 * SECOND).is_err());
    assert_eq!(
        lb_status(&mut w, 107 * SECOND),
        ("PENDING_UPDATE".into(), "ONLINE".into())
    );
    assert_eq!(
        lb_status(&mut w, 108 * SECOND),
        ("ACTIVE".into(), "ONLINE".into())
    );
    assert!(w.kube_api_status(108 * SECOND).is_ok());
    assert_eq!(w.servers.len(), servers_before, "old amphora reaped");
    assert_eq!(
        w.lb(KUBE_API_LB_ID).unwrap().vip_address,
        "10.6.0.200",
        "VIP kept"
    );
    assert!(w.amphorae.iter().all(|a| a.status == "ALLOCATED"));
    assert!(w.orphan_amphora_servers().is_empty());
    assert!(w
        .capi_infrastructure_ready(108 * SECOND + 9 * MINUTE)
        .is_err());
    assert!(w
        .capi_infrastructure_ready(108 * SECOND + 10 * MINUTE)
        .is_ok());
}

#[test]
fn zombies_are_listed_by_nova_not_octavia_and_deleting_frees_memory() {
    let mut w = world("zombies");
    let orphans: Vec<(String, String, Option<String>)> = w
        .orphan_amphora_servers()
        .iter()
        .map(|s| (s.id.clone(), s.status.clone(), s.host.clone()))
        .collect();
    let mut statuses: Vec<&str> = orphans.iter().map(|o| o.1.as_str()).collect();
    statuses.sort();
    assert_eq!(statuses, ["ACTIVE", "ERROR"]);
    for (id, _, host) in orphans {
        let host = host.unwrap();
        let used = |w: &World| {
            w.memory_mb_used(w.hypervisors.iter().find(|h| h.hostname == host).unwrap())
        };
        let before = used(&w);
        w.delete_server(&id, 0).unwrap();
        assert_eq!(used(&w), before - 1024);
    }
    assert!(w.orphan_amphora_servers().is_empty());
    assert_eq!(
        lb_status(&mut w, 0).0,
        "ERROR",
        "zombies come with lb-error"
    );
}

#[test]
fn no_headroom_failover_fails_fast_and_mints_an_orphan() {
    let mut w = world("no-headroom");
    assert!(w.host_with_room(1024).is_none());
    w.failover(KUBE_API_LB_ID, 0).unwrap();
    assert_eq!(lb_status(&mut w, 9 * SECOND).0, "PENDING_UPDATE");
    assert_eq!(
        lb_status(&mut w, 20 * SECOND),
        ("ERROR".into(), "ONLINE".into())
    );
    let orphans = w.orphan_amphora_servers();
    assert_eq!(orphans.len(), 1);
    assert_eq!(orphans[0].status, "ERROR");
    assert!(orphans[0]
        .fault
        .as_ref()
        .unwrap()
        .message
        .contains("No valid host"));
    assert!(w.log.iter().any(|l| l.message.contains("No valid host")));
    // Retrying blind mints another one (the seed's warning).
    w.failover(KUBE_API_LB_ID, 30 * SECOND).unwrap();
    w.tick(60 * SECOND);
    assert_eq!(w.orphan_amphora_servers().len(), 2);
}

#[test]
fn no_headroom_with_zombie_story_via_a_virtual_clock() {
    let clock = Clock::virtual_clock();
    let shared = SharedWorld::from_scenario(
        &Scenario::named("no-headroom-with-zombie").unwrap(),
        clock.clone(),
    )
    .unwrap();
    let advance = |d: Duration| {
        if let Clock::Virtual(v) = &clock {
            v.advance(d)
        }
    };
    let prov = || shared.read(|w, _| w.lb(KUBE_API_LB_ID).unwrap().provisioning_status.clone());

    // 1. Failover with no headroom -> ERROR plus one new orphan.
    let zombie = shared.read(|w, _| w.orphan_amphora_servers()[0].id.clone());
    shared
        .write(|w, now| w.failover(KUBE_API_LB_ID, now))
        .unwrap();
    advance(Duration::from_secs(20));
    assert_eq!(prov(), "ERROR");
    assert_eq!(shared.read(|w, _| w.orphan_amphora_servers().len()), 2);

    // 2. Delete the zombie -> the slot is free -> failover reaches ACTIVE.
    shared
        .write(|w, now| w.delete_server(&zombie, now))
        .unwrap();
    assert!(shared.read(|w, _| w.host_with_room(1024)).is_some());
    shared
        .write(|w, now| w.failover(KUBE_API_LB_ID, now))
        .unwrap();
    advance(Duration::from_secs(100));
    assert_eq!(prov(), "PENDING_UPDATE");
    advance(Duration::from_secs(8));
    assert_eq!(prov(), "ACTIVE");

    // 3. Cluster Available=True ~10 min later.
    assert!(shared
        .read(|w, now| w.capi_infrastructure_ready(now))
        .is_err());
    advance(Duration::from_secs(10 * 60));
    assert!(shared
        .read(|w, now| w.capi_infrastructure_ready(now))
        .is_ok());
    // 20 simulated minutes passed in no wall time at all.
    assert!(clock.sim_elapsed() >= Duration::from_secs(12 * 60));
}

#[test]
fn magnum_d042_is_only_the_cosmetic_signature() {
    let w = world("magnum-d042");
    let (status, reason) = w.magnum_health(0);
    assert_eq!(status, "UNHEALTHY");
    assert_eq!(
        reason["infrastructure"],
        "Infrastructure resource not found."
    );
    assert!(reason
        .iter()
        .filter(|(k, _)| k.ends_with(".Ready"))
        .all(|(_, v)| v == "True"));
    assert!(w.capi_infrastructure_ready(0).is_ok());
    assert!(w.orphan_amphora_servers().is_empty());
    assert!(w.host_with_room(1024).is_some());
}
