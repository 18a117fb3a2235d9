//! Scope blocks: the credentials (OpenStack, kube, ssh) the calls inside use.
use std::collections::HashMap;
use std::time::Duration;

use super::super::error::Result;
use super::super::value::Value;
use super::super::Interp;
use super::RunState;
use crate::backends::{KnownHostsPolicy, KubeScope, OpenStackScope, SshScope};
use crate::syntax::ast::{Scope, ScopeKind};

/// A scope block's arguments, evaluated: by name, and any positional ones.
struct Given<'c> {
    named: HashMap<&'c str, Value>,
    positional: Vec<Value>,
}

impl Given<'_> {
    /// The argument `name`, else the first positional one.
    fn named_or_first(&self, name: &str) -> Option<&Value> {
        self.named.get(name).or(self.positional.first())
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    v.map(|v| v.to_string()).filter(|s| !s.is_empty())
}

fn path(v: Option<&Value>) -> Option<std::path::PathBuf> {
    text(v).map(|s| expand_home(&s))
}

impl<'c> Interp<'c> {
    pub(super) async fn scope(&self, ctx: &mut RunState<'c>, sc: &'c Scope) -> Result<()> {
        let mut given = Given {
            named: HashMap::new(),
            positional: Vec::new(),
        };
        for a in &sc.args {
            let v = self.eval(ctx, &a.value).await?;
            match &a.name {
                Some(n) => {
                    given.named.insert(n.name.as_str(), v);
                }
                None => given.positional.push(v),
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
                    kubeconfig: path(given.named_or_first("kubeconfig")),
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
        if let Some(p) = text(given.named_or_first("project")) {
            if looks_like_id(&p) {
                scope.project_id = Some(p);
            } else {
                scope.project_name = Some(p);
            }
        }
        scope.project_domain = text(given.named.get("domain"));
        scope.openrc = path(given.named.get("openrc"));
        scope.cloud = text(given.named.get("cloud")).or_else(|| self.opts.cloud.clone());
        scope
    }

    fn ssh_scope(&self, ctx: &RunState<'c>, sc: &'c Scope, given: &Given<'_>) -> Result<SshScope> {
        let named = &given.named;
        let Some(host) = text(given.named_or_first("host")) else {
            return Err(self.fail(ctx, sc.body.span, "`scope ssh` needs a host"));
        };
        let port = match named.get("port") {
            None => 22,
            Some(Value::Int(p)) if (1..=65535).contains(p) => *p as u16,
            Some(other) => {
                return Err(self.fail(
                    ctx,
                    sc.body.span,
                    format!("`scope ssh` port must be 1-65535, got {other}"),
                ))
            }
        };
        let known_hosts = match text(named.get("known_hosts")).as_deref() {
            None | Some("strict") => KnownHostsPolicy::Strict,
            Some("accept-new") => KnownHostsPolicy::AcceptNew,
            Some(other) => {
                return Err(self.fail(
                    ctx,
                    sc.body.span,
                    format!("known_hosts must be \"strict\" or \"accept-new\", got {other:?}"),
                ))
            }
        };
        Ok(SshScope {
            host,
            port,
            user: text(named.get("user"))
                .unwrap_or_else(|| std::env::var("USER").unwrap_or_else(|_| "root".into())),
            key: path(named.get("key")),
            known_hosts,
            known_hosts_file: path(named.get("known_hosts_file")),
            connect_timeout: named
                .get("connect_timeout")
                .and_then(Value::as_duration)
                .unwrap_or(Duration::from_secs(10)),
        })
    }
}

/// A Keystone project id: 32 hex digits (or a dashed uuid).
fn looks_like_id(s: &str) -> bool {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
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
