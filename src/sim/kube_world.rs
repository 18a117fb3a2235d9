//! A Kubernetes cluster a scenario declares (`[kube]` with YAML manifests):
//! nodes, deployments, daemonsets, pods, PodDisruptionBudgets and any other
//! object (Cluster API kinds included), stored as the API server would and
//! changed over simulated time by small controllers:
//!
//! - a pod is scheduled on a Ready, schedulable node and turns Ready
//!   `pod_ready_s` later; a deleted or evicted pod terminates for
//!   `pod_stop_s`;
//! - deployments keep their replicas (a rolling update one pod at a time
//!   after `rollout restart`), daemonsets one pod per node;
//! - an eviction is refused (429) while a PodDisruptionBudget allows no
//!   disruption, so a drain waits until replacements are Ready elsewhere;
//! - a node rebooted over ssh goes NotReady `node_not_ready_s` later and
//!   Ready `node_boot_s` after the reboot (or never, when listed in
//!   `never_ready_after_reboot`).
//!
//! When a scenario has no `[kube]` section the Kubernetes API shows the
//! seed's management cluster instead (`kube_objects`).
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::server::iso;
use super::world::{Ms, SECOND};

/// The scenario file's `[kube]` section. Times are simulated seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KubeSpec {
    /// The cluster's objects as YAML documents separated by `---`.
    #[serde(default)]
    pub manifests: String,
    /// YAML files of more objects, relative to the scenario file (read
    /// before `manifests`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub manifest_files: Vec<String>,
    /// Where the operator's kubeconfig for this cluster lives on the
    /// simulated machine (a `scope kube(kubeconfig: ...)` path).
    #[serde(default = "kubeconfig")]
    pub kubeconfig: String,
    /// A scheduled pod turns Ready this long later.
    #[serde(default = "pod_ready_s")]
    pub pod_ready_s: i64,
    /// A deleted or evicted pod is Terminating this long.
    #[serde(default = "pod_stop_s")]
    pub pod_stop_s: i64,
    /// After `reboot` the node is NotReady this long later (the node
    /// controller's grace period).
    #[serde(default = "node_not_ready_s")]
    pub node_not_ready_s: i64,
    /// After `reboot` the node is Ready again this long later.
    #[serde(default = "node_boot_s")]
    pub node_boot_s: i64,
    /// Nodes whose kubelet never comes back Ready after a reboot.
    #[serde(default)]
    pub never_ready_after_reboot: Vec<String>,
}

fn pod_ready_s() -> i64 {
    15
}
fn kubeconfig() -> String {
    "~/.kube/config".into()
}

impl KubeSpec {
    /// Read `manifest_files` (relative to `dir`) into `manifests`, so the
    /// spec no longer depends on where the scenario file was.
    pub fn read_files(&mut self, dir: &std::path::Path) -> Result<(), String> {
        let mut text = String::new();
        for f in self.manifest_files.drain(..) {
            let path = dir.join(&f);
            let body = std::fs::read_to_string(&path)
                .map_err(|e| format!("kube.manifest_files: cannot read {}: {e}", path.display()))?;
            text.push_str(&body);
            text.push_str("\n---\n");
        }
        self.manifests = text + &self.manifests;
        Ok(())
    }
}
fn pod_stop_s() -> i64 {
    5
}
fn node_not_ready_s() -> i64 {
    40
}
fn node_boot_s() -> i64 {
    150
}

/// Why the API refused a request: the HTTP status, the Status reason and message.
#[derive(Debug, Clone, PartialEq)]
pub struct KubeError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
}

/// The resource as the API server names it in messages: `pods`,
/// `leases.coordination.k8s.io`.
fn resource_name(kind: &str) -> String {
    super::kube_objects::RESOURCES
        .iter()
        .find(|r| r.3 == kind)
        .map_or_else(
            || format!("{}s", kind.to_ascii_lowercase()),
            |r| match r.0 {
                "" => r.2.to_string(),
                group => format!("{}.{group}", r.2),
            },
        )
}

fn not_found(kind: &str, name: &str) -> KubeError {
    KubeError {
        code: 404,
        reason: "NotFound",
        message: format!("{} \"{name}\" not found", resource_name(kind)),
    }
}

/// A write whose precondition no longer holds (409 Conflict): the stale
/// `resourceVersion` of an optimistic update, as the API server words it.
fn conflict(kind: &str, name: &str, why: &str) -> KubeError {
    KubeError {
        code: 409,
        reason: "Conflict",
        message: format!(
            "Operation cannot be fulfilled on {} \"{name}\": {why}",
            resource_name(kind)
        ),
    }
}

/// What a write may require of the stored object (`metadata.resourceVersion`
/// of an update or patch, `preconditions` of a delete); empty: anything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Preconditions {
    pub resource_version: String,
    pub uid: String,
}

fn invalid(message: String) -> KubeError {
    KubeError {
        code: 422,
        reason: "Invalid",
        message,
    }
}

#[derive(Debug, Clone, Serialize)]
enum Timer {
    /// The pod's container is up: Ready.
    PodStarted(String),
    /// The terminating pod is gone.
    PodGone(String),
    /// The rebooting node stops reporting: NotReady.
    NodeLost(String),
    /// The rebooted node's kubelet reports again.
    NodeBooted(String),
}

/// A node's reboot: unreachable over ssh between `at` and `up_at`.
#[derive(Debug, Clone, Serialize)]
struct Reboot {
    node: String,
    at: Ms,
    up_at: Ms,
}

#[derive(Debug, Clone, Serialize)]
pub struct KubeWorld {
    spec: KubeSpec,
    objects: Vec<Value>,
    timers: Vec<(Ms, Timer)>,
    reboots: Vec<Reboot>,
    seq: u64,
    now: Ms,
}

fn text<'a>(o: &'a Value, path: &[&str]) -> &'a str {
    path.iter()
        .try_fold(o, |v, k| v.get(k))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

pub fn kind_of(o: &Value) -> &str {
    text(o, &["kind"])
}
pub fn name_of(o: &Value) -> &str {
    text(o, &["metadata", "name"])
}
pub fn namespace_of(o: &Value) -> &str {
    text(o, &["metadata", "namespace"])
}
fn uid_of(o: &Value) -> &str {
    text(o, &["metadata", "uid"])
}

/// Kinds without a namespace.
pub fn cluster_scoped(kind: &str) -> bool {
    matches!(kind, "Node" | "Namespace")
}

