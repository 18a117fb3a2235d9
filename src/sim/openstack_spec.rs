//! The `[openstack]` section of a scenario file: a world of one's own
//! beyond the seed's stack. Hosts (hypervisors with their nova-compute
//! service) and the servers on them, volumes, networks, load balancers with
//! their amphorae, and the faults the scenario wants to see (a live
//! migration that errors, a failover that ends in ERROR).
//!
//! ```toml
//! [openstack]
//! amphora_image = "amphora-haproxy-2025.1"
//!
//! [[openstack.hosts]]
//! name = "compute-4"
//! memory_mb = 65536
//! enabled = true
//! servers = [
//!   { name = "web-1", flavor = "gp.mid", network = "app-net" },
//!   { name = "db-1", flavor = "gp.large", network = "app-net", live_migration_error = "..." },
//! ]
//! ```
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ids;
use super::ops::{ComputeService, FloatingIp, Network, Port, Volume};
use super::world::{Address, Amphora, Hypervisor, Image, LoadBalancer, Ms, Server, World};
use super::world::{AMPHORA_FLAVOR, AMPHORA_IMAGE};
use super::SimError;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenStackSpec {
    /// Compute hosts besides the scenario's `hypervisors`, with their servers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<HostSpec>,
    /// Hosts whose nova-compute service starts disabled (any host, the
    /// seed's too): host -> reason.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub disabled_services: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<NetworkSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<VolumeSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_balancers: Vec<LoadBalancerSpec>,
    /// Load balancers (by name, the seed's too) whose failover, or the
    /// failover of one of their amphorae, ends in ERROR: name -> reason.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub failover_errors: BTreeMap<String, String>,
    /// The image new amphorae boot (registered in Glance): what an amphora
    /// rotation moves to. Default: the seed's `amphora-haproxy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amphora_image: Option<String>,
}

/// A compute host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostSpec {
    pub name: String,
    #[serde(default = "default_memory")]
    pub memory_mb: i64,
    #[serde(default = "default_vcpus")]
    pub vcpus: i64,
    /// Nova's memory_mb_used at the start; default: the reserve plus the
    /// servers declared here (no other tenants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_mb: Option<i64>,
    #[serde(default)]
    pub servers: Vec<ServerSpec>,
}

fn default_memory() -> i64 {
    65536
}
fn default_vcpus() -> i64 {
    32
}

/// A server on a host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSpec {
    pub name: String,
    /// gp.mid (4096 MB), gp.large (8192 MB) or charm-octavia (1024 MB).
    #[serde(default = "default_flavor")]
    pub flavor: String,
    #[serde(default = "default_status")]
    pub status: String,
    /// admin, services or capi-mgmt.
    #[serde(default = "default_project")]
    pub project: String,
    #[serde(default = "default_image")]
    pub image: String,
    /// A network of `[[openstack.networks]]`: the server gets a port on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// A floating IP in front of that port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floating_ip: Option<String>,
    /// Its live migration errors with this message (e.g. a multiattach
    /// volume the destination cannot attach).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_migration_error: Option<String>,
}

