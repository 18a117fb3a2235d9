//! `call NAME(arg: value)`: procedures with arguments, as nodes and inside
//! `foreach`, run on the simulated cloud by the real binary; the journal
//! names each call and its arguments, and `--resume` skips only the
//! iterations a previous run finished.
use crate::support::{journal_events, run, said};

const SITE: &str = "sites/examples.toml";
const CALLS: &str = "examples/09-calls.rbk";

/// The journal without timings, one event per line.
fn stable(events: &[serde_json::Value]) -> String {
    events
        .iter()
        .map(|e| {
            let mut e = e.clone();
            if e.get("ms").is_some() {
                e["ms"] = serde_json::json!("[ms]");
            }
            // A fresh id per run; the hashes change with every edit.
            for key in ["run", "source_hash", "node_hashes"] {
                if e.get(key).is_some() {
                    e[key] = serde_json::json!(format!("[{key}]"));
                }
            }
            e.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_call_in_foreach_runs_once_per_item_and_the_journal_names_each() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = dir.path().join("j.jsonl");
    let j = journal.to_string_lossy().to_string();
    let o = run(&[
        "exec",
        "--sim=healthy",
        "--site",
        SITE,
        "--journal",
        &j,
        CALLS,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let ev = journal_events(&journal);
    let starts: Vec<&serde_json::Value> =
        ev.iter().filter(|e| e["event"] == "call_start").collect();
    assert_eq!(starts.len(), 3, "one call per server:\n{}", stable(&ev));
    for s in &starts {
        assert_eq!(s["call"], "check_server");
        assert_eq!(s["step"], "each");
        assert_eq!(s["args"]["want"], "ACTIVE");
    }
    // A record per iteration, under the iteration's name.
    let records: Vec<&serde_json::Value> = ev.iter().filter(|e| e["event"] == "record").collect();
    assert_eq!(records.len(), 4, "three iterations and the node call");
    assert!(records[0]["step"].as_str().is_some_and(
        |s| s.starts_with("check_server(server: \"capi-mgmt-v2\", want: \"ACTIVE\")/")
    ));
    // The call node journals its arguments too.
    assert!(ev.iter().any(|e| e["event"] == "step_start"
        && e["call"] == true
        && e["args"]["server"] == "capi-mgmt-v2"));
    insta::assert_snapshot!("calls_journal", stable(&ev));
}

#[test]
fn resume_skips_the_iterations_already_done() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = dir.path().join("first.jsonl");
    let second = dir.path().join("second.jsonl");
    let f = first.to_string_lossy().to_string();
    let s = second.to_string_lossy().to_string();
    let o = run(&[
        "exec",
        "--sim=healthy",
        "--site",
        SITE,
        "--journal",
        &f,
        CALLS,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    // As if the run had stopped after the loop's first iteration.
    let cut: Vec<String> = std::fs::read_to_string(&first)
        .expect("journal")
        .lines()
        .take_while(|l| !l.contains("\"call_end\""))
        .map(str::to_string)
        .collect();
    std::fs::write(&first, cut.join("\n")).expect("cut journal");
    let o = run(&[
        "exec",
        "--sim=healthy",
        "--site",
        SITE,
        "--journal",
        &s,
        "--resume",
        &f,
        CALLS,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let ev = journal_events(&second);
    let looks = |outcome: &str| -> Vec<String> {
        ev.iter()
            .filter(|e| {
                e["event"] == "step_end"
                    && e["outcome"] == outcome
                    && e["step"].as_str().is_some_and(|s| s.ends_with("/look"))
            })
            .map(|e| e["step"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(
        looks("skipped"),
        vec!["check_server(server: \"capi-mgmt-v2\", want: \"ACTIVE\")/look"],
        "{}",
        stable(&ev)
    );
    // The other two iterations, and the node call, run.
    assert_eq!(looks("ok").len(), 3, "{}", stable(&ev));
}

#[test]
fn a_failing_iteration_stops_the_loop_and_names_the_call() {
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = dir.path().join("j.jsonl");
    let j = journal.to_string_lossy().to_string();
    // Every server is ACTIVE, so wanting SHUTOFF fails the first check.
    let o = run(&[
        "exec",
        "--sim=healthy",
        "--site",
        SITE,
        "--journal",
        &j,
        "--set",
        "server=capi-mgmt-v2",
        "--set",
        "want=SHUTOFF",
        "examples/check-server.rbk",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", said(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("capi-mgmt-v2 is ACTIVE, not SHUTOFF"));
}

#[test]
fn dry_run_and_render_show_the_call_with_its_arguments() {
    let o = run(&["exec", "--sim=healthy", "--site", SITE, "--dry-run", CALLS]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("call check_server(server: \"capi-mgmt-v2\", want: \"ACTIVE\")"),
        "{out}"
    );
    let o = run(&["render", CALLS]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(md.contains("[`check_server`](#called-check_server) with `server` = `s.name`"));
    assert!(md.contains("<a id=\"called-check_server\"></a>"));
}

#[test]
fn graph_titles_a_call_node_with_its_arguments() {
    let o = run(&["graph", "--format", "json", CALLS]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("call check_server"), "{out}");
}
