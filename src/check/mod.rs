//! The checks: one file per rule, each a small function returning
//! `Vec<Diagnostic>`. [`check`] runs them all and reports everything together;
//! [`check_program`] turns a compilation without errors into the [`Checked`]
//! program that `rbk exec` and `rbk render` require.
mod arms;
mod backward_jump;
mod by_name;
mod capacity;
mod checked;
mod concurrency;
mod confirm;
mod guards;
mod layer_order;
mod needs_gate;
mod patience;
pub mod poll_budget;
mod polls;
mod read_order;
mod readonly;
mod report;
mod secrets;
mod site_literals;
mod stale_poll;
mod stale_verify;
mod unreachable;
pub mod walk;

use std::collections::HashSet;

use petgraph::algo::dominators::Dominators;
use petgraph::graph::NodeIndex;

pub use checked::{check_program, Checked, Rejected};
pub use report::{json_report, sarif_report};

use crate::compilation::Compilation;
use crate::dag::Dag;
use crate::diagnostic::{Code, Diagnostic};
use crate::resolve;
use crate::syntax::ast::Procedure;
use crate::threads;

/// What the graph and safety rules look at: the root procedure and its graph.
pub struct RuleInput<'c> {
    pub comp: &'c Compilation,
    pub proc: &'c Procedure,
    pub dag: Dag,
    pub doms: Dominators<NodeIndex>,
    pub reachable: HashSet<NodeIndex>,
    /// The procedure's statements and builtin calls.
    pub index: walk::Index<'c>,
}

impl<'c> RuleInput<'c> {
    pub fn new(comp: &'c Compilation, proc: &'c Procedure) -> Self {
        let dag = Dag::build(proc);
        let doms = dag.dominators();
        let reachable = dag.reachable();
        RuleInput {
            comp,
            proc,
            dag,
            doms,
            reachable,
            index: walk::Index::of(proc),
        }
    }
}

/// The rules that need a procedure and its graph, in code order.
const RULES: &[fn(&RuleInput) -> Vec<Diagnostic>] = &[
    backward_jump::check,
    unreachable::check,
    needs_gate::check,
    layer_order::check,
    arms::check,
    read_order::check,
    polls::check,
    guards::check,
    concurrency::check,
    patience::check,
    readonly::check,
    stale_verify::check,
    stale_poll::check,
    poll_budget::check,
    by_name::check,
    site_literals::check,
    confirm::check,
    capacity::check,
];

/// Every problem in `comp`: its parse diagnostics, names and types, the
/// graph rules and the safety rules, sorted by file and position.
pub fn check(comp: &Compilation) -> Vec<Diagnostic> {
    // Names and types, and the rules below, read the same tree and not each
    // other's findings: for a large file they run side by side.
    let (resolved, (local, secrets)) = if comp.root.source.text.len() >= threads::PARALLEL_FROM {
        threads::side_by_side(|| resolve::resolve(comp), || rules(comp))
    } else {
        (resolve::resolve(comp), rules(comp))
    };
    let mut out = comp.diagnostics.clone();
    out.extend(resolved);
    out.extend(local);
    if !secrets.is_empty() {
        // Whatever is reported about this file, never print the secret.
        let source = &comp.root.source;
        let masked = secrets::redact(source, &secrets);
        for d in &mut out {
            if d.source.as_ref().is_some_and(|s| s.name == source.name) {
                d.source = Some(masked.clone());
            }
        }
        out.extend(secrets.into_iter().map(|d| d.with_source(&masked)));
    }
    sort_and_dedup(&mut out);
    out
}

/// The graph and safety rules' findings about the root file, and the
/// secrets written in it (without their source: it must be masked first).
fn rules(comp: &Compilation) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let Some(file) = &comp.root.file else {
        return (Vec::new(), Vec::new());
    };
    let source = &comp.root.source;
    let cx = file.procedure().map(|p| RuleInput::new(comp, p));
    let secrets = secrets::check(&source.text, file, cx.as_ref().map(|cx| &cx.index));
    let mut local = Vec::new();
    if let Some(cx) = &cx {
        for rule in RULES {
            local.extend(rule(cx).into_iter().map(|d| d.with_source(source)));
        }
    }
    (local, secrets)
}

/// Order by file, then position, then code; drop exact repeats.
pub fn sort_and_dedup(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    diags.dedup_by(|a, b| sort_key(a) == sort_key(b) && a.message == b.message);
}

/// Borrows the file name: the key is computed on every comparison.
fn sort_key(d: &Diagnostic) -> (&str, usize, usize, Code) {
    let file = d.source.as_ref().map_or("", |s| s.name.as_str());
    let span = d.primary_span();
    (
        file,
        span.map_or(0, |s| s.offset()),
        span.map_or(0, |s| s.len()),
        d.code,
    )
}
