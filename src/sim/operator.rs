//! The operator's machine under `--sim`: `local.run` and `http.get` /
//! `http.request` never leave the process. A scenario declares canned
//! answers (`[[local]]`, `[[http]]`); a command or URL it does not declare
//! gets a clear simulated answer instead of touching anything: exit 127 or
//! HTTP 404, saying which answer to declare.
use serde::{Deserialize, Serialize};

/// One canned answer to `local.run`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalAnswer {
    /// The argv it answers: `"*"` matches any one argument, a last `"**"`
    /// any number of them.
    pub argv: Vec<String>,
    #[serde(default)]
    pub exit: i64,
    #[serde(default)]
    pub stdout: String,
    #[serde(default)]
    pub stderr: String,
    /// Simulated seconds the command takes.
    #[serde(default)]
    pub seconds: u64,
}

/// One canned answer to `http.get` / `http.request`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpAnswer {
    /// `GET` unless given.
    #[serde(default = "get")]
    pub method: String,
    /// The URL it answers; a last `*` matches any rest.
    pub url: String,
    #[serde(default = "ok")]
    pub status: u16,
    #[serde(default)]
    pub body: String,
    /// `application/json` when the body is JSON, else `text/plain`, unless given.
    #[serde(default)]
    pub content_type: String,
    /// Simulated seconds the answer takes.
    #[serde(default)]
    pub seconds: u64,
}

fn get() -> String {
    "GET".into()
}
fn ok() -> u16 {
    200
}

/// What the simulated operator's machine answers, and what was asked of it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Operator {
    pub local: Vec<LocalAnswer>,
    pub http: Vec<HttpAnswer>,
    /// Every argv `local.run` was called with, in order.
    pub ran: Vec<Vec<String>>,
}

fn argv_matches(pattern: &[String], argv: &[String]) -> bool {
    match (pattern.split_first(), argv.split_first()) {
        (Some((p, _)), _) if p == "**" => true,
        (None, None) => true,
        (Some((p, prest)), Some((a, arest))) => (p == "*" || p == a) && argv_matches(prest, arest),
        _ => false,
    }
}

impl Operator {
    /// The answer to `argv`: the first declared one that matches, or exit
    /// 127 naming what to declare.
    pub fn run(&mut self, argv: &[String]) -> LocalAnswer {
        self.ran.push(argv.to_vec());
        if let Some(a) = self.local.iter().find(|a| argv_matches(&a.argv, argv)) {
            return a.clone();
        }
        LocalAnswer {
            argv: argv.to_vec(),
            exit: 127,
            stdout: String::new(),
            stderr: format!(
                "rbk sim: the simulator never runs commands on your machine, and the scenario declares no answer for {argv:?}; add one:\n[[local]]\nargv = {argv:?}\nstdout = \"...\"\n"
            ),
            seconds: 0,
        }
    }

    /// The answer to `method url`: the first declared one that matches, or
    /// a 404 naming what to declare.
    pub fn http(&self, method: &str, url: &str) -> HttpAnswer {
        let hit = self.http.iter().find(|a| {
            a.method.eq_ignore_ascii_case(method)
                && match a.url.strip_suffix('*') {
                    Some(prefix) => url.starts_with(prefix),
                    None => a.url == url,
                }
        });
        let mut answer = match hit {
            Some(a) => a.clone(),
            None => HttpAnswer {
                method: method.into(),
                url: url.into(),
                status: 404,
                body: format!(
                    "rbk sim: no [[http]] answer for {method} {url} in the scenario (nothing left this machine); add one:\n[[http]]\nmethod = \"{method}\"\nurl = \"{url}\"\nstatus = 200\nbody = \"...\"\n"
                ),
                content_type: "text/plain".into(),
                seconds: 0,
            },
        };
        if answer.content_type.is_empty() {
            let json = serde_json::from_str::<serde_json::Value>(&answer.body).is_ok();
            answer.content_type = if json {
                "application/json"
            } else {
                "text/plain"
            }
            .into();
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn argv_patterns() {
        assert!(argv_matches(
            &v(&["juju", "status"]),
            &v(&["juju", "status"])
        ));
        assert!(!argv_matches(
            &v(&["juju", "status"]),
            &v(&["juju", "status", "-m", "x"])
        ));
        assert!(argv_matches(
            &v(&["juju", "*", "x"]),
            &v(&["juju", "status", "x"])
        ));
        assert!(argv_matches(
            &v(&["juju", "**"]),
            &v(&["juju", "status", "-m", "x"])
        ));
        assert!(argv_matches(&v(&["juju", "**"]), &v(&["juju"])));
        assert!(!argv_matches(&v(&["juju"]), &v(&[])));
    }

    #[test]
    fn unmatched_answers_say_what_to_declare() {
        let mut op = Operator::default();
        let a = op.run(&v(&["rm", "-rf", "/"]));
        assert_eq!(a.exit, 127);
        assert!(a.stderr.contains("[[local]]"), "{}", a.stderr);
        assert_eq!(op.ran, vec![v(&["rm", "-rf", "/"])]);
        let h = op.http("GET", "https://x/healthz");
        assert_eq!(h.status, 404);
        assert!(h.body.contains("[[http]]"));
        op.http.push(HttpAnswer {
            method: "GET".into(),
            url: "https://x/*".into(),
            status: 200,
            body: "{\"ok\": true}".into(),
            content_type: String::new(),
            seconds: 0,
        });
        let h = op.http("get", "https://x/healthz");
        assert_eq!(
            (h.status, h.content_type.as_str()),
            (200, "application/json")
        );
    }
}
