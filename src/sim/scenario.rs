//! Scenarios: named starting situations, each standing for one the seed
//! runbook describes, and loadable from TOML (`base = "lb-error"` plus
//! overrides).
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::ids;
use super::openstack_spec::OpenStackSpec;
use super::world::{
    Address, Amphora, CoeCluster, Flavor, Hypervisor, Image, LoadBalancer, Ms, Project, Server,
    World, AMPHORA_FLAVOR, AMPHORA_IMAGE, MINUTE, SECOND,
};
use super::SimError;

/// One compute host: physical memory and the `memory_mb_used` Nova reports
/// at the start (reserved + instances; the modelled servers are part of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HypervisorSpec {
    pub hostname: String,
    pub memory_mb: i64,
    pub used_mb: i64,
    #[serde(default = "default_vcpus")]
    pub vcpus: i64,
}

fn default_vcpus() -> i64 {
    32
}

/// An amphora server Octavia does not know about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrphanSpec {
    /// `error` (failed spawn, ERROR server) or `zombie` (ACTIVE, heartbeating).
    pub variant: OrphanVariant,
    pub host: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrphanVariant {
    Error,
    Zombie,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// Seconds since `openstack server start capi-mgmt-v2` at the scenario's
    /// start; absent: the VM is SHUTOFF (parked). 0 = it was just started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mgmt_started_ago_s: Option<i64>,
    /// provisioning_status of the kube-api LB: ACTIVE or ERROR.
    #[serde(default = "active")]
    pub kube_api_lb: String,
    #[serde(default)]
    pub orphans: Vec<OrphanSpec>,
    #[serde(default = "ample_hypervisors")]
    pub hypervisors: Vec<HypervisorSpec>,
    /// Does `~/capi-mgmt.kubeconfig` exist on the operator's machine?
    #[serde(default = "yes")]
    pub kubeconfig_present: bool,
    /// Nova's maximum microversion; at 2.88 and above os-hypervisors has no memory.
    #[serde(default = "nova_max")]
    pub nova_max_microversion: String,
    /// A world of one's own beyond the seed's: hosts and their servers,
    /// services, volumes, networks, load balancers, faults (`openstack_spec`).
    #[serde(default, skip_serializing_if = "OpenStackSpec::is_empty")]
    pub openstack: OpenStackSpec,
    /// A Kubernetes cluster of its own (`[kube]`: YAML manifests and
    /// timings) instead of the seed's management cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube: Option<super::kube_world::KubeSpec>,
    /// Canned answers to `local.run` on the operator's machine (`[[local]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub local: Vec<super::operator::LocalAnswer>,
    /// Canned answers to `http.get` / `http.request` (`[[http]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<super::operator::HttpAnswer>,
}

fn active() -> String {
    "ACTIVE".into()
}
fn yes() -> bool {
    true
}
fn nova_max() -> String {
    "2.87".into()
}

const HOSTS: [&str; 3] = ["compute-1", "compute-2", "compute-3"];
const PHYSICAL_MB: i64 = 65536;
/// Above the ceiling (65536 * 1.5 - 8192 = 90112) minus one amphora (1024).
const FULL_MB: i64 = 89600;

fn ample_hypervisors() -> Vec<HypervisorSpec> {
    [61440, 57344, 66560]
        .iter()
        .zip(HOSTS)
        .map(|(used, h)| HypervisorSpec {
            hostname: h.into(),
            memory_mb: PHYSICAL_MB,
            used_mb: *used,
            vcpus: 32,
        })
        .collect()
}

fn full_hypervisors() -> Vec<HypervisorSpec> {
    HOSTS
        .iter()
        .map(|h| HypervisorSpec {
            hostname: (*h).into(),
            memory_mb: PHYSICAL_MB,
            used_mb: FULL_MB,
            vcpus: 32,
        })
        .collect()
}

const NAMES: [&str; 9] = [
    "parked",
    "healthy",
    "cold-start",
    "lb-error",
    "zombies",
    "parked-zombies",
    "no-headroom",
    "no-headroom-with-zombie",
    "magnum-d042",
];

