//! The real Kubernetes backend, on kube-rs.
//!
//! A client per scope (its kubeconfig: the scope's path, else `KUBECONFIG`,
//! else `~/.kube/config`), reused across calls. Nodes and pods are typed
//! (k8s-openapi); every other kind is a dynamic object. Finding where a kind
//! lives costs no request for the kinds rbk knows (their group/version is
//! pinned) and at most one aggregated discovery read (`/api` and `/apis`
//! together) per scope and run for the others, or when the server does not
//! serve the pinned version (a management cluster serving
//! `cluster.x-k8s.io/v1beta1` only); what discovery says is kept in
//! kubectl's disk cache
//! ([`super::kube_discovery`]) so the next run, rbk's or kubectl's, skips
//! it. Each attempt has a timeout; reads retry transient failures with
//! backoff, changes are sent once.
use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use k8s_openapi::api::core::v1::{Node as K8sNode, Pod as K8sPod};
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, EvictParams, ListParams, LogParams, ObjectList,
    Patch, PatchParams,
};
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde_json::Value;

use super::kube_discovery::{DiskCache, Found, Served, ACCEPT_AGGREGATED};
use super::local::expand_home;
use super::{
    tls, CallError, Condition, Drain, DrainOptions, Kube, KubeNode, KubeObject, KubeScope,
    KubeSelector, Pod,
};
use crate::clock::Clock;

pub mod calls {
    pub const NODES: &str = "kube.nodes";
    pub const PODS: &str = "kube.pods";
    pub const GET: &str = "kube.get";
    pub const LIST: &str = "kube.list";
    pub const APPLY: &str = "kube.apply";
    pub const PATCH: &str = "kube.patch";
    pub const DELETE: &str = "kube.delete";
    pub const SCALE: &str = "kube.scale";
    pub const ROLLOUT_RESTART: &str = "kube.rollout_restart";
    pub const CORDON: &str = "kube.cordon";
    pub const UNCORDON: &str = "kube.uncordon";
    pub const DRAIN: &str = "kube.drain";
    pub const LOGS: &str = "kube.logs";
}

/// Page size for list calls (kubectl uses 500 too).
const PAGE: u32 = 500;

#[derive(Debug, Clone)]
pub struct KubeTuning {
    pub timeout: Duration,
    pub attempts: u32,
    pub backoff: Duration,
}

impl Default for KubeTuning {
    fn default() -> Self {
        KubeTuning {
            timeout: Duration::from_secs(30),
            attempts: 3,
            backoff: Duration::from_millis(500),
        }
    }
}

struct ScopeClient {
    client: kube::Client,
    /// The API server, for messages.
    target: String,
    /// `kind` argument -> resolved resource, found once per scope.
    resources: tokio::sync::Mutex<HashMap<String, Resolved>>,
    /// kubectl's discovery cache for this server, when the run keeps one.
    cache: Option<DiskCache>,
    /// What discovery says, from the disk cache and from the server.
    served: tokio::sync::Mutex<ServedState>,
}

#[derive(Default)]
struct ServedState {
    /// The disk cache, read once (None inside: absent or stale).
    cached: Option<Option<Served>>,
    /// The server's own answer, read at most once per run.
    fresh: Option<Served>,
}

pub struct RealKube {
    clock: Clock,
    tuning: KubeTuning,
    clients: tokio::sync::Mutex<HashMap<KubeScope, Arc<ScopeClient>>>,
    /// Root of kubectl's cache (`~/.kube/cache`); None keeps discovery in memory.
    cache_root: Option<PathBuf>,
}

impl RealKube {
    pub fn new(clock: Clock) -> Self {
        Self::with_tuning(clock, KubeTuning::default())
    }

    pub fn with_tuning(clock: Clock, tuning: KubeTuning) -> Self {
        RealKube {
            clock,
            tuning,
            clients: Default::default(),
            cache_root: None,
        }
    }

    /// Keep discovery in kubectl's disk cache under `root` (see
    /// [`DiskCache::default_root`]), shared with kubectl and later runs.
    pub fn with_discovery_cache(mut self, root: Option<PathBuf>) -> Self {
        self.cache_root = root;
        self
    }

    async fn client(&self, scope: &KubeScope, call: &str) -> Result<Arc<ScopeClient>, CallError> {
        let mut clients = self.clients.lock().await;
        if let Some(c) = clients.get(scope) {
            return Ok(c.clone());
        }
        let config_error = |message: String| CallError::Config {
            call: call.into(),
            message,
        };
        let options = KubeConfigOptions::default();
        let mut config = match &scope.kubeconfig {
            Some(path) => {
                let path = expand_home(&path.to_string_lossy(), call)?;
                let kubeconfig = Kubeconfig::read_from(&path).map_err(|e| {
                    config_error(format!("kubeconfig {}: {}", path.display(), chain(&e)))
                })?;
                kube::Config::from_custom_kubeconfig(kubeconfig, &options)
                    .await
                    .map_err(|e| {
                        config_error(format!("kubeconfig {}: {}", path.display(), chain(&e)))
                    })?
            }
            None => kube::Config::from_kubeconfig(&options).await.map_err(|e| {
                config_error(format!(
                    "kubeconfig from KUBECONFIG or ~/.kube/config: {}",
                    chain(&e)
                ))
            })?,
        };
        config.connect_timeout = Some(self.connect_timeout());
        config.read_timeout = Some(self.tuning.timeout);
        config.write_timeout = Some(self.tuning.timeout);
        // rbk retries reads itself, on its own clock; a 429 from the
        // Eviction API is an answer (a budget says not now), not a fault.
        config.default_retry = false;
        let target = config.cluster_url.to_string();
        tls::ensure_crypto_provider();
        let client = kube::Client::try_from(config).map_err(|e| {
            config_error(format!("cannot build a client for {target}: {}", chain(&e)))
        })?;
        let cache = self
            .cache_root
            .as_deref()
            .map(|root| DiskCache::for_server(root, &target));
        let c = Arc::new(ScopeClient {
            client,
            target,
            resources: Default::default(),
            cache,
            served: Default::default(),
        });
        clients.insert(scope.clone(), c.clone());
        Ok(c)
    }

