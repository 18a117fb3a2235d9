//! The hand-typed equivalent of a builtin call, built from
//! [`Builtin::command`](crate::resolve::builtins::Builtin) with the call's
//! arguments as written, and the shell preamble of each credential scope.
//!
//! Values an operator must supply show as placeholders: `<site.mgmt_vm>`
//! without a site file, `<lb.id>` for a loop variable.
use std::collections::BTreeMap;

use crate::resolve::builtins::{self, Builtin};
use crate::resolve::scopes::{self, kube, openstack, ssh};
use crate::site::SiteValues;
use crate::syntax::ast::{format_duration, Arg, Expr, ExprKind, Scope, ScopeKind, TextPart};

/// What a command needs to know besides the call: site values and the
/// enclosing ssh scope.
#[derive(Debug, Clone, Default)]
pub struct CommandContext<'a> {
    pub site: Option<&'a SiteValues>,
    /// Site field defaults as declared (`mgmt_vm: str = "capi-mgmt-v2"`).
    pub site_defaults: BTreeMap<String, Expr>,
    /// The `{scope}` of `ssh.run`: `-i KEY -o BatchMode=yes user@host`.
    pub ssh: Option<String>,
}

impl CommandContext<'_> {
    /// An expression as an operator would type it: literals by value, site
    /// fields by value when known, anything else as `<source>`.
    pub fn show(&self, e: &Expr) -> String {
        match &e.kind {
            ExprKind::Str(t) => t
                .parts
                .iter()
                .map(|p| match p {
                    TextPart::Lit(s) => s.clone(),
                    TextPart::Expr(e) => self.show(e),
                })
                .collect(),
            ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Bool(_) => e.to_string(),
            ExprKind::Duration(d) => format_duration(*d),
            ExprKind::Field { base, name } if is_site(base) => self
                .site_value(&name.name)
                .unwrap_or_else(|| format!("<site.{}>", name.name)),
            _ => format!("<{e}>"),
        }
    }

    /// A site field's value: from the site file, else its declared default.
    /// Without a site file every field is a placeholder: the document is
    /// then valid for any site.
    fn site_value(&self, field: &str) -> Option<String> {
        let site = self.site?;
        if let Some(v) = site.get(field) {
            return Some(v.to_string());
        }
        self.site_defaults.get(field).map(|d| self.show(d))
    }
}

fn is_site(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Var(v) if v.name == "site")
}

/// The command for a call of `callee` with `args`, or None for pure
/// functions and unknown names (they have nothing to type).
pub fn command(callee: &str, args: &[Arg], context: &CommandContext) -> Option<String> {
    let b = builtins::lookup(callee)?;
    if b.command.is_empty() {
        return None;
    }
    let arg = |name: &str| match arg_for(b, args, name).map(|e| (e, &e.kind)) {
        None => Shown::Absent,
        Some((_, ExprKind::Bool(v))) => Shown::Switch(*v),
        Some((_, ExprKind::List(items))) => {
            Shown::Words(items.iter().map(|i| context.show(i)).collect())
        }
        Some((e, _)) => Shown::Text(context.show(e)),
    };
    let scope = context.ssh.clone().unwrap_or_else(|| "<host>".into());
    Some(typed(b, &arg, &scope))
}

/// The argument bound to parameter `name`: named, or by position.
fn arg_for<'a>(b: &Builtin, args: &'a [Arg], name: &str) -> Option<&'a Expr> {
    if let Some(a) = args
        .iter()
        .find(|a| a.name.as_ref().is_some_and(|n| n.name == name))
    {
        return Some(&a.value);
    }
    let pos = b.params.iter().position(|p| p.name == name)?;
    args.iter()
        .filter(|a| a.name.is_none())
        .nth(pos)
        .map(|a| &a.value)
}

/// One argument of a call as its command shows it: from the source in a
/// rendered runbook, from the run's values in `rbk exec`'s "would run".
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    /// Not given: the table's default applies.
    Absent,
    /// A switch's value.
    Switch(bool),
    /// Text as typed, quoted for the shell where it needs it.
    Text(String),
    /// Shown as it is, never quoted (`<12 bytes>` for a hidden value).
    Raw(String),
    /// An argv: one shell word each.
    Words(Vec<String>),
}

