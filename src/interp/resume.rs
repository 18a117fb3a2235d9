//! `--resume JOURNAL`: what a previous run finished. Its completed steps are
//! skipped; gates run again (a gate is a fact about now, not about then);
//! its decisions are taken again as journaled, since the variables they
//! tested were set by steps that will not run this time.
use std::collections::{HashMap, HashSet};
use std::path::Path;

#[derive(Debug, Clone, Default)]
pub struct ResumeState {
    pub completed: HashSet<String>,
    pub gates: HashSet<String>,
    pub decisions: HashMap<String, Option<String>>,
}

impl ResumeState {
    pub fn from_journal(path: &Path) -> Result<ResumeState, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read journal {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("journal {}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<ResumeState, String> {
        let mut st = ResumeState::default();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let ev: serde_json::Value = serde_json::from_str(line)
                .map_err(|e| format!("line {}: not a journal event: {e}", n + 1))?;
            let s = |k: &str| ev.get(k).and_then(|v| v.as_str()).map(str::to_string);
            match s("event").as_deref() {
                Some("step_end") if s("outcome").as_deref() == Some("ok") => {
                    if let Some(step) = s("step") {
                        st.completed.insert(step);
                    }
                }
                Some("gate") if ev.get("passed").and_then(|v| v.as_bool()) == Some(true) => {
                    if let Some(g) = s("gate") {
                        st.gates.insert(g);
                    }
                }
                Some("decision") => {
                    if let Some(step) = s("step") {
                        st.decisions.insert(step, s("taken"));
                    }
                }
                _ => {}
            }
        }
        Ok(st)
    }
}
