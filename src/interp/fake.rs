//! Backends answered straight from the simulated world, without HTTP.
//!
//! A stand-in until the simulator's loopback HTTP server and
//! `backends::sim` land: it lets `rbk exec --sim` and the tests run
//! procedures against the scenarios now. Faithful to the world model, thin
//! on API detail (no microversions, no paging, no tokens).
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::backends::{
    self, Amphora, Backends, CallError, CoeCluster, Condition, Hypervisor, KubeObject, KubeScope,
    LoadBalancer, Node, OpenStackScope, Pod, Server, SshOutput, SshScope,
};
use crate::sim::world::{World, WorldError};
use crate::sim::{guest, ids, SharedWorld};

/// Every family over one shared world.
pub fn world_backends(world: SharedWorld) -> Backends {
    let w = Arc::new(WorldBackend { world });
    Backends {
        openstack: w.clone(),
        kube: w.clone(),
        ssh: w.clone(),
        tcp: w.clone(),
        local: w,
    }
}

pub struct WorldBackend {
    world: SharedWorld,
}

fn remote(call: &str, e: WorldError) -> CallError {
    let status = match e {
        WorldError::NotFound { .. } => 404,
        WorldError::Conflict(_) => 409,
    };
    CallError::Remote {
        call: call.to_string(),
        status: Some(status),
        message: e.to_string(),
    }
}

/// The project a scope narrows to; admin scope is the admin project.
fn project_of(w: &World, scope: &OpenStackScope) -> String {
    if let Some(id) = &scope.project_id {
        return id.clone();
    }
    if let Some(name) = &scope.project_name {
        if let Some(p) = w.projects.iter().find(|p| &p.name == name) {
            return p.id.clone();
        }
    }
    ids::ADMIN_PROJECT_ID.to_string()
}

fn server_view(w: &World, s: &crate::sim::world::Server) -> Server {
    Server {
        id: s.id.clone(),
        name: s.name.clone(),
        status: s.status.clone(),
        project_id: s.project_id.clone(),
        image: w
            .image(&s.image_id)
            .map(|i| i.name.clone())
            .unwrap_or_default(),
        flavor: w
            .flavor(&s.flavor_id)
            .map(|f| f.name.clone())
            .unwrap_or_default(),
        host: s.host.clone().unwrap_or_default(),
        addresses: s.addresses.iter().map(|a| a.addr.clone()).collect(),
    }
}

/// Names resolve in the scope's project, ids anywhere (as the CLI does).
fn resolve_server(
    w: &World,
    scope: &OpenStackScope,
    call: &str,
    key: &str,
) -> Result<String, CallError> {
    if w.server(key).is_some() {
        return Ok(key.to_string());
    }
    let project = project_of(w, scope);
    let hits: Vec<&crate::sim::world::Server> = w
        .servers
        .iter()
        .filter(|s| s.name == key && s.project_id == project)
        .collect();
    match hits.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(CallError::Remote {
            call: call.into(),
            status: Some(404),
            message: format!("No server with a name or ID of '{key}' exists."),
        }),
        _ => Err(CallError::Remote {
            call: call.into(),
            status: Some(409),
            message: format!("More than one server exists with the name '{key}'."),
        }),
    }
}

fn lb_view(l: &crate::sim::world::LoadBalancer) -> LoadBalancer {
    LoadBalancer {
        id: l.id.clone(),
        name: l.name.clone(),
        provisioning_status: l.provisioning_status.clone(),
        operating_status: l.operating_status.clone(),
        vip_address: l.vip_address.clone(),
        project_id: l.project_id.clone(),
        topology: l.topology.clone(),
    }
}

