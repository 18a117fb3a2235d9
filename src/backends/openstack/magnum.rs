//! Magnum: cluster health.
use serde_json::Value;

use super::client::{Client, Request, Service};
use super::{calls, path_segment, str_field};
use crate::backends::{CallError, CoeCluster, OpenStackScope};

/// A Magnum GET. `container-infra latest` is what python-magnumclient
/// sends; health fields need a recent microversion.
pub(super) fn get(call: &'static str, path: impl Into<String>) -> Request {
    Request::get(call, Service::ContainerInfra, path)
        .header("OpenStack-API-Version", "container-infra latest")
}

/// `GET /v1/clusters/{name-or-uuid}` (Magnum resolves names itself).
pub async fn show(
    client: &Client,
    scope: &OpenStackScope,
    cluster: &str,
) -> Result<CoeCluster, CallError> {
    let path = format!("/clusters/{}", path_segment(cluster));
    let req = get(calls::COE_CLUSTER_SHOW, path);
    let v = client.send(scope, &req).await?.body;
    Ok(to_cluster(&v))
}

pub(super) fn to_cluster(v: &Value) -> CoeCluster {
    let health = str_field(v, "health_status");
    CoeCluster {
        name: str_field(v, "name"),
        uuid: str_field(v, "uuid"),
        status: str_field(v, "status"),
        // null until the conductor has polled the cluster once.
        health_status: if health.is_empty() {
            "UNKNOWN".into()
        } else {
            health
        },
        // An empty reason is the seed's "conductor cannot reach the mgmt API".
        health_status_reason: v
            .get("health_status_reason")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unhealthy_with_empty_reason() {
        let c = to_cluster(
            &serde_json::json!({"name": "capi-test-1", "uuid": "u", "status": "UPDATE_COMPLETE",
            "health_status": "UNHEALTHY", "health_status_reason": {}}),
        );
        assert_eq!(c.health_status, "UNHEALTHY");
        assert!(c.health_status_reason.is_empty());
        let c = to_cluster(
            &serde_json::json!({"name": "x", "health_status": null, "health_status_reason": null}),
        );
        assert_eq!(c.health_status, "UNKNOWN");
    }
}
