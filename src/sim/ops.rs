//! The maintenance side of the simulated cloud, beyond the seed's stack:
//! compute services (disable/enable; the scheduler skips a disabled host),
//! live and cold migration with their timings and failures, reboots,
//! volumes, networks, ports and floating IPs, and faults a scenario injects
//! (a live migration that errors, a failover that ends in ERROR).
//!
//! Everything here hangs off [`World::ops`]; the events it schedules run
//! through [`World::tick`] like the seed's.
use std::collections::BTreeMap;

use serde::Serialize;

use super::ids::IdGen;
use super::world::{Ms, Server, World, WorldError, SECOND};

/// Simulated timings of the maintenance operations.
pub mod timing {
    use super::{Ms, SECOND};
    /// A live migration: a fixed part (pre-checks, switch-over) ...
    pub const LIVE_MIGRATION_BASE: Ms = 20 * SECOND;
    /// ... plus the memory copy, per GB of the flavor's RAM.
    pub const LIVE_MIGRATION_PER_GB: Ms = 4 * SECOND;
    /// A live migration the scheduler refuses (no host with room) fails this fast.
    pub const MIGRATION_PRECHECK_FAIL: Ms = 5 * SECOND;
    /// A cold migration reaches VERIFY_RESIZE after this long.
    pub const COLD_MIGRATION: Ms = 60 * SECOND;
    /// `confirmResize`: VERIFY_RESIZE -> ACTIVE.
    pub const CONFIRM_RESIZE: Ms = 3 * SECOND;
    /// Soft reboot: REBOOT -> ACTIVE (the guest shuts down cleanly first).
    pub const SOFT_REBOOT: Ms = 30 * SECOND;
    /// Hard reboot: HARD_REBOOT -> ACTIVE.
    pub const HARD_REBOOT: Ms = 15 * SECOND;
}

/// A Nova service (`openstack compute service list`).
#[derive(Debug, Clone, Serialize)]
pub struct ComputeService {
    /// The UUID Nova shows from microversion 2.53.
    pub uuid: String,
    /// The integer id of older microversions.
    pub id: i64,
    pub host: String,
    /// nova-compute, nova-scheduler, nova-conductor.
    pub binary: String,
    pub zone: String,
    /// "enabled" or "disabled".
    pub status: String,
    pub disabled_reason: Option<String>,
    pub updated: Ms,
}

/// One move of a server (`GET /os-migrations`).
#[derive(Debug, Clone, Serialize)]
pub struct Migration {
    pub id: i64,
    pub uuid: String,
    pub server_id: String,
    pub source: String,
    pub dest: Option<String>,
    /// "live-migration" or "migration" (cold).
    pub kind: String,
    /// queued, running, completed, error, finished (VERIFY_RESIZE), confirmed.
    pub status: String,
    pub error: Option<String>,
    pub created: Ms,
    pub updated: Ms,
}

/// A Cinder volume.
#[derive(Debug, Clone, Serialize)]
pub struct Volume {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub size_gb: i64,
    /// available, in-use, detaching, deleting, error.
    pub status: String,
    /// Servers it is attached to (more than one only when multiattach).
    pub attached_to: Vec<String>,
    pub multiattach: bool,
    pub bootable: bool,
    pub created: Ms,
}

/// A Neutron network.
#[derive(Debug, Clone, Serialize)]
pub struct Network {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub cidr: String,
    pub subnet_id: String,
    pub external: bool,
}

/// A Neutron port.
#[derive(Debug, Clone, Serialize)]
pub struct Port {
    pub id: String,
    pub name: String,
    pub network_id: String,
    pub project_id: String,
    /// The server (or load balancer) it belongs to.
    pub device_id: String,
    pub device_owner: String,
    pub fixed_ip: String,
    pub mac: String,
    pub status: String,
}

/// A floating IP.
#[derive(Debug, Clone, Serialize)]
pub struct FloatingIp {
    pub id: String,
    pub address: String,
    pub network_id: String,
    pub project_id: String,
    pub port_id: Option<String>,
    pub fixed_ip: Option<String>,
    /// ACTIVE or DOWN.
    pub status: String,
}

