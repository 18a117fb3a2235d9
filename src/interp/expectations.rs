//! The expectations table at run time: after every call of a builtin that an
//! expectation's matcher names, bind the result and test the condition; on a
//! match, journal the verdict and tell the operator what it means, so nobody
//! has to remember that an UNHEALTHY cluster with an EMPTY reason is the
//! conductor not reaching the management API and not D-042.
use std::collections::HashSet;
use std::sync::Mutex;

use super::exec::RunState;
use super::value::Value;
use super::Interp;
use crate::compilation::{Compilation, Unit};
use crate::syntax::ast::Expect;

pub(crate) struct Table<'c> {
    items: Vec<(&'c Unit, &'c Expect)>,
    /// (expectation, node) pairs already shown: the terminal says each
    /// meaning once per node, the journal records every match.
    shown: Mutex<HashSet<(usize, String)>>,
}

impl<'c> Table<'c> {
    pub fn new(comp: &'c Compilation) -> Self {
        Table {
            items: comp
                .expectations()
                .filter(|(_, e)| e.matcher.is_some())
                .collect(),
            shown: Mutex::new(HashSet::new()),
        }
    }

    pub async fn check(&self, interp: &Interp<'c>, node: &str, builtin: &str, result: &Value) {
        for (i, (unit, e)) in self.items.iter().enumerate() {
            let Some(m) = &e.matcher else { continue };
            if m.builtin.dotted() != builtin {
                continue;
            }
            let mut ctx = RunState::new(unit, "expectations");
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
            if !hit {
                continue;
            }
            let first = self
                .shown
                .lock()
                .map(|mut s| s.insert((i, node.to_string())))
                .unwrap_or(true);
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
                    "step": node,
                    "builtin": builtin,
                    "observation": observation,
                    "verdict": e.verdict.as_str(),
                    "meaning": meaning,
                }),
            );
            if first {
                interp.term.expectation(&observation, e.verdict, &meaning);
            }
        }
    }
}
