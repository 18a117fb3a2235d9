//! Node maintenance with the stock kubectl against `rbk sim serve` on a
//! scenario's own Kubernetes world (scenarios/k8s-workers*.toml): cordon,
//! drain through evictions that a PodDisruptionBudget holds back, scale,
//! rollout restart, logs, and the tables kubectl prints.
use std::time::Duration;

use crate::support::root;
use crate::support::sim::Sim;

fn scenario(name: &str) -> String {
    root()
        .join("scenarios")
        .join(format!("{name}.toml"))
        .display()
        .to_string()
}

/// The rows of a kubectl table, split on white space, header dropped.
fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

fn row<'a>(table: &'a [Vec<String>], first: &str) -> &'a [String] {
    table
        .iter()
        .find(|r| r.first().is_some_and(|c| c == first))
        .unwrap_or_else(|| panic!("no row {first} in {table:?}"))
}

#[test]
fn tables_of_the_declared_world() {
    let sim = Sim::start(&scenario("k8s-workers"), 1.0);
    let nodes = rows(&sim.kubectl_ok(&["get", "nodes", "-o", "wide"]));
    assert_eq!(nodes.len(), 4, "{nodes:?}");
    assert_eq!(&row(&nodes, "worker-2")[1..3], ["Ready", "worker"]);
    assert!(row(&nodes, "worker-2").contains(&"10.20.0.12".to_string()));

    let pods = sim.kubectl_ok(&["get", "pods", "-A", "-o", "wide"]);
    assert!(pods.lines().next().unwrap().contains("NODE"), "{pods}");
    let web: Vec<&str> = pods.lines().filter(|l| l.contains(" web-")).collect();
    assert_eq!(web.len(), 3, "{pods}");
    assert!(web
        .iter()
        .all(|l| l.contains("1/1") && l.contains("Running")));
    // Spread one per worker; nothing on the tainted control plane.
    for w in ["worker-1", "worker-2", "worker-3"] {
        assert_eq!(web.iter().filter(|l| l.contains(w)).count(), 1, "{pods}");
    }
    assert!(!pods
        .lines()
        .any(|l| l.contains("cp-1") && l.contains("shop")));

    let pdb = rows(&sim.kubectl_ok(&["-n", "shop", "get", "pdb"]));
    assert_eq!(&row(&pdb, "web")[1..4], ["2", "N/A", "1"], "{pdb:?}");
    assert_eq!(&row(&pdb, "api")[1..4], ["N/A", "1", "1"], "{pdb:?}");
    let deploy = rows(&sim.kubectl_ok(&["-n", "shop", "get", "deploy"]));
    assert_eq!(&row(&deploy, "web")[1..4], ["3/3", "3", "3"], "{deploy:?}");

    let on_node = sim.kubectl_ok(&[
        "get",
        "pods",
        "-A",
        "--field-selector",
        "spec.nodeName=worker-1",
        "-l",
        "app=web",
        "-o",
        "name",
    ]);
    assert_eq!(on_node.lines().count(), 1, "{on_node}");

    let api = sim.kubectl_ok(&["-n", "shop", "get", "pods", "-l", "app=api", "-o", "name"]);
    let first = api.lines().next().unwrap();
    let log = sim.kubectl_ok(&["-n", "shop", "logs", first, "--tail=1"]);
    assert!(log.trim_end().ends_with("serving on :8080"), "{log}");
}

