//! No silent waits: every retry a backend makes, and every attempt that
//! timed out, is reported as it happens (what is tried, attempt n of m, how
//! long it waited) to whoever runs the call. The interpreter installs a
//! [`Sink`] for the run (`scope`) that prints the line and journals a
//! `retry` event; outside a run (tests, `rbk sim serve`) reports go nowhere.
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::CallError;

/// One retry or give-up of a backend call.
#[derive(Debug, Clone)]
pub struct Notice {
    /// The builtin (`kube.nodes`).
    pub call: String,
    /// The attempt that just failed, 1-based.
    pub attempt: u32,
    pub max: u32,
    /// How the attempt failed.
    pub error: CallError,
    /// The wait before the next attempt; None when this was the last one.
    pub retry_in: Option<Duration>,
}

impl Notice {
    /// `kube.nodes: attempt 1 of 3 failed (timed out after 10s); retrying in 0.5s`
    pub fn message(&self) -> String {
        let next = match self.retry_in {
            Some(d) => format!("retrying in {}", secs(d)),
            None => "giving up".to_string(),
        };
        format!(
            "{}: attempt {} of {} failed ({}); {next}",
            self.call,
            self.attempt,
            self.max,
            self.error.detail()
        )
    }
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{}s", s as u64)
    } else {
        format!("{s:.1}s")
    }
}

pub type Sink = Arc<dyn Fn(&Notice) + Send + Sync>;

tokio::task_local! {
    static SINK: Sink;
}

/// Run `fut` with `sink` receiving every retry notice of the calls it makes.
pub async fn scope<F: Future>(sink: Sink, fut: F) -> F::Output {
    SINK.scope(sink, fut).await
}

/// Report a retry (a no-op outside [`scope`]).
pub fn report(notice: Notice) {
    let _ = SINK.try_with(|s| s(&notice));
}
