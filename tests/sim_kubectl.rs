//! The seed runbook's `kubectl` commands (Section 4 and 6), run by the stock
//! kubectl against `rbk sim serve`'s Kubernetes API, asserting on what they print.

use std::time::Duration;

use crate::support::sim::{http, Sim, KUBE_API_LB};

const NS: &str = "magnum-674171fd28d446d3a37073b6a761e910";

/// `kubectl get pods -A | egrep 'capi-|capo-|cert-manager|orc-system|janitor|addon'`
fn egrep_controllers(text: &str) -> Vec<&str> {
    let pat = [
        "capi-",
        "capo-",
        "cert-manager",
        "orc-system",
        "janitor",
        "addon",
    ];
    text.lines()
        .filter(|l| pat.iter().any(|p| l.contains(p)))
        .collect()
}

/// The cluster's `Available` condition, as kubectl prints it.
const AVAILABLE: [&str; 6] = [
    "-n",
    NS,
    "get",
    "cluster",
    "-o",
    "jsonpath={.items[0].status.conditions[?(@.type==\"Available\")].status}",
];

fn available(sim: &Sim) -> String {
    sim.kubectl_ok(&AVAILABLE)
}

/// Section 4 after a cold start with the kube-api LB in ERROR.
#[test]
fn post_start_verify_with_lb_error() {
    let sim = Sim::start("lb-error", 1.0);
    let nodes = sim.kubectl_ok(&["get", "nodes", "-o", "wide"]);
    let mut lines = nodes.lines();
    let header = lines.next().unwrap();
    assert!(
        header.split_whitespace().collect::<Vec<_>>().starts_with(&[
            "NAME",
            "STATUS",
            "ROLES",
            "AGE",
            "VERSION",
            "INTERNAL-IP"
        ]),
        "{nodes}"
    );
    let node: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(&node[..2], ["capi-mgmt-v2", "Ready"]);
    assert!(node.contains(&"10.6.0.15"), "{nodes}");

    let pods = sim.kubectl_ok(&["get", "pods", "-A"]);
    assert!(pods.starts_with("NAMESPACE"), "{pods}");
    let controllers = egrep_controllers(&pods);
    assert!(controllers.len() >= 10, "{pods}");
    for ns in [
        "capi-system",
        "capo-system",
        "cert-manager",
        "orc-system",
        "capi-janitor-system",
        "capi-addon-system",
    ] {
        assert!(
            controllers.iter().any(|l| l.starts_with(ns)),
            "{ns} missing:\n{pods}"
        );
    }
    assert!(
        controllers
            .iter()
            .all(|l| l.contains(" Running ") && l.contains("1/1")),
        "{pods}"
    );

    let capi = sim.kubectl_ok(&["-n", NS, "get", "cluster,openstackcluster,machines"]);
    assert!(
        capi.contains("cluster.cluster.x-k8s.io/capi-test-1-hx3b2mwz7k4q"),
        "{capi}"
    );
    assert!(
        capi.contains("openstackcluster.infrastructure.cluster.x-k8s.io/capi-test-1-hx3b2mwz7k4q"),
        "{capi}"
    );
    let machines: Vec<&str> = capi
        .lines()
        .filter(|l| l.starts_with("machine.cluster.x-k8s.io/"))
        .collect();
    assert_eq!(machines.len(), 2, "{capi}");
    assert!(machines.iter().all(|l| l.contains(" Running ")), "{capi}");
    let cluster_row = capi
        .lines()
        .find(|l| l.starts_with("cluster.cluster.x-k8s.io/"))
        .unwrap();
    assert!(cluster_row.contains(" False "), "Available=False: {capi}");

    // The condition names the LB (seed: check the LB before blaming CAPI).
    let msg = sim.kubectl_ok(&[
        "-n",
        NS,
        "get",
        "cluster",
        "-o",
        "jsonpath={.items[0].status.conditions[?(@.type==\"Available\")].message}",
    ]);
    assert!(
        msg.contains("InfrastructureReady")
            && msg.contains("timed out waiting for load balancer")
            && msg.contains(KUBE_API_LB),
        "{msg}"
    );
    // Plain JSON (what API clients read) carries the same conditions.
    let json = sim.kubectl_ok(&["-n", NS, "get", "openstackclusters", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["items"][0]["status"]["apiServerLoadBalancer"]["id"],
        KUBE_API_LB
    );
    assert_eq!(v["items"][0]["status"]["ready"], false);
}

/// Parked or still converging: the kube API does not answer.
#[test]
fn kube_api_is_unreachable_while_parked() {
    let sim = Sim::start("parked", 1.0);
    let (ok, _, err) = sim.kubectl(&["get", "nodes"]);
    assert!(!ok);
    assert!(
        err.contains("the server is currently unable to handle the request"),
        "{err}"
    );
}

/// Section 5c then 6: after a successful failover the kube API stays
/// usable and Cluster Available turns True ~10 min later.
#[test]
fn cluster_available_clears_about_10_min_after_failover() {
    let sim = Sim::start("lb-error", 60.0);
    assert_eq!(available(&sim), "False");
    let token = sim.token(crate::support::sim::CAPI_PROJECT);
    let (status, body) = http(
        sim.port,
        "PUT",
        &format!("/load-balancer/v2/lbaas/loadbalancers/{KUBE_API_LB}/failover"),
        &[("X-Auth-Token", &token)],
        "",
    );
    assert_eq!(status, 202, "{body}");
    let failover_at = sim.now_s();
    sim.wait_for(Duration::from_secs(30), "Available=True", || {
        // Retry through the brief blip of the kube-api endpoint.
        let (ok, out, _) = sim.kubectl(&AVAILABLE);
        (ok && out == "True").then_some(())
    });
    let took = sim.now_s() - failover_at;
    assert!(
        (108.0 + 600.0 - 5.0..=108.0 + 600.0 + 60.0).contains(&took),
        "Available after {took} s"
    );
    let lb = sim.state_item("load_balancers", "id", KUBE_API_LB);
    assert_eq!(lb["provisioning_status"], "ACTIVE");
    // Nodes and pods unaffected.
    let pods = sim.kubectl_ok(&["get", "pods", "-A"]);
    assert!(egrep_controllers(&pods)
        .iter()
        .all(|l| l.contains(" Running ")));
    let osc = sim.kubectl_ok(&["-n", NS, "get", "openstackcluster"]);
    assert!(osc.contains(" true "), "{osc}");
}