/// RFC 7386 merge: maps merge, `null` removes, anything else replaces.
pub fn merge(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(t), Some(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

/// Does `labels` satisfy a `matchLabels` map?
fn matches_labels(labels: &Value, want: &Value) -> bool {
    want.as_object()
        .is_some_and(|w| w.iter().all(|(k, v)| labels.get(k) == Some(v)))
}

/// A label selector as kubectl writes it: `a=b,c!=d,e` (and `==`).
pub fn label_selector_matches(selector: &str, labels: &Value) -> bool {
    selector
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .all(|term| {
            if let Some((k, v)) = term.split_once("!=") {
                labels.get(k.trim()).and_then(Value::as_str) != Some(v.trim())
            } else if let Some((k, v)) = term.split_once('=') {
                let v = v.trim_start_matches('=');
                labels.get(k.trim()).and_then(Value::as_str) == Some(v.trim())
            } else if let Some(k) = term.strip_prefix('!') {
                labels.get(k).is_none()
            } else {
                labels.get(term).is_some()
            }
        })
}

/// A field selector: `spec.nodeName=x,metadata.name!=y,status.phase=Running`.
pub fn field_selector_matches(selector: &str, o: &Value) -> bool {
    selector
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .all(|term| {
            let (path, want, equal) = match term.split_once("!=") {
                Some((p, v)) => (p, v, false),
                None => match term.split_once('=') {
                    Some((p, v)) => (p, v.trim_start_matches('='), true),
                    None => return true,
                },
            };
            let keys: Vec<&str> = path.trim().split('.').collect();
            let got = text(o, &keys);
            (got == want.trim()) == equal
        })
}

fn condition(type_: &str, status: &str, reason: &str, message: &str, at: Ms) -> Value {
    json!({"type": type_, "status": status, "reason": reason, "message": message,
           "lastTransitionTime": iso(at), "lastHeartbeatTime": iso(at)})
}

/// Set (or add) one condition of an object.
fn set_condition(o: &mut Value, c: Value) {
    let conds = &mut o["status"]["conditions"];
    if !conds.is_array() {
        *conds = json!([]);
    }
    let list = conds.as_array_mut().expect("array");
    match list.iter_mut().find(|x| x["type"] == c["type"]) {
        Some(x) => *x = c,
        None => list.push(c),
    }
}

fn is_true(o: &Value, type_: &str) -> bool {
    o["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == type_))
        .is_some_and(|c| c["status"] == "True")
}

fn pod_ready(p: &Value) -> bool {
    is_true(p, "Ready") && p["metadata"]["deletionTimestamp"].is_null()
}

fn terminating(p: &Value) -> bool {
    !p["metadata"]["deletionTimestamp"].is_null()
}

/// A short stable hash of a pod template (`pod-template-hash`).
fn template_hash(template: &Value) -> String {
    let h = template
        .to_string()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
        });
    let alphabet = b"bcdfghjklmnpqrstvwxz2456789";
    (0..10)
        .map(|i| alphabet[((h >> (i * 6)) % alphabet.len() as u64) as usize] as char)
        .collect()
}

impl KubeWorld {
    /// The cluster a scenario declares, as of `now`.
    pub fn build(spec: &KubeSpec, now: Ms) -> Result<KubeWorld, String> {
        if !spec.manifest_files.is_empty() {
            return Err("kube.manifest_files needs a scenario file to be relative to".into());
        }
        let docs: Vec<Value> = serde_saphyr::from_multiple(&spec.manifests)
            .map_err(|e| format!("kube.manifests: {e}"))?;
        let mut w = KubeWorld {
            spec: spec.clone(),
            objects: Vec::new(),
            timers: Vec::new(),
            reboots: Vec::new(),
            seq: 0,
            now,
        };
        let long_ago = now - 30 * 24 * 3600 * SECOND;
        for (i, doc) in docs.into_iter().enumerate() {
            if doc.is_null() {
                continue;
            }
            if kind_of(&doc).is_empty() || name_of(&doc).is_empty() {
                return Err(format!(
                    "kube.manifests document {}: needs kind and metadata.name",
                    i + 1
                ));
            }
            let mut o = doc;
            w.stamp(&mut o, long_ago);
            if kind_of(&o) == "Node" {
                w.init_node(&mut o, long_ago);
            }
            if kind_of(&o) == "Pod" {
                w.init_declared_pod(&mut o, long_ago);
            }
            if w.find(kind_of(&o), namespace_of(&o), name_of(&o)).is_some() {
                return Err(format!(
                    "kube.manifests: {} {:?} is declared twice",
                    kind_of(&o),
                    name_of(&o)
                ));
            }
            w.objects.push(o);
        }
        for n in &spec.never_ready_after_reboot {
            if w.find("Node", "", n).is_none() {
                return Err(format!(
                    "kube.never_ready_after_reboot: no node {n:?} in the manifests"
                ));
            }
        }
        // The controllers bring the declared workloads up before the start.
        w.now = long_ago;
        w.reconcile(long_ago);
        w.advance(now);
        Ok(w)
    }

    /// Defaults every stored object has: namespace, uid, creation time.
    fn stamp(&mut self, o: &mut Value, at: Ms) {
        if !o["metadata"].is_object() {
            o["metadata"] = json!({});
        }
        if !cluster_scoped(kind_of(o)) && namespace_of(o).is_empty() {
            o["metadata"]["namespace"] = json!("default");
        }
        if uid_of(o).is_empty() {
            self.seq += 1;
            o["metadata"]["uid"] = json!(format!(
                "5e0c{:04x}-{:04x}-4000-8000-{:012x}",
                self.seq & 0xffff,
                (self.seq >> 16) & 0xffff,
                self.seq
            ));
        }
        if o["metadata"]["creationTimestamp"].is_null() {
            o["metadata"]["creationTimestamp"] = json!(iso(at));
        }
        o["metadata"]["resourceVersion"] = json!(self.seq.to_string());
        o["metadata"]["generation"] = json!(1);
    }

    fn init_node(&self, o: &mut Value, at: Ms) {
        if o["metadata"]["labels"]["kubernetes.io/hostname"].is_null() {
            let name = name_of(o).to_string();
            if !o["metadata"]["labels"].is_object() {
                o["metadata"]["labels"] = json!({});
            }
            o["metadata"]["labels"]["kubernetes.io/hostname"] = json!(name);
        }
        if o["status"]["nodeInfo"].is_null() {
            o["status"]["nodeInfo"] = json!({"kubeletVersion": super::kube_objects::KUBE_VERSION,
                "osImage": "Ubuntu 24.04.2 LTS", "kernelVersion": "6.8.0-60-generic",
                "containerRuntimeVersion": "containerd://1.7.27", "architecture": "amd64",
                "operatingSystem": "linux", "bootID": "boot-0"});
        }
        if o["status"]["addresses"].is_null() {
            o["status"]["addresses"] = json!([{"type": "Hostname", "address": name_of(o)}]);
        }
        let declared_not_ready = o["status"]["conditions"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["type"] == "Ready"))
            .is_some_and(|c| c["status"] != "True");
        if !declared_not_ready {
            set_condition(
                o,
                condition(
                    "Ready",
                    "True",
                    "KubeletReady",
                    "kubelet is posting ready status",
                    at,
                ),
            );
        }
    }

    fn init_declared_pod(&mut self, o: &mut Value, at: Ms) {
        let declared = o["status"]["phase"].as_str().map(str::to_string);
        if declared.is_none() {
            self.start_pod_status(o, at);
            let uid = uid_of(o).to_string();
            if !o["spec"]["nodeName"].is_null() {
                self.timers
                    .push((at + self.spec.pod_ready_s * SECOND, Timer::PodStarted(uid)));
            }
        }
    }

    fn find(&self, kind: &str, ns: &str, name: &str) -> Option<usize> {
        self.objects.iter().position(|o| {
            kind_of(o) == kind
                && name_of(o) == name
                && (cluster_scoped(kind) || ns.is_empty() || namespace_of(o) == ns)
        })
    }

    /// Objects of one kind (`Node`, `Deployment`, ...), in one namespace or all.
    pub fn list(&self, kind: &str, ns: Option<&str>) -> Vec<Value> {
        if kind == "Namespace" {
            return self.namespaces();
        }
        self.objects
            .iter()
            .filter(|o| kind_of(o) == kind)
            .filter(|o| ns.is_none_or(|n| cluster_scoped(kind) || namespace_of(o) == n))
            .map(|o| self.view(o))
            .collect()
    }

    pub fn get(&self, kind: &str, ns: &str, name: &str) -> Result<Value, KubeError> {
        if kind == "Namespace" {
            return self
                .namespaces()
                .into_iter()
                .find(|n| name_of(n) == name)
                .ok_or_else(|| not_found(kind, name));
        }
        self.find(kind, ns, name)
            .map(|i| self.view(&self.objects[i]))
            .ok_or_else(|| not_found(kind, name))
    }

    /// An object as read: derived status (PDBs) filled in.
    fn view(&self, o: &Value) -> Value {
        let mut o = o.clone();
        if kind_of(&o) == "PodDisruptionBudget" {
            let (healthy, desired, expected) = self.budget(&o);
            o["status"] = json!({"currentHealthy": healthy, "desiredHealthy": desired,
                "expectedPods": expected, "disruptionsAllowed": (healthy - desired).max(0),
                "observedGeneration": 1,
                "conditions": [condition("DisruptionAllowed",
                    if healthy > desired { "True" } else { "False" },
                    if healthy > desired { "SufficientPods" } else { "InsufficientPods" }, "", self.now)]});
        }
        o
    }

    fn namespaces(&self) -> Vec<Value> {
        let mut names: BTreeSet<String> = ["default", "kube-system"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for o in &self.objects {
            if !namespace_of(o).is_empty() {
                names.insert(namespace_of(o).to_string());
            }
            if kind_of(o) == "Namespace" {
                names.insert(name_of(o).to_string());
            }
        }
        names
            .into_iter()
            .map(|n| {
                json!({"kind": "Namespace", "apiVersion": "v1",
                       "metadata": {"name": n, "uid": format!("ns-{n}"), "resourceVersion": "1",
                                    "creationTimestamp": iso(self.now - 30 * 24 * 3600 * SECOND)},
                       "status": {"phase": "Active"}})
            })
            .collect()
    }

    /// (currently healthy, desired healthy, expected pods) of a PDB.
    fn budget(&self, pdb: &Value) -> (i64, i64, i64) {
        let ns = namespace_of(pdb);
        let selector = &pdb["spec"]["selector"]["matchLabels"];
        let pods: Vec<&Value> = self
            .objects
            .iter()
            .filter(|p| kind_of(p) == "Pod" && namespace_of(p) == ns && !terminating(p))
            .filter(|p| matches_labels(&p["metadata"]["labels"], selector))
            .collect();
        let healthy = pods.iter().filter(|p| pod_ready(p)).count() as i64;
        // Expected: the owning workloads' replicas, else the pods there are.
        let expected = self
            .objects
            .iter()
            .filter(|d| kind_of(d) == "Deployment" && namespace_of(d) == ns)
            .filter(|d| matches_labels(&d["spec"]["selector"]["matchLabels"], selector))
            .map(|d| d["spec"]["replicas"].as_i64().unwrap_or(1))
            .sum::<i64>()
            .max(pods.len() as i64);
        let amount = |v: &Value| match v {
            Value::Number(n) => n.as_i64().unwrap_or(0),
            Value::String(s) if s.ends_with('%') => {
                let pct: i64 = s.trim_end_matches('%').parse().unwrap_or(0);
                (expected * pct + 99) / 100
            }
            Value::String(s) => s.parse().unwrap_or(0),
            _ => 0,
        };
        let spec = &pdb["spec"];
        let desired = if !spec["minAvailable"].is_null() {
            amount(&spec["minAvailable"])
        } else if !spec["maxUnavailable"].is_null() {
            (expected - amount(&spec["maxUnavailable"])).max(0)
        } else {
            0
        };
        (healthy, desired, expected)
    }

    // ---- changes -------------------------------------------------------------

    fn bump(&mut self, i: usize) {
        self.seq += 1;
        self.objects[i]["metadata"]["resourceVersion"] = json!(self.seq.to_string());
    }

    /// Create an object (POST, or server-side apply of a new one).
    pub fn create(&mut self, mut o: Value, now: Ms) -> Result<Value, KubeError> {
        let (kind, name) = (kind_of(&o).to_string(), name_of(&o).to_string());
        if kind.is_empty() || name.is_empty() {
            return Err(invalid("the object needs kind and metadata.name".into()));
        }
        if self.find(&kind, namespace_of(&o), &name).is_some() {
            return Err(KubeError {
                code: 409,
                reason: "AlreadyExists",
                message: format!("{} \"{name}\" already exists", resource_name(&kind)),
            });
        }
        self.stamp(&mut o, now);
        match kind.as_str() {
            "Node" => self.init_node(&mut o, now),
            "Pod" => self.init_declared_pod(&mut o, now),
            _ => {}
        }
        self.objects.push(o);
        self.reconcile(now);
        let i = self.objects.len() - 1;
        Ok(self.view(&self.objects[i]))
    }

    /// Merge a patch into an object (JSON merge and, for the shapes kubectl
    /// sends, strategic merge).
    pub fn patch(
        &mut self,
        kind: &str,
        ns: &str,
        name: &str,
        patch: &Value,
        now: Ms,
    ) -> Result<Value, KubeError> {
        let i = self
            .find(kind, ns, name)
            .ok_or_else(|| not_found(kind, name))?;
        // A patch that names a resourceVersion is an optimistic update.
        let wanted = Preconditions {
            resource_version: text(patch, &["metadata", "resourceVersion"]).to_string(),
            uid: text(patch, &["metadata", "uid"]).to_string(),
        };
        self.check(i, &wanted, "the object has been modified; please apply your changes to the latest version and try again")?;
        let before = self.objects[i]["spec"]["template"].clone();
        let mut patch = patch.clone();
        // Identity is not patchable.
        if let Some(m) = patch.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in [
                "name",
                "namespace",
                "uid",
                "creationTimestamp",
                "resourceVersion",
            ] {
                m.remove(k);
            }
        }
        if let Some(p) = patch.as_object_mut() {
            p.remove("kind");
            p.remove("apiVersion");
        }
        merge(&mut self.objects[i], &patch);
        if self.objects[i]["spec"]["template"] != before {
            let g = self.objects[i]["metadata"]["generation"]
                .as_i64()
                .unwrap_or(1);
            self.objects[i]["metadata"]["generation"] = json!(g + 1);
        }
        self.bump(i);
        self.reconcile(now);
        let i = self
            .find(kind, ns, name)
            .ok_or_else(|| not_found(kind, name))?;
        Ok(self.view(&self.objects[i]))
    }

    /// Does the stored object meet `wanted`? A 409 Conflict saying `why` if not.
    fn check(&self, i: usize, wanted: &Preconditions, why: &str) -> Result<(), KubeError> {
        let o = &self.objects[i];
        let stored = text(o, &["metadata", "resourceVersion"]);
        let rv_ok = wanted.resource_version.is_empty() || wanted.resource_version == stored;
        let uid_ok = wanted.uid.is_empty() || wanted.uid == uid_of(o);
        if rv_ok && uid_ok {
            return Ok(());
        }
        Err(conflict(kind_of(o), name_of(o), why))
    }

    /// Replace an object (PUT): the body becomes the object, but for what
    /// the server keeps (uid, creation time, status: a status subresource's
    /// own). A `metadata.resourceVersion` in the body must be the stored
    /// one (optimistic concurrency: 409 Conflict when someone wrote since).
    pub fn replace(
        &mut self,
        kind: &str,
        ns: &str,
        name: &str,
        mut o: Value,
        now: Ms,
    ) -> Result<Value, KubeError> {
        let i = self
            .find(kind, ns, name)
            .ok_or_else(|| not_found(kind, name))?;
        if !name_of(&o).is_empty() && name_of(&o) != name {
            return Err(KubeError {
                code: 400,
                reason: "BadRequest",
                message: format!(
                    "the name of the object ({}) does not match the name on the URL ({name})",
                    name_of(&o)
                ),
            });
        }
        let wanted = Preconditions {
            resource_version: text(&o, &["metadata", "resourceVersion"]).to_string(),
            uid: text(&o, &["metadata", "uid"]).to_string(),
        };
        self.check(i, &wanted, "the object has been modified; please apply your changes to the latest version and try again")?;
        let stored = &self.objects[i];
        if !o["metadata"].is_object() {
            o["metadata"] = json!({});
        }
        let kept = |o: &mut Map<String, Value>, from: &Value, k: &str| match from.get(k) {
            Some(v) => o.insert(k.to_string(), v.clone()),
            None => o.remove(k),
        };
        if let Some(m) = o["metadata"].as_object_mut() {
            for k in [
                "name",
                "namespace",
                "uid",
                "creationTimestamp",
                "generation",
            ] {
                kept(m, &stored["metadata"], k);
            }
        }
        if let Some(m) = o.as_object_mut() {
            kept(m, stored, "status");
            for k in ["kind", "apiVersion"] {
                if !m.contains_key(k) {
                    kept(m, stored, k);
                }
            }
        }
        if o["spec"] != stored["spec"] {
            let g = stored["metadata"]["generation"].as_i64().unwrap_or(1);
            o["metadata"]["generation"] = json!(g + 1);
        }
        self.objects[i] = o;
        self.bump(i);
        self.reconcile(now);
        let i = self
            .find(kind, ns, name)
            .ok_or_else(|| not_found(kind, name))?;
        Ok(self.view(&self.objects[i]))
    }

    /// Server-side apply: create the object, or merge the applied fields.
    pub fn apply(
        &mut self,
        kind: &str,
        ns: &str,
        name: &str,
        manifest: Value,
        now: Ms,
    ) -> Result<(Value, bool), KubeError> {
        if kind_of(&manifest) != kind || name_of(&manifest) != name {
            return Err(invalid(format!(
                "the applied object is {} {:?}, the request names {kind} {name:?}",
                kind_of(&manifest),
                name_of(&manifest)
            )));
        }
        if self.find(kind, ns, name).is_some() {
            return Ok((self.patch(kind, ns, name, &manifest, now)?, false));
        }
        let mut o = manifest;
        if !cluster_scoped(kind) {
            o["metadata"]["namespace"] = json!(ns);
        }
        Ok((self.create(o, now)?, true))
    }

    /// Delete an object; pods terminate gracefully, workloads take their
    /// pods. The delete's `preconditions` must hold (409 Conflict if not).
    pub fn delete(
        &mut self,
        kind: &str,
        ns: &str,
        name: &str,
        preconditions: &Preconditions,
        now: Ms,
    ) -> Result<Value, KubeError> {
        let i = self
            .find(kind, ns, name)
            .ok_or_else(|| not_found(kind, name))?;
        let stored = text(&self.objects[i], &["metadata", "resourceVersion"]);
        let why = if preconditions.uid.is_empty() || preconditions.uid == uid_of(&self.objects[i]) {
            format!(
                "Precondition failed: ResourceVersion in precondition: {}, ResourceVersion in object meta: {stored}",
                preconditions.resource_version
            )
        } else {
            format!(
                "Precondition failed: UID in precondition: {}, UID in object meta: {}",
                preconditions.uid,
                uid_of(&self.objects[i])
            )
        };
        self.check(i, preconditions, &why)?;
        if kind == "Pod" {
            self.terminate(i, now);
            return Ok(self.objects[i].clone());
        }
        let o = self.objects.remove(i);
        if matches!(kind, "Deployment" | "DaemonSet") {
            let owner = name_of(&o).to_string();
            let owned: Vec<usize> = (0..self.objects.len())
                .filter(|&j| self.owned_by(&self.objects[j], kind, ns, &owner))
                .collect();
            for j in owned {
                self.terminate(j, now);
            }
        }
        self.reconcile(now);
        Ok(o)
    }

    fn owned_by(&self, p: &Value, kind: &str, ns: &str, owner: &str) -> bool {
        kind_of(p) == "Pod"
            && namespace_of(p) == ns
            && p["metadata"]["annotations"]["sim.rbk.dev/owner"] == format!("{kind}/{owner}")
    }

    fn terminate(&mut self, i: usize, now: Ms) {
        if terminating(&self.objects[i]) {
            return;
        }
        self.objects[i]["metadata"]["deletionTimestamp"] = json!(iso(now));
        self.objects[i]["metadata"]["deletionGracePeriodSeconds"] = json!(self.spec.pod_stop_s);
        set_condition(
            &mut self.objects[i],
            condition("Ready", "False", "PodCompleted", "", now),
        );
        if let Some(cs) = self.objects[i]["status"]["containerStatuses"].as_array_mut() {
            for c in cs {
                c["ready"] = json!(false);
            }
        }
        self.bump(i);
        let uid = uid_of(&self.objects[i]).to_string();
        self.timers
            .push((now + self.spec.pod_stop_s * SECOND, Timer::PodGone(uid)));
    }

    /// The scale subresource of a workload.
    pub fn scale_of(&self, kind: &str, ns: &str, name: &str) -> Result<Value, KubeError> {
        let i = self
            .find(kind, ns, name)
            .ok_or_else(|| not_found(kind, name))?;
        let o = &self.objects[i];
        let selector = o["spec"]["selector"]["matchLabels"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default();
        Ok(json!({"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {"name": name, "namespace": ns, "uid": o["metadata"]["uid"],
                         "resourceVersion": o["metadata"]["resourceVersion"],
                         "creationTimestamp": o["metadata"]["creationTimestamp"]},
            "spec": {"replicas": o["spec"]["replicas"].as_i64().unwrap_or(1)},
            "status": {"replicas": o["status"]["replicas"].as_i64().unwrap_or(0), "selector": selector}}))
    }

    pub fn scale(
        &mut self,
        kind: &str,
        ns: &str,
        name: &str,
        replicas: i64,
        now: Ms,
    ) -> Result<Value, KubeError> {
        if replicas < 0 {
            return Err(invalid(format!(
                "spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"
            )));
        }
        self.patch(
            kind,
            ns,
            name,
            &json!({"spec": {"replicas": replicas}}),
            now,
        )?;
        self.scale_of(kind, ns, name)
    }

    /// The Eviction API: refused while a PodDisruptionBudget over the pod
    /// allows no disruption.
    pub fn evict(&mut self, ns: &str, name: &str, now: Ms) -> Result<(), KubeError> {
        let i = self
            .find("Pod", ns, name)
            .ok_or_else(|| not_found("Pod", name))?;
        if terminating(&self.objects[i]) {
            return Ok(());
        }
        let pod = self.objects[i].clone();
        if pod_ready(&pod) {
            for pdb in self.objects.iter().filter(|o| {
                kind_of(o) == "PodDisruptionBudget"
                    && namespace_of(o) == ns
                    && matches_labels(
                        &pod["metadata"]["labels"],
                        &o["spec"]["selector"]["matchLabels"],
                    )
            }) {
                let (healthy, desired, _) = self.budget(pdb);
                if healthy <= desired {
                    return Err(KubeError {
                        code: 429,
                        reason: "TooManyRequests",
                        message: format!(
                            "Cannot evict pod as it would violate the pod's disruption budget. \
                             The disruption budget {} needs {desired} healthy pods and has {healthy} currently",
                            name_of(pdb)
                        ),
                    });
                }
            }
        }
        self.terminate(i, now);
        self.reconcile(now);
        Ok(())
    }

    /// A container's log, as the pod's annotation `sim.rbk.dev/log` declares
    /// it, else a start-up banner; each line after its time with
    /// `timestamps` (`kubectl logs --timestamps`).
    pub fn logs(
        &self,
        ns: &str,
        name: &str,
        tail: Option<usize>,
        timestamps: bool,
    ) -> Result<String, KubeError> {
        let i = self
            .find("Pod", ns, name)
            .ok_or_else(|| not_found("Pod", name))?;
        let p = &self.objects[i];
        // A container that ran to its end has a log too.
        let state = &p["status"]["containerStatuses"][0]["state"];
        let started = state["running"]["startedAt"]
            .as_str()
            .or(state["terminated"]["startedAt"].as_str())
            .map(str::to_string);
        let Some(started) = started else {
            return Err(KubeError {
                code: 400,
                reason: "BadRequest",
                message: format!(
                    "container \"{}\" in pod \"{name}\" is waiting to start: ContainerCreating",
                    p["spec"]["containers"][0]["name"].as_str().unwrap_or("app")
                ),
            });
        };
        let lines: Vec<String> = match p["metadata"]["annotations"]["sim.rbk.dev/log"].as_str() {
            Some(log) if timestamps => log.lines().map(|l| format!("{started} {l}")).collect(),
            Some(log) => log.lines().map(str::to_string).collect(),
            None => vec![
                format!(
                    "{started} starting {}",
                    p["spec"]["containers"][0]["image"]
                        .as_str()
                        .unwrap_or("app")
                ),
                format!("{started} listening on :8080"),
                format!("{started} ready"),
            ],
        };
        let skip = tail.map_or(0, |t| lines.len().saturating_sub(t));
        Ok(lines[skip..].iter().map(|l| format!("{l}\n")).collect())
    }

    // ---- nodes and ssh ---------------------------------------------------------

    /// The node an ssh host names: its name or one of its addresses.
    pub fn node_for_host(&self, host: &str) -> Option<String> {
        self.objects
            .iter()
            .filter(|o| kind_of(o) == "Node")
            .find(|n| {
                name_of(n) == host
                    || n["status"]["addresses"]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|x| x["address"] == host))
            })
            .map(|n| name_of(n).to_string())
    }

    /// Does the node's sshd answer now (not in the middle of a reboot)?
    pub fn node_reachable(&self, node: &str, now: Ms) -> bool {
        !self
            .reboots
            .iter()
            .any(|r| r.node == node && now >= r.at && now < r.up_at)
    }

    /// `sudo reboot` on the node: the connection drops a moment later, the
    /// node goes NotReady, then Ready when it has booted (unless it never does).
    pub fn reboot(&mut self, node: &str, now: Ms) {
        let up_at = now + self.spec.node_boot_s * SECOND;
        self.reboots.push(Reboot {
            node: node.to_string(),
            at: now + SECOND,
            up_at,
        });
        self.timers.push((
            now + self.spec.node_not_ready_s * SECOND,
            Timer::NodeLost(node.to_string()),
        ));
        self.timers
            .push((up_at, Timer::NodeBooted(node.to_string())));
    }

    /// Seconds since the node last booted, for `uptime`.
    pub fn node_uptime(&self, node: &str, now: Ms) -> Ms {
        self.reboots
            .iter()
            .filter(|r| r.node == node && r.up_at <= now)
            .map(|r| now - r.up_at)
            .min()
            .unwrap_or(now - (self.now - 30 * 24 * 3600 * SECOND).min(now))
    }

    /// A command over ssh on a node's host: (stdout, stderr, exit). The
    /// simulator models `reboot` (any of `reboot`, `systemctl reboot`,
    /// `shutdown -r`), `uptime`, `hostname` and the boot id.
    pub fn ssh(&mut self, node: &str, command: &str, now: Ms) -> (String, String, i64) {
        let words: Vec<&str> = command
            .split_whitespace()
            .filter(|w| *w != "sudo")
            .collect();
        match words.as_slice() {
            ["reboot", ..] | ["systemctl", "reboot", ..] | ["shutdown", "-r", ..] => {
                self.reboot(node, now);
                (String::new(), String::new(), 0)
            }
            ["uptime"] => {
                let up = self.node_uptime(node, now);
                (format!("{}\n", super::guest::uptime_line(now, up)), String::new(), 0)
            }
            ["hostname"] => (format!("{node}\n"), String::new(), 0),
            ["cat", "/proc/sys/kernel/random/boot_id"] => {
                let id = self
                    .find("Node", "", node)
                    .map(|i| self.objects[i]["status"]["nodeInfo"]["bootID"].clone())
                    .unwrap_or_default();
                (format!("{}\n", id.as_str().unwrap_or("boot-0")), String::new(), 0)
            }
            ["true"] => (String::new(), String::new(), 0),
            _ => (
                String::new(),
                format!(
                    "bash: {command}: not modelled by the simulator (a node's host knows reboot, uptime, hostname)\n"
                ),
                127,
            ),
        }
    }

    // ---- time ------------------------------------------------------------------

    /// Fire every timer due by `now`, in order, running the controllers after each.
    pub fn advance(&mut self, now: Ms) {
        loop {
            self.timers.sort_by_key(|(at, _)| *at);
            match self.timers.first() {
                Some((at, _)) if *at <= now => {
                    let (at, timer) = self.timers.remove(0);
                    self.now = self.now.max(at);
                    self.fire(timer, at);
                    self.reconcile(at);
                }
                _ => break,
            }
        }
        self.now = self.now.max(now);
    }

    fn fire(&mut self, timer: Timer, at: Ms) {
        match timer {
            Timer::PodStarted(uid) => {
                let Some(i) = self.objects.iter().position(|o| uid_of(o) == uid) else {
                    return;
                };
                let node = self.objects[i]["spec"]["nodeName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                if terminating(&self.objects[i]) || !self.node_ready(&node) {
                    return;
                }
                let p = &mut self.objects[i];
                p["status"]["phase"] = json!("Running");
                p["status"]["containerStatuses"][0]["ready"] = json!(true);
                p["status"]["containerStatuses"][0]["started"] = json!(true);
                p["status"]["containerStatuses"][0]["state"] =
                    json!({"running": {"startedAt": iso(at)}});
                set_condition(p, condition("Ready", "True", "", "", at));
                set_condition(p, condition("ContainersReady", "True", "", "", at));
                self.bump(i);
            }
            Timer::PodGone(uid) => self.objects.retain(|o| uid_of(o) != uid),
            Timer::NodeLost(node) => {
                let Some(i) = self.find("Node", "", &node) else {
                    return;
                };
                set_condition(
                    &mut self.objects[i],
                    condition(
                        "Ready",
                        "Unknown",
                        "NodeStatusUnknown",
                        "Kubelet stopped posting node status.",
                        at,
                    ),
                );
                self.bump(i);
                // Its pods are no longer Ready.
                for j in 0..self.objects.len() {
                    if kind_of(&self.objects[j]) == "Pod"
                        && self.objects[j]["spec"]["nodeName"] == node.as_str()
                    {
                        set_condition(
                            &mut self.objects[j],
                            condition("Ready", "False", "NodeNotReady", "", at),
                        );
                        self.objects[j]["status"]["containerStatuses"][0]["ready"] = json!(false);
                    }
                }
            }
            Timer::NodeBooted(node) => {
                let Some(i) = self.find("Node", "", &node) else {
                    return;
                };
                let stuck = self.spec.never_ready_after_reboot.contains(&node);
                let c = if stuck {
                    condition("Ready", "False", "KubeletNotReady",
                        "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady \
                         message:Network plugin returns error: cni plugin not initialized", at)
                } else {
                    condition(
                        "Ready",
                        "True",
                        "KubeletReady",
                        "kubelet is posting ready status",
                        at,
                    )
                };
                set_condition(&mut self.objects[i], c);
                self.seq += 1;
                self.objects[i]["status"]["nodeInfo"]["bootID"] =
                    json!(format!("boot-{}", self.seq));
                self.bump(i);
                if stuck {
                    return;
                }
                // Pods left on it (DaemonSets) restart.
                let ready_at = at + self.spec.pod_ready_s * SECOND;
                for j in 0..self.objects.len() {
                    let p = &mut self.objects[j];
                    if kind_of(p) == "Pod"
                        && p["spec"]["nodeName"] == node.as_str()
                        && !terminating(p)
                    {
                        let n = p["status"]["containerStatuses"][0]["restartCount"]
                            .as_i64()
                            .unwrap_or(0);
                        p["status"]["containerStatuses"][0]["restartCount"] = json!(n + 1);
                        let uid = uid_of(p).to_string();
                        self.timers.push((ready_at, Timer::PodStarted(uid)));
                    }
                }
            }
        }
    }

    fn node_ready(&self, node: &str) -> bool {
        self.find("Node", "", node)
            .is_some_and(|i| is_true(&self.objects[i], "Ready"))
    }

    fn schedulable_nodes(&self) -> Vec<String> {
        self.objects
            .iter()
            .filter(|o| kind_of(o) == "Node")
            .filter(|n| is_true(n, "Ready") && n["spec"]["unschedulable"] != true)
            .filter(|n| {
                // Workload pods tolerate no NoSchedule taint (control planes).
                !n["spec"]["taints"]
                    .as_array()
                    .is_some_and(|ts| ts.iter().any(|t| t["effect"] == "NoSchedule"))
            })
            .map(|n| name_of(n).to_string())
            .collect()
    }

    // ---- controllers -----------------------------------------------------------

    /// Deployments, daemonsets and the scheduler, until nothing changes.
    fn reconcile(&mut self, now: Ms) {
        for _ in 0..64 {
            let changed = self.reconcile_deployments(now)
                | self.reconcile_daemonsets(now)
                | self.schedule_pending(now);
            if !changed {
                break;
            }
        }
        self.update_workload_status();
    }

    fn reconcile_deployments(&mut self, now: Ms) -> bool {
        let deployments: Vec<Value> = self
            .objects
            .iter()
            .filter(|o| kind_of(o) == "Deployment")
            .cloned()
            .collect();
        let mut changed = false;
        for d in deployments {
            let (ns, name) = (namespace_of(&d).to_string(), name_of(&d).to_string());
            let desired = d["spec"]["replicas"].as_i64().unwrap_or(1).max(0) as usize;
            let hash = template_hash(&d["spec"]["template"]);
            let pods: Vec<&Value> = self
                .objects
                .iter()
                .filter(|p| self.owned_by(p, "Deployment", &ns, &name) && !terminating(p))
                .collect();
            let (new, old): (Vec<&Value>, Vec<&Value>) = pods
                .iter()
                .partition(|p| p["metadata"]["labels"]["pod-template-hash"] == hash.as_str());
            let new_ready = new.iter().filter(|p| pod_ready(p)).count();
            let new_waiting = new.len() - new_ready;
            let old_uids: Vec<String> = old.iter().map(|p| uid_of(p).to_string()).collect();
            let new_count = new.len();
            if !old_uids.is_empty() {
                // Rolling update, maxSurge 1 / maxUnavailable 0: one new pod
                // at a time, an old one goes once a new one is Ready.
                if new_ready + old_uids.len() > desired {
                    let uid = &old_uids[0];
                    if let Some(i) = self.objects.iter().position(|o| uid_of(o) == uid) {
                        self.terminate(i, now);
                        changed = true;
                    }
                } else if new_waiting == 0 && new_count + old_uids.len() <= desired {
                    self.new_pod(&d, &hash, now);
                    changed = true;
                }
            } else if new_count < desired {
                for _ in new_count..desired {
                    self.new_pod(&d, &hash, now);
                }
                changed = true;
            } else if new_count > desired {
                let mut extra: Vec<(bool, String)> = new
                    .iter()
                    .map(|p| (pod_ready(p), uid_of(p).to_string()))
                    .collect();
                extra.sort();
                for (_, uid) in extra.into_iter().take(new_count - desired) {
                    if let Some(i) = self.objects.iter().position(|o| uid_of(o) == uid) {
                        self.terminate(i, now);
                    }
                }
                changed = true;
            }
        }
        changed
    }

    fn reconcile_daemonsets(&mut self, now: Ms) -> bool {
        let sets: Vec<Value> = self
            .objects
            .iter()
            .filter(|o| kind_of(o) == "DaemonSet")
            .cloned()
            .collect();
        let nodes: Vec<String> = self
            .objects
            .iter()
            .filter(|o| kind_of(o) == "Node")
            .map(|n| name_of(n).to_string())
            .collect();
        let mut changed = false;
        for ds in sets {
            let (ns, name) = (namespace_of(&ds).to_string(), name_of(&ds).to_string());
            let hash = template_hash(&ds["spec"]["template"]);
            for node in &nodes {
                let here: Vec<usize> = (0..self.objects.len())
                    .filter(|&i| {
                        let p = &self.objects[i];
                        self.owned_by(p, "DaemonSet", &ns, &name)
                            && !terminating(p)
                            && p["spec"]["nodeName"] == node.as_str()
                    })
                    .collect();
                match here.first() {
                    None => {
                        let i = self.new_pod(&ds, &hash, now);
                        self.objects[i]["spec"]["nodeName"] = json!(node);
                        self.place(i, node, now);
                        changed = true;
                    }
                    Some(&i)
                        if self.objects[i]["metadata"]["labels"]["pod-template-hash"]
                            != hash.as_str() =>
                    {
                        self.terminate(i, now);
                        changed = true;
                    }
                    _ => {}
                }
            }
        }
        changed
    }

    /// A new pod for a workload, not yet scheduled; its index.
    fn new_pod(&mut self, owner: &Value, hash: &str, now: Ms) -> usize {
        let kind = kind_of(owner).to_string();
        let name = name_of(owner).to_string();
        let template = &owner["spec"]["template"];
        self.seq += 1;
        let suffix: String = template_hash(&json!([name, self.seq]))
            .chars()
            .take(5)
            .collect();
        let pod_name = if kind == "Deployment" {
            format!("{name}-{hash}-{suffix}")
        } else {
            format!("{name}-{suffix}")
        };
        let mut labels = template["metadata"]["labels"].clone();
        if !labels.is_object() {
            labels = json!({});
        }
        labels["pod-template-hash"] = json!(hash);
        let mut annotations = template["metadata"]["annotations"].clone();
        if !annotations.is_object() {
            annotations = json!({});
        }
        annotations["sim.rbk.dev/owner"] = json!(format!("{kind}/{name}"));
        let owner_kind = if kind == "Deployment" {
            "ReplicaSet"
        } else {
            kind.as_str()
        };
        let owner_name = if kind == "Deployment" {
            format!("{name}-{hash}")
        } else {
            name.clone()
        };
        let mut spec = template["spec"].clone();
        if !spec.is_object() {
            spec = json!({"containers": [{"name": "app", "image": "registry.example/app:1"}]});
        }
        let mut pod = json!({
            "kind": "Pod", "apiVersion": "v1",
            "metadata": {"name": pod_name, "namespace": namespace_of(owner), "labels": labels,
                         "annotations": annotations,
                         "ownerReferences": [{"apiVersion": "apps/v1",
                                              "kind": owner_kind, "name": owner_name,
                                              "uid": owner["metadata"]["uid"], "controller": true,
                                              "blockOwnerDeletion": true}]},
            "spec": spec,
        });
        self.stamp(&mut pod, now);
        self.start_pod_status(&mut pod, now);
        self.objects.push(pod);
        self.objects.len() - 1
    }

    /// Status of a pod that has just been created: Pending, not Ready.
    fn start_pod_status(&self, p: &mut Value, now: Ms) {
        let container = p["spec"]["containers"][0]["name"]
            .as_str()
            .unwrap_or("app")
            .to_string();
        let image = p["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        p["status"] = json!({
            "phase": "Pending",
            "conditions": [condition("PodScheduled", if p["spec"]["nodeName"].is_null() { "False" } else { "True" }, "", "", now),
                           condition("Ready", "False", "ContainersNotReady", "", now),
                           condition("ContainersReady", "False", "ContainersNotReady", "", now)],
            "containerStatuses": [{"name": container, "image": image, "ready": false, "started": false,
                                   "restartCount": 0,
                                   "state": {"waiting": {"reason": "ContainerCreating"}}}],
            "startTime": iso(now),
        });
    }

    /// Bind a pod to a node; it starts `pod_ready_s` later if the node is Ready.
    fn place(&mut self, i: usize, node: &str, now: Ms) {
        let ip = self.node_ip(node);
        let p = &mut self.objects[i];
        p["spec"]["nodeName"] = json!(node);
        p["status"]["hostIP"] = json!(ip);
        self.seq += 1;
        p["status"]["podIP"] = json!(format!(
            "10.1.{}.{}",
            self.seq / 250 % 250,
            self.seq % 250 + 2
        ));
        set_condition(p, condition("PodScheduled", "True", "", "", now));
        let uid = uid_of(p).to_string();
        self.bump(i);
        self.timers
            .push((now + self.spec.pod_ready_s * SECOND, Timer::PodStarted(uid)));
    }

    fn node_ip(&self, node: &str) -> String {
        self.find("Node", "", node)
            .and_then(|i| {
                self.objects[i]["status"]["addresses"]
                    .as_array()
                    .and_then(|a| a.iter().find(|x| x["type"] == "InternalIP"))
                    .and_then(|x| x["address"].as_str())
                    .map(str::to_string)
            })
            .unwrap_or_default()
    }

    /// Pending pods go to the schedulable node with the fewest of their
    /// siblings, then the fewest pods.
    fn schedule_pending(&mut self, now: Ms) -> bool {
        let nodes = self.schedulable_nodes();
        let mut changed = false;
        for i in 0..self.objects.len() {
            let p = &self.objects[i];
            if kind_of(p) != "Pod" || !p["spec"]["nodeName"].is_null() || terminating(p) {
                continue;
            }
            let owner = p["metadata"]["annotations"]["sim.rbk.dev/owner"].clone();
            let selector = p["spec"]["nodeSelector"].clone();
            let fits = |n: &String| {
                selector.is_null()
                    || self.find("Node", "", n).is_some_and(|i| {
                        matches_labels(&self.objects[i]["metadata"]["labels"], &selector)
                    })
            };
            let load = |n: &str, same: bool| {
                self.objects
                    .iter()
                    .filter(|q| {
                        kind_of(q) == "Pod" && q["spec"]["nodeName"] == n && !terminating(q)
                    })
                    .filter(|q| !same || q["metadata"]["annotations"]["sim.rbk.dev/owner"] == owner)
                    .count()
            };
            let best = nodes
                .iter()
                .filter(|n| fits(n))
                .min_by_key(|n| (load(n, true), load(n, false), (*n).clone()))
                .cloned();
            if let Some(node) = best {
                self.place(i, &node, now);
                changed = true;
            }
        }
        changed
    }

    fn update_workload_status(&mut self) {
        for i in 0..self.objects.len() {
            let kind = kind_of(&self.objects[i]).to_string();
            if kind != "Deployment" && kind != "DaemonSet" {
                continue;
            }
            let (ns, name) = (
                namespace_of(&self.objects[i]).to_string(),
                name_of(&self.objects[i]).to_string(),
            );
            let hash = template_hash(&self.objects[i]["spec"]["template"]);
            let pods: Vec<&Value> = self
                .objects
                .iter()
                .filter(|p| self.owned_by(p, &kind, &ns, &name) && !terminating(p))
                .collect();
            let ready = pods.iter().filter(|p| pod_ready(p)).count() as i64;
            let updated = pods
                .iter()
                .filter(|p| p["metadata"]["labels"]["pod-template-hash"] == hash.as_str())
                .count() as i64;
            let total = pods.len() as i64;
            let generation = self.objects[i]["metadata"]["generation"].clone();
            let now = self.now;
            let o = &mut self.objects[i];
            let mut status = Map::new();
            status.insert("observedGeneration".into(), generation);
            if kind == "Deployment" {
                let desired = o["spec"]["replicas"].as_i64().unwrap_or(1);
                let available = ready >= desired - desired / 4;
                status.insert("replicas".into(), json!(total));
                status.insert("readyReplicas".into(), json!(ready));
                status.insert("availableReplicas".into(), json!(ready));
                status.insert("updatedReplicas".into(), json!(updated));
                status.insert(
                    "unavailableReplicas".into(),
                    json!((desired - ready).max(0)),
                );
                let since = o["status"]["conditions"][0]["lastTransitionTime"].clone();
                let mut c = condition(
                    "Available",
                    if available { "True" } else { "False" },
                    if available {
                        "MinimumReplicasAvailable"
                    } else {
                        "MinimumReplicasUnavailable"
                    },
                    if available {
                        "Deployment has minimum availability."
                    } else {
                        "Deployment does not have minimum availability."
                    },
                    now,
                );
                if o["status"]["conditions"][0]["status"] == c["status"] && !since.is_null() {
                    c["lastTransitionTime"] = since;
                }
                status.insert("conditions".into(), json!([c]));
            } else {
                status.insert("desiredNumberScheduled".into(), json!(total));
                status.insert("currentNumberScheduled".into(), json!(total));
                status.insert("numberReady".into(), json!(ready));
                status.insert("numberAvailable".into(), json!(ready));
                status.insert("updatedNumberScheduled".into(), json!(updated));
            }
            o["status"] = Value::Object(status);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORLD: &str = r#"
apiVersion: v1
kind: Node
metadata: {name: w1, labels: {node-role.kubernetes.io/worker: ""}}
status: {addresses: [{type: InternalIP, address: 10.0.0.11}]}
---
apiVersion: v1
kind: Node
metadata: {name: w2}
status: {addresses: [{type: InternalIP, address: 10.0.0.12}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:1.27}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec: {minAvailable: 1, selector: {matchLabels: {app: web}}}
"#;

    fn world() -> KubeWorld {
        let spec = KubeSpec {
            manifests: WORLD.into(),
            manifest_files: vec![],
            kubeconfig: kubeconfig(),
            pod_ready_s: 15,
            pod_stop_s: 5,
            node_not_ready_s: 40,
            node_boot_s: 150,
            never_ready_after_reboot: vec![],
        };
        KubeWorld::build(&spec, 0).unwrap()
    }

    fn web_pods(w: &KubeWorld) -> Vec<Value> {
        w.list("Pod", Some("shop"))
    }

    #[test]
    fn deployments_spread_and_come_ready() {
        let w = world();
        let pods = web_pods(&w);
        assert_eq!(pods.len(), 2);
        assert!(pods.iter().all(pod_ready));
        let nodes: BTreeSet<&str> = pods
            .iter()
            .map(|p| p["spec"]["nodeName"].as_str().unwrap())
            .collect();
        assert_eq!(nodes.len(), 2, "spread over both nodes");
        let d = w.get("Deployment", "shop", "web").unwrap();
        assert_eq!(d["status"]["readyReplicas"], 2);
        let pdb = w.get("PodDisruptionBudget", "shop", "web").unwrap();
        assert_eq!(pdb["status"]["disruptionsAllowed"], 1);
    }

    #[test]
    fn a_budget_blocks_the_second_eviction_until_the_replacement_is_ready() {
        let mut w = world();
        let mut now = 0;
        w.patch(
            "Node",
            "",
            "w1",
            &json!({"spec": {"unschedulable": true}}),
            now,
        )
        .unwrap();
        let pods = web_pods(&w);
        let (a, b) = (name_of(&pods[0]).to_string(), name_of(&pods[1]).to_string());
        w.evict("shop", &a, now).unwrap();
        let refused = w.evict("shop", &b, now).unwrap_err();
        assert_eq!(refused.code, 429, "{refused:?}");
        assert!(refused.message.contains("disruption budget web"));
        // The replacement lands on w2 (w1 is cordoned) and is Ready 15 s later.
        now += 16 * SECOND;
        w.advance(now);
        let ready_on_w2 = web_pods(&w)
            .iter()
            .filter(|p| pod_ready(p) && p["spec"]["nodeName"] == "w2")
            .count();
        assert_eq!(ready_on_w2, 2);
        w.evict("shop", &b, now).unwrap();
    }

    #[test]
    fn a_rebooted_node_goes_not_ready_then_ready() {
        let mut w = world();
        assert_eq!(w.node_for_host("10.0.0.12").as_deref(), Some("w2"));
        w.reboot("w2", 0);
        w.advance(10 * SECOND);
        assert!(!w.node_reachable("w2", 10 * SECOND));
        assert!(w.node_ready("w2"));
        w.advance(45 * SECOND);
        assert!(!w.node_ready("w2"));
        w.advance(151 * SECOND);
        assert!(w.node_ready("w2"));
        assert!(w.node_reachable("w2", 151 * SECOND));
    }

    #[test]
    fn rollout_restart_replaces_pods_one_at_a_time() {
        let mut w = world();
        let before: BTreeSet<String> = web_pods(&w)
            .iter()
            .map(|p| name_of(p).to_string())
            .collect();
        let patch = json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "now"}}}}});
        w.patch("Deployment", "shop", "web", &patch, 0).unwrap();
        assert_eq!(web_pods(&w).len(), 3, "one surge pod");
        w.advance(120 * SECOND);
        let after: Vec<Value> = web_pods(&w);
        assert_eq!(after.len(), 2);
        assert!(after
            .iter()
            .all(|p| pod_ready(p) && !before.contains(name_of(p))));
    }

    fn lease(holder: &str) -> Value {
        json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
               "metadata": {"name": "rbk-site-abc", "namespace": "ops"},
               "spec": {"holderIdentity": holder}})
    }

    fn version(o: &Value) -> String {
        text(o, &["metadata", "resourceVersion"]).to_string()
    }

    #[test]
    fn a_second_create_is_409_already_exists() {
        let mut w = world();
        w.create(lease("ops/a"), 0).unwrap();
        let e = w.create(lease("ops/b"), 0).unwrap_err();
        assert_eq!((e.code, e.reason), (409, "AlreadyExists"));
        assert_eq!(
            e.message,
            "leases.coordination.k8s.io \"rbk-site-abc\" already exists"
        );
        let held = w.get("Lease", "ops", "rbk-site-abc").unwrap();
        assert_eq!(held["spec"]["holderIdentity"], "ops/a");
    }

    #[test]
    fn a_replace_with_a_stale_resource_version_is_409_conflict() {
        let mut w = world();
        let read = w.create(lease("ops/a"), 0).unwrap();
        // Two writers read the same version; the first write wins.
        let mut mine = read.clone();
        mine["spec"]["holderIdentity"] = json!("ops/b");
        let mut theirs = read.clone();
        theirs["spec"]["holderIdentity"] = json!("ops/c");
        let won = w.replace("Lease", "ops", "rbk-site-abc", mine, 0).unwrap();
        assert_ne!(version(&won), version(&read), "a write moves the version");
        assert_eq!(won["metadata"]["uid"], read["metadata"]["uid"]);
        let e = w
            .replace("Lease", "ops", "rbk-site-abc", theirs, 0)
            .unwrap_err();
        assert_eq!((e.code, e.reason), (409, "Conflict"));
        assert!(
            e.message.starts_with(
                "Operation cannot be fulfilled on leases.coordination.k8s.io \"rbk-site-abc\": the object has been modified"
            ),
            "{}",
            e.message
        );
        let held = w.get("Lease", "ops", "rbk-site-abc").unwrap();
        assert_eq!(held["spec"]["holderIdentity"], "ops/b");
        // Without a version the write is unconditional; a merge patch that
        // names a stale one is refused too.
        w.replace("Lease", "ops", "rbk-site-abc", lease("ops/d"), 0)
            .unwrap();
        let stale = json!({"metadata": {"resourceVersion": version(&read)}, "spec": {"holderIdentity": "ops/e"}});
        let e = w
            .patch("Lease", "ops", "rbk-site-abc", &stale, 0)
            .unwrap_err();
        assert_eq!(e.code, 409);
    }

    #[test]
    fn a_delete_with_a_stale_precondition_is_409_conflict() {
        let mut w = world();
        let read = w.create(lease("ops/a"), 0).unwrap();
        let mut newer = read.clone();
        newer["spec"]["holderIdentity"] = json!("ops/b");
        let newer = w.replace("Lease", "ops", "rbk-site-abc", newer, 0).unwrap();
        let stale = Preconditions {
            resource_version: version(&read),
            uid: String::new(),
        };
        let e = w
            .delete("Lease", "ops", "rbk-site-abc", &stale, 0)
            .unwrap_err();
        assert_eq!((e.code, e.reason), (409, "Conflict"));
        assert!(e.message.contains("Precondition failed"), "{}", e.message);
        let current = Preconditions {
            resource_version: version(&newer),
            uid: String::new(),
        };
        w.delete("Lease", "ops", "rbk-site-abc", &current, 0)
            .unwrap();
        let e = w.get("Lease", "ops", "rbk-site-abc").unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            (404, "leases.coordination.k8s.io \"rbk-site-abc\" not found")
        );
    }

    #[test]
    fn selectors() {
        let labels = json!({"app": "web", "tier": "front"});
        assert!(label_selector_matches("app=web,tier!=db", &labels));
        assert!(!label_selector_matches("app==db", &labels));
        assert!(label_selector_matches("tier,!gone", &labels));
        let pod = json!({"spec": {"nodeName": "w1"}, "status": {"phase": "Running"}});
        assert!(field_selector_matches(
            "spec.nodeName=w1,status.phase!=Failed",
            &pod
        ));
        assert!(!field_selector_matches("spec.nodeName=w2", &pod));
    }
}
