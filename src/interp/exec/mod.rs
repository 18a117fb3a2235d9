//! Nodes and statements, one file per node kind or statement family:
//! steps and gates (`step`), decisions (`decide`), calls of other procedures
//! (`call`); statements (`stmt`) with scopes (`scope`), polls (`poll`),
//! patience windows (`patience`), foreach (`foreach`), if (`branch`) and
//! confirm (`confirm`). This file walks a procedure's nodes in order.
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use super::error::{Result, RunError};
use super::eval::BoxFut;
use super::value::Value;
use super::Interp;
use crate::backends::{KubeScope, OpenStackScope, SshScope};
use crate::compilation::Unit;
use crate::diagnostic::Code;
use crate::syntax::ast::{Block, Node, NodeKind, ProcItem, Procedure};

mod branch;
mod call;
mod confirm;
mod decide;
mod foreach;
mod patience;
mod poll;
mod scope;
mod step;
mod stmt;

pub(crate) use patience::Window;
pub(crate) use poll::fmt_elapsed;

/// What one path of execution carries: variables, the credential scopes
/// it is inside, the patience window, whether it is inside a poll.
#[derive(Clone)]
pub(crate) struct RunState<'c> {
    /// The file the running procedure comes from (for diagnostics).
    pub unit: &'c Unit,
    /// The node running (journal `step`).
    pub node: String,
    pub vars: HashMap<String, Value>,
    pub os: Option<OpenStackScope>,
    pub kube: Option<KubeScope>,
    pub ssh: Option<SshScope>,
    pub patience: Option<Arc<Window<'c>>>,
    pub in_poll: bool,
    /// The latest observation in a poll attempt (its progress line).
    pub observed: Option<String>,
    /// The call this runs inside (`evacuate(host: "cmp1")`), nested calls
    /// joined by `/`; empty at the top. Steps inside are journaled as
    /// `prefix/step`.
    pub prefix: String,
}

impl<'c> RunState<'c> {
    pub fn new(unit: &'c Unit, node: impl Into<String>) -> Self {
        RunState {
            unit,
            node: node.into(),
            vars: HashMap::new(),
            os: None,
            kube: None,
            ssh: None,
            patience: None,
            in_poll: false,
            observed: None,
            prefix: String::new(),
        }
    }

    /// A node's name as the journal and `--resume` know it.
    pub fn qualify(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", self.prefix)
        }
    }
}

/// A monotonic reading of the run's clock: simulated time under `--sim`.
pub(crate) fn mono(clock: &crate::clock::Clock) -> Duration {
    static START: OnceLock<Instant> = OnceLock::new();
    match clock {
        crate::clock::Clock::Wall => START.get_or_init(Instant::now).elapsed(),
        c => c.sim_elapsed(),
    }
}

impl<'c> Interp<'c> {
    pub(crate) async fn run_root(&self, p: &'c Procedure) -> Result<()> {
        let unit = &self.comp.root;
        let mut ctx = RunState::new(unit, p.name.name.clone());
        for param in p.params() {
            let v = match self.opts.params.get(&param.name.name) {
                Some(v) => v.clone(),
                None => match &param.default {
                    Some(d) => self.eval(&mut ctx, d).await?,
                    None => {
                        return Err(RunError::new(
                            Code::BadInput,
                            param.name.span,
                            &unit.source,
                            format!(
                                "parameter `{}` has no default and was not set",
                                param.name.name
                            ),
                        )
                        .with_help(format!("pass --set {}=VALUE", param.name.name)))
                    }
                },
            };
            ctx.vars.insert(param.name.name.clone(), v);
        }
        self.run_nodes(&mut ctx, p).await
    }

    /// Run a procedure's nodes in order, with decisions' forward jumps.
    async fn run_nodes(&self, ctx: &mut RunState<'c>, p: &'c Procedure) -> Result<()> {
        let mut jump_to: Option<&str> = None;
        for item in &p.items {
            let node = match item {
                ProcItem::Node(n) => n,
                ProcItem::Doc(d) if jump_to.is_none() => {
                    let text = self.eval_text(ctx, &d.text).await?;
                    self.term.doc(d.kind, &text);
                    continue;
                }
                _ => continue,
            };
            if let Some(target) = jump_to {
                if node.name.name != target {
                    self.skip(ctx, node, "skipped by a decision");
                    continue;
                }
                jump_to = None;
            }
            if let Some(target) = self.run_node(ctx, p, node).await? {
                jump_to = Some(target);
            }
        }
        if let Some(target) = jump_to.filter(|t| *t != crate::dag::END_TARGET) {
            return Err(self.fail(
                ctx,
                p.name.span,
                format!(
                    "a decision jumped to `{target}`, which does not come later in `{}`",
                    p.name.name
                ),
            ));
        }
        Ok(())
    }

    fn skip(&self, ctx: &RunState<'c>, node: &Node, why: &str) {
        let name = ctx.qualify(&node.name.name);
        let mut end = serde_json::json!({"step": name, "outcome": "skipped", "reason": why});
        // Still completed, by an earlier run: the next resume must see it.
        if let Some(by) = self.completed_by(&name) {
            end["completed_by"] = by.into();
        }
        self.journal.emit_synced("step_end", end);
        self.term.skipped(&name, why);
        if let Ok(mut s) = self.stats.lock() {
            s.steps_skipped += 1;
        }
    }

    fn completed_by(&self, step: &str) -> Option<String> {
        let r = self.opts.resume.as_ref()?;
        r.completed.contains(step).then(|| {
            r.completed_by
                .get(step)
                .cloned()
                .unwrap_or_else(|| "an earlier run".into())
        })
    }

    fn set_current(&self, name: Option<String>) {
        if let Ok(mut s) = self.stats.lock() {
            s.current = name;
        }
    }

    /// Run one node; a decision returns the node it jumps to.
    async fn run_node(
        &self,
        ctx: &mut RunState<'c>,
        p: &'c Procedure,
        node: &'c Node,
    ) -> Result<Option<&'c str>> {
        let name = ctx.qualify(&node.name.name);
        ctx.node = name.clone();
        let title = match &node.title {
            Some(t) => self.eval_text(ctx, t).await?,
            None => String::new(),
        };
        match &node.kind {
            NodeKind::Decide(d) => self.decide(ctx, p, d, name, &title).await,
            NodeKind::Step(body) | NodeKind::Gate(body) => {
                self.step(ctx, p, node, body, name, &title).await?;
                Ok(None)
            }
            NodeKind::Call(args) => {
                self.run_call(ctx, &node.name, args, title, true).await?;
                Ok(None)
            }
        }
    }

    pub(crate) fn block<'a>(
        &'a self,
        ctx: &'a mut RunState<'c>,
        b: &'c Block,
    ) -> BoxFut<'a, Result<()>> {
        Box::pin(async move {
            for s in &b.stmts {
                self.stmt(ctx, s).await?;
            }
            Ok(())
        })
    }
}
