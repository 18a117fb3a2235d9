//! Where OpenStack credentials come from, and narrowing them to one scope.
//!
//! Sources, first match wins:
//! 1. the scope's `openrc` file (its export lines, never executed);
//! 2. a clouds.yaml entry: the scope's `cloud`, else `--cloud`, else `OS_CLOUD`
//!    (searched where the CLI searches, with secure.yaml merged in);
//! 3. the `OS_*` variables of rbk's own environment.
//!
//! Sources are not mixed: the seed's `unset OS_PROJECT_NAME ...` dance exists
//! because leftover variables leaked into the next scope. Every source is
//! turned into the same `OS_*` map and read by one function.
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::openrc;
use super::secret::Secret;
use crate::backends::OpenStackScope;

/// Domain of a user or project, by id or by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DomainRef {
    Id(String),
    Name(String),
}

impl Default for DomainRef {
    /// Keystone's built-in domain, the usual home of `admin`.
    fn default() -> Self {
        DomainRef::Name("Default".into())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserRef {
    pub id: Option<String>,
    pub name: Option<String>,
    pub domain: DomainRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AuthMethod {
    Password {
        user: UserRef,
        password: Secret,
    },
    ApplicationCredential {
        id: Option<String>,
        name: Option<String>,
        user: Option<UserRef>,
        secret: Secret,
    },
}

/// What the token is scoped to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProjectScope {
    /// No project in the credentials (application credentials carry their own).
    Unscoped,
    Id(String),
    Name {
        name: String,
        domain: DomainRef,
    },
}

/// Everything needed to get a token and find endpoints. Debug is safe: the
/// password is a [`Secret`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Credentials {
    /// Where these came from, for messages ("openrc /root/admin-openrc").
    pub source: String,
    pub auth_url: String,
    pub method: AuthMethod,
    pub project: ProjectScope,
    pub region: Option<String>,
    /// public, internal or admin.
    pub interface: String,
    pub cacert: Option<PathBuf>,
    pub insecure: bool,
}

impl Credentials {
    /// The same identity, project, endpoint and TLS settings, wherever
    /// they were read from: a token issued for one serves the other.
    pub fn same_identity(&self, other: &Credentials) -> bool {
        Credentials {
            source: String::new(),
            ..self.clone()
        } == Credentials {
            source: String::new(),
            ..other.clone()
        }
    }
}

/// How rbk finds credentials: the `--cloud` flag and a snapshot of the
/// environment (so tests never touch the process environment).
#[derive(Debug, Clone, Default)]
pub struct OpenStackConfig {
    pub cloud: Option<String>,
    pub env: HashMap<String, String>,
}

impl OpenStackConfig {
    pub fn from_process(cloud: Option<String>) -> Self {
        OpenStackConfig {
            cloud,
            env: std::env::vars().collect(),
        }
    }

    /// The credentials for one scope, narrowed as the scope asks. The error
    /// is a sentence for the operator (it never contains a secret).
    pub fn credentials(&self, scope: &OpenStackScope) -> Result<Credentials, String> {
        let base = self.source_credentials(scope)?;
        narrow(base, scope)
    }

