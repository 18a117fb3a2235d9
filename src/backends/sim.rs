//! Under `--sim`, ssh, TCP probes and the operator's local files are answered
//! by the simulated world directly (nothing leaves the process): ssh to the
//! mgmt VM's floating IP runs the guest's `uptime` / `k8s status` / `k8s
//! config`, a probe of its port 22 succeeds once sshd is up, and files live
//! in an in-memory map (the user's real home is never touched).
//!
//! OpenStack and Kubernetes calls go through the real clients over loopback
//! HTTP to [`crate::sim::SimCloud`], wrapped so that a procedure's credential
//! sources (an openrc path, a clouds.yaml entry, a kubeconfig path) mean the
//! simulated cloud's: [`SimOpenStack`], [`SimKube`].
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::kube::{calls, RealKube};
use super::openstack::{OpenStackConfig, RealOpenStack};
use super::{
    Amphora, Backends, CallError, CoeCluster, Drain, DrainOptions, FileCopy, Http, HttpRequest,
    HttpResponse, Hypervisor, Kube, KubeNode, KubeObject, KubeScope, KubeSelector, LoadBalancer,
    Local, LocalOutput, OpenStack, OpenStackScope, Pod, Server, Ssh, SshOutput, SshScope, Tcp,
};
use crate::clock::Clock;
use crate::sim::{guest, ids, SharedWorld, SimCloud};

const SSH: &str = "ssh.run";
const TCP: &str = "tcp.probe";

/// The three world-backed backends for one simulated cloud.
pub struct WorldBackends {
    pub ssh: Arc<dyn Ssh>,
    pub tcp: Arc<dyn Tcp>,
    pub local: Arc<dyn Local>,
    pub http: Arc<dyn Http>,
}

impl WorldBackends {
    pub fn for_cloud(cloud: &SimCloud) -> WorldBackends {
        let world = cloud.world();
        WorldBackends {
            ssh: Arc::new(SimSsh::new(world.clone(), cloud.kubeconfig_yaml())),
            tcp: Arc::new(SimTcp::new(world.clone())),
            local: Arc::new(SimLocal::new(world.clone())),
            http: Arc::new(SimHttp::new(world)),
        }
    }
}

/// Every backend of a `--sim` run: the real OpenStack and kube clients aimed
/// at `cloud`, ssh/tcp/local answered by its world. `kubeconfig_file` is a
/// real file holding [`SimCloud::kubeconfig_yaml`] (the kube client reads
/// files); see [`SimCloud::write_env`].
pub fn cloud_backends(cloud: &SimCloud, clock: Clock, kubeconfig_file: &Path) -> Backends {
    let b = WorldBackends::for_cloud(cloud);
    let env = cloud.os_env().into_iter().collect();
    Backends {
        openstack: Arc::new(SimOpenStack {
            inner: RealOpenStack::new(OpenStackConfig { cloud: None, env }, clock.clone()),
        }),
        kube: Arc::new(SimKube {
            inner: RealKube::new(clock.clone()),
            clock,
            world: cloud.world(),
            kubeconfig_file: kubeconfig_file.to_path_buf(),
        }),
        ssh: b.ssh,
        tcp: b.tcp,
        local: b.local,
        http: b.http,
    }
}

/// The real OpenStack client with every scope's credential source replaced
/// by the simulated cloud's admin credentials; project narrowing is kept.
pub struct SimOpenStack {
    inner: RealOpenStack,
}

fn sim_scope(scope: &OpenStackScope) -> OpenStackScope {
    OpenStackScope {
        openrc: None,
        cloud: None,
        ..scope.clone()
    }
}

