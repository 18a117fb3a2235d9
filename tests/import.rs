//! `rbk import`: the seed runbook and two runbooks in other styles
//! (numbered lists with `$ ` prompts in `console` blocks; `### Step N`
//! headings with `sh` blocks) become drafts that parse, keep every command
//! (mapped or as a TODO), find the polls with their bounds, the gates and
//! the decision, and end with the checker's summary. Three more runbooks
//! show the comments kept where they stood, the steps' layers, and the
//! patience windows.
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support;
use rbk::diagnostic::SourceFile;

const SEED: &str = "tests/fixtures/import/capi-magnum-recovery-runbook.md";
const WORKER: &str = "tests/fixtures/import/worker-maintenance.md";
const RESCUE: &str = "tests/fixtures/import/server-rescue.md";
const ANNOTATED: &str = "tests/fixtures/import/annotated-commands.md";
const INGRESS: &str = "tests/fixtures/import/ingress-node-swap.md";
const SLOW: &str = "tests/fixtures/import/slow-waits.md";

/// An import into a temporary directory: the draft, the site file, stderr.
struct Import {
    _dir: tempfile::TempDir,
    out: Output,
    draft: String,
    site: String,
    stderr: String,
}

fn import(runbook: &str) -> Import {
    let dir = tempfile::tempdir().expect("tempdir");
    let draft_path = dir.path().join("draft.rbk");
    let site_path = dir.path().join("site.toml");
    let out = support::rbk([
        "import".as_ref(),
        runbook.as_ref(),
        "-o".as_ref(),
        draft_path.as_os_str(),
        "--site-out".as_ref(),
        site_path.as_os_str(),
    ])
    .output()
    .expect("rbk runs");
    let read =
        |p: &Path| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let stderr =
        String::from_utf8_lossy(&out.stderr).replace(&dir.path().display().to_string(), "<tmp>");
    Import {
        draft: read(&draft_path),
        site: read(&site_path),
        stderr,
        out,
        _dir: dir,
    }
}

/// The draft parses, and is already in `rbk fmt`'s layout.
fn assert_parses_formatted(draft: &str) {
    rbk::syntax::parse(&SourceFile::new("draft.rbk", draft)).unwrap_or_else(|d| {
        panic!(
            "the draft does not parse:\n{draft}\n{}",
            d.iter().map(|d| d.render(false, 100)).collect::<String>()
        )
    });
    let formatted = rbk::formatter::format_str("draft.rbk", draft).expect("formats");
    assert_eq!(formatted, draft, "the draft is not formatted");
}

/// `poll every E max N` lines, in order.
fn polls(draft: &str) -> Vec<String> {
    draft
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("poll "))
        .map(|l| l.trim_end_matches(" {").to_string())
        .collect()
}

fn count(draft: &str, needle: &str) -> usize {
    draft.matches(needle).count()
}

