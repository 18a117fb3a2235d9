//! The graph and safety rules on the cases their bad examples do not show:
//! what must be reported, and what must not (no false alarms on the
//! constructs the seed runbook needs).
use rbk::check;
use rbk::compilation::Compilation;
use rbk::diagnostic::{Code, Diagnostic};

/// Write `files` into a temp dir and check the first one.
fn check_files(files: &[(&str, &str)]) -> Vec<Diagnostic> {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    let comp = Compilation::load(&dir.path().join(files[0].0)).expect("load");
    check::check(&comp)
}

fn codes(diags: &[Diagnostic]) -> Vec<Code> {
    diags.iter().map(|d| d.code).collect()
}

const LAYERS: &str = "layers vm < k8s < lb\n";

const START: &str = r#"use "layers.rbk"
procedure start "Start" {
  layer "vm"
  step boot "Boot" {
    scope openstack { openstack.server.start("vm") }
  }
  gate up "Up" {
    poll every 10s max 18 {
      let open = tcp.probe("127.0.0.1", 22)
      until open
    }
  }
}
"#;

const REPAIR: &str = r#"use "layers.rbk"
procedure repair "Repair" {
  layer "lb"
  step failover "Failover" {
    scope openstack {
      confirm "go?"
      openstack.loadbalancer.failover("lb1")
    }
  }
}
"#;

#[test]
fn layer_order_counts_gates_passed_inside_called_procedures() {
    let good = r#"use "start.rbk"
use "repair.rbk"
procedure everything "All" {
  call start
  call repair
}
"#;
    let files = [
        ("all.rbk", good),
        ("layers.rbk", LAYERS),
        ("start.rbk", START),
        ("repair.rbk", REPAIR),
    ];
    assert_eq!(codes(&check_files(&files)), vec![]);

    let bad = r#"use "start.rbk"
use "repair.rbk"
procedure everything "All" {
  call repair
  call start
}
"#;
    let files = [
        ("all.rbk", bad),
        ("layers.rbk", LAYERS),
        ("start.rbk", START),
        ("repair.rbk", REPAIR),
    ];
    let diags = check_files(&files);
    assert_eq!(codes(&diags), vec![Code::LayerOrder]);
    assert!(
        diags[0].message.contains("`repair` acts on layer `lb`"),
        "{}",
        diags[0].message
    );
}

#[test]
fn layer_order_fires_when_a_decision_skips_the_lower_gate_and_warns_for_read_only_steps() {
    let text = r#"layers vm < lb
procedure p "P" {
  param lb_id: str
  gate room "Room" {
    scope openstack { require len(openstack.hypervisor.list()) > 0 else abort "none" }
  }
  decide d "Skip?" { when true -> look "fast path" }
  gate vm_up "VM up" layer vm { log "up" }
  step look "Read only" layer lb {
    scope openstack { let lbs = openstack.loadbalancer.list() }
  }
  step act "Act" layer lb {
    scope openstack {
      confirm "go?"
      openstack.loadbalancer.failover(lb_id)
    }
  }
}
"#;
    let diags = check_files(&[("p.rbk", text)]);
    assert_eq!(
        codes(&diags),
        vec![Code::ReadBeforeGate, Code::LayerOrder],
        "{diags:?}"
    );
}

