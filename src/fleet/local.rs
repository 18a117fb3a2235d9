//! `rbk fleet run`: the plan run from this machine. Each site is one child
//! `rbk exec` (this same binary, the command an Argo or Jobs task runs in its
//! container), its output in `SITE.log` and its journal in `SITE.jsonl`
//! beside it. The parent only schedules: the canary first and alone, then at
//! most `parallel` sites at once; it reads each running site's journal for
//! the live table and each exit status for the summary.
//!
//! The site lock: a real run's `rbk exec` takes its site's lock itself (exit
//! 4 when another run holds it). Before starting a site the fleet looks at
//! the lock too, so that a rehearsal (`--sim`, `--dry-run`, which take no
//! lock) reports a site someone is working on as `locked`, as the real run
//! would meet it; the fleet never holds a lock while a site runs.
use std::collections::{HashMap, VecDeque};
use std::fs::OpenOptions;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::Command;
use tokio::signal::unix::{signal, SignalKind};
use tokio::task::JoinSet;

use super::status::{self, SiteState};
use super::table::{self, Display, Row};
use super::{ExecPaths, FailurePolicy, Plan, Site};
use crate::exit;
use crate::interp::site_lock::{self, Holder, SiteLock};
use crate::journal::JournalFile;

/// How often the live table reads the running sites' journals.
const REFRESH: Duration = Duration::from_millis(150);

/// How `rbk fleet run` carries on an earlier fleet.
#[derive(Debug, Clone, Copy, Default)]
pub struct Resume {
    /// Carry on the fleet whose journals are in the plan's journal directory.
    pub resume: bool,
    /// Resume sites even though the procedure changed since their run.
    pub accept_changed: bool,
}

/// Run `plan` (already validated). Returns the exit code.
pub fn run(plan: &Plan, how: Resume) -> i32 {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return crate::cli::usage_error(format!("cannot find the rbk binary: {e}")),
    };
    let starts = match prepare(plan, how.resume) {
        Ok(s) => s,
        Err(e) => return crate::cli::usage_error(e),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return crate::cli::usage_error(format!("cannot start the runtime: {e}")),
    };
    println!("{}", headline(plan));
    let live = std::io::stdout().is_terminal() && std::env::var("TERM").is_ok_and(|t| t != "dumb");
    let fleet = Fleet::new(plan, exe, starts, live, how.accept_changed);
    let (rows, interrupted) = runtime.block_on(fleet.run());
    print!("{}", table::summary(plan, &rows));
    let code = exit_code(&rows, interrupted);
    if code != exit::OK
        && rows
            .iter()
            .any(|r| !matches!(r.state, SiteState::Done { .. }))
    {
        println!(
            "  carry on with the same command and `--resume {}` instead of --journal-dir: completed sites are not run again",
            plan.journal_dir.display()
        );
    }
    code
}

/// How a site starts in this fleet run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    Fresh,
    /// Resume the run its journal holds.
    Resume,
    /// An earlier fleet run completed it.
    Completed,
}

/// Make the journal directory ready and decide how each site starts.
fn prepare(plan: &Plan, resume: bool) -> Result<Vec<Start>, String> {
    let dir = &plan.journal_dir;
    if resume && !dir.is_dir() {
        return Err(format!(
            "--resume {}: no such directory (it is the --journal-dir of the fleet to carry on)",
            dir.display()
        ));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the journal directory {}: {e}", dir.display()))?;
    let mut starts = Vec::new();
    for site in &plan.sites {
        let journal = plan.journal_path(site);
        let start = match (resume, journal.exists()) {
            (_, false) => Start::Fresh,
            (false, true) => {
                return Err(format!(
                    "journal {} already exists and rbk never overwrites a journal: pass --resume {} to carry on that fleet, or another --journal-dir",
                    journal.display(),
                    dir.display()
                ))
            }
            (true, true) if status::completed(&journal) => Start::Completed,
            (true, true) => Start::Resume,
        };
        starts.push(start);
    }
    let plan_file = dir.join("plan.json");
    std::fs::write(&plan_file, plan.to_json())
        .map_err(|e| format!("cannot write {}: {e}", plan_file.display()))?;
    Ok(starts)
}

fn headline(plan: &Plan) -> String {
    let mut parts = vec![format!("{} site(s)", plan.sites.len())];
    if let Some(c) = &plan.canary {
        parts.push(format!("canary {c}"));
    }
    parts.push(format!("{} at a time", plan.parallel));
    parts.push(
        match plan.on_failure {
            FailurePolicy::StopOnFailure => "stop on failure",
            FailurePolicy::KeepGoing => "keep going",
        }
        .into(),
    );
    if let Some(s) = &plan.sim {
        parts.push(format!("rehearsal on the simulated cloud ({s})"));
    }
    if plan.dry_run {
        parts.push("dry run".into());
    }
    format!(
        "fleet `{}`: {}; journals in {}",
        plan.procedure.name,
        parts.join(", "),
        plan.journal_dir.display()
    )
}

/// 130 when interrupted; else 1 when a site failed, errored or was not run;
/// else 3 when a journal is incomplete; else 4 when a site is locked; else 0.
fn exit_code(rows: &[Row], interrupted: bool) -> i32 {
    let any = |f: fn(&SiteState) -> bool| rows.iter().any(|r| f(&r.state));
    if interrupted {
        exit::INTERRUPTED
    } else if any(|s| {
        s.is_failure() || matches!(s, SiteState::NotRun { .. } | SiteState::Interrupted { .. })
    }) {
        exit::FAILED
    } else if rows.iter().any(|r| r.journal_incomplete) {
        exit::JOURNAL_INCOMPLETE
    } else if any(|s| matches!(s, SiteState::Locked { .. })) {
        exit::SITE_LOCKED
    } else {
        exit::OK
    }
}

/// A running site: its child's pid (to pass Ctrl-C on), when it started,
/// and how many runs its journal held before (to read only the new run).
struct Running {
    pid: Option<u32>,
    since: Instant,
    runs_before: usize,
    /// The journal's length when last read: unchanged, not read again.
    journal_len: u64,
    /// How many of the run's step entries have been shown.
    steps_shown: usize,
}

struct Fleet<'a> {
    plan: &'a Plan,
    exe: PathBuf,
    starts: Vec<Start>,
    accept_changed: bool,
    rows: Vec<Row>,
    running: HashMap<usize, Running>,
    display: Display,
}

