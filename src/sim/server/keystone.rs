//! Keystone v3: version discovery, password (and token) authentication
//! scoped to a project by id or by name + domain, the service catalog, token
//! validation. Errors carry Keystone's JSON body.
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::{empty, json_response, AppState, Req, Token};
use crate::sim::ids;

/// Keystone's 401 body.
pub fn unauthorized() -> Response {
    json_response(
        StatusCode::UNAUTHORIZED,
        json!({"error": {"code": 401, "message": "The request you have made requires authentication.",
                         "title": "Unauthorized"}}),
    )
}

fn error(status: StatusCode, title: &str, message: String) -> Response {
    json_response(
        status,
        json!({"error": {"code": status.as_u16(), "message": message, "title": title}}),
    )
}

fn version_doc(app: &AppState) -> Value {
    json!({
        "id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": app.url("/identity/v3/")}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]
    })
}

pub fn handle(app: &AppState, req: &Req) -> Response {
    match (&req.method, req.rest(1).as_slice()) {
        (&Method::GET, []) => json_response(
            StatusCode::MULTIPLE_CHOICES,
            json!({"versions": {"values": [version_doc(app)]}}),
        ),
        (&Method::GET, ["v3"]) => {
            json_response(StatusCode::OK, json!({"version": version_doc(app)}))
        }
        (&Method::POST, ["v3", "auth", "tokens"]) => issue(app, req),
        (m, ["v3", "auth", "tokens"]) if m == Method::GET || m == Method::HEAD => {
            validate(app, req)
        }
        (&Method::DELETE, ["v3", "auth", "tokens"]) => {
            if super::authenticate(app, req).is_err() {
                return unauthorized();
            }
            let subject = req
                .header("x-subject-token")
                .unwrap_or_default()
                .to_string();
            app.tokens
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&subject);
            empty(StatusCode::NO_CONTENT)
        }
        (&Method::GET, ["v3", "projects"]) => {
            if super::authenticate(app, req).is_err() {
                return unauthorized();
            }
            let projects: Vec<Value> = app.world.read(|w, _| {
                w.projects
                    .iter()
                    .filter(|p| req.q("name").is_none_or(|n| n == p.name))
                    .map(|p| project_json(&p.id, &p.name, &p.domain_id))
                    .collect()
            });
            json_response(StatusCode::OK, json!({"projects": projects}))
        }
        (&Method::GET, ["v3", "projects", id]) => {
            if super::authenticate(app, req).is_err() {
                return unauthorized();
            }
            match app.world.read(|w, _| w.project(id).cloned()) {
                Some(p) => json_response(
                    StatusCode::OK,
                    json!({"project": project_json(&p.id, &p.name, &p.domain_id)}),
                ),
                None => error(
                    StatusCode::NOT_FOUND,
                    "Not Found",
                    format!("Could not find project: {id}."),
                ),
            }
        }
        _ => error(
            StatusCode::NOT_FOUND,
            "Not Found",
            format!("The resource could not be found: {}", req.path),
        ),
    }
}

fn project_json(id: &str, name: &str, domain_id: &str) -> Value {
    json!({"id": id, "name": name, "domain_id": domain_id, "enabled": true, "is_domain": false,
           "parent_id": domain_id, "description": "", "tags": [], "options": {}})
}

fn domain_name(id: &str) -> &'static str {
    if id == ids::ADMIN_DOMAIN_ID {
        ids::ADMIN_DOMAIN_NAME
    } else {
        ids::DEFAULT_DOMAIN_NAME
    }
}

/// A domain reference `{"id": ...}` or `{"name": ...}` -> its id.
fn domain_id(d: &Value) -> Option<&'static str> {
    let by_id = d.get("id").and_then(Value::as_str);
    let by_name = d.get("name").and_then(Value::as_str);
    [
        (ids::DEFAULT_DOMAIN_ID, ids::DEFAULT_DOMAIN_NAME),
        (ids::ADMIN_DOMAIN_ID, ids::ADMIN_DOMAIN_NAME),
    ]
    .into_iter()
    .find(|(id, name)| by_id == Some(id) || by_name == Some(name))
    .map(|(id, _)| id)
}