#[test]
fn verify_then_delete_follows_lets_and_loops_but_not_other_steps() {
    let good = r#"procedure p "P" {
  step sweep "Sweep" {
    scope openstack {
      let orphans = filter(s in openstack.server.list(all_projects: true) where s.image == "amphora")
      foreach orphan in orphans {
        let id = orphan.id
        let amps = openstack.loadbalancer.amphora.list()
        require not any(a in amps where a.compute_id == orphan.id) else abort "live"
        confirm "delete {id}?"
        openstack.server.delete(id)
      }
    }
  }
}
"#;
    assert_eq!(codes(&check_files(&[("p.rbk", good)])), vec![]);

    let earlier_step = r#"procedure p "P" {
  param id: str
  step verify "Verify" {
    require id != "" else abort "no id"
  }
  step delete "Delete" {
    scope openstack {
      confirm "delete?"
      openstack.server.delete(id)
    }
  }
}
"#;
    assert_eq!(
        codes(&check_files(&[("p.rbk", earlier_step)])),
        vec![Code::DeleteWithoutVerify]
    );

    let unrelated = r#"procedure p "P" {
  param id: str
  param other: str
  step delete "Delete" {
    scope openstack {
      require other != "" else abort "no other"
      confirm "delete?"
      openstack.server.delete(id)
    }
  }
}
"#;
    assert_eq!(
        codes(&check_files(&[("p.rbk", unrelated)])),
        vec![Code::DeleteWithoutVerify]
    );
}

#[test]
fn patience_patterns_only_forbid_matching_commands() {
    let text = r#"procedure p "P" {
  step wait "Wait" {
    scope ssh(host: "127.0.0.1", user: "ubuntu") {
      patience "convergence" for 25m forbid ssh.run ~ "restart|bootstrap", openstack.server.stop {
        let status = ssh.run("sudo k8s status")
        let up = ssh.run("uptime")
      }
    }
  }
}
"#;
    assert_eq!(codes(&check_files(&[("p.rbk", text)])), vec![]);
}

#[test]
fn a_sequential_failover_loop_with_a_status_poll_is_fine() {
    let text = r#"procedure p "P" {
  gate room "Room" {
    scope openstack { require len(openstack.hypervisor.list()) > 0 else abort "none" }
  }
  step failover "Failover" {
    scope openstack {
      foreach lb in openstack.loadbalancer.list() {
        confirm "fail over {lb.id}?"
        openstack.loadbalancer.failover(lb.id)
        poll every 10s max 60 {
          let now = openstack.loadbalancer.show(lb.id)
          until now.provisioning_status == "ACTIVE"
          fail if now.provisioning_status == "ERROR": "do NOT retry blind"
        }
      }
    }
  }
}
"#;
    assert_eq!(codes(&check_files(&[("p.rbk", text)])), vec![]);
}

#[test]
fn secrets_never_reach_the_rendering() {
    let text = r#"procedure p "P" {
  step a "A" {
    let api_token = "tok-ABCDEF123456"
    log "{nope}"
    note "OS_PASSWORD=hunter2hunter2"
  }
}
"#;
    let diags = check_files(&[("p.rbk", text)]);
    assert_eq!(
        codes(&diags),
        vec![Code::SecretLiteral, Code::UnknownName, Code::SecretLiteral]
    );
    for d in &diags {
        let r = d.render(false, 100);
        assert!(!r.contains("ABCDEF") && !r.contains("hunter2"), "{r}");
    }
}

#[test]
fn every_problem_is_reported_not_only_the_first() {
    let text = r#"layers vm < lb
procedure p "P" {
  step a "A" layer lbb {
    openstack.server.start("vm")
    poll every 10s { log "{x}" }
  }
  step a "Again" needs a { log "a" }
  decide d "Back?" { when 1 -> a "loop" }
}
"#;
    let got = codes(&check_files(&[("p.rbk", text)]));
    for want in [
        Code::UnknownLayer,
        Code::OutsideScope,
        Code::UnboundedPoll,
        Code::PollWithoutUntil,
        Code::UnknownName,
        Code::Duplicate,
        Code::NeedsNotGate,
        Code::NotBool,
        Code::BackwardJump,
    ] {
        assert!(got.contains(&want), "{want} missing from {got:?}");
    }
}

#[test]
fn called_procedure_variables_are_checked() {
    let verify = r#"procedure verify "Verify" {
  step v "V" { let repair_needed = true }
}
"#;
    let ok = r#"use "verify.rbk"
