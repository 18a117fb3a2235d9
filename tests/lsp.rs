//! `rbk lsp` driven in memory through the protocol: diagnostics as `rbk
//! check` reports them, files that `use` an edited file re-checked, and no
//! crash on any prefix of a real procedure (every keystroke is a broken
//! file). The editor-level suite (pytest-lsp against the built binary) is
//! `editors/tests/`.
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{json, Value};

struct Client {
    conn: Connection,
    server: Option<JoinHandle<()>>,
    next_id: i32,
    /// Notifications received while waiting for responses.
    notifications: Vec<Notification>,
}

impl Client {
    fn start() -> Client {
        let (server_side, client_side) = Connection::memory();
        let server = std::thread::spawn(move || {
            rbk::lsp::serve(&server_side).expect("server ends cleanly");
        });
        let mut c = Client {
            conn: client_side,
            server: Some(server),
            next_id: 0,
            notifications: Vec::new(),
        };
        let init = c.request("initialize", json!({"capabilities": {}}));
        assert!(init["capabilities"]["hoverProvider"].as_bool().unwrap());
        c.notify("initialized", json!({}));
        c
    }

    fn notify(&self, method: &str, params: Value) {
        let n = Notification::new(method.to_string(), params);
        self.conn.sender.send(Message::Notification(n)).unwrap();
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        match self.request_raw(method, params).response_result {
            Ok(v) => v,
            Err(e) => panic!("{method} failed: {} {}", e.code, e.message),
        }
    }

    fn request_raw(&mut self, method: &str, params: Value) -> Response {
        self.next_id += 1;
        let id = RequestId::from(self.next_id);
        let req = Request::new(id.clone(), method.to_string(), params);
        self.conn.sender.send(Message::Request(req)).unwrap();
        loop {
            match self.recv() {
                Message::Response(r) if r.id == id => return r,
                Message::Notification(n) => self.notifications.push(n),
                _ => {}
            }
        }
    }

    fn recv(&self) -> Message {
        self.conn
            .receiver
            .recv_timeout(Duration::from_secs(30))
            .expect("the server answers within 30 s")
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics_for(&mut self, uri: &str) -> Vec<Value> {
        loop {
            if let Some(i) = self.notifications.iter().position(|n| {
                n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri
            }) {
                let n = self.notifications.remove(i);
                return n.params["diagnostics"].as_array().unwrap().clone();
            }
            if let Message::Notification(n) = self.recv() {
                self.notifications.push(n);
            }
        }
    }

    fn open(&self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "rbk", "version": 1, "text": text}}),
        );
    }

    fn replace(&self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"text": text}]}),
        );
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        if let Some(h) = self.server.take() {
            h.join().expect("server thread did not panic");
        }
    }
}

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn uri(path: &Path) -> String {
    rbk::lsp::uri_of(path).unwrap().as_str().to_string()
}

fn codes(diags: &[Value]) -> Vec<&str> {
    diags.iter().map(|d| d["code"].as_str().unwrap()).collect()
}

const UNBOUNDED: &str =
    "procedure p \"t\" {\n  step s \"s\" {\n    poll every 5s {\n      until true\n    }\n  }\n}\n";

#[test]
fn diagnostics_are_published_on_open_and_after_a_pause() {
    let dir = tempfile::tempdir().unwrap();
    let u = uri(&dir.path().join("p.rbk"));
    let mut c = Client::start();
    c.open(&u, UNBOUNDED);
    let diags = c.diagnostics_for(&u);
    assert_eq!(codes(&diags), ["RBK401"]);
    let d = &diags[0];
    assert_eq!(d["severity"], 1);
    assert_eq!(d["source"], "rbk");
    // The book's base depends on where it is (RBK_BOOK_URL, a built book):
    // the page is the code's own.
    let href = d["codeDescription"]["href"].as_str().unwrap_or_default();
    assert!(href.ends_with("/diagnostics/RBK401.html"), "{href}");
    assert_eq!(d["range"]["start"], json!({"line": 2, "character": 4}));
    assert!(d["message"].as_str().unwrap().contains("help: bound it"));

    // Fixed, then checked after the author pauses (no request forces it).
    c.replace(&u, 2, &UNBOUNDED.replace("every 5s", "every 5s max 3"));
    assert_eq!(codes(&c.diagnostics_for(&u)), Vec::<&str>::new());
}