#[async_trait]
impl backends::OpenStack for WorldBackend {
    async fn server_start(&self, scope: &OpenStackScope, server: &str) -> Result<(), CallError> {
        let call = "openstack.server.start";
        self.world.write(|w, now| {
            let id = resolve_server(w, scope, call, server)?;
            w.start_server(&id, now).map_err(|e| remote(call, e))
        })
    }
    async fn server_stop(&self, scope: &OpenStackScope, server: &str) -> Result<(), CallError> {
        let call = "openstack.server.stop";
        self.world.write(|w, now| {
            let id = resolve_server(w, scope, call, server)?;
            w.stop_server(&id, now).map_err(|e| remote(call, e))
        })
    }
    async fn server_show(&self, scope: &OpenStackScope, server: &str) -> Result<Server, CallError> {
        let call = "openstack.server.show";
        self.world.read(|w, _| {
            let id = resolve_server(w, scope, call, server)?;
            w.server(&id).map(|s| server_view(w, s)).ok_or_else(|| {
                remote(
                    call,
                    WorldError::NotFound {
                        kind: "Instance",
                        id,
                    },
                )
            })
        })
    }
    async fn server_list(
        &self,
        scope: &OpenStackScope,
        all_projects: bool,
    ) -> Result<Vec<Server>, CallError> {
        self.world.read(|w, _| {
            let project = project_of(w, scope);
            Ok(w.servers
                .iter()
                .filter(|s| all_projects || s.project_id == project)
                .map(|s| server_view(w, s))
                .collect())
        })
    }
    async fn server_delete(&self, _scope: &OpenStackScope, id: &str) -> Result<(), CallError> {
        self.world
            .write(|w, now| w.delete_server(id, now))
            .map_err(|e| remote("openstack.server.delete", e))
    }
    async fn loadbalancer_list(
        &self,
        scope: &OpenStackScope,
    ) -> Result<Vec<LoadBalancer>, CallError> {
        let admin = scope.project_id.is_none() && scope.project_name.is_none();
        self.world.read(|w, _| {
            let project = project_of(w, scope);
            Ok(w.load_balancers
                .iter()
                .filter(|l| admin || l.project_id == project)
                .map(lb_view)
                .collect())
        })
    }
    async fn loadbalancer_show(
        &self,
        _scope: &OpenStackScope,
        id: &str,
    ) -> Result<LoadBalancer, CallError> {
        self.world.read(|w, _| {
            w.load_balancers
                .iter()
                .find(|l| l.id == id || l.name == id)
                .map(lb_view)
                .ok_or_else(|| {
                    remote(
                        "openstack.loadbalancer.show",
                        WorldError::NotFound {
                            kind: "Load Balancer",
                            id: id.into(),
                        },
                    )
                })
        })
    }
    async fn loadbalancer_failover(
        &self,
        _scope: &OpenStackScope,
        id: &str,
    ) -> Result<(), CallError> {
        self.world
            .write(|w, now| w.failover(id, now))
            .map_err(|e| remote("openstack.loadbalancer.failover", e))
    }
    async fn amphora_list(&self, _scope: &OpenStackScope) -> Result<Vec<Amphora>, CallError> {
        self.world.read(|w, _| {
            Ok(w.amphorae
                .iter()
                .map(|a| Amphora {
                    id: a.id.clone(),
                    loadbalancer_id: a.loadbalancer_id.clone(),
                    compute_id: a.compute_id.clone(),
                    status: a.status.clone(),
                    role: a.role.clone(),
                    lb_network_ip: a.lb_network_ip.clone(),
                })
                .collect())
        })
    }
    async fn hypervisor_list(&self, _scope: &OpenStackScope) -> Result<Vec<Hypervisor>, CallError> {
        self.world.read(|w, _| {
            Ok(w.hypervisors
                .iter()
                .map(|h| Hypervisor {
                    hostname: h.hostname.clone(),
                    memory_mb: h.memory_mb,
                    memory_mb_used: w.memory_mb_used(h),
                    ram_allocation_ratio: h.ram_allocation_ratio,
                    reserved_host_memory_mb: h.reserved_host_memory_mb,
                    vcpus: h.vcpus,
                    vcpus_used: w.instances_vcpus(h),
                })
                .collect())
        })
    }
    async fn coe_cluster_show(
        &self,
        _scope: &OpenStackScope,
        name: &str,
    ) -> Result<CoeCluster, CallError> {
        self.world.read(|w, now| {
            let c = w
                .clusters
                .iter()
                .find(|c| c.name == name || c.uuid == name)
                .ok_or_else(|| CallError::Remote {
                    call: "openstack.coe.cluster.show".into(),
                    status: Some(404),
                    message: format!("Cluster {name} could not be found."),
                })?;
            let (health_status, health_status_reason) = w.magnum_health(now);
            Ok(CoeCluster {
                name: c.name.clone(),
                uuid: c.uuid.clone(),
                status: c.status.clone(),
                health_status,
                health_status_reason,
            })
        })
    }
}

impl WorldBackend {
    fn kube_up(&self, call: &str) -> Result<(), CallError> {
        self.world
            .read(|w, now| w.kube_api_status(now))
            .map_err(|why| CallError::Unreachable {
                call: call.into(),
                target: "https://10.6.0.15:6443".into(),
                message: why.into(),
            })
    }
}

fn condition(type_: &str, ok: Result<(), String>) -> Condition {
    match ok {
        Ok(()) => Condition {
            type_: type_.into(),
            status: "True".into(),
            reason: String::new(),
            message: String::new(),
        },
        Err(m) => Condition {
            type_: type_.into(),
            status: "False".into(),
            reason: "LoadBalancerError".into(),
            message: m,
        },
    }
}

