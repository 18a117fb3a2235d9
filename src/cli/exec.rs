//! `rbk exec`: load, refuse on errors, read the site file and `--set`
//! values, choose the backends and the clock, run, map the outcome to the
//! contract's exit codes. The work is in `crate::interp`.
use std::io::IsTerminal;

use std::path::{Path, PathBuf};

use super::{exit, usage_error, ExecArgs, JournalMode};
use crate::backends::openstack::OpenStackConfig;
use crate::backends::Backends;
use crate::check;
use crate::clock::Clock;
use crate::compilation::Compilation;
use crate::interp::resume::{ResumeState, SourceHashes};
use crate::interp::site_lock::{self, Holder, SiteLock};
use crate::interp::{self, inputs, Journal, RunOptions, Terminal, Verbosity};
use crate::sim::{Scenario, SimCloud};

pub fn run(args: ExecArgs) -> i32 {
    let comp = match Compilation::load(&args.file) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let program = match check::check_program(comp) {
        Ok(p) => p,
        Err(rejected) => {
            let color = std::io::stderr().is_terminal();
            for d in rejected.errors() {
                eprintln!("{}", d.render(color, 100));
            }
            eprintln!(
                "error: {} has errors; not running it (see `rbk check`)",
                args.file.display()
            );
            return exit::FAILED;
        }
    };
    let comp = program.compilation();
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
    let site = match inputs::load_site(comp, args.site.as_deref(), &known) {
        Ok(s) => s,
        Err(d) => return bad_input(d),
    };
    let params = match inputs::parse_params(comp, &args.set) {
        Ok(p) => p,
        Err(d) => return bad_input(d),
    };
    let proc_name = comp
        .procedure()
        .map(|p| p.name.name.clone())
        .unwrap_or_default();
    let resume = match &args.resume {
        Some(p) => {
            let hashes = SourceHashes::of(comp);
            match ResumeState::from_journal(p, &proc_name, &hashes, args.accept_changed) {
                Ok(r) => Some(r),
                Err(e) => return usage_error(e),
            }
        }
        None => None,
    };
    let journal_path = match journal_path(&args) {
        Ok(p) => p,
        Err(e) => return usage_error(e),
    };
    // Real runs only: a dry run and the simulated cloud change no site, and
    // a run with neither a site file nor --cloud names no site to lock.
    let names_a_site = args.site.is_some() || args.cloud.is_some();
    let _lock = if args.sim.is_none() && !args.dry_run && names_a_site {
        match take_site_lock(&args, &proc_name) {
            Ok(l) => Some(l),
            Err(e) => {
                eprintln!("error: {e}");
                return exit::SITE_LOCKED;
            }
        }
    } else {
        None
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
            let b = match interp::sim_run::SimRun::start(&cloud, clock.clone()) {
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
    let journal = match &journal_path {
        Some(p) => match Journal::append_to(p, clock.clone()) {
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
        run_id: String::new(),
    };
    let outcome = runtime.block_on(async {
        let interrupt = async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        interp::run(
            &program,
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
    if outcome.journal_failure.is_some() && outcome.outcome != interp::Outcome::Interrupted {
        return exit::JOURNAL_INCOMPLETE;
    }
    outcome.outcome.exit_code()
}

/// Where this run's journal goes: `--journal`, else the `--resume` journal
/// (the chain stays in one file; a dry run does not join it). An existing
/// file is appended to, never truncated, and only when that is what was asked.
fn journal_path(args: &ExecArgs) -> Result<Option<PathBuf>, String> {
    let path = match (&args.journal, &args.resume) {
        (Some(j), _) => j.clone(),
        (None, Some(r)) if !args.dry_run => r.clone(),
        _ => return Ok(None),
    };
    let resumed = args.resume.as_deref().is_some_and(|r| same_file(r, &path));
    if path.exists() && !resumed && args.journal_mode == JournalMode::New {
        return Err(format!(
            "journal {} already exists and rbk never overwrites a journal: pass --resume {0} to carry on its run, \
             --journal-mode append to add this run after it, or name a new file",
            path.display()
        ));
    }
    Ok(Some(path))
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

fn take_site_lock(args: &ExecArgs, procedure: &str) -> Result<SiteLock, String> {
    let (key, site) = site_lock::site_key(args.site.as_deref(), args.cloud.as_deref())?;
    let lock = SiteLock::acquire(&site_lock::lock_dir(), &key, &Holder::me(procedure, &site))?;
    if let Some(dead) = &lock.took_over {
        eprintln!("warning: took over the lock of site `{site}` from {dead}: that process is gone");
    }
    Ok(lock)
}
