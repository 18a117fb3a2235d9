//! A tiny hand-rolled OpenStack on 127.0.0.1 for client tests: Keystone v3
//! tokens, and just enough Nova, Placement, Octavia and Magnum, written from
//! the api-ref shapes. Tests poke its state to provoke 401s, 5xx, 409s and
//! slow answers, and read back what the client sent.
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::fake_http::{self, header, json};

pub const PASSWORD: &str = "Sup3r-S3cret-Pa55w0rd";
pub const PROJECT_ID: &str = "674171fd28d446d3a37073b6a761e910";
pub const VM_ID: &str = "5a1c6e0e-8d7c-4b0e-9a53-3c1f0e6f7a01";
pub const LB_ID: &str = "0f968008-7c1a-4a47-9d2e-0123456789ab";
pub const HV_ID: &str = "b7d4f6a2-1111-4c3e-8e8e-222222222222";

#[derive(Default)]
pub struct FakeState {
    pub tokens: HashSet<String>,
    pub tokens_issued: u64,
    pub auth_bodies: Vec<Value>,
    /// (method, path, X-Auth-Token present, OpenStack-API-Version)
    pub requests: Vec<(String, String, bool, String)>,
    /// Answer the next N service requests with 503.
    pub fail_next: u32,
    /// Answer every service request with 401 (a broken Keystone/service pair).
    pub always_401: bool,
    /// Delay every service answer this long.
    pub delay: Duration,
    /// Token lifetime granted.
    pub token_lifetime_secs: i64,
    /// Server status as Nova reports it.
    pub vm_status: String,
    /// Extra servers (name duplicates etc.).
    pub extra_servers: Vec<Value>,
}

#[derive(Clone)]
pub struct Fake {
    pub state: Arc<Mutex<FakeState>>,
    pub base: String,
}

impl Fake {
    pub async fn start() -> Fake {
        let make = |base| Fake {
            state: Arc::new(Mutex::new(FakeState {
                token_lifetime_secs: 3600,
                vm_status: "SHUTOFF".into(),
                ..Default::default()
            })),
            base,
        };
        fake_http::start("fake cloud", make, handle).await
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut FakeState) -> R) -> R {
        f(&mut self.state.lock().expect("fake state"))
    }

    /// Service requests (not token requests) seen so far.
    pub fn service_requests(&self) -> Vec<(String, String)> {
        self.with(|s| {
            s.requests
                .iter()
                .map(|(m, p, _, _)| (m.clone(), p.clone()))
                .collect()
        })
    }

    /// An admin openrc pointing here.
    pub fn openrc(&self) -> String {
        format!(
            "# admin-openrc\nexport OS_AUTH_URL={}/identity/v3\nexport OS_USERNAME=admin\n\
             export OS_PASSWORD='{PASSWORD}'\nexport OS_USER_DOMAIN_NAME=admin_domain\n\
             export OS_PROJECT_NAME=admin\nexport OS_PROJECT_DOMAIN_NAME=admin_domain\n\
             export OS_REGION_NAME=RegionOne\nexport OS_INTERFACE=public\n",
            self.base
        )
    }
}

fn server(id: &str, name: &str, status: &str) -> Value {
    json!({"id": id, "name": name, "status": status, "tenant_id": PROJECT_ID,
        "image": {"id": "img-1", "links": []}, "flavor": {"original_name": "gp.mid", "vcpus": 2},
        "OS-EXT-SRV-ATTR:host": "compute-1",
        "addresses": {"capi-net": [{"addr": "192.168.10.5", "OS-EXT-IPS:type": "fixed"},
                                    {"addr": "10.12.7.40", "OS-EXT-IPS:type": "floating"}]}})
}

