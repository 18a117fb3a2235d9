//! RBK404: an action a patience window forbids, inside that window.
use super::walk::{self, Frame};
use super::RuleInput;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{ExprKind, Text};

pub fn check(cx: &RuleInput) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    cx.index.calls(&mut |c| {
        // Most calls are outside every window: skip naming them.
        if !c.frames.iter().any(|f| matches!(f, Frame::Patience(..))) {
            return;
        }
        let name = c.callee.dotted();
        for fr in c.frames {
            let Frame::Patience(p, _) = fr else { continue };
            for f in &p.forbid {
                if f.builtin.dotted() != name {
                    continue;
                }
                if let Some(pattern) = &f.pattern {
                    if !command_matches(c, pattern) {
                        continue;
                    }
                }
                let label = p
                    .label
                    .as_literal()
                    .unwrap_or_else(|| p.label.display_template());
                out.push(
                    Diagnostic::new(
                        Code::ForbiddenInPatience,
                        c.expr.span,
                        format!("`{name}` is forbidden inside the patience window \"{label}\""),
                    )
                    .with_label("forbidden here")
                    .with_secondary(f.span, "forbidden by this")
                    .with_help("wait the window out: the noise inside it is expected; move the action after the window if it is still needed"),
                );
            }
        }
    });
    out
}

/// Does the call's command (its `command` argument, or its first text
/// argument) match the forbid pattern? Interpolations count as their source.
fn command_matches(c: &walk::CallSite, pattern: &Text) -> bool {
    let Some(pat) = pattern.as_literal() else {
        return true;
    };
    let Ok(re) = regex::Regex::new(&pat) else {
        return false;
    };
    let named = c
        .args
        .iter()
        .find(|a| a.name.as_ref().is_some_and(|n| n.name == "command"));
    let arg = named.or_else(|| {
        c.args
            .iter()
            .find(|a| matches!(a.value.kind, ExprKind::Str(_)))
    });
    match arg.map(|a| &a.value.kind) {
        Some(ExprKind::Str(t)) => re.is_match(&t.display_template()),
        _ => false,
    }
}
