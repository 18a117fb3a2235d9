//! What the operator sees: a header per node, a live line per poll (attempt
//! i/max, elapsed, last observed value; indicatif on a terminal, plain lines
//! otherwise), gates and decisions as they happen, expectations' meanings,
//! and a final summary.
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::exec::fmt_elapsed;
use super::value::Value;
use super::{Outcome, RunOptions, Stats};
use crate::backends::CallError;
use crate::compilation::Compilation;
use crate::diagnostic::Diagnostic;
use crate::syntax::ast::{DocKind, Procedure, Verdict};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// Only errors and the final summary.
    Quiet,
    Normal,
    /// Every call and its result too.
    Verbose,
}

#[derive(Clone)]
enum Output {
    Stdout { tty: bool },
    Buffer(Arc<Mutex<String>>),
}

/// The terminal side of a run. Cheap to clone.
#[derive(Clone)]
pub struct Terminal {
    level: Verbosity,
    sink: Output,
    color: bool,
    /// The run's secret values, hidden in every line ([`Terminal::masking`]).
    masked: crate::secrets::Masked,
}

impl std::fmt::Debug for Terminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Terminal")
            .field("level", &self.level)
            .finish()
    }
}

impl Terminal {
    /// Standard output; live progress lines when it is a terminal.
    pub fn stdout(level: Verbosity) -> Terminal {
        let tty = std::io::stdout().is_terminal();
        Terminal {
            level,
            sink: Output::Stdout { tty },
            color: tty && std::env::var_os("NO_COLOR").is_none(),
            masked: Default::default(),
        }
    }

    /// Capture everything in memory (tests).
    pub fn buffer(level: Verbosity) -> (Terminal, Arc<Mutex<String>>) {
        let buf = Arc::new(Mutex::new(String::new()));
        let t = Terminal {
            level,
            sink: Output::Buffer(buf.clone()),
            color: false,
            masked: Default::default(),
        };
        (t, buf)
    }

    /// This terminal, hiding `masked`'s values in everything it shows.
    pub fn masking(self, masked: crate::secrets::Masked) -> Terminal {
        Terminal { masked, ..self }
    }

    fn tty(&self) -> bool {
        matches!(self.sink, Output::Stdout { tty: true })
    }