#[test]
fn seed_draft_keeps_every_command_and_finds_polls_gates_and_decision() {
    let imp = import(SEED);
    // The draft is written; the checker's errors are the author's part.
    assert_eq!(imp.out.status.code(), Some(1), "{}", imp.stderr);
    assert_parses_formatted(&imp.draft);

    // Every command of the seed: 20 pipelines, mapped or kept with a TODO.
    let commands: &[(&str, usize)] = &[
        ("openstack.server.stop(\"capi-mgmt-v2\")", 1),
        ("openstack.server.start(\"capi-mgmt-v2\")", 1),
        ("openstack.server.show(\"capi-mgmt-v2\").status", 1),
        ("tcp.probe(site.mgmt_fip, 22, timeout: 5s)", 1),
        ("ssh.run(\"uptime; sudo k8s status 2>&1 </dev/null | head -4\")", 1),
        // section 4 and the workload check of section 6
        ("kube.nodes()", 2),
        ("local.run([\"bash\", \"-c\", \"kubectl get pods -A |egrep 'capi-|capo-|cert-manager|orc-system|janitor|addon'\"], readonly: true)", 1),
        ("kube.list(\"cluster\", namespace: ns) + kube.list(\"openstackcluster\", namespace: ns) + kube.list(\"machines\", namespace: ns)", 1),
        ("openstack.loadbalancer.list()", 1),
        // 5a and 6
        ("openstack.loadbalancer.amphora.list()", 2),
        ("local.run([\"bash\", \"-c\", \"openstack server list --all-projects --long -f yaml |grep", 1),
        ("local.run([\"bash\", \"-c\", \"openstack hypervisor list --long -f yaml |grep -E 'Hostname|Memory MB'\"], readonly: true)", 1),
        ("openstack.loadbalancer.failover(lb)", 1),
        ("openstack.loadbalancer.show(lb).provisioning_status", 1),
        ("openstack.loadbalancer.show(lb).operating_status", 1),
        ("kube.list(\"cluster\", namespace: ns_2) + kube.list(\"openstackcluster\", namespace: ns_2) // Available=True (allow ~10 min post-failover for CAPO resync)\n", 1),
        ("openstack.coe.cluster.show(\"capi-test-1\").health_status\n", 1),
        ("openstack.coe.cluster.show(\"capi-test-1\").health_status_reason\n", 1),
    ];
    for (cmd, n) in commands {
        assert_eq!(count(&imp.draft, cmd), *n, "{cmd}\n{}", imp.draft);
    }
    assert_eq!(commands.iter().map(|(_, n)| n).sum::<usize>(), 20);
    assert!(
        imp.stderr
            .contains("commands: 20 found, 17 mapped to builtins, 3 kept as local commands"),
        "{}",
        imp.stderr
    );
    // Each kept command says why.
    assert_eq!(count(&imp.draft, "local.run("), 3);
    // Each is a read-only listing through grep: it only looks.
    assert_eq!(count(&imp.draft, "], readonly: true)"), 3);
    assert_eq!(
        count(
            &imp.draft,
            "TODO(import): kept as a local command: a pipeline"
        ),
        3
    );

    // The four polls, with the seed's bounds, and their exits.
    assert_eq!(
        polls(&imp.draft),
        vec![
            "poll every 10s max 20",
            "poll every 10s max 18",
            "poll every 2m max 15",
            "poll every 10s max 60"
        ]
    );
    assert!(imp.draft.contains("until st == \"ACTIVE\""));
    assert!(imp.draft.contains("until ok"));
    assert!(imp
        .draft
        .contains("until out.stdout ~ \"cluster status: ready\""));
    assert!(imp.draft.contains("until prov == \"ACTIVE\""));
    assert!(imp.draft.contains("fail if prov == \"ERROR\": \"failover FAILED -- read octavia-worker.log; do NOT retry blind\""));

    // The gates, the decision and its arms.
    assert!(imp
        .draft
        .contains("gate ssh_port_ok \"2. Start + boot gate -- GATE: SSH-PORT-OK\" {"));
    // Steps get the layer their changes fall on; gates none (the layer a
    // gate proves is the author's to say).
    assert!(imp.draft.contains(
        "step parking_deliberate_stop \"1. Parking (deliberate stop) -- forward procedure\" layer vm {"
    ));
    assert!(imp.draft.contains(
        "step failover_strictly_sequential \"5c. FAILOVER, STRICTLY SEQUENTIAL\" layer lb {"
    ));
    assert!(imp.draft.contains("gate cluster_status_ready \"3. k8s-snap readiness (PATIENCE GATE) -- GATE: cluster status: ready\" {"));
    assert!(imp.draft.contains("decide decision \"DECISION\" {"));
    assert!(imp
        .draft
        .contains("when todo_decide_1 -> top_stack_verification"));
    assert!(imp
        .draft
        .contains("when todo_decide_2 -> zombie_orphan_sweep"));
    assert_eq!(count(&imp.draft, "\n  step "), 6);

    // Scopes from the preambles; the expectations table; prose kinds.
    assert!(imp
        .draft
        .contains("scope openstack(project: site.project_id, openrc: \"~/admin-openrc\") {"));
    assert!(imp
        .draft
        .contains("scope openstack(openrc: \"~/admin-openrc\") {"));
    assert!(imp
        .draft
        .contains("scope kube(kubeconfig: \"~/capi-mgmt.kubeconfig\") {"));
    assert!(imp.draft.contains("scope ssh(host: site.mgmt_fip, user: \"ubuntu\", key: \"~/.ssh/id_ed25519\", known_hosts: \"accept-new\") {"));
    assert_eq!(count(&imp.draft, "  expect "), 8);
    assert!(imp
        .draft
        .contains("timing ~108s \"Verified timing: ~108 s to ACTIVE;"));
    assert!(imp.draft.contains(
        "warn \"DO NOT retry failover against NoValidHost -- each attempt mints another zombie.\""
    ));

    // Site literals: declared in the draft, valued in the site file.
    assert!(imp
        .draft
        .contains("  project_id: str \"`OS_PROJECT_ID` in the runbook."));
    assert!(imp.draft.contains("let ns = \"magnum-{site.project_id}\""));
    assert!(imp
        .site
        .contains("project_id = \"674171fd28d446d3a37073b6a761e910\"\n"));
    assert!(imp.site.contains("mgmt_fip = \"10.12.7.40\"\n"));

    // The PATIENCE GATE's wait is a patience window as long as its poll
    // may take; what it forbids is the author's to name.
    assert!(imp.draft.contains(
        "    patience \"k8s-snap readiness\" for 30m {\n      scope ssh(host: site.mgmt_fip,"
    ));
    assert!(imp
        .draft
        .contains("// TODO(import): name what the window forbids"));
    assert!(!imp.draft.contains("TODO(import): a PATIENCE GATE"));

    // The comments at the end of command lines stay on their statements.
    assert!(imp
        .draft
        .contains("let amphorae_2 = openstack.loadbalancer.amphora.list() // all ALLOCATED\n"));

    insta::assert_snapshot!("seed_draft", imp.draft);
    // The import's part of the summary; the checker's part depends on the
    // builtins this rbk has (local.run), and is asserted by code below.
    let import_part: String = imp
        .stderr
        .lines()
        .take_while(|l| !l.starts_with("rbk check"))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!("seed_summary", import_part);
}

