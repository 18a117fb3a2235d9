//! Calls: bind arguments to the builtin table's parameters (by position or
//! name, with its defaults), run pure functions, and send builtins to the
//! backend traits inside the current credential scope. Under `--dry-run`
//! calls that change the world are shown and skipped; a failed call becomes
//! RBK901 naming the call and carrying the remote's message.
use std::collections::BTreeMap;
use std::time::Instant;

use super::error::{Result, RunError};
use super::exec::RunState;
use super::io::{document, Io, IoFn};
use super::value::Value;
use super::Interp;
use crate::backends::CallError;
use crate::diagnostic::Code;
use crate::resolve::builtins::{self, Builtin, Effect, Implementation};
use crate::syntax::ast::{Arg, Path, Span};

/// Arguments whose value never reaches the journal or the terminal, only
/// its length: a file's `content`, and any named like a secret.
fn hidden_arg(name: &str) -> bool {
    name == "content" || crate::secrets::secret_name(name)
}

impl<'c> Interp<'c> {
    pub(crate) async fn call(
        &self,
        ctx: &mut RunState<'c>,
        callee: &'c Path,
        args: &'c [Arg],
        span: Span,
    ) -> Result<Value> {
        let name = callee.dotted();
        let Some(b) = builtins::lookup(&name) else {
            return Err(self.fail(
                ctx,
                callee.span,
                format!("`{name}` is not a builtin or function"),
            ));
        };
        let values = self.bind(ctx, b, args, span).await?;
        let io = match b.run {
            Implementation::Pure(f) => {
                let re = |p: &str| {
                    regex::Regex::new(p).map_err(|e| format!("bad regular expression {p:?}: {e}"))
                };
                let args = super::functions::Args {
                    name: b.name,
                    values: &values,
                    regex: &re,
                };
                return f(&args).map_err(|m| self.fail(ctx, span, m));
            }
            Implementation::Io(io) => io,
        };
        if b.family().is_none() && !b.effect.mutates() {
            // `sleep`: nothing to show, journal or dry-run.
            return self
                .invoke(ctx, b, io, &values)
                .await
                .map_err(|e| self.fail(ctx, span, e.to_string()));
        }
        let command = render_command(b, &values, ctx);
        self.check_forbidden(ctx, b, &command, span)?;
        let journal_args = journal_args(b, &values);
        // What this call does, as its arguments decide (`method: "GET"`).
        let effect = b.effect_of_values(&values);
        if self.opts.dry_run && effect.mutates() {
            self.term.would_run(&command);
            self.journal.emit(
                "call",
                serde_json::json!({"step": ctx.node, "builtin": b.name, "args": journal_args, "ok": true, "ms": 0, "dry_run": true}),
            );
            return Ok(dry_run_result(b, &values));
        }
        if effect.mutates() {
            // Durable before the world changes: a crash from here on leaves
            // a record that this call may have been sent.
            self.journal.emit_synced(
                "call_intent",
                serde_json::json!({"step": ctx.node, "builtin": b.name, "args": journal_args.clone()}),
            );
        }
        let started = Instant::now();
        let result = self.invoke(ctx, b, io, &values).await;
        let ms = started.elapsed().as_millis() as u64;
        if let Ok(mut s) = self.stats.lock() {
            s.calls += 1;
        }
        let mut event = serde_json::json!({"step": ctx.node, "builtin": b.name, "args": journal_args, "ok": result.is_ok(), "ms": ms});
        match result {
            Ok(v) => {
                self.emit_call(effect, event);
                self.term.call(b.name, &command, Ok(&v));
                self.expectations.check(self, &ctx.node, b.name, &v).await;
                Ok(v)
            }
            Err(e) => {
                let noise = effect == Effect::ReadOnly && (ctx.in_poll || ctx.patience.is_some());
                event["error"] = serde_json::Value::String(e.to_string());
                if let Some(w) = &ctx.patience {
                    event["patience"] = serde_json::Value::String(w.label.clone());
                }
                self.emit_call(effect, event);
                self.term.call(b.name, &command, Err(&e));
                let err = RunError::new(
                    Code::CallFailed,
                    span,
                    &ctx.unit.source,
                    format!("in `{}`: {e}", ctx.node),
                )
                .with_label(format!("`{command}` failed"));
                let err = match &e {
                    CallError::Remote { status: Some(404), .. } => err.with_help("the remote does not know this object: check the name or id (names resolve in the scope's project)"),
                    CallError::Remote { status: Some(409), .. } => err.with_help("the object is in a state that refuses this action now; look at its status first"),
                    CallError::Auth { .. } => err.with_help("check the scope's credentials (openrc, clouds.yaml, OS_* variables)"),
                    CallError::Unreachable { .. } | CallError::Timeout { .. } => {
                        let running = ctx.unit.file.as_ref().and_then(|f| f.procedure());
                        match super::unreachable::help(self.comp, running, &e) {
                            Some(h) => err.with_help(h),
                            None => err,
                        }
                    }
                    _ => err,
                };
                Err(if noise { err.transient() } else { err })
            }
        }
    }