/// Faults a scenario injects: what a real cloud would do for reasons the
/// simulator does not model (a storage backend, a broken amphora image).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Faults {
    /// Server id -> why its live migration errors.
    pub live_migration: BTreeMap<String, String>,
    /// Load balancer id -> why its (or its amphorae's) failover ends in ERROR.
    pub failover: BTreeMap<String, String>,
}

/// The maintenance world.
#[derive(Debug, Clone, Serialize)]
pub struct Ops {
    pub services: Vec<ComputeService>,
    pub migrations: Vec<Migration>,
    pub volumes: Vec<Volume>,
    pub networks: Vec<Network>,
    pub ports: Vec<Port>,
    pub floating_ips: Vec<FloatingIp>,
    pub faults: Faults,
    /// The image new amphorae boot (the rotation's "new image"); the seed's
    /// `amphora-haproxy` when unset.
    pub amphora_image: Option<String>,
    /// Ids of its own, so the seed's stay what they were.
    ids: IdGen,
}

impl Default for Ops {
    fn default() -> Self {
        Ops {
            services: Vec::new(),
            migrations: Vec::new(),
            volumes: Vec::new(),
            networks: Vec::new(),
            ports: Vec::new(),
            floating_ips: Vec::new(),
            faults: Faults::default(),
            amphora_image: None,
            ids: IdGen::new(0x0b5_0001),
        }
    }
}

impl Ops {
    pub fn new_uuid(&mut self) -> String {
        self.ids.uuid()
    }

    /// Does the scheduler place new servers on this host? Only when its
    /// nova-compute service is enabled (a host without a modelled service,
    /// as in hand-built test worlds, counts as enabled).
    pub fn takes_new_servers(&self, host: &str) -> bool {
        self.compute_service(host)
            .is_none_or(|s| s.status == "enabled")
    }

    pub fn compute_service(&self, host: &str) -> Option<&ComputeService> {
        self.services
            .iter()
            .find(|s| s.host == host && s.binary == "nova-compute")
    }
}

/// Events of the maintenance world, applied by [`World::tick`].
#[derive(Debug, Clone, Serialize)]
pub enum OpsEvent {
    /// A reboot or a confirmed resize completes.
    Settle { server: String },
    /// A live migration lands on its destination.
    MigrationDone { migration: i64 },
    /// A live migration errors; the server stays on its source.
    MigrationFails { migration: i64, reason: String },
    /// A cold migration reaches VERIFY_RESIZE on its destination.
    ResizeReady { migration: i64 },
}

fn conflict(action: &str, s: &Server) -> WorldError {
    let state = match &s.task_state {
        Some(t) => format!("task_state {t}"),
        None => format!("vm_state {}", s.vm_state()),
    };
    WorldError::Conflict(format!(
        "Cannot '{action}' instance {} while it is in {state}",
        s.id
    ))
}

impl World {
    fn server_or_404(&self, id: &str) -> Result<&Server, WorldError> {
        self.server(id).ok_or_else(|| WorldError::NotFound {
            kind: "Instance",
            id: id.to_string(),
        })
    }

    fn flavor_ram(&self, s: &Server) -> i64 {
        self.flavor(&s.flavor_id).map_or(0, |f| f.ram_mb)
    }

    /// Could `host` take `ram_mb` more under the seed's headroom rule?
    pub fn host_has_room(&self, host: &str, ram_mb: i64) -> bool {
        self.hypervisors
            .iter()
            .find(|h| h.hostname == host)
            .is_some_and(|hv| self.memory_mb_used(hv) + ram_mb <= hv.ceiling_mb())
    }

