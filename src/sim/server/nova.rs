//! Nova (compute API v2.1 with microversions): version discovery, servers
//! (list/detail with all_tenants, show, os-start/os-stop, delete), flavors,
//! os-hypervisors. Server-side project scoping as Nova does it: lists show the
//! token's project unless an admin asks for all_tenants; an admin may show or
//! delete any server by id.
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::{authenticate, empty, iso, iso_micro, json_response, AppState, Req, Token};
use crate::sim::world::{Server, World, WorldError};

const MIN: (u32, u32) = (2, 1);

/// Nova's error body: `{"itemNotFound": {"code": 404, "message": ...}}`.
pub fn fault(status: StatusCode, message: impl Into<String>) -> Response {
    let name = match status.as_u16() {
        400 => "badRequest",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "itemNotFound",
        405 => "badMethod",
        409 => "conflictingRequest",
        _ => "computeFault",
    };
    json_response(
        status,
        json!({name: {"code": status.as_u16(), "message": message.into()}}),
    )
}

pub(super) fn world_error(e: WorldError) -> Response {
    match e {
        WorldError::NotFound { .. } => fault(StatusCode::NOT_FOUND, e.to_string()),
        WorldError::Conflict(m) => fault(StatusCode::CONFLICT, m),
        WorldError::BadRequest(m) => fault(StatusCode::BAD_REQUEST, m),
    }
}

/// The requested microversion, or Nova's 406.
fn microversion(req: &Req, max: (u32, u32)) -> Result<(u32, u32), Response> {
    let raw = req
        .header("openstack-api-version")
        .and_then(|v| v.trim().strip_prefix("compute").map(str::trim))
        .or_else(|| req.header("x-openstack-nova-api-version"))
        .map(str::trim);
    let v = match raw {
        None => return Ok(MIN),
        Some("latest") => return Ok(max),
        Some(v) => v,
    };
    let parsed = v
        .split_once('.')
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
    match parsed {
        Some(mv) if mv >= MIN && mv <= max => Ok(mv),
        Some(_) => Err(fault(
            StatusCode::NOT_ACCEPTABLE,
            format!(
                "Version {v} is not supported by the API. Minimum is {}.{} and maximum is {}.{}.",
                MIN.0, MIN.1, max.0, max.1
            ),
        )),
        None => Err(fault(
            StatusCode::BAD_REQUEST,
            format!(
                "API Version String {v} is of invalid format. Must be of format MajorNum.MinorNum."
            ),
        )),
    }
}

fn with_version(mut r: Response, mv: (u32, u32)) -> Response {
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("compute {}.{}", mv.0, mv.1)) {
        h.insert("openstack-api-version", v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("{}.{}", mv.0, mv.1)) {
        h.insert("x-openstack-nova-api-version", v);
    }
    h.insert(
        "vary",
        HeaderValue::from_static("OpenStack-API-Version, X-OpenStack-Nova-API-Version"),
    );
    r
}

fn version_doc(app: &AppState, max: (u32, u32)) -> Value {
    json!({
        "id": "v2.1", "status": "CURRENT", "version": format!("{}.{}", max.0, max.1),
        "min_version": "2.1", "updated": "2013-07-23T11:33:21Z",
        "links": [{"rel": "self", "href": app.url("/compute/v2.1/")},
                  {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}]
    })
}