fn issue(app: &AppState, req: &Req) -> Response {
    let Some(body) = req.json_body() else {
        return error(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "Malformed request body".into(),
        );
    };
    let auth = &body["auth"];
    let methods: Vec<String> = auth["identity"]["methods"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let authenticated = if methods.iter().any(|m| m == "password") {
        let user = &auth["identity"]["password"]["user"];
        let name_ok = user["id"].as_str() == Some(ids::ADMIN_USER_ID)
            || (user["name"].as_str() == Some(ids::ADMIN_USER_NAME)
                && domain_id(&user["domain"]) == Some(ids::ADMIN_DOMAIN_ID));
        // Compare without logging either side: the password is a secret.
        name_ok && user["password"].as_str() == Some(app.password.as_str())
    } else if methods.iter().any(|m| m == "token") {
        let t = auth["identity"]["token"]["id"].as_str().unwrap_or_default();
        app.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(t)
    } else {
        false
    };
    if !authenticated {
        return unauthorized();
    }
    let scope = &auth["scope"];
    let project_id = if scope["project"].is_object() {
        let p = &scope["project"];
        let found = app.world.read(|w, _| {
            w.projects
                .iter()
                .find(|proj| {
                    p["id"].as_str() == Some(proj.id.as_str())
                        || (p["name"].as_str() == Some(proj.name.as_str())
                            && domain_id(&p["domain"]) == Some(domain_id_static(&proj.domain_id)))
                })
                .map(|proj| proj.id.clone())
        });
        match found {
            Some(id) => Some(id),
            None => {
                return unauthorized_msg(format!(
                    "Could not find project {}.",
                    p["id"].as_str().or(p["name"].as_str()).unwrap_or("?")
                ))
            }
        }
    } else if scope.is_null() || scope.is_string() {
        None
    } else {
        return unauthorized_msg(
            "Only project scope is supported by the simulated Keystone.".into(),
        );
    };
    let now = jiff::Timestamp::now();
    let token = Token {
        user_id: ids::ADMIN_USER_ID.into(),
        project_id,
        is_admin: true,
        methods,
        issued_at: now,
        // Token lifetimes follow the client's (wall) clock, not simulated time.
        expires_at: now + jiff::SignedDuration::from_hours(12),
        audit_id: uuid::Uuid::new_v4().simple().to_string()[..22].to_string(),
    };
    let id = format!("gAAAAA{}", uuid::Uuid::new_v4().simple());
    let body = token_body(app, &token);
    app.tokens
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id.clone(), token);
    app.stats
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .tokens_issued += 1;
    let mut r = json_response(StatusCode::CREATED, body);
    if let Ok(v) = HeaderValue::from_str(&id) {
        r.headers_mut().insert("x-subject-token", v);
    }
    r
}

fn domain_id_static(id: &str) -> &'static str {
    if id == ids::ADMIN_DOMAIN_ID {
        ids::ADMIN_DOMAIN_ID
    } else {
        ids::DEFAULT_DOMAIN_ID
    }
}

fn unauthorized_msg(message: String) -> Response {
    error(StatusCode::UNAUTHORIZED, "Unauthorized", message)
}

fn validate(app: &AppState, req: &Req) -> Response {
    if super::authenticate(app, req).is_err() {
        return unauthorized();
    }
    let subject = req.header("x-subject-token").unwrap_or_default();
    let found = app
        .tokens
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(subject)
        .cloned();
    match found {
        Some(t) if t.expires_at > jiff::Timestamp::now() => {
            let mut r = json_response(StatusCode::OK, token_body(app, &t));
            if let Ok(v) = HeaderValue::from_str(subject) {
                r.headers_mut().insert("x-subject-token", v);
            }
            r
        }
        _ => error(
            StatusCode::NOT_FOUND,
            "Not Found",
            "Could not find token.".into(),
        ),
    }
}

fn ts(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn token_body(app: &AppState, t: &Token) -> Value {
    let mut token = json!({
        "methods": t.methods,
        "user": {"id": t.user_id, "name": ids::ADMIN_USER_NAME,
                 "domain": {"id": ids::ADMIN_DOMAIN_ID, "name": ids::ADMIN_DOMAIN_NAME},
                 "password_expires_at": null},
        "audit_ids": [t.audit_id],
        "issued_at": ts(t.issued_at),
        "expires_at": ts(t.expires_at),
    });
    if let Some(pid) = &t.project_id {
        let project = app.world.read(|w, _| w.project(pid).cloned());
        if let Some(p) = project {
            token["project"] = json!({"id": p.id, "name": p.name,
                                      "domain": {"id": p.domain_id, "name": domain_name(&p.domain_id)}});
        }
        token["is_domain"] = json!(false);
        token["roles"] = json!([
            {"id": ids::ADMIN_ROLE_ID, "name": "admin"},
            {"id": ids::MEMBER_ROLE_ID, "name": "member"},
            {"id": "4c6e8a0b2d4f4e6a8c0e2a4c6e8b0d2f", "name": "reader"}
        ]);
        token["catalog"] = catalog(app);
    }
    json!({"token": token})
}

/// Every service at `http://127.0.0.1:PORT/<service>`, three interfaces, RegionOne.
pub fn catalog(app: &AppState) -> Value {
    let services = [
        ("identity", "keystone", "/identity/v3"),
        ("compute", "nova", "/compute/v2.1"),
        ("image", "glance", "/image"),
        ("network", "neutron", "/network"),
        ("placement", "placement", "/placement"),
        ("load-balancer", "octavia", "/load-balancer"),
        ("container-infra", "magnum", "/container-infra/v1"),
        ("block-storage", "cinder", "/volume/v3"),
        ("volumev3", "cinderv3", "/volume/v3"),
    ];
    let entries: Vec<Value> = services
        .iter()
        .enumerate()
        .map(|(i, (kind, name, path))| {
            let endpoints: Vec<Value> = ["public", "internal", "admin"]
                .iter()
                .enumerate()
                .map(|(j, iface)| {
                    json!({"id": format!("{:032x}", 0xe000 + i * 16 + j), "interface": iface,
                           "region": "RegionOne", "region_id": "RegionOne", "url": app.url(path)})
                })
                .collect();
            json!({"id": format!("{:032x}", 0x5000 + i), "type": kind, "name": name, "endpoints": endpoints})
        })
        .collect();
    Value::Array(entries)
}
