//! RBK406: secret-looking literals in source. Passwords and tokens belong in
//! the environment or a credentials file, never in a procedure that is
//! committed, rendered into a runbook and printed in journals.
use std::sync::OnceLock;

use regex::Regex;

use super::walk;
use crate::diagnostic::{Code, Diagnostic, SourceFile};
use crate::secrets::secret_name;
use crate::syntax::ast::{self, Expr, ExprKind, Ident, Span, StmtKind};

/// A literal string that could be a secret (not empty, not a path or a
/// variable reference).
fn secret_value(e: &Expr) -> bool {
    let ExprKind::Str(t) = &e.kind else {
        return false;
    };
    let Some(v) = t.as_literal() else {
        return false;
    };
    let v = v.trim();
    !(v.is_empty() || v.starts_with('/') || v.starts_with("~/") || v.starts_with('$'))
}

fn named(name: &Ident, value: &Expr, what: &str) -> Diagnostic {
    Diagnostic::new(
        Code::SecretLiteral,
        value.span,
        format!("{what} `{}` is set to a literal that looks like a secret", name.name),
    )
    .with_label("secret in source")
    .with_secondary(name.span, "named like a secret")
    .with_help("never write secrets into procedures: they are committed, rendered and journalled; read them from the environment or a credentials file (`scope openstack(openrc: \"~/admin-openrc\")`)")
}

fn raw_patterns() -> &'static [Regex] {
    static PATTERNS: OnceLock<Vec<Regex>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        [
            "-----BEGIN [A-Z ]*PRIVATE KEY-----",
            r#"OS_PASSWORD=[^\s"'$<{}]"#,
        ]
        .iter()
        .filter_map(|p| Regex::new(p).ok())
        .collect()
    })
}

/// A copy of the source with every secret this rule found masked by `*`,
/// so that rendering the diagnostic never prints the secret.
pub fn redact(source: &SourceFile, diags: &[Diagnostic]) -> SourceFile {
    let mut bytes = source.text.as_bytes().to_vec();
    for span in diags.iter().filter_map(|d| d.primary_span()) {
        let end = (span.offset() + span.len()).min(bytes.len());
        for b in bytes.iter_mut().take(end).skip(span.offset()) {
            if !matches!(*b, b'"' | b'\n' | b'\r') {
                *b = b'*';
            }
        }
    }
    SourceFile::new(
        source.name.clone(),
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

/// Check one file: its text, and its tree through the `index` of its
/// procedure (None when it has none).
pub fn check(text: &str, file: &ast::File, index: Option<&walk::Index>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for re in raw_patterns() {
        for m in re.find_iter(text) {
            // Cover the whole secret (to the key's END line, or the end of
            // the line) so that the rendering can mask all of it.
            let rest = &text[m.start()..];
            let len = match rest.find("-----END") {
                Some(end) if m.as_str().starts_with("-----BEGIN") => {
                    end + rest[end..].find('\n').unwrap_or(rest.len() - end)
                }
                _ => rest.find('\n').unwrap_or(rest.len()),
            };
            out.push(
                Diagnostic::new(Code::SecretLiteral, Span::new(m.start().into(), len), "this looks like a private key or password")
                    .with_label("secret in source")
                    .with_help("remove it and rotate it: anything in a procedure is committed, rendered into the runbook and journalled; point at a file instead (`key: \"~/.ssh/id_ed25519\"`, `openrc: \"~/admin-openrc\"`)"),
            );
        }
    }
    let decls = file.site_fields().map(|f| (f, "site field")).chain(
        file.procedure()
            .into_iter()
            .flat_map(|p| p.params().map(|f| (f, "parameter"))),
    );
    for (f, what) in decls {
        if let Some(d) = &f.default {
            if secret_value(d) && secret_name(&f.name.name) {
                out.push(named(&f.name, d, what));
            }
        }
    }
    let Some(index) = index else {
        return out;
    };
    for s in index.statements() {
        match &s.kind {
            StmtKind::Let { name, value } | StmtKind::Record { name, value }
                if secret_value(value) && secret_name(&name.name) =>
            {
                out.push(named(name, value, "variable"));
            }
            StmtKind::Scope(sc) => {
                for a in &sc.args {
                    if let Some(n) = &a.name {
                        if secret_value(&a.value) && secret_name(&n.name) {
                            out.push(named(n, &a.value, "scope argument"));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    index.calls(&mut |c| {
        // Calls in statements only: a decision's condition (no frames) never was.
        if c.frames.is_empty() {
            return;
        }
        for a in c.args {
            if let Some(n) = &a.name {
                if secret_value(&a.value) && secret_name(&n.name) {
                    out.push(named(n, &a.value, "argument"));
                }
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;

    fn messages(text: &str) -> Vec<String> {
        let file = crate::syntax::parse(&SourceFile::new("t.rbk", text)).expect("parses");
        let index = file.procedure().map(walk::Index::of);
        check(text, &file, index.as_ref())
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn named_arguments_of_calls_in_statements_are_checked() {
        let got = messages(
            r#"procedure p "P" {
  step a "A" {
    scope ssh(host: str(x(PassWord: "hunter2")), user: "u") {
      poll every 1s max 3 { until len(f(ApiKey: "k-123")) > 0 }
    }
  }
  decide d "D" { when g(token: "t-123") -> b otherwise -> b }
  step b "B" { log "b" }
}
"#,
        );
        assert_eq!(
            got,
            vec![
                "argument `PassWord` is set to a literal that looks like a secret",
                "argument `ApiKey` is set to a literal that looks like a secret",
            ]
        );
    }
}
