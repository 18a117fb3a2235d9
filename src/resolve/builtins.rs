//! The builtin signature table: the single source of truth for what a
//! procedure can call. The checker reads it (arity, types, scope, effect,
//! layer), the interpreter runs the implementation each entry names, `rbk
//! render` prints each call's hand-typed equivalent from `command`, and the
//! book's builtin reference is generated from it.
//!
//! # Adding a builtin
//!
//! 1. If it returns a new record, declare it once in `backends::model`
//!    (`records!`: the struct and its definition) and list it in
//!    `resolve::types::records`.
//! 2. Add the backend call to the family's trait in `backends` (for
//!    example `OpenStack`), with the real client and the simulator's answer
//!    (the compiler lists every implementation that lacks it).
//! 3. Write the implementation in `interp::io` (`io_fn! { name(c) { ... } }`;
//!    `c.os()?`, `c.s(0)`, `c.flag(1)`, `c.duration(2, default)` read the
//!    scope and the arguments), or a pure function in `interp::functions`.
//! 4. Add its entry here: name, params, returns, effect, layer, scope,
//!    hazards (what the checker demands around a call of it),
//!    summary, `command` (what `rbk render` prints) and
//!    `run: Implementation::Io(io::name)`.
//!
//! The tests in `interp::io` then prove the entry has an implementation of
//! its kind, a render command, and an answer from the simulator; the book's
//! reference picks it up on the next `RBK_BLESS=1 cargo test --test book`.
use super::types::records::*;
use super::types::Ty;
use crate::interp::{functions, io};
use crate::syntax::ast::{Arg, ExprKind, Path, ScopeKind};

/// What calling a builtin does to the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Effect {
    /// A function of its arguments: no I/O at all.
    Pure,
    /// Looks, never touches. Safe to retry; runs under `--dry-run`.
    ReadOnly,
    /// Changes the world. Never retried; skipped under `--dry-run`.
    Mutating,
    /// Changes the world irreversibly (delete): needs verify-then-delete.
    Destructive,
    /// Mutating, and only one may run at a time (failover: one slot of headroom).
    Exclusive,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Pure => "pure",
            Effect::ReadOnly => "read-only",
            Effect::Mutating => "mutating",
            Effect::Destructive => "destructive",
            Effect::Exclusive => "exclusive",
        }
    }
    /// Does this call change the world?
    pub fn mutates(self) -> bool {
        self >= Effect::Mutating
    }
}

/// What else a builtin does that the safety rules look for, beyond its
/// [`Effect`]. Each fact is written once, on the builtin's entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hazard {
    /// Interrupts service though it deletes nothing (stop, reboot, failover,
    /// migrate, disable): needs a `confirm` before it, like a delete (RBK415).
    Disruptive,
    /// Places new load: needs room for one more instance (failover, migrate,
    /// resize, create). A gate that reads capacity must pass first (RBK416).
    PlacesLoad,
    /// Reads capacity (hypervisors, Placement): a gate that calls it is a
    /// capacity gate for [`Hazard::PlacesLoad`].
    ReadsCapacity,
    /// Its first argument is an id: the API scopes names to a project, so a
    /// `.name` or a literal that is not a UUID acts on the wrong thing or on
    /// nothing (RBK413).
    ById,
}

impl Hazard {
    pub fn as_str(self) -> &'static str {
        match self {
            Hazard::Disruptive => "disruptive",
            Hazard::PlacesLoad => "places load",
            Hazard::ReadsCapacity => "reads capacity",
            Hazard::ById => "by id",
        }
    }
}

#[derive(Debug)]
pub struct Param {
    pub name: &'static str,
    pub ty: Ty,
    /// Source text of the default; None means required.
    pub default: Option<&'static str>,
    pub doc: &'static str,
    /// When not empty, this parameter decides the call's effect: each
    /// value it may be written as (case-insensitive) and the effect it
    /// gives (`method: "GET"` is read-only, `changes: true` mutating). Any
    /// other argument (a variable, an unlisted value) gets the builtin's
    /// declared `effect`, the most dangerous it can have.
    pub effects: &'static [(&'static str, Effect)],
    /// When not empty, the only values it takes (case-insensitive); a
    /// literal outside them is RBK112 (`service: "compue"`).
    pub values: &'static [&'static str],
}

#[derive(Debug)]
pub struct Builtin {
    /// Dotted name as written in procedures.
    pub name: &'static str,
    pub params: &'static [Param],
    pub returns: Ty,
    pub effect: Effect,
    /// The layer it acts on, when that is fixed by what it does.
    pub layer: Option<&'static str>,
    /// The credential scope it must be called inside.
    pub scope: Option<ScopeKind>,
    /// What else it does that the safety rules look for.
    pub hazards: &'static [Hazard],
    pub summary: &'static str,
    /// What an operator would type by hand; `{param}` is replaced by the
    /// argument as written, `[--flag]{param}` only when the argument is true.
    pub command: &'static str,
    /// Its implementation.
    pub run: Implementation,
}

/// How a builtin runs: the implementation its table entry names.
#[derive(Debug, Clone, Copy)]
pub enum Implementation {
    /// A function of its arguments, no I/O (`interp::functions`).
    Pure(functions::PureFn),
    /// An action or a look at the world through a backend (`interp::io`).
    Io(io::IoFn),
}

impl Builtin {
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }
    pub fn required_params(&self) -> usize {
        self.params.iter().filter(|p| p.default.is_none()).count()
    }
    /// The parameter that decides a call's effect (see [`Param::effects`]),
    /// with its position.
    pub fn effect_param(&self) -> Option<(usize, &Param)> {
        self.params
            .iter()
            .enumerate()
            .find(|(_, p)| !p.effects.is_empty())
    }
    /// The effect as the book and hovers state it: the declared one, or
    /// which argument decides it and how.
    pub fn effect_summary(&self) -> String {
        let Some((_, p)) = self.effect_param() else {
            return self.effect.as_str().to_string();
        };
        let cases: Vec<String> = p
            .effects
            .iter()
            .map(|(v, e)| format!("`{v}` {}", e.as_str()))
            .collect();
        format!(
            "by `{}`: {}; any other value {}",
            p.name,
            cases.join(", "),
            self.effect.as_str()
        )
    }
    /// The effect a value of the deciding parameter gives, written as text
    /// (`GET`, `true`); the declared effect when the value is not listed.
    fn effect_for(&self, p: &Param, text: &str) -> Effect {
        p.effects
            .iter()
            .find(|(v, _)| v.eq_ignore_ascii_case(text))
            .map_or(self.effect, |(_, e)| *e)
    }
    /// The effect of a call written with these arguments, as the checker
    /// and the renderer see it: the deciding parameter's literal picks it;
    /// absent, its default does; anything else is the declared effect.
    pub fn effect_of(&self, args: &[Arg]) -> Effect {
        match self.decided_by(args) {
            Decided::Not => self.effect,
            Decided::Literal(p, text) => self.effect_for(p, &text),
            Decided::Unknown(_) | Decided::Unlisted => self.effect,
        }
    }
    /// Is the deciding argument a literal the table does not list (RBK111
    /// reports it; the rules that count it as the worst case stay quiet)?
    pub fn effect_unlisted(&self, args: &[Arg]) -> bool {
        matches!(self.decided_by(args), Decided::Unlisted)
    }
    /// The effect of a call with its arguments bound (the interpreter's
    /// view: the value is known, whatever expression gave it).
    pub fn effect_of_values(&self, values: &[crate::interp::value::Value]) -> Effect {
        use crate::interp::value::Value;
        let Some((i, p)) = self.effect_param() else {
            return self.effect;
        };
        match values.get(i) {
            Some(Value::Str(s)) => self.effect_for(p, s),
            Some(Value::Bool(b)) => self.effect_for(p, if *b { "true" } else { "false" }),
            _ => self.effect,
        }
    }
    /// Why a call counts as its declared (most dangerous) effect although
    /// the table lets an argument decide: for a note on a diagnostic.
    pub fn effect_note(&self, args: &[Arg]) -> Option<String> {
        match self.decided_by(args) {
            Decided::Unknown(p) => Some(format!(
                "`{}` is not a literal the checker can read, so the call counts as {}; write one of {} to say what it does",
                p.name,
                self.effect.as_str(),
                p.effects
                    .iter()
                    .map(|(v, _)| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            _ => None,
        }
    }
    fn decided_by(&self, args: &[Arg]) -> Decided<'_> {
        let Some((i, p)) = self.effect_param() else {
            return Decided::Not;
        };
        let named = args
            .iter()
            .find(|a| a.name.as_ref().is_some_and(|n| n.name == p.name));
        let arg = named.or_else(|| args.iter().filter(|a| a.name.is_none()).nth(i));
        let Some(arg) = arg else {
            return match p.default {
                Some(d) => Decided::Literal(p, d.trim_matches('"').to_string()),
                None => Decided::Unknown(p),
            };
        };
        match &arg.value.kind {
            ExprKind::Str(t) => match t.as_literal() {
                Some(text) if p.effects.iter().any(|(v, _)| v.eq_ignore_ascii_case(&text)) => {
                    Decided::Literal(p, text)
                }
                Some(_) => Decided::Unlisted,
                None => Decided::Unknown(p),
            },
            ExprKind::Bool(b) => Decided::Literal(p, b.to_string()),
            _ => Decided::Unknown(p),
        }
    }
    /// The family it belongs to (`openstack`, `kube`, `ssh`, `tcp`, `file`),
    /// or None for functions.
    pub fn family(&self) -> Option<&'static str> {
        self.name.split_once('.').map(|(f, _)| f)
    }
    pub fn has(&self, h: Hazard) -> bool {
        self.hazards.contains(&h)
    }
}

