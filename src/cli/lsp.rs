//! `rbk lsp`: serve the language server on stdio until the editor exits.
use super::{exit, LspArgs};

pub fn run(_args: LspArgs) -> i32 {
    match crate::lsp::serve_stdio() {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("error: rbk lsp: {e}");
            exit::FAILED
        }
    }
}
