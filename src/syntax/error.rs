//! Turn pest's failures into diagnostics an author understands: rule names
//! become words (`Rule::block` -> "`{`"), never grammar jargon.
use pest::error::{ErrorVariant, InputLocation};

use super::ast::Span;
use super::parser::{is_infix, Rule};
use crate::diagnostic::{Code, Diagnostic};

/// What an author would call the thing a rule matches.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::use_decl => "`use`",
        Rule::layers_decl => "`layers`",
        Rule::site_decl => "`site`",
        Rule::procedure | Rule::procedure_open => "`procedure`",
        Rule::expectations => "`expectations`",
        Rule::expect => "`expect`",
        Rule::verdict => "`benign` or `alarm`",
        Rule::meaning => "`meaning \"...\"`",
        Rule::matcher => "`on BUILTIN as NAME when CONDITION`",
        Rule::field_decl => "a field (`name: type`)",
        Rule::default_value => "`= default`",
        Rule::type_expr | Rule::list_type => "a type (str, int, float, bool, duration, list[...])",
        Rule::header_field | Rule::header_key => {
            "a header (`status`, `verified`, `applies`, `destination`, `see`, `layer`)"
        }
        Rule::param_decl => "`param`",
        Rule::step => "`step`",
        Rule::gate => "`gate`",
        Rule::decide => "`decide`",
        Rule::branch => "`when CONDITION -> target`",
        Rule::otherwise => "`otherwise -> target`",
        Rule::call_node => "`call`",
        Rule::layer_attr => "`layer`",
        Rule::needs_attr => "`needs`",
        Rule::readonly_attr => "`readonly`",
        Rule::doc_duration => "a duration `~3m30s`",
        Rule::block => "a block `{ ... }`",
        Rule::let_stmt
        | Rule::scope_stmt
        | Rule::poll_stmt
        | Rule::patience_stmt
        | Rule::foreach_stmt
        | Rule::if_stmt
        | Rule::require_stmt
        | Rule::confirm_stmt
        | Rule::log_stmt
        | Rule::record_stmt
        | Rule::expr_stmt => "a statement",
        Rule::call_stmt => "`call`",
        Rule::doc_item | Rule::doc_kind => "`note`, `warn` or `timing`",
        Rule::stray_doc | Rule::doc_comment => "a doc comment",
        Rule::else_if | Rule::if_kw => "`else if`",
        Rule::else_block => "`else`",
        Rule::scope_kind => "`openstack`, `kube` or `ssh`",
        Rule::every => "`every DURATION`",
        Rule::max_attempts => "`max N`",
        Rule::within => "`within DURATION`",
        Rule::until_clause => "`until CONDITION`",
        Rule::fail_clause => "`fail if CONDITION: \"message\"`",
        Rule::exhausted => "`on exhausted`",
        Rule::abort_action => "`abort \"message\"`",
        Rule::continue_action => "`continue`",
        Rule::patience_for => "`for DURATION`",
        Rule::forbid | Rule::forbid_item => "`forbid BUILTIN, ...`",
        Rule::parallel => "`parallel`",
        Rule::expr | Rule::postfixed | Rule::interpolation => "an expression",
        r if is_infix(r) => "an operator",
        Rule::not | Rule::neg => "an expression",
        Rule::field => "`.field`",
        Rule::index => "`[index]`",
        Rule::call_args | Rule::arg_list => "`(` arguments `)`",
        Rule::arg => "an argument",
        Rule::comprehension | Rule::quantifier => "`any(x in xs where ...)`",
        Rule::list => "a list `[...]`",
        Rule::duration => "a duration (10s, 3.5m, 2h)",
        Rule::number => "a number",
        Rule::boolean => "`true` or `false`",
        Rule::none => "`none`",
        Rule::string => "a string",
        Rule::plain_chars | Rule::triple_chars => "string text",
        Rule::path => "a dotted name",
        Rule::ident => "a name",
        Rule::field_name => "a field name",
        Rule::keyword => "a keyword",
        _ => return None,
    })
}

/// Join descriptions into "A, B or C", without repeats.
fn words(items: impl IntoIterator<Item = String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for i in items {
        if !seen.contains(&i) {
            seen.push(i);
        }
    }
    match seen.len() {
        0 => String::new(),
        1 => seen.remove(0),
        n => format!("{} or {}", seen[..n - 1].join(", "), seen[n - 1]),
    }
}

/// The token at `offset`, as quoted text for the message.
fn found_at(src: &str, offset: usize) -> (String, usize) {
    let rest = &src[offset.min(src.len())..];
    if rest.is_empty() {
        return ("end of file".into(), 0);
    }
    let token: String = if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
        rest.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    } else {
        rest.chars().take(1).collect()
    };
    let len = token.len();
    if token == "\n" {
        return ("end of line".into(), 1);
    }
    (format!("`{token}`"), len)
}

