//! Secrets: the one rule of which names are secret, read by the checker
//! (RBK406: secret-looking literals in source) and by everything that shows
//! what a run did (the journal as it is written and read back, the
//! terminal, `--dry-run`'s "would run" lines), and how a shown copy of a
//! body or a result hides them.
//!
//! Hiding is by key: in text that is JSON, YAML or a form
//! (`user=x&password=y`), the value of every key named like a secret, at
//! any depth, becomes `"<hidden>"` and the structure around it stays, so a
//! journal still says what was sent and answered. Other text is kept as it
//! is, except for the values of the run's secret-named params and site
//! fields, which [`Masked`] hides wherever they appear. Only copies that
//! are shown are hidden: what goes over the wire is never touched.
use std::borrow::Cow;

use serde_json::Value;

/// What a hidden value shows instead.
pub const HIDDEN: &str = "<hidden>";

/// Words that make a name secret, in any case, anywhere in it
/// (`ADMIN_PASSWORD`, `X-Subject-Token`, `adminPass`, `private_key`).
pub const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "token",
    "secret",
    "api_key",
    "apikey",
    "credential",
    "adminpass",
    "private_key",
    "privatekey",
];

/// Whether `name` holds one of [`SECRET_WORDS`]. Case-insensitive, without
/// lowering a copy of every name (the words are lowercase; most positions
/// fail on their first letter).
pub fn secret_name(name: &str) -> bool {
    let n = name.as_bytes();
    n.iter().enumerate().any(|(i, b)| {
        let first = b.to_ascii_lowercase();
        SECRET_WORDS.iter().any(|w| {
            w.as_bytes().first() == Some(&first)
                && n[i..]
                    .get(..w.len())
                    .is_some_and(|s| s.eq_ignore_ascii_case(w.as_bytes()))
        })
    })
}

/// `text` with the value of every secret-named key hidden when it is JSON,
/// YAML or a form; any other text, or one without such a key, as it is.
/// A changed JSON text comes back as compact JSON, YAML as YAML.
pub fn hide_text(text: &str) -> Cow<'_, str> {
    // No secret word anywhere: no secret-named key either (the common case).
    if !secret_name(text) {
        return Cow::Borrowed(text);
    }
    let Some(parsed) = parse(text) else {
        return Cow::Borrowed(text);
    };
    let hidden = match parsed {
        Structured::Json(mut v) => hide_json(&mut v, false)
            .then(|| serde_json::to_string(&v).ok())
            .flatten(),
        Structured::Yaml(mut v) => hide_json(&mut v, false)
            .then(|| serde_saphyr::to_string(&v).ok())
            .flatten()
            .map(|y| y.trim_end().to_string()),
        Structured::Form(pairs) => pairs.iter().any(|p| secret_name(&p.key)).then(|| {
            pairs
                .iter()
                .map(|p| match secret_name(&p.key) {
                    true => format!("{}={HIDDEN}", p.raw_key),
                    false => p.raw.to_string(),
                })
                .collect::<Vec<_>>()
                .join("&")
        }),
    };
    hidden.map_or(Cow::Borrowed(text), Cow::Owned)
}

/// Hide in place what `v` holds under secret-named keys: every string and
/// number below such a key (`"password": {"user": {"name": ..}}` hides the
/// name too: a secret's surroundings are not worth guessing about), and
/// the secrets of text that is itself JSON, YAML or a form (a response's
/// `body`). `secret`: `v` is the value of a secret-named key. True when
/// anything was hidden.
pub fn hide_json(v: &mut Value, secret: bool) -> bool {
    match v {
        Value::Object(m) => m.iter_mut().fold(false, |any, (k, x)| {
            hide_json(x, secret || secret_name(k)) | any
        }),
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |any, x| hide_json(x, secret) | any),
        Value::String(s) if secret => {
            let changed = s != HIDDEN;
            *s = HIDDEN.into();
            changed
        }
        Value::Number(_) if secret => {
            *v = HIDDEN.into();
            true
        }
        Value::String(s) => match hide_text(s) {
            Cow::Owned(t) => {
                *s = t;
                true
            }
            Cow::Borrowed(_) => false,
        },
        _ => false,
    }
}

/// The fields of a journal event that carry what a procedure sent, got or
/// said; the others are rbk's own (step names, hashes keyed by node name,
/// times) and are left alone.
const EVENT_DATA: &[&str] = &[
    "args",
    "value",
    "message",
    "error",
    "observation",
    "meaning",
    "question",
    "why",
];

/// Hide in place the secrets a journal event's data fields hold
/// ([`hide_json`]; an argument named like a secret is hidden whole): the
/// one rule for the journal as it is written and as it is read back.
pub fn hide_event(event: &mut Value) {
    if let Value::Object(m) = event {
        for (k, v) in m.iter_mut() {
            if EVENT_DATA.contains(&k.as_str()) {
                hide_json(v, false);
            }
        }
    }
}

