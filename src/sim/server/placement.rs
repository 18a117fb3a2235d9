//! Placement: one resource provider per compute node (uuid = Nova's
//! hypervisor id), with MEMORY_MB/VCPU/DISK_GB inventories (reserved 8192 MB,
//! ram ratio 1.5) and usages. Memory is readable here at any Nova microversion.
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::{authenticate, json_response, AppState, Req};
use crate::sim::world::{Hypervisor, World};

fn error(status: StatusCode, detail: String) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    json_response(
        status,
        json!({"errors": [{"status": status.as_u16(), "title": title, "detail": detail,
                                              "request_id": "req-rbk-sim"}]}),
    )
}

/// The generation moves whenever usage does, as Placement's does.
fn generation(w: &World, h: &Hypervisor) -> i64 {
    w.running_vms(h) + 1
}

fn provider_json(app: &AppState, w: &World, h: &Hypervisor) -> Value {
    let base = format!("/placement/resource_providers/{}", h.uuid);
    json!({
        "uuid": h.uuid, "name": format!("{}.maas", h.hostname), "generation": generation(w, h),
        "parent_provider_uuid": null, "root_provider_uuid": h.uuid,
        "links": [{"rel": "self", "href": app.url(&base)},
                  {"rel": "inventories", "href": app.url(&format!("{base}/inventories"))},
                  {"rel": "usages", "href": app.url(&format!("{base}/usages"))}],
    })
}

fn inventories(w: &World, h: &Hypervisor) -> Value {
    json!({
        "resource_provider_generation": generation(w, h),
        "inventories": {
            "MEMORY_MB": {"total": h.memory_mb, "reserved": h.reserved_host_memory_mb, "min_unit": 1,
                          "max_unit": h.memory_mb, "step_size": 1, "allocation_ratio": h.ram_allocation_ratio},
            "VCPU": {"total": h.vcpus, "reserved": 0, "min_unit": 1, "max_unit": h.vcpus, "step_size": 1,
                     "allocation_ratio": h.cpu_allocation_ratio},
            "DISK_GB": {"total": 1800, "reserved": 0, "min_unit": 1, "max_unit": 1800, "step_size": 1,
                        "allocation_ratio": 1.0},
        }
    })
}

fn usages(w: &World, h: &Hypervisor) -> Value {
    json!({
        "resource_provider_generation": generation(w, h),
        "usages": {"MEMORY_MB": w.instances_ram_mb(h), "VCPU": w.instances_vcpus(h), "DISK_GB": 640},
    })
}

pub fn handle(app: &AppState, req: &Req) -> Response {
    let rest = req.rest(1);
    if let (&Method::GET, []) = (&req.method, rest.as_slice()) {
        return json_response(
            StatusCode::OK,
            json!({"versions": [{"id": "v1.0", "min_version": "1.0", "max_version": "1.39", "status": "CURRENT",
                                 "links": [{"rel": "self", "href": ""}]}]}),
        );
    }
    if let Err(r) = authenticate(app, req) {
        return r;
    }
    app.world.read(|w, _| {
        let find = |uuid: &str| w.hypervisors.iter().find(|h| h.uuid == uuid);
        let missing = |uuid: &str| {
            error(
                StatusCode::NOT_FOUND,
                format!("No resource provider with uuid {uuid} found"),
            )
        };
        match (&req.method, rest.as_slice()) {
            (&Method::GET, ["resource_providers"]) => {
                let list: Vec<Value> = w
                    .hypervisors
                    .iter()
                    .map(|h| provider_json(app, w, h))
                    .filter(|v| {
                        ["name", "uuid"]
                            .iter()
                            .all(|k| req.q(k).is_none_or(|want| v[*k].as_str() == Some(want)))
                    })
                    .collect();
                json_response(StatusCode::OK, json!({"resource_providers": list}))
            }
            (&Method::GET, ["resource_providers", uuid]) => match find(uuid) {
                Some(h) => json_response(StatusCode::OK, provider_json(app, w, h)),
                None => missing(uuid),
            },
            (&Method::GET, ["resource_providers", uuid, "inventories"]) => match find(uuid) {
                Some(h) => json_response(StatusCode::OK, inventories(w, h)),
                None => missing(uuid),
            },
            (&Method::GET, ["resource_providers", uuid, "inventories", class]) => {
                match find(uuid) {
                    Some(h) => match inventories(w, h)["inventories"].get(*class) {
                        Some(inv) => {
                            let mut inv = inv.clone();
                            inv["resource_provider_generation"] = json!(generation(w, h));
                            json_response(StatusCode::OK, inv)
                        }
                        None => error(
                            StatusCode::NOT_FOUND,
                            format!("No inventory of class {class} for {uuid}"),
                        ),
                    },
                    None => missing(uuid),
                }
            }
            (&Method::GET, ["resource_providers", uuid, "usages"]) => match find(uuid) {
                Some(h) => json_response(StatusCode::OK, usages(w, h)),
                None => missing(uuid),
            },
            _ => error(
                StatusCode::NOT_FOUND,
                format!("The resource could not be found: {}", req.path),
            ),
        }
    })
}
