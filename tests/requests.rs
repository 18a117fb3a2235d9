//! Issue 14: the HTTP requests each seed procedure makes with the real
//! clients against `rbk sim serve`, counted by the server (`/_sim/stats`).
//! The bounds are bench/requests.md's (`scripts/bench-requests` measures
//! them beside the seed's bash with the stock CLIs): final-verify at the
//! physical limit of one token per scope and one GET per question. A
//! change that costs a request more fails here.
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{fresh_kube_cache_dir, rbk, root, sim_serve::SimServe};

const NS: &str = "magnum-674171fd28d446d3a37073b6a761e910";

/// The seed's site file, pointed at the simulator's openrc and kubeconfig.
fn site(sim: &SimServe, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(root().join("sites/capi-mgmt.toml")).expect("site file");
    let text: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with("admin_openrc =") {
                format!("admin_openrc = {:?}", sim.openrc().display().to_string())
            } else if l.starts_with("kubeconfig =") {
                format!("kubeconfig = {:?}", sim.kubeconfig().display().to_string())
            } else {
                l.to_string()
            }
        })
        .collect();
    let path = dir.join("site.toml");
    std::fs::write(&path, text.join("\n")).expect("write site");
    path
}

/// `rbk exec` of `procedure` against `sim` (with the seed's site file
/// when it is a seed procedure); returns the server's request counts for
/// this run alone (its total, and by method and path).
fn run(sim: &SimServe, procedure: &Path, kube_cache: &Path) -> (u64, serde_json::Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = rbk(["exec", "--yes", "--quiet"]);
    if procedure.starts_with(root().join("procedures")) {
        cmd.arg("--site").arg(site(sim, dir.path()));
    }
    let before = sim.stats();
    let o = cmd
        .arg(procedure)
        .env("HOME", dir.path())
        .env("KUBECACHEDIR", kube_cache)
        .env_remove("OS_CLOUD")
        .output()
        .expect("run rbk exec");
    assert!(
        o.status.success(),
        "{}: {}\n{}",
        procedure.display(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let after = sim.stats();
    let total = after["total"].as_u64().expect("total") - before["total"].as_u64().expect("total");
    let mut by_path = serde_json::Map::new();
    for (k, v) in after["requests"].as_object().expect("requests") {
        let n = v.as_u64().unwrap_or(0) - before["requests"][k].as_u64().unwrap_or(0);
        if n > 0 && !k.contains("/_sim/") {
            by_path.insert(k.clone(), n.into());
        }
    }
    (total, by_path.into())
}

fn seed(name: &str) -> PathBuf {
    root().join("procedures").join(format!("{name}.rbk"))
}

fn discovery_reads(by_path: &serde_json::Value) -> u64 {
    by_path
        .as_object()
        .expect("object")
        .iter()
        .filter(|(k, _)| {
            let path = k.split_once(' ').map_or(k.as_str(), |(_, p)| p);
            path == "/api"
                || path == "/apis"
                || path.matches('/').count() == 3 && path.starts_with("/apis/")
        })
        .map(|(_, v)| v.as_u64().unwrap_or(0))
        .sum()
}

#[test]
fn final_verify_makes_one_token_per_scope_and_one_get_per_question() {
    let sim = SimServe::start("healthy", 200.0);
    let cache = fresh_kube_cache_dir();
    let (total, by_path) = run(&sim, &seed("final-verify"), &cache);
    // Tokens: admin scope, capi project scope. GETs: amphorae, clusters,
    // openstackclusters, the Magnum cluster. No discovery, no version
    // document, no name lookup.
    assert_eq!(total, 6, "{by_path:#}");
    assert_eq!(by_path["POST /identity/v3/auth/tokens"], 2, "{by_path:#}");
    assert_eq!(discovery_reads(&by_path), 0, "{by_path:#}");
}

/// Upper bounds per seed section: bench/requests.md's rbk column (the
/// stock CLIs make 2 to 3 times as many; see there).
#[test]
fn every_seed_section_stays_within_its_request_budget() {
    for (procedure, scenario, budget) in [
        ("verify", "healthy", 7),
        ("parking", "healthy", 8),
        ("lb-repair", "zombies", 18),
    ] {
        let sim = SimServe::start(scenario, 200.0);
        let (total, by_path) = run(&sim, &seed(procedure), &fresh_kube_cache_dir());
        assert!(
            total <= budget,
            "{procedure}.rbk made {total} requests, budget {budget}: {by_path:#}"
        );
        assert_eq!(by_path["POST /identity/v3/auth/tokens"], 1, "{by_path:#}");
        assert_eq!(discovery_reads(&by_path), 0, "{procedure}: {by_path:#}");
    }
}

#[test]
fn start_stays_within_its_request_budget() {
    let sim = SimServe::start("parked", 200.0);
    let (total, by_path) = run(&sim, &seed("start"), &fresh_kube_cache_dir());
    assert!(total <= 7, "start.rbk made {total} requests: {by_path:#}");
}

const DISCOVERING: &str = r#"
procedure discovering "Kinds rbk does not pin" {
  step look "Look" {
    scope kube(kubeconfig: "KUBECONFIG") {
      let mds = kube.list("machinedeployments.cluster.x-k8s.io", "NS")
      let oscs = kube.list("osc", "NS")
      log "{len(mds)} machine deployments, {len(oscs)} openstack clusters"
    }
  }
}
"#;

/// [`DISCOVERING`], pointed at `sim`, written into `dir`.
fn discovering(sim: &SimServe, dir: &Path) -> PathBuf {
    let procedure = dir.join("discovering.rbk");
    std::fs::write(
        &procedure,
        DISCOVERING
            .replace("KUBECONFIG", &sim.kubeconfig().to_string_lossy())
            .replace("NS", NS),
    )
    .expect("write");
    procedure
}

/// What rbk and kubectl share through this cache, each sparing the other
/// its discovery, is tested in `kube_discovery_cache`.
#[test]
fn discovery_is_read_once_and_cached_on_disk_for_six_hours() {
    let sim = SimServe::start("healthy", 1.0);
    let dir = tempfile::tempdir().expect("tempdir");
    let procedure = discovering(&sim, dir.path());
    let cache = dir.path().join("cache");

    // Cold: the aggregated reads of /api and /apis (kubectl's two, made
    // together) resolve both kinds.
    let (total, by_path) = run(&sim, &procedure, &cache);
    assert_eq!(total, 4, "{by_path:#}");
    assert_eq!(by_path["GET /apis"], 1, "{by_path:#}");
    assert_eq!(by_path["GET /api"], 1, "{by_path:#}");
    let host_dir = cache
        .join("discovery")
        .join(format!("127.0.0.1_{}", sim.port));
    assert!(host_dir.join("servergroups.json").is_file());
    assert!(host_dir.join("v1/serverresources.json").is_file());
    assert!(host_dir
        .join("infrastructure.cluster.x-k8s.io/v1beta1/serverresources.json")
        .is_file());

    // Warm: the disk cache answers.
    let (total, by_path) = run(&sim, &procedure, &cache);
    assert_eq!(total, 2, "{by_path:#}");

    // Stale (older than kubectl's 6 hours): read again, once.
    let stale = Command::new("find")
        .arg(&host_dir)
        .args([
            "-type",
            "f",
            "-exec",
            "touch",
            "-d",
            "7 hours ago",
            "{}",
            "+",
        ])
        .status()
        .expect("touch");
    assert!(stale.success());
    let (total, by_path) = run(&sim, &procedure, &cache);
    assert_eq!(total, 4, "{by_path:#}");
}

const INNER: &str = r#"
procedure inner "Called with the caller's credentials" {
  step look "Look" {
    scope openstack(openrc: "OPENRC") {
      let lbs = openstack.loadbalancer.list()
      log "{len(lbs)} load balancers"
    }
  }
}
"#;

const OUTER: &str = r#"
use "inner.rbk"

procedure outer "Calls another procedure; names the openrc two ways" {
  step first "First" {
    scope openstack(openrc: "OPENRC") {
      let amphorae = openstack.loadbalancer.amphora.list()
      log "{len(amphorae)} amphorae"
    }
  }
  call inner "The same credentials in a called procedure"
  step again "The same file by another path" {
    scope openstack(openrc: "OTHER") {
      let hosts = openstack.hypervisor.list()
      log "{len(hosts)} hosts"
    }
  }
}
"#;

#[test]
fn one_token_serves_called_procedures_and_every_scope_with_the_same_credentials() {
    let sim = SimServe::start("healthy", 1.0);
    let dir = tempfile::tempdir().expect("tempdir");
    let openrc = sim.openrc().to_string_lossy().into_owned();
    let other = format!(
        "{}/./{}",
        sim.env_dir.display(),
        sim.openrc().file_name().expect("name").to_string_lossy()
    );
    std::fs::write(
        dir.path().join("inner.rbk"),
        INNER.replace("OPENRC", &openrc),
    )
    .expect("write");
    let outer = dir.path().join("outer.rbk");
    std::fs::write(
        &outer,
        OUTER.replace("OPENRC", &openrc).replace("OTHER", &other),
    )
    .expect("write");
    let (_, by_path) = run(&sim, &outer, &fresh_kube_cache_dir());
    assert_eq!(by_path["POST /identity/v3/auth/tokens"], 1, "{by_path:#}");
}

/// A server without aggregated discovery (before 1.27, or with the feature
/// gate off): rbk's pinned kinds still need no discovery, and other kinds
/// cost `/apis` and the lists of the group versions they live in, once,
/// then come from the disk cache.
#[test]
fn legacy_discovery_server_reads_only_the_group_versions_it_needs() {
    let sim = SimServe::start_with("healthy", 1.0, &["--kube-discovery", "legacy"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");

    let (total, by_path) = run(&sim, &seed("final-verify"), &cache);
    assert_eq!(total, 6, "{by_path:#}");
    assert_eq!(discovery_reads(&by_path), 0, "{by_path:#}");

    let procedure = discovering(&sim, dir.path());
    // Cold: the group list, then group versions' resource lists. The short
    // name `osc` can live in any group, so (as kubectl does) every group's
    // preferred version may be read, once; never a version that is not
    // preferred (`cluster.x-k8s.io/v1beta1` beside `v1beta2`).
    let (_, by_path) = run(&sim, &procedure, &cache);
    assert_eq!(by_path["GET /apis"], 1, "{by_path:#}");
    assert!(
        by_path.get("GET /apis/cluster.x-k8s.io/v1beta1").is_none(),
        "{by_path:#}"
    );
    assert!(
        by_path.as_object().expect("map").values().all(|n| n == 1),
        "{by_path:#}"
    );
    // Warm: the two lists alone.
    let (total, by_path) = run(&sim, &procedure, &cache);
    assert_eq!(total, 2, "{by_path:#}");
}
