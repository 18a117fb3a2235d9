//! The OpenStack backend against a hand-rolled fake cloud on 127.0.0.1
//! (`support::fake_openstack`): tokens, re-authentication, retries, errors,
//! name resolution and secret hygiene.

use std::time::{Duration, Instant};

use crate::support::fake_openstack::{Fake, LB_ID, PASSWORD, PROJECT_ID, VM_ID};
use rbk::backends::openstack::{OpenStackConfig, RealOpenStack, Tuning};
use rbk::backends::{CallError, OpenStack, OpenStackScope};
use rbk::clock::Clock;

struct Setup {
    fake: Fake,
    os: RealOpenStack,
    admin: OpenStackScope,
    project: OpenStackScope,
    _dir: tempfile::TempDir,
}

async fn setup_with(clock: Clock, tuning: Tuning) -> Setup {
    let fake = Fake::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let rc = dir.path().join("admin-openrc");
    std::fs::write(&rc, fake.openrc()).expect("write openrc");
    let admin = OpenStackScope {
        openrc: Some(rc.clone()),
        ..Default::default()
    };
    let project = OpenStackScope {
        openrc: Some(rc),
        project_id: Some(PROJECT_ID.into()),
        ..Default::default()
    };
    // No OS_* from the test process leaks in: the config has an empty environment.
    let os = RealOpenStack::with_tuning(OpenStackConfig::default(), clock, tuning);
    Setup {
        fake,
        os,
        admin,
        project,
        _dir: dir,
    }
}

fn fast() -> Tuning {
    Tuning {
        timeout: Duration::from_secs(5),
        read_attempts: 3,
        backoff: Duration::from_millis(10),
    }
}

async fn setup() -> Setup {
    setup_with(Clock::Wall, fast()).await
}

#[tokio::test]
async fn one_token_per_scope_across_many_calls() {
    let s = setup().await;
    for _ in 0..10 {
        let vm = s.os.server_show(&s.project, VM_ID).await.expect("show");
        assert_eq!(vm.name, "capi-mgmt-v2");
    }
    s.os.loadbalancer_list(&s.project).await.expect("lb list");
    s.os.coe_cluster_show(&s.project, "capi-test-1")
        .await
        .expect("coe");
    assert_eq!(s.fake.with(|f| f.tokens_issued), 1);
    s.os.amphora_list(&s.admin).await.expect("amphorae");
    s.os.server_list(&s.admin, true).await.expect("list");
    assert_eq!(
        s.fake.with(|f| f.tokens_issued),
        2,
        "a second scope gets its own token"
    );
    assert_eq!(s.os.tokens_issued().await, 2);
    // One HTTP request per show by id.
    let shows = s
        .fake
        .service_requests()
        .iter()
        .filter(|(m, p)| m == "GET" && p.ends_with(VM_ID))
        .count();
    assert_eq!(shows, 10);
}

#[tokio::test]
async fn project_scope_is_by_id_without_names() {
    let s = setup().await;
    s.os.server_show(&s.project, VM_ID).await.expect("show");
    s.os.server_show(&s.admin, VM_ID).await.expect("show");
    let bodies = s.fake.with(|f| f.auth_bodies.clone());
    assert_eq!(
        bodies[0]["auth"]["scope"],
        serde_json::json!({"project": {"id": PROJECT_ID}})
    );
    assert_eq!(
        bodies[0]["auth"]["identity"]["password"]["user"]["domain"],
        serde_json::json!({"name": "admin_domain"}),
        "the user's domain stays"
    );
    assert_eq!(
        bodies[1]["auth"]["scope"],
        serde_json::json!({"project": {"name": "admin", "domain": {"name": "admin_domain"}}})
    );
}

#[tokio::test]
async fn a_401_reauthenticates_once() {
    let s = setup().await;
    s.os.server_show(&s.project, VM_ID).await.expect("show");
    // The token is revoked server-side: the next call re-authenticates and succeeds.
    s.fake.with(|f| f.tokens.clear());
    s.os.server_show(&s.project, VM_ID)
        .await
        .expect("show after revocation");
    assert_eq!(s.fake.with(|f| f.tokens_issued), 2);
    // A mutating call is safe to repeat after a 401 (nothing was done).
    s.fake.with(|f| f.tokens.clear());
    s.os.server_start(&s.project, VM_ID)
        .await
        .expect("start after revocation");
    assert_eq!(s.fake.with(|f| f.tokens_issued), 3);

    // A service that refuses every token: exactly one re-auth, then an Auth error.
    s.fake.with(|f| f.always_401 = true);
    let before = s.fake.with(|f| f.tokens_issued);
    let err =
        s.os.server_show(&s.project, VM_ID)
            .await
            .expect_err("401 forever");
    assert!(
        matches!(err, CallError::Auth { ref call, .. } if call == "openstack.server.show"),
        "{err:?}"
    );
    assert_eq!(s.fake.with(|f| f.tokens_issued), before + 1);
}

