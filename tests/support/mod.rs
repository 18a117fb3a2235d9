//! Helpers shared by the integration tests (`tests/lib.rs`): where the crate
//! is, the one way to run the built `rbk` binary, the one way to start
//! `rbk sim serve` ([`sim_serve::SimServe`], with clients in [`sim::Sim`]),
//! fake OpenStack and Kubernetes servers and a real sshd.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};

// examples.rs is also included by `#[path]` from benches/check.rs.
pub mod examples;
pub mod fake_http;
pub mod fake_kube;
pub mod fake_openstack;
pub mod http;
pub mod mutation;
pub mod rehearsal;
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

/// A kube cache folder no other command shares.
pub fn fresh_kube_cache_dir() -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("kubecache")
        .join(format!("{}-{n}", std::process::id()))
}
