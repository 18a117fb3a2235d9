//! Keystone v3: password or application-credential authentication, the
//! token it returns, and endpoint lookup in that token's service catalog.
use std::time::Duration;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{json, Value};

use super::config::{AuthMethod, Credentials, DomainRef, ProjectScope, UserRef};
use super::secret::Secret;

/// A token and what came with it. Validity is tracked on rbk's clock: the
/// lifetime Keystone granted (`expires_at - issued_at`) counted from when
/// rbk received it, so a skewed server clock (or a simulated one) does not
/// make every token look expired.
#[derive(Debug, Clone)]
pub struct Token {
    pub value: Secret,
    pub valid_until: Timestamp,
    pub catalog: Vec<Service>,
    pub project_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Service {
    #[serde(rename = "type")]
    pub service_type: String,
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Endpoint {
    pub interface: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub region_id: Option<String>,
    pub url: String,
}

#[derive(Deserialize)]
struct TokenBody {
    token: TokenInfo,
}

#[derive(Deserialize)]
struct TokenInfo {
    expires_at: Timestamp,
    #[serde(default)]
    issued_at: Option<Timestamp>,
    #[serde(default)]
    catalog: Vec<Service>,
    #[serde(default)]
    project: Option<ProjectInfo>,
}

#[derive(Deserialize)]
struct ProjectInfo {
    id: String,
}

/// Renew this long before expiry, so a call never starts with a token that
/// dies in flight.
const RENEW_MARGIN: Duration = Duration::from_secs(60);

/// `POST /v3/auth/tokens` at the credentials' auth_url.
pub fn tokens_url(auth_url: &str) -> String {
    let base = auth_url.trim_end_matches('/');
    if base.ends_with("/v3") {
        format!("{base}/auth/tokens")
    } else {
        format!("{base}/v3/auth/tokens")
    }
}

fn domain(d: &DomainRef) -> Value {
    match d {
        DomainRef::Id(id) => json!({ "id": id }),
        DomainRef::Name(name) => json!({ "name": name }),
    }
}

fn user(u: &UserRef) -> Value {
    match (&u.id, &u.name) {
        (Some(id), _) => json!({ "id": id }),
        (None, name) => json!({ "name": name, "domain": domain(&u.domain) }),
    }
}

/// The request body. It holds the password: build it, send it, drop it.
pub fn request_body(creds: &Credentials) -> Value {
    let identity = match &creds.method {
        AuthMethod::Password { user: u, password } => {
            let mut user_obj = user(u);
            user_obj["password"] = json!(password.expose());
            json!({ "methods": ["password"], "password": { "user": user_obj } })
        }
        AuthMethod::ApplicationCredential {
            id,
            name,
            user: u,
            secret,
        } => {
            let mut cred = serde_json::Map::new();
            if let Some(id) = id {
                cred.insert("id".into(), json!(id));
            } else {
                cred.insert("name".into(), json!(name));
                if let Some(u) = u {
                    cred.insert("user".into(), user(u));
                }
            }
            cred.insert("secret".into(), json!(secret.expose()));
            json!({ "methods": ["application_credential"], "application_credential": cred })
        }
    };
    let mut auth = json!({ "identity": identity });
    let scope = match &creds.project {
        ProjectScope::Unscoped => None,
        ProjectScope::Id(id) => Some(json!({ "project": { "id": id } })),
        ProjectScope::Name { name, domain: d } => {
            Some(json!({ "project": { "name": name, "domain": domain(d) } }))
        }
    };
    if let (Some(scope), Some(obj)) = (scope, auth.as_object_mut()) {
        obj.insert("scope".into(), scope);
    }
    json!({ "auth": auth })
}

/// Read Keystone's answer: the token id is in the `X-Subject-Token` header.
pub fn parse_token(
    subject_token: Option<&str>,
    body: &str,
    now: Timestamp,
) -> Result<Token, String> {
    let value = subject_token
        .filter(|t| !t.is_empty())
        .ok_or("Keystone returned no X-Subject-Token header")?;
    let parsed: TokenBody =
        serde_json::from_str(body).map_err(|e| format!("unexpected token response: {e}"))?;
    let info = parsed.token;
    let lifetime = match info.issued_at {
        Some(issued) => info.expires_at.duration_since(issued),
        None => info.expires_at.duration_since(now),
    };
    let lifetime = Duration::try_from(lifetime).unwrap_or(Duration::ZERO);
    let usable = lifetime.saturating_sub(RENEW_MARGIN.min(lifetime / 10));
    let valid_until = now.checked_add(usable).unwrap_or(now);
    Ok(Token {
        value: Secret::new(value),
        valid_until,
        catalog: info.catalog,
        project_id: info.project.map(|p| p.id),
    })
}

impl Token {
    pub fn is_fresh(&self, now: Timestamp) -> bool {
        now < self.valid_until
    }

    /// The URL of `service_type` at `interface` in `region` (any region when
    /// none is configured), without a trailing slash.
    pub fn endpoint(
        &self,
        service_type: &str,
        interface: &str,
        region: Option<&str>,
    ) -> Result<String, String> {
        let service = self
            .catalog
            .iter()
            .find(|s| s.service_type == service_type)
            .ok_or_else(|| {
                let known: Vec<&str> = self
                    .catalog
                    .iter()
                    .map(|s| s.service_type.as_str())
                    .collect();
                format!(
                    "the service catalog has no {service_type:?} service (it has: {})",
                    known.join(", ")
                )
            })?;
        let in_region = |e: &&Endpoint| match region {
            None => true,
            Some(r) => e.region_id.as_deref() == Some(r) || e.region.as_deref() == Some(r),
        };
        service
            .endpoints
            .iter()
            .filter(in_region)
            .find(|e| e.interface == interface)
            .map(|e| e.url.trim_end_matches('/').to_string())
            .ok_or_else(|| {
                let have: Vec<String> = service
                    .endpoints
                    .iter()
                    .map(|e| {
                        format!(
                            "{} in {}",
                            e.interface,
                            e.region_id
                                .as_deref()
                                .or(e.region.as_deref())
                                .unwrap_or("?")
                        )
                    })
                    .collect();
                format!(
                    "no {interface} endpoint for {service_type:?}{} (the catalog has: {})",
                    region
                        .map(|r| format!(" in region {r:?}"))
                        .unwrap_or_default(),
                    have.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(project: ProjectScope) -> Credentials {
        Credentials {
            source: "test".into(),
            auth_url: "http://127.0.0.1:5000/v3/".into(),
            method: AuthMethod::Password {
                user: UserRef {
                    id: None,
                    name: Some("admin".into()),
                    domain: DomainRef::Name("admin_domain".into()),
                },
                password: Secret::new("pw"),
            },
            project,
            region: None,
            interface: "public".into(),
            cacert: None,
            insecure: false,
        }
    }

    #[test]
    fn body_scoped_by_project_id() {
        let body = request_body(&creds(ProjectScope::Id("p1".into())));
        assert_eq!(
            body,
            json!({"auth": {
                "identity": {"methods": ["password"], "password": {"user": {
                    "name": "admin", "domain": {"name": "admin_domain"}, "password": "pw"}}},
                "scope": {"project": {"id": "p1"}}}})
        );
        assert_eq!(
            tokens_url("http://127.0.0.1:5000/v3/"),
            "http://127.0.0.1:5000/v3/auth/tokens"
        );
        assert_eq!(tokens_url("http://k:5000"), "http://k:5000/v3/auth/tokens");
    }

    #[test]
    fn body_scoped_by_project_name() {
        let body = request_body(&creds(ProjectScope::Name {
            name: "admin".into(),
            domain: DomainRef::Id("default".into()),
        }));
        assert_eq!(
            body["auth"]["scope"],
            json!({"project": {"name": "admin", "domain": {"id": "default"}}})
        );
    }

    const TOKEN: &str = r#"{"token": {"issued_at": "2026-06-10T08:00:00Z", "expires_at": "2026-06-10T09:00:00Z",
        "project": {"id": "p1", "name": "capi"},
        "catalog": [
          {"type": "compute", "endpoints": [
            {"interface": "public", "region_id": "RegionOne", "url": "http://127.0.0.1:8774/v2.1/"},
            {"interface": "internal", "region_id": "RegionOne", "url": "http://internal:8774/v2.1"},
            {"interface": "public", "region": "RegionTwo", "url": "http://two:8774/v2.1"}]}]}}"#;

    #[test]
    fn lifetime_counts_from_receipt_not_server_clock() {
        // rbk's clock is a year later than Keystone's: the token is still good for ~an hour.
        let now: Timestamp = "2027-01-01T00:00:00Z".parse().expect("ts");
        let t = parse_token(Some("tok"), TOKEN, now).expect("token");
        assert!(t.is_fresh(now));
        assert!(t.is_fresh(now.checked_add(Duration::from_secs(3500)).expect("ts")));
        assert!(!t.is_fresh(now.checked_add(Duration::from_secs(3600)).expect("ts")));
        assert_eq!(t.project_id.as_deref(), Some("p1"));
        assert_eq!(format!("{:?}", t.value), "***");
        assert!(parse_token(None, TOKEN, now).is_err());
    }

    #[test]
    fn endpoint_by_interface_and_region() {
        let now: Timestamp = "2026-06-10T08:00:00Z".parse().expect("ts");
        let t = parse_token(Some("tok"), TOKEN, now).expect("token");
        assert_eq!(
            t.endpoint("compute", "public", Some("RegionOne"))
                .expect("ep"),
            "http://127.0.0.1:8774/v2.1"
        );
        assert_eq!(
            t.endpoint("compute", "internal", None).expect("ep"),
            "http://internal:8774/v2.1"
        );
        assert_eq!(
            t.endpoint("compute", "public", Some("RegionTwo"))
                .expect("ep"),
            "http://two:8774/v2.1"
        );
        let err = t
            .endpoint("compute", "admin", Some("RegionOne"))
            .expect_err("none");
        assert!(
            err.contains("no admin endpoint") && err.contains("RegionOne"),
            "{err}"
        );
        let err = t
            .endpoint("load-balancer", "public", None)
            .expect_err("none");
        assert!(
            err.contains("load-balancer") && err.contains("compute"),
            "{err}"
        );
    }
}
