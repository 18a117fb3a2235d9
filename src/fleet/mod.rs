//! A fleet: one procedure run on many sites. This module is the **plan**,
//! what every way of running a fleet shares: the procedure and its `--set`
//! values, the sites (one site file each, named by its file stem), the
//! canary, the waves, how many sites run at once, what a failure stops, where
//! the journals go and, for a rehearsal, each site's simulated scenario.
//!
//! The plan is built once from the command line ([`Plan::build`]), checked
//! against the procedure before anything runs ([`Plan::validate`]), and then
//! either run from this machine (`local`, `rbk fleet run`) or written out
//! for a distributed engine (`rbk fleet plan`). Whatever runs it, each site
//! is one `rbk exec` of the same command ([`Plan::exec_args`]).
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub mod argo;
pub mod bundle;
pub mod cluster;
pub mod jobs;
pub mod local;
pub mod manifests;
pub mod status;
pub mod table;

/// The version of the JSON plan's shape (`rbk fleet plan --format json`).
pub const PLAN_VERSION: u32 = 1;

/// What a site's failure does to the rest of the fleet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailurePolicy {
    /// Sites already running finish; no new site starts.
    StopOnFailure,
    /// Every site runs, whatever the others did.
    KeepGoing,
}

/// The procedure every site runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcedureRef {
    /// The `.rbk` file, as given on the command line.
    pub path: PathBuf,
    /// The procedure's name (its `procedure NAME` declaration).
    pub name: String,
    /// `--set NAME=VALUE`, the values as written (each `rbk exec` parses them
    /// by the param's type).
    pub params: BTreeMap<String, String>,
}

/// One site of the fleet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    /// The site file's stem: `sites/fleet/eu-west.toml` is `eu-west`.
    pub name: String,
    /// The site file.
    pub path: PathBuf,
    /// Its journal's file name inside the journal directory (`NAME.jsonl`).
    pub journal: String,
    /// The clouds.yaml cloud it runs against (`--cloud SITE=NAME`); none:
    /// the environment's (`OS_CLOUD`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cloud: Option<String>,
    /// The scenario it is rehearsed in, when the plan is a rehearsal
    /// (`--sim`): `--sim-scenario SITE=SCENARIO`, else the fleet's.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sim_scenario: Option<String>,
    /// The Kubernetes Secret holding its credentials, for the engines that
    /// run in a cluster (`--secret SITE=NAME`, else `rbk-site-NAME`).
    pub secret: String,
}

/// A whole fleet run, as `rbk fleet plan --format json` writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// [`PLAN_VERSION`].
    pub version: u32,
    pub procedure: ProcedureRef,
    /// In the order they run (the canary first), names unique.
    pub sites: Vec<Site>,
    /// The site that runs first and alone; nothing else starts unless it
    /// succeeds (`--canary`; by default the first site; none with `--no-canary`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub canary: Option<String>,
    /// At most this many sites run at once (at least 1).
    pub parallel: usize,
    pub on_failure: FailurePolicy,
    /// The sites by wave: the canary alone, then the others `parallel` at a
    /// time. Engines without a concurrency limit (plain Jobs) run a wave
    /// after the one before it ends; the local runner and Argo keep
    /// `parallel` sites running and use the waves only for their order.
    pub waves: Vec<Vec<String>>,
    /// Where each site's journal (`SITE.jsonl`) and output (`SITE.log`) go.
    pub journal_dir: PathBuf,
    /// A rehearsal on the simulated cloud: the fleet's default scenario.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sim: Option<String>,
    /// `--yes`: every `confirm` is answered yes (a fleet has no operator at
    /// each site's terminal, so a real fleet run needs it).
    pub yes: bool,
    /// `--dry-run`: read-only calls run, mutating ones are shown and skipped.
    pub dry_run: bool,
}

/// What the command line asks for; [`Plan::build`] turns it into a plan.
#[derive(Debug, Clone, Default)]
pub struct PlanRequest {
    pub procedure: PathBuf,
    /// `--sites`: directories (every `*.toml` directly in them) and files.
    pub sites: Vec<PathBuf>,
    pub sets: Vec<String>,
    /// `--canary SITE`; none: the first site, unless `no_canary`.
    pub canary: Option<String>,
    pub no_canary: bool,
    pub parallel: usize,
    pub keep_going: bool,
    pub journal_dir: Option<PathBuf>,
    pub sim: Option<String>,
    /// `SITE=SCENARIO`.
    pub sim_scenarios: Vec<String>,
    /// `SITE=CLOUD`.
    pub clouds: Vec<String>,
    /// `SITE=SECRET`.
    pub secrets: Vec<String>,
    pub yes: bool,
    pub dry_run: bool,
}