    /// Where the scheduler would put `ram_mb` more, never on `exclude`.
    fn schedule_host(&self, ram_mb: i64, exclude: &str) -> Option<String> {
        self.hypervisors
            .iter()
            .filter(|hv| hv.hostname != exclude && self.ops.takes_new_servers(&hv.hostname))
            .filter(|hv| self.memory_mb_used(hv) + ram_mb <= hv.ceiling_mb())
            .min_by_key(|hv| self.memory_mb_used(hv))
            .map(|hv| hv.hostname.clone())
    }

    /// `PUT /os-services/{id}` or `disable-log-reason`/`enable`: one
    /// service's status. Returns the service as it is afterwards.
    pub fn set_service_status(
        &mut self,
        host: &str,
        binary: &str,
        enabled: bool,
        reason: Option<String>,
        at: Ms,
    ) -> Result<ComputeService, WorldError> {
        self.tick(at);
        let s = self
            .ops
            .services
            .iter_mut()
            .find(|s| s.host == host && s.binary == binary)
            .ok_or_else(|| WorldError::NotFound {
                kind: "Service",
                id: format!("{binary} on host {host}"),
            })?;
        s.status = if enabled { "enabled" } else { "disabled" }.into();
        s.disabled_reason = if enabled { None } else { reason };
        s.updated = at;
        let s = s.clone();
        let what = match (&s.status[..], &s.disabled_reason) {
            ("enabled", _) => "enabled".to_string(),
            (_, Some(r)) => format!("disabled: {r}"),
            _ => "disabled".to_string(),
        };
        self.log_line(at, "nova-api", format!("Service {binary} on {host} {what}"));
        Ok(s)
    }

    /// `os-reboot`: REBOOT / HARD_REBOOT, then ACTIVE.
    pub fn reboot_server(&mut self, id: &str, hard: bool, at: Ms) -> Result<(), WorldError> {
        self.tick(at);
        let s = self.server_or_404(id)?;
        let allowed = if hard {
            matches!(s.status.as_str(), "ACTIVE" | "SHUTOFF" | "ERROR")
        } else {
            s.status == "ACTIVE"
        };
        if !allowed || s.task_state.is_some() {
            return Err(conflict("reboot", s));
        }
        let s = self.server_mut(id).expect("checked above");
        s.status = if hard { "HARD_REBOOT" } else { "REBOOT" }.into();
        s.task_state = Some(
            if hard {
                "reboot_started_hard"
            } else {
                "reboot_started"
            }
            .into(),
        );
        s.updated = at;
        let after = if hard {
            timing::HARD_REBOOT
        } else {
            timing::SOFT_REBOOT
        };
        self.schedule_ops(after + at, OpsEvent::Settle { server: id.into() });
        Ok(())
    }

    /// `os-migrateLive`. `host` is the requested destination (checked by
    /// the scheduler, as Nova does from 2.30 without `force`). From 2.34 the
    /// API answers 202 and a refused destination shows as a migration in
    /// `error` with the server back to ACTIVE on its source; before, the
    /// API refuses it at once (`synchronous`).
    pub fn live_migrate(
        &mut self,
        id: &str,
        host: Option<&str>,
        synchronous: bool,
        at: Ms,
    ) -> Result<(), WorldError> {
        self.tick(at);
        let s = self.server_or_404(id)?;
        if s.status != "ACTIVE" || s.task_state.is_some() {
            return Err(conflict("os-migrateLive", s));
        }
        let source = s.host.clone().unwrap_or_default();
        let ram = self.flavor_ram(s);
        if let Some(h) = host {
            if !self.hypervisors.iter().any(|hv| hv.hostname == h) {
                return Err(WorldError::BadRequest(format!(
                    "Compute host {h} could not be found."
                )));
            }
            if h == source {
                return Err(WorldError::BadRequest(format!(
                    "Unable to migrate instance ({id}) to current host ({h})."
                )));
            }
        }
        let dest = match host {
            Some(h) if self.ops.takes_new_servers(h) && self.host_has_room(h, ram) => {
                Ok(h.to_string())
            }
            Some(h) if !self.ops.takes_new_servers(h) => Err(format!(
                "No valid host was found. Compute host {h} is disabled (ComputeFilter)."
            )),
            Some(h) => Err(format!(
                "No valid host was found. Compute host {h} does not have {ram} MB of RAM free \
                 (RamFilter / Placement: insufficient MEMORY_MB)."
            )),
            None => self.schedule_host(ram, &source).ok_or_else(|| {
                "No valid host was found. There are not enough hosts available.".to_string()
            }),
        };
        if let (Err(reason), true) = (&dest, synchronous) {
            return Err(WorldError::BadRequest(reason.clone()));
        }
        let migration = self.new_migration(id, &source, dest.as_ref().ok(), "live-migration", at);
        let s = self.server_mut(id).expect("checked above");
        s.status = "MIGRATING".into();
        s.task_state = Some("migrating".into());
        s.updated = at;
        let injected = self.ops.faults.live_migration.get(id).cloned();
        let took = timing::LIVE_MIGRATION_BASE + timing::LIVE_MIGRATION_PER_GB * ram / 1024;
        let event = match (dest, injected) {
            (Err(reason), _) => (
                at + timing::MIGRATION_PRECHECK_FAIL,
                OpsEvent::MigrationFails { migration, reason },
            ),
            // An injected fault surfaces late: the copy ran, the switch-over failed.
            (Ok(_), Some(reason)) => (at + took, OpsEvent::MigrationFails { migration, reason }),
            (Ok(_), None) => (at + took, OpsEvent::MigrationDone { migration }),
        };
        self.schedule_ops(event.0, event.1);
        Ok(())
    }

