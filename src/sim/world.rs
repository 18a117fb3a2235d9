//! The simulated world: a plain data model of the seed's stack with small,
//! clock-driven methods.
//!
//! Time is simulated milliseconds since the epoch of [`crate::clock`]
//! ([`Ms`]); nothing here reads the wall clock. A mutation happens "at" a
//! time and may schedule follow-up events (a started server turns ACTIVE 20 s
//! later, a failover completes 108 s later); [`World::tick`] applies every
//! event due by `now`. Callers tick before they read, so a read is a function
//! of (world, now).
use std::collections::BTreeMap;

use serde::Serialize;

use super::ids::{self, IdGen};

/// Simulated milliseconds since the simulated epoch (negative: before it).
pub type Ms = i64;
pub const SECOND: Ms = 1000;
pub const MINUTE: Ms = 60 * SECOND;

/// The seed's verified timings.
pub mod timing {
    use super::{Ms, MINUTE, SECOND};
    /// `openstack server start` -> ACTIVE (gp.mid, verified ~20 s).
    pub const START_TO_ACTIVE: Ms = 20 * SECOND;
    /// `openstack server stop` -> SHUTOFF.
    pub const STOP_TO_SHUTOFF: Ms = 6 * SECOND;
    /// Start -> sshd answers on the FIP (verified ~3.5 min).
    pub const START_TO_SSHD: Ms = 210 * SECOND;
    /// Boot -> `k8s status` says `cluster status: ready` (verified ~20-21 min).
    pub const BOOT_TO_K8S_READY: Ms = 20 * MINUTE + 30 * SECOND;
    /// Failover -> provisioning ACTIVE (verified ~108 s).
    pub const FAILOVER_OK: Ms = 108 * SECOND;
    /// Failover without headroom -> ERROR (verified 10-20 s fast fail).
    pub const FAILOVER_NO_VALID_HOST: Ms = 15 * SECOND;
    /// The replacement amphora's server boots this long after the failover call.
    pub const AMPHORA_BOOT: Ms = 55 * SECOND;
    /// While the STANDALONE amphora is swapped, the kube API blips (VIP moves).
    pub const KUBE_BLIP_FROM: Ms = 80 * SECOND;
    pub const KUBE_BLIP_TO: Ms = 92 * SECOND;
    /// CAPO's resync after the LB is repaired: Cluster Available=True ~10 min later.
    pub const CAPO_RESYNC: Ms = 10 * MINUTE;
}

/// Per-amphora footprint (charm-octavia flavor: 1024 MB / 1 vCPU / 8 GB).
pub const AMPHORA_FLAVOR: &str = "charm-octavia";
pub const AMPHORA_IMAGE: &str = "amphora-haproxy";

