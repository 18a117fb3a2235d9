//! `rbk fleet submit | status | journals` against `rbk sim serve`'s
//! Kubernetes API (the k8s-workers scenario's writable cluster): the API
//! accepts the generated objects, the stock kubectl lists them, Jobs are
//! released wave by wave, and status reads them back. The simulator runs no
//! containers, so the test plays the cluster's part where a pod would have
//! run: it sets a Job's or the Workflow's status, and the journals pod's
//! log, with kubectl.
//!
//! Fleets of the same site take the site's lock, a Lease, before a Job is
//! released: one after the other, and racing.
use crate::support::said;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::support::rbk;
use crate::support::sim::Sim;
use crate::support::sim_serve::SimServe;

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
    set_job_in(sim, "ops", job, condition);
}

fn set_job_in(sim: &Sim, namespace: &str, job: &str, condition: &str) {
    let patch =
        format!(r#"{{"status":{{"conditions":[{{"type":"{condition}","status":"True"}}]}}}}"#);
    sim.kubectl_ok(&[
        "-n",
        namespace,
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

/// The Jobs plan of fleet `name` (all fixture sites, canary us-east), in
/// a directory of its own.
fn plan_fleet(dir: &Path, name: &str) -> PathBuf {
    let dir = dir.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    plan(&dir, "jobs", &["--name", name])
}

fn suspended(sim: &Sim, namespace: &str, job: &str) -> bool {
    let s = sim.kubectl_ok(&[
        "-n",
        namespace,
        "get",
        "job",
        job,
        "-o",
        "jsonpath={.spec.suspend}",
    ]);
    s == "true"
}

/// The Lease of a Job's site lock, as kubectl reads it.
fn lease_of(sim: &Sim, namespace: &str, job: &str) -> serde_json::Value {
    let digest = sim.kubectl_ok(&[
        "-n",
        namespace,
        "get",
        "job",
        job,
        "-o",
        r"jsonpath={.metadata.labels.rbk\.dev/site-lock}",
    ]);
    assert_eq!(digest.len(), 12, "{digest}");
    let lease = sim.kubectl_ok(&[
        "-n",
        namespace,
        "get",
        "lease",
        &format!("rbk-site-{digest}"),
        "-o",
        "json",
    ]);
    serde_json::from_str(&lease).unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

#[test]
fn a_second_fleet_of_a_site_waits_for_the_first_to_give_up_its_lease() {
    let sim = Sim::start(&scenario(), 20.0);
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (plan_fleet(dir.path(), "one"), plan_fleet(dir.path(), "two"));

    let o = fleet(&sim, "submit", &["--no-wait", one.to_str().unwrap()]);
    assert!(o.status.success(), "{}", said(&o));
    assert!(
        stdout(&o).contains("job/one-us-east released (wave 0)"),
        "{}",
        said(&o)
    );
    let o = fleet(&sim, "submit", &["--no-wait", two.to_str().unwrap()]);
    assert!(o.status.success(), "{}", said(&o));
    assert!(
        stdout(&o)
            .contains("job/two-us-east held: job/one-us-east of fleet one holds the site's lock"),
        "{}",
        said(&o)
    );
    assert!(!stdout(&o).contains("released (wave"), "{}", said(&o));
    assert!(suspended(&sim, "ops", "two-us-east"));

    // The stock client shows the lock and who holds it.
    let lease = lease_of(&sim, "ops", "one-us-east");
    let name = lease["metadata"]["name"].as_str().unwrap().to_string();
    assert_eq!(lease["spec"]["holderIdentity"], "ops/one-us-east");
    assert_eq!(
        lease["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "rbk"
    );
    let table = sim.kubectl_ok(&["get", "lease", "-n", "ops"]);
    let row = table
        .lines()
        .find(|l| l.starts_with(&name))
        .unwrap_or_else(|| panic!("{name} in:\n{table}"));
    assert!(
        row.split_whitespace().nth(1) == Some("ops/one-us-east"),
        "{table}"
    );
    assert!(table.starts_with("NAME"), "{table}");
    assert!(table.lines().next().unwrap().contains("HOLDER"), "{table}");

    // Still running: submitting again holds it back again.
    let o = fleet(&sim, "submit", &["--no-wait", two.to_str().unwrap()]);
    assert!(stdout(&o).contains("job/two-us-east held"), "{}", said(&o));

    // The first fleet's Job finishes: the second takes the lease over.
    set_job(&sim, "one-us-east", "Complete");
    let o = fleet(&sim, "submit", &["--no-wait", two.to_str().unwrap()]);
    assert!(o.status.success(), "{}", said(&o));
    assert!(
        stdout(&o).contains("job/two-us-east released (wave 0)"),
        "{}",
        said(&o)
    );
    assert!(!suspended(&sim, "ops", "two-us-east"));
    let lease = lease_of(&sim, "ops", "two-us-east");
    assert_eq!(lease["metadata"]["name"], name.as_str());
    assert_eq!(lease["spec"]["holderIdentity"], "ops/two-us-east");
    assert_eq!(lease["spec"]["leaseTransitions"], 1);

    // Fleet one's next wave takes its own sites' Leases: fleet two has
    // released only its canary.
    let o = fleet(&sim, "submit", &["--no-wait", one.to_str().unwrap()]);
    assert!(
        stdout(&o).contains("job/one-ap-south released (wave 1)"),
        "{}",
        said(&o)
    );
}

#[test]
fn two_submits_racing_for_a_site_release_exactly_one_job() {
    let sim = Sim::start(&scenario(), 20.0);
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = ["zero", "one", "two"]
        .iter()
        .map(|n| plan_fleet(dir.path(), n))
        .collect();
    let kubeconfig = sim.env_dir().join("kubeconfig");
    for round in 0..5 {
        let ns = format!("race-{round}");
        // Odd rounds race to take over a Lease whose holder finished (a
        // replace on the version read); even rounds race to create it.
        if round % 2 == 1 {
            let o = fleet(
                &sim,
                "submit",
                &["--no-wait", "--namespace", &ns, files[0].to_str().unwrap()],
            );
            assert!(o.status.success(), "{}", said(&o));
            set_job_in(&sim, &ns, "zero-us-east", "Complete");
        }
        let racers: Vec<std::process::Child> = files[1..]
            .iter()
            .map(|f| {
                rbk([
                    "fleet",
                    "submit",
                    "--no-wait",
                    "--namespace",
                    &ns,
                    "--kubeconfig",
                ])
                .arg(&kubeconfig)
                .arg(f)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
            })
            .collect();
        let outs: Vec<Output> = racers
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        for o in &outs {
            assert!(o.status.success(), "round {round}: {}", said(o));
        }
        let released: Vec<&str> = ["one-us-east", "two-us-east"]
            .into_iter()
            .filter(|j| !suspended(&sim, &ns, j))
            .collect();
        assert_eq!(
            released.len(),
            1,
            "round {round}: released {released:?}\n{}\n{}",
            said(&outs[0]),
            said(&outs[1])
        );
        let said_released = outs
            .iter()
            .filter(|o| stdout(o).contains("-us-east released (wave 0)"))
            .count();
        let said_held = outs
            .iter()
            .filter(|o| stdout(o).contains("-us-east held: "))
            .count();
        assert_eq!((said_released, said_held), (1, 1), "round {round}");
        let lease = lease_of(&sim, &ns, released[0]);
        assert_eq!(
            lease["spec"]["holderIdentity"],
            format!("{ns}/{}", released[0]),
            "round {round}"
        );
    }
}

/// The simulator's Leases answer as an API server's do, seen by kubectl:
/// a second create is AlreadyExists, a replace on a stale version Conflict.
#[test]
fn the_sim_refuses_a_second_lease_and_a_stale_replace() {
    let sim = Sim::start(&scenario(), 20.0);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lease.yaml");
    std::fs::write(
        &file,
        "apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: demo, namespace: ops}\nspec: {holderIdentity: ops/a}\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    sim.kubectl_ok(&["create", "--validate=false", "-f", f]);
    let (ok, _, err) = sim.kubectl(&["create", "--validate=false", "-f", f]);
    assert!(!ok);
    assert!(
        err.contains(
            r#"Error from server (AlreadyExists): error when creating "FILE": leases.coordination.k8s.io "demo" already exists"#
                .replace("FILE", f)
                .as_str()
        ),
        "{err}"
    );
    let read = sim.kubectl_ok(&["-n", "ops", "get", "lease", "demo", "-o", "json"]);
    let mut stale: serde_json::Value = serde_json::from_str(&read).unwrap();
    sim.kubectl_ok(&["replace", "--validate=false", "-f", f]);
    stale["spec"]["holderIdentity"] = serde_json::json!("ops/b");
    std::fs::write(&file, stale.to_string()).unwrap();
    let (ok, _, err) = sim.kubectl(&["replace", "--validate=false", "-f", f]);
    assert!(!ok);
    assert!(
        err.contains("Error from server (Conflict)")
            && err.contains(r#"leases.coordination.k8s.io "demo": the object has been modified"#),
        "{err}"
    );
    let holder = sim.kubectl_ok(&[
        "-n",
        "ops",
        "get",
        "lease",
        "demo",
        "-o",
        "jsonpath={.spec.holderIdentity}",
    ]);
    assert_eq!(holder, "ops/a");
    sim.kubectl_ok(&["-n", "ops", "delete", "lease", "demo"]);
    let (ok, _, err) = sim.kubectl(&["-n", "ops", "get", "lease", "demo"]);
    assert!(!ok && err.contains("NotFound"), "{err}");
}

/// kubectl finds Leases through aggregated discovery and through the
/// legacy one (`--kube-discovery legacy`), and sees the lock a submit took.
#[test]
fn kubectl_finds_the_leases_through_either_discovery() {
    let dir = tempfile::tempdir().unwrap();
    let file = plan(dir.path(), "jobs", &[]);
    for flags in [&[][..], &["--kube-discovery", "legacy"][..]] {
        let serve = SimServe::start_with(&scenario(), 20.0, flags);
        let cache = tempfile::tempdir().unwrap();
        let kubectl = |args: &[&str]| {
            let o = Command::new(crate::support::sim::kubectl())
                .args(args)
                .arg("--cache-dir")
                .arg(cache.path())
                .env("KUBECONFIG", serve.kubeconfig())
                .env_remove("KUBERNETES_SERVICE_HOST")
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "kubectl {args:?} {flags:?}: {}",
                said(&o)
            );
            stdout(&o)
        };
        let names = kubectl(&[
            "api-resources",
            "--api-group=coordination.k8s.io",
            "-o",
            "name",
        ]);
        assert_eq!(names.trim(), "leases.coordination.k8s.io", "{flags:?}");
        let o = rbk(["fleet", "submit", "--no-wait", "--kubeconfig"])
            .arg(serve.kubeconfig())
            .arg(&file)
            .output()
            .unwrap();
        assert!(o.status.success(), "{flags:?}: {}", said(&o));
        let holders = kubectl(&[
            "-n",
            "ops",
            "get",
            "leases",
            "-o",
            "jsonpath={.items[*].spec.holderIdentity}",
        ]);
        assert_eq!(holders, "ops/hello-us-east", "{flags:?}");
    }
}