/// What decides a call's effect, read from its arguments.
enum Decided<'a> {
    /// The builtin has no deciding parameter.
    Not,
    /// A literal (or the default) the parameter lists.
    Literal(&'a Param, String),
    /// A value the checker cannot read.
    Unknown(&'a Param),
    /// A literal the parameter does not list (RBK111).
    Unlisted,
}

const fn p(name: &'static str, ty: Ty, doc: &'static str) -> Param {
    Param {
        name,
        ty,
        default: None,
        doc,
        effects: &[],
        values: &[],
    }
}
const fn opt(name: &'static str, ty: Ty, default: &'static str, doc: &'static str) -> Param {
    Param {
        name,
        ty,
        default: Some(default),
        doc,
        effects: &[],
        values: &[],
    }
}
/// A parameter that takes only these values ([`Param::values`]).
const fn one_of(param: Param, values: &'static [&'static str]) -> Param {
    Param { values, ..param }
}
/// A parameter that decides the call's effect ([`Param::effects`]).
const fn deciding(param: Param, effects: &'static [(&'static str, Effect)]) -> Param {
    Param { effects, ..param }
}
/// An HTTP method and what it does: the effect facts of every builtin that
/// sends one (`openstack.request`, `http.request`).
const HTTP_METHODS: &[(&str, Effect)] = &[
    ("GET", Effect::ReadOnly),
    ("HEAD", Effect::ReadOnly),
    ("POST", Effect::Mutating),
    ("PUT", Effect::Mutating),
    ("PATCH", Effect::Mutating),
    ("DELETE", Effect::Destructive),
];

static SERVER_TY: Ty = Ty::Record(&SERVER);
static LB_TY: Ty = Ty::Record(&LOAD_BALANCER);
static AMPHORA_TY: Ty = Ty::Record(&AMPHORA);
static HYPERVISOR_TY: Ty = Ty::Record(&HYPERVISOR);
static NODE_TY: Ty = Ty::Record(&NODE);
static POD_TY: Ty = Ty::Record(&POD);
static KUBE_OBJECT_TY: Ty = Ty::Record(&KUBE_OBJECT);
static COMPUTE_SERVICE_TY: Ty = Ty::Record(&COMPUTE_SERVICE);
static VOLUME_TY: Ty = Ty::Record(&VOLUME);
static NETWORK_TY: Ty = Ty::Record(&NETWORK);
static PORT_TY: Ty = Ty::Record(&PORT);
static FLOATING_IP_TY: Ty = Ty::Record(&FLOATING_IP);
static RESOURCE_PROVIDER_TY: Ty = Ty::Record(&RESOURCE_PROVIDER);
static INVENTORY_TY: Ty = Ty::Record(&INVENTORY);
static LISTENER_TY: Ty = Ty::Record(&LISTENER);
static POOL_TY: Ty = Ty::Record(&POOL);
static MEMBER_TY: Ty = Ty::Record(&MEMBER);
static NODE_GROUP_TY: Ty = Ty::Record(&NODE_GROUP);
static COE_CLUSTER_TY: Ty = Ty::Record(&COE_CLUSTER);

const KIND_DOC: &str = "Kind, plural or short name (`node`, `pods`, `deploy`, `pdb`, `cluster`), or `plural.group` for the rest; found by discovery.";
const NAMESPACE_DOC: &str =
    "Namespace; ignored for cluster-scoped kinds, `default` when empty for namespaced ones.";
static STR_TY: Ty = Ty::Str;
static ANY_TY: Ty = Ty::Any;

use Effect::*;
use Hazard::*;
use ScopeKind::{Kube, OpenStack, Ssh};

