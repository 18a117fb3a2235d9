//! `rbk fleet run`: the plan run from this machine.
use super::Plan;

/// Run `plan`; returns the exit code.
pub fn run(_plan: &Plan, _resume: bool) -> i32 {
    crate::cli::usage_error("`rbk fleet run` is not implemented yet")
}
