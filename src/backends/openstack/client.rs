//! The HTTP side of the OpenStack backend: one session per scope (its
//! credentials, its TLS settings, its token), and the one function every
//! call goes through, which does what the seed's shell loops did not:
//! a timeout on every request, one re-authentication on a 401, retries with
//! backoff for read-only calls only, and the remote's own message in the
//! error.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use super::config::{Credentials, OpenStackConfig};
use super::fault::remote_message;
use super::keystone::{self, Token};
use super::microversion::{self, Microversion, Offered};
use crate::backends::{tls, CallError, OpenStackScope};
use crate::clock::Clock;

/// The services rbk calls, by catalog type, and how to turn a catalog URL
/// into the base the request paths are relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Nova; the catalog URL already carries `/v2.1` (and maybe a project id).
    Compute,
    Placement,
    /// Octavia; catalogs list it with or without `/v2.0`.
    LoadBalancer,
    /// Magnum; `/v1` is usually in the catalog URL.
    ContainerInfra,
    /// Glance, only to show image names.
    Image,
    /// Cinder v3; its catalog URL usually carries `/v3/<project_id>`.
    BlockStorage,
    /// Neutron; `/v2.0` is added to the catalog URL.
    Network,
}

impl Service {
    pub fn catalog_type(self) -> &'static str {
        match self {
            Service::Compute => "compute",
            Service::Placement => "placement",
            Service::LoadBalancer => "load-balancer",
            Service::ContainerInfra => "container-infra",
            Service::Image => "image",
            Service::BlockStorage => "block-storage",
            Service::Network => "network",
        }
    }

    /// Older names a catalog may list the service under.
    fn catalog_aliases(self) -> &'static [&'static str] {
        match self {
            Service::BlockStorage => &["volumev3", "volume"],
            _ => &[],
        }
    }

    fn base(self, url: &str) -> String {
        let url = url.trim_end_matches('/');
        let strip = |url: &str, suffixes: &[&str]| {
            suffixes
                .iter()
                .find_map(|s| url.strip_suffix(s))
                .unwrap_or(url)
                .to_string()
        };
        match self {
            Service::Compute if !url.contains("/v2") => format!("{url}/v2.1"),
            Service::Compute | Service::Placement => url.to_string(),
            Service::LoadBalancer => format!("{}/v2", strip(url, &["/v2.0", "/v2"])),
            Service::ContainerInfra => format!("{}/v1", strip(url, &["/v1"])),
            Service::Image => format!("{}/v2", strip(url, &["/v2"])),
            Service::BlockStorage if url.contains("/v3") => url.to_string(),
            Service::BlockStorage => format!("{url}/v3"),
            Service::Network => format!("{}/v2.0", strip(url, &["/v2.0"])),
        }
    }
}

/// One API request, relative to a service's base URL.
#[derive(Debug, Clone)]
pub struct Request {
    /// The builtin this serves (`openstack.server.start`), for errors.
    pub call: &'static str,
    pub service: Service,
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
    /// Sent as `OpenStack-API-Version`, negotiated down on a 406.
    pub microversion: Option<Microversion>,
}

impl Request {
    pub fn get(call: &'static str, service: Service, path: impl Into<String>) -> Self {
        Request {
            call,
            service,
            method: Method::GET,
            path: path.into(),
            query: vec![],
            body: None,
            headers: vec![],
            microversion: None,
        }
    }

    pub fn new(
        call: &'static str,
        service: Service,
        method: Method,
        path: impl Into<String>,
    ) -> Self {
        Request {
            method,
            ..Request::get(call, service, path)
        }
    }

    pub fn query(mut self, k: &str, v: impl Into<String>) -> Self {
        self.query.push((k.into(), v.into()));
        self
    }

    pub fn header(mut self, k: &'static str, v: impl Into<String>) -> Self {
        self.headers.push((k, v.into()));
        self
    }

    pub fn microversion(mut self, m: Microversion) -> Self {
        self.microversion = Some(m);
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// GETs may be retried; anything that changes the world may not (a
    /// repeated failover mints another zombie amphora).
    fn read_only(&self) -> bool {
        self.method == Method::GET || self.method == Method::HEAD
    }
}

/// A successful answer: status and parsed body (`Null` when empty).
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub body: Value,
}

