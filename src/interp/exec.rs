//! Nodes and statements: steps, gates, decisions, calls of other procedures;
//! scopes, polls, patience windows, foreach, if, require, confirm, log,
//! record.
use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use futures::StreamExt;

use super::error::{Result, RunError, Stop};
use super::eval::BoxFut;
use super::value::Value;
use super::Interp;
use crate::backends::{KnownHostsPolicy, KubeScope, OpenStackScope, SshScope};
use crate::compilation::Unit;
use crate::diagnostic::Code;
use crate::syntax::ast::{
    Arg, Block, Exhausted, Forbid, Ident, Node, NodeKind, Patience, Poll, ProcItem, Procedure,
    Scope, ScopeKind, Span, Stmt, StmtKind,
};

/// What one path of execution carries: variables, the credential scopes
/// it is inside, the patience window, whether it is inside a poll.
#[derive(Clone)]
pub(crate) struct Ctx<'c> {
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

/// A patience window: failures of read-only calls inside are expected
/// noise, and the listed actions are forbidden.
pub(crate) struct Window<'c> {
    pub label: String,
    pub forbid: &'c [Forbid],
}

impl<'c> Ctx<'c> {
    pub fn new(unit: &'c Unit, node: impl Into<String>) -> Self {
        Ctx {
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

/// A value as it would be written in source: strings quoted.
fn source_like(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("{s:?}"),
        v => v.short(60),
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
        let mut ctx = Ctx::new(unit, p.name.name.clone());
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
    async fn run_nodes(&self, ctx: &mut Ctx<'c>, p: &'c Procedure) -> Result<()> {
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

    fn skip(&self, ctx: &Ctx<'c>, node: &Node, why: &str) {
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
        ctx: &mut Ctx<'c>,
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
            NodeKind::Decide(d) => {
                self.set_current(Some(name.clone()));
                let mut taken: Option<(&'c str, Option<String>)> = None;
                if let Some(prev) = self
                    .opts
                    .resume
                    .as_ref()
                    .and_then(|r| r.decision(&p.name.name, &name))
                {
                    let target = d
                        .branches
                        .iter()
                        .chain(d.otherwise.iter())
                        .find(|b| Some(b.target.name.as_str()) == prev.as_deref());
                    if let Some(b) = target {
                        taken = Some((
                            b.target.name.as_str(),
                            Some("as decided by the resumed run".into()),
                        ));
                    }
                } else {
                    for b in &d.branches {
                        let hit = match &b.condition {
                            Some(c) => self.eval(ctx, c).await?.truthy(),
                            None => true,
                        };
                        if hit {
                            let why = match &b.reason {
                                Some(r) => Some(self.eval_text(ctx, r).await?),
                                None => b.condition.as_ref().map(|c| format!("{c}")),
                            };
                            taken = Some((b.target.name.as_str(), why));
                            break;
                        }
                    }
                    if taken.is_none() {
                        if let Some(b) = &d.otherwise {
                            let why = match &b.reason {
                                Some(r) => Some(self.eval_text(ctx, r).await?),
                                None => Some("otherwise".into()),
                            };
                            taken = Some((b.target.name.as_str(), why));
                        }
                    }
                }
                let target = taken.as_ref().map(|(t, _)| *t);
                self.journal.emit(
                    "decision",
                    serde_json::json!({"step": name, "taken": target, "why": taken.as_ref().and_then(|(_, w)| w.clone()), "procedure": p.name.name}),
                );
                self.term.decision(
                    &name,
                    &title,
                    target,
                    taken.as_ref().and_then(|(_, w)| w.as_deref()),
                );
                if let Ok(mut s) = self.stats.lock() {
                    s.decisions.push((name.clone(), target.map(str::to_string)));
                }
                // A jump to the very next node skips nothing.
                Ok(target)
            }
            NodeKind::Step(body) | NodeKind::Gate(body) => {
                let is_gate = matches!(node.kind, NodeKind::Gate(_));
                if !is_gate
                    && self
                        .opts
                        .resume
                        .as_ref()
                        .is_some_and(|r| r.completed.contains(&name))
                {
                    self.skip(ctx, node, "completed by the resumed run");
                    return Ok(None);
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
                    &title,
                    layer.as_deref(),
                );
                self.journal
                    .emit_synced("step_start", serde_json::json!({"step": name}));
                let result = match self.check_needs(ctx, node) {
                    Ok(()) => self.block(ctx, body).await,
                    Err(e) => Err(e),
                };
                let outcome = if result.is_ok() { "ok" } else { "failed" };
                if is_gate {
                    self.journal.emit(
                        "gate",
                        serde_json::json!({"gate": name, "passed": result.is_ok()}),
                    );
                    self.term.gate(&name, &title, result.is_ok());
                    if result.is_ok() {
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
                    match (&result, is_gate) {
                        (Ok(()), true) => s.gates_passed += 1,
                        (Ok(()), false) => s.steps_ok += 1,
                        (Err(_), _) => s.steps_failed += 1,
                    }
                }
                match result {
                    Ok(()) => Ok(None),
                    Err(mut e) => {
                        if is_gate {
                            e.stop = Stop::Failed;
                            e.diagnostic = Box::new(e.diagnostic.with_help(format!(
                                "gate `{name}` ({title}) did not pass; nothing after it runs"
                            )));
                        } else if e.stop == Stop::Transient {
                            e.stop = Stop::Failed;
                        }
                        Err(e)
                    }
                }
            }
            NodeKind::Call(args) => {
                self.run_call(ctx, &node.name, args, title, true).await?;
                Ok(None)
            }
        }
    }

    /// Run another procedure, as a `call` node (`as_node`) or statement:
    /// its params from `args` (or their defaults), its nodes in order. Its
    /// variables come back as `name.variable`. A call with arguments, and
    /// every call statement, names the steps inside it after itself
    /// (`evacuate(host: "cmp1")/migrate`), so the journal tells one
    /// loop iteration from the next and `--resume` skips only what that
    /// iteration finished.
    pub(crate) async fn run_call(
        &self,
        ctx: &mut Ctx<'c>,
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
        let journal_args: serde_json::Map<String, serde_json::Value> = given
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_json()))
            .collect();
        let caller = ctx.node.clone();
        if as_node {
            self.set_current(Some(key.clone()));
            let mut start = serde_json::json!({"step": key, "call": true});
            if !args.is_empty() {
                start["args"] = serde_json::Value::Object(journal_args.clone());
            }
            self.journal.emit_synced("step_start", start);
        } else {
            self.journal.emit(
                "call_start",
                serde_json::json!({"step": caller, "call": name.name, "args": journal_args, "instance": key}),
            );
        }
        self.term.node_header("call", &key, &note, None);
        let mut inner = Ctx::new(unit, key.clone());
        inner.prefix = if as_node && args.is_empty() {
            ctx.prefix.clone()
        } else {
            key.clone()
        };
        let mut result = Ok(());
        for param in callee.params() {
            let v = match given.iter().find(|(n, _)| *n == param.name.name) {
                Some((_, v)) => Ok(v.clone()),
                None => match &param.default {
                    Some(d) => self.eval(&mut inner, d).await,
                    None => Err(RunError::new(
                        Code::MissingCallArgument,
                        name.span,
                        &ctx.unit.source,
                        format!(
                            "`call {}` does not set `{}`, which has no default",
                            name.name, param.name.name
                        ),
                    )),
                },
            };
            match v {
                Ok(v) => {
                    inner.vars.insert(param.name.name.clone(), v);
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        if result.is_ok() {
            result = Box::pin(self.run_nodes(&mut inner, callee)).await;
        }
        // The caller reads the callee's variables as `name.var`.
        ctx.vars.insert(
            name.name.clone(),
            Value::Map(inner.vars.into_iter().collect()),
        );
        let outcome = if result.is_ok() { "ok" } else { "failed" };
        if as_node {
            ctx.node = caller;
            self.journal.emit_synced(
                "step_end",
                serde_json::json!({"step": key, "outcome": outcome}),
            );
            if let Ok(mut s) = self.stats.lock() {
                if result.is_ok() {
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
        result
    }

    fn check_needs(&self, ctx: &Ctx<'c>, node: &'c Node) -> Result<()> {
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

    pub(crate) fn block<'a>(
        &'a self,
        ctx: &'a mut Ctx<'c>,
        b: &'c Block,
    ) -> BoxFut<'a, Result<()>> {
        Box::pin(async move {
            for s in &b.stmts {
                self.stmt(ctx, s).await?;
            }
            Ok(())
        })
    }

    async fn stmt(&self, ctx: &mut Ctx<'c>, s: &'c Stmt) -> Result<()> {
        match &s.kind {
            StmtKind::Let { name, value } => {
                let v = self.eval(ctx, value).await?;
                if ctx.in_poll {
                    ctx.observed = Some(format!("{}={}", name.name, v.short(60)));
                }
                ctx.vars.insert(name.name.clone(), v);
            }
            StmtKind::Expr(e) => {
                self.eval(ctx, e).await?;
            }
            StmtKind::Scope(sc) => self.scope(ctx, sc).await?,
            StmtKind::Poll(p) => self.poll(ctx, p, s.span).await?,
            StmtKind::Patience(p) => self.patience(ctx, p).await?,
            StmtKind::Foreach(f) => {
                let source = self.eval(ctx, &f.iter).await?;
                let items = self.iterable(ctx, source, f.iter.span)?;
                match &f.parallel {
                    None => {
                        for item in items {
                            let mut inner = ctx.clone();
                            inner.vars.insert(f.var.name.clone(), item);
                            self.block(&mut inner, &f.body).await?;
                        }
                    }
                    Some(par) => {
                        let max = match &par.max {
                            Some(m) => {
                                let v = self.eval(ctx, m).await?;
                                match v {
                                    Value::Int(n) if n >= 1 => n as usize,
                                    other => return Err(self.fail(ctx, m.span, format!("`parallel max` wants a whole number of at least 1, got {other}"))),
                                }
                            }
                            None => items.len().max(1),
                        };
                        let stop = AtomicBool::new(false);
                        let stop = &stop;
                        let base = &*ctx;
                        let results: Vec<Result<()>> = futures::stream::iter(items)
                            .map(|item| {
                                let mut inner = base.clone();
                                inner.vars.insert(f.var.name.clone(), item);
                                async move {
                                    // After a failure, start no more items.
                                    if stop.load(Ordering::SeqCst) {
                                        return Ok(());
                                    }
                                    let r = self.block(&mut inner, &f.body).await;
                                    if r.is_err() {
                                        stop.store(true, Ordering::SeqCst);
                                    }
                                    r
                                }
                            })
                            .buffer_unordered(max)
                            .collect()
                            .await;
                        results.into_iter().collect::<Result<Vec<()>>>()?;
                    }
                }
            }
            StmtKind::If(i) => {
                let mut cond = &i.condition;
                let mut then = &i.then;
                let mut otherwise = &i.otherwise;
                loop {
                    if self.eval(ctx, cond).await?.truthy() {
                        let mut inner = ctx.clone();
                        self.block(&mut inner, then).await?;
                        ctx.observed = inner.observed;
                        break;
                    }
                    match otherwise {
                        None => break,
                        Some(crate::syntax::ast::Else::Block(b)) => {
                            let mut inner = ctx.clone();
                            self.block(&mut inner, b).await?;
                            ctx.observed = inner.observed;
                            break;
                        }
                        Some(crate::syntax::ast::Else::If(stmt)) => match &stmt.kind {
                            StmtKind::If(next) => {
                                cond = &next.condition;
                                then = &next.then;
                                otherwise = &next.otherwise;
                            }
                            _ => {
                                Box::pin(self.stmt(ctx, stmt)).await?;
                                break;
                            }
                        },
                    }
                }
            }
            StmtKind::Require { condition, message } => {
                if !self.eval(ctx, condition).await?.truthy() {
                    let msg = self.eval_text(ctx, message).await?;
                    return Err(RunError::new(
                        Code::RequireFailed,
                        condition.span,
                        &ctx.unit.source,
                        msg,
                    )
                    .with_label(format!("requires {condition}"))
                    .aborted());
                }
            }
            StmtKind::Confirm { message } => {
                let q = self.eval_text(ctx, message).await?;
                self.confirm(ctx, &q, s.span).await?;
            }
            StmtKind::Log { message } => {
                let text = self.eval_text(ctx, message).await?;
                self.journal.emit(
                    "log",
                    serde_json::json!({"step": ctx.node, "message": text}),
                );
                if ctx.in_poll {
                    ctx.observed = Some(text.clone());
                    self.term.verbose_line(&text);
                } else {
                    self.term.log(&text);
                }
            }
            StmtKind::Record { name, value } => {
                let v = self.eval(ctx, value).await?;
                self.journal.emit(
                    "record",
                    serde_json::json!({"step": ctx.node, "name": name.name, "value": v.to_json()}),
                );
                self.term.record(&name.name, &v);
                ctx.vars.insert(name.name.clone(), v);
            }
            StmtKind::Doc(d) => {
                let text = self.eval_text(ctx, &d.text).await?;
                self.term.doc(d.kind, &text);
            }
            StmtKind::Call(c) => {
                let note = match &c.note {
                    Some(t) => self.eval_text(ctx, t).await?,
                    None => String::new(),
                };
                Box::pin(self.run_call(ctx, &c.name, &c.args, note, false)).await?;
            }
        }
        Ok(())
    }

    async fn confirm(&self, ctx: &Ctx<'c>, question: &str, span: Span) -> Result<()> {
        if self.opts.dry_run && !self.opts.yes {
            // Nothing will change, so there is nothing to consent to yet.
            self.term
                .line(&format!("  ? {question} — not asked (dry run)"));
            self.journal.emit(
                "confirm",
                serde_json::json!({"step": ctx.node, "question": question, "answer": "yes", "by": "--dry-run"}),
            );
            return Ok(());
        }
        if self.opts.yes {
            self.term.line(&format!("  ? {question} — yes (--yes)"));
            self.journal.emit("confirm", serde_json::json!({"step": ctx.node, "question": question, "answer": "yes", "by": "--yes"}));
            return Ok(());
        }
        if !std::io::stdin().is_terminal() {
            return Err(RunError::new(
                Code::NotConfirmed,
                span,
                &ctx.unit.source,
                format!("cannot ask \"{question}\": standard input is not a terminal"),
            )
            .with_help("run it on a terminal to answer, or pass --yes to answer yes for automation")
            .aborted());
        }
        let prompt = format!("  ? {question} [y/N] ");
        self.term.prompt(&prompt);
        let answer = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map(|_| line)
        })
        .await
        .ok()
        .and_then(std::result::Result::ok)
        .unwrap_or_default();
        let yes = matches!(answer.trim().to_lowercase().as_str(), "y" | "yes");
        self.journal.emit("confirm", serde_json::json!({"step": ctx.node, "question": question, "answer": if yes {"yes"} else {"no"}}));
        if yes {
            Ok(())
        } else {
            Err(RunError::new(
                Code::NotConfirmed,
                span,
                &ctx.unit.source,
                format!("not confirmed: {question}"),
            )
            .aborted())
        }
    }

    async fn scope(&self, ctx: &mut Ctx<'c>, sc: &'c Scope) -> Result<()> {
        let mut named: HashMap<&str, Value> = HashMap::new();
        let mut positional = Vec::new();
        for a in &sc.args {
            let v = self.eval(ctx, &a.value).await?;
            match &a.name {
                Some(n) => {
                    named.insert(n.name.as_str(), v);
                }
                None => positional.push(v),
            }
        }
        let text = |v: Option<&Value>| v.map(|v| v.to_string()).filter(|s| !s.is_empty());
        let path = |v: Option<&Value>| text(v).map(|s| expand_home(&s));
        let first = positional.first();
        match sc.kind {
            ScopeKind::OpenStack => {
                let mut scope = OpenStackScope::default();
                if let Some(p) = text(named.get("project").or(first)) {
                    if looks_like_id(&p) {
                        scope.project_id = Some(p);
                    } else {
                        scope.project_name = Some(p);
                    }
                }
                scope.project_domain = text(named.get("domain"));
                scope.openrc = path(named.get("openrc"));
                scope.cloud = text(named.get("cloud")).or_else(|| self.opts.cloud.clone());
                self.term.scope_line(&describe_openstack(&scope));
                let saved = ctx.os.replace(scope);
                let r = self.block(ctx, &sc.body).await;
                ctx.os = saved;
                r
            }
            ScopeKind::Kube => {
                let scope = KubeScope {
                    kubeconfig: path(named.get("kubeconfig").or(first)),
                };
                let saved = ctx.kube.replace(scope);
                let r = self.block(ctx, &sc.body).await;
                ctx.kube = saved;
                r
            }
            ScopeKind::Ssh => {
                let Some(host) = text(named.get("host").or(first)) else {
                    return Err(self.fail(ctx, sc.body.span, "`scope ssh` needs a host"));
                };
                let port = match named.get("port") {
                    None => 22,
                    Some(Value::Int(p)) if (1..=65535).contains(p) => *p as u16,
                    Some(other) => {
                        return Err(self.fail(
                            ctx,
                            sc.body.span,
                            format!("`scope ssh` port must be 1-65535, got {other}"),
                        ))
                    }
                };
                let known_hosts = match text(named.get("known_hosts")).as_deref() {
                    None | Some("strict") => KnownHostsPolicy::Strict,
                    Some("accept-new") => KnownHostsPolicy::AcceptNew,
                    Some(other) => {
                        return Err(self.fail(
                            ctx,
                            sc.body.span,
                            format!(
                                "known_hosts must be \"strict\" or \"accept-new\", got {other:?}"
                            ),
                        ))
                    }
                };
                let scope = SshScope {
                    host,
                    port,
                    user: text(named.get("user"))
                        .unwrap_or_else(|| std::env::var("USER").unwrap_or_else(|_| "root".into())),
                    key: path(named.get("key")),
                    known_hosts,
                    known_hosts_file: path(named.get("known_hosts_file")),
                    connect_timeout: named
                        .get("connect_timeout")
                        .and_then(Value::as_duration)
                        .unwrap_or(Duration::from_secs(10)),
                };
                let saved = ctx.ssh.replace(scope);
                let r = self.block(ctx, &sc.body).await;
                ctx.ssh = saved;
                r
            }
        }
    }

    async fn patience(&self, ctx: &mut Ctx<'c>, p: &'c Patience) -> Result<()> {
        let label = self.eval_text(ctx, &p.label).await?;
        let dur = match &p.duration {
            Some(d) => self.eval(ctx, d).await?.as_duration(),
            None => None,
        };
        self.term.patience_start(&label, dur);
        self.journal.emit("patience", serde_json::json!({"step": ctx.node, "label": label, "for": dur.map(crate::syntax::ast::format_duration)}));
        let saved = ctx.patience.replace(Arc::new(Window {
            label,
            forbid: &p.forbid,
        }));
        let r = self.block(ctx, &p.body).await;
        ctx.patience = saved;
        r
    }

    async fn poll(&self, ctx: &mut Ctx<'c>, p: &'c Poll, span: Span) -> Result<()> {
        let label = match &p.label {
            Some(l) => self.eval_text(ctx, l).await?,
            None => "poll".to_string(),
        };
        let every = match &p.every {
            Some(e) => {
                let v = self.eval(ctx, e).await?;
                v.as_duration().ok_or_else(|| {
                    self.fail(ctx, e.span, format!("`every` wants a duration, got {v}"))
                })?
            }
            None => Duration::from_secs(10),
        };
        let max = match &p.max {
            Some(m) => match self.eval(ctx, m).await? {
                Value::Int(n) if n >= 1 => Some(n as u64),
                other => {
                    return Err(self.fail(
                        ctx,
                        m.span,
                        format!("`max` wants a whole number of at least 1, got {other}"),
                    ))
                }
            },
            None => None,
        };
        let within = match &p.within {
            Some(w) => {
                let v = self.eval(ctx, w).await?;
                Some(v.as_duration().ok_or_else(|| {
                    self.fail(ctx, w.span, format!("`within` wants a duration, got {v}"))
                })?)
            }
            None => None,
        };
        // Unbounded polls are a checker error; at run time bound them anyway.
        let max = if max.is_none() && within.is_none() {
            Some(60)
        } else {
            max
        };
        let start = mono(&self.clock);
        let mut bar = self.term.poll_start(&label, max, within);
        let saved_poll = std::mem::replace(&mut ctx.in_poll, true);
        let saved_attempt = ctx.vars.get("attempt").cloned();
        let mut attempt: u64 = 0;
        let result = loop {
            attempt += 1;
            ctx.vars
                .insert("attempt".into(), Value::Int(attempt as i64));
            ctx.observed = None;
            let verdict = self.poll_attempt(ctx, p).await;
            let elapsed = mono(&self.clock).saturating_sub(start);
            let met = match verdict {
                Ok(Attempt::Met) => true,
                Ok(Attempt::NotMet) => false,
                Ok(Attempt::Failed(msg, at)) => {
                    self.journal.emit("poll_attempt", serde_json::json!({"step": ctx.node, "attempt": attempt, "max": max, "met": false, "failed": true}));
                    bar.finish(false, &msg);
                    break Err(RunError::new(Code::PollFailed, at, &ctx.unit.source, msg)
                        .with_label("this `fail if` held"));
                }
                Err(e) if e.stop == Stop::Transient => {
                    let msg = e.message().to_string();
                    match &ctx.patience {
                        Some(w) => self.term.noise(&w.label, &msg),
                        None => self.term.warn(&format!("{msg} (will retry)")),
                    }
                    ctx.observed = Some(msg);
                    false
                }
                Err(e) => {
                    bar.finish(false, e.message());
                    break Err(e);
                }
            };
            self.journal.emit(
                "poll_attempt",
                serde_json::json!({"step": ctx.node, "attempt": attempt, "max": max, "met": met}),
            );
            bar.update(attempt, elapsed, ctx.observed.as_deref());
            if met {
                bar.finish(
                    true,
                    &format!("met after {attempt} attempt(s), {}", fmt_elapsed(elapsed)),
                );
                break Ok(());
            }
            if self.opts.dry_run {
                // The world does not move under a dry run (the calls that
                // would move it were skipped): one look is all a poll gets.
                bar.finish(
                    false,
                    "not met now; a real run would keep polling (dry run: carrying on)",
                );
                break Ok(());
            }
            let out_of_attempts = max.is_some_and(|m| attempt >= m);
            let out_of_time = within.is_some_and(|w| elapsed + every > w);
            if out_of_attempts || out_of_time {
                let why = if out_of_attempts {
                    format!("{attempt} attempts")
                } else {
                    format!(
                        "{} (within {})",
                        fmt_elapsed(elapsed),
                        fmt_elapsed(within.unwrap_or_default())
                    )
                };
                match &p.exhausted {
                    Some(Exhausted::Continue(msg)) => {
                        let msg = match msg {
                            Some(m) => self.eval_text(ctx, m).await?,
                            None => format!("`{label}` not met after {why}"),
                        };
                        bar.finish(false, &format!("exhausted after {why}; continuing"));
                        self.term.warn(&msg);
                        self.journal.emit(
                            "poll_exhausted",
                            serde_json::json!({"step": ctx.node, "continue": true, "message": msg}),
                        );
                        break Ok(());
                    }
                    Some(Exhausted::Abort(msg)) => {
                        let msg = self.eval_text(ctx, msg).await?;
                        bar.finish(false, &format!("exhausted after {why}"));
                        break Err(
                            RunError::new(Code::PollExhausted, span, &ctx.unit.source, msg)
                                .with_label(format!("ran out after {why}"))
                                .aborted(),
                        );
                    }
                    None => {
                        bar.finish(false, &format!("exhausted after {why}"));
                        let last = ctx
                            .observed
                            .as_deref()
                            .map(|o| format!("; last seen: {o}"))
                            .unwrap_or_default();
                        break Err(RunError::new(
                            Code::PollExhausted,
                            span,
                            &ctx.unit.source,
                            format!("`{label}` was not met after {why}{last}"),
                        )
                        .with_label("ran out")
                        .aborted());
                    }
                }
            }
            self.clock.sleep(every).await;
        };
        ctx.in_poll = saved_poll;
        match saved_attempt {
            Some(v) => ctx.vars.insert("attempt".into(), v),
            None => ctx.vars.remove("attempt"),
        };
        result
    }

    async fn poll_attempt(&self, ctx: &mut Ctx<'c>, p: &'c Poll) -> Result<Attempt> {
        self.block(ctx, &p.body).await?;
        for f in &p.fails {
            if self.eval(ctx, &f.condition).await?.truthy() {
                let msg = self.eval_text(ctx, &f.message).await?;
                return Ok(Attempt::Failed(msg, f.span));
            }
        }
        Ok(match &p.until {
            Some(u) => {
                if self.eval(ctx, u).await?.truthy() {
                    Attempt::Met
                } else {
                    Attempt::NotMet
                }
            }
            None => Attempt::NotMet,
        })
    }
}

enum Attempt {
    Met,
    NotMet,
    Failed(String, Span),
}

pub(crate) fn fmt_elapsed(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h{:02}m{:02}s", s / 3600, (s % 3600) / 60, s % 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else if d.as_millis() >= 1000 || d.is_zero() {
        format!("{s}s")
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// A Keystone project id: 32 hex digits (or a dashed uuid).
fn looks_like_id(s: &str) -> bool {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

fn expand_home(p: &str) -> std::path::PathBuf {
    if let Some(rest) = p.strip_prefix("~/") {
        if let Some(home) = std::env::var_os("HOME") {
            return std::path::Path::new(&home).join(rest);
        }
    }
    std::path::PathBuf::from(p)
}

/// The scope as the terminal shows it: never a credential.
fn describe_openstack(s: &OpenStackScope) -> String {
    let project = s
        .project_id
        .as_deref()
        .or(s.project_name.as_deref())
        .map_or("admin scope".to_string(), |p| format!("project {p}"));
    let from = match (&s.openrc, &s.cloud) {
        (Some(p), _) => format!(", credentials from {}", p.display()),
        (None, Some(c)) => format!(", cloud {c}"),
        _ => String::new(),
    };
    format!("openstack: {project}{from}")
}
