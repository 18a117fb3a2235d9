//! The real OpenStack client against `rbk sim serve` over loopback HTTP: the
//! simulator is one more server the client must work with, seen only through
//! its HTTP APIs, its env files and `/_sim/stats`.

use std::time::{Duration, Instant};

use crate::support::sim_serve::SimServe;
use rbk::backends::openstack::{OpenStackConfig, RealOpenStack, Tuning};
use rbk::backends::{CallError, OpenStack, OpenStackScope};
use rbk::clock::Clock;

const CAPI_PROJECT: &str = "674171fd28d446d3a37073b6a761e910";
const VM: &str = "capi-mgmt-v2";

fn scopes(sim: &SimServe) -> (OpenStackScope, OpenStackScope) {
    let admin = OpenStackScope {
        openrc: Some(sim.openrc()),
        ..Default::default()
    };
    let capi = OpenStackScope {
        project_id: Some(CAPI_PROJECT.into()),
        ..admin.clone()
    };
    (admin, capi)
}

fn client() -> RealOpenStack {
    RealOpenStack::with_tuning(
        OpenStackConfig::default(),
        Clock::Wall,
        Tuning {
            timeout: Duration::from_secs(10),
            read_attempts: 3,
            backoff: Duration::from_millis(20),
        },
    )
}

/// The openrc's password, to prove it never shows up anywhere.
fn password(sim: &SimServe) -> String {
    let rc = std::fs::read_to_string(sim.openrc()).expect("openrc");
    let line = rc
        .lines()
        .find(|l| l.contains("OS_PASSWORD="))
        .expect("OS_PASSWORD in the openrc");
    line.split_once('=')
        .map(|(_, v)| v.trim().trim_matches(|c| c == '\'' || c == '"').to_string())
        .expect("value")
}

#[tokio::test]
async fn start_and_poll_with_one_token_per_scope_and_one_request_per_attempt() {
    let sim = SimServe::start("parked", 200.0);
    let os = client();
    let (admin, capi) = scopes(&sim);

    let vm = os.server_show(&capi, VM).await.expect("show by name");
    assert_eq!(vm.status, "SHUTOFF");
    assert_eq!(vm.project_id, CAPI_PROJECT);
    os.server_start(&capi, VM).await.expect("start");

    let show_path = format!("GET /compute/v2.1/servers/{}", vm.id);
    let before = sim.requests(&show_path);
    let started = Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        if os.server_show(&capi, VM).await.expect("poll").status == "ACTIVE" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never ACTIVE after {attempts} attempts"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        sim.requests(&show_path) - before,
        attempts,
        "one HTTP request per poll attempt"
    );

    let all = os
        .server_list(&admin, true)
        .await
        .expect("list --all-projects");
    assert!(all.iter().any(|s| s.name == VM), "{all:?}");
    let mine = os
        .server_list(&admin, false)
        .await
        .expect("list in admin's own project");
    assert!(
        mine.iter().all(|s| s.name != VM),
        "the admin project does not see capi-mgmt-v2 without --all-projects"
    );

    assert_eq!(
        sim.tokens_issued(),
        2,
        "one token per scope (capi + admin), stats: {}",
        sim.stats()
    );
    assert_eq!(os.tokens_issued().await, 2);
}

#[tokio::test]
async fn a_401_after_a_keystone_restart_reauthenticates_once() {
    let sim = SimServe::start("healthy", 1.0);
    let os = client();
    let (_, capi) = scopes(&sim);
    os.server_show(&capi, VM).await.expect("show");
    // Same port, new process: the cached token is unknown to it, and its
    // regenerated openrc holds a new password, which the client re-reads
    // once when Keystone refuses the old one.
    let sim = sim.restart("healthy", 1.0);
    let vm = os
        .server_show(&capi, VM)
        .await
        .expect("show after the restart");
    assert_eq!(vm.name, VM);
    assert_eq!(sim.tokens_issued(), 1, "exactly one re-authentication");
    assert_eq!(os.tokens_issued().await, 2);
}

