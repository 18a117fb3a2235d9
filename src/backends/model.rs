//! The records builtins return, declared once: each declaration below is
//! both the Rust struct a backend fills in (serde, so field names are what
//! procedures write: `server.status`, `lb.provisioning_status`) and the
//! [`RecordDef`] the checker, the renderer and the book read (the field's
//! rbk type comes from its Rust type through [`RbkType`]).
use serde::{Deserialize, Serialize};

use crate::resolve::types::{FieldDef, RecordDef, Ty};

/// The rbk type of a record field's Rust type.
pub trait RbkType {
    const TY: Ty;
}

impl RbkType for String {
    const TY: Ty = Ty::Str;
}
impl RbkType for i64 {
    const TY: Ty = Ty::Int;
}
impl RbkType for f64 {
    const TY: Ty = Ty::Float;
}
impl RbkType for bool {
    const TY: Ty = Ty::Bool;
}
impl RbkType for serde_json::Map<String, serde_json::Value> {
    const TY: Ty = Ty::Map;
}
impl RbkType for Vec<String> {
    const TY: Ty = Ty::List(&Ty::Str);
}
impl RbkType for Vec<Condition> {
    const TY: Ty = Ty::List(&CONDITION_TY);
}
static CONDITION_TY: Ty = Ty::Record(&CONDITION);