async fn handle(
    State(fake): State<Fake>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or("").to_string();
    if path == "/identity/v3/auth/tokens" && method == Method::POST {
        return issue_token(&fake, &body);
    }
    let token = header(&headers, "x-auth-token");
    let version = header(&headers, "openstack-api-version");
    let (delay, fail, valid, always_401) = fake.with(|s| {
        s.requests.push((
            method.to_string(),
            format!(
                "{path}{}",
                if query.is_empty() {
                    String::new()
                } else {
                    format!("?{query}")
                }
            ),
            !token.is_empty(),
            version.clone(),
        ));
        let fail = s.fail_next > 0;
        if fail {
            s.fail_next -= 1;
        }
        (s.delay, fail, s.tokens.contains(&token), s.always_401)
    });
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if always_401 || !valid {
        return json(
            StatusCode::UNAUTHORIZED,
            json!({"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}),
        );
    }
    if fail {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "<html><body><h1>503 Service Unavailable</h1></body></html>",
        )
            .into_response();
    }
    route(&fake, &method, &path, &query, &version)
}

fn issue_token(fake: &Fake, body: &[u8]) -> Response {
    let req: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let password = req
        .pointer("/auth/identity/password/user/password")
        .and_then(Value::as_str)
        .unwrap_or("");
    if password != PASSWORD {
        return json(
            StatusCode::UNAUTHORIZED,
            json!({"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}),
        );
    }
    let project_id = req
        .pointer("/auth/scope/project/id")
        .and_then(Value::as_str)
        .unwrap_or("admin-project-id")
        .to_string();
    let (token, lifetime) = fake.with(|s| {
        s.tokens_issued += 1;
        let token = format!("tok-{}-{}", s.tokens_issued, uuid_like(s.tokens_issued));
        s.tokens.insert(token.clone());
        // Keep the password out of what tests may print.
        let mut logged = req.clone();
        if let Some(p) = logged.pointer_mut("/auth/identity/password/user/password") {
            *p = json!("<redacted>");
        }
        s.auth_bodies.push(logged);
        (token, s.token_lifetime_secs)
    });
    let issued: jiff::Timestamp = "2026-06-10T08:00:00Z".parse().expect("ts");
    let expires = issued
        .checked_add(jiff::SignedDuration::from_secs(lifetime))
        .expect("ts");
    let b = &fake.base;
    let body = json!({"token": {
    "methods": ["password"], "issued_at": issued.to_string(), "expires_at": expires.to_string(),
    "project": {"id": project_id, "name": "p", "domain": {"id": "d"}},
    "catalog": [
        {"type": "identity", "endpoints": [{"interface": "public", "region_id": "RegionOne", "url": format!("{b}/identity/v3")}]},
        {"type": "compute", "endpoints": [
            {"interface": "public", "region_id": "RegionOne", "url": format!("{b}/compute/v2.1")},
            {"interface": "internal", "region_id": "RegionOne", "url": "http://10.0.0.1:8774/v2.1"}]},
        {"type": "placement", "endpoints": [{"interface": "public", "region_id": "RegionOne", "url": format!("{b}/placement")}]},
        {"type": "load-balancer", "endpoints": [{"interface": "public", "region_id": "RegionOne", "url": format!("{b}/lb")}]},
        {"type": "container-infra", "endpoints": [{"interface": "public", "region_id": "RegionOne", "url": format!("{b}/magnum/v1")}]}
    ]}});
    (
        StatusCode::CREATED,
        [
            ("x-subject-token", token),
            ("content-type", "application/json".into()),
        ],
        body.to_string(),
    )
        .into_response()
}

fn uuid_like(n: u64) -> String {
    format!("{n:032x}")
}

fn route(fake: &Fake, method: &Method, path: &str, query: &str, version: &str) -> Response {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method.as_str(), segs.as_slice()) {
        ("GET", ["compute", "v2.1", "servers", "detail"]) => {
            let mut all = vec![server(
                VM_ID,
                "capi-mgmt-v2",
                &fake.with(|s| s.vm_status.clone()),
            )];
            all.extend(fake.with(|s| s.extra_servers.clone()));
            let wanted = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("name="))
                .map(|v| {
                    let v = percent_decode(v);
                    v.trim_start_matches('^')
                        .trim_end_matches('$')
                        .replace('\\', "")
                });
            let servers: Vec<Value> = all
                .into_iter()
                .filter(|s| wanted.as_ref().is_none_or(|w| s["name"] == json!(w)))
                .collect();
            json(StatusCode::OK, json!({"servers": servers}))
        }
        ("GET", ["compute", "v2.1", "servers", id]) => {
            if *id == VM_ID {
                json(
                    StatusCode::OK,
                    json!({"server": server(VM_ID, "capi-mgmt-v2", &fake.with(|s| s.vm_status.clone()))}),
                )
            } else {
                json(
                    StatusCode::NOT_FOUND,
                    json!({"itemNotFound": {"code": 404, "message": format!("Instance {id} could not be found.")}}),
                )
            }
        }
        ("POST", ["compute", "v2.1", "servers", id, "action"]) if *id == VM_ID => {
            let status = fake.with(|s| s.vm_status.clone());
            if status == "ACTIVE" {
                return json(
                    StatusCode::CONFLICT,
                    json!({"conflictingRequest": {"code": 409,
                    "message": format!("Cannot 'start' instance {VM_ID} while it is in vm_state active")}}),
                );
            }
            fake.with(|s| s.vm_status = "ACTIVE".into());
            (StatusCode::ACCEPTED, "").into_response()
        }
        ("DELETE", ["compute", "v2.1", "servers", id]) => json(
            StatusCode::NOT_FOUND,
            json!({"itemNotFound": {"code": 404, "message": format!("Instance {id} could not be found.")}}),
        ),
        ("GET", ["compute", "v2.1", "os-hypervisors", "detail"]) => {
            if version != "compute 2.87" {
                return json(
                    StatusCode::OK,
                    json!({"hypervisors": [{"id": 1, "hypervisor_hostname": "compute-1"}]}),
                );
            }
            json(
                StatusCode::OK,
                json!({"hypervisors": [{"id": HV_ID, "hypervisor_hostname": "compute-1",
                "memory_mb": 64000, "memory_mb_used": 80000, "vcpus": 16, "vcpus_used": 30, "status": "enabled", "state": "up"}]}),
            )
        }
        ("GET", ["placement", "resource_providers", id, "inventories"]) if *id == HV_ID => json(
            StatusCode::OK,
            json!({"resource_provider_generation": 3, "inventories": {
                "MEMORY_MB": {"total": 64000, "reserved": 8192, "allocation_ratio": 1.5, "min_unit": 1, "max_unit": 64000, "step_size": 1},
                "VCPU": {"total": 16, "reserved": 0, "allocation_ratio": 16.0, "min_unit": 1, "max_unit": 16, "step_size": 1}}}),
        ),
        ("GET", ["lb", "v2", "lbaas", "loadbalancers"]) => json(
            StatusCode::OK,
            json!({"loadbalancers": [lb()], "loadbalancers_links": []}),
        ),
        ("GET", ["lb", "v2", "lbaas", "loadbalancers", id]) if *id == LB_ID => {
            json(StatusCode::OK, json!({"loadbalancer": lb()}))
        }
        ("PUT", ["lb", "v2", "lbaas", "loadbalancers", id, "failover"]) if *id == LB_ID => json(
            StatusCode::CONFLICT,
            json!({"faultcode": "Client", "faultstring": format!("Invalid state PENDING_UPDATE of loadbalancer resource {LB_ID}"), "debuginfo": null}),
        ),
        ("GET", ["lb", "v2", "octavia", "amphorae"]) => json(
            StatusCode::OK,
            json!({"amphorae": [
            {"id": "a1", "loadbalancer_id": LB_ID, "compute_id": "c1", "status": "ALLOCATED", "role": "STANDALONE", "lb_network_ip": "172.16.0.5"}]}),
        ),
        ("GET", ["magnum", "v1", "clusters", "capi-test-1"]) => json(
            StatusCode::OK,
            json!({"uuid": "c-uuid", "name": "capi-test-1",
            "status": "UPDATE_COMPLETE", "health_status": "UNHEALTHY", "health_status_reason": {}}),
        ),
        ("GET", ["magnum", "v1", "clusters", name]) => json(
            StatusCode::NOT_FOUND,
            json!({"errors": [{"request_id": "", "code": "client",
            "status": 404, "title": format!("Cluster {name} could not be found."), "detail": format!("Cluster {name} could not be found.")}]}),
        ),
        _ => json(
            StatusCode::NOT_FOUND,
            json!({"itemNotFound": {"code": 404, "message": format!("no route {method} {path}")}}),
        ),
    }
}

fn lb() -> Value {
    json!({"id": LB_ID, "name": "kube-api", "provisioning_status": "ERROR", "operating_status": "ONLINE",
        "vip_address": "192.168.10.200", "project_id": PROJECT_ID})
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