    /// `migrate` (cold): RESIZE, then VERIFY_RESIZE on the destination
    /// until `confirmResize`.
    pub fn cold_migrate(&mut self, id: &str, host: Option<&str>, at: Ms) -> Result<(), WorldError> {
        self.tick(at);
        let s = self.server_or_404(id)?;
        if !matches!(s.status.as_str(), "ACTIVE" | "SHUTOFF") || s.task_state.is_some() {
            return Err(conflict("migrate", s));
        }
        let source = s.host.clone().unwrap_or_default();
        let ram = self.flavor_ram(s);
        let dest = match host {
            Some(h)
                if h != source && self.ops.takes_new_servers(h) && self.host_has_room(h, ram) =>
            {
                Some(h.to_string())
            }
            Some(_) => None,
            None => self.schedule_host(ram, &source),
        };
        // Cold migration is scheduled synchronously: no host is a 400.
        let Some(dest) = dest else {
            return Err(WorldError::BadRequest(
                "No valid host was found. There are not enough hosts available.".into(),
            ));
        };
        let migration = self.new_migration(id, &source, Some(&dest), "migration", at);
        let s = self.server_mut(id).expect("checked above");
        s.status = "RESIZE".into();
        s.task_state = Some("resize_migrating".into());
        s.updated = at;
        self.schedule_ops(
            at + timing::COLD_MIGRATION,
            OpsEvent::ResizeReady { migration },
        );
        Ok(())
    }

    /// `confirmResize`: VERIFY_RESIZE -> ACTIVE, the source freed.
    pub fn confirm_resize(&mut self, id: &str, at: Ms) -> Result<(), WorldError> {
        self.tick(at);
        let s = self.server_or_404(id)?;
        if s.status != "VERIFY_RESIZE" {
            return Err(conflict("confirmResize", s));
        }
        if let Some(m) = self
            .ops
            .migrations
            .iter_mut()
            .rev()
            .find(|m| m.server_id == id && m.status == "finished")
        {
            m.status = "confirmed".into();
            m.updated = at;
        }
        let s = self.server_mut(id).expect("checked above");
        s.task_state = Some("resize_confirming".into());
        s.updated = at;
        self.schedule_ops(
            at + timing::CONFIRM_RESIZE,
            OpsEvent::Settle { server: id.into() },
        );
        Ok(())
    }

