//! The management VM's guest as seen over ssh: `uptime` with the cold-start
//! load trend, `sudo k8s status` with its convergence noise, `sudo k8s
//! config`. A tiny shell: `;`-separated commands, `| head -N`, redirections
//! ignored.
use super::world::{timing, Ms, World, MINUTE, SECOND};

/// What one ssh command printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestOutput {
    pub stdout: String,
    pub stderr: String,
    pub exit: i64,
}

/// The 1-minute load at `t` after boot: climbs past 100 on 2 vCPUs during the
/// k8s-snap cold start, then settles (seed: "load peak >100 on 2 vCPUs").
pub fn load_at(t: Ms) -> f64 {
    const CURVE: [(f64, f64); 12] = [
        (0.0, 0.4),
        (1.0, 3.5),
        (3.5, 9.0),
        (6.0, 44.0),
        (9.0, 97.0),
        (12.0, 118.0),
        (15.0, 104.0),
        (18.0, 63.0),
        (20.5, 21.0),
        (24.0, 6.5),
        (30.0, 1.9),
        (60.0, 0.6),
    ];
    let m = t as f64 / MINUTE as f64;
    if m <= 0.0 {
        return CURVE[0].1;
    }
    for w in CURVE.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if m <= x1 {
            return y0 + (y1 - y0) * (m - x0) / (x1 - x0);
        }
    }
    CURVE[CURVE.len() - 1].1
}

/// Mean load over the `window` before `t` (how the kernel's 5/15-min averages lag).
fn mean_load(t: Ms, window: Ms) -> f64 {
    let samples = 20;
    let start = (t - window).max(0);
    let span = t - start;
    if span == 0 {
        return load_at(t);
    }
    (0..=samples)
        .map(|i| load_at(start + span * i / samples))
        .sum::<f64>()
        / (samples + 1) as f64
}

/// `uptime`'s line, e.g. ` 08:23:45 up 23 min,  1 user,  load average: 96.12, 88.40, 61.02`.
pub fn uptime_line(now: Ms, uptime: Ms) -> String {
    let clock = crate::clock::sim_epoch() + std::time::Duration::from_millis(now.max(0) as u64);
    let hms = clock.strftime("%H:%M:%S").to_string();
    let mins = uptime / MINUTE;
    let up = if mins < 60 {
        format!("{mins} min")
    } else if mins < 24 * 60 {
        format!("{}:{:02}", mins / 60, mins % 60)
    } else {
        let days = mins / (24 * 60);
        let rest = mins % (24 * 60);
        format!(
            "{days} day{}, {}:{:02}",
            if days == 1 { "" } else { "s" },
            rest / 60,
            rest % 60
        )
    };
    format!(
        " {hms} up {up},  1 user,  load average: {:.2}, {:.2}, {:.2}",
        load_at(uptime),
        mean_load(uptime, 5 * MINUTE),
        mean_load(uptime, 15 * MINUTE)
    )
}

/// `sudo k8s status` at `uptime` after boot: (stdout, stderr, exit).
pub fn k8s_status(uptime: Ms) -> (String, String, i64) {
    let deadline = "Error: Failed to retrieve the cluster status.\n\n\
         The error was: failed to GET /k8sd/cluster: Get \"http://control.socket/1.0/k8sd/cluster\": \
         context deadline exceeded\n";
    if uptime < 8 * MINUTE {
        (String::new(), deadline.into(), 1)
    } else if uptime < 15 * MINUTE {
        let tls = "Error: Failed to retrieve the cluster status.\n\n\
             The error was: failed to get cluster nodes: Get \"https://127.0.0.1:6443/api/v1/nodes\": \
             net/http: TLS handshake timeout\n";
        (String::new(), tls.into(), 1)
    } else if uptime < timing::BOOT_TO_K8S_READY {
        (
            "cluster status:           not ready\n\
             control plane nodes:      10.6.0.15:6400 (voter)\n\
             high availability:        no\n\
             datastore:                k8s-dqlite\n\
             network:                  enabled\n\
             dns:                      enabled at 10.152.183.10\n"
                .into(),
            String::new(),
            0,
        )
    } else {
        (
            "cluster status:           ready\n\
             control plane nodes:      10.6.0.15:6400 (voter)\n\
             high availability:        no\n\
             datastore:                k8s-dqlite\n\
             network:                  enabled\n\
             dns:                      enabled at 10.152.183.10\n\
             ingress:                  disabled\n\
             load-balancer:            disabled\n\
             local-storage:            enabled at /var/snap/k8s/common/rawfile-storage\n\
             gateway                   enabled\n"
                .into(),
            String::new(),
            0,
        )
    }
}

