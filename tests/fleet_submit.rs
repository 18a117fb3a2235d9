//! `rbk fleet submit | status | journals` against `rbk sim serve`'s
//! Kubernetes API (the k8s-workers scenario's writable cluster): the API
//! accepts the generated objects, the stock kubectl lists them, Jobs are
//! released wave by wave, and status reads them back. The simulator runs no
//! containers, so the test plays the cluster's part where a pod would have
//! run: it sets a Job's or the Workflow's status, and the journals pod's
//! log, with kubectl.
use crate::support::said;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use crate::support::rbk;
use crate::support::sim::Sim;

fn scenario() -> String {
    crate::support::root()
        .join("scenarios/k8s-workers.toml")
        .display()
        .to_string()
}

/// `rbk fleet plan --format FORMAT -o DIR/fleet.yaml` for the fixture.
fn plan(dir: &Path, format: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(format!("{format}.yaml"));
    let mut args = vec![
        "fleet",
        "plan",
        "--format",
        format,
        "--sites",
        "tests/fixtures/fleet/sites",
        "--canary",
        "us-east",
        "--parallel",
        "2",
        "--yes",
        "--namespace",
        "ops",
        "--image",
        "registry.example/rbk:0.1.0",
    ];
    args.extend_from_slice(extra);
    args.push("tests/fixtures/fleet/procedures/hello.rbk");
    let o = rbk(&args).arg("-o").arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", said(&o));
    out
}

/// `rbk fleet SUBCOMMAND --kubeconfig <the sim's> ARGS...`.
fn fleet(sim: &Sim, sub: &str, args: &[&str]) -> Output {
    rbk(["fleet", sub, "--kubeconfig"])
        .arg(sim.env_dir().join("kubeconfig"))
        .args(args)
        .output()
        .unwrap()
}