    fn source_credentials(&self, scope: &OpenStackScope) -> Result<Credentials, String> {
        if let Some(path) = &scope.openrc {
            let path = self.expand(path);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read openrc {}: {e}", path.display()))?;
            let vars = openrc::parse(&text, &self.env)
                .map_err(|e| format!("openrc {}: {e}", path.display()))?;
            return from_vars(&vars, &format!("openrc {}", path.display()));
        }
        let cloud = scope
            .cloud
            .clone()
            .or_else(|| self.cloud.clone())
            .or_else(|| self.env.get("OS_CLOUD").filter(|c| !c.is_empty()).cloned());
        if let Some(cloud) = cloud {
            let (vars, path) = self.cloud_vars(&cloud)?;
            return from_vars(&vars, &format!("cloud {cloud:?} in {}", path.display()));
        }
        if self.env.get("OS_AUTH_URL").is_some_and(|u| !u.is_empty()) {
            let vars: HashMap<String, String> = self
                .env
                .iter()
                .filter(|(k, _)| k.starts_with("OS_"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            return from_vars(&vars, "the OS_* environment variables");
        }
        Err(
            "no OpenStack credentials: name an openrc or a cloud in the scope, pass --cloud, \
             or set OS_CLOUD or the OS_* variables"
                .into(),
        )
    }

    fn expand(&self, path: &Path) -> PathBuf {
        match (path.strip_prefix("~"), self.env.get("HOME")) {
            (Ok(rest), Some(home)) => Path::new(home).join(rest),
            _ => path.to_path_buf(),
        }
    }

    /// Where the CLI looks for clouds.yaml / secure.yaml, in order.
    fn search_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = vec![PathBuf::from(".")];
        match (self.env.get("XDG_CONFIG_HOME"), self.env.get("HOME")) {
            (Some(xdg), _) if !xdg.is_empty() => dirs.push(Path::new(xdg).join("openstack")),
            (_, Some(home)) => dirs.push(Path::new(home).join(".config/openstack")),
            _ => {}
        }
        dirs.push(PathBuf::from("/etc/openstack"));
        dirs
    }

    fn find_file(&self, override_var: &str, names: &[&str]) -> Option<PathBuf> {
        if let Some(p) = self.env.get(override_var).filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(p));
        }
        self.search_dirs()
            .into_iter()
            .flat_map(|d| names.iter().map(move |n| d.join(n)))
            .find(|p| p.is_file())
    }

    fn cloud_vars(&self, cloud: &str) -> Result<(HashMap<String, String>, PathBuf), String> {
        let path = self.find_file("OS_CLIENT_CONFIG_FILE", &["clouds.yaml", "clouds.yml"]).ok_or_else(|| {
            format!("cloud {cloud:?}: no clouds.yaml found (looked in ./, ~/.config/openstack/, /etc/openstack/)")
        })?;
        let mut entry = read_cloud(&path, cloud)?
            .ok_or_else(|| format!("cloud {cloud:?} is not defined in {}", path.display()))?;
        if let Some(secure) = self.find_file("OS_SECURE_FILE", &["secure.yaml", "secure.yml"]) {
            if let Some(extra) = read_cloud(&secure, cloud)? {
                merge(&mut entry, extra);
            }
        }
        Ok((cloud_to_vars(cloud, &entry)?, path))
    }
}

fn read_cloud(path: &Path, cloud: &str) -> Result<Option<Value>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let doc: Value = serde_saphyr::from_str(&text)
        .map_err(|e| format!("{} is not valid YAML: {e}", path.display()))?;
    Ok(doc.get("clouds").and_then(|c| c.get(cloud)).cloned())
}

/// secure.yaml values fill in (and override) clouds.yaml ones, key by key.
fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A clouds.yaml entry as the `OS_*` variables the CLI would derive from it.
fn cloud_to_vars(cloud: &str, entry: &Value) -> Result<HashMap<String, String>, String> {
    let mut vars = HashMap::new();
    if entry.get("profile").is_some() && entry.pointer("/auth/auth_url").is_none() {
        return Err(format!(
            "cloud {cloud:?} uses a vendor profile; rbk needs auth.auth_url written out"
        ));
    }
    if let Some(auth) = entry.get("auth").and_then(Value::as_object) {
        for (k, v) in auth {
            if let Some(s) = scalar(v) {
                vars.insert(format!("OS_{}", k.to_ascii_uppercase()), s);
            }
        }
    }
    for (key, var) in [
        ("region_name", "OS_REGION_NAME"),
        ("interface", "OS_INTERFACE"),
        ("endpoint_type", "OS_INTERFACE"),
        ("cacert", "OS_CACERT"),
        ("auth_type", "OS_AUTH_TYPE"),
    ] {
        if let Some(s) = entry.get(key).and_then(scalar) {
            vars.insert(var.into(), s);
        }
    }
    if !vars.contains_key("OS_REGION_NAME") {
        let first = entry
            .get("regions")
            .and_then(Value::as_array)
            .and_then(|r| r.first());
        if let Some(name) = first.and_then(|r| scalar(r).or_else(|| r.get("name").and_then(scalar)))
        {
            vars.insert("OS_REGION_NAME".into(), name);
        }
    }
    let insecure = entry.get("verify") == Some(&Value::Bool(false))
        || entry.get("insecure") == Some(&Value::Bool(true));
    if insecure {
        vars.insert("OS_INSECURE".into(), "true".into());
    }
    Ok(vars)
}

