//! The simulated cloud: a world model of the seed's stack (`world`), named
//! starting situations (`scenario`), the mgmt VM's guest over ssh (`guest`),
//! and a loopback HTTP server speaking Keystone, Nova, Placement, Octavia,
//! Magnum and the Kubernetes API over that world (`server`).
//!
//! The world computes its state from a [`Clock`]: under `rbk exec --sim` a
//! virtual clock the interpreter advances, under `rbk sim serve` the wall
//! clock times `--speed`.
use std::sync::{Arc, Mutex, MutexGuard};

use crate::clock::Clock;

mod cloud;
pub mod guest;
pub mod ids;
pub mod kube_objects;
pub mod kube_world;
pub mod openstack_spec;
pub mod operator;
pub mod ops;
pub mod scenario;
pub mod server;
pub mod state;
pub mod world;

pub use cloud::{check_loopback as cloud_check_loopback, kubeconfig_yaml, SimAuth, SimCloud};

pub use scenario::Scenario;
pub use world::{Ms, World, WorldError};

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("unknown scenario `{name}` (known: {known})")]
    UnknownScenario { name: String, known: String },
    #[error("bad scenario: {message}")]
    BadScenario { message: String },
    #[error("refusing to listen on {addr}: the simulated cloud binds loopback addresses only (127.0.0.1 or ::1)")]
    NotLoopback { addr: String },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// The world behind a lock, with the clock that says what time it is.
/// Every access first applies the events due by now.
#[derive(Clone)]
pub struct SharedWorld {
    world: Arc<Mutex<World>>,
    clock: Clock,
}

impl std::fmt::Debug for SharedWorld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedWorld")
            .field("now_ms", &self.now())
            .finish()
    }
}

impl SharedWorld {
    pub fn new(world: World, clock: Clock) -> SharedWorld {
        // The wall clock has no simulated time; run it at speed 1.
        let clock = if clock.is_simulated() {
            clock
        } else {
            Clock::scaled(1.0)
        };
        SharedWorld {
            world: Arc::new(Mutex::new(world)),
            clock,
        }
    }

    /// Build a scenario's world starting at the clock's current time.
    pub fn from_scenario(scenario: &Scenario, clock: Clock) -> Result<SharedWorld, SimError> {
        let clock = if clock.is_simulated() {
            clock
        } else {
            Clock::scaled(1.0)
        };
        let world = scenario.build(clock_ms(&clock))?;
        Ok(SharedWorld::new(world, clock))
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Simulated milliseconds since the epoch, now.
    pub fn now(&self) -> Ms {
        clock_ms(&self.clock)
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        // A panic elsewhere must not take the simulator down with it.
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Read the world as of now.
    pub fn read<R>(&self, f: impl FnOnce(&World, Ms) -> R) -> R {
        let now = self.now();
        let mut w = self.lock();
        w.tick(now);
        f(&w, now)
    }

    /// Change the world now.
    pub fn write<R>(&self, f: impl FnOnce(&mut World, Ms) -> R) -> R {
        let now = self.now();
        let mut w = self.lock();
        w.tick(now);
        f(&mut w, now)
    }
}

pub fn clock_ms(clock: &Clock) -> Ms {
    clock.sim_elapsed().as_millis() as Ms
}

#[cfg(test)]
mod stories;