fn set_job(sim: &Sim, job: &str, condition: &str) {
    let patch =
        format!(r#"{{"status":{{"conditions":[{{"type":"{condition}","status":"True"}}]}}}}"#);
    sim.kubectl_ok(&[
        "-n",
        "ops",
        "patch",
        "job",
        job,
        "--subresource=status",
        "--type=merge",
        "-p",
        &patch,
    ]);
}

#[test]
fn jobs_are_accepted_released_by_wave_and_followed() {
    let sim = Sim::start(&scenario(), 20.0);
    let dir = tempfile::tempdir().unwrap();
    let file = plan(dir.path(), "jobs", &[]);

    let o = fleet(&sim, "submit", &["--no-wait", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", said(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    for line in [
        "serviceaccount/hello-runner applied",
        "configmap/hello-files applied",
        "persistentvolumeclaim/hello-journals applied",
        "job/hello-us-east created",
        "job/hello-ap-south created",
        "job/hello-eu-west created",
        "job/hello-us-east released (wave 0)",
    ] {
        assert!(out.contains(line), "{line}:\n{out}");
    }
    assert!(!out.contains("hello-ap-south released"), "{out}");

    // The stock client sees what was submitted.
    let jobs = sim.kubectl_ok(&["-n", "ops", "get", "jobs", "-o", "name"]);
    assert_eq!(
        jobs.lines().collect::<Vec<_>>(),
        [
            "job.batch/hello-us-east",
            "job.batch/hello-ap-south",
            "job.batch/hello-eu-west"
        ]
    );
    let keys = sim.kubectl_ok(&[
        "-n",
        "ops",
        "get",
        "configmap",
        "hello-files",
        "-o",
        "jsonpath={.data}",
    ]);
    assert!(keys.contains("procedure.lib_common.rbk"), "{keys}");
    assert!(keys.contains("site.us-east.toml"), "{keys}");

    let o = fleet(&sim, "status", &["--namespace", "ops", "hello"]);
    assert!(o.status.success(), "{}", said(&o));
    insta::assert_snapshot!("jobs_canary_running", String::from_utf8_lossy(&o.stdout));

    // The canary completes: the next submit releases wave 1, leaves wave 0.
    set_job(&sim, "hello-us-east", "Complete");
    let o = fleet(&sim, "submit", &["--no-wait", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", said(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        out.contains("job/hello-us-east exists (left as it is)"),
        "{out}"
    );
    assert!(
        out.contains("job/hello-ap-south released (wave 1)"),
        "{out}"
    );
    assert!(out.contains("job/hello-eu-west released (wave 1)"), "{out}");

    // One site of wave 1 fails: status says so and exits 1.
    set_job(&sim, "hello-ap-south", "Failed");
    set_job(&sim, "hello-eu-west", "Complete");
    let o = fleet(&sim, "status", &["--namespace", "ops"]);
    assert_eq!(o.status.code(), Some(1), "{}", said(&o));
    insta::assert_snapshot!("jobs_one_failed", String::from_utf8_lossy(&o.stdout));
    let o = fleet(&sim, "submit", &[file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", said(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("wave 1 failed"),
        "{}",
        said(&o)
    );
}

#[test]
fn a_failing_canary_releases_nothing_even_when_keeping_going() {
    let sim = Sim::start(&scenario(), 20.0);
    let dir = tempfile::tempdir().unwrap();
    let file = plan(dir.path(), "jobs", &["--keep-going"]);
    let o = fleet(&sim, "submit", &["--no-wait", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", said(&o));
    set_job(&sim, "hello-us-east", "Failed");
    let o = fleet(&sim, "submit", &[file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", said(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(out.contains("wave 0 failed"), "{out}");
    assert!(out.contains("(the canary failed)"), "{out}");
    assert!(!out.contains("released (wave 1)"), "{out}");
    let suspended = sim.kubectl_ok(&[
        "-n",
        "ops",
        "get",
        "job",
        "hello-eu-west",
        "-o",
        "jsonpath={.spec.suspend}",
    ]);
    assert_eq!(suspended, "true");
}

#[test]
fn an_argo_workflow_is_accepted_and_its_nodes_read_back() {
    let sim = Sim::start(&scenario(), 20.0);
    let dir = tempfile::tempdir().unwrap();
    let file = plan(dir.path(), "argo", &[]);
    let o = fleet(&sim, "submit", &[file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", said(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    for line in [
        "role/hello-runner applied",
        "rolebinding/hello-runner applied",
        "workflow/hello created",
        "fleet hello submitted to namespace ops",
    ] {
        assert!(out.contains(line), "{line}:\n{out}");
    }
    // kubectl finds the Workflow through the API's discovery (argoproj.io).
    let wf = sim.kubectl_ok(&["-n", "ops", "get", "workflows", "-o", "name"]);
    assert_eq!(wf.trim(), "workflow.argoproj.io/hello");

    // Argo's controller would write the nodes; the test writes them.
    let nodes = r#"{"status":{"phase":"Running","nodes":{
        "hello-1":{"templateName":"site-us-east","type":"Retry","phase":"Succeeded"},
        "hello-2":{"templateName":"site-us-east","type":"Pod","phase":"Failed","message":"pod deleted"},
        "hello-3":{"templateName":"site-us-east","type":"Pod","phase":"Succeeded"},
        "hello-4":{"templateName":"site-ap-south","type":"Pod","phase":"Running"}}}}"#;
    sim.kubectl_ok(&[
        "-n",
        "ops",
        "patch",
        "workflow",
        "hello",
        "--type=merge",
        "-p",
        nodes,
    ]);
    let o = fleet(&sim, "status", &["--namespace", "ops", "hello"]);
    assert!(o.status.success(), "{}", said(&o));
    insta::assert_snapshot!("argo_running", String::from_utf8_lossy(&o.stdout));

    // Submitting again leaves the running Workflow alone.
    let o = fleet(&sim, "submit", &[file.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("workflow/hello exists (left as it is)"),
        "{}",
        said(&o)
    );
}

#[test]
fn journals_come_back_from_the_claim_into_a_directory() {
    let sim = Sim::start(&scenario(), 20.0);
    let dir = tempfile::tempdir().unwrap();
    let file = plan(dir.path(), "jobs", &[]);
    let o = fleet(&sim, "submit", &["--no-wait", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", said(&o));

    // Two sites' journals, as their pods would have written them.
    let mut log = String::new();
    for site in ["us-east", "eu-west"] {
        let j = dir.path().join(format!("{site}.jsonl"));
        let o = rbk(["exec", "--sim", "--yes", "--site"])
            .arg(format!("tests/fixtures/fleet/sites/{site}.toml"))
            .arg("--journal")
            .arg(&j)
            .arg("tests/fixtures/fleet/procedures/hello.rbk")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", said(&o));
        log.push_str(&format!(
            "==> {site}.jsonl\n{}\n",
            std::fs::read_to_string(&j).unwrap()
        ));
    }
    log.push_str("==> end\n");

    let out_dir = dir.path().join("collected");
    let child = rbk(["fleet", "journals", "--kubeconfig"])
        .arg(sim.env_dir().join("kubeconfig"))
        .args(["--namespace", "ops", "--timeout", "60", "--dir"])
        .arg(&out_dir)
        .arg("hello")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // The pod it starts: on the claim, in the fleet's image. Once the
    // simulated kubelet runs it, it "prints" the journals and ends.
    let pod = sim.wait_for(Duration::from_secs(30), "the journals pod", || {
        let (_, out, _) = sim.kubectl(&[
            "-n",
            "ops",
            "get",
            "pods",
            "-l",
            "rbk.dev/role=journals",
            "-o",
            "jsonpath={.items[0].metadata.name} {.items[0].status.phase}",
        ]);
        let (name, phase) = out.trim().split_once(' ')?;
        (phase == "Running").then(|| name.to_string())
    });
    let spec = sim.kubectl_ok(&["-n", "ops", "get", "pod", &pod, "-o", "json"]);
    let spec: serde_json::Value = serde_json::from_str(&spec).unwrap();
    assert_eq!(
        spec["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
        "hello-journals"
    );
    assert_eq!(
        spec["spec"]["containers"][0]["image"],
        "registry.example/rbk:0.1.0"
    );
    let patch = serde_json::json!({
        "metadata": {"annotations": {"sim.rbk.dev/log": log}},
        "status": {"phase": "Succeeded"},
    });
    sim.kubectl_ok(&[
        "-n",
        "ops",
        "patch",
        "pod",
        &pod,
        "--type=merge",
        "-p",
        &patch.to_string(),
    ]);
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", said(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(out.contains("us-east.jsonl"), "{out}");
    assert!(out.contains("eu-west.jsonl"), "{out}");

    // `rbk journal show` reads what came back.
    let o = rbk(["journal", "show"])
        .arg(out_dir.join("us-east.jsonl"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", said(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("vm-us-east"),
        "{}",
        said(&o)
    );
    // The pod is gone once read.
    sim.wait_for(Duration::from_secs(10), "the journals pod to go", || {
        let (_, out, _) = sim.kubectl(&[
            "-n",
            "ops",
            "get",
            "pods",
            "-l",
            "rbk.dev/role=journals",
            "-o",
            "name",
        ]);
        out.trim().is_empty().then_some(())
    });
}
