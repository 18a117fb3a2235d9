//! The management cluster's Kubernetes objects, derived from the world at a
//! time: its node, the controllers' pods, and in the project's namespace the
//! Cluster API objects of capi-test-1 with their conditions.
use serde_json::{json, Value};

use super::ids;
use super::server::iso;
use super::world::{Ms, World, MINUTE};

pub const KUBE_VERSION: &str = "v1.32.4";

/// The resources the simulated API serves: (group, versions, plural, kind,
/// namespaced, short names). Group "" is the core group.
pub type Resource = (
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
);

pub const RESOURCES: &[Resource] = &[
    ("", &["v1"], "nodes", "Node", false, &["no"]),
    ("", &["v1"], "pods", "Pod", true, &["po"]),
    ("", &["v1"], "namespaces", "Namespace", false, &["ns"]),
    ("", &["v1"], "configmaps", "ConfigMap", true, &["cm"]),
    ("", &["v1"], "services", "Service", true, &["svc"]),
    ("", &["v1"], "secrets", "Secret", true, &[]),
    (
        "",
        &["v1"],
        "serviceaccounts",
        "ServiceAccount",
        true,
        &["sa"],
    ),
    (
        "",
        &["v1"],
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        true,
        &["pvc"],
    ),
    (
        "apps",
        &["v1"],
        "deployments",
        "Deployment",
        true,
        &["deploy"],
    ),
    ("apps", &["v1"], "daemonsets", "DaemonSet", true, &["ds"]),
    ("apps", &["v1"], "replicasets", "ReplicaSet", true, &["rs"]),
    (
        "apps",
        &["v1"],
        "statefulsets",
        "StatefulSet",
        true,
        &["sts"],
    ),
    ("batch", &["v1"], "jobs", "Job", true, &[]),
    (
        "rbac.authorization.k8s.io",
        &["v1"],
        "roles",
        "Role",
        true,
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        &["v1"],
        "rolebindings",
        "RoleBinding",
        true,
        &[],
    ),
    (
        "policy",
        &["v1"],
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        true,
        &["pdb"],
    ),
    (
        "cluster.x-k8s.io",
        &["v1beta2", "v1beta1"],
        "clusters",
        "Cluster",
        true,
        &["cl"],
    ),
    (
        "cluster.x-k8s.io",
        &["v1beta2", "v1beta1"],
        "machines",
        "Machine",
        true,
        &["ma"],
    ),
    (
        "cluster.x-k8s.io",
        &["v1beta2", "v1beta1"],
        "machinedeployments",
        "MachineDeployment",
        true,
        &["md"],
    ),
    (
        "infrastructure.cluster.x-k8s.io",
        &["v1beta1"],
        "openstackclusters",
        "OpenStackCluster",
        true,
        &["osc"],
    ),
    (
        "infrastructure.cluster.x-k8s.io",
        &["v1beta1"],
        "openstackmachines",
        "OpenStackMachine",
        true,
        &["osm"],
    ),
    // `rbk fleet submit` holds each site's lock in one (`fleet::cluster`).
    ("coordination.k8s.io", &["v1"], "leases", "Lease", true, &[]),
    // Argo Workflows' CRD: `rbk fleet submit --format argo` creates one.
    (
        "argoproj.io",
        &["v1alpha1"],
        "workflows",
        "Workflow",
        true,
        &["wf"],
    ),
];

/// Subresources the API serves: (group, version, name, kind, the kind's
/// group and version, verbs). kubectl finds eviction and scale here.
pub type Subresource = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