fn default_flavor() -> String {
    "gp.mid".into()
}
fn default_status() -> String {
    "ACTIVE".into()
}
fn default_project() -> String {
    ids::ADMIN_PROJECT_NAME.into()
}
fn default_image() -> String {
    "ubuntu-24.04-server".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    pub name: String,
    /// IPv4, /24: servers get .10, .11, ...
    pub cidr: String,
    #[serde(default)]
    pub external: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeSpec {
    pub name: String,
    #[serde(default = "default_size")]
    pub size_gb: i64,
    /// Server names; more than one needs `multiattach`.
    #[serde(default)]
    pub attached_to: Vec<String>,
    #[serde(default)]
    pub multiattach: bool,
}

fn default_size() -> i64 {
    10
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancerSpec {
    pub name: String,
    pub vip_address: String,
    /// Where its amphora runs.
    pub host: String,
    /// SINGLE (one STANDALONE amphora) or ACTIVE_STANDBY (MASTER + BACKUP).
    #[serde(default = "default_topology")]
    pub topology: String,
    #[serde(default = "default_lb_status")]
    pub provisioning_status: String,
}

fn default_topology() -> String {
    "SINGLE".into()
}
fn default_lb_status() -> String {
    "ACTIVE".into()
}

impl OpenStackSpec {
    pub fn is_empty(&self) -> bool {
        self == &OpenStackSpec::default()
    }

    /// Add this section to a world built from the rest of the scenario:
    /// every hypervisor gets its services, every server address its port.
    pub fn build(&self, w: &mut World, at: Ms) -> Result<(), SimError> {
        let bad = |message: String| SimError::BadScenario { message };
        if let Some(img) = &self.amphora_image {
            if w.image(img).is_none() {
                let id = w.ops.new_uuid();
                w.images.push(Image {
                    id,
                    name: img.clone(),
                });
            }
            w.ops.amphora_image = Some(img.clone());
        }
        for n in &self.networks {
            add_network(w, &n.name, &n.cidr, n.external);
        }
        for h in &self.hosts {
            if w.hypervisors.iter().any(|x| x.hostname == h.name) {
                return Err(bad(format!("host {:?} is declared twice", h.name)));
            }
            add_host(w, h);
            for s in &h.servers {
                add_server(w, h, s, at).map_err(bad)?;
            }
            let hv = w.hypervisors.last().cloned().expect("just added");
            let modelled = w.memory_mb_used(&hv);
            let others = h.used_mb.map_or(0, |u| (u - modelled).max(0));
            let last = w.hypervisors.last_mut().expect("just added");
            last.other_instances_ram_mb = others;
            last.other_instances_vcpus = (others / 4096) * 2;
        }
        for lb in &self.load_balancers {
            add_load_balancer(w, lb, at).map_err(bad)?;
        }
        for v in &self.volumes {
            add_volume(w, v, at).map_err(bad)?;
        }
        add_services(w, at);
        for (host, reason) in &self.disabled_services {
            let s = w
                .ops
                .services
                .iter_mut()
                .find(|s| &s.host == host && s.binary == "nova-compute")
                .ok_or_else(|| bad(format!("disabled_services: no host {host:?}")))?;
            s.status = "disabled".into();
            s.disabled_reason = Some(reason.clone());
        }
        for (name, reason) in &self.failover_errors {
            let lb = w
                .load_balancers
                .iter()
                .find(|l| &l.name == name || &l.id == name)
                .ok_or_else(|| bad(format!("failover_errors: no load balancer {name:?}")))?;
            w.ops.faults.failover.insert(lb.id.clone(), reason.clone());
        }
        add_ports(w);
        Ok(())
    }
}

fn add_host(w: &mut World, h: &HostSpec) {
    let uuid = w.ops.new_uuid();
    let n = w.hypervisors.len();
    w.hypervisors.push(Hypervisor {
        id: n as i64 + 1,
        uuid,
        hostname: h.name.clone(),
        host_ip: format!("10.12.4.{}", 11 + n),
        memory_mb: h.memory_mb,
        vcpus: h.vcpus,
        ram_allocation_ratio: 1.5,
        cpu_allocation_ratio: 4.0,
        reserved_host_memory_mb: 8192,
        other_instances_ram_mb: 0,
        other_instances_vcpus: 0,
    });
}

fn project_id(name: &str) -> Result<&'static str, String> {
    match name {
        ids::ADMIN_PROJECT_NAME => Ok(ids::ADMIN_PROJECT_ID),
        ids::SERVICES_PROJECT_NAME => Ok(ids::SERVICES_PROJECT_ID),
        ids::CAPI_PROJECT_NAME => Ok(ids::CAPI_PROJECT_ID),
        other => Err(format!(
            "unknown project {other:?} (admin, services or capi-mgmt)"
        )),
    }
}

/// The n-th address of a /24 (`10.20.0.0/24`, 3 -> `10.20.0.13`).
fn address_in(cidr: &str, n: usize) -> String {
    let net = cidr.split('/').next().unwrap_or(cidr);
    let prefix = net.rsplit_once('.').map_or(net, |(p, _)| p);
    format!("{prefix}.{}", 10 + n)
}

fn add_network(w: &mut World, name: &str, cidr: &str, external: bool) {
    let id = w.ops.new_uuid();
    let subnet_id = w.ops.new_uuid();
    w.ops.networks.push(Network {
        id,
        name: name.into(),
        project_id: ids::ADMIN_PROJECT_ID.into(),
        cidr: cidr.into(),
        subnet_id,
        external,
    });
}

fn add_server(w: &mut World, h: &HostSpec, s: &ServerSpec, at: Ms) -> Result<(), String> {
    if w.servers.iter().any(|x| x.name == s.name) {
        return Err(format!("server {:?} is declared twice", s.name));
    }
    let flavor = w
        .flavor(&s.flavor)
        .ok_or_else(|| format!("server {:?}: unknown flavor {:?}", s.name, s.flavor))?
        .id
        .clone();
    let image = w
        .image(&s.image)
        .ok_or_else(|| format!("server {:?}: unknown image {:?}", s.name, s.image))?
        .id
        .clone();
    if !matches!(s.status.as_str(), "ACTIVE" | "SHUTOFF" | "ERROR") {
        return Err(format!(
            "server {:?}: status must be ACTIVE, SHUTOFF or ERROR",
            s.name
        ));
    }
    let mut addresses = Vec::new();
    if let Some(net) = &s.network {
        let cidr = w
            .ops
            .networks
            .iter()
            .find(|n| &n.name == net)
            .ok_or_else(|| format!("server {:?}: unknown network {net:?}", s.name))?
            .cidr
            .clone();
        let taken = w
            .servers
            .iter()
            .flat_map(|x| &x.addresses)
            .filter(|a| &a.network == net && a.kind == "fixed")
            .count();
        addresses.push(Address {
            network: net.clone(),
            addr: address_in(&cidr, taken),
            kind: "fixed".into(),
        });
        if let Some(fip) = &s.floating_ip {
            addresses.push(Address {
                network: net.clone(),
                addr: fip.clone(),
                kind: "floating".into(),
            });
        }
    } else if s.floating_ip.is_some() {
        return Err(format!(
            "server {:?}: a floating_ip needs a network",
            s.name
        ));
    }
    let id = w.ops.new_uuid();
    if let Some(reason) = &s.live_migration_error {
        w.ops
            .faults
            .live_migration
            .insert(id.clone(), reason.clone());
    }
    let active = s.status == "ACTIVE";
    w.servers.push(Server {
        id,
        name: s.name.clone(),
        project_id: project_id(&s.project)?.into(),
        user_id: ids::ADMIN_USER_ID.into(),
        image_id: image,
        flavor_id: flavor,
        host: Some(h.name.clone()),
        addresses,
        status: s.status.clone(),
        task_state: None,
        power_state: if active { 1 } else { 4 },
        created: at,
        updated: at,
        launched: active.then_some(at),
        fault: None,
        key_name: Some("jumphost-ed25519".into()),
    });
    Ok(())
}

fn add_load_balancer(w: &mut World, spec: &LoadBalancerSpec, at: Ms) -> Result<(), String> {
    if !w.hypervisors.iter().any(|h| h.hostname == spec.host) {
        return Err(format!(
            "load balancer {:?}: unknown host {:?}",
            spec.name, spec.host
        ));
    }
    let roles: &[&str] = match spec.topology.as_str() {
        "SINGLE" => &["STANDALONE"],
        "ACTIVE_STANDBY" => &["MASTER", "BACKUP"],
        other => {
            return Err(format!(
                "load balancer {:?}: topology {other:?} is not SINGLE or ACTIVE_STANDBY",
                spec.name
            ))
        }
    };
    let id = w.ops.new_uuid();
    let (port, listener, pool) = (w.ops.new_uuid(), w.ops.new_uuid(), w.ops.new_uuid());
    w.load_balancers.push(LoadBalancer {
        id: id.clone(),
        name: spec.name.clone(),
        description: String::new(),
        project_id: ids::ADMIN_PROJECT_ID.into(),
        vip_address: spec.vip_address.clone(),
        vip_port_id: port,
        vip_subnet_id: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d".into(),
        vip_network_id: "6f5e4d3c-2b1a-4f9e-8d7c-6b5a4f3e2d1c".into(),
        provisioning_status: spec.provisioning_status.clone(),
        operating_status: "ONLINE".into(),
        topology: spec.topology.clone(),
        listener_ids: vec![listener],
        pool_ids: vec![pool],
        created: at,
        updated: at,
        floating_ip: None,
        last_failover_at: None,
    });
    let image = w
        .image(AMPHORA_IMAGE)
        .map(|i| i.id.clone())
        .unwrap_or_default();
    let flavor = w
        .flavor(AMPHORA_FLAVOR)
        .map(|f| f.id.clone())
        .unwrap_or_default();
    for role in roles {
        let amp = w.ops.new_uuid();
        let server = w.ops.new_uuid();
        let lb_net_ip = format!("fc00:4a9c:2f2b:2::{:x}", 0x10 + w.amphorae.len());
        w.servers.push(Server {
            id: server.clone(),
            name: format!("amphora-{amp}"),
            project_id: ids::SERVICES_PROJECT_ID.into(),
            user_id: ids::ADMIN_USER_ID.into(),
            image_id: image.clone(),
            flavor_id: flavor.clone(),
            host: Some(spec.host.clone()),
            addresses: vec![Address {
                network: "lb-mgmt-net".into(),
                addr: lb_net_ip.clone(),
                kind: "fixed".into(),
            }],
            status: "ACTIVE".into(),
            task_state: None,
            power_state: 1,
            created: at,
            updated: at,
            launched: Some(at),
            fault: None,
            key_name: None,
        });
        w.amphorae.push(Amphora {
            id: amp,
            loadbalancer_id: id.clone(),
            compute_id: server,
            status: "ALLOCATED".into(),
            role: (*role).into(),
            lb_network_ip: lb_net_ip,
            ha_ip: spec.vip_address.clone(),
            compute_host: spec.host.clone(),
            created: at,
            updated: at,
        });
    }
    Ok(())
}

fn add_volume(w: &mut World, v: &VolumeSpec, at: Ms) -> Result<(), String> {
    if v.attached_to.len() > 1 && !v.multiattach {
        return Err(format!(
            "volume {:?} is attached to {} servers but not multiattach",
            v.name,
            v.attached_to.len()
        ));
    }
    let mut attached = Vec::new();
    for name in &v.attached_to {
        let s = w
            .servers
            .iter()
            .find(|s| &s.name == name)
            .ok_or_else(|| format!("volume {:?}: unknown server {name:?}", v.name))?;
        attached.push(s.id.clone());
    }
    let id = w.ops.new_uuid();
    w.ops.volumes.push(Volume {
        id,
        name: v.name.clone(),
        project_id: ids::ADMIN_PROJECT_ID.into(),
        size_gb: v.size_gb,
        status: if attached.is_empty() {
            "available"
        } else {
            "in-use"
        }
        .into(),
        attached_to: attached,
        multiattach: v.multiattach,
        bootable: false,
        created: at,
    });
    Ok(())
}

/// nova-compute on every hypervisor; the control services on a controller.
fn add_services(w: &mut World, at: Ms) {
    let mut hosts: Vec<(String, &str)> = vec![
        ("controller-1".into(), "nova-scheduler"),
        ("controller-1".into(), "nova-conductor"),
    ];
    hosts.extend(
        w.hypervisors
            .iter()
            .map(|h| (h.hostname.clone(), "nova-compute")),
    );
    for (i, (host, binary)) in hosts.into_iter().enumerate() {
        if w.ops
            .services
            .iter()
            .any(|s| s.host == host && s.binary == binary)
        {
            continue;
        }
        let uuid = w.ops.new_uuid();
        w.ops.services.push(ComputeService {
            uuid,
            id: i as i64 + 1,
            host,
            binary: binary.into(),
            zone: if binary == "nova-compute" {
                "nova"
            } else {
                "internal"
            }
            .into(),
            status: "enabled".into(),
            disabled_reason: None,
            updated: at,
        });
    }
}

/// A network for every address's network name, a port for every fixed
/// address, a floating IP for every floating one.
fn add_ports(w: &mut World) {
    let addresses: Vec<(String, String, Address)> = w
        .servers
        .iter()
        .flat_map(|s| {
            s.addresses
                .iter()
                .map(move |a| (s.id.clone(), s.project_id.clone(), a.clone()))
        })
        .collect();
    for (_, _, a) in &addresses {
        if a.kind == "fixed" && !w.ops.networks.iter().any(|n| n.name == a.network) {
            let cidr = if a.addr.contains(':') {
                "fc00:4a9c:2f2b:1::/64".to_string()
            } else {
                a.addr
                    .rsplit_once('.')
                    .map_or(a.addr.clone(), |(p, _)| format!("{p}.0/24"))
            };
            add_network(w, &a.network, &cidr, false);
        }
    }
    let mut last_port: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (server, project, a) in addresses {
        let Some(net) = w.ops.networks.iter().find(|n| n.name == a.network) else {
            continue;
        };
        let network_id = net.id.clone();
        if a.kind == "fixed" {
            let id = w.ops.new_uuid();
            last_port.insert(server.clone(), (id.clone(), a.addr.clone()));
            w.ops.ports.push(Port {
                id,
                name: String::new(),
                network_id,
                project_id: project,
                device_id: server,
                device_owner: "compute:nova".into(),
                fixed_ip: a.addr.clone(),
                mac: mac(&a.addr),
                status: "ACTIVE".into(),
            });
        } else {
            let id = w.ops.new_uuid();
            let port = last_port.get(&server).cloned();
            w.ops.floating_ips.push(FloatingIp {
                id,
                address: a.addr.clone(),
                network_id,
                project_id: project,
                port_id: port.as_ref().map(|p| p.0.clone()),
                fixed_ip: port.map(|p| p.1),
                status: "ACTIVE".into(),
            });
        }
    }
}

/// A stable fake MAC from the address (as Nova's addresses show it).
pub fn mac(addr: &str) -> String {
    let h = addr
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    format!(
        "fa:16:3e:{:02x}:{:02x}:{:02x}",
        (h >> 16) as u8,
        (h >> 8) as u8,
        h as u8
    )
}

#[cfg(test)]
mod tests {
    use crate::sim::Scenario;

    /// The book's example of a custom world parses and builds as documented.
    #[test]
    fn the_books_custom_world_builds() {
        let page = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/simulator.md"),
        )
        .unwrap();
        let section = &page[page.find("the `[openstack]` section").unwrap()..];
        let start = section.find("```toml\n").unwrap() + 8;
        let text = &section[start..start + section[start..].find("```").unwrap()];
        let w = Scenario::from_toml_str(text).unwrap().build(0).unwrap();
        assert!(w.hypervisors.iter().any(|h| h.hostname == "compute-4"));
        assert!(!w.ops.takes_new_servers("compute-3"));
        assert_eq!(w.ops.faults.live_migration.len(), 1);
        assert_eq!(w.ops.faults.failover.len(), 1);
        let lb = w
            .load_balancers
            .iter()
            .find(|l| l.name == "web-lb")
            .unwrap();
        assert_eq!(
            w.amphorae
                .iter()
                .filter(|a| a.loadbalancer_id == lb.id)
                .count(),
            2
        );
        assert_eq!(
            w.ops
                .floating_ips
                .iter()
                .filter(|f| f.address == "10.12.7.60")
                .count(),
            1
        );
        assert_eq!(w.volume("db-shared").unwrap().status, "in-use");
    }

    #[test]
    fn bad_worlds_name_what_is_wrong() {
        for (text, says) in [
            ("[[openstack.hosts]]\nname = \"compute-1\"\n", "declared twice"),
            ("[[openstack.hosts]]\nname = \"c9\"\nservers = [{ name = \"x\", flavor = \"huge\" }]\n", "unknown flavor"),
            ("[[openstack.volumes]]\nname = \"v\"\nattached_to = [\"nope\"]\n", "unknown server"),
            ("[openstack.failover_errors]\nnope = \"x\"\n", "no load balancer"),
            ("[[openstack.load_balancers]]\nname = \"l\"\nvip_address = \"1.2.3.4\"\nhost = \"nowhere\"\n", "unknown host"),
        ] {
            let err = Scenario::from_toml_str(text)
                .and_then(|s| s.build(0))
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{text}: {err}");
        }
        assert!(Scenario::from_toml_str("[openstack]\nbogus = 1\n").is_err());
    }
}
