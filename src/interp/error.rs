//! Why a run stopped: a diagnostic with a 9xx code, and whether the
//! procedure failed or was aborted on purpose.
use crate::diagnostic::{Code, Diagnostic, SourceFile};
use crate::syntax::ast::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Something went wrong: a builtin, a gate, a `fail if`, an expression.
    Failed,
    /// The procedure chose to stop: `require ... else abort`, `on exhausted abort`.
    Aborted,
    /// A read-only call failed inside a poll: the attempt is "not met", and
    /// only outside a poll does this stop the run.
    Transient,
}

#[derive(Debug, Clone)]
pub struct RunError {
    pub diagnostic: Box<Diagnostic>,
    pub stop: Stop,
}

impl RunError {
    pub fn new(code: Code, span: Span, source: &SourceFile, message: impl Into<String>) -> Self {
        RunError {
            diagnostic: Box::new(Diagnostic::new(code, span, message).with_source(source)),
            stop: Stop::Failed,
        }
    }

    pub fn aborted(mut self) -> Self {
        self.stop = Stop::Aborted;
        self
    }

    pub fn transient(mut self) -> Self {
        self.stop = Stop::Transient;
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.diagnostic = Box::new(self.diagnostic.with_help(help));
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.diagnostic = Box::new(self.diagnostic.with_label(label));
        self
    }

    pub fn message(&self) -> &str {
        &self.diagnostic.message
    }
}

pub type Result<T> = std::result::Result<T, RunError>;
