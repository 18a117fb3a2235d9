//! The Kubernetes side of a fleet plan that both engines share: the
//! ConfigMap of files, the journals' volume, the ServiceAccount, and each
//! site's pod (its container, volumes and the entrypoint that resumes from
//! the site's journal). Typed with k8s-openapi, so what is written is a
//! Kubernetes object by construction; the Argo and Jobs generators wrap the
//! pod in a Workflow template or a Job.
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMap, ConfigMapVolumeSource, Container, EmptyDirVolumeSource, EnvFromSource,
    EnvVar, KeyToPath, PersistentVolumeClaim, PersistentVolumeClaimSpec,
    PersistentVolumeClaimVolumeSource, PodSecurityContext, SeccompProfile, SecretEnvSource,
    SecretVolumeSource, SecurityContext, ServiceAccount, Volume, VolumeMount,
    VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::bundle::{Bundle, BundledSite};
use super::{ExecPaths, FailurePolicy, Plan};

/// Where the pod finds things.
pub const FILES_MOUNT: &str = "/rbk/files";
pub const SECRET_MOUNT: &str = "/rbk/secret";
pub const JOURNALS_MOUNT: &str = "/rbk/journals";
pub const HOME: &str = "/home/rbk";
/// The image's unprivileged user (see `Containerfile`).
pub const USER_ID: i64 = 65532;
/// The container image rbk's `Containerfile` builds, by default.
pub const DEFAULT_IMAGE: &str = concat!("rbk:", env!("CARGO_PKG_VERSION"));
/// Labels every generated object carries.
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const FLEET_LABEL: &str = "rbk.dev/fleet";
pub const SITE_LABEL: &str = "rbk.dev/site";
/// The site lock's digest: Jobs of any fleet that carry the same value run
/// the same site (`rbk fleet submit` releases one only once it holds the
/// site's Lease, `cluster::lease_name`).
pub const LOCK_LABEL: &str = "rbk.dev/site-lock";

/// How the plan runs on a cluster (the `rbk fleet plan` flags that only
/// the argo and jobs formats read).
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The fleet's name: the Workflow's, and the prefix of every object (a
    /// DNS label).
    pub fleet: String,
    pub namespace: Option<String>,
    pub image: String,
    /// Retries of a site's pod, each resuming from the site's journal.
    pub retries: u32,
    /// Size of the journals' PersistentVolumeClaim.
    pub journal_size: String,
    pub storage_class: Option<String>,
}

/// Everything a cluster plan is made from: the fleet's plan, the files its
/// pods read, and where it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterPlan {
    pub plan: Plan,
    pub bundle: Bundle,
    pub target: Target,
}

impl ClusterPlan {
    pub fn new(plan: Plan, target: Target) -> Result<ClusterPlan, String> {
        let bundle = Bundle::collect(&plan.procedure.path, &plan.sites)?;
        if super::bundle::dns_label(&target.fleet).as_deref() != Some(target.fleet.as_str()) {
            return Err(format!(
                "--name {}: use lowercase letters, digits and `-`",
                target.fleet
            ));
        }
        for s in &bundle.sites {
            let name = format!("{}-{}", target.fleet, s.label);
            if name.len() > 63 {
                return Err(format!(
                    "{name:?} is longer than Kubernetes' 63 characters: choose a shorter --name"
                ));
            }
        }
        for s in &plan.sites {
            if let Some(sc) = s
                .sim_scenario
                .as_deref()
                .filter(|sc| sc.contains(['/', '.']))
            {
                return Err(format!(
                    "site {}: scenario {sc} is a file; pods rehearse only in named scenarios (`rbk sim scenarios`)",
                    s.name
                ));
            }
        }
        Ok(ClusterPlan {
            plan,
            bundle,
            target,
        })
    }

    fn site(&self, name: &str) -> &BundledSite {
        self.bundle
            .sites
            .iter()
            .find(|s| s.name == name)
            .expect("the bundle has every site of the plan")
    }

    pub fn canary(&self) -> Option<&BundledSite> {
        self.plan.canary.as_deref().map(|c| self.site(c))
    }

    /// The sites after the canary, in the plan's order.
    pub fn rest(&self) -> impl Iterator<Item = &BundledSite> {
        self.bundle
            .sites
            .iter()
            .filter(move |s| Some(&s.name) != self.plan.canary.as_ref())
    }

    /// The plan's waves: the canary alone, then the others `parallel` at a
    /// time (the order `rbk fleet submit` releases Jobs in).
    pub fn waves(&self) -> Vec<Vec<&BundledSite>> {
        self.plan
            .waves
            .iter()
            .map(|w| w.iter().map(|n| self.site(n)).collect())
            .collect()
    }

    pub fn keep_going(&self) -> bool {
        self.plan.on_failure == FailurePolicy::KeepGoing
    }

