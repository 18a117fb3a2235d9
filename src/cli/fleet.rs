//! `rbk fleet`: one procedure across many sites. `run` runs the plan from
//! this machine (`crate::fleet::local`); `plan` writes it for another engine;
//! `submit`, `status` and `journals` drive a Kubernetes cluster that runs it.
//! The plan itself is `crate::fleet::Plan`.
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::{exit, usage_error};
use crate::fleet::{Plan, PlanRequest};

#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// Run the procedure on every site from this machine.
    #[command(
        after_help = "Exit status: 0 every site completed; 1 a site failed or was \
        aborted, or sites were not run because of a failure, or the procedure has errors (nothing \
        ran); 2 usage error (a bad site file, \
        param or flag: nothing ran); 3 a site's journal could not be fully written; 4 the only \
        sites not completed are locked by another run; 130 interrupted (Ctrl-C): every \
        journal is resumable with --resume."
    )]
    Run(FleetRunArgs),
    /// Write the fleet's plan for a distributed engine (Argo Workflows,
    /// Kubernetes Jobs) or for other tools (JSON).
    Plan(Box<FleetPlanArgs>),
    /// Submit generated objects (`rbk fleet plan -o`) to a Kubernetes cluster.
    #[command(
        long_about = "Submit generated objects (`rbk fleet plan --format argo|jobs -o FILE`) to a \
        Kubernetes cluster: the ServiceAccount, ConfigMap and journals' claim by server-side \
        apply, the Workflow or the Jobs by create (left as they are when they exist). Jobs are \
        then released wave by wave (the canary's first) and followed to the end; a failed \
        canary, or any failure without --keep-going, releases no later wave. A Job is released \
        only once it holds its site's lock, the Lease rbk-site-DIGEST in the namespace, so two \
        fleets never run the same site at once; a Job another fleet's running Job holds the \
        lock for stays suspended (\"held\") until that one finishes. Run it again to carry on \
        after an interruption or --no-wait.",
        after_help = "Exit status: 0 submitted (Argo), or every wave finished without failure \
        (Jobs), or released what may run now (--no-wait); 1 a site failed, or the cluster \
        refused a request; 2 usage error (an unreadable file, a kubeconfig that does not load)."
    )]
    Submit(FleetSubmitArgs),
    /// Show where each site of a submitted fleet is.
    #[command(
        after_help = "States: waiting, running, succeeded, failed (Argo also: error, skipped, \
        omitted). Exit status: 0 no site failed; 1 a site failed, or the cluster refused a \
        request; 2 usage error."
    )]
    Status(FleetClusterArgs),
    /// Collect each site's journal of a submitted fleet into a directory.
    #[command(
        long_about = "Collect each site's journal of a submitted fleet into a directory that \
        `rbk journal show` reads: a short-lived pod (the fleet's image) mounts the journals' \
        claim read-only and prints every journal; rbk reads its log, writes DIR/SITE.jsonl and \
        deletes the pod. Needs the right to create pods and read their logs; a pod's log is \
        capped by the kubelet (10 MiB by default), and a larger set of journals is refused \
        rather than cut.",
        after_help = "Exit status: 0 journals written; 1 the pod failed or the cluster refused \
        a request; 2 usage error."
    )]
    Journals(FleetJournalsArgs),
}

