//! The structure of a Markdown runbook, read with `pulldown-cmark`: its
//! title, and its sections with their paragraphs, list items, code blocks
//! and tables, in document order.
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// A Markdown runbook, as the importer sees it.
#[derive(Debug, Default)]
pub struct Document {
    /// The first level-1 heading.
    pub title: Option<String>,
    /// What stands before the first section.
    pub intro: Vec<Block>,
    pub sections: Vec<Section>,
}

/// Everything under one heading of level 2 or more (deeper headings inside
/// it become [`Block::Heading`]).
#[derive(Debug)]
pub struct Section {
    pub title: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph's text; inline code keeps its backticks.
    Para { text: String, code: Vec<String> },
    /// The first paragraph of an ordered list's item: a step of its own.
    Item {
        number: Option<u64>,
        text: String,
        code: Vec<String>,
    },
    /// A heading below the section's level.
    Heading(String),
    /// A code block and its info string (`sh`, `console`, ...).
    Code { lang: String, text: String },
    /// A table's rows, header first, cell texts.
    Table(Vec<Vec<String>>),
}

/// Read a Markdown runbook.
pub fn parse(markdown: &str) -> Document {
    let mut reader = Reader::default();
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        reader.event(event);
    }
    reader.flush_text();
    reader.doc
}

/// The state of one pass over the events.
#[derive(Default)]
struct Reader {
    doc: Document,
    /// Inline text being collected (paragraph, heading, cell, item).
    text: String,
    code_spans: Vec<String>,
    heading: Option<HeadingLevel>,
    code: Option<String>,
    table: Option<Vec<Vec<String>>>,
    /// The lists we are inside: the next item's number (ordered) or None.
    lists: Vec<Option<u64>>,
    /// The number of the current ordered item.
    item_number: Option<u64>,
    /// The current ordered item has not had its title yet.
    item_title_pending: bool,
}

impl Reader {
    fn event(&mut self, event: Event) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => match &mut self.code {
                Some(code) => code.push_str(&t),
                None => self.text.push_str(&t),
            },
            Event::Code(c) => {
                self.text.push('`');
                self.text.push_str(&c);
                self.text.push('`');
                self.code_spans.push(c.to_string());
            }
            Event::SoftBreak | Event::HardBreak => self.text.push(' '),
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag) {
        match tag {
            Tag::Heading { level, .. } => {
                self.flush_text();
                self.heading = Some(level);
            }
            Tag::CodeBlock(kind) => {
                self.flush_text();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some(String::new());
                self.push(Block::Code {
                    lang,
                    text: String::new(),
                });
            }
            Tag::Table(_) => {
                self.flush_text();
                self.table = Some(Vec::new());
            }
            Tag::TableHead | Tag::TableRow => {
                if let Some(t) = &mut self.table {
                    t.push(Vec::new());
                }
            }
            Tag::List(first) => {
                self.flush_text();
                self.lists.push(first);
            }
            Tag::Item => {
                self.flush_text();
                let top = self.lists.len() == 1;
                match self.lists.last_mut() {
                    Some(Some(n)) if top => {
                        self.item_number = Some(*n);
                        *n += 1;
                        self.item_title_pending = true;
                    }
                    _ => self.item_title_pending = false,
                }
            }
            Tag::Paragraph => self.flush_text(),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(level) => {
                let title = std::mem::take(&mut self.text).trim().to_string();
                self.code_spans.clear();
                self.heading = None;
                if level == HeadingLevel::H1 && self.doc.title.is_none() {
                    self.doc.title = Some(title);
                } else if level <= HeadingLevel::H2 {
                    self.doc.sections.push(Section {
                        title,
                        blocks: Vec::new(),
                    });
                } else {
                    self.push(Block::Heading(title));
                }
            }
            TagEnd::CodeBlock => {
                let code = self.code.take().unwrap_or_default();
                if let Some(Block::Code { text, .. }) = self.last_block() {
                    *text = code;
                }
            }
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut self.text).trim().to_string();
                self.code_spans.clear();
                if let Some(row) = self.table.as_mut().and_then(|t| t.last_mut()) {
                    row.push(cell);
                }
            }
            TagEnd::Table => {
                if let Some(rows) = self.table.take() {
                    self.push(Block::Table(rows));
                }
            }
            TagEnd::Paragraph | TagEnd::Item => self.flush_text(),
            TagEnd::List(_) => {
                self.flush_text();
                self.lists.pop();
            }
            _ => {}
        }
    }

    /// End the inline text collected so far as a paragraph (or an item's title).
    fn flush_text(&mut self) {
        let text = std::mem::take(&mut self.text).trim().to_string();
        let code = std::mem::take(&mut self.code_spans);
        if text.is_empty() || self.heading.is_some() || self.table.is_some() {
            return;
        }
        if std::mem::take(&mut self.item_title_pending) {
            let number = self.item_number;
            self.push(Block::Item { number, text, code });
        } else {
            self.push(Block::Para { text, code });
        }
    }

    fn blocks(&mut self) -> &mut Vec<Block> {
        match self.doc.sections.last_mut() {
            Some(s) => &mut s.blocks,
            None => &mut self.doc.intro,
        }
    }

    fn push(&mut self, block: Block) {
        self.blocks().push(block);
    }

    fn last_block(&mut self) -> Option<&mut Block> {
        self.blocks().last_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_blocks_and_items() {
        let doc = parse(
            "# Title\n\nIntro `x`.\n\n## 1. First\n\nSome prose.\n\n```sh\necho hi\n```\n\n\
             | A | B |\n|---|---|\n| a | b |\n\n## Second\n\n1. Stop it:\n   ```\n   stop\n   ```\n2. Start it\n",
        );
        assert_eq!(doc.title.as_deref(), Some("Title"));
        assert_eq!(
            doc.intro,
            vec![Block::Para {
                text: "Intro `x`.".into(),
                code: vec!["x".into()]
            }]
        );
        assert_eq!(doc.sections.len(), 2);
        assert_eq!(doc.sections[0].title, "1. First");
        assert_eq!(
            doc.sections[0].blocks[1],
            Block::Code {
                lang: "sh".into(),
                text: "echo hi\n".into()
            }
        );
        assert_eq!(
            doc.sections[0].blocks[2],
            Block::Table(vec![
                vec!["A".into(), "B".into()],
                vec!["a".into(), "b".into()]
            ])
        );
        let second = &doc.sections[1].blocks;
        assert!(
            matches!(&second[0], Block::Item { number: Some(1), text, .. } if text == "Stop it:")
        );
        assert!(matches!(&second[1], Block::Code { text, .. } if text == "stop\n"));
        assert!(
            matches!(&second[2], Block::Item { number: Some(2), text, .. } if text == "Start it")
        );
    }
}
