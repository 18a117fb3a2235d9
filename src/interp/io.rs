//! The implementations of the builtins that act on the world, each named
//! by its entry in the builtin table (`Implementation::Io(io::server_start)`): a
//! builtin without one does not compile. Each takes its arguments in the
//! table's parameter order, defaults filled in, and the scopes around the
//! call, and goes through the backend traits, so the same function serves
//! real clouds and `--sim`.
use std::time::Duration;

use futures::future::BoxFuture;

use super::value::Value;
use crate::backends::{
    Backends, CallError, DrainOptions, KubeScope, KubeSelector, OpenStackScope, OsOp, SshScope,
};
use crate::clock::Clock;
use crate::resolve::builtins::Builtin;

/// One call of a builtin, as its implementation sees it.
pub struct Io<'a> {
    pub builtin: &'static Builtin,
    /// Arguments in the table's parameter order, defaults filled in.
    pub args: &'a [Value],
    pub backends: &'a Backends,
    pub os: Option<&'a OpenStackScope>,
    pub kube: Option<&'a KubeScope>,
    pub ssh: Option<&'a SshScope>,
    pub clock: &'a Clock,
}

/// A builtin's implementation.
pub type IoFn = for<'a> fn(&'a Io<'a>) -> BoxFuture<'a, Result<Value, CallError>>;

impl Io<'_> {
    /// Argument `i` as text (`""` when absent).
    pub fn s(&self, i: usize) -> String {
        self.args.get(i).map(|x| x.to_string()).unwrap_or_default()
    }

    /// Argument `i` as a duration, or `default`.
    pub fn duration(&self, i: usize, default: Duration) -> Duration {
        self.args
            .get(i)
            .and_then(Value::as_duration)
            .unwrap_or(default)
    }

    /// Argument `i` as text, `""` when absent or `none` (a filter not applied).
    pub fn text(&self, i: usize) -> String {
        match self.args.get(i) {
            Some(Value::Null) | None => String::new(),
            Some(x) => x.to_string(),
        }
    }

    /// Argument `i` as a whole number, 0 when it is not one.
    pub fn int(&self, i: usize) -> i64 {
        match self.args.get(i) {
            Some(Value::Int(n)) => *n,
            _ => 0,
        }
    }

    /// Send a maintenance request; the answer is the record(s) the table names.
    pub async fn maintain(&self, op: OsOp) -> Result<Value, CallError> {
        let answer = self
            .backends
            .openstack
            .maintain(self.os()?, self.builtin.name, &op)
            .await?;
        Ok(Value::from_serde(&answer))
    }

    /// Send an HTTP request: method, and the positions of the url,
    /// headers and timeout arguments; `insecure` and `cacert` follow the
    /// timeout.
    pub async fn http(
        &self,
        (method, url): (&str, usize),
        body: Option<String>,
        headers: usize,
        timeout: usize,
    ) -> Result<Value, CallError> {
        let parsed = crate::backends::http::parse_headers(&self.text(headers))
            .map_err(|m| self.config(m))?;
        let cacert = self.text(timeout + 2);
        let req = crate::backends::HttpRequest {
            call: self.builtin.name,
            method: method.to_ascii_uppercase(),
            url: self.text(url),
            headers: parsed,
            body,
            timeout: self.duration(timeout, Duration::from_secs(30)),
            insecure: self.flag(timeout + 1),
            cacert: (!cacert.is_empty())
                .then(|| crate::backends::local::expand_home(&cacert, self.builtin.name))
                .transpose()?,
        };
        Ok(Value::from_serde(&self.backends.http.request(&req).await?))
    }

    pub fn flag(&self, i: usize) -> bool {
        self.args.get(i).is_some_and(Value::truthy)
    }

    /// A failure of this call that is not the remote's (bad input).
    pub fn config(&self, message: impl Into<String>) -> CallError {
        CallError::Config {
            call: self.builtin.name.to_string(),
            message: message.into(),
        }
    }

    fn no_scope(&self, kind: &str) -> CallError {
        self.config(format!("must be called inside `scope {kind}(...)`"))
    }

    pub fn os(&self) -> Result<&OpenStackScope, CallError> {
        self.os.ok_or_else(|| self.no_scope("openstack"))
    }

    pub fn kube(&self) -> Result<&KubeScope, CallError> {
        self.kube.ok_or_else(|| self.no_scope("kube"))
    }

    pub fn ssh(&self) -> Result<&SshScope, CallError> {
        self.ssh.ok_or_else(|| self.no_scope("ssh"))
    }
}

