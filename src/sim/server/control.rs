//! The simulator's own endpoints: `GET /_sim/state` (the whole world as JSON)
//! and `GET /_sim/stats` (requests by method and path, their `total` leaving
//! out the simulator's own, tokens issued).
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::{json_response, AppState, Req};

pub fn handle(app: &AppState, req: &Req) -> Response {
    match (&req.method, req.rest(1).as_slice()) {
        (&Method::GET, ["state"]) => {
            json_response(StatusCode::OK, crate::sim::state::state_json(&app.world))
        }
        (&Method::GET, ["stats"]) => json_response(StatusCode::OK, app.stats_json()),
        _ => json_response(
            StatusCode::NOT_FOUND,
            json!({"error": format!("{} {} is not a simulator endpoint (try GET /_sim/state or /_sim/stats)", req.method, req.path)}),
        ),
    }
}