pub const SUBRESOURCES: &[Subresource] = &[
    (
        "",
        "v1",
        "pods/eviction",
        "Eviction",
        "policy",
        "v1",
        &["create"],
    ),
    ("", "v1", "pods/log", "Pod", "", "v1", &["get"]),
    (
        "",
        "v1",
        "pods/status",
        "Pod",
        "",
        "v1",
        &["get", "patch", "update"],
    ),
    (
        "",
        "v1",
        "nodes/status",
        "Node",
        "",
        "v1",
        &["get", "patch", "update"],
    ),
    (
        "batch",
        "v1",
        "jobs/status",
        "Job",
        "batch",
        "v1",
        &["get", "patch", "update"],
    ),
    (
        "apps",
        "v1",
        "deployments/scale",
        "Scale",
        "autoscaling",
        "v1",
        &["get", "patch", "update"],
    ),
    (
        "apps",
        "v1",
        "statefulsets/scale",
        "Scale",
        "autoscaling",
        "v1",
        &["get", "patch", "update"],
    ),
    (
        "apps",
        "v1",
        "replicasets/scale",
        "Scale",
        "autoscaling",
        "v1",
        &["get", "patch", "update"],
    ),
];

/// The kind a plural names (`deployments` -> `Deployment`).
pub fn kind_for(plural: &str) -> Option<&'static str> {
    RESOURCES.iter().find(|r| r.2 == plural).map(|r| r.3)
}

/// The (controller namespace, pod name, image) of every pod.
const PODS: &[(&str, &str, &str)] = &[
    (
        "capi-system",
        "capi-controller-manager-6d8f7c9b5-x2kqp",
        "registry.k8s.io/cluster-api/cluster-api-controller:v1.10.4",
    ),
    (
        "capi-kubeadm-bootstrap-system",
        "capi-kubeadm-bootstrap-controller-manager-7b9c4d8f6-mz4tn",
        "registry.k8s.io/cluster-api/kubeadm-bootstrap-controller:v1.10.4",
    ),
    (
        "capi-kubeadm-control-plane-system",
        "capi-kubeadm-control-plane-controller-manager-5f6b8c7d9-qw7rx",
        "registry.k8s.io/cluster-api/kubeadm-control-plane-controller:v1.10.4",
    ),
    (
        "capo-system",
        "capo-controller-manager-84c5d9f7b6-hn2vk",
        "registry.k8s.io/capi-openstack/capi-openstack-controller:v0.12.4",
    ),
    (
        "cert-manager",
        "cert-manager-7d9f8b6c5d-4lxkz",
        "quay.io/jetstack/cert-manager-controller:v1.17.2",
    ),
    (
        "cert-manager",
        "cert-manager-cainjector-5c7b9d8f4-vz9qm",
        "quay.io/jetstack/cert-manager-cainjector:v1.17.2",
    ),
    (
        "cert-manager",
        "cert-manager-webhook-6b8d7f9c5-pk3wd",
        "quay.io/jetstack/cert-manager-webhook:v1.17.2",
    ),
    (
        "orc-system",
        "orc-controller-manager-7f8c6d9b4-j5rtn",
        "quay.io/orc/openstack-resource-controller:v2.1.0",
    ),
    (
        "capi-janitor-system",
        "cluster-api-janitor-openstack-6c9d7b8f5-wq8lz",
        "ghcr.io/azimuth-cloud/cluster-api-janitor-openstack:0.8.0",
    ),
    (
        "capi-addon-system",
        "cluster-api-addon-provider-5d8b9c7f6-r7mxh",
        "ghcr.io/azimuth-cloud/cluster-api-addon-provider:0.8.1",
    ),
    (
        "kube-system",
        "cilium-8k2vx",
        "ghcr.io/canonical/cilium:1.16.9-ck0",
    ),
    (
        "kube-system",
        "cilium-operator-6f7d8c9b5-2xwkq",
        "ghcr.io/canonical/cilium-operator-generic:1.16.9-ck0",
    ),
    (
        "kube-system",
        "coredns-7c8d9b6f5-m4ktz",
        "ghcr.io/canonical/coredns:1.12.0-ck1",
    ),
    (
        "kube-system",
        "ck-storage-rawfile-csi-controller-0",
        "ghcr.io/canonical/rawfile-localpv:0.8.2",
    ),
    (
        "kube-system",
        "metrics-server-8b7c6d9f5-9wzqn",
        "ghcr.io/canonical/metrics-server:0.7.2-ck0",
    ),
];