#[async_trait]
impl backends::Kube for WorldBackend {
    async fn nodes(&self, _scope: &KubeScope) -> Result<Vec<Node>, CallError> {
        self.kube_up("kube.nodes")?;
        Ok(vec![Node {
            name: ids::MGMT_VM_NAME.into(),
            ready: true,
            roles: vec!["control-plane".into(), "worker".into()],
            internal_ip: ids::MGMT_FIXED_IP.into(),
            kubelet_version: "v1.32.2".into(),
        }])
    }
    async fn pods(
        &self,
        _scope: &KubeScope,
        namespace: Option<&str>,
    ) -> Result<Vec<Pod>, CallError> {
        self.kube_up("kube.pods")?;
        let all = [
            ("kube-system", "coredns-5d8f9b7c6-x2x4q"),
            ("kube-system", "cilium-operator-7b9f8d6c5-kq8zt"),
            ("capi-system", "capi-controller-manager-6c9d8f7b5-l7p2m"),
            ("capo-system", "capo-controller-manager-5f8c7d9b6-r4n8s"),
            ("magnum-system", "magnum-capi-helm-7d9c8b6f5-w3x9k"),
        ];
        Ok(all
            .iter()
            .filter(|(ns, _)| namespace.is_none_or(|n| n == *ns))
            .map(|(ns, name)| Pod {
                namespace: (*ns).into(),
                name: (*name).into(),
                phase: "Running".into(),
                ready: true,
                restarts: 1,
            })
            .collect())
    }
    async fn objects(
        &self,
        _scope: &KubeScope,
        kind: &str,
        namespace: &str,
    ) -> Result<Vec<KubeObject>, CallError> {
        self.kube_up("kube.get")?;
        let infra = self.world.read(|w, now| w.capi_infrastructure_ready(now));
        let ns = ids::capi_namespace();
        if namespace != ns {
            return Ok(Vec::new());
        }
        let obj = |kind: &str, name: &str, phase: &str, conditions: Vec<Condition>| KubeObject {
            kind: kind.into(),
            name: name.into(),
            namespace: ns.clone(),
            phase: phase.into(),
            conditions,
        };
        Ok(match kind.to_lowercase().trim_end_matches('s') {
            "cluster" => vec![obj(
                "Cluster",
                ids::CAPI_CLUSTER_NAME,
                "Provisioned",
                vec![
                    condition("Available", infra.clone()),
                    condition("InfrastructureReady", infra),
                ],
            )],
            "openstackcluster" => vec![obj(
                "OpenStackCluster",
                ids::CAPI_CLUSTER_NAME,
                "",
                vec![condition("Ready", infra)],
            )],
            "machine" => vec![
                obj(
                    "Machine",
                    "capi-test-1-hx3b2mwz7k4q-control-plane-8xk2p",
                    "Running",
                    vec![condition("Ready", Ok(()))],
                ),
                obj(
                    "Machine",
                    "capi-test-1-hx3b2mwz7k4q-default-worker-4vz7q-gh2lm",
                    "Running",
                    vec![condition("Ready", Ok(()))],
                ),
            ],
            _ => Vec::new(),
        })
    }
}

#[async_trait]
impl backends::Ssh for WorldBackend {
    async fn run(
        &self,
        scope: &SshScope,
        command: &str,
        _timeout: Duration,
    ) -> Result<SshOutput, CallError> {
        let target = format!("{}@{}", scope.user, scope.host);
        let out = self.world.read(|w, now| {
            let is_mgmt = scope.host == ids::MGMT_FIP || scope.host == ids::MGMT_FIXED_IP;
            if !is_mgmt || !w.mgmt_sshd_up(now) {
                return None;
            }
            Some(guest::run(w, now, command, &|| {
                "apiVersion: v1\nkind: Config\n".to_string()
            }))
        });
        match out {
            Some(o) => Ok(SshOutput {
                stdout: o.stdout,
                stderr: o.stderr,
                exit: o.exit,
            }),
            None => Err(CallError::Unreachable {
                call: "ssh.run".into(),
                target,
                message: format!(
                    "ssh: connect to host {} port {}: Connection refused",
                    scope.host, scope.port
                ),
            }),
        }
    }
}

#[async_trait]
impl backends::Tcp for WorldBackend {
    async fn probe(&self, host: &str, port: u16, timeout: Duration) -> Result<bool, CallError> {
        let open = self.world.read(|w, now| {
            let is_mgmt = host == ids::MGMT_FIP || host == ids::MGMT_FIXED_IP;
            match port {
                22 if is_mgmt => w.mgmt_sshd_up(now),
                6443 if is_mgmt => w.kube_api_status(now).is_ok(),
                _ => w.load_balancers.iter().any(|l| {
                    (l.vip_address == host || l.floating_ip.as_deref() == Some(host))
                        && l.operating_status == "ONLINE"
                }),
            }
        });
        // A port nobody answers on costs the whole connect timeout, as the
        // seed's `timeout 5 bash -c 'exec 3<>/dev/tcp/...'` does.
        if !open {
            self.world.clock().sleep(timeout).await;
        }
        Ok(open)
    }
}

#[async_trait]
impl backends::Local for WorldBackend {
    async fn file_exists(&self, path: &str) -> Result<bool, CallError> {
        Ok(self.world.read(|w, _| w.local_file_exists(path)))
    }
    async fn file_write(&self, path: &str, content: &str) -> Result<(), CallError> {
        self.world.write(|w, _| w.write_local_file(path, content));
        Ok(())
    }
}