pub fn handle(app: &AppState, req: &Req) -> Response {
    let max = app.world.read(|w, _| w.nova_max_microversion);
    let rest = req.rest(1);
    match (&req.method, rest.as_slice()) {
        (&Method::GET, []) => {
            return json_response(StatusCode::OK, json!({"versions": [version_doc(app, max)]}));
        }
        (&Method::GET, ["v2.1"]) => {
            return json_response(StatusCode::OK, json!({"version": version_doc(app, max)}))
        }
        _ => {}
    }
    let token = match authenticate(app, req) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let mv = match microversion(req, max) {
        Ok(mv) => mv,
        Err(r) => return r,
    };
    let r = match (&req.method, rest.as_slice()) {
        (&Method::GET, ["v2.1", "servers"]) => list(app, req, &token, mv, false),
        (&Method::GET, ["v2.1", "servers", "detail"]) => list(app, req, &token, mv, true),
        (&Method::GET, ["v2.1", "servers", id]) => show(app, &token, id, mv),
        (&Method::DELETE, ["v2.1", "servers", id]) => match visible_by_id(app, &token, id) {
            Err(r) => r,
            Ok(()) => match app.world.write(|w, now| w.delete_server(id, now)) {
                Ok(()) => empty(StatusCode::NO_CONTENT),
                Err(e) => world_error(e),
            },
        },
        (&Method::POST, ["v2.1", "servers", id, "action"]) => action(app, req, &token, id, mv),
        (&Method::POST, ["v2.1", "servers"]) => fault(
            StatusCode::FORBIDDEN,
            "Creating servers is not supported by the simulated cloud.",
        ),
        (&Method::GET, ["v2.1", "flavors"]) | (&Method::GET, ["v2.1", "flavors", "detail"]) => {
            let flavors: Vec<Value> = app
                .world
                .read(|w, _| w.flavors.iter().map(|f| flavor_json(app, f, mv)).collect());
            json_response(StatusCode::OK, json!({"flavors": flavors}))
        }
        (&Method::GET, ["v2.1", "flavors", id]) => {
            match app
                .world
                .read(|w, _| w.flavor(id).map(|f| flavor_json(app, f, mv)))
            {
                Some(f) => json_response(StatusCode::OK, json!({"flavor": f})),
                None => fault(
                    StatusCode::NOT_FOUND,
                    format!("Flavor {id} could not be found."),
                ),
            }
        }
        (&Method::GET, ["v2.1", "os-hypervisors"]) => hypervisors(app, req, mv, false),
        (&Method::GET, ["v2.1", "os-hypervisors", "detail"]) => hypervisors(app, req, mv, true),
        (&Method::GET, ["v2.1", "os-hypervisors", id]) => hypervisor_show(app, id, mv),
        (&Method::GET, ["v2.1", "os-aggregates"]) => {
            json_response(StatusCode::OK, json!({"aggregates": []}))
        }
        (_, ["v2.1", "os-services", ..])
        | (_, ["v2.1", "os-migrations"])
        | (_, ["v2.1", "servers", _, "migrations"])
        | (_, ["v2.1", "servers", _, "os-volume_attachments", ..])
        | (&Method::GET, ["v2.1", "os-hypervisors", _, "servers"])
        | (&Method::GET, ["v2.1", "os-hypervisors", _, "uptime"]) => {
            if let Err(r) = visible_for_ops(app, &token, &rest) {
                return r;
            }
            super::nova_ops::handle(app, req, &rest[1..], mv)
        }
        _ => fault(StatusCode::NOT_FOUND, "The resource could not be found."),
    };
    with_version(r, mv)
}

fn is_true(v: Option<&str>) -> bool {
    matches!(
        v.map(str::to_ascii_lowercase).as_deref(),
        Some("1" | "true" | "yes" | "t" | "on" | "")
    )
}

fn list(app: &AppState, req: &Req, token: &Token, mv: (u32, u32), detail: bool) -> Response {
    let all = req.q("all_tenants").is_some() && is_true(req.q("all_tenants"));
    if all && !token.is_admin {
        return fault(
            StatusCode::FORBIDDEN,
            "Policy doesn't allow os_compute_api:servers:index:get_all_tenants to be performed.",
        );
    }
    let name_re = match req.q("name").map(regex::Regex::new) {
        Some(Ok(re)) => Some(re),
        Some(Err(_)) => {
            return fault(
                StatusCode::BAD_REQUEST,
                "Invalid filter: name is not a valid regular expression",
            )
        }
        None => None,
    };
    let project_filter = req
        .q("project_id")
        .or(req.q("tenant_id"))
        .map(str::to_string);
    let servers: Vec<Value> = app.world.read(|w, _| {
        w.servers
            .iter()
            .filter(|s| {
                if all {
                    project_filter.as_ref().is_none_or(|p| *p == s.project_id)
                } else {
                    token.project_id.as_deref() == Some(s.project_id.as_str())
                }
            })
            .filter(|s| name_re.as_ref().is_none_or(|re| re.is_match(&s.name)))
            .filter(|s| {
                req.q("status")
                    .is_none_or(|st| st.eq_ignore_ascii_case(&s.status))
            })
            .filter(|s| req.q("host").is_none_or(|h| s.host.as_deref() == Some(h)))
            .map(|s| {
                if detail {
                    server_json(app, w, s, mv)
                } else {
                    brief_json(app, s)
                }
            })
            .collect()
    });
    json_response(StatusCode::OK, json!({"servers": servers}))
}