    /// The `call` event; synced at once after a call that changed the world.
    fn emit_call(&self, effect: Effect, event: serde_json::Value) {
        if effect.mutates() {
            self.journal.emit_synced("call", event);
        } else {
            self.journal.emit("call", event);
        }
    }

    /// Arguments in the table's parameter order, defaults filled in.
    async fn bind(
        &self,
        ctx: &mut RunState<'c>,
        b: &Builtin,
        args: &'c [Arg],
        span: Span,
    ) -> Result<Vec<Value>> {
        let mut slots: Vec<Option<Value>> = vec![None; b.params.len()];
        let mut next = 0;
        for a in args {
            let v = self.eval(ctx, &a.value).await?;
            let at = match &a.name {
                Some(n) => b
                    .params
                    .iter()
                    .position(|p| p.name == n.name)
                    .ok_or_else(|| {
                        self.fail(
                            ctx,
                            n.span,
                            format!("`{}` has no parameter `{}`", b.name, n.name),
                        )
                    })?,
                None => {
                    let at = next;
                    next += 1;
                    at
                }
            };
            if at >= slots.len() {
                return Err(self.fail(
                    ctx,
                    a.span,
                    format!("`{}` takes {} argument(s)", b.name, b.params.len()),
                ));
            }
            slots[at] = Some(v);
        }
        let mut out = Vec::with_capacity(slots.len());
        for (slot, p) in slots.into_iter().zip(b.params) {
            match (slot, p.default) {
                (Some(v), _) => out.push(v),
                (None, Some(d)) => out.push(parse_default(d)),
                (None, None) => {
                    return Err(self.fail(ctx, span, format!("`{}` needs `{}`", b.name, p.name)));
                }
            }
        }
        Ok(out)
    }

    fn check_forbidden(
        &self,
        ctx: &RunState<'c>,
        b: &Builtin,
        command: &str,
        span: Span,
    ) -> Result<()> {
        let Some(w) = &ctx.patience else {
            return Ok(());
        };
        for f in w.forbid {
            if f.builtin.dotted() != b.name {
                continue;
            }
            let hit = match f.pattern.as_ref().and_then(|t| t.as_literal()) {
                Some(p) => self.regex(ctx, &p, f.span)?.is_match(command),
                None => true,
            };
            if hit {
                return Err(RunError::new(
                    Code::CallFailed,
                    span,
                    &ctx.unit.source,
                    format!("`{command}` is forbidden inside the patience window \"{}\"", w.label),
                )
                .with_label("forbidden here")
                .with_help("the window exists because this action makes things worse while they converge; wait it out"));
            }
        }
        Ok(())
    }

    async fn invoke(
        &self,
        ctx: &RunState<'c>,
        b: &'static Builtin,
        io: IoFn,
        values: &[Value],
    ) -> std::result::Result<Value, CallError> {
        let call = Io {
            builtin: b,
            args: values,
            backends: &self.backends,
            os: ctx.os.as_ref(),
            kube: ctx.kube.as_ref(),
            ssh: ctx.ssh.as_ref(),
            clock: &self.clock,
        };
        io(&call).await
    }
}

