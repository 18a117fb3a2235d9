//! The comments of a source file. Regular `//` and `/* */` comments are not
//! in the AST, so the formatter finds them here, with a scanner that knows
//! strings well enough not to see comments inside them. `///` doc comments
//! are collected too: the AST keeps those it attaches to an item, and the
//! formatter re-emits the others (stray ones) like regular comments.

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
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.starts_with(b"\"\"\"") {
            i = find(bytes, i + 3, b"\"\"\"").map_or(bytes.len(), |e| e + 3);
        } else if rest[0] == b'"' {
            i = skip_plain_string(bytes, i + 1);
        } else if rest.starts_with(b"//") {
            let end = find(bytes, i, b"\n").unwrap_or(bytes.len());
            out.push(comment(src, i, end, rest.starts_with(b"///")));
            i = end;
        } else if rest.starts_with(b"/*") {
            let end = find(bytes, i + 2, b"*/").map_or(bytes.len(), |e| e + 2);
            out.push(comment(src, i, end, false));
            i = end;
        } else {
            i += 1;
        }
    }
    out
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
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
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
    fn escaped_quotes_do_not_end_a_string() {
        let src = r#"log "a \" // still string" // real"#;
        let c = scan(src);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].text, "// real");
    }
}
