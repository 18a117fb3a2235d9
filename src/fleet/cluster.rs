//! `rbk fleet submit`, `status` and `journals`: a planned fleet on a
//! Kubernetes cluster, through the kube client.
//!
//! - `submit` applies what `rbk fleet plan --format argo|jobs` wrote: the
//!   supporting objects by server-side apply, the Workflow or the Jobs by
//!   create (never changed once they exist: a Job's template is immutable
//!   and re-applying `suspend: true` would stop a running one). For Jobs it
//!   then releases them wave by wave (see `fleet::jobs`), each once it holds
//!   its site's lock, a Lease (see `Cluster::take_site_lock`).
//! - `status` reads where each site is: the Workflow's nodes, or the Jobs'.
//! - `journals` starts a short-lived pod that mounts the journals' claim
//!   and prints every journal, framed by `==> FILE` lines, reads its log
//!   and writes each journal to a directory `rbk journal show` reads.
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, LogParams, Patch,
    PatchParams, PostParams,
};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::Scope;
use serde_json::{json, Value};

use super::jobs::{CANARY_ANNOTATION, ON_FAILURE_ANNOTATION, WAVE_ANNOTATION};
use super::manifests::{FLEET_LABEL, LOCK_LABEL, MANAGED_BY, SITE_LABEL};

/// The field manager of rbk's server-side applies.
pub const FIELD_MANAGER: &str = "rbk-fleet";
/// The label of the pod `rbk fleet journals` starts.
pub const ROLE_LABEL: &str = "rbk.dev/role";

/// A client and the namespace the fleet is in.
pub struct Cluster {
    client: kube::Client,
    pub namespace: String,
}

impl Cluster {
    /// Connect as the kubeconfig says (`kubeconfig` or $KUBECONFIG, then
    /// ~/.kube/config; `context` or its current one). The namespace is
    /// `namespace`, else the context's, else `default`.
    pub async fn connect(
        kubeconfig: Option<&Path>,
        context: Option<&str>,
        namespace: Option<&str>,
    ) -> Result<Cluster, String> {
        let options = KubeConfigOptions {
            context: context.map(str::to_string),
            ..KubeConfigOptions::default()
        };
        let config = match kubeconfig {
            Some(path) => {
                let kc = Kubeconfig::read_from(path)
                    .map_err(|e| format!("kubeconfig {}: {e}", path.display()))?;
                kube::Config::from_custom_kubeconfig(kc, &options)
                    .await
                    .map_err(|e| format!("kubeconfig {}: {e}", path.display()))?
            }
            None => kube::Config::from_kubeconfig(&options)
                .await
                .map_err(|e| format!("kubeconfig from KUBECONFIG or ~/.kube/config: {e}"))?,
        };
        let namespace = namespace.map_or_else(|| config.default_namespace.clone(), str::to_string);
        crate::backends::tls::ensure_crypto_provider();
        let client = kube::Client::try_from(config).map_err(|e| format!("kube client: {e}"))?;
        Ok(Cluster { client, namespace })
    }

    fn jobs(&self) -> Api<Job> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    fn pods(&self) -> Api<Pod> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    fn workflows(&self) -> Api<DynamicObject> {
        let gvk = GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Workflow");
        let ar = ApiResource::from_gvk_with_plural(&gvk, "workflows");
        Api::namespaced_with(self.client.clone(), &self.namespace, &ar)
    }