/// What every command that builds a plan takes.
#[derive(Debug, Args)]
pub struct FleetSpec {
    /// The procedure to run on every site.
    #[arg(value_name = "PROCEDURE")]
    pub procedure: PathBuf,
    /// The sites: site files, or directories (every `*.toml` directly in
    /// them). A site is named by its file stem.
    #[arg(long, required = true, num_args = 1.., value_name = "DIR|FILE")]
    pub sites: Vec<PathBuf>,
    /// Set a parameter on every site: NAME=VALUE (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Run SITE first and alone; nothing else starts unless it completes
    /// [default: the first site].
    #[arg(long, value_name = "SITE")]
    pub canary: Option<String>,
    /// Run no canary: the first sites start together.
    #[arg(long, conflicts_with = "canary")]
    pub no_canary: bool,
    /// Run at most N sites at once.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub parallel: u16,
    /// On a site's failure, let the running sites finish and start no new
    /// one (the default).
    #[arg(long, conflicts_with = "keep_going")]
    pub stop_on_failure: bool,
    /// Run every site whatever the others did.
    #[arg(long)]
    pub keep_going: bool,
    /// Where each site's journal (SITE.jsonl) and output (SITE.log) go
    /// [default: journals/fleet-<UTC time>].
    #[arg(long, value_name = "DIR")]
    pub journal_dir: Option<PathBuf>,
    /// Rehearse on the simulated cloud, each site in its own simulated world,
    /// in SCENARIO (default: healthy).
    #[arg(long, value_name = "SCENARIO", num_args = 0..=1, require_equals = true,
          default_missing_value = "healthy")]
    pub sim: Option<String>,
    /// Rehearse SITE in another scenario than --sim's: SITE=SCENARIO
    /// (repeatable).
    #[arg(long, value_name = "SITE=SCENARIO", requires = "sim")]
    pub sim_scenario: Vec<String>,
    /// Run SITE against a clouds.yaml cloud: SITE=NAME (repeatable; a site
    /// without one uses $OS_CLOUD).
    #[arg(long, value_name = "SITE=NAME")]
    pub cloud: Vec<String>,
    /// Answer yes to every `confirm` on every site.
    #[arg(long)]
    pub yes: bool,
    /// Run read-only calls; show and skip mutating ones.
    #[arg(long)]
    pub dry_run: bool,
}

impl FleetSpec {
    fn request(&self, journal_dir: Option<PathBuf>, secrets: &[String]) -> PlanRequest {
        PlanRequest {
            procedure: self.procedure.clone(),
            sites: self.sites.clone(),
            sets: self.set.clone(),
            canary: self.canary.clone(),
            no_canary: self.no_canary,
            parallel: usize::from(self.parallel),
            keep_going: self.keep_going,
            journal_dir: journal_dir.or_else(|| self.journal_dir.clone()),
            sim: self.sim.clone(),
            sim_scenarios: self.sim_scenario.clone(),
            clouds: self.cloud.clone(),
            secrets: secrets.to_vec(),
            yes: self.yes,
            dry_run: self.dry_run,
        }
    }
}

