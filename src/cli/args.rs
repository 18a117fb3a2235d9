//! The command line, as fixed by `shared/design/cli-contract.md`.
use std::path::PathBuf;

use crate::sim::server::KubeDiscovery;
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "rbk",
    version,
    about = "Check, execute and render runbook procedures",
    long_about = "rbk checks .rbk runbook procedures for the hazards runbooks only warn about \
                  in prose, runs them against a real cloud or the embedded simulated cloud, \
                  and renders them into the human runbook.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint procedures: syntax, names, types, ordering and safety hazards.
    ///
    /// Each diagnostic links to its page in the book: by default the book
    /// built in the source checkout (`mdbook build book`) or installed beside
    /// the binary (`share/doc/rbk/book`), else the book's Markdown sources.
    /// Set RBK_BOOK_URL to the root of the book where your team publishes it.
    Check(CheckArgs),
    /// Run a procedure against a real cloud or the simulated cloud.
    #[command(
        after_help = "Exit status: 0 completed; 1 failed or aborted; 2 usage error \
        (including a journal that exists, records another procedure, or a procedure changed \
        since); 3 the journal could not be fully written; 4 another run holds the site's \
        lock (RBK_LOCK_DIR); 130 interrupted.\n\n\
        Kubernetes discovery is cached where kubectl keeps it ($KUBECACHEDIR, else \
        ~/.kube/cache) for 6 hours, shared with kubectl both ways."
    )]
    Exec(ExecArgs),
    /// The simulated cloud.
    #[command(subcommand)]
    Sim(SimCommand),
    /// Print a procedure's step graph.
    Graph(GraphArgs),
    /// Read an as-executed journal (`rbk exec --journal FILE`).
    #[command(subcommand)]
    Journal(JournalCommand),
    /// Render a procedure into the human runbook (a file `rbk check` finds
    /// errors in is refused, exit 1).
    Render(RenderArgs),
    /// Format procedures in the canonical layout.
    Fmt(FmtArgs),
    /// Draft a procedure from a Markdown runbook (prose and bash blocks).
    #[command(
        long_about = "Draft a procedure from a Markdown runbook: headings become steps (gates where \
        a line says GATE:), prose becomes note, warn and timing, a DECISION list a decide node, \
        the expectations table an expectations block. Bash blocks are parsed as shell: \
        openstack, kubectl, ssh and TCP-probe commands become builtin calls where the mapping is \
        exact, openrc/OS_* and KUBECONFIG preambles become scopes, `for i in $(seq 1 N); do ...; \
        sleep S; done` loops become polls bounded by N and S, with their break as `until`. \
        Anything else is kept as local.run([...]) behind a `// TODO(import): why` comment. \
        The shell's `# comments` stay where they stood, as `//` comments. A step whose changes \
        all fall on one builtin layer (vm, k8s, lb, host) gets `layer L`; waits the prose says \
        to sit out (PATIENCE, \"wait up to 20 minutes\") become patience windows. \
        Site literals (exported values, IP addresses, UUIDs) become site fields.\n\n\
        The draft is formatted as `rbk fmt` would; `rbk check` runs on it and a summary of \
        what is left to decide (diagnostics by code, TODOs) goes to stderr.",
        after_help = "Exit status: 0 the draft was written and checks without errors; 1 the \
        draft was written and `rbk check` reports errors on it (the summary lists them: the \
        author's part); 2 usage error, or a file that cannot be read or written."
    )]
    Import(ImportArgs),
    /// Language server for editors (LSP over stdin and stdout).
    #[command(
        long_about = "Language server for editors: LSP over stdin and stdout.\n\n\
        Live diagnostics as `rbk check` reports them, hover (builtins, site fields and \
        their values, steps, gates), go to definition, find references, completion, the \
        procedure outline, formatting exactly as `rbk fmt`, and quick fixes. Editors start \
        it themselves; see the book's \"Editors\" chapter for VS Code and Neovim."
    )]
    Lsp(LspArgs),
    /// Run one procedure across many sites: from this machine, or planned
    /// for Argo Workflows or Kubernetes Jobs.
    #[command(subcommand)]
    Fleet(super::FleetCommand),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The Markdown runbook to import.
    #[arg(value_name = "RUNBOOK.md")]
    pub runbook: PathBuf,
    /// Write the draft to FILE (default: stdout).
    #[arg(short, long, value_name = "FILE.rbk")]
    pub output: Option<PathBuf>,
    /// Write the site literals found to FILE (TOML, for `rbk exec --site`);
    /// without it, their values are the site fields' defaults in the draft.
    #[arg(long, value_name = "FILE.toml")]
    pub site_out: Option<PathBuf>,
    /// Overwrite the -o and --site-out files when they exist.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct LspArgs {
    /// Talk over stdin and stdout (the only transport, and the default;
    /// accepted because editor clients pass it).
    #[arg(long)]
    pub stdio: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
    Sarif,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Treat warnings as errors (exit 1 when any warning is reported).
    #[arg(long)]
    pub deny_warnings: bool,
    /// Files or directories (every `*.rbk` below a directory). A file that
    /// many of them `use` is read and parsed once; files are checked on
    /// every core, and the report is the same on any number of cores.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Run against the embedded simulated cloud, in SCENARIO (default: healthy).
    /// Nothing touches your machine: `local.run` and `http.*` get the
    /// scenario's `[[local]]` / `[[http]]` answers (others exit 127 / 404).
    #[arg(long, value_name = "SCENARIO", num_args = 0..=1, require_equals = true,
          default_missing_value = "healthy")]
    pub sim: Option<String>,
    /// Site file with the per-site literals (TOML). Optional under --sim:
    /// the simulated cloud names its project, VM, floating IP, namespace,
    /// LB and cluster itself.
    #[arg(long, value_name = "FILE")]
    pub site: Option<PathBuf>,
    /// Set a parameter: NAME=VALUE (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Write the as-executed journal (JSON Lines) to FILE. A journal is
    /// never overwritten: an existing FILE is refused unless it is the
    /// --resume journal or --journal-mode append is given. It holds no
    /// secret: header values, the value of every key named like a secret
    /// in a JSON, YAML or form body or answer, and the value of every
    /// param or site field named like a secret, wherever it appears in a
    /// line (also on the terminal), show as `<hidden>`.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// What to do when the --journal file exists: `new` refuses it, `append`
    /// adds this run after the runs it holds.
    #[arg(long, value_enum, value_name = "MODE", default_value_t = JournalMode::New)]
    pub journal_mode: JournalMode,
    /// Answer yes to every `confirm` (for automation).
    #[arg(long)]
    pub yes: bool,
    /// Run read-only calls; show and skip mutating ones.
    #[arg(long)]
    pub dry_run: bool,
    /// Resume from a journal: skip the steps any run of its chain completed,
    /// re-check gates, replay decisions. The run is appended to JOURNAL
    /// unless --journal names another file.
    #[arg(long, value_name = "JOURNAL")]
    pub resume: Option<PathBuf>,
    /// Resume even though the procedure changed since the journaled run
    /// (the steps that changed are listed).
    #[arg(long, requires = "resume")]
    pub accept_changed: bool,
    /// OpenStack cloud name in clouds.yaml (default: $OS_CLOUD).
    #[arg(long, env = "OS_CLOUD", value_name = "NAME")]
    pub cloud: Option<String>,
    /// Only errors and the final summary.
    #[arg(long, short, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Show every call and its result.
    #[arg(long, short)]
    pub verbose: bool,
    /// The procedure to run.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// `--journal-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JournalMode {
    /// The file must not exist yet (unless it is the --resume journal).
    New,
    /// Add this run after the runs the file holds.
    Append,
}

