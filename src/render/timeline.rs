//! The run as a picture: the as-executed journal (the JSON Lines of
//! `rbk exec --journal`, shape in the CLI contract) as one self-contained
//! HTML page with an SVG timeline, for `rbk journal show --format html`.
//!
//! Each step, gate and call is a bar on the run's clock (simulated under
//! `--sim`, else the wall clock), nested calls indented; poll attempts are
//! ticks on their step's bar (green when met), a patience window an orange
//! band, decisions diamonds naming the arm taken, expectations hit
//! triangles (red for an alarm), and a red line marks where a run that did
//! not succeed stopped.
use std::fmt::Write as _;

use jiff::Timestamp;
use serde_json::Value;

use super::html::{escape, CSS};

/// One row of the timeline: a step, gate or call, or a decision.
#[derive(Debug, Clone)]
struct Row {
    name: String,
    kind: RowKind,
    depth: usize,
    start: i64,
    /// None while open (a run that stopped inside it).
    end: Option<i64>,
    outcome: Option<String>,
    polls: Vec<(i64, bool)>,
    patience: Vec<(i64, i64, String)>,
    expectations: Vec<(i64, String, String)>,
    /// For a decision: the arm taken and why.
    taken: Option<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowKind {
    Step,
    Gate,
    Call,
    Decision,
}

impl RowKind {
    fn as_str(self) -> &'static str {
        match self {
            RowKind::Step => "step",
            RowKind::Gate => "gate",
            RowKind::Call => "call",
            RowKind::Decision => "decide",
        }
    }
}

/// What the journal says about the run as a whole.
#[derive(Debug, Default)]
struct Run {
    procedure: String,
    simulated: bool,
    start: i64,
    end: i64,
    outcome: Option<String>,
    stopped_at: Option<String>,
    message: Option<String>,
    rows: Vec<Row>,
}

/// Seconds since the epoch of an event's `ts`.
fn ts(e: &Value) -> Option<i64> {
    let t: Timestamp = e.get("ts")?.as_str()?.parse().ok()?;
    Some(t.as_second())
}

fn text(e: &Value, key: &str) -> String {
    match e.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

/// `"30m"`, `"1h30m"`, `"90s"` as seconds (the journal's durations).
fn duration_s(s: &str) -> Option<i64> {
    let mut total = 0;
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().ok()?;
        num.clear();
        total += n * match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
    }
    num.is_empty().then_some(total)
}

