//! The real Kubernetes backend, on kube-rs.
//!
//! A client per scope (its kubeconfig: the scope's path, else `KUBECONFIG`,
//! else `~/.kube/config`), reused across calls. Nodes and pods are typed
//! (k8s-openapi); Cluster API kinds are dynamic objects whose version is
//! found by discovery, as kubectl does, so a management cluster serving
//! `cluster.x-k8s.io/v1beta2` works as well as one serving `v1beta1`.
//! Every call is read-only: each attempt has a timeout, and transient
//! failures are retried with backoff.
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use k8s_openapi::api::core::v1::{Node as K8sNode, Pod as K8sPod};
use kube::api::{Api, ApiResource, DynamicObject, ListParams, ObjectList};
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde_json::Value;

use super::local::expand_home;
use super::{tls, CallError, Condition, Kube, KubeObject, KubeScope, Node, Pod};
use crate::clock::Clock;

pub mod calls {
    pub const NODES: &str = "kube.nodes";
    pub const PODS: &str = "kube.pods";
    pub const GET: &str = "kube.get";
}

/// Page size for list calls (kubectl uses 500 too).
const PAGE: u32 = 500;

#[derive(Debug, Clone)]
pub struct KubeTuning {
    pub timeout: Duration,
    pub attempts: u32,
    pub backoff: Duration,
}

impl Default for KubeTuning {
    fn default() -> Self {
        KubeTuning {
            timeout: Duration::from_secs(30),
            attempts: 3,
            backoff: Duration::from_millis(500),
        }
    }
}

struct ScopeClient {
    client: kube::Client,
    /// The API server, for messages.
    target: String,
    /// `kind` argument -> resolved resource, found once per scope.
    resources: tokio::sync::Mutex<HashMap<String, ApiResource>>,
}

pub struct RealKube {
    clock: Clock,
    tuning: KubeTuning,
    clients: tokio::sync::Mutex<HashMap<KubeScope, Arc<ScopeClient>>>,
}

impl RealKube {
    pub fn new(clock: Clock) -> Self {
        Self::with_tuning(clock, KubeTuning::default())
    }

    pub fn with_tuning(clock: Clock, tuning: KubeTuning) -> Self {
        RealKube {
            clock,
            tuning,
            clients: Default::default(),
        }
    }

    async fn client(&self, scope: &KubeScope, call: &str) -> Result<Arc<ScopeClient>, CallError> {
        let mut clients = self.clients.lock().await;
        if let Some(c) = clients.get(scope) {
            return Ok(c.clone());
        }
        let config_error = |message: String| CallError::Config {
            call: call.into(),
            message,
        };
        let options = KubeConfigOptions::default();
        let mut config = match &scope.kubeconfig {
            Some(path) => {
                let path = expand_home(&path.to_string_lossy(), call)?;
                let kubeconfig = Kubeconfig::read_from(&path).map_err(|e| {
                    config_error(format!("kubeconfig {}: {}", path.display(), chain(&e)))
                })?;
                kube::Config::from_custom_kubeconfig(kubeconfig, &options)
                    .await
                    .map_err(|e| {
                        config_error(format!("kubeconfig {}: {}", path.display(), chain(&e)))
                    })?
            }
            None => kube::Config::from_kubeconfig(&options).await.map_err(|e| {
                config_error(format!(
                    "kubeconfig from KUBECONFIG or ~/.kube/config: {}",
                    chain(&e)
                ))
            })?,
        };
        config.connect_timeout = Some(self.connect_timeout());
        // kube's own retry layer waits in wall time and says nothing; our
        // loop (`retrying`) waits on the run's clock and reports each try.
        config.default_retry = false;
        config.read_timeout = Some(self.tuning.timeout);
        config.write_timeout = Some(self.tuning.timeout);
        let target = config.cluster_url.to_string();
        tls::ensure_crypto_provider();
        let client = kube::Client::try_from(config).map_err(|e| {
            config_error(format!("cannot build a client for {target}: {}", chain(&e)))
        })?;
        let c = Arc::new(ScopeClient {
            client,
            target,
            resources: Default::default(),
        });
        clients.insert(scope.clone(), c.clone());
        Ok(c)
    }

