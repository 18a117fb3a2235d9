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

pub const SCOPES: &[ScopeSpec] = &[
    ScopeSpec {
        kind: ScopeKind::OpenStack,
        summary: "OpenStack calls: one token per scope, from one credential source.",
        args: &[
            arg("project", Ty::Str, false, Some("the source's own project"),
                "The project to narrow to: an id (32 hex digits or a UUID), else a project name."),
            arg("domain", Ty::Str, false, Some("`\"Default\"`"),
                "The domain of a project given by name."),
            arg("openrc", Ty::Str, false, None,
                "An openrc file to read (never executed); `~/` is the home directory."),
            arg("cloud", Ty::Str, false, Some("`--cloud`, else `OS_CLOUD`"),
                "A clouds.yaml entry."),
        ],
    },
    ScopeSpec {
        kind: ScopeKind::Kube,
        summary: "Kubernetes calls: one client per scope.",
        args: &[arg("kubeconfig", Ty::Str, false, Some("`KUBECONFIG`, else `~/.kube/config`"),
            "The kubeconfig file to use, with its current context.")],
    },
    ScopeSpec {
        kind: ScopeKind::Ssh,
        summary: "ssh commands: one master connection per scope, through the system `ssh`.",
        args: &[
            arg("host", Ty::Str, true, None, "The host name or address to connect to."),
            arg("user", Ty::Str, true, None, "The remote user."),
            arg("key", Ty::Str, false, Some("your ssh config and agent"),
                "A private key file (handed to `ssh`, never read by rbk)."),
            arg("known_hosts", Ty::Str, false, Some("`\"strict\"`"),
                "`\"strict\"` refuses unknown and changed host keys; `\"accept-new\"` records a key seen for the first time."),
            arg("known_hosts_file", Ty::Str, false, Some("`~/.ssh/known_hosts`"),
                "The known-hosts file to check host keys against."),
            arg("port", Ty::Int, false, Some("`22`"), "The ssh port (1-65535)."),
            arg("connect_timeout", Ty::Duration, false, Some("`10s`"),
                "How long connecting may take (ssh's `ConnectTimeout`)."),
        ],
    },
];

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
