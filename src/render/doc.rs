//! The rendered runbook as a small document tree, built once from the
//! procedure and written out as Markdown ([`super::markdown`]) or as a
//! self-contained HTML page ([`super::html`]). Keeping one tree means the two
//! formats can never say different things.

/// A run of inline content.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    /// Plain text, escaped by each writer.
    Text(String),
    /// Code, shown as written (`openstack server start ...`).
    Code(String),
    Strong(Vec<Inline>),
    Link {
        text: Vec<Inline>,
        href: String,
    },
    /// A line break that both formats keep.
    Break,
}

/// A block of content.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading {
        level: u8,
        /// Anchor for links from decision tables and the graph.
        id: Option<String>,
        text: Vec<Inline>,
    },
    Para(Vec<Inline>),
    /// A fenced code block; `lang` is "sh", "mermaid", "rbk", ...
    Code {
        lang: String,
        text: String,
    },
    /// A note, warning or timing that must stand out.
    Callout {
        kind: CalloutKind,
        body: Vec<Inline>,
    },
    Table {
        head: Vec<String>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    /// A bullet list; each item is a sequence of blocks.
    List(Vec<Vec<Block>>),
    /// A comment for the reader of the source only (Markdown) / an HTML comment.
    Comment(String),
    /// A picture as inline SVG (the procedure graph), written as it is.
    Picture(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalloutKind {
    Note,
    Warning,
    Timing,
    Gate,
    Patience,
}

impl CalloutKind {
    pub fn label(self) -> &'static str {
        match self {
            CalloutKind::Note => "Note",
            CalloutKind::Warning => "Warning",
            CalloutKind::Timing => "Timing",
            CalloutKind::Gate => "GATE",
            CalloutKind::Patience => "PATIENCE",
        }
    }
    pub fn css_class(self) -> &'static str {
        match self {
            CalloutKind::Note => "note",
            CalloutKind::Warning => "warning",
            CalloutKind::Timing => "timing",
            CalloutKind::Gate => "gate",
            CalloutKind::Patience => "patience",
        }
    }
}

/// The whole rendered runbook.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub title: String,
    pub blocks: Vec<Block>,
}

pub fn text(s: impl Into<String>) -> Inline {
    Inline::Text(s.into())
}

pub fn code(s: impl Into<String>) -> Inline {
    Inline::Code(s.into())
}

pub fn strong(s: impl Into<String>) -> Inline {
    Inline::Strong(vec![Inline::Text(s.into())])
}

/// Author prose (notes, meanings, doc comments): `backtick` spans become
/// code, everything else stays text, and line breaks are kept.
pub fn prose(s: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    for (li, line) in s.split('\n').enumerate() {
        if li > 0 {
            out.push(Inline::Break);
        }
        let mut rest = line;
        while let Some(start) = rest.find('`') {
            let Some(len) = rest[start + 1..].find('`') else {
                break;
            };
            if start > 0 {
                out.push(text(&rest[..start]));
            }
            out.push(code(&rest[start + 1..start + 1 + len]));
            rest = &rest[start + 1 + len + 1..];
        }
        if !rest.is_empty() {
            out.push(text(rest));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_splits_code_spans_and_lines() {
        assert_eq!(
            prose("judge by `k8s status`\nnot noise"),
            vec![
                text("judge by "),
                code("k8s status"),
                Inline::Break,
                text("not noise")
            ]
        );
        // An unmatched backtick stays text.
        assert_eq!(prose("a ` b"), vec![text("a ` b")]);
    }
}
