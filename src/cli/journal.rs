//! `rbk journal show FILE`: read a journal (and the runs it resumes) into
//! `crate::journal`'s model and print it in one of `journal::show`'s formats.
use super::{usage_error, JournalCommand, JournalFormat};
use crate::journal::show::{self, Format};
use crate::journal::{Chain, JournalFile};

pub fn run(cmd: JournalCommand) -> i32 {
    match cmd {
        JournalCommand::Show(args) => {
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
            };
            let chain = match chain {
                Ok(c) => c,
                Err(e) => return usage_error(e),
            };
            let format = match args.format {
                JournalFormat::Text => Format::Text,
                JournalFormat::Md => Format::Markdown,
                JournalFormat::Json => Format::Json,
            };
            print!("{}", show::render(&chain, format));
            super::exit::OK
        }
    }
}
