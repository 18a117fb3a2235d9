//! A large procedure parsed in parts, on several threads.
//!
//! pest reads one input on one thread, and for a large procedure that is
//! most of `rbk check`'s time. But a procedure's body is a list of items
//! (steps, gates, decisions) and each item reads the same on its own as in
//! the file: none looks past the `}` that ends it. So the body can be cut
//! between two items and the parts parsed and lowered at once, each into
//! spans of the whole file.
//!
//! The cuts come from the outline of the scan before parsing: just after a
//! `}` that closes an item of the largest top-level block, where the next
//! word starts a step, a gate or a decision. This is only a faster way to
//! the same tree: when a part does not parse, or lowering finds a problem
//! in one, the caller parses the whole file as one piece, so what an author
//! is told never depends on where the cuts fell (`tests` below, and the
//! property test, compare the two ways).
use pest::Parser;

use super::ast::{File, FileItem, ProcItem, Span};
use super::limits::Outline;
use super::lower::Lowerer;
use super::parser::{RbkParser, Rule};
use crate::threads;

/// A part smaller than this is not worth a thread (starting one costs tens
/// of microseconds; parsing this much costs about ten milliseconds).
const MIN_PART: usize = 128 * 1024;

/// How many parts to parse `len` bytes in: one per core, none smaller than
/// [`MIN_PART`], and one for a file below [`threads::PARALLEL_FROM`].
pub(crate) fn parts_for(len: usize) -> usize {
    if len < threads::PARALLEL_FROM {
        return 1;
    }
    threads::cores().min(len / MIN_PART).max(1)
}

/// The file parsed in up to `parts` parts, or `None` when it has no place to
/// cut or any part has a problem: the caller then parses it whole.
pub(crate) fn parse_in_parts(src: &str, outline: &Outline, parts: usize) -> Option<File> {
    let (body_end, cuts) = cuts(src, outline, parts)?;
    // The first part is the file up to the first cut; the others are runs
    // of the body's items; the tail is the procedure's `}` and what follows.
    let runs: Vec<(usize, usize)> = cuts
        .iter()
        .zip(cuts.iter().skip(1).chain([&body_end]))
        .map(|(&start, &end)| (start, end))
        .collect();
    let jobs: Vec<_> = runs
        .iter()
        .map(|&(start, end)| move || parse_items(src, start, end))
        .collect();
    let (body, (head, tail)) = threads::fan_out(jobs, || {
        (parse_head(&src[..cuts[0]]), parse_tail(src, body_end))
    });
    let (mut items, tail) = (head?, tail?);
    let Some(FileItem::Procedure(proc)) = items.last_mut() else {
        return None;
    };
    for part in body {
        proc.items.extend(part?);
    }
    let start = proc.span.offset();
    proc.span = Span::new(start.into(), body_end + 1 - start);
    // A second procedure is an error, told by the whole-file parse.
    if tail.iter().any(|i| matches!(i, FileItem::Procedure(_))) {
        return None;
    }
    items.extend(tail);
    Some(File { items })
}

/// Where to cut: the end of the body being cut (its `}`), and the cuts, in
/// order, each just before an item. `None` when there is nowhere to cut.
fn cuts(src: &str, outline: &Outline, parts: usize) -> Option<(usize, Vec<usize>)> {
    let &(open, close) = outline.blocks.iter().max_by_key(|(o, c)| c - o)?;
    let ends = &outline.item_ends;
    let mut cuts: Vec<usize> = Vec::new();
    for k in 1..parts {
        let target = open + (close - open) * k / parts;
        let from = ends.partition_point(|&e| e < target.max(cuts.last().map_or(0, |c| c + 1)));
        let cut = ends[from..]
            .iter()
            .copied()
            .take_while(|&e| e < close)
            .find(|&e| starts_item(&src[e..close]));
        match cut {
            Some(cut) => cuts.push(cut),
            None => break,
        }
    }
    (!cuts.is_empty() && cuts[0] > open).then_some((close, cuts))
}