    fn emit(&self, min: Verbosity, text: &str) {
        let shown = match min {
            Verbosity::Quiet => true,
            Verbosity::Normal => self.level != Verbosity::Quiet,
            Verbosity::Verbose => self.level == Verbosity::Verbose,
        };
        if !shown {
            return;
        }
        let text = self.masked.text(text);
        match &self.sink {
            Output::Stdout { .. } => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{text}");
                let _ = out.flush();
            }
            Output::Buffer(b) => {
                if let Ok(mut b) = b.lock() {
                    b.push_str(&text);
                    b.push('\n');
                }
            }
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub(crate) fn line(&self, text: &str) {
        self.emit(Verbosity::Normal, text);
    }

    pub(crate) fn verbose_line(&self, text: &str) {
        self.emit(Verbosity::Verbose, &format!("    {text}"));
    }

    pub(crate) fn run_header(&self, _comp: &Compilation, p: &Procedure, opts: &RunOptions) {
        let title = p
            .title
            .as_literal()
            .unwrap_or_else(|| p.title.display_template());
        let mut tags = Vec::new();
        if opts.simulated {
            tags.push("simulated cloud");
        }
        if opts.dry_run {
            tags.push("dry run: nothing will be changed");
        }
        if opts.resume.is_some() {
            tags.push("resumed");
        }
        let tags = if tags.is_empty() {
            String::new()
        } else {
            format!("  [{}]", tags.join(", "))
        };
        self.line(&self.paint("1", &format!("procedure {} — {title}{tags}", p.name.name)));
    }

    pub(crate) fn node_header(&self, kind: &str, name: &str, title: &str, layer: Option<&str>) {
        let layer = layer.map(|l| format!("  (layer {l})")).unwrap_or_default();
        let sep = if title.is_empty() { "" } else { " — " };
        self.line("");
        self.line(&self.paint("1;36", &format!("▶ {kind} {name}{sep}{title}{layer}")));
    }

    pub(crate) fn skipped(&self, name: &str, why: &str) {
        self.line(&self.paint("2", &format!("· {name}: skipped ({why})")));
    }

    pub(crate) fn doc(&self, kind: DocKind, text: &str) {
        let (tag, color) = match kind {
            DocKind::Note => ("note", "2"),
            DocKind::Warn => ("WARN", "33"),
            DocKind::Timing => ("timing", "2"),
        };
        for (i, l) in text.lines().enumerate() {
            let head = if i == 0 {
                format!("{tag}:")
            } else {
                " ".repeat(tag.len() + 1)
            };
            self.line(&self.paint(color, &format!("  {head} {l}")));
        }
    }

    pub(crate) fn log(&self, text: &str) {
        self.line(&format!("  {text}"));
    }

    pub(crate) fn record(&self, name: &str, v: &Value) {
        self.line(&format!("  recorded {name} = {}", v.shown().short(100)));
    }

    pub(crate) fn scope_line(&self, text: &str) {
        self.emit(Verbosity::Verbose, &format!("  [{text}]"));
    }

    pub(crate) fn would_run(&self, command: &str) {
        self.line(&self.paint("35", &format!("  would run: {command}")));
    }

    pub(crate) fn call(
        &self,
        _builtin: &str,
        command: &str,
        result: std::result::Result<&Value, &CallError>,
    ) {
        if self.level != Verbosity::Verbose {
            return;
        }
        match result {
            Ok(Value::Null) => self.emit(Verbosity::Verbose, &format!("    $ {command}")),
            Ok(v) => self.emit(
                Verbosity::Verbose,
                &format!("    $ {command}  → {}", v.shown().short(120)),
            ),
            Err(e) => self.emit(Verbosity::Verbose, &format!("    $ {command}  ✗ {e}")),
        }
    }

    pub(crate) fn noise(&self, label: &str, msg: &str) {
        self.emit(
            Verbosity::Verbose,
            &self.paint("2", &format!("    expected during \"{label}\": {msg}")),
        );
    }

    pub(crate) fn warn(&self, msg: &str) {
        self.line(&self.paint("33", &format!("  warning: {msg}")));
    }

    /// The journal could not be written: said at the end too, in red.
    pub(crate) fn journal_incomplete(&self, why: &str) {
        self.emit(
            Verbosity::Quiet,
            &self.paint("1;31", &format!("JOURNAL INCOMPLETE: {why}")),
        );
    }

    /// A backend retried or gave up waiting: never a silent wait.
    pub(crate) fn retry(&self, text: &str) {
        self.line(&self.paint("33", &format!("  ↻ {text}")));
    }

    pub(crate) fn patience_start(&self, label: &str, d: Option<Duration>) {
        let d = d
            .map(|d| format!(" (up to {})", fmt_elapsed(d)))
            .unwrap_or_default();
        self.line(&self.paint(
            "34",
            &format!("  ⏳ patience: {label}{d} — failures of reads here are expected noise"),
        ));
    }

    pub(crate) fn gate(&self, name: &str, label: &str, passed: bool) {
        let text = if passed {
            self.paint("32", &format!("  ✔ gate {name} ({label}) passed"))
        } else {
            self.paint("31", &format!("  ✘ gate {name} ({label}) did NOT pass"))
        };
        self.emit(Verbosity::Normal, &text);
    }

    /// A decision and where the run goes: the arm's target (`matched`), or,
    /// no arm taken, the node after it.
    pub(crate) fn decision(
        &self,
        name: &str,
        question: &str,
        next: Option<&str>,
        why: Option<&str>,
        matched: bool,
    ) {
        let why = why.map(|w| format!(" ({w})")).unwrap_or_default();
        let text = match (next, matched) {
            (Some(t), true) => format!("  ◆ decide {name}: {question} → {t}{why}"),
            (Some(t), false) => {
                format!("  ◆ decide {name}: {question} → no branch matched; on to {t}")
            }
            (None, _) => format!("  ◆ decide {name}: {question} → no branch matched; continuing"),
        };
        self.line(&self.paint("35", &text));
    }

    pub(crate) fn expectation(&self, observation: &str, verdict: Verdict, meaning: &str) {
        let (tag, color) = match verdict {
            Verdict::Benign => ("expected", "34"),
            Verdict::Alarm => ("ALARM", "1;31"),
        };
        let min = match verdict {
            Verdict::Alarm => Verbosity::Quiet,
            Verdict::Benign => Verbosity::Normal,
        };
        self.emit(
            min,
            &self.paint(color, &format!("  ⓘ {tag}: {observation}: {meaning}")),
        );
    }

    pub(crate) fn prompt(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = write!(out, "{}", self.masked.text(text));
        let _ = out.flush();
    }

    pub(crate) fn error(&self, d: &Diagnostic) {
        let text = d.render(self.color, 100);
        let text = self.masked.text(&text);
        match &self.sink {
            Output::Stdout { .. } => eprintln!("{text}"),
            Output::Buffer(_) => self.emit(Verbosity::Quiet, &text),
        }
    }

    pub(crate) fn summary(
        &self,
        outcome: Outcome,
        s: &Stats,
        real: Duration,
        sim: Duration,
        simulated: bool,
    ) {
        let decisions: Vec<String> = s
            .decisions
            .iter()
            .map(|(d, t)| format!("{d}→{}", t.as_deref().unwrap_or("(none)")))
            .collect();
        let time = if simulated {
            format!(
                "real {:.1}s, simulated {}",
                real.as_secs_f64(),
                fmt_elapsed(sim)
            )
        } else {
            format!("real {}", fmt_elapsed(real))
        };
        let head = match outcome {
            Outcome::Success => self.paint("1;32", "SUCCESS"),
            Outcome::Interrupted => self.paint("1;33", "INTERRUPTED"),
            Outcome::Failed => self.paint("1;31", "FAILED"),
            Outcome::Aborted => self.paint("1;31", "ABORTED"),
        };
        let at = match (&s.current, outcome) {
            (Some(step), o) if o != Outcome::Success => format!(" in {step}"),
            _ => String::new(),
        };
        self.emit(Verbosity::Quiet, "");
        self.emit(
            Verbosity::Quiet,
            &format!(
                "{head}{at}: steps {} ok, {} failed, {} skipped; gates {} passed; decisions {}; {time}",
                s.steps_ok,
                s.steps_failed,
                s.steps_skipped,
                s.gates_passed,
                if decisions.is_empty() { "none".to_string() } else { decisions.join(", ") },
            ),
        );
    }

    pub(crate) fn poll_start(
        &self,
        label: &str,
        max: Option<u64>,
        within: Option<Duration>,
    ) -> PollLine {
        let bar = if self.tty() && self.level != Verbosity::Quiet {
            let pb = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("  {spinner} {msg}") {
                pb.set_style(style);
            }
            pb.enable_steady_tick(Duration::from_millis(120));
            pb.set_message(self.masked.text(&format!("{label}: starting")).into_owned());
            Some(pb)
        } else {
            None
        };
        PollLine {
            term: self.clone(),
            label: label.to_string(),
            max,
            within,
            bar,
        }
    }
}

/// The live line of one poll.
pub(crate) struct PollLine {
    term: Terminal,
    label: String,
    max: Option<u64>,
    within: Option<Duration>,
    bar: Option<ProgressBar>,
}

impl PollLine {
    pub fn update(&mut self, attempt: u64, elapsed: Duration, observed: Option<&str>) {
        let count = match self.max {
            Some(m) => format!("attempt {attempt}/{m}"),
            None => format!("attempt {attempt}"),
        };
        let time = match self.within {
            Some(w) => format!("{} of {}", fmt_elapsed(elapsed), fmt_elapsed(w)),
            None => fmt_elapsed(elapsed),
        };
        let seen = observed
            .map(|o| format!(" — {}", one_line(o, 110)))
            .unwrap_or_default();
        let text = format!("{}: {count}, {time}{seen}", self.label);
        match &self.bar {
            Some(b) => b.set_message(self.term.masked.text(&text).into_owned()),
            None => self.term.line(&format!("  … {text}")),
        }
    }

    pub fn finish(&mut self, ok: bool, text: &str) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        let mark = if ok {
            self.term.paint("32", "✔")
        } else {
            self.term.paint("33", "✘")
        };
        self.term.line(&format!("  {mark} {}: {text}", self.label));
    }
}

impl Drop for PollLine {
    fn drop(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

/// A multi-line observation on one line, cut to `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let joined: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let joined = joined.join(" | ");
    if joined.chars().count() > max {
        let cut: String = joined.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        joined
    }
}
