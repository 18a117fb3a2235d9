//! The real TCP probe: the seed's `timeout 5 bash -c 'exec 3<>/dev/tcp/HOST/22'`.
use std::time::Duration;

use async_trait::async_trait;
use tokio::net::TcpStream;

use super::{CallError, Tcp};

const CALL: &str = "tcp.probe";

/// Opens a TCP connection and closes it again; nothing is sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealTcp;

#[async_trait]
impl Tcp for RealTcp {
    /// Refused, reset or no answer in time is `Ok(false)` (the host is not
    /// up yet, which is what a probe loop waits out); a host that is not a
    /// host name or address at all is a configuration error.
    async fn probe(&self, host: &str, port: u16, timeout: Duration) -> Result<bool, CallError> {
        check_host(host)?;
        let target = format!("{}:{port}", bracket_v6(host));
        match tokio::time::timeout(timeout, TcpStream::connect(target.as_str())).await {
            Ok(Ok(_stream)) => Ok(true),
            Ok(Err(e)) if is_resolution_error(&e) => Err(CallError::Unreachable {
                call: CALL.into(),
                target,
                message: format!("cannot resolve host: {e}"),
            }),
            Ok(Err(_)) | Err(_) => Ok(false),
        }
    }
}

/// A host is an IP address or a DNS name: non-empty, no spaces, no ports,
/// no URL syntax. Anything else is a mistake in the procedure or site file.
fn check_host(host: &str) -> Result<(), CallError> {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Ok(());
    }
    let valid = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    if valid {
        Ok(())
    } else {
        Err(CallError::Config {
            call: CALL.into(),
            message: format!("{host:?} is not a host name or IP address"),
        })
    }
}

fn bracket_v6(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// tokio reports a failed DNS lookup as an `io::Error` without a raw OS
/// error code; a failed connect always carries one (ECONNREFUSED, ...).
fn is_resolution_error(e: &std::io::Error) -> bool {
    e.raw_os_error().is_none() && e.kind() != std::io::ErrorKind::TimedOut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert!(check_host("127.0.0.1").is_ok());
        assert!(check_host("::1").is_ok());
        assert!(check_host("capi-mgmt.example.org").is_ok());
        for bad in ["", "10.0.0.1:22", "http://x", "a b", "a..b", "x/y"] {
            assert!(
                matches!(check_host(bad), Err(CallError::Config { .. })),
                "{bad}"
            );
        }
    }
}