    fn new_migration(
        &mut self,
        server: &str,
        source: &str,
        dest: Option<&String>,
        kind: &str,
        at: Ms,
    ) -> i64 {
        let id = self.ops.migrations.len() as i64 + 1;
        let uuid = self.ops.new_uuid();
        self.ops.migrations.push(Migration {
            id,
            uuid,
            server_id: server.into(),
            source: source.into(),
            dest: dest.cloned(),
            kind: kind.into(),
            status: "running".into(),
            error: None,
            created: at,
            updated: at,
        });
        id
    }

    fn schedule_ops(&mut self, at: Ms, event: OpsEvent) {
        self.schedule(at, super::world::Event::Ops(event));
    }

    pub(super) fn apply_ops(&mut self, at: Ms, event: OpsEvent) {
        match event {
            OpsEvent::Settle { server } => {
                if let Some(s) = self.server_mut(&server) {
                    s.status = "ACTIVE".into();
                    s.task_state = None;
                    s.power_state = 1;
                    s.updated = at;
                }
            }
            OpsEvent::MigrationDone { migration } => {
                let Some(m) = self.migration_mut(migration, at, "completed") else {
                    return;
                };
                let (server, dest) = (m.server_id.clone(), m.dest.clone());
                if let Some(s) = self.server_mut(&server) {
                    s.host = dest.clone();
                    s.status = "ACTIVE".into();
                    s.task_state = None;
                    s.updated = at;
                }
                self.log_line(
                    at,
                    "nova-compute",
                    format!(
                        "Live migration of {server} to {} completed",
                        dest.unwrap_or_default()
                    ),
                );
            }
            OpsEvent::MigrationFails { migration, reason } => {
                let Some(m) = self.migration_mut(migration, at, "error") else {
                    return;
                };
                m.error = Some(reason.clone());
                let server = m.server_id.clone();
                if let Some(s) = self.server_mut(&server) {
                    s.status = "ACTIVE".into();
                    s.task_state = None;
                    s.updated = at;
                }
                self.log_line(
                    at,
                    "nova-conductor",
                    format!("Live migration of {server} failed: {reason}"),
                );
            }
            OpsEvent::ResizeReady { migration } => {
                let Some(m) = self.migration_mut(migration, at, "finished") else {
                    return;
                };
                let (server, dest) = (m.server_id.clone(), m.dest.clone());
                if let Some(s) = self.server_mut(&server) {
                    s.host = dest;
                    s.status = "VERIFY_RESIZE".into();
                    s.task_state = None;
                    s.updated = at;
                }
            }
        }
    }

    fn migration_mut(&mut self, id: i64, at: Ms, status: &str) -> Option<&mut Migration> {
        let m = self.ops.migrations.iter_mut().find(|m| m.id == id)?;
        m.status = status.into();
        m.updated = at;
        Some(m)
    }

    /// The volumes attached to a server.
    pub fn volumes_of(&self, server: &str) -> Vec<&Volume> {
        self.ops
            .volumes
            .iter()
            .filter(|v| v.attached_to.iter().any(|s| s == server))
            .collect()
    }

    pub fn volume(&self, id_or_name: &str) -> Option<&Volume> {
        self.ops
            .volumes
            .iter()
            .find(|v| v.id == id_or_name)
            .or_else(|| self.ops.volumes.iter().find(|v| v.name == id_or_name))
    }

    /// Detach a volume from a server (Nova's `os-volume_attachments` DELETE).
    pub fn detach_volume(&mut self, server: &str, volume: &str, at: Ms) -> Result<(), WorldError> {
        self.tick(at);
        self.server_or_404(server)?;
        let v = self
            .ops
            .volumes
            .iter_mut()
            .find(|v| v.id == volume)
            .ok_or_else(|| WorldError::NotFound {
                kind: "Volume",
                id: volume.to_string(),
            })?;
        if !v.attached_to.iter().any(|s| s == server) {
            return Err(WorldError::NotFound {
                kind: "Volume attachment",
                id: format!("{volume} on {server}"),
            });
        }
        v.attached_to.retain(|s| s != server);
        if v.attached_to.is_empty() {
            v.status = "available".into();
        }
        Ok(())
    }

