//! The TCP probe against real sockets on 127.0.0.1.
use std::time::{Duration, Instant};

use rbk::backends::tcp::RealTcp;
use rbk::backends::{CallError, Tcp};

#[tokio::test]
async fn open_port_is_true() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    assert!(RealTcp
        .probe("127.0.0.1", port, Duration::from_secs(2))
        .await
        .expect("probe"));
}

#[tokio::test]
async fn closed_port_is_false() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    assert!(!RealTcp
        .probe("127.0.0.1", port, Duration::from_secs(2))
        .await
        .expect("probe"));
}

#[tokio::test]
async fn no_answer_in_time_is_false() {
    // A listener whose backlog is full does not complete new handshakes, so
    // connects hang: the probe must give up at its timeout and say false.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("addr"))
        .expect("bind");
    let listener = socket.listen(1).expect("listen");
    let addr = listener.local_addr().expect("addr");
    let mut held = Vec::new();
    // Fill the accept queue (never accepted) until a connect stalls.
    let mut stalled = false;
    for _ in 0..64 {
        match tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(s)) => held.push(s),
            _ => {
                stalled = true;
                break;
            }
        }
    }
    assert!(stalled, "could not make the listener stall");
    let started = Instant::now();
    let up = RealTcp
        .probe("127.0.0.1", addr.port(), Duration::from_millis(300))
        .await
        .expect("probe");
    assert!(!up);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(3),
        "took {took:?}"
    );
}

#[tokio::test]
async fn a_bad_host_is_a_config_error() {
    let err = RealTcp
        .probe("10.12.7.40:22", 22, Duration::from_secs(1))
        .await
        .expect_err("bad host");
    assert!(
        matches!(err, CallError::Config { ref call, .. } if call == "tcp.probe"),
        "{err:?}"
    );
    let err = RealTcp
        .probe("", 22, Duration::from_secs(1))
        .await
        .expect_err("empty host");
    assert!(matches!(err, CallError::Config { .. }), "{err:?}");
}
