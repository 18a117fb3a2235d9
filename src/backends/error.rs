//! The error every backend call returns: it names the call and carries the
//! remote's own message, so a diagnostic can say what failed and why.
use std::time::Duration;

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum CallError {
    /// The remote answered with an error (HTTP status, ssh exit, API fault).
    #[error("{call} failed: {message}")]
    Remote {
        call: String,
        status: Option<u16>,
        message: String,
    },
    /// No answer in time.
    #[error("{call} timed out after {}s", after.as_secs_f64())]
    Timeout { call: String, after: Duration },
    /// Could not reach the remote at all.
    #[error("{call}: cannot reach {target}: {message}")]
    Unreachable {
        call: String,
        target: String,
        message: String,
    },
    /// Credentials missing or refused.
    #[error("{call}: authentication failed: {message}")]
    Auth { call: String, message: String },
    /// Bad local configuration (clouds.yaml, openrc, kubeconfig, ssh key).
    #[error("{call}: {message}")]
    Config { call: String, message: String },
}

impl CallError {
    pub fn call(&self) -> &str {
        match self {
            CallError::Remote { call, .. }
            | CallError::Timeout { call, .. }
            | CallError::Unreachable { call, .. }
            | CallError::Auth { call, .. }
            | CallError::Config { call, .. } => call,
        }
    }

    /// What went wrong, without the call's name (for retry lines).
    pub fn detail(&self) -> String {
        match self {
            CallError::Remote {
                message, status, ..
            } => match status {
                Some(s) => format!("HTTP {s}: {message}"),
                None => message.clone(),
            },
            CallError::Timeout { after, .. } => {
                format!("no answer within {}s", after.as_secs_f64())
            }
            CallError::Unreachable {
                target, message, ..
            } => format!("{target}: {message}"),
            CallError::Auth { message, .. } | CallError::Config { message, .. } => message.clone(),
        }
    }

    /// Read-only calls may be retried with backoff on these; never mutating ones.
    pub fn is_transient(&self) -> bool {
        match self {
            CallError::Timeout { .. } | CallError::Unreachable { .. } => true,
            CallError::Remote { status, .. } => matches!(status, Some(500..=599)),
            _ => false,
        }
    }
}
