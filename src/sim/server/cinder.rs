//! Cinder v3: volumes of the world (list, detail, show, delete), under
//! `/volume/v3` with or without the project id in the path, as Cinder
//! serves it since it made the project id optional.
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::{authenticate, empty, iso_micro, json_response, AppState, Req, Token};
use crate::sim::ops::Volume;
use crate::sim::world::{World, WorldError};

fn fault(status: StatusCode, message: impl Into<String>) -> Response {
    let name = match status.as_u16() {
        400 => "badRequest",
        403 => "forbidden",
        404 => "itemNotFound",
        _ => "computeFault",
    };
    json_response(
        status,
        json!({name: {"code": status.as_u16(), "message": message.into()}}),
    )
}

fn version_doc(app: &AppState) -> Value {
    json!({"id": "v3.0", "status": "CURRENT", "version": "3.70", "min_version": "3.0",
           "updated": "2023-08-31T00:00:00Z",
           "links": [{"rel": "self", "href": app.url("/volume/v3/")}],
           "media-types": [{"base": "application/json", "type": "application/vnd.openstack.volume+json;version=3"}]})
}

fn volume_json(w: &World, v: &Volume, detail: bool) -> Value {
    let brief = json!({"id": v.id, "name": v.name, "links": []});
    if !detail {
        return brief;
    }
    let attachments: Vec<Value> = v
        .attached_to
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({"id": v.id, "attachment_id": format!("{}-{i}", v.id), "volume_id": v.id,
                   "server_id": s, "host_name": w.server(s).and_then(|x| x.host.clone()),
                   "device": format!("/dev/vd{}", (b'b' + i as u8) as char),
                   "attached_at": iso_micro(v.created)})
        })
        .collect();
    json!({"id": v.id, "name": v.name, "status": v.status, "size": v.size_gb,
           "availability_zone": "nova", "created_at": iso_micro(v.created), "updated_at": null,
           "attachments": attachments, "multiattach": v.multiattach,
           "bootable": v.bootable.to_string(), "encrypted": false, "volume_type": "ceph-ssd",
           "description": null, "snapshot_id": null, "source_volid": null, "metadata": {},
           "user_id": crate::sim::ids::ADMIN_USER_ID, "consistencygroup_id": null,
           "replication_status": null, "links": [],
           "os-vol-tenant-attr:tenant_id": v.project_id,
           "os-vol-host-attr:host": "cinder@ceph#ceph"})
}

fn visible(token: &Token, v: &Volume, all: bool) -> bool {
    (token.is_admin && all) || token.project_id.as_deref() == Some(v.project_id.as_str())
}

pub fn handle(app: &AppState, req: &Req) -> Response {
    let rest = req.rest(1);
    match (&req.method, rest.as_slice()) {
        (&Method::GET, []) => {
            return json_response(
                StatusCode::MULTIPLE_CHOICES,
                json!({"versions": [version_doc(app)]}),
            )
        }
        (&Method::GET, ["v3"]) => {
            return json_response(StatusCode::OK, json!({"version": version_doc(app)}))
        }
        _ => {}
    }
    let token = match authenticate(app, req) {
        Ok(t) => t,
        Err(r) => return r,
    };
    // `/v3/{project_id}/volumes...` or `/v3/volumes...`.
    let path: Vec<&str> = match rest.as_slice() {
        ["v3", p, tail @ ..] if app.world.read(|w, _| w.project(p).is_some()) => tail.to_vec(),
        ["v3", tail @ ..] => tail.to_vec(),
        _ => return fault(StatusCode::NOT_FOUND, "The resource could not be found."),
    };
    let all = req
        .q("all_tenants")
        .is_some_and(|v| v != "0" && v != "false");
    match (&req.method, path.as_slice()) {
        (&Method::GET, ["volumes"]) | (&Method::GET, ["volumes", "detail"]) => {
            let detail = path.len() == 2;
            let list: Vec<Value> = app.world.read(|w, _| {
                w.ops
                    .volumes
                    .iter()
                    .filter(|v| visible(&token, v, all))
                    .filter(|v| req.q("name").is_none_or(|n| n == v.name))
                    .filter(|v| req.q("status").is_none_or(|s| s == v.status))
                    .map(|v| volume_json(w, v, detail))
                    .collect()
            });
            json_response(StatusCode::OK, json!({"volumes": list}))
        }
        (&Method::GET, ["volumes", id]) => {
            let found = app.world.read(|w, _| {
                w.ops
                    .volumes
                    .iter()
                    .find(|v| v.id == *id && visible(&token, v, true))
                    .map(|v| volume_json(w, v, true))
            });
            match found {
                Some(v) => json_response(StatusCode::OK, json!({"volume": v})),
                None => fault(
                    StatusCode::NOT_FOUND,
                    format!("Volume {id} could not be found."),
                ),
            }
        }
        (&Method::DELETE, ["volumes", id]) => {
            match app.world.write(|w, now| w.delete_volume(id, now)) {
                Ok(()) => empty(StatusCode::ACCEPTED),
                Err(WorldError::NotFound { .. }) => fault(
                    StatusCode::NOT_FOUND,
                    format!("Volume {id} could not be found."),
                ),
                Err(e) => fault(StatusCode::BAD_REQUEST, e.to_string()),
            }
        }
        (&Method::GET, [_collection]) => json_response(StatusCode::OK, json!({})),
        _ => fault(StatusCode::NOT_FOUND, "The resource could not be found."),
    }
}