/// The secret-named keys of a JSON, YAML or form text, each with the text
/// or number it holds itself (not a map or list below it), in order: what
/// RBK406 looks for in a literal body.
pub fn keyed_values(text: &str) -> Vec<(String, String)> {
    fn walk(v: &Value, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match x {
                        Value::String(s) if secret_name(k) => out.push((k.clone(), s.clone())),
                        Value::Number(n) if secret_name(k) => out.push((k.clone(), n.to_string())),
                        _ => walk(x, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if !secret_name(text) {
        return out;
    }
    match parse(text) {
        Some(Structured::Json(v) | Structured::Yaml(v)) => walk(&v, &mut out),
        Some(Structured::Form(pairs)) => out.extend(
            pairs
                .into_iter()
                .filter(|p| secret_name(&p.key))
                .map(|p| (p.key, p.value)),
        ),
        None => {}
    }
    out
}

/// The values of the run's secret-named params and site fields
/// (`--set admin_password=...`, `site.bmc_password`): hidden wherever they
/// appear in text that is shown (a `log` line, a command, an error), as CI
/// systems mask their secrets. Keys hide structure; this hides free text.
/// Values shorter than [`Masked::MIN_LEN`] are not masked: they would hide
/// half of every line.
#[derive(Debug, Clone, Default)]
pub struct Masked {
    /// Longest first, so a value that holds another is hidden whole.
    values: std::sync::Arc<Vec<String>>,
}

impl Masked {
    pub const MIN_LEN: usize = 4;

    pub fn new(values: impl IntoIterator<Item = String>) -> Masked {
        let mut v: Vec<String> = values
            .into_iter()
            .filter(|s| s.chars().count() >= Self::MIN_LEN)
            .collect();
        v.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        v.dedup();
        Masked {
            values: std::sync::Arc::new(v),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `text` with every masked value replaced by [`HIDDEN`].
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for v in self.values.iter() {
            if out.contains(v.as_str()) {
                out = Cow::Owned(out.replace(v.as_str(), HIDDEN));
            }
        }
        out
    }

    /// Mask in place every string (and key) of `v`.
    pub fn json(&self, v: &mut Value) {
        if self.is_empty() {
            return;
        }
        match v {
            Value::String(s) => {
                if let Cow::Owned(t) = self.text(s) {
                    *s = t;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|x| self.json(x)),
            Value::Object(m) => {
                let masked = std::mem::take(m).into_iter().map(|(k, mut x)| {
                    self.json(&mut x);
                    (self.text(&k).into_owned(), x)
                });
                *m = masked.collect();
            }
            _ => {}
        }
    }
}

enum Structured<'a> {
    Json(Value),
    Yaml(Value),
    Form(Vec<Pair<'a>>),
}

/// One `key=value` of a form, as written and decoded.
struct Pair<'a> {
    raw: &'a str,
    raw_key: &'a str,
    key: String,
    value: String,
}

/// Text that is a JSON or YAML map or list, or a form; None for anything
/// else (a YAML scalar is just text).
fn parse(text: &str) -> Option<Structured<'_>> {
    let nested = |v: &Value| v.is_object() || v.is_array();
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return nested(&v).then_some(Structured::Json(v));
    }
    if let Some(pairs) = form(text) {
        return Some(Structured::Form(pairs));
    }
    serde_saphyr::from_str::<Value>(text)
        .ok()
        .filter(nested)
        .map(Structured::Yaml)
}

/// `k=v&k2=v2` on one line, every key made of the characters forms use.
fn form(text: &str) -> Option<Vec<Pair<'_>>> {
    let text = text.trim();
    if !text.contains('=') || text.contains(char::is_whitespace) {
        return None;
    }
    let key_char = |c: char| c.is_ascii_alphanumeric() || "_.-~%+[]".contains(c);
    text.split('&')
        .map(|raw| {
            let (raw_key, _) = raw.split_once('=').unwrap_or((raw, ""));
            if raw_key.is_empty() || !raw_key.chars().all(key_char) {
                return None;
            }
            let (key, value) = url::form_urlencoded::parse(raw.as_bytes()).next()?;
            Some(Pair {
                raw,
                raw_key,
                key: key.into_owned(),
                value: value.into_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_words_match_in_any_case_anywhere_in_the_name() {
        assert!(secret_name("ADMIN_PASSWORD"));
        assert!(secret_name("myApiKeyValue"));
        assert!(secret_name("token"));
        assert!(secret_name("X-Subject-Token"));
        assert!(secret_name("adminPass"));
        assert!(!secret_name("tok"));
        assert!(!secret_name(""));
        assert!(!secret_name("projéct_id"));
    }

    #[test]
    fn nested_json_hides_every_secret_key_and_keeps_the_rest() {
        let body = r#"{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "password": "hunter2"}}}}, "scope": "x"}"#;
        let shown = hide_text(body);
        assert!(!shown.contains("hunter2"), "{shown}");
        let v: Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(
            v["auth"]["identity"]["password"]["user"]["password"],
            HIDDEN
        );
        // Below a secret key everything is hidden; the structure stays.
        assert_eq!(v["auth"]["identity"]["password"]["user"]["name"], HIDDEN);
        // A secret word as a value is not a secret key.
        assert_eq!(v["auth"]["identity"]["methods"][0], "password");
        assert_eq!(v["scope"], "x");
        let secret =
            r#"{"application_credential": {"id": "ac-1", "secret": "s3"}, "n": [{"token": 42}]}"#;
        let shown = hide_text(secret);
        assert!(!shown.contains("s3") && !shown.contains("42"), "{shown}");
        assert!(shown.contains(r#""n":[{"token":"<hidden>"}]"#), "{shown}");
    }

    #[test]
    fn yaml_bodies_are_hidden_as_yaml() {
        let body = "user: admin\npassword: hunter2\nsettings:\n  api_key: 1234\n  region: r1\n";
        let shown = hide_text(body);
        assert!(
            !shown.contains("hunter2") && !shown.contains("1234"),
            "{shown}"
        );
        let v: Value = serde_saphyr::from_str(&shown).unwrap();
        assert_eq!(v["user"], "admin");
        assert_eq!(v["password"], HIDDEN);
        assert_eq!(v["settings"]["api_key"], HIDDEN);
        assert_eq!(v["settings"]["region"], "r1");
    }

    #[test]
    fn form_bodies_hide_the_secret_values_only() {
        assert_eq!(
            hide_text("username=x&password=y%20z&grant_type=password"),
            "username=x&password=<hidden>&grant_type=password"
        );
        assert_eq!(hide_text("OS_PASSWORD=hunter2"), "OS_PASSWORD=<hidden>");
        assert_eq!(
            keyed_values("a=1&client_secret=s%21"),
            vec![("client_secret".to_string(), "s!".to_string())]
        );
    }

    #[test]
    fn other_text_is_kept_as_it_is() {
        for text in [
            "",
            "hello",
            "the token expired at 10:00",
            "password rotated",
            r#"{"user": "admin", "methods": ["password"]}"#,
            "user: admin\nnote: the password is elsewhere\n",
            "a b=c&password=d",
            "Authorization: <hidden>\nX-Auth-Token: <hidden>",
        ] {
            assert!(matches!(hide_text(text), Cow::Borrowed(_)), "{text}");
        }
        // Already hidden stays as it is, so hiding twice changes nothing.
        let once = hide_text(r#"{"token": "t"}"#).into_owned();
        assert!(matches!(hide_text(&once), Cow::Borrowed(_)), "{once}");
    }

    #[test]
    fn results_hide_their_keys_and_their_structured_text() {
        // An HttpResponse: the parsed JSON and the body text both.
        let r = serde_json::json!({
            "status": 201,
            "body": "{\"token\": \"tok-1\", \"user\": \"admin\"}",
            "json": {"token": "tok-1", "user": "admin"},
            "content_type": "application/json",
        });
        let mut shown = r.clone();
        assert!(hide_json(&mut shown, false));
        assert!(!shown.to_string().contains("tok-1"), "{shown}");
        assert_eq!(shown["json"]["user"], "admin");
        assert_eq!(shown["status"], 201);
        assert_eq!(shown["body"], r#"{"token":"<hidden>","user":"admin"}"#);
    }

    #[test]
    fn events_hide_their_data_and_keep_rbks_own_fields() {
        let mut start = serde_json::json!({
            "event": "run_start",
            "node_hashes": {"rotate_token": "abc123"},
        });
        let before = start.clone();
        hide_event(&mut start);
        assert_eq!(start, before, "node names are not data");
        let mut call = serde_json::json!({
            "event": "call",
            "step": "rotate_token",
            "args": {"body": "password=x", "api_token": "t", "url": "u"},
            "error": "{\"secret\": \"s\"}",
        });
        hide_event(&mut call);
        assert_eq!(call["step"], "rotate_token");
        assert_eq!(call["args"]["body"], "password=<hidden>");
        assert_eq!(call["args"]["api_token"], HIDDEN);
        assert_eq!(call["args"]["url"], "u");
        assert_eq!(call["error"], r#"{"secret":"<hidden>"}"#);
    }

    #[test]
    fn masked_values_are_hidden_in_any_text_and_short_ones_are_kept() {
        let m = Masked::new([
            "S3cret".to_string(),
            "S3cretValue9".to_string(),
            "abc".into(),
        ]);
        assert_eq!(
            m.text("pw S3cretValue9 and S3cret"),
            "pw <hidden> and <hidden>"
        );
        assert_eq!(m.text("abc"), "abc");
        let mut v = serde_json::json!({"args": ["echo S3cret"], "S3cret": 1, "n": 2});
        m.json(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"args": ["echo <hidden>"], "<hidden>": 1, "n": 2})
        );
        assert!(Masked::default().text("S3cret") == "S3cret");
    }

    #[test]
    fn keyed_values_are_the_literal_values_of_secret_keys() {
        assert_eq!(
            keyed_values(r#"{"auth": {"password": {"user": {"password": "hunter2"}}}}"#),
            vec![("password".to_string(), "hunter2".to_string())]
        );
        assert_eq!(
            keyed_values("password: 1234\nuser: x\n"),
            vec![("password".to_string(), "1234".to_string())]
        );
        assert!(keyed_values("the password is hunter2").is_empty());
    }
}
