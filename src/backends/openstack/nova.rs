//! Nova: servers and hypervisors.
use reqwest::Method;
use serde_json::{json, Value};

use super::client::{Client, Request, ScopeSession, Service};
use super::microversion::{Microversion, Version};
use super::{calls, is_uuid, list_all, path_segment, str_field};
use crate::backends::{CallError, OpenStackScope, Server};

/// Every Nova request asks for microversion 2.87, on purpose:
/// - it is the last one whose `os-hypervisors` still reports `memory_mb` and
///   `memory_mb_used` (2.88 removed them; the seed's headroom check reads them);
/// - since 2.53 hypervisor ids are the compute nodes' UUIDs, which are also
///   their Placement resource provider UUIDs (see placement.rs);
/// - since 2.47 a server embeds its flavor (`original_name`), so showing a
///   server is one request.
///
/// A cloud older than Wallaby answers 406; the client then asks Nova's
/// version document for its range and goes down to its maximum (see
/// `microversion`). Servers read fine from 2.1 (before 2.47 the flavor is
/// shown by id); hypervisors need 2.53 (`HYPERVISORS`).
pub const MICROVERSION: Microversion = Microversion {
    service: "compute",
    wanted: Version(2, 87),
    minimum: Version(2, 1),
    needs: "the v2.1 API",
};

/// Hypervisor ids are Placement resource provider UUIDs only from 2.53.
const HYPERVISORS: Microversion = Microversion {
    minimum: Version(2, 53),
    needs: "hypervisor ids that are Placement resource providers, for the headroom figures",
    ..MICROVERSION
};

pub(super) fn request(call: &'static str, method: Method, path: impl Into<String>) -> Request {
    Request::new(call, Service::Compute, method, path).microversion(MICROVERSION)
}

fn is_not_found(e: &CallError) -> bool {
    matches!(
        e,
        CallError::Remote {
            status: Some(404),
            ..
        }
    )
}

/// `GET /servers/{id}`.
async fn get_by_id(
    client: &Client,
    session: &ScopeSession,
    call: &'static str,
    id: &str,
) -> Result<Value, CallError> {
    let r = client
        .send_in(
            session,
            &request(call, Method::GET, format!("/servers/{}", path_segment(id))),
        )
        .await?;
    Ok(r.body.get("server").cloned().unwrap_or(Value::Null))
}

/// Name or id to the server's JSON, as the CLI does: GET by id; on 404 list
/// with `name=^NAME$` (Nova filters by regex) and require exactly one exact
/// match. Nova's ids are UUIDs, so a name that is not one skips the GET
/// that could only answer 404. A name resolved once is remembered for the scope, so a poll on
/// `server.show(name)` costs one request per attempt; if the remembered id
/// has gone (server rebuilt under the same name) the lookup starts over.
pub async fn find(
    client: &Client,
    scope: &OpenStackScope,
    call: &'static str,
    server: &str,
) -> Result<Value, CallError> {
    let session = client.session(scope, call).await?;
    let cached = session
        .server_ids
        .lock()
        .ok()
        .and_then(|m| m.get(server).cloned());
    if let Some(id) = cached {
        match get_by_id(client, &session, call, &id).await {
            Ok(v) if str_field(&v, "name") == server => return Ok(v),
            Ok(_) => {}
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(e),
        }
        if let Ok(mut m) = session.server_ids.lock() {
            m.remove(server);
        }
    }
    if is_uuid(server) {
        match get_by_id(client, &session, call, server).await {
            Ok(v) => return Ok(v),
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(e),
        }
    }
    let pattern = format!("^{}$", regex::escape(server));
    let req = request(call, Method::GET, "/servers/detail").query("name", pattern);
    let found: Vec<Value> = list_all(client, &session, req, "servers", "servers_links")
        .await?
        .into_iter()
        .filter(|s| str_field(s, "name") == server)
        .collect();
    let where_ = format!(" in this scope ({})", project_hint(&session));
    let one = super::one_named(found, call, "server", server, &where_)?;
    if let Ok(mut m) = session.server_ids.lock() {
        m.insert(server.to_string(), str_field(&one, "id"));
    }
    Ok(one)
}