    pub fn config_map_name(&self) -> String {
        format!("{}-files", self.target.fleet)
    }
    pub fn journals_claim_name(&self) -> String {
        format!("{}-journals", self.target.fleet)
    }
    pub fn service_account_name(&self) -> String {
        format!("{}-runner", self.target.fleet)
    }
    /// The object that runs one site: the Job, or the Workflow's task.
    pub fn site_object_name(&self, site: &BundledSite) -> String {
        format!("{}-{}", self.target.fleet, site.label)
    }

    pub fn metadata(&self, name: String, site: Option<&BundledSite>) -> ObjectMeta {
        ObjectMeta {
            name: Some(name),
            namespace: self.target.namespace.clone(),
            labels: Some(self.labels(site)),
            ..ObjectMeta::default()
        }
    }

    pub fn labels(&self, site: Option<&BundledSite>) -> BTreeMap<String, String> {
        let mut l = BTreeMap::from([
            (MANAGED_BY.to_string(), "rbk".to_string()),
            (FLEET_LABEL.to_string(), self.target.fleet.clone()),
        ]);
        if let Some(s) = site {
            l.insert(SITE_LABEL.to_string(), s.label.clone());
            l.insert(LOCK_LABEL.to_string(), lock_digest(s).to_string());
        }
        l
    }

    /// The procedure, the files it uses and every site file.
    pub fn config_map(&self) -> ConfigMap {
        ConfigMap {
            metadata: self.metadata(self.config_map_name(), None),
            data: Some(
                self.bundle
                    .files()
                    .map(|f| (f.key.clone(), f.text.clone()))
                    .collect(),
            ),
            ..ConfigMap::default()
        }
    }

    /// Where every site's journal lives, so a retried pod resumes and
    /// `rbk fleet journals` can read them back. ReadWriteMany: pods of
    /// several sites run at once, on any node.
    pub fn journals_claim(&self) -> PersistentVolumeClaim {
        PersistentVolumeClaim {
            metadata: self.metadata(self.journals_claim_name(), None),
            spec: Some(PersistentVolumeClaimSpec {
                access_modes: Some(vec!["ReadWriteMany".into()]),
                storage_class_name: self.target.storage_class.clone(),
                resources: Some(VolumeResourceRequirements {
                    requests: Some(BTreeMap::from([(
                        "storage".to_string(),
                        Quantity(self.target.journal_size.clone()),
                    )])),
                    ..VolumeResourceRequirements::default()
                }),
                ..PersistentVolumeClaimSpec::default()
            }),
            ..PersistentVolumeClaim::default()
        }
    }

    pub fn service_account(&self, automount_token: bool) -> ServiceAccount {
        ServiceAccount {
            metadata: self.metadata(self.service_account_name(), None),
            automount_service_account_token: Some(automount_token),
            ..ServiceAccount::default()
        }
    }

