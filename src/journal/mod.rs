//! The as-executed journal read back: a file of runs, each run a list of
//! typed events, and chains of runs linked by `resumes`. `--resume` builds
//! its state from a [`Chain`]; `rbk journal show` renders one (`show`).
//! Writing is `crate::interp::journal`.
//!
//! Reading is tolerant where a crash can leave damage and strict elsewhere:
//! a last line cut short (the process was killed mid-write) is ignored with
//! a warning; a line that is not a journal event anywhere else is an error
//! naming the line.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

pub mod show;

/// One line of a journal.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// 1-based line in its file.
    pub line: usize,
    pub kind: Kind,
    /// The whole event as written, secrets hidden ([`crate::secrets`]).
    pub raw: Value,
}

/// The event kinds of the CLI contract, and the ones added since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    RunStart,
    RunEnd,
    StepStart,
    StepEnd,
    /// A mutating call is about to be sent (written and synced first).
    CallIntent,
    Call,
    /// A backend retried or timed out (what, attempt n of m, how long).
    Retry,
    PollAttempt,
    PollExhausted,
    Gate,
    Decision,
    Expectation,
    Record,
    Log,
    Confirm,
    Patience,
    /// Anything else: kept and shown, never an error.
    Other,
}

impl Kind {
    fn parse(s: &str) -> Kind {
        match s {
            "run_start" => Kind::RunStart,
            "run_end" => Kind::RunEnd,
            "step_start" => Kind::StepStart,
            "step_end" => Kind::StepEnd,
            "call_intent" => Kind::CallIntent,
            "call" => Kind::Call,
            "retry" => Kind::Retry,
            "poll_attempt" => Kind::PollAttempt,
            "poll_exhausted" => Kind::PollExhausted,
            "gate" => Kind::Gate,
            "decision" => Kind::Decision,
            "expectation" => Kind::Expectation,
            "record" => Kind::Record,
            "log" => Kind::Log,
            "confirm" => Kind::Confirm,
            "patience" => Kind::Patience,
            _ => Kind::Other,
        }
    }
}

impl Event {
    /// A string field.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.raw.get(key).and_then(Value::as_str)
    }
    pub fn bool(&self, key: &str) -> Option<bool> {
        self.raw.get(key).and_then(Value::as_bool)
    }
    pub fn ts(&self) -> &str {
        self.str("ts").unwrap_or("")
    }
    pub fn event_name(&self) -> &str {
        self.str("event").unwrap_or("")
    }
    /// The step (or gate) the event belongs to.
    pub fn step(&self) -> Option<&str> {
        self.str("step").or_else(|| self.str("gate"))
    }
}

/// One run: its `run_start` and everything up to its `run_end` (absent when
/// the process died).
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// None in journals written before runs had ids.
    pub id: Option<String>,
    /// The run this one resumed.
    pub resumes: Option<String>,
    /// The file holding the resumed run, when it is not this one.
    pub resumes_journal: Option<PathBuf>,
    pub procedure: String,
    pub source_hash: Option<String>,
    /// Each node's hash at the time of the run (to say which steps changed).
    pub node_hashes: BTreeMap<String, String>,
    pub start: Event,
    pub events: Vec<Event>,
    pub end: Option<Event>,
    /// The file it was read from.
    pub file: PathBuf,
}

impl Run {
    fn new(start: Event, file: &Path) -> Run {
        let s = |k: &str| start.str(k).map(str::to_string);
        let node_hashes = start
            .raw
            .get("node_hashes")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        Run {
            id: s("run"),
            resumes: s("resumes"),
            resumes_journal: s("resumes_journal").map(PathBuf::from),
            procedure: s("procedure").unwrap_or_default(),
            source_hash: s("source_hash"),
            node_hashes,
            start,
            events: Vec::new(),
            end: None,
            file: file.to_path_buf(),
        }
    }

    /// `success`, `failed`, ..., or `killed` when the run never ended.
    pub fn outcome(&self) -> &str {
        self.end
            .as_ref()
            .and_then(|e| e.str("outcome"))
            .unwrap_or("killed (no run_end)")
    }

    /// Steps this run completed (`step_end ok`, or a skip because an earlier
    /// run of the chain completed it).
    pub fn completed(&self) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(|e| {
            e.kind == Kind::StepEnd
                && (e.str("outcome") == Some("ok") || e.str("completed_by").is_some())
        })
    }

    /// A short label: the id's first 8 characters, or the line it starts on.
    pub fn label(&self) -> String {
        match &self.id {
            Some(id) => id.chars().take(8).collect(),
            None => format!("line {}", self.start.line),
        }
    }
}

/// A journal file: its runs in order, and what was tolerated reading it.
#[derive(Debug, Clone)]
pub struct JournalFile {
    pub path: PathBuf,
    pub runs: Vec<Run>,
    pub warnings: Vec<String>,
}

