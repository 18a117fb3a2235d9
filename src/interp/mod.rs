//! The interpreter: runs a [`Checked`] procedure against a set of [`Backends`]
//! with a [`Clock`], writing the as-executed [`Journal`] and the terminal
//! progress as it goes.
//!
//! `rbk exec` is a thin front end over [`run`]; tests and rehearsals call it
//! directly. One run walks the procedure's nodes in source order: steps and
//! gates run their blocks, decisions jump forward (the nodes in between are
//! skipped), calls run another procedure's nodes in place. `exec/` holds
//! one file per node kind and statement family; each path of execution
//! carries its own `RunState` (variables, scopes, patience window).
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::backends::Backends;
use crate::check::Checked;
use crate::clock::Clock;
use crate::compilation::Compilation;
use crate::diagnostic::{Code, Diagnostic};

mod dispatch;
mod error;
mod eval;
mod exec;
mod expectations;
pub mod functions;
pub mod inputs;
pub mod io;
pub mod journal;
pub mod progress;
pub mod resume;
pub mod sim_run;
pub mod site_lock;
mod unreachable;
pub mod value;

pub use error::{RunError, Stop};
pub use journal::Journal;
pub use progress::{Terminal, Verbosity};
pub use value::Value;

/// How to run, from the command line.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Answer yes to every `confirm`.
    pub yes: bool,
    /// Run read-only calls; show and skip the ones that change the world.
    pub dry_run: bool,
    /// The site file's values (`site.x`), already checked against `site {}`.
    pub site: HashMap<String, Value>,
    /// `--set` values for the root procedure's params, already typed.
    pub params: HashMap<String, Value>,
    /// Steps a previous run completed (from `--resume`), and the decisions it took.
    pub resume: Option<resume::ResumeState>,
    /// `--cloud`: the clouds.yaml entry scopes use when they name none.
    pub cloud: Option<String>,
    /// Whether this runs against the simulated cloud (for `run_start`).
    pub simulated: bool,
    /// Where `ssh.run` keys and openrc paths are resolved from (the procedure's folder).
    pub base_dir: Option<PathBuf>,
    /// This run's id (`run_start.run`; a later run's `resumes`).
    pub run_id: String,
}

/// How a run ended, as `run_end` records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failed,
    Aborted,
    Interrupted,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failed => "failed",
            Outcome::Aborted => "aborted",
            Outcome::Interrupted => "interrupted",
        }
    }
    /// The process exit code of the CLI contract.
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Success => crate::exit::OK,
            Outcome::Failed | Outcome::Aborted => crate::exit::FAILED,
            Outcome::Interrupted => crate::exit::INTERRUPTED,
        }
    }
}

/// What a run did, for the summary and for tests.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub steps_ok: usize,
    pub steps_failed: usize,
    pub steps_skipped: usize,
    pub gates_passed: usize,
    pub decisions: Vec<(String, Option<String>)>,
    pub calls: usize,
    /// The node running now (for `run_end interrupted`).
    pub current: Option<String>,
}

#[derive(Debug)]
pub struct RunOutcome {
    pub outcome: Outcome,
    /// Why it did not succeed.
    pub error: Option<Diagnostic>,
    pub stats: Stats,
    /// Why the journal is incomplete (a write failed), if it is.
    pub journal_failure: Option<String>,
}

/// Everything one run shares across its tasks.
pub(crate) struct Interp<'c> {
    pub comp: &'c Compilation,
    pub opts: RunOptions,
    pub backends: Backends,
    pub clock: Clock,
    pub journal: Journal,
    pub term: Terminal,
    pub site: Value,
    pub stats: Mutex<Stats>,
    pub gates_passed: Mutex<HashSet<String>>,
    pub expectations: expectations::Table<'c>,
    pub regexes: Mutex<HashMap<String, Arc<regex::Regex>>>,
}

