//! What the checks work out about a called procedure (the variables it
//! leaves, the layers it changes and the gates it passes), kept with the
//! procedure's file so that the next compilation that calls it reuses it:
//! 300 procedures that call `verify` resolve `verify` once, not 300 times.
//!
//! Such a fact depends on the compilation only through the procedures the
//! called one calls in turn (and on whatever its `key` says, such as the
//! depth of calls or the site fields' types). It is reused where every
//! procedure name it calls, transitively, is the same file's procedure.
use std::any::Any;
use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use super::{Compilation, Unit};
use crate::check::walk;
use crate::syntax::ast::{NodeKind, Procedure, StmtKind};

/// At most this many facts per file: an editor's session meets few
/// contexts for one file, and a file with a changed text is a new unit.
const KEPT: usize = 32;

/// The facts worked out about the procedure of one file.
#[derive(Default)]
pub struct Memo {
    facts: Mutex<Vec<Fact>>,
}

/// A copy of a unit starts with no facts: they are cheap to work out again.
impl Clone for Memo {
    fn clone(&self) -> Self {
        Memo::default()
    }
}

impl fmt::Debug for Memo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Memo")
    }
}

struct Fact {
    /// Every procedure name called from the procedure, transitively, and
    /// the file that had it (None: no file had it) where the fact was
    /// worked out. A `Weak` keeps the address from being reused.
    calls: Vec<(String, Option<Weak<Unit>>)>,
    /// The caller's key and the fact: `(K, V)`.
    value: Box<dyn Any + Send + Sync>,
}

impl Compilation {
    /// `work()`, a fact about the procedure of `unit` (a file of this
    /// compilation) that depends on this compilation only through `key` and
    /// the procedures it calls; or the same fact worked out earlier, by any
    /// compilation sharing the file, for an equal key and the same callees.
    pub fn memo<K, V>(&self, unit: &Unit, key: K, work: impl FnOnce() -> V) -> V
    where
        K: PartialEq + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
    {
        let found = unit
            .memo
            .facts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find_map(|f| match f.value.downcast_ref::<(K, V)>() {
                Some((k, v)) if *k == key && self.same_callees(&f.calls) => Some(v.clone()),
                _ => None,
            });
        if let Some(v) = found {
            return v;
        }
        // Not under the lock: the work asks for facts about other files,
        // and, through a cycle of calls, about this one.
        let v = work();
        let calls = self.callees(unit);
        let mut facts = unit
            .memo
            .facts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if facts.len() == KEPT {
            facts.remove(0);
        }
        facts.push(Fact {
            calls,
            value: Box::new((key, v.clone())),
        });
        v
    }

    /// The file whose procedure is called `name` (the first, as
    /// [`find_procedure`](Self::find_procedure) finds it).
    fn procedure_unit(&self, name: &str) -> Option<&Arc<Unit>> {
        std::iter::once(&self.root).chain(&self.used).find(|u| {
            u.file
                .as_ref()
                .and_then(|f| f.procedure())
                .is_some_and(|p| p.name.name == name)
        })
    }

    fn same_callees(&self, calls: &[(String, Option<Weak<Unit>>)]) -> bool {
        calls
            .iter()
            .all(|(name, had)| match (self.procedure_unit(name), had) {
                (Some(now), Some(had)) => std::ptr::eq(Arc::as_ptr(now), had.as_ptr()),
                (None, None) => true,
                _ => false,
            })
    }

    /// Every procedure name called from `unit`'s procedure, transitively,
    /// with the file that has it in this compilation.
    fn callees(&self, unit: &Unit) -> Vec<(String, Option<Weak<Unit>>)> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut out = Vec::new();
        let mut todo: Vec<&Procedure> = unit.file.iter().filter_map(|f| f.procedure()).collect();
        while let Some(p) = todo.pop() {
            for name in called_names(p) {
                if !seen.insert(name.clone()) {
                    continue;
                }
                let found = self.procedure_unit(&name);
                if let Some(p) = found.and_then(|u| u.file.as_ref()?.procedure()) {
                    todo.push(p);
                }
                out.push((name, found.map(Arc::downgrade)));
            }
        }
        out
    }
}

/// The procedures `p` calls: `call` nodes and `call` statements.
fn called_names(p: &Procedure) -> Vec<String> {
    let mut out: Vec<String> = p
        .nodes()
        .filter(|n| matches!(n.kind, NodeKind::Call(_)))
        .map(|n| n.name.name.clone())
        .collect();
    walk::statements(p, &mut |_, s, _| {
        if let StmtKind::Call(c) = &s.kind {
            out.push(c.name.name.clone());
        }
    });
    out
}
