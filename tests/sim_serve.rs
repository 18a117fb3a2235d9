//! `rbk sim serve` itself: loopback only, the first stdout line, the env
//! files, Keystone's 401, the `/_sim/*` endpoints. Needs no external peer.

use crate::support::rbk;
use crate::support::sim::{http, Sim};

#[test]
fn non_loopback_listen_is_refused_with_exit_2() {
    for addr in ["0.0.0.0:0", "10.12.7.40:8080", "[::]:0"] {
        let out = rbk(["sim", "serve", "--listen", addr])
            .output()
            .expect("run rbk");
        assert_eq!(out.status.code(), Some(2), "{addr}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("loopback"), "{addr}: {err}");
    }
}

#[test]
fn unknown_scenario_is_a_usage_error() {
    let out = rbk(["sim", "serve", "--scenario", "no-such-thing"])
        .output()
        .expect("run rbk");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lb-error"));
}

#[test]
fn scenarios_are_listed_one_per_line() {
    let out = rbk(["sim", "scenarios"]).output().expect("run rbk");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        names,
        [
            "parked",
            "healthy",
            "cold-start",
            "lb-error",
            "zombies",
            "parked-zombies",
            "no-headroom",
            "no-headroom-with-zombie",
            "magnum-d042"
        ]
    );
}

