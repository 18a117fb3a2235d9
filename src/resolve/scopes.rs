//! The one table of scope kinds and their arguments: the resolver checks
//! scope blocks against it (RBK108, RBK306, RBK302), the interpreter and
//! `rbk render` read the same names, and the book's reference is generated
//! from it (`render::book`).
use super::types::Ty;
use crate::syntax::ast::ScopeKind;

/// One argument of a `scope KIND(name: value)` block.
#[derive(Debug)]
pub struct ScopeArg {
    pub name: &'static str,
    pub ty: Ty,
    /// A scope without it is an error (RBK306).
    pub required: bool,
    /// What applies when it is left out, as the book shows it.
    pub default: Option<&'static str>,
    pub doc: &'static str,
}

/// A scope kind and the arguments it takes, in the order the book lists them.
#[derive(Debug)]
pub struct ScopeSpec {
    pub kind: ScopeKind,
    pub summary: &'static str,
    pub args: &'static [ScopeArg],
}

const fn arg(
    name: &'static str,
    ty: Ty,
    required: bool,
    default: Option<&'static str>,
    doc: &'static str,
) -> ScopeArg {
    ScopeArg {
        name,
        ty,
        required,
        default,
        doc,
    }
}

/// The argument names and run-time defaults of `scope openstack(...)`: the
/// table below, the interpreter and `rbk render` all name them from here.
pub mod openstack {
    pub const PROJECT: &str = "project";
    pub const DOMAIN: &str = "domain";
    pub const OPENRC: &str = "openrc";
    pub const CLOUD: &str = "cloud";
    /// The domain of a project given by name, when `domain` is left out.
    pub const DEFAULT_DOMAIN: &str = "Default";
}

/// The argument names of `scope kube(...)`.
pub mod kube {
    pub const KUBECONFIG: &str = "kubeconfig";
}

/// The argument names, values and run-time defaults of `scope ssh(...)`.
pub mod ssh {
    use std::time::Duration;

    pub const HOST: &str = "host";
    pub const USER: &str = "user";
    pub const KEY: &str = "key";
    pub const KNOWN_HOSTS: &str = "known_hosts";
    pub const KNOWN_HOSTS_FILE: &str = "known_hosts_file";
    pub const PORT: &str = "port";
    pub const CONNECT_TIMEOUT: &str = "connect_timeout";
    /// `known_hosts:` refusing unknown and changed host keys (the default).
    pub const STRICT: &str = "strict";
    /// `known_hosts:` recording a key seen for the first time.
    pub const ACCEPT_NEW: &str = "accept-new";
    pub const DEFAULT_PORT: u16 = 22;
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
}

pub const SCOPES: &[ScopeSpec] = &[
    ScopeSpec {
        kind: ScopeKind::OpenStack,
        summary: "OpenStack calls: one token per scope, from one credential source.",
        args: &[
            arg(openstack::PROJECT, Ty::Str, false, Some("the source's own project"),
                "The project to narrow to: an id (32 hex digits or a UUID), else a project name."),
            arg(openstack::DOMAIN, Ty::Str, false, Some("`\"Default\"`"),
                "The domain of a project given by name."),
            arg(openstack::OPENRC, Ty::Str, false, None,
                "An openrc file to read (never executed); `~/` is the home directory."),
            arg(openstack::CLOUD, Ty::Str, false, Some("`--cloud`, else `OS_CLOUD`"),
                "A clouds.yaml entry."),
        ],
    },
    ScopeSpec {
        kind: ScopeKind::Kube,
        summary: "Kubernetes calls: one client per scope.",
        args: &[arg(kube::KUBECONFIG, Ty::Str, false, Some("`KUBECONFIG`, else `~/.kube/config`"),
            "The kubeconfig file to use, with its current context.")],
    },
    ScopeSpec {
        kind: ScopeKind::Ssh,
        summary: "ssh commands: one master connection per scope, through the system `ssh`.",
        args: &[
            arg(ssh::HOST, Ty::Str, true, None, "The host name or address to connect to."),
            arg(ssh::USER, Ty::Str, true, None, "The remote user."),
            arg(ssh::KEY, Ty::Str, false, Some("your ssh config and agent"),
                "A private key file (handed to `ssh`, never read by rbk)."),
            arg(ssh::KNOWN_HOSTS, Ty::Str, false, Some("`\"strict\"`"),
                "`\"strict\"` refuses unknown and changed host keys; `\"accept-new\"` records a key seen for the first time."),
            arg(ssh::KNOWN_HOSTS_FILE, Ty::Str, false, Some("`~/.ssh/known_hosts`"),
                "The known-hosts file to check host keys against."),
            arg(ssh::PORT, Ty::Int, false, Some("`22`"), "The ssh port (1-65535)."),
            arg(ssh::CONNECT_TIMEOUT, Ty::Duration, false, Some("`10s`"),
                "How long connecting may take (ssh's `ConnectTimeout`)."),
        ],
    },
];

/// Whether a `project:` value is a Keystone project id (32 hex digits, or a
/// dashed UUID) rather than a project name.
pub fn is_project_id(s: &str) -> bool {
    crate::backends::openstack::is_uuid(s)
}

/// The arguments `kind` must have, as `name: "NAME"` placeholders (a quick
/// fix's scope header).
pub fn required_placeholders(kind: ScopeKind) -> Vec<String> {
    args(kind)
        .iter()
        .filter(|a| a.required)
        .map(|a| format!("{}: \"{}\"", a.name, a.name.to_uppercase()))
        .collect()
}

/// The arguments `kind` takes.
pub fn args(kind: ScopeKind) -> &'static [ScopeArg] {
    SCOPES
        .iter()
        .find(|s| s.kind == kind)
        .map_or(&[], |s| s.args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_of(kind: ScopeKind, name: &str) -> Option<&'static str> {
        args(kind).iter().find(|a| a.name == name)?.default
    }

    #[test]
    fn the_documented_defaults_are_the_ones_that_apply() {
        assert_eq!(
            default_of(ScopeKind::Ssh, ssh::PORT),
            Some(format!("`{}`", ssh::DEFAULT_PORT).as_str())
        );
        assert_eq!(
            default_of(ScopeKind::Ssh, ssh::CONNECT_TIMEOUT),
            Some(
                format!(
                    "`{}`",
                    crate::syntax::ast::format_duration(ssh::DEFAULT_CONNECT_TIMEOUT)
                )
                .as_str()
            )
        );
        assert_eq!(
            default_of(ScopeKind::Ssh, ssh::KNOWN_HOSTS),
            Some(format!("`\"{}\"`", ssh::STRICT).as_str())
        );
        assert_eq!(
            default_of(ScopeKind::OpenStack, openstack::DOMAIN),
            Some(format!("`\"{}\"`", openstack::DEFAULT_DOMAIN).as_str())
        );
    }

    #[test]
    fn project_ids_and_names() {
        assert!(is_project_id("674171fd28d446d3a37073b6a761e910"));
        assert!(is_project_id("674171fd-28d4-46d3-a370-73b6a761e910"));
        assert!(!is_project_id("admin"));
        assert!(!is_project_id("<site.project_id>"));
    }

    #[test]
    fn every_scope_kind_has_one_entry() {
        for kind in [ScopeKind::OpenStack, ScopeKind::Kube, ScopeKind::Ssh] {
            assert_eq!(
                SCOPES.iter().filter(|s| s.kind == kind).count(),
                1,
                "{kind:?}"
            );
        }
    }
}
