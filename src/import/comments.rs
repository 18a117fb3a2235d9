//! The author's `# comments` inside shell code. `brush-parser` drops them:
//! its syntax tree has neither comments nor positions. Its tokenizer does
//! say where each comment is (the newline token after a comment starts at
//! its `#`), so [`mark`] puts a no-op command, `: __rbk_comment_N`, in each
//! comment's place. The translator then meets the comment where it stood,
//! between the commands around it, and prints it there as a `//` comment:
//! at the end of the statement of its line, or on a line of its own.
use std::sync::LazyLock;

use regex::Regex;

/// One comment (or several, see [`mark`]) as the draft keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Remark {
    /// The comment's text, `#` and surrounding blanks removed; one per
    /// comment it holds, in order.
    pub lines: Vec<String>,
    /// It followed a command on that command's line.
    pub trailing: bool,
}

const PREFIX: &str = "__rbk_comment_";

/// The marker command of remark `n`.
fn marker(n: usize) -> String {
    format!(": {PREFIX}{n}")
}

static MARKER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^__rbk_comment_(\d+)$").expect("valid regex"));

/// The remark a marker word names (`__rbk_comment_3` -> 3).
pub fn marker_index(word: &str) -> Option<usize> {
    MARKER.captures(word).and_then(|c| c[1].parse().ok())
}

/// Every marker left in shell text printed back from the syntax tree,
/// on a line of its own or after a `;`.
static IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)(^[ \t]*: __rbk_comment_(\d+)[ \t]*;?[ \t]*(\n|$))|([ \t]*;?[ \t]*: __rbk_comment_(\d+)\b)")
        .expect("valid regex")
});

/// Shell text without its markers, and the remarks they named, in order.
pub fn strip(text: &str) -> (String, Vec<usize>) {
    let mut found = Vec::new();
    let out = IN_TEXT.replace_all(text, |c: &regex::Captures| {
        let n = c.get(2).or_else(|| c.get(5)).map(|m| m.as_str());
        found.extend(n.and_then(|n| n.parse::<usize>().ok()));
        ""
    });
    (out.trim_end().to_string(), found)
}

/// The same script with a marker in place of each comment, and the
/// remarks, numbered from `first`. `parses` says whether a script parses:
/// a marker only stays where the script still parses with it. A comment
/// where a command cannot go without changing what the shell runs (after
/// `|`, `&&` or `||` at a line's end) has no marker of its own: it joins
/// the next one.
pub fn mark(code: &str, first: usize, parses: &dyn Fn(&str) -> bool) -> (String, Vec<Remark>) {
    let found = find(code);
    if found.is_empty() {
        return (code.to_string(), Vec::new());
    }
    let mut remarks: Vec<Remark> = Vec::new();
    let mut pending: Vec<String> = Vec::new();
    // The script as marked so far, and the byte offset in `code` it reaches.
    let mut out = String::new();
    let mut done = 0;
    for c in &found {
        let text = code[c.start..c.end]
            .trim_start_matches('#')
            .trim()
            .to_string();
        // A shebang says which shell; an empty `#` is a spacer.
        let keep = !text.is_empty() && !code[c.start..].starts_with("#!");
        let n = first + remarks.len();
        let placed = if c.after.is_empty() {
            None
        } else {
            c.after.iter().find(|sep| {
                let candidate = format!(
                    "{out}{}{sep}{}{}",
                    &code[done..c.start],
                    marker(n),
                    &code[c.end..]
                );
                parses(&candidate)
            })
        };
        out.push_str(&code[done..c.start]);
        done = c.end;
        if !keep {
            continue;
        }
        match placed {
            Some(sep) => {
                out.push_str(sep);
                out.push_str(&marker(n));
                let mut lines = std::mem::take(&mut pending);
                lines.push(text);
                remarks.push(Remark {
                    lines,
                    trailing: c.trailing,
                });
            }
            None => pending.push(text),
        }
    }
    out.push_str(&code[done..]);
    if !pending.is_empty() {
        // Nothing after them to join: a last marker at the script's end.
        let n = first + remarks.len();
        let candidate = format!("{}\n{}\n", out.trim_end(), marker(n));
        if parses(&candidate) {
            out = candidate;
            remarks.push(Remark {
                lines: pending,
                trailing: false,
            });
        }
    }
    (out, remarks)
}

/// A comment in the code: its byte range (from `#` to the line's end), and
/// how a marker may go in its place (the separators to try, in order).
struct Found {
    start: usize,
    end: usize,
    trailing: bool,
    after: &'static [&'static str],
}