    /// The pods run as the image's unprivileged user; the group owns the
    /// mounted Secret and the journals.
    pub fn pod_security_context(&self) -> PodSecurityContext {
        PodSecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(USER_ID),
            run_as_group: Some(USER_ID),
            fs_group: Some(USER_ID),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".into(),
                ..SeccompProfile::default()
            }),
            ..PodSecurityContext::default()
        }
    }

    /// Where a site's journal is in its pod.
    pub fn journal_path(&self, site: &BundledSite) -> String {
        let journal = self
            .plan
            .site(&site.name)
            .map_or_else(|| format!("{}.jsonl", site.name), |s| s.journal.clone());
        format!("{JOURNALS_MOUNT}/{journal}")
    }

    /// The container that runs one site.
    pub fn container(&self, site: &BundledSite) -> Container {
        let home_files: Vec<String> = site
            .home_files
            .iter()
            .map(|h| format!("{}={}", h.key, h.path))
            .collect();
        let env = vec![
            env("HOME", HOME),
            env("TMPDIR", "/tmp"),
            env("RBK_SITE_SECRET", &site.secret),
            env("RBK_SECRET_DIR", SECRET_MOUNT),
            env("RBK_HOME_FILES", &home_files.join(" ")),
            env("RBK_JOURNAL", &self.journal_path(site)),
        ];
        let mount = |name: &str, path: &str, read_only: bool| VolumeMount {
            name: name.into(),
            mount_path: path.into(),
            read_only: Some(read_only),
            ..VolumeMount::default()
        };
        Container {
            name: "rbk".into(),
            image: Some(self.target.image.clone()),
            command: Some(vec![
                "/bin/sh".into(),
                "-c".into(),
                ENTRYPOINT.into(),
                "rbk-site".into(),
            ]),
            args: Some(self.exec_args(site)),
            env: Some(env),
            env_from: Some(vec![EnvFromSource {
                secret_ref: Some(SecretEnvSource {
                    name: site_env_secret_name(site),
                    optional: Some(true),
                }),
                ..EnvFromSource::default()
            }]),
            volume_mounts: Some(vec![
                mount("files", FILES_MOUNT, true),
                mount("secret", SECRET_MOUNT, true),
                mount("journals", JOURNALS_MOUNT, false),
                mount("home", HOME, false),
                mount("tmp", "/tmp", false),
            ]),
            security_context: Some(SecurityContext {
                allow_privilege_escalation: Some(false),
                read_only_root_filesystem: Some(true),
                capabilities: Some(Capabilities {
                    drop: Some(vec!["ALL".into()]),
                    ..Capabilities::default()
                }),
                ..SecurityContext::default()
            }),
            ..Container::default()
        }
    }

    /// `rbk exec ...` for one site, as every engine runs it
    /// (`Plan::exec_args`), with the pod's paths; the entrypoint turns
    /// `--journal` into `--resume` when an earlier attempt left a journal.
    pub fn exec_args(&self, site: &BundledSite) -> Vec<String> {
        let at = ExecPaths {
            procedure: format!("{FILES_MOUNT}/{}", self.bundle.procedure_path()).into(),
            site: format!("{FILES_MOUNT}/{}", site.file.path).into(),
            journal: self.journal_path(site).into(),
            resume: false,
        };
        let plan_site = self
            .plan
            .site(&site.name)
            .expect("the bundle's sites are the plan's");
        std::iter::once("rbk".to_string())
            .chain(self.plan.exec_args(plan_site, &at))
            .collect()
    }

    /// The pod's volumes: its own site file and the procedure from the
    /// ConfigMap, the site's Secret, the journals, and scratch space.
    pub fn volumes(&self, site: &BundledSite) -> Vec<Volume> {
        let items: Vec<KeyToPath> = self
            .bundle
            .procedure_files
            .iter()
            .chain(std::iter::once(&site.file))
            .map(|f| KeyToPath {
                key: f.key.clone(),
                path: f.path.clone(),
                ..KeyToPath::default()
            })
            .collect();
        let empty = |name: &str| Volume {
            name: name.into(),
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Volume::default()
        };
        vec![
            Volume {
                name: "files".into(),
                config_map: Some(ConfigMapVolumeSource {
                    name: self.config_map_name(),
                    items: Some(items),
                    ..ConfigMapVolumeSource::default()
                }),
                ..Volume::default()
            },
            Volume {
                name: "secret".into(),
                secret: Some(SecretVolumeSource {
                    secret_name: Some(site.secret.clone()),
                    // Readable by the group the pod runs in (fsGroup); the
                    // entrypoint copies each file to $HOME with mode 600.
                    default_mode: Some(0o440),
                    optional: Some(true),
                    ..SecretVolumeSource::default()
                }),
                ..Volume::default()
            },
            Volume {
                name: "journals".into(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: self.journals_claim_name(),
                    read_only: None,
                }),
                ..Volume::default()
            },
            empty("home"),
            empty("tmp"),
        ]
    }
}

/// The digest part of the site lock's key (a valid label value).
pub fn lock_digest(site: &BundledSite) -> &str {
    site.lock_key.rsplit('-').next().unwrap_or(&site.lock_key)
}

/// The optional Secret whose keys become the pod's environment (`OS_*`).
pub fn site_env_secret_name(site: &BundledSite) -> String {
    format!("{}-env", site.secret)
}

fn env(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.into(),
        value: Some(value.into()),
        ..EnvVar::default()
    }
}

