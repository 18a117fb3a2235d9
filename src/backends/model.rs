//! The records backends return. Field names are what procedures write
//! (`server.status`, `lb.provisioning_status`, `hv.memory_mb_used`).
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Server {
    pub id: String,
    pub name: String,
    /// ACTIVE, SHUTOFF, ERROR, BUILD, ...
    pub status: String,
    pub project_id: String,
    /// Image name when known (amphorae run `amphora-haproxy`).
    pub image: String,
    pub flavor: String,
    /// Compute host, visible to admins.
    pub host: String,
    /// Every fixed and floating address.
    pub addresses: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadBalancer {
    pub id: String,
    pub name: String,
    /// ACTIVE, ERROR, PENDING_UPDATE, ...
    pub provisioning_status: String,
    /// ONLINE, OFFLINE, DEGRADED, ERROR, NO_MONITOR
    pub operating_status: String,
    pub vip_address: String,
    pub project_id: String,
    /// SINGLE (STANDALONE) or ACTIVE_STANDBY.
    pub topology: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Amphora {
    pub id: String,
    pub loadbalancer_id: String,
    /// The Nova server id backing this amphora.
    pub compute_id: String,
    /// ALLOCATED, BOOTING, ERROR, DELETED, ...
    pub status: String,
    /// STANDALONE, MASTER, BACKUP.
    pub role: String,
    pub lb_network_ip: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hypervisor {
    pub hostname: String,
    /// Physical memory.
    pub memory_mb: i64,
    pub memory_mb_used: i64,
    pub ram_allocation_ratio: f64,
    pub reserved_host_memory_mb: i64,
    pub vcpus: i64,
    pub vcpus_used: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoeCluster {
    pub name: String,
    pub uuid: String,
    pub status: String,
    /// HEALTHY, UNHEALTHY, UNKNOWN.
    pub health_status: String,
    /// Component -> state, as Magnum reports it; empty when the conductor
    /// cannot reach the management cluster.
    pub health_status_reason: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub name: String,
    pub ready: bool,
    pub roles: Vec<String>,
    pub internal_ip: String,
    pub kubelet_version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pod {
    pub namespace: String,
    pub name: String,
    /// Running, Pending, Succeeded, Failed, Unknown.
    pub phase: String,
    pub ready: bool,
    pub restarts: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    /// "True", "False" or "Unknown", as Kubernetes writes it.
    pub status: String,
    pub reason: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KubeObject {
    pub kind: String,
    pub name: String,
    pub namespace: String,
    /// `status.phase` when the kind has one (Machines: Running, Provisioning...).
    pub phase: String,
    pub conditions: Vec<Condition>,
    /// `metadata.labels`.
    #[serde(default)]
    pub labels: serde_json::Map<String, serde_json::Value>,
    /// `spec`, as the server sent it (empty for kinds without one).
    #[serde(default)]
    pub spec: serde_json::Map<String, serde_json::Value>,
    /// `status`, as the server sent it.
    #[serde(default)]
    pub status: serde_json::Map<String, serde_json::Value>,
}

/// What `kube.drain` did: evictions honour PodDisruptionBudgets, so a drain
/// can end with pods still on the node when its bound runs out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Drain {
    /// Every pod that had to leave did.
    pub drained: bool,
    /// `namespace/name` of each pod evicted.
    pub evicted: Vec<String>,
    /// Pods still on the node that should have left (blocked by a budget, or refused).
    pub remaining: Vec<String>,
    /// Pods left in place by design (DaemonSet and mirror pods).
    pub skipped: Vec<String>,
    /// Eviction requests sent, refused ones included.
    pub attempts: i64,
    /// The last refusal (a PodDisruptionBudget's message), or empty.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SshOutput {
    pub stdout: String,
    pub stderr: String,
    pub exit: i64,
}
