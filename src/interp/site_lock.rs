//! One run per site at a time. A real `rbk exec` holds an exclusive lock
//! keyed by the site (the site file's values and the cloud) for the whole
//! run; a second run on the same site refuses at once and names the holder.
//!
//! The lock is an OS file lock (`flock`, through rustix) on a file in the lock directory
//! (`RBK_LOCK_DIR`, else `rbk-locks` in the system's temporary directory,
//! shared by every operator of the machine). The kernel drops the lock when
//! the holding process dies, however it dies: a lock file whose lock is free
//! is stale, and the next run takes it over, saying whose it was. The file
//! holds the holder's user, host, pid, procedure and start time, for the
//! refusal message.
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rustix::fs::{flock, FlockOperation};
use sha2::{Digest, Sha256};

/// Held for the life of the run; dropping it releases the lock.
#[derive(Debug)]
pub struct SiteLock {
    file: File,
    pub path: PathBuf,
    /// The previous holder, when its lock was stale and taken over.
    pub took_over: Option<String>,
}

/// Who holds a lock, as written in its file.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Holder {
    pub user: String,
    pub host: String,
    pub pid: u32,
    pub procedure: String,
    pub started: String,
    pub site: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}@{} (pid {}) running `{}` since {}",
            self.user, self.host, self.pid, self.procedure, self.started
        )
    }
}

/// The directory locks live in.
pub fn lock_dir() -> PathBuf {
    std::env::var_os("RBK_LOCK_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("rbk-locks"))
}

/// The site's key: its values (not its layout or comments) and the cloud,
/// so two copies of one site file are one site.
pub fn site_key(site_file: Option<&Path>, cloud: Option<&str>) -> Result<(String, String), String> {
    let mut h = Sha256::new();
    let label = match site_file {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read site file {}: {e}", p.display()))?;
            let value: toml::Value =
                toml::from_str(&text).map_err(|e| format!("site file {}: {e}", p.display()))?;
            h.update(serde_json::to_string(&value).unwrap_or_default().as_bytes());
            p.file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_else(|| "site".into())
        }
        None => "no-site".into(),
    };
    h.update([0u8]);
    h.update(cloud.unwrap_or("").as_bytes());
    let digest: String = h.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let cloud = cloud.map(|c| format!("-{c}")).unwrap_or_default();
    let safe: String = format!("{label}{cloud}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((format!("{safe}-{digest}"), format!("{label}{cloud}")))
}

impl SiteLock {
    /// Take the lock for `site` or say who holds it.
    pub fn acquire(dir: &Path, key: &str, holder: &Holder) -> Result<SiteLock, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the lock directory {}: {e}", dir.display()))?;
        let path = dir.join(format!("{key}.lock"));
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| format!("cannot open the site lock {}: {e}", path.display()))?;
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => {
                let who = read_holder(&mut file).map_or_else(
                    || "another run (its details are unreadable)".to_string(),
                    |h| h.to_string(),
                );
                return Err(format!(
                    "site `{}` is locked by {who}; one run per site at a time (lock {})",
                    holder.site,
                    path.display()
                ));
            }
            Err(e) => return Err(format!("cannot lock {}: {e}", path.display())),
        }
        // Ours now. Whatever the file says is a holder that died.
        let took_over = read_holder(&mut file).map(|h| h.to_string());
        let text = serde_json::to_string(holder).unwrap_or_default();
        let written = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(text.as_bytes()))
            .and_then(|()| file.sync_data());
        if let Err(e) = written {
            return Err(format!(
                "cannot write the site lock {}: {e}",
                path.display()
            ));
        }
        Ok(SiteLock {
            file,
            path,
            took_over,
        })
    }
}

impl Drop for SiteLock {
    fn drop(&mut self) {
        // Empty the file first: a reader must never take a finished run
        // for a dead one. The kernel releases the lock with the descriptor.
        let _ = self.file.set_len(0);
        let _ = flock(&self.file, FlockOperation::Unlock);
    }
}

fn read_holder(file: &mut File) -> Option<Holder> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

impl Holder {
    /// This process, about to run `procedure` on `site`.
    pub fn me(procedure: &str, site: &str) -> Holder {
        Holder {
            user: std::env::var("USER")
                .or_else(|_| std::env::var("LOGNAME"))
                .unwrap_or_else(|_| "unknown".into()),
            host: hostname(),
            pid: std::process::id(),
            procedure: procedure.to_string(),
            started: jiff::Timestamp::now()
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
            site: site.to_string(),
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_by_name_and_a_released_lock_is_free() {
        let dir = tempfile::tempdir().unwrap();
        let me = Holder::me("lb_repair", "capi-mgmt");
        let held = SiteLock::acquire(dir.path(), "k", &me).unwrap();
        assert!(held.took_over.is_none());
        let e = SiteLock::acquire(dir.path(), "k", &me).unwrap_err();
        assert!(
            e.contains(&format!("(pid {}) running `lb_repair`", std::process::id())),
            "{e}"
        );
        drop(held);
        let again = SiteLock::acquire(dir.path(), "k", &me).unwrap();
        assert!(again.took_over.is_none(), "a finished run leaves no holder");
    }

    #[test]
    fn a_dead_holders_lock_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let dead = Holder {
            pid: 999_999,
            ..Holder::me("recovery", "capi-mgmt")
        };
        std::fs::write(
            dir.path().join("k.lock"),
            serde_json::to_string(&dead).unwrap(),
        )
        .unwrap();
        let lock =
            SiteLock::acquire(dir.path(), "k", &Holder::me("recovery", "capi-mgmt")).unwrap();
        assert!(lock.took_over.as_deref().unwrap().contains("pid 999999"));
    }

    #[test]
    fn the_key_ignores_layout_but_not_values_or_cloud() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.toml");
        let b = dir.path().join("b.toml");
        std::fs::write(&a, "x = 1\n# note\ny = \"s\"\n").unwrap();
        std::fs::write(&b, "x   =   1\ny = \"s\"\n").unwrap();
        let ka = site_key(Some(&a), None).unwrap().0;
        let kb = site_key(Some(&b), None).unwrap().0;
        assert_eq!(ka.rsplit('-').next(), kb.rsplit('-').next());
        let kc = site_key(Some(&a), Some("prod")).unwrap().0;
        assert_ne!(ka.rsplit('-').next(), kc.rsplit('-').next());
    }
}
