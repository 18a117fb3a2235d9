//! RBK406: secret-looking literals in source. Passwords and tokens belong in
//! the environment or a credentials file, never in a procedure that is
//! committed, rendered into a runbook and printed in journals.
use std::sync::OnceLock;

use regex::Regex;

use super::walk;
use crate::diagnostic::{Code, Diagnostic, SourceFile};
use crate::secrets::secret_name;
use crate::syntax::ast::{self, Expr, ExprKind, Ident, Span, StmtKind, TextPart};

/// A literal string that could be a secret (not empty, not a path or a
/// variable reference).
fn secret_value(e: &Expr) -> bool {
    let ExprKind::Str(t) = &e.kind else {
        return false;
    };
    t.as_literal().is_some_and(|v| looks_secret(&v))
}

fn looks_secret(v: &str) -> bool {
    let v = v.trim();
    !(v.is_empty() || v.starts_with('/') || v.starts_with("~/") || v.starts_with('$'))
}

/// Where `key` is written giving `value` (`"key": "value"`, `key: value`,
/// `key=value`) in `written`, at or after `from`: the key's offset and
/// the value's.
fn written_at(written: &str, from: usize, key: &str, value: &str) -> Option<(usize, usize)> {
    let rest = written.get(from..)?;
    rest.match_indices(key).find_map(|(i, _)| {
        let k = from + i;
        let after = &written[k + key.len()..];
        let gap = after.trim_start_matches(['"', '\'']).trim_start();
        let gap = gap.strip_prefix([':', '='])?.trim_start();
        let gap = gap.trim_start_matches(['"', '\'']);
        gap.starts_with(value)
            .then(|| (k, written.len() - gap.len()))
    })
}

/// Stands for an interpolation while a body's text is read: a value that
/// holds it is not written in the source.
const INTERPOLATED: &str = "__rbk_interpolated__";

/// A `body` (a `"""` block or a string) that is JSON, YAML or a form giving
/// a secret-named key a literal value: one finding per value, at the value
/// itself when the source spells it as the text does (else the whole body).
fn body_secrets(body: &Expr, source: &str) -> Vec<Diagnostic> {
    let ExprKind::Str(t) = &body.kind else {
        return Vec::new();
    };
    let text: String = t
        .parts
        .iter()
        .map(|p| match p {
            TextPart::Lit(s) => s.as_str(),
            TextPart::Expr(_) => INTERPOLATED,
        })
        .collect();
    let start = body.span.offset();
    let written = source.get(start..start + body.span.len()).unwrap_or("");
    let mut from = 0;
    let mut out = Vec::new();
    for (key, value) in crate::secrets::keyed_values(&text) {
        if value.contains(INTERPOLATED) || !looks_secret(&value) {
            continue;
        }
        let message = format!("body key `{key}` is set to a literal that looks like a secret");
        let d = match written_at(written, from, &key, &value) {
            Some((k, v)) => {
                from = v + value.len();
                let at = |i: usize, len: usize| Span::new((start + i).into(), len);
                Diagnostic::new(Code::SecretLiteral, at(v, value.len()), message)
                    .with_secondary(at(k, key.len()), "named like a secret")
            }
            _ => Diagnostic::new(Code::SecretLiteral, body.span, message),
        };
        out.push(d
            .with_label("secret in source")
            .with_help("never write secrets into procedures: they are committed, rendered and journalled; interpolate the value from where it is kept (`\"password\": \"{password}\"` with a parameter, or a credentials file read at run time)"));
    }
    out
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
        let mut position = 0;
        for a in c.args {
            let param = match &a.name {
                Some(n) => Some(n.name.as_str()),
                None => {
                    position += 1;
                    c.builtin
                        .and_then(|b| b.params.get(position - 1))
                        .map(|p| p.name)
                }
            };
            if let Some(n) = &a.name {
                if secret_value(&a.value) && secret_name(&n.name) {
                    out.push(named(n, &a.value, "argument"));
                }
            }
            if param == Some("body") {
                out.extend(body_secrets(&a.value, text));
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
    fn literal_secrets_in_bodies_are_found_and_interpolated_ones_are_not() {
        let got = messages(
            r#"procedure p "P" {
  param pw: str = ""
  step a "A" {
    confirm "go?"
    let f = http.request("POST", "https://x.example/", body: "user=ops&password=hunter2&client_secret={pw}")
    let j = http.request("POST", "https://x.example/", body: """
      {{"methods": ["password"], "password": {{"user": {{"name": "ops", "password": "hunter2"}}}}}}
      """)
    let k = http.request("POST", "https://x.example/", body: """
      {{"password": "{pw}", "token": "$TOKEN", "key_file": "~/k", "api_key": "pre-{pw}"}}
      """)
    scope openstack {
      openstack.request("compute", "POST", "/os-keypairs", """
        keypair:
          private_key: abcdef
        """)
    }
    log "user=ops&password=hunter2"
  }
}
"#,
        );
        assert_eq!(
            got,
            vec![
                "body key `password` is set to a literal that looks like a secret",
                "body key `password` is set to a literal that looks like a secret",
                "body key `private_key` is set to a literal that looks like a secret",
            ]
        );
    }

    #[test]
    fn a_body_secret_points_at_its_value() {
        let text = r#"procedure p "P" {
  step a "A" {
    confirm "go?"
    let j = http.request("POST", "https://x.example/", body: """
      {{"methods": ["password"], "password": {{"user": {{"password": "hunter2"}}}}}}
      """)
  }
}
"#;
        let file = crate::syntax::parse(&SourceFile::new("t.rbk", text)).expect("parses");
        let index = file.procedure().map(walk::Index::of);
        let d = check(text, &file, index.as_ref());
        let at = |s: Span| &text[s.offset()..s.offset() + s.len()];
        assert_eq!(at(d[0].primary_span().expect("a span")), "hunter2");
        // The key named like a secret is the one that holds it.
        let key = d[0].labels.iter().find(|l| !l.primary).expect("the key");
        assert_eq!(at(key.span), "password");
        let before = &text[..key.span.offset()];
        assert!(before.ends_with("\"user\": {{\""), "{before}");
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
