//! The types of rbk values, in a form the static builtin table can hold.
use std::fmt;

/// A type as the checker sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ty {
    /// Anything: the checker does not look further.
    Any,
    /// `none`; what actions return.
    Null,
    Bool,
    Int,
    Float,
    Str,
    Duration,
    List(&'static Ty),
    /// A string-keyed map (Magnum's `health_status_reason`).
    Map,
    Record(&'static RecordDef),
}

/// A record returned by a builtin: named, typed fields.
#[derive(Debug, PartialEq)]
pub struct RecordDef {
    pub name: &'static str,
    pub doc: &'static str,
    pub fields: &'static [FieldDef],
}

#[derive(Debug, PartialEq)]
pub struct FieldDef {
    pub name: &'static str,
    pub ty: Ty,
    pub doc: &'static str,
}

impl RecordDef {
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }
}

impl Ty {
    /// Is a value of type `self` acceptable where `want` is expected?
    pub fn fits(self, want: Ty) -> bool {
        match (self, want) {
            (Ty::Any, _) | (_, Ty::Any) => true,
            (Ty::Int, Ty::Float) => true,
            (Ty::List(a), Ty::List(b)) => a.fits(*b),
            (Ty::Record(a), Ty::Record(b)) => a.name == b.name,
            (a, b) => std::mem::discriminant(&a) == std::mem::discriminant(&b),
        }
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, Ty::Int | Ty::Float | Ty::Any)
    }

    /// The element type when iterating over a value of this type.
    pub fn element(self) -> Option<Ty> {
        match self {
            Ty::List(t) => Some(*t),
            Ty::Any => Some(Ty::Any),
            Ty::Map | Ty::Str => Some(Ty::Str),
            _ => None,
        }
    }

    /// The type names authors write in `param` and `site` declarations.
    pub fn from_name(name: &str) -> Option<Ty> {
        Some(match name {
            "str" | "string" => Ty::Str,
            "int" => Ty::Int,
            "float" => Ty::Float,
            "bool" => Ty::Bool,
            "duration" => Ty::Duration,
            "any" => Ty::Any,
            "map" => Ty::Map,
            _ => return records::by_name(name).map(Ty::Record),
        })
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Any => f.write_str("any"),
            Ty::Null => f.write_str("none"),
            Ty::Bool => f.write_str("bool"),
            Ty::Int => f.write_str("int"),
            Ty::Float => f.write_str("float"),
            Ty::Str => f.write_str("str"),
            Ty::Duration => f.write_str("duration"),
            Ty::List(t) => write!(f, "list[{t}]"),
            Ty::Map => f.write_str("map"),
            Ty::Record(r) => f.write_str(r.name),
        }
    }
}

/// The records builtins return; they mirror `backends::model`.
pub mod records {
    use super::{FieldDef, RecordDef, Ty};

    macro_rules! record {
        ($id:ident, $name:literal, $doc:literal, { $($f:literal : $t:expr, $fdoc:literal;)* }) => {
            pub static $id: RecordDef = RecordDef {
                name: $name,
                doc: $doc,
                fields: &[ $( FieldDef { name: $f, ty: $t, doc: $fdoc }, )* ],
            };
        };
    }

    static STR: Ty = Ty::Str;
    static CONDITION_TY: Ty = Ty::Record(&CONDITION);

