//! `rbk journal show`: a run, or a chain of runs, as an as-executed log.
//!
//! Every format reads the same model: [`Chain`] -> runs -> [`Entry`]s (what
//! one event says, in words, with its time and depth). Adding a format is
//! one variant of [`Format`] and one function beside [`text`] and [`markdown`].
use serde_json::{json, Value};

use super::{Chain, Event, Kind, Run};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

pub fn render(chain: &Chain, format: Format) -> String {
    match format {
        Format::Text => text(chain),
        Format::Markdown => markdown(chain),
        Format::Json => json(chain),
    }
}

/// One event, said in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// `HH:MM:SS` of the run's clock.
    pub time: String,
    /// 0 for a node's start and end, 1 for what happens inside.
    pub depth: usize,
    pub text: String,
    /// The event failed, alarmed or was refused.
    pub bad: bool,
}

/// A run's headline facts.
pub struct Heading {
    pub title: String,
    pub facts: Vec<(String, String)>,
}

pub fn heading(run: &Run, n: usize, of: usize) -> Heading {
    let mut facts = vec![
        ("procedure".to_string(), run.procedure.clone()),
        (
            "backend".to_string(),
            run.start.str("backend").unwrap_or("?").to_string(),
        ),
        ("started".to_string(), run.start.ts().to_string()),
    ];
    if run.start.bool("dry_run") == Some(true) {
        facts.push(("dry run".into(), "yes: nothing was changed".into()));
    }
    if let Some(prev) = &run.resumes {
        facts.push(("resumes".into(), prev.chars().take(8).collect()));
    }
    let mut outcome = run.outcome().to_string();
    if let Some(end) = &run.end {
        if let Some(step) = end.str("step") {
            outcome.push_str(&format!(" in {step}"));
        }
        if let (Some(code), Some(msg)) = (end.str("code"), end.str("message")) {
            outcome.push_str(&format!(" ({code}: {msg})"));
        }
        facts.push(("ended".into(), end.ts().to_string()));
    }
    facts.push(("outcome".into(), outcome));
    Heading {
        title: format!("Run {n} of {of}: {}", run.label()),
        facts,
    }
}

fn time_of(ts: &str) -> String {
    // `2026-06-10T08:00:20Z` -> `08:00:20`; anything else as written.
    ts.split_once('T')
        .map(|(_, t)| t.trim_end_matches('Z').chars().take(8).collect())
        .unwrap_or_else(|| ts.to_string())
}

fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 80 {
        format!("{}...", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

/// ` k=v k=v`, or nothing when the call has no arguments.
fn args(ev: &Event) -> String {
    ev.raw
        .get("args")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!(" {k}={}", short(v)))
                .collect::<String>()
        })
        .unwrap_or_default()
}