/// Read the events into rows. Events this page does not draw are skipped;
/// an event without a readable `ts` is an error naming its line.
fn read(events: &[Value]) -> Result<Run, String> {
    let mut run = Run::default();
    let mut open: Vec<usize> = Vec::new();
    let mut first = None;
    for (i, e) in events.iter().enumerate() {
        let t = ts(e).ok_or_else(|| format!("event {} has no valid `ts`", i + 1))?;
        first.get_or_insert(t);
        run.end = run.end.max(t);
        let step = text(e, "step");
        let innermost = |run: &Run, open: &[usize]| {
            open.iter()
                .rev()
                .copied()
                .find(|&r| run.rows[r].name == step)
                .or(open.last().copied())
        };
        match e.get("event").and_then(Value::as_str).unwrap_or_default() {
            "run_start" => {
                run.procedure = text(e, "procedure");
                run.simulated = text(e, "backend") == "sim";
            }
            "step_start" => {
                let call = e.get("call").and_then(Value::as_bool).unwrap_or(false);
                run.rows.push(Row {
                    name: step.clone(),
                    kind: if call { RowKind::Call } else { RowKind::Step },
                    depth: open.len(),
                    start: t,
                    end: None,
                    outcome: None,
                    polls: Vec::new(),
                    patience: Vec::new(),
                    expectations: Vec::new(),
                    taken: None,
                });
                open.push(run.rows.len() - 1);
            }
            "step_end" => {
                if let Some(pos) = open.iter().rposition(|&r| run.rows[r].name == step) {
                    let r = open[pos];
                    open.truncate(pos);
                    run.rows[r].end = Some(t);
                    run.rows[r].outcome = Some(text(e, "outcome"));
                }
            }
            "gate" => {
                let gate = text(e, "gate");
                if let Some(&r) = open.iter().rev().find(|&&r| run.rows[r].name == gate) {
                    run.rows[r].kind = RowKind::Gate;
                }
            }
            "poll_attempt" => {
                if let Some(r) = innermost(&run, &open) {
                    let met = e.get("met").and_then(Value::as_bool).unwrap_or(false);
                    run.rows[r].polls.push((t, met));
                }
            }
            "patience" => {
                if let Some(r) = innermost(&run, &open) {
                    let len = duration_s(&text(e, "for")).unwrap_or(0);
                    run.rows[r].patience.push((t, t + len, text(e, "label")));
                }
            }
            "expectation" => {
                if let Some(r) = innermost(&run, &open) {
                    let what = format!("{}: {}", text(e, "observation"), text(e, "meaning"));
                    run.rows[r].expectations.push((t, text(e, "verdict"), what));
                }
            }
            "decision" => run.rows.push(Row {
                name: step.clone(),
                kind: RowKind::Decision,
                depth: open.len(),
                start: t,
                end: Some(t),
                outcome: Some("ok".into()),
                polls: Vec::new(),
                patience: Vec::new(),
                expectations: Vec::new(),
                taken: Some((text(e, "taken"), text(e, "why"))),
            }),
            "run_end" => {
                run.outcome = Some(text(e, "outcome"));
                let stopped = text(e, "step");
                run.stopped_at = (!stopped.is_empty()).then_some(stopped);
                let message = text(e, "message");
                // The message may carry a rendered diagnostic: its first line says it.
                run.message = message.lines().next().map(str::to_string);
            }
            _ => {}
        }
    }
    run.start = first.unwrap_or(0);
    Ok(run)
}

/// Layout of the picture.
const LABEL_W: f64 = 300.0;
const PLOT_W: f64 = 660.0;
const ROW_H: f64 = 24.0;
const TOP: f64 = 34.0;

/// `+1h05m`, `+3m15s`, `+0s`.
fn offset(s: i64) -> String {
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    match (h, m, sec) {
        (0, 0, s) => format!("+{s}s"),
        (0, m, 0) => format!("+{m}m"),
        (0, m, s) => format!("+{m}m{s:02}s"),
        (h, m, _) => format!("+{h}h{m:02}m"),
    }
}

/// A tick spacing that gives at most about eight labels.
fn tick_step(span: i64) -> i64 {
    [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400]
        .into_iter()
        .find(|s| span / s <= 8)
        .unwrap_or(28800)
}

