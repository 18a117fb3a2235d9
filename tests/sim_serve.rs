//! `rbk sim serve` itself: loopback only, the first stdout line, the env
//! files, Keystone's 401, the `/_sim/*` endpoints. Needs no external peer.
mod sim_support;

use std::process::Command;

use sim_support::{http, Sim};

#[test]
fn non_loopback_listen_is_refused_with_exit_2() {
    for addr in ["0.0.0.0:0", "10.12.7.40:8080", "[::]:0"] {
        let out = Command::new(env!("CARGO_BIN_EXE_rbk"))
            .args(["sim", "serve", "--listen", addr])
            .output()
            .expect("run rbk");
        assert_eq!(out.status.code(), Some(2), "{addr}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("loopback"), "{addr}: {err}");
    }
}

#[test]
fn unknown_scenario_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_rbk"))
        .args(["sim", "serve", "--scenario", "no-such-thing"])
        .output()
        .expect("run rbk");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lb-error"));
}

#[test]
fn scenarios_are_listed_one_per_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_rbk"))
        .args(["sim", "scenarios"])
        .output()
        .expect("run rbk");
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
