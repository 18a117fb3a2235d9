//! RBK402: a destructive call needs a `require` earlier in its block (or an
//! enclosing one) over the same data: verify-then-delete.
//! RBK407: a destructive call with no `confirm` before it (a warning).
use std::collections::HashSet;

use super::walk::{self, Frame};
use super::RuleInput;
use crate::diagnostic::{Code, Diagnostic};
use crate::resolve::builtins::Effect;
use crate::syntax::ast::{Expr, ExprKind, StmtKind};

/// The variables an expression reads; a site field counts as `site.NAME`.
pub fn vars_of(e: &Expr) -> HashSet<String> {
    let mut out = HashSet::new();
    walk::visit_expr(e, &mut |x| match &x.kind {
        ExprKind::Var(v) => {
            out.insert(v.name.clone());
        }
        ExprKind::Field { base, name } => {
            if let ExprKind::Var(v) = &base.kind {
                out.insert(format!("{}.{}", v.name, name.name));
            }
        }
        _ => {}
    });
    out.remove("site");
    out
}

/// The variables the call's arguments use, and what they were computed
/// from (`let id = s.id` and `foreach s in orphans` count `s` and `orphans`).
fn data_of(args: &[crate::syntax::ast::Arg], frames: &[Frame]) -> HashSet<String> {
    let mut set: HashSet<String> = HashSet::new();
    for a in args {
        set.extend(vars_of(&a.value));
    }
    loop {
        let before = set.len();
        for s in walk::earlier(frames) {
            if let StmtKind::Let { name, value } = &s.kind {
                if set.contains(&name.name) {
                    set.extend(vars_of(value));
                }
            }
        }
        for fr in frames {
            if let Frame::Foreach(f, _) = fr {
                if set.contains(&f.var.name) {
                    set.extend(vars_of(&f.iter));
                }
            }
        }
        if set.len() == before {
            return set;
        }
    }
}

pub fn check(cx: &RuleInput) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    cx.index.calls(&mut |c| {
        let Some(b) = c.builtin else { return };
        if b.effect_of(c.args) != Effect::Destructive {
            return;
        }
        let data = data_of(c.args, c.frames);
        let verified = walk::earlier(c.frames).any(|s| match &s.kind {
            StmtKind::Require { condition, .. } => {
                vars_of(condition).iter().any(|v| data.contains(v))
            }
            _ => false,
        });
        if !verified {
            let mut names: Vec<&String> = data.iter().collect();
            names.sort();
            let about = match names.first() {
                Some(n) => format!("`{n}`"),
                None => "what it deletes".into(),
            };
            out.extend(super::with_effect_note(
                Diagnostic::new(
                    Code::DeleteWithoutVerify,
                    c.callee.span,
                    format!("`{}` deletes, but nothing before it re-checks {about}", b.name),
                )
                .with_label("destructive call")
                .with_help(format!(
                    "verify, then delete: re-read the truth just before, and abort if it changed, e.g. `require not any(a in openstack.loadbalancer.amphora.list() where a.compute_id == {}) else abort \"still in use\"`",
                    names.first().map_or("id".to_string(), |n| n.to_string())
                )),
                b,
                c.args,
            ));
        }
        let confirmed = walk::earlier(c.frames).any(|s| matches!(s.kind, StmtKind::Confirm { .. }));
        if !confirmed {
            out.extend(super::with_effect_note(
                Diagnostic::new(
                    Code::NoConfirm,
                    c.callee.span,
                    format!("`{}` deletes without asking first", b.name),
                )
                .with_label("no `confirm` before this")
                .with_help("add `confirm \"Delete ...?\"` before it in the same block; automation answers with `rbk exec --yes`"),
                b,
                c.args,
            ));
        }
    });
    out
}