#[test]
fn files_that_use_an_edited_file_are_checked_again() {
    let dir = tempfile::tempdir().unwrap();
    let common = dir.path().join("common.rbk");
    let main = dir.path().join("main.rbk");
    let shared = "site {\n  host: str \"where\"\n}\n";
    let proc_text = "use \"common.rbk\"\n\nprocedure p \"t\" {\n  step s \"s\" {\n    log \"{site.host}\"\n  }\n}\n";
    std::fs::write(&common, shared).unwrap();
    std::fs::write(&main, proc_text).unwrap();
    let (cu, mu) = (uri(&common), uri(&main));
    let mut c = Client::start();
    c.open(&mu, proc_text);
    assert_eq!(codes(&c.diagnostics_for(&mu)), Vec::<&str>::new());
    c.open(&cu, shared);
    assert_eq!(codes(&c.diagnostics_for(&cu)), Vec::<&str>::new());
    // Its user now reads it from the editor.
    assert_eq!(codes(&c.diagnostics_for(&mu)), Vec::<&str>::new());
    // Renaming the field in the (unsaved) shared file breaks its user.
    c.replace(&cu, 2, &shared.replace("host", "hostname"));
    assert_eq!(codes(&c.diagnostics_for(&cu)), Vec::<&str>::new());
    assert_eq!(codes(&c.diagnostics_for(&mu)), ["RBK107"]);
}

/// Every `step`-th prefix of a real procedure (and the whole of it) is
/// opened as the buffer, and every feature is asked about its end: no
/// request fails and the server stays up.
#[test]
fn no_prefix_of_a_real_procedure_breaks_the_server() {
    let path = repo("procedures/lb-repair.rbk");
    let text = std::fs::read_to_string(&path).unwrap();
    let u = uri(&path);
    let mut c = Client::start();
    c.open(&u, "");
    let mut cuts: Vec<usize> = (0..text.len()).step_by(11).collect();
    cuts.push(text.len());
    for (version, &cut) in cuts.iter().enumerate() {
        let cut = (cut..=text.len())
            .find(|&i| text.is_char_boundary(i))
            .unwrap();
        let prefix = &text[..cut];
        c.replace(&u, version as i32 + 2, prefix);
        let line = prefix.matches('\n').count();
        let character = prefix.rsplit('\n').next().unwrap().encode_utf16().count();
        let doc = json!({"uri": u});
        let pos = json!({"line": line, "character": character});
        let at = json!({"textDocument": doc, "position": pos});
        for (method, params) in [
            ("textDocument/hover", at.clone()),
            ("textDocument/completion", at.clone()),
            ("textDocument/definition", at.clone()),
            (
                "textDocument/references",
                json!({"textDocument": doc, "position": pos, "context": {"includeDeclaration": true}}),
            ),
            ("textDocument/documentSymbol", json!({"textDocument": doc})),
            (
                "textDocument/formatting",
                json!({"textDocument": doc, "options": {"tabSize": 2, "insertSpaces": true}}),
            ),
            (
                "textDocument/codeAction",
                json!({"textDocument": doc, "range": {"start": {"line": 0, "character": 0}, "end": pos},
                       "context": {"diagnostics": []}}),
            ),
        ] {
            let r = c.request_raw(method, params);
            if let Err(e) = r.response_result {
                panic!("{method} at byte {cut} failed: {e:?}");
            }
        }
    }
    let errors: Vec<&Notification> = c
        .notifications
        .iter()
        .filter(|n| n.method == "window/logMessage")
        .collect();
    assert!(errors.is_empty(), "the server logged errors: {errors:?}");
    // The whole procedure is clean, as `rbk check` says.
    c.replace(&u, 100_000, &text);
    c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": u}}),
    );
    let last = c
        .notifications
        .iter()
        .rev()
        .find(|n| n.method == "textDocument/publishDiagnostics")
        .expect("diagnostics were published");
    assert_eq!(last.params["diagnostics"], json!([]));
}