impl Scenario {
    fn base(name: &str, description: &str) -> Scenario {
        Scenario {
            name: name.into(),
            description: description.into(),
            mgmt_started_ago_s: Some(2 * 24 * 3600),
            kube_api_lb: active(),
            orphans: Vec::new(),
            hypervisors: ample_hypervisors(),
            kubeconfig_present: true,
            nova_max_microversion: nova_max(),
            openstack: OpenStackSpec::default(),
            kube: None,
            local: Vec::new(),
            http: Vec::new(),
        }
    }

    /// A built-in scenario by name.
    pub fn named(name: &str) -> Result<Scenario, SimError> {
        let after_cold_start = Some(25 * 60);
        let s = match name {
            "parked" => Scenario {
                mgmt_started_ago_s: None,
                ..Self::base(name, "capi-mgmt-v2 SHUTOFF (parked); Magnum UNHEALTHY with an empty reason")
            },
            "healthy" => Self::base(name, "everything up and green; Magnum shows the D-042 cosmetic signature"),
            "cold-start" => Scenario {
                mgmt_started_ago_s: Some(0),
                ..Self::base(name, "capi-mgmt-v2 just started: ACTIVE in 20 s, sshd in 3.5 min, k8s ready in ~20 min")
            },
            "lb-error" => Scenario {
                mgmt_started_ago_s: after_cold_start,
                kube_api_lb: "ERROR".into(),
                ..Self::base(
                    name,
                    "after a cold start: kube-api LB provisioning ERROR / operating ONLINE, Cluster Available=False",
                )
            },
            "zombies" => Scenario {
                orphans: vec![
                    OrphanSpec { variant: OrphanVariant::Error, host: "compute-3".into() },
                    OrphanSpec { variant: OrphanVariant::Zombie, host: "compute-2".into() },
                ],
                ..Self::named("lb-error")?
            }
            .describe(name, "lb-error plus two orphan amphora servers: one ERROR, one ACTIVE heartbeating zombie"),
            // The README's first command: the whole recovery, from the start.
            "parked-zombies" => Scenario { mgmt_started_ago_s: None, ..Self::named("zombies")? }.describe(
                name,
                "zombies, but capi-mgmt-v2 is SHUTOFF (parked): start, sshd, the k8s cold start, then sweep and failover",
            ),
            "no-headroom" => Scenario { hypervisors: full_hypervisors(), ..Self::named("lb-error")? }
                .describe(name, "lb-error and no hypervisor can fit one more amphora: failover fails with NoValidHost"),
            "no-headroom-with-zombie" => Scenario {
                orphans: vec![OrphanSpec { variant: OrphanVariant::Zombie, host: "compute-2".into() }],
                ..Self::named("no-headroom")?
            }
            .describe(name, "as no-headroom, but a zombie amphora holds the slot: deleting it lets failover succeed"),
            "magnum-d042" => Self::base(
                name,
                "healthy; Magnum UNHEALTHY only by the D-042 cosmetic false negative (all components Ready)",
            ),
            other => {
                return Err(SimError::UnknownScenario {
                    name: other.to_string(),
                    known: NAMES.join(", "),
                })
            }
        };
        Ok(s)
    }

    fn describe(mut self, name: &str, description: &str) -> Scenario {
        self.name = name.into();
        self.description = description.into();
        self
    }

    /// Every built-in scenario: (name, one-line description).
    pub fn list() -> Vec<(String, String)> {
        NAMES
            .iter()
            .filter_map(|n| Scenario::named(n).ok())
            .map(|s| (s.name, s.description))
            .collect()
    }

    /// A scenario from TOML: optional `base = "NAME"` (default `healthy`),
    /// then any field of [`Scenario`] overriding the base's.
    pub fn from_toml_str(text: &str) -> Result<Scenario, SimError> {
        let bad = |message: String| SimError::BadScenario { message };
        let mut table: toml::Table = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let base = match table.remove("base") {
            Some(toml::Value::String(b)) => b,
            Some(other) => return Err(bad(format!("`base` must be a scenario name, not {other}"))),
            None => "healthy".to_string(),
        };
        let base = Scenario::named(&base)?;
        let mut merged = toml::Table::try_from(&base).map_err(|e| bad(e.to_string()))?;
        // A missing optional in the base serializes as nothing; keep overrides simple.
        merged.extend(table);
        merged
            .try_into::<Scenario>()
            .map_err(|e| bad(e.to_string()))
    }