#[test]
fn seed_summary_lists_what_is_left_and_the_site_file_is_toml() {
    // The site file is TOML for `rbk exec --site`; the summary names the rest.
    let imp = import(SEED);
    let site: toml::Table = imp.site.parse().expect("the site file is TOML");
    assert_eq!(site.len(), 2);
    assert!(
        imp.stderr.contains("TODO(import) comments: 11"),
        "{}",
        imp.stderr
    );
    for code in ["RBK101 x2", "RBK206 x1", "RBK416 x1"] {
        assert!(imp.stderr.contains(code), "{code} in\n{}", imp.stderr);
    }
}

#[test]
fn numbered_list_with_prompts() {
    let imp = import(WORKER);
    assert_parses_formatted(&imp.draft);
    assert_eq!(polls(&imp.draft), vec!["poll every 10s max 30"]);
    for expected in [
        "step point_kubectl_at \"1. Point kubectl at the production cluster and look at the nodes\" {",
        "scope kube(kubeconfig: \"~/clusters/prod.kubeconfig\") {",
        "kube.cordon(\"worker-3\")",
        "kube.drain(\"worker-3\", ignore_daemonsets: true, delete_emptydir_data: true, timeout: 5m)",
        "ssh.run(\"sudo systemctl reboot\", changes: true)",
        "let ok = tcp.probe(site.ssh_host, 22, timeout: 3s)",
        "gate sshd_answers \"4. Wait for sshd to answer again -- GATE: sshd answers\" {",
        "timing ~4m \"The reboot takes ~4 min on this hardware.\"",
        "warn \"WARNING: do NOT drain two workers at once.\"",
        "kube.uncordon(\"worker-3\")",
        // Output after a prompt is not a command.
        "note \"Expected output:\\nactive\\nTrue\"",
        // jsonpath selects part of the object: kept, not mapped.
        "TODO(import): kept as a local command: `-o jsonpath=",
    ] {
        assert!(imp.draft.contains(expected), "{expected}\n{}", imp.draft);
    }
    assert!(
        imp.stderr
            .contains("commands: 9 found, 8 mapped to builtins, 1 kept as local commands"),
        "{}",
        imp.stderr
    );
    assert!(imp.site.contains("ssh_host = \"192.168.40.13\""));
    insta::assert_snapshot!("worker_draft", imp.draft);
}

