//! The stock `openstack` CLI and `kubectl` against `rbk sim serve` (started
//! by [`SimServe`]) with the seed's scoping, and `/_sim/*` read over plain
//! HTTP.
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub use super::http::http;
use super::sim_serve::SimServe;

pub const CAPI_PROJECT: &str = "674171fd28d446d3a37073b6a761e910";
pub const KUBE_API_LB: &str = "0f968008-2c6e-4d0a-9d43-7f3b5c1a8e21";

/// A running `rbk sim serve`; killed on drop.
pub struct Sim {
    pub serve: SimServe,
    pub base: String,
    pub port: u16,
    /// The openrc's exports (admin scope, like ~/admin-openrc).
    pub openrc: Vec<(String, String)>,
}

/// The seed's two scopes.
#[derive(Clone, Copy)]
pub enum Scope {
    /// `source ~/admin-openrc; unset OS_PROJECT_ID OS_TENANT_ID OS_TENANT_NAME`
    Admin,
    /// ... `export OS_PROJECT_ID=674171fd...; unset OS_PROJECT_NAME OS_PROJECT_DOMAIN_NAME`
    Capi,
}

pub fn openstack_cli() -> PathBuf {
    let p = std::env::var("RBK_OPENSTACK_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/openstack"));
    assert!(
        p.exists(),
        "the stock openstack CLI is needed at {} (set RBK_OPENSTACK_CLI, or run scripts/test which installs \
         python-openstackclient + octavia and magnum plugins into .venv)",
        p.display()
    );
    p
}

pub fn kubectl() -> PathBuf {
    let p = std::env::var("RBK_KUBECTL").unwrap_or_else(|_| "kubectl".into());
    let found = Command::new(&p)
        .arg("version")
        .arg("--client")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    assert!(
        found.is_ok_and(|s| s.success()),
        "kubectl is needed (set RBK_KUBECTL or install it; scripts/test does): `{p}` did not run"
    );
    PathBuf::from(p)
}

impl Sim {
    pub fn start(scenario: &str, speed: f64) -> Sim {
        let serve = SimServe::start(scenario, speed);
        let openrc =
            parse_openrc(&std::fs::read_to_string(serve.env_dir.join("openrc")).expect("openrc"));
        Sim {
            base: serve.base.clone(),
            port: serve.port,
            openrc,
            serve,
        }
    }

    pub fn env_dir(&self) -> PathBuf {
        self.serve.env_dir.clone()
    }

    /// A throw-away HOME for the clients (the env files' parent folder).
    fn home(&self) -> &Path {
        self.serve.env_dir.parent().expect("env dir has a parent")
    }

    fn os_env(&self, scope: Scope) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = self
            .openrc
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "OS_PROJECT_ID" | "OS_TENANT_ID" | "OS_TENANT_NAME"
                )
            })
            .cloned()
            .collect();
        if let Scope::Capi = scope {
            env.retain(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "OS_PROJECT_NAME" | "OS_PROJECT_DOMAIN_NAME" | "OS_PROJECT_DOMAIN_ID"
                )
            });
            env.push(("OS_PROJECT_ID".into(), CAPI_PROJECT.into()));
        }
        env
    }

    /// Run the stock openstack CLI; returns (exit ok, stdout, stderr).
    pub fn openstack(&self, scope: Scope, args: &[&str]) -> (bool, String, String) {
        let mut cmd = Command::new(openstack_cli());
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.env("HOME", self.home());
        for (k, v) in self.os_env(scope) {
            cmd.env(k, v);
        }
        output(cmd.output().expect("run openstack"))
    }

    /// Like [`Sim::openstack`], asserting success and returning stdout.
    pub fn os_ok(&self, scope: Scope, args: &[&str]) -> String {
        let (ok, out, err) = self.openstack(scope, args);
        assert!(
            ok,
            "openstack {} failed:\nstdout: {out}\nstderr: {err}",
            args.join(" ")
        );
        out
    }

    /// kubectl with KUBECONFIG pointing at the simulated mgmt cluster.
    pub fn kubectl(&self, args: &[&str]) -> (bool, String, String) {
        let mut cmd = Command::new(kubectl());
        cmd.args(args)
            .env("KUBECONFIG", self.env_dir().join("kubeconfig"))
            .env("HOME", self.home())
            .env_remove("KUBERNETES_SERVICE_HOST");
        output(cmd.output().expect("run kubectl"))
    }

    pub fn kubectl_ok(&self, args: &[&str]) -> String {
        let (ok, out, err) = self.kubectl(args);
        assert!(
            ok,
            "kubectl {} failed:\nstdout: {out}\nstderr: {err}",
            args.join(" ")
        );
        out
    }

    /// GET a path on the simulator: (status, body).
    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
        http(self.port, "GET", path, headers, "")
    }

    /// A Keystone token scoped to `project_id` (X-Subject-Token of a password auth).
    pub fn token(&self, project_id: &str) -> String {
        let password = self
            .openrc
            .iter()
            .find(|(k, _)| k == "OS_PASSWORD")
            .map(|(_, v)| v.clone())
            .expect("OS_PASSWORD");
        let body = serde_json::json!({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {"name": "admin",
                "domain": {"name": "admin_domain"}, "password": password}}},
            "scope": {"project": {"id": project_id}}}});
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        let body = body.to_string();
        write!(
            s,
            "POST /identity/v3/auth/tokens HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .expect("send");
        let mut out = String::new();
        s.read_to_string(&mut out).expect("read");
        out.lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .starts_with("x-subject-token:")
                    .then(|| l[16..].trim().to_string())
            })
            .expect("X-Subject-Token")
    }

    pub fn state(&self) -> serde_json::Value {
        let (status, body) = self.get("/_sim/state", &[]);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("state is JSON")
    }

    /// The object in `/_sim/state`'s list `list` whose `key` is `value`.
    pub fn state_item(&self, list: &str, key: &str, value: &str) -> serde_json::Value {
        let state = self.state();
        state[list]
            .as_array()
            .unwrap_or_else(|| panic!("state has no list {list}"))
            .iter()
            .find(|item| item[key] == value)
            .unwrap_or_else(|| panic!("no {list} entry with {key} = {value}"))
            .clone()
    }

    /// Simulated seconds since the epoch, now.
    pub fn now_s(&self) -> f64 {
        self.state()["clock"]["elapsed_ms"]
            .as_f64()
            .expect("elapsed_ms")
            / 1000.0
    }

    /// Poll `f` until it returns Some, for at most `wall` real time.
    pub fn wait_for<T>(&self, wall: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
        let start = Instant::now();
        loop {
            if let Some(v) = f() {
                return v;
            }
            assert!(start.elapsed() < wall, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn output(o: Output) -> (bool, String, String) {
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The `export K=V` lines of an openrc (never executed).
pub fn parse_openrc(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("export "))
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
        .collect()
}