    /// Run `f` with a timeout per attempt, retrying transient failures.
    async fn read<T, F, Fut>(&self, call: &str, target: &str, f: F) -> Result<T, CallError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, kube::Error>>,
    {
        self.retrying(call, || async {
            match tokio::time::timeout(self.tuning.timeout, f()).await {
                Ok(Ok(v)) => Ok(v),
                Ok(Err(e)) => Err(map_error(call, target, &e, self.tuning.timeout)),
                Err(_) => Err(CallError::Timeout {
                    call: call.into(),
                    after: self.tuning.timeout,
                }),
            }
        })
        .await
    }

    /// Up to `attempts` tries of `attempt`, backing off on the run's clock
    /// between transient failures; each failure is reported (never a silent
    /// wait). The simulated cloud's unreachable API uses it too.
    pub async fn retrying<T, F, Fut>(&self, call: &str, attempt: F) -> Result<T, CallError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, CallError>>,
    {
        let max = self.tuning.attempts.max(1);
        let mut n = 0;
        loop {
            n += 1;
            let err = match attempt().await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            let again = n < max && err.is_transient();
            let wait = self.tuning.backoff * 2u32.saturating_pow(n - 1);
            if err.is_transient() {
                super::retry::report(super::retry::Notice {
                    call: call.into(),
                    attempt: n,
                    max,
                    error: err.clone(),
                    retry_in: again.then_some(wait),
                });
            }
            if !again {
                return Err(err);
            }
            self.clock.sleep(wait).await;
        }
    }

    /// How long a connection attempt waits for an answer.
    pub fn connect_timeout(&self) -> Duration {
        self.tuning.timeout.min(Duration::from_secs(10))
    }