/// Run a command line on the mgmt VM at `now`. The caller has checked that
/// sshd is up. `kubeconfig` is what `sudo k8s config` prints.
pub fn run(world: &World, now: Ms, line: &str, kubeconfig: &dyn Fn() -> String) -> GuestOutput {
    let mut out = GuestOutput {
        stdout: String::new(),
        stderr: String::new(),
        exit: 0,
    };
    let uptime = world.mgmt_uptime(now).unwrap_or(0);
    for command in split_commands(line) {
        let (cmd, head) = split_head(&command);
        let (mut stdout, mut stderr, exit, merged) = run_one(&cmd, now, uptime, kubeconfig);
        if merged {
            stdout.push_str(&std::mem::take(&mut stderr));
        }
        if let Some(n) = head {
            stdout = stdout.lines().take(n).map(|l| format!("{l}\n")).collect();
            // A pipeline's status is its last command's: head succeeds.
            out.exit = 0;
        } else {
            out.exit = exit;
        }
        out.stdout.push_str(&stdout);
        out.stderr.push_str(&stderr);
    }
    out
}

fn split_commands(line: &str) -> Vec<String> {
    line.split([';', '\n'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// `cmd | head -4` -> (`cmd`, Some(4)); other pipelines are left whole.
fn split_head(command: &str) -> (String, Option<usize>) {
    if let Some((left, right)) = command.rsplit_once('|') {
        let words: Vec<&str> = right.split_whitespace().collect();
        let n = match words.as_slice() {
            ["head"] => Some(10),
            ["head", n] => n.strip_prefix('-').and_then(|n| n.parse().ok()),
            ["head", "-n", n] => n.parse().ok(),
            _ => None,
        };
        if n.is_some() {
            return (left.trim().to_string(), n);
        }
    }
    (command.to_string(), None)
}

/// (stdout, stderr, exit, stderr merged into stdout by `2>&1`).
fn run_one(
    command: &str,
    now: Ms,
    uptime: Ms,
    kubeconfig: &dyn Fn() -> String,
) -> (String, String, i64, bool) {
    let mut merged = false;
    let mut words = Vec::new();
    let mut skip_next = false;
    for w in command.split_whitespace() {
        if skip_next {
            skip_next = false;
            continue;
        }
        match w {
            "2>&1" => merged = true,
            "<" | ">" | "2>" => skip_next = true,
            w if w.starts_with('<') || w.starts_with("2>") || w.starts_with('>') => {}
            w => words.push(w.trim_matches('"').trim_matches('\'')),
        }
    }
    let argv: &[&str] = match words.as_slice() {
        ["sudo", rest @ ..] => rest,
        all => all,
    };
    match argv {
        ["uptime"] => (
            format!("{}\n", uptime_line(now, uptime)),
            String::new(),
            0,
            merged,
        ),
        ["k8s", "status", ..] => {
            let (o, e, x) = k8s_status(uptime);
            (o, e, x, merged)
        }
        ["k8s", "config", ..] => {
            if uptime < timing::BOOT_TO_K8S_READY {
                let e = "Error: Failed to get admin kubeconfig: k8sd is not ready\n".to_string();
                (String::new(), e, 1, merged)
            } else {
                (kubeconfig(), String::new(), 0, merged)
            }
        }
        ["hostname"] => ("capi-mgmt-v2\n".into(), String::new(), 0, merged),
        ["true"] | [] => (String::new(), String::new(), 0, merged),
        ["echo", rest @ ..] => (format!("{}\n", rest.join(" ")), String::new(), 0, merged),
        [cmd, ..] => (
            String::new(),
            format!("bash: line 1: {cmd}: command not found\n"),
            127,
            merged,
        ),
    }
}

/// Seconds, for tests and messages.
pub fn secs(ms: Ms) -> f64 {
    ms as f64 / SECOND as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_climbs_past_100_then_settles() {
        assert!(load_at(2 * MINUTE) < 10.0);
        assert!(load_at(12 * MINUTE) > 100.0);
        assert!(load_at(40 * MINUTE) < 2.0);
    }

    #[test]
    fn uptime_formats_like_procps() {
        let l = uptime_line(23 * MINUTE, 23 * MINUTE);
        assert!(
            l.starts_with(" 08:23:00 up 23 min,  1 user,  load average: "),
            "{l}"
        );
        assert!(uptime_line(0, 26 * 60 * MINUTE).contains("up 1 day, 2:00"));
    }

    #[test]
    fn head_and_redirections() {
        assert_eq!(
            split_head("sudo k8s status 2>&1 </dev/null | head -4"),
            ("sudo k8s status 2>&1 </dev/null".into(), Some(4))
        );
        let (o, e, _, merged) = run_one(
            "sudo k8s status 2>&1 </dev/null",
            0,
            5 * MINUTE,
            &String::new,
        );
        assert!(merged && o.is_empty() && e.contains("control.socket"));
    }
}
