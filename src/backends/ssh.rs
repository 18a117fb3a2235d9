//! The real ssh backend: the system `ssh` through the openssh crate
//! (process-mux), one master connection per scope, reused across calls.
//!
//! What the seed does by hand, made the default: `BatchMode=yes` (never
//! prompt), a `ConnectTimeout`, stdin from /dev/null (the `</dev/null` that
//! ate the juju password prompt is now the only option), stdout, stderr and
//! the exit status captured. Unlike the seed (`StrictHostKeyChecking=no`,
//! `UserKnownHostsFile=/dev/null`) unknown host keys are refused unless the
//! scope asks for accept-new.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use openssh::{ControlPersist, KnownHosts, Session, SessionBuilder};
use tokio::io::AsyncReadExt;
use tokio::sync::Mutex;

use super::{CallError, FileCopy, KnownHostsPolicy, Ssh, SshOutput, SshScope};

const CALL: &str = "ssh.run";

/// Exit status `ssh` itself uses for connection errors; a remote command can
/// also exit 255, so the master is checked before blaming the connection.
const SSH_ERROR_EXIT: i64 = 255;

/// A master that nobody uses for this long exits by itself, so a crashed or
/// killed rbk does not leave ssh processes behind for long.
const MASTER_IDLE_SECS: usize = 300;

#[derive(Default)]
pub struct RealSsh {
    sessions: Mutex<HashMap<SshScope, Arc<Session>>>,
}

impl std::fmt::Debug for RealSsh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RealSsh").finish_non_exhaustive()
    }
}

impl RealSsh {
    pub fn new() -> Self {
        Self::default()
    }

    /// The cached master for this scope if it is still alive, else a new one.
    async fn session(&self, scope: &SshScope) -> Result<Arc<Session>, CallError> {
        let mut sessions = self.sessions.lock().await;
        if let Some(session) = sessions.get(scope) {
            if session.check().await.is_ok() {
                return Ok(session.clone());
            }
            sessions.remove(scope);
        }
        let session = Arc::new(connect(scope).await?);
        sessions.insert(scope.clone(), session.clone());
        Ok(session)
    }

    async fn forget(&self, scope: &SshScope) {
        self.sessions.lock().await.remove(scope);
    }

    async fn run_inner(&self, scope: &SshScope, command: &str) -> Result<SshOutput, CallError> {
        let session = self.session(scope).await?;
        let mut cmd = session.raw_command(command);
        cmd.stdin(openssh::Stdio::null())
            .stdout(openssh::Stdio::piped())
            .stderr(openssh::Stdio::piped());
        let mut child = cmd.spawn().await.map_err(|e| unreachable(scope, &e))?;
        let mut out = child.stdout().take();
        let mut err = child.stderr().take();
        let read_out = read_all(out.as_mut());
        let read_err = read_all(err.as_mut());
        let (stdout, stderr) =
            tokio::try_join!(read_out, read_err).map_err(|e| CallError::Unreachable {
                call: CALL.into(),
                target: target(scope),
                message: format!("reading the command's output: {e}"),
            })?;
        let stdout = String::from_utf8_lossy(&stdout).into_owned();
        let stderr = String::from_utf8_lossy(&stderr).into_owned();
        let exit = match child.wait().await {
            Ok(status) => status.code().map(i64::from).unwrap_or(SSH_ERROR_EXIT),
            // The crate turns 127 into an error; for a procedure it is just
            // an exit status ("command not found" is in stderr).
            Err(openssh::Error::Remote(e)) if e.kind() == std::io::ErrorKind::NotFound => 127,
            // 255: either the command exited 255 or the connection broke.
            Err(openssh::Error::RemoteProcessTerminated) | Err(openssh::Error::Disconnected) => {
                if session.check().await.is_ok() {
                    SSH_ERROR_EXIT
                } else {
                    drop(session);
                    self.forget(scope).await;
                    return Err(CallError::Unreachable {
                        call: CALL.into(),
                        target: target(scope),
                        message: format!(
                            "the connection was lost while running the command{}",
                            tail(&stderr)
                        ),
                    });
                }
            }
            Err(e) => return Err(unreachable(scope, &e)),
        };
        Ok(SshOutput {
            stdout,
            stderr,
            exit,
        })
    }
}

