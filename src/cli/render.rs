//! `rbk render`.
use super::{usage_error, RenderArgs};

pub fn run(_args: RenderArgs) -> i32 {
    usage_error("`rbk render` is not built yet")
}
