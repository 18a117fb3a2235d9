//! Syntax errors as authors see them, and input built to exhaust the stack.
//! The messages are snapshotted together so a grammar change that makes any
//! of them worse shows up in review.

use crate::support::rbk;
use rbk::diagnostic::SourceFile;

/// One broken statement or item each, in a minimal procedure.
const BROKEN: &[(&str, &str)] = &[
    ("missing value", r#"step s "s" { let x = }"#),
    ("missing name", r#"step s "s" { let = 5 }"#),
    (
        "until without condition",
        r#"step s "s" { poll every 10s max 3 { until } }"#,
    ),
    (
        "else without block",
        r#"step s "s" { if x { log "a" } else }"#,
    ),
    (
        "require without abort",
        r#"step s "s" { require x else "m" }"#,
    ),
    ("step without title", r#"step s { log "a" }"#),
    ("quantifier as a call", r#"step s "s" { let y = any(xs) }"#),
    ("dangling operator", r#"step s "s" { let y = a + }"#),
    ("dangling comma", r#"step s "s" { let y = f(a, }"#),
    ("until outside a poll", r#"step s "s" { log "x" until y }"#),
    ("branch without target", r#"decide d "d" { when x -> }"#),
    ("foreach without in", r#"step s "s" { foreach x xs { } }"#),
    ("unclosed list", r#"step s "s" { let x = [1, 2 }"#),
    ("keyword as a name", r#"step s "s" { let if = 3 }"#),
    ("keyword glued to a name", r#"step s "s" { letter = 3 }"#),
    ("item keyword glued to a name", r#"stepper "s" { log "a" }"#),
    (
        "branch keyword glued to its condition",
        r#"decide d "d" { whenx -> s }"#,
    ),
    (
        "statement keyword glued to a literal",
        r#"step s "s" { iftrue { log "a" } }"#,
    ),
    ("not without operand", r#"step s "s" { let x = not }"#),
    ("let at the end", r#"step s "s" { let x = 5 let }"#),
    ("broken interpolation", r#"step s "s" { let x = "{a +}" }"#),
    ("unclosed block", r#"step s "s" { let x = 1 "#),
    (
        "unclosed string",
        "step s \"s\" { log \"hello }\n log \"x\" }",
    ),
];

#[test]
fn syntax_error_messages() {
    let mut out = String::new();
    for (what, item) in BROKEN {
        let text = format!("procedure p \"t\" {{\n  {item}\n}}\n");
        let src = SourceFile::new("t.rbk", text.clone());
        let diags = rbk::syntax::parse(&src).expect_err(what);
        out.push_str(&format!("== {what}: {item}\n"));
        for d in diags {
            let span = d.primary_span().expect("a span");
            let at = &text[span.offset()..(span.offset() + span.len()).min(text.len())];
            out.push_str(&format!(
                "{} {} at {:?}\n   help: {}\n",
                d.code.as_str(),
                d.message,
                at,
                d.help.as_deref().unwrap_or("-")
            ));
        }
    }
    insta::assert_snapshot!(out);
}

/// Each input nests 100 000 levels one way or another; each must end in a
/// diagnostic and exit 1, not a stack overflow.
#[test]
fn deep_nesting_is_refused_not_a_crash() {
    let n = 100_000;
    let cases = [
        (
            "parentheses",
            format!("let x = {}1{}", "(".repeat(n), ")".repeat(n)),
        ),
        (
            "lists",
            format!("let x = {}1{}", "[".repeat(n), "]".repeat(n)),
        ),
        ("blocks", format!("{}{}", "if x {".repeat(n), "}".repeat(n))),
        ("operators", format!("let x = 1{}", " + 1".repeat(n))),
        ("prefixes", format!("let x = {}true", "not ".repeat(n))),
        ("fields", format!("let x = a{}", ".b".repeat(n))),
        ("calls", format!("let x = f{}", "()".repeat(n))),
        (
            "interpolation",
            format!("log \"{{{}true}}\"", "not ".repeat(n)),
        ),
        (
            "else if",
            format!("if x {{ }}{} else {{ }}", " else if x { }".repeat(n)),
        ),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    for (what, stmt) in cases {
        let path = dir.path().join(format!("{}.rbk", what.replace(' ', "-")));
        let text = format!("procedure p \"t\" {{\n  step s \"s\" {{\n    {stmt}\n  }}\n}}\n");
        std::fs::write(&path, text).expect("write");
        let out = rbk(["check", "--format", "json"])
            .arg(&path)
            .output()
            .expect("run rbk");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{what}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("\"RBK001\""), "{what}: {stdout}");
    }
}
