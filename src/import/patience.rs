//! Patience windows. A section that says its wait must be sat out (a
//! "PATIENCE" heading, "wait up to 20 minutes", "do not act before 15 min",
//! "this takes ~10 minutes") and that waits (a poll, a sleep) gets its waits
//! wrapped in `patience "..." for D { ... }`: inside, failing reads are
//! expected noise, and the checker refuses what the window forbids. Where
//! the section has no wait, or the prose no such words, nothing changes.
use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;

use super::emit::{Stmt, StmtKind};

/// What a section says about sitting its wait out.
#[derive(Debug, PartialEq)]
pub struct Signal {
    /// How long the window lasts, as the prose states it.
    pub duration: Option<String>,
    /// What a timing states, for a window whose prose gives no length
    /// and whose polls have no bound.
    pub timing: Option<String>,
    /// The prose forbids acting in the window ("do NOT restart ...",
    /// "do not act before ..."): the sentence, for the author's TODO.
    pub forbids: Option<String>,
}

const AMOUNT: &str = r"~?\s?(\d+(?:\.\d+)?)(?:\s?(?:-|–|to)\s?(\d+(?:\.\d+)?))?\s?(ms|s|secs?|seconds?|min|mins|minutes?|m|h|hours?)\b";

/// "wait up to 20 minutes" (the imperative: "the job waits 30 s between
/// tries" tells how it polls), "takes ~10 min".
static WAIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(?:wait\s+(?:up to\s+|at least\s+|for\s+|about\s+|around\s+)?|takes?\s+(?:about\s+|around\s+|roughly\s+|up to\s+)?){AMOUNT}"
    ))
    .expect("valid regex")
});
/// "do not act before 15 min", "don't touch it for the first 90 s".
static NOT_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(?:do not|don't|never|not)\b[^.;]*?\b(?:before|for|within|inside)\s+(?:the first\s+)?{AMOUNT}"
    ))
    .expect("valid regex")
});
static ANY_AMOUNT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("(?i){AMOUNT}")).expect("valid regex"));
static PATIENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bpatience\b").expect("valid regex"));

/// What a section's title and prose (its `note`, `warn` and `timing`
/// sentences) say about waiting; None when they say nothing clear.
pub fn signal(title: &str, prose: &[&Stmt]) -> Option<Signal> {
    let texts: Vec<(&str, bool)> = prose
        .iter()
        .filter_map(|s| match &s.kind {
            StmtKind::Note(t) | StmtKind::Timing(_, t) => Some((t.as_str(), false)),
            StmtKind::Warn(t) => Some((t.as_str(), true)),
            _ => None,
        })
        .collect();
    let warning = texts
        .iter()
        .find(|(_, warn)| *warn)
        .map(|(t, _)| t.to_string());
    if let Some((t, c)) = texts
        .iter()
        .find_map(|(t, _)| NOT_BEFORE.captures(t).map(|c| (*t, c)))
    {
        return Some(Signal {
            duration: amount(&c),
            timing: None,
            forbids: Some(t.to_string()),
        });
    }
    if let Some(c) = texts.iter().find_map(|(t, _)| WAIT.captures(t)) {
        return Some(Signal {
            duration: amount(&c),
            timing: None,
            forbids: warning,
        });
    }
    let said = PATIENCE.is_match(title) || texts.iter().any(|(t, _)| PATIENCE.is_match(t));
    // The window lasts as long as the wait may; else what a timing states.
    said.then(|| Signal {
        duration: None,
        timing: texts
            .iter()
            .filter(|(t, _)| t.contains('~'))
            .find_map(|(t, _)| ANY_AMOUNT.captures(t))
            .and_then(|c| amount(&c)),
        forbids: warning,
    })
}

/// The amount a match states, the upper end of a range, as an rbk duration.
fn amount(c: &regex::Captures) -> Option<String> {
    let n: f64 = c.get(2).or(c.get(1))?.as_str().parse().ok()?;
    let unit = c.get(3)?.as_str().to_ascii_lowercase();
    let secs = match unit.as_str() {
        "ms" => n / 1000.0,
        u if u.starts_with('s') => n,
        u if u.starts_with('m') => n * 60.0,
        _ => n * 3600.0,
    };
    let d = Duration::try_from_secs_f64(secs).ok()?;
    (!d.is_zero()).then(|| crate::syntax::ast::format_duration(d))
}

