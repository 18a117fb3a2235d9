//! What a fleet's pods read: the procedure with every file it `use`s, each
//! site's file, and the site's credentials. Files travel in one generated
//! ConfigMap (keys flat, as Kubernetes wants them; volume `items` put each
//! back at its path); credentials never do: a site file's `~/...` values
//! name files the pod finds in the Secret `rbk-site-<site>` (see
//! [`HomeFile`]).
use std::path::{Component, Path, PathBuf};

use super::Site;
use crate::compilation::Compilation;
use crate::syntax::ast::ExprKind;

/// A ConfigMap holds at most 1 MiB; leave room for its metadata.
pub const CONFIG_MAP_MAX_BYTES: usize = 1_000_000;

/// One file of the ConfigMap.
#[derive(Debug, Clone, PartialEq)]
pub struct BundledFile {
    /// The ConfigMap key (`[-._a-zA-Z0-9]+`).
    pub key: String,
    /// Where the pod sees it, below the files mount.
    pub path: String,
    pub text: String,
}

/// A file the site file names as `~/PATH`: the pod gets it from the site's
/// Secret, key [`key`](Self::key), copied to `$HOME/PATH`.
#[derive(Debug, Clone, PartialEq)]
pub struct HomeFile {
    /// The site file's field that names it.
    pub field: String,
    pub key: String,
    /// Below `$HOME`.
    pub path: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BundledSite {
    /// The site's name as the fleet knows it (`fleet::Site::name`).
    pub name: String,
    /// The Secret its credential files come from (`fleet::Site::secret`).
    pub secret: String,
    /// The same as a DNS label, for object names.
    pub label: String,
    /// The site lock's key (`interp::site_lock::site_key`): the same site
    /// file values make the same key, whatever the file is called.
    pub lock_key: String,
    pub file: BundledFile,
    pub home_files: Vec<HomeFile>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    /// The procedure first, then the files it uses.
    pub procedure_files: Vec<BundledFile>,
    pub sites: Vec<BundledSite>,
}

impl Bundle {
    /// Read the procedure (and what it uses) and the site files.
    pub fn collect(procedure: &Path, sites: &[Site]) -> Result<Bundle, String> {
        let comp = Compilation::load(procedure).map_err(|e| e.to_string())?;
        if comp.has_errors() {
            return Err(format!(
                "{} has errors: run `rbk check {}`",
                procedure.display(),
                procedure.display()
            ));
        }
        let units: Vec<(PathBuf, String)> = comp
            .units()
            .map(|u| (canonical(&u.path), u.source.text.to_string()))
            .collect();
        let base = common_dir(units.iter().map(|(p, _)| p.as_path()));
        let mut procedure_files = Vec::new();
        for (path, text) in units {
            let rel = path
                .strip_prefix(&base)
                .map_err(|_| format!("{} is outside {}", path.display(), base.display()))?;
            let rel = rel.to_string_lossy().replace('\\', "/");
            procedure_files.push(BundledFile {
                key: format!("procedure.{}", key_of(&rel)),
                path: format!("procedure/{rel}"),
                text,
            });
        }
        // A site field's default is the value when a site file leaves it out.
        let defaults: Vec<(String, String)> = comp
            .site_fields()
            .filter_map(|(_, d)| match &d.default.as_ref()?.kind {
                ExprKind::Str(t) => Some((d.name.name.clone(), t.as_literal()?)),
                _ => None,
            })
            .collect();
        let mut bundled = Vec::new();
        for site in sites {
            let mut b = bundle_site(&site.name, &site.path, &defaults)?;
            b.secret = site.secret.clone();
            // The local site lock's key counts the cloud too.
            b.lock_key =
                crate::interp::site_lock::site_key(Some(&site.path), site.cloud.as_deref())?.0;
            bundled.push(b);
        }
        let bundle = Bundle {
            procedure_files,
            sites: bundled,
        };
        bundle.check_unique()?;
        let size: usize = bundle.files().map(|f| f.key.len() + f.text.len()).sum();
        if size > CONFIG_MAP_MAX_BYTES {
            return Err(format!(
                "the procedure and site files come to {size} bytes; a ConfigMap holds at most {CONFIG_MAP_MAX_BYTES}"
            ));
        }
        Ok(bundle)
    }

    /// The procedure's path below the files mount.
    pub fn procedure_path(&self) -> &str {
        &self.procedure_files[0].path
    }

    /// Every file of the ConfigMap.
    pub fn files(&self) -> impl Iterator<Item = &BundledFile> {
        self.procedure_files
            .iter()
            .chain(self.sites.iter().map(|s| &s.file))
    }

