//! `rbk fleet plan --format argo`: the fleet as an Argo Workflow
//! (argoproj.io/v1alpha1) and the objects its pods need.
//!
//! - The entrypoint is a DAG: the canary's task first; every other task
//!   `depends` on the canary having Succeeded, so a failing canary runs
//!   nothing else. The DAG's `parallelism` bounds how many sites run at
//!   once, and `failFast` is stop-on-failure (`true`) or keep-going.
//! - Each site has its own template: its pod (the shared container of
//!   `manifests`), a `synchronization` mutex named after the site lock's key
//!   (one run per site across every workflow of the namespace), and a
//!   `retryStrategy` whose retries resume from the site's journal on the
//!   journals' volume. Retries are for the pod, not the procedure: a
//!   procedure that failed (exit 1) or was refused (exit 2) is not retried.
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use serde_json::{json, Value};

use super::bundle::BundledSite;
use super::manifests::ClusterPlan;

pub const API_VERSION: &str = "argoproj.io/v1alpha1";

/// Retries when the attempt did not end in a verdict of rbk's own: the pod
/// was lost (Argo's `Error`), or rbk exited with neither 1 (the procedure
/// failed) nor 2 (usage: a bad site file, a changed procedure).
pub const RETRY_EXPRESSION: &str =
    "lastRetry.status == 'Error' || !(lastRetry.exitCode in ['1', '2'])";

/// The objects to apply, in order: what the pods need, then the Workflow.
pub fn objects(plan: &ClusterPlan) -> Vec<Value> {
    let sa = plan.service_account(true);
    let role = executor_role(plan);
    let binding = executor_binding(plan);
    [
        to_value(&sa),
        to_value(&role),
        to_value(&binding),
        to_value(&plan.config_map()),
        to_value(&plan.journals_claim()),
        workflow(plan),
    ]
    .into()
}

fn to_value(o: &impl serde::Serialize) -> Value {
    serde_json::to_value(o).expect("Kubernetes objects serialize")
}

/// Argo's executor in each pod reports the task's result
/// (`workflowtaskresults`, Argo 3.4 and later); rbk itself needs no API.
fn executor_role(plan: &ClusterPlan) -> Role {
    Role {
        metadata: plan.metadata(plan.service_account_name(), None),
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec!["argoproj.io".into()]),
            resources: Some(vec!["workflowtaskresults".into()]),
            verbs: vec!["create".into(), "patch".into()],
            ..PolicyRule::default()
        }]),
    }
}

fn executor_binding(plan: &ClusterPlan) -> RoleBinding {
    RoleBinding {
        metadata: plan.metadata(plan.service_account_name(), None),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Role".into(),
            name: plan.service_account_name(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".into(),
            name: plan.service_account_name(),
            namespace: plan.target.namespace.clone(),
            ..Subject::default()
        }]),
    }
}

/// The task (and template) name of a site.
pub fn task_name(site: &BundledSite) -> String {
    site.label.clone()
}

/// The Workflow.
pub fn workflow(plan: &ClusterPlan) -> Value {
    let canary = plan.canary();
    let tasks: Vec<Value> = canary
        .into_iter()
        .map(|c| json!({"name": task_name(c), "template": template_name(c)}))
        .chain(plan.rest().map(|s| {
            let mut t = json!({"name": task_name(s), "template": template_name(s)});
            if let Some(c) = canary {
                t["depends"] = json!(format!("{}.Succeeded", task_name(c)));
            }
            t
        }))
        .collect();
    let mut templates = vec![json!({
        "name": "fleet",
        "parallelism": plan.plan.parallel,
        "dag": {"failFast": !plan.keep_going(), "tasks": tasks},
    })];
    templates.extend(plan.bundle.sites.iter().map(|s| site_template(plan, s)));
    let mut metadata = to_value(&plan.metadata(plan.target.fleet.clone(), None));
    metadata["annotations"] = json!({
        "rbk.dev/procedure": plan.bundle.procedure_path(),
        "rbk.dev/canary": canary.map_or("", |c| c.name.as_str()),
    });
    json!({
        "apiVersion": API_VERSION,
        "kind": "Workflow",
        "metadata": metadata,
        "spec": {
            "entrypoint": "fleet",
            "serviceAccountName": plan.service_account_name(),
            "securityContext": to_value(&plan.pod_security_context()),
            "podMetadata": {"labels": plan.labels(None)},
            "templates": templates,
        },
    })
}

fn template_name(site: &BundledSite) -> String {
    format!("site-{}", site.label)
}

/// A site's pod: one at a time per site (the mutex), retried from its journal.
fn site_template(plan: &ClusterPlan, site: &BundledSite) -> Value {
    json!({
        "name": template_name(site),
        "metadata": {"labels": plan.labels(Some(site))},
        "synchronization": {"mutexes": [{"name": mutex_name(site)}]},
        "retryStrategy": {
            "limit": plan.target.retries,
            "retryPolicy": "Always",
            "expression": RETRY_EXPRESSION,
            "backoff": {"duration": "30s", "factor": 2, "maxDuration": "30m"},
        },
        "container": to_value(&plan.container(site)),
        "volumes": to_value(&plan.volumes(site)),
    })
}

/// The site lock across the fleet: Argo mutexes are per namespace, so two
/// workflows (two fleets) that include the same site never run it at once.
pub fn mutex_name(site: &BundledSite) -> String {
    format!("rbk-site-{}", site.lock_key)
}