#[async_trait]
impl OpenStack for SimOpenStack {
    async fn server_start(&self, scope: &OpenStackScope, server: &str) -> Result<(), CallError> {
        self.inner.server_start(&sim_scope(scope), server).await
    }
    async fn server_stop(&self, scope: &OpenStackScope, server: &str) -> Result<(), CallError> {
        self.inner.server_stop(&sim_scope(scope), server).await
    }
    async fn server_show(&self, scope: &OpenStackScope, server: &str) -> Result<Server, CallError> {
        self.inner.server_show(&sim_scope(scope), server).await
    }
    async fn server_list(
        &self,
        scope: &OpenStackScope,
        all_projects: bool,
    ) -> Result<Vec<Server>, CallError> {
        self.inner
            .server_list(&sim_scope(scope), all_projects)
            .await
    }
    async fn server_delete(&self, scope: &OpenStackScope, id: &str) -> Result<(), CallError> {
        self.inner.server_delete(&sim_scope(scope), id).await
    }
    async fn loadbalancer_list(
        &self,
        scope: &OpenStackScope,
    ) -> Result<Vec<LoadBalancer>, CallError> {
        self.inner.loadbalancer_list(&sim_scope(scope)).await
    }
    async fn loadbalancer_show(
        &self,
        scope: &OpenStackScope,
        id: &str,
    ) -> Result<LoadBalancer, CallError> {
        self.inner.loadbalancer_show(&sim_scope(scope), id).await
    }
    async fn loadbalancer_failover(
        &self,
        scope: &OpenStackScope,
        id: &str,
    ) -> Result<(), CallError> {
        self.inner
            .loadbalancer_failover(&sim_scope(scope), id)
            .await
    }
    async fn amphora_list(&self, scope: &OpenStackScope) -> Result<Vec<Amphora>, CallError> {
        self.inner.amphora_list(&sim_scope(scope)).await
    }
    async fn hypervisor_list(&self, scope: &OpenStackScope) -> Result<Vec<Hypervisor>, CallError> {
        self.inner.hypervisor_list(&sim_scope(scope)).await
    }
    async fn coe_cluster_show(
        &self,
        scope: &OpenStackScope,
        name: &str,
    ) -> Result<CoeCluster, CallError> {
        self.inner.coe_cluster_show(&sim_scope(scope), name).await
    }
    async fn maintain(
        &self,
        scope: &OpenStackScope,
        call: &'static str,
        op: &super::OsOp,
    ) -> Result<serde_json::Value, CallError> {
        self.inner.maintain(&sim_scope(scope), call, op).await
    }
}

/// The real kube client aimed at the simulated API. A scope's kubeconfig
/// path names a file on the simulated operator's machine: when the world
/// says it does not exist (scenario `kubeconfig_present = false`, before the
/// seed's re-emit), the call fails as a missing kubeconfig would.
pub struct SimKube {
    inner: RealKube,
    clock: Clock,
    world: SharedWorld,
    kubeconfig_file: PathBuf,
}

impl SimKube {
    fn scope(&self, scope: &KubeScope, call: &str) -> Result<KubeScope, CallError> {
        if let Some(path) = &scope.kubeconfig {
            let p = path.to_string_lossy().to_string();
            if !self.world.read(|w, _| w.local_file_exists(&p)) {
                return Err(CallError::Config {
                    call: call.into(),
                    message: format!("kubeconfig {p}: No such file or directory (os error 2)"),
                });
            }
        }
        Ok(KubeScope {
            kubeconfig: Some(self.kubeconfig_file.clone()),
        })
    }
}

/// The management cluster's API as the operator's kubeconfig names it.
fn kube_api_target() -> String {
    format!("https://{}:6443", ids::MGMT_FIP)
}

impl SimKube {
    /// What a connection to the management API meets now: when the VM is
    /// off nothing answers (each attempt costs the connect timeout, in
    /// simulated time); while it boots the port refuses. Either way the
    /// retries are the real client's, reported like the real ones.
    async fn reach<T>(
        &self,
        call: &str,
        answered: impl std::future::Future<Output = Result<T, CallError>>,
    ) -> Result<T, CallError> {
        if self.unanswered().is_none() {
            return answered.await;
        }
        self.inner
            .retrying(call, || async {
                match self.unanswered() {
                    Some(Reach::Silent) => {
                        let after = self.inner.connect_timeout();
                        self.clock.sleep(after).await;
                        Err(CallError::Unreachable {
                            call: call.into(),
                            target: kube_api_target(),
                            message: format!(
                                "connection timed out after {}s: nothing answers",
                                after.as_secs()
                            ),
                        })
                    }
                    Some(_) => Err(CallError::Unreachable {
                        call: call.into(),
                        target: kube_api_target(),
                        message: "connection refused".into(),
                    }),
                    None => Err(CallError::Remote {
                        call: call.into(),
                        status: Some(503),
                        message: "the API came up between two attempts; try again".into(),
                    }),
                }
            })
            .await
    }

