//! `rbk exec`: load, refuse on errors, read the site file and `--set`
//! values, choose the backends and the clock, run, map the outcome to the
//! contract's exit codes. The work is in `crate::interp`.
use std::sync::Arc;

use async_trait::async_trait;

use super::{exit, usage_error, ExecArgs};
use crate::backends::{self, Backends, CallError};
use crate::clock::Clock;
use crate::interp::{self, resume::ResumeState, site, Journal, RunOptions, Terminal, Verbosity};
use crate::resolve::Compilation;
use crate::sim::{Scenario, SharedWorld};

pub fn run(args: ExecArgs) -> i32 {
    let comp = match Compilation::load(&args.file) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    if comp.has_errors() {
        for d in &comp.diagnostics {
            eprintln!("{}", d.render(false, 100));
        }
        eprintln!("error: {} has errors; not running it", args.file.display());
        return exit::FAILED;
    }
    if comp.procedure().is_none() {
        return usage_error(format!("{} has no procedure to run", args.file.display()));
    }
    let bad_input = |d: Box<crate::diagnostic::Diagnostic>| {
        eprintln!("error[{}]: {}", d.code, d.message);
        exit::USAGE
    };
    let site = match site::load_site(&comp, args.site.as_deref()) {
        Ok(s) => s,
        Err(d) => return bad_input(d),
    };
    let params = match site::parse_params(&comp, &args.set) {
        Ok(p) => p,
        Err(d) => return bad_input(d),
    };
    let resume = match &args.resume {
        Some(p) => match ResumeState::from_journal(p) {
            Ok(r) => Some(r),
            Err(e) => return usage_error(e),
        },
        None => None,
    };
    let (clock, backends) = match &args.sim {
        Some(name) => {
            let scenario = match Scenario::resolve(name) {
                Ok(s) => s,
                Err(e) => return usage_error(e),
            };
            let clock = Clock::virtual_clock();
            let world = match SharedWorld::from_scenario(&scenario, clock.clone()) {
                Ok(w) => w,
                Err(e) => return usage_error(e),
            };
            (clock, interp::fake::world_backends(world))
        }
        None => (Clock::Wall, real_backends()),
    };
    let journal = match &args.journal {
        Some(p) => match Journal::to_file(p, clock.clone()) {
            Ok(j) => j,
            Err(e) => return usage_error(format!("cannot write journal {}: {e}", p.display())),
        },
        None => Journal::memory(clock.clone()),
    };
    let level = if args.quiet {
        Verbosity::Quiet
    } else if args.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let opts = RunOptions {
        yes: args.yes,
        dry_run: args.dry_run,
        site,
        params,
        resume,
        cloud: args.cloud.clone(),
        simulated: args.sim.is_some(),
        base_dir: args.file.parent().map(|p| p.to_path_buf()),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return usage_error(format!("cannot start the runtime: {e}")),
    };
    let outcome = runtime.block_on(async {
        let interrupt = async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        interp::run(
            &comp,
            opts,
            backends,
            clock,
            journal,
            Terminal::stdout(level),
            interrupt,
        )
        .await
    });
    outcome.outcome.exit_code()
}

/// The backends for a real estate. OpenStack and kube clients are being
/// built; until they land, their calls fail with a clear message.
fn real_backends() -> Backends {
    Backends {
        openstack: Arc::new(NotBuilt),
        kube: Arc::new(NotBuilt),
        ssh: Arc::new(backends::ssh::RealSsh::new()),
        tcp: Arc::new(backends::tcp::RealTcp),
        local: Arc::new(backends::local::RealLocal),
    }
}

struct NotBuilt;

fn not_built(call: &str) -> CallError {
    CallError::Config {
        call: call.into(),
        message: "the real backend for this family is not built yet; use --sim".into(),
    }
}

#[async_trait]
impl backends::OpenStack for NotBuilt {
    async fn server_start(&self, _: &backends::OpenStackScope, _: &str) -> Result<(), CallError> {
        Err(not_built("openstack.server.start"))
    }
    async fn server_stop(&self, _: &backends::OpenStackScope, _: &str) -> Result<(), CallError> {
        Err(not_built("openstack.server.stop"))
    }
    async fn server_show(
        &self,
        _: &backends::OpenStackScope,
        _: &str,
    ) -> Result<backends::Server, CallError> {
        Err(not_built("openstack.server.show"))
    }
    async fn server_list(
        &self,
        _: &backends::OpenStackScope,
        _: bool,
    ) -> Result<Vec<backends::Server>, CallError> {
        Err(not_built("openstack.server.list"))
    }
    async fn server_delete(&self, _: &backends::OpenStackScope, _: &str) -> Result<(), CallError> {
        Err(not_built("openstack.server.delete"))
    }
    async fn loadbalancer_list(
        &self,
        _: &backends::OpenStackScope,
    ) -> Result<Vec<backends::LoadBalancer>, CallError> {
        Err(not_built("openstack.loadbalancer.list"))
    }
    async fn loadbalancer_show(
        &self,
        _: &backends::OpenStackScope,
        _: &str,
    ) -> Result<backends::LoadBalancer, CallError> {
        Err(not_built("openstack.loadbalancer.show"))
    }
    async fn loadbalancer_failover(
        &self,
        _: &backends::OpenStackScope,
        _: &str,
    ) -> Result<(), CallError> {
        Err(not_built("openstack.loadbalancer.failover"))
    }
    async fn amphora_list(
        &self,
        _: &backends::OpenStackScope,
    ) -> Result<Vec<backends::Amphora>, CallError> {
        Err(not_built("openstack.loadbalancer.amphora.list"))
    }
    async fn hypervisor_list(
        &self,
        _: &backends::OpenStackScope,
    ) -> Result<Vec<backends::Hypervisor>, CallError> {
        Err(not_built("openstack.hypervisor.list"))
    }
    async fn coe_cluster_show(
        &self,
        _: &backends::OpenStackScope,
        _: &str,
    ) -> Result<backends::CoeCluster, CallError> {
        Err(not_built("openstack.coe.cluster.show"))
    }
}

#[async_trait]
impl backends::Kube for NotBuilt {
    async fn nodes(&self, _: &backends::KubeScope) -> Result<Vec<backends::Node>, CallError> {
        Err(not_built("kube.nodes"))
    }
    async fn pods(
        &self,
        _: &backends::KubeScope,
        _: Option<&str>,
    ) -> Result<Vec<backends::Pod>, CallError> {
        Err(not_built("kube.pods"))
    }
    async fn objects(
        &self,
        _: &backends::KubeScope,
        _: &str,
        _: &str,
    ) -> Result<Vec<backends::KubeObject>, CallError> {
        Err(not_built("kube.get"))
    }
}
