//! Helpers shared by the integration tests (`tests/lib.rs`): where the crate
//! is, the one way to run the built `rbk` binary, the one way to start
//! `rbk sim serve` ([`sim_serve::SimServe`], with clients in [`sim::Sim`]),
//! fake OpenStack and Kubernetes servers and a real sshd.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};

// examples.rs and repo.rs are also included by `#[path]` from benches/check.rs.
pub mod examples;
pub mod fake_http;
pub mod fake_kube;
pub mod fake_openstack;
pub mod http;
pub mod mutation;
pub mod rehearsal;
pub mod repo;
pub mod sim;
pub mod sim_serve;
pub mod sshd;

/// The crate root (where `Cargo.toml` is); the tests' working directory.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The one way tests run the built `rbk` binary: `rbk(["check", f]).output()`.
/// It starts in the crate root with stdin closed, its Kubernetes discovery
/// cache (`KUBECACHEDIR`) in a folder of its own under the target dir
/// rather than `~/.kube/cache`; add `current_dir`, `env` or pipes on the
/// returned command as a test needs.
pub fn rbk<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rbk"));
    cmd.args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .env("KUBECACHEDIR", fresh_kube_cache_dir());
    cmd
}

/// [`rbk`] run to its end: what it printed and how it exited.
pub fn run(args: &[&str]) -> std::process::Output {
    rbk(args).output().expect("run rbk")
}

/// `text` (what `what` printed) holds none of `secrets`.
pub fn assert_lacks(what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
    }
}

/// Every format of `rbk journal show` of `journal` holds none of `secrets`.
pub fn assert_journal_show_lacks(journal: &std::path::Path, secrets: &[&str]) {
    let j = journal.to_str().expect("utf-8 path");
    for format in ["text", "md", "json", "html"] {
        let o = run(&["journal", "show", "--format", format, j]);
        assert_eq!(o.status.code(), Some(0), "{}", said(&o));
        assert_lacks(
            &format!("journal show --format {format}"),
            &said(&o),
            secrets,
        );
    }
}

/// What a run printed, stdout then stderr, and its exit code: the message
/// of an assertion about it.
pub fn said(o: &std::process::Output) -> String {
    format!(
        "exit {:?}\n{}\n--- stderr ---\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A journal's events, one JSON object a line (blank lines skipped).
pub fn journal_events(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("journal {}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a journal line is JSON"))
        .collect()
}

/// A kube cache folder no other command shares.
pub fn fresh_kube_cache_dir() -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("kubecache")
        .join(format!("{}-{n}", std::process::id()))
}