/// An admin may act on any server by id; others only on their project's.
fn visible_by_id(app: &AppState, token: &Token, id: &str) -> Result<(), Response> {
    let project = app
        .world
        .read(|w, _| w.server(id).map(|s| s.project_id.clone()));
    match project {
        Some(p) if token.is_admin || token.project_id.as_deref() == Some(p.as_str()) => Ok(()),
        _ => Err(fault(
            StatusCode::NOT_FOUND,
            format!("Instance {id} could not be found."),
        )),
    }
}

fn show(app: &AppState, token: &Token, id: &str, mv: (u32, u32)) -> Response {
    if let Err(r) = visible_by_id(app, token, id) {
        return r;
    }
    match app
        .world
        .read(|w, _| w.server(id).map(|s| server_json(app, w, s, mv)))
    {
        Some(s) => json_response(StatusCode::OK, json!({"server": s})),
        None => fault(
            StatusCode::NOT_FOUND,
            format!("Instance {id} could not be found."),
        ),
    }
}

/// Services, migrations and hypervisors are admin-only; a server's
/// attachments and migrations follow the server's visibility.
fn visible_for_ops(app: &AppState, token: &Token, rest: &[&str]) -> Result<(), Response> {
    match rest {
        ["v2.1", "servers", id, ..] => visible_by_id(app, token, id),
        _ if token.is_admin => Ok(()),
        _ => Err(fault(
            StatusCode::FORBIDDEN,
            "Policy doesn't allow this operation to be performed.",
        )),
    }
}

fn action(app: &AppState, req: &Req, token: &Token, id: &str, mv: (u32, u32)) -> Response {
    if let Err(r) = visible_by_id(app, token, id) {
        return r;
    }
    let Some(Value::Object(body)) = req.json_body() else {
        return fault(StatusCode::BAD_REQUEST, "Malformed request body");
    };
    let Some(name) = body.keys().next().cloned() else {
        return fault(StatusCode::BAD_REQUEST, "Malformed request body");
    };
    let result = match name.as_str() {
        "os-start" => app.world.write(|w, now| w.start_server(id, now)),
        "os-stop" => app.world.write(|w, now| w.stop_server(id, now)),
        other => {
            return super::nova_ops::action(app, id, other, &body[other], mv);
        }
    };
    match result {
        Ok(()) => empty(StatusCode::ACCEPTED),
        Err(e) => world_error(e),
    }
}

fn links(app: &AppState, kind: &str, id: &str) -> Value {
    json!([{"rel": "self", "href": app.url(&format!("/compute/v2.1/{kind}/{id}"))},
           {"rel": "bookmark", "href": app.url(&format!("/compute/{kind}/{id}"))}])
}

fn brief_json(app: &AppState, s: &Server) -> Value {
    json!({"id": s.id, "name": s.name, "links": links(app, "servers", &s.id)})
}

/// A stable fake MAC from the address.
fn mac(addr: &str) -> String {
    let h = addr
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    format!(
        "fa:16:3e:{:02x}:{:02x}:{:02x}",
        (h >> 16) as u8,
        (h >> 8) as u8,
        h as u8
    )
}