fn svg(run: &Run) -> String {
    let span = (run.end - run.start).max(1);
    let x = |t: i64| LABEL_W + (t - run.start) as f64 / span as f64 * PLOT_W;
    let height = TOP + run.rows.len() as f64 * ROW_H + 16.0;
    let width = LABEL_W + PLOT_W + 20.0;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"rbk-timeline\" role=\"img\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" style=\"max-width:100%;height:auto\" font-family=\"system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif\" font-size=\"12\">\n"
    );
    let _ = writeln!(
        out,
        "<title>Timeline of the run of {}</title>",
        escape(&run.procedure)
    );
    // The clock: a labelled grid line every tick.
    let step = tick_step(span);
    let mut t = 0;
    while t <= span {
        let gx = x(run.start + t);
        let _ = writeln!(
            out,
            "<line x1=\"{gx:.1}\" y1=\"{}\" x2=\"{gx:.1}\" y2=\"{:.1}\" stroke=\"#e0e0e0\"/><text x=\"{gx:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#616161\">{}</text>",
            TOP - 8.0,
            height - 12.0,
            TOP - 14.0,
            offset(t)
        );
        t += step;
    }
    for (i, r) in run.rows.iter().enumerate() {
        let y = TOP + i as f64 * ROW_H;
        let mid = y + ROW_H / 2.0;
        let _ = writeln!(
            out,
            "<g class=\"row {}\" data-step=\"{}\">",
            r.kind.as_str(),
            escape(&r.name)
        );
        let label = match &r.taken {
            // No arm matched: the run goes on to the next node.
            Some((taken, _)) if taken.is_empty() => format!("{}: no arm, runs on", r.name),
            Some((taken, _)) => format!("{} → {taken}", r.name),
            None => r.name.clone(),
        };
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#1b1b1b\"><tspan fill=\"#757575\">{} </tspan>{}</text>",
            8.0 + r.depth as f64 * 14.0,
            mid + 4.0,
            r.kind.as_str(),
            escape(&label)
        );
        // The window closes when its body ends or its time is up.
        for (from, to, what) in &r.patience {
            let (a, b) = (x(*from), x((*to).min(r.end.unwrap_or(run.end))));
            let _ = writeln!(
                out,
                "<rect x=\"{a:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#fff3e0\" stroke=\"#ef6c00\" stroke-dasharray=\"4,3\"><title>patience: {}</title></rect>",
                y + 2.0,
                (b - a).max(3.0),
                ROW_H - 4.0,
                escape(what)
            );
        }
        if let Some((taken, why)) = &r.taken {
            let cx = x(r.start);
            let _ = writeln!(
                out,
                "<polygon points=\"{:.1},{mid:.1} {cx:.1},{:.1} {:.1},{mid:.1} {cx:.1},{:.1}\" fill=\"#f9a825\"><title>took {} ({})</title></polygon>",
                cx - 7.0,
                mid - 7.0,
                cx + 7.0,
                mid + 7.0,
                escape(taken),
                escape(why)
            );
        } else {
            let end = r.end.unwrap_or(run.end);
            let (a, b) = (x(r.start), x(end));
            let fill = match (r.outcome.as_deref(), r.kind) {
                (Some("failed"), _) | (None, _) => "#e53935",
                (Some("skipped"), _) => "#bdbdbd",
                (_, RowKind::Gate) => "#43a047",
                (_, RowKind::Call) => "#90caf9",
                _ => "#78909c",
            };
            let _ = writeln!(
                out,
                "<rect class=\"bar\" x=\"{a:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"2\" fill=\"{fill}\"><title>{} {}: {} to {} ({})</title></rect>",
                y + 6.0,
                (b - a).max(3.0),
                ROW_H - 12.0,
                r.kind.as_str(),
                escape(&r.name),
                offset(r.start - run.start),
                offset(end - run.start),
                escape(r.outcome.as_deref().unwrap_or("did not finish"))
            );
        }
        for (t, met) in &r.polls {
            let px = x(*t);
            let (color, top) = if *met {
                ("#1b5e20", y + 1.0)
            } else {
                ("#37474f", y + 4.0)
            };
            let _ = writeln!(
                out,
                "<line class=\"poll\" x1=\"{px:.1}\" y1=\"{top:.1}\" x2=\"{px:.1}\" y2=\"{:.1}\" stroke=\"{color}\" stroke-width=\"1.5\"/>",
                y + ROW_H - 4.0
            );
        }
        for (t, verdict, what) in &r.expectations {
            let ex = x(*t);
            let color = if verdict == "alarm" {
                "#c62828"
            } else {
                "#1565c0"
            };
            let _ = writeln!(
                out,
                "<polygon class=\"expectation\" points=\"{:.1},{:.1} {:.1},{:.1} {ex:.1},{:.1}\" fill=\"{color}\"><title>{}: {}</title></polygon>",
                ex - 5.0,
                y + 1.0,
                ex + 5.0,
                y + 1.0,
                y + 8.0,
                escape(verdict),
                escape(what)
            );
        }
        out.push_str("</g>\n");
    }
    if run.outcome.as_deref() != Some("success") {
        let sx = x(run.end);
        let _ = writeln!(
            out,
            "<line class=\"stopped\" x1=\"{sx:.1}\" y1=\"{}\" x2=\"{sx:.1}\" y2=\"{:.1}\" stroke=\"#c62828\" stroke-width=\"2\"><title>stopped</title></line>",
            TOP - 8.0,
            height - 12.0
        );
    }
    out.push_str("</svg>\n");
    out
}

