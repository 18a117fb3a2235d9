//! `rbk render`: the human runbook from the same source as the automation.
//!
//! [`runbook::build`] turns a [`Checked`] program into a small [`doc::Document`]
//! tree, which [`markdown`] and [`html`] write out. Commands come from the
//! builtin table ([`command`]), conditions become words ([`condition`]), the
//! graph becomes Mermaid (`dag::to_mermaid`) or an SVG picture ([`picture`]). [`book`] generates the book's
//! reference pages from the same tables.
pub mod book;
pub mod command;
pub mod condition;
pub mod doc;
pub mod html;
pub mod markdown;
pub mod picture;
pub mod runbook;

mod stmt;
pub mod timeline;

use crate::check::Checked;
use crate::site::SiteValues;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
}

/// How the procedure graph appears in a runbook.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GraphStyle {
    /// Mermaid source, which GitHub and GitLab draw from Markdown.
    #[default]
    Mermaid,
    /// An inline SVG picture ([`picture`]): needs no script to show.
    Svg,
}

/// How to render.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// The graph's form in Markdown; HTML always shows the picture.
    pub graph: GraphStyle,
    /// Site values to show instead of `<site.field>` placeholders.
    pub site: Option<&'a SiteValues>,
    /// The procedure's path as the reader should see it (`procedures/x.rbk`).
    pub source_name: String,
}

/// Render a checked procedure file (only a program without errors renders).
pub fn render(program: &Checked, format: Format, opts: &Options) -> String {
    let doc = match format {
        Format::Html => runbook::build(
            program,
            &Options {
                graph: GraphStyle::Svg,
                ..opts.clone()
            },
        ),
        Format::Markdown => runbook::build(program, opts),
    };
    match format {
        Format::Markdown => markdown::write(&doc),
        Format::Html => html::write(&doc),
    }
}
