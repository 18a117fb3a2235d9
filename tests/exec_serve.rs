//! `rbk exec` with the real backends against `rbk sim serve` over HTTP, and
//! against a closed port on 127.0.0.1: no secret leaks, one token per scope,
//! clear diagnostics naming the call, Ctrl-C.
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{rbk, sim::Sim};

fn rbk_exec(dir: &Path, args: &[&str]) -> Output {
    rbk(["exec"])
        .args(args)
        .current_dir(dir)
        .env_remove("OS_CLOUD")
        .output()
        .expect("run rbk exec")
}

const PROCEDURE: &str = r#"
procedure secrets "Look around with an openrc that holds a password" {
  step look "Look" {
    scope openstack(project: "674171fd28d446d3a37073b6a761e910", openrc: "OPENRC") {
      let s = openstack.server.show("capi-mgmt-v2")
      log "status {s.status}"
      let hs = openstack.hypervisor.list()
      record hosts = len(hs)
    }
    scope openstack(openrc: "OPENRC") {
      let lbs = openstack.loadbalancer.list()
      record lbs = len(lbs)
    }
  }
  step again "Same scope again" {
    scope openstack(project: "674171fd28d446d3a37073b6a761e910", openrc: "OPENRC") {
      let s = openstack.server.show("capi-mgmt-v2")
      log "still {s.status}"
    }
  }
  step missing "A server that does not exist" {
    scope openstack(project: "674171fd28d446d3a37073b6a761e910", openrc: "OPENRC") {
      let s = openstack.server.show("no-such-server")
    }
  }
}
"#;

#[test]
fn the_password_never_leaks_and_each_scope_gets_one_token() {
    let sim = Sim::start("parked", 1.0);
    let password = sim
        .openrc
        .iter()
        .find(|(k, _)| k == "OS_PASSWORD")
        .map(|(_, v)| v.clone())
        .expect("the sim's openrc has a password");
    assert!(password.len() >= 8);
    let openrc = sim.env_dir().join("openrc");
    let dir = tempfile::tempdir().expect("tempdir");
    let proc_path = dir.path().join("secrets.rbk");
    std::fs::write(
        &proc_path,
        PROCEDURE.replace("OPENRC", &openrc.to_string_lossy()),
    )
    .expect("write");
    let journal = dir.path().join("j.jsonl");
    let o = rbk_exec(
        dir.path(),
        &[
            "--verbose",
            "--journal",
            &journal.to_string_lossy(),
            "secrets.rbk",
        ],
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let journal_text = std::fs::read_to_string(&journal).expect("journal");
    // The run got as far as the missing server, which fails it: exit 1,
    // RBK901 naming the call, the name and the remote's message.
    assert_eq!(o.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("status SHUTOFF"), "{stdout}");
    assert!(stderr.contains("RBK901"), "{stderr}");
    assert!(stderr.contains("openstack.server.show"), "{stderr}");
    assert!(stderr.contains("no-such-server"), "{stderr}");
    for (what, text) in [
        ("stdout", &*stdout),
        ("stderr", &*stderr),
        ("journal", &*journal_text),
    ] {
        assert!(!text.contains(&password), "the password appears in {what}");
    }
    // Two distinct scopes (capi project, admin): two tokens, reused across steps.
    let stats = sim.serve.stats();
    assert_eq!(stats["tokens_issued"], 2, "{stats}");
}

#[test]
fn ctrl_c_stops_the_wait_and_the_journal_says_where() {
    // A port nothing listens on, on loopback only.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let proc_path = dir.path().join("wait.rbk");
    std::fs::write(
        &proc_path,
        format!(
            r#"
procedure wait "Wait for a port that never opens" {{
  gate port_open "PORT-OPEN" {{
    poll "probe 127.0.0.1:{port}" every 1s max 600 {{
      let open = tcp.probe("127.0.0.1", {port}, timeout: 1s)
      until open
    }}
  }}
}}
"#
        ),
    )
    .expect("write");
    let journal = dir.path().join("j.jsonl");
    let child = rbk(["exec", "--journal"])
        .arg(&journal)
        .arg("wait.rbk")
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rbk exec");
    let started = Instant::now();
    std::thread::sleep(Duration::from_millis(1500));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let o = child.wait_with_output().expect("wait");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "Ctrl-C did not stop the wait"
    );
    assert_eq!(
        o.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let last = std::fs::read_to_string(&journal)
        .expect("journal")
        .lines()
        .last()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .expect("a last event");
    assert_eq!(last["event"], "run_end");
    assert_eq!(last["outcome"], "interrupted");
    assert_eq!(last["step"], "port_open");
}
