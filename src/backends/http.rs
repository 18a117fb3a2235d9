//! `http.get` / `http.request`: plain HTTP(S) from the operator's machine,
//! for health endpoints and the odd API the other families do not cover.
//! The same reqwest + rustls stack as the OpenStack client: certificates
//! are verified unless the call says `insecure: true`, and a `cacert` adds
//! a PEM bundle to the trusted roots. Header values are the caller's
//! secrets: nothing here puts them in an error.
use async_trait::async_trait;

use super::openstack::client::transport_error;
use super::{tls, CallError, Http, HttpRequest, HttpResponse};

/// Bodies longer than this are cut (a health endpoint answers in bytes).
const MAX_BODY: usize = 1 << 20;

#[derive(Debug, Clone, Copy, Default)]
pub struct RealHttp;

fn config(req: &HttpRequest, message: String) -> CallError {
    CallError::Config {
        call: req.call.into(),
        message,
    }
}

fn client(req: &HttpRequest) -> Result<reqwest::Client, CallError> {
    tls::ensure_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .timeout(req.timeout)
        .user_agent(concat!("rbk/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = &req.cacert {
        let pem = std::fs::read(path)
            .map_err(|e| config(req, format!("cannot read CA file {}: {e}", path.display())))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| config(req, format!("CA file {} is not PEM: {e}", path.display())))?;
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    if req.insecure {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    builder
        .build()
        .map_err(|e| config(req, format!("cannot build the HTTP client: {e}")))
}

/// Check a request before sending it: a URL rbk can send to, a method, and
/// headers reqwest accepts (named by header, never by value).
pub fn validate(req: &HttpRequest) -> Result<(reqwest::Url, reqwest::Method), CallError> {
    let url = reqwest::Url::parse(&req.url)
        .map_err(|e| config(req, format!("{:?} is not a URL: {e}", req.url)))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(config(req, format!("{}: only http and https", req.url)));
    }
    let method = reqwest::Method::from_bytes(req.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| config(req, format!("{:?} is not an HTTP method", req.method)))?;
    for (name, value) in &req.headers {
        reqwest::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| config(req, format!("{name:?} is not a header name")))?;
        reqwest::header::HeaderValue::from_str(value)
            .map_err(|_| config(req, format!("the value of header {name} is not valid")))?;
    }
    Ok((url, method))
}

/// The answer as the record procedures read: the body as text and, when it
/// parses, as JSON.
pub fn response(status: u16, content_type: String, body: String) -> HttpResponse {
    let json = serde_json::from_str(&body).unwrap_or(serde_json::Value::Null);
    HttpResponse {
        status: i64::from(status),
        body,
        json,
        content_type,
    }
}

#[async_trait]
impl Http for RealHttp {
    async fn request(&self, req: &HttpRequest) -> Result<HttpResponse, CallError> {
        let (url, method) = validate(req)?;
        let mut builder = client(req)?.request(method, url);
        for (name, value) in &req.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        let fail = |e: reqwest::Error| transport_error(req.call, &req.url, &e, req.timeout);
        let r = builder.send().await.map_err(fail)?;
        let status = r.status().as_u16();
        let content_type = r
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let bytes = r.bytes().await.map_err(fail)?;
        let cut = &bytes[..bytes.len().min(MAX_BODY)];
        Ok(response(
            status,
            content_type,
            String::from_utf8_lossy(cut).into_owned(),
        ))
    }
}

/// `Name: value` lines (a `"""` block, or one line) as headers.
pub fn parse_headers(text: &str) -> Result<Vec<(String, String)>, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once(':') {
            Some((n, v)) if !n.trim().is_empty() => {
                Ok((n.trim().to_string(), v.trim().to_string()))
            }
            _ => Err(format!(
                "header line {:?} is not `Name: value`",
                hide_value(l)
            )),
        })
        .collect()
}

/// A header line with its value hidden: `Authorization: <hidden>`.
pub fn hide_value(line: &str) -> String {
    match line.split_once(':') {
        Some((n, _)) => format!("{}: <hidden>", n.trim()),
        None => "<hidden>".into(),
    }
}