/// The container's entrypoint (`sh -c`), the same for every site: copy the
/// site's credential files from its Secret into `$HOME` (mode 600, as ssh
/// wants its key): the site file's `~/...` files (`RBK_HOME_FILES`, pairs
/// `KEY=PATH`) and, when the Secret has them, `known_hosts`, `clouds.yaml`
/// and `secure.yaml` where ssh and OpenStack look. Then run the arguments
/// (`rbk exec ... --journal J ...`), with `--resume J` instead when an
/// earlier attempt of this site left its journal.
pub const ENTRYPOINT: &str = r#"set -eu
put() {
  mkdir -p "$(dirname "$HOME/$2")"
  cp "$RBK_SECRET_DIR/$1" "$HOME/$2"
  chmod 600 "$HOME/$2"
}
for pair in $RBK_HOME_FILES; do
  key=${pair%%=*}; path=${pair#*=}
  if [ ! -f "$RBK_SECRET_DIR/$key" ]; then
    echo "rbk: Secret $RBK_SITE_SECRET has no key $key (the site file's ~/$path)" >&2
    exit 2
  fi
  put "$key" "$path"
done
if [ -f "$RBK_SECRET_DIR/known_hosts" ]; then put known_hosts .ssh/known_hosts; fi
if [ -f "$RBK_SECRET_DIR/clouds.yaml" ]; then put clouds.yaml .config/openstack/clouds.yaml; fi
if [ -f "$RBK_SECRET_DIR/secure.yaml" ]; then put secure.yaml .config/openstack/secure.yaml; fi
if [ -s "$RBK_JOURNAL" ]; then
  echo "rbk: resuming from $RBK_JOURNAL" >&2
  for arg; do
    shift
    if [ "$arg" = --journal ]; then arg=--resume; fi
    set -- "$@" "$arg"
  done
fi
exec "$@"
"#;

/// Objects as one YAML stream (`---` between documents), for `kubectl
/// apply -f` and `argo submit`.
pub fn yaml(objects: &[serde_json::Value]) -> String {
    objects
        .iter()
        .map(|o| serde_saphyr::to_string(o).expect("JSON values serialize as YAML"))
        .collect::<Vec<_>>()
        .join("---\n")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::fleet::PlanRequest;
    use std::path::PathBuf;

    /// The fleet fixture (tests/fixtures/fleet): three sites, `hello.rbk`.
    pub fn fixture_plan(canary: Option<&str>, keep_going: bool) -> ClusterPlan {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fleet");
        let plan = Plan::build(&PlanRequest {
            procedure: root.join("procedures/hello.rbk"),
            sites: vec![root.join("sites")],
            canary: canary.map(str::to_string),
            parallel: 2,
            keep_going,
            journal_dir: Some("journals".into()),
            yes: true,
            ..PlanRequest::default()
        })
        .expect("plan");
        ClusterPlan::new(
            plan,
            Target {
                fleet: "hello".into(),
                namespace: Some("ops".into()),
                image: "registry.example/rbk:0.1.0".into(),
                retries: 3,
                journal_size: "1Gi".into(),
                storage_class: None,
            },
        )
        .expect("cluster plan")
    }

    #[test]
    fn waves_put_the_canary_alone_first() {
        let plan = fixture_plan(Some("us-east"), false);
        let waves: Vec<Vec<&str>> = plan
            .waves()
            .iter()
            .map(|w| w.iter().map(|s| s.name.as_str()).collect())
            .collect();
        assert_eq!(waves, [vec!["us-east"], vec!["ap-south", "eu-west"]]);
        assert_eq!(fixture_plan(None, false).waves().len(), 2);
    }

    #[test]
    fn the_pod_runs_the_plans_exec_command() {
        let plan = fixture_plan(Some("us-east"), false);
        let site = plan.canary().expect("canary");
        assert_eq!(
            plan.exec_args(site).join(" "),
            "rbk exec --site /rbk/files/sites/us-east.toml --journal /rbk/journals/us-east.jsonl \
             --yes /rbk/files/procedure/hello.rbk"
        );
    }

    /// The entrypoint under a real `sh`: credentials land in $HOME with
    /// mode 600, a missing key is named, and a journal left by an earlier
    /// attempt turns `--journal` into `--resume`.
    #[test]
    fn the_entrypoint_copies_credentials_and_resumes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let (secret, home) = (dir.path().join("secret"), dir.path().join("home"));
        std::fs::create_dir_all(&secret).unwrap();
        std::fs::write(secret.join(".ssh_id"), "KEY").unwrap();
        std::fs::write(secret.join("known_hosts"), "HOSTS").unwrap();
        let journal = dir.path().join("a.jsonl");
        let run = |files: &str| {
            std::process::Command::new("/bin/sh")
                .args(["-c", ENTRYPOINT, "rbk-site", "echo", "exec", "--journal"])
                .arg(&journal)
                .arg("p.rbk")
                .env("HOME", &home)
                .env("RBK_SECRET_DIR", &secret)
                .env("RBK_SITE_SECRET", "rbk-site-a")
                .env("RBK_HOME_FILES", files)
                .env("RBK_JOURNAL", &journal)
                .output()
                .expect("sh runs")
        };
        let o = run(".ssh_id=.ssh/id");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let out = String::from_utf8_lossy(&o.stdout).to_string();
        assert_eq!(
            out.trim(),
            format!("exec --journal {} p.rbk", journal.display())
        );
        let key = home.join(".ssh/id");
        assert_eq!(std::fs::read_to_string(&key).unwrap(), "KEY");
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(home.join(".ssh/known_hosts").is_file());

        std::fs::write(&journal, "{}\n").unwrap();
        let o = run("");
        let out = String::from_utf8_lossy(&o.stdout).to_string();
        assert_eq!(
            out.trim(),
            format!("exec --resume {} p.rbk", journal.display())
        );

        let o = run("openrc=admin-openrc");
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(
            err.contains("Secret rbk-site-a has no key openrc (the site file's ~/admin-openrc)"),
            "{err}"
        );
    }
}
