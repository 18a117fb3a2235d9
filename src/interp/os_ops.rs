//! The maintenance builtins' arguments as typed requests ([`OsOp`]), in the
//! builtin table's parameter order (defaults already filled in by `bind`).
use super::value::Value;
use crate::backends::OsOp;

/// The request for builtin `name`, or None when it is not one of them.
pub fn op(name: &str, v: &[Value]) -> Option<OsOp> {
    let s = |i: usize| match v.get(i) {
        Some(Value::Null) | None => String::new(),
        Some(x) => x.to_string(),
    };
    let b = |i: usize| v.get(i).is_some_and(Value::truthy);
    let int = |i: usize| match v.get(i) {
        Some(Value::Int(n)) => *n,
        _ => 0,
    };
    Some(match name {
        "openstack.server.list" => OsOp::ServerList {
            all_projects: b(0),
            host: s(1),
            status: s(2),
            name: s(3),
        },
        "openstack.server.reboot" => OsOp::ServerReboot {
            server: s(0),
            hard: b(1),
        },
        "openstack.server.live_migrate" => OsOp::ServerLiveMigrate {
            server: s(0),
            host: s(1),
        },
        "openstack.server.migrate" => OsOp::ServerMigrate {
            server: s(0),
            host: s(1),
        },
        "openstack.server.confirm_resize" => OsOp::ServerConfirmResize { server: s(0) },
        "openstack.server.console_log" => OsOp::ServerConsoleLog {
            server: s(0),
            lines: int(1),
        },
        "openstack.compute.service.list" => OsOp::ServiceList {
            host: s(0),
            binary: s(1),
        },
        "openstack.compute.service.disable" => OsOp::ServiceSet {
            host: s(0),
            reason: s(1),
            binary: s(2),
            enabled: false,
        },
        "openstack.compute.service.enable" => OsOp::ServiceSet {
            host: s(0),
            binary: s(1),
            enabled: true,
            reason: String::new(),
        },
        "openstack.hypervisor.show" => OsOp::HypervisorShow { host: s(0) },
        "openstack.loadbalancer.delete" => OsOp::LoadBalancerDelete {
            id: s(0),
            cascade: b(1),
        },
        "openstack.loadbalancer.amphora.failover" => OsOp::AmphoraFailover { id: s(0) },
        "openstack.loadbalancer.amphora.delete" => OsOp::AmphoraDelete { id: s(0) },
        "openstack.volume.list" => OsOp::VolumeList { all_projects: b(0) },
        "openstack.volume.show" => OsOp::VolumeShow { volume: s(0) },
        "openstack.volume.detach" => OsOp::VolumeDetach {
            server: s(0),
            volume: s(1),
        },
        "openstack.volume.delete" => OsOp::VolumeDelete { id: s(0) },
        "openstack.network.list" => OsOp::NetworkList,
        "openstack.port.list" => OsOp::PortList {
            device: s(0),
            network: s(1),
        },
        "openstack.port.show" => OsOp::PortShow { id: s(0) },
        "openstack.floating_ip.list" => OsOp::FloatingIpList,
        "openstack.floating_ip.show" => OsOp::FloatingIpShow { id: s(0) },
        "openstack.hypervisor.servers" => OsOp::HypervisorServers { host: s(0) },
        "openstack.loadbalancer.listener.list" => OsOp::ListenerList { loadbalancer: s(0) },
        "openstack.loadbalancer.pool.list" => OsOp::PoolList { loadbalancer: s(0) },
        "openstack.loadbalancer.member.list" => OsOp::MemberList { pool: s(0) },
        "openstack.coe.cluster.list" => OsOp::ClusterList,
        "openstack.coe.nodegroup.list" => OsOp::NodeGroupList { cluster: s(0) },
        "openstack.coe.nodegroup.show" => OsOp::NodeGroupShow {
            cluster: s(0),
            nodegroup: s(1),
        },
        "openstack.placement.provider.list" => OsOp::ProviderList { name: s(0) },
        "openstack.placement.inventory.list" => OsOp::ProviderInventories { provider: s(0) },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::builtins::BUILTINS;

    /// Every OpenStack builtin reaches a backend: a seed trait method or a request here.
    #[test]
    fn every_openstack_builtin_has_an_implementation() {
        let seed = [
            "openstack.server.start",
            "openstack.server.stop",
            "openstack.server.show",
            "openstack.server.delete",
            "openstack.loadbalancer.list",
            "openstack.loadbalancer.show",
            "openstack.loadbalancer.failover",
            "openstack.loadbalancer.amphora.list",
            "openstack.hypervisor.list",
            "openstack.coe.cluster.show",
        ];
        for b in BUILTINS.iter().filter(|b| b.family() == Some("openstack")) {
            let args = vec![Value::Null; b.params.len()];
            assert!(
                seed.contains(&b.name) || op(b.name, &args).is_some(),
                "{} has no implementation",
                b.name
            );
        }
    }
}