impl Plan {
    /// Build the plan: find the sites, put the canary first, cut the waves.
    /// Errors are usage errors, each naming the flag or file at fault.
    /// The procedure is only read for its name; [`Plan::validate`] checks it.
    pub fn build(req: &PlanRequest) -> Result<Plan, String> {
        let mut sites = discover_sites(&req.sites)?;
        let scenarios = site_map("--sim-scenario", &req.sim_scenarios, &sites)?;
        let clouds = site_map("--cloud", &req.clouds, &sites)?;
        let secrets = site_map("--secret", &req.secrets, &sites)?;
        if !scenarios.is_empty() && req.sim.is_none() {
            return Err("--sim-scenario needs --sim: a scenario is for a rehearsal".into());
        }
        for s in &mut sites {
            s.sim_scenario = req
                .sim
                .as_ref()
                .map(|d| scenarios.get(&s.name).unwrap_or(d).clone());
            s.cloud = clouds.get(&s.name).cloned();
            if let Some(secret) = secrets.get(&s.name) {
                s.secret = secret.clone();
            }
        }
        let canary = match (&req.canary, req.no_canary) {
            (_, true) => None,
            (Some(c), false) => Some(c.clone()),
            (None, false) => Some(sites[0].name.clone()),
        };
        if let Some(c) = &canary {
            let Some(i) = sites.iter().position(|s| &s.name == c) else {
                return Err(format!(
                    "--canary {c}: no such site (the sites are: {})",
                    names(&sites)
                ));
            };
            let canary = sites.remove(i);
            sites.insert(0, canary);
        }
        let parallel = req.parallel.max(1);
        let mut params = BTreeMap::new();
        for s in &req.sets {
            let Some((k, v)) = s.split_once('=') else {
                return Err(format!("--set {s}: write NAME=VALUE"));
            };
            params.insert(k.trim().to_string(), v.to_string());
        }
        let mut plan = Plan {
            version: PLAN_VERSION,
            procedure: ProcedureRef {
                path: req.procedure.clone(),
                name: procedure_name(&req.procedure)?,
                params,
            },
            sites,
            canary,
            parallel,
            on_failure: if req.keep_going {
                FailurePolicy::KeepGoing
            } else {
                FailurePolicy::StopOnFailure
            },
            waves: Vec::new(),
            journal_dir: req.journal_dir.clone().unwrap_or_else(default_journal_dir),
            sim: req.sim.clone(),
            yes: req.yes,
            dry_run: req.dry_run,
        };
        plan.waves = plan.cut_waves();
        Ok(plan)
    }

    fn cut_waves(&self) -> Vec<Vec<String>> {
        let mut rest: &[Site] = &self.sites;
        let mut waves = Vec::new();
        if self.canary.is_some() {
            waves.push(vec![rest[0].name.clone()]);
            rest = &rest[1..];
        }
        for chunk in rest.chunks(self.parallel) {
            waves.push(chunk.iter().map(|s| s.name.clone()).collect());
        }
        waves
    }

    /// Check the plan against the procedure before any site runs: the
    /// procedure has no errors, every `--set` value fits its param, every
    /// site file gives every site field (each error names the file and field).
    pub fn validate(&self) -> Result<(), Invalid> {
        use crate::compilation::Compilation;
        use crate::interp::inputs;
        let path = &self.procedure.path;
        let comp = Compilation::load(path).map_err(|e| Invalid::Input(e.to_string()))?;
        let program = crate::check::check_program(comp).map_err(|rejected| {
            let color = std::io::stderr().is_terminal();
            let mut shown: Vec<String> = rejected.errors().map(|d| d.render(color, 100)).collect();
            shown.push(format!(
                "error: {} has errors; not running it on any site (see `rbk check`)",
                path.display()
            ));
            Invalid::Procedure(shown.join("\n"))
        })?;
        let comp = program.compilation();
        if comp.procedure().is_none() {
            return Err(Invalid::Input(format!(
                "{} has no procedure to run",
                path.display()
            )));
        }
        let input = |d: Box<crate::diagnostic::Diagnostic>, site: Option<&str>| {
            let at = site.map(|s| format!("site `{s}`: ")).unwrap_or_default();
            Invalid::Input(format!("error[{}]: {at}{}", d.code, d.message))
        };
        inputs::parse_params(comp, &self.set_args()).map_err(|d| input(d, None))?;
        for site in &self.sites {
            inputs::load_site(comp, Some(&site.path), &[])
                .map_err(|d| input(d, Some(&site.name)))?;
        }
        if let Some(sim) = &self.sim {
            let mut seen: Vec<&str> = vec![sim];
            seen.extend(self.sites.iter().filter_map(|s| s.sim_scenario.as_deref()));
            seen.sort();
            seen.dedup();
            for s in seen {
                crate::sim::Scenario::resolve(s)
                    .map_err(|e| Invalid::Input(format!("scenario {s}: {e}")))?;
            }
        }
        Ok(())
    }

