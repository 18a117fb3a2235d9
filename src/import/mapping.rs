//! Command mapping: an `openstack`, `kubectl`, `ssh` or TCP-probe command
//! line to the builtin call that does exactly the same, read off the
//! builtin table (`resolve::builtins`). A command with a flag or a shape
//! this does not know is not mapped: the caller keeps it as it is, with a
//! TODO saying why. A wrong mapping is worse than none.
use super::literals::Role;
use super::shell;
use crate::resolve::builtins::{self, Builtin};
use crate::resolve::types::Ty;

/// The words of a command line after its program, as the mapping reads
/// them: their literal text, and their rbk expression on demand.
pub struct Argv<'a> {
    /// Each word's text when it is a plain literal.
    pub lits: Vec<Option<String>>,
    /// The rbk expression of word `i` used as `Role`; an error says why the
    /// word cannot be one (a variable the runbook never sets).
    pub expr: &'a mut dyn FnMut(usize, Role) -> Result<String, String>,
}

impl Argv<'_> {
    fn lit(&self, i: usize) -> Option<&str> {
        self.lits.get(i).and_then(|l| l.as_deref())
    }
}

/// Which scope a mapped call needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Family {
    OpenStack,
    Kube,
}

/// A builtin call that does what the command does.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The expression: `openstack.server.show("x").status`.
    pub expr: String,
    pub family: Family,
    /// It returns something an operator reads (not an action's `none`).
    pub returns_value: bool,
    /// A name for a `let` of its result.
    pub hint: String,
    /// `--kubeconfig FILE` on the command line.
    pub kubeconfig: Option<String>,
    /// What the author should check about this mapping.
    pub todo: Option<String>,
}

/// Flags that only change how the CLI prints: the builtin returns the data.
const OPENSTACK_OUTPUT_FLAGS: &[&str] = &["--long", "--fit-width", "--noindent", "--print-empty"];
const OPENSTACK_OUTPUT_VALUE_FLAGS: &[&str] = &[
    "-f",
    "--format",
    "--max-width",
    "--sort-column",
    "--sort-ascending",
];

/// The builtins an `openstack` command line can be. The command's words
/// are those the builtin's `command` starts with (`openstack server list`);
/// the flags listed are the optional ones it maps, each to the parameter
/// its `command` gives it (`[--all-projects]{all_projects}` is
/// `all_projects: true`, `[--host {host}]{host}` is `host: VALUE`). Any
/// other flag is refused.
const OPENSTACK: &[(&str, &[&str])] = &[
    ("openstack.server.start", &[]),
    ("openstack.server.stop", &[]),
    ("openstack.server.show", &[]),
    (
        "openstack.server.list",
        &["--all-projects", "--host", "--status", "--name"],
    ),
    ("openstack.server.delete", &[]),
    ("openstack.loadbalancer.list", &[]),
    ("openstack.loadbalancer.show", &[]),
    ("openstack.loadbalancer.failover", &[]),
    ("openstack.loadbalancer.amphora.list", &[]),
    ("openstack.loadbalancer.amphora.failover", &[]),
    ("openstack.loadbalancer.listener.list", &[]),
    ("openstack.loadbalancer.pool.list", &[]),
    ("openstack.hypervisor.list", &[]),
    ("openstack.hypervisor.show", &[]),
    ("openstack.coe.cluster.show", &[]),
    ("openstack.coe.cluster.list", &[]),
    ("openstack.volume.list", &[]),
    ("openstack.volume.show", &[]),
    ("openstack.network.list", &[]),
    ("openstack.port.show", &[]),
    ("openstack.floating_ip.list", &[]),
    ("openstack.compute.service.list", &[]),
];

/// The words after `openstack` that a builtin's `command` starts with
/// (`server list`): up to its first flag or argument.
fn subcommand(b: &Builtin) -> Vec<&'static str> {
    b.command
        .split(' ')
        .skip(1)
        .take_while(|w| !w.starts_with(['-', '[', '{', '<']))
        .collect()
}

