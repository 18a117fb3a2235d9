//! Command-line front end: parse arguments, dispatch to one module per
//! subcommand, turn results into the exit codes of the CLI contract.
mod args;
mod check;
mod exec;
mod fleet;
mod fleet_cluster;
mod fmt;
mod graph;
mod import;
mod journal;
mod lsp;
mod render;
mod sim;

pub use args::*;
use clap::Parser;
pub use fleet::{FleetCommand, FleetPlanFormat};

use crate::exit;

/// Entry point of the `rbk` binary; returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = err.print();
            return code;
        }
    };
    match cli.command {
        Command::Check(a) => check::run(a),
        Command::Exec(a) => exec::run(a),
        Command::Sim(c) => sim::run(c),
        Command::Graph(a) => graph::run(a),
        Command::Render(a) => render::run(a),
        Command::Fmt(a) => fmt::run(a),
        Command::Import(a) => import::run(a),
        Command::Journal(c) => journal::run(c),
        Command::Lsp(a) => lsp::run(a),
        Command::Fleet(c) => fleet::run(c),
    }
}

/// Report a usage-level failure (unreadable file, bad value) and return exit 2.
pub(crate) fn usage_error(msg: impl std::fmt::Display) -> i32 {
    eprintln!("error: {msg}");
    exit::USAGE
}
