//! The one way rehearsals run a procedure on the simulated cloud: the built
//! binary with `exec --sim --yes` and a journal, and what to ask of the run
//! afterwards (the journal's events, what it printed, how long it took).
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{rbk, root};

pub struct Rehearsal {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub events: Vec<Value>,
    pub wall: Duration,
}

impl Rehearsal {
    /// `rbk exec --sim=SCENARIO --yes --site sites/SITE --journal J
    /// procedures/PROCEDURE`. A scenario ending in `.toml` is a file under
    /// `scenarios/`, anything else a built-in scenario's name. Each of `args`
    /// starting with `--` is passed as it is; any other is a `--set NAME=VALUE`.
    pub fn run(scenario: &str, site: &str, procedure: &str, args: &[&str]) -> Rehearsal {
        let dir = tempfile::tempdir().expect("temp dir");
        let journal = dir.path().join("journal.jsonl");
        let sim = match scenario.ends_with(".toml") {
            true => root()
                .join("scenarios")
                .join(scenario)
                .display()
                .to_string(),
            false => scenario.to_string(),
        };
        let mut cmd = rbk(["exec"]);
        cmd.arg(format!("--sim={sim}"))
            .arg("--yes")
            .arg("--site")
            .arg(root().join("sites").join(site))
            .arg("--journal")
            .arg(&journal);
        for arg in args {
            if !arg.starts_with("--") {
                cmd.arg("--set");
            }
            cmd.arg(arg);
        }
        let started = Instant::now();
        let out = cmd
            .arg(root().join("procedures").join(procedure))
            .env("NO_COLOR", "1")
            .output()
            .expect("run rbk");
        let wall = started.elapsed();
        let text = std::fs::read_to_string(&journal).unwrap_or_default();
        let events = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("journal line {l:?}: {e}")))
            .collect();
        Rehearsal {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            events,
            wall,
        }
    }

    /// Everything about the run, for an assertion's message.
    pub fn context(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}\n--- journal\n{}",
            self.code,
            self.stdout,
            self.stderr,
            self.events
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    }

    /// Whether it printed `text`, read as words: diagnostics wrap their
    /// lines and draw a `│` margin.
    pub fn says(&self, text: &str) -> bool {
        let flat = |t: &str| {
            t.split_whitespace()
                .filter(|w| *w != "│")
                .collect::<Vec<_>>()
                .join(" ")
        };
        flat(&format!("{}{}", self.stdout, self.stderr)).contains(&flat(text))
    }

    /// The journal's events of one kind, in order.
    pub fn of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> {
        self.events.iter().filter(move |e| e["event"] == kind)
    }

    /// Successful calls of one builtin, in order.
    pub fn calls(&self, builtin: &str) -> Vec<&Value> {
        self.of("call")
            .filter(|e| e["builtin"] == builtin && e["ok"] == true)
            .collect()
    }

    /// Index in the journal of the first successful call of `builtin`.
    pub fn first(&self, builtin: &str) -> usize {
        let call = self.calls(builtin).into_iter().next();
        let call = call.unwrap_or_else(|| panic!("no {builtin} call\n{}", self.context()));
        self.position(call)
    }

    pub fn gate_passed(&self, gate: &str) -> bool {
        self.of("gate")
            .any(|e| e["gate"] == gate && e["passed"] == true)
    }

    /// The arms taken by decisions, in order.
    pub fn decisions(&self) -> Vec<String> {
        self.of("decision")
            .filter_map(|e| e["taken"].as_str().map(String::from))
            .collect()
    }

    /// The ids of the expectations judged alarms.
    pub fn alarms(&self) -> Vec<String> {
        self.of("expectation")
            .filter(|e| e["verdict"] == "alarm")
            .filter_map(|e| e["id"].as_str().map(String::from))
            .collect()
    }

    /// The run's outcome as the journal's last `run_end` says it.
    pub fn outcome(&self) -> String {
        self.of("run_end")
            .last()
            .and_then(|e| e["outcome"].as_str())
            .unwrap_or("none")
            .to_string()
    }

    pub fn assert_outcome(&self, code: i32, outcome: &str) {
        assert_eq!(self.code, code, "{}", self.context());
        assert_eq!(self.outcome(), outcome, "{}", self.context());
    }

    /// Exit 0, outcome success, and in a few seconds of wall time however
    /// long the simulated clock ran.
    pub fn assert_success(&self) {
        self.assert_outcome(0, "success");
        assert!(
            self.wall < Duration::from_secs(10),
            "took {:?} of wall time",
            self.wall
        );
    }

    /// Index of an event (borrowed from this run) in the journal.
    pub fn position(&self, e: &Value) -> usize {
        self.events
            .iter()
            .position(|x| std::ptr::eq(x, e))
            .expect("event from this journal")
    }
}
