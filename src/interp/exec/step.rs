//! Steps and gates: run the body once their `needs` gates have passed.
use super::super::error::{Result, RunError, Stop};
use super::super::Interp;
use super::RunState;
use crate::diagnostic::Code;
use crate::syntax::ast::{Block, Node, NodeKind, Procedure};

impl<'c> Interp<'c> {
    /// Run step or gate `node` (its body, `body`), unless the resumed run
    /// completed it; a gate that fails stops the run.
    pub(super) async fn step(
        &self,
        ctx: &mut RunState<'c>,
        p: &'c Procedure,
        node: &'c Node,
        body: &'c Block,
        name: String,
        title: &str,
    ) -> Result<()> {
        let is_gate = matches!(node.kind, NodeKind::Gate(_));
        if !is_gate
            && self
                .opts
                .resume
                .as_ref()
                .is_some_and(|r| r.completed.contains(&name))
        {
            self.skip(ctx, node, "completed by the resumed run");
            return Ok(());
        }
        self.set_current(Some(name.clone()));
        let layer = node
            .layer
            .as_ref()
            .map(|l| l.name.clone())
            .or_else(|| p.default_layer().and_then(|t| t.as_literal()));
        self.term.node_header(
            if is_gate { "gate" } else { "step" },
            &name,
            title,
            layer.as_deref(),
        );
        self.journal
            .emit_synced("step_start", serde_json::json!({"step": name}));
        let result = match self.check_needs(ctx, node) {
            Ok(()) => self.block(ctx, body).await,
            Err(e) => Err(e),
        };
        self.step_end(node, &name, title, is_gate, result.is_ok());
        result.map_err(|mut e| {
            if is_gate {
                e.stop = Stop::Failed;
                e.diagnostic = Box::new(e.diagnostic.with_help(format!(
                    "gate `{name}` ({title}) did not pass; nothing after it runs"
                )));
            } else if e.stop == Stop::Transient {
                e.stop = Stop::Failed;
            }
            e
        })
    }

    /// Record how a step or gate ended: the journal, the terminal, the stats.
    fn step_end(&self, node: &'c Node, name: &str, title: &str, is_gate: bool, ok: bool) {
        let outcome = if ok { "ok" } else { "failed" };
        if is_gate {
            self.journal
                .emit("gate", serde_json::json!({"gate": name, "passed": ok}));
            self.term.gate(name, title, ok);
            if ok {
                if let Ok(mut g) = self.gates_passed.lock() {
                    g.insert(node.name.name.clone());
                }
            }
        }
        self.journal.emit_synced(
            "step_end",
            serde_json::json!({"step": name, "outcome": outcome}),
        );
        if let Ok(mut s) = self.stats.lock() {
            match (ok, is_gate) {
                (true, true) => s.gates_passed += 1,
                (true, false) => s.steps_ok += 1,
                (false, _) => s.steps_failed += 1,
            }
        }
    }

    pub(super) fn check_needs(&self, ctx: &RunState<'c>, node: &'c Node) -> Result<()> {
        let passed = self
            .gates_passed
            .lock()
            .map(|g| g.clone())
            .unwrap_or_default();
        for need in &node.needs {
            let resumed = self
                .opts
                .resume
                .as_ref()
                .is_some_and(|r| r.gates.contains(&ctx.qualify(&need.name)));
            if !passed.contains(&need.name) && !resumed {
                return Err(RunError::new(
                    Code::EvalFailed,
                    need.span,
                    &ctx.unit.source,
                    format!(
                        "`{}` needs gate `{}`, which has not passed in this run",
                        node.name.name, need.name
                    ),
                )
                .with_label("not passed"));
            }
        }
        Ok(())
    }
}
