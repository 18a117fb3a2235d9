//! The output side of the formatter: indented lines, blocks, blank lines,
//! and the comments woven back in by source position.
//!
//! The layout code calls [`Printer::item`] with the source offset of each
//! AST item before printing it; every comment that starts before that offset
//! and has not been printed yet comes out first: a comment that had code
//! before it on its line goes at the end of the last printed line, any other
//! on a line of its own. [`Printer::close`] does the same for the comments
//! at the end of a block, so no comment is ever lost or printed twice.
use std::collections::HashSet;

use super::comments::Comment;

/// How the blank lines before an item are decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blank {
    /// Always one blank line (nodes, and between groups of items).
    Force,
    /// One if the source had at least one there.
    Keep,
    /// None.
    Never,
}

#[derive(Debug, Default)]
struct Line {
    indent: usize,
    text: String,
    /// Comments that followed the code on this line.
    trailing: Vec<String>,
    /// The line opens a block (ends with `{`): no blank line may follow it.
    opener: bool,
}

impl Line {
    fn is_blank(&self) -> bool {
        self.text.is_empty() && self.trailing.is_empty()
    }
}

pub struct Printer<'s> {
    src: &'s str,
    comments: Vec<Comment>,
    /// Index of the first comment not printed yet.
    next: usize,
    /// Doc comments the AST holds (printed from the AST, not from here).
    attached: HashSet<usize>,
    lines: Vec<Line>,
    indent: usize,
    /// The header line of each open block.
    open: Vec<usize>,
    /// Source offset just past the last printed item or comment.
    last_end: usize,
    /// Strings with a comment inside an interpolation: printed as written.
    as_written: Vec<(usize, usize)>,
}

impl<'s> Printer<'s> {
    pub fn new(src: &'s str, comments: Vec<Comment>) -> Self {
        Printer {
            src,
            comments,
            next: 0,
            attached: HashSet::new(),
            lines: Vec::new(),
            indent: 0,
            open: Vec::new(),
            last_end: 0,
            as_written: super::comments::commented_strings(src),
        }
    }