impl JournalFile {
    pub fn read(path: &Path) -> Result<JournalFile, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read journal {}: {e}", path.display()))?;
        Self::parse(&text, path).map_err(|e| format!("journal {}: {e}", path.display()))
    }

    pub fn parse(text: &str, path: &Path) -> Result<JournalFile, String> {
        let mut runs: Vec<Run> = Vec::new();
        let mut warnings = Vec::new();
        let lines: Vec<&str> = text.split('\n').collect();
        // The index of the last line with content: only it may be torn.
        let last = lines.iter().rposition(|l| !l.trim().is_empty());
        for (i, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let n = i + 1;
            let mut raw: Value = match serde_json::from_str(line) {
                Ok(v @ Value::Object(_)) => v,
                Ok(_) => return Err(format!("line {n}: not a journal event (not a JSON object)")),
                Err(e) => {
                    // A crash mid-write cuts the last line of a run short;
                    // the next run starts on a fresh line after it.
                    let torn = Some(i) == last || next_is_run_start(&lines[i + 1..]);
                    if torn && e.is_eof() {
                        warnings.push(format!("line {n}: ignoring a line cut short (the run writing it was killed): {}", clip(line)));
                        continue;
                    }
                    return Err(format!("line {n}: not a journal event: {e}"));
                }
            };
            // What rbk writes hides secrets already; a journal written before
            // it did is shown without them all the same.
            crate::secrets::hide_event(&mut raw);
            let kind = raw
                .get("event")
                .and_then(Value::as_str)
                .map(Kind::parse)
                .ok_or_else(|| format!("line {n}: not a journal event (no \"event\")"))?;
            let ev = Event { line: n, kind, raw };
            match kind {
                Kind::RunStart => runs.push(Run::new(ev, path)),
                _ => {
                    let Some(run) = runs.last_mut() else {
                        return Err(format!(
                            "line {n}: `{}` before any run_start",
                            ev.event_name()
                        ));
                    };
                    if kind == Kind::RunEnd {
                        run.end = Some(ev);
                    } else {
                        run.events.push(ev);
                    }
                }
            }
        }
        Ok(JournalFile {
            path: path.to_path_buf(),
            runs,
            warnings,
        })
    }
}

fn next_is_run_start(rest: &[&str]) -> bool {
    rest.iter()
        .find(|l| !l.trim().is_empty())
        .and_then(|l| serde_json::from_str::<Value>(l).ok())
        .is_some_and(|v| v.get("event").and_then(Value::as_str) == Some("run_start"))
}

fn clip(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(60).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Runs linked by `resumes`, oldest first; the last is the newest.
#[derive(Debug, Clone)]
pub struct Chain {
    pub runs: Vec<Run>,
    pub warnings: Vec<String>,
}

impl Chain {
    /// The chain ending at the last run of `path`, following `resumes` into
    /// earlier runs of the same file or into the file `resumes_journal` names.
    pub fn read(path: &Path) -> Result<Chain, String> {
        let file = JournalFile::read(path)?;
        let mut warnings = file.warnings.clone();
        let Some(last) = file.runs.last().cloned() else {
            return Err(format!("journal {} holds no run", path.display()));
        };
        let mut runs = vec![last];
        let mut files = vec![file];
        while let Some(run) = runs.last() {
            let Some(prev_id) = run.resumes.clone() else {
                break;
            };
            if runs.len() > 1000 {
                return Err("the resume chain loops".into());
            }
            let found = files
                .iter()
                .flat_map(|f| f.runs.iter())
                .find(|r| r.id.as_deref() == Some(prev_id.as_str()))
                .cloned();
            let found = match found {
                Some(r) => Some(r),
                None => match run.resumes_journal.clone() {
                    Some(other) => {
                        let other = resolve_beside(&run.file, &other);
                        let f = JournalFile::read(&other)?;
                        warnings.extend(f.warnings.iter().cloned());
                        let r = f
                            .runs
                            .iter()
                            .find(|r| r.id.as_deref() == Some(prev_id.as_str()))
                            .cloned();
                        files.push(f);
                        r
                    }
                    None => None,
                },
            };
            match found {
                Some(r) => runs.push(r),
                None => {
                    warnings.push(format!(
                        "run {} resumes run {prev_id}, which is not in the journal: the chain starts at {}",
                        run.label(),
                        run.label()
                    ));
                    break;
                }
            }
        }
        runs.reverse();
        Ok(Chain { runs, warnings })
    }

    pub fn last(&self) -> &Run {
        self.runs.last().expect("a chain has at least one run")
    }
}

/// A `resumes_journal` written relative to the working directory of the run
/// that wrote it; absolute paths are written, so this is only a fallback.
fn resolve_beside(file: &Path, other: &Path) -> PathBuf {
    if other.is_absolute() || other.exists() {
        return other.to_path_buf();
    }
    file.parent().map_or(other.to_path_buf(), |d| d.join(other))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<JournalFile, String> {
        JournalFile::parse(text, Path::new("j.jsonl"))
    }

    #[test]
    fn a_torn_last_line_is_ignored_with_a_warning() {
        let f =
            parse("{\"event\":\"run_start\",\"procedure\":\"p\"}\n{\"event\":\"step_end\",\"st")
                .unwrap();
        assert_eq!(f.runs.len(), 1);
        assert!(
            f.warnings[0].starts_with("line 2: ignoring a line cut short"),
            "{:?}",
            f.warnings
        );
    }

    #[test]
    fn a_torn_line_before_the_next_run_is_ignored_too() {
        let f = parse("{\"event\":\"run_start\",\"run\":\"a\"}\n{\"event\":\"ca\n{\"event\":\"run_start\",\"run\":\"b\",\"resumes\":\"a\"}\n").unwrap();
        assert_eq!(f.runs.len(), 2);
        assert_eq!(f.warnings.len(), 1);
    }

    #[test]
    fn a_corrupt_line_in_the_middle_is_an_error_naming_it() {
        let e =
            parse("{\"event\":\"run_start\"}\nnot json\n{\"event\":\"run_end\"}\n").unwrap_err();
        assert!(e.starts_with("line 2: not a journal event"), "{e}");
        let e =
            parse("{\"event\":\"run_start\"}\n{\"event\":\"ca\n{\"event\":\"log\"}\n").unwrap_err();
        assert!(e.starts_with("line 2: not a journal event"), "{e}");
    }
}