#[derive(Debug, Args)]
pub struct FleetRunArgs {
    #[command(flatten)]
    pub spec: FleetSpec,
    /// Carry on the fleet whose journals are in DIR: completed sites are not
    /// run again, the others resume from their journal.
    #[arg(long, value_name = "DIR", conflicts_with = "journal_dir")]
    pub resume: Option<PathBuf>,
    /// Resume sites even though the procedure changed since their run
    /// (each site's output lists the steps that changed).
    #[arg(long, requires = "resume")]
    pub accept_changed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FleetPlanFormat {
    /// An Argo Workflow (argoproj.io/v1alpha1) and its ConfigMap.
    Argo,
    /// Kubernetes Jobs, one per site, and their ConfigMap.
    Jobs,
    /// The plan itself, for other tools.
    Json,
}

#[derive(Debug, Args)]
pub struct FleetPlanArgs {
    #[command(flatten)]
    pub spec: FleetSpec,
    #[arg(long, value_enum, default_value_t = FleetPlanFormat::Json)]
    pub format: FleetPlanFormat,
    /// Write to OUT instead of standard output.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// The rbk container image the tasks run.
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// The Kubernetes namespace of the generated objects.
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// The Kubernetes Secret with SITE's credentials: SITE=NAME (repeatable;
    /// default: rbk-site-SITE).
    #[arg(long, value_name = "SITE=NAME")]
    pub secret: Vec<String>,
    #[command(flatten)]
    pub cluster: FleetTargetArgs,
}

/// What only `--format argo|jobs` reads (see the book's Fleet chapter).
#[derive(Debug, Args)]
pub struct FleetTargetArgs {
    /// The fleet's name: the Workflow's name and the prefix of every object
    /// [default: the procedure's name].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Retries of a site's pod when it is lost or rbk could not finish; each
    /// resumes from the site's journal (a failed procedure is not retried).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
    /// Size of the journals' PersistentVolumeClaim (ReadWriteMany).
    #[arg(long, value_name = "QUANTITY", default_value = "1Gi")]
    pub journal_size: String,
    /// StorageClass of the journals' claim [default: the cluster's].
    #[arg(long, value_name = "NAME")]
    pub storage_class: Option<String>,
}

/// How to reach the cluster.
#[derive(Debug, Args)]
pub struct FleetCluster {
    /// The namespace the fleet's objects are in.
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// The kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context (default: its current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
}

#[derive(Debug, Args)]
pub struct FleetSubmitArgs {
    #[command(flatten)]
    pub cluster: FleetCluster,
    /// The objects `rbk fleet plan --format argo|jobs -o FILE` wrote.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Jobs: release the waves that may run now and return, instead of
    /// following the fleet to its end (run `submit` again to go on).
    #[arg(long)]
    pub no_wait: bool,
}

#[derive(Debug, Args)]
pub struct FleetClusterArgs {
    #[command(flatten)]
    pub cluster: FleetCluster,
    /// The fleet (Workflow name or Jobs label) to look at.
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct FleetJournalsArgs {
    #[command(flatten)]
    pub cluster: FleetCluster,
    /// Write each site's journal to DIR/SITE.jsonl.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// The image of the pod that reads the journals' claim [default: the
    /// fleet's].
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// Give up when that pod has not finished after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
    /// The fleet (Workflow name or Jobs label) whose journals to collect.
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
}

pub fn run(cmd: FleetCommand) -> i32 {
    match cmd {
        FleetCommand::Run(a) => run_local(a),
        FleetCommand::Plan(a) => plan(a),
        FleetCommand::Submit(a) => super::fleet_cluster::submit(a),
        FleetCommand::Status(a) => super::fleet_cluster::status(a),
        FleetCommand::Journals(a) => super::fleet_cluster::journals(a),
    }
}

fn run_local(args: FleetRunArgs) -> i32 {
    let how = crate::fleet::local::Resume {
        resume: args.resume.is_some(),
        accept_changed: args.accept_changed,
    };
    let plan = match Plan::build(&args.spec.request(args.resume.clone(), &[])) {
        Ok(p) => p,
        Err(e) => return usage_error(e),
    };
    if let Err(e) = plan.validate() {
        return e.report();
    }
    crate::fleet::local::run(&plan, how)
}

fn plan(args: Box<FleetPlanArgs>) -> i32 {
    let plan = match Plan::build(&args.spec.request(None, &args.secret)) {
        Ok(p) => p,
        Err(e) => return usage_error(e),
    };
    if let Err(e) = plan.validate() {
        return e.report();
    }
    let text = match args.format {
        FleetPlanFormat::Json => plan.to_json(),
        FleetPlanFormat::Argo | FleetPlanFormat::Jobs => match cluster_objects(&args, plan) {
            Ok(text) => text,
            Err(e) => return usage_error(e),
        },
    };
    match &args.output {
        Some(out) => match std::fs::write(out, text) {
            Ok(()) => exit::OK,
            Err(e) => usage_error(format!("cannot write {}: {e}", out.display())),
        },
        None => {
            print!("{text}");
            exit::OK
        }
    }
}

/// `--format argo|jobs`: the plan as Kubernetes objects, one YAML stream.
fn cluster_objects(args: &FleetPlanArgs, plan: Plan) -> Result<String, String> {
    use crate::fleet::{argo, bundle, jobs, manifests};
    let t = &args.cluster;
    let fleet = match &t.name {
        Some(n) => n.clone(),
        None => bundle::dns_label(&plan.procedure.name)
            .ok_or_else(|| "name the fleet with --name".to_string())?,
    };
    let target = manifests::Target {
        fleet,
        namespace: args.namespace.clone(),
        image: args
            .image
            .clone()
            .unwrap_or_else(|| manifests::DEFAULT_IMAGE.to_string()),
        retries: t.retries,
        journal_size: t.journal_size.clone(),
        storage_class: t.storage_class.clone(),
    };
    let cluster = manifests::ClusterPlan::new(plan, target)?;
    let objects = match args.format {
        FleetPlanFormat::Argo => argo::objects(&cluster),
        _ => jobs::objects(&cluster),
    };
    Ok(manifests::yaml(&objects))
}