    fn unanswered(&self) -> Option<Reach> {
        self.world.read(|w, now| {
            if w.mgmt_uptime(now).is_none() {
                Some(Reach::Silent)
            } else if !w.mgmt_k8s_ready(now) {
                Some(Reach::Refused)
            } else {
                None
            }
        })
    }
}

#[async_trait]
impl Kube for SimKube {
    async fn nodes(&self, scope: &KubeScope) -> Result<Vec<KubeNode>, CallError> {
        let scope = self.scope(scope, calls::NODES)?;
        self.reach(calls::NODES, self.inner.nodes(&scope)).await
    }
    async fn pods(
        &self,
        scope: &KubeScope,
        namespace: Option<&str>,
    ) -> Result<Vec<Pod>, CallError> {
        let scope = self.scope(scope, calls::PODS)?;
        self.reach(calls::PODS, self.inner.pods(&scope, namespace))
            .await
    }
    async fn get(
        &self,
        scope: &KubeScope,
        kind: &str,
        name: &str,
        namespace: &str,
    ) -> Result<KubeObject, CallError> {
        let scope = self.scope(scope, calls::GET)?;
        self.reach(calls::GET, self.inner.get(&scope, kind, name, namespace))
            .await
    }
    async fn list(
        &self,
        scope: &KubeScope,
        kind: &str,
        selector: &KubeSelector,
    ) -> Result<Vec<KubeObject>, CallError> {
        let scope = self.scope(scope, calls::LIST)?;
        self.reach(calls::LIST, self.inner.list(&scope, kind, selector))
            .await
    }
    async fn apply(
        &self,
        scope: &KubeScope,
        manifest: &serde_json::Value,
        field_manager: &str,
        force: bool,
    ) -> Result<KubeObject, CallError> {
        let scope = self.scope(scope, calls::APPLY)?;
        self.inner
            .apply(&scope, manifest, field_manager, force)
            .await
    }
    async fn patch(
        &self,
        scope: &KubeScope,
        target: (&str, &str, &str),
        patch: &serde_json::Value,
        strategy: &str,
    ) -> Result<KubeObject, CallError> {
        let scope = self.scope(scope, calls::PATCH)?;
        self.inner.patch(&scope, target, patch, strategy).await
    }
    async fn delete(
        &self,
        scope: &KubeScope,
        kind: &str,
        name: &str,
        namespace: &str,
    ) -> Result<(), CallError> {
        let scope = self.scope(scope, calls::DELETE)?;
        self.inner.delete(&scope, kind, name, namespace).await
    }
    async fn scale(
        &self,
        scope: &KubeScope,
        target: (&str, &str, &str),
        replicas: i64,
    ) -> Result<(), CallError> {
        let scope = self.scope(scope, calls::SCALE)?;
        self.inner.scale(&scope, target, replicas).await
    }
    async fn rollout_restart(
        &self,
        scope: &KubeScope,
        kind: &str,
        name: &str,
        namespace: &str,
    ) -> Result<(), CallError> {
        let scope = self.scope(scope, calls::ROLLOUT_RESTART)?;
        self.inner
            .rollout_restart(&scope, kind, name, namespace)
            .await
    }
    async fn cordon(
        &self,
        scope: &KubeScope,
        node: &str,
        unschedulable: bool,
    ) -> Result<(), CallError> {
        let scope = self.scope(scope, calls::CORDON)?;
        self.inner.cordon(&scope, node, unschedulable).await
    }
    async fn drain(
        &self,
        scope: &KubeScope,
        node: &str,
        options: &DrainOptions,
    ) -> Result<Drain, CallError> {
        let scope = self.scope(scope, calls::DRAIN)?;
        self.inner.drain(&scope, node, options).await
    }
    async fn logs(
        &self,
        scope: &KubeScope,
        pod: &str,
        namespace: &str,
        container: &str,
        tail: i64,
    ) -> Result<String, CallError> {
        let scope = self.scope(scope, calls::LOGS)?;
        self.reach(
            calls::LOGS,
            self.inner.logs(&scope, pod, namespace, container, tail),
        )
        .await
    }
}