fn get<'a>(vars: &'a HashMap<String, String>, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .filter_map(|n| vars.get(*n))
        .map(|v| v.trim())
        .find(|v| !v.is_empty())
}

/// Credentials from `OS_*` variables (an openrc, the environment, or a
/// clouds.yaml entry translated into them).
pub fn from_vars(vars: &HashMap<String, String>, source: &str) -> Result<Credentials, String> {
    let auth_url = get(vars, &["OS_AUTH_URL"])
        .ok_or_else(|| format!("{source}: OS_AUTH_URL is not set"))?
        .to_string();
    let domain = |id: &str, name: &str| match (get(vars, &[id]), get(vars, &[name])) {
        (Some(id), _) => DomainRef::Id(id.into()),
        (None, Some(name)) => DomainRef::Name(name.into()),
        (None, None) => DomainRef::default(),
    };
    let user = || -> Option<UserRef> {
        let id = get(vars, &["OS_USER_ID"]).map(String::from);
        let name = get(vars, &["OS_USERNAME"]).map(String::from);
        (id.is_some() || name.is_some()).then(|| UserRef {
            id,
            name,
            domain: domain("OS_USER_DOMAIN_ID", "OS_USER_DOMAIN_NAME"),
        })
    };
    let auth_type = get(vars, &["OS_AUTH_TYPE"])
        .unwrap_or("password")
        .to_ascii_lowercase();
    let method = match auth_type.as_str() {
        "password" | "v3password" => {
            let user = user().ok_or_else(|| format!("{source}: neither OS_USERNAME nor OS_USER_ID is set"))?;
            let password = vars.get("OS_PASSWORD").map(|p| Secret::new(p.as_str())).unwrap_or_default();
            if password.is_empty() {
                return Err(format!(
                    "{source}: OS_PASSWORD is not set or empty (an openrc that prompts for it with `read` \
                     cannot be used: rbk never runs it; set the password in the file or use clouds.yaml/secure.yaml)"
                ));
            }
            AuthMethod::Password { user, password }
        }
        "v3applicationcredential" | "applicationcredential" | "application_credential" => {
            let secret = vars.get("OS_APPLICATION_CREDENTIAL_SECRET").map(|s| Secret::new(s.as_str())).unwrap_or_default();
            if secret.is_empty() {
                return Err(format!("{source}: OS_APPLICATION_CREDENTIAL_SECRET is not set"));
            }
            let id = get(vars, &["OS_APPLICATION_CREDENTIAL_ID"]).map(String::from);
            let name = get(vars, &["OS_APPLICATION_CREDENTIAL_NAME"]).map(String::from);
            if id.is_none() && name.is_none() {
                return Err(format!("{source}: OS_APPLICATION_CREDENTIAL_ID is not set"));
            }
            AuthMethod::ApplicationCredential { id, name, user: user(), secret }
        }
        other => return Err(format!("{source}: auth type {other:?} is not supported (use password or v3applicationcredential)")),
    };
    let project = match (
        get(vars, &["OS_PROJECT_ID", "OS_TENANT_ID"]),
        get(vars, &["OS_PROJECT_NAME", "OS_TENANT_NAME"]),
    ) {
        (Some(id), _) => ProjectScope::Id(id.into()),
        (None, Some(name)) => ProjectScope::Name {
            name: name.into(),
            domain: domain("OS_PROJECT_DOMAIN_ID", "OS_PROJECT_DOMAIN_NAME"),
        },
        (None, None) => ProjectScope::Unscoped,
    };
    let interface = get(vars, &["OS_INTERFACE", "OS_ENDPOINT_TYPE"]).unwrap_or("public");
    let interface = interface
        .strip_suffix("URL")
        .unwrap_or(interface)
        .to_ascii_lowercase();
    Ok(Credentials {
        source: source.to_string(),
        auth_url,
        method,
        project,
        region: get(vars, &["OS_REGION_NAME"]).map(String::from),
        interface,
        cacert: get(vars, &["OS_CACERT"]).map(PathBuf::from),
        insecure: get(vars, &["OS_INSECURE"])
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes")),
    })
}