const CONTROL_PLANE_MACHINE: &str = "capi-test-1-hx3b2mwz7k4q-control-plane-8xk2p";
const WORKER_MACHINE: &str = "capi-test-1-hx3b2mwz7k4q-default-worker-4vz7q-gh2lm";

fn installed(w: &World) -> Ms {
    w.clusters.first().map_or(0, |c| c.created)
}

fn uid(seed: &str) -> String {
    let h = seed.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    let g = h.rotate_left(29) ^ 0x9e37_79b9_7f4a_7c15;
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        (h >> 32) as u32,
        (h >> 16) as u16,
        h & 0xfff,
        g & 0xfff,
        g >> 16 & 0xffff_ffff_ffff
    )
}

fn meta(name: &str, namespace: Option<&str>, created: Ms) -> Value {
    let mut m = json!({"name": name, "uid": uid(name), "resourceVersion": "48213",
                       "creationTimestamp": iso(created)});
    if let Some(ns) = namespace {
        m["namespace"] = json!(ns);
    }
    m
}

fn condition(type_: &str, ok: bool, reason: &str, message: &str, since: Ms) -> Value {
    json!({"type": type_, "status": if ok { "True" } else { "False" }, "reason": reason,
           "message": message, "lastTransitionTime": iso(since)})
}

/// When the node last became Ready (the end of the current cold start).
fn ready_since(w: &World) -> Ms {
    w.mgmt
        .boot_at
        .map_or(0, |b| b + super::world::timing::BOOT_TO_K8S_READY)
}

pub fn nodes(w: &World) -> Vec<Value> {
    let since = ready_since(w);
    let mut metadata = meta(ids::MGMT_VM_NAME, None, installed(w));
    metadata["labels"] = json!({"kubernetes.io/hostname": ids::MGMT_VM_NAME, "kubernetes.io/os": "linux",
                                "node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/worker": ""});
    vec![json!({
        "kind": "Node", "apiVersion": "v1",
        "metadata": metadata,
        "spec": {"podCIDR": "10.1.0.0/24"},
        "status": {
            "conditions": [
                condition("MemoryPressure", false, "KubeletHasSufficientMemory", "kubelet has sufficient memory available", since),
                condition("DiskPressure", false, "KubeletHasNoDiskPressure", "kubelet has no disk pressure", since),
                condition("PIDPressure", false, "KubeletHasSufficientPID", "kubelet has sufficient PID available", since),
                condition("Ready", true, "KubeletReady", "kubelet is posting ready status", since),
            ],
            "addresses": [{"type": "InternalIP", "address": ids::MGMT_FIXED_IP},
                          {"type": "Hostname", "address": ids::MGMT_VM_NAME}],
            "nodeInfo": {"kubeletVersion": KUBE_VERSION, "osImage": "Ubuntu 24.04.2 LTS",
                         "kernelVersion": "6.8.0-60-generic", "containerRuntimeVersion": "containerd://1.7.27",
                         "architecture": "amd64", "operatingSystem": "linux"},
        }
    })]
}

pub fn pods(w: &World) -> Vec<Value> {
    let since = ready_since(w);
    PODS.iter()
        .enumerate()
        .map(|(i, (ns, name, image))| {
            let container = if ns.ends_with("-system") && *ns != "kube-system" {
                "manager"
            } else {
                name.split('-').next().unwrap_or(name)
            };
            let restarts = w.mgmt.boots as i64 + (i as i64 % 3);
            json!({
                "kind": "Pod", "apiVersion": "v1",
                "metadata": meta(name, Some(ns), installed(w)),
                "spec": {"nodeName": ids::MGMT_VM_NAME, "containers": [{"name": container, "image": image}]},
                "status": {
                    "phase": "Running",
                    "podIP": format!("10.1.0.{}", 20 + i),
                    "hostIP": ids::MGMT_FIXED_IP,
                    "startTime": iso(installed(w)),
                    "conditions": [condition("Ready", true, "", "", since), condition("ContainersReady", true, "", "", since)],
                    "containerStatuses": [{
                        "name": container, "image": image, "ready": true, "started": true,
                        "restartCount": restarts,
                        "state": {"running": {"startedAt": iso(since - MINUTE)}},
                        "lastState": {"terminated": {"exitCode": 255, "reason": "Unknown",
                                                       "finishedAt": iso(w.mgmt.boot_at.unwrap_or(0))}},
                    }],
                }
            })
        })
        .collect()
}

