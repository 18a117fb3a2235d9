//! The maintenance commands, run by the stock python-openstackclient (with
//! the octavia plugin) against `rbk sim serve` on the scenario files'
//! worlds: compute services, live migration, `server list --host`, reboot,
//! volumes, hypervisors, amphora failover.
use std::time::Duration;

use crate::support::sim::{Scope, Sim};

fn scenario(file: &str) -> String {
    format!("{}/scenarios/{file}", env!("CARGO_MANIFEST_DIR"))
}

/// `-f value -c ...` of a command, one trimmed line per column.
fn values(sim: &Sim, args: &[&str], columns: &[&str]) -> Vec<String> {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["-f", "value"]);
    for c in columns {
        all.extend(["-c", c]);
    }
    sim.os_ok(Scope::Admin, &all)
        .lines()
        .map(|l| l.trim().to_string())
        .collect()
}

/// (host, status) of a server, from `server show -f json`.
fn server(sim: &Sim, name: &str) -> (String, String) {
    let out = sim.os_ok(Scope::Admin, &["server", "show", name, "-f", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("server show -f json");
    let field = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    (field("OS-EXT-SRV-ATTR:host"), field("status"))
}

fn migrations(sim: &Sim) -> Vec<serde_json::Value> {
    sim.state()["ops"]["migrations"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn compute_service_disable_with_reason_then_enable() {
    let sim = Sim::start(&scenario("host-maintenance.toml"), 10.0);
    let list = sim.os_ok(Scope::Admin, &["compute", "service", "list"]);
    for host in ["compute-1", "compute-4", "controller-1"] {
        assert!(list.contains(host), "{list}");
    }
    sim.os_ok(
        Scope::Admin,
        &[
            "compute",
            "service",
            "set",
            "--disable",
            "--disable-reason",
            "firmware update (CHG-2231)",
            "compute-4",
            "nova-compute",
        ],
    );
    let row = values(
        &sim,
        &[
            "compute",
            "service",
            "list",
            "--host",
            "compute-4",
            "--long",
        ],
        &["Status", "Disabled Reason"],
    );
    assert_eq!(row, ["disabled firmware update (CHG-2231)"]);
    let hv = values(&sim, &["hypervisor", "show", "compute-4"], &["status"]);
    assert_eq!(hv, ["disabled"]);
    sim.os_ok(
        Scope::Admin,
        &[
            "compute",
            "service",
            "set",
            "--enable",
            "compute-4",
            "nova-compute",
        ],
    );
    let row = values(
        &sim,
        &["compute", "service", "list", "--host", "compute-4"],
        &["Status"],
    );
    assert_eq!(row, ["enabled"]);
}

#[test]
fn live_migration_takes_time_and_a_disabled_target_takes_nothing() {
    let sim = Sim::start(&scenario("host-maintenance.toml"), 2.0);
    let names = values(
        &sim,
        &["server", "list", "--host", "compute-4", "--all-projects"],
        &["Name"],
    );
    assert_eq!(names.len(), 3, "{names:?}");
    for n in ["web-1", "web-2", "db-1"] {
        assert!(names.contains(&n.to_string()), "{names:?}");
    }

    sim.os_ok(
        Scope::Admin,
        &[
            "server",
            "migrate",
            "--live-migration",
            "--host",
            "compute-1",
            "web-1",
        ],
    );
    // Read straight from the simulator: the CLI itself takes seconds to start.
    let web1 = sim.state_item("servers", "name", "web-1");
    assert_eq!(
        (web1["host"].as_str(), web1["status"].as_str()),
        (Some("compute-4"), Some("MIGRATING")),
        "a gp.mid live migration takes ~36 simulated seconds"
    );
    sim.wait_for(Duration::from_secs(90), "web-1 ACTIVE", || {
        (server(&sim, "web-1").1 == "ACTIVE").then_some(())
    });
    assert_eq!(server(&sim, "web-1").0, "compute-1");
    let m = &migrations(&sim)[0];
    assert_eq!(m["status"], "completed");
    let took = m["updated"].as_i64().unwrap() - m["created"].as_i64().unwrap();
    assert_eq!(took, 36_000, "20 s + 4 s per GB of a 4 GB flavor");

    // The scheduler skips a disabled host. The CLI asks for microversion
    // 2.30 (a checked target host), below 2.34: Nova refuses at once.
    sim.os_ok(
        Scope::Admin,
        &[
            "compute",
            "service",
            "set",
            "--disable",
            "--disable-reason",
            "x",
            "compute-2",
            "nova-compute",
        ],
    );
    let (ok, _, err) = sim.openstack(
        Scope::Admin,
        &[
            "server",
            "migrate",
            "--live-migration",
            "--host",
            "compute-2",
            "web-2",
        ],
    );
    assert!(!ok, "{err}");
    assert!(
        err.contains("400") && err.contains("No valid host"),
        "{err}"
    );
    assert!(err.contains("compute-2 is disabled"), "{err}");
    assert_eq!(server(&sim, "web-2"), ("compute-4".into(), "ACTIVE".into()));
    // Without a target the scheduler picks an enabled host with room.
    sim.os_ok(
        Scope::Admin,
        &["server", "migrate", "--live-migration", "web-2"],
    );
    sim.wait_for(Duration::from_secs(90), "web-2 moved", || {
        let (host, status) = server(&sim, "web-2");
        (status == "ACTIVE" && host != "compute-4").then_some(host)
    });
    assert_ne!(
        server(&sim, "web-2").0,
        "compute-2",
        "disabled: no new servers"
    );
}

#[test]
fn reboot_goes_through_reboot_states_and_volumes_list_their_attachments() {
    // Slow enough that the CLI sees HARD_REBOOT (15 simulated seconds).
    let sim = Sim::start(&scenario("host-maintenance.toml"), 1.0);
    sim.os_ok(Scope::Admin, &["server", "reboot", "web-2"]);
    assert_eq!(server(&sim, "web-2").1, "REBOOT");
    sim.wait_for(Duration::from_secs(90), "ACTIVE after reboot", || {
        (server(&sim, "web-2").1 == "ACTIVE").then_some(())
    });
    sim.os_ok(Scope::Admin, &["server", "reboot", "--hard", "web-2"]);
    assert_eq!(server(&sim, "web-2").1, "HARD_REBOOT");
    sim.wait_for(Duration::from_secs(90), "ACTIVE after hard reboot", || {
        (server(&sim, "web-2").1 == "ACTIVE").then_some(())
    });

    let volumes = sim.os_ok(Scope::Admin, &["volume", "list", "--all-projects"]);
    assert!(volumes.contains("db-data"), "{volumes}");
    assert!(volumes.contains("in-use"), "{volumes}");
    assert!(
        volumes.contains("Attached to db-1 on /dev/vdb"),
        "{volumes}"
    );
}

#[test]
fn amphora_failover_replaces_one_amphora_on_the_new_image() {
    // A failover takes 108 simulated seconds: at 5x, 21.6 s of wall time,
    // room for the stock CLI's `loadbalancer show` to see it pending even
    // on a loaded machine.
    let sim = Sim::start(&scenario("amphora-rotation.toml"), 5.0);
    let amphorae = values(&sim, &["loadbalancer", "amphora", "list"], &["id", "role"]);
    let backup = amphorae
        .iter()
        .find(|l| l.ends_with("BACKUP"))
        .and_then(|l| l.split_whitespace().next())
        .expect("web-lb's BACKUP amphora")
        .to_string();
    sim.os_ok(
        Scope::Admin,
        &["loadbalancer", "amphora", "failover", &backup],
    );
    let status = || {
        values(
            &sim,
            &["loadbalancer", "show", "web-lb"],
            &["provisioning_status"],
        )[0]
        .clone()
    };
    assert_eq!(status(), "PENDING_UPDATE");
    sim.wait_for(Duration::from_secs(60), "web-lb ACTIVE", || {
        (status() == "ACTIVE").then_some(())
    });
    let after = values(&sim, &["loadbalancer", "amphora", "list"], &["id", "role"]);
    assert!(!after.iter().any(|l| l.starts_with(&backup)), "{after:?}");
    let new = after
        .iter()
        .find(|l| l.ends_with("BACKUP"))
        .and_then(|l| l.split_whitespace().next())
        .expect("a new BACKUP")
        .to_string();
    let image = values(
        &sim,
        &["loadbalancer", "amphora", "show", &new],
        &["image_id"],
    );
    let wanted = sim
        .state()
        .get("ops")
        .map(|_| ())
        .and_then(|_| {
            let (_, body) = sim.get("/_sim/state", &[]);
            let state: serde_json::Value = serde_json::from_str(&body).ok()?;
            state["servers"].as_array()?.iter().find_map(|s| {
                (s["name"] == format!("amphora-{new}")).then(|| s["image_id"].clone())
            })
        })
        .expect("the new amphora's server");
    assert_eq!(image, [wanted.as_str().unwrap()]);
}