/// Is `host` the management VM (its floating or fixed address, or its name)?
fn is_mgmt(host: &str) -> bool {
    matches!(host, ids::MGMT_FIP | ids::MGMT_FIXED_IP | ids::MGMT_VM_NAME)
}

/// What a connection attempt to the mgmt VM's sshd meets right now.
enum Reach {
    Up,
    /// The VM is booting: the FIP answers, sshd does not yet.
    Refused,
    /// The VM is off (or the host is unknown): nothing answers.
    Silent,
}

fn reach_sshd(world: &SharedWorld, host: &str) -> Reach {
    // A node of the scenario's own cluster: silent while it reboots.
    let node_up = world.read(|w, now| {
        let k = w.kube.as_ref()?;
        k.node_for_host(host).map(|n| k.node_reachable(&n, now))
    });
    if let Some(up) = node_up {
        return if up { Reach::Up } else { Reach::Silent };
    }
    if !is_mgmt(host) {
        return Reach::Silent;
    }
    world.read(|w, now| {
        if w.mgmt_sshd_up(now) {
            Reach::Up
        } else if w.mgmt_uptime(now).is_some() {
            Reach::Refused
        } else {
            Reach::Silent
        }
    })
}

pub struct SimSsh {
    world: SharedWorld,
    kubeconfig: String,
}

impl SimSsh {
    /// `kubeconfig` is what `sudo k8s config` prints: the sim's kube API.
    pub fn new(world: SharedWorld, kubeconfig: String) -> SimSsh {
        SimSsh { world, kubeconfig }
    }
}

impl SimSsh {
    /// Can `call` reach sshd on the scope's host and log in, as a real
    /// client would find out (a silent host costs the connect timeout)?
    async fn login(&self, scope: &SshScope, call: &str) -> Result<(), CallError> {
        let target = format!("{}@{}:{}", scope.user, scope.host, scope.port);
        if scope.port != 22 {
            return Err(CallError::Unreachable {
                call: call.into(),
                target,
                message: format!(
                    "ssh: connect to host {} port {}: Connection refused",
                    scope.host, scope.port
                ),
            });
        }
        match reach_sshd(&self.world, &scope.host) {
            Reach::Up => {}
            Reach::Refused => {
                return Err(CallError::Unreachable {
                    call: call.into(),
                    target,
                    message: format!(
                        "ssh: connect to host {} port 22: Connection refused",
                        scope.host
                    ),
                })
            }
            Reach::Silent => {
                self.world.clock().sleep(scope.connect_timeout).await;
                return Err(CallError::Timeout {
                    call: call.into(),
                    after: scope.connect_timeout,
                });
            }
        }
        if scope.user != "ubuntu" {
            return Err(CallError::Auth {
                call: call.into(),
                message: format!("{target}: Permission denied (publickey)."),
            });
        }
        Ok(())
    }
}

/// Where a file copied to a simulated host lives in the world.
fn remote_key(scope: &SshScope, path: &str) -> String {
    format!("{}:{path}", scope.host)
}

#[async_trait]
impl Ssh for SimSsh {
    /// The simulated operator's file (`file.write`), else the real one,
    /// only read; the host's copy lives in the world.
    async fn put(&self, scope: &SshScope, copy: &FileCopy, mode: &str) -> Result<i64, CallError> {
        const PUT: &str = "ssh.put";
        if !super::ssh::valid_mode(mode) {
            return Err(CallError::Config {
                call: PUT.into(),
                message: format!("mode {mode:?} is not octal like \"0644\""),
            });
        }
        self.login(scope, PUT).await?;
        let simulated = self.world.read(|w, _| w.local_file(&copy.local));
        let content = match simulated {
            Some(c) => c,
            None => {
                let path = super::local::expand_home(&copy.local, PUT)?;
                tokio::fs::read_to_string(&path)
                    .await
                    .map_err(|e| CallError::Config {
                        call: PUT.into(),
                        message: format!("cannot read {}: {e}", path.display()),
                    })?
            }
        };
        let len = content.len() as i64;
        let key = remote_key(scope, &copy.remote);
        self.world.write(|w, _| w.remote_files.insert(key, content));
        Ok(len)
    }