    /// Delete a volume; Cinder refuses an attached one.
    pub fn delete_volume(&mut self, id: &str, at: Ms) -> Result<(), WorldError> {
        self.tick(at);
        let v = self
            .ops
            .volumes
            .iter()
            .find(|v| v.id == id)
            .ok_or_else(|| WorldError::NotFound {
                kind: "Volume",
                id: id.to_string(),
            })?;
        if !v.attached_to.is_empty() || v.status != "available" {
            return Err(WorldError::BadRequest(format!(
                "Invalid volume: Volume status must be available or error or error_restoring or \
                 error_extending or error_managing and must not be migrating, attached, belong to \
                 a group, have snapshots or be disassociated from snapshots after volume transfer. \
                 (volume {id} is {})",
                v.status
            )));
        }
        self.ops.volumes.retain(|v| v.id != id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::Scenario;

    use super::*;

    fn world() -> World {
        let s = Scenario::from_toml_file(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scenarios/host-maintenance.toml"),
        )
        .unwrap();
        s.build(0).unwrap()
    }

    fn on(w: &World, name: &str) -> (String, String, Option<String>) {
        let s = w.servers.iter().find(|s| s.name == name).unwrap();
        (s.id.clone(), s.status.clone(), s.host.clone())
    }

    #[test]
    fn live_migration_takes_time_and_lands_on_a_host_with_room() {
        let mut w = world();
        let (id, _, from) = on(&w, "web-1");
        w.live_migrate(&id, None, false, 1000).unwrap();
        assert_eq!(on(&w, "web-1").1, "MIGRATING");
        w.tick(1000 + 10 * SECOND);
        assert_eq!(on(&w, "web-1").1, "MIGRATING");
        w.tick(1000 + 60 * SECOND);
        let (_, status, to) = on(&w, "web-1");
        assert_eq!(status, "ACTIVE");
        assert_ne!(to, from);
        assert_eq!(w.ops.migrations[0].status, "completed");
    }

    #[test]
    fn a_disabled_host_takes_no_new_servers() {
        let mut w = world();
        let (id, _, from) = on(&w, "web-1");
        let from = from.unwrap();
        for h in w.hypervisors.clone() {
            if h.hostname != from {
                w.set_service_status(&h.hostname, "nova-compute", false, Some("x".into()), 0)
                    .unwrap();
            }
        }
        w.live_migrate(&id, None, false, 0).unwrap();
        w.tick(timing::MIGRATION_PRECHECK_FAIL);
        let (_, status, host) = on(&w, "web-1");
        assert_eq!(
            (status.as_str(), host.as_deref()),
            ("ACTIVE", Some(from.as_str()))
        );
        assert_eq!(w.ops.migrations[0].status, "error");
        // Synchronous (old microversions): refused at once.
        let err = w.live_migrate(&id, None, true, SECOND * 10).unwrap_err();
        assert!(err.to_string().contains("No valid host"), "{err}");
    }

    #[test]
    fn reboot_and_cold_migration_go_through_their_states() {
        let mut w = world();
        let (id, _, _) = on(&w, "web-1");
        w.reboot_server(&id, true, 0).unwrap();
        assert_eq!(on(&w, "web-1").1, "HARD_REBOOT");
        w.tick(timing::HARD_REBOOT);
        assert_eq!(on(&w, "web-1").1, "ACTIVE");
        w.cold_migrate(&id, None, timing::HARD_REBOOT).unwrap();
        assert_eq!(on(&w, "web-1").1, "RESIZE");
        w.tick(timing::HARD_REBOOT + timing::COLD_MIGRATION);
        assert_eq!(on(&w, "web-1").1, "VERIFY_RESIZE");
        w.confirm_resize(&id, timing::HARD_REBOOT + timing::COLD_MIGRATION)
            .unwrap();
        w.tick(timing::HARD_REBOOT + timing::COLD_MIGRATION + timing::CONFIRM_RESIZE);
        assert_eq!(on(&w, "web-1").1, "ACTIVE");
    }
}