#[tokio::test]
async fn not_found_and_conflict_are_clear_errors_without_secrets() {
    let sim = SimServe::start("healthy", 1.0);
    let os = client();
    let (admin, capi) = scopes(&sim);
    let secret = password(&sim);

    let err = os
        .server_show(&capi, "capi-mgmt-v3")
        .await
        .expect_err("no such server");
    assert!(
        matches!(&err, CallError::Remote { call, status: Some(404), message }
            if call == "openstack.server.show" && message.contains("capi-mgmt-v3")),
        "{err:?}"
    );

    let err = os
        .server_start(&capi, VM)
        .await
        .expect_err("already ACTIVE");
    assert!(
        matches!(&err, CallError::Remote { call, status: Some(409), .. } if call == "openstack.server.start"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("openstack.server.start failed: 409 Conflict: "),
        "{err}"
    );

    // Name lookup is project-scoped: the admin project does not see the VM.
    let err = os.server_show(&admin, VM).await.expect_err("wrong scope");
    assert_not_found(&err);

    let err = os
        .server_delete(&capi, "00000000-0000-0000-0000-000000000000")
        .await
        .expect_err("404");
    assert!(
        matches!(&err, CallError::Remote { call, status: Some(404), .. } if call == "openstack.server.delete"),
        "{err:?}"
    );

    let mut wrong = std::fs::read_to_string(sim.openrc()).expect("openrc");
    wrong = wrong.replace(&secret, "not-the-password");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("openrc"), wrong).expect("write");
    let bad = OpenStackScope {
        openrc: Some(dir.path().join("openrc")),
        ..Default::default()
    };
    let refused = os
        .server_list(&bad, false)
        .await
        .expect_err("wrong password");
    assert!(matches!(refused, CallError::Auth { .. }), "{refused:?}");

    for e in [&err, &refused] {
        let text = format!("{e} {e:?}");
        assert!(!text.contains(&secret), "password leaked: {text}");
    }
}

