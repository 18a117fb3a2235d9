//! Quick fixes for the diagnostics whose fix is obvious: bound a poll
//! (RBK401), wrap a cloud call in its scope (RBK305), ask before a delete
//! (RBK407), and take the "did you mean" of an unknown name.
use crate::check::{poll_budget, walk};
use crate::diagnostic::{Code, Diagnostic};
use crate::resolve::builtins;
use crate::syntax::ast::{Procedure, Span, Stmt};

/// One fix: a title and the edits (byte range replaced by text) to the
/// root file.
#[derive(Debug, Clone, PartialEq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<(std::ops::Range<usize>, String)>,
}

/// The fix for `d`, if it has an obvious one. `text` is the root file's
/// text; `proc` its procedure and `stmts` every statement of it.
pub fn fix(d: &Diagnostic, text: &str, proc: Option<&Procedure>, stmts: &[&Stmt]) -> Option<Fix> {
    let span = d.primary_span()?;
    match d.code {
        Code::UnboundedPoll => bound_poll(text, span, proc),
        Code::OutsideScope => wrap_in_scope(text, span, stmts),
        Code::NoConfirm => add_confirm(text, span, stmts),
        Code::UnknownName
        | Code::UnknownBuiltin
        | Code::UnknownTarget
        | Code::UnknownField
        | Code::UnknownLayer => did_you_mean(d, text, span),
        _ => None,
    }
}

/// Every statement of the root procedure, for [`fix`].
pub fn statements(comp: &crate::compilation::Compilation) -> Vec<&Stmt> {
    let mut out = Vec::new();
    if let Some(p) = comp.procedure() {
        walk::statements(p, &mut |_, s, _| out.push(s));
    }
    out
}

/// `poll every 10s {` becomes `poll every 10s max N {`: N covers the
/// `timing ~D` verified around the poll with RBK412's margin, so the fix
/// does not trade one warning for another; 10 where no timing is written.
fn bound_poll(text: &str, span: Span, proc: Option<&Procedure>) -> Option<Fix> {
    let open = body_brace(text, span.offset())?;
    let max = proc
        .and_then(|p| poll_budget::max_covering_timing(p, span.offset()))
        .unwrap_or(10);
    Some(Fix {
        title: format!("Bound the poll: add `max {max}`"),
        edits: vec![(open..open, format!("max {max} "))],
    })
}

/// The `{` opening the body of the construct starting at `from`, skipping
/// strings in its header.
fn body_brace(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => return Some(i),
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += usize::from(bytes[i] == b'\\') + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The innermost statement holding `span`.
fn innermost<'a>(stmts: &[&'a Stmt], span: Span) -> Option<&'a Stmt> {
    stmts
        .iter()
        .filter(|s| {
            s.span.offset() <= span.offset()
                && span.offset() + span.len() <= s.span.offset() + s.span.len()
        })
        .min_by_key(|s| s.span.len())
        .copied()
}

/// The whole lines a span covers: from the start of its first line to
/// after the newline of its last, and the first line's indentation.
fn lines_of(text: &str, span: Span) -> (std::ops::Range<usize>, &str) {
    let start = text[..span.offset()].rfind('\n').map_or(0, |i| i + 1);
    let end = span.offset() + span.len();
    let end = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
    let indent_len = text[start..]
        .find(|c: char| c != ' ' && c != '\t')
        .unwrap_or(0);
    (start..end, &text[start..start + indent_len])
}

fn callee_text(text: &str, span: Span) -> &str {
    text.get(span.offset()..span.offset() + span.len())
        .unwrap_or("")
}

fn wrap_in_scope(text: &str, span: Span, stmts: &[&Stmt]) -> Option<Fix> {
    let builtin = builtins::lookup(callee_text(text, span))?;
    let kind = builtin.scope?;
    let stmt = innermost(stmts, span)?;
    let (range, indent) = lines_of(text, stmt.span);
    // The arguments the scope cannot do without, as placeholders to fill in.
    let required = crate::resolve::scopes::required_placeholders(kind);
    let header = if required.is_empty() {
        format!("scope {} {{", kind.as_str())
    } else {
        format!("scope {}({}) {{", kind.as_str(), required.join(", "))
    };
    let mut new = format!("{indent}{header}\n");
    for line in text[range.clone()].lines() {
        if line.trim().is_empty() {
            new.push('\n');
        } else {
            new.push_str(&format!("  {line}\n"));
        }
    }
    new.push_str(&format!("{indent}}}\n"));
    Some(Fix {
        title: format!("Wrap in `scope {}`", kind.as_str()),
        edits: vec![(range, new)],
    })
}