/// What a skipped call gives under `--dry-run`: the shape the table
/// declares, as if the change went through, so the walk can go on.
fn dry_run_result(b: &Builtin, values: &[Value]) -> Value {
    let text = |i: usize| values.get(i).map(|v| v.to_string()).unwrap_or_default();
    match b.name {
        "kube.drain" => Value::from_serde(&crate::backends::Drain {
            drained: true,
            message: "dry run: nothing was evicted".into(),
            ..Default::default()
        }),
        "kube.apply" | "kube.patch" => {
            let (kind, name, ns, body) = if b.name == "kube.apply" {
                let m = document(b, values.first()).unwrap_or_default();
                let field = |path: &[&str]| {
                    path.iter()
                        .try_fold(&m, |v, k| v.get(k))
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                let (k, n, ns) = (
                    field(&["kind"]),
                    field(&["metadata", "name"]),
                    field(&["metadata", "namespace"]),
                );
                (k, n, ns, m)
            } else {
                let patch = document(b, values.get(2)).unwrap_or_default();
                (text(0), text(1), text(3), patch)
            };
            let part = |k: &str| {
                body.get(k)
                    .and_then(serde_json::Value::as_object)
                    .cloned()
                    .unwrap_or_default()
            };
            Value::from_serde(&crate::backends::KubeObject {
                kind,
                name,
                namespace: ns,
                phase: String::new(),
                conditions: Vec::new(),
                labels: Default::default(),
                spec: part("spec"),
                status: Default::default(),
            })
        }
        "ssh.run" => Value::from_serde(&crate::backends::SshOutput {
            stdout: String::new(),
            stderr: String::new(),
            exit: 0,
        }),
        "local.run" => Value::from_serde(&crate::backends::LocalOutput::default()),
        "http.request" => Value::from_serde(&crate::backends::HttpResponse::default()),
        "openstack.request" => Value::from_serde(&crate::backends::OsResponse::default()),
        _ => Value::Null,
    }
}

/// A default from the table's source text: `false`, `""`, `60s`, `", "`.
pub(crate) fn parse_default(src: &str) -> Value {
    match src {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "none" => Value::Null,
        _ => {
            if let Some(inner) = src.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                return Value::Str(inner.to_string());
            }
            if let Ok(i) = src.parse::<i64>() {
                return Value::Int(i);
            }
            crate::syntax::parse_duration(src)
                .map_or_else(|| Value::Str(src.to_string()), Value::Duration)
        }
    }
}

/// The hand-typed equivalent of a call, from the table's `command` template.
pub(crate) fn render_command(b: &Builtin, values: &[Value], ctx: &RunState<'_>) -> String {
    use crate::render::command::{typed, Shown};
    let arg = |name: &str| {
        let Some(v) = b
            .params
            .iter()
            .position(|p| p.name == name)
            .and_then(|i| values.get(i))
        else {
            return Shown::Absent;
        };
        // A body's (or any text's) secret-named keys: `<hidden>`.
        match v.shown() {
            v if hidden_arg(name) => Shown::Raw(format!("<{} bytes>", v.to_string().len())),
            Value::Null => Shown::Absent,
            Value::Map(m) if m.is_empty() => Shown::Absent,
            Value::Bool(on) => Shown::Switch(on),
            // `local.run`'s argv: the words a shell would need.
            Value::List(words) => Shown::Words(words.iter().map(Value::to_string).collect()),
            v => Shown::Text(v.to_string()),
        }
    };
    let scope = ctx
        .ssh
        .as_ref()
        .map(|s| format!("{}@{}", s.user, s.host))
        .unwrap_or_default();
    typed(b, &arg, &scope)
}

fn journal_args(b: &Builtin, values: &[Value]) -> serde_json::Value {
    let mut m = BTreeMap::new();
    for (p, v) in b.params.iter().zip(values) {
        // Bodies are hidden by key when the journal writes the event.
        let j = if hidden_arg(p.name) {
            serde_json::Value::String(format!("<{} bytes>", v.to_string().len()))
        } else if p.name == "headers" {
            serde_json::Value::String(crate::backends::http::hidden_headers(&v.to_string()))
        } else {
            v.to_json()
        };
        m.insert(p.name.to_string(), j);
    }
    serde_json::to_value(m).unwrap_or_default()
}
