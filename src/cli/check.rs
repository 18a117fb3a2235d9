//! `rbk check`.
use super::{usage_error, CheckArgs};

pub fn run(_args: CheckArgs) -> i32 {
    usage_error("`rbk check` is not built yet")
}