procedure everything "All" {
  call verify
  decide d "Repair?" {
    when verify.repair_needed -> done "yes"
    otherwise -> done
  }
  step done "Done" { log "done" }
}
"#;
    assert_eq!(
        codes(&check_files(&[("all.rbk", ok), ("verify.rbk", verify)])),
        vec![]
    );
    let typo = ok.replace("verify.repair_needed", "verify.repair_neded");
    let diags = check_files(&[("all.rbk", &typo), ("verify.rbk", verify)]);
    assert_eq!(codes(&diags), vec![Code::UnknownField]);
    assert_eq!(
        diags[0].help.as_deref(),
        Some("did you mean `verify.repair_needed`?")
    );
}

const FAIL_OVER_ONE: &str = r#"use "layers.rbk"
procedure fail_over "Fail one load balancer over" {
  layer "lb"
  param lb: str "Load balancer id"
  step failover "Failover" {
    scope openstack {
      confirm "fail {lb} over?"
      openstack.loadbalancer.failover(lb)
    }
  }
}
"#;

#[test]
fn a_call_in_a_parallel_loop_of_an_exclusive_procedure_is_rbk403() {
    let caller = |parallel: &str| {
        format!(
            r#"use "start.rbk"
use "fail-over.rbk"
procedure everything "All" {{
  call start
  step each "Each" layer lb {{
    foreach id in ["a", "b"]{parallel} {{
      call fail_over(lb: id)
    }}
  }}
}}
"#
        )
    };
    let files = |text: &str| -> Vec<Code> {
        let text = text.to_string();
        codes(&check_files(&[
            ("all.rbk", &text),
            ("layers.rbk", LAYERS),
            ("start.rbk", START),
            ("fail-over.rbk", FAIL_OVER_ONE),
        ]))
    };
    assert_eq!(files(&caller("")), vec![]);
    assert_eq!(files(&caller(" parallel")), vec![Code::ExclusiveInParallel]);
}

#[test]
fn a_call_statement_acts_on_the_callees_layers() {
    // The loop fails load balancers over before the vm gate has passed.
    let bad = r#"use "start.rbk"
use "fail-over.rbk"
procedure everything "All" {
  step each "Each" layer vm {
    foreach id in ["a", "b"] {
      call fail_over(lb: id)
    }
  }
  call start
}
"#;
    let diags = check_files(&[
        ("all.rbk", bad),
        ("layers.rbk", LAYERS),
        ("start.rbk", START),
        ("fail-over.rbk", FAIL_OVER_ONE),
    ]);
    assert_eq!(codes(&diags), vec![Code::LayerOrder]);
    assert!(
        diags[0].message.contains("`each` acts on layer `lb`"),
        "{}",
        diags[0].message
    );
}