    /// Every page of a list.
    async fn list_all<K>(
        &self,
        call: &str,
        target: &str,
        api: &Api<K>,
        base: &ListParams,
    ) -> Result<Vec<K>, CallError>
    where
        K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
    {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut params = base.clone().limit(PAGE);
            if let Some(t) = &token {
                params = params.continue_token(t);
            }
            let page: ObjectList<K> = self.read(call, target, || api.list(&params)).await?;
            items.extend(page.items);
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(next) => token = Some(next),
                None => return Ok(items),
            }
        }
    }

    /// Send a change once, with the per-attempt timeout: never retried, so
    /// a timeout leaves the outcome unknown and says so.
    async fn write<T, Fut>(&self, call: &str, target: &str, fut: Fut) -> Result<T, CallError>
    where
        Fut: Future<Output = Result<T, kube::Error>>,
    {
        match tokio::time::timeout(self.tuning.timeout, fut).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(map_error(call, target, &e, self.tuning.timeout)),
            Err(_) => Err(CallError::Timeout {
                call: call.into(),
                after: self.tuning.timeout,
            }),
        }
    }

    /// A `kind` argument to the API resource to use for it: a well-known
    /// name or short name at its pinned group/version (unless the cached
    /// discovery says the server lacks that version), `plural.group`, or
    /// any kind, plural or short name discovery lists.
    async fn resource(
        &self,
        sc: &ScopeClient,
        kind: &str,
        call: &str,
    ) -> Result<Resolved, CallError> {
        let key = kind.trim().to_ascii_lowercase();
        if let Some(r) = sc.resources.lock().await.get(&key) {
            return Ok(r.clone());
        }
        let wanted = Wanted::of(&key);
        let offline = {
            let mut state = sc.served.lock().await;
            let cache = sc.cache.as_ref();
            let cached = state
                .cached
                .get_or_insert_with(|| cache.and_then(DiskCache::read));
            resolve_offline(&wanted, &key, cached.as_ref())
        };
        let resolved = match offline {
            Some(r) => r,
            None => self.resolve_discovered(sc, &wanted, &key, call).await?,
        };
        sc.resources.lock().await.insert(key, resolved.clone());
        Ok(resolved)
    }

    /// Resolve from the server's own discovery (read once per run).
    async fn resolve_discovered(
        &self,
        sc: &ScopeClient,
        wanted: &Wanted,
        key: &str,
        call: &str,
    ) -> Result<Resolved, CallError> {
        let served = match self.discover(sc, wanted, key, call).await {
            Ok(s) => s,
            // Discovery itself failed (some API servers restrict it): use
            // the version rbk was written against.
            Err(_) if matches!(wanted, Wanted::Known(_)) => {
                let Wanted::Known(k) = wanted else {
                    unreachable!()
                };
                return Ok(Resolved::pinned(k, Origin::Discovery));
            }
            Err(e) => {
                return Err(match e {
                    CallError::Remote {
                        call,
                        status,
                        message,
                    } => CallError::Remote {
                        call,
                        status,
                        message: format!("looking for kind {key:?} by discovery: {message}"),
                    },
                    other => other,
                })
            }
        };
        let missing_group = |group: &str| CallError::Remote {
            call: call.into(),
            status: Some(404),
            message: format!(
                "{} does not serve API group {group} (is the CRD installed?)",
                sc.target
            ),
        };
        let missing_resource = |group: &str, plural: &str| CallError::Remote {
            call: call.into(),
            status: Some(404),
            message: format!(
                "{} serves API group {group} but no resource {plural:?}",
                sc.target
            ),
        };
        match wanted {
            Wanted::Known(k) => {
                if served.group(k.group).is_none() {
                    return Err(missing_group(k.group));
                }
                let at_pin = served
                    .find_at(k.group, k.version, k.plural)
                    .map(|_| Resolved::pinned(k, Origin::Discovery));
                at_pin
                    .or_else(|| {
                        served
                            .find_in_group(k.group, k.plural)
                            .map(|f| Resolved::found(&f, Origin::Discovery))
                    })
                    .ok_or_else(|| missing_resource(k.group, k.plural))
            }
            Wanted::InGroup { group, plural } => {
                if served.group(group).is_none() {
                    return Err(missing_group(group));
                }
                served
                    .find_in_group(group, plural)
                    .map(|f| Resolved::found(&f, Origin::Discovery))
                    .ok_or_else(|| missing_resource(group, plural))
            }
            Wanted::Anywhere => served
                .find_anywhere(key)
                .map(|f| Resolved::found(&f, Origin::Discovery))
                .ok_or_else(|| CallError::Config {
                    call: call.into(),
                    message: format!(
                        "{} serves no kind {key:?}: use a kind, plural or short name \
                         (deployment, pods, pdb) or plural.group (machinedeployments.cluster.x-k8s.io)",
                        sc.target
                    ),
                }),
        }
    }

    /// The server's discovery, read at most once per scope and run: the
    /// aggregated reads of `/api` and `/apis`, together (kubectl's two, so
    /// the disk cache then spares kubectl its own); from a server without
    /// aggregated discovery the group list plus the resource lists `wanted`
    /// needs, the core group's (`/api/v1`) only for a kind found nowhere
    /// else. What was read goes to the disk cache.
    async fn discover(
        &self,
        sc: &ScopeClient,
        wanted: &Wanted,
        key: &str,
        call: &str,
    ) -> Result<Served, CallError> {
        let mut state = sc.served.lock().await;
        let mut served = match state.fresh.take() {
            Some(s) => s,
            None => self.read_discovery(sc, call).await?,
        };
        let before = served.clone();
        let result = self.complete_for(sc, &mut served, wanted, key, call).await;
        if served != before || state.fresh.is_none() {
            if let Some(cache) = &sc.cache {
                cache.write(&served);
            }
        }
        state.fresh = Some(served.clone());
        state.cached = Some(Some(served.clone()));
        result.map(|()| served)
    }

    /// `/apis` and `/api` in one go. `/apis` must answer; `/api` may not
    /// (aggregated API servers answer 404 there, as client-go tolerates),
    /// and from a server without aggregated discovery its answer names only
    /// `v1`, whose resources are read later if needed.
    async fn read_discovery(&self, sc: &ScopeClient, call: &str) -> Result<Served, CallError> {
        let (core, apis) = tokio::join!(
            self.get_json(sc, "/api", Some(ACCEPT_AGGREGATED), call),
            self.get_json(sc, "/apis", Some(ACCEPT_AGGREGATED), call),
        );
        let apis = apis?;
        let served = Served::from_aggregated(&apis)
            .or_else(|| Served::from_group_list(&apis))
            .ok_or_else(|| CallError::Remote {
                call: call.into(),
                status: None,
                message: format!("{}/apis is not a discovery document", sc.target),
            })?;
        let core = core.ok().and_then(|doc| Served::from_aggregated(&doc));
        Ok(served.with_core_group(core))
    }

    /// Read the resource lists (legacy discovery) `wanted` still needs.
    async fn complete_for(
        &self,
        sc: &ScopeClient,
        served: &mut Served,
        wanted: &Wanted,
        key: &str,
        call: &str,
    ) -> Result<(), CallError> {
        let (group, plural) = match wanted {
            Wanted::Known(k) => (Some(k.group), k.plural),
            Wanted::InGroup { group, plural } => (Some(group.as_str()), plural.as_str()),
            Wanted::Anywhere => (None, key),
        };
        let found = |s: &Served| match group {
            Some(g) => s.find_in_group(g, plural).is_some(),
            None => s.find_anywhere(plural).is_some(),
        };
        // (group, version) pairs not read yet, in the order to try them.
        let unread: Vec<(String, String)> = served
            .groups
            .iter()
            .filter(|g| group.is_none_or(|w| g.name == w))
            .flat_map(|g| {
                let versions = g.versions.iter().filter(|v| v.resources.is_none());
                // For a kind anywhere: the preferred version of each group.
                let take = if group.is_some() { usize::MAX } else { 1 };
                versions
                    .take(take)
                    .map(|v| (g.name.clone(), v.version.clone()))
            })
            // The core group last: most kinds there are pinned.
            .filter(|(g, _)| group.is_some() || !g.is_empty())
            .chain(
                (group.is_none()
                    && served
                        .group("")
                        .and_then(|g| g.versions.first())
                        .is_some_and(|v| v.resources.is_none()))
                .then(|| (String::new(), "v1".to_string())),
            )
            .collect();
        for (g, v) in unread {
            if found(served) {
                break;
            }
            let path = if g.is_empty() {
                format!("/api/{v}")
            } else {
                format!("/apis/{g}/{v}")
            };
            let doc = self.get_json(sc, &path, None, call).await?;
            served.set_resources(&g, &v, super::kube_discovery::resources_from_list(&doc));
        }
        Ok(())
    }

    /// GET a discovery document as JSON, with the read's timeout and retries.
    async fn get_json(
        &self,
        sc: &ScopeClient,
        path: &str,
        accept: Option<&str>,
        call: &str,
    ) -> Result<Value, CallError> {
        let text = self
            .read(call, &sc.target, || {
                let mut request = axum::http::Request::get(path);
                if let Some(accept) = accept {
                    request = request.header(axum::http::header::ACCEPT, accept);
                }
                let request = request.body(Vec::new()).map_err(kube::Error::HttpError);
                async move { sc.client.request_text(request?).await }
            })
            .await?;
        serde_json::from_str(&text).map_err(|e| CallError::Remote {
            call: call.into(),
            status: None,
            message: format!(
                "{}{path} answered something that is not JSON: {e}",
                sc.target
            ),
        })
    }

    /// The resource of a manifest's `apiVersion` and `kind`: pinned when
    /// rbk knows the kind at that version, else from discovery.
    async fn resource_at(
        &self,
        sc: &ScopeClient,
        (group, version, kind): (&str, &str, &str),
        call: &str,
    ) -> Result<Resolved, CallError> {
        let key = kind.to_ascii_lowercase();
        if let Some(k) = known_kind(&key).filter(|k| k.group == group && k.version == version) {
            return Ok(Resolved::pinned(&k, Origin::Pinned));
        }
        let cached = {
            let mut state = sc.served.lock().await;
            let cache = sc.cache.as_ref();
            let cached = state
                .cached
                .get_or_insert_with(|| cache.and_then(DiskCache::read));
            cached
                .as_ref()
                .and_then(|s| s.find_at(group, version, &key))
                .map(|f| Resolved::found(&f, Origin::Cache))
        };
        if let Some(r) = cached {
            return Ok(r);
        }
        let wanted = Wanted::InGroup {
            group: group.into(),
            plural: key.clone(),
        };
        let served = self.discover(sc, &wanted, &key, call).await?;
        served
            .find_at(group, version, &key)
            .map(|f| Resolved::found(&f, Origin::Discovery))
            .ok_or_else(|| CallError::Remote {
                call: call.into(),
                status: Some(404),
                message: format!(
                    "{} serves no kind {kind} in {}",
                    sc.target,
                    api_version(group, version)
                ),
            })
    }

    /// Run `op` on the resource `kind` resolves to; when the server does
    /// not serve the pinned or cached version (a 404 for the path itself),
    /// resolve again from the server's discovery and run it once more.
    async fn on_resource<T, F, Fut>(
        &self,
        scope: &KubeScope,
        kind: &str,
        call: &str,
        op: F,
    ) -> Result<T, CallError>
    where
        F: Fn(Arc<ScopeClient>, Resolved) -> Fut,
        Fut: Future<Output = Result<T, CallError>>,
    {
        let sc = self.client(scope, call).await?;
        let r = self.resource(&sc, kind, call).await?;
        let origin = r.origin;
        match op(sc.clone(), r).await {
            Err(e) if is_unserved(&e) && origin != Origin::Discovery => {
                let key = kind.trim().to_ascii_lowercase();
                let r = self
                    .resolve_discovered(&sc, &Wanted::of(&key), &key, call)
                    .await?;
                sc.resources.lock().await.insert(key, r.clone());
                op(sc, r).await
            }
            other => other,
        }
    }

    /// A dynamic API for one resource in one namespace (`default` when
    /// empty), or cluster-wide for cluster-scoped kinds.
    fn object_api(sc: &ScopeClient, r: &Resolved, namespace: &str) -> Api<DynamicObject> {
        if r.namespaced {
            let ns = if namespace.is_empty() {
                "default"
            } else {
                namespace
            };
            Api::namespaced_with(sc.client.clone(), ns, &r.ar)
        } else {
            Api::all_with(sc.client.clone(), &r.ar)
        }
    }

    async fn patch_object(
        &self,
        scope: &KubeScope,
        (kind, name, namespace): (&str, &str, &str),
        patch: Patch<Value>,
        call: &str,
    ) -> Result<KubeObject, CallError> {
        self.on_resource(scope, kind, call, |sc, r| {
            let patch = patch.clone();
            async move {
                let api = Self::object_api(&sc, &r, namespace);
                let o = self
                    .write(
                        call,
                        &sc.target,
                        api.patch(name, &PatchParams::default(), &patch),
                    )
                    .await?;
                Ok(to_object(&r.ar.kind, &o))
            }
        })
        .await
    }

    /// The drain's pods: those to evict, and those left in place by design.
    /// Refuses (as kubectl does) pods it may not evict without a flag.
    fn drain_plan(pods: &[K8sPod], options: &DrainOptions) -> DrainPlan {
        let mut plan = DrainPlan::default();
        for p in pods {
            let id = pod_id(p);
            let owner = p
                .metadata
                .owner_references
                .iter()
                .flatten()
                .find(|o| o.controller == Some(true));
            let mirror = p
                .metadata
                .annotations
                .as_ref()
                .is_some_and(|a| a.contains_key("kubernetes.io/config.mirror"));
            let finished = p
                .status
                .as_ref()
                .and_then(|s| s.phase.as_deref())
                .is_some_and(|ph| ph == "Succeeded" || ph == "Failed");
            let empty_dir = p
                .spec
                .as_ref()
                .and_then(|s| s.volumes.as_ref())
                .is_some_and(|vs| vs.iter().any(|v| v.empty_dir.is_some()));
            if mirror {
                plan.skipped.push(id);
            } else if owner.is_some_and(|o| o.kind == "DaemonSet") {
                if options.ignore_daemonsets {
                    plan.skipped.push(id);
                } else {
                    plan.refused.push((
                        id,
                        "is managed by a DaemonSet (ignore_daemonsets: true leaves it)",
                    ));
                }
            } else if owner.is_none() && !finished && !options.force {
                plan.refused.push((
                    id,
                    "has no controller to recreate it (force: true evicts it anyway)",
                ));
            } else if empty_dir && !finished && !options.delete_emptydir_data {
                plan.refused.push((
                    id,
                    "has local emptyDir data (delete_emptydir_data: true evicts it)",
                ));
            } else {
                plan.evict.push((
                    p.metadata.namespace.clone().unwrap_or_default(),
                    p.metadata.name.clone().unwrap_or_default(),
                    p.metadata.uid.clone().unwrap_or_default(),
                ));
            }
        }
        plan
    }
}