/// The parameter an optional flag of a builtin's `command` is, and whether
/// the flag takes a value: `[--all-projects]{all_projects}` is a switch,
/// `[--host {host}]{host}` a value.
fn flag_param(b: &Builtin, flag: &str) -> Option<(&'static str, bool)> {
    let command = b.command;
    let opening = format!("[{flag}");
    command.match_indices(&opening).find_map(|(at, _)| {
        let after = &command[at + opening.len()..];
        if let Some(rest) = after.strip_prefix("]{") {
            return Some((rest.split_once('}')?.0, false));
        }
        let rest = after.strip_prefix(" {")?;
        Some((rest.split_once("}]")?.0, true))
    })
}

/// `openstack ...` (the words after `openstack`).
pub fn openstack(argv: &mut Argv) -> Result<Call, String> {
    let n = argv.lits.len();
    let (builtin, flags, path) = OPENSTACK
        .iter()
        .filter_map(|&(name, flags)| Some((builtins::lookup(name)?, flags)))
        .map(|(b, flags)| (b, flags, subcommand(b)))
        .filter(|(_, _, path)| path.iter().enumerate().all(|(i, w)| argv.lit(i) == Some(w)))
        .max_by_key(|(_, _, path)| path.len())
        .ok_or_else(|| format!("no builtin does `openstack {}`", words(argv, 0, 3)))?;
    let mut positional = Vec::new();
    let mut named = Vec::new();
    let mut columns = Vec::new();
    let mut i = path.len();
    while i < n {
        let (flag, inline) = split_flag(argv.lit(i));
        match flag.as_deref() {
            Some(f) if OPENSTACK_OUTPUT_FLAGS.contains(&f) => {}
            Some(f) if OPENSTACK_OUTPUT_VALUE_FLAGS.contains(&f) => {
                i += usize::from(inline.is_none())
            }
            Some("-c" | "--column") => {
                let col = inline.or_else(|| argv.lit(i + 1).map(str::to_string));
                columns.push(col.ok_or("a column that is not plain text")?);
                i += 1;
            }
            Some(f) => match flags.contains(&f).then(|| flag_param(builtin, f)).flatten() {
                Some((p, false)) => named.push(format!("{p}: true")),
                Some((p, true)) => {
                    let v = match inline {
                        Some(v) => crate::import::emit::quote(&v),
                        None => {
                            i += 1;
                            (argv.expr)(i, Role::Value)?
                        }
                    };
                    named.push(format!("{p}: {v}"));
                }
                None => {
                    return Err(format!(
                        "`{f}` has no equivalent parameter on {}",
                        builtin.name
                    ))
                }
            },
            None => positional.push((argv.expr)(i, Role::Value)?),
        }
        i += 1;
    }
    let call = call_text(builtin, positional, named)?;
    let (expr, hint, returns_value) = select_column(builtin, call, &columns)?;
    Ok(Call {
        expr,
        family: Family::OpenStack,
        returns_value,
        hint,
        kubeconfig: None,
        todo: None,
    })
}

/// `--flag=value` as the flag and its value; a word that is no flag as None.
fn split_flag(word: Option<&str>) -> (Option<String>, Option<String>) {
    match word {
        Some(w) if w.starts_with('-') && w.len() > 1 => match w.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (Some(f.to_string()), Some(v.to_string())),
            _ => (Some(w.to_string()), None),
        },
        _ => (None, None),
    }
}

