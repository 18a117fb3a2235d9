//! `--resume JOURNAL`: what the earlier runs of a chain finished. Steps
//! completed by any run of the chain stay completed (skipped, and journaled
//! with `completed_by`, so the next resume sees them too); gates run again (a
//! gate is a fact about now, not about then); decisions are taken again as
//! journaled, since the variables they tested were set by steps that will not
//! run this time.
//!
//! A journal of another procedure is refused; so is one whose procedure
//! changed since (the source hash of `run_start`), unless the operator accepts
//! the change, and then the message names the steps that changed.
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::compilation::Compilation;
use crate::journal::{Chain, Kind};

#[derive(Debug, Clone, Default)]
pub struct ResumeState {
    pub completed: HashSet<String>,
    /// For each completed step, the run that completed it.
    pub completed_by: HashMap<String, String>,
    pub gates: HashSet<String>,
    pub decisions: HashMap<String, Option<String>>,
    /// The run this one resumes (`run_start.resumes`), when it has an id.
    pub resumes: Option<String>,
    /// The journal holding that run (`run_start.resumes_journal`).
    pub journal: Option<PathBuf>,
    /// What reading the chain tolerated, and what changed (shown at start).
    pub warnings: Vec<String>,
}

/// The procedure's identity for resuming: a hash of every file it is made
/// of, and one per node to say which steps changed.
#[derive(Debug, Clone, Default)]
pub struct SourceHashes {
    pub source: String,
    pub nodes: BTreeMap<String, String>,
}

impl SourceHashes {
    pub fn of(comp: &Compilation) -> SourceHashes {
        let mut all = Sha256::new();
        let mut nodes = BTreeMap::new();
        for unit in std::iter::once(&comp.root).chain(comp.used.iter()) {
            // Layout is not meaning: `rbk fmt` must not make a journal stale.
            for word in unit.source.text.split_whitespace() {
                all.update(word.as_bytes());
                all.update(b" ");
            }
            all.update([0u8]);
            let Some(p) = unit.file.as_ref().and_then(|f| f.procedure()) else {
                continue;
            };
            for node in p.nodes() {
                let start = node.span.offset();
                let text = unit
                    .source
                    .text
                    .get(start..start + node.span.len())
                    .unwrap_or_default();
                let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
                nodes
                    .entry(node.name.name.clone())
                    .or_insert_with(|| short(Sha256::digest(words.as_bytes()).as_slice()));
            }
        }
        SourceHashes {
            source: format!("sha256:{}", hex(all.finalize().as_slice())),
            nodes,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn short(bytes: &[u8]) -> String {
    hex(&bytes[..8])
}

impl ResumeState {
    /// Read the chain ending in `path` and check it belongs to this
    /// procedure, as it is now (or, with `accept_changed`, as it was).
    pub fn from_journal(
        path: &Path,
        procedure: &str,
        hashes: &SourceHashes,
        accept_changed: bool,
    ) -> Result<ResumeState, String> {
        let chain = Chain::read(path)?;
        let mut st = Self::from_chain(&chain);
        let last = chain.last();
        if last.procedure != procedure {
            return Err(format!(
                "journal {} is a run of procedure `{}`, not `{procedure}`: resume the procedure it records, or start afresh with another --journal",
                path.display(),
                last.procedure
            ));
        }
        if let Some(was) = &last.source_hash {
            if *was != hashes.source {
                let changed = changed_nodes(&last.node_hashes, &hashes.nodes);
                let which = if changed.is_empty() {
                    "no step changed, only text outside the steps".to_string()
                } else {
                    format!("changed: {}", changed.join(", "))
                };
                if !accept_changed {
                    return Err(format!(
                        "`{procedure}` changed since the run recorded in {} ({which}); resuming would mix two procedures. Re-run it afresh, or pass --accept-changed to resume anyway",
                        path.display()
                    ));
                }
                st.warnings.push(format!(
                    "resuming a changed procedure (--accept-changed): {which}"
                ));
            }
        }
        st.resumes = last.id.clone();
        st.journal = std::fs::canonicalize(path)
            .ok()
            .or(Some(path.to_path_buf()));
        Ok(st)
    }

    /// Completed steps and gates of every run; the latest decision per node.
    pub fn from_chain(chain: &Chain) -> ResumeState {
        let mut st = ResumeState {
            warnings: chain.warnings.clone(),
            ..ResumeState::default()
        };
        // A dry run changed nothing: what it "completed" is still to do.
        for run in chain
            .runs
            .iter()
            .filter(|r| r.start.bool("dry_run") != Some(true))
        {
            let run_id = run.id.clone().unwrap_or_else(|| run.label());
            for ev in run.completed() {
                if let Some(step) = ev.str("step") {
                    let by = ev.str("completed_by").unwrap_or(&run_id).to_string();
                    st.completed.insert(step.to_string());
                    st.completed_by.entry(step.to_string()).or_insert(by);
                }
            }
            for ev in &run.events {
                match ev.kind {
                    Kind::Gate if ev.bool("passed") == Some(true) => {
                        if let Some(g) = ev.str("gate") {
                            st.gates.insert(g.to_string());
                        }
                    }
                    Kind::Decision => {
                        if let Some(step) = ev.str("step") {
                            st.decisions.insert(
                                decision_key(ev.str("procedure"), step),
                                ev.str("taken").map(str::to_string),
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
        st
    }

    /// The decision a run of the chain took at `procedure`'s node `step`.
    pub fn decision(&self, procedure: &str, step: &str) -> Option<&Option<String>> {
        self.decisions
            .get(&decision_key(Some(procedure), step))
            // Journals written before decisions named their procedure.
            .or_else(|| self.decisions.get(&decision_key(None, step)))
    }

    /// Parse one journal text (tests).
    pub fn parse(text: &str) -> Result<ResumeState, String> {
        let file = crate::journal::JournalFile::parse(text, Path::new("journal"))?;
        let runs = file.runs;
        if runs.is_empty() {
            return Err("the journal holds no run".into());
        }
        Ok(Self::from_chain(&Chain {
            runs,
            warnings: file.warnings,
        }))
    }
}

/// Two procedures of one run may each have a decision called `route`.
fn decision_key(procedure: Option<&str>, step: &str) -> String {
    match procedure {
        Some(p) => format!("{p}/{step}"),
        None => step.to_string(),
    }
}

fn changed_nodes(was: &BTreeMap<String, String>, now: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for (name, h) in now {
        match was.get(name) {
            Some(w) if w == h => {}
            Some(_) => out.push(format!("`{name}`")),
            None => out.push(format!("`{name}` (new)")),
        }
    }
    for name in was.keys().filter(|n| !now.contains_key(*n)) {
        out.push(format!("`{name}` (removed)"));
    }
    out
}