#[async_trait]
impl Ssh for RealSsh {
    /// A non-zero exit is not an error: it is in `SshOutput.exit` and the
    /// procedure decides. Errors are: no connection, refused host key or
    /// authentication, and no answer within `timeout` (connecting included).
    async fn run(
        &self,
        scope: &SshScope,
        command: &str,
        timeout: Duration,
    ) -> Result<SshOutput, CallError> {
        match tokio::time::timeout(timeout, self.run_inner(scope, command)).await {
            Ok(result) => result,
            // Dropping the future kills the local ssh client (kill_on_drop),
            // which closes the channel; sshd then hangs up the remote command.
            Err(_) => Err(CallError::Timeout {
                call: CALL.into(),
                after: timeout,
            }),
        }
    }

    async fn put(&self, scope: &SshScope, copy: &FileCopy, mode: &str) -> Result<i64, CallError> {
        bounded(PUT, copy.timeout, self.put_inner(scope, copy, mode)).await
    }

    async fn get(&self, scope: &SshScope, copy: &FileCopy) -> Result<i64, CallError> {
        bounded(GET, copy.timeout, self.get_inner(scope, copy)).await
    }
}

/// `~/` in the key and known_hosts paths, as ssh itself would expand it.
fn expanded(path: &std::path::Path) -> Result<std::path::PathBuf, CallError> {
    super::local::expand_home(&path.to_string_lossy(), CALL)
}

fn builder(scope: &SshScope) -> Result<SessionBuilder, CallError> {
    let mut b = SessionBuilder::default();
    b.user(scope.user.clone())
        .port(scope.port)
        .connect_timeout(scope.connect_timeout.max(Duration::from_secs(1)))
        .known_hosts_check(match scope.known_hosts {
            KnownHostsPolicy::Strict => KnownHosts::Strict,
            KnownHostsPolicy::AcceptNew => KnownHosts::Add,
        })
        .server_alive_interval(Duration::from_secs(15))
        .control_directory(std::env::temp_dir())
        .control_persist(ControlPersist::IdleFor(
            std::num::NonZeroUsize::new(MASTER_IDLE_SECS).unwrap_or(std::num::NonZeroUsize::MIN),
        ));
    if let Some(key) = &scope.key {
        b.keyfile(expanded(key)?);
    }
    if let Some(file) = &scope.known_hosts_file {
        b.user_known_hosts_file(expanded(file)?);
    }
    Ok(b)
}

async fn connect(scope: &SshScope) -> Result<Session, CallError> {
    if scope.host.is_empty()
        || scope.host.starts_with('-')
        || scope.host.contains(char::is_whitespace)
    {
        return Err(CallError::Config {
            call: CALL.into(),
            message: format!("{:?} is not a host", scope.host),
        });
    }
    if scope.user.starts_with('-')
        || scope.user.contains(char::is_whitespace)
        || scope.user.contains('@')
    {
        return Err(CallError::Config {
            call: CALL.into(),
            message: format!("{:?} is not a user name", scope.user),
        });
    }
    if let Some(key) = &scope.key {
        let key = expanded(key)?;
        if !key.exists() {
            return Err(CallError::Config {
                call: CALL.into(),
                message: format!("ssh key {} does not exist", key.display()),
            });
        }
    }
    builder(scope)?
        .connect(&scope.host)
        .await
        .map_err(|e| connect_error(scope, &e))
}

