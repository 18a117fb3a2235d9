//! rbk and the stock kubectl share one Kubernetes discovery cache
//! (`$KUBECACHEDIR/discovery/<host_port>/`), each sparing the other its
//! discovery: counted by `rbk sim serve` (`/_sim/stats`). kubectl is a
//! peer of these tests: they fail, never skip, without it.
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::sim::kubectl as kubectl_path;
use crate::support::sim_serve::SimServe;
use crate::support::{rbk, said};

/// A kind rbk does not pin (Argo's Workflow CRD): `kube.list` finds it by
/// discovery.
const WORKFLOWS: &str = r#"
procedure workflows "A kind found by discovery" {
  step look "Look" {
    scope kube(kubeconfig: "KUBECONFIG") {
      let wfs = kube.list("workflows", "default")
      log "{len(wfs)} workflows"
    }
  }
}
"#;

const LIST: &str = "GET /apis/argoproj.io/v1alpha1/namespaces/default/workflows";

/// A simulator, a folder for the run's files and the cache they share.
struct Shared {
    sim: SimServe,
    dir: tempfile::TempDir,
    cache: PathBuf,
}

impl Shared {
    fn start() -> Shared {
        let sim = SimServe::start("healthy", 1.0);
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = dir.path().join("kube-cache");
        Shared { sim, dir, cache }
    }

    /// The folder kubectl keeps this server's discovery in.
    fn host_dir(&self) -> PathBuf {
        self.cache
            .join("discovery")
            .join(format!("127.0.0.1_{}", self.sim.port))
    }

    /// Run `f` and return the requests it made, by method and path.
    fn counting(&self, f: impl FnOnce()) -> Value {
        let before = self.sim.stats();
        f();
        let after = self.sim.stats();
        let mut made = serde_json::Map::new();
        for (k, v) in after["requests"].as_object().expect("requests") {
            let n = v.as_u64().unwrap_or(0) - before["requests"][k].as_u64().unwrap_or(0);
            if n > 0 && !k.contains("/_sim/") {
                made.insert(k.clone(), n.into());
            }
        }
        made.into()
    }

    fn rbk_lists_workflows(&self) -> Value {
        let procedure = self.dir.path().join("workflows.rbk");
        std::fs::write(
            &procedure,
            WORKFLOWS.replace("KUBECONFIG", &self.sim.kubeconfig().to_string_lossy()),
        )
        .expect("write procedure");
        self.counting(|| {
            let o = rbk(["exec", "--yes", "--quiet"])
                .arg(&procedure)
                .env("HOME", self.dir.path())
                .env("KUBECACHEDIR", &self.cache)
                .output()
                .expect("run rbk");
            assert!(o.status.success(), "{}", said(&o));
        })
    }

    fn kubectl(&self, args: &[&str]) -> Value {
        self.counting(|| {
            let o = Command::new(kubectl_path())
                .args(args)
                .env("HOME", self.dir.path())
                .env("KUBECONFIG", self.sim.kubeconfig())
                .env("KUBECACHEDIR", &self.cache)
                .env_remove("KUBERNETES_SERVICE_HOST")
                .output()
                .expect("run kubectl");
            assert!(o.status.success(), "kubectl {args:?}: {}", said(&o));
        })
    }
}

/// Discovery requests: `/api`, `/apis`, a group, a group/version's
/// resource list.
fn discovery(made: &Value) -> Vec<String> {
    made.as_object()
        .expect("object")
        .keys()
        .filter(|k| {
            let path = k.split_once(' ').map_or(k.as_str(), |(_, p)| p);
            let segments = path.split('/').filter(|s| !s.is_empty()).count();
            match path.split('/').nth(1) {
                Some("api") => segments <= 2,
                Some("apis") => segments <= 3,
                _ => false,
            }
        })
        .cloned()
        .collect()
}

/// Every file under `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read cache folder") {
        let path = e.expect("entry").path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn kubectl_makes_no_discovery_request_on_a_cache_rbk_wrote() {
    let s = Shared::start();
    let made = s.rbk_lists_workflows();
    assert_eq!(
        discovery(&made),
        ["GET /api", "GET /apis"],
        "rbk's cold discovery is kubectl's two aggregated reads: {made:#}"
    );
    assert_eq!(made[LIST], 1, "{made:#}");

    // (A kubectl that picks its version by the server's, as Google
    // Cloud SDK's dispatcher does, reads `/version` first: not discovery.)
    let made = s.kubectl(&["get", "workflows", "-n", "default"]);
    assert!(discovery(&made).is_empty(), "{made:#}");
    assert_eq!(made[LIST], 1, "{made:#}");
    // Every group, version and resource is there: kubectl's full listing
    // from its cache reads none of them either.
    let made = s.kubectl(&["api-resources", "--cached"]);
    assert!(discovery(&made).is_empty(), "{made:#}");

    // kubectl's permissions, and no credential from the kubeconfig.
    let kubeconfig = std::fs::read_to_string(s.sim.kubeconfig()).expect("kubeconfig");
    let token = kubeconfig
        .lines()
        .find_map(|l| l.trim().strip_prefix("token:"))
        .expect("the simulator's kubeconfig has a token")
        .trim();
    let written = files(&s.cache.join("discovery"));
    assert!(written.len() > 5, "{written:?}");
    for f in written {
        let text = std::fs::read_to_string(&f).expect("read");
        assert!(!text.contains(token), "{} holds the token", f.display());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode();
            assert_eq!(mode(&f) & 0o777, 0o660, "{}", f.display());
            let parent = f.parent().expect("parent");
            assert_eq!(mode(parent) & 0o027, 0, "{}", parent.display());
        }
    }
}

#[test]
fn rbk_makes_no_discovery_request_on_a_cache_kubectl_wrote() {
    let s = Shared::start();
    let made = s.kubectl(&["get", "nodes"]);
    assert!(!discovery(&made).is_empty(), "kubectl discovered: {made:#}");
    assert!(s.host_dir().join("servergroups.json").is_file());

    let made = s.rbk_lists_workflows();
    assert!(discovery(&made).is_empty(), "{made:#}");
    assert_eq!(made, serde_json::json!({LIST: 1}), "{made:#}");
}

#[test]
fn a_corrupt_cache_file_is_read_again_from_the_server_and_repaired() {
    let s = Shared::start();
    s.kubectl(&["get", "nodes"]);

    // The group/version the kind lives in does not parse.
    let resources = s
        .host_dir()
        .join("argoproj.io/v1alpha1/serverresources.json");
    std::fs::write(&resources, "{\"kind\": \"APIResourceList\", \"resou").expect("corrupt");
    let made = s.rbk_lists_workflows();
    assert_eq!(discovery(&made), ["GET /api", "GET /apis"], "{made:#}");
    assert_eq!(made[LIST], 1, "{made:#}");

    // The group list itself: cut short, then not JSON of the right shape.
    let groups = s.host_dir().join("servergroups.json");
    for junk in ["{\"kind\": \"APIGroupList\", \"groups\": [{\"na", "[1, 2]"] {
        std::fs::write(&groups, junk).expect("corrupt");
        let made = s.rbk_lists_workflows();
        assert_eq!(
            discovery(&made),
            ["GET /api", "GET /apis"],
            "{junk}: {made:#}"
        );
    }

    // What rbk wrote back serves both tools again.
    let made = s.rbk_lists_workflows();
    assert!(discovery(&made).is_empty(), "{made:#}");
    let made = s.kubectl(&["get", "workflows", "-n", "default"]);
    assert!(discovery(&made).is_empty(), "{made:#}");
}
