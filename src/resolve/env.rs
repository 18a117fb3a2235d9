//! The names visible at one point of a procedure, innermost frame last.
//!
//! Frames follow the language's visibility rules: a step's `let`s (outside
//! `foreach` and `if` bodies) stay visible to later nodes, so the procedure
//! has one outer frame; `foreach`, `if` bodies and comprehensions push their own.
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::builtins::strsim_distance;
use super::types::Ty;

/// One frame maps each name to its type. A map, not a list: a long
/// procedure's outer frame holds every step's `let`s, and both binding and
/// looking up (`site`, a parameter) happen once per statement.
#[derive(Debug, Default)]
pub struct Env {
    frames: Vec<HashMap<String, Ty>>,
}

impl Env {
    pub fn new() -> Self {
        Env {
            frames: vec![HashMap::new()],
        }
    }

    pub fn push(&mut self) {
        self.frames.push(HashMap::new());
    }

    pub fn pop(&mut self) {
        if self.frames.len() > 1 {
            self.frames.pop();
        }
    }

    /// Bind (or re-bind) a name in the innermost frame.
    pub fn define(&mut self, name: &str, ty: Ty) {
        if let Some(frame) = self.frames.last_mut() {
            match frame.get_mut(name) {
                Some(t) => *t = ty,
                None => {
                    frame.insert(name.to_string(), ty);
                }
            }
        }
    }

    pub fn lookup(&self, name: &str) -> Option<Ty> {
        self.frames.iter().rev().find_map(|f| f.get(name)).copied()
    }

    /// Every binding of the outermost frame: what a procedure leaves
    /// behind, by name.
    pub fn bindings(&self) -> Vec<(String, Ty)> {
        let mut out: Vec<(String, Ty)> = self
            .frames
            .first()
            .map(|f| f.iter().map(|(n, t)| (n.clone(), *t)).collect())
            .unwrap_or_default();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Every visible name, in no particular order (for "did you mean").
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.frames
            .iter()
            .flat_map(|f| f.keys())
            .map(String::as_str)
    }
}

/// The candidate closest to `name`, if it is close enough to be a typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (strsim_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// `list[t]` for a type computed while checking. The builtin table holds
/// `&'static` element types, so computed ones are interned once each.
pub fn list_of(elem: Ty) -> Ty {
    static INTERNED: OnceLock<Mutex<Vec<&'static Ty>>> = OnceLock::new();
    let table = INTERNED.get_or_init(|| Mutex::new(Vec::new()));
    let mut table = match table.lock() {
        Ok(t) => t,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(t) = table.iter().find(|t| ***t == elem) {
        return Ty::List(t);
    }
    let leaked: &'static Ty = Box::leak(Box::new(elem));
    table.push(leaked);
    Ty::List(leaked)
}