/// Timeouts and retry policy; the defaults suit a real cloud.
#[derive(Debug, Clone)]
pub struct Tuning {
    /// Per request, connecting included.
    pub timeout: Duration,
    /// Attempts for read-only calls (1 = no retry).
    pub read_attempts: u32,
    /// First backoff; doubles per retry.
    pub backoff: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            timeout: Duration::from_secs(30),
            read_attempts: 3,
            backoff: Duration::from_millis(500),
        }
    }
}

/// Everything tied to one scope.
pub struct ScopeSession {
    scope: OpenStackScope,
    /// Re-read from the source when Keystone refuses them (see `token`).
    creds: std::sync::Mutex<Credentials>,
    http: reqwest::Client,
    /// Held while authenticating, so parallel calls in one scope share one token.
    token: tokio::sync::Mutex<Option<Arc<Token>>>,
    tokens_issued: AtomicU64,
    /// Server name -> id, learnt by name resolution (see nova.rs).
    pub server_ids: std::sync::Mutex<HashMap<String, String>>,
    /// Image id -> name, for `server.image`.
    pub image_names: std::sync::Mutex<HashMap<String, String>>,
    /// Microversion ranges services offered after refusing one (by the
    /// header's service name), so later requests ask for what they serve.
    offered: std::sync::Mutex<HashMap<&'static str, Offered>>,
}

pub struct Client {
    config: OpenStackConfig,
    clock: Clock,
    tuning: Tuning,
    sessions: tokio::sync::Mutex<HashMap<OpenStackScope, Arc<ScopeSession>>>,
}

impl Client {
    pub fn new(config: OpenStackConfig, clock: Clock, tuning: Tuning) -> Self {
        Client {
            config,
            clock,
            tuning,
            sessions: Default::default(),
        }
    }

    /// Tokens Keystone has issued to this client, over all scopes.
    pub async fn tokens_issued(&self) -> u64 {
        self.sessions
            .lock()
            .await
            .values()
            .map(|s| s.tokens_issued.load(Ordering::SeqCst))
            .sum()
    }

    pub async fn session(
        &self,
        scope: &OpenStackScope,
        call: &str,
    ) -> Result<Arc<ScopeSession>, CallError> {
        let mut sessions = self.sessions.lock().await;
        if let Some(s) = sessions.get(scope) {
            return Ok(s.clone());
        }
        let config_error = |message: String| CallError::Config {
            call: call.into(),
            message,
        };
        let creds = self.config.credentials(scope).map_err(config_error)?;
        // Another scope that reads to the same credentials (the same openrc
        // named two ways, a project given and implied): same session, one
        // token for both.
        if let Some(same) = sessions
            .values()
            .find(|s| s.creds().same_identity(&creds))
            .cloned()
        {
            sessions.insert(scope.clone(), same.clone());
            return Ok(same);
        }
        let http = http_client(&creds, &self.tuning).map_err(config_error)?;
        let session = Arc::new(ScopeSession {
            scope: scope.clone(),
            creds: std::sync::Mutex::new(creds),
            http,
            token: Default::default(),
            tokens_issued: AtomicU64::new(0),
            server_ids: Default::default(),
            image_names: Default::default(),
            offered: Default::default(),
        });
        sessions.insert(scope.clone(), session.clone());
        Ok(session)
    }

    /// Send one request in `scope`.
    pub async fn send(&self, scope: &OpenStackScope, req: &Request) -> Result<Response, CallError> {
        let session = self.session(scope, req.call).await?;
        self.send_in(&session, req).await
    }

