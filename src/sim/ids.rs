//! The seed's names and ids, and a deterministic id generator so that two runs
//! of one scenario show the same uuids (journals and snapshots stay stable).

/// The capi-mgmt project (seed: "project capi-mgmt 674171fd28d446d3a37073b6a761e910").
pub const CAPI_PROJECT_ID: &str = "674171fd28d446d3a37073b6a761e910";
pub const CAPI_PROJECT_NAME: &str = "capi-mgmt";
/// The admin project the admin-openrc scopes to.
pub const ADMIN_PROJECT_ID: &str = "9a1c3e5f7b2d4f6a8c0e1b3d5f7a9c2e";
pub const ADMIN_PROJECT_NAME: &str = "admin";
/// charm-octavia creates its amphorae in the `services` project.
pub const SERVICES_PROJECT_ID: &str = "5e0b7a1c9d3f4e2a8b6c4d2e0f1a3b5c";
pub const SERVICES_PROJECT_NAME: &str = "services";

pub const DEFAULT_DOMAIN_ID: &str = "default";
pub const DEFAULT_DOMAIN_NAME: &str = "Default";
pub const ADMIN_DOMAIN_ID: &str = "3c5e7a9b1d2f4a6c8e0b2d4f6a8c0e1f";
pub const ADMIN_DOMAIN_NAME: &str = "admin_domain";

pub const ADMIN_USER_ID: &str = "b7d9f1a3c5e74b2d9f0a1c3e5b7d9f2a";
pub const ADMIN_USER_NAME: &str = "admin";
pub const ADMIN_ROLE_ID: &str = "1f3a5c7e9b0d4f2a6c8e0a2c4e6b8d0f";
pub const MEMBER_ROLE_ID: &str = "2e4b6d8f0a1c4e3b7d9f1b3d5f7a9c1e";

/// The management VM and its floating IP (the seed's ssh target).
pub const MGMT_VM_NAME: &str = "capi-mgmt-v2";
pub const MGMT_VM_ID: &str = "4b1f8c2e-7d3a-4e9b-a6c5-0f2d8e1b7a93";
pub const MGMT_FIP: &str = "10.12.7.40";
pub const MGMT_FIXED_IP: &str = "10.6.0.15";

/// The kube-api load balancer of capi-test-1 (seed: "kube-api LB 0f968008-...").
pub const KUBE_API_LB_ID: &str = "0f968008-2c6e-4d0a-9d43-7f3b5c1a8e21";
/// Magnum's cluster and the CAPI objects it owns.
pub const MAGNUM_CLUSTER_NAME: &str = "capi-test-1";
pub const MAGNUM_CLUSTER_ID: &str = "c3e1a7b9-5d2f-4c8e-9a0b-6f4d2e8c1a57";
pub const CAPI_CLUSTER_NAME: &str = "capi-test-1-hx3b2mwz7k4q";

/// The namespace Magnum's CAPI driver uses for the project's clusters.
pub fn capi_namespace() -> String {
    format!("magnum-{CAPI_PROJECT_ID}")
}

/// The site fields the simulated cloud names itself, by the names the
/// procedures declare them (`procedures/common.rbk`): a `--sim` run takes
/// these when no `--site` file gives them.
pub fn site_fields() -> Vec<(&'static str, String)> {
    vec![
        ("project_id", CAPI_PROJECT_ID.into()),
        ("mgmt_vm", MGMT_VM_NAME.into()),
        ("mgmt_fip", MGMT_FIP.into()),
        ("capi_namespace", capi_namespace()),
        ("kube_api_lb", KUBE_API_LB_ID.into()),
        ("magnum_cluster", MAGNUM_CLUSTER_NAME.into()),
    ]
}

/// splitmix64: tiny, deterministic, good enough to mint uuids.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IdGen {
    state: u64,
}

impl IdGen {
    pub fn new(seed: u64) -> Self {
        IdGen { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A version-4-shaped uuid, e.g. `1c9e0b4a-7f3d-4a2e-8b6c-...`.
    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
            (a >> 32) as u32,
            (a >> 16) as u16,
            a & 0xfff,
            8 + (b >> 62),
            (b >> 48) & 0xfff,
            b & 0xffff_ffff_ffff
        )
    }

    /// Lowercase alphanumerics, as Kubernetes generates name suffixes.
    pub fn suffix(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        let mut v = self.next_u64();
        (0..len)
            .map(|_| {
                let c = ALPHABET[(v % ALPHABET.len() as u64) as usize] as char;
                v /= ALPHABET.len() as u64;
                c
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_deterministic_and_well_formed() {
        let mut a = IdGen::new(7);
        let mut b = IdGen::new(7);
        let u = a.uuid();
        assert_eq!(u, b.uuid());
        assert_eq!(u.len(), 36);
        assert!(uuid::Uuid::parse_str(&u).is_ok(), "{u}");
        assert_ne!(u, a.uuid());
    }
}
