//! The values of secret-named params and site fields never reach the
//! terminal, the journal or `rbk journal show`, wherever they appear in
//! free text (a `log` line, a command's argv, its answer, an error), while
//! the command gets them as written; a non-secret param still shows, and
//! `--resume` of a failed run with the same secret works. On `--sim`, with
//! a scenario's `[[local]]` answers and the simulated VM's `ssh.run`.
use std::path::Path;

use crate::support::{assert_journal_show_lacks, assert_lacks, journal_events, run, said};

const SECRET: &str = "S3cretValue9";
const PLAIN: &str = "rack-17-west";
/// A site field named like a secret.
const SITE_SECRET: &str = "Bmc-Pw-4412";

const SCENARIO: &str = r#"base = "healthy"
name = "set-password"
description = "a tool that sets the BMC password and says so"

[[local]]
argv = ["bmc-passwd", "--user", "admin", "S3cretValue9"]
stdout = "password of admin set to S3cretValue9"
"#;

const PROCEDURE: &str = r#"site {
  bmc_password: str "The BMC's current password"
}

procedure rotate "Rotate the BMC password" {
  param admin_password: str
  param rack: str

  step set "Set the password" {
    log "rack {rack}: setting pw {admin_password}, was {site.bmc_password}"
    let r = local.run(["bmc-passwd", "--user", "admin", admin_password])
    log "tool said: {r.stdout}"
    record tool = r.stdout
  }

  step remote "Tell the management VM" {
    scope ssh(host: "10.12.7.40", user: "ubuntu") {
      let e = ssh.run("echo {admin_password}")
      require admin_password in e.stdout else abort "the VM got another value"
      log "the VM echoed {e.stdout}"
    }
  }

  step verify "Verify with the undeclared tool" {
    let c = local.run(["bmc-check", admin_password], readonly: true)
    require c.exit == 0 else abort "bmc-check {admin_password} failed: {c.stderr}"
  }
}
"#;

fn assert_no_secret(what: &str, text: &str) {
    assert_lacks(what, text, &[SECRET, SITE_SECRET]);
}

fn exec(dir: &Path, journal: &Path, extra: &[&str]) -> std::process::Output {
    let scenario = dir.join("set-password.toml");
    std::fs::write(&scenario, SCENARIO).expect("write the scenario");
    let path = dir.join("rotate.rbk");
    std::fs::write(&path, PROCEDURE).expect("write the procedure");
    let site = dir.join("site.toml");
    std::fs::write(&site, format!("bmc_password = \"{SITE_SECRET}\"\n")).expect("write the site");
    let sim = format!("--sim={}", scenario.display());
    let secret = format!("admin_password={SECRET}");
    let plain = format!("rack={PLAIN}");
    let mut args = vec![
        "exec",
        "-v",
        &sim,
        "--yes",
        "--set",
        &secret,
        "--set",
        &plain,
        "--site",
        site.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
    ];
    args.extend(extra);
    args.push(path.to_str().unwrap());
    run(&args)
}

#[test]
fn secret_param_values_are_masked_everywhere_shown_and_resume_works() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = dir.path().join("first.jsonl");
    let o = exec(dir.path(), &first, &[]);
    let out = said(&o);
    // The second step fails: its tool is not declared, and says its argv.
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert_no_secret("exec -v", &out);
    assert!(
        out.contains(&format!("rack {PLAIN}: setting pw <hidden>")),
        "{out}"
    );
    // The tool got the real password: its declared answer matched.
    assert!(
        out.contains("tool said: password of admin set to <hidden>"),
        "{out}"
    );
    assert!(out.contains("bmc-check <hidden> failed"), "{out}");
    // The VM got the real value (the step passed its `require`).
    assert!(out.contains("the VM echoed <hidden>"), "{out}");
    let written = std::fs::read_to_string(&first).expect("the journal");
    assert_no_secret("the journal", &written);
    assert!(written.contains(PLAIN), "{written}");
    assert!(written.contains("<hidden>"), "{written}");
    assert_journal_show_lacks(&first, &[SECRET, SITE_SECRET]);

    // Resuming with the same secret: the finished step is skipped, the
    // failed one runs again, and nothing shows the secret either.
    let second = dir.path().join("second.jsonl");
    let first_arg = first.to_str().unwrap().to_string();
    let o = exec(dir.path(), &second, &["--resume", &first_arg]);
    let out = said(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert_no_secret("exec --resume", &out);
    let ev = journal_events(&second);
    assert!(
        ev.iter()
            .any(|e| e["event"] == "step_end" && e["step"] == "set" && e["outcome"] == "skipped"),
        "{ev:#?}"
    );
    assert!(
        ev.iter()
            .any(|e| e["event"] == "step_end" && e["step"] == "verify"),
        "{ev:#?}"
    );
    assert_no_secret(
        "the resumed journal",
        &std::fs::read_to_string(&second).unwrap(),
    );
    assert_journal_show_lacks(&second, &[SECRET, SITE_SECRET]);
}