    /// Apply `objects` in order (see the module's doc); returns what was
    /// done to each, as `kind/name verb` lines.
    pub async fn apply(&self, objects: &[Value]) -> Result<Vec<String>, String> {
        let mut done = Vec::new();
        for o in objects {
            let (api_version, kind, name) = (text(o, "apiVersion"), text(o, "kind"), name_of(o));
            if api_version.is_empty() || kind.is_empty() || name.is_empty() {
                return Err("every object needs apiVersion, kind and metadata.name".into());
            }
            let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
            let gvk = GroupVersionKind::gvk(group, version, kind);
            let (ar, caps) = kube::discovery::pinned_kind(&self.client, &gvk)
                .await
                .map_err(|e| match kind {
                    "Workflow" => format!(
                        "the cluster does not serve Argo's Workflow ({api_version}): install Argo Workflows, or plan with --format jobs ({e})"
                    ),
                    _ => format!("{api_version} {kind}: {e}"),
                })?;
            let api: Api<DynamicObject> = if caps.scope == Scope::Namespaced {
                Api::namespaced_with(self.client.clone(), &self.namespace, &ar)
            } else {
                Api::all_with(self.client.clone(), &ar)
            };
            let mut o = o.clone();
            if caps.scope == Scope::Namespaced {
                o["metadata"]["namespace"] = json!(self.namespace);
            }
            // The runner's binding names its ServiceAccount with the
            // namespace it is submitted to (a plan may leave it out).
            if let Some(subjects) = o["subjects"].as_array_mut() {
                for sub in subjects
                    .iter_mut()
                    .filter(|s| s["kind"] == "ServiceAccount")
                {
                    sub["namespace"] = json!(self.namespace);
                }
            }
            let what = format!("{}/{name}", kind.to_ascii_lowercase());
            if matches!(kind, "Job" | "Workflow") {
                let exists = api
                    .get_opt(name)
                    .await
                    .map_err(|e| format!("{what}: {e}"))?;
                if exists.is_some() {
                    done.push(format!("{what} exists (left as it is)"));
                    continue;
                }
                let obj: DynamicObject =
                    serde_json::from_value(o).map_err(|e| format!("{what}: {e}"))?;
                api.create(&PostParams::default(), &obj)
                    .await
                    .map_err(|e| format!("{what}: {e}"))?;
                done.push(format!("{what} created"));
            } else {
                api.patch(
                    name,
                    &PatchParams::apply(FIELD_MANAGER).force(),
                    &Patch::Apply(&o),
                )
                .await
                .map_err(|e| format!("{what}: {e}"))?;
                done.push(format!("{what} applied"));
            }
        }
        Ok(done)
    }

    /// The fleet's Jobs, by wave then site.
    async fn fleet_jobs(&self, fleet: &str) -> Result<Vec<Job>, String> {
        let lp = ListParams::default().labels(&format!("{FLEET_LABEL}={fleet}"));
        let mut jobs = self
            .jobs()
            .list(&lp)
            .await
            .map_err(|e| format!("listing the Jobs of fleet {fleet}: {e}"))?
            .items;
        jobs.sort_by_key(|j| (wave_of(j), site_of_job(j)));
        Ok(jobs)
    }

    /// Release the fleet's Jobs wave by wave (see `fleet::jobs`). With
    /// `wait`, follow them to the end; without, release what may run now
    /// and return. Returns the lines to print and whether a site failed.
    pub async fn release(
        &self,
        fleet: &str,
        wait: Option<Duration>,
        say: &mut dyn FnMut(&str),
    ) -> Result<bool, String> {
        loop {
            let jobs = self.fleet_jobs(fleet).await?;
            if jobs.is_empty() {
                return Err(format!(
                    "no Jobs of fleet {fleet} in namespace {}",
                    self.namespace
                ));
            }
            let mut waves: BTreeMap<usize, Vec<&Job>> = BTreeMap::new();
            for j in &jobs {
                waves.entry(wave_of(j)).or_default().push(j);
            }
            let keep_going = jobs
                .iter()
                .any(|j| annotation(j, ON_FAILURE_ANNOTATION) == Some("keep-going"));
            let mut failed = false;
            let mut pending = false;
            for (wave, members) in &waves {
                let states: Vec<JobState> = members.iter().map(|j| job_state(j)).collect();
                if states.iter().all(|s| s.finished()) {
                    let wave_failed = states.contains(&JobState::Failed);
                    failed |= wave_failed;
                    let canary = members
                        .iter()
                        .any(|j| annotation(j, CANARY_ANNOTATION) == Some("true"));
                    if wave_failed && (canary || !keep_going) {
                        say(&format!(
                            "wave {wave} failed: the later waves are not released{}",
                            if canary { " (the canary failed)" } else { "" }
                        ));
                        return Ok(true);
                    }
                    continue;
                }
                for (j, s) in members.iter().zip(&states) {
                    if *s == JobState::Waiting {
                        self.release_job(j, say).await?;
                    }
                }
                pending = true;
                break;
            }
            if !pending {
                say(&format!(
                    "every wave of fleet {fleet} has finished{}",
                    if failed { "; some sites failed" } else { "" }
                ));
                return Ok(failed);
            }
            let Some(every) = wait else {
                say("released what may run now; run `rbk fleet submit` again to release the next wave");
                return Ok(false);
            };
            tokio::time::sleep(every).await;
        }
    }

