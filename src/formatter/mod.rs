//! `rbk fmt`: the one canonical layout of a `.rbk` file.
//!
//! Two-space indentation, one statement per line, a blank line between
//! nodes (blank lines between statements kept, at most one), expressions
//! spaced as `Display for Expr` prints them, strings re-escaped, `"""`
//! strings re-indented under their line. Comments are not in the AST: they
//! are scanned from the source ([`comments`]) and printed before the item
//! that follows them, or at the end of their line when code preceded them.
//! A string with a comment inside an interpolation is printed as written
//! (with the expression or arguments around it): fmt never drops a comment.
//!
//! Formatting is idempotent and keeps the meaning: the output parses to an
//! AST equal to the input's.
pub mod comments;
mod layout;
mod printer;

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::syntax;

/// Format a source file; its parse diagnostics when it does not parse.
pub fn format_source(source: &SourceFile) -> Result<String, Vec<Diagnostic>> {
    let file = syntax::parse(source)?;
    let text: &str = &source.text;
    let mut printer = printer::Printer::new(text, comments::scan(text));
    printer.file(&file);
    Ok(printer.finish())
}

/// Format `text` (named `name` in diagnostics).
pub fn format_str(name: &str, text: &str) -> Result<String, Vec<Diagnostic>> {
    format_source(&SourceFile::new(name, text))
}

#[cfg(test)]
mod tests;
