//! Reading an openrc file without executing it.
//!
//! The seed does `source ~/admin-openrc`. rbk reads the file's `export
//! NAME=value` lines instead, with shell quoting (`'...'`, `"..."`,
//! backslashes) and `$NAME` / `${NAME}` expansion from earlier lines or the
//! environment; `unset` lines remove a name. Anything that would need a shell
//! to run (command substitution, `read` prompts) is not run: command
//! substitution is an error, other lines are ignored. Errors name the line
//! and the variable, never the value, because the value may be a password.
use std::collections::HashMap;

/// The exported variables, in the order the file defines them (later wins).
pub type Exports = HashMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct OpenrcError {
    pub line: usize,
    pub message: String,
}

/// Parse an openrc's text. `env` supplies values for `$NAME` references the
/// file does not define itself (e.g. `$HOME`).
pub fn parse(text: &str, env: &HashMap<String, String>) -> Result<Exports, OpenrcError> {
    let mut shell_vars: HashMap<String, String> = HashMap::new();
    let mut exports = Exports::new();
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (exported, rest) = match line.strip_prefix("export") {
            Some(rest) if rest.starts_with(char::is_whitespace) => (true, rest.trim_start()),
            _ => (false, line),
        };
        if let Some(names) = rest
            .strip_prefix("unset")
            .filter(|r| r.is_empty() || r.starts_with(char::is_whitespace))
        {
            for name in names.split_whitespace().filter(|n| !n.starts_with('-')) {
                shell_vars.remove(name);
                exports.remove(name);
            }
            continue;
        }
        let Some((name, value)) = split_assignment(rest) else {
            // `export NAME` (no value) exports a variable set earlier.
            if exported && is_name(rest) {
                if let Some(v) = shell_vars.get(rest) {
                    exports.insert(rest.to_string(), v.clone());
                }
            }
            continue;
        };
        let lookup = |n: &str| shell_vars.get(n).or_else(|| env.get(n)).cloned();
        let value = parse_value(value, &lookup).map_err(|message| OpenrcError {
            line: line_no,
            message: format!("{name}: {message}"),
        })?;
        shell_vars.insert(name.to_string(), value.clone());
        if exported || exports.contains_key(name) {
            exports.insert(name.to_string(), value);
        }
    }
    Ok(exports)
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `NAME=rest` where NAME is a shell variable name.
fn split_assignment(s: &str) -> Option<(&str, &str)> {
    let (name, value) = s.split_once('=')?;
    is_name(name).then_some((name, value))
}

/// One shell word: quotes, backslashes and `$` expansion; stops at an
/// unquoted blank, `;` or `#` (anything after is another command or a comment).
fn parse_value(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next() {
                    Some('\'') => break,
                    Some(c) => out.push(c),
                    None => return Err("unterminated single quote".into()),
                }
            },
            '"' => loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(c @ ('"' | '\\' | '$' | '`')) => out.push(c),
                        Some('\n') => {}
                        Some(c) => {
                            out.push('\\');
                            out.push(c);
                        }
                        None => return Err("unterminated double quote".into()),
                    },
                    Some('$') => expand(&mut chars, &mut out, lookup)?,
                    Some('`') => return Err(NO_SUBSTITUTION.into()),
                    Some(c) => out.push(c),
                    None => return Err("unterminated double quote".into()),
                }
            },
            '\\' => {
                if let Some(c) = chars.next() {
                    out.push(c);
                }
            }
            '$' => expand(&mut chars, &mut out, lookup)?,
            '`' => return Err(NO_SUBSTITUTION.into()),
            c if c.is_whitespace() || c == ';' || c == '#' => break,
            c => out.push(c),
        }
    }
    Ok(out)
}

const NO_SUBSTITUTION: &str =
    "command substitution is not supported (rbk never executes an openrc); write the value itself";

