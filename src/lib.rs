//! rbk: a runbook language and its toolchain.
//!
//! How a file goes through it, as the code runs it:
//!
//! 1. [`compilation`] reads the file and every file it `use`s and parses each
//!    one ([`syntax`]: pest grammar, AST with spans). A file that does not
//!    parse stays in the compilation with its diagnostics.
//! 2. [`check::check`] checks the compilation. Names and types
//!    ([`resolve`], which reads the builtin table and the scope table) and
//!    the graph and safety rules (one file per rule in [`check`], over the
//!    procedure graph from [`dag`]) read the same tree and not each other's
//!    findings, so they run side by side (on two threads for a large file,
//!    [`threads`]); their [`diagnostic`]s are merged, secrets masked, sorted.
//! 3. [`check::check_program`] turns a compilation with no errors into a
//!    [`check::Checked`] program, the only input [`interp::run`] and
//!    [`render::render`] accept.
//! 4. [`interp`] runs a checked program on tokio against [`backends`]
//!    (OpenStack, Kubernetes, ssh, tcp; under `--sim` the same clients talk
//!    to the in-process simulated cloud, [`sim`]) with a [`clock`], writing
//!    the as-executed journal as it goes; [`journal`] reads journals back
//!    (`--resume`, `rbk journal show`).
//! 5. [`render`] turns a checked program into the human runbook (Markdown
//!    or HTML) and generates the book's reference pages from the same tables.
//!
//! Beside the pipeline: [`cli`] is the front end (one module per
//! subcommand; `rbk graph` draws any file that parses, checked or not);
//! [`site`] reads the site file `exec` and `render` take; [`exit`] holds the
//! CLI contract's exit codes; [`formatter`] is `rbk fmt`; [`lsp`] is the
//! language server (`rbk lsp`) answering from the same compilation,
//! checker, formatter and tables; [`import`] drafts a procedure from a
//! Markdown runbook (`rbk import`) and checks the draft; [`secrets`] is
//! the one rule of which names are secret, read by the checker (RBK406)
//! and by everything that shows a run (journal, terminal), which hides them.

pub mod backends;
pub mod check;
pub mod cli;
pub mod clock;
pub mod compilation;
pub mod dag;
pub mod diagnostic;
pub mod exit;
pub mod fleet;
pub mod formatter;
pub mod import;
pub mod interp;
pub mod journal;
pub mod lsp;
pub mod render;
pub mod resolve;
pub mod secrets;
pub mod sim;
pub mod site;
pub mod syntax;
pub mod threads;