    /// Unsuspend one Job once it holds its site's lock (see `take_site_lock`).
    async fn release_job(&self, job: &Job, say: &mut dyn FnMut(&str)) -> Result<(), String> {
        let name = job.metadata.name.clone().unwrap_or_default();
        if let Some(lock) = label(job, LOCK_LABEL) {
            if let Some(why) = self.take_site_lock(lock, &name).await? {
                say(&format!("job/{name} held: {why}"));
                return Ok(());
            }
        }
        self.jobs()
            .patch(
                &name,
                &PatchParams::default(),
                &Patch::Merge(json!({"spec": {"suspend": false}})),
            )
            .await
            .map_err(|e| format!("job/{name}: {e}"))?;
        say(&format!("job/{name} released (wave {})", wave_of(job)));
        Ok(())
    }

    fn leases(&self) -> Api<Lease> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    /// Take the site's lock for `job` (`Ok(None)`), or say who holds it.
    ///
    /// The lock is a `coordination.k8s.io/v1` Lease per site lock and
    /// namespace (`lease_name`), held by `NAMESPACE/JOB`, and taken by
    /// compare-and-swap, so two submits racing for a site cannot both win:
    /// a create fails with AlreadyExists for all but one; a Lease whose
    /// holder Job finished or is gone is taken over by a replace carrying
    /// the `resourceVersion` read, which fails with Conflict for all but
    /// one. A losing submit holds its Job back and looks again next round.
    ///
    /// The lock is never given back by a delete: it is free once its
    /// holder Job has finished or is gone, whoever looks next. That one
    /// rule also covers the Jobs that finish while no submit is following
    /// them (`--no-wait`, an interrupted submit), and leaves no window
    /// where a delete and a takeover race. For the same reason the Lease
    /// has no duration: the submitter does not stay to renew it, and the
    /// holder's Job says whether the site still runs.
    async fn take_site_lock(&self, lock: &str, job: &str) -> Result<Option<String>, String> {
        let name = lease_name(lock);
        let me = format!("{}/{job}", self.namespace);
        let now = Some(MicroTime(k8s_openapi::jiff::Timestamp::now()));
        let spec = LeaseSpec {
            holder_identity: Some(me.clone()),
            acquire_time: now.clone(),
            renew_time: now,
            ..LeaseSpec::default()
        };
        let lease = Lease {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                labels: Some(
                    [(MANAGED_BY, "rbk"), (LOCK_LABEL, lock)]
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
                ..ObjectMeta::default()
            },
            spec: Some(spec.clone()),
        };
        let what = format!("lease/{name}");
        // A Lease deleted between the create and the read is created again.
        for _ in 0..3 {
            match self.leases().create(&PostParams::default(), &lease).await {
                Ok(_) => return Ok(None),
                Err(kube::Error::Api(s)) if s.is_already_exists() => {}
                Err(e) => return Err(format!("{what}: {e}")),
            }
            let Some(held) = self
                .leases()
                .get_opt(&name)
                .await
                .map_err(|e| format!("{what}: {e}"))?
            else {
                continue;
            };
            let old = held.spec.clone().unwrap_or_default();
            let holder = old.holder_identity.clone().unwrap_or_default();
            // Ours already: a submit that took it and stopped before the release.
            if holder == me {
                return Ok(None);
            }
            if let Some(why) = self.holder_runs(&name, &holder).await? {
                return Ok(Some(why));
            }
            let mut taken = held;
            taken.spec = Some(LeaseSpec {
                lease_transitions: Some(old.lease_transitions.unwrap_or(0) + 1),
                ..spec.clone()
            });
            return match self
                .leases()
                .replace(&name, &PostParams::default(), &taken)
                .await
            {
                Ok(_) => Ok(None),
                Err(kube::Error::Api(s)) if s.is_conflict() => Ok(Some(format!(
                    "another submit took the site's lock ({what}) first; looking again next round"
                ))),
                Err(e) => Err(format!("{what}: {e}")),
            };
        }
        Ok(Some(format!(
            "{what} changed hands while rbk read it; looking again next round"
        )))
    }