    pub async fn send_in(
        &self,
        session: &ScopeSession,
        req: &Request,
    ) -> Result<Response, CallError> {
        let attempts = if req.read_only() {
            self.tuning.read_attempts.max(1)
        } else {
            1
        };
        let mut reauthenticated = false;
        let mut negotiated = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let token = self.token(session, req.call).await?;
            let result = self.send_once(session, &token, req).await;
            let err = match result {
                Ok(Exchange::Done(response)) => return Ok(response),
                // The microversion asked for is not served: learn what is
                // and try once more with the best of it. A 406 means the
                // request was not processed, so mutating calls may retry.
                Ok(Exchange::NotAcceptable { sent, refusal }) => {
                    if negotiated {
                        return Err(refusal);
                    }
                    negotiated = true;
                    self.negotiate(session, &token, req, sent, refusal).await?;
                    attempt -= 1;
                    continue;
                }
                // The token was revoked or expired early: get a new one,
                // once. A 401 means the request was not processed, so this
                // is safe for mutating calls too.
                Ok(Exchange::Unauthorized(message)) => {
                    if reauthenticated {
                        return Err(CallError::Auth {
                            call: req.call.into(),
                            message: format!(
                                "the service refused a freshly issued token: {message}"
                            ),
                        });
                    }
                    reauthenticated = true;
                    session.forget_token(&token).await;
                    attempt -= 1;
                    continue;
                }
                Err(err) => err,
            };
            let again = attempt < attempts && err.is_transient();
            let wait = self.tuning.backoff * 2u32.saturating_pow(attempt - 1);
            if err.is_transient() {
                crate::backends::retry::report(crate::backends::retry::Notice {
                    call: req.call.into(),
                    attempt,
                    max: attempts,
                    error: err.clone(),
                    retry_in: again.then_some(wait),
                });
            }
            if again {
                self.clock.sleep(wait).await;
                continue;
            }
            return Err(err);
        }
    }

    async fn send_once(
        &self,
        session: &ScopeSession,
        token: &Token,
        req: &Request,
    ) -> Result<Exchange, CallError> {
        let url = format!("{}{}", service_base(session, token, req)?, req.path);
        let mut builder = session
            .http
            .request(req.method.clone(), &url)
            .header("X-Auth-Token", token.value.expose())
            .header("Accept", "application/json");
        for (k, v) in &req.headers {
            builder = builder.header(*k, v);
        }
        let sent = match &req.microversion {
            Some(m) => {
                let version = session.microversion_for(req.call, m)?;
                builder = builder.header("OpenStack-API-Version", m.header(version));
                Some(version)
            }
            None => None,
        };
        if !req.query.is_empty() {
            builder = builder.query(&req.query);
        }
        if let Some(body) = &req.body {
            builder = builder.json(body);
        }
        let (status, text) = self.exchange(req.call, &url, builder).await?;
        if status.as_u16() == 401 {
            return Ok(Exchange::Unauthorized(remote_message(&text)));
        }
        if !status.is_success() {
            let refusal = CallError::Remote {
                call: req.call.into(),
                status: Some(status.as_u16()),
                message: match status.canonical_reason() {
                    Some(reason) => {
                        format!("{} {reason}: {}", status.as_u16(), remote_message(&text))
                    }
                    None => format!("{}: {}", status.as_u16(), remote_message(&text)),
                },
            };
            return match sent {
                Some(sent) if status.as_u16() == 406 => {
                    Ok(Exchange::NotAcceptable { sent, refusal })
                }
                _ => Err(refusal),
            };
        }
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| CallError::Remote {
                call: req.call.into(),
                status: Some(status.as_u16()),
                message: format!("unexpected response from {url}: {e}"),
            })?
        };
        Ok(Exchange::Done(Response {
            status: status.as_u16(),
            body,
        }))
    }

    /// Send a built request; its status and body text.
    async fn exchange(
        &self,
        call: &str,
        url: &str,
        builder: reqwest::RequestBuilder,
    ) -> Result<(reqwest::StatusCode, String), CallError> {
        let response = builder
            .send()
            .await
            .map_err(|e| transport_error(call, url, &e, self.tuning.timeout))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| transport_error(call, url, &e, self.tuning.timeout))?;
        Ok((status, text))
    }

    /// After a 406: read the range the service offers from its version
    /// document and remember it for the scope. Fails, naming what is needed
    /// and what is offered, when no usable version is better than `sent`.
    async fn negotiate(
        &self,
        session: &ScopeSession,
        token: &Token,
        req: &Request,
        sent: microversion::Version,
        refusal: CallError,
    ) -> Result<(), CallError> {
        let Some(m) = &req.microversion else {
            return Err(refusal);
        };
        let url = microversion::document_url(&service_base(session, token, req)?);
        let builder = session
            .http
            .get(&url)
            .header("X-Auth-Token", token.value.expose())
            .header("Accept", "application/json");
        let (status, text) = self.exchange(req.call, &url, builder).await?;
        let offered = serde_json::from_str::<Value>(&text)
            .ok()
            .filter(|_| status.is_success())
            .and_then(|body| microversion::parse_offered(&body));
        let Some(offered) = offered else {
            return Err(CallError::Remote {
                call: req.call.into(),
                status: Some(406),
                message: format!(
                    "{} refused {} microversion {sent} and its version document at {url} \
                     (HTTP {}) names no supported range: {}",
                    req.service.catalog_type(),
                    m.service,
                    status.as_u16(),
                    refusal
                ),
            });
        };
        let chosen = m.choose(offered).map_err(|message| CallError::Remote {
            call: req.call.into(),
            status: Some(406),
            message,
        })?;
        if chosen == sent {
            // The service claims to serve what it refused: nothing better to try.
            return Err(refusal);
        }
        session.remember_offered(m.service, offered);
        Ok(())
    }

    /// The scope's token, issuing one when there is none or it is about to expire.
    async fn token(&self, session: &ScopeSession, call: &str) -> Result<Arc<Token>, CallError> {
        let mut slot = session.token.lock().await;
        if let Some(token) = slot.as_ref() {
            if token.is_fresh(self.clock.now()) {
                return Ok(token.clone());
            }
        }
        let token = match self.authenticate(session, call).await {
            Ok(token) => token,
            // The openrc or clouds.yaml may have changed since the scope
            // first read it (a rotated password, a regenerated openrc): read
            // it again, and if it did change, try once more with it.
            Err(refused @ CallError::Auth { .. }) => {
                match self.config.credentials(&session.scope) {
                    Ok(fresh) if fresh != session.creds() => {
                        session.set_creds(fresh);
                        self.authenticate(session, call).await?
                    }
                    _ => return Err(refused),
                }
            }
            Err(e) => return Err(e),
        };
        let token = Arc::new(token);
        session.tokens_issued.fetch_add(1, Ordering::SeqCst);
        *slot = Some(token.clone());
        Ok(token)
    }

    async fn authenticate(&self, session: &ScopeSession, call: &str) -> Result<Token, CallError> {
        let url = keystone::tokens_url(&session.creds().auth_url);
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.authenticate_once(session, call, &url).await {
                Err(e) if e.is_transient() && attempt < self.tuning.read_attempts => {
                    let wait = self.tuning.backoff * 2u32.saturating_pow(attempt - 1);
                    crate::backends::retry::report(crate::backends::retry::Notice {
                        call: format!("{call} (authentication)"),
                        attempt,
                        max: self.tuning.read_attempts,
                        error: e.clone(),
                        retry_in: Some(wait),
                    });
                    self.clock.sleep(wait).await;
                }
                other => return other,
            }
        }
    }

    async fn authenticate_once(
        &self,
        session: &ScopeSession,
        call: &str,
        url: &str,
    ) -> Result<Token, CallError> {
        let creds = session.creds();
        let response = session
            .http
            .post(url)
            .json(&keystone::request_body(&creds))
            .send()
            .await
            .map_err(|e| transport_error(call, url, &e, self.tuning.timeout))?;
        let status = response.status();
        let subject = response
            .headers()
            .get("X-Subject-Token")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let text = response
            .text()
            .await
            .map_err(|e| transport_error(call, url, &e, self.tuning.timeout))?;
        match status.as_u16() {
            200 | 201 => keystone::parse_token(subject.as_deref(), &text, self.clock.now())
                .map_err(|m| CallError::Remote {
                    call: call.into(),
                    status: Some(status.as_u16()),
                    message: format!("Keystone at {url}: {m}"),
                }),
            401 | 403 => Err(CallError::Auth {
                call: call.into(),
                message: format!(
                    "Keystone refused the credentials from {}: {}",
                    creds.source,
                    remote_message(&text)
                ),
            }),
            code => Err(CallError::Remote {
                call: call.into(),
                status: Some(code),
                message: format!(
                    "Keystone at {url} answered {code}: {}",
                    remote_message(&text)
                ),
            }),
        }
    }
}