#[tokio::test]
async fn lb_repair_reads_and_failover_poll() {
    let sim = SimServe::start("lb-error", 50.0);
    let os = client();
    let (admin, capi) = scopes(&sim);

    let lbs = os.loadbalancer_list(&capi).await.expect("lb list");
    let broken = lbs
        .iter()
        .find(|lb| lb.provisioning_status == "ERROR")
        .expect("an LB in ERROR");
    assert_eq!(broken.operating_status, "ONLINE");
    let amphorae = os.amphora_list(&admin).await.expect("amphora list");
    assert!(
        amphorae.iter().any(|a| a.loadbalancer_id == broken.id),
        "{amphorae:?}"
    );

    let hvs = os.hypervisor_list(&admin).await.expect("hypervisors");
    assert!(!hvs.is_empty());
    for hv in &hvs {
        assert!(hv.memory_mb > 0 && hv.memory_mb_used > 0, "{hv:?}");
        assert_eq!(hv.ram_allocation_ratio, 1.5, "{hv:?}");
        assert_eq!(hv.reserved_host_memory_mb, 8192, "{hv:?}");
    }

    os.loadbalancer_failover(&admin, &broken.id)
        .await
        .expect("failover");
    let err = os
        .loadbalancer_failover(&admin, &broken.id)
        .await
        .expect_err("second failover while pending");
    assert!(
        matches!(&err, CallError::Remote { call, status: Some(409), message }
            if call == "openstack.loadbalancer.failover" && !message.is_empty()),
        "{err:?}"
    );
    let started = Instant::now();
    let status = loop {
        let lb = os
            .loadbalancer_show(&admin, &broken.id)
            .await
            .expect("lb show");
        if lb.provisioning_status == "ACTIVE" || lb.provisioning_status == "ERROR" {
            break lb.provisioning_status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "failover never finished"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status, "ACTIVE");
    assert_eq!(sim.tokens_issued(), 2, "{}", sim.stats());

    let err = os
        .loadbalancer_show(&admin, "no-such-lb")
        .await
        .expect_err("404");
    assert_not_found(&err);
}

#[tokio::test]
async fn magnum_health_while_parked_and_unknown_cluster() {
    let sim = SimServe::start("parked", 1.0);
    let os = client();
    let (_, capi) = scopes(&sim);
    let c = os
        .coe_cluster_show(&capi, "capi-test-1")
        .await
        .expect("coe cluster show");
    assert_eq!(c.name, "capi-test-1");
    assert_eq!(c.health_status, "UNHEALTHY", "{c:?}");
    assert!(
        c.health_status_reason.is_empty(),
        "parked: the conductor cannot reach the mgmt API: {c:?}"
    );
    let err = os
        .coe_cluster_show(&capi, "capi-test-9")
        .await
        .expect_err("404");
    assert!(
        matches!(&err, CallError::Remote { call, status: Some(404), message }
            if call == "openstack.coe.cluster.show" && message.contains("capi-test-9")),
        "{err:?}"
    );
}

#[tokio::test]
async fn kube_reads_against_the_simulated_mgmt_cluster() {
    use rbk::backends::kube::{is_true, RealKube};
    use rbk::backends::{Kube, KubeScope};
    let sim = SimServe::start("healthy", 1.0);
    let kube = RealKube::new(Clock::Wall);
    let scope = KubeScope {
        kubeconfig: Some(sim.kubeconfig()),
    };
    let nodes = kube.nodes(&scope).await.expect("nodes");
    assert!(nodes.iter().any(|n| n.ready), "{nodes:?}");
    let pods = kube.pods(&scope, None).await.expect("pods");
    assert!(pods.iter().any(|p| p.name.starts_with("capi-")), "{pods:?}");
    let ns = format!("magnum-{CAPI_PROJECT}");
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
        .expect("clusters");
    assert_eq!(clusters.len(), 1, "{clusters:?}");
    assert!(
        is_true(&clusters[0].conditions, "Ready") || is_true(&clusters[0].conditions, "Available"),
        "{clusters:?}"
    );
    let ocs = kube
        .list(
            &scope,
            "openstackcluster",
            &rbk::backends::KubeSelector {
                namespace: ns.to_string(),
                ..Default::default()
            },
        )
        .await
        .expect("openstackclusters");
    assert_eq!(ocs.len(), 1);
    let machines = kube
        .list(
            &scope,
            "machine",
            &rbk::backends::KubeSelector {
                namespace: ns.to_string(),
                ..Default::default()
            },
        )
        .await
        .expect("machines");
    assert!(
        !machines.is_empty() && machines.iter().all(|m| m.phase == "Running"),
        "{machines:?}"
    );
}

fn assert_not_found(err: &CallError) {
    assert!(
        matches!(
            err,
            CallError::Remote {
                status: Some(404),
                ..
            }
        ),
        "{err:?}"
    );
}

fn scenario_file(name: &str) -> String {
    format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"))
}

/// Nova's version document, as the client reads it after a 406.
const VERSION_DOCUMENT: &str = "GET /compute/v2.1/";

/// A Nova older than the 2.87 rbk asks for: one 406 and one read of the
/// version document per scope, then every request at Nova's maximum.
#[tokio::test]
async fn an_older_nova_is_asked_for_its_highest_microversion() {
    let sim = SimServe::start(&scenario_file("victoria-nova"), 50.0);
    let os = client();
    let (admin, capi) = scopes(&sim);

    let vm = os.server_show(&capi, VM).await.expect("show at 2.79");
    assert_eq!(vm.name, VM);
    assert_eq!(vm.status, "ACTIVE");
    assert_eq!(sim.requests(VERSION_DOCUMENT), 1, "{}", sim.stats());
    // Later calls in the scope go straight to 2.79: no second negotiation.
    let shows = sim.requests(&format!("GET /compute/v2.1/servers/{}", vm.id));
    os.server_show(&capi, VM).await.expect("show again");
    os.server_list(&capi, false).await.expect("list");
    assert_eq!(sim.requests(VERSION_DOCUMENT), 1, "{}", sim.stats());
    assert_eq!(
        sim.requests(&format!("GET /compute/v2.1/servers/{}", vm.id)),
        shows + 1
    );

    // 2.79 still has the memory figures and UUID hypervisor ids.
    let hvs = os
        .hypervisor_list(&admin)
        .await
        .expect("hypervisors at 2.79");
    assert!(!hvs.is_empty());
    for hv in &hvs {
        assert!(hv.memory_mb > 0 && hv.memory_mb_used > 0, "{hv:?}");
        assert_eq!(hv.ram_allocation_ratio, 1.5, "{hv:?}");
    }
    assert_eq!(sim.requests(VERSION_DOCUMENT), 2, "{}", sim.stats());
}

/// A Nova below what a call needs fails with both ranges named, whether it
/// learns that from the 406 or from an earlier negotiation in the scope.
#[tokio::test]
async fn a_too_old_nova_names_the_needed_and_offered_microversions() {
    let sim = SimServe::start(&scenario_file("ocata-nova"), 50.0);
    let os = client();
    let (admin, capi) = scopes(&sim);
    let expected = "the compute service offers microversions 2.1 to 2.42, but this call \
                    needs 2.53 or later (hypervisor ids that are Placement resource \
                    providers, for the headroom figures; rbk asks for 2.87)";

    // First call in the scope: the 406, then the version document.
    let err = os.hypervisor_list(&admin).await.expect_err("2.42 < 2.53");
    assert!(
        matches!(&err, CallError::Remote { call, status: Some(406), message }
            if call == "openstack.hypervisor.list" && message == expected),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("openstack.hypervisor.list failed: {expected}")
    );

    // Servers read fine at 2.42; after that the scope knows the range and
    // refuses the hypervisor list without asking Nova again.
    let vm = os.server_show(&capi, VM).await.expect("show at 2.42");
    assert_eq!(vm.status, "ACTIVE");
    let hv_path = "GET /compute/v2.1/os-hypervisors/detail";
    let before = sim.requests(hv_path);
    let err = os.hypervisor_list(&capi).await.expect_err("2.42 < 2.53");
    assert!(
        matches!(&err, CallError::Remote { status: Some(406), message, .. } if message == expected),
        "{err:?}"
    );
    assert_eq!(sim.requests(hv_path), before, "{}", sim.stats());
}
