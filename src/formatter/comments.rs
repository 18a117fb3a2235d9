//! The comments of a source file. Regular `//` and `/* */` comments are not
//! in the AST, so the formatter finds them here, with a scanner that knows
//! strings well enough not to see comments inside them. `///` doc comments
//! are collected too: the AST keeps those it attaches to an item, and the
//! formatter re-emits the others (stray ones) like regular comments.
//!
//! A comment inside a string's `{...}` interpolation parses (the expression
//! grammar skips comments) but has no place in the AST either, and the
//! formatter cannot print it back where it was; [`commented_strings`] finds
//! those strings so the formatter leaves them as written.

/// One comment as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Byte offsets of the comment in the source (end exclusive).
    pub start: usize,
    pub end: usize,
    /// The comment's text, without trailing whitespace.
    pub text: String,
    /// A `///` doc comment.
    pub doc: bool,
    /// Code or another comment comes before it on its line.
    pub trailing: bool,
    /// Its column (in characters) when it starts a line; continuation lines
    /// of a `/* */` comment are shifted with it.
    pub column: usize,
}

/// Every comment of `src`, in source order. `src` is expected to parse;
/// on other input the result is a best effort, never a panic.
pub fn scan(src: &str) -> Vec<Comment> {
    regions(src)
        .into_iter()
        .filter_map(|r| match r {
            Region::Comment { start, end, doc } => Some(comment(src, start, end, doc)),
            Region::String { .. } => None,
        })
        .collect()
}

/// The byte ranges (end exclusive) of the strings of `src` that hold a
/// comment inside an interpolation, in source order.
pub fn commented_strings(src: &str) -> Vec<(usize, usize)> {
    regions(src)
        .into_iter()
        .filter_map(|r| match r {
            Region::String {
                start,
                body,
                end,
                triple,
            } if interpolations(&src[body.0..body.1], triple)
                .iter()
                .any(|e| has_comment(e)) =>
            {
                Some((start, end))
            }
            _ => None,
        })
        .collect()
}

/// A comment or a string literal, as the scanner sees the source.
enum Region {
    Comment {
        start: usize,
        end: usize,
        doc: bool,
    },
    String {
        start: usize,
        /// Between the quotes.
        body: (usize, usize),
        end: usize,
        triple: bool,
    },
}

fn regions(src: &str) -> Vec<Region> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        let region = if rest.starts_with(b"\"\"\"") {
            let close = find(bytes, i + 3, b"\"\"\"");
            let end = close.map_or(bytes.len(), |e| e + 3);
            Region::String {
                start: i,
                body: (i + 3, close.unwrap_or(bytes.len())),
                end,
                triple: true,
            }
        } else if rest[0] == b'"' {
            let end = skip_plain_string(bytes, i + 1);
            let closed = end > i + 1 && bytes[end - 1] == b'"';
            Region::String {
                start: i,
                body: (i + 1, if closed { end - 1 } else { end }),
                end,
                triple: false,
            }
        } else if rest.starts_with(b"//") {
            let end = find(bytes, i, b"\n").unwrap_or(bytes.len());
            Region::Comment {
                start: i,
                end,
                doc: rest.starts_with(b"///"),
            }
        } else if rest.starts_with(b"/*") {
            let end = find(bytes, i + 2, b"*/").map_or(bytes.len(), |e| e + 2);
            Region::Comment {
                start: i,
                end,
                doc: false,
            }
        } else {
            i += 1;
            continue;
        };
        i = match &region {
            Region::Comment { end, .. } | Region::String { end, .. } => *end,
        };
        out.push(region);
    }
    out
}

/// The sources of the `{...}` interpolations in a string's body, split the
/// way the parser splits them (escapes in plain strings, `{{` and `}}` as
/// literal braces, nested braces counted).
fn interpolations(body: &str, triple: bool) -> Vec<&str> {
    let bytes = body.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if !triple => i += 2,
            b'{' | b'}' if bytes.get(i + 1) == Some(&bytes[i]) => i += 2,
            b'{' => {
                let mut depth = 1;
                let mut j = i + 1;
                let mut quoted = false;
                while j < bytes.len() {
                    match bytes[j] {
                        b'\'' => quoted = !quoted,
                        b'{' if !quoted => depth += 1,
                        b'}' if !quoted => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                out.push(&body[i + 1..j.min(bytes.len())]);
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// Whether an interpolation's source holds `//` or `/*` outside a nested
/// string. A false alarm only leaves a string as written, which is safe.
fn has_comment(expr: &str) -> bool {
    let bytes = expr.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = skip_plain_string(bytes, i + 1),
            b'/' if matches!(bytes.get(i + 1), Some(b'/' | b'*')) => return true,
            _ => i += 1,
        }
    }
    false
}

fn comment(src: &str, start: usize, end: usize, doc: bool) -> Comment {
    let line_start = src[..start].rfind('\n').map_or(0, |n| n + 1);
    let before = &src[line_start..start];
    let text = src[start..end]
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    Comment {
        start,
        end,
        text,
        doc,
        trailing: !before.trim().is_empty(),
        column: before.chars().count(),
    }
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(bytes.get(from..)?, needle).map(|p| p + from)
}

/// The offset just past a `"..."` string whose body starts at `i`.
fn skip_plain_string(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'\n' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_comments_but_not_inside_strings() {
        let src = "let a = \"// no\" // yes\n/* b\n  c */\n/// doc\nlog \"\"\"/* no */\"\"\"";
        let found: Vec<(&str, bool, bool)> = scan(src)
            .iter()
            .map(|c| (&src[c.start..c.end], c.doc, c.trailing))
            .collect();
        assert_eq!(
            found,
            vec![
                ("// yes", false, true),
                ("/* b\n  c */", false, false),
                ("/// doc", true, false)
            ]
        );
    }

    #[test]
    fn finds_strings_with_comments_in_interpolations() {
        let src = "log \"{a /* x */}\"\nlog \"{{/* literal */}}\"\nlog \"{b}\"\n\
                   log \"\"\"\n  {c // y\n  }\n\"\"\"\nlog \"\"\"{d ~ \"a//b\"}\"\"\" // after\n";
        let found: Vec<&str> = commented_strings(src)
            .iter()
            .map(|&(s, e)| &src[s..e])
            .collect();
        assert_eq!(
            found,
            vec!["\"{a /* x */}\"", "\"\"\"\n  {c // y\n  }\n\"\"\""]
        );
        // Comments inside strings are not the file's comments.
        let comments: Vec<String> = scan(src).into_iter().map(|c| c.text).collect();
        assert_eq!(comments, vec!["// after"]);
    }

    #[test]
    fn escaped_quotes_do_not_end_a_string() {
        let src = r#"log "a \" // still string" // real"#;
        let c = scan(src);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].text, "// real");
    }
}
