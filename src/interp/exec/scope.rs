//! Scope blocks: the credentials (OpenStack, kube, ssh) the calls inside use.
use std::collections::HashMap;

use super::super::error::Result;
use super::super::value::Value;
use super::super::Interp;
use super::RunState;
use crate::backends::{KnownHostsPolicy, KubeScope, OpenStackScope, SshScope};
use crate::resolve::scopes::{self, kube, openstack, ssh};
use crate::syntax::ast::{Scope, ScopeKind};

/// A scope block's arguments, evaluated, by name (a checked scope names
/// every argument, from the table in `resolve::scopes`).
type Given<'c> = HashMap<&'c str, Value>;

fn text(v: Option<&Value>) -> Option<String> {
    v.map(|v| v.to_string()).filter(|s| !s.is_empty())
}

fn path(v: Option<&Value>) -> Option<std::path::PathBuf> {
    text(v).map(|s| expand_home(&s))
}

impl<'c> Interp<'c> {
    pub(super) async fn scope(&self, ctx: &mut RunState<'c>, sc: &'c Scope) -> Result<()> {
        let mut given = Given::new();
        for a in &sc.args {
            let v = self.eval(ctx, &a.value).await?;
            if let Some(n) = &a.name {
                given.insert(n.name.as_str(), v);
            }
        }
        match sc.kind {
            ScopeKind::OpenStack => {
                let scope = self.openstack_scope(&given);
                self.term.scope_line(&describe_openstack(&scope));
                let saved = ctx.os.replace(scope);
                let r = self.block(ctx, &sc.body).await;
                ctx.os = saved;
                r
            }
            ScopeKind::Kube => {
                let scope = KubeScope {
                    kubeconfig: path(given.get(kube::KUBECONFIG)),
                };
                let saved = ctx.kube.replace(scope);
                let r = self.block(ctx, &sc.body).await;
                ctx.kube = saved;
                r
            }
            ScopeKind::Ssh => {
                let scope = self.ssh_scope(ctx, sc, &given)?;
                let saved = ctx.ssh.replace(scope);
                let r = self.block(ctx, &sc.body).await;
                ctx.ssh = saved;
                r
            }
        }
    }

    fn openstack_scope(&self, given: &Given<'_>) -> OpenStackScope {
        let mut scope = OpenStackScope::default();
        if let Some(p) = text(given.get(openstack::PROJECT)) {
            if scopes::is_project_id(&p) {
                scope.project_id = Some(p);
            } else {
                scope.project_name = Some(p);
            }
        }
        scope.project_domain = text(given.get(openstack::DOMAIN));
        scope.openrc = path(given.get(openstack::OPENRC));
        scope.cloud = text(given.get(openstack::CLOUD)).or_else(|| self.opts.cloud.clone());
        scope
    }

    fn ssh_scope(&self, ctx: &RunState<'c>, sc: &'c Scope, given: &Given<'_>) -> Result<SshScope> {
        let named = given;
        let Some(host) = text(named.get(ssh::HOST)) else {
            return Err(self.fail(ctx, sc.body.span, "`scope ssh` needs a host"));
        };
        let port = match named.get(ssh::PORT) {
            None => ssh::DEFAULT_PORT,
            Some(Value::Int(p)) if (1..=65535).contains(p) => *p as u16,
            Some(other) => {
                return Err(self.fail(
                    ctx,
                    sc.body.span,
                    format!("`scope ssh` port must be 1-65535, got {other}"),
                ))
            }
        };
        let known_hosts = match text(named.get(ssh::KNOWN_HOSTS)).as_deref() {
            None | Some(ssh::STRICT) => KnownHostsPolicy::Strict,
            Some(ssh::ACCEPT_NEW) => KnownHostsPolicy::AcceptNew,
            Some(other) => {
                return Err(self.fail(
                    ctx,
                    sc.body.span,
                    format!(
                        "{} must be \"{}\" or \"{}\", got {other:?}",
                        ssh::KNOWN_HOSTS,
                        ssh::STRICT,
                        ssh::ACCEPT_NEW
                    ),
                ))
            }
        };
        Ok(SshScope {
            host,
            port,
            user: text(named.get(ssh::USER))
                .unwrap_or_else(|| std::env::var("USER").unwrap_or_else(|_| "root".into())),
            key: path(named.get(ssh::KEY)),
            known_hosts,
            known_hosts_file: path(named.get(ssh::KNOWN_HOSTS_FILE)),
            connect_timeout: named
                .get(ssh::CONNECT_TIMEOUT)
                .and_then(Value::as_duration)
                .unwrap_or(ssh::DEFAULT_CONNECT_TIMEOUT),
        })
    }
}

fn expand_home(p: &str) -> std::path::PathBuf {
    if let Some(rest) = p.strip_prefix("~/") {
        if let Some(home) = std::env::var_os("HOME") {
            return std::path::Path::new(&home).join(rest);
        }
    }
    std::path::PathBuf::from(p)
}

/// The scope as the terminal shows it: never a credential.
fn describe_openstack(s: &OpenStackScope) -> String {
    let project = s
        .project_id
        .as_deref()
        .or(s.project_name.as_deref())
        .map_or("admin scope".to_string(), |p| format!("project {p}"));
    let from = match (&s.openrc, &s.cloud) {
        (Some(p), _) => format!(", credentials from {}", p.display()),
        (None, Some(c)) => format!(", cloud {c}"),
        _ => String::new(),
    };
    format!("openstack: {project}{from}")
}
