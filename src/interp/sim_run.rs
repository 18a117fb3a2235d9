//! `--sim`: the backends of a run against the in-process simulated cloud
//! (`backends::sim::cloud_backends`: the real OpenStack and kube clients over
//! loopback HTTP, ssh/tcp/local answered by the simulator), plus the
//! temporary files those clients read, kept alive as long as the run.
use crate::backends::{self, Backends};
use crate::clock::Clock;
use crate::sim::SimCloud;

/// Backends for one `--sim` run, and the files they read.
pub struct SimRun {
    pub backends: Backends,
    _dir: tempfile::TempDir,
}

impl SimRun {
    pub fn start(cloud: &SimCloud, clock: Clock) -> std::io::Result<SimRun> {
        let dir = tempfile::tempdir()?;
        cloud.write_env(dir.path())?;
        let backends = backends::sim::cloud_backends(cloud, clock, &dir.path().join("kubeconfig"));
        Ok(SimRun {
            backends,
            _dir: dir,
        })
    }
}