/// Host-key and authentication refusals are `Auth` (retrying will not help);
/// everything else about reaching the host is `Unreachable`.
fn connect_error(scope: &SshScope, e: &openssh::Error) -> CallError {
    let message = describe(e);
    let lower = message.to_ascii_lowercase();
    if lower.contains("host key verification failed")
        || lower.contains("remote host identification has changed")
        || lower.contains("no matching host key")
    {
        CallError::Auth {
            call: CALL.into(),
            message: format!(
                "{}: host key not trusted ({message}); add it to known_hosts or use known_hosts: accept-new",
                target(scope)
            ),
        }
    } else if lower.contains("permission denied")
        || lower.contains("too many authentication failures")
    {
        CallError::Auth {
            call: CALL.into(),
            message: format!("{}: {message}", target(scope)),
        }
    } else {
        unreachable(scope, e)
    }
}

fn unreachable(scope: &SshScope, e: &openssh::Error) -> CallError {
    CallError::Unreachable {
        call: CALL.into(),
        target: target(scope),
        message: describe(e),
    }
}

/// The crate's message plus its source (where ssh's own words are).
fn describe(e: &openssh::Error) -> String {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !text.is_empty() && !message.contains(&text) {
            message.push_str(": ");
            message.push_str(text.trim());
        }
        source = s.source();
    }
    message
}

fn target(scope: &SshScope) -> String {
    format!("{}@{}:{}", scope.user, scope.host, scope.port)
}

fn tail(stderr: &str) -> String {
    let t = stderr.trim();
    if t.is_empty() {
        String::new()
    } else {
        format!(" ({})", t.lines().last().unwrap_or(t))
    }
}

// ---- ssh.put / ssh.get: files over the same master connection ------------

const PUT: &str = "ssh.put";
const GET: &str = "ssh.get";

/// The same error, named after the call that met it.
fn renamed(e: CallError, call: &str) -> CallError {
    match e {
        CallError::Remote {
            status, message, ..
        } => CallError::Remote {
            call: call.into(),
            status,
            message,
        },
        CallError::Timeout { after, .. } => CallError::Timeout {
            call: call.into(),
            after,
        },
        CallError::Unreachable {
            target, message, ..
        } => CallError::Unreachable {
            call: call.into(),
            target,
            message,
        },
        CallError::Auth { message, .. } => CallError::Auth {
            call: call.into(),
            message,
        },
        CallError::Config { message, .. } => CallError::Config {
            call: call.into(),
            message,
        },
    }
}

/// `0644`, `600`: a mode `chmod` takes, nothing else reaches the shell.
pub fn valid_mode(mode: &str) -> bool {
    (3..=4).contains(&mode.len()) && mode.chars().all(|c| ('0'..='7').contains(&c))
}

/// A remote path as one shell word; `~/` stays bare so the remote shell
/// expands it to the login user's home.
fn remote_word(path: &str) -> String {
    match path.strip_prefix("~/") {
        Some(rest) => format!("~/{}", crate::render::command::shell_word(rest)),
        None => crate::render::command::shell_word(path),
    }
}

impl RealSsh {
    /// Run `command` with `input` on its stdin: stdout bytes, stderr, exit.
    async fn exchange(
        &self,
        scope: &SshScope,
        command: &str,
        input: Option<&[u8]>,
    ) -> Result<(Vec<u8>, String, i64), CallError> {
        use tokio::io::AsyncWriteExt;
        let session = self.session(scope).await?;
        let mut cmd = session.raw_command(command);
        cmd.stdin(match input {
            Some(_) => openssh::Stdio::piped(),
            None => openssh::Stdio::null(),
        })
        .stdout(openssh::Stdio::piped())
        .stderr(openssh::Stdio::piped());
        let mut child = cmd.spawn().await.map_err(|e| unreachable(scope, &e))?;
        let mut stdin = child.stdin().take();
        let mut out = child.stdout().take();
        let mut err = child.stderr().take();
        let write = async {
            if let (Some(i), Some(bytes)) = (stdin.as_mut(), input) {
                i.write_all(bytes).await?;
                i.shutdown().await?;
            }
            drop(stdin.take());
            Ok::<_, std::io::Error>(())
        };
        let read_out = read_all(out.as_mut());
        let read_err = read_all(err.as_mut());
        let ((), stdout, stderr) =
            tokio::try_join!(write, read_out, read_err).map_err(|e| CallError::Unreachable {
                call: CALL.into(),
                target: target(scope),
                message: format!("copying over the connection: {e}"),
            })?;
        let stderr = String::from_utf8_lossy(&stderr).into_owned();
        let exit = match child.wait().await {
            Ok(status) => status.code().map(i64::from).unwrap_or(SSH_ERROR_EXIT),
            Err(openssh::Error::Remote(e)) if e.kind() == std::io::ErrorKind::NotFound => 127,
            Err(openssh::Error::RemoteProcessTerminated) | Err(openssh::Error::Disconnected) => {
                SSH_ERROR_EXIT
            }
            Err(e) => return Err(unreachable(scope, &e)),
        };
        Ok((stdout, stderr, exit))
    }

