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

use crate::diagnostic::{Diagnostic, SourceFile};

/// Parse one file into its AST, or the diagnostics that prevent it.
pub fn parse(source: &SourceFile) -> Result<ast::File, Vec<Diagnostic>> {
    let result = lower::parse_file(&source.text);
    match result {
        Ok(file) => Ok(file),
        Err(diags) => Err(diags.into_iter().map(|d| d.with_source(source)).collect()),
    }
}
#[cfg(test)]
mod tests;
