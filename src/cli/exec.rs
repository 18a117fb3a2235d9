//! `rbk exec`: load, refuse on errors, read the site file and `--set`
//! values, choose the backends and the clock, run, map the outcome to the
//! contract's exit codes. The work is in `crate::interp`.
use std::io::IsTerminal;

use super::{exit, usage_error, ExecArgs};
use crate::backends::openstack::OpenStackConfig;
use crate::backends::Backends;
use crate::clock::Clock;
use crate::interp::{self, resume::ResumeState, site, Journal, RunOptions, Terminal, Verbosity};
use crate::resolve::Compilation;
use crate::sim::{Scenario, SimCloud};

pub fn run(args: ExecArgs) -> i32 {
    let comp = match Compilation::load(&args.file) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let diags = crate::check::check(&comp);
    if diags.iter().any(|d| d.is_error()) {
        let color = std::io::stderr().is_terminal();
        for d in diags.iter().filter(|d| d.is_error()) {
            eprintln!("{}", d.render(color, 100));
        }
        eprintln!(
            "error: {} has errors; not running it (see `rbk check`)",
            args.file.display()
        );
        return exit::FAILED;
    }
    if comp.procedure().is_none() {
        return usage_error(format!("{} has no procedure to run", args.file.display()));
    }
    let bad_input = |d: Box<crate::diagnostic::Diagnostic>| {
        eprintln!("error[{}]: {}", d.code, d.message);
        exit::USAGE
    };
    // Without a site file the simulated cloud names its own site fields; a
    // site file is the whole truth (a field it lacks is reported).
    let known = if args.sim.is_some() && args.site.is_none() {
        crate::sim::ids::site_fields()
    } else {
        Vec::new()
    };
    let site = match site::load_site(&comp, args.site.as_deref(), &known) {
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
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return usage_error(format!("cannot start the runtime: {e}")),
    };
    // Under --sim: one virtual clock for the interpreter and the in-process
    // simulated cloud, whose HTTP server the real clients talk to.
    let mut sim = None;
    let (clock, backends) = match &args.sim {
        Some(name) => {
            let scenario = match Scenario::resolve(name) {
                Ok(s) => s,
                Err(e) => return usage_error(e),
            };
            let clock = Clock::virtual_clock();
            let cloud = match runtime.block_on(SimCloud::start(scenario, clock.clone(), None)) {
                Ok(c) => c,
                Err(e) => return usage_error(e),
            };
            let b = match interp::sim_backends::sim_backends(&cloud, clock.clone()) {
                Ok(b) => b,
                Err(e) => return usage_error(format!("cannot prepare the simulated cloud: {e}")),
            };
            let backends = b.backends.clone();
            sim = Some((cloud, b));
            (clock, backends)
        }
        None => {
            let config = OpenStackConfig::from_process(args.cloud.clone());
            (Clock::Wall, Backends::real(config, Clock::Wall))
        }
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
    // The simulated cloud (and its credential files) live until the run ends.
    runtime.block_on(async move { drop(sim) });
    outcome.outcome.exit_code()
}
