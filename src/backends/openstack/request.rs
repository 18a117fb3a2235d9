//! `openstack.request`: any call of any service the typed builtins do not
//! cover, sent through the same [`Client`] as theirs (the scope's token,
//! the catalog's endpoint, the microversion header and its negotiation,
//! retries for reads only, the remote's message in errors).
use reqwest::Method;
use serde_json::Value;

use super::client::{Client, Request, Service};
use super::microversion::{Microversion, Version};
use crate::backends::{CallError, OpenStackScope, OsResponse};

/// The names a procedure may give a service (the builtin table's values
/// for `service`, checked by RBK112): catalog types first, then the older
/// catalog names and the project names operators say.
pub const SERVICE_NAMES: &[&str] = &[
    "compute",
    "placement",
    "load-balancer",
    "container-infra",
    "image",
    "block-storage",
    "network",
    "volume",
    "volumev3",
    "nova",
    "octavia",
    "magnum",
    "glance",
    "cinder",
    "neutron",
];

/// Each of [`SERVICE_NAMES`] and the service it is.
const SERVICES: &[(&str, Service)] = &[
    ("compute", Service::Compute),
    ("placement", Service::Placement),
    ("load-balancer", Service::LoadBalancer),
    ("container-infra", Service::ContainerInfra),
    ("image", Service::Image),
    ("block-storage", Service::BlockStorage),
    ("network", Service::Network),
    ("volume", Service::BlockStorage),
    ("volumev3", Service::BlockStorage),
    ("nova", Service::Compute),
    ("octavia", Service::LoadBalancer),
    ("magnum", Service::ContainerInfra),
    ("glance", Service::Image),
    ("cinder", Service::BlockStorage),
    ("neutron", Service::Network),
];

/// The service name the `OpenStack-API-Version` header uses.
fn header_service(service: Service) -> &'static str {
    match service {
        Service::BlockStorage => "volume",
        other => other.catalog_type(),
    }
}

pub async fn run(
    client: &Client,
    scope: &OpenStackScope,
    call: &'static str,
    (service, method, path): (&str, &str, &str),
    body: &Value,
    microversion: &str,
) -> Result<Value, CallError> {
    let bad = |message: String| CallError::Config {
        call: call.into(),
        message,
    };
    let known = || SERVICE_NAMES.join(", ");
    let service = SERVICES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(service.trim()))
        .map(|(_, s)| *s)
        .ok_or_else(|| bad(format!("unknown service {service:?}; one of {}", known())))?;
    let method = match method.to_ascii_uppercase().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE") => {
            Method::from_bytes(m.as_bytes()).map_err(|e| bad(e.to_string()))?
        }
        other => {
            return Err(bad(format!(
                "{other:?} is not an HTTP method rbk sends (GET, HEAD, POST, PUT, PATCH, DELETE)"
            )))
        }
    };
    // The path stays below the endpoint: no scheme, host or `..` in it.
    if !path.starts_with('/') || path.contains("://") || path.split(['/', '?']).any(|s| s == "..") {
        return Err(bad(format!(
            "path {path:?} must start with `/` and stay below the service's endpoint"
        )));
    }
    let mut req = Request::new(call, service, method, path);
    if !body.is_null() {
        req = req.json(body.clone());
    }
    if !microversion.trim().is_empty() {
        let version = Version::parse(microversion)
            .ok_or_else(|| bad(format!("microversion {microversion:?} is not MAJOR.MINOR")))?;
        // Exactly what the procedure asks for: a lower version could change
        // what the call means, so a service that does not serve it fails the
        // call, naming what it offers.
        req = req.microversion(Microversion {
            service: header_service(service),
            wanted: version,
            minimum: version,
            needs: "the procedure asks for exactly this one",
        });
    }
    let response = client.send(scope, &req).await?;
    serde_json::to_value(OsResponse {
        status: i64::from(response.status),
        body: response.body,
    })
    .map_err(|e| bad(format!("cannot serialize the answer: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_name_is_a_service() {
        let names: Vec<&str> = SERVICES.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, SERVICE_NAMES);
    }
}