#[derive(Default)]
struct DrainPlan {
    /// (namespace, name, uid)
    evict: Vec<(String, String, String)>,
    skipped: Vec<String>,
    refused: Vec<(String, &'static str)>,
}

fn pod_id(p: &K8sPod) -> String {
    format!(
        "{}/{}",
        p.metadata.namespace.as_deref().unwrap_or_default(),
        p.metadata.name.as_deref().unwrap_or_default()
    )
}

/// A kind resolved to the resource to read and write it through.
#[derive(Clone)]
struct Resolved {
    ar: ApiResource,
    namespaced: bool,
    origin: Origin,
}

/// Where a resolution came from: pinned and cached ones are tried first and
/// corrected from the server's discovery if the server does not serve them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Origin {
    Pinned,
    Cache,
    Discovery,
}

impl Resolved {
    fn pinned(k: &KnownKind, origin: Origin) -> Resolved {
        Resolved {
            ar: ApiResource {
                group: k.group.into(),
                version: k.version.into(),
                api_version: api_version(k.group, k.version),
                kind: k.kind.into(),
                plural: k.plural.into(),
            },
            namespaced: k.namespaced,
            origin,
        }
    }

    fn found(f: &Found<'_>, origin: Origin) -> Resolved {
        Resolved {
            ar: ApiResource {
                group: f.group.into(),
                version: f.version.into(),
                api_version: api_version(f.group, f.version),
                kind: f.resource.kind.clone(),
                plural: f.resource.plural.clone(),
            },
            namespaced: f.resource.namespaced,
            origin,
        }
    }
}

