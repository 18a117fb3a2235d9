//! `rbk journal show --format html [-o OUT] FILE`: the as-executed journal
//! (`rbk exec --journal`) as a page with the run's timeline. The drawing is
//! in `crate::render::timeline`.
use std::path::Path;

use super::{exit, usage_error, JournalCommand, JournalFormat, JournalShowArgs};
use crate::render::timeline;

pub fn run(cmd: JournalCommand) -> i32 {
    match cmd {
        JournalCommand::Show(a) => show(a),
    }
}

fn show(args: JournalShowArgs) -> i32 {
    let events = match read_events(&args.file) {
        Ok(e) => e,
        Err(e) => return usage_error(e),
    };
    let text = match args.format {
        JournalFormat::Html => match timeline::page(&events, &args.file.display().to_string()) {
            Ok(p) => p,
            Err(e) => return usage_error(format!("{}: {e}", args.file.display())),
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

/// The journal's events, one JSON object a line; a bad line is named.
fn read_events(path: &Path) -> Result<Vec<serde_json::Value>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read journal {}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| format!("{}:{}: not a journal event: {e}", path.display(), i + 1))
        })
        .collect()
}
