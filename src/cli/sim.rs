//! `rbk sim serve` and `rbk sim scenarios`.
use super::{exit, usage_error, SimCommand};
use crate::sim::Scenario;

pub fn run(cmd: SimCommand) -> i32 {
    match cmd {
        SimCommand::Scenarios => {
            let list = Scenario::list();
            let width = list.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
            for (name, description) in list {
                println!("{name:width$}  {description}");
            }
            exit::OK
        }
        SimCommand::Serve(_) => usage_error("`rbk sim serve` is not built yet"),
    }
}