/// Every builtin and function, in the order the book lists them.
pub static BUILTINS: &[Builtin] = &[
    // ------------------------------------------------------------ OpenStack
    Builtin {
        name: "openstack.server.start",
        params: &[p("server", Ty::Str, "Server name or id.")],
        returns: Ty::Null,
        effect: Mutating,
        layer: Some("vm"),
        scope: Some(OpenStack),
        hazards: &[],
        summary: "Start a stopped server (Nova os-start).",
        command: "openstack server start {server}",
        run: Implementation::Io(io::server_start),
    },
    Builtin {
        name: "openstack.server.stop",
        params: &[p("server", Ty::Str, "Server name or id.")],
        returns: Ty::Null,
        effect: Mutating,
        layer: Some("vm"),
        scope: Some(OpenStack),
        hazards: &[Disruptive],
        summary: "Stop a server (Nova os-stop: an ACPI stop, not a clean guest shutdown on every image).",
        command: "openstack server stop {server}",
        run: Implementation::Io(io::server_stop),
    },
    Builtin {
        name: "openstack.server.show",
        params: &[p("server", Ty::Str, "Server name or id (names resolve in the scope's project).")],
        returns: Ty::Record(&SERVER),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "One server's details.",
        command: "openstack server show {server}",
        run: Implementation::Io(io::server_show),
    },
    Builtin {
        name: "openstack.server.list",
        params: &[
            opt("all_projects", Ty::Bool, "false", "List every project's servers (admin)."),
            opt("host", Ty::Str, "\"\"", "Only servers on this compute host (admin)."),
            opt("status", Ty::Str, "\"\"", "Only servers in this status (ACTIVE, ERROR, ...)."),
            opt("name", Ty::Str, "\"\"", "Only servers whose name matches this regular expression."),
        ],
        returns: Ty::List(&SERVER_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "Servers in the scope's project, or in all projects; optionally on one host, in one status, by name.",
        command: "openstack server list [--all-projects]{all_projects} [--host {host}]{host} [--status {status}]{status} [--name {name}]{name} --long",
        run: Implementation::Io(io::server_list),
    },
    Builtin {
        name: "openstack.server.delete",
        params: &[p("id", Ty::Str, "Server UUID. By id only: name lookup is project-scoped.")],
        returns: Ty::Null,
        effect: Destructive,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[ById],
        summary: "Delete a server by UUID.",
        command: "openstack server delete {id}",
        run: Implementation::Io(io::server_delete),
    },
    Builtin {
        name: "openstack.loadbalancer.list",
        params: &[],
        returns: Ty::List(&LB_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "Load balancers visible in the scope.",
        command: "openstack loadbalancer list",
        run: Implementation::Io(io::loadbalancer_list),
    },
    Builtin {
        name: "openstack.loadbalancer.show",
        params: &[p("id", Ty::Str, "Load balancer id or name.")],
        returns: Ty::Record(&LOAD_BALANCER),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "One load balancer's provisioning and operating status.",
        command: "openstack loadbalancer show {id}",
        run: Implementation::Io(io::loadbalancer_show),
    },
    Builtin {
        name: "openstack.loadbalancer.failover",
        params: &[p("id", Ty::Str, "Load balancer id.")],
        returns: Ty::Null,
        effect: Exclusive,
        layer: Some("lb"),
        scope: Some(OpenStack),
        hazards: &[Disruptive, PlacesLoad, ById],
        summary: "Fail a load balancer over to new amphorae (needs headroom for one more amphora; admin).",
        command: "openstack loadbalancer failover {id}",
        run: Implementation::Io(io::loadbalancer_failover),
    },
    Builtin {
        name: "openstack.loadbalancer.amphora.list",
        params: &[],
        returns: Ty::List(&AMPHORA_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "Octavia's amphora inventory (the database truth; admin).",
        command: "openstack loadbalancer amphora list",
        run: Implementation::Io(io::amphora_list),
    },
    Builtin {
        name: "openstack.hypervisor.list",
        params: &[],
        returns: Ty::List(&HYPERVISOR_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[ReadsCapacity],
        summary: "Compute hosts with memory figures and allocation ratios (Nova < 2.88 or Placement; admin).",
        command: "openstack hypervisor list --long",
        run: Implementation::Io(io::hypervisor_list),
    },
    Builtin {
        name: "openstack.coe.cluster.show",
        params: &[p("name", Ty::Str, "Cluster name or id.")],
        returns: Ty::Record(&COE_CLUSTER),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "A Magnum cluster, with its health status and reason.",
        command: "openstack coe cluster show {name}",
        run: Implementation::Io(io::coe_cluster_show),
    },
    Builtin {
        name: "openstack.server.reboot",
        params: &[
            p("server", Ty::Str, "Server name or id."),
            opt("hard", Ty::Bool, "false", "Power-cycle instead of asking the guest (HARD_REBOOT)."),
        ],
        returns: Ty::Null,
        effect: Mutating,
        layer: Some("vm"),
        scope: Some(OpenStack),
        hazards: &[Disruptive],
        summary: "Reboot a server: REBOOT (soft) or HARD_REBOOT, then ACTIVE.",
        command: "openstack server reboot [--hard]{hard} {server}",
        run: Implementation::Io(io::server_reboot),
    },
    Builtin {
        name: "openstack.server.live_migrate",
        params: &[
            p("server", Ty::Str, "Server name or id."),
            opt("host", Ty::Str, "\"\"", "Target compute host, checked by the scheduler; the scheduler picks when empty."),
        ],
        returns: Ty::Null,
        effect: Exclusive,
        layer: Some("vm"),
        scope: Some(OpenStack),
        hazards: &[Disruptive, PlacesLoad],
        summary: "Live-migrate a server (MIGRATING, then ACTIVE on the target; back to ACTIVE on its host when it fails). One at a time: each needs room on a target (admin).",
        command: "openstack server migrate --live-migration [--host {host}]{host} {server}",
        run: Implementation::Io(io::server_live_migrate),
    },
    Builtin {
        name: "openstack.server.migrate",
        params: &[
            p("server", Ty::Str, "Server name or id."),
            opt("host", Ty::Str, "\"\"", "Target compute host; the scheduler picks when empty."),
        ],
        returns: Ty::Null,
        effect: Exclusive,
        layer: Some("vm"),
        scope: Some(OpenStack),
        hazards: &[Disruptive, PlacesLoad],
        summary: "Cold-migrate a server (RESIZE, then VERIFY_RESIZE until confirmed; admin).",
        command: "openstack server migrate [--host {host}]{host} {server}",
        run: Implementation::Io(io::server_migrate),
    },
    Builtin {
        name: "openstack.server.confirm_resize",
        params: &[p("server", Ty::Str, "Server name or id.")],
        returns: Ty::Null,
        effect: Mutating,
        layer: Some("vm"),
        scope: Some(OpenStack),
        hazards: &[],
        summary: "Confirm a migration or resize in VERIFY_RESIZE (frees the source host).",
        command: "openstack server resize confirm {server}",
        run: Implementation::Io(io::server_confirm_resize),
    },
    Builtin {
        name: "openstack.server.console_log",
        params: &[
            p("server", Ty::Str, "Server name or id."),
            opt("lines", Ty::Int, "50", "The last this many lines."),
        ],
        returns: Ty::Str,
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "The end of a server's console log.",
        command: "openstack console log show --lines {lines} {server}",
        run: Implementation::Io(io::server_console_log),
    },
    Builtin {
        name: "openstack.compute.service.list",
        params: &[
            opt("host", Ty::Str, "\"\"", "Only services on this host."),
            opt("binary", Ty::Str, "\"\"", "Only this service (nova-compute, ...)."),
        ],
        returns: Ty::List(&COMPUTE_SERVICE_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "Nova services with their status, state and disabled reason (admin).",
        command: "openstack compute service list [--host {host}]{host} [--service {binary}]{binary}",
        run: Implementation::Io(io::compute_service_list),
    },
    Builtin {
        name: "openstack.compute.service.disable",
        params: &[
            p("host", Ty::Str, "Compute host."),
            p("reason", Ty::Str, "Why: shown to every operator who lists the services."),
            opt("binary", Ty::Str, "\"nova-compute\"", "The service."),
        ],
        returns: Ty::Record(&COMPUTE_SERVICE),
        effect: Mutating,
        layer: Some("host"),
        scope: Some(OpenStack),
        hazards: &[Disruptive],
        summary: "Disable a compute service with a reason: the scheduler places nothing new on the host (admin).",
        command: "openstack compute service set --disable --disable-reason {reason} {host} {binary}",
        run: Implementation::Io(io::compute_service_disable),
    },
    Builtin {
        name: "openstack.compute.service.enable",
        params: &[
            p("host", Ty::Str, "Compute host."),
            opt("binary", Ty::Str, "\"nova-compute\"", "The service."),
        ],
        returns: Ty::Record(&COMPUTE_SERVICE),
        effect: Mutating,
        layer: Some("host"),
        scope: Some(OpenStack),
        hazards: &[],
        summary: "Enable a compute service again: the scheduler may place servers on the host (admin).",
        command: "openstack compute service set --enable {host} {binary}",
        run: Implementation::Io(io::compute_service_enable),
    },
    Builtin {
        name: "openstack.hypervisor.show",
        params: &[p("host", Ty::Str, "Compute host, hypervisor host name or id.")],
        returns: Ty::Record(&HYPERVISOR),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[ReadsCapacity],
        summary: "One compute host's memory figures, status and running servers (admin).",
        command: "openstack hypervisor show {host}",
        run: Implementation::Io(io::hypervisor_show),
    },
    Builtin {
        name: "openstack.hypervisor.servers",
        params: &[p("host", Ty::Str, "Compute host.")],
        returns: Ty::List(&SERVER_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "The servers on one compute host, every project's (admin).",
        command: "openstack server list --all-projects --host {host} --long",
        run: Implementation::Io(io::hypervisor_servers),
    },
    Builtin {
        name: "openstack.loadbalancer.listener.list",
        params: &[opt("loadbalancer", Ty::Str, "\"\"", "Only this load balancer's (id).")],
        returns: Ty::List(&LISTENER_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "Octavia listeners.",
        command: "openstack loadbalancer listener list [--loadbalancer {loadbalancer}]{loadbalancer}",
        run: Implementation::Io(io::listener_list),
    },
    Builtin {
        name: "openstack.loadbalancer.pool.list",
        params: &[opt("loadbalancer", Ty::Str, "\"\"", "Only this load balancer's (id).")],
        returns: Ty::List(&POOL_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "Octavia pools.",
        command: "openstack loadbalancer pool list [--loadbalancer {loadbalancer}]{loadbalancer}",
        run: Implementation::Io(io::pool_list),
    },
    Builtin {
        name: "openstack.loadbalancer.member.list",
        params: &[p("pool", Ty::Str, "Pool id.")],
        returns: Ty::List(&MEMBER_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "The members (backends) of a pool, with their operating status.",
        command: "openstack loadbalancer member list {pool}",
        run: Implementation::Io(io::member_list),
    },
    Builtin {
        name: "openstack.coe.cluster.list",
        params: &[],
        returns: Ty::List(&COE_CLUSTER_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "Magnum clusters with their health.",
        command: "openstack coe cluster list",
        run: Implementation::Io(io::coe_cluster_list),
    },
    Builtin {
        name: "openstack.coe.nodegroup.list",
        params: &[p("cluster", Ty::Str, "Cluster name or id.")],
        returns: Ty::List(&NODE_GROUP_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "A Magnum cluster's node groups.",
        command: "openstack coe nodegroup list {cluster}",
        run: Implementation::Io(io::coe_nodegroup_list),
    },
    Builtin {
        name: "openstack.coe.nodegroup.show",
        params: &[
            p("cluster", Ty::Str, "Cluster name or id."),
            p("nodegroup", Ty::Str, "Node group name or id."),
        ],
        returns: Ty::Record(&NODE_GROUP),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "One node group of a Magnum cluster.",
        command: "openstack coe nodegroup show {cluster} {nodegroup}",
        run: Implementation::Io(io::coe_nodegroup_show),
    },
    Builtin {
        name: "openstack.loadbalancer.delete",
        params: &[
            p("id", Ty::Str, "Load balancer id."),
            opt("cascade", Ty::Bool, "false", "Delete its listeners, pools and members too."),
        ],
        returns: Ty::Null,
        effect: Destructive,
        layer: Some("lb"),
        scope: Some(OpenStack),
        hazards: &[ById],
        summary: "Delete a load balancer (by id).",
        command: "openstack loadbalancer delete [--cascade]{cascade} {id}",
        run: Implementation::Io(io::loadbalancer_delete),
    },
    Builtin {
        name: "openstack.loadbalancer.amphora.failover",
        params: &[p("id", Ty::Str, "Amphora id.")],
        returns: Ty::Null,
        effect: Exclusive,
        layer: Some("lb"),
        scope: Some(OpenStack),
        hazards: &[Disruptive, PlacesLoad, ById],
        summary: "Replace one amphora with a new one on the current amphora image (needs headroom for one more amphora; admin).",
        command: "openstack loadbalancer amphora failover {id}",
        run: Implementation::Io(io::amphora_failover),
    },
    Builtin {
        name: "openstack.loadbalancer.amphora.delete",
        params: &[p("id", Ty::Str, "Amphora id.")],
        returns: Ty::Null,
        effect: Destructive,
        layer: Some("lb"),
        scope: Some(OpenStack),
        hazards: &[ById],
        summary: "Delete an amphora Octavia no longer needs (ERROR or spare; admin).",
        command: "openstack loadbalancer amphora delete {id}",
        run: Implementation::Io(io::amphora_delete),
    },
    Builtin {
        name: "openstack.volume.list",
        params: &[opt("all_projects", Ty::Bool, "false", "Every project's volumes (admin).")],
        returns: Ty::List(&VOLUME_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "Cinder volumes with their status and attachments.",
        command: "openstack volume list [--all-projects]{all_projects} --long",
        run: Implementation::Io(io::volume_list),
    },
    Builtin {
        name: "openstack.volume.show",
        params: &[p("volume", Ty::Str, "Volume name or id.")],
        returns: Ty::Record(&VOLUME),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "One volume.",
        command: "openstack volume show {volume}",
        run: Implementation::Io(io::volume_show),
    },
    Builtin {
        name: "openstack.volume.detach",
        params: &[
            p("server", Ty::Str, "Server name or id."),
            p("volume", Ty::Str, "Volume name or id."),
        ],
        returns: Ty::Null,
        effect: Mutating,
        layer: Some("vm"),
        scope: Some(OpenStack),
        hazards: &[Disruptive],
        summary: "Detach a volume from a server.",
        command: "openstack server remove volume {server} {volume}",
        run: Implementation::Io(io::volume_detach),
    },
    Builtin {
        name: "openstack.volume.delete",
        params: &[p("id", Ty::Str, "Volume UUID (by id only).")],
        returns: Ty::Null,
        effect: Destructive,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[ById],
        summary: "Delete a volume that is attached to nothing.",
        command: "openstack volume delete {id}",
        run: Implementation::Io(io::volume_delete),
    },
    Builtin {
        name: "openstack.network.list",
        params: &[],
        returns: Ty::List(&NETWORK_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "Neutron networks visible in the scope.",
        command: "openstack network list --long",
        run: Implementation::Io(io::network_list),
    },
    Builtin {
        name: "openstack.port.list",
        params: &[
            opt("device", Ty::Str, "\"\"", "Only the ports of this server (or other device) id."),
            opt("network", Ty::Str, "\"\"", "Only ports on this network id."),
        ],
        returns: Ty::List(&PORT_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "Neutron ports.",
        command: "openstack port list [--device-id {device}]{device} [--network {network}]{network} --long",
        run: Implementation::Io(io::port_list),
    },
    Builtin {
        name: "openstack.port.show",
        params: &[p("id", Ty::Str, "Port id.")],
        returns: Ty::Record(&PORT),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "One port.",
        command: "openstack port show {id}",
        run: Implementation::Io(io::port_show),
    },
    Builtin {
        name: "openstack.floating_ip.list",
        params: &[],
        returns: Ty::List(&FLOATING_IP_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "Floating IPs and what they map to.",
        command: "openstack floating ip list --long",
        run: Implementation::Io(io::floating_ip_list),
    },
    Builtin {
        name: "openstack.floating_ip.show",
        params: &[p("id", Ty::Str, "Floating IP id.")],
        returns: Ty::Record(&FLOATING_IP),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "One floating IP.",
        command: "openstack floating ip show {id}",
        run: Implementation::Io(io::floating_ip_show),
    },
    Builtin {
        name: "openstack.placement.provider.list",
        params: &[opt("name", Ty::Str, "\"\"", "Only the provider with this name.")],
        returns: Ty::List(&RESOURCE_PROVIDER_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[],
        summary: "Placement resource providers (one per compute node; admin).",
        command: "openstack resource provider list [--name {name}]{name}",
        run: Implementation::Io(io::placement_provider_list),
    },
    Builtin {
        name: "openstack.placement.inventory.list",
        params: &[p("provider", Ty::Str, "Provider UUID or name.")],
        returns: Ty::List(&INVENTORY_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[ReadsCapacity],
        summary: "A provider's inventories with their usages and what is free: the scheduler's own capacity view (admin).",
        command: "openstack resource provider inventory list {provider}",
        run: Implementation::Io(io::placement_inventory_list),
    },
    Builtin {
        name: "openstack.placement.usage.list",
        params: &[p("provider", Ty::Str, "Provider UUID or name.")],
        returns: Ty::Map,
        effect: ReadOnly,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[ReadsCapacity],
        summary: "What is allocated on a provider, by resource class (`u.MEMORY_MB`, `u.VCPU`; admin).",
        command: "openstack resource provider usage show {provider}",
        run: Implementation::Io(io::placement_usage_list),
    },
    Builtin {
        name: "openstack.request",
        params: &[
            one_of(
                p("service", Ty::Str, "Catalog type (`compute`, `placement`, `load-balancer`, `container-infra`, `image`, `block-storage`, `network`) or a common alias (`volume`, `nova`, `octavia`, ...)."),
                crate::backends::openstack::request::SERVICE_NAMES,
            ),
            deciding(
                p("method", Ty::Str, "HTTP method; it decides the call's effect."),
                HTTP_METHODS,
            ),
            p("path", Ty::Str, "Path below the service's versioned endpoint, query string included (`/os-services?binary=nova-compute`)."),
            opt("body", Ty::Any, "none", "JSON body: YAML or JSON text (usually a `\"\"\"` block), or a map; none sends no body."),
            opt("microversion", Ty::Str, "\"\"", "Exactly this microversion (`2.79`) in `OpenStack-API-Version`; a service that does not serve it fails the call. None sent when empty."),
        ],
        returns: Ty::Record(&OS_RESPONSE),
        effect: Destructive,
        layer: None,
        scope: Some(OpenStack),
        hazards: &[Disruptive],
        summary: "Any OpenStack API call the typed builtins do not cover, through the same credentials, catalog, microversion negotiation, retries (reads only) and error messages. Its effect is its method's; a call that changes the world needs a `confirm` first, since rbk cannot tell what it interrupts.",
        command: "curl -sS -X {method} -H \"X-Auth-Token: $OS_TOKEN\" [-H \"OpenStack-API-Version: {service} {microversion}\"]{microversion} [--json '{body}']{body} <{service}-endpoint>{path}",
        run: Implementation::Io(io::openstack_request),
    },
    // ------------------------------------------------------------ Kubernetes
    Builtin {
        name: "kube.nodes",
        params: &[],
        returns: Ty::List(&NODE_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(Kube),
        hazards: &[],
        summary: "The cluster's nodes.",
        command: "kubectl get nodes -o wide",
        run: Implementation::Io(io::kube_nodes),
    },
    Builtin {
        name: "kube.pods",
        params: &[opt("namespace", Ty::Str, "\"\"", "One namespace; every namespace when empty.")],
        returns: Ty::List(&POD_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(Kube),
        hazards: &[],
        summary: "Pods in one namespace or in all of them.",
        command: "kubectl get pods -A",
        run: Implementation::Io(io::kube_pods),
    },
    Builtin {
        name: "kube.get",
        params: &[
            p("kind", Ty::Str, KIND_DOC),
            p("name", Ty::Str, "Object name."),
            opt("namespace", Ty::Str, "\"\"", NAMESPACE_DOC),
        ],
        returns: Ty::Record(&KUBE_OBJECT),
        effect: ReadOnly,
        layer: None,
        scope: Some(Kube),
        hazards: &[],
        summary: "One object of any kind, with its labels, spec, status and conditions.",
        command: "kubectl get {kind} {name} [-n {namespace}]{namespace} -o yaml",
        run: Implementation::Io(io::kube_get),
    },
    Builtin {
        name: "kube.list",
        params: &[
            p("kind", Ty::Str, KIND_DOC),
            opt("namespace", Ty::Str, "\"\"", "Namespace; every namespace when empty."),
            opt("labels", Ty::Str, "\"\"", "Label selector (`app=web,tier!=db`)."),
            opt("fields", Ty::Str, "\"\"", "Field selector (`spec.nodeName=worker-1`)."),
        ],
        returns: Ty::List(&KUBE_OBJECT_TY),
        effect: ReadOnly,
        layer: None,
        scope: Some(Kube),
        hazards: &[],
        summary: "Objects of one kind, in a namespace or in all of them, filtered by label and field selectors.",
        command: "kubectl get {kind} [-n {namespace}]{namespace} [-l {labels}]{labels} [--field-selector {fields}]{fields}",
        run: Implementation::Io(io::kube_list),
    },
    Builtin {
        name: "kube.apply",
        params: &[
            p("manifest", Ty::Any, "The object: YAML (or JSON) text, usually a `\"\"\"` block, or a map read from another object."),
            opt("field_manager", Ty::Str, "\"rbk\"", "Field manager the server records for the applied fields."),
            opt("force", Ty::Bool, "false", "Take over fields another manager owns (`--force-conflicts`)."),
        ],
        returns: Ty::Record(&KUBE_OBJECT),
        effect: Mutating,
        layer: None,
        scope: Some(Kube),
        hazards: &[],
        summary: "Server-side apply of a manifest; the object as the server stored it.",
        command: "kubectl apply --server-side --field-manager={field_manager} [--force-conflicts]{force} -f -",
        run: Implementation::Io(io::kube_apply),
    },
    Builtin {
        name: "kube.patch",
        params: &[
            p("kind", Ty::Str, KIND_DOC),
            p("name", Ty::Str, "Object name."),
            p("patch", Ty::Any, "The patch: YAML (or JSON) text, or a map."),
            opt("namespace", Ty::Str, "\"\"", NAMESPACE_DOC),
            opt("type", Ty::Str, "\"merge\"", "`merge` (RFC 7386) or `strategic`."),
        ],
        returns: Ty::Record(&KUBE_OBJECT),
        effect: Mutating,
        layer: None,
        scope: Some(Kube),
        hazards: &[],
        summary: "Patch one object; the object as the server stored it.",
        command: "kubectl patch {kind} {name} [-n {namespace}]{namespace} --type={type} -p '{patch}'",
        run: Implementation::Io(io::kube_patch),
    },
    Builtin {
        name: "kube.delete",
        params: &[
            p("kind", Ty::Str, KIND_DOC),
            p("name", Ty::Str, "Object name."),
            opt("namespace", Ty::Str, "\"\"", NAMESPACE_DOC),
        ],
        returns: Ty::Null,
        effect: Destructive,
        layer: None,
        scope: Some(Kube),
        hazards: &[],
        summary: "Delete one object; the garbage collector then removes what it owned.",
        command: "kubectl delete {kind} {name} [-n {namespace}]{namespace}",
        run: Implementation::Io(io::kube_delete),
    },
    Builtin {
        name: "kube.scale",
        params: &[
            p("kind", Ty::Str, "`deployment`, `statefulset`, `replicaset`, or any kind with a scale subresource."),
            p("name", Ty::Str, "Object name."),
            p("replicas", Ty::Int, "Desired replicas."),
            opt("namespace", Ty::Str, "\"default\"", "Namespace."),
        ],
        returns: Ty::Null,
        effect: Mutating,
        layer: Some("k8s"),
        scope: Some(Kube),
        hazards: &[],
        summary: "Set the replicas of a workload through its scale subresource; pods follow over time.",
        command: "kubectl -n {namespace} scale {kind}/{name} --replicas={replicas}",
        run: Implementation::Io(io::kube_scale),
    },
    Builtin {
        name: "kube.rollout_restart",
        params: &[
            p("kind", Ty::Str, "`deployment`, `daemonset` or `statefulset`."),
            p("name", Ty::Str, "Object name."),
            opt("namespace", Ty::Str, "\"default\"", "Namespace."),
        ],
        returns: Ty::Null,
        effect: Mutating,
        layer: Some("k8s"),
        scope: Some(Kube),
        hazards: &[Disruptive],
        summary: "Replace a workload's pods with a rolling update (stamps `kubectl.kubernetes.io/restartedAt` on its pod template).",
        command: "kubectl -n {namespace} rollout restart {kind}/{name}",
        run: Implementation::Io(io::kube_rollout_restart),
    },
    Builtin {
        name: "kube.cordon",
        params: &[p("node", Ty::Str, "Node name.")],
        returns: Ty::Null,
        effect: Mutating,
        layer: Some("k8s"),
        scope: Some(Kube),
        hazards: &[],
        summary: "Mark a node unschedulable: running pods stay, no new ones land.",
        command: "kubectl cordon {node}",
        run: Implementation::Io(io::kube_cordon),
    },
    Builtin {
        name: "kube.uncordon",
        params: &[p("node", Ty::Str, "Node name.")],
        returns: Ty::Null,
        effect: Mutating,
        layer: Some("k8s"),
        scope: Some(Kube),
        hazards: &[],
        summary: "Mark a node schedulable again.",
        command: "kubectl uncordon {node}",
        run: Implementation::Io(io::kube_uncordon),
    },
    Builtin {
        name: "kube.drain",
        params: &[
            p("node", Ty::Str, "Node name."),
            opt("timeout", Ty::Duration, "5m", "Stop retrying refused evictions after this long (the bound)."),
            opt("retry_every", Ty::Duration, "5s", "Wait between rounds of refused evictions."),
            opt("ignore_daemonsets", Ty::Bool, "true", "Leave DaemonSet pods in place (otherwise they make the drain fail)."),
            opt("delete_emptydir_data", Ty::Bool, "false", "Evict pods with emptyDir volumes (their data is lost)."),
            opt("force", Ty::Bool, "false", "Evict pods that no controller will recreate."),
        ],
        returns: Ty::Record(&DRAIN),
        effect: Mutating,
        layer: Some("k8s"),
        scope: Some(Kube),
        hazards: &[Disruptive],
        summary: "Cordon a node and evict its pods through the Eviction API, honouring PodDisruptionBudgets, until empty or the timeout.",
        command: "kubectl drain {node} [--ignore-daemonsets]{ignore_daemonsets} [--delete-emptydir-data]{delete_emptydir_data} [--force]{force} --timeout={timeout}",
        run: Implementation::Io(io::kube_drain),
    },
    Builtin {
        name: "kube.logs",
        params: &[
            p("pod", Ty::Str, "Pod name."),
            p("namespace", Ty::Str, "Namespace."),
            opt("container", Ty::Str, "\"\"", "Container; the pod's only one when empty."),
            opt("tail", Ty::Int, "100", "Last lines only; every line when -1."),
        ],
        returns: Ty::Str,
        effect: ReadOnly,
        layer: None,
        scope: Some(Kube),
        hazards: &[],
        summary: "A container's log.",
        command: "kubectl -n {namespace} logs {pod} [-c {container}]{container} --tail={tail}",
        run: Implementation::Io(io::kube_logs),
    },
    // ------------------------------------------------------------ ssh, tcp, files
    Builtin {
        name: "ssh.run",
        params: &[
            p("command", Ty::Str, "Shell command run on the scope's host; stdin is closed."),
            opt("timeout", Ty::Duration, "60s", "Give up after this long."),
            deciding(
                opt("changes", Ty::Bool, "false", "The command changes the host (`sudo systemctl reboot`): the call is mutating, so `--dry-run` shows it instead of running it."),
                &[("false", ReadOnly), ("true", Mutating)],
            ),
        ],
        returns: Ty::Record(&SSH_OUTPUT),
        effect: Mutating,
        layer: None,
        scope: Some(Ssh),
        hazards: &[],
        summary: "Run a command over ssh (BatchMode, strict host keys by default); read-only unless `changes: true`.",
        command: "ssh {scope} '{command}'",
        run: Implementation::Io(io::ssh_run),
    },
    Builtin {
        name: "ssh.put",
        params: &[
            p("local", Ty::Str, "File on the operator's machine; `~/` is your home."),
            p("remote", Ty::Str, "Path on the host; `~/` is the login user's home. Written beside it first, then renamed into place."),
            opt("mode", Ty::Str, "\"0600\"", "Octal mode of the copy (`\"0755\"` for a script)."),
            opt("timeout", Ty::Duration, "60s", "Give up after this long."),
        ],
        returns: Ty::Int,
        effect: Mutating,
        layer: None,
        scope: Some(Ssh),
        hazards: &[],
        summary: "Copy a local file to the scope's host over the same ssh connection as `ssh.run`; the bytes copied.",
        command: "ssh {scope} 'cat > {remote} && chmod {mode} {remote}' < {local}",
        run: Implementation::Io(io::ssh_put),
    },
    Builtin {
        name: "ssh.get",
        params: &[
            p("remote", Ty::Str, "Path on the host; `~/` is the login user's home."),
            p("local", Ty::Str, "File on the operator's machine (mode 0600, replaced atomically); `~/` is your home."),
            opt("timeout", Ty::Duration, "60s", "Give up after this long."),
        ],
        returns: Ty::Int,
        effect: ReadOnly,
        layer: None,
        scope: Some(Ssh),
        hazards: &[],
        summary: "Copy a file from the scope's host to the operator's machine; read-only for the host (it writes only your local copy). The bytes copied.",
        command: "ssh {scope} 'cat {remote}' > {local}",
        run: Implementation::Io(io::ssh_get),
    },
    // ------------------------------------------------------------ the operator's machine, HTTP
    Builtin {
        name: "local.run",
        params: &[
            p("argv", Ty::List(&STR_TY), "The program and its arguments, one item each (`[\"juju\", \"status\", \"-m\", model]`): no shell, so nothing is split, globbed or expanded."),
            opt("timeout", Ty::Duration, "60s", "Kill the command and fail the call after this long."),
            deciding(
                opt("readonly", Ty::Bool, "false", "The command only looks (`juju status`): the call is read-only, so `--dry-run` runs it and a `readonly` step may hold it."),
                &[("false", Mutating), ("true", ReadOnly)],
            ),
        ],
        returns: Ty::Record(&LOCAL_OUTPUT),
        effect: Mutating,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "Run a command on the operator's machine (`juju`, `kubectl`, a site script); stdin is closed. Mutating unless `readonly: true`. Under `--sim` nothing runs: the scenario's `[[local]]` answers, and any other argv exits 127 saying what to declare.",
        command: "timeout {timeout} {argv}",
        run: Implementation::Io(io::local_run),
    },
    Builtin {
        name: "http.get",
        params: &[
            p("url", Ty::Str, "`http://` or `https://` URL."),
            opt("headers", Ty::Str, "\"\"", "Request headers, one `Name: value` per line; their values never reach the journal or the terminal."),
            opt("timeout", Ty::Duration, "30s", "Give up after this long, connecting included."),
            opt("insecure", Ty::Bool, "false", "Accept any TLS certificate (verification is on unless you say so)."),
            opt("cacert", Ty::Str, "\"\"", "A PEM bundle to trust besides the system's roots."),
        ],
        returns: Ty::Record(&HTTP_RESPONSE),
        effect: ReadOnly,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "GET a URL (a health endpoint); any status is an answer, no connection fails the call. Under `--sim` the scenario's `[[http]]` answers; any other URL gets a 404 saying what to declare.",
        command: "timeout {timeout} curl -sS [-k]{insecure} [--cacert {cacert}]{cacert} [-H {headers}]{headers} {url}",
        run: Implementation::Io(io::http_get),
    },
    Builtin {
        name: "http.request",
        params: &[
            deciding(
                p("method", Ty::Str, "HTTP method; it decides the call's effect."),
                HTTP_METHODS,
            ),
            p("url", Ty::Str, "`http://` or `https://` URL."),
            opt("body", Ty::Str, "\"\"", "Request body, sent as is; none when empty."),
            opt("headers", Ty::Str, "\"\"", "Request headers, one `Name: value` per line; their values never reach the journal or the terminal."),
            opt("timeout", Ty::Duration, "30s", "Give up after this long, connecting included."),
            opt("insecure", Ty::Bool, "false", "Accept any TLS certificate (verification is on unless you say so)."),
            opt("cacert", Ty::Str, "\"\"", "A PEM bundle to trust besides the system's roots."),
        ],
        returns: Ty::Record(&HTTP_RESPONSE),
        effect: Destructive,
        layer: None,
        scope: None,
        hazards: &[Disruptive],
        summary: "Any HTTP request; its effect is its method's, and a call that changes the world needs a `confirm` first. Any status is an answer. Under `--sim` the scenario's `[[http]]` answers.",
        command: "timeout {timeout} curl -sS -X {method} [-k]{insecure} [--cacert {cacert}]{cacert} [-H {headers}]{headers} [--data-binary {body}]{body} {url}",
        run: Implementation::Io(io::http_request),
    },
    Builtin {
        name: "tcp.probe",
        params: &[
            p("host", Ty::Str, "Host name or address."),
            p("port", Ty::Int, "TCP port."),
            opt("timeout", Ty::Duration, "5s", "Connect timeout."),
        ],
        returns: Ty::Bool,
        effect: ReadOnly,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "Can a TCP connection be opened?",
        command: "timeout {timeout} bash -c 'exec 3<>/dev/tcp/{host}/{port}'",
        run: Implementation::Io(io::tcp_probe),
    },
    Builtin {
        name: "file.exists",
        params: &[p("path", Ty::Str, "Local path; `~/` is the home directory.")],
        returns: Ty::Bool,
        effect: ReadOnly,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "Does a local file exist?",
        command: "test -e {path}",
        run: Implementation::Io(io::file_exists),
    },
    Builtin {
        name: "file.write",
        params: &[
            p("path", Ty::Str, "Local path; `~/` is the home directory."),
            p("content", Ty::Str, "Text to write (mode 0600)."),
        ],
        returns: Ty::Null,
        effect: Mutating,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "Write a local file atomically, readable only by you.",
        command: "cat > {path}",
        run: Implementation::Io(io::file_write),
    },
    Builtin {
        name: "sleep",
        params: &[p("duration", Ty::Duration, "How long.")],
        returns: Ty::Null,
        effect: ReadOnly,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "Wait (simulated time under `--sim`).",
        command: "sleep {duration}",
        run: Implementation::Io(io::sleep),
    },
    // ------------------------------------------------------------ functions
    Builtin {
        name: "len",
        params: &[p("value", Ty::Any, "A list, string or map.")],
        returns: Ty::Int,
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "Number of items (or characters).",
        command: "",
        run: Implementation::Pure(functions::len),
    },
    Builtin {
        name: "contains",
        params: &[p("haystack", Ty::Any, "A list, string or map."), p("needle", Ty::Any, "What to look for.")],
        returns: Ty::Bool,
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "Same as `needle in haystack`.",
        command: "",
        run: Implementation::Pure(functions::contains_),
    },
    Builtin {
        name: "starts_with",
        params: &[p("text", Ty::Str, "Text."), p("prefix", Ty::Str, "Prefix.")],
        returns: Ty::Bool,
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "Does the text start with the prefix?",
        command: "",
        run: Implementation::Pure(functions::starts_with),
    },
    Builtin {
        name: "ends_with",
        params: &[p("text", Ty::Str, "Text."), p("suffix", Ty::Str, "Suffix.")],
        returns: Ty::Bool,
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "Does the text end with the suffix?",
        command: "",
        run: Implementation::Pure(functions::ends_with),
    },
    Builtin {
        name: "trim_prefix",
        params: &[p("text", Ty::Str, "Text."), p("prefix", Ty::Str, "Prefix to remove.")],
        returns: Ty::Str,
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "The text without the prefix (unchanged when absent).",
        command: "",
        run: Implementation::Pure(functions::trim_prefix),
    },
    Builtin {
        name: "trim",
        params: &[p("text", Ty::Str, "Text.")],
        returns: Ty::Str,
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "The text without leading and trailing white space.",
        command: "",
        run: Implementation::Pure(functions::trim),
    },
    Builtin {
        name: "lower",
        params: &[p("text", Ty::Str, "Text.")],
        returns: Ty::Str,
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "Lower-case text.",
        command: "",
        run: Implementation::Pure(functions::lower),
    },
    Builtin {
        name: "upper",
        params: &[p("text", Ty::Str, "Text.")],
        returns: Ty::Str,
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "Upper-case text.",
        command: "",
        run: Implementation::Pure(functions::upper),
    },
    Builtin {
        name: "lines",
        params: &[p("text", Ty::Str, "Text.")],
        returns: Ty::List(&STR_TY),
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "The text's lines.",
        command: "",
        run: Implementation::Pure(functions::lines),
    },
    Builtin {
        name: "split",
        params: &[p("text", Ty::Str, "Text."), p("separator", Ty::Str, "Separator.")],
        returns: Ty::List(&STR_TY),
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "Split text on a separator.",
        command: "",
        run: Implementation::Pure(functions::split),
    },
    Builtin {
        name: "join",
        params: &[p("items", Ty::Any, "A list."), opt("separator", Ty::Str, "\", \"", "Separator.")],
        returns: Ty::Str,
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "Join a list's items into text.",
        command: "",
        run: Implementation::Pure(functions::join),
    },
    Builtin {
        name: "capture",
        params: &[p("text", Ty::Str, "Text."), p("pattern", Ty::Str, "Regex with one group.")],
        returns: Ty::Str,
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "The first group of the first match, or \"\" when none.",
        command: "",
        run: Implementation::Pure(functions::capture),
    },
    Builtin {
        name: "str",
        params: &[p("value", Ty::Any, "Any value.")],
        returns: Ty::Str,
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "A value as text.",
        command: "",
        run: Implementation::Pure(functions::str_),
    },
    Builtin {
        name: "int",
        params: &[p("value", Ty::Any, "A number or numeric text.")],
        returns: Ty::Int,
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "A value as a whole number (fails on non-numeric text).",
        command: "",
        run: Implementation::Pure(functions::int_),
    },
    Builtin {
        name: "float",
        params: &[p("value", Ty::Any, "A number or numeric text.")],
        returns: Ty::Float,
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "A value as a decimal number (fails on non-numeric text).",
        command: "",
        run: Implementation::Pure(functions::float_),
    },
    Builtin {
        name: "keys",
        params: &[p("map", Ty::Map, "A map.")],
        returns: Ty::List(&STR_TY),
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "A map's keys, sorted.",
        command: "",
        run: Implementation::Pure(functions::keys),
    },
    Builtin {
        name: "first",
        params: &[p("items", Ty::List(&ANY_TY), "A list.")],
        returns: Ty::Any,
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "The first item, or none when the list is empty.",
        command: "",
        run: Implementation::Pure(functions::first),
    },
    Builtin {
        name: "sum",
        params: &[p("items", Ty::List(&ANY_TY), "A list of numbers.")],
        returns: Ty::Float,
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "The sum of a list of numbers.",
        command: "",
        run: Implementation::Pure(functions::sum),
    },
    Builtin {
        name: "max",
        params: &[p("items", Ty::List(&ANY_TY), "A list of numbers.")],
        returns: Ty::Float,
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "The largest number, or none when the list is empty.",
        command: "",
        run: Implementation::Pure(functions::max_min),
    },
    Builtin {
        name: "min",
        params: &[p("items", Ty::List(&ANY_TY), "A list of numbers.")],
        returns: Ty::Float,
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "The smallest number, or none when the list is empty.",
        command: "",
        run: Implementation::Pure(functions::max_min),
    },
    Builtin {
        name: "condition",
        params: &[
            p("object", Ty::Record(&KUBE_OBJECT), "A Kubernetes object."),
            p("type", Ty::Str, "Condition type, e.g. \"Available\"."),
        ],
        returns: Ty::Record(&CONDITION),
        effect: Pure,
        layer: None,
        scope: None,
        hazards: &[],
        summary: "One condition of an object; status \"Unknown\" and empty texts when it has none.",
        command: "",
        run: Implementation::Pure(functions::condition),
    },
];

/// Look a builtin or function up by its dotted name.
pub fn lookup(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// [`lookup`] for a call's path (`openstack.server.show`), without joining
/// its segments into a new string: the checker looks up every call.
pub fn lookup_path(path: &Path) -> Option<&'static Builtin> {
    let len = path
        .segments
        .iter()
        .map(|s| s.name.len() + 1)
        .sum::<usize>();
    BUILTINS
        .iter()
        .find(|b| b.name.len() + 1 == len && is_dotted(b.name, path))
}

/// Is `name` the segments of `path` joined by dots?
fn is_dotted(name: &str, path: &Path) -> bool {
    let mut rest = name;
    for (i, seg) in path.segments.iter().enumerate() {
        if i > 0 {
            let Some(r) = rest.strip_prefix('.') else {
                return false;
            };
            rest = r;
        }
        let Some(r) = rest.strip_prefix(seg.as_str()) else {
            return false;
        };
        rest = r;
    }
    rest.is_empty()
}

/// Names close to `name`, for "did you mean" help.
pub fn similar(name: &str) -> Option<&'static str> {
    BUILTINS
        .iter()
        .map(|b| (strsim_distance(name, b.name), b.name))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Levenshtein distance; small inputs only.
pub fn strsim_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_families_have_scopes() {
        for (i, b) in BUILTINS.iter().enumerate() {
            assert!(
                BUILTINS[..i].iter().all(|o| o.name != b.name),
                "duplicate {}",
                b.name
            );
            match b.family() {
                Some("openstack") => assert_eq!(b.scope, Some(OpenStack), "{}", b.name),
                Some("kube") => assert_eq!(b.scope, Some(Kube), "{}", b.name),
                Some("ssh") => assert_eq!(b.scope, Some(Ssh), "{}", b.name),
                _ => assert_eq!(b.scope, None, "{}", b.name),
            }
            // Required parameters come before optional ones.
            let first_opt = b
                .params
                .iter()
                .position(|p| p.default.is_some())
                .unwrap_or(b.params.len());
            assert!(
                b.params[first_opt..].iter().all(|p| p.default.is_some()),
                "{}",
                b.name
            );
        }
    }

    fn path(dotted: &str) -> Path {
        let span = crate::syntax::ast::Span::new(0.into(), 0);
        Path {
            segments: dotted
                .split('.')
                .map(|s| crate::syntax::ast::Ident {
                    name: s.to_string(),
                    span,
                })
                .collect(),
            span,
        }
    }

    #[test]
    fn lookup_by_path_agrees_with_lookup_by_name() {
        for b in BUILTINS {
            assert_eq!(lookup_path(&path(b.name)).map(|f| f.name), Some(b.name));
        }
        for bad in [
            "openstack.server",
            "openstack.server.show.status",
            "openstackserver.show",
            "openstack.servershow",
            "len.x",
            "le",
            "",
        ] {
            assert_eq!(lookup(bad).map(|b| b.name), None, "{bad}");
            assert_eq!(lookup_path(&path(bad)).map(|b| b.name), None, "{bad}");
        }
    }

    /// Parse `call` (a builtin call expression) and give its effect as the
    /// checker sees it.
    fn effect_of_source(call: &str) -> Effect {
        let src =
            format!("procedure p \"P\" {{\n  step s \"S\" {{\n    let x = {call}\n  }}\n}}\n");
        let source = crate::diagnostic::SourceFile::new("t.rbk", src);
        let file = crate::syntax::parse(&source).expect("parses");
        let mut found = None;
        let p = file.procedure().expect("procedure");
        crate::check::walk::Index::of(p).calls(&mut |c| {
            if let Some(b) = c.builtin {
                found = Some(b.effect_of(c.args));
            }
        });
        found.expect("a builtin call")
    }

    #[test]
    fn one_argument_decides_the_effect() {
        let cases = [
            (r#"openstack.request("compute", "GET", "/x")"#, ReadOnly),
            (
                r#"openstack.request("compute", "delete", "/x")"#,
                Destructive,
            ),
            (
                r#"openstack.request("compute", method: "PATCH", path: "/x", service: "c")"#,
                Mutating,
            ),
            (r#"openstack.request("compute", m, "/x")"#, Destructive),
            (r#"openstack.request("compute", "GTE", "/x")"#, Destructive),
            (r#"local.run(["juju", "status"])"#, Mutating),
            (r#"local.run(["juju", "status"], readonly: true)"#, ReadOnly),
            (r#"local.run(["juju", "status"], readonly: flag)"#, Mutating),
            (r#"ssh.run("uptime")"#, ReadOnly),
            (r#"ssh.run("reboot", changes: true)"#, Mutating),
            (r#"http.get("https://x")"#, ReadOnly),
            (r#"openstack.server.delete("x")"#, Destructive),
        ];
        for (call, want) in cases {
            assert_eq!(effect_of_source(call), want, "{call}");
        }
        let run = lookup("ssh.run").unwrap();
        use crate::interp::value::Value;
        let values = [Value::Str("x".into()), Value::Null, Value::Bool(true)];
        assert_eq!(run.effect_of_values(&values), Mutating);
        let request = lookup("openstack.request").unwrap();
        let get = [Value::Str("compute".into()), Value::Str("get".into())];
        assert_eq!(request.effect_of_values(&get), ReadOnly);
        assert!(request.effect_summary().contains("`DELETE` destructive"));
    }

    #[test]
    fn suggests_near_names() {
        assert_eq!(
            similar("openstack.server.strat"),
            Some("openstack.server.start")
        );
        assert_eq!(similar("nothing.like.it"), None);
    }
}
