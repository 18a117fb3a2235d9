//! Polls: repeat a body until its condition holds, a `fail if` holds, or
//! the attempts or time run out.
use std::time::Duration;

use super::super::error::{Result, RunError, Stop};
use super::super::progress::PollLine;
use super::super::value::Value;
use super::super::Interp;
use super::{mono, RunState};
use crate::diagnostic::Code;
use crate::syntax::ast::{Exhausted, Poll, Span};

/// A poll's label and bounds, evaluated once before its first attempt.
struct Bounds {
    label: String,
    every: Duration,
    max: Option<u64>,
    within: Option<Duration>,
}

impl<'c> Interp<'c> {
    pub(super) async fn poll(&self, ctx: &mut RunState<'c>, p: &'c Poll, span: Span) -> Result<()> {
        let bounds = self.poll_bounds(ctx, p).await?;
        let saved_poll = std::mem::replace(&mut ctx.in_poll, true);
        let saved_attempt = ctx.vars.get("attempt").cloned();
        let result = self.poll_loop(ctx, p, span, &bounds).await;
        ctx.in_poll = saved_poll;
        match saved_attempt {
            Some(v) => ctx.vars.insert("attempt".into(), v),
            None => ctx.vars.remove("attempt"),
        };
        result
    }

    async fn poll_bounds(&self, ctx: &mut RunState<'c>, p: &'c Poll) -> Result<Bounds> {
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
        Ok(Bounds {
            label,
            every,
            max,
            within,
        })
    }

    /// Attempt after attempt, `every` apart, until met, failed or out of
    /// attempts or time.
    async fn poll_loop(
        &self,
        ctx: &mut RunState<'c>,
        p: &'c Poll,
        span: Span,
        b: &Bounds,
    ) -> Result<()> {
        let (max, within) = (b.max, b.within);
        let start = mono(&self.clock);
        let mut bar = self.term.poll_start(&b.label, max, within);
        let mut attempt: u64 = 0;
        loop {
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
                    return Err(RunError::new(Code::PollFailed, at, &ctx.unit.source, msg)
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
                    return Err(e);
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
                return Ok(());
            }
            if self.opts.dry_run {
                // The world does not move under a dry run (the calls that
                // would move it were skipped): one look is all a poll gets.
                bar.finish(
                    false,
                    "not met now; a real run would keep polling (dry run: carrying on)",
                );
                return Ok(());
            }
            let out_of_attempts = max.is_some_and(|m| attempt >= m);
            let out_of_time = within.is_some_and(|w| elapsed + b.every > w);
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
                return self.exhausted(ctx, p, span, &b.label, &why, &mut bar).await;
            }
            self.clock.sleep(b.every).await;
        }
    }

    /// Out of attempts or time (`why`): carry on or stop, as the poll says.
    async fn exhausted(
        &self,
        ctx: &mut RunState<'c>,
        p: &'c Poll,
        span: Span,
        label: &str,
        why: &str,
        bar: &mut PollLine,
    ) -> Result<()> {
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
                Ok(())
            }
            Some(Exhausted::Abort(msg)) => {
                let msg = self.eval_text(ctx, msg).await?;
                bar.finish(false, &format!("exhausted after {why}"));
                Err(
                    RunError::new(Code::PollExhausted, span, &ctx.unit.source, msg)
                        .with_label(format!("ran out after {why}"))
                        .aborted(),
                )
            }
            None => {
                bar.finish(false, &format!("exhausted after {why}"));
                let last = ctx
                    .observed
                    .as_deref()
                    .map(|o| format!("; last seen: {o}"))
                    .unwrap_or_default();
                Err(RunError::new(
                    Code::PollExhausted,
                    span,
                    &ctx.unit.source,
                    format!("`{label}` was not met after {why}{last}"),
                )
                .with_label("ran out")
                .aborted())
            }
        }
    }

    async fn poll_attempt(&self, ctx: &mut RunState<'c>, p: &'c Poll) -> Result<Attempt> {
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
