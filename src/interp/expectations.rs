//! The expectations table at run time: after every call of a builtin that an
//! expectation's matcher names, bind the result and test the condition; on a
//! match, journal the verdict and tell the operator what it means, so nobody
//! has to remember that an UNHEALTHY cluster with an EMPTY reason is the
//! conductor not reaching the management API and not D-042.
use std::collections::HashMap;
use std::sync::Mutex;

use super::exec::Ctx;
use super::value::Value;
use super::Interp;
use crate::resolve::{Compilation, Unit};
use crate::syntax::ast::Expect;

pub(crate) struct Table<'c> {
    items: Vec<(&'c Unit, &'c Expect)>,
    /// Whether each expectation matched on the last call of its builtin:
    /// the terminal says it once per change, the journal every time.
    last: Mutex<HashMap<usize, bool>>,
}

impl<'c> Table<'c> {
    pub fn new(comp: &'c Compilation) -> Self {
        Table {
            items: comp
                .expectations()
                .filter(|(_, e)| e.matcher.is_some())
                .collect(),
            last: Mutex::new(HashMap::new()),
        }
    }

    pub async fn check(&self, interp: &Interp<'c>, builtin: &str, result: &Value) {
        for (i, (unit, e)) in self.items.iter().enumerate() {
            let Some(m) = &e.matcher else { continue };
            if m.builtin.dotted() != builtin {
                continue;
            }
            let mut ctx = Ctx::new(unit, "expectations");
            ctx.vars.insert(m.binding.name.clone(), result.clone());
            let hit = match interp.eval(&mut ctx, &m.condition).await {
                Ok(v) => v.truthy(),
                Err(err) => {
                    interp.term.verbose_line(&format!(
                        "expectation \"{}\" could not be tested: {}",
                        e.observation.display_template(),
                        err.message()
                    ));
                    false
                }
            };
            let was = self
                .last
                .lock()
                .map(|mut l| l.insert(i, hit).unwrap_or(false))
                .unwrap_or(false);
            if !hit {
                continue;
            }
            let observation = interp
                .eval_text(&mut ctx, &e.observation)
                .await
                .unwrap_or_else(|_| e.observation.display_template());
            let meaning = interp
                .eval_text(&mut ctx, &e.meaning)
                .await
                .unwrap_or_else(|_| e.meaning.display_template());
            interp.journal.emit(
                "expectation",
                serde_json::json!({
                    "id": e.id.as_ref().map(|i| i.name.clone()),
                    "builtin": builtin,
                    "observation": observation,
                    "verdict": e.verdict.as_str(),
                    "meaning": meaning,
                }),
            );
            if !was {
                interp.term.expectation(&observation, e.verdict, &meaning);
            }
        }
    }
}
