//! Write a [`Document`] as CommonMark (with GitHub tables), the format of
//! the generated runbooks in the book.
use super::doc::{Block, Document, Inline};

/// The document as Markdown text, ending in one newline.
pub fn write(doc: &Document) -> String {
    let mut out = String::new();
    write_blocks(&doc.blocks, "", &mut out);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn write_blocks(blocks: &[Block], indent: &str, out: &mut String) {
    for (i, b) in blocks.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        write_block(b, indent, i == 0, out);
    }
}

/// Write one block; `first_in_item` blocks of a list item follow the marker
/// on the same line, so they get no indent of their own.
fn write_block(block: &Block, indent: &str, first_in_item: bool, out: &mut String) {
    let lead = if first_in_item { "" } else { indent };
    match block {
        Block::Heading { level, id, text } => {
            if let Some(id) = id {
                out.push_str(&format!("{lead}<a id=\"{id}\"></a>\n\n{indent}"));
            } else {
                out.push_str(lead);
            }
            out.push_str(&"#".repeat(usize::from(*level)));
            out.push(' ');
            out.push_str(&inlines(text, Ctx::Heading));
            out.push('\n');
        }
        Block::Para(parts) => {
            push_lines(&inlines(parts, Ctx::Para), lead, indent, out);
        }
        Block::Code { lang, text } => {
            let fence = fence_for(text);
            out.push_str(&format!("{lead}{fence}{lang}\n"));
            for line in text.lines() {
                if line.is_empty() {
                    out.push('\n');
                } else {
                    out.push_str(&format!("{indent}{line}\n"));
                }
            }
            out.push_str(&format!("{indent}{fence}\n"));
        }
        Block::Callout { kind, body } => {
            let mut parts = vec![Inline::Strong(vec![Inline::Text(format!(
                "{}:",
                kind.label()
            ))])];
            parts.push(Inline::Text(" ".into()));
            parts.extend(body.iter().cloned());
            let text = inlines(&parts, Ctx::Para);
            let quoted: Vec<String> = text.lines().map(|l| format!("> {l}")).collect();
            push_lines(&quoted.join("\n"), lead, indent, out);
        }
        Block::Table { head, rows } => {
            let row = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
            let head_cells: Vec<String> = head.iter().map(|h| escape(h, Ctx::Cell)).collect();
            out.push_str(&format!("{lead}{}\n", row(head_cells)));
            out.push_str(&format!(
                "{indent}|{}\n",
                head.iter().map(|_| "---|").collect::<String>()
            ));
            for r in rows {
                let cells: Vec<String> = r.iter().map(|c| inlines(c, Ctx::Cell)).collect();
                out.push_str(&format!("{indent}{}\n", row(cells)));
            }
        }
        Block::List(items) => {
            // Items of one paragraph each make a tight list: no blank lines.
            let tight = items
                .iter()
                .all(|i| matches!(i.as_slice(), [Block::Para(_)]));
            for (i, item) in items.iter().enumerate() {
                if i > 0 && !tight {
                    out.push('\n');
                }
                out.push_str(&format!(
                    "{lead_i}- ",
                    lead_i = if i == 0 { lead } else { indent }
                ));
                let inner = format!("{indent}  ");
                if item.is_empty() {
                    out.push('\n');
                }
                write_blocks(item, &inner, out);
            }
        }
        Block::Comment(c) => {
            out.push_str(&format!("{lead}<!-- {} -->\n", c.replace("--", "- -")));
        }
        // An HTML block: it runs to the next blank line, and the SVG has none.
        Block::Picture(svg) => {
            out.push_str(&format!("{lead}<div class=\"rbk-picture\">\n{svg}</div>\n"));
        }
    }
}

/// Push `text` (possibly several lines), the first line after `lead`, the
/// others after `indent`.
fn push_lines(text: &str, lead: &str, indent: &str, out: &mut String) {
    for (i, line) in text.lines().enumerate() {
        out.push_str(if i == 0 { lead } else { indent });
        out.push_str(line);
        out.push('\n');
    }
}