#[test]
fn call_arguments_are_checked_against_the_params() {
    let caller = |args: &str| {
        format!(
            r#"use "fail-over.rbk"
procedure everything "All" {{
  call fail_over{args}
}}
"#
        )
    };
    let check = |args: &str| -> Vec<Code> {
        let text = caller(args);
        codes(&check_files(&[
            ("all.rbk", &text),
            ("layers.rbk", LAYERS),
            ("fail-over.rbk", FAIL_OVER_ONE),
        ]))
    };
    assert_eq!(check(r#"(lb: "a")"#), vec![]);
    assert_eq!(check(""), vec![Code::MissingCallArgument]);
    assert_eq!(
        check(r#"("a")"#),
        vec![Code::MissingCallArgument, Code::UnknownCallArgument]
    );
    assert_eq!(
        check(r#"(lb: "a", lb: "b")"#),
        vec![Code::UnknownCallArgument]
    );
    assert_eq!(check("(lb: 3)"), vec![Code::CallArgType]);
    assert_eq!(
        check(r#"(lb: "a", nope: 1)"#),
        vec![Code::UnknownCallArgument]
    );
}

#[test]
fn arms_may_skip_work_end_early_or_choose_again_without_falling_through() {
    // One arm that skips optional work: the no-arm run falls into it.
    let skip = r#"procedure p "P" {
  decide d "Repair?" { when true -> verify "nothing to repair" }
  step repair "Repair" { log "r" }
  step verify "Verify" { log "v" }
}
"#;
    assert_eq!(codes(&check_files(&[("p.rbk", skip)])), vec![]);
    // An arm that ends the procedure, and one stopped by a later decision.
    let ended = r#"procedure p "P" {
  decide d "Repair?" {
    when true -> repair "broken"
    when false -> other "other"
    otherwise -> green "green"
  }
  step repair "Repair" { log "r" }
  decide done "Repair arm ends" { otherwise -> end }
  step other "Other" { log "o" }
  decide again "Choose again" { when true -> green "g" }
  step green "Green" { log "g" }
}
"#;
    assert_eq!(codes(&check_files(&[("p.rbk", ended)])), vec![]);
    // Two arms to one target are one arm.
    let same = r#"procedure p "P" {
  decide d "Repair?" {
    when true -> repair "a"
    otherwise -> repair "b"
  }
  step repair "Repair" { log "r" }
}
"#;
    assert_eq!(codes(&check_files(&[("p.rbk", same)])), vec![]);
    // The middle arm falls into the last one, through a plain step.
    let bad = r#"procedure p "P" {
  decide d "Which?" {
    when true -> a "a"
    when false -> b "b"
    otherwise -> c "c"
  }
  step a "A" { log "a" }
  decide a_done "A ends" { otherwise -> end }
  step b "B" { log "b" }
  step b2 "B, more" { log "b2" }
  step c "C" { log "c" }
}
"#;
    let diags = check_files(&[("p.rbk", bad)]);
    assert_eq!(codes(&diags), vec![Code::ArmFallsThrough], "{diags:?}");
    assert!(
        diags[0].message.contains("the arm to `b` runs on into `c`"),
        "{}",
        diags[0].message
    );
}

/// Check one procedure text alone.
fn check_one(text: &str) -> Vec<Code> {
    codes(&check_files(&[("p.rbk", text)]))
}

#[test]
fn stale_verify_wants_a_read_in_the_loop_after_the_last_deletion() {
    // Near miss: a fresh re-read inside the loop, right before the delete.
    let fresh = r#"procedure p "P" {
  step sweep "Sweep" {
    scope openstack {
      let amps = openstack.loadbalancer.amphora.list()
      foreach orphan in filter(s in openstack.server.list(all_projects: true) where s.image == "amphora") {
        let recheck = openstack.loadbalancer.amphora.list()
        let live = map(a in recheck: a.compute_id)
        require orphan.id not in live else abort "live"
        confirm "delete?"
        openstack.server.delete(orphan.id)
      }
    }
  }
}
"#;
    assert_eq!(check_one(fresh), vec![]);
    // The list the loop walks is read before the loop: stale.
    let loop_list = r#"procedure p "P" {
  step sweep "Sweep" {
    scope openstack {
      foreach orphan in filter(s in openstack.server.list(all_projects: true) where s.image == "amphora") {
        require orphan.status == "ERROR" else abort "not in ERROR"
        confirm "delete?"
        openstack.server.delete(orphan.id)
      }
    }
  }
}
"#;
    assert_eq!(check_one(loop_list), vec![Code::StaleVerify]);
    // A read before an earlier deletion, with no loop.
    let after_delete = r#"procedure p "P" {
  param a: str
  param b: str
  step sweep "Sweep" {
    scope openstack {
      let amps = openstack.loadbalancer.amphora.list()
      require not any(x in amps where x.compute_id == a) else abort "live"
      confirm "delete a?"
      openstack.server.delete(a)
      require not any(x in amps where x.compute_id == b) else abort "live"
      confirm "delete b?"
      openstack.server.delete(b)
    }
  }
}
"#;
    assert_eq!(check_one(after_delete), vec![Code::StaleVerify]);
    // A re-check that calls the builtin itself is fresh.
    let inline = r#"procedure p "P" {
  param a: str
  step sweep "Sweep" {
    scope openstack {
      require not any(x in openstack.loadbalancer.amphora.list() where x.compute_id == a) else abort "live"
      confirm "delete a?"
      openstack.server.delete(a)
    }
  }
}
"#;
    assert_eq!(check_one(inline), vec![]);
}

