//! A tiny hand-rolled Kubernetes API on 127.0.0.1 (plain HTTP): nodes,
//! pods, discovery for cluster.x-k8s.io, and Cluster API objects with a
//! paginated list, written from the API conventions. Tests read back what
//! the client asked for.
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{json, Value};

use super::fake_http::{self, header, json};

pub const TOKEN: &str = "kube-bearer-t0ken-do-not-print";
pub const NS: &str = "magnum-674171fd28d446d3a37073b6a761e910";

#[derive(Default)]
pub struct KubeState {
    /// Path and query of every request.
    pub requests: Vec<String>,
    /// Answer the next N requests with 503.
    pub fail_next: u32,
}

#[derive(Clone)]
pub struct FakeKube {
    pub state: Arc<Mutex<KubeState>>,
    pub base: String,
}

impl FakeKube {
    pub async fn start() -> FakeKube {
        let make = |base| FakeKube {
            state: Default::default(),
            base,
        };
        fake_http::start("fake kube", make, handle).await
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut KubeState) -> R) -> R {
        f(&mut self.state.lock().expect("state"))
    }

    pub fn kubeconfig(&self) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: capi-mgmt\n  cluster:\n    server: {}\n\
             contexts:\n- name: capi-mgmt\n  context:\n    cluster: capi-mgmt\n    user: admin\n\
             current-context: capi-mgmt\nusers:\n- name: admin\n  user:\n    token: {TOKEN}\n",
            self.base
        )
    }
}

fn json_ok(v: Value) -> Response {
    json(StatusCode::OK, v)
}

fn status(code: u16, reason: &str, message: &str) -> Response {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code});
    json(
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body,
    )
}

async fn handle(State(fake): State<FakeKube>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or("").to_string();
    let fail = fake.with(|s| {
        s.requests.push(format!("{path}?{query}"));
        let fail = s.fail_next > 0;
        if fail {
            s.fail_next -= 1;
        }
        fail
    });
    if header(&headers, "authorization") != format!("Bearer {TOKEN}") {
        return status(401, "Unauthorized", "Unauthorized");
    }
    if fail {
        return status(
            503,
            "ServiceUnavailable",
            "the server is currently unable to handle the request",
        );
    }
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        ["api", "v1", "nodes"] => json_ok(
            json!({"kind": "NodeList", "apiVersion": "v1", "metadata": {}, "items": [
            {"metadata": {"name": "capi-mgmt-v2", "labels": {"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/worker": ""}},
             "status": {"conditions": [{"type": "Ready", "status": "True"}],
                        "addresses": [{"type": "InternalIP", "address": "192.168.10.5"}, {"type": "Hostname", "address": "capi-mgmt-v2"}],
                        "nodeInfo": {"kubeletVersion": "v1.32.2", "machineID": "", "systemUUID": "", "bootID": "", "kernelVersion": "",
                                     "osImage": "", "containerRuntimeVersion": "", "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64"}}}]}),
        ),
        ["api", "v1", "pods"] | ["api", "v1", "namespaces", _, "pods"] => {
            let ns = if segs.len() == 5 {
                segs[3]
            } else {
                "capi-system"
            };
            if ns == "forbidden" {
                return status(403, "Forbidden", "pods is forbidden: User \"ops\" cannot list resource \"pods\" in API group \"\" in the namespace \"forbidden\"");
            }
            json_ok(
                json!({"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [
                {"metadata": {"name": "capi-controller-manager-7d9f", "namespace": ns},
                 "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                            "containerStatuses": [{"name": "manager", "restartCount": 4, "ready": true, "image": "x", "imageID": ""}]}}]}),
            )
        }
        ["apis"] => json_ok(
            json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [
            {"name": "cluster.x-k8s.io", "versions": [{"groupVersion": "cluster.x-k8s.io/v1beta1", "version": "v1beta1"}],
             "preferredVersion": {"groupVersion": "cluster.x-k8s.io/v1beta1", "version": "v1beta1"}}]}),
        ),
        ["apis", "cluster.x-k8s.io", "v1beta1"] => {
            json_ok(json!({"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": "cluster.x-k8s.io/v1beta1", "resources": [
                {"name": "clusters", "singularName": "cluster", "namespaced": true, "kind": "Cluster", "verbs": ["get", "list", "watch"]},
                {"name": "clusters/status", "singularName": "", "namespaced": true, "kind": "Cluster", "verbs": ["get"]},
                {"name": "machines", "singularName": "machine", "namespaced": true, "kind": "Machine", "verbs": ["get", "list", "watch"]}]}))
        }
        ["apis", "cluster.x-k8s.io", "v1beta1", "namespaces", _ns, "clusters"] => json_ok(json!({
            "kind": "ClusterList", "apiVersion": "cluster.x-k8s.io/v1beta1", "metadata": {}, "items": [
            {"apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "Cluster", "metadata": {"name": "capi-test-1", "namespace": NS},
             "status": {"phase": "Provisioned", "conditions": [
                {"type": "Ready", "status": "False", "reason": "LoadBalancerTimeout", "message": "timed out waiting for the load balancer", "severity": "Error"},
                {"type": "InfrastructureReady", "status": "False", "reason": "LoadBalancerTimeout", "message": "timed out waiting for the load balancer"}]}}]})),
        ["apis", "cluster.x-k8s.io", "v1beta1", "namespaces", _ns, "machines"] => {
            // Two pages: the first carries a continue token.
            let second = query.contains("continue=page2");
            let (name, cont) = if second {
                ("capi-test-1-md-0-x2", "")
            } else {
                ("capi-test-1-cp-x1", "page2")
            };
            json_ok(
                json!({"kind": "MachineList", "apiVersion": "cluster.x-k8s.io/v1beta1", "metadata": {"continue": cont}, "items": [
                {"apiVersion": "cluster.x-k8s.io/v1beta1", "kind": "Machine", "metadata": {"name": name, "namespace": NS},
                 "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}]}),
            )
        }
        _ => status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        ),
    }
}