/// What one event says; None for events the log leaves out.
pub fn entry(ev: &Event) -> Option<Entry> {
    let s = |k: &str| ev.str(k).unwrap_or("").to_string();
    let (depth, text, bad) = match ev.kind {
        Kind::RunStart | Kind::RunEnd => return None,
        Kind::StepStart => (
            0,
            format!(
                "▶ {} {}",
                if ev.bool("call") == Some(true) {
                    "call"
                } else {
                    "step"
                },
                s("step")
            ),
            false,
        ),
        Kind::StepEnd => match ev.str("outcome") {
            Some("skipped") => match ev.str("completed_by") {
                Some(by) => (
                    0,
                    format!(
                        "⤼ {}: already completed by run {}",
                        s("step"),
                        by.chars().take(8).collect::<String>()
                    ),
                    false,
                ),
                None => (
                    0,
                    format!("⤼ {}: skipped ({})", s("step"), s("reason")),
                    false,
                ),
            },
            Some("ok") => (0, format!("✔ {} ok", s("step")), false),
            other => (0, format!("✘ {} {}", s("step"), other.unwrap_or("?")), true),
        },
        Kind::CallIntent => (1, format!("→ sending {}{}", s("builtin"), args(ev)), false),
        Kind::Call => {
            let ok = ev.bool("ok") == Some(true);
            let dry = if ev.bool("dry_run") == Some(true) {
                " (dry run: not sent)"
            } else {
                ""
            };
            let result = if ok {
                "ok".to_string()
            } else {
                format!("FAILED: {}", s("error"))
            };
            (
                1,
                format!("{}{} → {result}{dry}", s("builtin"), args(ev)),
                !ok,
            )
        }
        Kind::Retry => (1, format!("↻ {}", s("message")), false),
        Kind::PollAttempt => {
            let max = ev.raw.get("max").map(short).unwrap_or_default();
            let met = if ev.bool("met") == Some(true) {
                "met"
            } else {
                "not met"
            };
            (
                1,
                format!(
                    "poll attempt {}/{max}: {met}",
                    ev.raw.get("attempt").map(short).unwrap_or_default()
                ),
                false,
            )
        }
        Kind::PollExhausted => (1, format!("poll exhausted: {}", s("message")), true),
        Kind::Gate => {
            let passed = ev.bool("passed") == Some(true);
            (
                0,
                format!(
                    "gate {} {}",
                    s("gate"),
                    if passed { "PASSED" } else { "DID NOT PASS" }
                ),
                !passed,
            )
        }
        Kind::Decision => (
            0,
            format!(
                "◆ decide {} → {} ({})",
                s("step"),
                ev.raw.get("taken").map(short).unwrap_or_default(),
                s("why")
            ),
            false,
        ),
        Kind::Expectation => {
            let alarm = ev.str("verdict") == Some("alarm");
            (
                1,
                format!(
                    "ⓘ {}: {}: {}",
                    if alarm { "ALARM" } else { "expected" },
                    s("observation"),
                    s("meaning")
                ),
                alarm,
            )
        }
        Kind::Record => (
            1,
            format!(
                "record {} = {}",
                s("name"),
                ev.raw.get("value").map(short).unwrap_or_default()
            ),
            false,
        ),
        Kind::Log => (1, s("message"), false),
        Kind::Confirm => {
            let by = ev.str("by").map(|b| format!(" ({b})")).unwrap_or_default();
            (
                1,
                format!("? {} — {}{by}", s("question"), s("answer")),
                ev.str("answer") == Some("no"),
            )
        }
        Kind::Patience => (1, format!("⏳ patience: {}", s("label")), false),
        Kind::Other => (1, format!("{} {}", ev.event_name(), short(&ev.raw)), false),
    };
    Some(Entry {
        time: time_of(ev.ts()),
        depth,
        text,
        bad,
    })
}

fn text(chain: &Chain) -> String {
    let mut out = String::new();
    for w in &chain.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    let of = chain.runs.len();
    for (i, run) in chain.runs.iter().enumerate() {
        let h = heading(run, i + 1, of);
        out.push_str(&h.title);
        out.push('\n');
        for (k, v) in &h.facts {
            out.push_str(&format!("  {k}: {v}\n"));
        }
        out.push('\n');
        for e in run.events.iter().filter_map(entry) {
            out.push_str(&format!(
                "  {}  {}{}\n",
                e.time,
                "  ".repeat(e.depth),
                e.text
            ));
        }
        out.push('\n');
    }
    out
}

fn markdown(chain: &Chain) -> String {
    let mut out = String::new();
    let first = chain.runs.first();
    out.push_str(&format!(
        "## As-executed: `{}` ({} run{})\n\n",
        first.map_or("", |r| r.procedure.as_str()),
        chain.runs.len(),
        if chain.runs.len() == 1 { "" } else { "s" }
    ));
    for w in &chain.warnings {
        out.push_str(&format!("> warning: {w}\n\n"));
    }
    let of = chain.runs.len();
    for (i, run) in chain.runs.iter().enumerate() {
        let h = heading(run, i + 1, of);
        out.push_str(&format!("### {}\n\n", h.title));
        for (k, v) in &h.facts {
            out.push_str(&format!("- **{k}**: {}\n", escape_md(v)));
        }
        out.push_str("\n| time | event |\n|---|---|\n");
        for e in run.events.iter().filter_map(entry) {
            let text = escape_md(&e.text).replace('|', "\\|");
            let text = match (e.depth, e.bad) {
                (_, true) => format!("**{text}**"),
                (0, false) => text,
                _ => format!("&nbsp;&nbsp;{text}"),
            };
            out.push_str(&format!("| {} | {text} |\n", e.time));
        }
        out.push('\n');
    }
    out
}

fn escape_md(s: &str) -> String {
    s.replace('\n', " ").replace('<', "&lt;")
}

fn json(chain: &Chain) -> String {
    let runs: Vec<Value> = chain
        .runs
        .iter()
        .map(|r| {
            json!({
                "run": r.id,
                "resumes": r.resumes,
                "procedure": r.procedure,
                "file": r.file.display().to_string(),
                "outcome": r.outcome(),
                "start": r.start.raw,
                "end": r.end.as_ref().map(|e| &e.raw),
                "events": r.events.iter().map(|e| &e.raw).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = json!({"warnings": chain.warnings, "runs": runs});
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