    pub fn from_toml_file(path: &Path) -> Result<Scenario, SimError> {
        let text = std::fs::read_to_string(path).map_err(|e| SimError::BadScenario {
            message: format!("cannot read {}: {e}", path.display()),
        })?;
        let mut s = Scenario::from_toml_str(&text)?;
        if let Some(k) = &mut s.kube {
            let dir = path.parent().unwrap_or(Path::new("."));
            k.read_files(dir)
                .map_err(|message| SimError::BadScenario { message })?;
        }
        Ok(s)
    }

    /// A name from `rbk sim scenarios`, or a path to a TOML file.
    pub fn resolve(name_or_path: &str) -> Result<Scenario, SimError> {
        if name_or_path.ends_with(".toml") || name_or_path.contains('/') {
            Scenario::from_toml_file(Path::new(name_or_path))
        } else {
            Scenario::named(name_or_path)
        }
    }

    fn parse_microversion(&self) -> Result<(u32, u32), SimError> {
        let bad = || SimError::BadScenario {
            message: format!(
                "nova_max_microversion {:?} is not MAJOR.MINOR",
                self.nova_max_microversion
            ),
        };
        let (a, b) = self.nova_max_microversion.split_once('.').ok_or_else(bad)?;
        Ok((a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?))
    }

    /// The world this scenario describes, with the scenario's start at `origin`.
    pub fn build(&self, origin: Ms) -> Result<World, SimError> {
        let bad = |message: String| SimError::BadScenario { message };
        if !matches!(self.kube_api_lb.as_str(), "ACTIVE" | "ERROR") {
            return Err(bad(format!(
                "kube_api_lb must be ACTIVE or ERROR, not {:?}",
                self.kube_api_lb
            )));
        }
        if self.hypervisors.is_empty() {
            return Err(bad("a scenario needs at least one hypervisor".into()));
        }
        for o in &self.orphans {
            if !self.hypervisors.iter().any(|h| h.hostname == o.host) {
                return Err(bad(format!("orphan on unknown host {:?}", o.host)));
            }
        }
        let started_ago = self.mgmt_started_ago_s.map(|s| s.max(0) * SECOND);
        let t0 = origin - started_ago.unwrap_or(0);
        let long_ago = origin - 90 * 24 * 60 * MINUTE;
        let mut w = World::empty(t0.min(long_ago));
        w.operator.local = self.local.clone();
        w.operator.http = self.http.clone();
        w.nova_max_microversion = self.parse_microversion()?;
        seed_identity(&mut w);
        seed_catalogue(&mut w);
        for (i, h) in self.hypervisors.iter().enumerate() {
            let uuid = w.new_uuid();
            w.hypervisors.push(Hypervisor {
                id: i as i64 + 1,
                uuid,
                hostname: h.hostname.clone(),
                host_ip: format!("10.12.4.{}", 11 + i),
                memory_mb: h.memory_mb,
                vcpus: h.vcpus,
                ram_allocation_ratio: 1.5,
                cpu_allocation_ratio: 4.0,
                reserved_host_memory_mb: 8192,
                other_instances_ram_mb: 0,
                other_instances_vcpus: 0,
            });
        }
        let host = |i: usize| {
            self.hypervisors[i % self.hypervisors.len()]
                .hostname
                .clone()
        };
        seed_servers(&mut w, long_ago, &host);
        seed_load_balancers(&mut w, long_ago, &host, &self.kube_api_lb);
        for o in &self.orphans {
            add_orphan(&mut w, long_ago, o);
        }
        // Other tenants fill each host up to the scenario's memory_mb_used.
        for i in 0..w.hypervisors.len() {
            let hv = w.hypervisors[i].clone();
            let modelled = w.memory_mb_used(&hv);
            let spec = &self.hypervisors[i];
            w.hypervisors[i].other_instances_ram_mb = (spec.used_mb - modelled).max(0);
            w.hypervisors[i].other_instances_vcpus = ((spec.used_mb - modelled).max(0) / 4096) * 2;
        }
        self.openstack.build(&mut w, long_ago)?;
        w.clusters.push(CoeCluster {
            uuid: ids::MAGNUM_CLUSTER_ID.into(),
            name: ids::MAGNUM_CLUSTER_NAME.into(),
            project_id: ids::CAPI_PROJECT_ID.into(),
            status: "CREATE_COMPLETE".into(),
            stack_id: ids::CAPI_CLUSTER_NAME.into(),
            api_address: "https://10.12.7.41:6443".into(),
            coe_version: "v1.31.4".into(),
            master_count: 1,
            node_count: 1,
            created: long_ago,
        });
        if self.kubeconfig_present {
            w.write_local_file("~/capi-mgmt.kubeconfig", &mgmt_kubeconfig_placeholder());
        }
        // Boot the mgmt VM (replayed through the model so timings hold).
        if let Some(m) = w.servers.iter_mut().find(|s| s.id == ids::MGMT_VM_ID) {
            m.status = "SHUTOFF".into();
            m.power_state = 4;
        }
        w.tick(t0.min(long_ago));
        if started_ago.is_some() {
            w.start_server(ids::MGMT_VM_ID, t0)
                .map_err(|e| bad(e.to_string()))?;
            // An earlier life: pods restarted on every cold start so far.
            w.mgmt.boots = 3;
        }
        w.tick(origin);
        if let Some(spec) = &self.kube {
            w.kube = Some(super::kube_world::KubeWorld::build(spec, origin).map_err(bad)?);
            w.write_local_file(&spec.kubeconfig, &mgmt_kubeconfig_placeholder());
        }
        Ok(w)
    }
}