impl Shown {
    fn text(&self) -> Option<&str> {
        match self {
            Shown::Text(t) | Shown::Raw(t) => Some(t),
            _ => None,
        }
    }
}

/// The command of builtin `b` with its arguments filled in (`arg` gives
/// each parameter's), `{scope}` standing for the ssh target.
pub fn typed(b: &Builtin, arg: &dyn Fn(&str) -> Shown, scope: &str) -> String {
    let mut template = b.command.to_string();
    let text = |name: &str| arg(name).text().map(str::to_string);
    // `kube.pods(namespace: "x")` narrows `-A` to one namespace.
    if b.name == "kube.pods" {
        if let Some(ns) = text("namespace").filter(|ns| !ns.is_empty()) {
            template = format!("kubectl -n {} get pods", shell_word(&ns));
        }
    }
    // `kube.list` without a namespace lists every namespace.
    if b.name == "kube.list"
        && text("namespace").is_none_or(|ns| ns.is_empty())
        && !text("kind").is_some_and(|k| crate::backends::kube::is_cluster_scoped(&k))
    {
        template = template.replacen("{kind}", "{kind} -A", 1);
    }
    expand(&template, b, arg, scope)
}

/// Replace `{param}` and `[--flag]{param}` in a command template.
fn expand(template: &str, b: &Builtin, arg: &dyn Fn(&str) -> Shown, scope: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    let mut pending_flag: Option<String> = None;
    while let Some(i) = rest.find(['{', '[']) {
        let (before, from) = rest.split_at(i);
        out.push_str(before);
        let close = if from.starts_with('{') { '}' } else { ']' };
        let Some(end) = from.find(close) else {
            out.push_str(from);
            return out;
        };
        let inner = &from[1..end];
        rest = &from[end + 1..];
        if close == ']' {
            pending_flag = Some(inner.to_string());
            continue;
        }
        let quoted = out.matches('\'').count() % 2 == 1;
        let value = if inner == "scope" {
            scope.to_string()
        } else if let Some(flag) = pending_flag.take() {
            let shown = flag_shown(&flag, b, inner, arg(inner), arg, scope);
            // A dropped flag leaves no double space behind.
            if shown.is_empty() && out.ends_with(' ') && rest.starts_with(' ') {
                rest = &rest[1..];
            }
            shown
        } else {
            match arg(inner) {
                Shown::Absent => shell_word(&default_text(b, inner)),
                Shown::Switch(v) => v.to_string(),
                // Names only: header values are credentials.
                Shown::Text(t) if inner == "headers" => crate::backends::http::headers_shown(&t),
                Shown::Text(t) if quoted => t.replace('\'', "'\\''"),
                Shown::Text(t) => shell_word(&t),
                Shown::Raw(t) => t,
                Shown::Words(words) => words
                    .iter()
                    .map(|w| shell_word(w))
                    .collect::<Vec<_>>()
                    .join(" "),
            }
        };
        out.push_str(&value);
    }
    out.push_str(rest);
    out.trim_end().to_string()
}

/// An optional flag of the template: `[--force]{force}` is a switch,
/// `[-n {namespace}]{namespace}` is shown when its value is given and not "".
fn flag_shown(
    flag: &str,
    b: &Builtin,
    name: &str,
    given: Shown,
    arg: &dyn Fn(&str) -> Shown,
    scope: &str,
) -> String {
    let with_value = flag.contains('{');
    match given {
        Shown::Switch(true) if !with_value => flag.to_string(),
        // An omitted switch takes the table's default.
        Shown::Absent if b.param(name).and_then(|p| p.default) == Some("true") => flag.to_string(),
        Shown::Absent | Shown::Switch(false) => String::new(),
        Shown::Text(t) if with_value && t.is_empty() => String::new(),
        _ if with_value => expand(flag, b, arg, scope),
        // A switch whose value is known only at run time.
        _ => format!("[{flag}]"),
    }
}

/// A parameter's default as it would be typed (`5s`; `""` is empty).
fn default_text(b: &Builtin, name: &str) -> String {
    let d = b.param(name).and_then(|p| p.default).unwrap_or("");
    d.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(d)
        .to_string()
}

