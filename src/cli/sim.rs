//! `rbk sim serve` and `rbk sim scenarios`.
use super::{usage_error, SimCommand};

pub fn run(_cmd: SimCommand) -> i32 {
    usage_error("`rbk sim` is not built yet")
}
