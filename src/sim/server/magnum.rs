//! Magnum v1: clusters (list, show by name or uuid) with the health the world
//! derives: UNHEALTHY with an EMPTY reason while the mgmt API is unreachable,
//! the D-042 cosmetic signature otherwise.
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::{authenticate, iso, json_response, AppState, Req};
use crate::sim::world::{CoeCluster, Ms, World};

const MAX: &str = "1.11";

fn error(status: StatusCode, title: String) -> Response {
    json_response(
        status,
        json!({"errors": [{"request_id": "", "code": status.as_u16().to_string(),
        "status": status.as_u16(), "title": title, "detail": title, "links": []}]}),
    )
}

fn versioned(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        "openstack-api-version",
        HeaderValue::from_static("container-infra 1.11"),
    );
    h.insert(
        "openstack-api-minimum-version",
        HeaderValue::from_static("container-infra 1.1"),
    );
    h.insert(
        "openstack-api-maximum-version",
        HeaderValue::from_static("container-infra 1.11"),
    );
    r
}

fn cluster_json(app: &AppState, w: &World, c: &CoeCluster, now: Ms) -> Value {
    let (health, reason) = w.magnum_health(now);
    json!({
        "uuid": c.uuid, "name": c.name, "status": c.status, "status_reason": null,
        "health_status": health, "health_status_reason": reason,
        "cluster_template_id": "e5a7c9b1-3d5f-4a7c-9e1b-3d5f7a9c1e3b", "keypair": "jumphost-ed25519",
        "docker_volume_size": null, "labels": {"kube_tag": c.coe_version}, "labels_overridden": {},
        "labels_skipped": {}, "labels_added": {}, "master_flavor_id": "gp.mid", "flavor_id": "gp.large",
        "create_timeout": 60, "stack_id": c.stack_id, "api_address": c.api_address,
        "master_addresses": ["10.6.0.21"], "node_addresses": ["10.6.0.34"], "discovery_url": null,
        "coe_version": c.coe_version, "container_version": null, "node_count": c.node_count,
        "master_count": c.master_count, "project_id": c.project_id, "user_id": crate::sim::ids::ADMIN_USER_ID,
        "created_at": iso(c.created), "updated_at": iso(now), "fixed_network": null, "fixed_subnet": null,
        "floating_ip_enabled": true, "master_lb_enabled": true, "faults": {},
        "links": [{"href": app.url(&format!("/container-infra/v1/clusters/{}", c.uuid)), "rel": "self"}],
    })
}

/// Magnum's two default node groups of a cluster.
fn nodegroups_json(c: &CoeCluster) -> Vec<Value> {
    [("default-master", "master", c.master_count, "gp.mid", 'a'), ("default-worker", "worker", c.node_count, "gp.large", 'b')]
        .iter()
        .map(|(name, role, count, flavor, tag)| {
            json!({"uuid": format!("{}{tag}", &c.uuid[..c.uuid.len() - 1]), "name": name, "cluster_id": c.uuid,
                   "role": role, "node_count": count, "min_node_count": 1, "max_node_count": null,
                   "flavor_id": flavor, "image_id": "ubuntu-2204-kube-v1.31.4", "is_default": true,
                   "status": c.status, "status_reason": null, "project_id": c.project_id,
                   "labels": {}, "node_addresses": [], "docker_volume_size": null, "version": null})
        })
        .collect()
}

pub fn handle(app: &AppState, req: &Req) -> Response {
    let rest = req.rest(1);
    match (&req.method, rest.as_slice()) {
        (&Method::GET, []) => {
            return versioned(json_response(
                StatusCode::OK,
                json!({"name": "OpenStack Magnum API", "description": "Magnum is an OpenStack project which aims to provide container cluster management.",
                       "versions": [{"id": "v1", "status": "CURRENT", "min_version": "1.1", "max_version": MAX,
                                     "links": [{"href": app.url("/container-infra/v1/"), "rel": "self"}]}]}),
            ))
        }
        (&Method::GET, ["v1"]) => {
            return versioned(json_response(
                StatusCode::OK,
                json!({"id": "v1", "media_types": [{"base": "application/json", "type": "application/vnd.openstack.magnum.v1+json"}],
                       "links": [{"href": app.url("/container-infra/v1/"), "rel": "self"}],
                       "clusters": [{"href": app.url("/container-infra/v1/clusters/"), "rel": "self"}]}),
            ))
        }
        _ => {}
    }
    let token = match authenticate(app, req) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let visible = |c: &CoeCluster| {
        token.project_id.as_deref() == Some(c.project_id.as_str()) || token.is_admin
    };
    let r = match (&req.method, rest.as_slice()) {
        (&Method::GET, ["v1", "clusters"]) | (&Method::GET, ["v1", "clusters", "detail"]) => {
            let list: Vec<Value> = app.world.read(|w, now| {
                w.clusters
                    .iter()
                    .filter(|c| visible(c))
                    .map(|c| cluster_json(app, w, c, now))
                    .collect()
            });
            json_response(StatusCode::OK, json!({"clusters": list}))
        }
        (&Method::GET, ["v1", "clusters", ident, "nodegroups"])
        | (&Method::GET, ["v1", "clusters", ident, "nodegroups", "detail"])
        | (&Method::GET, ["v1", "clusters", ident, "nodegroups", _]) => {
            let one = match rest.as_slice() {
                [_, _, _, _, ng] if *ng != "detail" => Some(*ng),
                _ => None,
            };
            let groups = app.world.read(|w, _| {
                w.clusters
                    .iter()
                    .filter(|c| visible(c))
                    .find(|c| c.uuid == *ident || c.name == *ident)
                    .map(nodegroups_json)
            });
            match (groups, one) {
                (None, _) => error(
                    StatusCode::NOT_FOUND,
                    format!("Cluster {ident} could not be found."),
                ),
                (Some(list), None) => json_response(StatusCode::OK, json!({"nodegroups": list})),
                (Some(list), Some(ng)) => match list
                    .into_iter()
                    .find(|g| g["name"] == ng || g["uuid"] == ng)
                {
                    Some(g) => json_response(StatusCode::OK, g),
                    None => error(
                        StatusCode::NOT_FOUND,
                        format!("Nodegroup {ng} could not be found."),
                    ),
                },
            }
        }
        (&Method::GET, ["v1", "clusters", ident]) => {
            let found = app.world.read(|w, now| {
                w.clusters
                    .iter()
                    .filter(|c| visible(c))
                    .find(|c| c.uuid == *ident || c.name == *ident)
                    .map(|c| cluster_json(app, w, c, now))
            });
            match found {
                Some(c) => json_response(StatusCode::OK, c),
                None => error(
                    StatusCode::NOT_FOUND,
                    format!("Cluster {ident} could not be found."),
                ),
            }
        }
        _ => error(
            StatusCode::NOT_FOUND,
            format!("The resource could not be found: {}", req.path),
        ),
    };
    versioned(r)
}
