//! What a Kubernetes API server serves (groups, versions, resources), read
//! as cheaply as the server allows and kept where kubectl keeps it.
//!
//! The discovery documents come from one aggregated read of `/apis`
//! (`apidiscovery.k8s.io/v2`, every group, version and resource in one
//! answer), or, from a server too old for that, the legacy `APIGroupList`
//! plus one `APIResourceList` per group/version needed. They are cached on
//! disk in kubectl's own layout and with its time to live, so rbk and
//! kubectl share them: `$KUBECACHEDIR` (else `~/.kube/cache`) +
//! `/discovery/<host_port>/servergroups.json` and
//! `<group>/<version>/serverresources.json`, fresh for 6 hours.
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
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub verbs: Vec<String>,
    pub categories: Vec<String>,
}

impl ServedResource {
    /// Does a lowercase `kind` argument name this resource (kind, plural,
    /// singular or short name)?
    pub fn answers(&self, key: &str) -> bool {
        self.plural == key
            || self.singular == key
            || self.kind.eq_ignore_ascii_case(key)
            || self.short_names.iter().any(|s| s == key)
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

    /// An aggregated discovery document (`APIGroupDiscoveryList`), or None
    /// when `doc` is another kind of document.
    pub fn from_aggregated(doc: &Value) -> Option<Served> {
        if doc["kind"] != "APIGroupDiscoveryList" {
            return None;
        }
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let texts = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default()
        };
        let groups = items(&doc["items"])
            .map(|g| ServedGroup {
                name: text(&g["metadata"]["name"]),
                versions: items(&g["versions"])
                    .map(|v| ServedVersion {
                        version: text(&v["version"]),
                        resources: Some(
                            items(&v["resources"])
                                .map(|r| ServedResource {
                                    plural: text(&r["resource"]),
                                    singular: text(&r["singularResource"]),
                                    kind: text(&r["responseKind"]["kind"]),
                                    namespaced: r["scope"] == "Namespaced",
                                    short_names: texts(&r["shortNames"]),
                                    verbs: texts(&r["verbs"]),
                                    categories: texts(&r["categories"]),
                                })
                                .collect(),
                        ),
                    })
                    .collect(),
            })
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
                    name: g["name"].as_str().unwrap_or_default().to_string(),
                    versions,
                }
            })
            .collect();
        Some(Served { groups })
    }

    /// The core group as every Kubernetes serves it (`/api`: `v1`), for a
    /// group list read from `/apis` alone.
    pub fn with_core_group(mut self) -> Served {
        if self.group("").is_none() {
            self.groups.insert(
                0,
                ServedGroup {
                    name: String::new(),
                    versions: vec![ServedVersion {
                        version: "v1".into(),
                        resources: None,
                    }],
                },
            );
        }
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
        let gv = |g: &str, v: &str| {
            let group_version = if g.is_empty() {
                v.to_string()
            } else {
                format!("{g}/{v}")
            };
            json!({"groupVersion": group_version, "version": v})
        };
        let groups: Vec<Value> = self
            .groups
            .iter()
            .map(|g| {
                let versions: Vec<Value> =
                    g.versions.iter().map(|v| gv(&g.name, &v.version)).collect();
                json!({"name": g.name, "versions": versions,
                       "preferredVersion": versions.first().cloned().unwrap_or(Value::Null)})
            })
            .collect();
        json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
    }
}

/// A legacy `APIResourceList` (`/apis/<group>/<version>`); subresources
/// (`pods/log`) are left out.
pub fn resources_from_list(doc: &Value) -> Vec<ServedResource> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let texts = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    };
    items(&doc["resources"])
        .filter(|r| !r["name"].as_str().unwrap_or("/").contains('/'))
        .map(|r| ServedResource {
            plural: text(&r["name"]),
            singular: text(&r["singularName"]),
            kind: text(&r["kind"]),
            namespaced: r["namespaced"].as_bool().unwrap_or(false),
            short_names: texts(&r["shortNames"]),
            verbs: texts(&r["verbs"]),
            categories: texts(&r["categories"]),
        })
        .collect()
}

