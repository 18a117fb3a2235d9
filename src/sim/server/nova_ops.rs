//! Nova's maintenance API over the maintenance world (`sim::ops`): compute
//! services (list; disable with a reason and enable, both the 2.53+
//! `PUT /os-services/{uuid}` and the older `disable-log-reason`), server
//! actions (reboot, os-migrateLive, migrate, confirmResize,
//! os-getConsoleOutput), migrations, volume attachments and the servers on
//! a hypervisor.
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::nova::{fault, world_error};
use super::{empty, iso, iso_micro, json_response, AppState, Req};
use crate::sim::ops::{ComputeService, Migration};
use crate::sim::world::{Ms, World, SECOND};

type Mv = (u32, u32);

/// `rest` starts after `v2.1`.
pub fn handle(app: &AppState, req: &Req, rest: &[&str], mv: Mv) -> Response {
    match (&req.method, rest) {
        (&Method::GET, ["os-services"]) => {
            let list: Vec<Value> = app.world.read(|w, now| {
                w.ops
                    .services
                    .iter()
                    .filter(|s| req.q("host").is_none_or(|h| h == s.host))
                    .filter(|s| req.q("binary").is_none_or(|b| b == s.binary))
                    .map(|s| service_json(&heartbeat(s, now), mv))
                    .collect()
            });
            json_response(StatusCode::OK, json!({"services": list}))
        }
        (&Method::PUT, ["os-services", what]) => update_service(app, req, what, mv),
        (&Method::GET, ["os-migrations"]) => {
            let list: Vec<Value> = app.world.read(|w, _| {
                w.ops
                    .migrations
                    .iter()
                    .filter(|m| req.q("instance_uuid").is_none_or(|i| i == m.server_id))
                    .filter(|m| req.q("status").is_none_or(|s| s == m.status))
                    .filter(|m| req.q("migration_type").is_none_or(|t| t == m.kind))
                    .map(|m| migration_json(m, mv))
                    .collect()
            });
            json_response(StatusCode::OK, json!({"migrations": list}))
        }
        (&Method::GET, ["servers", id, "migrations"]) => {
            let list: Vec<Value> = app.world.read(|w, _| {
                w.ops
                    .migrations
                    .iter()
                    .filter(|m| m.server_id == *id && m.kind == "live-migration")
                    .filter(|m| m.status == "running")
                    .map(|m| migration_json(m, mv))
                    .collect()
            });
            json_response(StatusCode::OK, json!({"migrations": list}))
        }
        (&Method::GET, ["servers", id, "os-volume_attachments"]) => {
            let list: Vec<Value> = app.world.read(|w, _| {
                w.volumes_of(id)
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        json!({"id": v.id, "volumeId": v.id, "serverId": id,
                               "device": format!("/dev/vd{}", (b'b' + i as u8) as char)})
                    })
                    .collect()
            });
            json_response(StatusCode::OK, json!({"volumeAttachments": list}))
        }
        (&Method::DELETE, ["servers", id, "os-volume_attachments", volume]) => {
            match app.world.write(|w, now| w.detach_volume(id, volume, now)) {
                Ok(()) => empty(StatusCode::ACCEPTED),
                Err(e) => world_error(e),
            }
        }
        (&Method::GET, ["os-hypervisors", pattern, "servers"]) => {
            let list: Vec<Value> = app.world.read(|w, _| {
                w.hypervisors
                    .iter()
                    .filter(|h| h.hostname.contains(pattern))
                    .map(|h| {
                        json!({"id": h.id, "hypervisor_hostname": format!("{}.maas", h.hostname),
                               "state": "up", "status": "enabled", "servers": servers_on(w, &h.hostname)})
                    })
                    .collect()
            });
            json_response(StatusCode::OK, json!({"hypervisors": list}))
        }
        (&Method::GET, ["os-hypervisors", id, "uptime"]) => {
            let found = app.world.read(|w, _| {
                w.hypervisors
                    .iter()
                    .find(|h| h.uuid == *id || h.id.to_string() == *id)
                    .map(|h| {
                        let status = w
                            .ops
                            .compute_service(&h.hostname)
                            .map_or("enabled".to_string(), |s| s.status.clone());
                        let id = if mv >= (2, 53) { json!(h.uuid) } else { json!(h.id) };
                        json!({"id": id, "hypervisor_hostname": format!("{}.maas", h.hostname),
                               "state": "up", "status": status,
                               "uptime": " 08:00:00 up 41 days,  3:12,  0 users,  load average: 1.02, 1.10, 1.05"})
                    })
            });
            match found {
                Some(h) => json_response(StatusCode::OK, json!({"hypervisor": h})),
                None => fault(
                    StatusCode::NOT_FOUND,
                    format!("Hypervisor with ID {id} could not be found."),
                ),
            }
        }
        _ => fault(StatusCode::NOT_FOUND, "The resource could not be found."),
    }
}

/// `[{"name": ..., "uuid": ...}]` of the servers on a host.
pub fn servers_on(w: &World, host: &str) -> Value {
    Value::Array(
        w.servers
            .iter()
            .filter(|s| s.host.as_deref() == Some(host))
            .map(|s| json!({"name": s.name, "uuid": s.id}))
            .collect(),
    )
}

/// A service reports every 10 s: its `updated_at` is its last heartbeat.
fn heartbeat(s: &ComputeService, now: Ms) -> ComputeService {
    let mut s = s.clone();
    s.updated = s.updated.max(now - now.rem_euclid(10 * SECOND));
    s
}