#[derive(Debug, Subcommand)]
pub enum JournalCommand {
    /// Print a run, or the chain of runs it resumes, as an as-executed log.
    /// Secrets are hidden as `rbk exec` hides them, also in journals an
    /// older rbk wrote.
    Show(JournalShowArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JournalFormat {
    /// A readable log for the terminal.
    Text,
    /// Markdown, to paste into a ticket.
    Md,
    /// One JSON document: the chain's runs and their events.
    Json,
    /// One self-contained page: the last run's timeline (steps and gates as
    /// bars on its clock, poll attempts as ticks, decisions, expectations,
    /// where it stopped).
    Html,
}

#[derive(Debug, Args)]
pub struct JournalShowArgs {
    #[arg(long, value_enum, default_value_t = JournalFormat::Text)]
    pub format: JournalFormat,
    /// Show only the last run of FILE, not the chain it ends.
    #[arg(long)]
    pub last: bool,
    /// Write to OUT instead of standard output.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// The journal (JSON Lines, as written by `rbk exec --journal`).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Serve the simulated cloud over HTTP on loopback.
    ///
    /// Besides the OpenStack and Kubernetes APIs: `GET /_sim/state` (the
    /// world as JSON) and `GET /_sim/stats` (the requests answered, by
    /// method and path, their `total`, and the tokens issued), which
    /// scripts/bench-requests reads to count what a procedure costs.
    Serve(SimServeArgs),
    /// List the named scenarios.
    Scenarios,
}

#[derive(Debug, Args)]
pub struct SimServeArgs {
    /// Scenario name, or a path to a scenario TOML file.
    #[arg(long, default_value = "healthy")]
    pub scenario: String,
    /// Address to listen on (loopback only).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// Run the simulated clock N times faster than the wall clock.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Write openrc, clouds.yaml and kubeconfig pointing at the server into DIR.
    #[arg(long, value_name = "DIR")]
    pub env_out: Option<PathBuf>,
    /// The Kubernetes discovery the server offers: aggregated (1.30+) or
    /// only the legacy per-group documents (older servers).
    #[arg(long, value_enum, default_value_t = KubeDiscovery::Aggregated)]
    pub kube_discovery: KubeDiscovery,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    Json,
    /// A self-contained SVG picture.
    Svg,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenderFormat {
    Md,
    Html,
}

/// The procedure graph in a Markdown runbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphOption {
    /// Mermaid source (GitHub and GitLab draw it).
    Mermaid,
    /// An inline SVG picture (mdBook and any HTML viewer show it).
    Svg,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    #[arg(long, value_enum, default_value_t = RenderFormat::Md)]
    pub format: RenderFormat,
    /// How a Markdown runbook shows the procedure graph (HTML always shows
    /// the SVG picture).
    #[arg(long, value_enum, default_value_t = GraphOption::Mermaid)]
    pub graph: GraphOption,
    /// Write to OUT instead of standard output.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Site file (TOML): show its values in commands instead of `<site.field>`.
    #[arg(long, value_name = "FILE")]
    pub site: Option<PathBuf>,
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Report files that are not formatted; change nothing (exit 1 if any).
    #[arg(long)]
    pub check: bool,
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}
