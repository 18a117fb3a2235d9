//! Write a [`Document`] as one self-contained HTML page: inline CSS, inline
//! SVG pictures, no scripts, no external assets, so it can be mailed or
//! opened offline.
use super::doc::{Block, Document, Inline};

const CSS: &str = "\
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.7rem;border-bottom:2px solid #444}h2{margin-top:2.2rem;border-bottom:1px solid #bbb}
code,pre{font:13px/1.4 ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace}
code{background:#f2f2f2;padding:0 .2em;border-radius:3px}
pre{background:#f6f8fa;border:1px solid #ddd;padding:.6rem .8rem;overflow-x:auto;border-radius:4px}
pre code{background:none;padding:0}
table{border-collapse:collapse;margin:.8rem 0}th,td{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top;text-align:left}
th{background:#eee}
.callout{border-left:5px solid #888;padding:.4rem .8rem;margin:.6rem 0;background:#f7f7f7}
.callout.warning{border-color:#c62828;background:#fdecea}
.callout.timing{border-color:#1565c0;background:#e8f0fb}
.callout.gate{border-color:#2e7d32;background:#eaf5ea}
.callout.patience{border-color:#ef6c00;background:#fff3e0}
.callout.note{border-color:#757575}
figure.picture{margin:1rem 0;overflow-x:auto}
";

/// The document as a complete HTML page.
pub fn write(doc: &Document) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!("<title>{}</title>\n", escape(&doc.title)));
    out.push_str(&format!("<style>\n{CSS}</style>\n</head>\n<body>\n"));
    for b in &doc.blocks {
        write_block(b, &mut out);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn write_block(block: &Block, out: &mut String) {
    match block {
        Block::Heading { level, id, text } => {
            let id = id
                .as_ref()
                .map(|i| format!(" id=\"{}\"", escape(i)))
                .unwrap_or_default();
            out.push_str(&format!("<h{level}{id}>{}</h{level}>\n", inlines(text)));
        }
        Block::Para(parts) => out.push_str(&format!("<p>{}</p>\n", inlines(parts))),
        Block::Code { lang, text } => {
            out.push_str(&format!(
                "<pre><code class=\"language-{}\">{}</code></pre>\n",
                escape(lang),
                escape(text.trim_end_matches('\n'))
            ));
        }
        Block::Callout { kind, body } => {
            out.push_str(&format!(
                "<div class=\"callout {}\"><strong>{}:</strong> {}</div>\n",
                kind.css_class(),
                kind.label(),
                inlines(body)
            ));
        }
        Block::Table { head, rows } => {
            out.push_str("<table>\n<thead><tr>");
            for h in head {
                out.push_str(&format!("<th>{}</th>", escape(h)));
            }
            out.push_str("</tr></thead>\n<tbody>\n");
            for r in rows {
                out.push_str("<tr>");
                for c in r {
                    out.push_str(&format!("<td>{}</td>", inlines(c)));
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</tbody>\n</table>\n");
        }
        Block::List(items) => {
            out.push_str("<ul>\n");
            for item in items {
                out.push_str("<li>");
                // A lone paragraph needs no <p>: keeps tight lists tight.
                if let [Block::Para(p)] = item.as_slice() {
                    out.push_str(&inlines(p));
                    out.push_str("</li>\n");
                    continue;
                }
                out.push('\n');
                for b in item {
                    write_block(b, out);
                }
                out.push_str("</li>\n");
            }
            out.push_str("</ul>\n");
        }
        Block::Comment(c) => out.push_str(&format!("<!-- {} -->\n", c.replace("--", "- -"))),
        Block::Picture(svg) => {
            out.push_str(&format!("<figure class=\"picture\">\n{svg}</figure>\n"))
        }
    }
}

fn inlines(parts: &[Inline]) -> String {
    let mut out = String::new();
    for p in parts {
        match p {
            Inline::Text(t) => out.push_str(&escape(t)),
            Inline::Code(c) => out.push_str(&format!("<code>{}</code>", escape(c))),
            Inline::Strong(inner) => out.push_str(&format!("<strong>{}</strong>", inlines(inner))),
            Inline::Link { text, href } => {
                // Links between generated runbooks point at their HTML twins.
                let href = match href.split_once('#') {
                    Some((page, frag)) if page.ends_with(".md") => {
                        format!("{}.html#{frag}", page.trim_end_matches(".md"))
                    }
                    _ if href.ends_with(".md") => {
                        format!("{}.html", href.trim_end_matches(".md"))
                    }
                    _ => href.clone(),
                };
                out.push_str(&format!(
                    "<a href=\"{}\">{}</a>",
                    escape(&href),
                    inlines(text)
                ));
            }
            Inline::Break => out.push_str("<br>\n"),
        }
    }
    out
}

fn escape(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::doc::{code, text};

    #[test]
    fn page_is_self_contained_and_escaped() {
        let doc = Document {
            title: "a <b>".into(),
            blocks: vec![Block::Para(vec![text("x < y & "), code("<LB-ID>")])],
        };
        let page = write(&doc);
        assert!(page.contains("<title>a &lt;b&gt;</title>"));
        assert!(page.contains("<p>x &lt; y &amp; <code>&lt;LB-ID&gt;</code></p>"));
        assert!(!page.contains("<script"));
        assert!(!page.contains("http"), "no external assets");
    }
}
