//! The seed runbook's `openstack` commands, run by the stock
//! python-openstackclient (with the octavia and magnum plugins) against
//! `rbk sim serve`, asserting on what they print.

use std::time::Duration;

use crate::support::sim::{Scope, Sim, CAPI_PROJECT, KUBE_API_LB};

/// One column of a `show`, as `-f value -c COLUMN` prints it (trimmed).
fn value(sim: &Sim, scope: Scope, show: &[&str], column: &str) -> String {
    let args: Vec<&str> = show
        .iter()
        .copied()
        .chain(["-f", "value", "-c", column])
        .collect();
    sim.os_ok(scope, &args).trim().to_string()
}

fn server_status(sim: &Sim) -> String {
    value(
        sim,
        Scope::Capi,
        &["server", "show", "capi-mgmt-v2"],
        "status",
    )
}

fn lb_field(sim: &Sim, column: &str) -> String {
    value(
        sim,
        Scope::Admin,
        &["loadbalancer", "show", KUBE_API_LB],
        column,
    )
}

fn cluster_field(sim: &Sim, column: &str) -> String {
    value(
        sim,
        Scope::Capi,
        &["coe", "cluster", "show", "capi-test-1"],
        column,
    )
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
    let vm = sim.state_item("servers", "name", "capi-mgmt-v2");
    let boot_ms = state["mgmt"]["boot_at_ms"].as_i64().unwrap();
    let launched = vm["launched"].as_i64().unwrap();
    assert!(
        (launched - boot_ms - 20_000).abs() <= 1000,
        "ACTIVE {} ms after start",
        launched - boot_ms
    );
    // sshd lags ACTIVE by ~3 min of simulated time. The CLI's own start-up
    // (seconds of wall time each, more on a loaded machine) may let that
    // time pass before the state is read, so the lag is judged on the clock.
    let now = state["clock"]["elapsed_ms"].as_i64().unwrap();
    let sshd_up = state["mgmt"]["sshd_up"].as_bool().unwrap();
    assert!(
        !sshd_up || now - boot_ms >= 3 * 60_000,
        "sshd lags ACTIVE by ~3 min, but answers {} ms after start",
        now - boot_ms
    );
}

/// `-f yaml` list output as records of `key: value` (top-level keys only).
fn yaml_records(text: &str) -> Vec<Vec<(String, String)>> {
    let mut out: Vec<Vec<(String, String)>> = Vec::new();
    for line in text.lines() {
        let (new, body) = match line.strip_prefix("- ") {
            Some(b) => (true, b),
            None => match line.strip_prefix("  ") {
                Some(b) if !b.starts_with(' ') && !b.starts_with('-') => (false, b),
                _ => continue,
            },
        };
        if new {
            out.push(Vec::new());
        }
        if let (Some(rec), Some((k, v))) = (out.last_mut(), body.split_once(':')) {
            rec.push((
                k.trim().to_string(),
                v.trim().trim_matches('\'').to_string(),
            ));
        }
    }
    out
}

fn field<'a>(rec: &'a [(String, String)], key: &str) -> &'a str {
    rec.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// A list command's `-f yaml` output as records.
fn yaml(sim: &Sim, scope: Scope, list: &[&str]) -> Vec<Vec<(String, String)>> {
    let args: Vec<&str> = list.iter().copied().chain(["-f", "yaml"]).collect();
    yaml_records(&sim.os_ok(scope, &args))
}

/// Simulated seconds from the last failover request to the LB's last update.
fn failover_took_s(sim: &Sim) -> f64 {
    let lb = sim.state_item("load_balancers", "id", KUBE_API_LB);
    (lb["updated"].as_f64().unwrap() - lb["last_failover_at"].as_f64().unwrap()) / 1000.0
}

/// Poll like the seed's 5c loop until provisioning is ACTIVE or ERROR.
fn poll_failover(sim: &Sim) -> String {
    sim.wait_for(Duration::from_secs(90), "failover outcome", || {
        let out = sim.os_ok(
            Scope::Admin,
            &[
                "loadbalancer",
                "show",
                KUBE_API_LB,
                "-f",
                "value",
                "-c",
                "provisioning_status",
                "-c",
                "operating_status",
            ],
        );
        let lines: Vec<&str> = out.lines().map(str::trim).collect();
        assert_eq!(lines.len(), 2, "{out}");
        // `-f value` prints the columns in the command's row order: operating first.
        let (op, prov) = (lines[0], lines[1]);
        assert_eq!(op, "ONLINE", "operating holds ONLINE");
        matches!(prov, "ACTIVE" | "ERROR").then(|| prov.to_string())
    })
}

/// (server id, name, status) of Nova's amphora servers Octavia does not list.
fn orphans(sim: &Sim) -> Vec<(String, String, String)> {
    let amp_ids: Vec<String> = yaml(sim, Scope::Admin, &["loadbalancer", "amphora", "list"])
        .iter()
        .map(|r| field(r, "id").to_string())
        .collect();
    yaml(
        sim,
        Scope::Admin,
        &["server", "list", "--all-projects", "--long"],
    )
    .iter()
    .filter(|r| field(r, "Image Name") == "amphora-haproxy")
    .filter(|r| {
        !amp_ids
            .iter()
            .any(|a| field(r, "Name") == format!("amphora-{a}"))
    })
    .map(|r| {
        (
            field(r, "ID").to_string(),
            field(r, "Name").to_string(),
            field(r, "Status").to_string(),
        )
    })
    .collect()
}

