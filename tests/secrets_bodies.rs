//! Secrets in request bodies and in answers never reach the journal, the
//! terminal or what `rbk journal show` prints and renders, while the peer
//! gets the body as written: a run on `--sim` (a scenario's `[[http]]`
//! login that answers a token, `openstack.request` to the simulated
//! cloud), a real run against a loopback peer that records what it was
//! sent, and a journal written before rbk hid bodies.
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::support::{
    assert_journal_show_lacks, assert_lacks, fake_http, journal_events, run, said,
};

const PASSWORD: &str = "hunter2-Pw-7781";
const TOKEN: &str = "tok-Tk-5530";

/// `text` (what `what` printed or holds) says neither secret.
fn assert_no_secret(what: &str, text: &str) {
    assert_lacks(what, text, &[PASSWORD, TOKEN]);
}

/// The login body a procedure sends, as JSON and as a form.
fn login_procedure(url: &str) -> String {
    format!(
        r#"procedure login "Log in to the maintenance API" {{
  param password: str = ""

  step login "Log in" {{
    confirm "Log in to the maintenance API?"
    let r = http.request("POST", "{url}", body: """
      {{{{"auth": {{{{"user": "ops", "password": "{{password}}"}}}}}}}}
    """)
    record login = r
    log "{{r.body}}"
    let f = http.request("POST", "{url}", body: "username=ops&password={{password}}")
    log "form login: {{f.status}}"
  }}
"#
    )
}