#[tokio::test]
async fn a_token_is_renewed_when_it_expires_on_the_runs_clock() {
    let clock = Clock::virtual_clock();
    let s = setup_with(clock.clone(), fast()).await;
    s.fake.with(|f| f.token_lifetime_secs = 600);
    s.os.server_show(&s.project, VM_ID).await.expect("show");
    clock.sleep(Duration::from_secs(300)).await;
    s.os.server_show(&s.project, VM_ID).await.expect("show");
    assert_eq!(
        s.fake.with(|f| f.tokens_issued),
        1,
        "still valid after 5 of 10 minutes"
    );
    clock.sleep(Duration::from_secs(300)).await;
    s.os.server_show(&s.project, VM_ID).await.expect("show");
    assert_eq!(
        s.fake.with(|f| f.tokens_issued),
        2,
        "renewed at the end of its life"
    );
}

#[tokio::test]
async fn not_found_and_conflict_name_the_call_and_carry_the_remote_message() {
    let s = setup().await;
    let err =
        s.os.coe_cluster_show(&s.project, "nope")
            .await
            .expect_err("404");
    assert!(
        matches!(&err, CallError::Remote { call, status: Some(404), message }
            if call == "openstack.coe.cluster.show" && message.contains("Cluster nope could not be found.")),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "openstack.coe.cluster.show failed: 404 Not Found: Cluster nope could not be found."
    );

    s.os.server_start(&s.project, "capi-mgmt-v2")
        .await
        .expect("start by name");
    let err =
        s.os.server_start(&s.project, VM_ID)
            .await
            .expect_err("already active");
    assert!(
        matches!(&err, CallError::Remote { call, status: Some(409), message }
            if call == "openstack.server.start" && message.contains("Cannot 'start' instance")),
        "{err:?}"
    );
    assert!(!err.is_transient());

    let err =
        s.os.loadbalancer_failover(&s.admin, LB_ID)
            .await
            .expect_err("409");
    assert!(
        err.to_string().contains("openstack.loadbalancer.failover")
            && err.to_string().contains("Invalid state PENDING_UPDATE"),
        "{err}"
    );

    let err =
        s.os.server_delete(&s.admin, "capi-mgmt-v2")
            .await
            .expect_err("names refused");
    assert!(matches!(err, CallError::Config { .. }), "{err:?}");
}

#[tokio::test]
async fn names_resolve_like_the_cli() {
    let s = setup().await;
    let vm =
        s.os.server_show(&s.project, "capi-mgmt-v2")
            .await
            .expect("by name");
    assert_eq!(vm.id, VM_ID);
    assert_eq!(vm.flavor, "gp.mid");
    assert_eq!(vm.host, "compute-1");
    assert_eq!(vm.addresses, vec!["192.168.10.5", "10.12.7.40"]);
    assert_eq!(
        vm.image, "img-1",
        "no image service in the catalog: the id stands in"
    );
    let first = s.fake.service_requests();
    assert!(
        first
            .iter()
            .any(|(_, p)| p.contains("/servers/detail?name=%5Ecapi%5C-mgmt%5C-v2%24")),
        "{first:?}"
    );
    // The resolved id is remembered: a poll costs one request per attempt.
    let n = s.fake.service_requests().len();
    s.os.server_show(&s.project, "capi-mgmt-v2")
        .await
        .expect("by name again");
    assert_eq!(s.fake.service_requests().len(), n + 1);

    let err =
        s.os.server_show(&s.project, "ghost")
            .await
            .expect_err("none");
    assert!(
        matches!(&err, CallError::Remote { status: Some(404), message, .. } if message.contains("\"ghost\"")),
        "{err:?}"
    );

    s.fake.with(|f| {
        f.extra_servers.push(serde_json::json!({"id": "11111111-2222-3333-4444-555555555555", "name": "twin", "status": "ACTIVE"}));
        f.extra_servers.push(serde_json::json!({"id": "11111111-2222-3333-4444-666666666666", "name": "twin", "status": "ACTIVE"}));
    });
    let err =
        s.os.server_show(&s.project, "twin")
            .await
            .expect_err("ambiguous");
    assert!(
        err.to_string()
            .contains("more than one server named \"twin\"; use the id"),
        "{err}"
    );
}