impl ScopeSession {
    /// The credentials in use (a copy: they may be replaced by a reload).
    pub fn creds(&self) -> Credentials {
        self.creds.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The microversion to send: what the request wants, capped by what the
    /// service offered when it last refused one in this scope.
    fn microversion_for(
        &self,
        call: &str,
        m: &Microversion,
    ) -> Result<microversion::Version, CallError> {
        let offered = self
            .offered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(m.service)
            .copied();
        match offered {
            None => Ok(m.wanted),
            Some(offered) => m.choose(offered).map_err(|message| CallError::Remote {
                call: call.into(),
                status: Some(406),
                message,
            }),
        }
    }

    fn remember_offered(&self, service: &'static str, offered: Offered) {
        self.offered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(service, offered);
    }

    fn set_creds(&self, creds: Credentials) {
        *self.creds.lock().unwrap_or_else(|e| e.into_inner()) = creds;
    }

    /// Drop the token if it is still the one that was refused (another call
    /// may already have replaced it).
    async fn forget_token(&self, refused: &Token) {
        let mut slot = self.token.lock().await;
        if slot.as_ref().is_some_and(|t| t.value == refused.value) {
            *slot = None;
        }
    }
}

enum Exchange {
    Done(Response),
    Unauthorized(String),
    /// 406 to a request that named a microversion.
    NotAcceptable {
        sent: microversion::Version,
        refusal: CallError,
    },
}

/// The base URL of the request's service, from the token's catalog.
fn service_base(session: &ScopeSession, token: &Token, req: &Request) -> Result<String, CallError> {
    let creds = session.creds();
    let find = |t: &str| token.endpoint(t, &creds.interface, creds.region.as_deref());
    let url = req
        .service
        .catalog_aliases()
        .iter()
        .fold(find(req.service.catalog_type()), |found, alias| {
            found.or_else(|first| find(alias).map_err(|_| first))
        })
        .map_err(|message| CallError::Config {
            call: req.call.into(),
            message,
        })?;
    Ok(req.service.base(&url))
}

fn http_client(creds: &Credentials, tuning: &Tuning) -> Result<reqwest::Client, String> {
    tls::ensure_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .timeout(tuning.timeout)
        .connect_timeout(tuning.timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("rbk/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = &creds.cacert {
        let pem = std::fs::read(path).map_err(|e| {
            format!(
                "{}: cannot read CA file {}: {e}",
                creds.source,
                path.display()
            )
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            format!(
                "{}: CA file {} is not PEM: {e}",
                creds.source,
                path.display()
            )
        })?;
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    if creds.insecure {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    builder
        .build()
        .map_err(|e| format!("{}: cannot build the HTTP client: {e}", creds.source))
}

/// No answer, no connection, or a broken one. Never includes a body or a
/// header, so no token or password can leak through it.
fn transport_error(call: &str, url: &str, e: &reqwest::Error, timeout: Duration) -> CallError {
    if e.is_timeout() {
        return CallError::Timeout {
            call: call.into(),
            after: timeout,
        };
    }
    let target = reqwest::Url::parse(url)
        .ok()
        .map(|u| {
            format!(
                "{}:{}",
                u.host_str().unwrap_or("?"),
                u.port_or_known_default().unwrap_or(0)
            )
        })
        .unwrap_or_else(|| url.to_string());
    let mut message = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !message.contains(&text) {
            if !message.is_empty() {
                message.push_str(": ");
            }
            message.push_str(&text);
        }
        source = s.source();
    }
    CallError::Unreachable {
        call: call.into(),
        target,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_bases() {
        assert_eq!(
            Service::Compute.base("http://n:8774/v2.1/"),
            "http://n:8774/v2.1"
        );
        assert_eq!(
            Service::Compute.base("http://n:8774/v2.1/abc"),
            "http://n:8774/v2.1/abc"
        );
        assert_eq!(Service::Compute.base("http://n:8774"), "http://n:8774/v2.1");
        assert_eq!(
            Service::LoadBalancer.base("http://o:9876"),
            "http://o:9876/v2"
        );
        assert_eq!(
            Service::LoadBalancer.base("http://o:9876/v2.0/"),
            "http://o:9876/v2"
        );
        assert_eq!(
            Service::ContainerInfra.base("http://m:9511/v1"),
            "http://m:9511/v1"
        );
        assert_eq!(
            Service::ContainerInfra.base("http://m:9511"),
            "http://m:9511/v1"
        );
        assert_eq!(
            Service::Placement.base("http://p/placement"),
            "http://p/placement"
        );
        assert_eq!(Service::Image.base("http://g:9292"), "http://g:9292/v2");
    }
}