impl<'a> Fleet<'a> {
    fn new(
        plan: &'a Plan,
        exe: PathBuf,
        starts: Vec<Start>,
        live: bool,
        accept_changed: bool,
    ) -> Fleet<'a> {
        let rows: Vec<Row> = starts
            .iter()
            .map(|s| Row {
                state: match s {
                    Start::Completed => SiteState::Done { earlier: true },
                    _ => SiteState::Waiting,
                },
                took: None,
                journal_incomplete: false,
            })
            .collect();
        let mut display = Display::new(plan, live, &rows);
        for (i, r) in rows.iter().enumerate() {
            display.update(i, &r.state);
        }
        Fleet {
            plan,
            exe,
            starts,
            accept_changed,
            rows,
            running: HashMap::new(),
            display,
        }
    }

    /// Schedule every site; returns the rows and whether Ctrl-C stopped it.
    async fn run(mut self) -> (Vec<Row>, bool) {
        let mut queue: VecDeque<usize> = (0..self.rows.len())
            .filter(|&i| self.rows[i].state == SiteState::Waiting)
            .collect();
        let mut children: JoinSet<(usize, Option<i32>)> = JoinSet::new();
        let mut stop: Option<&'static str> = None;
        let mut interrupted = false;
        let (mut sigint, mut sigterm) = match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(i), Ok(t)) => (i, t),
            _ => {
                self.display
                    .note("error: cannot catch Ctrl-C; not starting any site");
                return (self.rows, false);
            }
        };
        let mut refresh = tokio::time::interval(REFRESH);
        loop {
            while stop.is_none() && self.running.len() < self.plan.parallel {
                let Some(&i) = queue.front() else { break };
                if self.canary_pending(i) {
                    break;
                }
                queue.pop_front();
                self.start(i, &mut children);
                stop = stop.or(self.stop_after(i));
            }
            if self.running.is_empty() && (queue.is_empty() || stop.is_some()) {
                break;
            }
            tokio::select! {
                Some(joined) = children.join_next() => {
                    if let Ok((i, code)) = joined {
                        self.finish(i, code);
                        stop = stop.or(self.stop_after(i));
                    }
                }
                _ = refresh.tick() => self.refresh(),
                _ = sigint.recv() => {
                    interrupted = true;
                    stop = Some("interrupted");
                    self.interrupt();
                }
                _ = sigterm.recv() => {
                    interrupted = true;
                    stop = Some("interrupted");
                    self.interrupt();
                }
            }
        }
        for i in queue {
            self.set(
                i,
                SiteState::NotRun {
                    why: stop.unwrap_or("stopped"),
                },
            );
        }
        self.display.finish();
        (self.rows, interrupted)
    }

    /// Whether site `i` must wait for the canary to complete first.
    fn canary_pending(&self, i: usize) -> bool {
        self.plan.canary.is_some() && i != 0 && !self.rows[0].state.is_final()
    }

    /// Why nothing more starts after site `i` reached its state, if so.
    fn stop_after(&self, i: usize) -> Option<&'static str> {
        let state = &self.rows[i].state;
        if !state.is_final() {
            return None;
        }
        let is_canary = self.plan.canary.is_some() && i == 0;
        if is_canary && !matches!(state, SiteState::Done { .. }) {
            return Some("the canary did not complete");
        }
        if state.is_failure() && self.plan.on_failure == FailurePolicy::StopOnFailure {
            return Some("stopped after a failure");
        }
        None
    }

    /// Start site `i`'s `rbk exec`, or settle it at once (locked, error).
    fn start(&mut self, i: usize, children: &mut JoinSet<(usize, Option<i32>)>) {
        let site = &self.plan.sites[i];
        if let Err(state) = check_lock(self.plan, site) {
            self.set(i, state);
            return;
        }
        let journal = self.plan.journal_path(site);
        let runs_before = JournalFile::read(&journal).map_or(0, |f| f.runs.len());
        let resume = self.starts[i] == Start::Resume;
        let spawned = spawn(
            self.plan,
            site,
            &self.exe,
            resume,
            resume && self.accept_changed,
        );
        let mut child = match spawned {
            Ok(c) => c,
            Err(message) => {
                self.set(i, SiteState::Error { message });
                return;
            }
        };
        self.running.insert(
            i,
            Running {
                pid: child.id(),
                since: Instant::now(),
                runs_before,
                journal_len: 0,
                steps_shown: 0,
            },
        );
        self.set(i, SiteState::Running { step: None });
        children.spawn(async move {
            let code = child.wait().await.ok().and_then(|s| s.code());
            (i, code)
        });
    }

    fn finish(&mut self, i: usize, code: Option<i32>) {
        // The steps it went through since the last look come first, so a
        // site that ran between two looks still shows each of them.
        self.refresh_site(i);
        let site = &self.plan.sites[i];
        let state = status::finished(
            code,
            &self.plan.journal_path(site),
            &self.plan.log_path(site),
        );
        if let Some(r) = self.running.remove(&i) {
            self.rows[i].took = Some(r.since.elapsed());
        }
        self.rows[i].journal_incomplete = code == Some(exit::JOURNAL_INCOMPLETE);
        self.set(i, state);
    }

    /// Read each running site's journal.
    fn refresh(&mut self) {
        let mut sites: Vec<usize> = self.running.keys().copied().collect();
        sites.sort_unstable();
        for i in sites {
            self.refresh_site(i);
        }
    }

    /// Show each step site `i` entered since the last look (a line each
    /// where the output is not a terminal), then the step it is in now.
    fn refresh_site(&mut self, i: usize) {
        let journal = self.plan.journal_path(&self.plan.sites[i]);
        let Some(r) = self.running.get_mut(&i) else {
            return;
        };
        let len = std::fs::metadata(&journal).map_or(0, |m| m.len());
        if len == r.journal_len {
            return;
        }
        r.journal_len = len;
        let Some(run) = JournalFile::read(&journal)
            .ok()
            .and_then(|f| f.runs.into_iter().skip(r.runs_before).last())
        else {
            return;
        };
        let entered = status::steps_entered(&run);
        let new: Vec<String> = entered
            .get(r.steps_shown..)
            .unwrap_or_default()
            .iter()
            .map(|s| s.to_string())
            .collect();
        r.steps_shown = entered.len();
        for step in new {
            self.set(i, SiteState::Running { step: Some(step) });
        }
        // Between two steps, keep showing the last one.
        if let Some(step) = status::current_step(&run) {
            self.set(i, SiteState::Running { step: Some(step) });
        }
    }

    /// Pass Ctrl-C on to every running site: each stops where it is and
    /// journals `interrupted`, so `--resume` carries on from there.
    fn interrupt(&self) {
        self.display
            .note("interrupted: stopping the running sites (their journals stay resumable)");
        for r in self.running.values() {
            let pid = r
                .pid
                .and_then(|p| i32::try_from(p).ok())
                .and_then(rustix::process::Pid::from_raw);
            if let Some(pid) = pid {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::INT);
            }
        }
    }

    fn set(&mut self, i: usize, state: SiteState) {
        if self.rows[i].state != state {
            self.display.update(i, &state);
            self.rows[i].state = state;
        }
    }
}

