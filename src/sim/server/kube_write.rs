//! Changes to a scenario's own Kubernetes cluster (`[kube]`), and the
//! subresources kubectl and the kube client use on it: create, patch
//! (merge, strategic and server-side apply), delete, `scale`, `eviction`
//! and `log`.
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::kube::{not_found, status, Target};
use super::{json_response, AppState, Req};
use crate::sim::kube_world::{KubeError, KubeWorld, Preconditions};
use crate::sim::world::Ms;

fn refused(e: KubeError) -> Response {
    let code = StatusCode::from_u16(e.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = status(code, e.reason, e.message.clone());
    if e.code == 429 {
        // What the apiserver sends with a budget refusal.
        let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": e.message, "reason": e.reason, "code": 429,
            "details": {"causes": [{"reason": "DisruptionBudget", "message": e.message}]}});
        r = json_response(code, body);
    }
    r
}

fn bad_request(message: String) -> Response {
    status(StatusCode::BAD_REQUEST, "BadRequest", message)
}

/// Run `f` on the cluster now; a seed scenario (no `[kube]`) has none.
fn with_cluster<R>(
    app: &AppState,
    f: impl FnOnce(&mut KubeWorld, Ms) -> Result<R, KubeError>,
) -> Result<R, Response> {
    app.world
        .write(|w, now| w.kube.as_mut().map(|k| f(k, now)))
        .ok_or_else(|| {
            status(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                "the seed's management cluster is read-only in the simulator".into(),
            )
        })?
        .map_err(refused)
}

/// The request body as JSON; server-side apply may send YAML.
fn body(req: &Req) -> Result<Value, Response> {
    if req.body.is_empty() {
        return Err(bad_request("the request has no body".into()));
    }
    serde_json::from_slice(&req.body).or_else(|_| {
        let text = String::from_utf8_lossy(&req.body);
        serde_saphyr::from_str::<Value>(&text)
            .map_err(|e| bad_request(format!("the body is neither JSON nor YAML: {e}")))
    })
}

/// The `preconditions` of a delete's DeleteOptions body, if it has one.
fn delete_preconditions(req: &Req) -> Result<Preconditions, Response> {
    if req.body.is_empty() {
        return Ok(Preconditions::default());
    }
    let options = body(req)?;
    let field = |k: &str| {
        options["preconditions"][k]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    Ok(Preconditions {
        resource_version: field("resourceVersion"),
        uid: field("uid"),
    })
}

pub fn handle(app: &AppState, req: &Req, t: &Target) -> Response {
    match respond(app, req, t) {
        Ok(r) | Err(r) => r,
    }
}

fn respond(app: &AppState, req: &Req, t: &Target) -> Result<Response, Response> {
    let Some(kind) = t.kind() else {
        return Err(not_found(&req.path));
    };
    let ns = t.ns.unwrap_or_default().to_string();
    let ok = |v: Value| json_response(StatusCode::OK, v);
    match (&req.method, t.name, t.sub) {
        (&Method::POST, None, None) => {
            let mut o = body(req)?;
            if t.ns.is_some() {
                o["metadata"]["namespace"] = json!(ns);
            }
            let created = with_cluster(app, |k, now| k.create(o, now))?;
            Ok(json_response(StatusCode::CREATED, created))
        }
        (&Method::PATCH, Some(name), None) => {
            let patch = body(req)?;
            let content_type = req.header("content-type").unwrap_or_default();
            if content_type.starts_with("application/apply-patch") {
                let (o, created) =
                    with_cluster(app, |k, now| k.apply(kind, &ns, name, patch, now))?;
                let code = if created {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                };
                return Ok(json_response(code, o));
            }
            if content_type.starts_with("application/json-patch") {
                return Err(status(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "UnsupportedMediaType",
                    "the simulator takes merge, strategic merge and apply patches".into(),
                ));
            }
            Ok(ok(with_cluster(app, |k, now| {
                k.patch(kind, &ns, name, &patch, now)
            })?))
        }
        (&Method::PUT, Some(name), None) => {
            let o = body(req)?;
            Ok(ok(with_cluster(app, |k, now| {
                k.replace(kind, &ns, name, o, now)
            })?))
        }
        (&Method::DELETE, Some(name), None) => {
            let preconditions = delete_preconditions(req)?;
            Ok(ok(with_cluster(app, |k, now| {
                k.delete(kind, &ns, name, &preconditions, now)
            })?))
        }
        (&Method::GET, Some(name), Some("scale")) => {
            Ok(ok(with_cluster(app, |k, _| k.scale_of(kind, &ns, name))?))
        }
        (&Method::PATCH | &Method::PUT, Some(name), Some("scale")) => {
            let b = body(req)?;
            let Some(replicas) = b["spec"]["replicas"].as_i64() else {
                return Err(bad_request("the scale needs spec.replicas".into()));
            };
            Ok(ok(with_cluster(app, |k, now| {
                k.scale(kind, &ns, name, replicas, now)
            })?))
        }
        (&Method::GET, Some(name), Some("status")) => {
            Ok(ok(with_cluster(app, |k, _| k.get(kind, &ns, name))?))
        }
        (&Method::PATCH | &Method::PUT, Some(name), Some("status")) => {
            let b = body(req)?;
            Ok(ok(with_cluster(app, |k, now| {
                k.patch(kind, &ns, name, &b, now)
            })?))
        }
        (&Method::POST, Some(name), Some("eviction")) if kind == "Pod" => {
            with_cluster(app, |k, now| k.evict(&ns, name, now))?;
            Ok(json_response(
                StatusCode::CREATED,
                json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
            ))
        }
        (&Method::GET, Some(name), Some("log")) if kind == "Pod" => {
            let tail = req.q("tailLines").and_then(|t| t.parse::<usize>().ok());
            let timestamps = req.q("timestamps") == Some("true");
            let text = with_cluster(app, |k, _| k.logs(&ns, name, tail, timestamps))?;
            let mut r = (StatusCode::OK, text).into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            Ok(r)
        }
        _ => Err(status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!("{} {} is not served by the simulator", req.method, req.path),
        )),
    }
}