fn api_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.into()
    } else {
        format!("{group}/{version}")
    }
}

/// What a `kind` argument asks for.
enum Wanted {
    /// A kind rbk knows, at its pinned group/version.
    Known(KnownKind),
    /// `plural.group`.
    InGroup { group: String, plural: String },
    /// Any kind, plural or short name discovery lists.
    Anywhere,
}

impl Wanted {
    fn of(key: &str) -> Wanted {
        if let Some(k) = known_kind(key) {
            return Wanted::Known(k);
        }
        match key.split_once('.') {
            Some((plural, group)) if !plural.is_empty() && group.contains('.') => {
                // `clusters.cluster.x-k8s.io`: a known kind spelt in full.
                match known_kind(plural).filter(|k| k.group == group) {
                    Some(k) => Wanted::Known(k),
                    None => Wanted::InGroup {
                        group: group.into(),
                        plural: plural.into(),
                    },
                }
            }
            _ => Wanted::Anywhere,
        }
    }
}

/// Resolve without a request: a known kind at its pinned version unless the
/// cached discovery says the server serves its group but not that version;
/// anything else only from the cached discovery.
fn resolve_offline(wanted: &Wanted, key: &str, cached: Option<&Served>) -> Option<Resolved> {
    let from_cache = |f: Found<'_>| Resolved::found(&f, Origin::Cache);
    match wanted {
        Wanted::Known(k) => match cached {
            Some(s) if s.group(k.group).is_some() && !s.serves_version(k.group, k.version) => {
                s.find_in_group(k.group, k.plural).map(from_cache)
            }
            _ => Some(Resolved::pinned(k, Origin::Pinned)),
        },
        Wanted::InGroup { group, plural } => cached?.find_in_group(group, plural).map(from_cache),
        Wanted::Anywhere => cached?.find_anywhere(key).map(from_cache),
    }
}

/// A 404 for the resource path itself (the apiserver's fixed text for a
/// path no handler serves), not for a named object: the group/version or
/// resource is not served.
fn is_unserved(e: &CallError) -> bool {
    matches!(e, CallError::Remote { status: Some(404), message, .. }
        if message.contains("the server could not find the requested resource"))
}

struct KnownKind {
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
}

/// (names, group, version, kind, plural, namespaced).
type KnownKindRow = (
    &'static [&'static str],
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
);

/// Names kubectl users type for common kinds (singular, plural, short).
/// Anything else is found by full discovery.
const KNOWN_KINDS: &[KnownKindRow] = &[
    (&["node", "nodes", "no"], "", "v1", "Node", "nodes", false),
    (&["pod", "pods", "po"], "", "v1", "Pod", "pods", true),
    (
        &["namespace", "namespaces", "ns"],
        "",
        "v1",
        "Namespace",
        "namespaces",
        false,
    ),
    (
        &["service", "services", "svc"],
        "",
        "v1",
        "Service",
        "services",
        true,
    ),
    (
        &["configmap", "configmaps", "cm"],
        "",
        "v1",
        "ConfigMap",
        "configmaps",
        true,
    ),
    (
        &["event", "events", "ev"],
        "",
        "v1",
        "Event",
        "events",
        true,
    ),
    (
        &["deployment", "deployments", "deploy"],
        "apps",
        "v1",
        "Deployment",
        "deployments",
        true,
    ),
    (
        &["replicaset", "replicasets", "rs"],
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        true,
    ),
    (
        &["statefulset", "statefulsets", "sts"],
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        true,
    ),
    (
        &["daemonset", "daemonsets", "ds"],
        "apps",
        "v1",
        "DaemonSet",
        "daemonsets",
        true,
    ),
    (
        &["poddisruptionbudget", "poddisruptionbudgets", "pdb"],
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
    ),
    (
        &["cluster", "clusters"],
        "cluster.x-k8s.io",
        "v1beta2",
        "Cluster",
        "clusters",
        true,
    ),
    (
        &["machine", "machines"],
        "cluster.x-k8s.io",
        "v1beta2",
        "Machine",
        "machines",
        true,
    ),
    (
        &["machinedeployment", "machinedeployments", "md"],
        "cluster.x-k8s.io",
        "v1beta2",
        "MachineDeployment",
        "machinedeployments",
        true,
    ),
    (
        &["openstackcluster", "openstackclusters"],
        "infrastructure.cluster.x-k8s.io",
        "v1beta1",
        "OpenStackCluster",
        "openstackclusters",
        true,
    ),
    (
        &["openstackmachine", "openstackmachines"],
        "infrastructure.cluster.x-k8s.io",
        "v1beta1",
        "OpenStackMachine",
        "openstackmachines",
        true,
    ),
];

