//! What a Kubernetes API server serves (groups, versions, resources), read
//! as cheaply as the server allows and kept where kubectl keeps it.
//!
//! The discovery documents come from the aggregated reads of `/api` and
//! `/apis` (`apidiscovery.k8s.io/v2`: every group, version and resource in
//! one answer each, the two reads kubectl makes), or, from a server too old
//! for that, the legacy `APIGroupList` plus one `APIResourceList` per
//! group/version needed. They are cached on disk exactly as kubectl
//! (client-go's `discovery/cached/disk`) caches them, so either tool's
//! cache spares the other its discovery: under `$KUBECACHEDIR` (else
//! `~/.kube/cache`), `discovery/<host_port>/servergroups.json` (the group
//! list, core group first) and `<group-version>/serverresources.json` for
//! every group/version (`v1/` for the core group, subresources included),
//! each fresh for 6 hours from its own modification time; folders `0750`,
//! files `0660`, written through a temporary file and a rename. kubectl
//! trusts its cache only when every group/version the group list names has
//! a fresh file; a file that does not parse is ignored, as kubectl ignores
//! it. The documents hold no credential.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::{json, Value};

/// How long a cached discovery document is trusted (kubectl's 6 hours).
pub const CACHE_TTL: Duration = Duration::from_secs(6 * 3600);

/// The `Accept` of an aggregated discovery read (v2, then v2beta1, then the
/// legacy document from servers without it).
pub const ACCEPT_AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

/// One resource a group/version serves.
#[derive(Clone, Debug, PartialEq)]
pub struct ServedResource {
    pub plural: String,
    pub singular: String,
    pub kind: String,
    /// The group and version of the kind it answers with, when discovery
    /// says (empty: the group/version it is served at).
    pub kind_group: String,
    pub kind_version: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub verbs: Vec<String>,
    pub categories: Vec<String>,
    /// `pods/eviction`, `deployments/scale`: rbk does not look them up,
    /// but kubectl finds them in the cache (drain, scale).
    pub subresources: Vec<ServedSubresource>,
}

/// A subresource (`eviction` of `pods`) and the kind it answers with.
#[derive(Clone, Debug, PartialEq)]
pub struct ServedSubresource {
    pub name: String,
    pub kind: String,
    pub kind_group: String,
    pub kind_version: String,
    pub verbs: Vec<String>,
}

impl ServedResource {
    /// Does a lowercase `kind` argument name this resource (kind, plural,
    /// singular or short name)? One without a kind (listed for its
    /// subresources alone) names nothing.
    pub fn answers(&self, key: &str) -> bool {
        !self.kind.is_empty()
            && (self.plural == key
                || self.singular == key
                || self.kind.eq_ignore_ascii_case(key)
                || self.short_names.iter().any(|s| s == key))
    }
}

/// One version of a group; `resources` is None until read.
#[derive(Clone, Debug, PartialEq)]
pub struct ServedVersion {
    pub version: String,
    pub resources: Option<Vec<ServedResource>>,
}

/// A group and its versions, the server's preferred version first. The
/// core group is named "".
#[derive(Clone, Debug, PartialEq)]
pub struct ServedGroup {
    pub name: String,
    pub versions: Vec<ServedVersion>,
}

/// Everything discovery said (or the part of it read so far).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Served {
    pub groups: Vec<ServedGroup>,
}

/// Where a kind lives: group, version, and the resource itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Found<'a> {
    pub group: &'a str,
    pub version: &'a str,
    pub resource: &'a ServedResource,
}

