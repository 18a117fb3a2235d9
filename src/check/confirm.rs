//! RBK415: a disruptive call (stop, reboot, failover, migrate, disable: the
//! builtin table's `Disruptive` hazard) with no `confirm` before it. Deletes
//! have their own code (RBK407).
use super::walk;
use super::RuleInput;
use crate::diagnostic::{Code, Diagnostic};
use crate::resolve::builtins::{Effect, Hazard};
use crate::syntax::ast::StmtKind;

pub fn check(cx: &RuleInput) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    cx.index.calls(&mut |c| {
        let Some(b) = c.builtin else { return };
        // A hazard is about the change: a read (`method: "GET"`) has none.
        let effect = b.effect_of(c.args);
        if !b.has(Hazard::Disruptive) || !effect.mutates() || effect == Effect::Destructive {
            return;
        }
        let confirmed = walk::earlier(c.frames).any(|s| matches!(s.kind, StmtKind::Confirm { .. }));
        if !confirmed {
            out.extend(super::with_effect_note(
                Diagnostic::new(
                    Code::DisruptiveWithoutConfirm,
                    c.callee.span,
                    format!("`{}` interrupts service without asking first", b.name),
                )
                .with_label("no `confirm` before this")
                .with_help("add `confirm \"Stop ...?\"` before it in the same block; automation answers with `rbk exec --yes`"),
                b,
                c.args,
            ));
        }
    });
    out
}
