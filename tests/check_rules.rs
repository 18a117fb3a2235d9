//! The graph and safety rules on the cases their bad examples do not show:
//! what must be reported, and what must not (no false alarms on the
//! constructs the seed runbook needs).
use rbk::check;
use rbk::diagnostic::{Code, Diagnostic};
use rbk::resolve::Compilation;

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
fn layer_order_fires_when_a_decision_skips_the_lower_gate_but_not_for_read_only_steps() {
    let text = r#"layers vm < lb
procedure p "P" {
  decide d "Skip?" { when true -> look "fast path" }
  gate vm_up "VM up" layer vm { log "up" }
  step look "Read only" layer lb {
    scope openstack { let lbs = openstack.loadbalancer.list() }
  }
  step act "Act" layer lb {
    scope openstack {
      confirm "go?"
      openstack.loadbalancer.failover("lb1")
    }
  }
}
"#;
    let diags = check_files(&[("p.rbk", text)]);
    assert_eq!(codes(&diags), vec![Code::LayerOrder], "{diags:?}");
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