    /// The site called `name`.
    pub fn site(&self, name: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.name == name)
    }

    /// Where `site`'s journal is on this machine.
    pub fn journal_path(&self, site: &Site) -> PathBuf {
        self.journal_dir.join(&site.journal)
    }

    /// Where `site`'s terminal output goes on this machine (`SITE.log`).
    pub fn log_path(&self, site: &Site) -> PathBuf {
        self.journal_dir.join(format!("{}.log", site.name))
    }

    /// `--set` arguments as written (`NAME=VALUE`).
    pub fn set_args(&self) -> Vec<String> {
        self.procedure
            .params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    }

    /// The `rbk exec` arguments (without the program name) that run `site`:
    /// the one command every way of running a fleet runs per site. Paths are
    /// where the files are for the process that runs it (in a container,
    /// where the ConfigMap is mounted). `resume` carries on the run `journal`
    /// holds instead of starting one.
    pub fn exec_args(&self, site: &Site, at: &ExecPaths) -> Vec<String> {
        let mut args = vec!["exec".to_string()];
        if let Some(s) = &site.sim_scenario {
            args.push(format!("--sim={s}"));
        }
        args.push("--site".into());
        args.push(at.site.display().to_string());
        for s in self.set_args() {
            args.push("--set".into());
            args.push(s);
        }
        if at.resume {
            args.push("--resume".into());
        } else {
            args.push("--journal".into());
        }
        args.push(at.journal.display().to_string());
        if let Some(c) = &site.cloud {
            args.push(format!("--cloud={c}"));
        }
        if self.yes {
            args.push("--yes".into());
        }
        if self.dry_run {
            args.push("--dry-run".into());
        }
        args.push(at.procedure.display().to_string());
        args
    }

    /// The plan as pretty JSON (`rbk fleet plan --format json`).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a plan serialises");
        s.push('\n');
        s
    }
}

/// Why a plan cannot run ([`Plan::validate`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// The procedure has errors (its diagnostics, rendered): exit 1, as
    /// `rbk exec` refuses it.
    Procedure(String),
    /// A bad site file, parameter, scenario or file: exit 2.
    Input(String),
}

impl Invalid {
    /// Print it and return its exit code.
    pub fn report(&self) -> i32 {
        match self {
            Invalid::Procedure(shown) => {
                eprintln!("{shown}");
                crate::exit::FAILED
            }
            Invalid::Input(message) => crate::cli::usage_error(message),
        }
    }
}

/// Where the files of one site's `rbk exec` are, for [`Plan::exec_args`].
#[derive(Debug, Clone)]
pub struct ExecPaths {
    pub procedure: PathBuf,
    pub site: PathBuf,
    pub journal: PathBuf,
    /// Resume the run `journal` holds (`--resume`) instead of starting one.
    pub resume: bool,
}

/// `journals/fleet-YYYYMMDDTHHMMSSZ` in the working directory.
pub fn default_journal_dir() -> PathBuf {
    let now = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ");
    PathBuf::from("journals").join(format!("fleet-{now}"))
}

/// The sites `--sites` names: each directory's `*.toml` files (sorted), each
/// file as given. Names are file stems and must be unique.
pub fn discover_sites(args: &[PathBuf]) -> Result<Vec<Site>, String> {
    let mut files = Vec::new();
    for a in args {
        if a.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(a)
                .map_err(|e| format!("--sites {}: {e}", a.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
                .collect();
            if found.is_empty() {
                return Err(format!(
                    "--sites {}: no *.toml site file in it",
                    a.display()
                ));
            }
            found.sort();
            files.extend(found);
        } else if a.is_file() {
            files.push(a.clone());
        } else {
            return Err(format!(
                "--sites {}: no such file or directory",
                a.display()
            ));
        }
    }
    if files.is_empty() {
        return Err("--sites: name at least one site file or directory".into());
    }
    let mut sites: Vec<Site> = Vec::new();
    for path in files {
        let name = site_name(&path)?;
        if let Some(other) = sites.iter().find(|s| s.name == name) {
            return Err(format!(
                "--sites: two sites are called `{name}` ({} and {}); a site is named by its file stem",
                other.path.display(),
                path.display()
            ));
        }
        sites.push(Site {
            journal: format!("{name}.jsonl"),
            secret: format!("rbk-site-{name}"),
            name,
            path,
            cloud: None,
            sim_scenario: None,
        });
    }
    Ok(sites)
}

/// A site's name: its file stem, limited to what a file name, a Kubernetes
/// object name and a terminal column all take (letters, digits, `-`, `_`, `.`).
fn site_name(path: &Path) -> Result<String, String> {
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(name)
    } else {
        Err(format!(
            "--sites {}: a site's name is its file stem and may hold only letters, digits, `-`, `_` and `.`",
            path.display()
        ))
    }
}