pub(crate) fn from_pest(err: pest::error::Error<Rule>, src: &str) -> Diagnostic {
    let mut offset = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let attempts = err.parse_attempts();
    // The grammar's first-character guards (see `grammar/rbk.pest`) test
    // tokens without entering a rule, so the furthest point pest reached can
    // lie past the last rule it reports. Then that point, and the tokens
    // expected there, say more.
    let mut expected: Vec<String> = Vec::new();
    let mut tokens_further = false;
    if let Some(attempts) = &attempts {
        expected = token_words(attempts.expected_tokens());
        // Only when there are words to say: the keyword test (`until`, not
        // `untilled`) reaches one character further and expects nothing.
        if attempts.max_position > offset && !expected.is_empty() {
            offset = attempts.max_position;
            tokens_further = true;
        }
    }
    if let ErrorVariant::ParsingError { positives, .. } = &err.variant {
        let described: Vec<String> = positives
            .iter()
            .filter_map(|r| describe(*r))
            .map(String::from)
            .collect();
        // Words for what was expected read better than the first characters
        // of every alternative; keep the raw tokens only as a fallback.
        if !described.is_empty() && !tokens_further {
            expected = described;
        }
    }
    let (found, len) = found_at(src, offset);
    // Too many alternatives reads as noise; say the first few.
    expected.truncate(6);
    let expected = words(expected);
    let message = if offset >= src.len() {
        "unexpected end of file".to_string()
    } else if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {expected}, found {found}")
    };
    let len = if offset < src.len() {
        len.clamp(1, src.len() - offset)
    } else {
        0
    };
    let span = Span::new(offset.into(), len);
    let help = help_for(src, offset);
    Diagnostic::new(Code::Syntax, span, message)
        .with_label("here")
        .with_help(help)
}

/// Expected tokens as words for authors. The first characters the grammar's
/// guards test (`o` for `or`, `=` for `==`, `'<'..'>'`, ...) become "an
/// operator"; white space, comments and single letters are noise.
fn token_words<T: std::fmt::Display>(tokens: Vec<T>) -> Vec<String> {
    const OPERATOR_STARTS: &[&str] = &["=", "!", "<", ">", "~", "+", "-", "*", "%"];
    let mut words = Vec::new();
    let mut operator = false;
    for token in tokens {
        let token = token.to_string();
        // A range of one character is that character; a wider one is a
        // guard: the operator characters, or white space.
        let t = match token.split_once("..") {
            Some((a, b)) if a == b && a.chars().count() == 1 => a,
            Some((a, b)) => {
                operator |= matches!((a, b), ("<", ">") | ("*", "/"));
                continue;
            }
            None => token.as_str(),
        };
        if OPERATOR_STARTS.contains(&t) {
            operator = true;
            continue;
        }
        let noise = t.trim().is_empty()
            || t.starts_with('\\')
            || matches!(t, "/" | "//" | "///" | "/*" | "*" | "_" | "BUILTIN_RULE")
            || (t.len() == 1 && t.chars().all(|c| c.is_ascii_lowercase()));
        if noise {
            continue;
        }
        let word = match t {
            "\"" | "\"\"\"" => "a string".to_string(),
            _ => format!("`{t}`"),
        };
        if !words.contains(&word) {
            words.push(word);
        }
    }
    if operator {
        // After a whole expression, `.field`, `[index]` and `(args)` are
        // always possible too; "an operator" says that well enough.
        words.retain(|w| !matches!(w.as_str(), "`.`" | "`[`" | "`(`"));
        words.push("an operator".to_string());
    }
    words
}

/// A hint for the usual mistakes at this place.
fn help_for(src: &str, offset: usize) -> String {
    let before = src[..offset.min(src.len())].trim_end();
    let open = src[..offset.min(src.len())].matches('{').count();
    let close = src[..offset.min(src.len())].matches('}').count();
    if offset >= src.len() && open > close {
        return "a block is not closed: add the missing `}`".into();
    }
    let last_line = before.rsplit('\n').next().unwrap_or("");
    let words: Vec<&str> = last_line.split_whitespace().collect();
    if let [.., kind, _name] = words.as_slice() {
        if matches!(*kind, "step" | "gate" | "decide" | "procedure") {
            return format!("a {kind} needs a title in quotes after its name: `{kind} name \"What it does\" {{ ... }}`");
        }
    }
    let rest = &src[offset.min(src.len())..];
    for clause in ["until", "fail"] {
        let word_end = rest.strip_prefix(clause).and_then(|r| r.chars().next());
        if word_end.is_some_and(|c| !c.is_alphanumeric() && c != '_') {
            return format!(
                "`{clause}` belongs inside a poll: `poll every 10s max 20 {{ ... {clause} ... }}`"
            );
        }
    }
    if rest.starts_with(['-', '(', '[']) {
        return "a statement cannot start with `-`, `(` or `[`: on a line of its own it would continue \
                the expression above (`a` then `-1` reads as `a - 1`); bind it with `let name = ...`"
            .into();
    }
    if last_line.trim_start().starts_with("poll") {
        return "a poll is written `poll every 10s max 20 { ... until CONDITION }`".into();
    }
    if before.ends_with('=') || before.ends_with("==") {
        return "an expression goes here: a name, a number, a \"string\" or a call".into();
    }
    "see the language reference in the book (rbk book: Language reference)".into()
}
