//! Octavia v2: load balancers (list/show/failover, 409 while immutable) and
//! amphorae (admin only). Served under both `/v2` and `/v2.0`, as Octavia does.
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::{authenticate, empty, json_response, timestamp, AppState, Req};
use crate::sim::world::{Amphora, LoadBalancer, Ms, WorldError};

/// Octavia's (WSME) error body.
fn fault(status: StatusCode, message: impl Into<String>) -> Response {
    json_response(
        status,
        json!({"faultcode": if status.is_server_error() { "Server" } else { "Client" },
                                 "faultstring": message.into(), "debuginfo": null}),
    )
}

fn when(ms: Ms) -> String {
    timestamp(ms).strftime("%Y-%m-%dT%H:%M:%S").to_string()
}

fn lb_json(lb: &LoadBalancer) -> Value {
    json!({
        "id": lb.id, "name": lb.name, "description": lb.description,
        "project_id": lb.project_id, "tenant_id": lb.project_id,
        "provisioning_status": lb.provisioning_status, "operating_status": lb.operating_status,
        "admin_state_up": true, "provider": "amphora", "flavor_id": null, "availability_zone": null,
        "vip_address": lb.vip_address, "vip_port_id": lb.vip_port_id, "vip_subnet_id": lb.vip_subnet_id,
        "vip_network_id": lb.vip_network_id, "vip_qos_policy_id": null, "vip_vnic_type": "normal",
        "additional_vips": [], "tags": [],
        "listeners": lb.listener_ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
        "pools": lb.pool_ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
        "created_at": when(lb.created), "updated_at": when(lb.updated),
    })
}

fn amphora_json(a: &Amphora, image_id: &str, flavor_id: &str) -> Value {
    json!({
        "id": a.id, "loadbalancer_id": a.loadbalancer_id, "compute_id": a.compute_id,
        "lb_network_ip": a.lb_network_ip, "vrrp_ip": null, "ha_ip": a.ha_ip,
        "vrrp_port_id": null, "ha_port_id": null, "vrrp_interface": null, "vrrp_id": null,
        "vrrp_priority": null, "cached_zone": "nova", "role": a.role, "status": a.status,
        "cert_expiration": when(a.created + 2 * 365 * 24 * 3600 * 1000), "cert_busy": false,
        "created_at": when(a.created), "updated_at": when(a.updated),
        "image_id": image_id, "compute_flavor": flavor_id,
    })
}

/// The kube-api load balancers listen on 6443, the others on 80.
fn port_of(lb: &LoadBalancer) -> u16 {
    if lb.name.ends_with("-kubeapi") {
        6443
    } else {
        80
    }
}

fn listener_json(lb: &LoadBalancer) -> Value {
    json!({"id": lb.listener_ids.first(), "name": format!("{}-listener", lb.name),
           "protocol": "TCP", "protocol_port": port_of(lb), "default_pool_id": lb.pool_ids.first(),
           "loadbalancers": [{"id": lb.id}], "loadbalancer_id": lb.id, "project_id": lb.project_id,
           "provisioning_status": lb.provisioning_status, "operating_status": lb.operating_status,
           "admin_state_up": true, "connection_limit": -1, "tags": []})
}

fn pool_json(lb: &LoadBalancer) -> Value {
    json!({"id": lb.pool_ids.first(), "name": format!("{}-pool", lb.name), "protocol": "TCP",
           "lb_algorithm": "ROUND_ROBIN", "loadbalancers": [{"id": lb.id}], "loadbalancer_id": lb.id,
           "listeners": [{"id": lb.listener_ids.first()}], "project_id": lb.project_id,
           "provisioning_status": lb.provisioning_status, "operating_status": lb.operating_status,
           "admin_state_up": true, "members": [], "tags": []})
}