impl Served {
    pub fn group(&self, name: &str) -> Option<&ServedGroup> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// The first version of `group` (in the server's preference) that
    /// serves a resource `key` answers to.
    pub fn find_in_group(&self, group: &str, key: &str) -> Option<Found<'_>> {
        let g = self.group(group)?;
        g.versions.iter().find_map(|v| {
            v.resources
                .as_ref()?
                .iter()
                .find(|r| r.answers(key))
                .map(|resource| Found {
                    group: &g.name,
                    version: &v.version,
                    resource,
                })
        })
    }

    /// The resource `key` answers to at exactly `group`/`version`.
    pub fn find_at(&self, group: &str, version: &str, key: &str) -> Option<Found<'_>> {
        let g = self.group(group)?;
        let v = g.versions.iter().find(|v| v.version == version)?;
        let resource = v.resources.as_ref()?.iter().find(|r| r.answers(key))?;
        Some(Found {
            group: &g.name,
            version: &v.version,
            resource,
        })
    }

    /// Any group's resource `key` answers to: the core group first, then
    /// the groups in the server's order (kubectl's priority).
    pub fn find_anywhere(&self, key: &str) -> Option<Found<'_>> {
        self.find_in_group("", key).or_else(|| {
            self.groups
                .iter()
                .filter(|g| !g.name.is_empty())
                .find_map(|g| self.find_in_group(&g.name, key))
        })
    }

    /// Does `group` serve `version` (per the group list)?
    pub fn serves_version(&self, group: &str, version: &str) -> bool {
        self.group(group)
            .is_some_and(|g| g.versions.iter().any(|v| v.version == version))
    }

    /// An aggregated discovery document (`APIGroupDiscoveryList`, from
    /// `/api` or `/apis`), or None when `doc` is another kind of document.
    /// A version marked stale (its aggregated API server is not answering)
    /// is left out, as kubectl leaves it out.
    pub fn from_aggregated(doc: &Value) -> Option<Served> {
        if doc["kind"] != "APIGroupDiscoveryList" {
            return None;
        }
        let groups = items(&doc["items"])
            .map(|g| ServedGroup {
                name: text(&g["metadata"]["name"]),
                versions: items(&g["versions"])
                    .filter(|v| v["freshness"] != "Stale")
                    .map(|v| ServedVersion {
                        version: text(&v["version"]),
                        resources: Some(items(&v["resources"]).map(aggregated_resource).collect()),
                    })
                    .collect(),
            })
            .filter(|g| !g.versions.is_empty())
            .collect();
        Some(Served { groups })
    }

    /// A legacy group list (`APIGroupList`): groups and versions, the
    /// preferred version first, no resources yet.
    pub fn from_group_list(doc: &Value) -> Option<Served> {
        if doc["kind"] != "APIGroupList" {
            return None;
        }
        let groups = items(&doc["groups"])
            .map(|g| {
                let preferred = g["preferredVersion"]["version"].as_str().unwrap_or("");
                let mut versions: Vec<ServedVersion> = items(&g["versions"])
                    .filter_map(|v| v["version"].as_str())
                    .map(|v| ServedVersion {
                        version: v.to_string(),
                        resources: None,
                    })
                    .collect();
                versions.sort_by_key(|v| v.version != preferred);
                ServedGroup {
                    name: text(&g["name"]),
                    versions,
                }
            })
            .collect();
        Some(Served { groups })
    }

    /// The core group first, as kubectl lists it: from `core` (`/api`'s
    /// aggregated answer) when there is one, else `v1` with its resources
    /// unread (every Kubernetes serves it).
    pub fn with_core_group(mut self, core: Option<Served>) -> Served {
        if self.group("").is_some() {
            return self;
        }
        let core = core
            .and_then(|c| c.groups.into_iter().find(|g| g.name.is_empty()))
            .unwrap_or_else(|| ServedGroup {
                name: String::new(),
                versions: vec![ServedVersion {
                    version: "v1".into(),
                    resources: None,
                }],
            });
        self.groups.insert(0, core);
        self
    }

    /// Set the resources of one group/version (from its resource list).
    pub fn set_resources(&mut self, group: &str, version: &str, resources: Vec<ServedResource>) {
        if let Some(v) = self
            .groups
            .iter_mut()
            .filter(|g| g.name == group)
            .flat_map(|g| g.versions.iter_mut())
            .find(|v| v.version == version)
        {
            v.resources = Some(resources);
        }
    }

    /// kubectl's `servergroups.json`.
    pub fn group_list_json(&self) -> Value {
        let groups: Vec<Value> = self
            .groups
            .iter()
            .filter(|g| !g.versions.is_empty())
            .map(|g| {
                let versions: Vec<Value> = g
                    .versions
                    .iter()
                    .map(|v| json!({"groupVersion": group_version(&g.name, &v.version), "version": v.version}))
                    .collect();
                json!({"name": g.name, "preferredVersion": versions[0].clone(), "versions": versions})
            })
            .collect();
        json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
    }
}

