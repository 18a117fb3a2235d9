//! `rbk exec`.
use super::{usage_error, ExecArgs};

pub fn run(_args: ExecArgs) -> i32 {
    usage_error("`rbk exec` is not built yet")
}
