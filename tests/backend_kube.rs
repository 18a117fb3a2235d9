//! The kube backend against a hand-rolled Kubernetes API on 127.0.0.1
//! (`support::fake_kube`).

use std::time::Duration;

use crate::support::fake_kube::{FakeKube, NS, TOKEN};
use rbk::backends::kube::{is_true, KubeTuning, RealKube};
use rbk::backends::{CallError, Kube, KubeScope};
use rbk::clock::Clock;

async fn setup() -> (FakeKube, RealKube, KubeScope, tempfile::TempDir) {
    let fake = FakeKube::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("capi-mgmt.kubeconfig");
    std::fs::write(&path, fake.kubeconfig()).expect("write kubeconfig");
    let kube = RealKube::with_tuning(
        Clock::Wall,
        KubeTuning {
            timeout: Duration::from_secs(5),
            attempts: 3,
            backoff: Duration::from_millis(10),
        },
    );
    (
        fake,
        kube,
        KubeScope {
            kubeconfig: Some(path),
        },
        dir,
    )
}

#[tokio::test]
async fn nodes_are_typed() {
    let (_fake, kube, scope, _dir) = setup().await;
    let nodes = kube.nodes(&scope).await.expect("nodes");
    assert_eq!(nodes.len(), 1);
    let n = &nodes[0];
    assert_eq!(n.name, "capi-mgmt-v2");
    assert!(n.ready);
    assert_eq!(n.roles, vec!["control-plane", "worker"]);
    assert_eq!(n.internal_ip, "192.168.10.5");
    assert_eq!(n.kubelet_version, "v1.32.2");
}

#[tokio::test]
async fn pods_in_all_namespaces_or_one() {
    let (fake, kube, scope, _dir) = setup().await;
    let pods = kube.pods(&scope, None).await.expect("pods");
    assert_eq!(
        (pods[0].phase.as_str(), pods[0].ready, pods[0].restarts),
        ("Running", true, 4)
    );
    let pods = kube.pods(&scope, Some("capi-system")).await.expect("pods");
    assert_eq!(pods[0].namespace, "capi-system");
    let paths = fake.with(|s| s.requests.clone());
    assert!(
        paths[0].starts_with("/api/v1/pods?")
            && paths[1].starts_with("/api/v1/namespaces/capi-system/pods?"),
        "{paths:?}"
    );

    let err = kube.pods(&scope, Some("forbidden")).await.expect_err("403");
    assert!(
        matches!(&err, CallError::Remote { call, status: Some(403), message } if call == "kube.pods" && message.contains("cannot list resource")),
        "{err:?}"
    );
}

#[tokio::test]
async fn cluster_api_objects_with_conditions_via_discovery() {
    let (fake, kube, scope, _dir) = setup().await;
    let clusters = kube
        .list(
            &scope,
            "cluster",
            &rbk::backends::KubeSelector {
                namespace: NS.to_string(),
                ..Default::default()
            },
        )
        .await
        .expect("clusters");
    assert_eq!(clusters.len(), 1);
    let c = &clusters[0];
    assert_eq!(
        (c.kind.as_str(), c.name.as_str(), c.phase.as_str()),
        ("Cluster", "capi-test-1", "Provisioned")
    );
    assert!(!is_true(&c.conditions, "Ready"));
    assert_eq!(c.conditions[1].reason, "LoadBalancerTimeout");

    // Paginated, and discovery is done once per scope: the pinned
    // cluster.x-k8s.io/v1beta2 is not served here, so one 404 sends rbk to
    // discovery, which it then reads once for both kinds.
    let machines = kube
        .list(
            &scope,
            "machines.cluster.x-k8s.io",
            &rbk::backends::KubeSelector {
                namespace: NS.to_string(),
                ..Default::default()
            },
        )
        .await
        .expect("machines");
    let names: Vec<&str> = machines.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, vec!["capi-test-1-cp-x1", "capi-test-1-md-0-x2"]);
    kube.list(
        &scope,
        "cluster",
        &rbk::backends::KubeSelector {
            namespace: NS.to_string(),
            ..Default::default()
        },
    )
    .await
    .expect("again");
    let discovery = fake.with(|s| {
        s.requests
            .iter()
            .filter(|p| p.starts_with("/apis?") || p.starts_with("/apis/cluster.x-k8s.io/v1beta1?"))
            .count()
    });
    assert_eq!(
        discovery, 2,
        "one discovery for both kinds: /apis (no aggregated discovery here) + the group's version"
    );
    let unserved = fake.with(|s| {
        s.requests
            .iter()
            .filter(|p| p.starts_with("/apis/cluster.x-k8s.io/v1beta2/"))
            .count()
    });
    assert_eq!(unserved, 1, "the pinned version is tried once");

    let err = kube
        .list(
            &scope,
            "openstackcluster",
            &rbk::backends::KubeSelector {
                namespace: NS.to_string(),
                ..Default::default()
            },
        )
        .await
        .expect_err("group not served");
    assert!(
        err.to_string().contains("infrastructure.cluster.x-k8s.io"),
        "{err}"
    );
    let err = kube
        .list(
            &scope,
            "widgets",
            &rbk::backends::KubeSelector {
                namespace: NS.to_string(),
                ..Default::default()
            },
        )
        .await
        .expect_err("unknown kind");
    assert!(err.to_string().contains("\"widgets\""), "{err:?}");
}

#[tokio::test]
async fn transient_errors_are_retried() {
    let (fake, kube, scope, _dir) = setup().await;
    fake.with(|s| s.fail_next = 2);
    kube.nodes(&scope).await.expect("third attempt");
    assert_eq!(fake.with(|s| s.requests.len()), 3);
}

#[tokio::test]
async fn config_problems_are_config_errors_without_secrets() {
    let (fake, kube, _scope, dir) = setup().await;
    let missing = KubeScope {
        kubeconfig: Some(dir.path().join("nope")),
    };
    let err = kube.nodes(&missing).await.expect_err("missing kubeconfig");
    assert!(
        matches!(&err, CallError::Config { call, .. } if call == "kube.nodes"),
        "{err:?}"
    );

    let wrong = dir.path().join("wrong.kubeconfig");
    std::fs::write(&wrong, fake.kubeconfig().replace(TOKEN, "not-the-token")).expect("write");
    let err = kube
        .nodes(&KubeScope {
            kubeconfig: Some(wrong),
        })
        .await
        .expect_err("401");
    assert!(matches!(err, CallError::Auth { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("not-the-token"));

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let down = dir.path().join("down.kubeconfig");
    std::fs::write(
        &down,
        fake.kubeconfig()
            .replace(&fake.base, &format!("http://127.0.0.1:{port}")),
    )
    .expect("write");
    let err = kube
        .nodes(&KubeScope {
            kubeconfig: Some(down),
        })
        .await
        .expect_err("down");
    assert!(matches!(err, CallError::Unreachable { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains(TOKEN));
}