/// One resource of an aggregated document, with its subresources.
fn aggregated_resource(r: &Value) -> ServedResource {
    let kind = &r["responseKind"];
    ServedResource {
        plural: text(&r["resource"]),
        singular: text(&r["singularResource"]),
        kind: text(&kind["kind"]),
        kind_group: text(&kind["group"]),
        kind_version: text(&kind["version"]),
        namespaced: r["scope"] == "Namespaced",
        short_names: texts(&r["shortNames"]),
        verbs: texts(&r["verbs"]),
        categories: texts(&r["categories"]),
        subresources: items(&r["subresources"])
            // One without a kind is one client-go drops.
            .filter(|s| {
                s["responseKind"]["kind"]
                    .as_str()
                    .is_some_and(|k| !k.is_empty())
            })
            .map(|s| ServedSubresource {
                name: text(&s["subresource"]),
                kind: text(&s["responseKind"]["kind"]),
                kind_group: text(&s["responseKind"]["group"]),
                kind_version: text(&s["responseKind"]["version"]),
                verbs: texts(&s["verbs"]),
            })
            .collect(),
    }
}

/// A legacy `APIResourceList` (`/apis/<group>/<version>`): the resources,
/// each with its subresources (`pods/log`).
pub fn resources_from_list(doc: &Value) -> Vec<ServedResource> {
    let mut resources: Vec<ServedResource> = Vec::new();
    for r in items(&doc["resources"]) {
        let name = text(&r["name"]);
        let (plural, sub) = match name.split_once('/') {
            Some((plural, sub)) => (plural.to_string(), Some(sub.to_string())),
            None => (name, None),
        };
        let at = match resources.iter().position(|p| p.plural == plural) {
            Some(at) => at,
            None => {
                // A subresource before (or without) its resource: a
                // placeholder without a kind, filled when the resource comes.
                resources.push(ServedResource {
                    plural,
                    singular: text(&r["singularName"]),
                    kind: String::new(),
                    kind_group: String::new(),
                    kind_version: String::new(),
                    namespaced: r["namespaced"].as_bool().unwrap_or(false),
                    short_names: Vec::new(),
                    verbs: Vec::new(),
                    categories: Vec::new(),
                    subresources: Vec::new(),
                });
                resources.len() - 1
            }
        };
        let parent = &mut resources[at];
        match sub {
            Some(name) => parent.subresources.push(ServedSubresource {
                name,
                kind: text(&r["kind"]),
                kind_group: text(&r["group"]),
                kind_version: text(&r["version"]),
                verbs: texts(&r["verbs"]),
            }),
            None => {
                parent.singular = text(&r["singularName"]);
                parent.kind = text(&r["kind"]);
                parent.kind_group = text(&r["group"]);
                parent.kind_version = text(&r["version"]);
                parent.namespaced = r["namespaced"].as_bool().unwrap_or(false);
                parent.short_names = texts(&r["shortNames"]);
                parent.verbs = texts(&r["verbs"]);
                parent.categories = texts(&r["categories"]);
            }
        }
    }
    resources
}

/// kubectl's `serverresources.json` for one group/version: each resource,
/// then its subresources as `plural/name`, in client-go's field names.
pub fn resource_list_json(group: &str, version: &str, resources: &[ServedResource]) -> Value {
    let entry = |name: String,
                 r: &ServedResource,
                 kind: &str,
                 kind_group: &str,
                 kind_version: &str,
                 verbs: &[String]| {
        let mut v = json!({"name": name, "singularName": r.singular, "namespaced": r.namespaced});
        if !kind_group.is_empty() {
            v["group"] = json!(kind_group);
        }
        if !kind_version.is_empty() {
            v["version"] = json!(kind_version);
        }
        v["kind"] = json!(kind);
        v["verbs"] = json!(verbs);
        v
    };
    let mut list = Vec::new();
    for r in resources {
        if !r.kind.is_empty() {
            let mut v = entry(
                r.plural.clone(),
                r,
                &r.kind,
                &r.kind_group,
                &r.kind_version,
                &r.verbs,
            );
            if !r.short_names.is_empty() {
                v["shortNames"] = json!(r.short_names);
            }
            if !r.categories.is_empty() {
                v["categories"] = json!(r.categories);
            }
            list.push(v);
        }
        for s in &r.subresources {
            let name = format!("{}/{}", r.plural, s.name);
            list.push(entry(
                name,
                r,
                &s.kind,
                &s.kind_group,
                &s.kind_version,
                &s.verbs,
            ));
        }
    }
    json!({"kind": "APIResourceList", "apiVersion": "v1",
           "groupVersion": group_version(group, version), "resources": list})
}

