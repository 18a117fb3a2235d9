//! [`SimCloud`]: a world, its clock and the HTTP server serving it on loopback.
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::task::JoinHandle;

use super::server::{self, AppState, KubeDiscovery, RequestCounts};
use super::{ids, Scenario, SharedWorld, SimError};
use crate::clock::Clock;

/// Admin credentials for the simulated Keystone. The password is a secret:
/// Debug redacts it and the server never logs it.
#[derive(Clone, PartialEq, Eq)]
pub struct SimAuth {
    pub auth_url: String,
    pub username: String,
    pub password: String,
    pub user_domain_name: String,
    pub project_name: String,
    pub project_domain_name: String,
    pub region: String,
}

impl std::fmt::Debug for SimAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimAuth")
            .field("auth_url", &self.auth_url)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("user_domain_name", &self.user_domain_name)
            .field("project_name", &self.project_name)
            .field("project_domain_name", &self.project_domain_name)
            .field("region", &self.region)
            .finish()
    }
}

/// The simulated cloud: world + clock + HTTP server task (stopped on drop).
pub struct SimCloud {
    addr: SocketAddr,
    app: Arc<AppState>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for SimCloud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimCloud")
            .field("addr", &self.addr)
            .finish()
    }
}

impl Drop for SimCloud {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Refuse anything but a loopback address: the simulator never listens outside.
pub fn check_loopback(addr: &SocketAddr) -> Result<(), SimError> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(SimError::NotLoopback {
            addr: addr.to_string(),
        })
    }
}

impl SimCloud {
    /// Start the HTTP server on `listen` (default 127.0.0.1:0, loopback only).
    pub async fn start(
        scenario: Scenario,
        clock: Clock,
        listen: Option<SocketAddr>,
    ) -> Result<SimCloud, SimError> {
        Self::start_serving(scenario, clock, listen, KubeDiscovery::default()).await
    }

    /// [`SimCloud::start`], with the Kubernetes discovery the server offers.
    pub async fn start_serving(
        scenario: Scenario,
        clock: Clock,
        listen: Option<SocketAddr>,
        kube_discovery: KubeDiscovery,
    ) -> Result<SimCloud, SimError> {
        let addr = listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        check_loopback(&addr)?;
        let world = SharedWorld::from_scenario(&scenario, clock)?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| SimError::Bind {
                addr: addr.to_string(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind {
            addr: addr.to_string(),
            source,
        })?;
        let app = Arc::new(AppState {
            world,
            base: format!("http://{addr}"),
            password: secret(),
            kube_token: secret(),
            tokens: Mutex::new(HashMap::new()),
            stats: Mutex::new(RequestCounts::default()),
            kube_discovery,
        });
        let router = axum::Router::new()
            .fallback(server::dispatch)
            .with_state(app.clone());
        let task = tokio::spawn(async move {
            // Errors here are per-connection; the listener itself lives as long as the task.
            let _ = axum::serve(listener, router).await;
        });
        Ok(SimCloud { addr, app, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.app.base
    }

    pub fn auth(&self) -> SimAuth {
        SimAuth {
            auth_url: self.app.url("/identity/v3"),
            username: ids::ADMIN_USER_NAME.into(),
            password: self.app.password.clone(),
            user_domain_name: ids::ADMIN_DOMAIN_NAME.into(),
            project_name: ids::ADMIN_PROJECT_NAME.into(),
            project_domain_name: ids::ADMIN_DOMAIN_NAME.into(),
            region: "RegionOne".into(),
        }
    }

    pub fn world(&self) -> SharedWorld {
        self.app.world.clone()
    }

    /// Same as `GET /_sim/state`.
    pub fn state_json(&self) -> Value {
        super::state::state_json(&self.app.world)
    }

    /// Same as `GET /_sim/stats`.
    pub fn stats_json(&self) -> Value {
        self.app.stats_json()
    }

    /// A kubeconfig for the mgmt cluster's (simulated) API.
    pub fn kubeconfig_yaml(&self) -> String {
        kubeconfig_yaml(&self.app.base, &self.app.kube_token)
    }

    /// The openrc's variables (admin scope), for an in-process client.
    pub fn os_env(&self) -> Vec<(String, String)> {
        let a = self.auth();
        [
            ("OS_AUTH_URL", a.auth_url),
            ("OS_IDENTITY_API_VERSION", "3".into()),
            ("OS_AUTH_TYPE", "password".into()),
            ("OS_USERNAME", a.username),
            ("OS_PASSWORD", a.password),
            ("OS_USER_DOMAIN_NAME", a.user_domain_name),
            ("OS_PROJECT_NAME", a.project_name),
            ("OS_PROJECT_DOMAIN_NAME", a.project_domain_name),
            ("OS_REGION_NAME", a.region),
            ("OS_INTERFACE", "public".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// `openrc` (admin scope, like the seed's ~/admin-openrc), `clouds.yaml`
    /// (`rbk-sim` admin, `rbk-sim-capi` scoped to capi-mgmt) and `kubeconfig`.
    /// Written 0600: they hold the password and the kube token.
    pub fn write_env(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let a = self.auth();
        let mut openrc = String::from(
            "# rbk simulated cloud: admin credentials (like the seed's ~/admin-openrc)\n",
        );
        for (k, v) in self.os_env() {
            openrc.push_str(&format!("export {k}={v}\n"));
        }
        let cloud = |name: &str, scope: &str| {
            format!(
                "  {name}:\n    auth:\n      auth_url: {}\n      username: {}\n      password: {}\n\
                 \x20     user_domain_name: {}\n{scope}    region_name: {}\n    interface: public\n\
                 \x20   identity_api_version: 3\n",
                a.auth_url, a.username, a.password, a.user_domain_name, a.region
            )
        };
        let clouds = format!(
            "clouds:\n{}{}",
            cloud(
                "rbk-sim",
                &format!(
                    "      project_name: {}\n      project_domain_name: {}\n",
                    a.project_name, a.project_domain_name
                )
            ),
            cloud(
                "rbk-sim-capi",
                &format!("      project_id: {}\n", ids::CAPI_PROJECT_ID)
            ),
        );
        write_private(&dir.join("openrc"), &openrc)?;
        write_private(&dir.join("clouds.yaml"), &clouds)?;
        write_private(&dir.join("kubeconfig"), &self.kubeconfig_yaml())
    }
}

pub fn kubeconfig_yaml(base: &str, token: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: capi-mgmt\n  cluster:\n    server: {base}\n\
         contexts:\n- name: capi-mgmt\n  context:\n    cluster: capi-mgmt\n    user: capi-mgmt-admin\n\
         current-context: capi-mgmt\npreferences: {{}}\nusers:\n- name: capi-mgmt-admin\n  user:\n    token: {token}\n"
    )
}

fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(content.as_bytes())
}

fn secret() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