/// The journal `events` as a complete HTML page.
pub fn page(events: &[Value], source_name: &str) -> Result<String, String> {
    let run = read(events)?;
    let outcome = run.outcome.clone().unwrap_or_else(|| "unfinished".into());
    let title = format!("Run of {}: {outcome}", run.procedure);
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{}</title>", escape(&title));
    let _ = writeln!(out, "<style>\n{CSS}</style>\n</head>\n<body>");
    let _ = writeln!(out, "<h1>{}</h1>", escape(&title));
    let _ = writeln!(
        out,
        "<!-- Generated by `rbk journal show --format html` from {}. -->",
        escape(source_name).replace("--", "- -")
    );
    let clock = if run.simulated {
        "simulated clock (--sim)"
    } else {
        "wall clock"
    };
    let started = Timestamp::from_second(run.start)
        .map(|t| t.to_string())
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "<ul>\n<li><strong>Procedure:</strong> <code>{}</code></li>\n<li><strong>Outcome:</strong> {}</li>\n<li><strong>Clock:</strong> {clock}, from {} for {}</li>",
        escape(&run.procedure),
        escape(&outcome),
        escape(&started),
        offset(run.end - run.start).trim_start_matches('+')
    );
    if run.outcome.as_deref() != Some("success") {
        let at = run.stopped_at.as_deref().unwrap_or("(not recorded)");
        let _ = writeln!(
            out,
            "<li><strong>Stopped at:</strong> <code>{}</code>{}</li>",
            escape(at),
            run.message
                .as_deref()
                .map(|m| format!(": {}", escape(m)))
                .unwrap_or_default()
        );
    }
    out.push_str("</ul>\n<h2>Timeline</h2>\n");
    out.push_str(
        "<p>Bars: steps (grey), gates (green), calls (blue), failed or unfinished (red). \
         Ticks: poll attempts (tall and green when met). Orange band: patience window. \
         Diamond: a decision and the arm taken. Triangles: expectations hit (red: alarm). \
         Red line: where the run stopped. Hover for details.</p>\n",
    );
    let _ = writeln!(out, "<figure class=\"picture\">\n{}</figure>", svg(&run));
    let decisions: Vec<&Row> = run.rows.iter().filter(|r| r.taken.is_some()).collect();
    if !decisions.is_empty() {
        out.push_str("<h2>Decisions</h2>\n<table>\n<thead><tr><th>At</th><th>Decision</th><th>Taken</th><th>Why</th></tr></thead>\n<tbody>\n");
        for r in decisions {
            let (taken, why) = r.taken.clone().unwrap_or_default();
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
                offset(r.start - run.start),
                escape(&r.name),
                escape(&taken),
                escape(&why)
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    let hits: Vec<(&Row, &(i64, String, String))> = run
        .rows
        .iter()
        .flat_map(|r| r.expectations.iter().map(move |e| (r, e)))
        .collect();
    if !hits.is_empty() {
        out.push_str("<h2>Expectations hit</h2>\n<table>\n<thead><tr><th>At</th><th>Step</th><th>Verdict</th><th>Observation and meaning</th></tr></thead>\n<tbody>\n");
        for (r, (t, verdict, what)) in hits {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                offset(t - run.start),
                escape(&r.name),
                escape(verdict),
                escape(what)
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</body>\n</html>\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(lines: &str) -> Vec<Value> {
        lines
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect()
    }

    const FAILED: &str = r#"{"ts":"2026-06-10T08:00:00Z","event":"run_start","procedure":"p","backend":"sim"}
{"ts":"2026-06-10T08:00:00Z","event":"step_start","step":"inner","call":true}
{"ts":"2026-06-10T08:00:00Z","event":"step_start","step":"g"}
{"ts":"2026-06-10T08:00:00Z","event":"patience","step":"g","label":"settle","for":"5m"}
{"ts":"2026-06-10T08:00:00Z","event":"poll_attempt","step":"g","attempt":1,"max":3,"met":false}
{"ts":"2026-06-10T08:02:00Z","event":"poll_attempt","step":"g","attempt":2,"max":3,"met":true}
{"ts":"2026-06-10T08:02:00Z","event":"gate","gate":"g","passed":true}
{"ts":"2026-06-10T08:02:00Z","event":"step_end","step":"g","outcome":"ok"}
{"ts":"2026-06-10T08:02:00Z","event":"step_end","step":"inner","outcome":"ok"}
{"ts":"2026-06-10T08:02:00Z","event":"decision","step":"route","taken":"fix","why":"broken <LB>"}
{"ts":"2026-06-10T08:03:00Z","event":"step_start","step":"fix"}
{"ts":"2026-06-10T08:03:00Z","event":"expectation","step":"fix","observation":"LB ERROR","verdict":"alarm","meaning":"fail it over"}
{"ts":"2026-06-10T08:04:00Z","event":"step_end","step":"fix","outcome":"failed"}
{"ts":"2026-06-10T08:04:00Z","event":"run_end","outcome":"failed","step":"fix","message":"no host\n  more"}"#;

    #[test]
    fn rows_nest_and_carry_polls_patience_decisions_and_the_stop() {
        let run = read(&events(FAILED)).expect("reads");
        let names: Vec<(&str, RowKind, usize)> = run
            .rows
            .iter()
            .map(|r| (r.name.as_str(), r.kind, r.depth))
            .collect();
        assert_eq!(
            names,
            [
                ("inner", RowKind::Call, 0),
                ("g", RowKind::Gate, 1),
                ("route", RowKind::Decision, 0),
                ("fix", RowKind::Step, 0)
            ]
        );
        assert_eq!(
            run.rows[1].polls,
            [(run.start, false), (run.start + 120, true)]
        );
        assert_eq!(run.rows[1].patience[0].1 - run.rows[1].patience[0].0, 300);
        assert_eq!(run.end - run.start, 240);
        assert_eq!(run.stopped_at.as_deref(), Some("fix"));
        assert_eq!(run.message.as_deref(), Some("no host"));
    }

    #[test]
    fn the_page_is_self_contained_and_draws_every_row() {
        let page = page(&events(FAILED), "j.jsonl").expect("page");
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(!page.contains("<script"));
        for want in [
            "<title>Run of p: failed</title>",
            "data-step=\"inner\"",
            "data-step=\"g\"",
            "route → fix",
            "class=\"poll\"",
            "patience: settle",
            "class=\"expectation\"",
            "class=\"stopped\"",
            "broken &lt;LB&gt;",
            "simulated clock",
            "<strong>Stopped at:</strong> <code>fix</code>: no host</li>",
        ] {
            assert!(page.contains(want), "missing {want:?}:\n{page}");
        }
    }

    #[test]
    fn an_event_without_a_time_is_named() {
        let err = read(&events("{\"event\":\"run_start\"}")).expect_err("no ts");
        assert!(err.contains("event 1"), "{err}");
        assert_eq!(duration_s("1h30m"), Some(5400));
        assert_eq!(duration_s("90s"), Some(90));
        assert_eq!(duration_s("5x"), None);
        assert_eq!(offset(3725), "+1h02m");
        assert_eq!(offset(195), "+3m15s");
    }
}