fn fence_for(text: &str) -> String {
    let mut n = 3;
    while text.contains(&"`".repeat(n)) {
        n += 1;
    }
    "`".repeat(n)
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Para,
    Heading,
    Cell,
}

fn inlines(parts: &[Inline], ctx: Ctx) -> String {
    let mut out = String::new();
    for p in parts {
        match p {
            Inline::Text(t) => out.push_str(&escape(t, ctx)),
            Inline::Code(c) => out.push_str(&code_span(c, ctx)),
            Inline::Strong(inner) => {
                out.push_str("**");
                out.push_str(&inlines(inner, ctx));
                out.push_str("**");
            }
            Inline::Link { text, href } => {
                out.push('[');
                out.push_str(&inlines(text, ctx));
                out.push_str("](");
                out.push_str(href);
                out.push(')');
            }
            Inline::Break => match ctx {
                Ctx::Para => out.push_str("\\\n"),
                Ctx::Cell => out.push_str("<br>"),
                Ctx::Heading => out.push(' '),
            },
        }
    }
    // A paragraph line must not start like a heading, quote or list item.
    if ctx != Ctx::Cell {
        let mut fixed = String::new();
        for (i, line) in out.split('\n').enumerate() {
            if i > 0 {
                fixed.push('\n');
            }
            if line.starts_with(['#', '>', '-', '+', '=']) {
                fixed.push('\\');
            }
            fixed.push_str(line);
        }
        out = fixed;
    }
    out
}

fn code_span(c: &str, ctx: Ctx) -> String {
    let c = c.replace('\n', " ");
    let c = if ctx == Ctx::Cell {
        c.replace('|', "\\|")
    } else {
        c
    };
    let mut ticks = 1;
    while c.contains(&"`".repeat(ticks)) {
        ticks += 1;
    }
    let fence = "`".repeat(ticks);
    if ticks > 1 || c.starts_with('`') || c.ends_with('`') {
        format!("{fence} {c} {fence}")
    } else {
        format!("{fence}{c}{fence}")
    }
}

/// Escape what Markdown would otherwise interpret, and nothing more, so the
/// source stays readable.
fn escape(t: &str, ctx: Ctx) -> String {
    let chars: Vec<char> = t.chars().collect();
    let mut out = String::with_capacity(t.len());
    for (i, &c) in chars.iter().enumerate() {
        let word = |j: Option<&char>| j.is_some_and(|c| c.is_alphanumeric());
        let needs = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' => true,
            '|' => ctx == Ctx::Cell,
            // Intraword underscores never emphasise: leave `capi_mgmt` alone.
            '_' => !(word(i.checked_sub(1).and_then(|j| chars.get(j))) && word(chars.get(i + 1))),
            _ => false,
        };
        if needs {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::doc::{code, prose, text, CalloutKind};

    #[test]
    fn escapes_only_what_markdown_would_eat() {
        assert_eq!(
            escape("capi_mgmt *x* _y_ a|b", Ctx::Para),
            "capi_mgmt \\*x\\* \\_y\\_ a|b"
        );
        assert_eq!(escape("a|b", Ctx::Cell), "a\\|b");
    }

    #[test]
    fn lists_nest_code_blocks() {
        let doc = Document {
            title: "t".into(),
            blocks: vec![Block::List(vec![vec![
                Block::Para(vec![text("Start:")]),
                Block::Code {
                    lang: "sh".into(),
                    text: "openstack server start vm".into(),
                },
                Block::Callout {
                    kind: CalloutKind::Warning,
                    body: prose("do `x`\nnow"),
                },
            ]])],
        };
        assert_eq!(
            write(&doc),
            "- Start:\n\n  ```sh\n  openstack server start vm\n  ```\n\n  > **Warning:** do `x`\\\n  > now\n"
        );
        let cell = inlines(&[code("a | b")], Ctx::Cell);
        assert_eq!(cell, "`a \\| b`");
    }
}