    /// A file `ssh.put` left on the host, into the simulated operator's files.
    async fn get(&self, scope: &SshScope, copy: &FileCopy) -> Result<i64, CallError> {
        const GET: &str = "ssh.get";
        self.login(scope, GET).await?;
        let key = remote_key(scope, &copy.remote);
        let Some(content) = self.world.read(|w, _| w.remote_files.get(&key).cloned()) else {
            return Err(CallError::Remote {
                call: GET.into(),
                status: None,
                message: format!(
                    "{}@{}: cannot read {} (exit 1) (cat: {}: No such file or directory)",
                    scope.user, scope.host, copy.remote, copy.remote
                ),
            });
        };
        self.world
            .write(|w, _| w.write_local_file(&copy.local, &content));
        Ok(content.len() as i64)
    }

    async fn run(
        &self,
        scope: &SshScope,
        command: &str,
        _timeout: Duration,
    ) -> Result<SshOutput, CallError> {
        self.login(scope, SSH).await?;
        let on_node = self.world.write(|w, now| {
            let k = w.kube.as_mut()?;
            let node = k.node_for_host(&scope.host)?;
            Some(k.ssh(&node, command, now))
        });
        if let Some((stdout, stderr, exit)) = on_node {
            return Ok(SshOutput {
                stdout,
                stderr,
                exit,
            });
        }
        let kubeconfig = self.kubeconfig.clone();
        let out = self
            .world
            .read(|w, now| guest::run(w, now, command, &|| kubeconfig.clone()));
        Ok(SshOutput {
            stdout: out.stdout,
            stderr: out.stderr,
            exit: out.exit,
        })
    }
}

pub struct SimTcp {
    world: SharedWorld,
}

impl SimTcp {
    pub fn new(world: SharedWorld) -> SimTcp {
        SimTcp { world }
    }
}

#[async_trait]
impl Tcp for SimTcp {
    async fn probe(&self, host: &str, port: u16, timeout: Duration) -> Result<bool, CallError> {
        if host.trim().is_empty() || host.contains(char::is_whitespace) {
            return Err(CallError::Config {
                call: TCP.into(),
                message: format!("{host:?} is not a host"),
            });
        }
        let up = match (port, reach_sshd(&self.world, host)) {
            (22, Reach::Up) => Some(true),
            // A booting guest drops the SYN until its network is configured:
            // each probe waits out its timeout (the seed's `timeout 5` loop
            // covers sshd's ~3.5 min only because of that).
            (22, Reach::Refused) => None,
            (6443, Reach::Up) => Some(self.world.read(|w, now| w.kube_api_status(now).is_ok())),
            (_, Reach::Refused | Reach::Up) => Some(false),
            (_, Reach::Silent) => None,
        };
        match up {
            Some(answer) => Ok(answer),
            None => {
                // No answer at all: the probe waits out its timeout.
                self.world.clock().sleep(timeout).await;
                Ok(false)
            }
        }
    }
}

pub struct SimLocal {
    world: SharedWorld,
}

impl SimLocal {
    pub fn new(world: SharedWorld) -> SimLocal {
        SimLocal { world }
    }
}

#[async_trait]
impl Local for SimLocal {
    async fn file_exists(&self, path: &str) -> Result<bool, CallError> {
        Ok(self.world.read(|w, _| w.local_file_exists(path)))
    }

    async fn file_write(&self, path: &str, content: &str) -> Result<(), CallError> {
        if path.trim().is_empty() {
            return Err(CallError::Config {
                call: "file.write".into(),
                message: "empty path".into(),
            });
        }
        self.world.write(|w, _| w.write_local_file(path, content));
        Ok(())
    }

    /// Never runs anything: the scenario's `[[local]]` answer, after its
    /// simulated duration (a timeout when that is longer than `timeout`).
    async fn run(&self, argv: &[String], timeout: Duration) -> Result<LocalOutput, CallError> {
        if argv.is_empty() {
            return Err(CallError::Config {
                call: "local.run".into(),
                message: "empty argv: name the program first, e.g. [\"juju\", \"status\"]".into(),
            });
        }
        let answer = self.world.write(|w, _| w.operator.run(argv));
        let takes = Duration::from_secs(answer.seconds);
        if takes > timeout {
            self.world.clock().sleep(timeout).await;
            return Err(CallError::Timeout {
                call: "local.run".into(),
                after: timeout,
            });
        }
        self.world.clock().sleep(takes).await;
        Ok(LocalOutput {
            stdout: answer.stdout,
            stderr: answer.stderr,
            exit: answer.exit,
        })
    }
}

