//! `rbk render`: the human runbook from the same source as the automation.
//!
//! [`runbook::build`] turns a [`Compilation`] into a small [`doc::Document`]
//! tree, which [`markdown`] and [`html`] write out. Commands come from the
//! builtin table ([`command`]), conditions become words ([`condition`]), the
//! graph becomes Mermaid (`dag::to_mermaid`). [`book`] generates the book's
//! reference pages from the same tables.
pub mod book;
pub mod command;
pub mod condition;
pub mod doc;
pub mod html;
pub mod markdown;
pub mod runbook;

mod stmt;

use crate::resolve::Compilation;
use crate::site::SiteValues;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
}

/// How to render.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// Site values to show instead of `<site.field>` placeholders.
    pub site: Option<&'a SiteValues>,
    /// The procedure's path as the reader should see it (`procedures/x.rbk`).
    pub source_name: String,
}

/// Render a loaded procedure file.
pub fn render(comp: &Compilation, format: Format, opts: &Options) -> String {
    let doc = runbook::build(comp, opts);
    match format {
        Format::Markdown => markdown::write(&doc),
        Format::Html => html::write(&doc),
    }
}
