//! RBK414: a UUID, an IP address or a project id written into a procedure
//! instead of read from the site file. These change per site and on every
//! rebuild ("REGENERATE per site on rebuild"); a copy in a procedure goes
//! stale silently. Loopback and wildcard addresses are not per site.
use super::by_name::is_uuid;
use super::{walk, RuleInput};
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{Expr, ExprKind, NodeKind, TextPart};

/// What kind of site literal `s` holds, if any.
fn site_literal(s: &str) -> Option<(&'static str, &str)> {
    let allowed = |c: char| c.is_ascii_hexdigit() || c == '-' || c == '.';
    for token in s.split(|c: char| !allowed(c)) {
        let token = token.trim_matches(|c| c == '-' || c == '.');
        if token.len() < 7 {
            continue;
        }
        if let Some(id) = token.split('-').find(|p| p.len() == 32 && is_uuid(p)) {
            return Some(("a project id", id));
        }
        if is_uuid(token) {
            return Some(("a UUID", token));
        }
        if is_ipv4(token) {
            return Some(("an IP address", token));
        }
    }
    None
}

fn is_ipv4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    let octets: Vec<u8> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    parts.len() == 4
        && octets.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && octets[0] != 127
        && octets != [0, 0, 0, 0]
        && octets != [255, 255, 255, 255]
}

fn visit(e: &Expr, out: &mut Vec<Diagnostic>) {
    walk::visit_expr(e, &mut |x| {
        let ExprKind::Str(t) = &x.kind else { return };
        for part in &t.parts {
            let TextPart::Lit(s) = part else { continue };
            if let Some((kind, value)) = site_literal(s) {
                out.push(
                    Diagnostic::new(
                        Code::SiteLiteral,
                        x.span,
                        format!("{kind} (`{value}`) is written into the procedure"),
                    )
                    .with_label("belongs in the site file")
                    .with_help("declare a field in the `site { ... }` block, set it in the site file, and read it as `site.NAME`: it changes per site and on every rebuild"),
                );
                return;
            }
        }
    });
}

pub fn check(cx: &RuleInput) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for s in cx.index.statements() {
        walk::own_exprs(s, &mut |e| visit(e, &mut out));
    }
    for n in cx.proc.nodes() {
        if let NodeKind::Decide(d) = &n.kind {
            for b in d.branches.iter().filter_map(|b| b.condition.as_ref()) {
                visit(b, &mut out);
            }
        }
    }
    out
}
