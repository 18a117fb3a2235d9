use super::*;
use crate::syntax::ast::File;

fn parse(text: &str) -> File {
    match syntax::parse(&SourceFile::new("t.rbk", text)) {
        Ok(f) => f,
        Err(d) => panic!(
            "does not parse:\n{text}\n{}",
            d.iter().map(|d| d.render(false, 100)).collect::<String>()
        ),
    }
}

/// Format, and check the output is stable and means the same.
fn fmt(text: &str) -> String {
    let once = format_str("t.rbk", text).unwrap_or_else(|d| panic!("{d:?}"));
    assert_eq!(parse(text), parse(&once), "meaning changed:\n{once}");
    let twice = format_str("t.rbk", &once).unwrap_or_else(|d| panic!("{d:?}"));
    assert_eq!(once, twice, "not idempotent");
    once
}

#[test]
fn lays_out_a_procedure() {
    let src = r#"use "common.rbk"
procedure p "t" { status "x"
  param n: int=3 "count"
step a "A" layer vm needs g { let x=1+2*3
log "x={x}" }
gate g "G" { poll every 10s max n { let o = tcp.probe("h", 22, timeout: 5s) until o } on exhausted abort "no" }
decide d "Q?" { when x>2 -> a "why" otherwise -> g }
call other "note"
}"#;
    let expected = r#"use "common.rbk"

procedure p "t" {
  status "x"

  param n: int = 3 "count"

  step a "A" layer vm needs g {
    let x = 1 + 2 * 3
    log "x={x}"
  }

  gate g "G" {
    poll every 10s max n {
      let o = tcp.probe("h", 22, timeout: 5s)
      until o
    } on exhausted abort "no"
  }

  decide d "Q?" {
    when x > 2 -> a "why"
    otherwise -> g
  }

  call other "note"
}
"#;
    assert_eq!(fmt(src), expected);
}

#[test]
fn keeps_comments_in_awkward_places() {
    let src = r#"// head
procedure p "t" { // after brace
  /// doc of a
  // between doc and step
  step a "A" {
    let x = 1 // trailing
    /* block
       comment */
    if x > 0 { log "pos" } // after if
    else { log "neg" }
    // end of block
  }
  step b "B" {} // after empty
  /// stray doc before a header-less place
}
// tail
"#;
    let out = fmt(src);
    for c in [
        "// head",
        "// after brace",
        "/// doc of a",
        "// between doc and step",
        "// trailing",
        "/* block",
        "comment */",
        "// after if",
        "// end of block",
        "// after empty",
        "/// stray doc",
        "// tail",
    ] {
        assert_eq!(out.matches(c).count(), 1, "{c:?} in\n{out}");
    }
    assert!(out.contains("  let x = 1 // trailing\n"), "{out}");
}

#[test]
fn a_comment_after_a_poll_stays_after_it() {
    let src = "procedure p \"t\" {\n  step a \"A\" {\n    poll every 1s max 2 {\n      until true\n    }\n    // about the next one\n    poll every 1s max 3 {\n      until true\n    }\n    // the end\n  }\n}\n";
    assert_eq!(fmt(src), src);
}

#[test]
fn reindents_triple_strings() {
    let src = "procedure p \"t\" {\nstep a \"A\" {\n        note \"\"\"\n              first\n                indented\n              last {x}\n              \"\"\"\n}\n}\n";
    let out = fmt(src);
    assert!(
        out.contains(
            "    note \"\"\"\n      first\n        indented\n      last {x}\n    \"\"\"\n"
        ),
        "{out}"
    );
}

#[test]
fn prints_unary_operators_so_they_read_back() {
    let out = fmt("procedure p \"t\" { step a \"A\" { let x = (not a) == b\nlet y = (-a).f\nlet z = a and not b\nlet w = 1.5ms + 0.3m } }");
    assert!(out.contains("let x = (not a) == b"), "{out}");
    assert!(out.contains("let y = (-a).f"), "{out}");
    assert!(out.contains("let z = a and not b"), "{out}");
    assert!(out.contains("let w = 0.0015s + 18s"), "{out}");
}

#[test]
fn keeps_regex_escapes_natural() {
    let out = fmt(r#"procedure p "t" { step a "A" { let r = "status:\s+ready \\ \"q\" \{" } }"#);
    assert!(
        out.contains(r#"let r = "status:\s+ready \ \"q\" {{""#),
        "{out}"
    );
}

#[test]
fn blank_lines_between_statements_are_kept_once() {
    let out = fmt("procedure p \"t\" {\n step a \"A\" {\n\n  let x = 1\n\n\n  let y = 2\n  let z = 3\n\n }\n}\n");
    assert!(
        out.contains("{\n    let x = 1\n\n    let y = 2\n    let z = 3\n  }"),
        "{out}"
    );
}

#[test]
fn a_file_that_does_not_parse_is_an_error() {
    assert!(format_str("t.rbk", "procedure {").is_err());
}

/// The parser drops a comment inside `{...}`; fmt must not: such a string
/// (and the expression or call arguments holding it) stays as written,
/// while everything around it is still laid out.
#[test]
fn comments_inside_interpolations_are_kept() {
    let src = r#"procedure p "t" {
step a "A" { let xs=[1,2]
log   "n={len(xs) /* all of them */}"
  let msg="""
    up: {count(x in xs // the live ones
      where x > 1)}
    """
scope openstack(project: "{xs /* the project */}") { openstack.server.start("m={msg /* again */}") }
record n=len(xs)
}
}"#;
    let expected = r#"procedure p "t" {
  step a "A" {
    let xs = [1, 2]
    log "n={len(xs) /* all of them */}"
    let msg = """
    up: {count(x in xs // the live ones
      where x > 1)}
    """
    scope openstack(project: "{xs /* the project */}") {
      openstack.server.start("m={msg /* again */}")
    }
    record n = len(xs)
  }
}
"#;
    assert_eq!(fmt(src), expected);
}
