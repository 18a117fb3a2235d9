//! Syntax: the pest grammar (`grammar/rbk.pest`), its binding, the AST with
//! spans, and the lowering from parse tree to AST.
//!
//! Entry point: [`parse`]. It reports every problem it can find, not only the
//! first: a pest failure stops parsing, but lowering keeps going after a bad
//! literal or interpolation.
pub mod ast;
mod error;
mod limits;
mod lower;
mod parser;
mod parts;

pub use lower::parse_duration;

use crate::diagnostic::{Diagnostic, SourceFile};

/// Parse one file into its AST, or the diagnostics that prevent it. A large
/// procedure is parsed in parts, one per core (`parts.rs`).
pub fn parse(source: &SourceFile) -> Result<ast::File, Vec<Diagnostic>> {
    parse_in(source, parts::parts_for(source.text.len()))
}

/// [`parse`], cutting the procedure into at most `parts` parts whatever
/// the file's size. The result is the same for every `parts`; tests use
/// this to check that.
pub fn parse_in(source: &SourceFile, parts: usize) -> Result<ast::File, Vec<Diagnostic>> {
    let result = lower::parse_file(&source.text, parts);
    match result {
        Ok(file) => Ok(file),
        Err(diags) => Err(diags.into_iter().map(|d| d.with_source(source)).collect()),
    }
}
#[cfg(test)]
mod tests;
