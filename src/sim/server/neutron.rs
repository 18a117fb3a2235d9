//! Neutron, as a catalog entry and empty lists only: the octavia CLI plugin
//! insists on a network endpoint even when it never asks it anything.
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::{authenticate, json_response, AppState, Req};

pub fn handle(app: &AppState, req: &Req) -> Response {
    let rest = req.rest(1);
    match (&req.method, rest.as_slice()) {
        (&Method::GET, []) => json_response(
            StatusCode::OK,
            json!({"versions": [{"id": "v2.0", "status": "CURRENT",
                                 "links": [{"href": app.url("/network/v2.0/"), "rel": "self"}]}]}),
        ),
        _ if authenticate(app, req).is_err() => super::keystone::unauthorized(),
        (&Method::GET, ["v2.0"]) => json_response(StatusCode::OK, json!({"resources": []})),
        (&Method::GET, ["v2.0", collection]) => json_response(
            StatusCode::OK,
            json!({collection.trim_end_matches(".json"): []}),
        ),
        _ => json_response(
            StatusCode::NOT_FOUND,
            json!({"NeutronError": {"type": "HTTPNotFound", "message": "The resource could not be found.", "detail": ""}}),
        ),
    }
}
