use super::*;
use crate::diagnostic::SourceFile;

fn parse_path(path: &std::path::Path) -> ast::File {
    let text = std::fs::read_to_string(path).unwrap();
    let src = SourceFile::new(path.display().to_string(), text);
    match parse(&src) {
        Ok(f) => f,
        Err(d) => panic!(
            "{}",
            d.iter().map(|d| d.render(false, 100)).collect::<String>()
        ),
    }
}

#[test]
fn parses_the_start_example() {
    let file = parse_path(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/start.rbk"
    )));
    let p = file.procedure().unwrap();
    assert_eq!(p.nodes().count(), 4);
}

#[test]
fn parses_every_procedure() {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/procedures"));
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rbk") {
            parse_path(&path);
        }
    }
}

fn messages(src: &str) -> Vec<String> {
    match parse(&SourceFile::new("t.rbk", src)) {
        Ok(_) => Vec::new(),
        Err(d) => d.into_iter().map(|d| d.message).collect(),
    }
}

#[test]
fn keywords_match_the_grammar() {
    use pest::Parser;
    for kw in lower::KEYWORDS {
        let parsed = parser::RbkParser::parse(parser::Rule::keyword_word, kw);
        assert!(parsed.is_ok_and(|p| p.as_str() == *kw), "{kw}");
        assert!(lower::is_keyword(kw), "{kw} gets past the quick test");
    }
    assert!(
        lower::KEYWORDS.windows(2).all(|w| w[0] < w[1]),
        "sorted, for binary search"
    );
    // And nothing else is one: the grammar's list is no longer than ours.
    let grammar = include_str!("../../grammar/rbk.pest");
    let rule = grammar.split("\nkeyword = {").nth(1).unwrap();
    let rule = &rule[..rule.find('}').unwrap()];
    assert_eq!(rule.matches('"').count() / 2, lower::KEYWORDS.len());
}

#[test]
fn a_keyword_is_not_a_name() {
    let m = messages("procedure p \"t\" { step s \"s\" { let if = 3 } }");
    assert_eq!(m, ["expected a name, found the keyword `if`"]);
    let m = messages("procedure p \"t\" { step s \"s\" { let y = until } }");
    assert_eq!(m, ["expected a name, found the keyword `until`"]);
    // Names that merely start with a keyword are names.
    assert!(
        messages("procedure p \"t\" { step s \"s\" { let iffy = notable + inner } }").is_empty()
    );
}

#[test]
fn a_statement_keyword_needs_a_word_boundary() {
    let m = messages("procedure p \"t\" { step s \"s\" { letter = 3 } }");
    assert_eq!(m, ["expected a statement, found `letter`"]);
}

#[test]
fn a_doc_comment_after_an_expression_is_not_a_division() {
    let src =
        "procedure p \"t\" {\n  param n: int = 3\n  /// doc\n  step a \"A\" { let x = n / 2 }\n}\n";
    let file = parse(&SourceFile::new("t.rbk", src)).expect("parses");
    let step = file.procedure().unwrap().nodes().next().unwrap();
    assert_eq!(step.doc, ["doc"]);
}

#[test]
fn else_if_chains_nest_as_before() {
    let src = "procedure p \"t\" { step s \"s\" { if a { log \"1\" } else if b { log \"2\" } else if c { log \"3\" } else { log \"4\" } } }";
    let file = parse(&SourceFile::new("t.rbk", src)).expect("parses");
    let ast::NodeKind::Step(body) = &file.procedure().unwrap().nodes().next().unwrap().kind else {
        panic!("a step")
    };
    let ast::StmtKind::If(first) = &body.stmts[0].kind else {
        panic!("an if")
    };
    let Some(ast::Else::If(second)) = &first.otherwise else {
        panic!("else if")
    };
    // The nested `if` starts at its own `if`, and runs to the chain's end.
    assert!(src[second.span.offset()..].starts_with("if b"));
    assert_eq!(
        second.span.offset() + second.span.len(),
        body.stmts[0].span.offset() + body.stmts[0].span.len()
    );
    let ast::StmtKind::If(second) = &second.kind else {
        panic!("an if")
    };
    let Some(ast::Else::If(third)) = &second.otherwise else {
        panic!("else if")
    };
    let ast::StmtKind::If(third) = &third.kind else {
        panic!("an if")
    };
    assert!(matches!(third.otherwise, Some(ast::Else::Block(_))));
}

#[test]
fn problems_inside_an_interpolation_point_into_the_file() {
    let src = "procedure p \"t\" { step s \"s\" { log \"{99999999999999999999999}\" } }";
    let d = parse(&SourceFile::new("t.rbk", src)).unwrap_err();
    let span = d[0].primary_span().unwrap();
    assert_eq!(
        &src[span.offset()..span.offset() + span.len()],
        "99999999999999999999999"
    );
}

#[test]
fn simple_interpolations_lower_as_the_parser_would() {
    // The fast path for `{name}` and `{a.b}` must give the parser's tree.
    let via_parser = |e: &str| format!("{{({e})}}");
    for e in ["x", " st.status ", "a.b.c", "_x1.y_2"] {
        let fast = format!("procedure p \"t\" {{ step s \"s\" {{ log \"v={{{e}}}\" }} }}");
        let slow = format!(
            "procedure p \"t\" {{ step s \"s\" {{ log \"v={}\" }} }}",
            via_parser(e)
        );
        let fast = parse(&SourceFile::new("t.rbk", fast)).expect("parses");
        let slow = parse(&SourceFile::new("t.rbk", slow)).expect("parses");
        assert_eq!(fast, slow, "{e}");
    }
    // Spans point at the name in the file.
    let src = "procedure p \"t\" { step s \"s\" { log \"v={ st.status }\" } }";
    let file = parse(&SourceFile::new("t.rbk", src)).expect("parses");
    let ast::NodeKind::Step(body) = &file.procedure().unwrap().nodes().next().unwrap().kind else {
        panic!("a step")
    };
    let ast::StmtKind::Log { message } = &body.stmts[0].kind else {
        panic!("a log")
    };
    let ast::TextPart::Expr(e) = &message.parts[1] else {
        panic!("an expression")
    };
    assert_eq!(
        &src[e.span.offset()..e.span.offset() + e.span.len()],
        "st.status"
    );
    let ast::ExprKind::Field { name, .. } = &e.kind else {
        panic!("a field")
    };
    assert_eq!(
        &src[name.span.offset()..name.span.offset() + name.span.len()],
        "status"
    );
    // Keywords and anything else go through the parser.
    assert!(parse(&SourceFile::new(
        "t.rbk",
        "procedure p \"t\" { step s \"s\" { log \"{true}{none}{a . b}\" } }"
    ))
    .is_ok());
}
