//! Expression evaluation, one expression at a time: each is parsed as the
//! value of a `let` in a one-step procedure and evaluated against the real
//! interpreter (no backend is ever called: these are pure expressions).
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use super::super::exec::RunState;
use super::super::{expectations, Interp, Journal, RunOptions, Terminal, Verbosity};
use super::Value;
use crate::backends::openstack::OpenStackConfig;
use crate::backends::Backends;
use crate::clock::Clock;
use crate::compilation::Compilation;
use crate::diagnostic::Code;
use crate::syntax::ast::StmtKind;

/// What evaluating one expression gave: its value, or the error's message
/// and the source text its primary span covers.
type Evaluated = std::result::Result<Value, (String, String)>;

/// Evaluate `exprs` in order in one run state holding `vars` (so a later
/// expression sees what an earlier one left behind). `site` is `site.*`.
fn eval_all_with(exprs: &[&str], vars: &[(&str, Value)], site: Value) -> Vec<Evaluated> {
    let lets: String = exprs
        .iter()
        .enumerate()
        .map(|(i, e)| format!("    let r{i} = {e}\n"))
        .collect();
    let src = format!("procedure p \"t\" {{\n  step s \"s\" {{\n{lets}  }}\n}}\n");
    let comp = Compilation::from_source(Path::new("t.rbk"), src.clone());
    let p = comp.procedure().unwrap_or_else(|| {
        let ds: Vec<String> = comp.diagnostics.iter().map(|d| d.message.clone()).collect();
        panic!("does not parse: {ds:?}\n{src}")
    });
    let body = p
        .nodes()
        .next()
        .and_then(|n| n.kind.body())
        .expect("a step body");
    let clock = Clock::virtual_clock();
    let openstack = OpenStackConfig {
        cloud: None,
        env: HashMap::new(),
    };
    let interp = Interp {
        comp: &comp,
        opts: RunOptions::default(),
        backends: Backends::real(openstack, clock.clone()),
        clock: clock.clone(),
        journal: Journal::memory(clock),
        term: Terminal::buffer(Verbosity::Quiet).0,
        site,
        stats: Mutex::default(),
        gates_passed: Mutex::default(),
        expectations: expectations::Table::new(&comp),
        regexes: Mutex::default(),
    };
    let mut ctx = RunState::new(&comp.root, "s");
    for (k, v) in vars {
        ctx.vars.insert((*k).to_string(), v.clone());
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    body.stmts
        .iter()
        .map(|s| {
            let StmtKind::Let { value, .. } = &s.kind else {
                panic!("not a let");
            };
            rt.block_on(interp.eval(&mut ctx, value)).map_err(|e| {
                let d = &e.diagnostic;
                assert_eq!(d.code, Code::EvalFailed, "{}", d.message);
                assert_eq!(d.code.as_str(), "RBK907");
                let label = d.labels.iter().find(|l| l.primary).expect("a primary span");
                let (at, len) = (label.span.offset(), label.span.len());
                assert!(len > 0, "empty span for {:?}", d.message);
                (d.message.clone(), src[at..at + len].to_string())
            })
        })
        .collect()
}

fn eval_with(expr: &str, vars: &[(&str, Value)]) -> Evaluated {
    eval_all_with(&[expr], vars, Value::Null).remove(0)
}

fn eval(expr: &str) -> Value {
    eval_with(expr, &[]).unwrap_or_else(|(m, _)| panic!("{expr}: {m}"))
}

/// The error of `expr`: its message and the source its span points at.
fn fails_with(expr: &str, vars: &[(&str, Value)]) -> (String, String) {
    match eval_with(expr, vars) {
        Ok(v) => panic!("{expr} gave {v:?}, wanted an error"),
        Err(e) => e,
    }
}

fn fails(expr: &str) -> (String, String) {
    fails_with(expr, &[])
}

fn s(x: &str) -> Value {
    Value::Str(x.into())
}
fn i(x: i64) -> Value {
    Value::Int(x)
}
fn f(x: f64) -> Value {
    Value::Float(x)
}
fn b(x: bool) -> Value {
    Value::Bool(x)
}
fn secs(x: f64) -> Value {
    Value::Duration(Duration::from_secs_f64(x))
}
fn list(items: &[Value]) -> Value {
    Value::List(items.to_vec())
}
fn map(pairs: &[(&str, Value)]) -> Value {
    Value::Map(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    )
}

// ---------------------------------------------------------------- numbers

#[test]
fn integer_arithmetic_keeps_ints_and_precedence() {
    assert_eq!(eval("1 + 2 * 3"), i(7));
    assert_eq!(eval("(1 + 2) * 3"), i(9));
    assert_eq!(eval("10 - 4 - 3"), i(3));
    assert_eq!(eval("7 % 3"), i(1));
    assert_eq!(eval("-3 + 1"), i(-2));
    assert_eq!(eval("-(2 * 3)"), i(-6));
}

#[test]
fn division_is_exact_and_floats_mix_with_ints() {
    assert_eq!(eval("7 / 2"), f(3.5));
    assert_eq!(eval("6 / 3"), f(2.0));
    assert_eq!(eval("1.5 + 1"), f(2.5));
    assert_eq!(eval("2 * 1.5"), f(3.0));
    assert_eq!(eval("1 - 0.25"), f(0.75));
    assert_eq!(eval("7.5 % 2"), f(1.5));
    assert_eq!(eval("-1.5"), f(-1.5));
}

#[test]
fn durations_add_scale_and_divide() {
    assert_eq!(eval("10s + 5"), secs(15.0), "a number counts as seconds");
    assert_eq!(eval("5 + 10s"), secs(15.0));
    assert_eq!(eval("1m + 30s"), secs(90.0));
    assert_eq!(eval("2m - 30s"), secs(90.0));
    assert_eq!(eval("500ms + 1.5"), secs(2.0));
    assert_eq!(eval("10s * 3"), secs(30.0));
    assert_eq!(eval("3 * 10s"), secs(30.0));
    assert_eq!(eval("1.5 * 1m"), secs(90.0));
    assert_eq!(eval("1m / 2"), secs(30.0));
    assert_eq!(eval("1m / 30s"), f(2.0), "a ratio of durations is a number");
    assert_eq!(eval("3.5m"), secs(210.0));
    assert_eq!(eval("1d"), secs(86_400.0));
}

#[test]
fn arithmetic_errors_name_the_operation_and_point_at_it() {
    assert_eq!(fails("1 / 0"), ("division by zero".into(), "1 / 0".into()));
    assert_eq!(
        fails("10s / 0"),
        ("division by zero".into(), "10s / 0".into())
    );
    assert_eq!(fails("5 % 0"), ("remainder by zero".into(), "5 % 0".into()));
    assert_eq!(
        fails("5.5 % 0"),
        ("remainder by zero".into(), "5.5 % 0".into())
    );
    let (m, at) = fails("\"a\" - 1");
    assert_eq!(m, "cannot apply `-` to a str and a int");
    assert_eq!(at, "\"a\" - 1");
    assert_eq!(
        fails("10s * -1").0,
        "cannot apply `*` to a duration and a int"
    );
    assert_eq!(fails("[1] * 2").0, "cannot apply `*` to a list and a int");
    let (m, at) = fails_with("1 + -x", &[("x", s("a"))]);
    assert_eq!((m.as_str(), at.as_str()), ("cannot negate a str", "-x"));
}

#[test]
fn integer_overflow_is_an_error_not_a_wrap() {
    let max = [("max", i(i64::MAX)), ("min", i(i64::MIN))];
    for e in ["max + 1", "min - 1", "max * 2", "-min", "min * -1"] {
        let (m, at) = fails_with(e, &max);
        assert!(m.contains("overflow"), "{e}: {m}");
        assert_eq!(at, e);
    }
    assert_eq!(eval_with("max - 1 + 1", &max), Ok(i(i64::MAX)));
    assert_eq!(eval_with("min % -1", &max), Ok(i(0)));
}

// ---------------------------------------------------------------- strings

#[test]
fn plus_joins_text_with_anything_and_lists_with_lists() {
    assert_eq!(eval("\"a\" + \"b\""), s("ab"));
    assert_eq!(eval("\"n=\" + 1"), s("n=1"));
    assert_eq!(eval("1 + \"x\""), s("1x"));
    assert_eq!(eval("\"t=\" + 90s"), s("t=1.5m"));
    assert_eq!(eval("\"f=\" + 2.0"), s("f=2.0"));
    assert_eq!(eval("[1] + [2, 3]"), list(&[i(1), i(2), i(3)]));
    assert_eq!(eval("[] + []"), list(&[]));
}

#[test]
fn interpolation_fills_in_values_and_keeps_doubled_braces() {
    let vars = [
        ("name", s("lb-1")),
        ("n", i(3)),
        ("rec", map(&[("status", s("ACTIVE"))])),
        ("xs", list(&[i(1), s("a")])),
        ("nothing", Value::Null),
    ];
    assert_eq!(
        eval_with("\"{name} is {rec.status} ({n + 1} of {len(xs)})\"", &vars),
        Ok(s("lb-1 is ACTIVE (4 of 2)"))
    );
    assert_eq!(
        eval_with("\"{{literal}} {n}\"", &vars),
        Ok(s("{literal} 3"))
    );
    assert_eq!(eval_with("\"{xs}\"", &vars), Ok(s("[1, \"a\"]")));
    assert_eq!(eval_with("\"{rec}\"", &vars), Ok(s("{status: \"ACTIVE\"}")));
    assert_eq!(eval_with("\"<{nothing}>\"", &vars), Ok(s("<none>")));
    assert_eq!(eval("\"{1.5m} {true}\""), s("1.5m true"));
    let (m, at) = fails("\"x {missing} y\"");
    assert_eq!(m, "`missing` has no value here");
    assert_eq!(at, "missing");
}

// ---------------------------------------------------------------- comparisons

#[test]
fn comparisons_across_numbers_durations_and_text() {
    assert_eq!(eval("1 == 1.0"), b(true));
    assert_eq!(eval("1 != 2"), b(true));
    assert_eq!(eval("2 <= 2"), b(true));
    assert_eq!(eval("2.5 > 2"), b(true));
    assert_eq!(eval("1h > 59m"), b(true));
    assert_eq!(eval("90s == 1.5m"), b(true));
    assert_eq!(eval("10s > 5"), b(true), "durations compare with seconds");
    assert_eq!(eval("30 >= 1m"), b(false));
    assert_eq!(eval("\"abc\" < \"abd\""), b(true));
    assert_eq!(eval("\"b\" >= \"a\""), b(true));
    assert_eq!(eval("\"1\" == 1"), b(false), "text is not a number");
    assert_eq!(eval("[1, 2] == [1, 2.0]"), b(true));
    assert_eq!(eval("[1, 2] != [2, 1]"), b(true));
    assert_eq!(eval("none == none"), b(true));
    assert_eq!(eval("none != 0"), b(true));
    assert_eq!(eval("true == true"), b(true));
    assert_eq!(
        eval_with(
            "a == b",
            &[("a", map(&[("k", i(1))])), ("b", map(&[("k", f(1.0))]))]
        ),
        Ok(b(true))
    );
}

#[test]
fn ordering_unlike_things_is_an_error() {
    assert_eq!(
        fails("1 < \"a\""),
        (
            "cannot apply `<` to a int and a str".into(),
            "1 < \"a\"".into()
        )
    );
    assert_eq!(
        fails_with("x >= 1", &[("x", Value::Null)]).0,
        "cannot apply `>=` to a none and a int"
    );
    assert!(fails("[1] > [0]").0.contains("list"));
}

// ---------------------------------------------------------------- regex

#[test]
fn regex_match_and_non_match() {
    assert_eq!(
        eval("\"cluster status: ready\" ~ \"status: (ready|ok)$\""),
        b(true)
    );
    assert_eq!(
        eval("\"cluster status: ready\" !~ \"status: (ready|ok)$\""),
        b(false)
    );
    assert_eq!(eval("\"ERROR\" ~ \"(?i)error\""), b(true));
    assert_eq!(eval("\"abc\" ~ \"^b\""), b(false));
    assert_eq!(eval("\"abc\" !~ \"^b\""), b(true));
    let none = [("x", Value::Null)];
    assert_eq!(
        eval_with("x ~ \"a\"", &none),
        Ok(b(false)),
        "none never matches"
    );
    assert_eq!(eval_with("x !~ \"a\"", &none), Ok(b(true)));
}

#[test]
fn a_bad_regex_or_a_non_text_operand_fails() {
    let (m, at) = fails("\"a\" ~ \"(\"");
    assert!(m.starts_with("bad regular expression \"(\""), "{m}");
    assert_eq!(at, "\"a\" ~ \"(\"");
    assert_eq!(fails("1 ~ \"1\"").0, "cannot apply `~` to a int and a str");
    assert_eq!(
        fails("\"1\" !~ 1").0,
        "cannot apply `!~` to a str and a int"
    );
}

// ---------------------------------------------------------------- in

#[test]
fn membership_in_lists_text_and_maps() {
    let vars = [
        ("m", map(&[("a", i(1)), ("b", i(2))])),
        ("nothing", Value::Null),
    ];
    let e = |x: &str| eval_with(x, &vars);
    assert_eq!(e("2 in [1, 2]"), Ok(b(true)));
    assert_eq!(e("2.0 in [1, 2]"), Ok(b(true)), "numbers compare by value");
    assert_eq!(e("3 not in [1, 2]"), Ok(b(true)));
    assert_eq!(e("\"a\" in []"), Ok(b(false)));
    assert_eq!(e("[1] in [[1], [2]]"), Ok(b(true)));
    assert_eq!(e("\"tus: rea\" in \"status: ready\""), Ok(b(true)));
    assert_eq!(e("\"x\" not in \"status\""), Ok(b(true)));
    assert_eq!(e("\"\" in \"abc\""), Ok(b(true)));
    assert_eq!(e("\"a\" in m"), Ok(b(true)), "a map's keys");
    assert_eq!(e("\"z\" not in m"), Ok(b(true)));
    assert_eq!(
        e("1 in m").map_err(|x| x.0),
        Err("cannot apply `in` to a int and a map".into()),
        "map keys are text"
    );
    assert_eq!(e("1 in nothing"), Ok(b(false)), "none holds nothing");
    assert_eq!(e("1 not in nothing"), Ok(b(true)));
    let (m, at) = fails("1 in \"123\"");
    assert_eq!(m, "cannot apply `in` to a int and a str");
    assert_eq!(at, "1 in \"123\"");
    assert_eq!(fails("1 in 5").0, "cannot apply `in` to a int and a int");
}

// ---------------------------------------------------------------- and / or

#[test]
fn and_or_do_not_evaluate_the_right_side_when_the_left_decides() {
    // Each right side would fail (division by zero, an unset variable):
    // getting a value proves it was never evaluated.
    assert_eq!(eval("false and 1 / 0 == 1"), b(false));
    assert_eq!(eval("true or 1 / 0 == 1"), b(true));
    assert_eq!(eval("false and unset_variable"), b(false));
    assert_eq!(eval("true or unset_variable.field"), b(true));
    assert_eq!(eval("1 > 2 and \"a\" ~ \"(\""), b(false));
    // ...and when the left does not decide, the right is evaluated.
    assert_eq!(fails("true and 1 / 0 == 1").1, "1 / 0");
    assert_eq!(fails("false or unset_variable").1, "unset_variable");
}

#[test]
fn and_or_give_booleans_by_truthiness() {
    assert_eq!(eval("true and false"), b(false));
    assert_eq!(eval("false or true"), b(true));
    assert_eq!(eval("1 and \"x\""), b(true));
    assert_eq!(eval("none or []"), b(false));
    assert_eq!(eval("not none"), b(true));
    assert_eq!(eval("not [1]"), b(false));
    assert_eq!(
        eval("true or false and false"),
        b(true),
        "and binds tighter"
    );
}

// ---------------------------------------------------------------- comprehensions

#[test]
fn comprehensions_over_lists() {
    assert_eq!(eval("any(x in [1, 5, 2] where x > 4)"), b(true));
    assert_eq!(eval("any(x in [1, 2] where x > 4)"), b(false));
    assert_eq!(eval("all(x in [5, 6] where x > 4)"), b(true));
    assert_eq!(eval("all(x in [5, 1] where x > 4)"), b(false));
    assert_eq!(eval("count(x in [1, 5, 6] where x > 4)"), i(2));
    assert_eq!(
        eval("filter(x in [1, 5, 6] where x > 4)"),
        list(&[i(5), i(6)])
    );
    assert_eq!(eval("map(x in [1, 2]: x * 10)"), list(&[i(10), i(20)]));
    assert_eq!(
        eval("map(x in [\"a\", \"b\"]: \"{x}!\")"),
        list(&[s("a!"), s("b!")])
    );
}

#[test]
fn comprehensions_over_empty_lists_and_none() {
    assert_eq!(eval("any(x in [] where x > 0)"), b(false));
    assert_eq!(eval("all(x in [] where x > 0)"), b(true), "vacuously");
    assert_eq!(eval("count(x in [] where x > 0)"), i(0));
    assert_eq!(eval("filter(x in [] where x > 0)"), list(&[]));
    assert_eq!(eval("map(x in []: x + 1)"), list(&[]));
    let none = [("xs", Value::Null)];
    assert_eq!(eval_with("count(x in xs where true)", &none), Ok(i(0)));
    assert_eq!(eval_with("all(x in xs where false)", &none), Ok(b(true)));
}

#[test]
fn comprehensions_over_maps_and_text_walk_keys_and_lines() {
    let vars = [
        ("m", map(&[("b", i(2)), ("a", i(1))])),
        ("text", s("one\ntwo\n\nthree")),
    ];
    assert_eq!(
        eval_with("map(k in m: k + \"=\" + m[k])", &vars),
        Ok(list(&[s("a=1"), s("b=2")])),
        "keys in sorted order"
    );
    assert_eq!(
        eval_with("filter(l in text where l != \"\")", &vars),
        Ok(list(&[s("one"), s("two"), s("three")]))
    );
    let (m, at) = fails("count(x in 5 where true)");
    assert_eq!(m, "cannot iterate over a int");
    assert_eq!(at, "5");
}

#[test]
fn any_and_all_stop_at_the_first_deciding_item() {
    // The item after the deciding one would divide by zero.
    assert_eq!(eval("any(x in [1, 0] where 10 / x > 1)"), b(true));
    assert_eq!(eval("all(x in [1, 0] where 10 / x > 20)"), b(false));
    assert_eq!(fails("count(x in [1, 0] where 10 / x > 1)").1, "10 / x");
}

#[test]
fn the_loop_variable_is_scoped_to_the_comprehension() {
    let out = eval_all_with(
        &["map(x in [1, 2]: x)", "x", "map(y in [1]: y)", "y"],
        &[("x", s("outer"))],
        Value::Null,
    );
    assert_eq!(out[0], Ok(list(&[i(1), i(2)])));
    assert_eq!(out[1], Ok(s("outer")), "an outer `x` is restored");
    assert_eq!(out[2], Ok(list(&[i(1)])));
    assert_eq!(
        out[3],
        Err(("`y` has no value here".into(), "y".into())),
        "the loop variable does not leak"
    );
    // Also when the body fails half way.
    let out = eval_all_with(
        &["map(x in [1, 0]: 1 / x)", "x"],
        &[("x", i(7))],
        Value::Null,
    );
    assert!(out[0].is_err());
    assert_eq!(out[1], Ok(i(7)));
}

// ---------------------------------------------------------------- fields and index

#[test]
fn field_access_on_records_maps_site_and_procedure_outputs() {
    let server = map(&[
        ("status", s("ACTIVE")),
        ("addresses", map(&[("net", list(&[s("10.0.0.5")]))])),
    ]);
    let vars = [
        ("server", server),
        ("verify", map(&[("repair_needed", b(true))])),
    ];
    let e = |x: &str| eval_with(x, &vars);
    assert_eq!(e("server.status"), Ok(s("ACTIVE")));
    assert_eq!(e("server.addresses.net[0]"), Ok(s("10.0.0.5")));
    assert_eq!(e("verify.repair_needed"), Ok(b(true)));
    let (m, at) = e("server.flavor").expect_err("no such field");
    assert_eq!(m, "no field `flavor`");
    assert_eq!(at, "server.flavor");
    assert_eq!(
        e("server.status.x").map_err(|x| x.0),
        Err("a str has no field `x`".into())
    );
    let site = map(&[("mgmt_ip", s("192.0.2.1"))]);
    let out = eval_all_with(&["site.mgmt_ip", "site.nope"], &[], site);
    assert_eq!(out[0], Ok(s("192.0.2.1")));
    assert_eq!(out[1], Err(("no field `nope`".into(), "site.nope".into())));
}

#[test]
fn index_lists_text_and_maps() {
    let vars = [
        ("xs", list(&[i(10), i(20), i(30)])),
        ("m", map(&[("a", i(1))])),
        ("t", s("héllo")),
    ];
    let e = |x: &str| eval_with(x, &vars);
    assert_eq!(e("xs[0]"), Ok(i(10)));
    assert_eq!(e("xs[-1]"), Ok(i(30)), "negative counts from the end");
    assert_eq!(e("xs[1 + 1]"), Ok(i(30)));
    assert_eq!(e("t[1]"), Ok(s("é")), "characters, not bytes");
    assert_eq!(e("t[-1]"), Ok(s("o")));
    assert_eq!(e("m[\"a\"]"), Ok(i(1)));
    assert_eq!(e("[[1, 2], [3]][0][1]"), Ok(i(2)));
    assert_eq!(
        e("xs[3]"),
        Err((
            "index 3 is out of range (the list has 3 items)".into(),
            "xs[3]".into()
        ))
    );
    assert_eq!(
        e("xs[-4]").map_err(|x| x.0),
        Err("index -4 is out of range (the list has 3 items)".into())
    );
    assert_eq!(
        e("t[9]").map_err(|x| x.0),
        Err("index 9 is out of range (the text has 5 characters)".into())
    );
    assert_eq!(
        e("m[\"z\"]").map_err(|x| x.0),
        Err("no key \"z\" in the map".into())
    );
    assert_eq!(
        e("xs[\"a\"]").map_err(|x| x.0),
        Err("cannot index a list with a str".into())
    );
}

// ---------------------------------------------------------------- functions

#[test]
fn every_pure_builtin_is_covered_here() {
    // When a pure function joins the table, it gets a test below too.
    let pure: Vec<&str> = crate::resolve::builtins::BUILTINS
        .iter()
        .filter(|b| b.effect == crate::resolve::builtins::Effect::Pure)
        .map(|b| b.name)
        .collect();
    let tested = [
        "len",
        "contains",
        "starts_with",
        "ends_with",
        "trim_prefix",
        "trim",
        "lower",
        "upper",
        "lines",
        "split",
        "join",
        "capture",
        "str",
        "int",
        "float",
        "keys",
        "first",
        "sum",
        "max",
        "min",
        "condition",
    ];
    assert_eq!(pure, tested);
}

#[test]
fn len_and_contains() {
    assert_eq!(eval("len([1, 2, 3])"), i(3));
    assert_eq!(eval("len(\"héllo\")"), i(5), "characters");
    assert_eq!(eval_with("len(m)", &[("m", map(&[("a", i(1))]))]), Ok(i(1)));
    assert_eq!(eval_with("len(x)", &[("x", Value::Null)]), Ok(i(0)));
    assert_eq!(eval("len([])"), i(0));
    let (m, at) = fails("len(5)");
    assert_eq!(m, "`len` wants a list, text or map, got a int");
    assert_eq!(at, "len(5)");
    assert_eq!(eval("contains([1, 2], 2)"), b(true));
    assert_eq!(eval("contains(\"abc\", \"bc\")"), b(true));
    assert_eq!(eval("contains(\"abc\", \"x\")"), b(false));
    assert_eq!(
        eval_with("contains(m, \"a\")", &[("m", map(&[("a", i(1))]))]),
        Ok(b(true))
    );
    assert_eq!(
        fails("contains(5, 1)").0,
        "`contains` wants a list, text or map"
    );
}

#[test]
fn text_functions() {
    assert_eq!(eval("starts_with(\"amphora-1\", \"amphora-\")"), b(true));
    assert_eq!(eval("starts_with(\"x\", \"amphora-\")"), b(false));
    assert_eq!(eval("ends_with(\"a.rbk\", \".rbk\")"), b(true));
    assert_eq!(eval("ends_with(\"a.rbk\", \".md\")"), b(false));
    assert_eq!(eval("trim_prefix(\"amphora-x\", \"amphora-\")"), s("x"));
    assert_eq!(
        eval("trim_prefix(\"x\", \"amphora-\")"),
        s("x"),
        "no prefix: unchanged"
    );
    assert_eq!(eval("trim(\"  a b \\n\")"), s("a b"));
    assert_eq!(eval("lower(\"ÀB\")"), s("àb"));
    assert_eq!(eval("upper(\"àb\")"), s("ÀB"));
    assert_eq!(eval("lines(\"a\\nb\\n\")"), list(&[s("a"), s("b")]));
    assert_eq!(eval("lines(\"\")"), list(&[]));
    assert_eq!(
        eval("split(\"a,b,,c\", \",\")"),
        list(&[s("a"), s("b"), s(""), s("c")])
    );
    assert_eq!(
        eval("split(\" a b  c \", \"\")"),
        list(&[s("a"), s("b"), s("c")]),
        "an empty separator splits on whitespace"
    );
    assert_eq!(
        eval("join([1, \"a\", true])"),
        s("1, a, true"),
        "default separator"
    );
    assert_eq!(eval("join([\"a\", \"b\"], \"-\")"), s("a-b"));
    assert_eq!(eval("join([\"a\", \"b\"], separator: \"/\")"), s("a/b"));
    assert_eq!(eval("join([], \"-\")"), s(""));
    assert_eq!(
        eval_with("starts_with(x, \"a\")", &[("x", Value::Null)]),
        Ok(b(false)),
        "none reads as empty text"
    );
    let (m, at) = fails("upper(5)");
    assert_eq!(m, "`upper` wants text, got a int");
    assert_eq!(at, "upper(5)");
    assert_eq!(
        fails("join(\"a\", \"-\")").0,
        "`join` wants a list, got a str"
    );
}

#[test]
fn capture_takes_the_first_group_or_the_whole_match() {
    assert_eq!(
        eval("capture(\"load average: 96.12, 88\", \"average: ([0-9.]+)\")"),
        s("96.12")
    );
    assert_eq!(
        eval("capture(\"abc123\", \"[0-9]+\")"),
        s("123"),
        "no group: the match"
    );
    assert_eq!(
        eval("capture(\"abc\", \"[0-9]+\")"),
        s(""),
        "no match: empty"
    );
    let (m, at) = fails("capture(\"abc\", \"([0-9]\")");
    assert!(m.starts_with("bad regular expression \"([0-9]\""), "{m}");
    assert_eq!(at, "capture(\"abc\", \"([0-9]\")");
}

#[test]
fn conversions() {
    assert_eq!(eval("str(42)"), s("42"));
    assert_eq!(
        eval("str(90s)"),
        s("1.5m"),
        "durations print in source form"
    );
    assert_eq!(eval("str([1, \"a\"])"), s("[1, \"a\"]"));
    assert_eq!(eval("str(none)"), s("none"));
    assert_eq!(eval("int(\" 42 \")"), i(42));
    assert_eq!(eval("int(\"-3\")"), i(-3));
    assert_eq!(eval("int(\"3.7\")"), i(3), "truncates");
    assert_eq!(eval("int(3.7)"), i(3));
    assert_eq!(eval("int(-3.7)"), i(-3));
    assert_eq!(eval("int(true)"), i(1));
    assert_eq!(eval("int(90s)"), i(90));
    assert_eq!(eval("int(7)"), i(7));
    assert_eq!(eval("float(\"1.5\")"), f(1.5));
    assert_eq!(eval("float(2)"), f(2.0));
    assert_eq!(eval("float(1m)"), f(60.0));
    let (m, at) = fails("int(\"x\")");
    assert_eq!(m, "`int`: \"x\" is not a number");
    assert_eq!(at, "int(\"x\")");
    assert_eq!(fails("int(\"\")").0, "`int`: \"\" is not a number");
    assert_eq!(
        fails("int(\"1e400\")").0,
        "`int`: \"1e400\" is not a number"
    );
    assert_eq!(fails("int([1])").0, "`int`: a list is not a number");
    assert_eq!(fails("float(\"x\")").0, "`float`: \"x\" is not a number");
    assert_eq!(fails("float(none)").0, "`float`: a none is not a number");
}

#[test]
fn keys_and_first() {
    let vars = [
        ("m", map(&[("b", i(2)), ("a", i(1))])),
        ("nothing", Value::Null),
    ];
    assert_eq!(
        eval_with("keys(m)", &vars),
        Ok(list(&[s("a"), s("b")])),
        "sorted"
    );
    assert_eq!(eval_with("keys(nothing)", &vars), Ok(list(&[])));
    assert_eq!(fails("keys([1])").0, "`keys` wants a map, got a list");
    assert_eq!(eval("first([3, 4])"), i(3));
    assert_eq!(
        eval("first([])"),
        Value::Null,
        "documented: none when empty"
    );
    assert_eq!(eval_with("first(nothing)", &vars), Ok(Value::Null));
    assert_eq!(fails("first(\"ab\")").0, "`first` wants a list, got a str");
}

#[test]
fn sum_max_and_min() {
    assert_eq!(eval("sum([1, 2, 3])"), i(6), "ints stay ints");
    assert_eq!(eval("sum([1, 2.5])"), f(3.5));
    assert_eq!(eval("sum([])"), i(0));
    assert_eq!(eval("max([3, 9.5, 1])"), f(9.5));
    assert_eq!(eval("min([3, 9, 1])"), i(1));
    assert_eq!(eval("max([10s, 1m])"), secs(60.0));
    assert_eq!(eval("max([])"), Value::Null);
    assert_eq!(eval("min([])"), Value::Null);
    assert_eq!(fails("sum([1, \"2\"])").0, "`sum`: a str is not a number");
    assert_eq!(fails("max([1, \"2\"])").0, "`max`: a str is not a number");
    assert_eq!(fails("min(5)").0, "`min` wants a list, got a int");
}

#[test]
fn condition_finds_one_or_reports_unknown() {
    let cluster = map(&[(
        "conditions",
        list(&[
            map(&[("type", s("Ready")), ("status", s("True"))]),
            map(&[
                ("type", s("Available")),
                ("status", s("False")),
                ("reason", s("x")),
            ]),
        ]),
    )]);
    let vars = [("c", cluster)];
    assert_eq!(
        eval_with("condition(c, \"Available\").status", &vars),
        Ok(s("False"))
    );
    assert_eq!(
        eval_with("condition(c, \"Available\").reason", &vars),
        Ok(s("x"))
    );
    assert_eq!(
        eval_with("condition(c, \"Missing\")", &vars),
        Ok(map(&[
            ("type", s("Missing")),
            ("status", s("Unknown")),
            ("reason", s("")),
            ("message", s("")),
        ]))
    );
    assert_eq!(
        eval("condition(none, \"Ready\").status"),
        s("Unknown"),
        "no object: unknown"
    );
}

#[test]
fn wrong_arguments_fail_at_the_call() {
    assert_eq!(
        fails("len()"),
        ("`len` needs `value`".into(), "len()".into())
    );
    let (m, at) = fails("trim(\"a\", \"b\")");
    assert_eq!(m, "`trim` takes 1 argument(s)");
    assert_eq!(at, "\"b\"");
    let (m, at) = fails("join([1], sep: \"-\")");
    assert_eq!(m, "`join` has no parameter `sep`");
    assert_eq!(at, "sep");
    assert_eq!(
        fails("nosuch(1)").0,
        "`nosuch` is not a builtin or function"
    );
}