    /// The source of `start..end` when it holds a string that carries a
    /// comment inside an interpolation. The AST has no place for such a
    /// comment, so the construct is printed as written rather than lose it.
    /// The source text between two offsets, whatever it holds.
    pub fn written(&self, start: usize, end: usize) -> Option<&'s str> {
        self.src.get(start..end)
    }

    pub fn as_written(&self, start: usize, end: usize) -> Option<&'s str> {
        self.as_written
            .iter()
            .any(|&(s, e)| start <= s && e <= end)
            .then(|| self.src.get(start..end))
            .flatten()
    }

    /// How many levels deep the current line is.
    pub fn indent_level(&self) -> usize {
        self.indent
    }

    /// The indentation of the current line, as source.
    pub fn ind(&self) -> String {
        "  ".repeat(self.indent)
    }

    /// Start an item at source offset `start`: print the comments before it,
    /// then the blank line it gets.
    pub fn item(&mut self, start: usize, blank: Blank) {
        let pending = self.flush(start, blank);
        if pending || (blank != Blank::Never && self.source_blank(self.last_end, start)) {
            self.blank();
        }
    }

    /// The item that began with `item` ends at source offset `end`.
    pub fn done(&mut self, end: usize) {
        self.last_end = self.last_end.max(self.code_end(end));
    }

    /// `end` moved back over whitespace and comments: the spans of items
    /// that end in an expression take in what follows them.
    pub fn code_end(&self, mut end: usize) -> usize {
        loop {
            let trimmed = self.src.get(..end).map_or(0, |s| s.trim_end().len());
            let i = self.comments.partition_point(|c| c.start < trimmed);
            match i.checked_sub(1).map(|i| &self.comments[i]) {
                Some(c) if trimmed <= c.end => end = c.start,
                _ => return trimmed,
            }
        }
    }

    /// Print the comments that start before `before`; returns whether a
    /// forced blank line is still owed to the item that follows.
    pub fn flush(&mut self, before: usize, blank: Blank) -> bool {
        let mut owed = blank == Blank::Force;
        while let Some(c) = self.comments.get(self.next) {
            if c.start >= before {
                break;
            }
            let c = c.clone();
            self.next += 1;
            if self.attached.contains(&c.start) {
                continue;
            }
            let appendable = self.lines.last().is_some_and(|l| !l.is_blank());
            if c.trailing && appendable {
                if let Some(last) = self.lines.last_mut() {
                    last.trailing.push(c.text.clone());
                }
            } else {
                if owed || (blank != Blank::Never && self.source_blank(self.last_end, c.start)) {
                    self.blank();
                }
                owed = false;
                let text = self.reindent(&c);
                self.push(text);
            }
            self.last_end = self.last_end.max(c.end);
        }
        owed
    }

    /// Doc comments in `start..end` are printed from the AST's `doc` field.
    pub fn attach_docs(&mut self, start: usize, end: usize) {
        for c in &self.comments[self.next..] {
            if c.start >= end {
                break;
            }
            if c.doc && c.start >= start {
                self.attached.insert(c.start);
            }
        }
    }

    /// A line of code at the current indentation.
    pub fn push(&mut self, text: String) {
        self.lines.push(Line {
            indent: self.indent,
            text,
            ..Line::default()
        });
    }

    /// A line `header {` that opens a block.
    pub fn open(&mut self, header: String) {
        self.push(format!("{header} {{"));
        self.reopen();
    }

    /// Open a block whose header is the last printed line (`} else {`).
    pub fn reopen(&mut self) {
        let at = self.lines.len().saturating_sub(1);
        if let Some(l) = self.lines.get_mut(at) {
            l.opener = true;
        }
        self.open.push(at);
        self.indent += 1;
    }

    /// Close the innermost block: print the comments before its closing brace
    /// at `close` (a source offset), then `closer` (`}`, `} else {`, ...).
    /// A block with nothing in it closes on its header line: `{}`.
    pub fn close(&mut self, close: usize, closer: &str) {
        self.flush(close, Blank::Keep);
        self.indent = self.indent.saturating_sub(1);
        let header = self.open.pop().unwrap_or(usize::MAX);
        let empty = header + 1 == self.lines.len()
            && self
                .lines
                .get(header)
                .is_some_and(|l| l.trailing.is_empty());
        if empty {
            if let Some(l) = self.lines.get_mut(header) {
                l.text.push_str(closer);
                l.opener = false;
            }
        } else {
            self.push(closer.to_string());
        }
    }

    /// One blank line, unless at the top of the output or of a block, or
    /// after another blank line.
    pub fn blank(&mut self) {
        let allowed = self
            .lines
            .last()
            .is_some_and(|l| !l.is_blank() && !l.opener);
        if allowed {
            self.lines.push(Line::default());
        }
    }

    /// The formatted text: every line, then every comment left over.
    pub fn finish(mut self) -> String {
        self.flush(usize::MAX, Blank::Keep);
        while self.lines.last().is_some_and(Line::is_blank) {
            self.lines.pop();
        }
        let mut out = String::new();
        for l in &self.lines {
            if !l.is_blank() {
                out.push_str(&"  ".repeat(l.indent));
                out.push_str(&l.text);
                for t in &l.trailing {
                    if !l.text.is_empty() {
                        out.push(' ');
                    }
                    out.push_str(t);
                }
            }
            out.push('\n');
        }
        out
    }

    /// Whether the source has a blank line between offsets `a` and `b`.
    fn source_blank(&self, a: usize, b: usize) -> bool {
        let Some(between) = self.src.get(a..b) else {
            return false;
        };
        let mut lines = between.split('\n');
        lines.next();
        let mut middle: Vec<&str> = lines.collect();
        middle.pop();
        middle.iter().any(|l| l.trim().is_empty())
    }

    /// A comment on a line of its own: the continuation lines of a `/* */`
    /// comment move by as much as its first line does.
    fn reindent(&self, c: &Comment) -> String {
        let target = self.indent * 2;
        let mut out = String::new();
        for (i, line) in c.text.split('\n').enumerate() {
            if i == 0 {
                out.push_str(line);
                continue;
            }
            out.push('\n');
            if target >= c.column {
                if !line.is_empty() {
                    out.push_str(&" ".repeat(target - c.column));
                }
                out.push_str(line);
            } else {
                let lead = line.len() - line.trim_start_matches([' ', '\t']).len();
                out.push_str(&line[lead.min(c.column - target)..]);
            }
        }
        out
    }
}
