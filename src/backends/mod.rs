//! Backends: what the interpreter calls to act on the world.
//!
//! One trait per family. Real implementations talk to OpenStack (REST via
//! reqwest), Kubernetes (kube), ssh (openssh) and TCP; under `--sim` the
//! OpenStack and kube calls go through the *same* real clients over loopback
//! HTTP to the in-process simulated cloud, while ssh, tcp and local files are
//! answered by the simulator directly (`sim.rs`). Fakes for unit tests are a
//! third implementation.
//!
//! Results are plain serialisable records (`model`); the interpreter turns
//! them into its values with serde, so field names here are the names
//! procedures use (`server.status`, `lb.provisioning_status`).
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

pub mod error;
pub mod kube;
pub mod kube_discovery;
pub mod local;
pub mod maintenance;
pub mod model;
pub mod openstack;
pub mod retry;
pub mod sim;
pub mod ssh;
pub mod tcp;
pub mod tls;

pub use error::CallError;
pub use maintenance::OsOp;
pub use model::*;

/// Credentials for one `scope openstack(...)` block.
///
/// The seed's `source admin-openrc; unset OS_PROJECT_*; export
/// OS_PROJECT_ID=...` dance, done right: admin credentials, narrowed to one
/// project when `project_id` (or `project_name`) is set; admin scope otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct OpenStackScope {
    /// Narrow to this project id.
    pub project_id: Option<String>,
    /// Narrow to this project name (with `project_domain`, default "Default").
    pub project_name: Option<String>,
    pub project_domain: Option<String>,
    /// Read credentials from this openrc file (its `export` lines; never executed).
    pub openrc: Option<PathBuf>,
    /// Read credentials from this clouds.yaml entry.
    pub cloud: Option<String>,
}

/// One `scope kube(...)` block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct KubeScope {
    /// Kubeconfig path; `KUBECONFIG` / `~/.kube/config` when unset.
    pub kubeconfig: Option<PathBuf>,
}

/// How to treat a host key we have not seen before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum KnownHostsPolicy {
    /// Refuse unknown or changed host keys (the default).
    #[default]
    Strict,
    /// Accept and record a new host key; refuse a changed one.
    AcceptNew,
}

/// One `scope ssh(...)` block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SshScope {
    pub host: String,
    pub port: u16,
    pub user: String,
    /// Private key file (never read by rbk; passed to ssh).
    pub key: Option<PathBuf>,
    pub known_hosts: KnownHostsPolicy,
    /// A known_hosts file to use instead of the user's.
    pub known_hosts_file: Option<PathBuf>,
    pub connect_timeout: Duration,
}

#[async_trait]
pub trait OpenStack: Send + Sync {
    async fn server_start(&self, scope: &OpenStackScope, server: &str) -> Result<(), CallError>;
    async fn server_stop(&self, scope: &OpenStackScope, server: &str) -> Result<(), CallError>;
    /// `server` is a name or an id, resolved as the CLI does.
    async fn server_show(&self, scope: &OpenStackScope, server: &str) -> Result<Server, CallError>;
    async fn server_list(
        &self,
        scope: &OpenStackScope,
        all_projects: bool,
    ) -> Result<Vec<Server>, CallError>;
    /// By id only: name lookup is project-scoped, so deleting by name in
    /// admin scope can hit the wrong server (the seed's warning).
    async fn server_delete(&self, scope: &OpenStackScope, id: &str) -> Result<(), CallError>;
    async fn loadbalancer_list(
        &self,
        scope: &OpenStackScope,
    ) -> Result<Vec<LoadBalancer>, CallError>;
    async fn loadbalancer_show(
        &self,
        scope: &OpenStackScope,
        id: &str,
    ) -> Result<LoadBalancer, CallError>;
    async fn loadbalancer_failover(
        &self,
        scope: &OpenStackScope,
        id: &str,
    ) -> Result<(), CallError>;
    async fn amphora_list(&self, scope: &OpenStackScope) -> Result<Vec<Amphora>, CallError>;
    /// Memory figures per compute host (Nova < 2.88, or Placement).
    async fn hypervisor_list(&self, scope: &OpenStackScope) -> Result<Vec<Hypervisor>, CallError>;
    async fn coe_cluster_show(
        &self,
        scope: &OpenStackScope,
        name: &str,
    ) -> Result<CoeCluster, CallError>;
    /// A maintenance operation; `call` is the builtin, for errors. The
    /// answer is the serialized record(s) the builtin table names.
    async fn maintain(
        &self,
        scope: &OpenStackScope,
        call: &'static str,
        op: &OsOp,
    ) -> Result<serde_json::Value, CallError>;
}

/// Which objects a `kube.list` returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KubeSelector {
    /// Empty: every namespace.
    pub namespace: String,
    /// Label selector, as kubectl's `-l`.
    pub labels: String,
    /// Field selector, as kubectl's `--field-selector`.
    pub fields: String,
}