fn project_hint(session: &ScopeSession) -> String {
    match &session.creds().project {
        super::config::ProjectScope::Id(id) => {
            format!("project {id}; servers of other projects need their project's scope")
        }
        super::config::ProjectScope::Name { name, .. } => {
            format!("project {name}; servers of other projects need their project's scope")
        }
        super::config::ProjectScope::Unscoped => "the credentials' own project".into(),
    }
}

pub async fn show(
    client: &Client,
    scope: &OpenStackScope,
    server: &str,
) -> Result<Server, CallError> {
    let v = find(client, scope, calls::SERVER_SHOW, server).await?;
    let session = client.session(scope, calls::SERVER_SHOW).await?;
    Ok(to_server(client, &session, calls::SERVER_SHOW, &v).await)
}

pub async fn list(
    client: &Client,
    scope: &OpenStackScope,
    all_projects: bool,
) -> Result<Vec<Server>, CallError> {
    list_filtered(client, scope, all_projects, &[]).await
}

/// `GET /servers/detail` with Nova's own filters (`host`, `status`, `name`
/// as a regular expression); empty values are left out.
pub async fn list_filtered(
    client: &Client,
    scope: &OpenStackScope,
    all_projects: bool,
    filters: &[(&str, &str)],
) -> Result<Vec<Server>, CallError> {
    let session = client.session(scope, calls::SERVER_LIST).await?;
    let mut req = request(calls::SERVER_LIST, Method::GET, "/servers/detail");
    if all_projects {
        req = req.query("all_tenants", "True");
    }
    for (k, v) in filters.iter().filter(|(_, v)| !v.is_empty()) {
        req = req.query(k, *v);
    }
    let items = list_all(client, &session, req, "servers", "servers_links").await?;
    image_names(client, &session, calls::SERVER_LIST, &items).await;
    let mut out = Vec::with_capacity(items.len());
    for v in &items {
        out.push(to_server(client, &session, calls::SERVER_LIST, v).await);
    }
    Ok(out)
}

/// `os-start` / `os-stop` by name or id (resolved first, like the CLI).
pub async fn action(
    client: &Client,
    scope: &OpenStackScope,
    call: &'static str,
    server: &str,
    action: &str,
) -> Result<(), CallError> {
    let id = str_field(&find(client, scope, call, server).await?, "id");
    let req = request(
        call,
        Method::POST,
        format!("/servers/{}/action", path_segment(&id)),
    )
    .json(json!({ action: null }));
    client.send(scope, &req).await.map(|_| ())
}

/// By id only: in admin scope a name lookup only sees the admin project's
/// servers, so a name could pick the wrong one (the seed's warning).
pub async fn delete(client: &Client, scope: &OpenStackScope, id: &str) -> Result<(), CallError> {
    if !is_uuid(id) {
        return Err(CallError::Config {
            call: calls::SERVER_DELETE.into(),
            message: format!("{id:?} is not a server id; delete takes the UUID (a name lookup is project-scoped and may hit the wrong server)"),
        });
    }
    let req = request(
        calls::SERVER_DELETE,
        Method::DELETE,
        format!("/servers/{}", path_segment(id)),
    );
    client.send(scope, &req).await.map(|_| ())
}

/// Compute nodes with their memory figures (Nova 2.87) and scheduler
/// ceiling inputs (Placement). See `MICROVERSION`.
pub async fn hypervisors(client: &Client, scope: &OpenStackScope) -> Result<Vec<Value>, CallError> {
    let session = client.session(scope, calls::HYPERVISOR_LIST).await?;
    let req = request(
        calls::HYPERVISOR_LIST,
        Method::GET,
        "/os-hypervisors/detail",
    )
    .microversion(HYPERVISORS);
    list_all(client, &session, req, "hypervisors", "hypervisors_links").await
}

