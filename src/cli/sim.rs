//! `rbk sim serve` and `rbk sim scenarios`.
use std::io::Write;
use std::net::SocketAddr;

use super::{exit, usage_error, SimCommand, SimServeArgs};
use crate::clock::Clock;
use crate::sim::{Scenario, SimCloud, SimError};

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
        SimCommand::Serve(args) => serve(args),
    }
}

fn serve(args: SimServeArgs) -> i32 {
    let listen: SocketAddr = match args.listen.parse() {
        Ok(a) => a,
        Err(_) => {
            return usage_error(format!(
                "--listen {:?} is not an address like 127.0.0.1:8080",
                args.listen
            ))
        }
    };
    if let Err(e) = crate::sim::cloud_check_loopback(&listen) {
        return usage_error(e);
    }
    if !(args.speed.is_finite() && args.speed > 0.0) {
        return usage_error(format!(
            "--speed must be a positive number, not {}",
            args.speed
        ));
    }
    let scenario = match Scenario::resolve(&args.scenario) {
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return usage_error(format!("cannot start the async runtime: {e}")),
    };
    runtime.block_on(async move {
        let cloud = match SimCloud::start_serving(
            scenario.clone(),
            Clock::scaled(args.speed),
            Some(listen),
            args.kube_discovery,
        )
        .await
        {
            Ok(c) => c,
            Err(e @ SimError::Bind { .. }) => {
                eprintln!("error: {e}");
                return exit::FAILED;
            }
            Err(e) => return usage_error(e),
        };
        println!("listening on {}", cloud.base_url());
        println!("scenario {}: {}", scenario.name, scenario.description);
        println!(
            "speed {}x (simulated time starts at {})",
            args.speed,
            crate::clock::SIM_EPOCH
        );
        if let Some(dir) = &args.env_out {
            if let Err(e) = cloud.write_env(dir) {
                eprintln!(
                    "error: cannot write the environment files into {}: {e}",
                    dir.display()
                );
                return exit::FAILED;
            }
            println!(
                "wrote {0}/openrc, {0}/clouds.yaml, {0}/kubeconfig",
                dir.display()
            );
        }
        let _ = std::io::stdout().flush();
        let _ = tokio::signal::ctrl_c().await;
        exit::OK
    })
}
