//! The simulated cloud's HTTP front: one axum fallback handler that routes on
//! the first path segment to one module per API family. The OpenStack
//! services live under `/identity`, `/compute`, `/image`, `/placement`,
//! `/load-balancer` and `/container-infra`; the Kubernetes API at the root
//! (`/api`, `/apis`, `/version`); the simulator's own endpoints under `/_sim`.
// Handlers short-circuit with the API's own error response; boxing it buys nothing.
#![allow(clippy::result_large_err)]
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::world::Ms;
use super::SharedWorld;

pub mod cinder;
pub mod control;
pub mod glance;
pub mod keystone;
pub mod kube;
pub mod kube_write;
pub mod magnum;
pub mod neutron;
pub mod nova;
pub mod nova_ops;
pub mod octavia;
pub mod placement;

/// A Keystone token the server issued.
#[derive(Clone)]
pub struct Token {
    pub user_id: String,
    /// None for an unscoped token.
    pub project_id: Option<String>,
    pub is_admin: bool,
    pub methods: Vec<String>,
    pub issued_at: jiff::Timestamp,
    pub expires_at: jiff::Timestamp,
    pub audit_id: String,
}

/// The HTTP requests `rbk sim serve` has answered, by method and path,
/// and the tokens it issued: what `GET /_sim/stats` shows.
#[derive(Default)]
pub struct RequestCounts {
    pub requests: BTreeMap<String, u64>,
    /// Every request answered, but the simulator's own (`/_sim/...`).
    pub total: u64,
    pub tokens_issued: u64,
}

/// Shared by every request.
pub struct AppState {
    pub world: SharedWorld,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base: String,
    pub password: String,
    pub kube_token: String,
    pub tokens: Mutex<HashMap<String, Token>>,
    pub stats: Mutex<RequestCounts>,
    /// How the Kubernetes API answers discovery.
    pub kube_discovery: KubeDiscovery,
}

/// The discovery a simulated Kubernetes API server offers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum KubeDiscovery {
    /// Aggregated discovery (`apidiscovery.k8s.io/v2`) to the clients that
    /// ask for it, as every API server since 1.30 does.
    #[default]
    Aggregated,
    /// Only the legacy documents (`/api`, `/apis`, one list per group
    /// version), as a server before 1.27 or with the
    /// `AggregatedDiscoveryEndpoint` feature gate off.
    Legacy,
}

impl AppState {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn stats_json(&self) -> Value {
        let stats = self.stats.lock().unwrap_or_else(|e| e.into_inner());
        json!({"requests": stats.requests, "total": stats.total, "tokens_issued": stats.tokens_issued})
    }
}

/// One parsed request, handed to the API modules.
pub struct Req {
    pub method: Method,
    pub path: String,
    pub segs: Vec<String>,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Req {
    pub fn q(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The segments after the first `n`, as &str, for slice patterns.
    pub fn rest(&self, n: usize) -> Vec<&str> {
        self.segs.iter().skip(n).map(String::as_str).collect()
    }

    pub fn json_body(&self) -> Option<Value> {
        if self.body.is_empty() {
            return Some(Value::Null);
        }
        serde_json::from_slice(&self.body).ok()
    }
}

/// A JSON response.
pub fn json_response(status: StatusCode, body: Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

pub fn empty(status: StatusCode) -> Response {
    status.into_response()
}

/// Simulated time as the APIs print it: `2026-06-10T08:00:20Z`.
pub fn iso(ms: Ms) -> String {
    timestamp(ms).strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `2026-06-10T08:00:20.000000` (Nova's launched_at, Octavia's created_at).
pub fn iso_micro(ms: Ms) -> String {
    timestamp(ms).strftime("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

pub fn timestamp(ms: Ms) -> jiff::Timestamp {
    crate::clock::sim_epoch()
        .checked_add(jiff::SignedDuration::from_millis(ms))
        .unwrap_or_else(|_| crate::clock::sim_epoch())
}

/// The token on this request, or the API's 401.
pub fn authenticate(app: &AppState, req: &Req) -> Result<Token, Response> {
    let token = req.header("x-auth-token").unwrap_or_default();
    let tokens = app.tokens.lock().unwrap_or_else(|e| e.into_inner());
    match tokens.get(token) {
        Some(t) if t.expires_at > jiff::Timestamp::now() => Ok(t.clone()),
        _ => Err(keystone::unauthorized()),
    }
}

pub async fn dispatch(
    State(app): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    {
        let mut stats = app.stats.lock().unwrap_or_else(|e| e.into_inner());
        *stats
            .requests
            .entry(format!("{method} {path}"))
            .or_default() += 1;
        if !path.starts_with("/_sim/") {
            stats.total += 1;
        }
    }
    let query = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let segs = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let req = Req {
        method,
        path,
        segs,
        query,
        headers,
        body,
    };
    let first = req.segs.first().map(String::as_str).unwrap_or("");
    match first {
        "identity" => keystone::handle(&app, &req),
        "compute" => nova::handle(&app, &req),
        "image" => glance::handle(&app, &req),
        "network" => neutron::handle(&app, &req),
        "volume" => cinder::handle(&app, &req),
        "placement" => placement::handle(&app, &req),
        "load-balancer" => octavia::handle(&app, &req),
        "container-infra" => magnum::handle(&app, &req),
        "_sim" => control::handle(&app, &req),
        "api" | "apis" | "version" | "openapi" | "healthz" | "livez" | "readyz" => {
            kube::handle(&app, &req)
        }
        "" => json_response(
            StatusCode::OK,
            json!({"rbk": "simulated cloud", "identity": app.url("/identity/v3"), "kubernetes": app.base}),
        ),
        _ => json_response(
            StatusCode::NOT_FOUND,
            json!({"error": {"code": 404, "message": format!("{} is not part of the simulated cloud", req.path)}}),
        ),
    }
}
