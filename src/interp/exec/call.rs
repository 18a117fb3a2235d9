//! Calls of other procedures, as a `call` node or statement.
use super::super::error::{Result, RunError};
use super::super::value::Value;
use super::super::Interp;
use super::RunState;
use crate::diagnostic::Code;
use crate::syntax::ast::{Arg, Ident, Procedure};

/// A value as it would be written in source: strings quoted.
fn source_like(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("{s:?}"),
        v => v.short(60),
    }
}

impl<'c> Interp<'c> {
    /// Run another procedure, as a `call` node (`as_node`) or statement:
    /// its params from `args` (or their defaults), its nodes in order. Its
    /// variables come back as `name.variable`. A call with arguments, and
    /// every call statement, names the steps inside it after itself
    /// (`evacuate(host: "cmp1")/migrate`), so the journal tells one
    /// loop iteration from the next and `--resume` skips only what that
    /// iteration finished.
    pub(crate) async fn run_call(
        &self,
        ctx: &mut RunState<'c>,
        name: &'c Ident,
        args: &'c [Arg],
        note: String,
        as_node: bool,
    ) -> Result<()> {
        let Some((unit, callee)) = self.comp.find_procedure(&name.name) else {
            return Err(self.fail(
                ctx,
                name.span,
                format!("no procedure `{}` was brought in with `use`", name.name),
            ));
        };
        let mut given: Vec<(&'c str, Value)> = Vec::with_capacity(args.len());
        for a in args {
            let v = self.eval(ctx, &a.value).await?;
            given.push((a.name.as_ref().map_or("", |n| n.name.as_str()), v));
        }
        let shown: Vec<String> = given
            .iter()
            .map(|(n, v)| format!("{n}: {}", source_like(v)))
            .collect();
        let instance = if as_node && args.is_empty() {
            name.name.clone()
        } else {
            format!("{}({})", name.name, shown.join(", "))
        };
        let key = ctx.qualify(&instance);
        let caller = ctx.node.clone();
        self.call_start(name, &given, as_node, &key, &caller);
        self.term.node_header("call", &key, &note, None);
        let mut inner = RunState::new(unit, key.clone());
        inner.prefix = if as_node && args.is_empty() {
            ctx.prefix.clone()
        } else {
            key.clone()
        };
        let mut result = self
            .bind_params(ctx, &mut inner, name, callee, &given)
            .await;
        if result.is_ok() {
            result = Box::pin(self.run_nodes(&mut inner, callee)).await;
        }
        // The caller reads the callee's variables as `name.var`.
        ctx.vars.insert(
            name.name.clone(),
            Value::Map(inner.vars.into_iter().collect()),
        );
        if as_node {
            ctx.node = caller.clone();
        }
        self.call_end(name, as_node, &key, &caller, result.is_ok());
        result
    }

    /// Journal the start of a call: as a step (`as_node`), else as a
    /// `call_start` event of the step it runs in (`caller`).
    fn call_start(
        &self,
        name: &Ident,
        given: &[(&str, Value)],
        as_node: bool,
        key: &str,
        caller: &str,
    ) {
        let journal_args: serde_json::Map<String, serde_json::Value> = given
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_json()))
            .collect();
        if as_node {
            self.set_current(Some(key.to_string()));
            let mut start = serde_json::json!({"step": key, "call": true});
            if !given.is_empty() {
                start["args"] = serde_json::Value::Object(journal_args);
            }
            self.journal.emit_synced("step_start", start);
        } else {
            self.journal.emit(
                "call_start",
                serde_json::json!({"step": caller, "call": name.name, "args": journal_args, "instance": key}),
            );
        }
    }

    /// Journal the end of a call, as [`call_start`](Self::call_start) began it.
    fn call_end(&self, name: &Ident, as_node: bool, key: &str, caller: &str, ok: bool) {
        let outcome = if ok { "ok" } else { "failed" };
        if as_node {
            self.journal.emit_synced(
                "step_end",
                serde_json::json!({"step": key, "outcome": outcome}),
            );
            if let Ok(mut s) = self.stats.lock() {
                if ok {
                    s.steps_ok += 1;
                } else {
                    s.steps_failed += 1;
                }
            }
        } else {
            self.journal.emit(
                "call_end",
                serde_json::json!({"step": caller, "call": name.name, "instance": key, "outcome": outcome}),
            );
        }
    }

    /// The callee's params in `inner`: from the call's arguments, else their
    /// defaults (evaluated inside the callee).
    async fn bind_params(
        &self,
        ctx: &RunState<'c>,
        inner: &mut RunState<'c>,
        name: &'c Ident,
        callee: &'c Procedure,
        given: &[(&'c str, Value)],
    ) -> Result<()> {
        for param in callee.params() {
            let v = match given.iter().find(|(n, _)| *n == param.name.name) {
                Some((_, v)) => v.clone(),
                None => match &param.default {
                    Some(d) => self.eval(inner, d).await?,
                    None => {
                        return Err(RunError::new(
                            Code::MissingCallArgument,
                            name.span,
                            &ctx.unit.source,
                            format!(
                                "`call {}` does not set `{}`, which has no default",
                                name.name, param.name.name
                            ),
                        ))
                    }
                },
            };
            inner.vars.insert(param.name.name.clone(), v);
        }
        Ok(())
    }
}
