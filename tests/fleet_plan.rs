//! `rbk fleet plan --format argo|jobs|json` on the fleet fixture
//! (tests/fixtures/fleet): snapshots of each format, and the generated
//! objects validated against the engines' own schemas — the Workflow
//! against Argo's CRD schema (`../shared/schemas/`, strict: unknown fields
//! refused), the Kubernetes objects against Kubernetes' OpenAPI schema for
//! 1.33 (the `kubernetes-validate` package, pinned in scripts/test). Each
//! validator is shown to refuse a broken manifest, so a pass means
//! something.
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{rbk, root};

/// The Kubernetes version the Jobs are validated for: the one k8s-openapi
/// is built for (Cargo.toml's `v1_33`).
const KUBERNETES_VERSION: &str = "1.33.0";

fn plan(format: &str, extra: &[&str]) -> String {
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
        "--journal-dir",
        "journals/fleet",
        "--namespace",
        "ops",
        "--image",
        "registry.example/rbk:0.1.0",
    ];
    args.extend_from_slice(extra);
    args.push("tests/fixtures/fleet/procedures/hello.rbk");
    let o = rbk(&args).output().expect("run rbk");
    assert!(
        o.status.success(),
        "rbk fleet plan --format {format}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf-8")
}

fn documents(yaml: &str) -> Vec<Value> {
    serde_saphyr::from_multiple::<Value>(yaml)
        .expect("the plan is YAML")
        .into_iter()
        .filter(|v| !v.is_null())
        .collect()
}

/// `kubernetes-validate` from RBK_KUBERNETES_VALIDATE, else the project's
/// .venv (scripts/test installs it there). Missing is a failure.
fn kubernetes_validate() -> PathBuf {
    let path = std::env::var_os("RBK_KUBERNETES_VALIDATE")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv/bin/kubernetes-validate"));
    assert!(
        path.is_file(),
        "kubernetes-validate not found at {} (set RBK_KUBERNETES_VALIDATE, or run scripts/test, which installs it into .venv)",
        path.display()
    );
    path
}

/// The Python beside kubernetes-validate: it has `jsonschema` (its dependency).
fn python() -> PathBuf {
    kubernetes_validate().with_file_name("python")
}

/// Argo's Workflow CRD schema in `shared/schemas`, beside the repository
/// (or beside a folder above it, for a worktree).
fn argo_schema() -> PathBuf {
    let file = "shared/schemas/argo-workflow-v1alpha1-openapi.json.gz";
    root()
        .ancestors()
        .map(|a| a.join(file))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{file} not found beside the repository or above it"))
}

fn write_json(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p
}

/// (passed, what the validator printed).
fn validate_workflow(wf: &Value) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let f = write_json(dir.path(), "workflow.json", wf);
    let o = Command::new(python())
        .arg(root().join("tests/fixtures/fleet/validate_crd.py"))
        .arg(argo_schema())
        .arg(&f)
        .output()
        .expect("run the CRD validator");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(1),
        "the validator itself failed: {text}"
    );
    (o.status.success(), text)
}

/// (passed, what kubernetes-validate printed) for Kubernetes objects.
fn validate_kubernetes(objects: &[Value]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| write_json(dir.path(), &format!("{i}.json"), o))
        .collect();
    let o = Command::new(kubernetes_validate())
        .args(["--kubernetes-version", KUBERNETES_VERSION, "--strict"])
        .args(&files)
        .output()
        .expect("run kubernetes-validate");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

fn kinds(docs: &[Value]) -> Vec<&str> {
    docs.iter()
        .map(|d| d["kind"].as_str().unwrap_or("?"))
        .collect()
}

#[test]
fn the_argo_plan_is_valid_for_argo_and_kubernetes() {
    let docs = documents(&plan("argo", &[]));
    assert_eq!(
        kinds(&docs),
        [
            "ServiceAccount",
            "Role",
            "RoleBinding",
            "ConfigMap",
            "PersistentVolumeClaim",
            "Workflow"
        ]
    );
    let (ok, text) = validate_workflow(&docs[5]);
    assert!(
        ok,
        "the Workflow does not validate against Argo's schema:\n{text}"
    );
    let (ok, text) = validate_kubernetes(&docs[..5]);
    assert!(ok, "{text}");
    assert_eq!(text.matches("passed").count(), 5, "{text}");

    // The DAG: the canary alone first, the others after it, two at a time.
    let wf = &docs[5]["spec"];
    let dag = &wf["templates"][0];
    assert_eq!(dag["parallelism"], 2);
    assert_eq!(dag["dag"]["failFast"], true);
    let tasks = dag["dag"]["tasks"].as_array().unwrap();
    assert_eq!(tasks[0]["name"], "us-east");
    assert!(tasks[0].get("depends").is_none());
    for t in &tasks[1..] {
        assert_eq!(t["depends"], "us-east.Succeeded", "{t}");
    }
    let keep_going = documents(&plan("argo", &["--keep-going"]));
    assert_eq!(
        keep_going[5]["spec"]["templates"][0]["dag"]["failFast"],
        false
    );
}

