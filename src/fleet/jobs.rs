//! `rbk fleet plan --format jobs`: the fleet as plain Kubernetes Jobs, for
//! clusters without Argo. One Job per site, each created suspended; the
//! order is `rbk fleet submit`'s: it releases (unsuspends) the canary's Job,
//! waits for it to succeed, then the others in waves of `--parallel`, each
//! wave after the one before it has finished, and stops releasing at the
//! first failure unless `--keep-going`. A Job left suspended never runs, so
//! a fleet whose submit was interrupted is picked up by running it again.
//! Across fleets, a Job is released only once its submitter holds the
//! site's lock, a Lease in the namespace (`cluster::Cluster::release`); the
//! pods never touch it, so they need no API access.
//!
//! Retries are the Job's own (`backoffLimit`): a new pod resumes from the
//! site's journal on the journals' volume. The `podFailurePolicy` ends the
//! Job at once when rbk exits 1 (the procedure failed) or 2 (usage), and
//! does not count a pod the cluster disrupted (drained node, preemption).
use k8s_openapi::api::batch::v1::{
    Job, JobSpec, PodFailurePolicy, PodFailurePolicyOnExitCodesRequirement,
    PodFailurePolicyOnPodConditionsPattern, PodFailurePolicyRule,
};
use k8s_openapi::api::core::v1::{PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use super::bundle::BundledSite;
use super::manifests::ClusterPlan;

/// The annotation that records a Job's wave (0: the first).
pub const WAVE_ANNOTATION: &str = "rbk.dev/wave";
/// `"true"` on the canary's Job: its failure stops the fleet, whatever
/// the failure policy.
pub const CANARY_ANNOTATION: &str = "rbk.dev/canary";
/// The fleet's failure policy, `stop-on-failure` or `keep-going`.
pub const ON_FAILURE_ANNOTATION: &str = "rbk.dev/on-failure";

/// The objects to apply, in order: what the pods need, then the Jobs, wave
/// by wave.
pub fn objects(plan: &ClusterPlan) -> Vec<Value> {
    let mut out = vec![
        to_value(&plan.service_account(false)),
        to_value(&plan.config_map()),
        to_value(&plan.journals_claim()),
    ];
    for (wave, sites) in plan.waves().iter().enumerate() {
        out.extend(sites.iter().map(|s| to_value(&job(plan, s, wave))));
    }
    out
}

fn to_value(o: &impl serde::Serialize) -> Value {
    serde_json::to_value(o).expect("Kubernetes objects serialize")
}

/// One site's Job, suspended until `rbk fleet submit` releases its wave.
pub fn job(plan: &ClusterPlan, site: &BundledSite, wave: usize) -> Job {
    let mut metadata = plan.metadata(plan.site_object_name(site), Some(site));
    let is_canary = plan.canary().is_some_and(|c| c.name == site.name);
    let on_failure = if plan.keep_going() {
        "keep-going"
    } else {
        "stop-on-failure"
    };
    metadata.annotations = Some(
        [
            (WAVE_ANNOTATION, wave.to_string()),
            (CANARY_ANNOTATION, is_canary.to_string()),
            (ON_FAILURE_ANNOTATION, on_failure.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
    );
    let exits = |action: &str, values: Vec<i32>| PodFailurePolicyRule {
        action: action.into(),
        on_exit_codes: Some(PodFailurePolicyOnExitCodesRequirement {
            container_name: Some("rbk".into()),
            operator: "In".into(),
            values,
        }),
        ..PodFailurePolicyRule::default()
    };
    Job {
        metadata,
        spec: Some(JobSpec {
            suspend: Some(true),
            // A retry's pod starts only once the last one is gone: never
            // two runs of the site at once.
            pod_replacement_policy: Some("Failed".into()),
            backoff_limit: Some(plan.target.retries as i32),
            pod_failure_policy: Some(PodFailurePolicy {
                rules: vec![
                    exits("FailJob", vec![1, 2]),
                    PodFailurePolicyRule {
                        action: "Ignore".into(),
                        on_pod_conditions: Some(vec![PodFailurePolicyOnPodConditionsPattern {
                            type_: "DisruptionTarget".into(),
                            status: "True".into(),
                        }]),
                        ..PodFailurePolicyRule::default()
                    },
                ],
            }),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(plan.labels(Some(site))),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    restart_policy: Some("Never".into()),
                    service_account_name: Some(plan.service_account_name()),
                    automount_service_account_token: Some(false),
                    security_context: Some(plan.pod_security_context()),
                    containers: vec![plan.container(site)],
                    volumes: Some(plan.volumes(site)),
                    ..PodSpec::default()
                }),
            },
            ..JobSpec::default()
        }),
        ..Job::default()
    }
}