fn expand(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    out: &mut String,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(), String> {
    match chars.peek() {
        Some('(') => Err(NO_SUBSTITUTION.into()),
        Some('{') => {
            chars.next();
            let mut name = String::new();
            loop {
                match chars.next() {
                    Some('}') => break,
                    Some(c) => name.push(c),
                    None => return Err("unterminated ${".into()),
                }
            }
            // `${NAME:-default}` and friends: take the name, keep it simple.
            let (var, default) = match name.split_once(":-") {
                Some((v, d)) => (v.to_string(), Some(d.to_string())),
                None => (name.clone(), None),
            };
            if !is_name(&var) {
                return Err(format!("unsupported expansion ${{{name}}}"));
            }
            if let Some(v) = lookup(&var).filter(|v| !v.is_empty()).or(default) {
                out.push_str(&v);
            }
            Ok(())
        }
        Some(c) if c.is_ascii_alphabetic() || *c == '_' => {
            let mut name = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_ascii_alphanumeric() || c == '_' {
                    name.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            if let Some(v) = lookup(&name) {
                out.push_str(&v);
            }
            Ok(())
        }
        _ => {
            out.push('$');
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> HashMap<String, String> {
        HashMap::from([("HOME".to_string(), "/home/op".to_string())])
    }

    #[test]
    fn reads_a_typical_admin_openrc() {
        let text = r#"# admin-openrc generated by the charm
export OS_AUTH_URL=https://keystone.example:5000/v3
export OS_USERNAME=admin
export OS_PASSWORD='p@ss w0rd$'
export OS_USER_DOMAIN_NAME="admin_domain"
export OS_PROJECT_NAME=admin
export OS_PROJECT_DOMAIN_NAME=admin_domain
export OS_REGION_NAME=RegionOne   # trailing comment
export OS_CACERT=$HOME/ca.pem
export OS_IDENTITY_API_VERSION=3
unset OS_TENANT_NAME
"#;
        let vars = parse(text, &env()).expect("parse");
        assert_eq!(vars["OS_PASSWORD"], "p@ss w0rd$");
        assert_eq!(vars["OS_USER_DOMAIN_NAME"], "admin_domain");
        assert_eq!(vars["OS_REGION_NAME"], "RegionOne");
        assert_eq!(vars["OS_CACERT"], "/home/op/ca.pem");
        assert_eq!(vars.len(), 9);
    }

    #[test]
    fn quoting_expansion_and_unset() {
        let text = "P=abc\nexport A=\"x${P}y\"\nexport C=a\\ b\nexport D=\"q\\\"q\"\nexport E=${MISSING:-dflt}\nexport F=1\nunset F\nP2=v\nexport P2\n";
        let vars = parse(text, &env()).expect("parse");
        assert_eq!(vars["A"], "xabcy");
        assert_eq!(vars["C"], "a b");
        assert_eq!(vars["D"], "q\"q");
        assert_eq!(vars["E"], "dflt");
        assert_eq!(vars["P2"], "v");
        assert!(!vars.contains_key("F"));
        assert!(
            !vars.contains_key("P"),
            "plain assignments are not exported"
        );
    }

    #[test]
    fn prompts_are_not_run_and_substitution_is_refused() {
        let text = "echo \"Please enter your password: \"\nread -sr OS_PASSWORD_INPUT\nexport OS_PASSWORD=$OS_PASSWORD_INPUT\n";
        let vars = parse(text, &env()).expect("parse");
        assert_eq!(vars["OS_PASSWORD"], "");

        let err = parse("export OS_PASSWORD=$(pass show cloud)\n", &env()).expect_err("refused");
        assert_eq!(err.line, 1);
        assert!(
            err.to_string().contains("OS_PASSWORD")
                && err.to_string().contains("command substitution")
        );
        let err = parse("\nexport OS_PASSWORD='secretvalue\n", &env()).expect_err("unterminated");
        assert_eq!(err.line, 2);
        assert!(!err.to_string().contains("secretvalue"));
    }
}