/// The seed's `unset OS_PROJECT_NAME OS_PROJECT_DOMAIN_NAME ...; export
/// OS_PROJECT_ID=...`: a scope's project replaces whatever project the
/// source named, names and domains included.
pub fn narrow(mut creds: Credentials, scope: &OpenStackScope) -> Result<Credentials, String> {
    let wanted = if let Some(id) = scope.project_id.as_deref().filter(|s| !s.is_empty()) {
        Some(ProjectScope::Id(id.into()))
    } else {
        scope
            .project_name
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|name| ProjectScope::Name {
                name: name.into(),
                domain: scope
                    .project_domain
                    .clone()
                    .map(DomainRef::Name)
                    .unwrap_or_default(),
            })
    };
    if let Some(project) = wanted {
        if matches!(creds.method, AuthMethod::ApplicationCredential { .. })
            && project != creds.project
        {
            return Err(format!(
                "{}: an application credential is bound to its own project and cannot be narrowed to another; \
                 use password credentials for this scope",
                creds.source
            ));
        }
        creds.project = project;
    }
    if creds.project == ProjectScope::Unscoped
        && matches!(creds.method, AuthMethod::Password { .. })
    {
        return Err(format!(
            "{}: no project (OS_PROJECT_ID / OS_PROJECT_NAME) and the scope names none; an unscoped token has no service catalog",
            creds.source
        ));
    }
    Ok(creds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const ADMIN: &[(&str, &str)] = &[
        ("OS_AUTH_URL", "http://127.0.0.1:5000/v3"),
        ("OS_USERNAME", "admin"),
        ("OS_PASSWORD", "s3cret-pw"),
        ("OS_USER_DOMAIN_NAME", "admin_domain"),
        ("OS_PROJECT_NAME", "admin"),
        ("OS_PROJECT_DOMAIN_NAME", "admin_domain"),
        ("OS_REGION_NAME", "RegionOne"),
        ("OS_INTERFACE", "internalURL"),
    ];

    #[test]
    fn admin_scope_keeps_the_admin_project() {
        let c = from_vars(&vars(ADMIN), "test").expect("creds");
        let c = narrow(c, &OpenStackScope::default()).expect("narrow");
        assert_eq!(
            c.project,
            ProjectScope::Name {
                name: "admin".into(),
                domain: DomainRef::Name("admin_domain".into())
            }
        );
        assert_eq!(c.interface, "internal");
        assert_eq!(c.region.as_deref(), Some("RegionOne"));
    }

    #[test]
    fn project_id_drops_project_name_and_domain() {
        let c = from_vars(&vars(ADMIN), "test").expect("creds");
        let scope = OpenStackScope {
            project_id: Some("674171fd28d446d3a37073b6a761e910".into()),
            ..Default::default()
        };
        let c = narrow(c, &scope).expect("narrow");
        assert_eq!(
            c.project,
            ProjectScope::Id("674171fd28d446d3a37073b6a761e910".into())
        );
        // The user's own domain is untouched.
        let AuthMethod::Password { user, .. } = &c.method else {
            panic!("password")
        };
        assert_eq!(user.domain, DomainRef::Name("admin_domain".into()));
    }

    #[test]
    fn debug_never_shows_the_password() {
        let c = from_vars(&vars(ADMIN), "test").expect("creds");
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret-pw"), "{shown}");
        assert!(shown.contains("***"));
    }

    #[test]
    fn missing_pieces_are_named() {
        let mut v = vars(ADMIN);
        v.remove("OS_PASSWORD");
        let err = from_vars(&v, "openrc /x").expect_err("no password");
        assert!(
            err.contains("openrc /x") && err.contains("OS_PASSWORD"),
            "{err}"
        );
        let err = from_vars(&vars(&[("OS_USERNAME", "a")]), "env").expect_err("no url");
        assert!(err.contains("OS_AUTH_URL"), "{err}");
        let mut v = vars(ADMIN);
        v.remove("OS_PROJECT_NAME");
        let c = from_vars(&v, "env").expect("creds");
        assert!(narrow(c, &OpenStackScope::default())
            .expect_err("unscoped")
            .contains("no project"));
    }

    #[test]
    fn application_credentials_cannot_be_narrowed() {
        let v = vars(&[
            ("OS_AUTH_URL", "http://k/v3"),
            ("OS_AUTH_TYPE", "v3applicationcredential"),
            ("OS_APPLICATION_CREDENTIAL_ID", "abc"),
            ("OS_APPLICATION_CREDENTIAL_SECRET", "xyz"),
        ]);
        let c = from_vars(&v, "env").expect("creds");
        assert!(narrow(c.clone(), &OpenStackScope::default()).is_ok());
        let scope = OpenStackScope {
            project_id: Some("p".into()),
            ..Default::default()
        };
        assert!(narrow(c, &scope).is_err());
    }

    #[test]
    fn clouds_yaml_with_secure_yaml_and_precedence() {
        let dir = tempfile::tempdir().expect("tempdir");
        let clouds = dir.path().join("clouds.yaml");
        std::fs::write(
            &clouds,
            "clouds:\n  lab:\n    auth:\n      auth_url: http://127.0.0.1:5000\n      username: admin\n      \
             project_name: admin\n      user_domain_name: Default\n      project_domain_name: Default\n    \
             region_name: RegionOne\n    interface: public\n    identity_api_version: 3\n    verify: false\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("secure.yaml"),
            "clouds:\n  lab:\n    auth:\n      password: from-secure\n",
        )
        .expect("write");
        let config = OpenStackConfig {
            cloud: None,
            env: vars(&[
                ("OS_CLIENT_CONFIG_FILE", clouds.to_str().expect("utf-8")),
                (
                    "OS_SECURE_FILE",
                    dir.path().join("secure.yaml").to_str().expect("utf-8"),
                ),
                ("OS_CLOUD", "lab"),
                // Ignored: a cloud is named, and sources are not mixed.
                ("OS_AUTH_URL", "http://elsewhere/v3"),
            ]),
        };
        let c = config
            .credentials(&OpenStackScope::default())
            .expect("creds");
        assert_eq!(c.auth_url, "http://127.0.0.1:5000");
        assert!(c.insecure);
        let AuthMethod::Password { password, .. } = &c.method else {
            panic!("password")
        };
        assert_eq!(password.expose(), "from-secure");
        assert!(c.source.contains("\"lab\""), "{}", c.source);

        let err = config
            .credentials(&OpenStackScope {
                cloud: Some("nope".into()),
                ..Default::default()
            })
            .expect_err("unknown cloud");
        assert!(err.contains("\"nope\" is not defined"), "{err}");
    }

    #[test]
    fn openrc_in_scope_wins_and_env_is_the_fallback() {
        let dir = tempfile::tempdir().expect("tempdir");
        let rc = dir.path().join("admin-openrc");
        std::fs::write(
            &rc,
            "export OS_AUTH_URL=http://127.0.0.1:5000/v3\nexport OS_USERNAME=admin\nexport OS_PASSWORD=rcpw\n\
             export OS_PROJECT_NAME=admin\nexport OS_USER_DOMAIN_NAME=Default\nexport OS_PROJECT_DOMAIN_NAME=Default\n",
        )
        .expect("write");
        let config = OpenStackConfig {
            cloud: None,
            env: vars(ADMIN),
        };
        let scoped = OpenStackScope {
            openrc: Some(rc),
            project_id: Some("p1".into()),
            ..Default::default()
        };
        let c = config.credentials(&scoped).expect("creds");
        assert_eq!(c.auth_url, "http://127.0.0.1:5000/v3");
        assert_eq!(c.project, ProjectScope::Id("p1".into()));
        assert_eq!(c.region, None, "nothing leaks in from the environment");
        let c = config
            .credentials(&OpenStackScope::default())
            .expect("env creds");
        assert_eq!(c.source, "the OS_* environment variables");

        let none = OpenStackConfig::default();
        assert!(none
            .credentials(&OpenStackScope::default())
            .expect_err("nothing")
            .contains("no OpenStack credentials"));
    }
}