#[test]
fn stale_poll_spares_polls_that_read_inside() {
    // Near misses: the poll calls a builtin in `until`, or in a `let` of
    // its body (through another `let`), or sets a constant there.
    for body in [
        "until openstack.server.show(\"vm\").status == \"ACTIVE\"",
        "let s = openstack.server.show(\"vm\")\n        let st = s.status\n        until st == before",
        "let st = \"ACTIVE\"\n        until st == before",
    ] {
        let text = format!(
            "procedure p \"P\" {{\n  step w \"W\" {{\n    scope openstack {{\n      let before = \"ACTIVE\"\n      poll every 10s max 5 {{\n        {body}\n      }}\n    }}\n  }}\n}}\n"
        );
        assert_eq!(check_one(&text), vec![], "{text}");
    }
    // A copy of an outside value in the body still never looks again.
    let copy = r#"procedure p "P" {
  step w "W" {
    scope openstack {
      let st = openstack.server.show("vm").status
      poll every 10s max 5 {
        let again = st
        until again == "ACTIVE"
        fail if st == "ERROR": "error"
      }
    }
  }
}
"#;
    assert_eq!(check_one(copy), vec![Code::StalePoll]);
}

#[test]
fn by_name_spares_ids_from_lists_and_site_fields() {
    let ok = r#"site {
  lb_id: str "An LB's UUID"
}
procedure p "P" {
  gate room "Room" {
    scope openstack { require len(openstack.hypervisor.list()) > 0 else abort "none" }
  }
  step f "F" {
    scope openstack {
      foreach lb in openstack.loadbalancer.list() {
        confirm "fail over {lb.id}?"
        openstack.loadbalancer.failover(lb.id)
      }
      confirm "fail over the site's LB?"
      openstack.loadbalancer.failover(id: site.lb_id)
    }
  }
}
"#;
    assert_eq!(check_one(ok), vec![]);
    let named = r#"procedure p "P" {
  step f "F" {
    scope openstack {
      foreach s in openstack.server.list() {
        let recheck = openstack.loadbalancer.amphora.list()
        require not any(a in recheck where a.compute_id == s.id) else abort "live"
        confirm "delete?"
        openstack.server.delete(id: s.name)
      }
    }
  }
  gate room "Room" {
    scope openstack { require len(openstack.hypervisor.list()) > 0 else abort "none" }
  }
  step g "G" {
    scope openstack {
      confirm "fail over?"
      openstack.loadbalancer.failover("kube-api-lb")
    }
  }
}
"#;
    assert_eq!(check_one(named), vec![Code::ByName, Code::ByName]);
}

#[test]
fn site_literals_spare_loopback_names_and_doc_text() {
    let ok = r#"procedure p "P" {
  step a "A" {
    note "The FIP was 10.12.7.40 on the old stack."
    let open = tcp.probe("127.0.0.1", 22)
    let v = "v1.29.3"
    log "{open} {v}"
  }
}
"#;
    assert_eq!(check_one(ok), vec![]);
    let bad = r#"procedure p "P" {
  step a "A" {
    let open = tcp.probe("10.12.7.40", 22)
    let ns = "magnum-674171fd28d446d3a37073b6a761e910"
    log "{open} {ns}"
  }
}
"#;
    let diags = check_files(&[("p.rbk", bad)]);
    assert_eq!(codes(&diags), vec![Code::SiteLiteral, Code::SiteLiteral]);
    assert!(
        diags[0].message.contains("an IP address"),
        "{}",
        diags[0].message
    );
    assert!(
        diags[1].message.contains("a project id"),
        "{}",
        diags[1].message
    );
}