#[test]
fn step_headings_with_sh_blocks() {
    let imp = import(RESCUE);
    assert_parses_formatted(&imp.draft);
    assert_eq!(
        polls(&imp.draft),
        vec!["poll every 5s max 30", "poll every 5s"]
    );
    for expected in [
        "scope openstack(cloud: \"lab\") {",
        "let status = openstack.server.show(site.db_server).status",
        // a DECISION list
        "when todo_decide_1 -> check_replication \"status ACTIVE -> Step 4\"",
        "when todo_decide_2 -> reset_start \"status ERROR -> Step 2\"",
        "until status_2 == \"ACTIVE\"",
        // kept commands see the values rbk holds
        "local.run([\"bash\", \"-c\", \"openstack server set --state active \\\"{site.db_server}\\\"\"])",
        "if [ \\\"{status_2}\\\" = \\\"ERROR\\\" ]",
        // a heredoc stays a heredoc
        "cat <<EOF > /tmp/db-check.txt\\nchecked by $USER\\nEOF",
        // an unbounded `until` loop: the checker asks for the bound
        "TODO(import): the runbook's loop has no bound",
        "let servers = openstack.server.list(status: \"ERROR\")",
        "expect replica_lag_above \"Replica lag above 60 s right after the start\" benign {",
    ] {
        assert!(imp.draft.contains(expected), "{expected}\n{}", imp.draft);
    }
    assert!(
        imp.stderr.contains("RBK401 x1   error   unbounded poll"),
        "{}",
        imp.stderr
    );
    assert!(imp
        .site
        .contains("db_server = \"5d3c9f0e-8a41-4b6e-9d2f-1c7a8e4b2f60\""));
    insta::assert_snapshot!("rescue_draft", imp.draft);
}

#[test]
fn comments_stay_where_the_author_wrote_them() {
    let imp = import(ANNOTATED);
    assert_parses_formatted(&imp.draft);
    for expected in [
        // at the end of a command's line: at the end of its statement
        "openstack.server.stop(\"runner-01\") // the big one first: it holds the cache lock\n",
        "let st = openstack.server.show(\"runner-02\").status // its status only\n",
        // after a command that gives no statement: on a line of its own
        "// the clouds.yaml entry of the farm\n    scope openstack(cloud: \"buildfarm\") {",
        // inside a pipeline: before it, and at its end
        "// every server of the project\n    // TODO(import): kept as a local command: a pipeline",
        "readonly: true) // only what matters\n",
        // a comment line inside a loop, where it was; the loop's own at its head
        "poll every 15s max 20 { // 5 minutes at most\n        // the second runner is always slower\n",
        "// done\n        until st == \"SHUTOFF\"",
        // a kept `if` loses its comment from the shell text, not from the draft
        "// the queue API\n    // TODO(import): kept as a local command: a shell conditional",
        // an `until` loop's comments at the top of its poll
        "poll every 5s {\n      // the API answers again after the stop\n      // poll gently\n",
    ] {
        assert!(imp.draft.contains(expected), "{expected}\n{}", imp.draft);
    }
    assert!(!imp.draft.contains("__rbk_comment"), "{}", imp.draft);
    assert!(
        imp.stderr
            .contains("commands: 6 found, 4 mapped to builtins, 2 kept as local commands"),
        "{}",
        imp.stderr
    );
    insta::assert_snapshot!("annotated_draft", imp.draft);
}

