//! RBK413: a builtin that acts by id (the table's `ById` hazard) given a
//! `.name`, or a literal that is not a UUID. The API scopes names to a
//! project: a name acts on the wrong thing, or on nothing ("Delete by UUID:
//! name lookup is project-scoped").
use super::RuleInput;
use crate::diagnostic::{Code, Diagnostic};
use crate::resolve::builtins::Hazard;
use crate::syntax::ast::{Expr, ExprKind};

pub use crate::backends::openstack::is_uuid;

/// Why this argument is a name, not an id; None when it may be an id.
fn names_instead(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Field { name, .. } if name.name == "name" => Some(format!("`{e}` is a name")),
        ExprKind::Str(t) => match t.as_literal() {
            Some(s) if !is_uuid(&s) => Some(format!("\"{s}\" is not a UUID")),
            _ => None,
        },
        _ => None,
    }
}

pub fn check(cx: &RuleInput) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    cx.index.calls(&mut |c| {
        let Some(b) = c.builtin.filter(|b| b.has(Hazard::ById)) else {
            return;
        };
        let Some(first) = b.params.first() else { return };
        let arg = c
            .args
            .iter()
            .find(|a| a.name.as_ref().is_some_and(|n| n.name == first.name))
            .or_else(|| c.args.first().filter(|a| a.name.is_none()));
        let Some(arg) = arg else { return };
        let Some(why) = names_instead(&arg.value) else {
            return;
        };
        out.push(
            Diagnostic::new(
                Code::ByName,
                arg.value.span,
                format!("`{}` acts by id, but {why}", b.name),
            )
            .with_label("not an id")
            .with_help("pass the UUID (`server.id`, `lb.id`, or a `site` field holding one): the API scopes names to a project, so a name acts on the wrong thing or on nothing"),
        );
    });
    out
}
