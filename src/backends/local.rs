//! Files on the operator's machine: the seed's kubeconfig re-emit
//! (`ssh ... "sudo k8s config ..." > ~/capi-mgmt.kubeconfig`), done safely;
//! and commands run there (`local.run`: `juju`, `kubectl`, site scripts).
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;

use super::{CallError, Local, LocalOutput};

const RUN: &str = "local.run";

#[derive(Debug, Clone, Copy, Default)]
pub struct RealLocal;

#[async_trait]
impl Local for RealLocal {
    async fn file_exists(&self, path: &str) -> Result<bool, CallError> {
        let path = expand_home(path, "file.exists")?;
        tokio::fs::try_exists(&path)
            .await
            .map_err(|e| CallError::Config {
                call: "file.exists".into(),
                message: format!("cannot look at {}: {e}", path.display()),
            })
    }

    /// Writes through a temporary file in the same directory and renames it
    /// into place, so a reader never sees half a kubeconfig; mode 0600
    /// because the content is usually a credential.
    async fn file_write(&self, path: &str, content: &str) -> Result<(), CallError> {
        let path = expand_home(path, "file.write")?;
        let content = content.to_owned();
        let shown = path.display().to_string();
        tokio::task::spawn_blocking(move || write_atomically(&path, content.as_bytes()))
            .await
            .map_err(|e| io_error("file.write", &shown, &e.to_string()))?
            .map_err(|e| io_error("file.write", &shown, &e.to_string()))
    }

    /// No shell: `argv[0]` is found on PATH (`~/` expanded) and the rest
    /// are its arguments as given. stdin is closed, so a command that asks
    /// a question fails instead of hanging; at the timeout the child is
    /// killed (`kill_on_drop`) and the call fails.
    async fn run(&self, argv: &[String], timeout: Duration) -> Result<LocalOutput, CallError> {
        let Some((program, args)) = argv.split_first() else {
            return Err(CallError::Config {
                call: RUN.into(),
                message: "empty argv: name the program first, e.g. [\"juju\", \"status\"]".into(),
            });
        };
        let program = if program.starts_with('~') {
            expand_home(program, RUN)?
        } else {
            PathBuf::from(program)
        };
        let child = tokio::process::Command::new(&program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| CallError::Config {
                call: RUN.into(),
                message: format!("cannot run {}: {e}", program.display()),
            })?;
        let out = match tokio::time::timeout(timeout, child.wait_with_output()).await {
            Ok(out) => out.map_err(|e| CallError::Remote {
                call: RUN.into(),
                status: None,
                message: format!("{}: {e}", program.display()),
            })?,
            // Dropping the future drops the child: it is killed.
            Err(_) => {
                return Err(CallError::Timeout {
                    call: RUN.into(),
                    after: timeout,
                })
            }
        };
        Ok(LocalOutput {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            exit: out.status.code().map_or(-1, i64::from),
        })
    }
}

/// Expands a leading `~/` (or a lone `~`) to `$HOME`.
pub fn expand_home(path: &str, call: &str) -> Result<PathBuf, CallError> {
    if path.is_empty() {
        return Err(CallError::Config {
            call: call.into(),
            message: "empty path".into(),
        });
    }
    let rest = match path.strip_prefix('~') {
        None => return Ok(PathBuf::from(path)),
        Some("") => "",
        Some(rest) => match rest.strip_prefix('/') {
            Some(rest) => rest,
            // `~user/...` is not supported: say so rather than write to `./~user`.
            None => {
                return Err(CallError::Config {
                    call: call.into(),
                    message: format!("{path}: only `~/` is expanded, not `~user/`"),
                })
            }
        },
    };
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .ok_or_else(|| CallError::Config {
            call: call.into(),
            message: format!("{path}: HOME is not set"),
        })?;
    Ok(Path::new(&home).join(rest))
}

/// Through a temporary file in the same directory, renamed into place;
/// mode 0600.
pub(crate) fn write_atomically(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let mut tmp = tempfile::Builder::new().prefix(".rbk-").tempfile_in(&dir)?;
    set_private(tmp.as_file())?;
    tmp.write_all(content)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(unix)]
fn set_private(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn set_private(_file: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

fn io_error(call: &str, path: &str, message: &str) -> CallError {
    CallError::Config {
        call: call.into(),
        message: format!("cannot write {path}: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_atomically_with_private_mode() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a/b/kubeconfig");
        let p = path.to_str().expect("utf-8 path");
        let local = RealLocal;
        assert!(!local.file_exists(p).await.expect("exists"));
        local.file_write(p, "first").await.expect("write");
        local.file_write(p, "second").await.expect("overwrite");
        assert!(local.file_exists(p).await.expect("exists"));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "second");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temporary file left behind.
        let names: Vec<_> = std::fs::read_dir(path.parent().expect("parent"))
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[tokio::test]
    async fn runs_argv_without_a_shell_and_kills_at_the_timeout() {
        let argv = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let out = RealLocal
            .run(
                &argv(&["sh", "-c", "echo out; echo err >&2; exit 3"]),
                Duration::from_secs(10),
            )
            .await
            .expect("runs");
        assert_eq!(
            (out.stdout.as_str(), out.stderr.as_str(), out.exit),
            ("out\n", "err\n", 3)
        );
        // One argument, not a shell string: `$HOME` and `;` reach echo as is.
        let out = RealLocal
            .run(&argv(&["echo", "$HOME; rm -rf /"]), Duration::from_secs(10))
            .await
            .expect("runs");
        assert_eq!(out.stdout, "$HOME; rm -rf /\n");
        let dir = tempfile::tempdir().expect("tempdir");
        let marker = dir.path().join("still-running");
        let script = format!("sleep 2; touch {}", marker.display());
        let started = std::time::Instant::now();
        let err = RealLocal
            .run(&argv(&["sh", "-c", &script]), Duration::from_millis(200))
            .await
            .unwrap_err();
        assert!(matches!(err, CallError::Timeout { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(2));
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert!(!marker.exists(), "the child outlived its timeout");
        let err = RealLocal
            .run(&argv(&["/nonexistent/rbk-test"]), Duration::from_secs(1))
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("cannot run /nonexistent/rbk-test"),
            "{err}"
        );
        assert!(RealLocal.run(&[], Duration::from_secs(1)).await.is_err());
    }

    #[test]
    fn home_expansion() {
        let home = std::env::var("HOME").unwrap_or_default();
        if !home.is_empty() {
            assert_eq!(
                expand_home("~/x", "t").expect("ok"),
                Path::new(&home).join("x")
            );
        }
        assert_eq!(
            expand_home("/abs/x", "t").expect("ok"),
            PathBuf::from("/abs/x")
        );
        assert!(expand_home("~bob/x", "t").is_err());
        assert!(expand_home("", "t").is_err());
    }
}