    async fn put_inner(
        &self,
        scope: &SshScope,
        copy: &FileCopy,
        mode: &str,
    ) -> Result<i64, CallError> {
        let config = |message: String| CallError::Config {
            call: PUT.into(),
            message,
        };
        if !valid_mode(mode) {
            return Err(config(format!("mode {mode:?} is not octal like \"0644\"")));
        }
        if copy.remote.trim().is_empty() {
            return Err(config("empty remote path".into()));
        }
        let path = super::local::expand_home(&copy.local, PUT)?;
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|e| config(format!("cannot read {}: {e}", path.display())))?;
        // Written beside the target and renamed: a reader never sees half a file.
        let r = remote_word(&copy.remote);
        let command = format!(
            "set -e; umask 077; t={r}.rbk-tmp.$$; cat > \"$t\"; chmod {mode} \"$t\"; mv -f \"$t\" {r}"
        );
        let (_, stderr, exit) = self.exchange(scope, &command, Some(&bytes)).await?;
        if exit != 0 {
            return Err(CallError::Remote {
                call: PUT.into(),
                status: None,
                message: format!(
                    "{}: cannot write {} (exit {exit}){}",
                    target(scope),
                    copy.remote,
                    tail(&stderr)
                ),
            });
        }
        Ok(bytes.len() as i64)
    }

    async fn get_inner(&self, scope: &SshScope, copy: &FileCopy) -> Result<i64, CallError> {
        let command = format!("cat -- {}", remote_word(&copy.remote));
        let (bytes, stderr, exit) = self.exchange(scope, &command, None).await?;
        if exit != 0 {
            return Err(CallError::Remote {
                call: GET.into(),
                status: None,
                message: format!(
                    "{}: cannot read {} (exit {exit}){}",
                    target(scope),
                    copy.remote,
                    tail(&stderr)
                ),
            });
        }
        let path = super::local::expand_home(&copy.local, GET)?;
        let shown = path.display().to_string();
        let len = bytes.len() as i64;
        tokio::task::spawn_blocking(move || super::local::write_atomically(&path, &bytes))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()))
            .map_err(|e| CallError::Config {
                call: GET.into(),
                message: format!("cannot write {shown}: {e}"),
            })?;
        Ok(len)
    }
}

/// Bound a copy by its timeout, and name the call in its errors.
async fn bounded<T>(
    call: &str,
    timeout: Duration,
    work: impl std::future::Future<Output = Result<T, CallError>>,
) -> Result<T, CallError> {
    match tokio::time::timeout(timeout, work).await {
        Ok(r) => r.map_err(|e| renamed(e, call)),
        Err(_) => Err(CallError::Timeout {
            call: call.into(),
            after: timeout,
        }),
    }
}

/// Everything a child's output stream gives until it closes (nothing when
/// the stream was not piped).
async fn read_all<R: tokio::io::AsyncRead + Unpin>(r: Option<&mut R>) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    if let Some(r) = r {
        r.read_to_end(&mut buf).await?;
    }
    Ok(buf)
}
