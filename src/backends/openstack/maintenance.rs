//! The maintenance operations ([`OsOp`]) over REST: Nova (server actions,
//! services, hypervisors, volume attachments), Octavia (amphorae, load
//! balancer delete), Cinder (volumes), Neutron (networks, ports, floating
//! IPs) and Placement (providers, inventories, usages). Every request goes
//! through the same client as the seed's calls: auth, catalog,
//! microversions, retries for reads only, the remote's message in errors.
use reqwest::Method;
use serde::Serialize;
use serde_json::{json, Value};

use super::client::{Client, Request, Service};
use super::{int_field, is_uuid, list_all, magnum, nova, path_segment, str_field, to_hypervisor};
use crate::backends::{
    CallError, ComputeService, FloatingIp, Inventory, Listener, Member, Network, NodeGroup,
    OpenStackScope, OsOp, Pool, Port, ResourceProvider, Volume,
};

fn to_json<T: Serialize>(v: &T) -> Result<Value, CallError> {
    serde_json::to_value(v).map_err(|e| CallError::Config {
        call: "openstack".into(),
        message: format!("cannot serialize a record: {e}"),
    })
}

pub async fn run(
    client: &Client,
    scope: &OpenStackScope,
    call: &'static str,
    op: &OsOp,
) -> Result<Value, CallError> {
    match op {
        OsOp::ServerList {
            all_projects,
            host,
            status,
            name,
        } => {
            let filters = [("host", host.as_str()), ("status", status), ("name", name)];
            to_json(&nova::list_filtered(client, scope, *all_projects, &filters).await?)
        }
        OsOp::ServerReboot { server, hard } => {
            let kind = if *hard { "HARD" } else { "SOFT" };
            server_action(
                client,
                scope,
                call,
                server,
                json!({"reboot": {"type": kind}}),
            )
            .await
        }
        OsOp::ServerLiveMigrate { server, host } => {
            // 2.25+: block_migration "auto"; 2.30+: a host is checked by the
            // scheduler unless forced (never forced here).
            let host = (!host.is_empty()).then_some(host);
            let body = json!({"os-migrateLive": {"host": host, "block_migration": "auto"}});
            server_action(client, scope, call, server, body).await
        }
        OsOp::ServerMigrate { server, host } => {
            let body = if host.is_empty() {
                json!({"migrate": null})
            } else {
                json!({"migrate": {"host": host}})
            };
            server_action(client, scope, call, server, body).await
        }
        OsOp::ServerConfirmResize { server } => {
            server_action(client, scope, call, server, json!({"confirmResize": null})).await
        }
        OsOp::ServerConsoleLog { server, lines } => {
            let body = json!({"os-getConsoleOutput": {"length": lines}});
            let out = server_action(client, scope, call, server, body).await?;
            Ok(Value::String(str_field(&out, "output")))
        }
        OsOp::ServiceList { host, binary } => {
            to_json(&services(client, scope, call, host, binary).await?)
        }
        OsOp::ServiceSet {
            host,
            binary,
            enabled,
            reason,
        } => service_set(client, scope, call, host, binary, *enabled, reason).await,
        OsOp::HypervisorShow { host } => {
            let all = nova::hypervisors(client, scope).await?;
            let found = all.iter().find(|hv| {
                let name = str_field(hv, "hypervisor_hostname");
                hv.pointer("/service/host").and_then(Value::as_str) == Some(host)
                    || name == *host
                    || name.split('.').next() == Some(host)
                    || str_field(hv, "id") == *host
            });
            match found {
                Some(hv) => to_json(&to_hypervisor(client, scope, hv).await?),
                None => Err(CallError::Remote {
                    call: call.into(),
                    status: Some(404),
                    message: format!("no hypervisor for host {host:?}"),
                }),
            }
        }
        OsOp::AmphoraFailover { id } => {
            let path = format!("/octavia/amphorae/{}/failover", path_segment(id));
            let req = Request::new(call, Service::LoadBalancer, Method::PUT, path);
            no_answer(client, scope, req).await
        }
        OsOp::AmphoraDelete { id } => {
            let path = format!("/octavia/amphorae/{}", path_segment(id));
            let req = Request::new(call, Service::LoadBalancer, Method::DELETE, path);
            no_answer(client, scope, req).await
        }
        OsOp::LoadBalancerDelete { id, cascade } => {
            let mut path = format!("/lbaas/loadbalancers/{}", path_segment(id));
            if *cascade {
                path.push_str("?cascade=true");
            }
            let req = Request::new(call, Service::LoadBalancer, Method::DELETE, path);
            no_answer(client, scope, req).await
        }
        OsOp::VolumeList { all_projects } => {
            let session = client.session(scope, call).await?;
            let mut req = Request::get(call, Service::BlockStorage, "/volumes/detail");
            if *all_projects {
                req = req.query("all_tenants", "1");
            }
            let items = list_all(client, &session, req, "volumes", "volumes_links").await?;
            to_json(&items.iter().map(to_volume).collect::<Vec<_>>())
        }
        OsOp::VolumeShow { volume } => {
            to_json(&to_volume(&find_volume(client, scope, call, volume).await?))
        }
        OsOp::VolumeDetach { server, volume } => {
            let server_id = str_field(&nova::find(client, scope, call, server).await?, "id");
            let volume_id = str_field(&find_volume(client, scope, call, volume).await?, "id");
            let req = nova::request(
                call,
                Method::DELETE,
                format!(
                    "/servers/{}/os-volume_attachments/{}",
                    path_segment(&server_id),
                    path_segment(&volume_id)
                ),
            );
            no_answer(client, scope, req).await
        }
        OsOp::VolumeDelete { id } => {
            if !is_uuid(id) {
                return Err(CallError::Config {
                    call: call.into(),
                    message: format!("{id:?} is not a volume id; delete takes the UUID"),
                });
            }
            let path = format!("/volumes/{}", path_segment(id));
            let req = Request::new(call, Service::BlockStorage, Method::DELETE, path);
            no_answer(client, scope, req).await
        }
        OsOp::NetworkList => {
            let items = neutron_list(client, scope, call, "/networks", "networks", &[]).await?;
            to_json(&items.iter().map(to_network).collect::<Vec<_>>())
        }
        OsOp::PortList { device, network } => {
            let filters = [("device_id", device.as_str()), ("network_id", network)];
            let items = neutron_list(client, scope, call, "/ports", "ports", &filters).await?;
            to_json(&items.iter().map(to_port).collect::<Vec<_>>())
        }
        OsOp::PortShow { id } => {
            let v = neutron_show(client, scope, call, "ports", "port", id).await?;
            to_json(&to_port(&v))
        }
        OsOp::FloatingIpList => {
            let items =
                neutron_list(client, scope, call, "/floatingips", "floatingips", &[]).await?;
            to_json(&items.iter().map(to_fip).collect::<Vec<_>>())
        }
        OsOp::FloatingIpShow { id } => {
            let v = neutron_show(client, scope, call, "floatingips", "floatingip", id).await?;
            to_json(&to_fip(&v))
        }
        OsOp::HypervisorServers { host } => {
            let filters = [("host", host.as_str())];
            to_json(&nova::list_filtered(client, scope, true, &filters).await?)
        }
        OsOp::ListenerList { loadbalancer } => {
            let items = octavia_list(client, scope, call, "listeners", loadbalancer).await?;
            to_json(&items.iter().map(to_listener).collect::<Vec<_>>())
        }
        OsOp::PoolList { loadbalancer } => {
            let items = octavia_list(client, scope, call, "pools", loadbalancer).await?;
            to_json(&items.iter().map(to_pool).collect::<Vec<_>>())
        }
        OsOp::MemberList { pool } => {
            let session = client.session(scope, call).await?;
            let req = Request::get(
                call,
                Service::LoadBalancer,
                format!("/lbaas/pools/{}/members", path_segment(pool)),
            );
            let items = list_all(client, &session, req, "members", "members_links").await?;
            to_json(&items.iter().map(to_member).collect::<Vec<_>>())
        }
        OsOp::ClusterList => {
            let req = magnum::get(call, "/clusters");
            let body = client.send(scope, &req).await?.body;
            let list: Vec<_> = body
                .get("clusters")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(magnum::to_cluster).collect())
                .unwrap_or_default();
            to_json(&list)
        }
        OsOp::NodeGroupList { cluster } => {
            let req = magnum::get(
                call,
                format!("/clusters/{}/nodegroups", path_segment(cluster)),
            );
            let body = client.send(scope, &req).await?.body;
            let list: Vec<NodeGroup> = body
                .get("nodegroups")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(to_nodegroup).collect())
                .unwrap_or_default();
            to_json(&list)
        }
        OsOp::NodeGroupShow { cluster, nodegroup } => {
            let req = magnum::get(
                call,
                format!(
                    "/clusters/{}/nodegroups/{}",
                    path_segment(cluster),
                    path_segment(nodegroup)
                ),
            );
            to_json(&to_nodegroup(&client.send(scope, &req).await?.body))
        }
        OsOp::ProviderList { name } => to_json(&providers(client, scope, call, name).await?),
        OsOp::ProviderInventories { provider } => {
            to_json(&inventories(client, scope, call, provider).await?)
        }
        OsOp::ProviderUsages { provider } => {
            let uuid = provider_uuid(client, scope, call, provider).await?;
            let path = format!("/resource_providers/{}/usages", path_segment(&uuid));
            let body = client.send(scope, &placement(call, path)).await?.body;
            Ok(body
                .get("usages")
                .cloned()
                .unwrap_or_else(|| Value::Object(Default::default())))
        }
        OsOp::Request {
            service,
            method,
            path,
            body,
            microversion,
        } => {
            let target = (service.as_str(), method.as_str(), path.as_str());
            super::request::run(client, scope, call, target, body, microversion).await
        }
    }
}

