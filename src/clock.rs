//! Time, shared by the interpreter and the simulated cloud.
//!
//! Real runs use the wall clock. Under `--sim` the interpreter and the
//! in-process simulated cloud share one [`Clock::Virtual`]: a `sleep` advances
//! it at once, so a 20-minute patience gate passes in milliseconds while the
//! journal shows simulated timestamps. `rbk sim serve --speed N` uses
//! [`Clock::Scaled`]: the wall clock times N, from the simulated epoch.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;

/// The simulated world starts at this instant, so journals are reproducible.
pub const SIM_EPOCH: &str = "2026-06-10T08:00:00Z";

pub fn sim_epoch() -> Timestamp {
    SIM_EPOCH.parse().expect("SIM_EPOCH is a valid timestamp")
}

#[derive(Clone, Debug)]
pub enum Clock {
    /// The machine's clock; `sleep` really waits.
    Wall,
    /// Simulated time that only moves when someone sleeps or advances it.
    Virtual(Arc<VirtualClock>),
    /// Simulated time running `speed` times faster than the wall clock.
    Scaled { origin: Instant, speed: f64 },
}

#[derive(Debug, Default)]
pub struct VirtualClock {
    elapsed_ms: AtomicU64,
}

impl VirtualClock {
    pub fn advance(&self, by: Duration) {
        self.elapsed_ms
            .fetch_add(by.as_millis() as u64, Ordering::SeqCst);
    }
    pub fn elapsed(&self) -> Duration {
        Duration::from_millis(self.elapsed_ms.load(Ordering::SeqCst))
    }
}

impl Clock {
    pub fn virtual_clock() -> Self {
        Clock::Virtual(Arc::new(VirtualClock::default()))
    }

    pub fn scaled(speed: f64) -> Self {
        Clock::Scaled {
            origin: Instant::now(),
            speed: speed.max(0.001),
        }
    }

    pub fn is_simulated(&self) -> bool {
        !matches!(self, Clock::Wall)
    }

    /// Time since the simulated epoch (virtual/scaled) or since the Unix epoch (wall).
    pub fn now(&self) -> Timestamp {
        match self {
            Clock::Wall => Timestamp::now(),
            _ => sim_epoch() + self.sim_elapsed(),
        }
    }

    /// Simulated time elapsed since the epoch; zero for the wall clock.
    pub fn sim_elapsed(&self) -> Duration {
        match self {
            Clock::Wall => Duration::ZERO,
            Clock::Virtual(v) => v.elapsed(),
            Clock::Scaled { origin, speed } => origin.elapsed().mul_f64(*speed),
        }
    }

    /// Wait `d` of this clock's time.
    pub async fn sleep(&self, d: Duration) {
        match self {
            Clock::Wall => tokio::time::sleep(d).await,
            Clock::Virtual(v) => {
                v.advance(d);
                // Let other tasks (the in-process HTTP server) run.
                tokio::task::yield_now().await;
            }
            Clock::Scaled { speed, .. } => tokio::time::sleep(d.div_f64(*speed)).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn virtual_sleep_advances_without_waiting() {
        let clock = Clock::virtual_clock();
        let wall = Instant::now();
        clock.sleep(Duration::from_secs(20 * 60)).await;
        assert!(wall.elapsed() < Duration::from_secs(1));
        assert_eq!(clock.sim_elapsed(), Duration::from_secs(1200));
        assert_eq!(clock.now().to_string(), "2026-06-10T08:20:00Z");
    }
}
