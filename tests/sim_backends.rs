//! The project's own real OpenStack and Kubernetes clients against an
//! in-process `SimCloud` on a virtual clock (what `rbk exec --sim` does),
//! with ssh/tcp/local answered by the world.
use std::collections::HashMap;
use std::time::Duration;

use rbk::backends::openstack::{OpenStackConfig, RealOpenStack};
use rbk::backends::sim::SimBackends;
use rbk::backends::{kube::RealKube, Kube, KubeScope, OpenStack, OpenStackScope};
use rbk::clock::Clock;
use rbk::sim::{Scenario, SimCloud};

const CAPI: &str = "674171fd28d446d3a37073b6a761e910";
const LB: &str = "0f968008-2c6e-4d0a-9d43-7f3b5c1a8e21";

fn capi() -> OpenStackScope {
    OpenStackScope {
        project_id: Some(CAPI.into()),
        ..Default::default()
    }
}

async fn cloud(name: &str, clock: &Clock) -> (SimCloud, RealOpenStack, tempfile::TempDir) {
    let cloud = SimCloud::start(Scenario::named(name).unwrap(), clock.clone(), None)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    cloud.write_env(dir.path()).unwrap();
    let text = std::fs::read_to_string(dir.path().join("openrc")).unwrap();
    let env: HashMap<String, String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let os = RealOpenStack::new(OpenStackConfig { cloud: None, env }, clock.clone());
    (cloud, os, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parked_start_story_through_the_real_clients() {
    let clock = Clock::virtual_clock();
    let (cloud, os, _dir) = cloud("parked", &clock).await;
    let vm = os.server_show(&capi(), "capi-mgmt-v2").await.unwrap();
    assert_eq!(vm.status, "SHUTOFF");
    let health = os.coe_cluster_show(&capi(), "capi-test-1").await.unwrap();
    assert_eq!(health.health_status, "UNHEALTHY");
    assert!(health.health_status_reason.is_empty());
    os.server_start(&capi(), "capi-mgmt-v2").await.unwrap();
    clock.sleep(Duration::from_secs(20)).await;
    assert_eq!(
        os.server_show(&capi(), "capi-mgmt-v2")
            .await
            .unwrap()
            .status,
        "ACTIVE"
    );
    let b = SimBackends::for_cloud(&cloud);
    assert!(!b
        .tcp
        .probe("10.12.7.40", 22, Duration::from_secs(5))
        .await
        .unwrap());
    clock.sleep(Duration::from_secs(200)).await;
    assert!(b
        .tcp
        .probe("10.12.7.40", 22, Duration::from_secs(5))
        .await
        .unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lb_repair_story_through_the_real_clients() {
    let clock = Clock::virtual_clock();
    let (cloud, os, dir) = cloud("no-headroom-with-zombie", &clock).await;
    let admin = OpenStackScope::default();
    let lbs = os.loadbalancer_list(&capi()).await.unwrap();
    assert_eq!(
        lbs.iter().find(|l| l.id == LB).unwrap().provisioning_status,
        "ERROR"
    );
    let hvs = os.hypervisor_list(&admin).await.unwrap();
    assert_eq!(hvs.len(), 3);
    assert!(hvs.iter().all(|h| h.memory_mb_used + 1024
        > (h.memory_mb as f64 * h.ram_allocation_ratio) as i64 - h.reserved_host_memory_mb));

    // Sweep: Nova's amphora servers minus Octavia's amphorae.
    let amps = os.amphora_list(&admin).await.unwrap();
    let servers = os.server_list(&admin, true).await.unwrap();
    let orphans: Vec<_> = servers
        .iter()
        .filter(|s| s.image == "amphora-haproxy" || s.name.starts_with("amphora-"))
        .filter(|s| !amps.iter().any(|a| a.compute_id == s.id))
        .collect();
    assert_eq!(orphans.len(), 1, "{orphans:?}");
    os.server_delete(&admin, &orphans[0].id).await.unwrap();

    os.loadbalancer_failover(&admin, LB).await.unwrap();
    clock.sleep(Duration::from_secs(108)).await;
    assert_eq!(
        os.loadbalancer_show(&admin, LB)
            .await
            .unwrap()
            .provisioning_status,
        "ACTIVE"
    );

    // Kube: the CAPI condition clears ~10 min after the failover.
    let kube = RealKube::new(clock.clone());
    let scope = KubeScope {
        kubeconfig: Some(dir.path().join("kubeconfig")),
    };
    let ns = format!("magnum-{CAPI}");
    let available = |objs: &[rbk::backends::KubeObject]| {
        objs[0]
            .conditions
            .iter()
            .find(|c| c.type_ == "Available")
            .map(|c| c.status.clone())
    };
    let clusters = kube
        .list(
            &scope,
            "cluster",
            &rbk::backends::KubeSelector {
                namespace: ns.to_string(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(available(&clusters).as_deref(), Some("False"));
    clock.sleep(Duration::from_secs(600)).await;
    let clusters = kube
        .list(
            &scope,
            "cluster",
            &rbk::backends::KubeSelector {
                namespace: ns.to_string(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(available(&clusters).as_deref(), Some("True"));
    assert_eq!(kube.nodes(&scope).await.unwrap().len(), 1);
    assert!(kube
        .pods(&scope, None)
        .await
        .unwrap()
        .iter()
        .all(|p| p.phase == "Running"));
    assert_eq!(
        kube.list(
            &scope,
            "machine",
            &rbk::backends::KubeSelector {
                namespace: ns.to_string(),
                ..Default::default()
            }
        )
        .await
        .unwrap()
        .len(),
        2
    );
    drop(cloud);
}

/// `rbk exec --sim`'s full backend set: an openrc path in a scope means the
/// sim's credentials, and a kubeconfig path is a file on the simulated
/// operator's machine (re-emitted over ssh when missing, as in the seed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_backends_map_credential_sources_onto_the_sim() {
    let clock = Clock::virtual_clock();
    let s = Scenario::from_toml_str("base = \"healthy\"\nkubeconfig_present = false\n").unwrap();
    let cloud = SimCloud::start(s, clock.clone(), None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    cloud.write_env(dir.path()).unwrap();
    let b = rbk::backends::sim::sim_backends(&cloud, clock.clone(), &dir.path().join("kubeconfig"));

    let scope = OpenStackScope {
        openrc: Some("~/admin-openrc".into()),
        project_id: Some(CAPI.into()),
        ..Default::default()
    };
    assert_eq!(
        b.openstack
            .server_show(&scope, "capi-mgmt-v2")
            .await
            .unwrap()
            .status,
        "ACTIVE"
    );

    let kscope = KubeScope {
        kubeconfig: Some("~/capi-mgmt.kubeconfig".into()),
    };
    let err = b.kube.nodes(&kscope).await.unwrap_err();
    assert!(err.to_string().contains("No such file"), "{err}");
    let ssh = rbk::backends::SshScope {
        host: "10.12.7.40".into(),
        port: 22,
        user: "ubuntu".into(),
        key: None,
        known_hosts: rbk::backends::KnownHostsPolicy::AcceptNew,
        known_hosts_file: None,
        connect_timeout: Duration::from_secs(10),
    };
    let out = b
        .ssh
        .run(
            &ssh,
            "sudo k8s config server=https://10.12.7.40:6443 </dev/null",
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    b.local
        .file_write("~/capi-mgmt.kubeconfig", &out.stdout)
        .await
        .unwrap();
    let nodes = b.kube.nodes(&kscope).await.unwrap();
    assert_eq!(nodes[0].name, "capi-mgmt-v2");
    assert!(nodes[0].ready);
}