fn to_nodegroup(v: &Value) -> NodeGroup {
    NodeGroup {
        uuid: str_field(v, "uuid"),
        name: str_field(v, "name"),
        role: str_field(v, "role"),
        node_count: int_field(v, "node_count"),
        min_node_count: int_field(v, "min_node_count"),
        max_node_count: int_field(v, "max_node_count"),
        flavor_id: str_field(v, "flavor_id"),
        image_id: str_field(v, "image_id"),
        status: str_field(v, "status"),
        is_default: v
            .get("is_default")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    }
}

/// `GET /lbaas/{kind}`, narrowed to one load balancer when given.
async fn octavia_list(
    client: &Client,
    scope: &OpenStackScope,
    call: &'static str,
    kind: &'static str,
    loadbalancer: &str,
) -> Result<Vec<Value>, CallError> {
    let session = client.session(scope, call).await?;
    let mut req = Request::get(call, Service::LoadBalancer, format!("/lbaas/{kind}"));
    if !loadbalancer.is_empty() {
        req = req.query("loadbalancer_id", loadbalancer);
    }
    let links: &'static str = match kind {
        "listeners" => "listeners_links",
        _ => "pools_links",
    };
    list_all(client, &session, req, kind, links).await
}

/// The load balancer a listener or pool belongs to (its first).
fn loadbalancer_id(v: &Value) -> String {
    v.pointer("/loadbalancers/0/id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn to_listener(v: &Value) -> Listener {
    Listener {
        id: str_field(v, "id"),
        name: str_field(v, "name"),
        loadbalancer_id: loadbalancer_id(v),
        protocol: str_field(v, "protocol"),
        protocol_port: int_field(v, "protocol_port"),
        default_pool_id: str_field(v, "default_pool_id"),
        provisioning_status: str_field(v, "provisioning_status"),
        operating_status: str_field(v, "operating_status"),
    }
}

fn to_pool(v: &Value) -> Pool {
    Pool {
        id: str_field(v, "id"),
        name: str_field(v, "name"),
        loadbalancer_id: loadbalancer_id(v),
        protocol: str_field(v, "protocol"),
        lb_algorithm: str_field(v, "lb_algorithm"),
        provisioning_status: str_field(v, "provisioning_status"),
        operating_status: str_field(v, "operating_status"),
    }
}

fn to_member(v: &Value) -> Member {
    Member {
        id: str_field(v, "id"),
        name: str_field(v, "name"),
        address: str_field(v, "address"),
        protocol_port: int_field(v, "protocol_port"),
        weight: int_field(v, "weight"),
        provisioning_status: str_field(v, "provisioning_status"),
        operating_status: str_field(v, "operating_status"),
    }
}

/// A server action by name or id (resolved first, like the CLI).
async fn server_action(
    client: &Client,
    scope: &OpenStackScope,
    call: &'static str,
    server: &str,
    body: Value,
) -> Result<Value, CallError> {
    let id = str_field(&nova::find(client, scope, call, server).await?, "id");
    let req = nova::request(
        call,
        Method::POST,
        format!("/servers/{}/action", path_segment(&id)),
    )
    .json(body);
    Ok(client.send(scope, &req).await?.body)
}

/// An action whose answer is only that it succeeded: null.
async fn no_answer(
    client: &Client,
    scope: &OpenStackScope,
    req: Request,
) -> Result<Value, CallError> {
    client.send(scope, &req).await.map(|_| Value::Null)
}

async fn services(
    client: &Client,
    scope: &OpenStackScope,
    call: &'static str,
    host: &str,
    binary: &str,
) -> Result<Vec<ComputeService>, CallError> {
    let mut req = nova::request(call, Method::GET, "/os-services");
    for (k, v) in [("host", host), ("binary", binary)] {
        if !v.is_empty() {
            req = req.query(k, v);
        }
    }
    let body = client.send(scope, &req).await?.body;
    Ok(body
        .get("services")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(to_service).collect())
        .unwrap_or_default())
}

