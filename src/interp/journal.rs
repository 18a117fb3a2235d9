//! The as-executed journal: JSON Lines, one event per line, written and
//! flushed as it happens, timestamped by the run's clock (simulated under
//! `--sim`, so journals of a scenario are reproducible).
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::clock::Clock;

/// Cheap to clone; every clone writes to the same file.
#[derive(Clone)]
pub struct Journal {
    inner: Arc<Inner>,
}

struct Inner {
    clock: Clock,
    file: Mutex<Option<BufWriter<File>>>,
    /// Every event, also kept in memory (tests, the summary).
    events: Mutex<Vec<serde_json::Value>>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").finish_non_exhaustive()
    }
}

impl Journal {
    /// A journal kept in memory only.
    pub fn memory(clock: Clock) -> Journal {
        Journal {
            inner: Arc::new(Inner {
                clock,
                file: Mutex::new(None),
                events: Mutex::new(Vec::new()),
            }),
        }
    }

    /// A journal written to `path` (created or truncated).
    pub fn to_file(path: &Path, clock: Clock) -> std::io::Result<Journal> {
        let file = File::create(path)?;
        let j = Journal::memory(clock);
        if let Ok(mut slot) = j.inner.file.lock() {
            *slot = Some(BufWriter::new(file));
        }
        Ok(j)
    }

    /// Write one event: `{"ts": ..., "event": name, ...fields}`.
    pub fn emit(&self, event: &str, fields: serde_json::Value) {
        let mut obj = serde_json::Map::new();
        obj.insert("ts".into(), self.inner.clock.now().to_string().into());
        obj.insert("event".into(), event.into());
        if let serde_json::Value::Object(f) = fields {
            obj.extend(f);
        }
        let line = serde_json::Value::Object(obj);
        if let Ok(mut slot) = self.inner.file.lock() {
            if let Some(w) = slot.as_mut() {
                // A journal that cannot be written must not stop the repair
                // in the middle; the terminal still shows what happened.
                let _ = writeln!(w, "{line}").and_then(|()| w.flush());
            }
        }
        if let Ok(mut ev) = self.inner.events.lock() {
            ev.push(line);
        }
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
