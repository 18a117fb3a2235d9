//! Helpers shared by the integration tests. Each test binary includes this
//! with `mod support;` and uses what it needs.
#![allow(dead_code)]

pub mod fake_http;
pub mod fake_kube;
pub mod fake_openstack;
pub mod sim_serve;
pub mod sshd;
// examples.rs is included by `#[path]` from tests/property.rs and benches/check.rs.
