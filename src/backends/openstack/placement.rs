//! Placement: the scheduler's view of a compute node's memory.
//!
//! The seed's headroom rule is `physical_MB * ram_allocation_ratio -
//! reserved_host_memory >= used + 1024`. Nova's hypervisor API has the
//! physical and used figures but not the ratio or the reservation; those
//! are the `MEMORY_MB` inventory of the node's resource provider.
use serde_json::Value;

use super::calls;
use super::client::{Client, Request, Service};
use super::path_segment;
use crate::backends::{CallError, OpenStackScope};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemoryInventory {
    pub allocation_ratio: f64,
    pub reserved: i64,
}

/// `GET /resource_providers/{uuid}/inventories`, the `MEMORY_MB` entry.
pub async fn memory_inventory(
    client: &Client,
    scope: &OpenStackScope,
    provider: &str,
) -> Result<MemoryInventory, CallError> {
    let req = Request::get(
        calls::HYPERVISOR_LIST,
        Service::Placement,
        format!("/resource_providers/{}/inventories", path_segment(provider)),
    )
    .header("OpenStack-API-Version", "placement 1.0");
    let body = client.send(scope, &req).await?.body;
    Ok(parse(&body))
}

fn parse(body: &Value) -> MemoryInventory {
    let mem = body.pointer("/inventories/MEMORY_MB");
    MemoryInventory {
        allocation_ratio: mem
            .and_then(|m| m.get("allocation_ratio"))
            .and_then(Value::as_f64)
            .unwrap_or(1.0),
        reserved: mem
            .and_then(|m| m.get("reserved"))
            .and_then(Value::as_i64)
            .unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_memory_inventory() {
        let body = serde_json::json!({"resource_provider_generation": 7, "inventories": {
            "MEMORY_MB": {"allocation_ratio": 1.5, "max_unit": 64000, "min_unit": 1, "reserved": 8192, "step_size": 1, "total": 64000},
            "VCPU": {"allocation_ratio": 16.0, "reserved": 0, "total": 16}}});
        assert_eq!(
            parse(&body),
            MemoryInventory {
                allocation_ratio: 1.5,
                reserved: 8192
            }
        );
        assert_eq!(
            parse(&serde_json::json!({"inventories": {}})),
            MemoryInventory {
                allocation_ratio: 1.0,
                reserved: 0
            }
        );
    }
}