#[test]
fn a_broken_workflow_is_refused_by_the_schema_check() {
    let docs = documents(&plan("argo", &[]));
    let mut wf = docs[5].clone();
    // A misspelt field, a value outside an enum, a number as text.
    wf["spec"]["templates"][0]["dag"]["failfast"] = Value::Bool(true);
    wf["spec"]["templates"][1]["retryStrategy"]["retryPolicy"] = "Sometimes".into();
    wf["spec"]["parallelism"] = "two".into();
    let (ok, text) = validate_workflow(&wf);
    assert!(!ok, "a broken Workflow passed:\n{text}");
    for what in [
        "'failfast' was unexpected",
        "'Sometimes' is not one of",
        "spec/parallelism",
    ] {
        assert!(text.contains(what), "{what}:\n{text}");
    }
}

#[test]
fn the_jobs_plan_is_valid_for_kubernetes() {
    let docs = documents(&plan("jobs", &[]));
    assert_eq!(
        kinds(&docs),
        [
            "ServiceAccount",
            "ConfigMap",
            "PersistentVolumeClaim",
            "Job",
            "Job",
            "Job"
        ]
    );
    let (ok, text) = validate_kubernetes(&docs);
    assert!(ok, "{text}");
    assert_eq!(text.matches("passed").count(), 6, "{text}");
    // Suspended, in waves: the canary alone, then two at a time.
    let waves: Vec<(&str, &str)> = docs[3..]
        .iter()
        .map(|j| {
            assert_eq!(j["spec"]["suspend"], true);
            (
                j["metadata"]["labels"]["rbk.dev/site"].as_str().unwrap(),
                j["metadata"]["annotations"]["rbk.dev/wave"]
                    .as_str()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        waves,
        [("us-east", "0"), ("ap-south", "1"), ("eu-west", "1")]
    );
}

#[test]
fn a_broken_job_is_refused_by_the_schema_check() {
    let docs = documents(&plan("jobs", &[]));
    let mut job = docs[3].clone();
    job["spec"]["backoffLimit"] = "three".into();
    let (ok, text) = validate_kubernetes(&[job]);
    assert!(!ok, "a broken Job passed:\n{text}");
    assert!(text.contains("spec.backoffLimit"), "{text}");
    let mut job = docs[3].clone();
    job["spec"]["template"]["spec"]["containerz"] = Value::Array(vec![]);
    let (ok, text) = validate_kubernetes(&[job]);
    assert!(!ok, "an unknown field passed strict validation:\n{text}");
}

#[test]
fn plans_snapshot() {
    insta::assert_snapshot!("argo", plan("argo", &[]));
    insta::assert_snapshot!("jobs", plan("jobs", &[]));
    insta::assert_snapshot!("json", plan("json", &[]));
}

#[test]
fn a_scenario_file_cannot_travel_to_a_pod() {
    let o = rbk([
        "fleet",
        "plan",
        "--format",
        "argo",
        "--sites",
        "tests/fixtures/fleet/sites",
        "--sim=scenarios/k8s-workers.toml",
        "tests/fixtures/fleet/procedures/hello.rbk",
    ])
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("named scenarios"), "{err}");
}

/// The image (Containerfile) and the pods agree: the pods run as the
/// image's user, and the image has what their entrypoint and rbk run.
#[test]
fn the_image_fits_the_pods() {
    let containerfile = std::fs::read_to_string(root().join("Containerfile")).unwrap();
    let docs = documents(&plan("jobs", &[]));
    let pod = &docs[3]["spec"]["template"]["spec"];
    let user = pod["securityContext"]["runAsUser"].as_i64().unwrap();
    assert!(
        containerfile.contains(&format!("USER {user}:{user}"))
            && containerfile.contains(&format!("adduser -D -u {user}")),
        "the Containerfile's user is not the pods' {user}"
    );
    assert_eq!(pod["containers"][0]["command"][0], "/bin/sh");
    for needed in ["openssh-client", "ca-certificates", "/usr/local/bin/rbk"] {
        assert!(containerfile.contains(needed), "{needed}");
    }
    assert_eq!(pod["containers"][0]["args"][0], "rbk");
}
