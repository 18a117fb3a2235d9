//! A real, throw-away `sshd` on 127.0.0.1 for tests.
//!
//! Everything lives in a tempdir: host key, user key, authorized_keys,
//! sshd_config, a known_hosts line for the host key, and sshd's log. The
//! daemon runs in the foreground (`-D -e`) as the current user and is killed
//! when the [`Sshd`] is dropped. The binary is `$RBK_SSHD` (default
//! `/usr/sbin/sshd`); when it is missing the test fails and says how to
//! install it, it never skips.
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Sshd {
    pub dir: tempfile::TempDir,
    pub port: u16,
    /// The user sshd lets in (whoever runs the tests).
    pub user: String,
    /// Private key authorised for `user`.
    pub user_key: PathBuf,
    /// A known_hosts file that trusts this sshd's host key.
    pub known_hosts: PathBuf,
    child: Child,
}

impl Sshd {
    /// Start sshd and wait until it accepts connections.
    pub fn start() -> Sshd {
        let sshd = std::env::var("RBK_SSHD").unwrap_or_else(|_| "/usr/sbin/sshd".into());
        assert!(
            Path::new(&sshd).is_file(),
            "the ssh backend tests need a real sshd at {sshd} (set RBK_SSHD to use another): \
             install it with `apt-get install -y openssh-server` (scripts/test does this)"
        );
        let dir = tempfile::tempdir().expect("create a tempdir for sshd");
        let host_key = keygen(dir.path(), "host_ed25519");
        let user_key = keygen(dir.path(), "user_ed25519");
        std::fs::copy(
            dir.path().join("user_ed25519.pub"),
            dir.path().join("authorized_keys"),
        )
        .expect("write authorized_keys");
        let user = current_user();
        // sshd refuses to start as root without its privilege separation dir.
        let _ = std::fs::create_dir_all("/run/sshd");

        let mut last_log = String::new();
        // The probed port may be taken before sshd binds it: try a few.
        for _ in 0..5 {
            let port = free_port();
            let config = dir.path().join("sshd_config");
            std::fs::write(&config, sshd_config(dir.path(), &host_key, port))
                .expect("write sshd_config");
            let log = dir.path().join("sshd.log");
            let log_file = std::fs::File::create(&log).expect("create sshd.log");
            let mut child = Command::new(&sshd)
                .arg("-D")
                .arg("-e")
                .arg("-f")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log_file)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {sshd}: {e}"));
            if wait_ready(&mut child, port, Duration::from_secs(10)) {
                let host_pub = std::fs::read_to_string(dir.path().join("host_ed25519.pub"))
                    .expect("read host public key");
                let mut fields = host_pub.split_whitespace();
                let (kind, key) = (
                    fields.next().unwrap_or_default(),
                    fields.next().unwrap_or_default(),
                );
                let known_hosts = dir.path().join("known_hosts");
                std::fs::write(&known_hosts, format!("[127.0.0.1]:{port} {kind} {key}\n"))
                    .expect("write known_hosts");
                return Sshd {
                    dir,
                    port,
                    user,
                    user_key,
                    known_hosts,
                    child,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
            last_log = std::fs::read_to_string(&log).unwrap_or_default();
        }
        panic!("sshd did not start listening on 127.0.0.1; its log:\n{last_log}");
    }

    /// What sshd has logged so far (for assertion messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    /// An empty known_hosts file: nothing is trusted.
    pub fn empty_known_hosts(&self, name: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, "").expect("write empty known_hosts");
        path
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_ready(child: &mut Child, port: u16, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn sshd_config(dir: &Path, host_key: &Path, port: u16) -> String {
    format!(
        "Port {port}\n\
         ListenAddress 127.0.0.1\n\
         HostKey {host_key}\n\
         PidFile {pid}\n\
         AuthorizedKeysFile {dir}/authorized_keys\n\
         StrictModes no\n\
         UsePAM no\n\
         PubkeyAuthentication yes\n\
         PasswordAuthentication no\n\
         KbdInteractiveAuthentication no\n\
         PermitRootLogin prohibit-password\n\
         PermitUserEnvironment no\n\
         MaxSessions 50\n\
         MaxStartups 50\n\
         LogLevel VERBOSE\n",
        host_key = host_key.display(),
        pid = dir.join("sshd.pid").display(),
        dir = dir.display(),
    )
}

fn keygen(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "rbk-test", "-f"])
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .expect("run ssh-keygen (package openssh-client)");
    assert!(
        out.status.success(),
        "ssh-keygen failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

fn current_user() -> String {
    let out = Command::new("id")
        .arg("-un")
        .output()
        .expect("run `id -un`");
    assert!(out.status.success(), "`id -un` failed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("find a free port on 127.0.0.1")
}