/// Run the root procedure of `program`. Returns when it ends, fails, or when
/// `interrupt` completes (Ctrl-C): then the current wait is dropped, and
/// `run_end` says `interrupted` and where. Only a [`Checked`] program runs:
/// the interpreter trusts the names, types and rules `check` proved.
pub async fn run(
    program: &Checked,
    opts: RunOptions,
    backends: Backends,
    clock: Clock,
    journal: Journal,
    term: Terminal,
    interrupt: impl std::future::Future<Output = ()>,
) -> RunOutcome {
    let comp = program.compilation();
    let Some(proc_) = comp.procedure() else {
        let d = Diagnostic::bare(Code::EvalFailed, "the file has no procedure to run");
        return RunOutcome {
            outcome: Outcome::Failed,
            error: Some(d),
            stats: Stats::default(),
            journal_failure: None,
        };
    };
    let mut opts = opts;
    if opts.run_id.is_empty() {
        opts.run_id = uuid::Uuid::new_v4().to_string();
    }
    let started = Instant::now();
    let sim_start = clock.sim_elapsed();
    let site = Value::Map(opts.site.clone().into_iter().collect());
    // Secret values are hidden from everything shown, from the first event on.
    let masked = secret_values(&opts);
    journal.mask(masked.clone());
    let interp = Interp {
        comp,
        backends,
        clock: clock.clone(),
        journal,
        term: term.masking(masked),
        site,
        stats: Mutex::new(Stats::default()),
        gates_passed: Mutex::new(HashSet::new()),
        expectations: expectations::Table::new(comp),
        regexes: Mutex::new(HashMap::new()),
        opts,
    };
    interp
        .journal
        .emit_synced("run_start", run_start_fields(comp, proc_, &interp.opts));
    interp.term.run_header(comp, proc_, &interp.opts);
    if let Some(r) = &interp.opts.resume {
        for w in &r.warnings {
            interp.term.warn(w);
        }
    }
    let result = tokio::select! {
        r = crate::backends::retry::scope(retry_sink(&interp), interp.run_root(proc_)) => Some(r),
        () = interrupt => None,
    };
    let (outcome, error) = match result {
        Some(Ok(())) => (Outcome::Success, None),
        Some(Err(e)) => (
            match e.stop {
                Stop::Aborted => Outcome::Aborted,
                _ => Outcome::Failed,
            },
            Some(*e.diagnostic),
        ),
        None => (Outcome::Interrupted, None),
    };
    let stats = interp.stats.lock().map(|s| s.clone()).unwrap_or_default();
    let mut end = serde_json::json!({ "outcome": outcome.as_str() });
    if let Some(step) = &stats.current {
        if outcome != Outcome::Success {
            end["step"] = serde_json::Value::String(step.clone());
        }
    }
    if let Some(d) = &error {
        end["code"] = serde_json::Value::String(d.code.as_str().into());
        end["message"] = serde_json::Value::String(d.message.clone());
    }
    interp.journal.emit_synced("run_end", end);
    if let Some(d) = &error {
        interp.term.error(d);
    }
    let journal_failure = interp.journal.failure();
    interp.term.summary(
        outcome,
        &stats,
        started.elapsed(),
        clock.sim_elapsed().saturating_sub(sim_start),
        clock.is_simulated(),
    );
    if let Some(why) = &journal_failure {
        interp.term.journal_incomplete(why);
    }
    RunOutcome {
        outcome,
        error,
        stats,
        journal_failure,
    }
}

/// Every retry a backend makes: a line on the terminal and a `retry` event.
fn retry_sink(interp: &Interp<'_>) -> crate::backends::retry::Sink {
    let journal = interp.journal.clone();
    let term = interp.term.clone();
    Arc::new(move |n: &crate::backends::retry::Notice| {
        let message = n.message();
        term.retry(&message);
        journal.emit(
            "retry",
            serde_json::json!({
                "builtin": n.call,
                "attempt": n.attempt,
                "max": n.max,
                "error": n.error.detail(),
                "retry_in": n.retry_in.map(crate::syntax::ast::format_duration),
                "message": message,
            }),
        );
    })
}

/// The values a run must never show: every text held by a param or a site
/// field named like a secret (`admin_password`, `site.bmc.api_token`), at
/// any depth below it. What is sent to the remote keeps them.
fn secret_values(opts: &RunOptions) -> crate::secrets::Masked {
    fn texts(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Str(s) => out.push(s.clone()),
            Value::List(items) => items.iter().for_each(|x| texts(x, out)),
            Value::Map(m) => m.values().for_each(|x| texts(x, out)),
            _ => {}
        }
    }
    fn named(name: &str, v: &Value, out: &mut Vec<String>) {
        match v {
            _ if crate::secrets::secret_name(name) => texts(v, out),
            Value::Map(m) => m.iter().for_each(|(k, x)| named(k, x, out)),
            Value::List(items) => items.iter().for_each(|x| named("", x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (k, v) in opts.params.iter().chain(&opts.site) {
        named(k, v, &mut out);
    }
    crate::secrets::Masked::new(out)
}

/// `run_start`: the contract's fields, then the run's id, the run it resumes,
/// and the hashes a later `--resume` checks the procedure against.
fn run_start_fields(
    comp: &Compilation,
    p: &crate::syntax::ast::Procedure,
    opts: &RunOptions,
) -> serde_json::Value {
    let hashes = resume::SourceHashes::of(comp);
    let mut f = serde_json::json!({
        "procedure": p.name.name,
        "backend": if opts.simulated { "sim" } else { "real" },
        "dry_run": opts.dry_run,
        "run": opts.run_id,
        "source_hash": hashes.source,
        "node_hashes": hashes.nodes,
    });
    if let Some(r) = &opts.resume {
        f["resumes"] = r.resumes.clone().into();
        f["resumes_journal"] = r.journal.as_ref().map(|p| p.display().to_string()).into();
    }
    f
}
