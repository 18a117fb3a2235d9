//! A scan before parsing: limits on nesting, so that no input can overflow
//! the stack, and `"..."` strings closed on their line. The same pass
//! outlines the file's top-level blocks, where a large procedure can be cut
//! into parts parsed in parallel (`syntax/parts.rs`).
//!
//! The parser, the lowering and every later pass (resolve, check, the
//! interpreter, even `Drop`) recurse once per level of nesting. pest 2.8
//! has no stack guard of its own, so a file of 100 000 `(` would crash the
//! process. No real procedure comes near these limits; a file that passes
//! them is at most a few thousand levels deep, which fits the stack of any
//! thread rbk runs on.
use super::ast::Span;
use crate::diagnostic::{Code, Diagnostic};

/// Levels of `(`, `[` and `{` (blocks and expressions together).
pub(crate) const MAX_NESTING: usize = 48;

/// Operators, field accesses, indexes and calls in one expression.
pub(crate) const MAX_EXPRESSION_PARTS: usize = 256;

/// `else if` arms after one `if`.
pub(crate) const MAX_ELSE_IF: usize = 64;

/// Refuse source nested deeper than [`MAX_NESTING`], or with a `"..."`
/// string not closed on its line, before pest sees it. Brackets inside
/// strings and comments do not count; the scan follows the grammar's rules
/// for both (`//`, `/* */`, `"..."` with `\` escapes, `"""..."""`). `base` is
/// where `src` starts in its file.
///
/// The string check lets the grammar scan string text with one `memchr2`
/// for `"` and `\` (pest has no fast path for three stop characters).
pub(crate) fn prescan(src: &str, base: usize) -> Result<Outline, Box<Diagnostic>> {
    let bytes = src.as_bytes();
    let mut depth = 0usize;
    let mut outline = Outline::default();
    // The `{` of the top-level block the scan is in.
    let mut open_block = None;
    let mut i = 0;
    while i < bytes.len() {
        // Most bytes are none of the ones below: step over them in bulk.
        match bytes[i..].iter().position(|b| SPECIAL[usize::from(*b)]) {
            Some(skip) => i += skip,
            None => break,
        }
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = find(bytes, i, b"\n").unwrap_or(bytes.len());
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = find(bytes, i + 2, b"*/").map_or(bytes.len(), |end| end + 2);
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i = find(bytes, i + 3, b"\"\"\"").map_or(bytes.len(), |end| end + 3);
            }
            b'"' => {
                let open = i;
                i += 1;
                while i < bytes.len() && !matches!(bytes[i], b'"' | b'\n') {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if bytes.get(i) != Some(&b'"') {
                    return Err(Box::new(unclosed_string(base + open)));
                }
                i += 1;
            }
            b'(' | b'[' | b'{' => {
                if depth == 0 && bytes[i] == b'{' {
                    open_block = Some(i);
                }
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Box::new(too_deep(base + i)));
                }
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                match (bytes[i], depth) {
                    (b'}', 0) => {
                        if let Some(open) = open_block.take() {
                            outline.blocks.push((open, i));
                        }
                    }
                    (b'}', 1) => outline.item_ends.push(i + 1),
                    _ => {}
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    Ok(outline)
}

/// The `{...}` blocks at the top of a file (a procedure's body, the site
/// declaration, ...) and where the items directly inside them end. Only the
/// braces count here; a file whose brackets do not pair up still gets an
/// outline, and the parser says what is wrong with it.
#[derive(Debug, Default)]
pub(crate) struct Outline {
    /// Top-level blocks, as the offsets of their `{` and their `}`.
    pub blocks: Vec<(usize, usize)>,
    /// Offsets just after each `}` that closes an item directly inside a
    /// top-level block (a step's body, a decision's arms).
    pub item_ends: Vec<usize>,
}

/// The bytes the scan acts on: `/`, `"` and the brackets.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    let special = b"/\"([{)]}";
    while i < special.len() {
        table[special[i] as usize] = true;
        i += 1;
    }
    table
};

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack.get(from..)?, needle).map(|p| from + p)
}

fn unclosed_string(offset: usize) -> Diagnostic {
    Diagnostic::new(
        Code::Syntax,
        Span::new(offset.into(), 1),
        "this string is not closed on its line",
    )
    .with_label("opens here")
    .with_help("close it with `\"` on the same line, or write text over several lines as `\"\"\"...\"\"\"`")
}

fn too_deep(offset: usize) -> Diagnostic {
    Diagnostic::new(
        Code::Syntax,
        Span::new(offset.into(), 1),
        format!("nested too deeply: more than {MAX_NESTING} levels of brackets"),
    )
    .with_label("one level too many")
    .with_help(format!(
        "rbk allows {MAX_NESTING} levels of `(`, `[` and `{{`: move part of the expression into a `let`, or part of the block into a step of its own"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let deep = "(".repeat(MAX_NESTING + 1);
        for src in [
            format!("\"{deep}\""),
            format!("\"\"\"\n{deep}\n\"\"\""),
            format!("// {deep}\n"),
            format!("/* {deep} */"),
            format!("\"a \\\" {deep}\""),
        ] {
            assert!(prescan(&src, 0).is_ok(), "{src}");
        }
    }

    #[test]
    fn one_level_too_many_is_refused_where_it_opens() {
        let ok = format!("{}{}", "[".repeat(MAX_NESTING), "]".repeat(MAX_NESTING));
        assert!(prescan(&ok, 0).is_ok());
        let src = format!("x = {}", "(".repeat(MAX_NESTING + 5));
        let d = prescan(&src, 10).unwrap_err();
        assert_eq!(
            d.primary_span().map(|s| s.offset()),
            Some(10 + 4 + MAX_NESTING)
        );
    }

    #[test]
    fn a_string_left_open_is_refused_where_it_opens() {
        for src in ["x = \"open\ny = 2", "x = \"open", "x = \"esc\\\""] {
            let d = prescan(src, 3).unwrap_err();
            assert_eq!(d.message, "this string is not closed on its line");
            assert_eq!(d.primary_span().map(|s| s.offset()), Some(3 + 4), "{src}");
        }
        // An escaped line end continues the string, as in the grammar.
        assert!(prescan("x = \"a\\\nb\"", 0).is_ok());
    }
}