/// A manifest or patch argument: YAML or JSON text (what procedures can
/// write), or a map (read from another object).
pub(super) fn document(b: &Builtin, v: Option<&Value>) -> Result<serde_json::Value, CallError> {
    let bad = |message: String| CallError::Config {
        call: b.name.into(),
        message,
    };
    match v {
        Some(Value::Map(_)) => Ok(v.map(Value::to_json).unwrap_or_default()),
        Some(Value::Str(text)) => {
            let doc: serde_json::Value = serde_saphyr::from_str(text)
                .map_err(|e| bad(format!("not a YAML or JSON document: {e}")))?;
            if doc.is_object() {
                Ok(doc)
            } else {
                Err(bad("the document must be a map (`key: value` lines)".into()))
            }
        }
        other => Err(bad(format!(
            "needs YAML text or a map, got {}",
            other.cloned().unwrap_or_default()
        ))),
    }
}

/// `io_fn!(name(c) { ... })`: an implementation, `c` the [`Io`].
macro_rules! io_fn {
    ($($(#[$doc:meta])* $name:ident($c:ident) $body:block)*) => {
        $(
            $(#[$doc])*
            pub fn $name<'a>($c: &'a Io<'a>) -> BoxFuture<'a, Result<Value, CallError>> {
                Box::pin(async move $body)
            }
        )*
    };
}

io_fn! {
    server_start(c) {
        c.backends.openstack.server_start(c.os()?, &c.s(0)).await?;
        Ok(Value::Null)
    }
    server_stop(c) {
        c.backends.openstack.server_stop(c.os()?, &c.s(0)).await?;
        Ok(Value::Null)
    }
    server_show(c) {
        Ok(Value::from_serde(&c.backends.openstack.server_show(c.os()?, &c.s(0)).await?))
    }
    server_delete(c) {
        c.backends.openstack.server_delete(c.os()?, &c.s(0)).await?;
        Ok(Value::Null)
    }
    loadbalancer_list(c) {
        Ok(Value::from_serde(&c.backends.openstack.loadbalancer_list(c.os()?).await?))
    }
    loadbalancer_show(c) {
        Ok(Value::from_serde(&c.backends.openstack.loadbalancer_show(c.os()?, &c.s(0)).await?))
    }
    loadbalancer_failover(c) {
        c.backends.openstack.loadbalancer_failover(c.os()?, &c.s(0)).await?;
        Ok(Value::Null)
    }
    amphora_list(c) {
        Ok(Value::from_serde(&c.backends.openstack.amphora_list(c.os()?).await?))
    }
    hypervisor_list(c) {
        Ok(Value::from_serde(&c.backends.openstack.hypervisor_list(c.os()?).await?))
    }
    coe_cluster_show(c) {
        Ok(Value::from_serde(&c.backends.openstack.coe_cluster_show(c.os()?, &c.s(0)).await?))
    }
    // The maintenance operations: one typed request each (`backends::OsOp`).
    server_list(c) {
        c.maintain(OsOp::ServerList { all_projects: c.flag(0), host: c.text(1), status: c.text(2), name: c.text(3) }).await
    }
    server_reboot(c) {
        c.maintain(OsOp::ServerReboot { server: c.text(0), hard: c.flag(1) }).await
    }
    server_live_migrate(c) {
        c.maintain(OsOp::ServerLiveMigrate { server: c.text(0), host: c.text(1) }).await
    }
    server_migrate(c) {
        c.maintain(OsOp::ServerMigrate { server: c.text(0), host: c.text(1) }).await
    }
    server_confirm_resize(c) {
        c.maintain(OsOp::ServerConfirmResize { server: c.text(0) }).await
    }
    server_console_log(c) {
        c.maintain(OsOp::ServerConsoleLog { server: c.text(0), lines: c.int(1) }).await
    }
    compute_service_list(c) {
        c.maintain(OsOp::ServiceList { host: c.text(0), binary: c.text(1) }).await
    }
    compute_service_disable(c) {
        c.maintain(OsOp::ServiceSet { host: c.text(0), reason: c.text(1), binary: c.text(2), enabled: false }).await
    }
    compute_service_enable(c) {
        c.maintain(OsOp::ServiceSet { host: c.text(0), binary: c.text(1), enabled: true, reason: String::new() }).await
    }
    hypervisor_show(c) {
        c.maintain(OsOp::HypervisorShow { host: c.text(0) }).await
    }
    loadbalancer_delete(c) {
        c.maintain(OsOp::LoadBalancerDelete { id: c.text(0), cascade: c.flag(1) }).await
    }
    amphora_failover(c) {
        c.maintain(OsOp::AmphoraFailover { id: c.text(0) }).await
    }
    amphora_delete(c) {
        c.maintain(OsOp::AmphoraDelete { id: c.text(0) }).await
    }
    volume_list(c) {
        c.maintain(OsOp::VolumeList { all_projects: c.flag(0) }).await
    }
    volume_show(c) {
        c.maintain(OsOp::VolumeShow { volume: c.text(0) }).await
    }
    volume_detach(c) {
        c.maintain(OsOp::VolumeDetach { server: c.text(0), volume: c.text(1) }).await
    }
    volume_delete(c) {
        c.maintain(OsOp::VolumeDelete { id: c.text(0) }).await
    }
    network_list(c) {
        c.maintain(OsOp::NetworkList).await
    }
    port_list(c) {
        c.maintain(OsOp::PortList { device: c.text(0), network: c.text(1) }).await
    }
    port_show(c) {
        c.maintain(OsOp::PortShow { id: c.text(0) }).await
    }
    floating_ip_list(c) {
        c.maintain(OsOp::FloatingIpList).await
    }
    floating_ip_show(c) {
        c.maintain(OsOp::FloatingIpShow { id: c.text(0) }).await
    }
    hypervisor_servers(c) {
        c.maintain(OsOp::HypervisorServers { host: c.text(0) }).await
    }
    listener_list(c) {
        c.maintain(OsOp::ListenerList { loadbalancer: c.text(0) }).await
    }
    pool_list(c) {
        c.maintain(OsOp::PoolList { loadbalancer: c.text(0) }).await
    }
    member_list(c) {
        c.maintain(OsOp::MemberList { pool: c.text(0) }).await
    }
    coe_cluster_list(c) {
        c.maintain(OsOp::ClusterList).await
    }
    coe_nodegroup_list(c) {
        c.maintain(OsOp::NodeGroupList { cluster: c.text(0) }).await
    }
    coe_nodegroup_show(c) {
        c.maintain(OsOp::NodeGroupShow { cluster: c.text(0), nodegroup: c.text(1) }).await
    }
    placement_provider_list(c) {
        c.maintain(OsOp::ProviderList { name: c.text(0) }).await
    }
    placement_inventory_list(c) {
        c.maintain(OsOp::ProviderInventories { provider: c.text(0) }).await
    }
    placement_usage_list(c) {
        c.maintain(OsOp::ProviderUsages { provider: c.text(0) }).await
    }
    /// Any OpenStack API call; the body is YAML or JSON text, or a map.
    openstack_request(c) {
        let body = match c.args.get(3) {
            None | Some(Value::Null) => serde_json::Value::Null,
            some => document(c.builtin, some)?,
        };
        c.maintain(OsOp::Request {
            service: c.text(0),
            method: c.text(1).to_ascii_uppercase(),
            path: c.text(2),
            body,
            microversion: c.text(4),
        })
        .await
    }
    kube_nodes(c) {
        Ok(Value::from_serde(&c.backends.kube.nodes(c.kube()?).await?))
    }
    kube_pods(c) {
        let ns = c.s(0);
        let ns = (!ns.is_empty()).then_some(ns);
        Ok(Value::from_serde(&c.backends.kube.pods(c.kube()?, ns.as_deref()).await?))
    }
    kube_get(c) {
        Ok(Value::from_serde(&c.backends.kube.get(c.kube()?, &c.s(0), &c.s(1), &c.s(2)).await?))
    }
    kube_list(c) {
        let selector = KubeSelector {
            namespace: c.s(1),
            labels: c.s(2),
            fields: c.s(3),
        };
        Ok(Value::from_serde(&c.backends.kube.list(c.kube()?, &c.s(0), &selector).await?))
    }
    kube_apply(c) {
        let manifest = document(c.builtin, c.args.first())?;
        Ok(Value::from_serde(&c.backends.kube.apply(c.kube()?, &manifest, &c.s(1), c.flag(2)).await?))
    }
    kube_patch(c) {
        let patch = document(c.builtin, c.args.get(2))?;
        let (kind, name, ns) = (c.s(0), c.s(1), c.s(3));
        Ok(Value::from_serde(
            &c.backends.kube.patch(c.kube()?, (&kind, &name, &ns), &patch, &c.s(4)).await?,
        ))
    }
    kube_delete(c) {
        c.backends.kube.delete(c.kube()?, &c.s(0), &c.s(1), &c.s(2)).await?;
        Ok(Value::Null)
    }
    kube_scale(c) {
        let replicas = match c.args.get(2) {
            Some(Value::Int(n)) => *n,
            other => {
                return Err(c.config(format!(
                    "replicas must be a whole number, got {}",
                    other.cloned().unwrap_or_default()
                )))
            }
        };
        let (kind, name, ns) = (c.s(0), c.s(1), c.s(3));
        c.backends.kube.scale(c.kube()?, (&kind, &name, &ns), replicas).await?;
        Ok(Value::Null)
    }
    kube_rollout_restart(c) {
        c.backends.kube.rollout_restart(c.kube()?, &c.s(0), &c.s(1), &c.s(2)).await?;
        Ok(Value::Null)
    }
    kube_cordon(c) {
        c.backends.kube.cordon(c.kube()?, &c.s(0), true).await?;
        Ok(Value::Null)
    }
    kube_uncordon(c) {
        c.backends.kube.cordon(c.kube()?, &c.s(0), false).await?;
        Ok(Value::Null)
    }
    kube_drain(c) {
        let options = DrainOptions {
            timeout: c.duration(1, Duration::from_secs(300)),
            retry_every: c.duration(2, Duration::from_secs(5)),
            ignore_daemonsets: c.flag(3),
            delete_emptydir_data: c.flag(4),
            force: c.flag(5),
        };
        Ok(Value::from_serde(&c.backends.kube.drain(c.kube()?, &c.s(0), &options).await?))
    }
    kube_logs(c) {
        let tail = match c.args.get(3) {
            Some(Value::Int(n)) => *n,
            _ => 100,
        };
        Ok(Value::Str(c.backends.kube.logs(c.kube()?, &c.s(0), &c.s(1), &c.s(2), tail).await?))
    }
    ssh_run(c) {
        let timeout = c.duration(1, Duration::from_secs(60));
        Ok(Value::from_serde(&c.backends.ssh.run(c.ssh()?, &c.s(0), timeout).await?))
    }
    ssh_put(c) {
        let copy = crate::backends::FileCopy {
            local: c.text(0),
            remote: c.text(1),
            timeout: c.duration(3, Duration::from_secs(60)),
        };
        Ok(Value::Int(c.backends.ssh.put(c.ssh()?, &copy, &c.text(2)).await?))
    }
    ssh_get(c) {
        let copy = crate::backends::FileCopy {
            remote: c.text(0),
            local: c.text(1),
            timeout: c.duration(2, Duration::from_secs(60)),
        };
        Ok(Value::Int(c.backends.ssh.get(c.ssh()?, &copy).await?))
    }
    tcp_probe(c) {
        let port = match c.args.get(1) {
            Some(Value::Int(p)) if (1..=65535).contains(p) => *p as u16,
            other => {
                return Err(c.config(format!(
                    "port must be 1-65535, got {}",
                    other.cloned().unwrap_or_default()
                )))
            }
        };
        let timeout = c.duration(2, Duration::from_secs(5));
        Ok(Value::Bool(c.backends.tcp.probe(&c.s(0), port, timeout).await?))
    }
    file_exists(c) {
        Ok(Value::Bool(c.backends.local.file_exists(&c.s(0)).await?))
    }
    file_write(c) {
        c.backends.local.file_write(&c.s(0), &c.s(1)).await?;
        Ok(Value::Null)
    }
    /// argv, not a shell string: each item is one argument.
    local_run(c) {
        let argv: Vec<String> = match c.args.first() {
            Some(Value::List(items)) => items.iter().map(Value::to_string).collect(),
            other => {
                return Err(c.config(format!(
                    "argv must be a list of words ([\"juju\", \"status\"]), got {}",
                    other.cloned().unwrap_or_default()
                )))
            }
        };
        let timeout = c.duration(1, Duration::from_secs(60));
        Ok(Value::from_serde(&c.backends.local.run(&argv, timeout).await?))
    }
    http_get(c) {
        c.http(("GET", 0), None, 1, 2).await
    }
    http_request(c) {
        let body = c.text(2);
        c.http((&c.text(0), 1), (!body.is_empty()).then_some(body), 3, 4).await
    }
    /// Simulated time under `--sim`.
    sleep(c) {
        c.clock.sleep(c.duration(0, Duration::ZERO)).await;
        Ok(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::builtins::{Effect, Implementation, BUILTINS};
    use crate::resolve::types::Ty;
    use crate::sim::{Scenario, SimCloud};

    /// An argument the healthy world knows, by parameter name and type.
    fn sample(b: &Builtin, name: &str, ty: Ty) -> Value {
        match (name, ty) {
            (_, Ty::Int) => Value::Int(22),
            (_, Ty::Bool) => Value::Bool(false),
            (_, Ty::Duration) => Value::Duration(Duration::from_secs(1)),
            (_, Ty::Map) | ("manifest" | "patch", _) => Value::from_serde(&serde_json::json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "rbk-table-test", "namespace": "default"},
            })),
            ("id", _) => Value::Str("00000000-0000-4000-8000-000000000000".into()),
            ("kind", _) => Value::Str("machine".into()),
            ("namespace", _) => Value::Str("magnum-674171fd28d446d3a37073b6a761e910".into()),
            ("host", _) => Value::Str("10.12.7.40".into()),
            ("path", _) if b.name == "openstack.request" => Value::Str("/os-services".into()),
            ("path", _) => Value::Str("~/rbk-table-test".into()),
            ("method", _) => Value::Str("GET".into()),
            ("local", _) => Value::Str("~/capi-mgmt.kubeconfig".into()),
            ("remote", _) => Value::Str("/tmp/rbk-table-test".into()),
            ("argv", _) => {
                Value::List(vec![Value::Str("juju".into()), Value::Str("status".into())])
            }
            ("url", _) => Value::Str("https://keystone.example:5000/healthcheck".into()),
            ("service", _) => Value::Str("compute".into()),
            ("command", _) => Value::Str("uptime".into()),
            _ => Value::Str("capi-mgmt-v2".into()),
        }
    }

    #[test]
    fn every_builtin_has_an_implementation_of_its_kind_and_a_render_command() {
        for b in BUILTINS {
            match b.run {
                Implementation::Pure(_) => assert_eq!(b.effect, Effect::Pure, "{}", b.name),
                Implementation::Io(_) => {
                    assert_ne!(b.effect, Effect::Pure, "{}", b.name);
                    assert!(!b.command.is_empty(), "{} has no render command", b.name);
                }
            }
        }
    }

    /// Every builtin that acts on the world is answered under `--sim`: by
    /// the simulated cloud's APIs through the real clients, or by its world
    /// (ssh, tcp, files). An error from the remote (a 404 for a sample
    /// name) is an answer; "cannot reach" or a local refusal is not.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_builtin_is_answered_by_the_simulator() {
        let clock = Clock::virtual_clock();
        let cloud = SimCloud::start(Scenario::named("healthy").unwrap(), clock.clone(), None)
            .await
            .unwrap();
        let sim = crate::interp::sim_run::SimRun::start(&cloud, clock.clone()).unwrap();
        let os = OpenStackScope {
            project_id: Some("674171fd28d446d3a37073b6a761e910".into()),
            ..Default::default()
        };
        let kube = KubeScope::default();
        let ssh = SshScope {
            host: "10.12.7.40".into(),
            port: 22,
            user: "ubuntu".into(),
            key: None,
            known_hosts: Default::default(),
            known_hosts_file: None,
            connect_timeout: Duration::from_secs(5),
        };
        let mut answered = 0;
        // Looks first: the actions change the world (a stopped VM answers no ssh).
        let mut ordered: Vec<_> = BUILTINS.iter().collect();
        // ssh's own changes (`ssh.put`) before the ones that stop its VM.
        ordered.sort_by_key(|b| (b.effect_of(&[]).mutates(), b.family() != Some("ssh")));
        for b in ordered {
            let Implementation::Io(run) = b.run else {
                continue;
            };
            let args: Vec<Value> = b
                .params
                .iter()
                .map(|p| match p.default {
                    Some(d) => crate::interp::dispatch::parse_default(d),
                    None => sample(b, p.name, p.ty),
                })
                .collect();
            let call = Io {
                builtin: b,
                args: &args,
                backends: &sim.backends,
                os: Some(&os),
                kube: Some(&kube),
                ssh: Some(&ssh),
                clock: &clock,
            };
            match run(&call).await {
                Ok(_) | Err(CallError::Remote { .. }) => answered += 1,
                Err(e) => panic!("{}: the simulator did not answer: {e}", b.name),
            }
        }
        assert!(answered >= 19, "only {answered} builtins tried");
    }
}
