//! `rbk import RUNBOOK.md [-o FILE.rbk] [--site-out FILE.toml]`: draft a
//! procedure from a Markdown runbook, check the draft, and tell the author
//! what is left to decide.
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{exit, usage_error, ImportArgs};
use crate::check;
use crate::compilation::Compilation;
use crate::diagnostic::{Diagnostic, Severity};
use crate::import::{self, Imported, Options};

pub fn run(args: ImportArgs) -> i32 {
    let markdown = match std::fs::read_to_string(&args.runbook) {
        Ok(t) => t,
        Err(e) => return usage_error(format!("cannot read {}: {e}", args.runbook.display())),
    };
    for out in args.output.iter().chain(args.site_out.iter()) {
        if out.exists() && !args.force {
            return usage_error(format!(
                "{} exists: not overwriting it (pass --force to replace it)",
                out.display()
            ));
        }
    }
    let stem = args
        .runbook
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "runbook".into());
    let source_name = args
        .runbook
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| stem.clone());
    let imported = import::import(
        &markdown,
        &Options {
            source_name,
            procedure: stem.clone(),
            site_out: args.site_out.is_some(),
        },
    );
    if let Some(site) = &args.site_out {
        if let Err(e) = std::fs::write(site, &imported.site_toml) {
            return usage_error(format!("cannot write {}: {e}", site.display()));
        }
    }
    let draft_path = match &args.output {
        Some(out) => {
            if let Err(e) = std::fs::write(out, &imported.rbk) {
                return usage_error(format!("cannot write {}: {e}", out.display()));
            }
            out.clone()
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(imported.rbk.as_bytes());
            let _ = stdout.flush();
            PathBuf::from(format!("{stem}.rbk"))
        }
    };
    let diags = check::check(&Compilation::from_source(&draft_path, imported.rbk.clone()));
    eprint!("{}", summary(&imported, &diags, &args, &draft_path));
    if !imported.formatted || diags.iter().any(|d| d.severity == Severity::Error) {
        exit::FAILED
    } else {
        exit::OK
    }
}

/// What the import did and what the author must still decide.
fn summary(imported: &Imported, diags: &[Diagnostic], args: &ImportArgs, draft: &Path) -> String {
    let s = &imported.summary;
    let st = &imported.stats;
    let mut out = String::new();
    let to = match &args.output {
        Some(p) => p.display().to_string(),
        None => "stdout".into(),
    };
    out.push_str(&format!(
        "rbk import: {} -> {to}: {}, {}, {}, {}\n",
        args.runbook.display(),
        plural(s.steps, "step"),
        plural(s.gates, "gate"),
        plural(s.decisions, "decision"),
        plural(st.polls.len(), "poll")
    ));
    for (max, every) in &st.polls {
        match max {
            Some(max) => out.push_str(&format!("  poll: {max} x {every}\n")),
            None => out.push_str(&format!(
                "  poll: every {every}, unbounded (the runbook gave no bound)\n"
            )),
        }
    }
    out.push_str(&format!(
        "  commands: {} found, {} mapped to builtins, {} kept as local commands\n",
        st.commands,
        st.mapped,
        st.commands - st.mapped.min(st.commands)
    ));
    match &args.site_out {
        Some(p) => out.push_str(&format!("  site fields: {} (values in {})\n", imported.site_fields, p.display())),
        None => out.push_str(&format!(
            "  site fields: {} (values as defaults in the draft; --site-out writes them to a site file)\n",
            imported.site_fields
        )),
    }
    if !imported.formatted {
        out.push_str(
            "  the draft does not parse: this is a bug in `rbk import`, please report it\n",
        );
    }
    out.push_str(&format!("  TODO(import) comments: {}\n", s.todos));
    let mut by_code: BTreeMap<&str, (usize, &'static str, Severity)> = BTreeMap::new();
    for d in diags {
        let e = by_code
            .entry(d.code.as_str())
            .or_insert((0, d.code.title(), d.severity));
        e.0 += 1;
    }
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    out.push_str(&format!(
        "rbk check {}: {}\n",
        draft.display(),
        super::check::summary(errors, diags.len() - errors, 1)
    ));
    for (code, (n, title, sev)) in by_code {
        let sev = sev.as_str();
        out.push_str(&format!("  {code} x{n:<3} {sev:<7} {title}\n"));
    }
    if !diags.is_empty() {
        out.push_str(&format!(
            "run `rbk check {}` for each one, with its help line\n",
            draft.display()
        ));
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