/// Is this a well-known cluster-scoped kind (`nodes`, `namespaces`)?
pub fn is_cluster_scoped(kind: &str) -> bool {
    known_kind(&kind.to_ascii_lowercase()).is_some_and(|k| !k.namespaced)
}

fn known_kind(kind: &str) -> Option<KnownKind> {
    KNOWN_KINDS.iter().find(|k| k.0.contains(&kind)).map(
        |&(_, group, version, kind, plural, namespaced)| KnownKind {
            group,
            version,
            kind,
            plural,
            namespaced,
        },
    )
}

#[async_trait]
impl Kube for RealKube {
    async fn nodes(&self, scope: &KubeScope) -> Result<Vec<KubeNode>, CallError> {
        let sc = self.client(scope, calls::NODES).await?;
        let api: Api<K8sNode> = Api::all(sc.client.clone());
        Ok(self
            .list_all(calls::NODES, &sc.target, &api, &ListParams::default())
            .await?
            .iter()
            .map(to_node)
            .collect())
    }

    async fn pods(
        &self,
        scope: &KubeScope,
        namespace: Option<&str>,
    ) -> Result<Vec<Pod>, CallError> {
        let sc = self.client(scope, calls::PODS).await?;
        let api: Api<K8sPod> = match namespace.filter(|n| !n.is_empty()) {
            Some(ns) => Api::namespaced(sc.client.clone(), ns),
            None => Api::all(sc.client.clone()),
        };
        Ok(self
            .list_all(calls::PODS, &sc.target, &api, &ListParams::default())
            .await?
            .iter()
            .map(to_pod)
            .collect())
    }

    async fn get(
        &self,
        scope: &KubeScope,
        kind: &str,
        name: &str,
        namespace: &str,
    ) -> Result<KubeObject, CallError> {
        self.on_resource(scope, kind, calls::GET, |sc, r| async move {
            let api = Self::object_api(&sc, &r, namespace);
            let o = self.read(calls::GET, &sc.target, || api.get(name)).await?;
            Ok(to_object(&r.ar.kind, &o))
        })
        .await
    }

    async fn list(
        &self,
        scope: &KubeScope,
        kind: &str,
        selector: &KubeSelector,
    ) -> Result<Vec<KubeObject>, CallError> {
        let mut params = ListParams::default();
        if !selector.labels.is_empty() {
            params = params.labels(&selector.labels);
        }
        if !selector.fields.is_empty() {
            params = params.fields(&selector.fields);
        }
        let params = &params;
        self.on_resource(scope, kind, calls::LIST, |sc, r| async move {
            let api: Api<DynamicObject> = if r.namespaced && !selector.namespace.is_empty() {
                Api::namespaced_with(sc.client.clone(), &selector.namespace, &r.ar)
            } else {
                Api::all_with(sc.client.clone(), &r.ar)
            };
            let items = self.list_all(calls::LIST, &sc.target, &api, params).await?;
            Ok(items.iter().map(|o| to_object(&r.ar.kind, o)).collect())
        })
        .await
    }

