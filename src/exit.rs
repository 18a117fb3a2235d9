//! The process exit codes of the CLI contract, for every subcommand and for
//! how a run ended (`interp::Outcome::exit_code`).

/// Success: the check is clean, the run succeeded, the files are formatted.
pub const OK: i32 = 0;
/// The input has errors, a run failed or was aborted, files need formatting.
pub const FAILED: i32 = 1;
/// Bad usage: an unknown flag, an unreadable file, a bad site file or value.
pub const USAGE: i32 = 2;
/// The run's journal could not be fully written: the record is incomplete
/// (wins over `FAILED`; `INTERRUPTED` wins over it).
pub const JOURNAL_INCOMPLETE: i32 = 3;
/// Another run holds the site's lock (`rbk exec` refused before doing anything).
pub const SITE_LOCKED: i32 = 4;
/// Stopped by Ctrl-C (128 + SIGINT, as a shell reports it).
pub const INTERRUPTED: i32 = 130;