/// Quote a value for the shell when it needs it; placeholders stay bare so
/// they read as "fill in here".
pub fn shell_word(s: &str) -> String {
    let safe = |c: char| c.is_alphanumeric() || "-_./:=@,+%~".contains(c);
    // `<site.x>` placeholders, even inside a word, read as "fill in here".
    let mut bare = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        bare.push_str(&rest[..i]);
        match rest[i..].find('>') {
            Some(j) if !rest[i..i + j].contains(' ') => rest = &rest[i + j + 1..],
            _ => {
                bare.push('<');
                rest = &rest[i + 1..];
            }
        }
    }
    bare.push_str(rest);
    if s.is_empty() {
        "''".into()
    } else if bare.chars().all(safe) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// How a scope block gets its credentials, as the operator would set them up
/// by hand: a one-line summary and the shell lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Preamble {
    pub summary: String,
    pub shell: Vec<String>,
    /// For ssh scopes: what `{scope}` expands to in `ssh.run` commands.
    pub ssh: Option<String>,
}

/// A `project:` value known to be a name (not an id, not a placeholder for
/// a value only known at run time).
fn is_project_name(shown: &str) -> bool {
    !shown.contains('<') && !scopes::is_project_id(shown)
}

fn scope_arg<'a>(s: &'a Scope, name: &str) -> Option<&'a Expr> {
    s.args
        .iter()
        .find(|a| a.name.as_ref().is_some_and(|n| n.name == name))
        .map(|a| &a.value)
}

pub fn preamble(s: &Scope, context: &CommandContext) -> Preamble {
    let shown = |name: &str| scope_arg(s, name).map(|e| context.show(e));
    match s.kind {
        ScopeKind::OpenStack => {
            let mut shell = Vec::new();
            if let Some(openrc) = shown(openstack::OPENRC) {
                shell.push(format!("source {}", shell_word(&openrc)));
            } else if let Some(cloud) = shown(openstack::CLOUD) {
                shell.push(format!("export OS_CLOUD={}", shell_word(&cloud)));
            } else {
                shell.push(
                    "# admin credentials, as `rbk exec` gets them (--cloud, OS_CLOUD or OS_* variables), e.g.:"
                        .into(),
                );
                shell.push("source ~/admin-openrc".into());
            }
            // As `rbk exec` reads it: an id narrows by id, else by name in
            // its domain. A value only known at run time shows as an id.
            let project = shown(openstack::PROJECT);
            let summary = match &project {
                Some(name) if is_project_name(name) => {
                    let domain = shown(openstack::DOMAIN)
                        .unwrap_or_else(|| openstack::DEFAULT_DOMAIN.into());
                    shell.push(
                        "unset OS_PROJECT_ID OS_TENANT_ID OS_TENANT_NAME OS_PROJECT_DOMAIN_ID"
                            .into(),
                    );
                    shell.push(format!("export OS_PROJECT_NAME={}", shell_word(name)));
                    shell.push(format!(
                        "export OS_PROJECT_DOMAIN_NAME={}",
                        shell_word(&domain)
                    ));
                    format!(
                        "OpenStack, admin credentials narrowed to project {name} (domain {domain})"
                    )
                }
                Some(p) => {
                    shell.push(
                        "unset OS_PROJECT_ID OS_TENANT_ID OS_TENANT_NAME OS_PROJECT_DOMAIN_ID"
                            .into(),
                    );
                    shell.push(format!("export OS_PROJECT_ID={}", shell_word(p)));
                    shell.push(
                        "unset OS_PROJECT_NAME OS_PROJECT_DOMAIN_NAME OS_TENANT_NAME OS_TENANT_ID"
                            .into(),
                    );
                    format!("OpenStack, admin credentials narrowed to project {p}")
                }
                None => {
                    shell.push("unset OS_PROJECT_ID OS_TENANT_ID OS_TENANT_NAME".into());
                    "OpenStack, admin scope (no project narrowing)".into()
                }
            };
            Preamble {
                summary,
                shell,
                ssh: None,
            }
        }
        ScopeKind::Kube => match shown(kube::KUBECONFIG) {
            Some(k) => Preamble {
                summary: format!("Kubernetes, kubeconfig {k}"),
                shell: vec![format!("export KUBECONFIG={}", kubeconfig_word(&k))],
                ssh: None,
            },
            None => Preamble {
                summary: "Kubernetes, the default kubeconfig ($KUBECONFIG or ~/.kube/config)"
                    .into(),
                shell: Vec::new(),
                ssh: None,
            },
        },
        ScopeKind::Ssh => {
            let host = shown(ssh::HOST).unwrap_or_else(|| "<host>".into());
            let user = shown(ssh::USER);
            let mut opts = Vec::new();
            if let Some(k) = shown(ssh::KEY) {
                opts.push(format!("-i {}", shell_word(&k)));
            }
            opts.push("-o BatchMode=yes".into());
            let policy = shown(ssh::KNOWN_HOSTS).unwrap_or_else(|| ssh::STRICT.into());
            opts.push(match policy.as_str() {
                ssh::ACCEPT_NEW => "-o StrictHostKeyChecking=accept-new".into(),
                ssh::STRICT => "-o StrictHostKeyChecking=yes".into(),
                other => format!("-o StrictHostKeyChecking={other}"),
            });
            if let Some(p) = shown(ssh::PORT).filter(|p| *p != ssh::DEFAULT_PORT.to_string()) {
                opts.push(format!("-p {p}"));
            }
            let target = match &user {
                Some(u) => format!("{u}@{host}"),
                None => host.clone(),
            };
            opts.push(target.clone());
            Preamble {
                summary: format!("ssh to {target} (host keys: {policy})"),
                shell: Vec::new(),
                ssh: Some(opts.join(" ")),
            }
        }
    }
}