/// Until `sudo k8s config` regenerates it, the saved kubeconfig only needs to
/// exist; the sim's kube backends read the live address from the cloud.
fn mgmt_kubeconfig_placeholder() -> String {
    "apiVersion: v1\nkind: Config\n# capi-mgmt kubeconfig (simulated)\n".into()
}

fn seed_identity(w: &mut World) {
    for (id, name, domain) in [
        (
            ids::ADMIN_PROJECT_ID,
            ids::ADMIN_PROJECT_NAME,
            ids::ADMIN_DOMAIN_ID,
        ),
        (
            ids::SERVICES_PROJECT_ID,
            ids::SERVICES_PROJECT_NAME,
            ids::ADMIN_DOMAIN_ID,
        ),
        (
            ids::CAPI_PROJECT_ID,
            ids::CAPI_PROJECT_NAME,
            ids::DEFAULT_DOMAIN_ID,
        ),
    ] {
        w.projects.push(Project {
            id: id.into(),
            name: name.into(),
            domain_id: domain.into(),
        });
    }
}

fn seed_catalogue(w: &mut World) {
    for (id, name, ram, vcpus, disk) in [
        (
            "3f2c1a7e-0b5d-4e9a-8c6f-1d2e3f4a5b6c",
            "gp.mid",
            4096,
            2,
            40,
        ),
        (
            "6a7b8c9d-1e2f-4a3b-9c4d-5e6f7a8b9c0d",
            "gp.large",
            8192,
            4,
            80,
        ),
        (
            "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
            AMPHORA_FLAVOR,
            1024,
            1,
            8,
        ),
    ] {
        w.flavors.push(Flavor {
            id: id.into(),
            name: name.into(),
            ram_mb: ram,
            vcpus,
            disk_gb: disk,
        });
    }
    for (id, name) in [
        (
            "0c8e6a4f-2d1b-4f9e-a7c5-3b1d9f7e5c3a",
            "ubuntu-24.04-server",
        ),
        (
            "7e5c3a1f-9d8b-4c6e-b4a2-0f8d6b4e2c0a",
            "ubuntu-2204-kube-v1.31.4",
        ),
        ("a4f2d0b8-6e4c-4a2f-9d7b-5c3a1e9f7d5b", AMPHORA_IMAGE),
    ] {
        w.images.push(Image {
            id: id.into(),
            name: name.into(),
        });
    }
}

fn fixed(network: &str, addr: &str) -> Address {
    Address {
        network: network.into(),
        addr: addr.into(),
        kind: "fixed".into(),
    }
}