#[test]
fn cordon_and_drain_wait_for_the_budget() {
    // Slow enough that the replacement (15 s simulated) is not Ready yet
    // when the second drain starts (kubectl retries every 5 s of wall time).
    let sim = Sim::start(&scenario("k8s-workers"), 2.0);
    assert_eq!(
        sim.kubectl_ok(&["cordon", "worker-1"]).trim(),
        "node/worker-1 cordoned"
    );
    let nodes = rows(&sim.kubectl_ok(&["get", "nodes"]));
    assert_eq!(row(&nodes, "worker-1")[1], "Ready,SchedulingDisabled");
    // worker-1's web pod leaves first; its replacement lands on worker-2 or
    // -3. Draining worker-2 next then needs that replacement Ready before
    // the budget (minAvailable 2) lets a second web pod go.
    sim.kubectl_ok(&["drain", "worker-1", "--ignore-daemonsets", "--timeout=60s"]);
    let (ok, out, err) =
        sim.kubectl(&["drain", "worker-2", "--ignore-daemonsets", "--timeout=60s"]);
    assert!(ok, "drain failed:\n{out}\n{err}");
    assert!(
        err.contains("would violate the pod's disruption budget")
            && err.contains("will retry after 5s"),
        "the budget never held the drain back:\n{err}"
    );
    assert!(out.contains("node/worker-2 drained"), "{out}");
    assert!(err.contains("ignoring DaemonSet-managed Pods"), "{err}");
    sim.wait_for(Duration::from_secs(30), "web back at 3/3", || {
        let deploy = rows(&sim.kubectl_ok(&["-n", "shop", "get", "deploy"]));
        (row(&deploy, "web")[1] == "3/3").then_some(())
    });
    let pods = sim.kubectl_ok(&["get", "pods", "-n", "shop", "-o", "wide"]);
    assert!(
        pods.lines().skip(1).all(|l| l.contains("worker-3")),
        "everything moved to the only schedulable worker:\n{pods}"
    );
    assert_eq!(
        sim.kubectl_ok(&["uncordon", "worker-1"]).trim(),
        "node/worker-1 uncordoned"
    );
}

#[test]
fn a_budget_that_allows_nothing_stops_drain_at_its_timeout() {
    let sim = Sim::start(&scenario("k8s-workers-pdb-blocks"), 20.0);
    let (ok, _, err) = sim.kubectl(&["drain", "worker-2", "--ignore-daemonsets", "--timeout=8s"]);
    assert!(!ok, "drain must fail");
    assert!(err.contains("disruption budget ledger"), "{err}");
    assert!(err.contains("global timeout reached"), "{err}");
    let pdb = rows(&sim.kubectl_ok(&["-n", "shop", "get", "pdb", "ledger"]));
    assert_eq!(row(&pdb, "ledger")[3], "0");
}

#[test]
fn scale_and_rollout_restart_over_time() {
    let sim = Sim::start(&scenario("k8s-workers"), 20.0);
    assert_eq!(
        sim.kubectl_ok(&["-n", "shop", "scale", "deploy/web", "--replicas=5"])
            .trim(),
        "deployment.apps/web scaled"
    );
    let deploy = rows(&sim.kubectl_ok(&["-n", "shop", "get", "deploy"]));
    assert!(row(&deploy, "web")[1].ends_with("/5"), "{deploy:?}");
    sim.wait_for(Duration::from_secs(20), "web at 5/5", || {
        let deploy = rows(&sim.kubectl_ok(&["-n", "shop", "get", "deploy"]));
        (row(&deploy, "web")[1] == "5/5").then_some(())
    });
    let before = sim.kubectl_ok(&["-n", "shop", "get", "pods", "-l", "app=api", "-o", "name"]);
    assert_eq!(
        sim.kubectl_ok(&["-n", "shop", "rollout", "restart", "deployment/api"])
            .trim(),
        "deployment.apps/api restarted"
    );
    sim.wait_for(Duration::from_secs(30), "api pods replaced", || {
        let now = sim.kubectl_ok(&["-n", "shop", "get", "pods", "-l", "app=api", "-o", "name"]);
        let deploy = rows(&sim.kubectl_ok(&["-n", "shop", "get", "deploy"]));
        let fresh = now.lines().all(|p| !before.contains(p));
        (fresh && now.lines().count() == 2 && row(&deploy, "api")[1] == "2/2").then_some(())
    });
}

#[test]
fn the_seed_cluster_stays_read_only() {
    let sim = Sim::start("healthy", 1.0);
    // kubectl reports the refusal (its exit status stays 0 for cordon).
    let (_, _, err) = sim.kubectl(&["cordon", "capi-mgmt-v2"]);
    assert!(
        err.contains("unable to cordon") && err.contains("read-only"),
        "{err}"
    );
    let nodes = rows(&sim.kubectl_ok(&["get", "nodes"]));
    assert_eq!(row(&nodes, "capi-mgmt-v2")[1], "Ready");
}