    /// Why the lease's `holder` (`NAMESPACE/JOB`) still holds it: its Job
    /// exists and has not finished. `None`: the lock is free.
    async fn holder_runs(&self, lease: &str, holder: &str) -> Result<Option<String>, String> {
        if holder.is_empty() {
            return Ok(None);
        }
        let Some((ns, job)) = holder.split_once('/') else {
            return Ok(Some(format!(
                "lease/{lease} is held by {holder:?}, not an rbk Job (delete the lease to free the site)"
            )));
        };
        let jobs: Api<Job> = Api::namespaced(self.client.clone(), ns);
        let found = jobs
            .get_opt(job)
            .await
            .map_err(|e| format!("job/{job}, the holder of lease/{lease}: {e}"))?;
        Ok(found.filter(|j| !job_state(j).finished()).map(|j| {
            format!(
                "job/{job} of fleet {} holds the site's lock",
                label(&j, FLEET_LABEL).unwrap_or("?")
            )
        }))
    }

    /// Where each site of the fleet is: the Workflow's nodes, else the Jobs'.
    pub async fn status(&self, fleet: &str) -> Result<FleetStatus, String> {
        if let Ok(Some(wf)) = self.workflows().get_opt(fleet).await {
            return Ok(workflow_status(&wf));
        }
        let jobs = self.fleet_jobs(fleet).await?;
        if jobs.is_empty() {
            return Err(format!(
                "no Workflow or Jobs of fleet {fleet} in namespace {}",
                self.namespace
            ));
        }
        Ok(FleetStatus {
            engine: "jobs".into(),
            phase: String::new(),
            image: jobs.first().and_then(job_image),
            sites: jobs
                .iter()
                .map(|j| SiteStatus {
                    site: site_of_job(j),
                    wave: Some(wave_of(j)),
                    state: job_state(j).as_str().into(),
                    detail: job_detail(j),
                })
                .collect(),
        })
    }

    /// The one fleet in the namespace, when the user named none.
    pub async fn only_fleet(&self) -> Result<String, String> {
        let lp = ListParams::default().labels(&format!("{MANAGED_BY}=rbk"));
        let mut names: Vec<String> = Vec::new();
        if let Ok(wfs) = self.workflows().list(&lp).await {
            names.extend(wfs.items.iter().filter_map(|w| w.metadata.name.clone()));
        }
        let jobs = self
            .jobs()
            .list(&lp)
            .await
            .map_err(|e| format!("listing Jobs in namespace {}: {e}", self.namespace))?;
        names.extend(
            jobs.items
                .iter()
                .filter_map(|j| label(j, FLEET_LABEL).map(str::to_string)),
        );
        names.sort();
        names.dedup();
        match names.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(format!("no fleet in namespace {}", self.namespace)),
            many => Err(format!(
                "namespace {} has several fleets ({}): name one",
                self.namespace,
                many.join(", ")
            )),
        }
    }

    /// Start the pod that prints every journal of the fleet's claim, wait
    /// for it, and return its log; the pod is deleted afterwards.
    pub async fn dump_journals(
        &self,
        fleet: &str,
        image: &str,
        timeout: Duration,
        poll: Duration,
    ) -> Result<String, String> {
        let suffix = &uuid::Uuid::new_v4().simple().to_string()[..6];
        let name = format!("{fleet}-journals-{suffix}");
        let pod: Pod = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": self.namespace,
                "labels": {MANAGED_BY: "rbk", FLEET_LABEL: fleet, ROLE_LABEL: "journals"}},
            "spec": {
                "restartPolicy": "Never",
                "automountServiceAccountToken": false,
                "securityContext": {"runAsNonRoot": true, "runAsUser": super::manifests::USER_ID,
                    "runAsGroup": super::manifests::USER_ID, "fsGroup": super::manifests::USER_ID},
                "containers": [{"name": "journals", "image": image,
                    "command": ["/bin/sh", "-c", DUMP],
                    "volumeMounts": [{"name": "journals", "mountPath": super::manifests::JOURNALS_MOUNT, "readOnly": true}]}],
                "volumes": [{"name": "journals", "persistentVolumeClaim":
                    {"claimName": format!("{fleet}-journals"), "readOnly": true}}],
            },
        }))
        .map_err(|e| format!("the journals pod: {e}"))?;
        self.pods()
            .create(&PostParams::default(), &pod)
            .await
            .map_err(|e| format!("pod/{name}: {e}"))?;
        let result = self.wait_and_read(&name, timeout, poll).await;
        let _ = self.pods().delete(&name, &DeleteParams::default()).await;
        result
    }

    async fn wait_and_read(
        &self,
        name: &str,
        timeout: Duration,
        poll: Duration,
    ) -> Result<String, String> {
        let start = std::time::Instant::now();
        loop {
            let pod = self
                .pods()
                .get(name)
                .await
                .map_err(|e| format!("pod/{name}: {e}"))?;
            let phase = pod
                .status
                .as_ref()
                .and_then(|s| s.phase.clone())
                .unwrap_or_default();
            match phase.as_str() {
                "Succeeded" => break,
                "Failed" => return Err(format!("pod/{name} failed reading the journals")),
                _ if start.elapsed() > timeout => {
                    return Err(format!(
                    "pod/{name} is still {} after {}s (is the claim bound, the image pullable?)",
                    if phase.is_empty() { "Pending" } else { &phase },
                    timeout.as_secs()
                ))
                }
                _ => tokio::time::sleep(poll).await,
            }
        }
        self.pods()
            .logs(name, &LogParams::default())
            .await
            .map_err(|e| format!("the log of pod/{name}: {e}"))
    }
}

