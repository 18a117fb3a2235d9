//! The generic builtins end to end, as a user runs them: the "Done when"
//! example (`openstack.request`, `kube.delete`, `local.run` and a `call`
//! inside `foreach`) checks clean, dry-runs, renders and runs on `--sim`;
//! the effect each call's method or `readonly` gives drives the safety
//! rules; `openstack.request` and `http.get` reach `rbk sim serve` through
//! the real clients.
use crate::support::{journal_events, run, said};

use rbk::check;
use rbk::compilation::Compilation;
use rbk::diagnostic::{Code, Diagnostic};

use crate::support::sim_serve::SimServe;

const EXAMPLE: &str = "examples/10-generic-builtins.rbk";
const SCENARIO: &str = "--sim=scenarios/generic-builtins.toml";
const SITE: &str = "sites/examples.toml";

#[test]
fn the_example_checks_clean_and_renders_the_equivalent_commands() {
    let o = run(&[
        "check",
        "--deny-warnings",
        EXAMPLE,
        "examples/recycle-pod.rbk",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let o = run(&["render", EXAMPLE]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let md = String::from_utf8_lossy(&o.stdout);
    for want in [
        "curl -sS -X GET -H \"X-Auth-Token: $OS_TOKEN\" -H \"OpenStack-API-Version: compute 2.53\" <compute-endpoint>'/os-services?binary=nova-compute'",
        "timeout 30s juju status --format short",
        "timeout 60s logger -t rbk 'recycled the pods of <namespace>/<app>'",
        "kubectl delete pod <pod> -n <namespace>",
    ] {
        assert!(md.contains(want), "render lacks {want:?}:\n{md}");
    }
}

#[test]
fn the_example_runs_on_the_simulator_one_pod_at_a_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = dir.path().join("j.jsonl");
    let j = journal.to_string_lossy().to_string();
    let o = run(&[
        "exec",
        SCENARIO,
        "--yes",
        "--site",
        SITE,
        "--journal",
        &j,
        EXAMPLE,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let out = said(&o);
    assert!(out.contains("3 nova-compute services, 0 down"), "{out}");
    assert!(out.contains("juju: - capi-mgmt/0"), "{out}");
    let ev = journal_events(&journal);
    let calls: Vec<&serde_json::Value> = ev
        .iter()
        .filter(|e| e["event"] == "call_start" && e["call"] == "recycle_pod")
        .collect();
    assert_eq!(calls.len(), 2, "one call per pod of shop/api");
    let builtin = |name: &str| -> Vec<&serde_json::Value> {
        ev.iter()
            .filter(|e| e["event"] == "call" && e["builtin"] == name)
            .collect()
    };
    assert_eq!(builtin("kube.delete").len(), 2);
    let request = builtin("openstack.request");
    assert_eq!(request[0]["args"]["method"], "GET");
    let local = builtin("local.run");
    assert_eq!(local[0]["args"]["argv"][0], "juju");
    assert_eq!(local[1]["args"]["argv"][0], "logger");
    // The mutating local.run was announced before it ran; the read-only one not.
    let intents: Vec<&serde_json::Value> = ev
        .iter()
        .filter(|e| e["event"] == "call_intent" && e["builtin"] == "local.run")
        .collect();
    assert_eq!(intents.len(), 1, "only `logger` changes anything");
}

#[test]
fn dry_run_runs_the_reads_and_shows_the_changes_shell_quoted() {
    let o = run(&["exec", SCENARIO, "--dry-run", "--site", SITE, EXAMPLE]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let out = said(&o);
    // GET and `readonly: true` ran; DELETE-class and mutating calls did not.
    assert!(out.contains("3 nova-compute services"), "{out}");
    assert!(out.contains("juju: - capi-mgmt/0"), "{out}");
    assert!(out.contains("would run: kubectl delete pod api-"), "{out}");
    assert!(
        out.contains("would run: timeout 1m logger -t rbk 'recycled the pods of shop/api'"),
        "{out}"
    );
}

#[test]
fn the_simulator_never_runs_an_undeclared_command() {
    // The healthy world declares no [[local]] answers: juju "exits 127".
    let o = run(&["exec", "--sim=healthy", "--yes", "--site", SITE, EXAMPLE]);
    assert_ne!(o.status.code(), Some(0), "{}", said(&o));
    let out = said(&o);
    assert!(out.contains("juju status failed (exit 127)"), "{out}");
    assert!(out.contains("never runs commands on your machine"), "{out}");
}

/// Write `source` into a temp dir and check it.
fn check_source(source: &str) -> Vec<Diagnostic> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("p.rbk");
    std::fs::write(&path, source).expect("write");
    check::check(&Compilation::load(&path).expect("load"))
}

fn codes(diags: &[Diagnostic]) -> Vec<Code> {
    diags.iter().map(|d| d.code).collect()
}

fn procedure(body: &str) -> String {
    format!("procedure p \"P\" {{\n  step s \"S\" {{\n{body}\n  }}\n}}\n")
}

#[test]
fn the_method_decides_which_safety_rules_apply() {
    // GET only looks: nothing to confirm or verify.
    let get = procedure(
        r#"scope openstack { let r = openstack.request("compute", "GET", "/os-services") }"#,
    );
    assert_eq!(codes(&check_source(&get)), vec![], "GET");
    // DELETE destroys: verify-then-delete and a confirm, like any delete.
    let delete =
        procedure(r#"scope openstack { openstack.request("compute", "DELETE", "/servers/x") }"#);
    let found = codes(&check_source(&delete));
    assert!(found.contains(&Code::DeleteWithoutVerify), "{found:?}");
    assert!(found.contains(&Code::NoConfirm), "{found:?}");
    // POST changes something rbk cannot see into: ask first.
    let post = procedure(
        r#"scope openstack { openstack.request("compute", "POST", "/servers/x/action", body: "os-start: null") }"#,
    );
    assert!(
        codes(&check_source(&post)).contains(&Code::DisruptiveWithoutConfirm),
        "POST"
    );
    // A method the checker cannot read counts as the most dangerous, and says why.
    let unknown = procedure(
        r#"let m = "GET"
    scope openstack { openstack.request("compute", m, "/os-services") }"#,
    );
    let diags = check_source(&unknown);
    let verify = diags
        .iter()
        .find(|d| d.code == Code::DeleteWithoutVerify)
        .unwrap_or_else(|| panic!("{:?}", codes(&diags)));
    let help = verify.help.clone().unwrap_or_default();
    assert!(help.contains("`method` is not a literal"), "{help}");
    // A literal the table does not list is RBK111 at the argument, alone.
    let typo = procedure(
        r#"scope openstack { let r = openstack.request("compute", "GTE", "/os-services") }"#,
    );
    assert_eq!(codes(&check_source(&typo)), vec![Code::UnknownEffectValue]);
    // Case does not matter.
    let lower = procedure(
        r#"scope openstack { let r = openstack.request("compute", "get", "/os-services") }"#,
    );
    assert_eq!(codes(&check_source(&lower)), vec![]);
    // http.request follows the same table.
    let http = procedure(r#"let r = http.request("get", "https://x.example/healthz")"#);
    assert_eq!(codes(&check_source(&http)), vec![], "http GET");
    let http = procedure(r#"let r = http.request("PUT", "https://x.example/maintenance")"#);
    assert!(codes(&check_source(&http)).contains(&Code::DisruptiveWithoutConfirm));
}

#[test]
fn readonly_steps_hold_only_what_only_looks() {
    let readonly = |body: &str| {
        format!("procedure p \"P\" {{\n  step s \"S\" readonly {{\n{body}\n  }}\n}}\n")
    };
    let looks = readonly(
        r#"let a = local.run(["juju", "status"], readonly: true)
    let b = http.get("https://x.example/healthz")
    scope openstack { let c = openstack.request("compute", "GET", "/os-services") }"#,
    );
    assert_eq!(codes(&check_source(&looks)), vec![]);
    for change in [
        r#"let a = local.run(["juju", "run", "reboot"])"#,
        r#"scope openstack { confirm "go?"
    let r = openstack.request("compute", "PUT", "/os-services/x", body: "status: disabled") }"#,
        r#"scope ssh(host: "h", user: "u") { let n = ssh.put("a", "b") }"#,
    ] {
        let found = codes(&check_source(&readonly(change)));
        assert!(
            found.contains(&Code::ReadonlyMutates),
            "{change}: {found:?}"
        );
    }
}

#[test]
fn openstack_request_and_http_get_reach_sim_serve_through_the_real_clients() {
    let sim = SimServe::start("healthy", 1.0);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("p.rbk");
    let source = format!(
        r#"procedure p "P" {{
  step s "S" {{
    scope openstack(openrc: "{openrc}") {{
      let r = openstack.request("compute", "GET", "/os-services?binary=nova-compute", microversion: "2.53")
      log "services {{r.status}} {{len(r.body.services)}}"
      let u = openstack.placement.usage.list("compute-1.maas")
      log "usage {{u.MEMORY_MB}}"
      let missing = openstack.request("compute", "GET", "/os-no-such-thing")
    }}
  }}
  step h "H" {{
    let h = http.get("{base}/", headers: "Authorization: Bearer s3cr3t-header")
    log "http {{h.status}} {{h.json.rbk}}"
  }}
}}
"#,
        openrc = sim.openrc().display(),
        base = sim.base,
    );
    std::fs::write(&path, source).expect("write");
    let journal = dir.path().join("j.jsonl");
    let o = run(&[
        "exec",
        "--yes",
        "--journal",
        journal.to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    let out = said(&o);
    assert!(out.contains("services 200 3"), "{out}");
    assert!(out.contains("usage "), "{out}");
    // An unknown path is the API's 404, naming the call and the request.
    assert!(out.contains("openstack.request failed: 404"), "{out}");
    assert!(out.contains("<compute-endpoint>/os-no-such-thing"), "{out}");
    assert_ne!(o.status.code(), Some(0));
    // http.get is separate: run it alone.
    let only_http = std::fs::read_to_string(&path).unwrap().replace(
        "let missing = openstack.request(\"compute\", \"GET\", \"/os-no-such-thing\")",
        "",
    );
    std::fs::write(&path, only_http).unwrap();
    let journal = dir.path().join("j2.jsonl");
    let o = run(&[
        "exec",
        "--yes",
        "--journal",
        journal.to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    let out = said(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("http 200 simulated cloud"), "{out}");
    let written = std::fs::read_to_string(&journal).unwrap();
    assert!(!out.contains("s3cr3t-header") && !written.contains("s3cr3t-header"));
    assert!(written.contains("Authorization: <hidden>"), "{written}");
}
