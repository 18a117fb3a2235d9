//! `--sim`: the backends of a run against the in-process simulated cloud.
//! OpenStack and kube calls go through the REAL clients over loopback HTTP
//! (so a rehearsal exercises the client code an operator's run will use);
//! ssh, tcp and local files are answered by the simulator (`backends::sim`).
//!
//! Scopes name the operator's credentials (`openrc: "~/admin-openrc"`,
//! a kubeconfig path): under `--sim` those are swapped for the simulated
//! cloud's own, while the project narrowing is kept, so the procedure runs
//! unchanged.
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;

use crate::backends::kube::RealKube;
use crate::backends::openstack::{OpenStackConfig, RealOpenStack};
use crate::backends::{
    self, Amphora, Backends, CallError, CoeCluster, Hypervisor, KubeObject, KubeScope,
    LoadBalancer, Node, OpenStackScope, Pod, Server,
};
use crate::clock::Clock;
use crate::sim::SimCloud;

/// Backends for one `--sim` run, and the files they read (kept alive with it).
pub struct SimBackends {
    pub backends: Backends,
    pub openstack: Arc<RealOpenStack>,
    _dir: tempfile::TempDir,
}

pub fn sim_backends(cloud: &SimCloud, clock: Clock) -> std::io::Result<SimBackends> {
    let dir = tempfile::tempdir()?;
    cloud.write_env(dir.path())?;
    let a = cloud.auth();
    let env: HashMap<String, String> = [
        ("OS_AUTH_URL", a.auth_url),
        ("OS_IDENTITY_API_VERSION", "3".into()),
        ("OS_AUTH_TYPE", "password".into()),
        ("OS_USERNAME", a.username),
        ("OS_PASSWORD", a.password),
        ("OS_USER_DOMAIN_NAME", a.user_domain_name),
        ("OS_PROJECT_NAME", a.project_name),
        ("OS_PROJECT_DOMAIN_NAME", a.project_domain_name),
        ("OS_REGION_NAME", a.region),
        ("OS_INTERFACE", "public".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let openstack = Arc::new(RealOpenStack::new(
        OpenStackConfig { cloud: None, env },
        clock.clone(),
    ));
    let world = crate::backends::sim::SimBackends::for_cloud(cloud);
    let kube: Arc<dyn backends::Kube> = Arc::new(SimKube {
        inner: RealKube::new(clock),
        kubeconfig: dir.path().join("kubeconfig"),
    });
    let backends = Backends {
        openstack: Arc::new(SimOpenStack(openstack.clone())),
        kube,
        ssh: world.ssh,
        tcp: world.tcp,
        local: world.local,
    };
    Ok(SimBackends {
        backends,
        openstack,
        _dir: dir,
    })
}

/// The scope with the operator's credential sources dropped: the
/// simulated Keystone's admin stands in for them.
fn sim_scope(s: &OpenStackScope) -> OpenStackScope {
    OpenStackScope {
        openrc: None,
        cloud: None,
        ..s.clone()
    }
}

struct SimOpenStack(Arc<RealOpenStack>);

#[async_trait]
impl backends::OpenStack for SimOpenStack {
    async fn server_start(&self, s: &OpenStackScope, server: &str) -> Result<(), CallError> {
        self.0.server_start(&sim_scope(s), server).await
    }
    async fn server_stop(&self, s: &OpenStackScope, server: &str) -> Result<(), CallError> {
        self.0.server_stop(&sim_scope(s), server).await
    }
    async fn server_show(&self, s: &OpenStackScope, server: &str) -> Result<Server, CallError> {
        self.0.server_show(&sim_scope(s), server).await
    }
    async fn server_list(&self, s: &OpenStackScope, all: bool) -> Result<Vec<Server>, CallError> {
        self.0.server_list(&sim_scope(s), all).await
    }
    async fn server_delete(&self, s: &OpenStackScope, id: &str) -> Result<(), CallError> {
        self.0.server_delete(&sim_scope(s), id).await
    }
    async fn loadbalancer_list(&self, s: &OpenStackScope) -> Result<Vec<LoadBalancer>, CallError> {
        self.0.loadbalancer_list(&sim_scope(s)).await
    }
    async fn loadbalancer_show(
        &self,
        s: &OpenStackScope,
        id: &str,
    ) -> Result<LoadBalancer, CallError> {
        self.0.loadbalancer_show(&sim_scope(s), id).await
    }
    async fn loadbalancer_failover(&self, s: &OpenStackScope, id: &str) -> Result<(), CallError> {
        self.0.loadbalancer_failover(&sim_scope(s), id).await
    }
    async fn amphora_list(&self, s: &OpenStackScope) -> Result<Vec<Amphora>, CallError> {
        self.0.amphora_list(&sim_scope(s)).await
    }
    async fn hypervisor_list(&self, s: &OpenStackScope) -> Result<Vec<Hypervisor>, CallError> {
        self.0.hypervisor_list(&sim_scope(s)).await
    }
    async fn coe_cluster_show(
        &self,
        s: &OpenStackScope,
        name: &str,
    ) -> Result<CoeCluster, CallError> {
        self.0.coe_cluster_show(&sim_scope(s), name).await
    }
}

struct SimKube {
    inner: RealKube,
    kubeconfig: PathBuf,
}

impl SimKube {
    fn scope(&self) -> KubeScope {
        KubeScope {
            kubeconfig: Some(self.kubeconfig.clone()),
        }
    }
}

#[async_trait]
impl backends::Kube for SimKube {
    async fn nodes(&self, _: &KubeScope) -> Result<Vec<Node>, CallError> {
        self.inner.nodes(&self.scope()).await
    }
    async fn pods(&self, _: &KubeScope, ns: Option<&str>) -> Result<Vec<Pod>, CallError> {
        self.inner.pods(&self.scope(), ns).await
    }
    async fn objects(
        &self,
        _: &KubeScope,
        kind: &str,
        ns: &str,
    ) -> Result<Vec<KubeObject>, CallError> {
        self.inner.objects(&self.scope(), kind, ns).await
    }
}
