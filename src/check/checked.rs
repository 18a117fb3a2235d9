//! [`Checked`]: a compilation [`check`](super::check) found no errors in.
//!
//! `interp::run` and `render::render` take a `Checked`, and the only way to
//! get one is [`check_program`]: a program that was not checked, or that has
//! errors, cannot be run or rendered:
//!
//! ```compile_fail
//! use rbk::compilation::Compilation;
//! let comp = Compilation::from_source("p.rbk".as_ref(), String::new());
//! // A compilation is not a checked program.
//! rbk::render::render(&comp, rbk::render::Format::Markdown, &Default::default());
//! ```
//!
//! ```
//! use rbk::compilation::Compilation;
//! let text = r#"procedure p "P" { step a "A" { log "hi" } }"#;
//! let comp = Compilation::from_source("p.rbk".as_ref(), text.to_string());
//! let program = rbk::check::check_program(comp).expect("no errors");
//! let md = rbk::render::render(&program, rbk::render::Format::Markdown, &Default::default());
//! assert!(md.starts_with("# P"));
//! ```
use crate::compilation::Compilation;
use crate::diagnostic::Diagnostic;
use crate::syntax::ast::Procedure;

/// A compilation with no errors, and the warnings `check` found in it.
#[derive(Debug)]
pub struct Checked {
    comp: Compilation,
    warnings: Vec<Diagnostic>,
}

/// A compilation `check` found errors in: every diagnostic (warnings too,
/// sorted by file and position), and the compilation back.
#[derive(Debug)]
pub struct Rejected {
    pub comp: Compilation,
    pub diagnostics: Vec<Diagnostic>,
}

impl Rejected {
    /// The diagnostics that are errors, in order.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

/// Check `comp` ([`check`](super::check)): a [`Checked`] program when
/// nothing found is an error, else the errors.
pub fn check_program(comp: Compilation) -> Result<Checked, Box<Rejected>> {
    let diagnostics = super::check(&comp);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Box::new(Rejected { comp, diagnostics }));
    }
    Ok(Checked {
        comp,
        warnings: diagnostics,
    })
}

impl Checked {
    /// The files the program is made of.
    pub fn compilation(&self) -> &Compilation {
        &self.comp
    }

    /// The procedure of the root file, if it has one.
    pub fn procedure(&self) -> Option<&Procedure> {
        self.comp.procedure()
    }

    /// What `check` warned about (nothing here is an error).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }
}