#[test]
fn bodies_and_answers_on_the_simulator_show_no_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = dir.path().join("login.toml");
    std::fs::write(
        &scenario,
        format!(
            r#"base = "healthy"
name = "maintenance-login"
description = "a maintenance API whose login answers a token"

[[http]]
method = "POST"
url = "https://maintenance.example/api/login"
status = 201
body = '{{"token": "{TOKEN}", "user": "ops"}}'
"#
        ),
    )
    .expect("write the scenario");
    let source = login_procedure("https://maintenance.example/api/login")
        + r#"
  step enable "Enable a compute service" {
    scope openstack {
      confirm "Enable nova-compute on compute-1?"
      let o = openstack.request("compute", "PUT", "/os-services/enable", body: """
        host: compute-1
        binary: nova-compute
        admin_password: {password}
      """)
      record enabled = o
    }
  }
}
"#;
    let path = dir.path().join("login.rbk");
    std::fs::write(&path, source).expect("write the procedure");
    let sim = format!("--sim={}", scenario.display());
    let set = format!("password={PASSWORD}");
    let journal = dir.path().join("j.jsonl");
    let p = path.to_str().unwrap();
    let o = run(&[
        "exec",
        "-v",
        &sim,
        "--yes",
        "--set",
        &set,
        "--journal",
        journal.to_str().unwrap(),
        p,
    ]);
    let out = said(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert_no_secret("exec -v", &out);
    // The calls ran and said what they sent and got, secrets hidden.
    assert!(
        out.contains(r#"--data-binary '{"auth":{"user":"ops","password":"<hidden>"}}'"#),
        "{out}"
    );
    assert!(out.contains("username=ops&password=<hidden>"), "{out}");
    assert!(
        out.contains(r#"{"token":"<hidden>","user":"ops"}"#),
        "{out}"
    );
    assert!(out.contains("admin_password: <hidden>"), "{out}");
    assert!(out.contains("form login: 201"), "{out}");
    // The simulated cloud got the real body: it enabled the service.
    assert!(out.contains(r#"status: "enabled""#), "{out}");

    let written = std::fs::read_to_string(&journal).expect("the journal");
    assert_no_secret("the journal", &written);
    let ev = journal_events(&journal);
    let calls: Vec<&serde_json::Value> = ev.iter().filter(|e| e["event"] == "call").collect();
    assert_eq!(
        calls[0]["args"]["body"],
        r#"{"auth":{"user":"ops","password":"<hidden>"}}"#
    );
    assert_eq!(calls[1]["args"]["body"], "username=ops&password=<hidden>");
    assert_eq!(
        calls[2]["args"]["body"],
        "host: compute-1\nbinary: nova-compute\nadmin_password: <hidden>"
    );
    let login = ev
        .iter()
        .find(|e| e["event"] == "record" && e["name"] == "login")
        .expect("the login record");
    assert_eq!(login["value"]["json"]["token"], "<hidden>");
    assert_eq!(login["value"]["json"]["user"], "ops");
    assert_eq!(login["value"]["status"], 201);
    assert_journal_show_lacks(&journal, &[PASSWORD, TOKEN]);

    // A dry run shows the changes it skips without the secret either.
    let o = run(&["exec", &sim, "--dry-run", "--yes", "--set", &set, p]);
    let out = said(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert_no_secret("exec --dry-run", &out);
    assert!(
        out.contains(
            "would run: timeout 30s curl -sS -X POST --data-binary 'username=ops&password=<hidden>'"
        ),
        "{out}"
    );
}

/// A loopback login that records each body it gets and answers a token,
/// in a header and in the body, as Keystone does.
#[derive(Clone)]
struct Peer {
    base: String,
    got: Arc<Mutex<Vec<String>>>,
}

async fn login(State(peer): State<Peer>, body: String) -> Response {
    peer.got.lock().expect("the peer's log").push(body);
    (
        StatusCode::CREATED,
        [
            ("content-type", "application/json"),
            ("x-subject-token", TOKEN),
        ],
        serde_json::json!({"token": {"id": TOKEN, "user": "ops"}}).to_string(),
    )
        .into_response()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_peer_gets_the_body_as_written_and_nothing_shows_it() {
    let peer = fake_http::start(
        "login peer",
        |base| Peer {
            base,
            got: Arc::default(),
        },
        login,
    )
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("login.rbk");
    std::fs::write(
        &path,
        login_procedure(&format!("{}/login", peer.base)) + "}\n",
    )
    .expect("write the procedure");
    let journal = dir.path().join("j.jsonl");
    let args: Vec<String> = [
        "exec",
        "-v",
        "--yes",
        "--set",
        &format!("password={PASSWORD}"),
        "--journal",
        journal.to_str().unwrap(),
        path.to_str().unwrap(),
    ]
    .map(str::to_string)
    .to_vec();
    let o = tokio::task::spawn_blocking(move || {
        run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await
    .expect("rbk ran");
    let out = said(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    // What went over the wire is the body as written, secret and all.
    let got = peer.got.lock().expect("the peer's log").clone();
    assert_eq!(got.len(), 2, "{got:?}");
    let sent: serde_json::Value = serde_json::from_str(&got[0]).expect("a JSON body");
    assert_eq!(sent["auth"]["password"], PASSWORD);
    assert_eq!(got[1], format!("username=ops&password={PASSWORD}"));
    // Nothing rbk shows says it, nor the token the peer answered.
    assert_no_secret("exec -v", &out);
    assert!(
        out.contains(r#""token":{"id":"<hidden>","user":"<hidden>"}"#),
        "{out}"
    );
    assert_no_secret("the journal", &std::fs::read_to_string(&journal).unwrap());
    assert_journal_show_lacks(&journal, &[PASSWORD, TOKEN]);
}

#[test]
fn a_journal_written_before_bodies_were_hidden_is_shown_without_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = dir.path().join("old.jsonl");
    let body = serde_json::json!({"auth": {"user": "ops", "password": PASSWORD}}).to_string();
    let answer = serde_json::json!({"status": 201, "json": {"token": TOKEN}});
    let events = [
        serde_json::json!({"ts": "2026-06-10T08:00:00Z", "event": "run_start", "procedure": "login", "backend": "real", "dry_run": false, "run": "r-1"}),
        serde_json::json!({"ts": "2026-06-10T08:00:00Z", "event": "step_start", "step": "login"}),
        serde_json::json!({"ts": "2026-06-10T08:00:01Z", "event": "call", "step": "login", "builtin": "http.request", "args": {"method": "POST", "url": "https://maintenance.example/api/login", "body": body}, "ok": true, "ms": 900}),
        serde_json::json!({"ts": "2026-06-10T08:00:01Z", "event": "record", "step": "login", "name": "login", "value": answer}),
        serde_json::json!({"ts": "2026-06-10T08:00:02Z", "event": "step_end", "step": "login", "outcome": "ok"}),
        serde_json::json!({"ts": "2026-06-10T08:00:02Z", "event": "run_end", "outcome": "success"}),
    ];
    let text: String = events.iter().map(|e| format!("{e}\n")).collect();
    std::fs::write(&journal, &text).expect("write the journal");
    assert_journal_show_lacks(&journal, &[PASSWORD, TOKEN]);
    let o = run(&["journal", "show", journal.to_str().unwrap()]);
    let out = said(&o);
    assert!(
        out.contains(r#"body={"auth":{"user":"ops","password":"<hidden>"}}"#),
        "{out}"
    );
    // The file itself is the record of truth: showing it changes nothing.
    assert_eq!(std::fs::read_to_string(&journal).unwrap(), text);
}