/// `~/x` must stay unquoted for the shell to expand it: write `$HOME/x`.
fn kubeconfig_word(k: &str) -> String {
    match k.strip_prefix("~/") {
        Some(rest) => format!("\"$HOME/{rest}\""),
        None => shell_word(k),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::syntax::ast::{ExprKind, StmtKind};

    /// The first expression statement of a one-step procedure.
    fn call_of(src: &str) -> (String, Vec<Arg>) {
        let text = format!("procedure p \"t\" {{ step s \"s\" {{ {src} }} }}");
        let f = crate::syntax::parse(&SourceFile::new("t.rbk", text)).expect("parses");
        let node = f.procedure().and_then(|p| p.nodes().next()).cloned();
        let body = node.and_then(|n| n.kind.body().cloned()).expect("a body");
        match &body.stmts[0].kind {
            StmtKind::Expr(e) => match &e.kind {
                ExprKind::Call { callee, args } => (callee.dotted(), args.clone()),
                _ => panic!("not a call"),
            },
            _ => panic!("not an expression"),
        }
    }

    fn cmd(src: &str, context: &CommandContext) -> String {
        let (callee, args) = call_of(src);
        command(&callee, &args, context).expect("has a command")
    }

    #[test]
    fn placeholders_without_a_site_file() {
        let context = CommandContext::default();
        for (call, typed) in [
            (
                "openstack.server.start(site.mgmt_vm)",
                "openstack server start <site.mgmt_vm>",
            ),
            (
                "openstack.loadbalancer.failover(lb.id)",
                "openstack loadbalancer failover <lb.id>",
            ),
            (
                "tcp.probe(site.mgmt_fip, 22)",
                "timeout 5s bash -c 'exec 3<>/dev/tcp/<site.mgmt_fip>/22'",
            ),
            ("openstack.server.list()", "openstack server list --long"),
            (
                "openstack.server.list(all_projects: true)",
                "openstack server list --all-projects --long",
            ),
            (
                "kube.list(\"cluster,openstackcluster,machines\", \"magnum-{site.project_id}\")",
                "kubectl get cluster,openstackcluster,machines -n magnum-<site.project_id>",
            ),
            ("kube.list(\"nodes\")", "kubectl get nodes"),
            (
                "kube.list(\"pods\", \"\", fields: \"spec.nodeName=w1\")",
                "kubectl get pods -A --field-selector spec.nodeName=w1",
            ),
            (
                "kube.drain(\"w1\", timeout: 2m)",
                "kubectl drain w1 --ignore-daemonsets --timeout=2m",
            ),
            (
                "kube.pods(namespace: \"kube-system\")",
                "kubectl -n kube-system get pods",
            ),
        ] {
            assert_eq!(cmd(call, &context), typed, "{call}");
        }
        assert_eq!(command("len", &[], &context), None);
    }

    #[test]
    fn site_values_fill_in() {
        let site = SiteValues::parse("mgmt_vm = \"capi-mgmt-v2\"").expect("site");
        let context = CommandContext {
            site: Some(&site),
            ..CommandContext::default()
        };
        assert_eq!(
            cmd("openstack.server.start(site.mgmt_vm)", &context),
            "openstack server start capi-mgmt-v2"
        );
    }

    #[test]
    fn ssh_commands_quote_for_the_shell() {
        let context = CommandContext {
            ssh: Some("-i ~/.ssh/id -o BatchMode=yes ubuntu@h".into()),
            ..CommandContext::default()
        };
        assert_eq!(
            cmd("ssh.run(\"echo 'hi' | head\")", &context),
            "ssh -i ~/.ssh/id -o BatchMode=yes ubuntu@h 'echo '\\''hi'\\'' | head'"
        );
    }

    #[test]
    fn values_keep_their_spaces_and_dropped_flags_leave_none() {
        let context = CommandContext::default();
        assert_eq!(
            cmd(
                "http.request(\"POST\", \"https://h/x\", body: \"a=1  b&c\")",
                &context
            ),
            "timeout 30s curl -sS -X POST --data-binary 'a=1  b&c' https://h/x"
        );
    }

    /// The preamble of the first scope block of a one-step procedure.
    fn preamble_of(scope: &str) -> Preamble {
        let text = format!("procedure p \"t\" {{ step s \"s\" {{ {scope} {{ log \"x\" }} }} }}");
        let f = crate::syntax::parse(&SourceFile::new("t.rbk", text)).expect("parses");
        let node = f.procedure().and_then(|p| p.nodes().next()).cloned();
        let body = node.and_then(|n| n.kind.body().cloned()).expect("a body");
        match &body.stmts[0].kind {
            StmtKind::Scope(sc) => preamble(sc, &CommandContext::default()),
            _ => panic!("not a scope"),
        }
    }

    #[test]
    fn a_project_narrows_by_id_or_by_name_as_exec_does() {
        let by_id = preamble_of("scope openstack(project: \"674171fd28d446d3a37073b6a761e910\")");
        assert!(by_id
            .shell
            .contains(&"export OS_PROJECT_ID=674171fd28d446d3a37073b6a761e910".to_string()));
        let by_name = preamble_of("scope openstack(project: \"shop\")");
        assert!(by_name
            .shell
            .contains(&"export OS_PROJECT_NAME=shop".to_string()));
        assert!(by_name
            .shell
            .contains(&"export OS_PROJECT_DOMAIN_NAME=Default".to_string()));
        let in_domain = preamble_of("scope openstack(project: \"shop\", domain: \"tenants\")");
        assert_eq!(
            in_domain.summary,
            "OpenStack, admin credentials narrowed to project shop (domain tenants)"
        );
        // Known only at run time: shown as the id the site file is expected to hold.
        let later = preamble_of("scope openstack(project: site.project_id)");
        assert!(
            later
                .shell
                .contains(&"export OS_PROJECT_ID=<site.project_id>".to_string()),
            "{later:?}"
        );
    }

    #[test]
    fn ssh_preamble_reads_the_table_defaults() {
        let p = preamble_of("scope ssh(host: \"h\", user: \"u\", port: 22)");
        assert_eq!(
            p.ssh.as_deref(),
            Some("-o BatchMode=yes -o StrictHostKeyChecking=yes u@h")
        );
        let p = preamble_of(
            "scope ssh(host: \"h\", user: \"u\", port: 2222, known_hosts: \"accept-new\")",
        );
        assert_eq!(
            p.ssh.as_deref(),
            Some("-o BatchMode=yes -o StrictHostKeyChecking=accept-new -p 2222 u@h")
        );
    }
}
