//! Neutron v2.0: networks, subnets, ports and floating IPs of the world
//! (read-only), and empty lists for every other collection (the octavia CLI
//! plugin insists on a network endpoint even when it never asks it anything).
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::{authenticate, json_response, AppState, Req, Token};
use crate::sim::ops::{FloatingIp, Network, Port};

fn not_found(what: &str) -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        json!({"NeutronError": {"type": "HTTPNotFound", "message": what, "detail": ""}}),
    )
}

fn network_json(n: &Network) -> Value {
    json!({"id": n.id, "name": n.name, "status": "ACTIVE", "admin_state_up": true,
           "router:external": n.external, "shared": false, "subnets": [n.subnet_id],
           "project_id": n.project_id, "tenant_id": n.project_id, "mtu": 1500,
           "availability_zones": ["nova"], "tags": [], "description": ""})
}

fn subnet_json(n: &Network) -> Value {
    json!({"id": n.subnet_id, "name": format!("{}-subnet", n.name), "network_id": n.id,
           "cidr": n.cidr, "ip_version": if n.cidr.contains(':') { 6 } else { 4 },
           "enable_dhcp": true, "project_id": n.project_id, "tenant_id": n.project_id})
}

fn port_json(p: &Port, subnet: &str) -> Value {
    json!({"id": p.id, "name": p.name, "network_id": p.network_id, "device_id": p.device_id,
           "device_owner": p.device_owner, "mac_address": p.mac, "status": p.status,
           "admin_state_up": true, "project_id": p.project_id, "tenant_id": p.project_id,
           "fixed_ips": [{"subnet_id": subnet, "ip_address": p.fixed_ip}],
           "binding:vnic_type": "normal", "security_groups": [], "tags": [], "description": ""})
}

fn fip_json(f: &FloatingIp) -> Value {
    json!({"id": f.id, "floating_ip_address": f.address, "floating_network_id": f.network_id,
           "fixed_ip_address": f.fixed_ip, "port_id": f.port_id, "status": f.status,
           "router_id": null, "project_id": f.project_id, "tenant_id": f.project_id,
           "tags": [], "description": ""})
}

/// Admins see everything; others their project's (and external networks).
fn visible(token: &Token, project: &str) -> bool {
    token.is_admin || token.project_id.as_deref() == Some(project)
}

fn filtered(req: &Req, items: Vec<Value>, keys: &[&str]) -> Vec<Value> {
    items
        .into_iter()
        .filter(|v| {
            keys.iter()
                .all(|k| req.q(k).is_none_or(|want| v[*k].as_str() == Some(want)))
        })
        .collect()
}

pub fn handle(app: &AppState, req: &Req) -> Response {
    let rest = req.rest(1);
    if let (&Method::GET, []) = (&req.method, rest.as_slice()) {
        return json_response(
            StatusCode::OK,
            json!({"versions": [{"id": "v2.0", "status": "CURRENT",
                                 "links": [{"href": app.url("/network/v2.0/"), "rel": "self"}]}]}),
        );
    }
    let token = match authenticate(app, req) {
        Ok(t) => t,
        Err(_) => return super::keystone::unauthorized(),
    };
    let path: Vec<&str> = rest.iter().map(|s| s.trim_end_matches(".json")).collect();
    app.world.read(|w, _| {
        let ops = &w.ops;
        let subnet_of = |net: &str| {
            ops.networks
                .iter()
                .find(|n| n.id == net)
                .map_or(String::new(), |n| n.subnet_id.clone())
        };
        match (&req.method, path.as_slice()) {
            (&Method::GET, ["v2.0"]) => json_response(StatusCode::OK, json!({"resources": []})),
            (&Method::GET, ["v2.0", "networks"]) => {
                let all = ops
                    .networks
                    .iter()
                    .filter(|n| n.external || visible(&token, &n.project_id))
                    .map(network_json)
                    .collect();
                let list = filtered(req, all, &["id", "name"]);
                json_response(StatusCode::OK, json!({"networks": list}))
            }
            (&Method::GET, ["v2.0", "networks", id]) => {
                match ops.networks.iter().find(|n| n.id == *id) {
                    Some(n) => json_response(StatusCode::OK, json!({"network": network_json(n)})),
                    None => not_found(&format!("Network {id} could not be found.")),
                }
            }
            (&Method::GET, ["v2.0", "subnets"]) => {
                let all = ops.networks.iter().map(subnet_json).collect();
                let list = filtered(req, all, &["id", "name", "network_id"]);
                json_response(StatusCode::OK, json!({"subnets": list}))
            }
            (&Method::GET, ["v2.0", "ports"]) => {
                let all = ops
                    .ports
                    .iter()
                    .filter(|p| visible(&token, &p.project_id))
                    .map(|p| port_json(p, &subnet_of(&p.network_id)))
                    .collect();
                let list = filtered(
                    req,
                    all,
                    &["id", "name", "network_id", "device_id", "device_owner"],
                );
                json_response(StatusCode::OK, json!({"ports": list}))
            }
            (&Method::GET, ["v2.0", "ports", id]) => {
                match ops
                    .ports
                    .iter()
                    .find(|p| p.id == *id && visible(&token, &p.project_id))
                {
                    Some(p) => json_response(
                        StatusCode::OK,
                        json!({"port": port_json(p, &subnet_of(&p.network_id))}),
                    ),
                    None => not_found(&format!("Port {id} could not be found.")),
                }
            }
            (&Method::GET, ["v2.0", "floatingips"]) => {
                let all = ops
                    .floating_ips
                    .iter()
                    .filter(|f| visible(&token, &f.project_id))
                    .map(fip_json)
                    .collect();
                let list = filtered(req, all, &["id", "floating_ip_address", "port_id"]);
                json_response(StatusCode::OK, json!({"floatingips": list}))
            }
            (&Method::GET, ["v2.0", "floatingips", id]) => {
                match ops
                    .floating_ips
                    .iter()
                    .find(|f| f.id == *id && visible(&token, &f.project_id))
                {
                    Some(f) => json_response(StatusCode::OK, json!({"floatingip": fip_json(f)})),
                    None => not_found(&format!("Floating IP {id} could not be found.")),
                }
            }
            (&Method::GET, ["v2.0", collection]) => {
                json_response(StatusCode::OK, json!({*collection: []}))
            }
            _ => not_found("The resource could not be found."),
        }
    })
}
