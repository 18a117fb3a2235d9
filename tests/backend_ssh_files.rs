//! `ssh.put` / `ssh.get` against a real sshd on 127.0.0.1 (the same
//! harness as `backend_ssh`): files go over the scope's master connection,
//! land atomically with their mode, and failures name the call.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use crate::support::sshd::Sshd;
use rbk::backends::ssh::RealSsh;
use rbk::backends::{CallError, FileCopy, KnownHostsPolicy, Ssh, SshScope};

const T: Duration = Duration::from_secs(20);

fn trusted(sshd: &Sshd) -> SshScope {
    SshScope {
        host: "127.0.0.1".into(),
        port: sshd.port,
        user: sshd.user.clone(),
        key: Some(sshd.user_key.clone()),
        known_hosts: KnownHostsPolicy::Strict,
        known_hosts_file: Some(sshd.known_hosts.clone()),
        connect_timeout: Duration::from_secs(5),
    }
}

fn copy(local: &std::path::Path, remote: &std::path::Path) -> FileCopy {
    FileCopy {
        local: local.display().to_string(),
        remote: remote.display().to_string(),
        timeout: T,
    }
}

#[tokio::test]
async fn put_then_get_round_trips_with_modes() {
    let sshd = Sshd::start();
    let ssh = RealSsh::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let local = dir.path().join("fix it.sh");
    let content = "#!/bin/sh\necho 'patched'\n\u{1F600} bytes: \x01\x02\n";
    std::fs::write(&local, content).expect("write");
    // A space and a quote in the remote name reach the shell as one word.
    let remote = dir.path().join("remote dir's").join("fix.sh");
    std::fs::create_dir_all(remote.parent().unwrap()).expect("mkdir");

    let sent = ssh
        .put(&trusted(&sshd), &copy(&local, &remote), "0755")
        .await
        .unwrap_or_else(|e| panic!("{e}\nsshd log:\n{}", sshd.log()));
    assert_eq!(sent, content.len() as i64);
    assert_eq!(std::fs::read_to_string(&remote).expect("copied"), content);
    let mode = std::fs::metadata(&remote)
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o755);
    // Nothing half-written left beside it.
    let names: Vec<_> = std::fs::read_dir(remote.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");

    let back = dir.path().join("a/b/back.sh");
    let got = ssh
        .get(&trusted(&sshd), &copy(&back, &remote))
        .await
        .unwrap_or_else(|e| panic!("{e}\nsshd log:\n{}", sshd.log()));
    assert_eq!(got, content.len() as i64);
    assert_eq!(std::fs::read_to_string(&back).expect("fetched"), content);
    let mode = std::fs::metadata(&back).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "a fetched file is private");
}

#[tokio::test]
async fn failures_name_the_call_and_the_remote_message() {
    let sshd = Sshd::start();
    let ssh = RealSsh::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let local = dir.path().join("x");
    std::fs::write(&local, "x").expect("write");

    let missing = dir.path().join("no-such-file");
    let err = ssh
        .get(&trusted(&sshd), &copy(&dir.path().join("y"), &missing))
        .await
        .unwrap_err();
    assert!(matches!(err, CallError::Remote { .. }), "{err}");
    assert!(err.to_string().starts_with("ssh.get failed"), "{err}");
    assert!(err.to_string().contains("No such file"), "{err}");
    assert!(
        !dir.path().join("y").exists(),
        "no local file for a failed get"
    );

    let err = ssh
        .put(
            &trusted(&sshd),
            &copy(&local, &dir.path().join("no/such/dir/x")),
            "0644",
        )
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("ssh.put failed"), "{err}");

    let err = ssh
        .put(
            &trusted(&sshd),
            &copy(&missing, &dir.path().join("z")),
            "0644",
        )
        .await
        .unwrap_err();
    assert!(matches!(err, CallError::Config { .. }), "{err}");

    // Only an octal mode reaches the remote shell.
    let err = ssh
        .put(
            &trusted(&sshd),
            &copy(&local, &dir.path().join("z")),
            "0644; reboot",
        )
        .await
        .unwrap_err();
    assert!(matches!(err, CallError::Config { .. }), "{err}");

    // No connection: unreachable, named after the call.
    let closed = SshScope {
        port: 9,
        ..trusted(&sshd)
    };
    let err = ssh
        .put(&closed, &copy(&local, &dir.path().join("z")), "0644")
        .await
        .unwrap_err();
    assert_eq!(err.call(), "ssh.put", "{err}");
}