#[test]
fn env_files_point_at_the_server_and_keystone_guards_the_apis() {
    let sim = Sim::start("healthy", 1.0);
    assert!(sim.base.starts_with("http://127.0.0.1:"));
    let auth_url = sim
        .openrc
        .iter()
        .find(|(k, _)| k == "OS_AUTH_URL")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert_eq!(auth_url, format!("{}/identity/v3", sim.base));
    let clouds = std::fs::read_to_string(sim.env_dir().join("clouds.yaml")).unwrap();
    assert!(clouds.contains(&auth_url) && clouds.contains("rbk-sim-capi"));
    let kubeconfig = std::fs::read_to_string(sim.env_dir().join("kubeconfig")).unwrap();
    assert!(kubeconfig.contains(&format!("server: {}", sim.base)));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(sim.env_dir().join("openrc"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o077,
            0,
            "openrc holds a password: not world-readable"
        );
    }

    // No token, or a bad one: Keystone's 401 body.
    for headers in [vec![], vec![("X-Auth-Token", "bogus")]] {
        let (status, body) = sim.get("/compute/v2.1/servers", &headers);
        assert_eq!(status, 401);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"]["code"], 401);
        assert_eq!(v["error"]["title"], "Unauthorized");
    }
    // A wrong password is refused too.
    let bad = r#"{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"admin_domain"},"password":"wrong"}}}}}"#;
    let (status, _) = http(
        sim.port,
        "POST",
        "/identity/v3/auth/tokens",
        &[("Content-Type", "application/json")],
        bad,
    );
    assert_eq!(status, 401);

    let state = sim.state();
    assert_eq!(
        state["clock"]["now"].as_str().unwrap().get(..10),
        Some("2026-06-10")
    );
    assert!(state["servers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "capi-mgmt-v2"));
    let (status, body) = sim.get("/_sim/stats", &[]);
    assert_eq!(status, 200);
    let stats: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(stats["requests"]["GET /compute/v2.1/servers"], 2);
    assert_eq!(stats["tokens_issued"], 0);
    // The password never shows up in what the server exposes.
    let password = sim
        .openrc
        .iter()
        .find(|(k, _)| k == "OS_PASSWORD")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(!state.to_string().contains(&password) && !body.contains(&password));
}

fn get_json(sim: &Sim, path: &str, headers: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let (status, body) = sim.get(path, headers);
    (
        status,
        serde_json::from_str(&body).unwrap_or_else(|_| panic!("{path}: {body}")),
    )
}

#[test]
fn microversions_placement_and_api_error_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("modern-nova.toml");
    std::fs::write(
        &file,
        "base = \"no-headroom\"\nname = \"modern-nova\"\ndescription = \"Nova 2.96\"\nnova_max_microversion = \"2.96\"\n",
    )
    .unwrap();
    let sim = Sim::start(file.to_str().unwrap(), 1.0);
    let tok = sim.token(crate::support::sim::CAPI_PROJECT);
    let auth = ("X-Auth-Token", tok.as_str());

    // Up to 2.87 os-hypervisors reports memory; from 2.88 it does not.
    let (s, old) = get_json(
        &sim,
        "/compute/v2.1/os-hypervisors/detail",
        &[auth, ("OpenStack-API-Version", "compute 2.87")],
    );
    assert_eq!(s, 200);
    let h0 = &old["hypervisors"][0];
    assert_eq!(h0["memory_mb"], 65536);
    assert_eq!(h0["memory_mb_used"], 89600);
    let (_, new) = get_json(
        &sim,
        "/compute/v2.1/os-hypervisors/detail",
        &[auth, ("OpenStack-API-Version", "compute 2.88")],
    );
    assert!(new["hypervisors"][0].get("memory_mb").is_none());
    let (s, too_new) = get_json(
        &sim,
        "/compute/v2.1/servers",
        &[auth, ("OpenStack-API-Version", "compute 2.200")],
    );
    assert_eq!(s, 406);
    assert!(too_new["computeFault"]["message"]
        .as_str()
        .unwrap()
        .contains("maximum is 2.96"));

    // Placement has the memory at any microversion; provider uuid = hypervisor id.
    let (_, rps) = get_json(&sim, "/placement/resource_providers", &[auth]);
    let uuid = rps["resource_providers"][0]["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(h0["id"], uuid.as_str());
    let (_, inv) = get_json(
        &sim,
        &format!("/placement/resource_providers/{uuid}/inventories"),
        &[auth],
    );
    assert_eq!(inv["inventories"]["MEMORY_MB"]["reserved"], 8192);
    assert_eq!(inv["inventories"]["MEMORY_MB"]["allocation_ratio"], 1.5);
    assert_eq!(inv["inventories"]["MEMORY_MB"]["total"], 65536);
    let (_, usage) = get_json(
        &sim,
        &format!("/placement/resource_providers/{uuid}/usages"),
        &[auth],
    );
    assert_eq!(usage["usages"]["MEMORY_MB"], 89600 - 8192);

    // Errors look like the real APIs'.
    let (s, nf) = get_json(&sim, "/compute/v2.1/servers/nope", &[auth]);
    assert_eq!((s, nf["itemNotFound"]["code"].as_i64()), (404, Some(404)));
    let (s, nf) = get_json(&sim, "/load-balancer/v2/lbaas/loadbalancers/nope", &[auth]);
    assert_eq!(s, 404);
    assert_eq!(nf["faultstring"], "Load Balancer nope could not be found.");
    let (s, nf) = get_json(&sim, "/container-infra/v1/clusters/nope", &[auth]);
    assert_eq!(s, 404);
    assert!(nf["errors"][0]["title"].as_str().unwrap().contains("nope"));
    let (s, _) = get_json(&sim, "/placement/resource_providers/nope/usages", &[auth]);
    assert_eq!(s, 404);

    // Server-side scoping: the capi-mgmt token lists its 3 servers only.
    let (_, servers) = get_json(&sim, "/compute/v2.1/servers/detail", &[auth]);
    assert_eq!(servers["servers"].as_array().unwrap().len(), 3);
    let (_, all) = get_json(
        &sim,
        "/compute/v2.1/servers/detail?all_tenants=True",
        &[auth],
    );
    assert_eq!(
        all["servers"].as_array().unwrap().len(),
        6,
        "3 CAPI VMs + 3 amphorae"
    );

    // Token validation.
    let (s, v) = get_json(
        &sim,
        "/identity/v3/auth/tokens",
        &[auth, ("X-Subject-Token", tok.as_str())],
    );
    assert_eq!(s, 200);
    assert_eq!(
        v["token"]["project"]["id"],
        crate::support::sim::CAPI_PROJECT
    );
    assert!(v["token"]["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["type"] == "load-balancer"));
    let (_, stats) = get_json(&sim, "/_sim/stats", &[]);
    assert_eq!(stats["tokens_issued"], 1);
}
