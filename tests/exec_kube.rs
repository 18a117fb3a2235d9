//! The generic kube builtins end to end, as a user runs them: a procedure
//! using every one (tests/fixtures/kube/workloads.rbk) checks clean, renders
//! the kubectl commands, dry-runs without changing anything and runs on the
//! k8s-workers world; the checker's rules hold for them.
use crate::support::said;
use std::process::Output;

use crate::support::{rbk, root};
use serde_json::Value;

const FIXTURE: &str = "tests/fixtures/kube/workloads.rbk";

fn sim() -> String {
    format!(
        "--sim={}",
        root().join("scenarios/k8s-workers.toml").display()
    )
}

/// Run the fixture on the simulator; the journal's call events.
fn run(extra: &[&str]) -> (Output, Vec<Value>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir.path().join("journal.jsonl");
    let o = rbk(["exec", &sim(), "--yes", "--journal"])
        .arg(&journal)
        .args(extra)
        .arg(FIXTURE)
        .env("NO_COLOR", "1")
        .output()
        .expect("run rbk");
    let calls = std::fs::read_to_string(&journal)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("journal line"))
        .filter(|e| e["event"] == "call")
        .collect();
    (o, calls)
}

const CHANGES: [&str; 5] = [
    "kube.apply",
    "kube.patch",
    "kube.scale",
    "kube.rollout_restart",
    "kube.delete",
];

#[test]
fn every_kube_builtin_checks_renders_and_runs_on_the_sim() {
    let check = rbk(["check", "--deny-warnings", FIXTURE]).output().unwrap();
    assert!(check.status.success(), "{}", said(&check));

    let md = rbk(["render", FIXTURE]).output().unwrap();
    let md = String::from_utf8_lossy(&md.stdout);
    for cmd in [
        "kubectl get deployment web -n shop -o yaml",
        "kubectl get pods -n shop -l app=api",
        "kubectl get pods -A --field-selector spec.nodeName=worker-1",
        "kubectl -n shop logs <first(api_pods).name> --tail=1",
        "kubectl apply --server-side --field-manager=rbk -f -",
        "kubectl -n shop scale deployment/web --replicas=4",
        "kubectl -n shop rollout restart deployment/api",
        "kubectl delete configmap <c.name> -n shop",
    ] {
        assert!(md.contains(cmd), "render lacks `{cmd}`:\n{md}");
    }
    assert!(md.contains("(DESTRUCTIVE: cannot be undone)"), "{md}");

    let (o, calls) = run(&[]);
    assert!(o.status.success(), "{}", said(&o));
    for b in CHANGES {
        let ok: Vec<&Value> = calls
            .iter()
            .filter(|c| c["builtin"] == b && c["ok"] == true)
            .collect();
        assert_eq!(ok.len(), 1, "{b}: {calls:?}");
        assert!(ok[0].get("dry_run").is_none(), "{b}");
    }
    let reads = ["kube.get", "kube.list", "kube.logs"];
    for b in reads {
        assert!(
            calls.iter().any(|c| c["builtin"] == b && c["ok"] == true),
            "{b}"
        );
    }
}

#[test]
fn dry_run_skips_every_change_and_walks_on() {
    let (o, calls) = run(&["--dry-run"]);
    assert!(o.status.success(), "{}", said(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    // The delete finds nothing to delete: the apply was skipped.
    for b in &CHANGES[..4] {
        let c = calls
            .iter()
            .find(|c| c["builtin"] == *b)
            .unwrap_or_else(|| panic!("{b} not reached: {calls:?}"));
        assert_eq!(c["dry_run"], true, "{b}");
    }
    assert!(
        out.contains("would run: kubectl -n shop scale deployment/web --replicas=4"),
        "{out}"
    );
}

/// A procedure in a temp dir, checked; returns what `rbk check` printed.
fn check_text(body: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let f = dir.path().join("p.rbk");
    std::fs::write(&f, body).unwrap();
    let o = rbk(["check"])
        .arg(&f)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn the_checker_knows_what_each_kube_builtin_does() {
    // Destructive without verify-then-delete or confirm.
    let out = check_text(
        "procedure p \"t\" {\n  step s \"s\" {\n    scope kube(kubeconfig: \"~/.kube/config\") {\n      kube.delete(\"pod\", \"x\", namespace: \"shop\")\n    }\n  }\n}\n",
    );
    assert!(out.contains("RBK402") && out.contains("RBK407"), "{out}");
    // Outside a kube scope.
    let out = check_text(
        "procedure p \"t\" {\n  step s \"s\" {\n    kube.cordon(\"worker-1\")\n  }\n}\n",
    );
    assert!(out.contains("RBK305"), "{out}");
    // A drain's record is typed.
    let out = check_text(
        "procedure p \"t\" {\n  step s \"s\" {\n    scope kube() {\n      let d = kube.drain(\"w\")\n      log \"{d.drainedd}\"\n    }\n  }\n}\n",
    );
    assert!(out.contains("drainedd"), "{out}");
    // A change acts on its layer: before a lower layer's gate is RBK204.
    let out = check_text(
        "layers host < k8s\nprocedure p \"t\" {\n  step s \"s\" {\n    scope kube() {\n      kube.uncordon(\"w\")\n    }\n  }\n  gate g \"g\" layer host {\n    log \"x\"\n  }\n}\n",
    );
    assert!(out.contains("RBK204"), "{out}");
}