pub fn server_json(app: &AppState, w: &World, s: &Server, mv: (u32, u32)) -> Value {
    let mut addresses = Map::new();
    for a in &s.addresses {
        let entry = json!({"version": if a.addr.contains(':') { 6 } else { 4 }, "addr": a.addr,
                           "OS-EXT-IPS:type": a.kind, "OS-EXT-IPS-MAC:mac_addr": mac(&a.addr)});
        match addresses.get_mut(&a.network) {
            Some(Value::Array(v)) => v.push(entry),
            _ => {
                addresses.insert(a.network.clone(), json!([entry]));
            }
        }
    }
    let flavor = w.flavor(&s.flavor_id);
    let flavor_json = if mv >= (2, 47) {
        json!({"vcpus": flavor.map_or(0, |f| f.vcpus), "ram": flavor.map_or(0, |f| f.ram_mb),
               "disk": flavor.map_or(0, |f| f.disk_gb), "ephemeral": 0, "swap": 0,
               "original_name": flavor.map_or("", |f| f.name.as_str()), "extra_specs": {}})
    } else {
        json!({"id": s.flavor_id, "links": [{"rel": "bookmark", "href": app.url(&format!("/compute/flavors/{}", s.flavor_id))}]})
    };
    let host_id = s.host.as_ref().map_or(String::new(), |h| {
        let v = format!("{}{h}", s.project_id)
            .bytes()
            .fold(0u64, |a, b| a.wrapping_mul(131).wrapping_add(b as u64));
        format!("{v:016x}{:016x}{:024x}", v.rotate_left(17), v as u128 * 7)
    });
    let instance_no = w.servers.iter().position(|x| x.id == s.id).unwrap_or(0) + 0x1a;
    let mut v = json!({
        "id": s.id, "name": s.name, "status": s.status,
        "tenant_id": s.project_id, "user_id": s.user_id, "metadata": {},
        "hostId": host_id,
        "image": {"id": s.image_id, "links": [{"rel": "bookmark", "href": app.url(&format!("/compute/images/{}", s.image_id))}]},
        "flavor": flavor_json,
        "created": iso(s.created), "updated": iso(s.updated),
        "addresses": addresses, "accessIPv4": "", "accessIPv6": "",
        "links": links(app, "servers", &s.id),
        "OS-DCF:diskConfig": "MANUAL",
        "progress": if s.status == "BUILD" { 40 } else { 0 },
        "OS-EXT-AZ:availability_zone": if s.host.is_some() { "nova" } else { "" },
        "config_drive": "", "key_name": s.key_name,
        "OS-SRV-USG:launched_at": s.launched.map(iso_micro),
        "OS-SRV-USG:terminated_at": null,
        "OS-EXT-SRV-ATTR:host": s.host,
        "OS-EXT-SRV-ATTR:instance_name": format!("instance-{instance_no:08x}"),
        "OS-EXT-SRV-ATTR:hypervisor_hostname": s.host.as_ref().map(|h| format!("{h}.maas")),
        "OS-EXT-STS:task_state": s.task_state,
        "OS-EXT-STS:vm_state": s.vm_state(),
        "OS-EXT-STS:power_state": s.power_state,
        "os-extended-volumes:volumes_attached": w.volumes_of(&s.id).iter()
            .map(|v| json!({"id": v.id, "delete_on_termination": false})).collect::<Vec<_>>(),
        "security_groups": [{"name": "default"}],
    });
    let o = v.as_object_mut().expect("server_json builds an object");
    if mv >= (2, 9) {
        o.insert("locked".into(), json!(false));
    }
    if mv >= (2, 16) {
        o.insert(
            "host_status".into(),
            json!(if s.host.is_some() { "UP" } else { "" }),
        );
    }
    if mv >= (2, 19) {
        o.insert("description".into(), Value::Null);
    }
    if mv >= (2, 26) {
        o.insert("tags".into(), json!([]));
    }
    if mv >= (2, 73) {
        o.insert("locked_reason".into(), Value::Null);
    }
    if let Some(f) = &s.fault {
        o.insert(
            "fault".into(),
            json!({"code": f.code, "created": iso(f.created), "message": f.message}),
        );
    }
    v
}

fn flavor_json(app: &AppState, f: &crate::sim::world::Flavor, mv: (u32, u32)) -> Value {
    let mut v = json!({"id": f.id, "name": f.name, "ram": f.ram_mb, "vcpus": f.vcpus, "disk": f.disk_gb,
                       "OS-FLV-EXT-DATA:ephemeral": 0, "OS-FLV-DISABLED:disabled": false, "swap": "",
                       "rxtx_factor": 1.0, "os-flavor-access:is_public": true,
                       "links": links(app, "flavors", &f.id)});
    if mv >= (2, 55) {
        v["description"] = Value::Null;
    }
    if mv >= (2, 61) {
        v["extra_specs"] = json!({});
    }
    v
}

