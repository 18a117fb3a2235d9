//! Calls: bind arguments to the builtin table's parameters (by position or
//! name, with its defaults), run pure functions, and send builtins to the
//! backend traits inside the current credential scope. Under `--dry-run`
//! calls that change the world are shown and skipped; a failed call becomes
//! RBK901 naming the call and carrying the remote's message.
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::error::{Result, RunError};
use super::exec::Ctx;
use super::value::Value;
use super::Interp;
use crate::backends::{CallError, DrainOptions, KubeSelector};
use crate::diagnostic::Code;
use crate::resolve::builtins::{self, Builtin, Effect};
use crate::syntax::ast::{Arg, Path, Span};

/// Arguments whose value never reaches the journal or the terminal.
const HIDDEN_ARGS: &[&str] = &["content", "password", "token", "secret"];

impl<'c> Interp<'c> {
    pub(crate) async fn call(
        &self,
        ctx: &mut Ctx<'c>,
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
        if b.effect == Effect::Pure {
            let re = |p: &str| {
                regex::Regex::new(p).map_err(|e| format!("bad regular expression {p:?}: {e}"))
            };
            return super::functions::call(b.name, &values, &re)
                .map_err(|m| self.fail(ctx, span, m));
        }
        if b.name == "sleep" {
            let d = values
                .first()
                .and_then(Value::as_duration)
                .unwrap_or_default();
            self.clock.sleep(d).await;
            return Ok(Value::Null);
        }
        let command = render_command(b, &values, ctx);
        self.check_forbidden(ctx, b, &command, span)?;
        let journal_args = journal_args(b, &values);
        let changes = b
            .params
            .iter()
            .position(|p| p.name == "changes")
            .and_then(|i| values.get(i))
            .is_some_and(Value::truthy);
        if self.opts.dry_run && b.effect_of_call(changes).mutates() {
            self.term.would_run(&command);
            self.journal.emit(
                "call",
                serde_json::json!({"step": ctx.node, "builtin": b.name, "args": journal_args, "ok": true, "ms": 0, "dry_run": true}),
            );
            return Ok(dry_run_result(b, &values));
        }
        if b.effect.mutates() {
            // Durable before the world changes: a crash from here on leaves
            // a record that this call may have been sent.
            self.journal.emit_synced(
                "call_intent",
                serde_json::json!({"step": ctx.node, "builtin": b.name, "args": journal_args.clone()}),
            );
        }
        let started = Instant::now();
        let result = self.invoke(ctx, b, &values).await;
        let ms = started.elapsed().as_millis() as u64;
        if let Ok(mut s) = self.stats.lock() {
            s.calls += 1;
        }
        let mut event = serde_json::json!({"step": ctx.node, "builtin": b.name, "args": journal_args, "ok": result.is_ok(), "ms": ms});
        match result {
            Ok(v) => {
                self.emit_call(b, event);
                self.term.call(b.name, &command, Ok(&v));
                self.expectations.check(self, &ctx.node, b.name, &v).await;
                Ok(v)
            }
            Err(e) => {
                let noise = b.effect == Effect::ReadOnly && (ctx.in_poll || ctx.patience.is_some());
                event["error"] = serde_json::Value::String(e.to_string());
                if let Some(w) = &ctx.patience {
                    event["patience"] = serde_json::Value::String(w.label.clone());
                }
                self.emit_call(b, event);
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
    fn emit_call(&self, b: &Builtin, event: serde_json::Value) {
        if b.effect.mutates() {
            self.journal.emit_synced("call", event);
        } else {
            self.journal.emit("call", event);
        }
    }

    /// Arguments in the table's parameter order, defaults filled in.
    async fn bind(
        &self,
        ctx: &mut Ctx<'c>,
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

    fn check_forbidden(&self, ctx: &Ctx<'c>, b: &Builtin, command: &str, span: Span) -> Result<()> {
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
        ctx: &Ctx<'c>,
        b: &Builtin,
        v: &[Value],
    ) -> std::result::Result<Value, CallError> {
        let s = |i: usize| v.get(i).map(|x| x.to_string()).unwrap_or_default();
        let no_scope = |kind: &str| CallError::Config {
            call: b.name.to_string(),
            message: format!("must be called inside `scope {kind}(...)`"),
        };
        let be = &self.backends;
        macro_rules! os {
            () => {
                ctx.os.as_ref().ok_or_else(|| no_scope("openstack"))?
            };
        }
        macro_rules! kube {
            () => {
                ctx.kube.as_ref().ok_or_else(|| no_scope("kube"))?
            };
        }
        Ok(match b.name {
            "openstack.server.start" => {
                be.openstack.server_start(os!(), &s(0)).await?;
                Value::Null
            }
            "openstack.server.stop" => {
                be.openstack.server_stop(os!(), &s(0)).await?;
                Value::Null
            }
            "openstack.server.show" => {
                Value::from_serde(&be.openstack.server_show(os!(), &s(0)).await?)
            }
            "openstack.server.delete" => {
                be.openstack.server_delete(os!(), &s(0)).await?;
                Value::Null
            }
            "openstack.loadbalancer.list" => {
                Value::from_serde(&be.openstack.loadbalancer_list(os!()).await?)
            }
            "openstack.loadbalancer.show" => {
                Value::from_serde(&be.openstack.loadbalancer_show(os!(), &s(0)).await?)
            }
            "openstack.loadbalancer.failover" => {
                be.openstack.loadbalancer_failover(os!(), &s(0)).await?;
                Value::Null
            }
            "openstack.loadbalancer.amphora.list" => {
                Value::from_serde(&be.openstack.amphora_list(os!()).await?)
            }
            "openstack.hypervisor.list" => {
                Value::from_serde(&be.openstack.hypervisor_list(os!()).await?)
            }
            "openstack.coe.cluster.show" => {
                Value::from_serde(&be.openstack.coe_cluster_show(os!(), &s(0)).await?)
            }
            "kube.nodes" => Value::from_serde(&be.kube.nodes(kube!()).await?),
            "kube.pods" => {
                let ns = s(0);
                let ns = (!ns.is_empty()).then_some(ns);
                Value::from_serde(&be.kube.pods(kube!(), ns.as_deref()).await?)
            }
            "kube.get" => Value::from_serde(&be.kube.get(kube!(), &s(0), &s(1), &s(2)).await?),
            "kube.list" => {
                let selector = KubeSelector {
                    namespace: s(1),
                    labels: s(2),
                    fields: s(3),
                };
                Value::from_serde(&be.kube.list(kube!(), &s(0), &selector).await?)
            }
            "kube.apply" => {
                let manifest = document(b, v.first())?;
                let force = v.get(2).is_some_and(Value::truthy);
                Value::from_serde(&be.kube.apply(kube!(), &manifest, &s(1), force).await?)
            }
            "kube.patch" => {
                let patch = document(b, v.get(2))?;
                let target = (s(0), s(1), s(3));
                let target = (target.0.as_str(), target.1.as_str(), target.2.as_str());
                Value::from_serde(&be.kube.patch(kube!(), target, &patch, &s(4)).await?)
            }
            "kube.delete" => {
                be.kube.delete(kube!(), &s(0), &s(1), &s(2)).await?;
                Value::Null
            }
            "kube.scale" => {
                let replicas = match v.get(2) {
                    Some(Value::Int(n)) => *n,
                    other => {
                        return Err(CallError::Config {
                            call: b.name.into(),
                            message: format!(
                                "replicas must be a whole number, got {}",
                                other.cloned().unwrap_or_default()
                            ),
                        })
                    }
                };
                let (kind, name, ns) = (s(0), s(1), s(3));
                be.kube
                    .scale(kube!(), (&kind, &name, &ns), replicas)
                    .await?;
                Value::Null
            }
            "kube.rollout_restart" => {
                be.kube
                    .rollout_restart(kube!(), &s(0), &s(1), &s(2))
                    .await?;
                Value::Null
            }
            "kube.cordon" | "kube.uncordon" => {
                let cordon = b.name == "kube.cordon";
                be.kube.cordon(kube!(), &s(0), cordon).await?;
                Value::Null
            }
            "kube.drain" => {
                let flag = |i: usize| v.get(i).is_some_and(Value::truthy);
                let duration = |i: usize, d: u64| {
                    v.get(i)
                        .and_then(Value::as_duration)
                        .unwrap_or(Duration::from_secs(d))
                };
                let options = DrainOptions {
                    timeout: duration(1, 300),
                    retry_every: duration(2, 5),
                    ignore_daemonsets: flag(3),
                    delete_emptydir_data: flag(4),
                    force: flag(5),
                };
                Value::from_serde(&be.kube.drain(kube!(), &s(0), &options).await?)
            }
            "kube.logs" => {
                let tail = match v.get(3) {
                    Some(Value::Int(n)) => *n,
                    _ => 100,
                };
                Value::Str(be.kube.logs(kube!(), &s(0), &s(1), &s(2), tail).await?)
            }
            "ssh.run" => {
                let scope = ctx.ssh.as_ref().ok_or_else(|| no_scope("ssh"))?;
                let timeout = v
                    .get(1)
                    .and_then(Value::as_duration)
                    .unwrap_or(Duration::from_secs(60));
                Value::from_serde(&be.ssh.run(scope, &s(0), timeout).await?)
            }
            "tcp.probe" => {
                let port = match v.get(1) {
                    Some(Value::Int(p)) if (1..=65535).contains(p) => *p as u16,
                    other => {
                        return Err(CallError::Config {
                            call: b.name.into(),
                            message: format!(
                                "port must be 1-65535, got {}",
                                other.cloned().unwrap_or_default()
                            ),
                        })
                    }
                };
                let timeout = v
                    .get(2)
                    .and_then(Value::as_duration)
                    .unwrap_or(Duration::from_secs(5));
                Value::Bool(be.tcp.probe(&s(0), port, timeout).await?)
            }
            "file.exists" => Value::Bool(be.local.file_exists(&s(0)).await?),
            "file.write" => {
                be.local.file_write(&s(0), &s(1)).await?;
                Value::Null
            }
            name => match super::os_ops::op(name, v) {
                Some(op) => Value::from_serde(&be.openstack.maintain(os!(), b.name, &op).await?),
                None => {
                    return Err(CallError::Config {
                        call: name.into(),
                        message: "no backend implements this builtin".into(),
                    })
                }
            },
        })
    }
}

/// A manifest or patch argument: YAML or JSON text (what procedures can
/// write), or a map (read from another object).
fn document(b: &Builtin, v: Option<&Value>) -> std::result::Result<serde_json::Value, CallError> {
    let bad = |message: String| CallError::Config {
        call: b.name.into(),
        message,
    };
    match v {
        Some(Value::Map(_)) => Ok(v.map(Value::to_json).unwrap_or_default()),
        Some(Value::Str(text)) => {
            let doc: serde_json::Value = serde_saphyr::from_str(text)
                .map_err(|e| bad(format!("not a YAML or JSON document: {e}")))?;
            if doc.is_object() {
                Ok(doc)
            } else {
                Err(bad("the document must be a map (`key: value` lines)".into()))
            }
        }
        other => Err(bad(format!(
            "needs YAML text or a map, got {}",
            other.cloned().unwrap_or_default()
        ))),
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
        _ => Value::Null,
    }
}

/// A default from the table's source text: `false`, `""`, `60s`, `", "`.
fn parse_default(src: &str) -> Value {
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
            parse_duration(src).map_or_else(|| Value::Str(src.to_string()), Value::Duration)
        }
    }
}

/// `60s`, `500ms`, `5m`, `1h`: the forms the table's defaults use.
pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (num, unit) = text.split_at(split);
    let n: f64 = num.trim().parse().ok()?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        _ => return None,
    };
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// The hand-typed equivalent of a call, from the table's `command` template.
pub(crate) fn render_command(b: &Builtin, values: &[Value], ctx: &Ctx<'_>) -> String {
    let mut out = b.command.to_string();
    // `kube.list` without a namespace lists every namespace.
    if b.name == "kube.list"
        && values.get(1).is_some_and(|ns| !ns.truthy())
        && !values
            .first()
            .is_some_and(|k| crate::backends::kube::is_cluster_scoped(&k.to_string()))
    {
        out = out.replacen("{kind}", "{kind} -A", 1);
    }
    for (p, v) in b.params.iter().zip(values) {
        let flag_re = format!("]{{{}}}", p.name);
        if let Some(end) = out.find(&flag_re) {
            if let Some(start) = out[..end].rfind('[') {
                let flag = out[start + 1..end].to_string();
                let replacement = if v.truthy() { flag } else { String::new() };
                out.replace_range(start..end + flag_re.len(), &replacement);
            }
        }
        let shown = if HIDDEN_ARGS.contains(&p.name) {
            format!("<{} bytes>", v.to_string().len())
        } else {
            v.to_string()
        };
        out = out.replace(&format!("{{{}}}", p.name), &shown);
    }
    if let Some(s) = &ctx.ssh {
        out = out.replace("{scope}", &format!("{}@{}", s.user, s.host));
    }
    let squeezed: Vec<&str> = out.split(' ').filter(|w| !w.is_empty()).collect();
    squeezed.join(" ")
}

fn journal_args(b: &Builtin, values: &[Value]) -> serde_json::Value {
    let mut m = BTreeMap::new();
    for (p, v) in b.params.iter().zip(values) {
        let j = if HIDDEN_ARGS.contains(&p.name) {
            serde_json::Value::String(format!("<{} bytes>", v.to_string().len()))
        } else {
            v.to_json()
        };
        m.insert(p.name.to_string(), j);
    }
    serde_json::to_value(m).unwrap_or_default()
}