/// The bound and choices of one `kube.drain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrainOptions {
    /// Stop retrying refused evictions (and waiting for pods to go) after this long.
    pub timeout: Duration,
    /// Wait between rounds of refused evictions (kubectl: 5 s).
    pub retry_every: Duration,
    pub ignore_daemonsets: bool,
    pub delete_emptydir_data: bool,
    pub force: bool,
}

/// Kubernetes. `kind` arguments are a kind, plural or short name
/// (`deployment`, `pods`, `pdb`), or `plural.group`, found by discovery;
/// an empty namespace means `default` for namespaced kinds.
#[async_trait]
pub trait Kube: Send + Sync {
    async fn nodes(&self, scope: &KubeScope) -> Result<Vec<KubeNode>, CallError>;
    /// Pods in one namespace, or in all namespaces when `namespace` is None.
    async fn pods(&self, scope: &KubeScope, namespace: Option<&str>)
        -> Result<Vec<Pod>, CallError>;
    async fn get(
        &self,
        scope: &KubeScope,
        kind: &str,
        name: &str,
        namespace: &str,
    ) -> Result<KubeObject, CallError>;
    async fn list(
        &self,
        scope: &KubeScope,
        kind: &str,
        selector: &KubeSelector,
    ) -> Result<Vec<KubeObject>, CallError>;
    /// Server-side apply of a whole object.
    async fn apply(
        &self,
        scope: &KubeScope,
        manifest: &serde_json::Value,
        field_manager: &str,
        force: bool,
    ) -> Result<KubeObject, CallError>;
    /// `strategy` is `merge` or `strategic`.
    async fn patch(
        &self,
        scope: &KubeScope,
        target: (&str, &str, &str),
        patch: &serde_json::Value,
        strategy: &str,
    ) -> Result<KubeObject, CallError>;
    async fn delete(
        &self,
        scope: &KubeScope,
        kind: &str,
        name: &str,
        namespace: &str,
    ) -> Result<(), CallError>;
    async fn scale(
        &self,
        scope: &KubeScope,
        target: (&str, &str, &str),
        replicas: i64,
    ) -> Result<(), CallError>;
    async fn rollout_restart(
        &self,
        scope: &KubeScope,
        kind: &str,
        name: &str,
        namespace: &str,
    ) -> Result<(), CallError>;
    /// Cordon (`unschedulable`) or uncordon a node.
    async fn cordon(
        &self,
        scope: &KubeScope,
        node: &str,
        unschedulable: bool,
    ) -> Result<(), CallError>;
    async fn drain(
        &self,
        scope: &KubeScope,
        node: &str,
        options: &DrainOptions,
    ) -> Result<Drain, CallError>;
    /// `tail` < 0: every line.
    async fn logs(
        &self,
        scope: &KubeScope,
        pod: &str,
        namespace: &str,
        container: &str,
        tail: i64,
    ) -> Result<String, CallError>;
}

#[async_trait]
pub trait Ssh: Send + Sync {
    /// Run one command; stdin is never inherited (the seed's `</dev/null` trap).
    async fn run(
        &self,
        scope: &SshScope,
        command: &str,
        timeout: Duration,
    ) -> Result<SshOutput, CallError>;
}

#[async_trait]
pub trait Tcp: Send + Sync {
    /// Can a TCP connection to host:port be opened within `timeout`?
    async fn probe(&self, host: &str, port: u16, timeout: Duration) -> Result<bool, CallError>;
}

/// Files on the operator's machine (the seed's kubeconfig re-emit).
#[async_trait]
pub trait Local: Send + Sync {
    async fn file_exists(&self, path: &str) -> Result<bool, CallError>;
    async fn file_write(&self, path: &str, content: &str) -> Result<(), CallError>;
}

/// The set of backends one run uses, chosen at start.
#[derive(Clone)]
pub struct Backends {
    pub openstack: Arc<dyn OpenStack>,
    pub kube: Arc<dyn Kube>,
    pub ssh: Arc<dyn Ssh>,
    pub tcp: Arc<dyn Tcp>,
    pub local: Arc<dyn Local>,
}

impl Backends {
    /// The real backends for a run against real clouds (or `rbk sim serve`):
    /// OpenStack credentials found through `openstack` (its `cloud` is
    /// `--cloud`), tokens and retry backoff timed on `clock`, ssh through the
    /// system client, real TCP and local files.
    pub fn real(openstack: openstack::OpenStackConfig, clock: crate::clock::Clock) -> Self {
        Backends {
            openstack: Arc::new(openstack::RealOpenStack::new(openstack, clock.clone())),
            kube: Arc::new(
                kube::RealKube::new(clock)
                    .with_discovery_cache(kube_discovery::DiskCache::default_root()),
            ),
            ssh: Arc::new(ssh::RealSsh::new()),
            tcp: Arc::new(tcp::RealTcp),
            local: Arc::new(local::RealLocal),
        }
    }
}