/// What the journals pod runs: every journal, each after a `==> FILE`
/// line (a journal line is a JSON object, so never starts so), then `==> end`.
pub const DUMP: &str = r#"for f in /rbk/journals/*.jsonl; do
  [ -f "$f" ] || continue
  echo "==> ${f##*/}"
  cat "$f"
  echo
done
echo "==> end"
"#;

/// Split the journals pod's log into (file name, journal text).
pub fn split_journals(log: &str) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut ended = false;
    for line in log.lines() {
        if let Some(file) = line.strip_prefix("==> ") {
            if file == "end" {
                ended = true;
                break;
            }
            let file = file.trim();
            if file.contains('/') || !file.ends_with(".jsonl") {
                return Err(format!("unexpected journal name {file:?} in the pod's log"));
            }
            out.push((file.to_string(), String::new()));
        } else if let Some((_, text)) = out.last_mut() {
            if !line.trim().is_empty() {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    if !ended {
        return Err(
            "the journals pod's log ends early (a log the kubelet rotated? journals larger than its log limit must be copied from the claim)".into(),
        );
    }
    Ok(out)
}

/// Where the sites of a fleet are.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FleetStatus {
    /// `argo` or `jobs`.
    pub engine: String,
    /// The Workflow's phase (empty for Jobs).
    pub phase: String,
    #[serde(skip)]
    pub image: Option<String>,
    pub sites: Vec<SiteStatus>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SiteStatus {
    pub site: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wave: Option<usize>,
    /// waiting, running, succeeded, failed (and for Argo: skipped, omitted, error).
    pub state: String,
    pub detail: String,
}

impl FleetStatus {
    /// A table for the terminal.
    pub fn table(&self) -> String {
        // Waves are the Jobs' order; Argo has its DAG instead.
        let waves = self.sites.iter().any(|s| s.wave.is_some());
        let row = |site: &str, wave: String, state: &str, detail: &str| {
            let mut r = vec![site.to_string()];
            if waves {
                r.push(wave);
            }
            r.extend([state.to_string(), detail.to_string()]);
            r
        };
        let mut rows = vec![row("SITE", "WAVE".into(), "STATE", "DETAIL")];
        for s in &self.sites {
            let wave = s.wave.map_or("-".into(), |w| w.to_string());
            rows.push(row(&s.site, wave, &s.state, &s.detail));
        }
        let columns = rows[0].len();
        let widths: Vec<usize> = (0..columns)
            .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        if !self.phase.is_empty() {
            out.push_str(&format!("workflow: {}\n", self.phase));
        }
        for r in rows {
            let cells: Vec<String> = r
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:w$}"))
                .collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        out
    }

    pub fn all_succeeded(&self) -> bool {
        self.sites.iter().all(|s| s.state == "succeeded")
    }

    pub fn any_failed(&self) -> bool {
        self.sites
            .iter()
            .any(|s| matches!(s.state.as_str(), "failed" | "error"))
    }
}

/// The Lease that holds a site's lock in the namespace, named after the
/// digest the Jobs carry as `LOCK_LABEL`.
pub fn lease_name(lock_digest: &str) -> String {
    format!("rbk-site-{lock_digest}")
}

/// A Job's state as the fleet sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Suspended: not released yet.
    Waiting,
    Running,
    Succeeded,
    Failed,
}

impl JobState {
    pub fn finished(self) -> bool {
        matches!(self, JobState::Succeeded | JobState::Failed)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Waiting => "waiting",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
        }
    }
}