fn find(code: &str) -> Vec<Found> {
    let with_newline;
    let src = if code.ends_with('\n') {
        code
    } else {
        with_newline = format!("{code}\n");
        &with_newline
    };
    let options = brush_parser::ParserOptions::default().tokenizer_options();
    let Ok(mut tokens) = brush_parser::tokenize_str_with_options(src, &options) else {
        return Vec::new();
    };
    // Here-documents come out of order.
    tokens.sort_by_key(|t| t.location().start.index);
    // The tokenizer counts characters; slices need bytes.
    let bytes: Vec<usize> = src
        .char_indices()
        .map(|(b, _)| b)
        .chain([src.len()])
        .collect();
    let byte = |i: i32| usize::try_from(i).ok().and_then(|i| bytes.get(i).copied());
    let mut out = Vec::new();
    let mut before: Option<&brush_parser::Token> = None;
    for t in &tokens {
        let is_newline = matches!(t, brush_parser::Token::Operator(s, _) if s == "\n");
        if !is_newline {
            before = Some(t);
            continue;
        }
        let Some(at) = byte(t.location().start.index) else {
            continue;
        };
        // The token starts at the `#`, or at the blanks before it (after
        // a here-document's start).
        let start = at + (src[at..].len() - src[at..].trim_start_matches([' ', '\t']).len());
        let rest = &src[start..];
        if !rest.starts_with('#') {
            continue;
        }
        let end = (start + rest.find('\n').unwrap_or(rest.len())).min(code.len());
        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let trailing = !src[line_start..start].trim().is_empty();
        let after: &[&str] = match before.map(|b| (b, b.to_str())) {
            // A marker there would be the next command of the pipeline or list.
            Some((brush_parser::Token::Operator(..), "|" | "&&" | "||" | "|&")) => &[],
            Some((brush_parser::Token::Operator(..), ";" | "&" | "(" | ";;")) | None => &[""],
            Some((brush_parser::Token::Word(..), "do" | "then" | "else" | "{" | "!")) => &[""],
            // A case pattern's `)`, or a subshell's.
            Some((brush_parser::Token::Operator(..), ")")) => &["", "; "],
            _ if !trailing => &[""],
            _ => &["; "],
        };
        out.push(Found {
            start,
            end,
            trailing,
            after,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parses(s: &str) -> bool {
        super::super::shell::parse(s).is_ok()
    }

    #[test]
    fn comments_become_markers_where_they_stood() {
        let (code, remarks) = mark(
            "openstack server stop vm  # parks it\nfor i in 1 2; do # each\n  # inside\n  echo \"# not\" ${x#y} $#\ndone\n",
            0,
            &parses,
        );
        assert_eq!(
            code,
            "openstack server stop vm  ; : __rbk_comment_0\nfor i in 1 2; do : __rbk_comment_1\n  : __rbk_comment_2\n  echo \"# not\" ${x#y} $#\ndone\n"
        );
        let lines: Vec<(&str, bool)> = remarks
            .iter()
            .map(|r| (r.lines[0].as_str(), r.trailing))
            .collect();
        assert_eq!(
            lines,
            vec![("parks it", true), ("each", true), ("inside", false)]
        );
    }

    #[test]
    fn a_comment_inside_a_pipeline_joins_the_next() {
        let (code, remarks) = mark(
            "kubectl get pods |  # all\n  grep capi # ours\n",
            4,
            &parses,
        );
        assert_eq!(
            code,
            "kubectl get pods |  \n  grep capi ; : __rbk_comment_4\n"
        );
        assert_eq!(
            remarks,
            vec![Remark {
                lines: vec!["all".into(), "ours".into()],
                trailing: true
            }]
        );
    }

    #[test]
    fn heredocs_keep_their_hashes_and_markers_strip_back() {
        let (code, remarks) = mark(
            "cat <<EOF > /tmp/x  # write it — café\n# text\nEOF\n",
            0,
            &parses,
        );
        assert_eq!(
            code,
            "cat <<EOF > /tmp/x  ; : __rbk_comment_0\n# text\nEOF\n"
        );
        assert_eq!(remarks[0].lines, vec!["write it — café"]);
        let (text, found) = strip(
            "for i in 1 2;\ndo\n    : __rbk_comment_1;\n    echo $i; : __rbk_comment_2\ndone",
        );
        assert_eq!(text, "for i in 1 2;\ndo\n    echo $i\ndone");
        assert_eq!(found, vec![1, 2]);
    }
}