/// Whether the text after a cut starts with a step, a gate or a decision
/// (after white space, comments, and the item's doc comments).
fn starts_item(text: &str) -> bool {
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(|c: char| ('\t'..=' ').contains(&c));
        if rest.starts_with("///") {
            return true;
        } else if rest.starts_with("//") {
            rest = rest.find('\n').map_or("", |n| &rest[n..]);
        } else if let Some(comment) = rest.strip_prefix("/*") {
            rest = comment.find("*/").map_or("", |n| &comment[n + 2..]);
        } else {
            break;
        }
    }
    ["step", "gate", "decide"].iter().any(|kw| {
        rest.strip_prefix(kw).is_some_and(|after| {
            after
                .bytes()
                .next()
                .is_some_and(|b| !(b.is_ascii_alphanumeric() || b == b'_'))
        })
    })
}

/// The file up to the first cut: its items, the last being the procedure
/// with the items before the cut.
fn parse_head(text: &str) -> Option<Vec<FileItem>> {
    let pair = RbkParser::parse(Rule::file_head, text).ok()?.next()?;
    lowered(Lowerer::new(0), |lw| lw.lower_file_items(pair.into_inner()))
}

/// The procedure's items in `src[start..end]`.
fn parse_items(src: &str, start: usize, end: usize) -> Option<Vec<ProcItem>> {
    let pair = RbkParser::parse(Rule::proc_part, &src[start..end])
        .ok()?
        .next()?;
    lowered(Lowerer::new(start), |lw| {
        lw.lower_proc_items(pair.into_inner())
    })
}

/// The file's items after the procedure's `}` at `close`.
fn parse_tail(src: &str, close: usize) -> Option<Vec<FileItem>> {
    let pair = RbkParser::parse(Rule::file_tail, &src[close..])
        .ok()?
        .next()?;
    lowered(Lowerer::new(close), |lw| {
        lw.lower_file_items(pair.into_inner())
    })
}