fn floating(network: &str, addr: &str) -> Address {
    Address {
        network: network.into(),
        addr: addr.into(),
        kind: "floating".into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn server(
    w: &World,
    id: &str,
    name: &str,
    project: &str,
    image: &str,
    flavor: &str,
    host: Option<String>,
    addresses: Vec<Address>,
    status: &str,
    at: Ms,
) -> Server {
    Server {
        id: id.into(),
        name: name.into(),
        project_id: project.into(),
        user_id: ids::ADMIN_USER_ID.into(),
        image_id: w.image(image).map(|i| i.id.clone()).unwrap_or_default(),
        flavor_id: w.flavor(flavor).map(|f| f.id.clone()).unwrap_or_default(),
        host,
        addresses,
        status: status.into(),
        task_state: None,
        power_state: if status == "ACTIVE" { 1 } else { 0 },
        created: at,
        updated: at,
        launched: (status == "ACTIVE").then_some(at),
        fault: None,
        key_name: Some("jumphost-ed25519".into()),
    }
}

fn seed_servers(w: &mut World, at: Ms, host: &dyn Fn(usize) -> String) {
    let net =
        "k8s-clusterapi-cluster-magnum-674171fd28d446d3a37073b6a761e910-capi-test-1-hx3b2mwz7k4q";
    let list = vec![
        server(
            w,
            ids::MGMT_VM_ID,
            ids::MGMT_VM_NAME,
            ids::CAPI_PROJECT_ID,
            "ubuntu-24.04-server",
            "gp.mid",
            Some(host(0)),
            vec![
                fixed("capi-mgmt-net", ids::MGMT_FIXED_IP),
                floating("capi-mgmt-net", ids::MGMT_FIP),
            ],
            "ACTIVE",
            at,
        ),
        server(
            w,
            "8e2a4c6d-1b3f-4a5c-9e7d-2f4b6d8a0c1e",
            "capi-test-1-hx3b2mwz7k4q-control-plane-8xk2p",
            ids::CAPI_PROJECT_ID,
            "ubuntu-2204-kube-v1.31.4",
            "gp.mid",
            Some(host(1)),
            vec![fixed(net, "10.6.0.21")],
            "ACTIVE",
            at,
        ),
        server(
            w,
            "5c7e9a1b-3d5f-4b7a-8c9e-1a3c5e7b9d2f",
            "capi-test-1-hx3b2mwz7k4q-default-worker-4vz7q-gh2lm",
            ids::CAPI_PROJECT_ID,
            "ubuntu-2204-kube-v1.31.4",
            "gp.large",
            Some(host(2)),
            vec![fixed(net, "10.6.0.34")],
            "ACTIVE",
            at,
        ),
    ];
    w.servers.extend(list);
}

fn seed_load_balancers(
    w: &mut World,
    at: Ms,
    host: &dyn Fn(usize) -> String,
    kube_api_status: &str,
) {
    let c = ids::CAPI_CLUSTER_NAME;
    let lbs = [
        (
            ids::KUBE_API_LB_ID.to_string(),
            format!(
                "k8s-clusterapi-cluster-magnum-{}-{c}-kubeapi",
                ids::CAPI_PROJECT_ID
            ),
            "10.6.0.200",
            Some("10.12.7.41"),
            kube_api_status,
        ),
        (
            "7b3e9d1f-4a6c-4e8b-9f2d-6c8a0e2b4d61".to_string(),
            format!("kube_service_{c}_ingress-nginx_ingress-nginx-controller"),
            "10.6.0.201",
            Some("10.12.7.42"),
            "ACTIVE",
        ),
        (
            "d2f4a6c8-9e1b-4d3f-8a5c-7e9b1d3f5a72".to_string(),
            format!("kube_service_{c}_monitoring_grafana"),
            "10.6.0.202",
            None,
            "ACTIVE",
        ),
    ];
    for (i, (id, name, vip, fip, status)) in lbs.into_iter().enumerate() {
        let amp_id = w.new_uuid();
        let server_id = w.new_uuid();
        let lb_net_ip = format!("fc00:4a9c:2f2b:1::{:x}", 0x10 + i);
        let port = w.new_uuid();
        let listener = w.new_uuid();
        let pool = w.new_uuid();
        w.load_balancers.push(LoadBalancer {
            id: id.clone(),
            name,
            description: format!("Created by cluster-api for {c}"),
            project_id: ids::CAPI_PROJECT_ID.into(),
            vip_address: vip.into(),
            vip_port_id: port,
            vip_subnet_id: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d".into(),
            vip_network_id: "6f5e4d3c-2b1a-4f9e-8d7c-6b5a4f3e2d1c".into(),
            provisioning_status: status.into(),
            operating_status: "ONLINE".into(),
            topology: "SINGLE".into(),
            listener_ids: vec![listener],
            pool_ids: vec![pool],
            created: at,
            updated: at,
            floating_ip: fip.map(str::to_string),
            last_failover_at: None,
        });
        let s = server(
            w,
            &server_id,
            &format!("amphora-{amp_id}"),
            ids::SERVICES_PROJECT_ID,
            AMPHORA_IMAGE,
            AMPHORA_FLAVOR,
            Some(host(i)),
            vec![fixed("lb-mgmt-net", &lb_net_ip)],
            "ACTIVE",
            at,
        );
        w.servers.push(s);
        w.amphorae.push(Amphora {
            id: amp_id,
            loadbalancer_id: id,
            compute_id: server_id,
            status: "ALLOCATED".into(),
            role: "STANDALONE".into(),
            lb_network_ip: lb_net_ip,
            ha_ip: vip.into(),
            compute_host: host(i),
            created: at,
            updated: at,
        });
    }
}

fn add_orphan(w: &mut World, at: Ms, o: &OrphanSpec) {
    let amp_id = w.new_uuid();
    let server_id = w.new_uuid();
    let n = w.servers.len();
    let (status, fault) = match o.variant {
        OrphanVariant::Error => ("ERROR", true),
        OrphanVariant::Zombie => ("ACTIVE", false),
    };
    let mut s = server(
        w,
        &server_id,
        &format!("amphora-{amp_id}"),
        ids::SERVICES_PROJECT_ID,
        AMPHORA_IMAGE,
        AMPHORA_FLAVOR,
        Some(o.host.clone()),
        vec![fixed(
            "lb-mgmt-net",
            &format!("fc00:4a9c:2f2b:1::{:x}", 0x80 + n),
        )],
        status,
        at + 3600 * SECOND,
    );
    if fault {
        s.fault = Some(super::world::Fault {
            code: 500,
            message:
                "Build of instance aborted: Failed to allocate the network(s), not rescheduling."
                    .into(),
            created: at,
        });
    }
    w.servers.push(s);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_scenario_builds() {
        let list = Scenario::list();
        assert_eq!(list.len(), NAMES.len());
        for (name, description) in list {
            assert!(!description.is_empty());
            let w = Scenario::named(&name).unwrap().build(0).unwrap();
            assert!(w.mgmt_server().is_some(), "{name}");
        }
    }

    #[test]
    fn unknown_scenario_is_an_error_naming_the_known_ones() {
        let err = Scenario::named("nope").unwrap_err().to_string();
        assert!(err.contains("nope") && err.contains("lb-error"), "{err}");
    }

    #[test]
    fn toml_overrides_a_base() {
        let s = Scenario::from_toml_str(
            "base = \"lb-error\"\nname = \"mine\"\ndescription = \"x\"\nkubeconfig_present = false\n\
             [[orphans]]\nvariant = \"zombie\"\nhost = \"compute-1\"\n",
        )
        .unwrap();
        assert_eq!(s.kube_api_lb, "ERROR");
        assert!(!s.kubeconfig_present);
        assert_eq!(s.orphans.len(), 1);
        let w = s.build(0).unwrap();
        assert!(!w.local_file_exists("~/capi-mgmt.kubeconfig"));
        assert_eq!(w.orphan_amphora_servers().len(), 1);
    }

    #[test]
    fn shipped_scenario_files_load_and_build() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let s = Scenario::resolve(path.to_str().unwrap())
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                s.build(0)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                n += 1;
            }
        }
        assert!(n >= 3);
    }

    #[test]
    fn bad_toml_is_an_error_not_a_panic() {
        assert!(Scenario::from_toml_str("base = 3").is_err());
        assert!(Scenario::from_toml_str("kube_api_lb = [").is_err());
        assert!(Scenario::from_toml_str("bogus = 1").is_err());
        let s = Scenario::from_toml_str("kube_api_lb = \"WEIRD\"").unwrap();
        assert!(s.build(0).is_err());
    }
}