/// `records! { DEF Name "doc" { field: Type, "doc"; ... } ... }` declares
/// the struct `Name` and its definition `DEF`. `field = "name": Type` when
/// the rbk name is a Rust keyword (`type`); `#[serde(...)]` before a field
/// is kept.
macro_rules! records {
    ($(
        $def:ident $name:ident $doc:literal {
            $( $(#[$fattr:meta])* $field:ident $(= $rename:literal)? : $t:ty, $fdoc:literal; )*
        }
    )*) => {
        $(
            #[doc = $doc]
            #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
            pub struct $name {
                $(
                    #[doc = $fdoc]
                    $(#[$fattr])*
                    $(#[serde(rename = $rename)])?
                    pub $field: $t,
                )*
            }

            #[doc = concat!("The definition of [`", stringify!($name), "`] for the checker and the book.")]
            pub static $def: RecordDef = RecordDef {
                name: stringify!($name),
                doc: $doc,
                fields: &[ $( FieldDef {
                    name: records!(@name $field $($rename)?),
                    ty: <$t as RbkType>::TY,
                    doc: $fdoc,
                }, )* ],
            };
        )*

        /// Every record, in the order the book lists them.
        pub static ALL: &[&RecordDef] = &[ $( &$def, )* ];
    };
    (@name $field:ident) => { stringify!($field) };
    (@name $field:ident $rename:literal) => { $rename };
}

records! {
    SERVER Server "A Nova server." {
        id: String, "Server UUID.";
        name: String, "Server name.";
        status: String, "ACTIVE, SHUTOFF, ERROR, BUILD, ...";
        project_id: String, "Owning project.";
        image: String, "Image name (amphorae run `amphora-haproxy`).";
        flavor: String, "Flavor name.";
        host: String, "Compute host (admins only).";
        addresses: Vec<String>, "Fixed and floating addresses.";
    }
    LOAD_BALANCER LoadBalancer "An Octavia load balancer." {
        id: String, "Load balancer UUID.";
        name: String, "Name.";
        provisioning_status: String, "ACTIVE, ERROR, PENDING_UPDATE, ...";
        operating_status: String, "ONLINE, OFFLINE, DEGRADED, ERROR, NO_MONITOR.";
        vip_address: String, "The VIP.";
        project_id: String, "Owning project.";
        topology: String, "SINGLE (one STANDALONE amphora) or ACTIVE_STANDBY.";
    }
    AMPHORA Amphora "An Octavia amphora, as Octavia's database knows it." {
        id: String, "Amphora UUID (the Nova server is named `amphora-<id>`).";
        loadbalancer_id: String, "The load balancer it serves.";
        compute_id: String, "The Nova server backing it.";
        status: String, "ALLOCATED, BOOTING, ERROR, DELETED, ...";
        role: String, "STANDALONE, MASTER or BACKUP.";
        lb_network_ip: String, "Address on the management network.";
    }
    HYPERVISOR Hypervisor "A compute host's memory and CPU figures." {
        hostname: String, "Host name.";
        memory_mb: i64, "Physical memory, MB.";
        memory_mb_used: i64, "Memory allocated to instances plus the reserve, MB.";
        ram_allocation_ratio: f64, "Placement's overcommit ratio.";
        reserved_host_memory_mb: i64, "Memory reserved for the host, MB.";
        vcpus: i64, "Physical CPUs.";
        vcpus_used: i64, "CPUs allocated.";
    }
    COE_CLUSTER CoeCluster "A Magnum cluster." {
        name: String, "Cluster name.";
        uuid: String, "Cluster UUID.";
        status: String, "CREATE_COMPLETE, UPDATE_FAILED, ...";
        health_status: String, "HEALTHY, UNHEALTHY or UNKNOWN.";
        health_status_reason: serde_json::Map<String, serde_json::Value>, "Component -> state; empty when the conductor cannot reach the management cluster.";
    }
    NODE Node "A Kubernetes node." {
        name: String, "Node name.";
        ready: bool, "The Ready condition is True.";
        roles: Vec<String>, "Node roles.";
        internal_ip: String, "InternalIP address.";
        kubelet_version: String, "Kubelet version.";
    }
    POD Pod "A Kubernetes pod." {
        namespace: String, "Namespace.";
        name: String, "Pod name.";
        phase: String, "Running, Pending, Succeeded, Failed, Unknown.";
        ready: bool, "Every container is ready.";
        restarts: i64, "Container restarts, summed.";
    }
    CONDITION Condition "A Kubernetes status condition." {
        type_ = "type": String, "Condition type (Ready, Available, InfrastructureReady, ...).";
        status: String, "\"True\", \"False\" or \"Unknown\".";
        reason: String, "Machine-readable reason.";
        message: String, "Human-readable message.";
    }
    KUBE_OBJECT KubeObject "A Kubernetes object of any kind, with its conditions." {
        kind: String, "Kind (Cluster, OpenStackCluster, Machine, ...).";
        name: String, "Object name.";
        namespace: String, "Namespace.";
        phase: String, "`status.phase` when the kind has one.";
        conditions: Vec<Condition>, "`status.conditions`.";
        #[serde(default)]
        labels: serde_json::Map<String, serde_json::Value>, "`metadata.labels`.";
        #[serde(default)]
        spec: serde_json::Map<String, serde_json::Value>, "`spec` as the API server sent it (`o.spec.replicas`, `o.spec.unschedulable`).";
        #[serde(default)]
        status: serde_json::Map<String, serde_json::Value>, "`status` as the API server sent it (`o.status.readyReplicas`).";
    }
    DRAIN Drain "What `kube.drain` did (evictions honour PodDisruptionBudgets)." {
        drained: bool, "Every pod that had to leave the node did.";
        evicted: Vec<String>, "`namespace/name` of each pod evicted.";
        remaining: Vec<String>, "Pods still on the node that should have left when the bound ran out.";
        skipped: Vec<String>, "Pods left in place by design (DaemonSet and mirror pods).";
        attempts: i64, "Eviction requests sent, refused ones included.";
        message: String, "The last refusal (a PodDisruptionBudget's message), or empty.";
    }
    SSH_OUTPUT SshOutput "What a command run over ssh printed, and how it ended." {
        stdout: String, "Standard output.";
        stderr: String, "Standard error.";
        exit: i64, "Exit status (non-zero is not an error by itself).";
    }
}

/// The record named `name` (`Server`), as `param` and `site` types name it.
pub fn by_name(name: &str) -> Option<&'static RecordDef> {
    ALL.iter().copied().find(|r| r.name == name)
}
