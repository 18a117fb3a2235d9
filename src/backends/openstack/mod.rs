//! The real OpenStack backend: a small REST client of its own (see the
//! book's credentials chapter for why not the `openstack_sdk` crate).
//!
//! `config` finds credentials (openrc, clouds.yaml, `OS_*`) and narrows them
//! to a scope; `keystone` gets tokens and reads the catalog; `client` sends
//! every request (timeouts, one re-auth on 401, retries for reads only,
//! remote messages in errors); `nova`, `placement`, `octavia`, `magnum` map
//! the services' JSON onto the records in `backends::model`.
use async_trait::async_trait;
use serde_json::Value;

pub mod client;
pub mod config;
pub mod fault;
pub mod keystone;
pub mod magnum;
pub mod maintenance;
pub mod microversion;
pub mod nova;
pub mod octavia;
pub mod openrc;
pub mod placement;
pub mod request;
pub mod secret;

pub use client::{Client, Tuning};
pub use config::OpenStackConfig;
pub use secret::Secret;

use super::{
    Amphora, CallError, CoeCluster, Hypervisor, LoadBalancer, OpenStack, OpenStackScope, OsOp,
    Server,
};
use crate::clock::Clock;
use client::{Request, ScopeSession};

/// Builtin names, used in every error so a diagnostic names the call.
pub mod calls {
    pub const SERVER_START: &str = "openstack.server.start";
    pub const SERVER_STOP: &str = "openstack.server.stop";
    pub const SERVER_SHOW: &str = "openstack.server.show";
    pub const SERVER_LIST: &str = "openstack.server.list";
    pub const SERVER_DELETE: &str = "openstack.server.delete";
    pub const LB_LIST: &str = "openstack.loadbalancer.list";
    pub const LB_SHOW: &str = "openstack.loadbalancer.show";
    pub const LB_FAILOVER: &str = "openstack.loadbalancer.failover";
    pub const AMPHORA_LIST: &str = "openstack.loadbalancer.amphora.list";
    pub const HYPERVISOR_LIST: &str = "openstack.hypervisor.list";
    pub const COE_CLUSTER_SHOW: &str = "openstack.coe.cluster.show";
}

/// The OpenStack backend for real clouds and for `rbk sim serve` alike.
pub struct RealOpenStack {
    client: Client,
}

impl RealOpenStack {
    /// `clock` decides when a token is due for renewal: the wall clock for
    /// real runs, the shared virtual clock under `--sim`.
    pub fn new(config: OpenStackConfig, clock: Clock) -> Self {
        Self::with_tuning(config, clock, Tuning::default())
    }

    pub fn with_tuning(config: OpenStackConfig, clock: Clock, tuning: Tuning) -> Self {
        RealOpenStack {
            client: Client::new(config, clock, tuning),
        }
    }

    /// Tokens issued so far, over all scopes (one per scope is the goal).
    pub async fn tokens_issued(&self) -> u64 {
        self.client.tokens_issued().await
    }
}

#[async_trait]
impl OpenStack for RealOpenStack {
    async fn server_start(&self, scope: &OpenStackScope, server: &str) -> Result<(), CallError> {
        nova::action(&self.client, scope, calls::SERVER_START, server, "os-start").await
    }

    async fn server_stop(&self, scope: &OpenStackScope, server: &str) -> Result<(), CallError> {
        nova::action(&self.client, scope, calls::SERVER_STOP, server, "os-stop").await
    }

    async fn server_show(&self, scope: &OpenStackScope, server: &str) -> Result<Server, CallError> {
        nova::show(&self.client, scope, server).await
    }

    async fn server_list(
        &self,
        scope: &OpenStackScope,
        all_projects: bool,
    ) -> Result<Vec<Server>, CallError> {
        nova::list(&self.client, scope, all_projects).await
    }

    async fn server_delete(&self, scope: &OpenStackScope, id: &str) -> Result<(), CallError> {
        nova::delete(&self.client, scope, id).await
    }

    async fn loadbalancer_list(
        &self,
        scope: &OpenStackScope,
    ) -> Result<Vec<LoadBalancer>, CallError> {
        octavia::list(&self.client, scope).await
    }

    async fn loadbalancer_show(
        &self,
        scope: &OpenStackScope,
        id: &str,
    ) -> Result<LoadBalancer, CallError> {
        octavia::show(&self.client, scope, id).await
    }

    async fn loadbalancer_failover(
        &self,
        scope: &OpenStackScope,
        id: &str,
    ) -> Result<(), CallError> {
        octavia::failover(&self.client, scope, id).await
    }

    async fn amphora_list(&self, scope: &OpenStackScope) -> Result<Vec<Amphora>, CallError> {
        octavia::amphorae(&self.client, scope).await
    }

    async fn hypervisor_list(&self, scope: &OpenStackScope) -> Result<Vec<Hypervisor>, CallError> {
        let mut out = Vec::new();
        for hv in nova::hypervisors(&self.client, scope).await? {
            out.push(to_hypervisor(&self.client, scope, &hv).await?);
        }
        Ok(out)
    }

