//! RBK412 (a warning): a poll whose budget cannot cover the duration
//! verified for what it waits on, with a margin. The budget is `within`,
//! or `every` times `max`; the verified duration is a `timing ~3m30s "..."`
//! in the poll's block or a block around it, in the same node. The budget
//! must be at least 1.25 times the timing: a verified "~3.5 min" waited
//! for 3 minutes gives up on a healthy run.
use std::time::Duration;

use super::walk::Frame;
use super::RuleInput;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{
    format_compound_duration, format_duration, Expr, ExprKind, Poll, Procedure, Stmt, StmtKind,
};

/// Budget / timing must be at least this.
const MARGIN: f64 = 1.25;

fn duration(e: Option<&Expr>) -> Option<Duration> {
    match e.map(|e| &e.kind) {
        Some(ExprKind::Duration(d)) => Some(*d),
        _ => None,
    }
}

fn budget(p: &Poll) -> Option<Duration> {
    if let Some(d) = duration(p.within.as_ref()) {
        return Some(d);
    }
    let every = duration(p.every.as_ref())?;
    match p.max.as_ref().map(|e| &e.kind) {
        Some(ExprKind::Int(n)) => u32::try_from(*n).ok().map(|n| every * n),
        _ => None,
    }
}

/// The first `timing ~D` in the block of the statement `frames` lead to,
/// or in a block around it (the nearest first), with its duration.
fn verified_timing<'a>(frames: &[Frame<'a>]) -> Option<(&'a Stmt, Duration)> {
    frames.iter().find_map(|fr| {
        let Frame::Block(stmts, _) = fr else {
            return None;
        };
        stmts.iter().find_map(|t| match &t.kind {
            StmtKind::Doc(doc) => doc.duration.map(|d| (t, d.value)),
            _ => None,
        })
    })
}

/// For the poll starting at `poll_at` (a byte offset) with `every` and no
/// bound yet: the smallest `max` whose budget covers the timing verified
/// for it with the margin, if a timing is written around it.
pub fn max_covering_timing(proc: &Procedure, poll_at: usize) -> Option<u64> {
    let mut found = None;
    crate::check::walk::statements(proc, &mut |_, s, frames| {
        let StmtKind::Poll(p) = &s.kind else { return };
        if found.is_some() || s.span.offset() != poll_at {
            return;
        }
        let every = duration(p.every.as_ref()).filter(|d| !d.is_zero());
        found = every
            .zip(verified_timing(frames))
            .map(|(every, (_, need))| {
                (need.as_secs_f64() * MARGIN / every.as_secs_f64()).ceil() as u64
            });
    });
    found
}

pub fn check(cx: &RuleInput) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // Most procedures state no machine-readable timing: skip the walk.
    let any_timing = cx
        .index
        .statements()
        .any(|s| matches!(&s.kind, StmtKind::Doc(d) if d.duration.is_some()));
    if !any_timing {
        return out;
    }
    crate::check::walk::statements(cx.proc, &mut |_, s, frames| {
        let StmtKind::Poll(p) = &s.kind else { return };
        let Some(have) = budget(p) else { return };
        let Some((t, need)) = verified_timing(frames) else {
            return;
        };
        if have.as_secs_f64() >= need.as_secs_f64() * MARGIN {
            return;
        }
        let poll_head = crate::syntax::ast::Span::new(s.span.offset().into(), 4);
        out.push(
            Diagnostic::new(
                Code::PollShorterThanTiming,
                poll_head,
                format!(
                    "this poll gives up after {}, but the verified timing is ~{}",
                    format_duration(have),
                    format_compound_duration(need)
                ),
            )
            .with_label("budget too short")
            .with_secondary(t.span, "verified timing")
            .with_help(format!(
                "give it at least {} (1.25 times the timing): raise `max` or `within`; a healthy run must not run out",
                format_compound_duration(Duration::from_secs(
                    need.mul_f64(MARGIN).as_secs_f64().ceil() as u64
                ))
            )),
        );
    });
    out
}
