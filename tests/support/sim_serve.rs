//! `rbk sim serve` as a child process, for testing the real clients against
//! the simulated cloud over loopback HTTP. Uses only the CLI contract:
//! `--scenario --listen --speed --env-out`, the first stdout line
//! `listening on http://127.0.0.1:PORT`, the env files, `GET /_sim/stats`.
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::Duration;

use super::{http::http, rbk};

pub struct SimServe {
    child: Child,
    pub base: String,
    pub port: u16,
    pub env_dir: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for SimServe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SimServe {
    /// Start on a free port.
    pub fn start(scenario: &str, speed: f64) -> SimServe {
        Self::start_with(scenario, speed, &[])
    }

    /// Start on a free port with more `rbk sim serve` flags
    /// (`--kube-discovery legacy`).
    pub fn start_with(scenario: &str, speed: f64, flags: &[&str]) -> SimServe {
        let dir = tempfile::tempdir().expect("tempdir");
        let env_dir = dir.path().join("env");
        let mut sim = Self::spawn(scenario, speed, "127.0.0.1:0", env_dir, flags);
        sim._dir = Some(dir);
        sim
    }

    /// Start again on the same port and env dir, with a fresh world and no
    /// tokens: a Keystone restart as clients see it.
    pub fn restart(mut self, scenario: &str, speed: f64) -> SimServe {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut next = Self::spawn(
            scenario,
            speed,
            &format!("127.0.0.1:{}", self.port),
            self.env_dir.clone(),
            &[],
        );
        next._dir = self._dir.take();
        next
    }

    fn spawn(
        scenario: &str,
        speed: f64,
        listen: &str,
        env_dir: PathBuf,
        flags: &[&str],
    ) -> SimServe {
        let mut child = rbk([
            "sim",
            "serve",
            "--scenario",
            scenario,
            "--listen",
            listen,
            "--speed",
        ])
        .arg(speed.to_string())
        .arg("--env-out")
        .arg(&env_dir)
        .args(flags)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start `rbk sim serve`");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let base = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("`rbk sim serve` first line: {first:?}"))
            .trim()
            .to_string();
        for line in lines.by_ref() {
            if line.map(|l| l.starts_with("wrote ")).unwrap_or(true) {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        let port = base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port in the listen line");
        for _ in 0..100 {
            if env_dir.join("openrc").is_file() && env_dir.join("kubeconfig").is_file() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        SimServe {
            child,
            base,
            port,
            env_dir,
            _dir: None,
        }
    }

    pub fn openrc(&self) -> PathBuf {
        self.env_dir.join("openrc")
    }

    pub fn kubeconfig(&self) -> PathBuf {
        self.env_dir.join("kubeconfig")
    }

    /// `GET /_sim/stats` as JSON.
    pub fn stats(&self) -> serde_json::Value {
        let body = self.get("/_sim/stats");
        serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("/_sim/stats is not JSON ({e}): {body}"))
    }

    pub fn tokens_issued(&self) -> u64 {
        self.stats()["tokens_issued"]
            .as_u64()
            .expect("tokens_issued")
    }

    /// How many requests the simulator saw for `METHOD /path`.
    pub fn requests(&self, method_path: &str) -> u64 {
        self.stats()["requests"][method_path].as_u64().unwrap_or(0)
    }

    pub fn state(&self) -> serde_json::Value {
        serde_json::from_str(&self.get("/_sim/state")).expect("state is JSON")
    }

    fn get(&self, path: &str) -> String {
        let (status, body) = http(self.port, "GET", path, &[], "");
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }
}