/// Wrap the section's waits (its polls and sleeps, first to last, with
/// what stands between them) in a patience window. It lasts what the prose
/// says, else as long as its polls may take, else what a timing states.
/// False when the section has no wait.
pub fn wrap(label: &str, signal: Signal, body: &mut Vec<Stmt>) -> bool {
    let is_wait = |s: &Stmt| match &s.kind {
        StmtKind::Poll(_) => true,
        StmtKind::Expr(e) => e.starts_with("sleep("),
        _ => false,
    };
    let (Some(first), Some(last)) = (
        body.iter().position(is_wait),
        body.iter().rposition(is_wait),
    ) else {
        return false;
    };
    let inner: Vec<Stmt> = body.drain(first..=last).collect();
    let duration = signal.duration.or_else(|| budget(&inner)).or(signal.timing);
    let mut window = Stmt::new(StmtKind::Patience {
        label: label.to_string(),
        duration,
        body: inner,
    });
    if let Some(said) = signal.forbids {
        window = window.todo(format!(
            "name what the window forbids (`forbid openstack.server.stop, ssh.run ~ \"restart|reboot\"`): \
             the checker then refuses it inside (RBK404). The runbook says: \"{said}\""
        ));
    }
    body.insert(first, window);
    true
}

/// The longest the waits can take, one after the other: each poll's
/// `every` x `max`, each sleep. None when a poll has no bound.
fn budget(waits: &[Stmt]) -> Option<String> {
    let mut total = Duration::ZERO;
    for s in waits {
        total += match &s.kind {
            StmtKind::Poll(p) => crate::syntax::parse_duration(&p.every)? * p.max?,
            StmtKind::Expr(e) => e
                .strip_prefix("sleep(")
                .and_then(|d| d.strip_suffix(')'))
                .and_then(crate::syntax::parse_duration)
                .unwrap_or_default(),
            _ => Duration::ZERO,
        };
    }
    (!total.is_zero()).then(|| crate::syntax::ast::format_duration(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(title: &str, prose: &[StmtKind]) -> Option<Signal> {
        let stmts: Vec<Stmt> = prose.iter().cloned().map(Stmt::new).collect();
        signal(title, &stmts.iter().collect::<Vec<_>>())
    }

    #[test]
    fn the_prose_says_how_long_to_wait() {
        let note = |t: &str| StmtKind::Note(t.into());
        let warn = |t: &str| StmtKind::Warn(t.into());
        let cases = [
            ("Wait up to 20 minutes for the rebuild.", Some("20m"), false),
            ("This takes ~10 minutes.", Some("10m"), false),
            ("It takes 3.5 min on this hardware.", Some("3.5m"), false),
            ("The resync takes 10-15 min.", Some("15m"), false),
            ("Do not act before 15 min have passed.", Some("15m"), true),
            ("Don't touch it for the first 90 s.", Some("1.5m"), true),
        ];
        for (text, duration, forbids) in cases {
            let s = said("Rebuild", &[note(text)]).expect(text);
            assert_eq!(s.duration.as_deref(), duration, "{text}");
            assert_eq!(s.forbids.is_some(), forbids, "{text}");
        }
        let gate = said(
            "3. k8s-snap readiness (PATIENCE GATE)",
            &[
                StmtKind::Timing(None, "Verified convergence: ~20-21 min from boot.".into()),
                warn("Do NOT restart services inside this window."),
            ],
        )
        .expect("a patience heading");
        assert_eq!(gate.duration, None);
        assert_eq!(gate.timing.as_deref(), Some("21m"));
        assert_eq!(
            gate.forbids.as_deref(),
            Some("Do NOT restart services inside this window.")
        );
        for quiet in [
            "Verified timing: ~108 s to ACTIVE.",
            "Wait for the status.",
            "Do not retry.",
            "The agent waits 30 s between tries.",
        ] {
            assert_eq!(said("Failover", &[note(quiet)]), None, "{quiet}");
        }
    }
}
