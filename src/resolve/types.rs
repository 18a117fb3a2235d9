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
        "status": Ty::Str, "ACTIVE, SHUTOFF, ERROR, BUILD, ...";
        "project_id": Ty::Str, "Owning project.";
        "image": Ty::Str, "Image name (amphorae run `amphora-haproxy`).";
        "flavor": Ty::Str, "Flavor name.";
        "host": Ty::Str, "Compute host (admins only).";
        "addresses": Ty::List(&STR), "Fixed and floating addresses.";
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
    });
    record!(HYPERVISOR, "Hypervisor", "A compute host's memory and CPU figures.", {
        "hostname": Ty::Str, "Host name.";
        "memory_mb": Ty::Int, "Physical memory, MB.";
        "memory_mb_used": Ty::Int, "Memory allocated to instances plus the reserve, MB.";
        "ram_allocation_ratio": Ty::Float, "Placement's overcommit ratio.";
        "reserved_host_memory_mb": Ty::Int, "Memory reserved for the host, MB.";
        "vcpus": Ty::Int, "Physical CPUs.";
        "vcpus_used": Ty::Int, "CPUs allocated.";
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