    async fn apply(
        &self,
        scope: &KubeScope,
        manifest: &Value,
        field_manager: &str,
        force: bool,
    ) -> Result<KubeObject, CallError> {
        let call = calls::APPLY;
        let text = |path: &[&str]| {
            path.iter()
                .try_fold(manifest, |v, k| v.get(k))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let (api_version, kind, name) = (
            text(&["apiVersion"]),
            text(&["kind"]),
            text(&["metadata", "name"]),
        );
        if api_version.is_empty() || kind.is_empty() || name.is_empty() {
            return Err(CallError::Config {
                call: call.into(),
                message: "the manifest needs apiVersion, kind and metadata.name".into(),
            });
        }
        let (group, version) = api_version
            .rsplit_once('/')
            .unwrap_or(("", api_version.as_str()));
        let sc = self.client(scope, call).await?;
        let r = self.resource_at(&sc, (group, version, &kind), call).await?;
        let api = Self::object_api(&sc, &r, &text(&["metadata", "namespace"]));
        let mut params = PatchParams::apply(field_manager);
        if force {
            params = params.force();
        }
        let o = self
            .write(
                call,
                &sc.target,
                api.patch(&name, &params, &Patch::Apply(manifest)),
            )
            .await?;
        Ok(to_object(&r.ar.kind, &o))
    }

    async fn patch(
        &self,
        scope: &KubeScope,
        target: (&str, &str, &str),
        patch: &Value,
        strategy: &str,
    ) -> Result<KubeObject, CallError> {
        let patch = match strategy {
            "merge" | "" => Patch::Merge(patch.clone()),
            "strategic" => Patch::Strategic(patch.clone()),
            other => {
                return Err(CallError::Config {
                    call: calls::PATCH.into(),
                    message: format!("patch type {other:?}: use \"merge\" or \"strategic\""),
                })
            }
        };
        self.patch_object(scope, target, patch, calls::PATCH).await
    }

    async fn delete(
        &self,
        scope: &KubeScope,
        kind: &str,
        name: &str,
        namespace: &str,
    ) -> Result<(), CallError> {
        self.on_resource(scope, kind, calls::DELETE, |sc, r| async move {
            let api = Self::object_api(&sc, &r, namespace);
            self.write(
                calls::DELETE,
                &sc.target,
                api.delete(name, &DeleteParams::default()),
            )
            .await?;
            Ok(())
        })
        .await
    }

    async fn scale(
        &self,
        scope: &KubeScope,
        (kind, name, namespace): (&str, &str, &str),
        replicas: i64,
    ) -> Result<(), CallError> {
        if replicas < 0 {
            return Err(CallError::Config {
                call: calls::SCALE.into(),
                message: format!("replicas must be 0 or more, got {replicas}"),
            });
        }
        let patch = &Patch::Merge(serde_json::json!({"spec": {"replicas": replicas}}));
        self.on_resource(scope, kind, calls::SCALE, |sc, r| async move {
            let api = Self::object_api(&sc, &r, namespace);
            self.write(
                calls::SCALE,
                &sc.target,
                api.patch_scale(name, &PatchParams::default(), patch),
            )
            .await?;
            Ok(())
        })
        .await
    }

    async fn rollout_restart(
        &self,
        scope: &KubeScope,
        kind: &str,
        name: &str,
        namespace: &str,
    ) -> Result<(), CallError> {
        // What `kubectl rollout restart` does: a new pod-template annotation.
        let at = self.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        let patch = serde_json::json!({"spec": {"template": {"metadata": {"annotations":
            {"kubectl.kubernetes.io/restartedAt": at}}}}});
        self.patch_object(
            scope,
            (kind, name, namespace),
            Patch::Merge(patch),
            calls::ROLLOUT_RESTART,
        )
        .await?;
        Ok(())
    }

    async fn cordon(
        &self,
        scope: &KubeScope,
        node: &str,
        unschedulable: bool,
    ) -> Result<(), CallError> {
        let call = if unschedulable {
            calls::CORDON
        } else {
            calls::UNCORDON
        };
        // kubectl sends `null` to uncordon: the field is removed.
        let value = if unschedulable {
            Value::Bool(true)
        } else {
            Value::Null
        };
        let patch = serde_json::json!({"spec": {"unschedulable": value}});
        self.patch_object(scope, ("node", node, ""), Patch::Merge(patch), call)
            .await?;
        Ok(())
    }

    async fn drain(
        &self,
        scope: &KubeScope,
        node: &str,
        options: &DrainOptions,
    ) -> Result<Drain, CallError> {
        let call = calls::DRAIN;
        let started = self.clock.now();
        let out_of_time =
            || self.clock.now().duration_since(started).unsigned_abs() >= options.timeout;
        self.cordon(scope, node, true)
            .await
            .map_err(|e| rename(e, call))?;
        let sc = self.client(scope, call).await?;
        let all: Api<K8sPod> = Api::all(sc.client.clone());
        let on_node = ListParams::default().fields(&format!("spec.nodeName={node}"));
        let pods = self.list_all(call, &sc.target, &all, &on_node).await?;
        let plan = Self::drain_plan(&pods, options);
        let mut report = Drain {
            skipped: plan.skipped,
            ..Drain::default()
        };
        if !plan.refused.is_empty() {
            // kubectl refuses the whole drain before evicting anything.
            report.remaining = plan.refused.iter().map(|(id, _)| id.clone()).collect();
            report.message = plan
                .refused
                .iter()
                .map(|(id, why)| format!("{id} {why}"))
                .collect::<Vec<_>>()
                .join("; ");
            return Ok(report);
        }
        let mut pending = plan.evict;
        let mut leaving = Vec::new();
        loop {
            let mut refused = Vec::new();
            for (ns, name, uid) in pending {
                report.attempts += 1;
                let api: Api<K8sPod> = Api::namespaced(sc.client.clone(), &ns);
                match self
                    .write(call, &sc.target, api.evict(&name, &EvictParams::default()))
                    .await
                {
                    Ok(_) => {
                        report.evicted.push(format!("{ns}/{name}"));
                        leaving.push((ns, name, uid));
                    }
                    Err(CallError::Remote {
                        status: Some(404), ..
                    }) => {}
                    // 429: a PodDisruptionBudget says not now; retry later.
                    Err(CallError::Remote {
                        status: Some(429),
                        message,
                        ..
                    }) => {
                        report.message = format!("{ns}/{name}: {message}");
                        refused.push((ns, name, uid));
                    }
                    Err(e) => return Err(e),
                }
            }
            pending = refused;
            if pending.is_empty() || out_of_time() {
                break;
            }
            self.clock.sleep(options.retry_every).await;
        }
        // Evicted pods terminate gracefully; wait (within the bound) until
        // they are gone, as kubectl does.
        loop {
            let mut still = Vec::new();
            for (ns, name, uid) in leaving {
                let api: Api<K8sPod> = Api::namespaced(sc.client.clone(), &ns);
                let now = self.read(call, &sc.target, || api.get_opt(&name)).await?;
                if now.is_some_and(|p| p.metadata.uid.as_deref() == Some(uid.as_str())) {
                    still.push((ns, name, uid));
                }
            }
            leaving = still;
            if leaving.is_empty() || out_of_time() {
                break;
            }
            self.clock.sleep(Duration::from_secs(1)).await;
        }
        report.remaining = pending
            .iter()
            .chain(&leaving)
            .map(|(ns, name, _)| format!("{ns}/{name}"))
            .collect();
        report.drained = report.remaining.is_empty();
        Ok(report)
    }

    async fn logs(
        &self,
        scope: &KubeScope,
        pod: &str,
        namespace: &str,
        container: &str,
        tail: i64,
    ) -> Result<String, CallError> {
        let sc = self.client(scope, calls::LOGS).await?;
        let api: Api<K8sPod> = Api::namespaced(sc.client.clone(), namespace);
        let params = LogParams {
            container: (!container.is_empty()).then(|| container.to_string()),
            tail_lines: (tail >= 0).then_some(tail),
            ..LogParams::default()
        };
        self.read(calls::LOGS, &sc.target, || api.logs(pod, &params))
            .await
    }
}

/// The same error, named after the call the user made.
fn rename(e: CallError, call: &str) -> CallError {
    match e {
        CallError::Remote {
            status, message, ..
        } => CallError::Remote {
            call: call.into(),
            status,
            message,
        },
        other => other,
    }
}

fn to_node(n: &K8sNode) -> KubeNode {
    let status = n.status.as_ref();
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
        .is_some_and(|c| c.status == "True");
    let mut roles: Vec<String> = n
        .metadata
        .labels
        .iter()
        .flatten()
        .filter_map(|(k, _)| k.strip_prefix("node-role.kubernetes.io/"))
        .filter(|r| !r.is_empty())
        .map(String::from)
        .collect();
    roles.sort();
    let internal_ip = status
        .and_then(|s| s.addresses.as_ref())
        .and_then(|a| a.iter().find(|a| a.type_ == "InternalIP"))
        .map(|a| a.address.clone())
        .unwrap_or_default();
    KubeNode {
        name: n.metadata.name.clone().unwrap_or_default(),
        ready,
        roles,
        internal_ip,
        kubelet_version: status
            .and_then(|s| s.node_info.as_ref())
            .map(|i| i.kubelet_version.clone())
            .unwrap_or_default(),
    }
}

fn to_pod(p: &K8sPod) -> Pod {
    let status = p.status.as_ref();
    Pod {
        namespace: p.metadata.namespace.clone().unwrap_or_default(),
        name: p.metadata.name.clone().unwrap_or_default(),
        phase: status
            .and_then(|s| s.phase.clone())
            .unwrap_or_else(|| "Unknown".into()),
        ready: status
            .and_then(|s| s.conditions.as_ref())
            .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
            .is_some_and(|c| c.status == "True"),
        restarts: status
            .and_then(|s| s.container_statuses.as_ref())
            .map(|cs| cs.iter().map(|c| i64::from(c.restart_count)).sum())
            .unwrap_or(0),
    }
}

fn to_object(kind: &str, o: &DynamicObject) -> KubeObject {
    let part = |k: &str| {
        o.data
            .get(k)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let status = part("status");
    KubeObject {
        kind: kind.to_string(),
        name: o.metadata.name.clone().unwrap_or_default(),
        namespace: o.metadata.namespace.clone().unwrap_or_default(),
        phase: status
            .get("phase")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        conditions: conditions_of(&Value::Object(status.clone())),
        labels: o
            .metadata
            .labels
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
        spec: part("spec"),
        status,
    }
}

/// `status.conditions` of any object, as Kubernetes writes them (missing
/// fields are empty strings).
pub fn conditions_of(status: &Value) -> Vec<Condition> {
    let text = |c: &Value, k: &str| {
        c.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    status
        .get("conditions")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| Condition {
                    type_: text(c, "type"),
                    status: text(c, "status"),
                    reason: text(c, "reason"),
                    message: text(c, "message"),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The condition of this type, if the object reports it.
pub fn condition<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_ == type_)
}

/// Is the condition reported and `"True"`? (`Available`, `Ready`, `InfrastructureReady`.)
pub fn is_true(conditions: &[Condition], type_: &str) -> bool {
    condition(conditions, type_).is_some_and(|c| c.status == "True")
}

fn map_error(call: &str, target: &str, e: &kube::Error, timeout: Duration) -> CallError {
    match e {
        kube::Error::Api(status) => {
            let code = status.code;
            let message = match (status.reason.is_empty(), status.message.is_empty()) {
                (_, false) if !status.reason.is_empty() => {
                    format!("{code} {}: {}", status.reason, status.message)
                }
                (_, false) => format!("{code}: {}", status.message),
                (false, true) => format!("{code} {}", status.reason),
                (true, true) => format!("{code}"),
            };
            if code == 401 {
                CallError::Auth {
                    call: call.into(),
                    message: format!("{target} refused the kubeconfig's credentials: {message}"),
                }
            } else {
                CallError::Remote {
                    call: call.into(),
                    status: (code != 0).then_some(code),
                    message,
                }
            }
        }
        kube::Error::HyperError(_) | kube::Error::Service(_) => {
            let message = chain(e);
            let lower = message.to_ascii_lowercase();
            if lower.contains("timed out") || lower.contains("timeout") || lower.contains("elapsed")
            {
                CallError::Timeout {
                    call: call.into(),
                    after: timeout,
                }
            } else {
                CallError::Unreachable {
                    call: call.into(),
                    target: target.into(),
                    message,
                }
            }
        }
        kube::Error::Discovery(_) => CallError::Remote {
            call: call.into(),
            status: None,
            message: chain(e),
        },
        _ => CallError::Remote {
            call: call.into(),
            status: None,
            message: chain(e),
        },
    }
}

/// An error and its sources, each once.
fn chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = s.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_and_helpers() {
        let status = serde_json::json!({"phase": "Provisioned", "conditions": [
            {"type": "Ready", "status": "True", "lastTransitionTime": "2026-06-10T08:00:00Z"},
            {"type": "InfrastructureReady", "status": "False", "reason": "LoadBalancerTimeout",
             "message": "timed out waiting for the load balancer", "severity": "Error"}]});
        let cs = conditions_of(&status);
        assert_eq!(cs.len(), 2);
        assert!(is_true(&cs, "Ready"));
        assert!(!is_true(&cs, "InfrastructureReady"));
        assert!(!is_true(&cs, "Available"));
        assert_eq!(
            condition(&cs, "InfrastructureReady").map(|c| c.reason.as_str()),
            Some("LoadBalancerTimeout")
        );
        assert!(conditions_of(&serde_json::json!({})).is_empty());
    }

    #[test]
    fn kinds() {
        assert_eq!(known_kind("cluster").map(|k| k.plural), Some("clusters"));
        assert_eq!(
            known_kind("openstackcluster").map(|k| k.group),
            Some("infrastructure.cluster.x-k8s.io")
        );
        assert_eq!(known_kind("po").map(|k| k.kind), Some("Pod"));
        assert!(known_kind("widgets").is_none());
    }
}
