//! The ssh backend against a real sshd on 127.0.0.1 (see `support::sshd`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::support::sshd::Sshd;
use rbk::backends::ssh::RealSsh;
use rbk::backends::{CallError, KnownHostsPolicy, Ssh, SshScope};

const T: Duration = Duration::from_secs(20);

fn scope(sshd: &Sshd, policy: KnownHostsPolicy, known_hosts: PathBuf) -> SshScope {
    SshScope {
        host: "127.0.0.1".into(),
        port: sshd.port,
        user: sshd.user.clone(),
        key: Some(sshd.user_key.clone()),
        known_hosts: policy,
        known_hosts_file: Some(known_hosts),
        connect_timeout: Duration::from_secs(5),
    }
}

fn trusted(sshd: &Sshd) -> SshScope {
    scope(sshd, KnownHostsPolicy::Strict, sshd.known_hosts.clone())
}

#[tokio::test]
async fn captures_stdout_stderr_and_exit_zero() {
    let sshd = Sshd::start();
    let ssh = RealSsh::new();
    let out = ssh
        .run(&trusted(&sshd), "echo hello; echo to-stderr >&2", T)
        .await
        .unwrap_or_else(|e| panic!("{e}\nsshd log:\n{}", sshd.log()));
    assert_eq!(out.stdout, "hello\n");
    assert_eq!(out.stderr, "to-stderr\n");
    assert_eq!(out.exit, 0);
}

#[tokio::test]
async fn non_zero_exit_is_returned_not_an_error() {
    let sshd = Sshd::start();
    let ssh = RealSsh::new();
    let out = ssh
        .run(
            &trusted(&sshd),
            "echo partial; echo 'k8s: not ready' >&2; exit 3",
            T,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}\nsshd log:\n{}", sshd.log()));
    assert_eq!(out.exit, 3);
    assert_eq!(out.stdout, "partial\n");
    assert_eq!(out.stderr, "k8s: not ready\n");

    // "command not found" is an exit status too, with the shell's message.
    let out = ssh
        .run(&trusted(&sshd), "no-such-command-rbk", T)
        .await
        .expect("run");
    assert_eq!(out.exit, 127);
    assert!(out.stderr.contains("not found"), "{out:?}");
}

#[tokio::test]
async fn stdin_is_never_inherited() {
    // The seed's trap: a remote command that reads stdin (a password
    // prompt, `cat`) must see end-of-file at once, not hang on our terminal.
    let sshd = Sshd::start();
    let ssh = RealSsh::new();
    let out = ssh
        .run(&trusted(&sshd), "cat; echo eof-seen", T)
        .await
        .expect("run");
    assert_eq!(out.stdout, "eof-seen\n");
    assert_eq!(out.exit, 0);
}

#[tokio::test]
async fn one_connection_serves_many_commands() {
    let sshd = Sshd::start();
    let ssh = RealSsh::new();
    let s = trusted(&sshd);
    for i in 0..5 {
        let out = ssh.run(&s, &format!("echo {i}"), T).await.expect("run");
        assert_eq!(out.stdout, format!("{i}\n"));
    }
    let accepted = sshd.log().matches("Accepted publickey").count();
    assert_eq!(
        accepted,
        1,
        "expected one authentication for five commands; sshd log:\n{}",
        sshd.log()
    );
}

#[tokio::test]
async fn a_slow_command_times_out() {
    let sshd = Sshd::start();
    let ssh = RealSsh::new();
    let s = trusted(&sshd);
    // Connect first so the timeout measures the command, not the handshake.
    ssh.run(&s, "true", T).await.expect("warm up");
    let started = Instant::now();
    let err = ssh
        .run(&s, "sleep 30", Duration::from_secs(1))
        .await
        .expect_err("must time out");
    assert!(
        matches!(err, CallError::Timeout { ref call, after } if call == "ssh.run" && after == Duration::from_secs(1)),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert!(err.to_string().contains("timed out"), "{err}");
    // The connection is still usable afterwards.
    let out = ssh
        .run(&s, "echo still-here", T)
        .await
        .expect("run after timeout");
    assert_eq!(out.stdout, "still-here\n");
}

#[tokio::test]
async fn unknown_host_key_is_refused_under_strict() {
    let sshd = Sshd::start();
    let ssh = RealSsh::new();
    let empty = sshd.empty_known_hosts("known_hosts_empty");
    let err = ssh
        .run(
            &scope(&sshd, KnownHostsPolicy::Strict, empty.clone()),
            "echo should-not-run",
            T,
        )
        .await
        .expect_err("an unknown host key must be refused");
    assert!(matches!(err, CallError::Auth { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("ssh.run") && text.contains("host key"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(&empty).expect("read"),
        "",
        "strict must not record the key"
    );
}

#[tokio::test]
async fn unknown_host_key_is_accepted_and_recorded_under_accept_new() {
    let sshd = Sshd::start();
    let ssh = RealSsh::new();
    let fresh = sshd.empty_known_hosts("known_hosts_fresh");
    let out = ssh
        .run(
            &scope(&sshd, KnownHostsPolicy::AcceptNew, fresh.clone()),
            "echo accepted",
            T,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}\nsshd log:\n{}", sshd.log()));
    assert_eq!(out.stdout, "accepted\n");
    let recorded = std::fs::read_to_string(&fresh).expect("read");
    assert!(
        recorded.contains("ssh-ed25519"),
        "accept-new must record the key: {recorded:?}"
    );

    // Once recorded, a strict scope trusts it.
    let strict = RealSsh::new();
    let out = strict
        .run(
            &scope(&sshd, KnownHostsPolicy::Strict, fresh),
            "echo strict-ok",
            T,
        )
        .await
        .expect("run");
    assert_eq!(out.stdout, "strict-ok\n");
}

#[tokio::test]
async fn a_wrong_key_is_an_auth_error() {
    let sshd = Sshd::start();
    let ssh = RealSsh::new();
    let other = sshd.dir.path().join("other_ed25519");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other)
        .status()
        .expect("ssh-keygen");
    assert!(status.success());
    let mut s = trusted(&sshd);
    s.key = Some(other);
    let err = ssh.run(&s, "true", T).await.expect_err("wrong key");
    assert!(matches!(err, CallError::Auth { .. }), "{err:?}");
}

#[tokio::test]
async fn nobody_listening_is_unreachable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let dir = tempfile::tempdir().expect("tempdir");
    let s = SshScope {
        host: "127.0.0.1".into(),
        port,
        user: "nobody".into(),
        key: None,
        known_hosts: KnownHostsPolicy::Strict,
        known_hosts_file: Some(dir.path().join("kh")),
        connect_timeout: Duration::from_secs(2),
    };
    let err = RealSsh::new()
        .run(&s, "true", T)
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, CallError::Unreachable { .. }), "{err:?}");
    assert!(err.is_transient());
}