pub fn namespaces(w: &World) -> Vec<Value> {
    let mut names: Vec<String> = PODS.iter().map(|(ns, _, _)| ns.to_string()).collect();
    names.extend(["default".to_string(), ids::capi_namespace()]);
    names.sort();
    names.dedup();
    names
        .iter()
        .map(|n| {
            json!({"kind": "Namespace", "apiVersion": "v1", "metadata": meta(n, None, installed(w)),
                        "status": {"phase": "Active"}})
        })
        .collect()
}

/// Cluster API objects of one kind in the project's namespace.
pub fn capi_objects(w: &World, now: Ms, plural: &str, api_version: &str) -> Vec<Value> {
    let ns = ids::capi_namespace();
    let created = installed(w);
    let infra = w.capi_infrastructure_ready(now);
    let infra_ok = infra.is_ok();
    let infra_msg = infra.err().unwrap_or_default();
    // When the condition last flipped: the LB's last update, or install time.
    let flipped = w
        .lb(ids::KUBE_API_LB_ID)
        .map_or(created, |l| l.updated)
        .max(created);
    let flipped = w.capi.resync_at.filter(|t| *t <= now).unwrap_or(flipped);
    let labels = json!({"cluster.x-k8s.io/cluster-name": ids::CAPI_CLUSTER_NAME,
                        "magnum.openstack.org/cluster-uuid": ids::MAGNUM_CLUSTER_ID});
    let with_labels = |name: &str| {
        let mut m = meta(name, Some(&ns), created);
        m["labels"] = labels.clone();
        m
    };
    match plural {
        "clusters" => {
            let available_msg = if infra_ok { String::new() } else { format!("* InfrastructureReady: {infra_msg}") };
            vec![json!({
                "kind": "Cluster", "apiVersion": api_version,
                "metadata": with_labels(ids::CAPI_CLUSTER_NAME),
                "spec": {
                    "controlPlaneEndpoint": {"host": "10.12.7.41", "port": 6443},
                    "controlPlaneRef": {"apiVersion": "controlplane.cluster.x-k8s.io/v1beta1", "kind": "KubeadmControlPlane",
                                        "name": format!("{}-control-plane", ids::CAPI_CLUSTER_NAME), "namespace": ns},
                    "infrastructureRef": {"apiVersion": "infrastructure.cluster.x-k8s.io/v1beta1", "kind": "OpenStackCluster",
                                          "name": ids::CAPI_CLUSTER_NAME, "namespace": ns},
                },
                "status": {
                    "phase": "Provisioned",
                    "infrastructureReady": infra_ok,
                    "controlPlaneReady": true,
                    "initialization": {"infrastructureProvisioned": true, "controlPlaneInitialized": true},
                    "controlPlane": {"desiredReplicas": 1, "replicas": 1, "availableReplicas": 1, "readyReplicas": 1, "upToDateReplicas": 1},
                    "workers": {"desiredReplicas": 1, "replicas": 1, "availableReplicas": 1, "readyReplicas": 1, "upToDateReplicas": 1},
                    "conditions": [
                        condition("Available", infra_ok, if infra_ok { "Available" } else { "NotAvailable" }, &available_msg, flipped),
                        condition("InfrastructureReady", infra_ok, if infra_ok { "Ready" } else { "LoadBalancerReconcileFailed" }, &infra_msg, flipped),
                        condition("ControlPlaneAvailable", true, "Available", "", created),
                        condition("ControlPlaneInitialized", true, "Initialized", "", created),
                        condition("WorkersAvailable", true, "Available", "", created),
                        condition("RemoteConnectionProbe", true, "ProbeSucceeded", "", created),
                        condition("Ready", infra_ok, if infra_ok { "Ready" } else { "NotReady" }, &available_msg, flipped),
                    ],
                }
            })]
        }
        "openstackclusters" => vec![json!({
            "kind": "OpenStackCluster", "apiVersion": api_version,
            "metadata": with_labels(ids::CAPI_CLUSTER_NAME),
            "spec": {"apiServerLoadBalancer": {"enabled": true}, "externalNetwork": {"filter": {"name": "ext-net"}},
                     "identityRef": {"cloudName": "openstack", "name": format!("{}-cloud-credentials", ids::CAPI_CLUSTER_NAME)}},
            "status": {
                "ready": infra_ok,
                "network": {"id": "6f5e4d3c-2b1a-4f9e-8d7c-6b5a4f3e2d1c",
                            "name": format!("k8s-clusterapi-cluster-{ns}-{}", ids::CAPI_CLUSTER_NAME)},
                "apiServerLoadBalancer": {"id": ids::KUBE_API_LB_ID,
                                          "name": format!("k8s-clusterapi-cluster-{ns}-{}-kubeapi", ids::CAPI_CLUSTER_NAME),
                                          "ip": "10.12.7.41", "internalIP": "10.6.0.200"},
                "conditions": [condition("Ready", infra_ok, if infra_ok { "" } else { "LoadBalancerReconcileFailed" }, &infra_msg, flipped)],
            }
        })],
        "machines" => [(CONTROL_PLANE_MACHINE, "8e2a4c6d-1b3f-4a5c-9e7d-2f4b6d8a0c1e", true),
                       (WORKER_MACHINE, "5c7e9a1b-3d5f-4b7a-8c9e-1a3c5e7b9d2f", false)]
            .iter()
            .map(|(name, server, cp)| {
                let mut m = with_labels(name);
                if *cp {
                    m["labels"]["cluster.x-k8s.io/control-plane"] = json!("");
                }
                json!({
                    "kind": "Machine", "apiVersion": api_version, "metadata": m,
                    "spec": {"clusterName": ids::CAPI_CLUSTER_NAME, "version": "v1.31.4",
                             "providerID": format!("openstack:///{server}"),
                             "infrastructureRef": {"kind": "OpenStackMachine", "name": name}},
                    "status": {
                        "phase": "Running", "nodeRef": {"kind": "Node", "name": name},
                        "conditions": [
                            condition("Available", true, "Available", "", created),
                            condition("Ready", true, "Ready", "", created),
                            condition("UpToDate", true, "UpToDate", "", created),
                            condition("BootstrapConfigReady", true, "Ready", "", created),
                            condition("InfrastructureReady", true, "Ready", "", created),
                            condition("NodeHealthy", true, "NodeHealthy", "", created),
                        ],
                    }
                })
            })
            .collect(),
        "openstackmachines" => [(CONTROL_PLANE_MACHINE, "8e2a4c6d-1b3f-4a5c-9e7d-2f4b6d8a0c1e"),
                                (WORKER_MACHINE, "5c7e9a1b-3d5f-4b7a-8c9e-1a3c5e7b9d2f")]
            .iter()
            .map(|(name, server)| json!({
                "kind": "OpenStackMachine", "apiVersion": api_version, "metadata": with_labels(name),
                "spec": {"flavor": "gp.mid", "providerID": format!("openstack:///{server}")},
                "status": {"ready": true, "instanceState": "ACTIVE",
                           "conditions": [condition("Ready", true, "", "", created)]},
            }))
            .collect(),
        _ => Vec::new(),
    }
}