fn words(argv: &Argv, from: usize, count: usize) -> String {
    (from..(from + count).min(argv.lits.len()))
        .map(|i| argv.lit(i).unwrap_or("…"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `name(positional..., named...)`, checked against the builtin's params.
fn call_text(b: &Builtin, positional: Vec<String>, named: Vec<String>) -> Result<String, String> {
    if positional.len() != b.required_params() {
        return Err(format!(
            "{} takes {} argument(s), the command has {}",
            b.name,
            b.required_params(),
            positional.len()
        ));
    }
    let args: Vec<String> = positional.into_iter().chain(named).collect();
    Ok(format!("{}({})", b.name, args.join(", ")))
}

/// `-c FIELD` on a command that returns one record reads that field.
fn select_column(
    b: &Builtin,
    call: String,
    columns: &[String],
) -> Result<(String, String, bool), String> {
    let hint = b.name.rsplit('.').nth(1).unwrap_or("out").replace('.', "_");
    match (columns, &b.returns) {
        ([], Ty::Null) => Ok((call, hint, false)),
        ([], Ty::List(_)) => Ok((call, plural(b.name), true)),
        ([], _) => Ok((call, hint, true)),
        ([col], Ty::Record(r)) => {
            let field = col.to_ascii_lowercase();
            if r.field(&field).is_none() {
                return Err(format!("{} has no field `{field}`", r.name));
            }
            Ok((format!("{call}.{field}"), field, true))
        }
        _ => Err("it selects columns the builtin's record does not map one to one".into()),
    }
}

fn plural(name: &str) -> String {
    let mut parts: Vec<&str> = name.split('.').collect();
    parts.pop(); // "list"
    let last = parts.last().copied().unwrap_or("item");
    match last {
        "amphora" => "amphorae".into(),
        "loadbalancer" => "lbs".into(),
        "service" => "services".into(),
        "ip" | "floating_ip" => "ips".into(),
        l => format!("{l}s"),
    }
}

/// `kubectl ...` (the words after `kubectl`).
pub fn kubectl(argv: &mut Argv) -> Result<Call, String> {
    let mut namespace: Option<String> = None;
    let mut all_namespaces = false;
    let mut kubeconfig = None;
    let mut labels = None;
    let mut fields = None;
    let mut bools: Vec<String> = Vec::new();
    let mut values: Vec<(String, String)> = Vec::new();
    let mut rest: Vec<usize> = Vec::new();
    let mut todo = None;
    let n = argv.lits.len();
    let mut i = 0;
    while i < n {
        let (flag, inline) = split_flag(argv.lit(i));
        let value = |i: &mut usize, argv: &mut Argv| -> Result<String, String> {
            match &inline {
                Some(v) => Ok(crate::import::emit::quote(v)),
                None => {
                    *i += 1;
                    (argv.expr)(*i, Role::Value)
                }
            }
        };
        match flag.as_deref() {
            Some("-n" | "--namespace") => namespace = Some(value(&mut i, argv)?),
            Some("-A" | "--all-namespaces") => all_namespaces = true,
            Some("--kubeconfig") => kubeconfig = Some(value(&mut i, argv)?),
            Some("-o" | "--output") => {
                // Formats of the whole object; jsonpath, custom-columns
                // and go-template select parts of it: not the same value.
                let v = value(&mut i, argv)?;
                if !matches!(v.trim_matches('"'), "wide" | "yaml" | "json") {
                    return Err(format!(
                        "`-o {}` selects part of the object",
                        v.trim_matches('"')
                    ));
                }
            }
            Some("-l" | "--selector") => labels = Some(value(&mut i, argv)?),
            Some("--field-selector") => fields = Some(value(&mut i, argv)?),
            Some(f @ ("--ignore-daemonsets" | "--delete-emptydir-data" | "--force")) => {
                bools.push(f.to_string())
            }
            Some(f @ ("--timeout" | "--replicas" | "--tail" | "-c" | "--container")) => {
                let v = value(&mut i, argv)?;
                values.push((f.to_string(), v));
            }
            Some(f) => return Err(format!("`kubectl` flag `{f}` has no equivalent parameter")),
            None => rest.push(i),
        }
        i += 1;
    }
    let verb = rest
        .first()
        .and_then(|&i| argv.lit(i))
        .ok_or("no kubectl verb")?
        .to_string();
    let operands: Vec<usize> = rest[1..].to_vec();
    // `, namespace: NS` after an action's arguments, where -n gave one.
    let ns_arg = namespace.clone().map(|ns| format!(", namespace: {ns}"));
    let ns_required = || {
        ns_arg
            .clone()
            .ok_or("no -n: rbk's default namespace may differ from the context's")
    };
    let take_value = |values: &mut Vec<(String, String)>, f: &str| {
        values
            .iter()
            .position(|(k, _)| k == f)
            .map(|p| values.remove(p).1)
    };
    let (expr, hint, returns_value) = match (verb.as_str(), operands.as_slice()) {
        ("get", [kinds]) | ("get", [kinds, _]) => {
            let kinds_lit = argv
                .lit(*kinds)
                .ok_or("a kind that is not plain text")?
                .to_string();
            let kinds: Vec<&str> = kinds_lit.split(',').collect();
            let name = match operands.get(1) {
                Some(&i) => Some((argv.expr)(i, Role::Value)?),
                None => None,
            };
            if all_namespaces && namespace.is_some() {
                return Err("both -A and -n".into());
            }
            // Without -n or -A, kubectl reads the context's namespace; a
            // kube.list without one reads every namespace.
            let namespaced = !kinds.iter().all(|k| CLUSTER_SCOPED.contains(k));
            let namespace = if namespace.is_none() && !all_namespaces && namespaced {
                todo = Some(
                    "kubectl read the kubeconfig context's namespace; this reads `default`: check it".to_string(),
                );
                Some(crate::import::emit::quote("default"))
            } else {
                namespace.clone()
            };
            get(
                &kinds,
                name,
                namespace.clone(),
                labels.clone(),
                fields.clone(),
            )?
        }
        ("cordon" | "uncordon", [node]) => {
            let node = (argv.expr)(*node, Role::Value)?;
            action(format!("kube.{verb}({node})"))
        }
        ("drain", [node]) => {
            let node = (argv.expr)(*node, Role::Value)?;
            let mut args = vec![node];
            // kubectl's defaults, said explicitly where rbk's differ.
            args.push(format!(
                "ignore_daemonsets: {}",
                bools.iter().any(|b| b == "--ignore-daemonsets")
            ));
            for (flag, param) in [
                ("--delete-emptydir-data", "delete_emptydir_data"),
                ("--force", "force"),
            ] {
                if bools.iter().any(|b| b == flag) {
                    args.push(format!("{param}: true"));
                }
            }
            if let Some(t) = take_value(&mut values, "--timeout") {
                args.push(format!("timeout: {}", duration(&t)?));
            } else {
                return Err(
                    "kubectl drain without --timeout waits forever; kube.drain needs a bound"
                        .into(),
                );
            }
            (
                format!("kube.drain({})", args.join(", ")),
                "drain".into(),
                true,
            )
        }
        ("delete", [kind, name]) => {
            let kind = (argv.expr)(*kind, Role::Value)?;
            let name = (argv.expr)(*name, Role::Value)?;
            let ns = ns_arg.clone().unwrap_or_default();
            action(format!("kube.delete({kind}, {name}{ns})"))
        }
        ("rollout", [sub, target]) if argv.lit(*sub) == Some("restart") => {
            let (kind, name) = kind_slash_name(argv.lit(*target))?;
            let ns = ns_required()?;
            action(format!("kube.rollout_restart({kind}, {name}{ns})"))
        }
        ("scale", [target]) => {
            let (kind, name) = kind_slash_name(argv.lit(*target))?;
            let replicas = take_value(&mut values, "--replicas").ok_or("no --replicas")?;
            let replicas = replicas.trim_matches('"').to_string();
            replicas
                .parse::<u32>()
                .map_err(|_| "--replicas is not a number")?;
            let ns = ns_required()?;
            action(format!("kube.scale({kind}, {name}, {replicas}{ns})"))
        }
        ("logs", [pod]) => {
            let pod = (argv.expr)(*pod, Role::Value)?;
            let ns = namespace
                .clone()
                .ok_or("no -n: kube.logs needs the namespace")?;
            let mut args = vec![pod, ns];
            if let Some(c) =
                take_value(&mut values, "-c").or_else(|| take_value(&mut values, "--container"))
            {
                args.push(format!("container: {c}"));
            }
            let tail = take_value(&mut values, "--tail").unwrap_or_else(|| "-1".into());
            args.push(format!("tail: {}", tail.trim_matches('"')));
            (
                format!("kube.logs({})", args.join(", ")),
                "logs".into(),
                true,
            )
        }
        _ => {
            return Err(format!(
                "no builtin does `kubectl {verb}` with these operands"
            ))
        }
    };
    if !values.is_empty() || (!bools.is_empty() && verb != "drain") {
        return Err("a flag that has no equivalent parameter here".into());
    }
    Ok(Call {
        expr,
        family: Family::Kube,
        returns_value,
        hint,
        kubeconfig,
        todo,
    })
}

/// A call that returns nothing to read: no `let`, so no name for one.
fn action(expr: String) -> (String, String, bool) {
    (expr, String::new(), false)
}

/// Kinds without a namespace (their calls ignore one).
const CLUSTER_SCOPED: &[&str] = &[
    "nodes",
    "node",
    "no",
    "namespaces",
    "namespace",
    "ns",
    "pv",
    "persistentvolumes",
    "storageclasses",
    "sc",
    "clusterroles",
    "clusterrolebindings",
    "crd",
    "crds",
    "customresourcedefinitions",
];

/// `kubectl get KINDS [NAME]`: one call per kind, joined with `+`.
fn get(
    kinds: &[&str],
    name: Option<String>,
    namespace: Option<String>,
    labels: Option<String>,
    fields: Option<String>,
) -> Result<(String, String, bool), String> {
    let ns = namespace
        .clone()
        .map(|n| format!(", namespace: {n}"))
        .unwrap_or_default();
    if let Some(name) = name {
        let [kind] = kinds else {
            return Err("one name and several kinds".into());
        };
        return Ok((
            format!("kube.get({}, {name}{ns})", super::emit::quote(kind)),
            "object".into(),
            true,
        ));
    }
    if matches!(kinds, ["nodes"] | ["node"] | ["no"]) && labels.is_none() && fields.is_none() {
        return Ok(("kube.nodes()".into(), "nodes".into(), true));
    }
    if matches!(kinds, ["pods"] | ["pod"] | ["po"]) && labels.is_none() && fields.is_none() {
        let ns = namespace
            .map(|n| format!("namespace: {n}"))
            .unwrap_or_default();
        return Ok((format!("kube.pods({ns})"), "pods".into(), true));
    }
    let mut extra = ns;
    if let Some(l) = labels {
        extra.push_str(&format!(", labels: {l}"));
    }
    if let Some(f) = fields {
        extra.push_str(&format!(", fields: {f}"));
    }
    let calls: Vec<String> = kinds
        .iter()
        .map(|k| format!("kube.list({}{extra})", super::emit::quote(k)))
        .collect();
    let hint = if kinds.len() == 1 {
        kinds[0].replace(['-', '.'], "_")
    } else {
        "objects".into()
    };
    Ok((calls.join(" + "), hint, true))
}

fn kind_slash_name(word: Option<&str>) -> Result<(String, String), String> {
    let (kind, name) = word
        .and_then(|w| w.split_once('/'))
        .ok_or("a target that is not KIND/NAME")?;
    Ok((super::emit::quote(kind), super::emit::quote(name)))
}

/// A shell duration (`300s`, `5m`, `120`) as an rbk duration.
pub fn duration(text: &str) -> Result<String, String> {
    let t = text.trim_matches('"');
    if t.chars().all(|c| c.is_ascii_digit()) && !t.is_empty() {
        return Ok(format!("{t}s"));
    }
    let ok = t.len() > 1
        && t[..t.len() - 1].chars().all(|c| c.is_ascii_digit())
        && matches!(t.chars().last(), Some('s' | 'm' | 'h'));
    if ok {
        Ok(t.to_string())
    } else {
        Err(format!("`{t}` is not a duration"))
    }
}

/// What an `ssh` command line says.
#[derive(Debug, PartialEq)]
pub struct SshCall {
    pub host: String,
    pub user: String,
    pub key: Option<String>,
    pub port: Option<String>,
    /// Host key checking was turned off (`StrictHostKeyChecking=no`).
    pub insecure_host_keys: bool,
    /// The remote command's words, as expressions.
    pub command: Vec<usize>,
    pub ignored: Vec<String>,
}

/// `ssh [options] [user@]host command...` (the words after `ssh`).
pub fn ssh(argv: &mut Argv) -> Result<SshCall, String> {
    let n = argv.lits.len();
    let mut key = None;
    let mut port = None;
    let mut user = None;
    let mut insecure = false;
    let mut ignored = Vec::new();
    let mut i = 0;
    while i < n {
        let Some(w) = argv.lit(i).map(str::to_string) else {
            break;
        };
        if !w.starts_with('-') {
            break;
        }
        match w.as_str() {
            "-i" => {
                i += 1;
                key = Some((argv.expr)(i, Role::Value)?);
            }
            "-p" => {
                i += 1;
                port = Some(
                    argv.lit(i)
                        .ok_or("a port that is not plain text")?
                        .to_string(),
                );
            }
            "-l" => {
                i += 1;
                user = Some((argv.expr)(i, Role::Value)?);
            }
            "-o" => {
                i += 1;
                let opt = argv
                    .lit(i)
                    .ok_or("an -o option that is not plain text")?
                    .to_string();
                let (k, v) = opt.split_once('=').ok_or("an -o option without `=`")?;
                match (k, v) {
                    ("BatchMode", "yes") => {}
                    ("StrictHostKeyChecking", "no") => insecure = true,
                    ("StrictHostKeyChecking", "accept-new") => {}
                    ("UserKnownHostsFile", "/dev/null") => insecure = true,
                    ("ConnectTimeout", _) => ignored.push(opt.clone()),
                    _ => return Err(format!("ssh option `{opt}` has no equivalent")),
                }
            }
            "-q" | "-T" | "-n" => {}
            other => return Err(format!("ssh flag `{other}` has no equivalent")),
        }
        i += 1;
    }
    let target = argv.lit(i).ok_or("no plain-text host")?.to_string();
    let (user, host) = match (target.split_once('@'), user) {
        (Some((u, h)), None) => (super::emit::quote(u), h.to_string()),
        (None, Some(u)) => (u, target.clone()),
        _ => return Err("no user: ssh.run's scope needs one".into()),
    };
    if i + 1 >= n {
        return Err("an interactive ssh session (no command)".into());
    }
    Ok(SshCall {
        host,
        user,
        key,
        port,
        insecure_host_keys: insecure,
        command: (i + 1..n).collect(),
        ignored,
    })
}

/// A TCP probe: `nc -z [-w N] HOST PORT`, or `timeout N bash -c
/// 'exec 3<>/dev/tcp/HOST/PORT'` (also `</dev/tcp/...`). Host, port and
/// the timeout in seconds.
pub fn tcp_probe(
    program: &str,
    args: &[Option<String>],
) -> Option<(String, String, Option<String>)> {
    let lit = |i: usize| args.get(i).and_then(|a| a.as_deref());
    match program {
        "nc" | "ncat" | "netcat" => {
            let mut timeout = None;
            let mut rest = Vec::new();
            let mut i = 0;
            let mut zero_io = false;
            while i < args.len() {
                match lit(i)? {
                    "-z" => zero_io = true,
                    "-zv" | "-vz" => zero_io = true,
                    "-v" => {}
                    "-w" => {
                        i += 1;
                        timeout = Some(lit(i)?.to_string());
                    }
                    w if w.starts_with('-') => return None,
                    w => rest.push(w.to_string()),
                }
                i += 1;
            }
            match (zero_io, rest.as_slice()) {
                (true, [host, port]) if port.parse::<u16>().is_ok() => {
                    Some((host.clone(), port.clone(), timeout))
                }
                _ => None,
            }
        }
        "timeout" => {
            let secs = lit(0)?;
            secs.parse::<u32>().ok()?;
            if !(matches!(lit(1)?, "bash") && lit(2)? == "-c" && args.len() == 4) {
                return None;
            }
            let (host, port) = dev_tcp(lit(3)?)?;
            Some((host, port, Some(secs.to_string())))
        }
        _ => None,
    }
}

/// The host and port of a script that only opens `/dev/tcp/HOST/PORT`.
fn dev_tcp(script: &str) -> Option<(String, String)> {
    let prog = shell::parse(script).ok()?;
    let [list] = prog.complete_commands.as_slice() else {
        return None;
    };
    let [item] = list.0.as_slice() else {
        return None;
    };
    if !item.0.additional.is_empty() || item.0.first.seq.len() != 1 {
        return None;
    }
    let brush_parser::ast::Command::Simple(cmd) = &item.0.first.seq[0] else {
        return None;
    };
    let w = shell::words(cmd);
    let program = w.words.first().and_then(|w| shell::literal(w));
    if !matches!(
        program.as_deref(),
        None | Some("exec" | ":" | "true" | "cat")
    ) || w.words.len() > 1
    {
        return None;
    }
    let [redirect] = w.redirects.as_slice() else {
        return None;
    };
    let target = redirect.rsplit(' ').next()?.trim();
    let rest = target.strip_prefix("/dev/tcp/")?;
    let (host, port) = rest.split_once('/')?;
    port.parse::<u16>().ok()?;
    Some((host.to_string(), port.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::emit::quote;

    fn argv_of(line: &str) -> Vec<Option<String>> {
        line.split_whitespace()
            .map(|w| Some(w.to_string()))
            .collect()
    }

    fn map_with(f: fn(&mut Argv) -> Result<Call, String>, line: &str) -> Result<String, String> {
        let lits = argv_of(line);
        let copy = lits.clone();
        let mut expr = move |i: usize, _r: Role| Ok(quote(copy[i].as_deref().unwrap_or("")));
        let mut argv = Argv {
            lits,
            expr: &mut expr,
        };
        f(&mut argv).map(|c| c.expr)
    }

    #[test]
    fn openstack_commands_map_exactly() {
        let m = |l| map_with(openstack, l);
        assert_eq!(
            m("server show capi-mgmt-v2 -f value -c status").as_deref(),
            Ok(r#"openstack.server.show("capi-mgmt-v2").status"#)
        );
        assert_eq!(
            m("server stop vm").as_deref(),
            Ok(r#"openstack.server.stop("vm")"#)
        );
        assert_eq!(
            m("server list --all-projects --long -f yaml").as_deref(),
            Ok("openstack.server.list(all_projects: true)")
        );
        assert_eq!(
            m("loadbalancer show lb -f value -c provisioning_status").as_deref(),
            Ok(r#"openstack.loadbalancer.show("lb").provisioning_status"#)
        );
        assert_eq!(
            m("loadbalancer amphora list -f yaml").as_deref(),
            Ok("openstack.loadbalancer.amphora.list()")
        );
        assert_eq!(
            m("coe cluster show c -f value -c health_status_reason").as_deref(),
            Ok(r#"openstack.coe.cluster.show("c").health_status_reason"#)
        );
        // Not exact: refused, with the reason.
        assert!(m("server show vm -c no_such_field").is_err());
        assert!(m("server create --flavor x vm").is_err());
        assert!(m("server list --deleted").is_err());
        assert!(m("server start a b").is_err());
    }

    #[test]
    fn every_openstack_entry_is_a_builtin_with_its_flags() {
        for &(name, flags) in OPENSTACK {
            let b = builtins::lookup(name).unwrap_or_else(|| panic!("{name} is no builtin"));
            assert!(b.command.starts_with("openstack "), "{name}: {}", b.command);
            assert!(!subcommand(b).is_empty(), "{name}: {}", b.command);
            for flag in flags {
                assert!(
                    flag_param(b, flag).is_some(),
                    "{name}: {flag} not in its command"
                );
            }
        }
        let list = builtins::lookup("openstack.server.list").expect("a builtin");
        assert_eq!(subcommand(list), ["server", "list"]);
        assert_eq!(
            flag_param(list, "--all-projects"),
            Some(("all_projects", false))
        );
        assert_eq!(flag_param(list, "--host"), Some(("host", true)));
        assert_eq!(flag_param(list, "--hos"), None);
    }

    #[test]
    fn kubectl_commands_map_exactly() {
        let m = |l| map_with(kubectl, l);
        assert_eq!(m("get nodes -o wide").as_deref(), Ok("kube.nodes()"));
        assert_eq!(m("get pods -A").as_deref(), Ok("kube.pods()"));
        assert_eq!(
            m("get pods").as_deref(),
            Ok(r#"kube.pods(namespace: "default")"#)
        );
        assert_eq!(
            m("get deploy,sts").as_deref(),
            Ok(
                r#"kube.list("deploy", namespace: "default") + kube.list("sts", namespace: "default")"#
            )
        );
        assert_eq!(
            m("-n ns get cluster,machines").as_deref(),
            Ok(r#"kube.list("cluster", namespace: "ns") + kube.list("machines", namespace: "ns")"#)
        );
        assert_eq!(m("cordon w1").as_deref(), Ok(r#"kube.cordon("w1")"#));
        assert_eq!(
            m("drain w1 --ignore-daemonsets --timeout=300s").as_deref(),
            Ok(r#"kube.drain("w1", ignore_daemonsets: true, timeout: 300s)"#)
        );
        assert!(m("drain w1").is_err(), "no bound");
        assert!(m("apply -f x.yaml").is_err());
        assert!(m("get pods --watch").is_err());
        assert!(m("get node w1 -o jsonpath={.status}").is_err());
    }

    #[test]
    fn ssh_and_probes() {
        let lits = argv_of(
            "-i ~/.ssh/k -o BatchMode=yes -o StrictHostKeyChecking=no ubuntu@10.0.0.1 uptime",
        );
        let copy = lits.clone();
        let mut expr = move |i: usize, _r: Role| Ok(quote(copy[i].as_deref().unwrap_or("")));
        let mut argv = Argv {
            lits,
            expr: &mut expr,
        };
        let s = ssh(&mut argv).expect("maps");
        assert_eq!(
            (s.host.as_str(), s.user.as_str()),
            ("10.0.0.1", "\"ubuntu\"")
        );
        assert!(s.insecure_host_keys);
        assert_eq!(s.command, vec![7]);
        let args = |l: &str| argv_of(l);
        // `timeout SECS bash -c SCRIPT`: the script is one word.
        let timeout_bash = |secs: &str, script: &str| {
            let mut words = argv_of(&format!("{secs} bash -c"));
            words.push(Some(script.to_string()));
            words
        };
        assert_eq!(
            tcp_probe(
                "timeout",
                &timeout_bash("5", "exec 3<>/dev/tcp/10.0.0.1/22")
            ),
            Some(("10.0.0.1".into(), "22".into(), Some("5".into())))
        );
        assert_eq!(
            tcp_probe("timeout", &timeout_bash("3", "</dev/tcp/h/443")),
            Some(("h".into(), "443".into(), Some("3".into())))
        );
        assert_eq!(
            tcp_probe("nc", &args("-z -w 3 h 22")),
            Some(("h".into(), "22".into(), Some("3".into())))
        );
        assert_eq!(
            tcp_probe("nc", &args("h 22")),
            None,
            "without -z nc sends data"
        );
        assert_eq!(
            tcp_probe("timeout", &timeout_bash("5", "echo hi > /dev/tcp/h/22")),
            None
        );
    }
}