/// Look at the site's lock as its real run would take it: `Err(Locked)`
/// when another run holds it. The fleet lets it go at once.
fn check_lock(plan: &Plan, site: &Site) -> Result<(), SiteState> {
    let (key, name) = site_lock::site_key(Some(&site.path), site.cloud.as_deref())
        .map_err(|message| SiteState::Error { message })?;
    let me = Holder::me(&plan.procedure.name, &name);
    match SiteLock::acquire(&site_lock::lock_dir(), &key, &me) {
        Ok(lock) => {
            drop(lock);
            Ok(())
        }
        Err(message) if message.contains(" is locked by ") => Err(SiteState::Locked { message }),
        Err(message) => Err(SiteState::Error { message }),
    }
}

/// Start `rbk exec` for `site`, its output appended to `SITE.log`. It gets
/// its own process group: Ctrl-C on the terminal reaches the fleet, which
/// passes it on once to each running site.
fn spawn(
    plan: &Plan,
    site: &Site,
    exe: &Path,
    resume: bool,
    accept_changed: bool,
) -> Result<tokio::process::Child, String> {
    let log_path = plan.log_path(site);
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| format!("cannot write {}: {e}", log_path.display()))?;
    let err = log
        .try_clone()
        .map_err(|e| format!("cannot write {}: {e}", log_path.display()))?;
    let at = ExecPaths {
        procedure: plan.procedure.path.clone(),
        site: site.path.clone(),
        journal: plan.journal_path(site),
        resume,
    };
    let mut args = plan.exec_args(site, &at);
    if accept_changed {
        args.insert(1, "--accept-changed".into());
    }
    Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))
}