/// `http.get` / `http.request` under `--sim`: the scenario's `[[http]]`
/// answers; nothing leaves the process.
pub struct SimHttp {
    world: SharedWorld,
}

impl SimHttp {
    pub fn new(world: SharedWorld) -> SimHttp {
        SimHttp { world }
    }
}

#[async_trait]
impl Http for SimHttp {
    async fn request(&self, req: &HttpRequest) -> Result<HttpResponse, CallError> {
        // The same refusals as the real client: a bad URL or header fails here too.
        super::http::validate(req)?;
        let answer = self
            .world
            .read(|w, _| w.operator.http(&req.method, &req.url));
        let takes = Duration::from_secs(answer.seconds);
        if takes > req.timeout {
            self.world.clock().sleep(req.timeout).await;
            return Err(CallError::Timeout {
                call: req.call.into(),
                after: req.timeout,
            });
        }
        self.world.clock().sleep(takes).await;
        Ok(super::http::response(
            answer.status,
            answer.content_type,
            answer.body,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::KnownHostsPolicy;
    use crate::clock::Clock;
    use crate::sim::Scenario;

    fn scope(host: &str) -> SshScope {
        SshScope {
            host: host.into(),
            port: 22,
            user: "ubuntu".into(),
            key: None,
            known_hosts: KnownHostsPolicy::AcceptNew,
            known_hosts_file: None,
            connect_timeout: Duration::from_secs(10),
        }
    }

    fn advance(clock: &Clock, d: Duration) {
        if let Clock::Virtual(v) = clock {
            v.advance(d)
        }
    }

    #[tokio::test]
    async fn the_seed_boot_story_over_ssh_and_tcp() {
        let clock = Clock::virtual_clock();
        let cloud = SimCloud::start(Scenario::named("parked").unwrap(), clock.clone(), None)
            .await
            .unwrap();
        let b = WorldBackends::for_cloud(&cloud);
        let cmd = "uptime; sudo k8s status 2>&1 </dev/null | head -4";

        // Parked: nothing answers; the attempt costs the connect timeout.
        let before = clock.sim_elapsed();
        let err = b
            .ssh
            .run(&scope(ids::MGMT_FIP), cmd, Duration::from_secs(30))
            .await
            .unwrap_err();
        assert!(matches!(err, CallError::Timeout { .. }), "{err}");
        assert_eq!(clock.sim_elapsed() - before, Duration::from_secs(10));
        assert!(!b
            .tcp
            .probe(ids::MGMT_FIP, 22, Duration::from_secs(5))
            .await
            .unwrap());

        cloud
            .world()
            .write(|w, now| w.start_server(ids::MGMT_VM_ID, now))
            .unwrap();
        advance(&clock, Duration::from_secs(60));
        let err = b
            .ssh
            .run(&scope(ids::MGMT_FIP), cmd, Duration::from_secs(30))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("Connection refused"), "{err}");
        assert!(!b
            .tcp
            .probe(ids::MGMT_FIP, 22, Duration::from_secs(5))
            .await
            .unwrap());

        // ~3.5 min after start: sshd answers; k8s is still converging.
        advance(&clock, Duration::from_secs(160));
        assert!(b
            .tcp
            .probe(ids::MGMT_FIP, 22, Duration::from_secs(5))
            .await
            .unwrap());
        let out = b
            .ssh
            .run(&scope(ids::MGMT_FIP), cmd, Duration::from_secs(30))
            .await
            .unwrap();
        assert!(
            out.stdout.contains("load average") && out.stdout.contains("control.socket"),
            "{}",
            out.stdout
        );
        let wrong_user = SshScope {
            user: "root".into(),
            ..scope(ids::MGMT_FIP)
        };
        assert!(matches!(
            b.ssh
                .run(&wrong_user, "uptime", Duration::from_secs(5))
                .await,
            Err(CallError::Auth { .. })
        ));

        // The seed's readiness poll: every 2 min until `cluster status: ready`.
        let mut polls = 0;
        loop {
            polls += 1;
            let out = b
                .ssh
                .run(&scope(ids::MGMT_FIP), cmd, Duration::from_secs(30))
                .await
                .unwrap();
            if out.stdout.contains("cluster status:           ready") {
                break;
            }
            assert!(polls < 15, "never ready");
            clock.sleep(Duration::from_secs(120)).await;
        }
        let since_start = clock.sim_elapsed() - Duration::from_secs(60);
        assert!(
            (20 * 60..=23 * 60).contains(&since_start.as_secs()),
            "ready {since_start:?} after start"
        );
        assert!(b
            .tcp
            .probe(ids::MGMT_FIP, 6443, Duration::from_secs(5))
            .await
            .unwrap());

        // Kubeconfig re-emit: `sudo k8s config server=...` > ~/capi-mgmt.kubeconfig.
        let out = b
            .ssh
            .run(
                &scope(ids::MGMT_FIP),
                "sudo k8s config server=https://10.12.7.40:6443 </dev/null",
                Duration::from_secs(30),
            )
            .await
            .unwrap();
        assert!(out.stdout.contains(cloud.base_url()), "{}", out.stdout);
        b.local
            .file_write("$HOME/capi-mgmt.kubeconfig", &out.stdout)
            .await
            .unwrap();
        assert!(b.local.file_exists("~/capi-mgmt.kubeconfig").await.unwrap());
        assert!(!b.local.file_exists("~/nope").await.unwrap());
        // Only loopback, never the network: an unknown host just times out.
        assert!(!b
            .tcp
            .probe("192.0.2.1", 22, Duration::from_secs(5))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn files_copied_to_a_host_come_back_and_nothing_runs_locally() {
        let cloud = SimCloud::start(
            Scenario::named("healthy").unwrap(),
            Clock::virtual_clock(),
            None,
        )
        .await
        .unwrap();
        let b = WorldBackends::for_cloud(&cloud);
        let ssh = SimSsh::new(cloud.world(), cloud.kubeconfig_yaml());
        let copy = |local: &str, remote: &str| FileCopy {
            local: local.into(),
            remote: remote.into(),
            timeout: Duration::from_secs(10),
        };
        b.local
            .file_write("~/fix.sh", "echo fixed\n")
            .await
            .unwrap();
        let n = ssh
            .put(
                &scope(ids::MGMT_FIP),
                &copy("~/fix.sh", "/tmp/fix.sh"),
                "0755",
            )
            .await
            .unwrap();
        assert_eq!(n, 11);
        let n = ssh
            .get(&scope(ids::MGMT_FIP), &copy("~/back.sh", "/tmp/fix.sh"))
            .await
            .unwrap();
        assert_eq!(n, 11);
        assert!(b.local.file_exists("~/back.sh").await.unwrap());
        let err = ssh
            .get(&scope(ids::MGMT_FIP), &copy("~/x", "/etc/nothing"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("No such file"), "{err}");
        assert!(ssh
            .put(&scope(ids::MGMT_FIP), &copy("~/fix.sh", "/tmp/x"), "rwx")
            .await
            .is_err());
        // local.run: the scenario's answer or exit 127, never a process.
        let out = b
            .local
            .run(
                &["touch".into(), "/tmp/rbk-sim-must-not-exist".into()],
                Duration::from_secs(5),
            )
            .await
            .unwrap();
        assert_eq!(out.exit, 127);
        assert!(!std::path::Path::new("/tmp/rbk-sim-must-not-exist").exists());
    }

    #[tokio::test]
    async fn scenario_decides_whether_the_kubeconfig_exists() {
        let s =
            Scenario::from_toml_str("base = \"healthy\"\nkubeconfig_present = false\n").unwrap();
        let cloud = SimCloud::start(s, Clock::virtual_clock(), None)
            .await
            .unwrap();
        let b = WorldBackends::for_cloud(&cloud);
        assert!(!b.local.file_exists("~/capi-mgmt.kubeconfig").await.unwrap());
        let healthy = SimCloud::start(
            Scenario::named("healthy").unwrap(),
            Clock::virtual_clock(),
            None,
        )
        .await
        .unwrap();
        assert!(WorldBackends::for_cloud(&healthy)
            .local
            .file_exists("$HOME/capi-mgmt.kubeconfig")
            .await
            .unwrap());
    }
}