fn to_service(v: &Value) -> ComputeService {
    ComputeService {
        id: str_field(v, "id"),
        host: str_field(v, "host"),
        binary: str_field(v, "binary"),
        zone: str_field(v, "zone"),
        status: str_field(v, "status"),
        state: str_field(v, "state"),
        disabled_reason: str_field(v, "disabled_reason"),
    }
}

/// Enables or disables the `binary` service on `host`; answers the
/// service as it is afterwards.
async fn service_set(
    client: &Client,
    scope: &OpenStackScope,
    call: &'static str,
    host: &str,
    binary: &str,
    enabled: bool,
    reason: &str,
) -> Result<Value, CallError> {
    let Some(service) = service_on(client, scope, call, host, binary).await? else {
        return Err(CallError::Remote {
            call: call.into(),
            status: Some(404),
            message: format!("no {binary} service on host {host:?}"),
        });
    };
    let req = service_update(call, &service, enabled, reason);
    client.send(scope, &req).await?;
    match service_on(client, scope, call, host, binary).await? {
        Some(s) => to_json(&s),
        None => Ok(Value::Null),
    }
}

/// The `binary` service on `host`, if Nova has one.
async fn service_on(
    client: &Client,
    scope: &OpenStackScope,
    call: &'static str,
    host: &str,
    binary: &str,
) -> Result<Option<ComputeService>, CallError> {
    let found = services(client, scope, call, host, binary).await?;
    Ok(found
        .into_iter()
        .find(|s| s.host == host && s.binary == binary))
}