    /// Run `f` with a timeout per attempt, retrying transient failures.
    async fn read<T, F, Fut>(&self, call: &str, target: &str, f: F) -> Result<T, CallError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, kube::Error>>,
    {
        self.retrying(call, || async {
            match tokio::time::timeout(self.tuning.timeout, f()).await {
                Ok(Ok(v)) => Ok(v),
                Ok(Err(e)) => Err(map_error(call, target, &e, self.tuning.timeout)),
                Err(_) => Err(CallError::Timeout {
                    call: call.into(),
                    after: self.tuning.timeout,
                }),
            }
        })
        .await
    }

    /// Up to `attempts` tries of `attempt`, backing off on the run's clock
    /// between transient failures; each failure is reported (never a silent
    /// wait). The simulated cloud's unreachable API uses it too.
    pub async fn retrying<T, F, Fut>(&self, call: &str, attempt: F) -> Result<T, CallError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, CallError>>,
    {
        let max = self.tuning.attempts.max(1);
        let mut n = 0;
        loop {
            n += 1;
            let err = match attempt().await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            let again = n < max && err.is_transient();
            let wait = self.tuning.backoff * 2u32.saturating_pow(n - 1);
            if err.is_transient() {
                super::retry::report(super::retry::Notice {
                    call: call.into(),
                    attempt: n,
                    max,
                    error: err.clone(),
                    retry_in: again.then_some(wait),
                });
            }
            if !again {
                return Err(err);
            }
            self.clock.sleep(wait).await;
        }
    }

    /// How long a connection attempt waits for an answer.
    pub fn connect_timeout(&self) -> Duration {
        self.tuning.timeout.min(Duration::from_secs(10))
    }

    /// Every page of a list.
    async fn list_all<K>(&self, call: &str, target: &str, api: &Api<K>) -> Result<Vec<K>, CallError>
    where
        K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
    {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut params = ListParams::default().limit(PAGE);
            if let Some(t) = &token {
                params = params.continue_token(t);
            }
            let page: ObjectList<K> = self.read(call, target, || api.list(&params)).await?;
            items.extend(page.items);
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(next) => token = Some(next),
                None => return Ok(items),
            }
        }
    }

    /// `cluster`, `machine`, `openstackcluster` (and plurals), or any
    /// `plural.group`, to an API resource at the version the server prefers.
    async fn resource(&self, sc: &ScopeClient, kind: &str) -> Result<ApiResource, CallError> {
        let key = kind.to_ascii_lowercase();
        if let Some(ar) = sc.resources.lock().await.get(&key) {
            return Ok(ar.clone());
        }
        let (group, plural, pinned) = match known_kind(&key) {
            Some(k) => (k.group.to_string(), k.plural.to_string(), Some(k)),
            None => match key.split_once('.') {
                Some((plural, group)) if !plural.is_empty() && group.contains('.') => (group.to_string(), plural.to_string(), None),
                _ => {
                    return Err(CallError::Config {
                        call: calls::GET.into(),
                        message: format!(
                            "unknown kind {kind:?}: use cluster, machine, openstackcluster, or plural.group \
                             (e.g. machinedeployments.cluster.x-k8s.io)"
                        ),
                    })
                }
            },
        };
        let discovered = self
            .read(calls::GET, &sc.target, || {
                kube::discovery::group(&sc.client, &group)
            })
            .await;
        let ar = match discovered {
            Ok(api_group) => api_group
                .recommended_resources()
                .into_iter()
                .map(|(ar, _)| ar)
                .find(|ar| ar.plural == plural)
                .ok_or_else(|| CallError::Remote {
                    call: calls::GET.into(),
                    status: Some(404),
                    message: format!(
                        "{} serves API group {group} but no resource {plural:?}",
                        sc.target
                    ),
                })?,
            Err(e) if is_missing_group(&e) => {
                return Err(CallError::Remote {
                    call: calls::GET.into(),
                    status: Some(404),
                    message: format!(
                        "{} does not serve API group {group} (is the CRD installed?)",
                        sc.target
                    ),
                })
            }
            // Discovery itself failed (some API servers restrict it): fall
            // back to the version rbk was written against.
            Err(e) => match pinned {
                Some(k) => ApiResource {
                    group: k.group.into(),
                    version: k.version.into(),
                    api_version: format!("{}/{}", k.group, k.version),
                    kind: k.kind.into(),
                    plural: k.plural.into(),
                },
                None => return Err(e),
            },
        };
        sc.resources.lock().await.insert(key, ar.clone());
        Ok(ar)
    }
}