/// kubectl's `serverresources.json` for one group/version.
pub fn resource_list_json(group: &str, version: &str, resources: &[ServedResource]) -> Value {
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let resources: Vec<Value> = resources
        .iter()
        .map(|r| {
            let mut v = json!({"name": r.plural, "singularName": r.singular,
                               "namespaced": r.namespaced, "kind": r.kind, "verbs": r.verbs});
            if !r.short_names.is_empty() {
                v["shortNames"] = json!(r.short_names);
            }
            if !r.categories.is_empty() {
                v["categories"] = json!(r.categories);
            }
            v
        })
        .collect();
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
           "resources": resources})
}

fn items(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
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
    /// but letters, digits, `_`, `/`, `.`, `(` and `)` made `_`.
    pub fn for_server(root: &Path, server: &str) -> DiskCache {
        let host = server
            .trim_end_matches('/')
            .replacen("https://", "", 1)
            .replacen("http://", "", 1);
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
    /// resources of every group/version whose file is fresh too.
    pub fn read(&self) -> Option<Served> {
        let mut served = Served::from_group_list(&self.read_fresh(&self.groups_file())?)?;
        for g in &mut served.groups {
            for v in &mut g.versions {
                v.resources = self
                    .read_fresh(&self.resources_file(&g.name, &v.version))
                    .map(|doc| resources_from_list(&doc));
            }
        }
        Some(served)
    }

    /// Write what discovery said. Best effort: the cache only saves
    /// requests, so a read-only home costs requests, never a failure.
    pub fn write(&self, served: &Served) {
        for g in &served.groups {
            for v in &g.versions {
                if let Some(resources) = &v.resources {
                    let doc = resource_list_json(&g.name, &v.version, resources);
                    write_atomic(&self.resources_file(&g.name, &v.version), &doc);
                }
            }
        }
        write_atomic(&self.groups_file(), &served.group_list_json());
    }

    fn groups_file(&self) -> PathBuf {
        self.dir.join("servergroups.json")
    }

    fn resources_file(&self, group: &str, version: &str) -> PathBuf {
        self.dir
            .join(group)
            .join(version)
            .join("serverresources.json")
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

/// Write `doc` to `path` through a temporary file and a rename, so kubectl
/// or another run never reads half a file.
fn write_atomic(path: &Path, doc: &Value) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = dir.join(format!(
        ".{}.rbk-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("cache"),
        std::process::id()
    ));
    if std::fs::write(&tmp, doc.to_string()).is_ok() && std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aggregated() -> Value {
        json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "items": [
            {"metadata": {"name": "cluster.x-k8s.io"}, "versions": [
                {"version": "v1beta2", "resources": [
                    {"resource": "clusters", "responseKind": {"group": "cluster.x-k8s.io", "version": "v1beta2", "kind": "Cluster"},
                     "scope": "Namespaced", "singularResource": "cluster", "verbs": ["get", "list"], "shortNames": ["cl"]}]},
                {"version": "v1beta1", "resources": [
                    {"resource": "clusters", "responseKind": {"kind": "Cluster"}, "scope": "Namespaced",
                     "singularResource": "cluster", "verbs": ["get", "list"]}]}]}]})
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
    }

    #[test]
    fn the_cache_round_trips_in_kubectls_layout() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = DiskCache::for_server(dir.path(), "https://10.12.7.40:6443/");
        assert!(cache.dir().ends_with("discovery/10.12.7.40_6443"));
        assert!(cache.read().is_none());
        let served = Served::from_aggregated(&aggregated())
            .expect("aggregated")
            .with_core_group();
        cache.write(&served);
        assert!(cache
            .dir()
            .join("cluster.x-k8s.io/v1beta2/serverresources.json")
            .is_file());
        // The core group is listed, its resources left for a later read.
        assert!(!cache.dir().join("v1/serverresources.json").exists());
        assert_eq!(cache.read(), Some(served));
    }
}