    async fn maintain(
        &self,
        scope: &OpenStackScope,
        call: &'static str,
        op: &OsOp,
    ) -> Result<Value, CallError> {
        maintenance::run(&self.client, scope, call, op).await
    }

    async fn coe_cluster_show(
        &self,
        scope: &OpenStackScope,
        name: &str,
    ) -> Result<CoeCluster, CallError> {
        magnum::show(&self.client, scope, name).await
    }
}

/// A hypervisor's record: Nova's figures (2.87) and Placement's ratio and reserve.
pub(crate) async fn to_hypervisor(
    client: &Client,
    scope: &OpenStackScope,
    hv: &Value,
) -> Result<Hypervisor, CallError> {
    let inventory = placement::memory_inventory(client, scope, &str_field(hv, "id")).await?;
    Ok(Hypervisor {
        hostname: str_field(hv, "hypervisor_hostname"),
        host: hv
            .pointer("/service/host")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        status: str_field(hv, "status"),
        state: str_field(hv, "state"),
        running_vms: int_field(hv, "running_vms"),
        memory_mb: int_field(hv, "memory_mb"),
        memory_mb_used: int_field(hv, "memory_mb_used"),
        ram_allocation_ratio: inventory.allocation_ratio,
        reserved_host_memory_mb: inventory.reserved,
        vcpus: int_field(hv, "vcpus"),
        vcpus_used: int_field(hv, "vcpus_used"),
    })
}

/// A string field, "" when absent or null (numbers are shown as text).
pub(crate) fn str_field(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

pub(crate) fn int_field(v: &Value, key: &str) -> i64 {
    v.get(key)
        .and_then(|x| x.as_i64().or_else(|| x.as_f64().map(|f| f as i64)))
        .unwrap_or(0)
}

/// The one resource a name picks out of a listing filtered by that name,
/// as the CLI resolves a name: none is a 404 (`noun` with id or name `name`,
/// then `where_`, e.g. " in this scope"), several ask for the id.
pub(crate) fn one_named(
    found: Vec<Value>,
    call: &str,
    noun: &str,
    name: &str,
    where_: &str,
) -> Result<Value, CallError> {
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(CallError::Remote {
            call: call.into(),
            status: Some(404),
            message: format!("no {noun} with id or name {name:?}{where_}"),
        }),
        many => Err(CallError::Remote {
            call: call.into(),
            status: None,
            message: format!(
                "more than one {noun} named {name:?}; use the id ({} match)",
                many.len()
            ),
        }),
    }
}

/// An OpenStack id: a UUID, `8-4-4-4-12` hex digits, or 32 hex digits
/// (Keystone ids have no dashes). The one definition the checker (RBK413,
/// site literals), the scope table (`project:`) and the clients read.
pub fn is_uuid(s: &str) -> bool {
    let hex = |p: &str| p.bytes().all(|b| b.is_ascii_hexdigit());
    let parts: Vec<&str> = s.split('-').collect();
    match parts.as_slice() {
        [one] => one.len() == 32 && hex(one),
        [a, b, c, d, e] => {
            [a.len(), b.len(), c.len(), d.len(), e.len()] == [8, 4, 4, 4, 12]
                && parts.iter().all(|p| hex(p))
        }
        _ => false,
    }
}

/// Percent-encode one path segment (a name may hold spaces or slashes).
pub(crate) fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Follow `marker` pages until the `<links_key>` list has no `next`.
pub(crate) async fn list_all(
    client: &Client,
    session: &ScopeSession,
    req: Request,
    key: &str,
    links_key: &str,
) -> Result<Vec<Value>, CallError> {
    const MAX_PAGES: usize = 1000;
    let mut items = Vec::new();
    let mut marker: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut page_req = req.clone();
        if let Some(m) = &marker {
            page_req = page_req.query("marker", m.clone());
        }
        let body = client.send_in(session, &page_req).await?.body;
        let page = body
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let has_next = body
            .get(links_key)
            .and_then(Value::as_array)
            .is_some_and(|links| {
                links
                    .iter()
                    .any(|l| l.get("rel").and_then(Value::as_str) == Some("next"))
            });
        let last = page.last().map(|v| str_field(v, "id"));
        items.extend(page);
        match last {
            Some(id) if has_next && !id.is_empty() && marker.as_deref() != Some(&id) => {
                marker = Some(id)
            }
            _ => return Ok(items),
        }
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_and_segments() {
        assert!(is_uuid("0f968008-7c1a-4a47-9d2e-0123456789ab"));
        assert!(is_uuid("674171fd28d446d3a37073b6a761e910"));
        assert!(!is_uuid("capi-mgmt-v2"));
        assert!(!is_uuid("0f968008-7c1a-4a47-9d2e-0123456789a"));
        assert_eq!(path_segment("a b/c"), "a%20b%2Fc");
        assert_eq!(path_segment("capi-mgmt-v2"), "capi-mgmt-v2");
    }
}