pub fn job_state(j: &Job) -> JobState {
    let cond = |t: &str| {
        j.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == t && c.status == "True"))
    };
    if cond("Complete") || cond("SuccessCriteriaMet") {
        JobState::Succeeded
    } else if cond("Failed") || cond("FailureTarget") {
        JobState::Failed
    } else if j.spec.as_ref().and_then(|s| s.suspend) == Some(true) {
        JobState::Waiting
    } else {
        JobState::Running
    }
}

fn job_detail(j: &Job) -> String {
    let Some(s) = &j.status else {
        return String::new();
    };
    let failed_cond = s.conditions.as_ref().and_then(|cs| {
        cs.iter()
            .find(|c| c.type_ == "Failed" && c.status == "True")
            .map(|c| c.message.clone().or(c.reason.clone()).unwrap_or_default())
    });
    if let Some(m) = failed_cond {
        return m;
    }
    let mut parts = Vec::new();
    if let Some(n) = s.active.filter(|n| *n > 0) {
        parts.push(format!("{n} pod(s) active"));
    }
    if let Some(n) = s.failed.filter(|n| *n > 0) {
        parts.push(format!("{n} attempt(s) failed"));
    }
    parts.join(", ")
}

fn job_image(j: &Job) -> Option<String> {
    j.spec
        .as_ref()?
        .template
        .spec
        .as_ref()?
        .containers
        .first()?
        .image
        .clone()
}

fn wave_of(j: &Job) -> usize {
    annotation(j, WAVE_ANNOTATION)
        .and_then(|w| w.parse().ok())
        .unwrap_or(0)
}

fn site_of_job(j: &Job) -> String {
    label(j, SITE_LABEL)
        .map(str::to_string)
        .or_else(|| j.metadata.name.clone())
        .unwrap_or_default()
}

fn label<'a>(j: &'a Job, key: &str) -> Option<&'a str> {
    j.metadata.labels.as_ref()?.get(key).map(String::as_str)
}

fn annotation<'a>(j: &'a Job, key: &str) -> Option<&'a str> {
    j.metadata
        .annotations
        .as_ref()?
        .get(key)
        .map(String::as_str)
}

fn text<'a>(o: &'a Value, key: &str) -> &'a str {
    o[key].as_str().unwrap_or_default()
}

fn name_of(o: &Value) -> &str {
    o["metadata"]["name"].as_str().unwrap_or_default()
}