fn group_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

fn items(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn texts(v: &Value) -> Vec<String> {
    items(v)
        .filter_map(Value::as_str)
        .map(String::from)
        .collect()
}

/// kubectl's discovery cache for one API server.
#[derive(Clone, Debug)]
pub struct DiskCache {
    dir: PathBuf,
}

impl DiskCache {
    /// The cache root kubectl uses: `$KUBECACHEDIR`, else `~/.kube/cache`.
    pub fn default_root() -> Option<PathBuf> {
        match std::env::var_os("KUBECACHEDIR").filter(|d| !d.is_empty()) {
            Some(dir) => Some(PathBuf::from(dir)),
            None => std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| Path::new(&h).join(".kube").join("cache")),
        }
    }

    /// The folder for `server` (the kubeconfig's URL) under `root`, named
    /// as kubectl names it: the URL without its scheme, every character
    /// but letters, digits, `_`, `/`, `.`, `(` and `)` made `_`. A
    /// `user:password@` in the URL is left out, so no credential names a
    /// folder (kubectl would keep it; such a server's cache is then rbk's
    /// own).
    pub fn for_server(root: &Path, server: &str) -> DiskCache {
        let schemeless = server
            .trim_end_matches('/')
            .replacen("https://", "", 1)
            .replacen("http://", "", 1);
        let (authority, path) = match schemeless.split_once('/') {
            Some((authority, path)) => (authority, Some(path)),
            None => (schemeless.as_str(), None),
        };
        let authority = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        let host = match path {
            Some(path) => format!("{authority}/{path}"),
            None => authority.to_string(),
        };
        let safe: String = host
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "_/.()".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        DiskCache {
            dir: root.join("discovery").join(safe),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What the cache holds while it is fresh: the group list, and the
    /// resources of every group/version whose file is fresh and parses.
    /// A missing, stale or unreadable file is simply not there.
    pub fn read(&self) -> Option<Served> {
        let mut served = Served::from_group_list(&self.read_fresh(&self.groups_file())?)?;
        for g in &mut served.groups {
            for v in &mut g.versions {
                v.resources = self
                    .resources_file(&g.name, &v.version)
                    .and_then(|path| self.read_fresh(&path))
                    .filter(|doc| doc["kind"] == "APIResourceList")
                    .map(|doc| resources_from_list(&doc));
            }
        }
        Some(served)
    }

    /// Write what discovery said: the resource list of every group/version
    /// read, then the group list. Best effort: the cache only saves
    /// requests, so a read-only home costs requests, never a failure.
    pub fn write(&self, served: &Served) {
        for g in &served.groups {
            for v in &g.versions {
                let (Some(resources), Some(path)) =
                    (&v.resources, self.resources_file(&g.name, &v.version))
                else {
                    continue;
                };
                let _ = write_atomic(&path, &resource_list_json(&g.name, &v.version, resources));
            }
        }
        let _ = write_atomic(&self.groups_file(), &served.group_list_json());
    }

    fn groups_file(&self) -> PathBuf {
        self.dir.join("servergroups.json")
    }

    /// `<group>/<version>/serverresources.json` (`v1/…` for the core
    /// group); None for a name that is not a plain group or version (a
    /// server's `..` never leads out of the cache).
    fn resources_file(&self, group: &str, version: &str) -> Option<PathBuf> {
        let plain = |s: &str| {
            !s.starts_with('.')
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        };
        (plain(group) && !version.is_empty() && plain(version)).then(|| {
            self.dir
                .join(group_version(group, version))
                .join("serverresources.json")
        })
    }

    fn read_fresh(&self, path: &Path) -> Option<Value> {
        let modified = std::fs::metadata(path).ok()?.modified().ok()?;
        let age = SystemTime::now()
            .duration_since(modified)
            .unwrap_or_default();
        if age > CACHE_TTL {
            return None;
        }
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()
    }
}

/// Write `doc` to `path` as kubectl does: folders `0750`, the file `0660`,
/// through a temporary file beside it and a rename, so kubectl or another
/// run never reads half a file.
fn write_atomic(path: &Path, doc: &Value) -> std::io::Result<()> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Ok(());
    };
    let mut folders = std::fs::DirBuilder::new();
    folders.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut folders, 0o750);
    folders.create(dir)?;
    let mut prefix = name.to_os_string();
    prefix.push(".");
    let mut tmp = tempfile::Builder::new().prefix(&prefix).tempfile_in(dir)?;
    tmp.write_all(doc.to_string().as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o660))?;
    }
    tmp.persist(path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aggregated() -> Value {
        json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "items": [
            {"metadata": {"name": "cluster.x-k8s.io"}, "versions": [
                {"version": "v1beta2", "resources": [
                    {"resource": "clusters", "responseKind": {"group": "cluster.x-k8s.io", "version": "v1beta2", "kind": "Cluster"},
                     "scope": "Namespaced", "singularResource": "cluster", "verbs": ["get", "list"], "shortNames": ["cl"],
                     "subresources": [{"subresource": "status", "responseKind": {"group": "cluster.x-k8s.io", "version": "v1beta2", "kind": "Cluster"},
                                       "verbs": ["get", "patch"]},
                                      {"subresource": "nokind", "verbs": ["get"]}]}]},
                {"version": "v1beta1", "resources": [
                    {"resource": "clusters", "responseKind": {"kind": "Cluster"}, "scope": "Namespaced",
                     "singularResource": "cluster", "verbs": ["get", "list"]}]},
                {"version": "v1alpha4", "freshness": "Stale", "resources": []}]}]})
    }

    fn core() -> Value {
        json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "items": [
            {"metadata": {"name": ""}, "versions": [{"version": "v1", "resources": [
                {"resource": "pods", "responseKind": {"group": "", "version": "v1", "kind": "Pod"}, "scope": "Namespaced",
                 "singularResource": "pod", "verbs": ["get", "list"], "shortNames": ["po"],
                 "subresources": [{"subresource": "eviction", "responseKind": {"group": "policy", "version": "v1", "kind": "Eviction"},
                                   "verbs": ["create"]}]}]}]}]})
    }

    fn served() -> Served {
        let core = Served::from_aggregated(&core());
        Served::from_aggregated(&aggregated())
            .expect("aggregated")
            .with_core_group(core)
    }

    #[test]
    fn aggregated_documents_resolve_kinds_in_preference_order() {
        let served = Served::from_aggregated(&aggregated()).expect("aggregated");
        let found = served.find_anywhere("cl").expect("short name");
        assert_eq!(
            (found.group, found.version),
            ("cluster.x-k8s.io", "v1beta2")
        );
        assert!(found.resource.namespaced);
        assert!(served.find_anywhere("pods").is_none());
        assert!(Served::from_aggregated(&json!({"kind": "APIGroupList"})).is_none());
        // A stale version is not served; a subresource without a kind is
        // dropped, as client-go drops it.
        assert!(!served.serves_version("cluster.x-k8s.io", "v1alpha4"));
        let subs: Vec<&str> = found
            .resource
            .subresources
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(subs, ["status"]);
    }

    #[test]
    fn the_core_group_comes_first_from_api_or_as_v1_unread() {
        let served = served();
        assert_eq!(served.groups[0].name, "");
        assert_eq!(
            served.find_anywhere("po").map(|f| f.resource.kind.as_str()),
            Some("Pod")
        );
        let bare = Served::from_aggregated(&aggregated())
            .expect("aggregated")
            .with_core_group(None);
        assert_eq!(bare.groups[0].versions[0].version, "v1");
        assert!(bare.groups[0].versions[0].resources.is_none());
    }

    #[test]
    fn the_cache_round_trips_in_kubectls_layout() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::for_server(dir.path(), "https://10.12.7.40:6443/");
        assert!(cache.dir().ends_with("discovery/10.12.7.40_6443"));
        assert!(cache.read().is_none());
        let served = served();
        cache.write(&served);
        let file = |p: &str| cache.dir().join(p);
        assert!(file("cluster.x-k8s.io/v1beta2/serverresources.json").is_file());
        assert!(file("v1/serverresources.json").is_file());
        assert_eq!(cache.read(), Some(served));

        // What client-go writes from the same documents: subresources as
        // `plural/name` after their resource, the kind's group and version.
        let doc: Value =
            serde_json::from_slice(&std::fs::read(file("v1/serverresources.json")).expect("read"))
                .expect("json");
        assert_eq!(
            doc,
            json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1", "resources": [
                {"name": "pods", "singularName": "pod", "namespaced": true, "version": "v1", "kind": "Pod",
                 "verbs": ["get", "list"], "shortNames": ["po"]},
                {"name": "pods/eviction", "singularName": "pod", "namespaced": true, "group": "policy",
                 "version": "v1", "kind": "Eviction", "verbs": ["create"]}]})
        );
        let groups: Value =
            serde_json::from_slice(&std::fs::read(file("servergroups.json")).expect("read"))
                .expect("json");
        assert_eq!(groups["groups"][0]["name"], "");
        assert_eq!(
            groups["groups"][1]["preferredVersion"]["groupVersion"],
            "cluster.x-k8s.io/v1beta2"
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_cache_has_kubectls_permissions_and_no_leftovers() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::for_server(dir.path(), "https://10.12.7.40:6443");
        cache.write(&served());
        let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&cache.dir().join("servergroups.json")), 0o660);
        assert_eq!(mode(&cache.dir().join("v1/serverresources.json")), 0o660);
        // 0750, less what the umask takes away.
        assert_eq!(mode(cache.dir()) & !0o750, 0);
        assert_eq!(mode(&cache.dir().join("cluster.x-k8s.io")) & !0o750, 0);
        let names: Vec<String> = std::fs::read_dir(cache.dir())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("servergroups"))
            .collect();
        assert_eq!(names, ["servergroups.json"]);
    }

    #[test]
    fn corrupt_stale_or_foreign_files_are_not_there() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::for_server(dir.path(), "https://10.12.7.40:6443");
        cache.write(&served());
        let file = |p: &str| cache.dir().join(p);
        std::fs::write(file("v1/serverresources.json"), "{\"kind\": \"APIResour").expect("w");
        std::fs::write(
            file("cluster.x-k8s.io/v1beta2/serverresources.json"),
            "{\"kind\": \"Status\"}",
        )
        .expect("w");
        let read = cache.read().expect("the group list is fine");
        assert!(read.group("").expect("core").versions[0]
            .resources
            .is_none());
        assert!(read.find_at("cluster.x-k8s.io", "v1beta2", "cl").is_none());
        assert!(read
            .find_at("cluster.x-k8s.io", "v1beta1", "clusters")
            .is_some());

        let old = SystemTime::now() - CACHE_TTL - Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(file("servergroups.json"))
            .and_then(|f| f.set_modified(old))
            .expect("age the group list");
        assert!(cache.read().is_none(), "stale");
        for junk in [
            "",
            "null",
            "[]",
            "{\"kind\": \"APIGroupList\", \"groups\": 7}",
        ] {
            std::fs::write(file("servergroups.json"), junk).expect("w");
            let read = cache.read();
            assert!(read.is_none_or(|s| s.groups.is_empty()), "{junk:?}");
        }
    }

    #[test]
    fn a_cache_that_cannot_be_written_costs_requests_not_a_failure() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("not-a-folder");
        std::fs::write(&root, "").expect("a file where the root should be");
        let cache = DiskCache::for_server(&root, "https://10.12.7.40:6443");
        cache.write(&served());
        assert!(cache.read().is_none());
        // A folder where a file should be.
        let cache = DiskCache::for_server(dir.path(), "https://10.12.7.40:6443");
        std::fs::create_dir_all(cache.dir().join("v1/serverresources.json")).expect("mkdir");
        cache.write(&served());
        let read = cache.read().expect("the rest was written");
        assert!(read.group("").expect("core").versions[0]
            .resources
            .is_none());
        assert!(read.find_anywhere("cl").is_some());
    }

    #[test]
    fn no_credential_or_path_of_the_servers_escapes_into_file_names() {
        let root = Path::new("/cache");
        let cache = DiskCache::for_server(root, "https://admin:s3cret@10.0.0.1:6443/k8s/c-1");
        assert_eq!(
            cache.dir(),
            Path::new("/cache/discovery/10.0.0.1_6443/k8s/c_1")
        );
        assert!(cache.resources_file("..", "v1").is_none());
        assert!(cache.resources_file("a/../../b", "v1").is_none());
        assert!(cache.resources_file("apps", "").is_none());
        assert_eq!(
            cache.resources_file("", "v1"),
            Some(root.join("discovery/10.0.0.1_6443/k8s/c_1/v1/serverresources.json"))
        );
    }
}
