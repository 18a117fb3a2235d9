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
    /// The flavor's RAM (0 before Nova 2.47, where servers embed their flavor).
    pub ram_mb: i64,
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
    /// The Glance image it was built from (a rotation moves it).
    pub image_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hypervisor {
    pub hostname: String,
    /// The compute service's host name, as servers' `host` shows it.
    pub host: String,
    /// enabled or disabled: its nova-compute service.
    pub status: String,
    /// up or down.
    pub state: String,
    pub running_vms: i64,
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

/// A Nova service (`openstack compute service list`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComputeService {
    pub id: String,
    pub host: String,
    /// nova-compute, nova-scheduler, nova-conductor.
    pub binary: String,
    pub zone: String,
    /// enabled or disabled.
    pub status: String,
    /// up or down.
    pub state: String,
    pub disabled_reason: String,
}

/// A Cinder volume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Volume {
    pub id: String,
    pub name: String,
    /// available, in-use, detaching, deleting, error, ...
    pub status: String,
    pub size_gb: i64,
    /// Server ids it is attached to.
    pub attached_to: Vec<String>,
    pub multiattach: bool,
    pub project_id: String,
}

/// A Neutron network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Network {
    pub id: String,
    pub name: String,
    pub status: String,
    pub external: bool,
    pub subnets: Vec<String>,
    pub project_id: String,
}

/// A Neutron port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Port {
    pub id: String,
    pub name: String,
    pub network_id: String,
    /// The server (or other owner) it belongs to.
    pub device_id: String,
    pub device_owner: String,
    pub fixed_ips: Vec<String>,
    pub mac_address: String,
    pub status: String,
}

/// A Neutron floating IP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FloatingIp {
    pub id: String,
    pub floating_ip_address: String,
    pub fixed_ip_address: String,
    pub port_id: String,
    pub status: String,
    pub project_id: String,
}

/// An Octavia listener.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listener {
    pub id: String,
    pub name: String,
    pub loadbalancer_id: String,
    pub protocol: String,
    pub protocol_port: i64,
    pub default_pool_id: String,
    pub provisioning_status: String,
    pub operating_status: String,
}

/// An Octavia pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pool {
    pub id: String,
    pub name: String,
    pub loadbalancer_id: String,
    pub protocol: String,
    pub lb_algorithm: String,
    pub provisioning_status: String,
    pub operating_status: String,
}

/// A member of an Octavia pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub address: String,
    pub protocol_port: i64,
    pub weight: i64,
    pub provisioning_status: String,
    pub operating_status: String,
}

/// A Magnum node group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeGroup {
    pub uuid: String,
    pub name: String,
    /// master or worker.
    pub role: String,
    pub node_count: i64,
    pub min_node_count: i64,
    /// 0 when unbounded.
    pub max_node_count: i64,
    pub flavor_id: String,
    pub image_id: String,
    pub status: String,
    pub is_default: bool,
}

/// A Placement resource provider (one per compute node).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceProvider {
    pub uuid: String,
    pub name: String,
    pub generation: i64,
}

/// One resource class of a provider: its inventory and what is used of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    /// MEMORY_MB, VCPU, DISK_GB, ...
    pub resource_class: String,
    pub total: i64,
    pub reserved: i64,
    pub allocation_ratio: f64,
    /// The usage, from the provider's usages.
    pub used: i64,
    /// What the scheduler can still place: total * ratio - reserved - used.
    pub free: i64,
}