/// The PUT that enables or disables `service`. From 2.53 a service is
/// updated by its UUID; older clouds take `enable` / `disable-log-reason`
/// with host and binary (and always a reason, if empty).
fn service_update(
    call: &'static str,
    service: &ComputeService,
    enabled: bool,
    reason: &str,
) -> Request {
    let (path, body) = if is_uuid(&service.id) {
        let status = if enabled { "enabled" } else { "disabled" };
        let mut body = json!({"status": status});
        if !enabled && !reason.is_empty() {
            body["disabled_reason"] = json!(reason);
        }
        (format!("/os-services/{}", path_segment(&service.id)), body)
    } else if enabled {
        let body = json!({"host": service.host, "binary": service.binary});
        ("/os-services/enable".to_string(), body)
    } else {
        let body =
            json!({"host": service.host, "binary": service.binary, "disabled_reason": reason});
        ("/os-services/disable-log-reason".to_string(), body)
    };
    nova::request(call, Method::PUT, path).json(body)
}

/// By id (one request); a name is resolved by listing, as the CLI does.
async fn find_volume(
    client: &Client,
    scope: &OpenStackScope,
    call: &'static str,
    volume: &str,
) -> Result<Value, CallError> {
    if is_uuid(volume) {
        let req = Request::get(
            call,
            Service::BlockStorage,
            format!("/volumes/{}", path_segment(volume)),
        );
        return Ok(client
            .send(scope, &req)
            .await?
            .body
            .get("volume")
            .cloned()
            .unwrap_or(Value::Null));
    }
    let session = client.session(scope, call).await?;
    let req = Request::get(call, Service::BlockStorage, "/volumes/detail")
        .query("all_tenants", "1")
        .query("name", volume);
    let found: Vec<Value> = list_all(client, &session, req, "volumes", "volumes_links")
        .await?
        .into_iter()
        .filter(|v| str_field(v, "name") == volume)
        .collect();
    super::one_named(found, call, "volume", volume, "")
}

