//! The OpenStack operations maintenance runbooks need beyond the seed's,
//! one typed request each ([`OsOp`]), sent through
//! [`OpenStack::maintain`](super::OpenStack::maintain). The answer is the
//! serialized record (or list of records) of [`super::model`] that the
//! builtin table names as the builtin's return type, or null.
/// One request. Strings that may be empty mean "not given" (a filter not
/// applied, no target host: the scheduler picks).
#[derive(Debug, Clone, PartialEq)]
pub enum OsOp {
    ServerList {
        all_projects: bool,
        host: String,
        status: String,
        name: String,
    },
    ServerReboot {
        server: String,
        hard: bool,
    },
    /// Live migration; `host` empty lets the scheduler choose.
    ServerLiveMigrate {
        server: String,
        host: String,
    },
    /// Cold migration (ends in VERIFY_RESIZE until confirmed).
    ServerMigrate {
        server: String,
        host: String,
    },
    ServerConfirmResize {
        server: String,
    },
    ServerConsoleLog {
        server: String,
        lines: i64,
    },
    ServiceList {
        host: String,
        binary: String,
    },
    /// Enable, or disable with a reason.
    ServiceSet {
        host: String,
        binary: String,
        enabled: bool,
        reason: String,
    },
    HypervisorShow {
        host: String,
    },
    AmphoraFailover {
        id: String,
    },
    AmphoraDelete {
        id: String,
    },
    LoadBalancerDelete {
        id: String,
        cascade: bool,
    },
    VolumeList {
        all_projects: bool,
    },
    VolumeShow {
        volume: String,
    },
    VolumeDetach {
        server: String,
        volume: String,
    },
    VolumeDelete {
        id: String,
    },
    NetworkList,
    PortList {
        device: String,
        network: String,
    },
    PortShow {
        id: String,
    },
    FloatingIpList,
    FloatingIpShow {
        id: String,
    },
    HypervisorServers {
        host: String,
    },
    ListenerList {
        loadbalancer: String,
    },
    PoolList {
        loadbalancer: String,
    },
    MemberList {
        pool: String,
    },
    ClusterList,
    NodeGroupList {
        cluster: String,
    },
    NodeGroupShow {
        cluster: String,
        nodegroup: String,
    },
    ProviderList {
        name: String,
    },
    /// Inventories with their usages.
    ProviderInventories {
        provider: String,
    },
    /// A provider's usages: resource class -> amount allocated.
    ProviderUsages {
        provider: String,
    },
    /// `openstack.request`: any call of any service, through the same
    /// auth, catalog, microversion and error path as the typed ones.
    Request {
        /// Catalog type (`compute`) or an alias (`volume`, `nova`).
        service: String,
        method: String,
        /// Below the service's versioned endpoint, query string included.
        path: String,
        /// JSON body; null for none.
        body: serde_json::Value,
        /// `MAJOR.MINOR`, or empty for none.
        microversion: String,
    },
}