#[test]
fn layers_come_from_the_builtins_a_step_changes_through() {
    let imp = import(INGRESS);
    assert_parses_formatted(&imp.draft);
    // The builtin table's layers, bottom first, declared once.
    assert_eq!(count(&imp.draft, "\nlayers host < vm < k8s < lb\n"), 1);
    for expected in [
        // cordon and drain: k8s; stop: vm; failover: lb
        "step take_node_out \"1. Take the node out of the cluster\" layer k8s {",
        "step stop_old_vm \"2. Stop the old VM\" layer vm {",
        "step move_load_balancer \"4. Move the load balancer to the spare\" layer lb {",
        // a VM and a node in one step: no one layer
        "step start_spare_bring \"3. Start the spare and bring its node back\" {",
        // reads only: it changes no layer
        "step look_at_result \"5. Look at the result\" {",
    ] {
        assert!(imp.draft.contains(expected), "{expected}\n{}", imp.draft);
    }
    // The layers add no error: the same as without them.
    assert!(imp.stderr.contains("1 error, 3 warnings"), "{}", imp.stderr);
    insta::assert_snapshot!("ingress_draft", imp.draft);
}

#[test]
fn waits_the_prose_says_to_sit_out_are_patience_windows() {
    let imp = import(SLOW);
    assert_parses_formatted(&imp.draft);
    for expected in [
        // "Wait up to 20 minutes": the poll in a 20-minute window
        "    patience \"Rebuild the proxy image cache\" for 20m {\n      scope kube(",
        // "Do not act before 15 min": the sleep in a window, and a TODO to
        // name what it forbids
        "// TODO(import): name what the window forbids (`forbid openstack.server.stop, ssh.run ~ \"restart|reboot\"`): the checker then refuses it inside (RBK404). The runbook says: \"Do not act before 15 min have passed: the replicas resync one by one.\"\n    patience \"Let the replicas settle\" for 15m {\n      sleep(15m)\n    }",
        // a PATIENCE heading: as long as the poll may take (12 x 10s)
        "    patience \"Warm-up\" for 2m {\n      poll every 10s max 12 {",
        // "takes ~10 minutes" with nothing that waits: a timing only
        "timing ~10m \"This takes ~10 minutes, and nothing waits for it here.\"",
        // a PATIENCE heading with nothing that waits: the TODO
        "// TODO(import): a PATIENCE GATE: wrap the wait in `patience",
    ] {
        assert!(imp.draft.contains(expected), "{expected}\n{}", imp.draft);
    }
    assert_eq!(count(&imp.draft, "\n    patience \""), 3);
    assert!(imp.stderr.contains("0 errors, 1 warning"), "{}", imp.stderr);
    insta::assert_snapshot!("slow_draft", imp.draft);
}

#[test]
fn without_out_files_the_draft_goes_to_stdout_with_site_defaults() {
    let out = support::rbk(["import", WORKER]).output().expect("rbk runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("ssh_host: str = \"192.168.40.13\""),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("-> stdout"));
}

#[test]
fn never_overwrites_and_reports_bad_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let existing: PathBuf = dir.path().join("x.rbk");
    std::fs::write(&existing, "keep me").expect("write");
    let out = support::rbk([
        "import".as_ref(),
        WORKER.as_ref(),
        "-o".as_ref(),
        existing.as_os_str(),
    ])
    .output()
    .expect("rbk runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&existing).expect("read"), "keep me");

    let out = support::rbk(["import", "no/such/runbook.md"])
        .output()
        .expect("rbk runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read no/such/runbook.md"));
}
