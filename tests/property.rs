//! Property tests: random bytes and random mutations of the examples never
//! make the parser, the checker or the formatter panic; a file that does not
//! parse gets at least one diagnostic, and every diagnostic points inside
//! its file; whatever parses formats stably and keeps its meaning; parsing
//! in parts on several threads gives the same tree as parsing whole.
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use rbk::check;
use rbk::compilation::Compilation;
use rbk::diagnostic::{Diagnostic, SourceFile};
use rbk::syntax;

use crate::support::examples as example_files;
use crate::support::mutation::TOKENS;

fn examples() -> &'static [(PathBuf, String)] {
    static EXAMPLES: std::sync::OnceLock<Vec<(PathBuf, String)>> = std::sync::OnceLock::new();
    EXAMPLES.get_or_init(example_files::examples)
}

fn assert_spans_inside(diags: &[Diagnostic], name: &str, len: usize) {
    for d in diags {
        let Some(src) = &d.source else { continue };
        if src.name != name {
            continue;
        }
        for l in &d.labels {
            assert!(
                l.span.offset() + l.span.len() <= len,
                "{}: span {:?} outside a file of {len} bytes",
                d.code,
                l.span
            );
        }
    }
}

/// Parse, check and format `text` as if it were the file at `path`.
fn exercise(path: &Path, text: &str) {
    let name = path.display().to_string();
    let source = SourceFile::new(name.clone(), text);
    // Parsing in parts (as a large file is) reads the same, spans included.
    let whole = format!("{:?}", syntax::parse_in(&source, 1));
    for parts in [2, 3] {
        let in_parts = format!("{:?}", syntax::parse_in(&source, parts));
        assert_eq!(in_parts, whole, "in {parts} parts:\n{text}");
    }
    match syntax::parse(&source) {
        Err(diags) => {
            assert!(
                !diags.is_empty(),
                "a file that does not parse needs a diagnostic"
            );
            assert_spans_inside(&diags, &name, text.len());
            assert!(rbk::formatter::format_source(&source).is_err());
        }
        Ok(ast) => {
            let once = rbk::formatter::format_source(&source)
                .unwrap_or_else(|d| panic!("parsed but fmt failed: {d:?}"));
            let again = syntax::parse(&SourceFile::new(name.clone(), once.as_str()))
                .unwrap_or_else(|d| panic!("fmt output does not parse:\n{once}\n{d:?}"));
            assert_eq!(ast, again, "fmt changed the meaning:\n{text}\n---\n{once}");
            let twice = rbk::formatter::format_str(&name, &once)
                .unwrap_or_else(|d| panic!("fmt output does not format: {d:?}"));
            assert_eq!(once, twice, "fmt is not idempotent on:\n{text}");
        }
    }
    let comp = Compilation::from_source(path, text.to_string());
    let diags = check::check(&comp);
    if comp.root.file.is_none() {
        assert!(
            !diags.is_empty(),
            "a file that does not parse needs a diagnostic"
        );
    }
    assert_spans_inside(&diags, &name, text.len());
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, token: usize },
    Duplicate { at: usize, len: usize },
    Swap { a: usize, b: usize },
    DeleteToken { at: usize },
    DuplicateToken { at: usize },
    SwapTokens { a: usize, b: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let pos = any::<usize>();
    prop_oneof![
        (pos, 1..8usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (pos, 0..TOKENS.len()).prop_map(|(at, token)| Mutation::Insert { at, token }),
        (pos, 1..40usize).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
        (pos, any::<usize>()).prop_map(|(a, b)| Mutation::Swap { a, b }),
        pos.prop_map(|at| Mutation::DeleteToken { at }),
        pos.prop_map(|at| Mutation::DuplicateToken { at }),
        (pos, any::<usize>()).prop_map(|(a, b)| Mutation::SwapTokens { a, b }),
    ]
}

/// Apply `m` to `text`, working on characters so the result stays UTF-8.
fn apply(text: &str, m: &Mutation) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let n = chars.len().max(1);
    match *m {
        Mutation::Delete { at, len } => {
            let at = at % n;
            let end = (at + len).min(chars.len());
            chars.drain(at.min(end)..end);
        }
        Mutation::Insert { at, token } => {
            let at = at % (chars.len() + 1);
            chars.splice(at..at, TOKENS[token].chars());
        }
        Mutation::Duplicate { at, len } => {
            let at = at % n;
            let end = (at + len).min(chars.len());
            let copy: Vec<char> = chars[at.min(end)..end].to_vec();
            chars.splice(end..end, copy);
        }
        Mutation::Swap { a, b } => {
            if !chars.is_empty() {
                let (a, b) = (a % chars.len(), b % chars.len());
                chars.swap(a, b);
            }
        }
        Mutation::DeleteToken { .. }
        | Mutation::DuplicateToken { .. }
        | Mutation::SwapTokens { .. } => return apply_tokens(text, m),
    }
    chars.into_iter().collect()
}

/// Token-level mutations, with whitespace-separated words as tokens.
fn apply_tokens(text: &str, m: &Mutation) -> String {
    let mut words: Vec<&str> = text.split_inclusive(char::is_whitespace).collect();
    if words.is_empty() {
        return text.to_string();
    }
    let n = words.len();
    match *m {
        Mutation::DeleteToken { at } => {
            words.remove(at % n);
        }
        Mutation::DuplicateToken { at } => {
            let w = words[at % n];
            words.insert(at % n, w);
        }
        Mutation::SwapTokens { a, b } => words.swap(a % n, b % n),
        _ => {}
    }
    words.concat()
}

/// Statement lines that end where the grammar could read on, and lines
/// that start like a continuation: the places a formatter could move a
/// statement boundary.
const LINES: &[&str] = &[
    "let c = true",
    "let n = 1",
    "let xs = [1, 2]",
    "log \"x {n}\"",
    "until c",
    "fail if c: \"msg\"",
    "fail if c: \"msg\"-1",
    "-1",
    "(n)",
    "[1]",
    "n - 1",
    "xs[0]",
    "len(xs)",
    "not c",
    "record r = n",
    "// a comment",
    "",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Generated poll bodies: whatever parses formats to the same tree.
    #[test]
    fn generated_statement_sequences_keep_their_tree(
        picks in proptest::collection::vec((0..LINES.len(), any::<bool>()), 1..8),
    ) {
        let mut body = String::new();
        for (i, same_line) in &picks {
            body.push_str(LINES[*i]);
            body.push(if *same_line { ' ' } else { '\n' });
        }
        let text = format!("procedure p \"p\" {{\n  step s \"s\" {{\n    poll \"x\" every 1s max 3 {{\n{body}\n    }}\n  }}\n}}\n");
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/generated.rbk");
        exercise(&path, &text);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/random.rbk");
        exercise(&path, &text);
    }

    #[test]
    fn mutated_examples_never_panic(
        which in any::<prop::sample::Index>(),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let (path, text) = which.get(examples());
        let mut text = text.clone();
        for m in &mutations {
            text = apply(&text, m);
        }
        exercise(path, &text);
    }
}