fn to_volume(v: &Value) -> Volume {
    Volume {
        id: str_field(v, "id"),
        name: str_field(v, "name"),
        status: str_field(v, "status"),
        size_gb: int_field(v, "size"),
        attached_to: v
            .get("attachments")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|x| str_field(x, "server_id")).collect())
            .unwrap_or_default(),
        multiattach: v
            .get("multiattach")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        project_id: str_field(v, "os-vol-tenant-attr:tenant_id"),
    }
}

async fn neutron_list(
    client: &Client,
    scope: &OpenStackScope,
    call: &'static str,
    path: &str,
    key: &'static str,
    filters: &[(&str, &str)],
) -> Result<Vec<Value>, CallError> {
    let mut req = Request::get(call, Service::Network, path);
    for (k, v) in filters.iter().filter(|(_, v)| !v.is_empty()) {
        req = req.query(k, *v);
    }
    let body = client.send(scope, &req).await?.body;
    Ok(body
        .get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

async fn neutron_show(
    client: &Client,
    scope: &OpenStackScope,
    call: &'static str,
    collection: &str,
    key: &str,
    id: &str,
) -> Result<Value, CallError> {
    let req = Request::get(
        call,
        Service::Network,
        format!("/{collection}/{}", path_segment(id)),
    );
    Ok(client
        .send(scope, &req)
        .await?
        .body
        .get(key)
        .cloned()
        .unwrap_or(Value::Null))
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn to_network(v: &Value) -> Network {
    Network {
        id: str_field(v, "id"),
        name: str_field(v, "name"),
        status: str_field(v, "status"),
        external: v
            .get("router:external")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        subnets: strings(v, "subnets"),
        project_id: str_field(v, "project_id"),
    }
}

fn to_port(v: &Value) -> Port {
    Port {
        id: str_field(v, "id"),
        name: str_field(v, "name"),
        network_id: str_field(v, "network_id"),
        device_id: str_field(v, "device_id"),
        device_owner: str_field(v, "device_owner"),
        fixed_ips: v
            .get("fixed_ips")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|x| str_field(x, "ip_address")).collect())
            .unwrap_or_default(),
        mac_address: str_field(v, "mac_address"),
        status: str_field(v, "status"),
    }
}

fn to_fip(v: &Value) -> FloatingIp {
    FloatingIp {
        id: str_field(v, "id"),
        floating_ip_address: str_field(v, "floating_ip_address"),
        fixed_ip_address: str_field(v, "fixed_ip_address"),
        port_id: str_field(v, "port_id"),
        status: str_field(v, "status"),
        project_id: str_field(v, "project_id"),
    }
}

fn placement(call: &'static str, path: String) -> Request {
    Request::get(call, Service::Placement, path).header("OpenStack-API-Version", "placement 1.14")
}

async fn providers(
    client: &Client,
    scope: &OpenStackScope,
    call: &'static str,
    name: &str,
) -> Result<Vec<ResourceProvider>, CallError> {
    let mut req = placement(call, "/resource_providers".into());
    if !name.is_empty() {
        req = req.query("name", name);
    }
    let body = client.send(scope, &req).await?.body;
    Ok(body
        .get("resource_providers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|p| ResourceProvider {
                    uuid: str_field(p, "uuid"),
                    name: str_field(p, "name"),
                    generation: int_field(p, "generation"),
                })
                .collect()
        })
        .unwrap_or_default())
}

