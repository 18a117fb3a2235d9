//! `rbk journal show FILE`: read a journal (and the runs it resumes) into
//! `crate::journal`'s model and print it in one of `journal::show`'s formats,
//! or as a page with the last run's timeline (`crate::render::timeline`).
use super::{exit, usage_error, JournalCommand, JournalFormat, JournalShowArgs};
use crate::journal::show::{self, Format};
use crate::journal::{Chain, JournalFile, Run};
use crate::render::timeline;

pub fn run(cmd: JournalCommand) -> i32 {
    match cmd {
        JournalCommand::Show(args) => match show(&args) {
            Ok(text) => write(&args, text),
            Err(e) => usage_error(e),
        },
    }
}

fn show(args: &JournalShowArgs) -> Result<String, String> {
    let chain = if args.last {
        JournalFile::read(&args.file).and_then(|f| match f.runs.last() {
            Some(r) => Ok(Chain {
                runs: vec![r.clone()],
                warnings: f.warnings.clone(),
            }),
            None => Err(format!("journal {} holds no run", args.file.display())),
        })
    } else {
        Chain::read(&args.file)
    }?;
    let format = match args.format {
        JournalFormat::Text => Format::Text,
        JournalFormat::Md => Format::Markdown,
        JournalFormat::Json => Format::Json,
        JournalFormat::Html => return html(&chain, args),
    };
    Ok(show::render(&chain, format))
}

/// The timeline page of the chain's last run (a picture shows one clock).
fn html(chain: &Chain, args: &JournalShowArgs) -> Result<String, String> {
    let run = chain
        .runs
        .last()
        .ok_or_else(|| format!("journal {} holds no run", args.file.display()))?;
    timeline::page(&raw_events(run), &args.file.display().to_string())
        .map_err(|e| format!("{}: {e}", args.file.display()))
}

fn raw_events(run: &Run) -> Vec<serde_json::Value> {
    std::iter::once(&run.start)
        .chain(&run.events)
        .chain(&run.end)
        .map(|e| e.raw.clone())
        .collect()
}

fn write(args: &JournalShowArgs, text: String) -> i32 {
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
