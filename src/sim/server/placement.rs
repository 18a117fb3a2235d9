//! (being built)
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::{json_response, AppState, Req};

pub fn handle(_app: &AppState, req: &Req) -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        json!({"message": format!("{} is not served yet", req.path)}),
    )
}