fn hypervisor_json(
    w: &World,
    h: &crate::sim::world::Hypervisor,
    mv: (u32, u32),
    detail: bool,
) -> Value {
    let id = if mv >= (2, 53) {
        json!(h.uuid)
    } else {
        json!(h.id)
    };
    let service = w.ops.compute_service(&h.hostname);
    let status = service.map_or("enabled", |s| s.status.as_str());
    let mut v = json!({"id": id, "hypervisor_hostname": format!("{}.maas", h.hostname), "state": "up", "status": status});
    if !detail {
        return v;
    }
    let o = v.as_object_mut().expect("hypervisor_json builds an object");
    o.insert("hypervisor_type".into(), json!("QEMU"));
    o.insert("hypervisor_version".into(), json!(6002000));
    o.insert("host_ip".into(), json!(h.host_ip));
    o.insert(
        "service".into(),
        json!({"host": h.hostname,
               "id": match (mv >= (2, 53), service) {
                   (true, Some(s)) => json!(s.uuid),
                   (true, None) => json!(h.uuid),
                   (false, Some(s)) => json!(s.id),
                   (false, None) => json!(h.id + 10),
               },
               "disabled_reason": service.and_then(|s| s.disabled_reason.clone())}),
    );
    if mv < (2, 88) {
        let used = w.memory_mb_used(h);
        let vcpus_used = w.instances_vcpus(h);
        o.insert("vcpus".into(), json!(h.vcpus));
        o.insert("vcpus_used".into(), json!(vcpus_used));
        o.insert("memory_mb".into(), json!(h.memory_mb));
        o.insert("memory_mb_used".into(), json!(used));
        o.insert("free_ram_mb".into(), json!(h.memory_mb - used));
        o.insert("local_gb".into(), json!(1800));
        o.insert("local_gb_used".into(), json!(640));
        o.insert("free_disk_gb".into(), json!(1160));
        o.insert("disk_available_least".into(), json!(1100));
        o.insert("running_vms".into(), json!(w.running_vms(h)));
        o.insert("current_workload".into(), json!(0));
        o.insert("cpu_info".into(), json!({"arch": "x86_64", "model": "Cascadelake-Server", "vendor": "Intel",
                                            "topology": {"cells": 2, "sockets": 1, "cores": 8, "threads": 2}}));
    } else {
        o.insert(
            "uptime".into(),
            json!(" 08:00:00 up 41 days,  3:12,  0 users,  load average: 1.02, 1.10, 1.05"),
        );
    }
    v
}

fn hypervisors(app: &AppState, req: &Req, mv: (u32, u32), detail: bool) -> Response {
    let with_servers = is_true(req.q("with_servers")) && req.q("with_servers").is_some();
    let pattern = req.q("hypervisor_hostname_pattern").map(str::to_string);
    let list: Vec<Value> = app.world.read(|w, _| {
        w.hypervisors
            .iter()
            .filter(|h| {
                pattern
                    .as_ref()
                    .is_none_or(|p| h.hostname.contains(p.as_str()))
            })
            .map(|h| {
                let mut v = hypervisor_json(w, h, mv, detail);
                if with_servers {
                    v["servers"] = super::nova_ops::servers_on(w, &h.hostname);
                }
                v
            })
            .collect()
    });
    json_response(StatusCode::OK, json!({"hypervisors": list}))
}

fn hypervisor_show(app: &AppState, id: &str, mv: (u32, u32)) -> Response {
    let found = app.world.read(|w, _| {
        w.hypervisors
            .iter()
            .find(|h| h.uuid == id || h.id.to_string() == id || h.hostname == id)
            .map(|h| hypervisor_json(w, h, mv, true))
    });
    match found {
        Some(h) => json_response(StatusCode::OK, json!({"hypervisor": h})),
        None => fault(
            StatusCode::NOT_FOUND,
            format!("Hypervisor with ID {id} could not be found."),
        ),
    }
}
