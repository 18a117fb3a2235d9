//! `rbk fleet submit | status | journals`: the command-line side of
//! `crate::fleet::cluster`.
use std::time::Duration;

use super::fleet::{FleetCluster, FleetClusterArgs, FleetJournalsArgs, FleetSubmitArgs};
use super::{exit, usage_error};
use crate::fleet::cluster::{split_journals, Cluster};
use crate::fleet::manifests::FLEET_LABEL;

/// How often `submit` looks at the Jobs while it follows them.
const POLL: Duration = Duration::from_secs(5);

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

async fn connect(c: &FleetCluster, namespace: Option<&str>) -> Result<Cluster, String> {
    Cluster::connect(
        c.kubeconfig.as_deref(),
        c.context.as_deref(),
        c.namespace.as_deref().or(namespace),
    )
    .await
}

/// A failure talking to the cluster: exit 1, as a run that failed.
fn failed(e: String) -> i32 {
    eprintln!("error: {e}");
    exit::FAILED
}

pub fn submit(args: FleetSubmitArgs) -> i32 {
    let text = match std::fs::read_to_string(&args.file) {
        Ok(t) => t,
        Err(e) => return usage_error(format!("cannot read {}: {e}", args.file.display())),
    };
    let objects: Vec<serde_json::Value> = match serde_saphyr::from_multiple(&text) {
        Ok(o) => o
            .into_iter()
            .filter(|v: &serde_json::Value| !v.is_null())
            .collect(),
        Err(e) => return usage_error(format!("{} is not YAML: {e}", args.file.display())),
    };
    let fleet = objects
        .iter()
        .find_map(|o| o["metadata"]["labels"][FLEET_LABEL].as_str())
        .map(str::to_string);
    let Some(fleet) = fleet else {
        return usage_error(format!(
            "{} holds no object of an rbk fleet (write it with `rbk fleet plan --format argo|jobs -o FILE`)",
            args.file.display()
        ));
    };
    let namespace = objects
        .iter()
        .find_map(|o| o["metadata"]["namespace"].as_str())
        .map(str::to_string);
    let has_jobs = objects.iter().any(|o| o["kind"] == "Job");
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => return failed(e),
    };
    rt.block_on(async {
        let cluster = match connect(&args.cluster, namespace.as_deref()).await {
            Ok(c) => c,
            Err(e) => return usage_error(e),
        };
        match cluster.apply(&objects).await {
            Ok(lines) => lines.iter().for_each(|l| println!("{l}")),
            Err(e) => return failed(e),
        }
        if !has_jobs {
            println!(
                "fleet {fleet} submitted to namespace {}: follow it with `rbk fleet status {fleet}` (or `argo watch {fleet}`)",
                cluster.namespace
            );
            return exit::OK;
        }
        let wait = (!args.no_wait).then_some(POLL);
        match cluster
            .release(&fleet, wait, &mut |l| println!("{l}"))
            .await
        {
            Ok(false) => exit::OK,
            Ok(true) => exit::FAILED,
            Err(e) => failed(e),
        }
    })
}

/// The cluster and the fleet to look at: the one named, else the only one
/// there is.
async fn connect_to_fleet(
    c: &FleetCluster,
    name: Option<&str>,
) -> Result<(Cluster, String), String> {
    let cluster = connect(c, None).await?;
    let fleet = match name {
        Some(n) => n.to_string(),
        None => cluster.only_fleet().await?,
    };
    Ok((cluster, fleet))
}

pub fn status(args: FleetClusterArgs) -> i32 {
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => return failed(e),
    };
    rt.block_on(async {
        let (cluster, fleet) = match connect_to_fleet(&args.cluster, args.name.as_deref()).await {
            Ok(found) => found,
            Err(e) => return usage_error(e),
        };
        match cluster.status(&fleet).await {
            Ok(s) => {
                print!("{}", s.table());
                if s.any_failed() {
                    exit::FAILED
                } else {
                    exit::OK
                }
            }
            Err(e) => failed(e),
        }
    })
}

pub fn journals(args: FleetJournalsArgs) -> i32 {
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => return failed(e),
    };
    rt.block_on(async {
        let (cluster, fleet) = match connect_to_fleet(&args.cluster, args.name.as_deref()).await {
            Ok(found) => found,
            Err(e) => return usage_error(e),
        };
        let image = match &args.image {
            Some(i) => i.clone(),
            None => match cluster.status(&fleet).await.map(|s| s.image) {
                Ok(Some(i)) => i,
                Ok(None) => return usage_error("the fleet names no image: give --image"),
                Err(e) => return failed(e),
            },
        };
        let log = match cluster
            .dump_journals(
                &fleet,
                &image,
                Duration::from_secs(args.timeout),
                Duration::from_millis(500),
            )
            .await
        {
            Ok(l) => l,
            Err(e) => return failed(e),
        };
        let journals = match split_journals(&log) {
            Ok(j) => j,
            Err(e) => return failed(e),
        };
        if let Err(e) = std::fs::create_dir_all(&args.dir) {
            return usage_error(format!("cannot create {}: {e}", args.dir.display()));
        }
        for (file, text) in &journals {
            let path = args.dir.join(file);
            if let Err(e) = std::fs::write(&path, text) {
                return usage_error(format!("cannot write {}: {e}", path.display()));
            }
            println!("{} ({} events)", path.display(), text.lines().count());
        }
        if journals.is_empty() {
            println!("fleet {fleet} has no journal yet");
        }
        exit::OK
    })
}
