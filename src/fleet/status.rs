//! Where a site of the fleet is, as its journal and its `rbk exec`'s exit
//! status tell it: the states of the live table and of the summary.
use std::path::Path;

use crate::exit;
use crate::journal::{JournalFile, Kind, Run};

/// The state of one site in a fleet run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteState {
    /// Not started yet.
    Waiting,
    /// Its `rbk exec` is running; `step` is the innermost step it is in.
    Running { step: Option<String> },
    /// Completed; `earlier` when a previous fleet run completed it (`--resume`).
    Done { earlier: bool },
    /// Failed or aborted, at `step`, with the run's message.
    Failed {
        step: Option<String>,
        message: Option<String>,
    },
    /// Another run holds the site's lock: not run.
    Locked { message: String },
    /// Stopped by Ctrl-C at `step`; its journal is resumable.
    Interrupted { step: Option<String> },
    /// Never started: the canary failed, a site failed under
    /// stop-on-failure, or the fleet was interrupted.
    NotRun { why: &'static str },
    /// Its `rbk exec` could not start or refused its input.
    Error { message: String },
}

impl SiteState {
    /// Whether the site is finished for this fleet run (not waiting or running).
    pub fn is_final(&self) -> bool {
        !matches!(self, SiteState::Waiting | SiteState::Running { .. })
    }

    /// Whether this state stops a fleet run under stop-on-failure.
    pub fn is_failure(&self) -> bool {
        matches!(self, SiteState::Failed { .. } | SiteState::Error { .. })
    }

    /// One short phrase: `running step headroom`, `failed at step headroom`.
    pub fn phrase(&self) -> String {
        let at = |prefix: &str, step: &Option<String>| match step {
            Some(s) => format!("{prefix} step {s}"),
            None => prefix.trim_end_matches(" at").to_string(),
        };
        match self {
            SiteState::Waiting => "waiting".into(),
            SiteState::Running { step } => at("running", step),
            SiteState::Done { earlier: false } => "done".into(),
            SiteState::Done { earlier: true } => "done (by an earlier run)".into(),
            SiteState::Failed { step, .. } => at("failed at", step),
            SiteState::Locked { .. } => "locked".into(),
            SiteState::Interrupted { step } => at("interrupted at", step),
            SiteState::NotRun { why } => format!("not run ({why})"),
            SiteState::Error { .. } => "error".into(),
        }
    }

    /// The detail the summary prints under the table, if any.
    pub fn detail(&self) -> Option<&str> {
        match self {
            SiteState::Failed { message, .. } => message.as_deref(),
            SiteState::Locked { message } | SiteState::Error { message } => Some(message),
            _ => None,
        }
    }
}

/// The last run of a journal, if the file exists and reads.
pub fn last_run(journal: &Path) -> Option<Run> {
    if !journal.exists() {
        return None;
    }
    JournalFile::read(journal).ok()?.runs.pop()
}

/// Whether the journal's last run completed the procedure: `--resume`
/// does not run such a site again. A dry run never completes a site.
pub fn completed(journal: &Path) -> bool {
    last_run(journal)
        .is_some_and(|r| r.outcome() == "success" && r.start.bool("dry_run") != Some(true))
}

/// Every step the run entered, in order (a step entered again counts again).
pub fn steps_entered(run: &Run) -> Vec<&str> {
    run.events
        .iter()
        .filter(|e| e.kind == Kind::StepStart)
        .filter_map(|e| e.str("step"))
        .collect()
}

/// The innermost step the run is in now (started, not ended).
pub fn current_step(run: &Run) -> Option<String> {
    let mut open: Vec<&str> = Vec::new();
    for e in &run.events {
        match (e.kind, e.str("step")) {
            (Kind::StepStart, Some(s)) => open.push(s),
            (Kind::StepEnd, Some(s)) => {
                if let Some(i) = open.iter().rposition(|o| *o == s) {
                    open.truncate(i);
                }
            }
            _ => {}
        }
    }
    open.last().map(|s| s.to_string())
}

/// The state a finished `rbk exec` leaves its site in, from its exit code
/// (None: killed by a signal), its journal and its output (`SITE.log`).
pub fn finished(code: Option<i32>, journal: &Path, log: &Path) -> SiteState {
    let run = last_run(journal);
    let end_field = |k: &str| {
        run.as_ref()
            .and_then(|r| r.end.as_ref())
            .and_then(|e| e.str(k))
            .map(str::to_string)
    };
    let step = || end_field("step").or_else(|| run.as_ref().and_then(current_step));
    match code {
        Some(exit::OK) => SiteState::Done { earlier: false },
        Some(exit::SITE_LOCKED) => SiteState::Locked {
            message: last_error(log).unwrap_or_else(|| "another run holds the site's lock".into()),
        },
        Some(exit::INTERRUPTED) => SiteState::Interrupted { step: step() },
        Some(exit::JOURNAL_INCOMPLETE) if end_field("outcome").as_deref() == Some("success") => {
            SiteState::Done { earlier: false }
        }
        Some(exit::FAILED | exit::JOURNAL_INCOMPLETE) => SiteState::Failed {
            step: step(),
            message: end_field("message").or_else(|| last_error(log)),
        },
        Some(other) => SiteState::Error {
            message: last_error(log)
                .unwrap_or_else(|| format!("rbk exec exited with {other}; see {}", log.display())),
        },
        None => SiteState::Failed {
            step: step(),
            message: Some(format!("rbk exec was killed; see {}", log.display())),
        },
    }
}

/// The last `error...` line of a site's output.
fn last_error(log: &Path) -> Option<String> {
    let text = std::fs::read_to_string(log).ok()?;
    text.lines()
        .rev()
        .find(|l| l.starts_with("error"))
        .map(|l| l.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_of(lines: &str) -> Run {
        JournalFile::parse(lines, Path::new("j.jsonl"))
            .unwrap()
            .runs
            .pop()
            .unwrap()
    }

    #[test]
    fn the_current_step_is_the_innermost_open_one() {
        let r = run_of(concat!(
            "{\"event\":\"run_start\"}\n",
            "{\"event\":\"step_start\",\"step\":\"start\",\"call\":true}\n",
            "{\"event\":\"step_start\",\"step\":\"start_vm\"}\n",
            "{\"event\":\"step_end\",\"step\":\"start_vm\",\"outcome\":\"ok\"}\n",
            "{\"event\":\"step_start\",\"step\":\"ssh_port\"}\n",
        ));
        assert_eq!(current_step(&r).as_deref(), Some("ssh_port"));
        let r = run_of("{\"event\":\"run_start\"}\n");
        assert_eq!(current_step(&r), None);
    }

    #[test]
    fn phrases() {
        let s = SiteState::Failed {
            step: Some("headroom".into()),
            message: None,
        };
        assert_eq!(s.phrase(), "failed at step headroom");
        assert_eq!(SiteState::Running { step: None }.phrase(), "running");
        assert_eq!(
            SiteState::Interrupted { step: None }.phrase(),
            "interrupted"
        );
    }
}