/// The servers behind a load balancer: those with an address in its VIP's
/// /24 (the management VM and amphorae aside).
fn members_json(w: &crate::sim::world::World, lb: &LoadBalancer) -> Vec<Value> {
    let net = lb.vip_address.rsplit_once('.').map_or("", |(p, _)| p);
    w.servers
        .iter()
        .filter(|s| s.id != crate::sim::ids::MGMT_VM_ID && !s.name.starts_with("amphora-"))
        .filter_map(|s| {
            let addr = s.addresses.iter().find(|a| {
                a.kind == "fixed" && a.addr.rsplit_once('.').is_some_and(|(p, _)| p == net)
            })?;
            Some(
                json!({"id": format!("{}{}", &s.id[..24], &lb.id[24..]), "name": s.name,
                        "address": addr.addr, "protocol_port": port_of(lb), "weight": 1,
                        "provisioning_status": "ACTIVE", "operating_status": "ONLINE",
                        "admin_state_up": true, "backup": false, "project_id": lb.project_id}),
            )
        })
        .collect()
}

fn matches(v: &Value, req: &Req, keys: &[&str]) -> bool {
    keys.iter()
        .all(|k| req.q(k).is_none_or(|want| v[*k].as_str() == Some(want)))
}

pub fn handle(app: &AppState, req: &Req) -> Response {
    let rest = req.rest(1);
    if let (&Method::GET, []) = (&req.method, rest.as_slice()) {
        let link =
            |v: &str| json!([{"href": app.url(&format!("/load-balancer/{v}")), "rel": "self"}]);
        return json_response(
            StatusCode::OK,
            json!({"versions": [
                {"id": "v2.0", "status": "SUPPORTED", "updated": "2016-12-11T00:00:00Z", "links": link("v2.0")},
                {"id": "v2.27", "status": "CURRENT", "updated": "2023-05-05T00:00:00Z", "links": link("v2")}]}),
        );
    }
    let token = match authenticate(app, req) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let path: Vec<&str> = match rest.split_first() {
        Some((v, tail)) if *v == "v2" || *v == "v2.0" => tail.to_vec(),
        _ => return fault(StatusCode::NOT_FOUND, "The resource could not be found."),
    };
    let visible = |lb: &LoadBalancer| {
        token.is_admin || token.project_id.as_deref() == Some(lb.project_id.as_str())
    };
    match (&req.method, path.as_slice()) {
        (&Method::GET, ["lbaas", "loadbalancers"]) => {
            let lbs: Vec<Value> = app.world.read(|w, _| {
                w.load_balancers
                    .iter()
                    .filter(|lb| visible(lb))
                    .map(lb_json)
                    .filter(|v| {
                        matches(
                            v,
                            req,
                            &[
                                "id",
                                "name",
                                "provisioning_status",
                                "operating_status",
                                "project_id",
                                "vip_address",
                            ],
                        )
                    })
                    .collect()
            });
            json_response(
                StatusCode::OK,
                json!({"loadbalancers": lbs, "loadbalancers_links": []}),
            )
        }
        (&Method::GET, ["lbaas", "loadbalancers", id]) => {
            match app
                .world
                .read(|w, _| w.lb(id).filter(|lb| visible(lb)).map(lb_json))
            {
                Some(lb) => json_response(StatusCode::OK, json!({"loadbalancer": lb})),
                None => fault(
                    StatusCode::NOT_FOUND,
                    format!("Load Balancer {id} could not be found."),
                ),
            }
        }
        (&Method::PUT, ["lbaas", "loadbalancers", id, "failover"]) => {
            if !token.is_admin {
                return fault(
                    StatusCode::FORBIDDEN,
                    "Policy does not allow this request to be performed.",
                );
            }
            match app.world.write(|w, now| w.failover(id, now)) {
                Ok(()) => empty(StatusCode::ACCEPTED),
                Err(WorldError::NotFound { .. }) => fault(
                    StatusCode::NOT_FOUND,
                    format!("Load Balancer {id} could not be found."),
                ),
                Err(WorldError::Conflict(m)) => fault(StatusCode::CONFLICT, m),
                Err(WorldError::BadRequest(m)) => fault(StatusCode::BAD_REQUEST, m),
            }
        }
        (&Method::PUT, ["octavia", "amphorae", id, "failover"]) => {
            if !token.is_admin {
                return fault(
                    StatusCode::FORBIDDEN,
                    "Policy does not allow this request to be performed.",
                );
            }
            match app.world.write(|w, now| w.failover_amphora(id, now)) {
                Ok(()) => empty(StatusCode::ACCEPTED),
                Err(WorldError::NotFound { .. }) => fault(
                    StatusCode::NOT_FOUND,
                    format!("Amphora {id} could not be found."),
                ),
                Err(WorldError::Conflict(m)) => fault(StatusCode::CONFLICT, m),
                Err(WorldError::BadRequest(m)) => fault(StatusCode::BAD_REQUEST, m),
            }
        }
        (&Method::GET, ["lbaas", kind @ ("listeners" | "pools")]) => {
            let list: Vec<Value> = app.world.read(|w, _| {
                w.load_balancers
                    .iter()
                    .filter(|lb| visible(lb))
                    .map(|lb| match *kind {
                        "listeners" => listener_json(lb),
                        _ => pool_json(lb),
                    })
                    .filter(|v| matches(v, req, &["id", "name", "loadbalancer_id"]))
                    .collect()
            });
            json_response(
                StatusCode::OK,
                json!({*kind: list, format!("{kind}_links"): []}),
            )
        }
        (&Method::GET, ["lbaas", "pools", pool, "members"]) => {
            let members = app.world.read(|w, _| {
                w.load_balancers
                    .iter()
                    .filter(|lb| visible(lb))
                    .find(|lb| lb.pool_ids.iter().any(|p| p == pool))
                    .map(|lb| members_json(w, lb))
            });
            match members {
                Some(m) => {
                    json_response(StatusCode::OK, json!({"members": m, "members_links": []}))
                }
                None => fault(
                    StatusCode::NOT_FOUND,
                    format!("Pool {pool} could not be found."),
                ),
            }
        }
        (&Method::GET, ["octavia", "amphorae"]) | (&Method::GET, ["octavia", "amphorae", _]) => {
            if !token.is_admin {
                return fault(
                    StatusCode::FORBIDDEN,
                    "Policy does not allow this request to be performed.",
                );
            }
            let one = path.get(2).copied();
            let amps: Vec<Value> = app.world.read(|w, _| {
                let image = w
                    .image(crate::sim::world::AMPHORA_IMAGE)
                    .map(|i| i.id.clone())
                    .unwrap_or_default();
                let flavor = w
                    .flavor(crate::sim::world::AMPHORA_FLAVOR)
                    .map(|f| f.id.clone())
                    .unwrap_or_default();
                w.amphorae
                    .iter()
                    .filter(|a| one.is_none_or(|id| a.id == id))
                    .map(|a| {
                        // The image its server booted (a rotation moves it).
                        let image = w
                            .server(&a.compute_id)
                            .map_or(image.as_str(), |s| &s.image_id);
                        amphora_json(a, image, &flavor)
                    })
                    .filter(|v| {
                        matches(
                            v,
                            req,
                            &["id", "loadbalancer_id", "status", "role", "compute_id"],
                        )
                    })
                    .collect()
            });
            match one {
                None => json_response(
                    StatusCode::OK,
                    json!({"amphorae": amps, "amphorae_links": []}),
                ),
                Some(id) => match amps.into_iter().next() {
                    Some(a) => json_response(StatusCode::OK, json!({"amphora": a})),
                    None => fault(
                        StatusCode::NOT_FOUND,
                        format!("Amphora {id} could not be found."),
                    ),
                },
            }
        }
        _ => fault(StatusCode::NOT_FOUND, "The resource could not be found."),
    }
}