fn is_missing_group(e: &CallError) -> bool {
    matches!(e, CallError::Remote { message, .. } if message.contains("Missing Api Group"))
}

struct KnownKind {
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
}

fn known_kind(kind: &str) -> Option<KnownKind> {
    let (group, k, plural) = match kind {
        "cluster" | "clusters" => ("cluster.x-k8s.io", "Cluster", "clusters"),
        "machine" | "machines" => ("cluster.x-k8s.io", "Machine", "machines"),
        "machinedeployment" | "machinedeployments" => (
            "cluster.x-k8s.io",
            "MachineDeployment",
            "machinedeployments",
        ),
        "openstackcluster" | "openstackclusters" => (
            "infrastructure.cluster.x-k8s.io",
            "OpenStackCluster",
            "openstackclusters",
        ),
        "openstackmachine" | "openstackmachines" => (
            "infrastructure.cluster.x-k8s.io",
            "OpenStackMachine",
            "openstackmachines",
        ),
        _ => return None,
    };
    Some(KnownKind {
        group,
        version: "v1beta1",
        kind: k,
        plural,
    })
}

#[async_trait]
impl Kube for RealKube {
    async fn nodes(&self, scope: &KubeScope) -> Result<Vec<Node>, CallError> {
        let sc = self.client(scope, calls::NODES).await?;
        let api: Api<K8sNode> = Api::all(sc.client.clone());
        Ok(self
            .list_all(calls::NODES, &sc.target, &api)
            .await?
            .iter()
            .map(to_node)
            .collect())
    }

    async fn pods(
        &self,
        scope: &KubeScope,
        namespace: Option<&str>,
    ) -> Result<Vec<Pod>, CallError> {
        let sc = self.client(scope, calls::PODS).await?;
        let api: Api<K8sPod> = match namespace.filter(|n| !n.is_empty()) {
            Some(ns) => Api::namespaced(sc.client.clone(), ns),
            None => Api::all(sc.client.clone()),
        };
        Ok(self
            .list_all(calls::PODS, &sc.target, &api)
            .await?
            .iter()
            .map(to_pod)
            .collect())
    }

    async fn objects(
        &self,
        scope: &KubeScope,
        kind: &str,
        namespace: &str,
    ) -> Result<Vec<KubeObject>, CallError> {
        let sc = self.client(scope, calls::GET).await?;
        let ar = self.resource(&sc, kind).await?;
        let api: Api<DynamicObject> = if namespace.is_empty() {
            Api::all_with(sc.client.clone(), &ar)
        } else {
            Api::namespaced_with(sc.client.clone(), namespace, &ar)
        };
        let items = self.list_all(calls::GET, &sc.target, &api).await?;
        Ok(items.iter().map(|o| to_object(&ar.kind, o)).collect())
    }
}

fn to_node(n: &K8sNode) -> Node {
    let status = n.status.as_ref();
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
        .is_some_and(|c| c.status == "True");
    let mut roles: Vec<String> = n
        .metadata
        .labels
        .iter()
        .flatten()
        .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/"))
        .filter(|r| !r.is_empty())
        .map(String::from)
        .collect();
    roles.sort();
    let internal_ip = status
        .and_then(|s| s.addresses.as_ref())
        .and_then(|a| a.iter().find(|a| a.type_ == "InternalIP"))
        .map(|a| a.address.clone())
        .unwrap_or_default();
    Node {
        name: n.metadata.name.clone().unwrap_or_default(),
        ready,
        roles,
        internal_ip,
        kubelet_version: status
            .and_then(|s| s.node_info.as_ref())
            .map(|i| i.kubelet_version.clone())
            .unwrap_or_default(),
    }
}

fn to_pod(p: &K8sPod) -> Pod {
    let status = p.status.as_ref();
    Pod {
        namespace: p.metadata.namespace.clone().unwrap_or_default(),
        name: p.metadata.name.clone().unwrap_or_default(),
        phase: status
            .and_then(|s| s.phase.clone())
            .unwrap_or_else(|| "Unknown".into()),
        ready: status
            .and_then(|s| s.conditions.as_ref())
            .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
            .is_some_and(|c| c.status == "True"),
        restarts: status
            .and_then(|s| s.container_statuses.as_ref())
            .map(|cs| cs.iter().map(|c| i64::from(c.restart_count)).sum())
            .unwrap_or(0),
    }
}