fn service_json(s: &ComputeService, mv: Mv) -> Value {
    let mut v = json!({
        "id": if mv >= (2, 53) { json!(s.uuid) } else { json!(s.id) },
        "binary": s.binary, "host": s.host, "zone": s.zone, "status": s.status,
        "state": "up", "updated_at": iso_micro(s.updated), "disabled_reason": s.disabled_reason,
    });
    if mv >= (2, 11) {
        v["forced_down"] = json!(false);
    }
    v
}

fn migration_json(m: &Migration, mv: Mv) -> Value {
    let mut v = json!({
        "id": m.id, "instance_uuid": m.server_id, "source_compute": m.source,
        "source_node": format!("{}.maas", m.source), "dest_compute": m.dest,
        "dest_node": m.dest.as_ref().map(|d| format!("{d}.maas")), "dest_host": null,
        "migration_type": m.kind, "status": m.status, "old_instance_type_id": 1,
        "new_instance_type_id": 1, "source_region": "RegionOne", "dest_region": "RegionOne",
        "created_at": iso_micro(m.created), "updated_at": iso_micro(m.updated),
    });
    if mv >= (2, 59) {
        v["uuid"] = json!(m.uuid);
    }
    v
}

/// Both forms of `openstack compute service set`.
fn update_service(app: &AppState, req: &Req, what: &str, mv: Mv) -> Response {
    let Some(body) = req.json_body().filter(Value::is_object) else {
        return fault(StatusCode::BAD_REQUEST, "Malformed request body");
    };
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    let (host, binary, enabled, reason) = match what {
        "enable" | "disable" | "disable-log-reason" => match (text("host"), text("binary")) {
            (Some(h), Some(b)) => (h, b, what == "enable", text("disabled_reason")),
            _ => {
                return fault(
                    StatusCode::BAD_REQUEST,
                    "Invalid input for field/attribute host or binary.",
                )
            }
        },
        uuid if mv >= (2, 53) => {
            let found = app.world.read(|w, _| {
                w.ops
                    .services
                    .iter()
                    .find(|s| s.uuid == uuid)
                    .map(|s| (s.host.clone(), s.binary.clone()))
            });
            let Some((host, binary)) = found else {
                return fault(
                    StatusCode::NOT_FOUND,
                    format!("Service {uuid} could not be found."),
                );
            };
            let enabled = match text("status").as_deref() {
                Some("enabled") => true,
                Some("disabled") => false,
                _ => {
                    return fault(
                        StatusCode::BAD_REQUEST,
                        "Invalid input for field/attribute status.",
                    )
                }
            };
            (host, binary, enabled, text("disabled_reason"))
        }
        other => return fault(StatusCode::NOT_FOUND, format!("Unknown action {other}")),
    };
    if enabled && reason.is_some() {
        return fault(
            StatusCode::BAD_REQUEST,
            "Specifying 'disabled_reason' with status 'enabled' is invalid.",
        );
    }
    match app
        .world
        .write(|w, now| w.set_service_status(&host, &binary, enabled, reason, now))
    {
        Ok(s) if mv >= (2, 53) => {
            json_response(StatusCode::OK, json!({"service": service_json(&s, mv)}))
        }
        Ok(s) => {
            let mut v = json!({"host": s.host, "binary": s.binary, "status": s.status});
            if let Some(r) = &s.disabled_reason {
                v["disabled_reason"] = json!(r);
            }
            json_response(StatusCode::OK, json!({"service": v}))
        }
        Err(e) => world_error(e),
    }
}

/// The maintenance server actions.
pub fn action(app: &AppState, id: &str, name: &str, body: &Value, mv: Mv) -> Response {
    let host = body.get("host").and_then(Value::as_str).map(str::to_string);
    let result = match name {
        "reboot" => {
            let hard = body
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case("HARD"));
            app.world.write(|w, now| w.reboot_server(id, hard, now))
        }
        "os-migrateLive" => app
            .world
            .write(|w, now| w.live_migrate(id, host.as_deref(), mv < (2, 34), now)),
        "migrate" => app
            .world
            .write(|w, now| w.cold_migrate(id, host.as_deref(), now)),
        "confirmResize" => app.world.write(|w, now| w.confirm_resize(id, now)),
        "os-getConsoleOutput" => {
            let lines = body.get("length").and_then(Value::as_i64);
            return json_response(
                StatusCode::OK,
                json!({"output": app.world.read(|w, _| console_log(w, id, lines))}),
            );
        }
        other => {
            return fault(
                StatusCode::BAD_REQUEST,
                format!("There is no such action: {other}"),
            )
        }
    };
    match result {
        Ok(()) => empty(StatusCode::ACCEPTED),
        Err(e) => world_error(e),
    }
}

/// A plausible boot log: the kernel, cloud-init, the login prompt.
fn console_log(w: &World, id: &str, lines: Option<i64>) -> String {
    let Some(s) = w.server(id) else {
        return String::new();
    };
    let booted = s.launched.map(iso).unwrap_or_default();
    let all = [
        "[    0.000000] Linux version 6.8.0-51-generic (buildd@lcy02-amd64-012)".to_string(),
        "[    1.402113] EXT4-fs (vda1): mounted filesystem with ordered data mode".to_string(),
        format!("[    6.118450] cloud-init[612]: Cloud-init v. 24.4 running 'modules:final' at {booted}"),
        format!("[    6.310982] cloud-init[612]: {} finished", s.name),
        String::new(),
        format!("Ubuntu 24.04.1 LTS {} ttyS0", s.name),
        String::new(),
        format!("{} login: ", s.name),
    ];
    let keep = lines.map_or(all.len(), |n| (n.max(0) as usize).min(all.len()));
    all[all.len() - keep..].join("\n")
}
