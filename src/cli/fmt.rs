//! `rbk fmt`.
use super::{usage_error, FmtArgs};

pub fn run(_args: FmtArgs) -> i32 {
    usage_error("`rbk fmt` is not built yet")
}
