//! The as-executed journal as a run writes it: JSON Lines, one event per
//! line, timestamped by the run's clock (simulated under `--sim`, so journals
//! of a scenario are reproducible).
//!
//! A journal is an append-only record: the file is opened for appending and
//! never truncated, each event is one `write` of a whole line (a crash can
//! only cut the last line short, which readers ignore), and [`Journal::sync`]
//! makes what was written durable at step boundaries and around every call
//! that changes the world. A write that fails is not silent: it warns on the
//! terminal at once, and [`Journal::failure`] makes the run's exit status say
//! the record is incomplete. Reading journals back is `crate::journal`.
//!
//! No event carries a secret: the arguments' own hiding (header values, a
//! file's content) is the caller's; [`Journal::emit`] hides the values of
//! secret-named keys in every event's arguments, results and messages
//! ([`crate::secrets::hide_event`]), and the values of the run's
//! secret-named params and site fields wherever they appear
//! ([`Journal::mask`]).
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::clock::Clock;

/// Cheap to clone; every clone writes to the same file.
#[derive(Clone)]
pub struct Journal {
    inner: Arc<Inner>,
}

struct Inner {
    clock: Clock,
    file: Mutex<Option<File>>,
    path: Option<PathBuf>,
    /// Every event, also kept in memory (tests, the summary).
    events: Mutex<Vec<serde_json::Value>>,
    /// The first write or sync that failed: the record is incomplete.
    failure: Mutex<Option<String>>,
    /// The run's secret values, hidden in every event ([`Journal::mask`]).
    masked: std::sync::OnceLock<crate::secrets::Masked>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl Journal {
    /// A journal kept in memory only.
    pub fn memory(clock: Clock) -> Journal {
        Self::with_file(clock, None, None)
    }

    fn with_file(clock: Clock, file: Option<File>, path: Option<PathBuf>) -> Journal {
        Journal {
            inner: Arc::new(Inner {
                clock,
                file: Mutex::new(file),
                path,
                events: Mutex::new(Vec::new()),
                failure: Mutex::new(None),
                masked: std::sync::OnceLock::new(),
            }),
        }
    }

    /// A journal appended to `path` (created when missing, never truncated).
    pub fn append_to(path: &Path, clock: Clock) -> std::io::Result<Journal> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        // A torn last line (a crash mid-write) must not swallow the first
        // event of this run: start on a fresh line.
        if ends_without_newline(path)? {
            (&file).write_all(b"\n")?;
        }
        Ok(Self::with_file(clock, Some(file), Some(path.to_path_buf())))
    }

    /// Hide these values wherever they appear in the events written from
    /// now on (set once, before `run_start`; a later call is ignored).
    pub fn mask(&self, masked: crate::secrets::Masked) {
        let _ = self.inner.masked.set(masked);
    }

    /// Where the journal is written, if anywhere.
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// Write one event: `{"ts": ..., "event": name, ...fields}`, as a single
    /// `write` of the whole line.
    pub fn emit(&self, event: &str, mut fields: serde_json::Value) {
        let mut obj = serde_json::Map::new();
        obj.insert("ts".into(), self.inner.clock.now().to_string().into());
        obj.insert("event".into(), event.into());
        // Every event, whoever writes it: a body, a result or a message
        // that is JSON, YAML or a form shows no secret-named key's value.
        crate::secrets::hide_event(&mut fields);
        // And the values of secret-named params and site fields, wherever
        // they appear in any text (a command, a log line, an error).
        if let Some(m) = self.inner.masked.get() {
            m.json(&mut fields);
        }
        if let serde_json::Value::Object(f) = fields {
            obj.extend(f);
        }
        let line = serde_json::Value::Object(obj);
        let mut bytes = line.to_string().into_bytes();
        bytes.push(b'\n');
        let written = self.on_file(|f| f.write_all(&bytes));
        if let Err(e) = written {
            self.failed(&format!("cannot write event `{event}`: {e}"));
        }
        if let Ok(mut ev) = self.inner.events.lock() {
            ev.push(line);
        }
    }

    /// Emit, then make everything written so far durable (fsync).
    pub fn emit_synced(&self, event: &str, fields: serde_json::Value) {
        self.emit(event, fields);
        self.sync();
    }

    /// Make everything written so far durable (fsync).
    pub fn sync(&self) {
        if let Err(e) = self.on_file(|f| f.sync_data()) {
            self.failed(&format!("cannot sync: {e}"));
        }
    }

    fn on_file(&self, op: impl FnOnce(&mut File) -> std::io::Result<()>) -> std::io::Result<()> {
        // Once a write failed, later ones are not attempted: a record with a
        // hole in the middle would read as complete.
        if self.failure().is_some() {
            return Ok(());
        }
        match self.inner.file.lock() {
            Ok(mut slot) => match slot.as_mut() {
                Some(f) => op(f),
                None => Ok(()),
            },
            Err(_) => Err(std::io::Error::other("journal lock poisoned")),
        }
    }

    /// Record the first failure and warn at once. The run goes on: stopping
    /// a repair halfway is worse than an incomplete record, which the final
    /// summary and the exit status then report.
    fn failed(&self, why: &str) {
        let Ok(mut slot) = self.inner.failure.lock() else {
            return;
        };
        if slot.is_some() {
            return;
        }
        let path = self
            .inner
            .path
            .as_deref()
            .map_or_else(String::new, |p| format!(" {}", p.display()));
        let message =
            format!("journal{path}: {why}; the record of this run is incomplete from here on");
        eprintln!("warning: {message}");
        *slot = Some(message);
    }

    /// Why the record is incomplete, if it is.
    pub fn failure(&self) -> Option<String> {
        self.inner.failure.lock().ok().and_then(|f| f.clone())
    }

    /// Every event so far.
    pub fn events(&self) -> Vec<serde_json::Value> {
        self.inner
            .events
            .lock()
            .map(|e| e.clone())
            .unwrap_or_default()
    }
}

fn ends_without_newline(path: &Path) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = File::open(path)?;
    let len = f.metadata()?.len();
    if len == 0 {
        return Ok(false);
    }
    f.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    f.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appending_never_truncates_and_mends_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        std::fs::write(&path, "{\"event\":\"run_start\"}\n{\"event\":\"ca").unwrap();
        let j = Journal::append_to(&path, Clock::virtual_clock()).unwrap();
        j.emit_synced("run_start", serde_json::json!({"run": "b"}));
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(lines[1], "{\"event\":\"ca");
        assert!(lines[2].contains("\"run\":\"b\""));
        assert!(j.failure().is_none());
    }

    #[test]
    fn a_failed_write_is_remembered() {
        let j = Journal::with_file(
            Clock::virtual_clock(),
            Some(File::open("/dev/null").unwrap()),
            Some(PathBuf::from("/dev/null")),
        );
        // /dev/null opened read-only: the write fails.
        j.emit("run_start", serde_json::json!({}));
        assert!(j
            .failure()
            .unwrap()
            .contains("cannot write event `run_start`"));
        assert_eq!(j.events().len(), 1, "the in-memory record goes on");
    }
}