pub(super) async fn to_server(
    client: &Client,
    session: &ScopeSession,
    call: &'static str,
    v: &Value,
) -> Server {
    let image_id = match v.get("image") {
        Some(Value::Object(o)) => o
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ => String::new(), // "" when booted from a volume
    };
    let image = match v.pointer("/image/name").and_then(Value::as_str) {
        Some(name) => name.to_string(),
        None if image_id.is_empty() => String::new(),
        None => image_name(client, session, call, &image_id).await,
    };
    let flavor = ["/flavor/original_name", "/flavor/name", "/flavor/id"]
        .iter()
        .find_map(|p| v.pointer(p).and_then(Value::as_str))
        .unwrap_or_default()
        .to_string();
    let mut addresses = Vec::new();
    if let Some(nets) = v.get("addresses").and_then(Value::as_object) {
        for addrs in nets.values().filter_map(Value::as_array) {
            addresses.extend(
                addrs
                    .iter()
                    .filter_map(|a| a.get("addr").and_then(Value::as_str))
                    .map(String::from),
            );
        }
    }
    Server {
        id: str_field(v, "id"),
        name: str_field(v, "name"),
        status: str_field(v, "status"),
        project_id: str_field(v, "tenant_id"),
        image,
        flavor,
        host: str_field(v, "OS-EXT-SRV-ATTR:host"),
        addresses,
        ram_mb: v
            .pointer("/flavor/ram")
            .and_then(Value::as_i64)
            .unwrap_or(0),
    }
}

/// The names of the images `servers` run that are not known yet, a few
/// ids per Glance request (`id=in:...`) rather than one request per image.
/// Best effort: an image left out is looked up on its own.
async fn image_names(
    client: &Client,
    session: &ScopeSession,
    call: &'static str,
    servers: &[Value],
) {
    /// Ids per request: keeps the URL short.
    const BATCH: usize = 20;
    let mut unknown: Vec<&str> = servers
        .iter()
        .filter(|v| v.pointer("/image/name").is_none())
        .filter_map(|v| v.pointer("/image/id").and_then(Value::as_str))
        .filter(|id| {
            session
                .image_names
                .lock()
                .is_ok_and(|m| !m.contains_key(*id))
        })
        .collect();
    unknown.sort_unstable();
    unknown.dedup();
    if unknown.len() < 2 {
        return;
    }
    for ids in unknown.chunks(BATCH) {
        let req = Request::get(call, Service::Image, "/images")
            .query("id", format!("in:{}", ids.join(",")))
            .query("limit", ids.len().to_string());
        let Ok(r) = client.send_in(session, &req).await else {
            return;
        };
        let found = r.body.get("images").and_then(Value::as_array);
        if let (Some(found), Ok(mut m)) = (found, session.image_names.lock()) {
            for image in found {
                if let (Some(id), Some(name)) = (
                    image.get("id").and_then(Value::as_str),
                    image.get("name").and_then(Value::as_str),
                ) {
                    m.insert(id.to_string(), name.to_string());
                }
            }
        }
    }
}

/// Nova gives only the image id; the CLI's `--long` shows the name, which is
/// how the seed spots amphorae (`amphora-haproxy`). Looked up once per image
/// and scope in Glance; if that fails the id stands in.
async fn image_name(
    client: &Client,
    session: &ScopeSession,
    call: &'static str,
    id: &str,
) -> String {
    if let Some(name) = session
        .image_names
        .lock()
        .ok()
        .and_then(|m| m.get(id).cloned())
    {
        return name;
    }
    let req = Request::get(
        call,
        Service::Image,
        format!("/images/{}", path_segment(id)),
    );
    let name = match client.send_in(session, &req).await {
        Ok(r) => r
            .body
            .get("name")
            .and_then(Value::as_str)
            .map(String::from)
            .unwrap_or_else(|| id.to_string()),
        Err(_) => id.to_string(),
    };
    if let Ok(mut m) = session.image_names.lock() {
        m.insert(id.to_string(), name.clone());
    }
    name
}
