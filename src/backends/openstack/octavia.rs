//! Octavia: load balancers, their failover, and amphorae (admin).
use reqwest::Method;
use serde_json::Value;

use super::client::{Client, Request, Service};
use super::{calls, is_uuid, list_all, path_segment, str_field};
use crate::backends::{Amphora, CallError, LoadBalancer, OpenStackScope};

pub async fn list(client: &Client, scope: &OpenStackScope) -> Result<Vec<LoadBalancer>, CallError> {
    let session = client.session(scope, calls::LB_LIST).await?;
    let req = Request::get(
        calls::LB_LIST,
        Service::LoadBalancer,
        "/lbaas/loadbalancers",
    );
    Ok(list_all(
        client,
        &session,
        req,
        "loadbalancers",
        "loadbalancers_links",
    )
    .await?
    .iter()
    .map(to_lb)
    .collect())
}

/// By id (one request); a name is resolved by listing, as the CLI does.
pub async fn show(
    client: &Client,
    scope: &OpenStackScope,
    lb: &str,
) -> Result<LoadBalancer, CallError> {
    Ok(to_lb(&find(client, scope, calls::LB_SHOW, lb).await?))
}

async fn find(
    client: &Client,
    scope: &OpenStackScope,
    call: &'static str,
    lb: &str,
) -> Result<Value, CallError> {
    if is_uuid(lb) {
        let req = Request::get(
            call,
            Service::LoadBalancer,
            format!("/lbaas/loadbalancers/{}", path_segment(lb)),
        );
        return Ok(client
            .send(scope, &req)
            .await?
            .body
            .get("loadbalancer")
            .cloned()
            .unwrap_or(Value::Null));
    }
    let session = client.session(scope, call).await?;
    let req = Request::get(call, Service::LoadBalancer, "/lbaas/loadbalancers").query("name", lb);
    let found: Vec<Value> = list_all(
        client,
        &session,
        req,
        "loadbalancers",
        "loadbalancers_links",
    )
    .await?
    .into_iter()
    .filter(|v| str_field(v, "name") == lb)
    .collect();
    super::one_named(found, call, "load balancer", lb, " in this scope")
}

/// `PUT /v2/lbaas/loadbalancers/{id}/failover`: never retried (each blind
/// retry against NoValidHost mints another zombie amphora).
pub async fn failover(client: &Client, scope: &OpenStackScope, lb: &str) -> Result<(), CallError> {
    let id = if is_uuid(lb) {
        lb.to_string()
    } else {
        str_field(&find(client, scope, calls::LB_FAILOVER, lb).await?, "id")
    };
    let req = Request::new(
        calls::LB_FAILOVER,
        Service::LoadBalancer,
        Method::PUT,
        format!("/lbaas/loadbalancers/{}/failover", path_segment(&id)),
    );
    client.send(scope, &req).await.map(|_| ())
}

pub async fn amphorae(client: &Client, scope: &OpenStackScope) -> Result<Vec<Amphora>, CallError> {
    let session = client.session(scope, calls::AMPHORA_LIST).await?;
    let req = Request::get(
        calls::AMPHORA_LIST,
        Service::LoadBalancer,
        "/octavia/amphorae",
    );
    Ok(
        list_all(client, &session, req, "amphorae", "amphorae_links")
            .await?
            .iter()
            .map(|v| Amphora {
                id: str_field(v, "id"),
                loadbalancer_id: str_field(v, "loadbalancer_id"),
                compute_id: str_field(v, "compute_id"),
                status: str_field(v, "status"),
                role: str_field(v, "role"),
                lb_network_ip: str_field(v, "lb_network_ip"),
                image_id: str_field(v, "image_id"),
            })
            .collect(),
    )
}

fn to_lb(v: &Value) -> LoadBalancer {
    LoadBalancer {
        id: str_field(v, "id"),
        name: str_field(v, "name"),
        provisioning_status: str_field(v, "provisioning_status"),
        operating_status: str_field(v, "operating_status"),
        vip_address: str_field(v, "vip_address"),
        project_id: str_field(v, "project_id"),
        // Octavia's load balancer object has no topology (it is a property
        // of the flavor and shows in the amphorae's roles); filled when a
        // server reports it.
        topology: str_field(v, "topology"),
    }
}
