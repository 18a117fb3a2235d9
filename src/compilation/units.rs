//! [`Units`]: the parsed files shared by every compilation of one run, so a
//! file `use`d by 300 procedures is read and parsed once, not 300 times.
//!
//! A file is known by its path as written (joined to the folder of the file
//! that uses it): that path names it in every diagnostic, so two spellings
//! of one file stay two units, exactly as when each compilation parsed its
//! own. Its canonical path (what `use` cycles and repeats are told by) is
//! worked out once per spelling. A parse is reused only for the same text.
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::Unit;
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::syntax;

/// One file parsed: the unit and what its parse reported.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub unit: Arc<Unit>,
    /// The parse's diagnostics (empty when the file parsed).
    pub diagnostics: Arc<[Diagnostic]>,
}

/// When a file is read again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// Once per run: the files do not change while `rbk check` runs.
    Once,
    /// On every load (an editor's files change between checks); the parse
    /// is still reused while the text is unchanged.
    Every,
}

type Loaded = Result<Parsed, Arc<io::Error>>;

#[derive(Debug, Default)]
struct Slot {
    /// Worked out once per run when files are read once.
    canonical: OnceLock<PathBuf>,
    loaded: Mutex<Option<Loaded>>,
}

/// Parsed files by path, shared between compilations and threads.
#[derive(Debug)]
pub struct Units {
    reads: Reads,
    /// One slot per path as written. Its lock is held while the file is
    /// read and parsed, so threads that need the same file wait for the
    /// one parse rather than each doing their own.
    slots: Mutex<HashMap<PathBuf, Arc<Slot>>>,
    parses: AtomicUsize,
}

impl Units {
    pub fn new(reads: Reads) -> Self {
        Units {
            reads,
            slots: Mutex::new(HashMap::new()),
            parses: AtomicUsize::new(0),
        }
    }

    /// How many files were parsed so far (a reused parse does not count):
    /// what tests assert sharing with.
    pub fn parses(&self) -> usize {
        self.parses.load(Ordering::Relaxed)
    }

    /// The canonical path of `path` (`path` itself when it has none): what
    /// tells two spellings of one file apart from two files.
    pub fn canonical(&self, path: &Path) -> PathBuf {
        match self.reads {
            Reads::Once => self
                .slot(path)
                .canonical
                .get_or_init(|| canonical(path))
                .clone(),
            Reads::Every => canonical(path),
        }
    }

    /// The file at `path`, read with `read` when it has to be.
    pub fn load(
        &self,
        path: &Path,
        read: &dyn Fn(&Path) -> io::Result<String>,
    ) -> Result<Parsed, Arc<io::Error>> {
        let slot = self.slot(path);
        let mut known = slot.loaded.lock().unwrap_or_else(PoisonError::into_inner);
        if let (Reads::Once, Some(loaded)) = (self.reads, &*known) {
            return loaded.clone();
        }
        let loaded = match read(path) {
            Ok(text) => Ok(self.parse_into(&known, path, text)),
            Err(e) => Err(Arc::new(e)),
        };
        *known = Some(loaded.clone());
        loaded
    }

    /// `text` as the file at `path` (an editor's unsaved text), parsed
    /// unless it is the text parsed last for that path.
    pub fn parse(&self, path: &Path, text: String) -> Parsed {
        let slot = self.slot(path);
        let mut known = slot.loaded.lock().unwrap_or_else(PoisonError::into_inner);
        let parsed = self.parse_into(&known, path, text);
        *known = Some(Ok(parsed.clone()));
        parsed
    }

    fn slot(&self, path: &Path) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(slots.entry(path.to_path_buf()).or_default())
    }

    /// The parse of `text`: the one known for the path when its text is
    /// the same.
    fn parse_into(&self, known: &Option<Loaded>, path: &Path, text: String) -> Parsed {
        if let Some(Ok(p)) = known {
            if *p.unit.source.text == *text {
                return p.clone();
            }
        }
        self.parses.fetch_add(1, Ordering::Relaxed);
        parse_unit(path, text)
    }
}

fn parse_unit(path: &Path, text: String) -> Parsed {
    let source = SourceFile::new(path.display().to_string(), text);
    let (file, diagnostics) = match syntax::parse(&source) {
        Ok(f) => (Some(f), Vec::new()),
        Err(d) => (None, d),
    };
    Parsed {
        unit: Arc::new(Unit {
            path: path.to_path_buf(),
            source,
            file,
            memo: Default::default(),
        }),
        diagnostics: diagnostics.into(),
    }
}

pub(super) fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    const USED: &str = "site {\n  zone: str \"a zone\"\n}\n";

    #[test]
    fn a_run_reads_and_parses_each_file_once() {
        let reads = Cell::new(0);
        let read = |_: &Path| {
            reads.set(reads.get() + 1);
            Ok(USED.to_string())
        };
        let units = Units::new(Reads::Once);
        let a = units.load(Path::new("d/common.rbk"), &read).expect("read");
        let b = units.load(Path::new("d/common.rbk"), &read).expect("read");
        assert!(Arc::ptr_eq(&a.unit, &b.unit));
        assert_eq!((reads.get(), units.parses()), (1, 1));
        // Another spelling is another unit: diagnostics name it as written.
        units
            .load(Path::new("d/x/../common.rbk"), &read)
            .expect("read");
        assert_eq!(units.parses(), 2);
    }

    #[test]
    fn an_editor_reparses_only_changed_text() {
        let text = std::cell::RefCell::new(USED.to_string());
        let read = |_: &Path| Ok(text.borrow().clone());
        let units = Units::new(Reads::Every);
        let path = Path::new("d/common.rbk");
        let a = units.load(path, &read).expect("read");
        let b = units.load(path, &read).expect("read");
        assert!(Arc::ptr_eq(&a.unit, &b.unit), "unchanged text: same parse");
        *text.borrow_mut() = format!("{USED}// edited\n");
        let c = units.load(path, &read).expect("read");
        assert!(!Arc::ptr_eq(&a.unit, &c.unit));
        assert_eq!(units.parses(), 2);
        // The editor's own text for the file, when the same, is the same parse.
        let d = units.parse(path, text.borrow().clone());
        assert!(Arc::ptr_eq(&c.unit, &d.unit));
        assert_eq!(units.parses(), 2);
    }

    #[test]
    fn a_parse_error_is_kept_with_the_file() {
        let read = |_: &Path| Ok("site {\n".to_string());
        let units = Units::new(Reads::Once);
        let first = units.load(Path::new("bad.rbk"), &read).expect("read");
        let again = units.load(Path::new("bad.rbk"), &read).expect("read");
        assert!(first.unit.file.is_none());
        assert!(!first.diagnostics.is_empty());
        assert_eq!(first.diagnostics.len(), again.diagnostics.len());
    }

    #[test]
    fn an_unreadable_file_is_an_error_each_time() {
        let units = Units::new(Reads::Once);
        let read = |_: &Path| Err(io::Error::from(io::ErrorKind::NotFound));
        assert!(units.load(Path::new("gone.rbk"), &read).is_err());
        assert!(units.load(Path::new("gone.rbk"), &read).is_err());
        assert_eq!(units.parses(), 0);
    }
}
