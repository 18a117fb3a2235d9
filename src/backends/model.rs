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
/// Any JSON (an API's own answer): the checker does not look inside.
impl RbkType for serde_json::Value {
    const TY: Ty = Ty::Any;
}
impl RbkType for Vec<String> {
    const TY: Ty = Ty::List(&Ty::Str);
}
impl RbkType for Vec<Condition> {
    const TY: Ty = Ty::List(&CONDITION_TY);
}
static CONDITION_TY: Ty = Ty::Record(&CONDITION);

/// `records! { DEF Name "doc" { field: Type, "doc"; ... } ... }` declares
/// the struct `Name` and its definition `DEF`; `DEF Name = "RbkName"` when
/// procedures know the record by another name than Rust does. `field = "name": Type` when
/// the rbk name is a Rust keyword (`type`); `#[serde(...)]` before a field
/// is kept.
macro_rules! records {
    ($(
        $def:ident $name:ident $(= $rbk:literal)? $doc:literal {
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
                name: records!(@name $name $($rbk)?),
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
        status: String, "ACTIVE, SHUTOFF, ERROR, BUILD, MIGRATING, RESIZE, VERIFY_RESIZE, REBOOT, HARD_REBOOT, ...";
        project_id: String, "Owning project.";
        image: String, "Image name (amphorae run `amphora-haproxy`).";
        flavor: String, "Flavor name.";
        host: String, "Compute host (admins only).";
        addresses: Vec<String>, "Fixed and floating addresses.";
        ram_mb: i64, "Its flavor's RAM, MB (0 before Nova 2.47).";
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
        image_id: String, "The Glance image it was built from.";
    }
    HYPERVISOR Hypervisor "A compute host's memory and CPU figures." {
        hostname: String, "Hypervisor host name (often the FQDN).";
        host: String, "Compute service host, as a server's `host` shows it.";
        status: String, "enabled or disabled (its nova-compute service).";
        state: String, "up or down.";
        running_vms: i64, "Servers on it.";
        memory_mb: i64, "Physical memory, MB.";
        memory_mb_used: i64, "Memory allocated to instances plus the reserve, MB.";
        ram_allocation_ratio: f64, "Placement's overcommit ratio.";
        reserved_host_memory_mb: i64, "Memory reserved for the host, MB.";
        vcpus: i64, "Physical CPUs.";
        vcpus_used: i64, "CPUs allocated.";
    }
    COMPUTE_SERVICE ComputeService "A Nova service." {
        id: String, "Service id (a UUID from Nova 2.53).";
        host: String, "Host it runs on.";
        binary: String, "nova-compute, nova-scheduler, nova-conductor.";
        zone: String, "Availability zone (`internal` for control services).";
        status: String, "enabled or disabled.";
        state: String, "up or down.";
        disabled_reason: String, "Why it was disabled; \"\" when enabled.";
    }
    VOLUME Volume "A Cinder volume." {
        id: String, "Volume UUID.";
        name: String, "Name.";
        status: String, "available, in-use, detaching, error, ...";
        size_gb: i64, "Size, GB.";
        attached_to: Vec<String>, "Server ids it is attached to.";
        multiattach: bool, "May be attached to several servers.";
        project_id: String, "Owning project (admins only).";
    }
    NETWORK Network "A Neutron network." {
        id: String, "Network UUID.";
        name: String, "Name.";
        status: String, "ACTIVE, DOWN, ...";
        external: bool, "router:external.";
        subnets: Vec<String>, "Subnet ids.";
        project_id: String, "Owning project.";
    }
    PORT Port "A Neutron port." {
        id: String, "Port UUID.";
        name: String, "Name.";
        network_id: String, "Its network.";
        device_id: String, "The server (or router, load balancer) it belongs to.";
        device_owner: String, "compute:nova, network:router_interface, ...";
        fixed_ips: Vec<String>, "Its addresses.";
        mac_address: String, "MAC address.";
        status: String, "ACTIVE, DOWN, BUILD.";
    }
    FLOATING_IP FloatingIp "A Neutron floating IP." {
        id: String, "Floating IP UUID.";
        floating_ip_address: String, "The public address.";
        fixed_ip_address: String, "The address it maps to; \"\" when unassociated.";
        port_id: String, "The port it maps to; \"\" when unassociated.";
        status: String, "ACTIVE or DOWN.";
        project_id: String, "Owning project.";
    }
    RESOURCE_PROVIDER ResourceProvider "A Placement resource provider (one per compute node)." {
        uuid: String, "Provider UUID (the hypervisor id from Nova 2.53).";
        name: String, "Name (the hypervisor host name).";
        generation: i64, "Changes whenever its inventory or usage does.";
    }
    LISTENER Listener "An Octavia listener." {
        id: String, "Listener UUID.";
        name: String, "Name.";
        loadbalancer_id: String, "Its load balancer.";
        protocol: String, "TCP, HTTP, HTTPS, UDP, ...";
        protocol_port: i64, "Port it listens on.";
        default_pool_id: String, "The pool it sends to.";
        provisioning_status: String, "ACTIVE, ERROR, PENDING_UPDATE, ...";
        operating_status: String, "ONLINE, OFFLINE, DEGRADED, ERROR.";
    }
    POOL Pool "An Octavia pool." {
        id: String, "Pool UUID.";
        name: String, "Name.";
        loadbalancer_id: String, "Its load balancer.";
        protocol: String, "TCP, HTTP, ...";
        lb_algorithm: String, "ROUND_ROBIN, LEAST_CONNECTIONS, SOURCE_IP.";
        provisioning_status: String, "ACTIVE, ERROR, ...";
        operating_status: String, "ONLINE, DEGRADED, ERROR, ...";
    }
    MEMBER Member "A member (backend) of an Octavia pool." {
        id: String, "Member UUID.";
        name: String, "Name.";
        address: String, "Backend address.";
        protocol_port: i64, "Backend port.";
        weight: i64, "Share of the traffic.";
        provisioning_status: String, "ACTIVE, ERROR, ...";
        operating_status: String, "ONLINE, OFFLINE, ERROR, NO_MONITOR.";
    }
    NODE_GROUP NodeGroup "A Magnum node group." {
        uuid: String, "Node group UUID.";
        name: String, "Name (default-master, default-worker, ...).";
        role: String, "master or worker.";
        node_count: i64, "Nodes now.";
        min_node_count: i64, "Lower bound.";
        max_node_count: i64, "Upper bound; 0 when unbounded.";
        flavor_id: String, "Flavor of its nodes.";
        image_id: String, "Image of its nodes.";
        status: String, "CREATE_COMPLETE, UPDATE_IN_PROGRESS, ...";
        is_default: bool, "One of the cluster's default groups.";
    }
    INVENTORY Inventory "One resource class of a Placement provider, with its usage." {
        resource_class: String, "MEMORY_MB, VCPU, DISK_GB, ...";
        total: i64, "Physical amount.";
        reserved: i64, "Kept for the host.";
        allocation_ratio: f64, "Overcommit ratio.";
        used: i64, "Allocated to consumers.";
        free: i64, "What the scheduler can still place: (total - reserved) * ratio - used.";
    }
    COE_CLUSTER CoeCluster "A Magnum cluster." {
        name: String, "Cluster name.";
        uuid: String, "Cluster UUID.";
        status: String, "CREATE_COMPLETE, UPDATE_FAILED, ...";
        health_status: String, "HEALTHY, UNHEALTHY or UNKNOWN.";
        health_status_reason: serde_json::Map<String, serde_json::Value>, "Component -> state; empty when the conductor cannot reach the management cluster.";
    }
    NODE KubeNode = "Node" "A Kubernetes node." {
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
    OS_RESPONSE OsResponse = "OpenStackResponse" "An OpenStack API's answer to `openstack.request` (an error status fails the call instead)." {
        status: i64, "HTTP status (200, 202, 204, ...).";
        body: serde_json::Value, "The JSON body as the service sent it (`r.body.services`); none when empty.";
    }
    LOCAL_OUTPUT LocalOutput = "LocalOutput" "What a command on the operator's machine printed, and how it ended." {
        stdout: String, "Standard output.";
        stderr: String, "Standard error.";
        exit: i64, "Exit status (non-zero is not an error by itself; -1 when a signal ended it).";
    }
    HTTP_RESPONSE HttpResponse "The answer to an HTTP request (any status; a refused connection fails the call)." {
        status: i64, "HTTP status.";
        body: String, "The body as text.";
        json: serde_json::Value, "The body parsed as JSON, none when it is not JSON.";
        content_type: String, "The `Content-Type` header, or empty.";
    }
}

/// The record named `name` (`Server`), as `param` and `site` types name it.
pub fn by_name(name: &str) -> Option<&'static RecordDef> {
    ALL.iter().copied().find(|r| r.name == name)
}