/// The sites of a Workflow rbk planned (its `site-*` templates) and where
/// its nodes say each is.
pub fn workflow_status(wf: &DynamicObject) -> FleetStatus {
    let spec = &wf.data["spec"];
    let status = &wf.data["status"];
    let phase = status["phase"].as_str().unwrap_or("Pending").to_string();
    let nodes: Vec<&Value> = status["nodes"]
        .as_object()
        .map(|m| m.values().collect())
        .unwrap_or_default();
    let templates = spec["templates"].as_array().cloned().unwrap_or_default();
    let image = templates
        .iter()
        .find_map(|t| t["container"]["image"].as_str().map(str::to_string));
    let mut sites = Vec::new();
    for t in &templates {
        let Some(site) = t["metadata"]["labels"][SITE_LABEL].as_str() else {
            continue;
        };
        let template = t["name"].as_str().unwrap_or_default();
        // A retried task is a Retry node over its Pod nodes; else one Pod node.
        let of_site: Vec<&&Value> = nodes
            .iter()
            .filter(|n| n["templateName"] == template)
            .collect();
        let node = of_site
            .iter()
            .find(|n| n["type"] == "Retry")
            .or_else(|| of_site.first());
        let attempts = of_site.iter().filter(|n| n["type"] == "Pod").count();
        let (state, detail) = match node {
            None if matches!(phase.as_str(), "Succeeded" | "Failed" | "Error") => {
                ("omitted".to_string(), "not run".to_string())
            }
            None => ("waiting".to_string(), String::new()),
            Some(n) => {
                let p = n["phase"].as_str().unwrap_or("Pending");
                let state = match p {
                    "Pending" => "waiting",
                    "Running" => "running",
                    "Succeeded" => "succeeded",
                    "Failed" => "failed",
                    "Error" => "error",
                    "Skipped" => "skipped",
                    "Omitted" => "omitted",
                    other => other,
                };
                let mut detail = n["message"].as_str().unwrap_or_default().to_string();
                if attempts > 1 {
                    detail = format!("attempt {attempts}; {detail}")
                        .trim_end_matches("; ")
                        .to_string();
                }
                (state.to_string(), detail)
            }
        };
        sites.push(SiteStatus {
            site: site.to_string(),
            wave: None,
            state,
            detail,
        });
    }
    FleetStatus {
        engine: "argo".into(),
        phase,
        image,
        sites,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// What the scripted API server was asked: `METHOD PATH` and the body.
    type Asked = Arc<Mutex<Vec<(String, Value)>>>;

    /// A Kubernetes API on 127.0.0.1 that answers `METHOD PATH` as
    /// `answers` say (else 404), and a cluster (namespace `ops`) on it.
    async fn scripted(answers: Vec<(&'static str, u16, Value)>) -> (Cluster, Asked) {
        use axum::http::{Method, StatusCode, Uri};
        let asked: Asked = Arc::default();
        let log = asked.clone();
        let answer = move |method: Method, uri: Uri, body: axum::body::Bytes| {
            let key = format!("{method} {}", uri.path());
            let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
            log.lock().unwrap().push((key.clone(), body));
            let (code, v) = answers.iter().find(|(k, _, _)| *k == key).map_or(
                (
                    404,
                    json!({"kind": "Status", "code": 404, "reason": "NotFound"}),
                ),
                |(_, c, v)| (*c, v.clone()),
            );
            async move { (StatusCode::from_u16(code).unwrap(), axum::Json(v)) }
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().fallback(answer);
        tokio::spawn(async move { axum::serve(listener, app).await });
        let config = kube::Config::new(url.parse().unwrap());
        let client = kube::Client::try_from(config).unwrap();
        let cluster = Cluster {
            client,
            namespace: "ops".into(),
        };
        (cluster, asked)
    }

    fn conflict(reason: &str) -> Value {
        json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 409, "reason": reason, "message": reason})
    }

    fn held_by(holder: &str) -> Value {
        json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
               "metadata": {"name": "rbk-site-abc", "namespace": "ops", "resourceVersion": "7"},
               "spec": {"holderIdentity": holder, "leaseTransitions": 2}})
    }

    fn job(conditions: Value) -> Value {
        json!({"apiVersion": "batch/v1", "kind": "Job",
               "metadata": {"name": "old-us-east", "namespace": "ops", "labels": {FLEET_LABEL: "old"}},
               "spec": {"suspend": false, "template": {"spec": {"containers": []}}},
               "status": {"conditions": conditions}})
    }

    fn bodies_of(asked: &Asked, method: &str) -> Vec<Value> {
        asked
            .lock()
            .unwrap()
            .iter()
            .filter(|(k, _)| k.starts_with(method))
            .map(|(_, b)| b.clone())
            .collect()
    }

    #[tokio::test]
    async fn a_lease_of_a_running_job_holds_the_site() {
        let (cluster, asked) = scripted(vec![
            (
                "POST /apis/coordination.k8s.io/v1/namespaces/ops/leases",
                409,
                conflict("AlreadyExists"),
            ),
            (
                "GET /apis/coordination.k8s.io/v1/namespaces/ops/leases/rbk-site-abc",
                200,
                held_by("ops/old-us-east"),
            ),
            (
                "GET /apis/batch/v1/namespaces/ops/jobs/old-us-east",
                200,
                job(json!([])),
            ),
        ])
        .await;
        let held = cluster.take_site_lock("abc", "new-us-east").await.unwrap();
        assert_eq!(
            held.as_deref(),
            Some("job/old-us-east of fleet old holds the site's lock")
        );
        assert!(bodies_of(&asked, "PUT").is_empty());
    }

    #[tokio::test]
    async fn a_finished_holder_is_taken_over_on_the_version_read() {
        let (cluster, asked) = scripted(vec![
            (
                "POST /apis/coordination.k8s.io/v1/namespaces/ops/leases",
                409,
                conflict("AlreadyExists"),
            ),
            (
                "GET /apis/coordination.k8s.io/v1/namespaces/ops/leases/rbk-site-abc",
                200,
                held_by("ops/old-us-east"),
            ),
            (
                "GET /apis/batch/v1/namespaces/ops/jobs/old-us-east",
                200,
                job(json!([{"type": "Complete", "status": "True"}])),
            ),
            (
                "PUT /apis/coordination.k8s.io/v1/namespaces/ops/leases/rbk-site-abc",
                200,
                held_by("ops/new-us-east"),
            ),
        ])
        .await;
        assert_eq!(cluster.take_site_lock("abc", "new-us-east").await, Ok(None));
        let put = bodies_of(&asked, "PUT");
        assert_eq!(put.len(), 1);
        assert_eq!(put[0]["metadata"]["resourceVersion"], "7");
        assert_eq!(put[0]["spec"]["holderIdentity"], "ops/new-us-east");
        assert_eq!(put[0]["spec"]["leaseTransitions"], 3);
        let created = bodies_of(&asked, "POST");
        assert_eq!(created[0]["metadata"]["name"], "rbk-site-abc");
        assert_eq!(created[0]["metadata"]["labels"][MANAGED_BY], "rbk");
    }

    #[tokio::test]
    async fn a_takeover_that_loses_the_race_holds_the_job_back() {
        let (cluster, _) = scripted(vec![
            (
                "POST /apis/coordination.k8s.io/v1/namespaces/ops/leases",
                409,
                conflict("AlreadyExists"),
            ),
            (
                "GET /apis/coordination.k8s.io/v1/namespaces/ops/leases/rbk-site-abc",
                200,
                held_by("ops/gone-us-east"),
            ),
            (
                "PUT /apis/coordination.k8s.io/v1/namespaces/ops/leases/rbk-site-abc",
                409,
                conflict("Conflict"),
            ),
        ])
        .await;
        // The holder's Job is gone (404): the lock is free, but another
        // submit wrote the Lease first.
        let held = cluster.take_site_lock("abc", "new-us-east").await.unwrap();
        assert!(
            held.as_deref()
                .is_some_and(|h| h
                    .starts_with("another submit took the site's lock (lease/rbk-site-abc) first")),
            "{held:?}"
        );
    }

    #[test]
    fn journals_split_on_their_frames() {
        let log = "==> a.jsonl\n{\"event\":\"run_start\"}\n\n==> b.jsonl\n{\"x\":1}\n{\"x\":2}\n\n==> end\n";
        let j = split_journals(log).expect("splits");
        assert_eq!(
            j,
            [
                (
                    "a.jsonl".to_string(),
                    "{\"event\":\"run_start\"}\n".to_string()
                ),
                ("b.jsonl".to_string(), "{\"x\":1}\n{\"x\":2}\n".to_string()),
            ]
        );
        assert!(split_journals("==> a.jsonl\n{}\n").is_err(), "no end");
        assert!(split_journals("==> ../x.jsonl\n==> end\n").is_err());
    }

    #[test]
    fn workflow_nodes_say_where_each_site_is() {
        let wf: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"name": "hello"},
            "spec": {"templates": [
                {"name": "fleet", "dag": {"tasks": []}},
                {"name": "site-a", "metadata": {"labels": {SITE_LABEL: "a"}}, "container": {"image": "rbk:1"}},
                {"name": "site-b", "metadata": {"labels": {SITE_LABEL: "b"}}, "container": {"image": "rbk:1"}},
                {"name": "site-c", "metadata": {"labels": {SITE_LABEL: "c"}}, "container": {"image": "rbk:1"}},
            ]},
            "status": {"phase": "Running", "nodes": {
                "n1": {"templateName": "site-a", "type": "Retry", "phase": "Succeeded"},
                "n2": {"templateName": "site-a", "type": "Pod", "phase": "Failed", "message": "pod deleted"},
                "n3": {"templateName": "site-a", "type": "Pod", "phase": "Succeeded"},
                "n4": {"templateName": "site-b", "type": "Pod", "phase": "Running"},
            }},
        }))
        .expect("workflow");
        let s = workflow_status(&wf);
        let states: Vec<(&str, &str, &str)> = s
            .sites
            .iter()
            .map(|x| (x.site.as_str(), x.state.as_str(), x.detail.as_str()))
            .collect();
        assert_eq!(
            states,
            [
                ("a", "succeeded", "attempt 2"),
                ("b", "running", ""),
                ("c", "waiting", "")
            ]
        );
        assert_eq!(s.image.as_deref(), Some("rbk:1"));
    }
}