/// A provider by UUID, or by name (one more request).
async fn provider_uuid(
    client: &Client,
    scope: &OpenStackScope,
    call: &'static str,
    provider: &str,
) -> Result<String, CallError> {
    if is_uuid(provider) {
        return Ok(provider.to_string());
    }
    match providers(client, scope, call, provider).await?.as_slice() {
        [one] => Ok(one.uuid.clone()),
        _ => Err(CallError::Remote {
            call: call.into(),
            status: Some(404),
            message: format!("no resource provider named {provider:?}"),
        }),
    }
}

/// A provider's inventories, each with its usage and what is still free.
async fn inventories(
    client: &Client,
    scope: &OpenStackScope,
    call: &'static str,
    provider: &str,
) -> Result<Vec<Inventory>, CallError> {
    let uuid = provider_uuid(client, scope, call, provider).await?;
    let base = format!("/resource_providers/{}", path_segment(&uuid));
    let inv = client
        .send(scope, &placement(call, format!("{base}/inventories")))
        .await?
        .body;
    let usages = client
        .send(scope, &placement(call, format!("{base}/usages")))
        .await?
        .body;
    let mut out = Vec::new();
    if let Some(map) = inv.get("inventories").and_then(Value::as_object) {
        for (class, v) in map {
            let total = int_field(v, "total");
            let reserved = int_field(v, "reserved");
            let ratio = v
                .get("allocation_ratio")
                .and_then(Value::as_f64)
                .unwrap_or(1.0);
            let used = usages
                .pointer(&format!("/usages/{class}"))
                .and_then(Value::as_i64)
                .unwrap_or(0);
            out.push(Inventory {
                resource_class: class.clone(),
                total,
                reserved,
                allocation_ratio: ratio,
                used,
                free: ((total - reserved) as f64 * ratio) as i64 - used,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_is_set_by_uuid_from_2_53_else_by_host_and_binary() {
        let service = |id: &str| ComputeService {
            id: id.into(),
            host: "cmp1".into(),
            binary: "nova-compute".into(),
            zone: "nova".into(),
            status: "enabled".into(),
            state: "up".into(),
            disabled_reason: String::new(),
        };
        let uuid = "5f3c9a4e-1b2d-4c6e-8f90-a1b2c3d4e5f6";
        let sent = |id: &str, enabled: bool, reason: &str| {
            let req = service_update("c", &service(id), enabled, reason);
            assert_eq!(req.method, Method::PUT);
            let body = req.body.map(|b| b.to_string()).unwrap_or_default();
            (req.path, body)
        };
        let by_uuid = format!("/os-services/{uuid}");
        assert_eq!(
            sent(uuid, false, "maint"),
            (
                by_uuid.clone(),
                r#"{"status":"disabled","disabled_reason":"maint"}"#.into()
            )
        );
        assert_eq!(
            sent(uuid, false, ""),
            (by_uuid.clone(), r#"{"status":"disabled"}"#.into())
        );
        assert_eq!(
            sent(uuid, true, "maint"),
            (by_uuid, r#"{"status":"enabled"}"#.into())
        );
        assert_eq!(
            sent("7", true, "maint"),
            (
                "/os-services/enable".into(),
                r#"{"host":"cmp1","binary":"nova-compute"}"#.into()
            )
        );
        assert_eq!(
            sent("7", false, ""),
            (
                "/os-services/disable-log-reason".into(),
                r#"{"host":"cmp1","binary":"nova-compute","disabled_reason":""}"#.into()
            )
        );
    }

    #[test]
    fn listeners_and_pools_belong_to_their_first_load_balancer() {
        let v = json!({"id": "l1", "loadbalancers": [{"id": "lb1"}, {"id": "lb2"}]});
        assert_eq!(to_listener(&v).loadbalancer_id, "lb1");
        assert_eq!(to_pool(&v).loadbalancer_id, "lb1");
        assert_eq!(to_pool(&json!({"id": "p1"})).loadbalancer_id, "");
    }
}