#[tokio::test]
async fn reads_retry_transient_errors_and_writes_never_do() {
    let s = setup().await;
    s.os.server_show(&s.project, VM_ID).await.expect("warm up");
    let n = s.fake.service_requests().len();
    s.fake.with(|f| f.fail_next = 2);
    s.os.server_show(&s.project, VM_ID)
        .await
        .expect("third attempt succeeds");
    assert_eq!(s.fake.service_requests().len(), n + 3);

    s.fake.with(|f| f.fail_next = 3);
    let err =
        s.os.server_show(&s.project, VM_ID)
            .await
            .expect_err("three 503s");
    assert!(
        matches!(
            err,
            CallError::Remote {
                status: Some(503),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("503 Service Unavailable"), "{err}");

    // A failover hitting a 503 is not repeated.
    let n = s.fake.service_requests().len();
    s.fake.with(|f| f.fail_next = 1);
    let err =
        s.os.loadbalancer_failover(&s.admin, LB_ID)
            .await
            .expect_err("503");
    assert!(err.is_transient());
    assert_eq!(
        s.fake.service_requests().len(),
        n + 1,
        "mutating calls never retry"
    );
}

#[tokio::test]
async fn every_request_has_a_timeout() {
    let s = setup_with(
        Clock::Wall,
        Tuning {
            timeout: Duration::from_millis(300),
            read_attempts: 1,
            backoff: Duration::ZERO,
        },
    )
    .await;
    s.os.server_show(&s.project, VM_ID).await.expect("warm up");
    s.fake.with(|f| f.delay = Duration::from_secs(5));
    let started = Instant::now();
    let err = s.os.server_show(&s.project, VM_ID).await.expect_err("slow");
    assert!(
        matches!(err, CallError::Timeout { ref call, .. } if call == "openstack.server.show"),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn hypervisors_combine_nova_2_87_and_placement() {
    let s = setup().await;
    let hvs = s.os.hypervisor_list(&s.admin).await.expect("hypervisors");
    assert_eq!(hvs.len(), 1);
    let hv = &hvs[0];
    assert_eq!(
        (hv.hostname.as_str(), hv.memory_mb, hv.memory_mb_used),
        ("compute-1", 64000, 80000)
    );
    assert_eq!(
        (hv.ram_allocation_ratio, hv.reserved_host_memory_mb),
        (1.5, 8192)
    );
    assert_eq!((hv.vcpus, hv.vcpus_used), (16, 30));
    let versions: Vec<String> = s.fake.with(|f| {
        f.requests
            .iter()
            .filter(|r| r.1.contains("os-hypervisors"))
            .map(|r| r.3.clone())
            .collect()
    });
    assert_eq!(versions, vec!["compute 2.87"]);
}

#[tokio::test]
async fn unreachable_keystone_is_transient_and_names_the_target() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let dir = tempfile::tempdir().expect("tempdir");
    let rc = dir.path().join("openrc");
    std::fs::write(&rc, format!("export OS_AUTH_URL=http://127.0.0.1:{port}/v3\nexport OS_USERNAME=a\nexport OS_PASSWORD={PASSWORD}\nexport OS_PROJECT_ID=p\n")).expect("write");
    let os = RealOpenStack::with_tuning(OpenStackConfig::default(), Clock::Wall, fast());
    let err = os
        .server_show(
            &OpenStackScope {
                openrc: Some(rc),
                ..Default::default()
            },
            "x",
        )
        .await
        .expect_err("nobody home");
    assert!(
        matches!(&err, CallError::Unreachable { target, .. } if target == &format!("127.0.0.1:{port}")),
        "{err:?}"
    );
    assert!(err.is_transient());
    assert!(!format!("{err} {err:?}").contains(PASSWORD));
}

#[tokio::test]
async fn the_openrc_password_appears_in_no_error_or_debug_output() {
    let s = setup().await;
    let mut seen = Vec::new();
    let mut record = |e: CallError| seen.push(format!("{e} | {e:?}"));
    record(
        s.os.coe_cluster_show(&s.project, "nope")
            .await
            .expect_err("404"),
    );
    record(
        s.os.server_show(&s.project, "ghost")
            .await
            .expect_err("404"),
    );
    record(
        s.os.loadbalancer_failover(&s.admin, LB_ID)
            .await
            .expect_err("409"),
    );
    s.fake.with(|f| f.always_401 = true);
    record(s.os.server_list(&s.admin, true).await.expect_err("401"));
    // Wrong password in a second openrc: Keystone's refusal.
    let dir = tempfile::tempdir().expect("tempdir");
    let rc = dir.path().join("bad-openrc");
    std::fs::write(
        &rc,
        s.fake
            .openrc()
            .replace(PASSWORD, &format!("{PASSWORD}-wrong")),
    )
    .expect("write");
    let bad = OpenStackScope {
        openrc: Some(rc),
        ..Default::default()
    };
    let err = s.os.server_list(&bad, false).await.expect_err("refused");
    assert!(matches!(err, CallError::Auth { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("Keystone refused the credentials from openrc"),
        "{err}"
    );
    record(err);
    // Config errors from a broken openrc quote neither the value nor the password.
    std::fs::write(
        dir.path().join("broken"),
        format!("export OS_PASSWORD='{PASSWORD}\n"),
    )
    .expect("write");
    let broken = OpenStackScope {
        openrc: Some(dir.path().join("broken")),
        ..Default::default()
    };
    record(
        s.os.server_list(&broken, false)
            .await
            .expect_err("broken openrc"),
    );
    let config = OpenStackConfig::default()
        .credentials(&s.project)
        .expect("creds");
    seen.push(format!("{config:?}"));
    for text in &seen {
        assert!(!text.contains(PASSWORD), "password leaked: {text}");
        assert!(!text.contains("tok-"), "token leaked: {text}");
    }
    assert_eq!(seen.len(), 7);
}
