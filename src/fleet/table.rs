//! What `rbk fleet run` shows: on a terminal, a live table with one line per
//! site (indicatif); elsewhere (CI, a pipe, tests), one plain line each time
//! a site changes state; and at the end the summary table.
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::status::SiteState;
use super::Plan;

/// One site's line: what it is doing and how long it has taken.
#[derive(Debug, Clone)]
pub struct Row {
    pub state: SiteState,
    pub took: Option<Duration>,
    /// Its `rbk exec` could not write its whole journal (exit 3).
    pub journal_incomplete: bool,
}

/// How the fleet is shown while it runs.
pub enum Display {
    /// One redrawn line per site (a terminal).
    Live {
        multi: MultiProgress,
        bars: Vec<ProgressBar>,
    },
    /// A printed line per change of a site's state (CI, a pipe).
    Lines {
        names: Vec<String>,
        shown: Vec<String>,
        width: usize,
    },
}

impl Display {
    pub fn new(plan: &Plan, live: bool, rows: &[Row]) -> Display {
        let names: Vec<String> = plan.sites.iter().map(|s| s.name.clone()).collect();
        let width = names.iter().map(String::len).max().unwrap_or(4).max(4);
        if !live {
            return Display::Lines {
                shown: vec![String::new(); names.len()],
                names,
                width,
            };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stdout());
        let bars = names
            .iter()
            .zip(rows)
            .map(|(n, r)| {
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
                bar.set_prefix(format!("{n:width$}"));
                set_bar(&bar, &r.state);
                multi.add(bar)
            })
            .collect();
        Display::Live { multi, bars }
    }

    /// Show site `i`'s state if it changed.
    pub fn update(&mut self, i: usize, state: &SiteState) {
        match self {
            Display::Live { bars, .. } => set_bar(&bars[i], state),
            Display::Lines {
                names,
                shown,
                width,
            } => {
                let phrase = state.phrase();
                if shown[i] != phrase {
                    println!("{:width$}  {phrase}", names[i], width = *width);
                    shown[i] = phrase;
                }
            }
        }
    }

    /// Print a line above the table (or in the flow of lines).
    pub fn note(&self, text: &str) {
        match self {
            Display::Live { multi, .. } => {
                let _ = multi.println(text);
            }
            Display::Lines { .. } => println!("{text}"),
        }
    }

    /// Take the live table off the screen before the summary.
    pub fn finish(self) {
        if let Display::Live { multi, bars, .. } = self {
            for b in &bars {
                b.finish_and_clear();
            }
            let _ = multi.clear();
        }
    }
}

fn set_bar(bar: &ProgressBar, state: &SiteState) {
    let (template, ticking) = match state {
        SiteState::Running { .. } => (
            "  {prefix}  {spinner:.cyan} {wide_msg} {elapsed:.dim}",
            true,
        ),
        SiteState::Done { .. } => ("  {prefix}  {msg:.green}", false),
        SiteState::Waiting | SiteState::NotRun { .. } => ("  {prefix}  {msg:.dim}", false),
        SiteState::Locked { .. } => ("  {prefix}  {msg:.yellow}", false),
        _ => ("  {prefix}  {msg:.red}", false),
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ "));
    }
    bar.set_message(state.phrase());
    if ticking {
        bar.enable_steady_tick(Duration::from_millis(120));
    } else {
        bar.disable_steady_tick();
        bar.tick();
    }
}

/// The summary: a count line, one row per site, then each failure's detail.
pub fn summary(plan: &Plan, rows: &[Row]) -> String {
    let count = |f: fn(&SiteState) -> bool| rows.iter().filter(|r| f(&r.state)).count();
    let done = count(|s| matches!(s, SiteState::Done { .. }));
    let failed = count(|s| s.is_failure());
    let locked = count(|s| matches!(s, SiteState::Locked { .. }));
    let interrupted = count(|s| matches!(s, SiteState::Interrupted { .. }));
    let not_run = count(|s| matches!(s, SiteState::NotRun { .. }));
    let mut parts = vec![format!("{done} done")];
    for (n, what) in [
        (failed, "failed"),
        (locked, "locked"),
        (interrupted, "interrupted"),
        (not_run, "not run"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    let headline = if done == rows.len() {
        "FLEET DONE"
    } else {
        "FLEET NOT DONE"
    };
    let mut out = format!(
        "\n{headline}: `{}` on {} site(s): {}\n",
        plan.procedure.name,
        rows.len(),
        parts.join(", ")
    );
    let width = plan
        .sites
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let results: Vec<String> = rows.iter().map(|r| r.state.phrase()).collect();
    let rwidth = results.iter().map(String::len).max().unwrap_or(6).max(6);
    out.push_str(&format!(
        "  {:width$}  {:rwidth$}  {:>7}  JOURNAL\n",
        "SITE", "RESULT", "TIME"
    ));
    for ((site, row), result) in plan.sites.iter().zip(rows).zip(&results) {
        let took = row
            .took
            .map(|d| format!("{:.1}s", d.as_secs_f64()))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {:width$}  {result:rwidth$}  {took:>7}  {}\n",
            site.name,
            plan.journal_path(site).display()
        ));
    }
    for (site, row) in plan.sites.iter().zip(rows) {
        if let Some(d) = row.state.detail() {
            out.push_str(&format!("  {}: {d}\n", site.name));
        }
    }
    out
}