#[derive(Debug, Clone, Serialize)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub domain_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Flavor {
    pub id: String,
    pub name: String,
    pub ram_mb: i64,
    pub vcpus: i64,
    pub disk_gb: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Image {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hypervisor {
    /// Nova's integer id (the API shows it as a string from 2.53 on).
    pub id: i64,
    /// Nova's uuid id, also the Placement resource provider uuid.
    pub uuid: String,
    pub hostname: String,
    pub host_ip: String,
    /// Physical memory.
    pub memory_mb: i64,
    pub vcpus: i64,
    pub ram_allocation_ratio: f64,
    pub cpu_allocation_ratio: f64,
    pub reserved_host_memory_mb: i64,
    /// Instances of other tenants not modelled one by one.
    pub other_instances_ram_mb: i64,
    pub other_instances_vcpus: i64,
}

impl Hypervisor {
    /// The seed's scheduler ceiling (D-040): physical * ratio - reserved.
    pub fn ceiling_mb(&self) -> i64 {
        (self.memory_mb as f64 * self.ram_allocation_ratio) as i64 - self.reserved_host_memory_mb
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Address {
    pub network: String,
    pub addr: String,
    /// "fixed" or "floating".
    pub kind: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Fault {
    pub code: u16,
    pub message: String,
    pub created: Ms,
}

#[derive(Debug, Clone, Serialize)]
pub struct Server {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub user_id: String,
    pub image_id: String,
    pub flavor_id: String,
    /// Compute host; None when never scheduled (NoValidHost).
    pub host: Option<String>,
    pub addresses: Vec<Address>,
    /// ACTIVE, SHUTOFF, BUILD, ERROR.
    pub status: String,
    /// powering-on, powering-off, spawning, ... or None.
    pub task_state: Option<String>,
    /// 1 running, 4 shutdown, 0 no state.
    pub power_state: u8,
    pub created: Ms,
    pub updated: Ms,
    pub launched: Option<Ms>,
    pub fault: Option<Fault>,
    pub key_name: Option<String>,
}

impl Server {
    pub fn vm_state(&self) -> &'static str {
        match self.status.as_str() {
            "ACTIVE" => "active",
            "SHUTOFF" => "stopped",
            "BUILD" => "building",
            "ERROR" => "error",
            _ => "active",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LoadBalancer {
    pub id: String,
    pub name: String,
    pub description: String,
    pub project_id: String,
    pub vip_address: String,
    pub vip_port_id: String,
    pub vip_subnet_id: String,
    pub vip_network_id: String,
    /// ACTIVE, ERROR, PENDING_UPDATE, ...
    pub provisioning_status: String,
    /// ONLINE, OFFLINE, DEGRADED, ERROR, NO_MONITOR.
    pub operating_status: String,
    /// SINGLE (one STANDALONE amphora) or ACTIVE_STANDBY.
    pub topology: String,
    pub listener_ids: Vec<String>,
    pub pool_ids: Vec<String>,
    pub created: Ms,
    pub updated: Ms,
    /// The floating IP in front of the VIP, if any.
    pub floating_ip: Option<String>,
    /// When the last failover was requested.
    pub last_failover_at: Option<Ms>,
}

impl LoadBalancer {
    pub fn is_immutable(&self) -> bool {
        self.provisioning_status.starts_with("PENDING_")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Amphora {
    pub id: String,
    pub loadbalancer_id: String,
    /// The Nova server backing it.
    pub compute_id: String,
    /// ALLOCATED, BOOTING, ERROR, ...
    pub status: String,
    /// STANDALONE, MASTER, BACKUP.
    pub role: String,
    pub lb_network_ip: String,
    pub ha_ip: String,
    pub compute_host: String,
    pub created: Ms,
    pub updated: Ms,
}

#[derive(Debug, Clone, Serialize)]
pub struct CoeCluster {
    pub uuid: String,
    pub name: String,
    pub project_id: String,
    pub status: String,
    pub stack_id: String,
    pub api_address: String,
    pub coe_version: String,
    pub master_count: i64,
    pub node_count: i64,
    pub created: Ms,
}

/// The management VM's guest: boots, sshd, k8s-snap convergence.
#[derive(Debug, Clone, Serialize)]
pub struct MgmtGuest {
    /// When the current boot started (the `server start` call), None while off.
    pub boot_at: Option<Ms>,
    /// Cold starts so far (pods restart once per boot).
    pub boots: u32,
}

/// Cluster API's view of the workload cluster's infrastructure.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CapiState {
    /// After a successful kube-api LB failover, CAPO clears the condition at this time.
    pub resync_at: Option<Ms>,
    /// The kube API answers 503 in these windows (STANDALONE amphora swap).
    pub kube_blips: Vec<(Ms, Ms)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LogLine {
    pub at: Ms,
    pub source: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub(super) enum Event {
    /// A power or build transition completes.
    ServerSettles {
        id: String,
        status: String,
        power_state: u8,
    },
    FailoverSucceeds {
        lb: String,
        old_amphorae: Vec<String>,
        new_amphora: String,
    },
    FailoverFails {
        lb: String,
        server: String,
        /// Why, when a scenario injected it; NoValidHost otherwise.
        reason: Option<String>,
    },
    /// The maintenance world's events (`ops`).
    Ops(super::ops::OpsEvent),
}

#[derive(Debug, Clone, Serialize)]
struct Scheduled {
    at: Ms,
    seq: u64,
    event: Event,
}

/// Why a mutation was refused; the HTTP layer maps these onto each API's errors.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WorldError {
    #[error("{kind} {id} could not be found.")]
    NotFound { kind: &'static str, id: String },
    #[error("{0}")]
    Conflict(String),
    /// The request cannot be honoured as asked (no valid host, bad target).
    #[error("{0}")]
    BadRequest(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct World {
    pub projects: Vec<Project>,
    pub flavors: Vec<Flavor>,
    pub images: Vec<Image>,
    pub hypervisors: Vec<Hypervisor>,
    pub servers: Vec<Server>,
    pub load_balancers: Vec<LoadBalancer>,
    pub amphorae: Vec<Amphora>,
    pub clusters: Vec<CoeCluster>,
    pub mgmt: MgmtGuest,
    pub capi: CapiState,
    /// The operator's files under `--sim` (never the real home).
    pub local_files: BTreeMap<String, String>,
    /// What the services would log (octavia worker, health manager).
    pub log: Vec<LogLine>,
    /// The highest time ticked to so far.
    pub now: Ms,
    /// Nova's maximum microversion (memory fields leave os-hypervisors at 2.88).
    pub nova_max_microversion: (u32, u32),
    /// Compute services, migrations, volumes, networks, injected faults.
    pub ops: super::ops::Ops,
    /// A Kubernetes cluster the scenario declares; the seed's management
    /// cluster when None.
    pub kube: Option<super::kube_world::KubeWorld>,
    /// Commands and HTTP on the operator's machine: canned answers.
    pub operator: super::operator::Operator,
    /// Files `ssh.put` copied to hosts, by `host:path`.
    pub remote_files: BTreeMap<String, String>,
    events: Vec<Scheduled>,
    seq: u64,
    ids: IdGen,
}

impl World {
    /// An empty world at time `now`; [`super::scenario::Scenario::build`] fills it.
    pub fn empty(now: Ms) -> World {
        World {
            projects: Vec::new(),
            flavors: Vec::new(),
            images: Vec::new(),
            hypervisors: Vec::new(),
            servers: Vec::new(),
            load_balancers: Vec::new(),
            amphorae: Vec::new(),
            clusters: Vec::new(),
            mgmt: MgmtGuest {
                boot_at: None,
                boots: 0,
            },
            capi: CapiState::default(),
            local_files: BTreeMap::new(),
            log: Vec::new(),
            now,
            nova_max_microversion: (2, 87),
            ops: super::ops::Ops::default(),
            kube: None,
            operator: Default::default(),
            remote_files: BTreeMap::new(),
            events: Vec::new(),
            seq: 0,
            ids: IdGen::new(0x5eed_0001),
        }
    }

    pub fn new_uuid(&mut self) -> String {
        self.ids.uuid()
    }

    pub fn new_suffix(&mut self, len: usize) -> String {
        self.ids.suffix(len)
    }

    pub(super) fn schedule(&mut self, at: Ms, event: Event) {
        self.seq += 1;
        self.events.push(Scheduled {
            at,
            seq: self.seq,
            event,
        });
        self.events.sort_by_key(|s| (s.at, s.seq));
    }

    /// Apply every event due by `now`, in order. Time never goes back: a
    /// `now` earlier than the last tick is treated as the last tick.
    pub fn tick(&mut self, now: Ms) {
        let now = now.max(self.now);
        while let Some(first) = self.events.first() {
            if first.at > now {
                break;
            }
            let due = self.events.remove(0);
            self.apply(due.at, due.event);
        }
        if let Some(k) = &mut self.kube {
            k.advance(now);
        }
        self.now = now;
    }

    /// When the next scheduled event falls due, if any.
    pub fn next_event_at(&self) -> Option<Ms> {
        self.events.first().map(|s| s.at)
    }

    fn apply(&mut self, at: Ms, event: Event) {
        match event {
            Event::ServerSettles {
                id,
                status,
                power_state,
            } => {
                if let Some(s) = self.server_mut(&id) {
                    s.status = status;
                    s.power_state = power_state;
                    s.task_state = None;
                    s.updated = at;
                    if s.status == "ACTIVE" {
                        s.launched = Some(at);
                    }
                }
            }
            Event::FailoverSucceeds {
                lb,
                old_amphorae,
                new_amphora,
            } => {
                for amp_id in &old_amphorae {
                    if let Some(pos) = self.amphorae.iter().position(|a| &a.id == amp_id) {
                        let old = self.amphorae.remove(pos);
                        self.servers.retain(|s| s.id != old.compute_id);
                    }
                }
                if let Some(a) = self.amphorae.iter_mut().find(|a| a.id == new_amphora) {
                    a.status = "ALLOCATED".into();
                    a.updated = at;
                }
                let is_kube_api = lb == ids::KUBE_API_LB_ID;
                if let Some(l) = self.lb_mut(&lb) {
                    l.provisioning_status = "ACTIVE".into();
                    l.updated = at;
                }
                if is_kube_api {
                    self.capi.resync_at = Some(at + timing::CAPO_RESYNC);
                }
                self.log_line(
                    at,
                    "octavia-worker",
                    format!("Failover of load balancer {lb} completed"),
                );
            }
            Event::Ops(e) => self.apply_ops(at, e),
            Event::FailoverFails { lb, server, reason } => {
                let no_valid_host =
                    "No valid host was found. There are not enough hosts available.";
                if let Some(s) = self.server_mut(&server) {
                    s.status = "ERROR".into();
                    s.task_state = None;
                    s.power_state = 0;
                    s.updated = at;
                    s.fault = Some(Fault {
                        code: 500,
                        message: reason.clone().unwrap_or_else(|| no_valid_host.into()),
                        created: at,
                    });
                }
                // The worker reverts its DB rows; the spawned server stays: an orphan.
                self.amphorae.retain(|a| a.compute_id != server);
                if let Some(l) = self.lb_mut(&lb) {
                    l.provisioning_status = "ERROR".into();
                    l.updated = at;
                }
                self.log_line(
                    at,
                    "octavia-worker",
                    match &reason {
                        Some(r) => format!("Failover of load balancer {lb} failed: {r}"),
                        None => format!(
                            "Failover of load balancer {lb} failed: ComputeBuildException: \
                             Failed to build compute instance {server} due to: No valid host was found."
                        ),
                    },
                );
            }
        }
    }

    pub(super) fn log_line(&mut self, at: Ms, source: &str, message: String) {
        self.log.push(LogLine {
            at,
            source: source.into(),
            message,
        });
    }

    // ---- lookups -------------------------------------------------------

    pub fn server(&self, id: &str) -> Option<&Server> {
        self.servers.iter().find(|s| s.id == id)
    }

    pub(super) fn server_mut(&mut self, id: &str) -> Option<&mut Server> {
        self.servers.iter_mut().find(|s| s.id == id)
    }

    pub fn lb(&self, id: &str) -> Option<&LoadBalancer> {
        self.load_balancers.iter().find(|l| l.id == id)
    }

    fn lb_mut(&mut self, id: &str) -> Option<&mut LoadBalancer> {
        self.load_balancers.iter_mut().find(|l| l.id == id)
    }

    pub fn flavor(&self, id: &str) -> Option<&Flavor> {
        self.flavors.iter().find(|f| f.id == id || f.name == id)
    }

    pub fn image(&self, id: &str) -> Option<&Image> {
        self.images.iter().find(|i| i.id == id || i.name == id)
    }

    pub fn project(&self, id: &str) -> Option<&Project> {
        self.projects.iter().find(|p| p.id == id)
    }

    pub fn mgmt_server(&self) -> Option<&Server> {
        self.server(ids::MGMT_VM_ID)
    }

    /// Amphora servers Nova has and Octavia does not know: the seed's orphans.
    pub fn orphan_amphora_servers(&self) -> Vec<&Server> {
        let amp_image = self
            .image(AMPHORA_IMAGE)
            .map(|i| i.id.clone())
            .unwrap_or_default();
        self.servers
            .iter()
            .filter(|s| s.image_id == amp_image)
            .filter(|s| !self.amphorae.iter().any(|a| a.compute_id == s.id))
            .collect()
    }

    // ---- capacity --------------------------------------------------------

    fn servers_on<'a>(
        &'a self,
        host: &'a str,
    ) -> impl Iterator<Item = (&'a Server, Option<&'a Flavor>)> {
        self.servers
            .iter()
            .filter(move |s| s.host.as_deref() == Some(host))
            .map(|s| (s, self.flavor(&s.flavor_id)))
    }

    /// RAM of the instances on a host (Placement's MEMORY_MB usage).
    pub fn instances_ram_mb(&self, hv: &Hypervisor) -> i64 {
        hv.other_instances_ram_mb
            + self
                .servers_on(&hv.hostname)
                .map(|(_, f)| f.map_or(0, |f| f.ram_mb))
                .sum::<i64>()
    }

    pub fn instances_vcpus(&self, hv: &Hypervisor) -> i64 {
        hv.other_instances_vcpus
            + self
                .servers_on(&hv.hostname)
                .map(|(_, f)| f.map_or(0, |f| f.vcpus))
                .sum::<i64>()
    }

    /// Nova's `memory_mb_used`: reserved host memory plus instances.
    pub fn memory_mb_used(&self, hv: &Hypervisor) -> i64 {
        hv.reserved_host_memory_mb + self.instances_ram_mb(hv)
    }

    pub fn running_vms(&self, hv: &Hypervisor) -> i64 {
        self.servers_on(&hv.hostname).count() as i64
    }

    /// The first host where the seed's headroom rule admits `ram_mb` more:
    /// `memory_mb_used + ram_mb <= memory_mb * ratio - reserved`.
    pub fn host_with_room(&self, ram_mb: i64) -> Option<String> {
        self.hypervisors
            .iter()
            .filter(|hv| self.ops.takes_new_servers(&hv.hostname))
            .filter(|hv| self.memory_mb_used(hv) + ram_mb <= hv.ceiling_mb())
            .min_by_key(|hv| self.memory_mb_used(hv))
            .map(|hv| hv.hostname.clone())
    }

    // ---- mutations ---------------------------------------------------------

    /// `os-start`: SHUTOFF -> ACTIVE after [`timing::START_TO_ACTIVE`].
    pub fn start_server(&mut self, id: &str, at: Ms) -> Result<(), WorldError> {
        self.tick(at);
        let s = self
            .server_mut(id)
            .ok_or_else(|| not_found("Instance", id))?;
        if s.status != "SHUTOFF" || s.task_state.is_some() {
            return Err(WorldError::Conflict(format!(
                "Cannot 'start' instance {id} while it is in vm_state {}",
                s.vm_state()
            )));
        }
        s.task_state = Some("powering-on".into());
        s.updated = at;
        if id == ids::MGMT_VM_ID {
            self.mgmt.boot_at = Some(at);
            self.mgmt.boots += 1;
        }
        self.schedule(
            at + timing::START_TO_ACTIVE,
            Event::ServerSettles {
                id: id.into(),
                status: "ACTIVE".into(),
                power_state: 1,
            },
        );
        Ok(())
    }

    /// `os-stop`: ACTIVE -> SHUTOFF (an ACPI stop; the guest goes down at once).
    pub fn stop_server(&mut self, id: &str, at: Ms) -> Result<(), WorldError> {
        self.tick(at);
        let s = self
            .server_mut(id)
            .ok_or_else(|| not_found("Instance", id))?;
        if !(s.status == "ACTIVE" || s.status == "ERROR") || s.task_state.is_some() {
            return Err(WorldError::Conflict(format!(
                "Cannot 'stop' instance {id} while it is in vm_state {}",
                s.vm_state()
            )));
        }
        s.task_state = Some("powering-off".into());
        s.updated = at;
        if id == ids::MGMT_VM_ID {
            self.mgmt.boot_at = None;
        }
        self.schedule(
            at + timing::STOP_TO_SHUTOFF,
            Event::ServerSettles {
                id: id.into(),
                status: "SHUTOFF".into(),
                power_state: 4,
            },
        );
        Ok(())
    }

    /// Delete a server at once; its memory is freed on its host.
    pub fn delete_server(&mut self, id: &str, at: Ms) -> Result<(), WorldError> {
        self.tick(at);
        let pos = self
            .servers
            .iter()
            .position(|s| s.id == id)
            .ok_or_else(|| not_found("Instance", id))?;
        let s = self.servers.remove(pos);
        if id == ids::MGMT_VM_ID {
            self.mgmt.boot_at = None;
        }
        self.events
            .retain(|e| !matches!(&e.event, Event::ServerSettles { id: sid, .. } if sid == id));
        if s.name.starts_with("amphora-") && !self.amphorae.iter().any(|a| a.compute_id == id) {
            self.log_line(
                at,
                "nova-api",
                format!("Deleted orphan amphora server {id} ({})", s.name),
            );
        }
        Ok(())
    }

    /// Octavia failover: the replacement amphora is built BEFORE the old one is
    /// reaped, so it needs one more amphora's memory on some host. Without
    /// room it fails to ERROR in 10-20 s and leaves an orphan server behind.
    pub fn failover(&mut self, lb_id: &str, at: Ms) -> Result<(), WorldError> {
        self.tick(at);
        let old_amphorae: Vec<String> = self
            .amphorae
            .iter()
            .filter(|a| a.loadbalancer_id == lb_id)
            .map(|a| a.id.clone())
            .collect();
        self.replace_amphorae(lb_id, old_amphorae, "STANDALONE", at)
    }

    /// Octavia's amphora failover: that one amphora is replaced, as in a
    /// load balancer failover (same timings, same need for headroom).
    pub fn failover_amphora(&mut self, amphora_id: &str, at: Ms) -> Result<(), WorldError> {
        self.tick(at);
        let a = self
            .amphorae
            .iter()
            .find(|a| a.id == amphora_id)
            .ok_or_else(|| not_found("Amphora", amphora_id))?;
        let (lb, role) = (a.loadbalancer_id.clone(), a.role.clone());
        self.replace_amphorae(&lb, vec![amphora_id.to_string()], &role, at)
    }

    /// Build one new amphora for `lb_id` and reap `old_amphorae` once it is
    /// up; fails to ERROR without room, or when the scenario says so.
    fn replace_amphorae(
        &mut self,
        lb_id: &str,
        old_amphorae: Vec<String>,
        role: &str,
        at: Ms,
    ) -> Result<(), WorldError> {
        let lb = self
            .lb(lb_id)
            .ok_or_else(|| not_found("Load Balancer", lb_id))?;
        if lb.is_immutable() {
            return Err(WorldError::Conflict(format!(
                "Load Balancer {lb_id} is immutable and cannot be updated."
            )));
        }
        let vip = lb.vip_address.clone();
        let ram = self.flavor(AMPHORA_FLAVOR).map_or(1024, |f| f.ram_mb);
        let host = self.host_with_room(ram);
        let amp_id = self.new_uuid();
        let server_id = self.new_uuid();
        let lb_net_ip = format!("fc00:4a9c:2f2b:1::{:x}", 0x100 + self.seq);
        let image = self.ops.amphora_image.as_deref().unwrap_or(AMPHORA_IMAGE);
        let image_id = self.image(image).map(|i| i.id.clone()).unwrap_or_default();
        let flavor_id = self
            .flavor(AMPHORA_FLAVOR)
            .map(|f| f.id.clone())
            .unwrap_or_default();
        self.servers.push(Server {
            id: server_id.clone(),
            name: format!("amphora-{amp_id}"),
            project_id: ids::SERVICES_PROJECT_ID.into(),
            user_id: ids::ADMIN_USER_ID.into(),
            image_id,
            flavor_id,
            host: host.clone(),
            addresses: vec![Address {
                network: "lb-mgmt-net".into(),
                addr: lb_net_ip.clone(),
                kind: "fixed".into(),
            }],
            status: "BUILD".into(),
            task_state: Some(
                if host.is_some() {
                    "spawning"
                } else {
                    "scheduling"
                }
                .into(),
            ),
            power_state: 0,
            created: at,
            updated: at,
            launched: None,
            fault: None,
            key_name: None,
        });
        self.amphorae.push(Amphora {
            id: amp_id.clone(),
            loadbalancer_id: lb_id.into(),
            compute_id: server_id.clone(),
            status: "BOOTING".into(),
            role: role.into(),
            lb_network_ip: lb_net_ip,
            ha_ip: vip,
            compute_host: host.clone().unwrap_or_default(),
            created: at,
            updated: at,
        });
        if let Some(l) = self.lb_mut(lb_id) {
            l.provisioning_status = "PENDING_UPDATE".into();
            l.updated = at;
            l.last_failover_at = Some(at);
        }
        let injected = self.ops.faults.failover.get(lb_id).cloned();
        match (host, injected) {
            (Some(_), Some(reason)) => self.schedule(
                at + timing::FAILOVER_NO_VALID_HOST,
                Event::FailoverFails {
                    lb: lb_id.into(),
                    server: server_id,
                    reason: Some(reason),
                },
            ),
            (Some(_), None) => {
                self.schedule(
                    at + timing::AMPHORA_BOOT,
                    Event::ServerSettles {
                        id: server_id,
                        status: "ACTIVE".into(),
                        power_state: 1,
                    },
                );
                self.schedule(
                    at + timing::FAILOVER_OK,
                    Event::FailoverSucceeds {
                        lb: lb_id.into(),
                        old_amphorae,
                        new_amphora: amp_id,
                    },
                );
                if lb_id == ids::KUBE_API_LB_ID {
                    self.capi
                        .kube_blips
                        .push((at + timing::KUBE_BLIP_FROM, at + timing::KUBE_BLIP_TO));
                }
            }
            (None, _) => self.schedule(
                at + timing::FAILOVER_NO_VALID_HOST,
                Event::FailoverFails {
                    lb: lb_id.into(),
                    server: server_id,
                    reason: None,
                },
            ),
        }
        Ok(())
    }

    // ---- the management VM's guest -----------------------------------------

    /// Time since the current boot, when the VM is on.
    pub fn mgmt_uptime(&self, now: Ms) -> Option<Ms> {
        let s = self.mgmt_server()?;
        let on = s.status == "ACTIVE" || s.task_state.as_deref() == Some("powering-on");
        match (on, self.mgmt.boot_at) {
            (true, Some(b)) if now >= b => Some(now - b),
            _ => None,
        }
    }

    /// sshd on the FIP answers ~3.5 min after start.
    pub fn mgmt_sshd_up(&self, now: Ms) -> bool {
        let active = self
            .mgmt_server()
            .is_some_and(|s| s.status == "ACTIVE" && s.task_state.is_none());
        active
            && self
                .mgmt_uptime(now)
                .is_some_and(|u| u >= timing::START_TO_SSHD)
    }

    /// k8s-snap reports `cluster status: ready` ~20.5 min after boot.
    pub fn mgmt_k8s_ready(&self, now: Ms) -> bool {
        self.mgmt_sshd_up(now)
            && self
                .mgmt_uptime(now)
                .is_some_and(|u| u >= timing::BOOT_TO_K8S_READY)
    }

    /// Whether the mgmt kube API answers now; Err says why not.
    pub fn kube_api_status(&self, now: Ms) -> Result<(), &'static str> {
        if !self.mgmt_sshd_up(now) {
            return Err("the management VM is not running");
        }
        if !self.mgmt_k8s_ready(now) {
            return Err("the apiserver is not ready (cold start)");
        }
        if self
            .capi
            .kube_blips
            .iter()
            .any(|(a, b)| now >= *a && now < *b)
        {
            return Err("the kube-api endpoint is moving to a new amphora");
        }
        Ok(())
    }

    // ---- derived health --------------------------------------------------------

    /// CAPI `Available` on the Cluster: False with CAPO's LB-timeout message
    /// while the kube-api LB is not ACTIVE, and until CAPO's resync after repair.
    pub fn capi_infrastructure_ready(&self, now: Ms) -> Result<(), String> {
        let lb = match self.lb(ids::KUBE_API_LB_ID) {
            Some(lb) => lb,
            None => return Err("Infrastructure resource not found.".into()),
        };
        let stale = self.capi.resync_at.is_some_and(|t| now < t);
        if lb.provisioning_status != "ACTIVE" || stale {
            return Err(format!(
                "failed to reconcile load balancer: timed out waiting for load balancer {} \
                 to become ACTIVE: provisioning_status is ERROR",
                lb.id
            ));
        }
        Ok(())
    }

    /// Magnum's health for a cluster: (health_status, health_status_reason).
    pub fn magnum_health(&self, now: Ms) -> (String, serde_json::Map<String, serde_json::Value>) {
        let mut reason = serde_json::Map::new();
        if !self.mgmt_k8s_ready(now) {
            // The conductor cannot reach the mgmt API: UNHEALTHY, reason EMPTY.
            return ("UNHEALTHY".into(), reason);
        }
        // D-042: every component Ready, infrastructure "not found" (a false negative).
        for (k, v) in [
            ("capi-test-1-hx3b2mwz7k4q-control-plane-8xk2p.Ready", "True"),
            (
                "capi-test-1-hx3b2mwz7k4q-default-worker-4vz7q-gh2lm.Ready",
                "True",
            ),
            ("api", "ok"),
            ("infrastructure", "Infrastructure resource not found."),
        ] {
            reason.insert(k.into(), serde_json::Value::String(v.into()));
        }
        ("UNHEALTHY".into(), reason)
    }

    // ---- the operator's machine -----------------------------------------------

    pub fn local_file_exists(&self, path: &str) -> bool {
        self.local_files.contains_key(&normalize_home(path))
    }

    pub fn local_file(&self, path: &str) -> Option<String> {
        self.local_files.get(&normalize_home(path)).cloned()
    }

    pub fn write_local_file(&mut self, path: &str, content: &str) {
        self.local_files
            .insert(normalize_home(path), content.to_string());
    }
}

fn not_found(kind: &'static str, id: &str) -> WorldError {
    WorldError::NotFound {
        kind,
        id: id.to_string(),
    }
}

/// `$HOME/x`, `${HOME}/x` and `~/x` name the same simulated file.
pub fn normalize_home(path: &str) -> String {
    for prefix in ["$HOME/", "${HOME}/", "/home/ubuntu/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            return format!("~/{rest}");
        }
    }
    // The interpreter expands `~` to the operator's real home before a path
    // reaches a backend: map it back onto the simulated home.
    if let Some(home) = std::env::var_os("HOME") {
        let home = home.to_string_lossy();
        let home = home.trim_end_matches('/');
        if !home.is_empty() {
            if let Some(rest) = path.strip_prefix(&format!("{home}/")) {
                return format!("~/{rest}");
            }
        }
    }
    path.to_string()
}
