//! What the hand-rolled fake servers share: a loopback listener served by
//! axum in the background with one fallback handler, and JSON answers.
use axum::handler::Handler;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// Bind 127.0.0.1 on a free port, build the fake's state from its base URL
/// (`http://127.0.0.1:PORT`) and serve every request with `handler`.
pub async fn start<S, H, T>(what: &str, make: impl FnOnce(String) -> S, handler: H) -> S
where
    S: Clone + Send + Sync + 'static,
    H: Handler<T, S>,
    T: 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind {what}: {e}"));
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let fake = make(base);
    let app = axum::Router::new()
        .fallback(handler)
        .with_state(fake.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    fake
}

/// A JSON body with its content type.
pub fn json(status: StatusCode, body: Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// A request header as text ("" when absent or not text).
pub fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}
