//! RBK409: a step or procedure marked `readonly` that changes the world: a
//! mutating, destructive or exclusive builtin in it, or a `call` of a
//! procedure that has one.
use super::{walk, RuleInput};
use crate::compilation::Compilation;
use crate::diagnostic::{Code, Diagnostic};
use crate::resolve::builtins::{Builtin, Effect};
use crate::syntax::ast::{Arg, NodeKind, Procedure, Span, StmtKind};

/// What this call does, as its arguments decide (`ssh.run(changes: true)`).
fn effect(b: &Builtin, args: &[Arg]) -> Effect {
    b.effect_of(args)
}

/// The first call in `p` (or in the procedures it calls) that changes the
/// world: its builtin's name.
fn first_change(comp: &Compilation, p: &Procedure, depth: usize) -> Option<&'static str> {
    let mut found = None;
    walk::Index::of(p).calls(&mut |c| {
        if found.is_none() {
            found = c
                .builtin
                .filter(|b| effect(b, c.args).mutates())
                .map(|b| b.name);
        }
    });
    if found.is_some() || depth >= 8 {
        return found;
    }
    called(p)
        .into_iter()
        .filter_map(|(_, name, _)| comp.find_procedure(&name))
        .find_map(|(_, callee)| first_change(comp, callee, depth + 1))
}

/// Every procedure `p` calls: (calling node, callee, where), from `call`
/// nodes and `call` statements.
fn called(p: &Procedure) -> Vec<(&crate::syntax::ast::Node, String, Span)> {
    let mut out: Vec<_> = p
        .nodes()
        .filter(|n| matches!(n.kind, NodeKind::Call(_)))
        .map(|n| (n, n.name.name.clone(), n.name.span))
        .collect();
    walk::statements(p, &mut |n, s, _| {
        if let StmtKind::Call(c) = &s.kind {
            out.push((n, c.name.name.clone(), c.name.span));
        }
    });
    out
}

fn finding(at: Span, marker: Span, what: String, under: &str) -> Diagnostic {
    Diagnostic::new(Code::ReadonlyMutates, at, format!("{what}, but {under} is `readonly`"))
        .with_label("changes the world")
        .with_secondary(marker, "declared read-only here")
        .with_help("a read-only step only looks: move the change into a step of its own (after the decision it informs), or drop `readonly` if changing things is its job")
}

pub fn check(cx: &RuleInput) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let proc_marker = cx.proc.readonly;
    // Nothing is marked: the common case costs one pass over the nodes.
    if proc_marker.is_none() && cx.proc.nodes().all(|n| n.readonly.is_none()) {
        return out;
    }
    cx.index.calls(&mut |c| {
        let Some(b) = c.builtin.filter(|b| effect(b, c.args).mutates()) else {
            return;
        };
        let (marker, under) = match (c.node.readonly, proc_marker) {
            (Some(m), _) => (
                m,
                format!("{} `{}`", c.node.kind.keyword(), c.node.name.name),
            ),
            (None, Some(m)) => (m, format!("procedure `{}`", cx.proc.name.name)),
            (None, None) => return,
        };
        let what = format!("`{}` is {}", b.name, effect(b, c.args).as_str());
        out.extend(super::with_effect_note(
            finding(c.callee.span, marker, what, &under),
            b,
            c.args,
        ));
    });
    for (n, callee_name, at) in called(cx.proc) {
        let (marker, under) = match (n.readonly, proc_marker) {
            (Some(m), _) => (m, format!("{} `{}`", n.kind.keyword(), n.name.name)),
            (None, Some(m)) => (m, format!("procedure `{}`", cx.proc.name.name)),
            (None, None) => continue,
        };
        let Some((_, callee)) = cx.comp.find_procedure(&callee_name) else {
            continue;
        };
        if let Some(name) = first_change(cx.comp, callee, 1) {
            let what = format!("`call {callee_name}` runs `{name}`");
            out.push(finding(at, marker, what, &under));
        }
    }
    out
}