fn to_object(kind: &str, o: &DynamicObject) -> KubeObject {
    let status = o.data.get("status");
    KubeObject {
        kind: kind.to_string(),
        name: o.metadata.name.clone().unwrap_or_default(),
        namespace: o.metadata.namespace.clone().unwrap_or_default(),
        phase: status
            .and_then(|s| s.get("phase"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        conditions: status.map(conditions_of).unwrap_or_default(),
    }
}

/// `status.conditions` of any object, as Kubernetes writes them (missing
/// fields are empty strings).
pub fn conditions_of(status: &Value) -> Vec<Condition> {
    let text = |c: &Value, k: &str| {
        c.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    status
        .get("conditions")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| Condition {
                    type_: text(c, "type"),
                    status: text(c, "status"),
                    reason: text(c, "reason"),
                    message: text(c, "message"),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The condition of this type, if the object reports it.
pub fn condition<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_ == type_)
}

/// Is the condition reported and `"True"`? (`Available`, `Ready`, `InfrastructureReady`.)
pub fn is_true(conditions: &[Condition], type_: &str) -> bool {
    condition(conditions, type_).is_some_and(|c| c.status == "True")
}

fn map_error(call: &str, target: &str, e: &kube::Error, timeout: Duration) -> CallError {
    match e {
        kube::Error::Api(status) => {
            let code = status.code;
            let message = match (status.reason.is_empty(), status.message.is_empty()) {
                (_, false) if !status.reason.is_empty() => {
                    format!("{code} {}: {}", status.reason, status.message)
                }
                (_, false) => format!("{code}: {}", status.message),
                (false, true) => format!("{code} {}", status.reason),
                (true, true) => format!("{code}"),
            };
            if code == 401 {
                CallError::Auth {
                    call: call.into(),
                    message: format!("{target} refused the kubeconfig's credentials: {message}"),
                }
            } else {
                CallError::Remote {
                    call: call.into(),
                    status: (code != 0).then_some(code),
                    message,
                }
            }
        }
        kube::Error::HyperError(_) | kube::Error::Service(_) => {
            let message = chain(e);
            let lower = message.to_ascii_lowercase();
            if lower.contains("timed out") || lower.contains("timeout") || lower.contains("elapsed")
            {
                CallError::Timeout {
                    call: call.into(),
                    after: timeout,
                }
            } else {
                CallError::Unreachable {
                    call: call.into(),
                    target: target.into(),
                    message,
                }
            }
        }
        kube::Error::Discovery(_) => CallError::Remote {
            call: call.into(),
            status: None,
            message: chain(e),
        },
        _ => CallError::Remote {
            call: call.into(),
            status: None,
            message: chain(e),
        },
    }
}

/// An error and its sources, each once.
fn chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = s.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_and_helpers() {
        let status = serde_json::json!({"phase": "Provisioned", "conditions": [
            {"type": "Ready", "status": "True", "lastTransitionTime": "2026-06-10T08:00:00Z"},
            {"type": "InfrastructureReady", "status": "False", "reason": "LoadBalancerTimeout",
             "message": "timed out waiting for the load balancer", "severity": "Error"}]});
        let cs = conditions_of(&status);
        assert_eq!(cs.len(), 2);
        assert!(is_true(&cs, "Ready"));
        assert!(!is_true(&cs, "InfrastructureReady"));
        assert!(!is_true(&cs, "Available"));
        assert_eq!(
            condition(&cs, "InfrastructureReady").map(|c| c.reason.as_str()),
            Some("LoadBalancerTimeout")
        );
        assert!(conditions_of(&serde_json::json!({})).is_empty());
    }

    #[test]
    fn kinds() {
        assert_eq!(known_kind("cluster").map(|k| k.plural), Some("clusters"));
        assert_eq!(
            known_kind("openstackcluster").map(|k| k.group),
            Some("infrastructure.cluster.x-k8s.io")
        );
        assert!(known_kind("pods").is_none());
    }
}