/// (hostname, memory_mb, memory_mb_used) from the seed's headroom command.
fn hypervisors(sim: &Sim) -> Vec<(String, i64, i64)> {
    let text = sim.os_ok(
        Scope::Admin,
        &["hypervisor", "list", "--long", "-f", "yaml"],
    );
    // The seed greps 'Hostname|Memory MB' out of exactly this output.
    let grepped: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("Hostname") || l.contains("Memory MB"))
        .collect();
    assert_eq!(grepped.len(), 9, "{text}");
    yaml_records(&text)
        .iter()
        .map(|r| {
            (
                field(r, "Hypervisor Hostname").to_string(),
                field(r, "Memory MB").parse().unwrap(),
                field(r, "Memory MB Used").parse().unwrap(),
            )
        })
        .collect()
}

fn fits(h: &(String, i64, i64)) -> bool {
    h.2 + 1024 <= h.1 * 3 / 2 - 8192
}

/// Sections 4, 5a-5c and 6 on the worst case: no headroom, one zombie.
#[test]
fn lb_repair_no_headroom_sweep_then_sequential_failover() {
    let sim = Sim::start("no-headroom-with-zombie", 10.0);
    // 4. The LB verdict, in capi-mgmt scope.
    let kube_api = yaml(&sim, Scope::Capi, &["loadbalancer", "list"])
        .into_iter()
        .find(|r| field(r, "id") == KUBE_API_LB)
        .expect("kube-api LB listed");
    assert_eq!(field(&kube_api, "provisioning_status"), "ERROR");
    assert_eq!(field(&kube_api, "operating_status"), "ONLINE");
    assert_eq!(field(&kube_api, "vip_address"), "10.6.0.200");

    // 5b. No host clears Used + 1024 <= physical * 1.5 - 8192.
    assert!(hypervisors(&sim).iter().all(|h| !fits(h)));

    // Failing over blind: fast fail to ERROR (10-20 s) and a new orphan.
    assert_eq!(orphans(&sim).len(), 1, "the zombie");
    sim.os_ok(Scope::Admin, &["loadbalancer", "failover", KUBE_API_LB]);
    assert_eq!(poll_failover(&sim), "ERROR");
    let took = failover_took_s(&sim);
    assert!((10.0..=20.0).contains(&took), "fast fail after {took} s");
    let found = orphans(&sim);
    assert_eq!(found.len(), 2, "{found:?}");
    let zombie = found
        .iter()
        .find(|o| o.2 == "ACTIVE")
        .expect("an ACTIVE zombie");
    assert!(
        found.iter().any(|o| o.2 == "ERROR"),
        "the NoValidHost orphan: {found:?}"
    );

    // 5a. Delete the zombie by UUID from admin scope; its slot frees up.
    sim.os_ok(Scope::Admin, &["server", "delete", &zombie.0]);
    assert!(hypervisors(&sim).iter().any(fits));

    // 5c. Failover: ~108 s to ACTIVE, operating ONLINE, VIP kept.
    sim.os_ok(Scope::Admin, &["loadbalancer", "failover", KUBE_API_LB]);
    assert_eq!(poll_failover(&sim), "ACTIVE");
    let took = failover_took_s(&sim);
    assert!((100.0..=115.0).contains(&took), "failover took {took} s");
    assert_eq!(lb_field(&sim, "vip_address"), "10.6.0.200");

    // 6. Amphorae all ALLOCATED; only the NoValidHost orphan remains to sweep.
    let amps = yaml(&sim, Scope::Admin, &["loadbalancer", "amphora", "list"]);
    assert_eq!(amps.len(), 3);
    assert!(
        amps.iter().all(|a| field(a, "status") == "ALLOCATED"),
        "{amps:?}"
    );
    let left = orphans(&sim);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].2, "ERROR");
}

/// Section 6 on a healthy stack, and Octavia's 409 while a failover runs.
#[test]
fn healthy_top_of_stack_and_immutable_lb() {
    let sim = Sim::start("healthy", 1.0);
    assert_eq!(cluster_field(&sim, "health_status"), "UNHEALTHY");
    let reason = cluster_field(&sim, "health_status_reason");
    assert!(
        reason.contains("'infrastructure': 'Infrastructure resource not found.'"),
        "{reason}"
    );
    assert!(reason.contains(".Ready': 'True'"), "{reason}");

    let lbs = yaml(&sim, Scope::Capi, &["loadbalancer", "list"]);
    assert_eq!(lbs.len(), 3);
    assert!(lbs
        .iter()
        .all(|l| field(l, "provisioning_status") == "ACTIVE"));

    sim.os_ok(Scope::Admin, &["loadbalancer", "failover", KUBE_API_LB]);
    let (ok, _, err) = sim.openstack(Scope::Admin, &["loadbalancer", "failover", KUBE_API_LB]);
    assert!(!ok, "a second failover while PENDING_UPDATE is refused");
    assert!(err.contains("immutable") && err.contains("409"), "{err}");
    assert_eq!(lb_field(&sim, "provisioning_status"), "PENDING_UPDATE");
}

/// The scope trap: the CAPI VMs live in capi-mgmt; admin scope sees none of
/// them by name, `--all-projects` sees everything including amphorae.
#[test]
fn project_scoping_is_server_side() {
    let sim = Sim::start("parked", 1.0);
    assert_eq!(server_status(&sim), "SHUTOFF");
    // Parked: Magnum UNHEALTHY with an EMPTY reason.
    assert_eq!(cluster_field(&sim, "health_status"), "UNHEALTHY");
    let reason = cluster_field(&sim, "health_status_reason");
    assert_eq!(reason.trim(), "{}");
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
    let id = value(&sim, Scope::Capi, &["server", "show", "capi-mgmt-v2"], "id");
    let shown = value(&sim, Scope::Admin, &["server", "show", &id], "name");
    assert_eq!(shown, "capi-mgmt-v2");
}
