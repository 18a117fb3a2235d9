//! `rbk graph`.
use super::{usage_error, GraphArgs};

pub fn run(_args: GraphArgs) -> i32 {
    usage_error("`rbk graph` is not built yet")
}