    record!(SERVER, "Server", "A Nova server.", {
        "id": Ty::Str, "Server UUID.";
        "name": Ty::Str, "Server name.";
        "status": Ty::Str, "ACTIVE, SHUTOFF, ERROR, BUILD, MIGRATING, RESIZE, VERIFY_RESIZE, REBOOT, HARD_REBOOT, ...";
        "project_id": Ty::Str, "Owning project.";
        "image": Ty::Str, "Image name (amphorae run `amphora-haproxy`).";
        "flavor": Ty::Str, "Flavor name.";
        "host": Ty::Str, "Compute host (admins only).";
        "addresses": Ty::List(&STR), "Fixed and floating addresses.";
        "ram_mb": Ty::Int, "Its flavor's RAM, MB (0 before Nova 2.47).";
    });
    record!(LOAD_BALANCER, "LoadBalancer", "An Octavia load balancer.", {
        "id": Ty::Str, "Load balancer UUID.";
        "name": Ty::Str, "Name.";
        "provisioning_status": Ty::Str, "ACTIVE, ERROR, PENDING_UPDATE, ...";
        "operating_status": Ty::Str, "ONLINE, OFFLINE, DEGRADED, ERROR, NO_MONITOR.";
        "vip_address": Ty::Str, "The VIP.";
        "project_id": Ty::Str, "Owning project.";
        "topology": Ty::Str, "SINGLE (one STANDALONE amphora) or ACTIVE_STANDBY.";
    });
    record!(AMPHORA, "Amphora", "An Octavia amphora, as Octavia's database knows it.", {
        "id": Ty::Str, "Amphora UUID (the Nova server is named `amphora-<id>`).";
        "loadbalancer_id": Ty::Str, "The load balancer it serves.";
        "compute_id": Ty::Str, "The Nova server backing it.";
        "status": Ty::Str, "ALLOCATED, BOOTING, ERROR, DELETED, ...";
        "role": Ty::Str, "STANDALONE, MASTER or BACKUP.";
        "lb_network_ip": Ty::Str, "Address on the management network.";
        "image_id": Ty::Str, "The Glance image it was built from.";
    });
    record!(HYPERVISOR, "Hypervisor", "A compute host's memory and CPU figures.", {
        "hostname": Ty::Str, "Hypervisor host name (often the FQDN).";
        "host": Ty::Str, "Compute service host, as a server's `host` shows it.";
        "status": Ty::Str, "enabled or disabled (its nova-compute service).";
        "state": Ty::Str, "up or down.";
        "running_vms": Ty::Int, "Servers on it.";
        "memory_mb": Ty::Int, "Physical memory, MB.";
        "memory_mb_used": Ty::Int, "Memory allocated to instances plus the reserve, MB.";
        "ram_allocation_ratio": Ty::Float, "Placement's overcommit ratio.";
        "reserved_host_memory_mb": Ty::Int, "Memory reserved for the host, MB.";
        "vcpus": Ty::Int, "Physical CPUs.";
        "vcpus_used": Ty::Int, "CPUs allocated.";
    });
    record!(COMPUTE_SERVICE, "ComputeService", "A Nova service.", {
        "id": Ty::Str, "Service id (a UUID from Nova 2.53).";
        "host": Ty::Str, "Host it runs on.";
        "binary": Ty::Str, "nova-compute, nova-scheduler, nova-conductor.";
        "zone": Ty::Str, "Availability zone (`internal` for control services).";
        "status": Ty::Str, "enabled or disabled.";
        "state": Ty::Str, "up or down.";
        "disabled_reason": Ty::Str, "Why it was disabled; \"\" when enabled.";
    });
    record!(VOLUME, "Volume", "A Cinder volume.", {
        "id": Ty::Str, "Volume UUID.";
        "name": Ty::Str, "Name.";
        "status": Ty::Str, "available, in-use, detaching, error, ...";
        "size_gb": Ty::Int, "Size, GB.";
        "attached_to": Ty::List(&STR), "Server ids it is attached to.";
        "multiattach": Ty::Bool, "May be attached to several servers.";
        "project_id": Ty::Str, "Owning project (admins only).";
    });
    record!(NETWORK, "Network", "A Neutron network.", {
        "id": Ty::Str, "Network UUID.";
        "name": Ty::Str, "Name.";
        "status": Ty::Str, "ACTIVE, DOWN, ...";
        "external": Ty::Bool, "router:external.";
        "subnets": Ty::List(&STR), "Subnet ids.";
        "project_id": Ty::Str, "Owning project.";
    });
    record!(PORT, "Port", "A Neutron port.", {
        "id": Ty::Str, "Port UUID.";
        "name": Ty::Str, "Name.";
        "network_id": Ty::Str, "Its network.";
        "device_id": Ty::Str, "The server (or router, load balancer) it belongs to.";
        "device_owner": Ty::Str, "compute:nova, network:router_interface, ...";
        "fixed_ips": Ty::List(&STR), "Its addresses.";
        "mac_address": Ty::Str, "MAC address.";
        "status": Ty::Str, "ACTIVE, DOWN, BUILD.";
    });
    record!(FLOATING_IP, "FloatingIp", "A Neutron floating IP.", {
        "id": Ty::Str, "Floating IP UUID.";
        "floating_ip_address": Ty::Str, "The public address.";
        "fixed_ip_address": Ty::Str, "The address it maps to; \"\" when unassociated.";
        "port_id": Ty::Str, "The port it maps to; \"\" when unassociated.";
        "status": Ty::Str, "ACTIVE or DOWN.";
        "project_id": Ty::Str, "Owning project.";
    });
    record!(LISTENER, "Listener", "An Octavia listener.", {
        "id": Ty::Str, "Listener UUID.";
        "name": Ty::Str, "Name.";
        "loadbalancer_id": Ty::Str, "Its load balancer.";
        "protocol": Ty::Str, "TCP, HTTP, HTTPS, UDP, ...";
        "protocol_port": Ty::Int, "Port it listens on.";
        "default_pool_id": Ty::Str, "The pool it sends to.";
        "provisioning_status": Ty::Str, "ACTIVE, ERROR, PENDING_UPDATE, ...";
        "operating_status": Ty::Str, "ONLINE, OFFLINE, DEGRADED, ERROR.";
    });
    record!(POOL, "Pool", "An Octavia pool.", {
        "id": Ty::Str, "Pool UUID.";
        "name": Ty::Str, "Name.";
        "loadbalancer_id": Ty::Str, "Its load balancer.";
        "protocol": Ty::Str, "TCP, HTTP, ...";
        "lb_algorithm": Ty::Str, "ROUND_ROBIN, LEAST_CONNECTIONS, SOURCE_IP.";
        "provisioning_status": Ty::Str, "ACTIVE, ERROR, ...";
        "operating_status": Ty::Str, "ONLINE, DEGRADED, ERROR, ...";
    });
    record!(MEMBER, "Member", "A member (backend) of an Octavia pool.", {
        "id": Ty::Str, "Member UUID.";
        "name": Ty::Str, "Name.";
        "address": Ty::Str, "Backend address.";
        "protocol_port": Ty::Int, "Backend port.";
        "weight": Ty::Int, "Share of the traffic.";
        "provisioning_status": Ty::Str, "ACTIVE, ERROR, ...";
        "operating_status": Ty::Str, "ONLINE, OFFLINE, ERROR, NO_MONITOR.";
    });
    record!(NODE_GROUP, "NodeGroup", "A Magnum node group.", {
        "uuid": Ty::Str, "Node group UUID.";
        "name": Ty::Str, "Name (default-master, default-worker, ...).";
        "role": Ty::Str, "master or worker.";
        "node_count": Ty::Int, "Nodes now.";
        "min_node_count": Ty::Int, "Lower bound.";
        "max_node_count": Ty::Int, "Upper bound; 0 when unbounded.";
        "flavor_id": Ty::Str, "Flavor of its nodes.";
        "image_id": Ty::Str, "Image of its nodes.";
        "status": Ty::Str, "CREATE_COMPLETE, UPDATE_IN_PROGRESS, ...";
        "is_default": Ty::Bool, "One of the cluster's default groups.";
    });
    record!(RESOURCE_PROVIDER, "ResourceProvider", "A Placement resource provider (one per compute node).", {
        "uuid": Ty::Str, "Provider UUID (the hypervisor id from Nova 2.53).";
        "name": Ty::Str, "Name (the hypervisor host name).";
        "generation": Ty::Int, "Changes whenever its inventory or usage does.";
    });
    record!(INVENTORY, "Inventory", "One resource class of a Placement provider, with its usage.", {
        "resource_class": Ty::Str, "MEMORY_MB, VCPU, DISK_GB, ...";
        "total": Ty::Int, "Physical amount.";
        "reserved": Ty::Int, "Kept for the host.";
        "allocation_ratio": Ty::Float, "Overcommit ratio.";
        "used": Ty::Int, "Allocated to consumers.";
        "free": Ty::Int, "What the scheduler can still place: (total - reserved) * ratio - used.";
    });
    record!(COE_CLUSTER, "CoeCluster", "A Magnum cluster.", {
        "name": Ty::Str, "Cluster name.";
        "uuid": Ty::Str, "Cluster UUID.";
        "status": Ty::Str, "CREATE_COMPLETE, UPDATE_FAILED, ...";
        "health_status": Ty::Str, "HEALTHY, UNHEALTHY or UNKNOWN.";
        "health_status_reason": Ty::Map, "Component -> state; empty when the conductor cannot reach the management cluster.";
    });
    record!(NODE, "Node", "A Kubernetes node.", {
        "name": Ty::Str, "Node name.";
        "ready": Ty::Bool, "The Ready condition is True.";
        "roles": Ty::List(&STR), "Node roles.";
        "internal_ip": Ty::Str, "InternalIP address.";
        "kubelet_version": Ty::Str, "Kubelet version.";
    });
    record!(POD, "Pod", "A Kubernetes pod.", {
        "namespace": Ty::Str, "Namespace.";
        "name": Ty::Str, "Pod name.";
        "phase": Ty::Str, "Running, Pending, Succeeded, Failed, Unknown.";
        "ready": Ty::Bool, "Every container is ready.";
        "restarts": Ty::Int, "Container restarts, summed.";
    });
    record!(CONDITION, "Condition", "A Kubernetes status condition.", {
        "type": Ty::Str, "Condition type (Ready, Available, InfrastructureReady, ...).";
        "status": Ty::Str, "\"True\", \"False\" or \"Unknown\".";
        "reason": Ty::Str, "Machine-readable reason.";
        "message": Ty::Str, "Human-readable message.";
    });
    record!(KUBE_OBJECT, "KubeObject", "A Kubernetes object of any kind, with its conditions.", {
        "kind": Ty::Str, "Kind (Cluster, OpenStackCluster, Machine, ...).";
        "name": Ty::Str, "Object name.";
        "namespace": Ty::Str, "Namespace.";
        "phase": Ty::Str, "`status.phase` when the kind has one.";
        "conditions": Ty::List(&CONDITION_TY), "`status.conditions`.";
        "labels": Ty::Map, "`metadata.labels`.";
        "spec": Ty::Map, "`spec` as the API server sent it (`o.spec.replicas`, `o.spec.unschedulable`).";
        "status": Ty::Map, "`status` as the API server sent it (`o.status.readyReplicas`).";
    });
    record!(DRAIN, "Drain", "What `kube.drain` did (evictions honour PodDisruptionBudgets).", {
        "drained": Ty::Bool, "Every pod that had to leave the node did.";
        "evicted": Ty::List(&STR), "`namespace/name` of each pod evicted.";
        "remaining": Ty::List(&STR), "Pods still on the node that should have left when the bound ran out.";
        "skipped": Ty::List(&STR), "Pods left in place by design (DaemonSet and mirror pods).";
        "attempts": Ty::Int, "Eviction requests sent, refused ones included.";
        "message": Ty::Str, "The last refusal (a PodDisruptionBudget's message), or empty.";
    });
    record!(SSH_OUTPUT, "SshOutput", "What a command run over ssh printed, and how it ended.", {
        "stdout": Ty::Str, "Standard output.";
        "stderr": Ty::Str, "Standard error.";
        "exit": Ty::Int, "Exit status (non-zero is not an error by itself).";
    });

    pub static ALL: &[&RecordDef] = &[
        &SERVER,
        &LOAD_BALANCER,
        &AMPHORA,
        &HYPERVISOR,
        &COMPUTE_SERVICE,
        &VOLUME,
        &NETWORK,
        &PORT,
        &FLOATING_IP,
        &RESOURCE_PROVIDER,
        &LISTENER,
        &POOL,
        &MEMBER,
        &NODE_GROUP,
        &INVENTORY,
        &COE_CLUSTER,
        &NODE,
        &POD,
        &CONDITION,
        &KUBE_OBJECT,
        &DRAIN,
        &SSH_OUTPUT,
    ];

    pub fn by_name(name: &str) -> Option<&'static RecordDef> {
        ALL.iter().copied().find(|r| r.name == name)
    }
}