/// What `lower` made, if it found no problem.
fn lowered<T>(mut lw: Lowerer, lower: impl FnOnce(&mut Lowerer) -> T) -> Option<T> {
    let out = lower(&mut lw);
    lw.diags.is_empty().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::super::{limits, lower};
    use super::*;

    /// The tree from parts, spans included, or `None` if it was not cut.
    fn in_parts(src: &str, parts: usize) -> Option<String> {
        let outline = limits::prescan(src, 0).ok()?;
        parse_in_parts(src, &outline, parts).map(|f| format!("{f:?}"))
    }

    fn whole(src: &str) -> String {
        format!("{:?}", lower::parse_file_whole(src).expect("parses"))
    }

    fn sources() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        for dir in ["procedures", "examples"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "rbk") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    out.push((path.display().to_string(), text));
                }
            }
        }
        out
    }

    #[test]
    fn parts_give_the_tree_of_the_whole_file() {
        let mut cut = 0;
        for (path, text) in sources() {
            for parts in 2..=4 {
                if let Some(tree) = in_parts(&text, parts) {
                    assert_eq!(tree, whole(&text), "{path} in {parts} parts");
                    cut += 1;
                }
            }
        }
        assert!(cut >= 10, "only {cut} files could be cut");
    }

    #[test]
    fn cuts_fall_before_an_item_and_its_doc_comments() {
        let src = "procedure p \"P\" {\n  step a \"A\" { log \"a long line that puts the middle of the body in step a\" }\n  // between\n  /// B's doc\n  step b \"B\" { log \"b\" }\n  gate c \"C\" { log \"c\" }\n}\n";
        let outline = limits::prescan(src, 0).unwrap();
        let (close, cuts) = cuts(src, &outline, 2).unwrap();
        assert_eq!(close, src.rfind('}').unwrap());
        assert!(src[cuts[0]..].trim_start().starts_with("// between"));
        assert_eq!(in_parts(src, 2).unwrap(), whole(src));
        assert_eq!(in_parts(src, 3).unwrap(), whole(src));
    }

    #[test]
    fn nothing_to_cut_or_a_broken_part_gives_way_to_the_whole_parse() {
        for src in [
            // No block.
            "layers a < b\n",
            // One item only.
            "procedure p \"P\" {\n  step a \"A\" { log \"a\" }\n}\n",
            // A broken step after the cut.
            "procedure p \"P\" {\n  step a \"A\" { log \"a\" }\n  step b \"B\" { log }\n}\n",
            // A second procedure after the first.
            "procedure p \"P\" {\n  step a \"A\" {}\n  step b \"B\" {}\n}\nprocedure q \"Q\" {}\n",
            // A keyword used as a name in the part after the cut.
            "procedure p \"P\" {\n  step a \"A\" {}\n  step if \"B\" {}\n}\n",
        ] {
            assert_eq!(in_parts(src, 2), None, "{src}");
        }
    }

    /// A procedure's items, and comments that may sit between them.
    const ITEMS: &[&str] = &[
        "step a \"A\" { log \"a\" }",
        "step b \"B {x}\" layer vm needs g { let x = [1, 2]\n poll every 1s max 3 { until x == 1 } on exhausted abort \"no\" }",
        "gate g \"G\" layer vm { require 1 < 2 else abort \"m\" }",
        "decide d \"D\" { when true -> a \"why\"\n otherwise -> b }",
        "call other \"why\"",
        "param n: int = 3 \"n\"",
        "status \"DRAFT\"",
        "note \"a } brace\"",
        "expectations { expect \"e\" benign { meaning \"m\" } }",
        "/// doc of what follows",
        "// a comment with } and {",
        "/* step x \"x\" { } */",
    ];

    /// Things that could fool a scan for cuts: stray braces and quotes,
    /// words that start like `step`, a second procedure, a block of the
    /// wrong kind.
    const HAZARDS: &[&str] = &[
        "}",
        "{",
        "\"}\"",
        "stepper",
        "step",
        "gate g \"G\"",
        "procedure q \"Q\" {",
        "site { x: str }",
        "/* open",
        "\"\"\"\n}\n\"\"\"",
    ];

    /// File-level declarations.
    const DECLS: &[&str] = &[
        "layers vm < k8s",
        "site { x: str \"x\" }",
        "/// doc",
        "// comment }",
        "expectations { }",
    ];

    fn piece(
        common: &'static [&'static str],
    ) -> impl proptest::strategy::Strategy<Value = &'static str> {
        use proptest::prelude::*;
        prop_oneof![
            12 => proptest::sample::select(common),
            1 => proptest::sample::select(HAZARDS),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

        /// Whatever the text around the cuts, parsing in parts gives the
        /// whole parse's tree or gives way to it: it never accepts a file
        /// the whole parse refuses, nor reads one differently.
        #[test]
        fn parts_never_read_a_file_differently(
            before in proptest::collection::vec(piece(DECLS), 0..3),
            body in proptest::collection::vec((piece(ITEMS), 0..4usize), 0..16),
            after in proptest::collection::vec(piece(DECLS), 0..3),
            parts in 2..5usize,
        ) {
            let gaps = ["\n", " ", "\n\n  ", "\t"];
            let mut src: String = before.iter().map(|p| format!("{p}\n")).collect();
            src.push_str("procedure p \"P\" {\n");
            for (piece, gap) in body {
                src.push_str(piece);
                src.push_str(gaps[gap]);
            }
            src.push_str("}\n");
            src.extend(after.iter().map(|p| format!("{p}\n")));
            if let Some(tree) = in_parts(&src, parts) {
                let whole = lower::parse_file_whole(&src);
                proptest::prop_assert!(whole.is_ok(), "parts accepted what the whole parse refuses:\n{}", src);
                proptest::prop_assert_eq!(tree, format!("{:?}", whole.unwrap()), "{}", src);
            }
        }
    }

    #[test]
    fn what_follows_a_cut_must_start_an_item() {
        assert!(starts_item("\n  step s1 \"x\" {}"));
        assert!(starts_item("\n  // note\n  /* more */ gate g {}"));
        assert!(starts_item("\n\n  /// doc\n  step s {}"));
        assert!(starts_item(" decide d \"?\" {}"));
        assert!(!starts_item("\n  stepper = 1"));
        assert!(!starts_item("\n  call other"));
        assert!(!starts_item("\n  "));
        assert!(!starts_item("\n  /* unclosed"));
    }
}