    fn check_unique(&self) -> Result<(), String> {
        let mut keys = std::collections::BTreeSet::new();
        for f in self.files() {
            if !keys.insert(&f.key) {
                return Err(format!(
                    "two files would share the ConfigMap key {:?}",
                    f.key
                ));
            }
        }
        let mut labels = std::collections::BTreeMap::new();
        for s in &self.sites {
            if let Some(other) = labels.insert(&s.label, &s.name) {
                return Err(format!(
                    "sites {other:?} and {:?} have the same Kubernetes name {:?}: rename one site file",
                    s.name, s.label
                ));
            }
        }
        Ok(())
    }
}

fn bundle_site(
    name: &str,
    file: &Path,
    defaults: &[(String, String)],
) -> Result<BundledSite, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read site file {}: {e}", file.display()))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| format!("site file {} is not valid TOML: {e}", file.display()))?;
    let label = dns_label(name)
        .ok_or_else(|| format!("site {name:?} has no letter or digit to name it in Kubernetes"))?;
    let mut home_files = Vec::new();
    let values = table
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?)))
        .chain(
            defaults
                .iter()
                .filter(|(k, _)| !table.contains_key(k))
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
    for (field, value) in values {
        let Some(path) = value.strip_prefix("~/") else {
            continue;
        };
        if path.is_empty()
            || path.chars().any(|c| c.is_whitespace() || c == '=')
            || Path::new(path)
                .components()
                .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(format!(
                "site file {}: field {field} = \"~/{path}\": a credential file below ~ needs a plain relative path (no spaces, `=`, `..`)",
                file.display()
            ));
        }
        if home_files.iter().any(|h: &HomeFile| h.path == path) {
            continue;
        }
        home_files.push(HomeFile {
            field: field.to_string(),
            key: key_of(path),
            path: path.to_string(),
        });
    }
    let (lock_key, _) = crate::interp::site_lock::site_key(Some(file), None)?;
    Ok(BundledSite {
        name: name.to_string(),
        secret: format!("rbk-site-{label}"),
        lock_key,
        file: BundledFile {
            key: format!("site.{label}.toml"),
            path: format!("sites/{label}.toml"),
            text,
        },
        label,
        home_files,
    })
}

/// A path as a ConfigMap or Secret key: `/` becomes `_`, other characters
/// keys cannot hold become `-`.
pub fn key_of(path: &str) -> String {
    path.chars()
        .map(|c| match c {
            '/' => '_',
            c if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') => c,
            _ => '-',
        })
        .collect()
}

/// A name as a DNS-1123 label (lowercase letters, digits, `-`), or None
/// when nothing of it is left.
pub fn dns_label(name: &str) -> Option<String> {
    let mut out = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    (!out.is_empty()).then_some(out)
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// The deepest folder holding every one of `paths`.
fn common_dir<'a>(paths: impl Iterator<Item = &'a Path>) -> PathBuf {
    let mut base: Option<PathBuf> = None;
    for p in paths {
        let dir = p.parent().unwrap_or(Path::new("")).to_path_buf();
        base = Some(match base {
            None => dir,
            Some(b) => b
                .components()
                .zip(dir.components())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect(),
        });
    }
    base.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_labels_and_keys() {
        assert_eq!(
            dns_label("Region_One.prod").as_deref(),
            Some("region-one-prod")
        );
        assert_eq!(dns_label("--a--b--").as_deref(), Some("a-b"));
        assert_eq!(dns_label("__"), None);
        assert_eq!(key_of(".ssh/id_ed25519"), ".ssh_id_ed25519");
        assert_eq!(key_of("a b"), "a-b");
    }

    #[test]
    fn common_dir_of_files() {
        let paths = [Path::new("/a/b/c.rbk"), Path::new("/a/d.rbk")];
        assert_eq!(common_dir(paths.into_iter()), PathBuf::from("/a"));
    }

    #[test]
    fn home_files_come_from_tilde_values() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("a.toml");
        std::fs::write(
            &f,
            "admin_openrc = \"~/admin-openrc\"\nssh_key = \"~/.ssh/id_ed25519\"\nport = 22\nhost = \"x\"\n",
        )
        .expect("write");
        let defaults = [("kubeconfig".to_string(), "~/kc".to_string())];
        let s = bundle_site("Site_A", &f, &defaults).expect("bundles");
        assert_eq!(s.label, "site-a");
        assert_eq!(s.file.key, "site.site-a.toml");
        let keys: Vec<(&str, &str)> = s
            .home_files
            .iter()
            .map(|h| (h.key.as_str(), h.path.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                ("admin-openrc", "admin-openrc"),
                (".ssh_id_ed25519", ".ssh/id_ed25519"),
                ("kc", "kc"),
            ]
        );
        std::fs::write(&f, "k = \"~/../etc/passwd\"\n").expect("write");
        assert!(bundle_site("a", &f, &[])
            .unwrap_err()
            .contains("plain relative path"));
    }
}
