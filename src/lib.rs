//! rbk: a runbook language and its toolchain.
//!
//! The pipeline, one folder per stage:
//! `syntax` (grammar, AST with spans) -> `resolve` (names, types, builtin
//! table) -> `dag` (petgraph) -> `check` (lints with stable codes) ->
//! `interp` (tokio interpreter over a backend trait) -> `backends`
//! (openstack, kube, ssh, tcp, sim) -> `render` (Markdown/HTML) and `cli`.
//! `sim` is the simulated cloud the `sim` backend and `rbk sim serve` share;
//! `lsp` is the language server editors start (`rbk lsp`).

pub mod backends;
pub mod check;
pub mod cli;
pub mod clock;
pub mod compilation;
pub mod dag;
pub mod diagnostic;
pub mod exit;
pub mod formatter;
pub mod import;
pub mod interp;
pub mod journal;
pub mod lsp;
pub mod render;
pub mod resolve;
pub mod sim;
pub mod site;
pub mod syntax;
pub mod threads;