#[test]
fn read_before_gate_spares_patience_windows_and_later_reads() {
    // Near miss: a read inside a patience window is meant to fail there.
    let text = r#"layers vm < k8s
procedure p "P" {
  step early "Early look" layer k8s {
    patience "cold start" for 20m {
      scope ssh(host: "127.0.0.1", user: "ubuntu", key: "~/.ssh/id") {
        let out = ssh.run("k8s status")
        log "{out.stdout}"
      }
    }
  }
  gate vm_up "VM up" layer vm {
    let open = tcp.probe("127.0.0.1", 22)
    require open else abort "down"
  }
  step look "Look" layer k8s {
    scope ssh(host: "127.0.0.1", user: "ubuntu", key: "~/.ssh/id") {
      let out = ssh.run("k8s status")
      log "{out.stdout}"
    }
  }
}
"#;
    assert_eq!(check_one(text), vec![]);
}

#[test]
fn readonly_covers_called_procedures_and_spares_reads() {
    let files = [
        (
            "all.rbk",
            "use \"start.rbk\"\nprocedure everything \"All\" readonly {\n  step look \"Look\" readonly {\n    scope openstack { let s = openstack.server.list() }\n  }\n  call start\n}\n",
        ),
        ("layers.rbk", LAYERS),
        ("start.rbk", START),
    ];
    let diags = check_files(&files);
    assert_eq!(codes(&diags), vec![Code::ReadonlyMutates], "{diags:?}");
    assert!(
        diags[0]
            .message
            .contains("`call start` runs `openstack.server.start`"),
        "{}",
        diags[0].message
    );
}

#[test]
fn capacity_gates_count_through_calls_and_only_before_the_load() {
    let with_gate = r#"use "room.rbk"
procedure p "P" {
  param lb_id: str
  call room
  step f "F" {
    scope openstack {
      confirm "go?"
      openstack.loadbalancer.failover(lb_id)
    }
  }
}
"#;
    let room = r#"procedure room "Room" {
  gate headroom "Headroom" {
    scope openstack { require len(openstack.hypervisor.list()) > 0 else abort "none" }
  }
}
"#;
    let files = [("p.rbk", with_gate), ("room.rbk", room)];
    assert_eq!(codes(&check_files(&files)), vec![]);
    // The gate after the failover does not count.
    let late = r#"procedure p "P" {
  param lb_id: str
  step f "F" {
    scope openstack {
      confirm "go?"
      openstack.loadbalancer.failover(lb_id)
    }
  }
  gate headroom "Headroom" {
    scope openstack { require len(openstack.hypervisor.list()) > 0 else abort "none" }
  }
}
"#;
    assert_eq!(check_one(late), vec![Code::NoCapacityGate]);
}

#[test]
fn poll_budget_reads_within_and_spares_plain_timings() {
    let text = r#"procedure p "P" {
  step w "W" {
    poll every 30s within 10m {
      let up = tcp.probe("127.0.0.1", 22)
      until up
    }
    timing ~10m "about ten minutes"
  }
  step v "V" {
    poll every 10s max 3 {
      let up = tcp.probe("127.0.0.1", 22)
      until up
    }
    timing "about ten minutes, in words only"
  }
  step x "X" {
    poll every 1m within 13m {
      let up = tcp.probe("127.0.0.1", 22)
      until up
    }
    timing ~10m "about ten minutes"
  }
}
"#;
    let diags = check_files(&[("p.rbk", text)]);
    assert_eq!(codes(&diags), vec![Code::PollShorterThanTiming]);
    assert!(
        diags[0].message.contains("gives up after 10m"),
        "{}",
        diags[0].message
    );
}