fn add_confirm(text: &str, span: Span, stmts: &[&Stmt]) -> Option<Fix> {
    let stmt = innermost(stmts, span)?;
    let (range, indent) = lines_of(text, stmt.span);
    let line = format!(
        "{indent}confirm \"Run {}?\"\n",
        callee_text(text, span).replace('"', "")
    );
    Some(Fix {
        title: "Ask first: add a `confirm` before this call".to_string(),
        edits: vec![(range.start..range.start, line)],
    })
}

/// Replace the unknown name with the suggestion of "did you mean `x`?".
fn did_you_mean(d: &Diagnostic, text: &str, span: Span) -> Option<Fix> {
    let help = d.help.as_deref()?;
    let rest = help.strip_prefix("did you mean `")?;
    let suggestion = &rest[..rest.find('`')?];
    let written = callee_text(text, span);
    // `site.x` is suggested for a field written without its `site.`.
    let suggestion = if written.contains('.') {
        suggestion
    } else {
        suggestion.rsplit('.').next()?
    };
    Some(Fix {
        title: format!("Change to `{suggestion}`"),
        edits: vec![(
            span.offset()..span.offset() + span.len(),
            suggestion.to_string(),
        )],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compilation::Compilation;
    use std::path::Path;

    fn fixes(src: &str) -> Vec<(Code, Fix)> {
        let comp = Compilation::from_source(Path::new("t.rbk"), src.to_string());
        let diags = crate::check::check(&comp);
        let stmts = statements(&comp);
        diags
            .iter()
            .filter_map(|d| fix(d, src, comp.procedure(), &stmts).map(|f| (d.code, f)))
            .collect()
    }

    fn apply(src: &str, f: &Fix) -> String {
        let mut out = src.to_string();
        for (r, t) in f.edits.iter().rev() {
            out.replace_range(r.clone(), t);
        }
        out
    }

    #[test]
    fn each_fix_removes_its_diagnostic() {
        let src = "procedure p \"t\" {\n  step s \"s\" {\n    let x = openstack.server.show(\"a\")\n    poll every 5s {\n      until true\n    }\n    scope openstack {\n      openstack.server.delete(x.id)\n    }\n  }\n}\n";
        let found = fixes(src);
        let codes: Vec<Code> = found.iter().map(|(c, _)| *c).collect();
        assert!(codes.contains(&Code::OutsideScope), "{codes:?}");
        assert!(codes.contains(&Code::UnboundedPoll), "{codes:?}");
        assert!(codes.contains(&Code::NoConfirm), "{codes:?}");
        for (code, f) in &found {
            let fixed = apply(src, f);
            let comp = Compilation::from_source(Path::new("t.rbk"), fixed.clone());
            let after = crate::check::check(&comp);
            assert!(
                !after.iter().any(|d| d.code == *code),
                "{code} still reported after `{}`:\n{fixed}",
                f.title
            );
        }
    }

    #[test]
    fn an_ssh_scope_fix_names_the_required_arguments() {
        let src = "procedure p \"t\" {\n  step s \"s\" {\n    ssh.run(\"uptime\")\n  }\n}\n";
        let found = fixes(src);
        let (_, f) = found
            .iter()
            .find(|(c, _)| *c == Code::OutsideScope)
            .expect("a fix for RBK305");
        let fixed = apply(src, f);
        assert!(
            fixed.contains("    scope ssh(host: \"HOST\", user: \"USER\") {\n      ssh.run("),
            "{fixed}"
        );
    }

    #[test]
    fn a_poll_is_bounded_to_cover_its_verified_timing() {
        let src = "procedure p \"t\" {\n  step s \"s\" {\n    timing ~3m30s \"verified\"\n    poll every 10s {\n      until true\n    }\n  }\n}\n";
        let found = fixes(src);
        let (_, f) = found
            .iter()
            .find(|(c, _)| *c == Code::UnboundedPoll)
            .expect("a fix for RBK401");
        // 3m30s x 1.25 = 262.5 s: 27 attempts of 10 s.
        assert_eq!(f.title, "Bound the poll: add `max 27`");
        let fixed = apply(src, f);
        let comp = Compilation::from_source(Path::new("t.rbk"), fixed.clone());
        let codes: Vec<Code> = crate::check::check(&comp).iter().map(|d| d.code).collect();
        assert!(
            !codes.contains(&Code::PollShorterThanTiming),
            "{codes:?}\n{fixed}"
        );
    }

    #[test]
    fn did_you_mean_replaces_the_name() {
        let src = "procedure p \"t\" {\n  step s \"s\" {\n    log \"{lenn([1])}\"\n  }\n}\n";
        let found = fixes(src);
        let (_, f) = found
            .iter()
            .find(|(c, _)| *c == Code::UnknownBuiltin)
            .expect("a fix for RBK102");
        assert!(apply(src, f).contains("{len([1])}"), "{}", apply(src, f));
    }
}