/// Parse repeated `SITE=VALUE` flags; every SITE must be a site of the fleet.
fn site_map(
    flag: &str,
    args: &[String],
    sites: &[Site],
) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for a in args {
        let Some((site, value)) = a.split_once('=') else {
            return Err(format!("{flag} {a}: write SITE=VALUE"));
        };
        if !sites.iter().any(|s| s.name == site) {
            return Err(format!(
                "{flag} {a}: no site `{site}` (the sites are: {})",
                names(sites)
            ));
        }
        out.insert(site.to_string(), value.to_string());
    }
    Ok(out)
}

fn names(sites: &[Site]) -> String {
    sites
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The name the procedure file declares (`procedure NAME`).
fn procedure_name(path: &Path) -> Result<String, String> {
    let comp = crate::compilation::Compilation::load(path).map_err(|e| e.to_string())?;
    comp.procedure()
        .map(|p| p.name.name.clone())
        .ok_or_else(|| format!("{} has no procedure to run", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites_in(names: &[&str]) -> (tempfile::TempDir, Vec<PathBuf>) {
        let dir = tempfile::tempdir().unwrap();
        let paths = names
            .iter()
            .map(|n| {
                let p = dir.path().join(format!("{n}.toml"));
                std::fs::write(&p, "").unwrap();
                p
            })
            .collect();
        (dir, paths)
    }

    #[test]
    fn a_directory_gives_its_toml_files_sorted_and_names_are_stems() {
        let (dir, _) = sites_in(&["c", "a", "b"]);
        std::fs::write(dir.path().join("notes.md"), "").unwrap();
        let sites = discover_sites(&[dir.path().to_path_buf()]).unwrap();
        let names: Vec<_> = sites.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(sites[0].journal, "a.jsonl");
        assert_eq!(sites[0].secret, "rbk-site-a");
    }

    #[test]
    fn two_sites_with_one_name_are_refused() {
        let (d1, p1) = sites_in(&["a"]);
        let (_d2, p2) = sites_in(&["a"]);
        let e = discover_sites(&[p1[0].clone(), p2[0].clone()]).unwrap_err();
        assert!(e.contains("two sites are called `a`"), "{e}");
        drop(d1);
    }

    #[test]
    fn waves_put_the_canary_alone_first_then_parallel_at_a_time() {
        let (_d, paths) = sites_in(&["a", "b", "c", "d"]);
        let req = PlanRequest {
            procedure: PathBuf::from("procedures/recovery.rbk"),
            sites: paths,
            canary: Some("c".into()),
            parallel: 2,
            ..PlanRequest::default()
        };
        let plan = Plan::build(&req).unwrap();
        assert_eq!(plan.waves, [vec!["c"], vec!["a", "b"], vec!["d"]]);
        assert_eq!(plan.sites[0].name, "c");
        assert_eq!(plan.on_failure, FailurePolicy::StopOnFailure);
        let first = Plan::build(&PlanRequest {
            canary: None,
            ..req.clone()
        })
        .unwrap();
        assert_eq!(
            first.canary.as_deref(),
            Some("a"),
            "the first site by default"
        );
        let none = Plan::build(&PlanRequest {
            canary: None,
            no_canary: true,
            ..req.clone()
        })
        .unwrap();
        assert_eq!(none.canary, None);
        assert_eq!(none.waves, [vec!["a", "b"], vec!["c", "d"]]);
        let e = Plan::build(&PlanRequest {
            canary: Some("x".into()),
            ..req.clone()
        })
        .unwrap_err();
        assert!(e.contains("--canary x: no such site"), "{e}");
        let e = Plan::build(&PlanRequest {
            sim_scenarios: vec!["a=healthy".into()],
            ..req
        })
        .unwrap_err();
        assert!(e.contains("needs --sim"), "{e}");
    }
}