/// Every header line of `text` with its value hidden, for the journal and
/// the terminal.
pub fn hidden_headers(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(hide_value)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `-H` arguments of a hand-typed curl, values hidden:
/// `'Authorization: <hidden>' -H 'X-Trace: <hidden>'` (the template
/// writes the first `-H`).
pub fn headers_shown(text: &str) -> String {
    hidden_headers(text)
        .lines()
        .map(|l| format!("'{l}'"))
        .collect::<Vec<_>>()
        .join(" -H ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse_and_hide() {
        let h = parse_headers("Authorization: Bearer s3cr3t\n  X-Trace: 1\n").unwrap();
        assert_eq!(h[0], ("Authorization".into(), "Bearer s3cr3t".into()));
        assert_eq!(h.len(), 2);
        let shown = hidden_headers("Authorization: Bearer s3cr3t\nX-Trace: 1");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert_eq!(shown, "Authorization: <hidden>\nX-Trace: <hidden>");
        let err = parse_headers("Bearer s3cr3t").unwrap_err();
        assert!(!err.contains("s3cr3t"), "{err}");
    }
}

#[cfg(test)]
mod server_tests {
    use std::time::Duration;

    use super::*;

    /// A server on 127.0.0.1 that echoes what it was sent as JSON, or sleeps.
    async fn serve() -> String {
        use axum::http::HeaderMap;
        let app = axum::Router::new()
            .route(
                "/echo",
                axum::routing::any(
                    |m: axum::http::Method, h: HeaderMap, body: String| async move {
                        let auth = h
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string();
                        axum::Json(
                            serde_json::json!({"method": m.as_str(), "auth": auth, "body": body}),
                        )
                    },
                ),
            )
            .route(
                "/slow",
                axum::routing::get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .route(
                "/down",
                axum::routing::get(|| async {
                    (axum::http::StatusCode::SERVICE_UNAVAILABLE, "down")
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}")
    }

    fn req(method: &str, url: String) -> HttpRequest {
        HttpRequest {
            call: "http.request",
            method: method.into(),
            url,
            headers: vec![],
            body: None,
            timeout: Duration::from_secs(5),
            insecure: false,
            cacert: None,
        }
    }

    #[tokio::test]
    async fn statuses_bodies_headers_and_timeouts() {
        let base = serve().await;
        let mut r = req("post", format!("{base}/echo"));
        r.headers = parse_headers("Authorization: Bearer s3cr3t").unwrap();
        r.body = Some("hello".into());
        let out = RealHttp.request(&r).await.unwrap();
        assert_eq!(out.status, 200);
        assert_eq!(out.content_type, "application/json");
        assert_eq!(out.json["method"], "POST");
        assert_eq!(out.json["auth"], "Bearer s3cr3t");
        assert_eq!(out.json["body"], "hello");
        // Any status is an answer.
        let out = RealHttp
            .request(&req("GET", format!("{base}/down")))
            .await
            .unwrap();
        assert_eq!((out.status, out.body.as_str()), (503, "down"));
        assert!(out.json.is_null());
        // No answer in time is an error naming the call.
        let mut slow = req("GET", format!("{base}/slow"));
        slow.timeout = Duration::from_millis(200);
        let err = RealHttp.request(&slow).await.unwrap_err();
        assert!(matches!(err, CallError::Timeout { .. }), "{err}");
        // Nobody listening: unreachable, and the header value is nowhere.
        let mut closed = req("GET", "http://127.0.0.1:9/x".into());
        closed.headers = parse_headers("Authorization: Bearer s3cr3t").unwrap();
        let err = RealHttp.request(&closed).await.unwrap_err();
        assert!(matches!(err, CallError::Unreachable { .. }), "{err}");
        assert!(!format!("{err:?}").contains("s3cr3t"));
        // Bad input is refused before anything is sent.
        assert!(RealHttp
            .request(&req("GET", "ftp://x/".into()))
            .await
            .is_err());
        assert!(RealHttp
            .request(&req("GET", "not a url".into()))
            .await
            .is_err());
    }
}
