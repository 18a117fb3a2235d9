//! The seed runbook's `openstack` commands, run by the stock
//! python-openstackclient (with the octavia and magnum plugins) against
//! `rbk sim serve`, asserting on what they print.
mod sim_support;

use std::time::Duration;

use sim_support::{Scope, Sim, CAPI_PROJECT};

fn server_status(sim: &Sim) -> String {
    sim.os_ok(
        Scope::Capi,
        &[
            "server",
            "show",
            "capi-mgmt-v2",
            "-f",
            "value",
            "-c",
            "status",
        ],
    )
    .trim()
    .to_string()
}

/// Sections 1 and 2: park the VM, start it, poll until ACTIVE (~20 s).
#[test]
fn park_then_start_the_mgmt_vm() {
    let sim = Sim::start("healthy", 10.0);
    assert_eq!(server_status(&sim), "ACTIVE");

    // 1. Parking, in capi-mgmt scope.
    sim.os_ok(Scope::Capi, &["server", "stop", "capi-mgmt-v2"]);
    sim.wait_for(Duration::from_secs(20), "SHUTOFF", || {
        (server_status(&sim) == "SHUTOFF").then_some(())
    });
    // Starting it twice is Nova's 409.
    let (ok, _, err) = sim.openstack(Scope::Capi, &["server", "stop", "capi-mgmt-v2"]);
    assert!(!ok && err.contains("409"), "{err}");

    // 2. Start + status poll.
    sim.os_ok(Scope::Capi, &["server", "start", "capi-mgmt-v2"]);
    sim.wait_for(Duration::from_secs(30), "ACTIVE", || {
        (server_status(&sim) == "ACTIVE").then_some(())
    });
    let state = sim.state();
    let vm = state["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "capi-mgmt-v2")
        .unwrap()
        .clone();
    let boot_ms = state["mgmt"]["boot_at_ms"].as_i64().unwrap();
    let launched = vm["launched"].as_i64().unwrap();
    assert!(
        (launched - boot_ms - 20_000).abs() <= 1000,
        "ACTIVE {} ms after start",
        launched - boot_ms
    );
    assert_eq!(
        state["mgmt"]["sshd_up"], false,
        "sshd lags ACTIVE by ~3 min"
    );
}

/// The scope trap: the CAPI VMs live in capi-mgmt; admin scope sees none of
/// them by name, `--all-projects` sees everything including amphorae.
#[test]
fn project_scoping_is_server_side() {
    let sim = Sim::start("parked", 1.0);
    assert_eq!(server_status(&sim), "SHUTOFF");
    let (ok, _, err) = sim.openstack(Scope::Admin, &["server", "show", "capi-mgmt-v2"]);
    assert!(
        !ok && err.contains("No Server found for capi-mgmt-v2"),
        "{err}"
    );
    let admin = sim.os_ok(
        Scope::Admin,
        &["server", "list", "-f", "value", "-c", "Name"],
    );
    assert_eq!(admin.trim(), "", "the admin project has no servers");
    let capi = sim.os_ok(
        Scope::Capi,
        &["server", "list", "-f", "value", "-c", "Name"],
    );
    assert_eq!(capi.lines().count(), 3, "{capi}");
    assert!(!capi.contains("amphora-"));
    let all = sim.os_ok(
        Scope::Admin,
        &["server", "list", "--all-projects", "--long", "-f", "yaml"],
    );
    assert!(
        all.contains("capi-mgmt-v2") && all.contains("Image Name: amphora-haproxy"),
        "{all}"
    );
    assert!(all.contains(&format!("Project ID: {CAPI_PROJECT}")));
    // By id, an admin reaches any server (the seed deletes orphans by UUID).
    let id = sim.os_ok(
        Scope::Capi,
        &["server", "show", "capi-mgmt-v2", "-f", "value", "-c", "id"],
    );
    let shown = sim.os_ok(
        Scope::Admin,
        &["server", "show", id.trim(), "-f", "value", "-c", "name"],
    );
    assert_eq!(shown.trim(), "capi-mgmt-v2");
}
