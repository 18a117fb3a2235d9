//! Resolution and typing: names, scopes, parameters, site fields, and the
//! builtin signature table ([`builtins::BUILTINS`]) that the checker, the
//! interpreter and the book all read.
pub mod builtins;
mod env;
mod resolver;
pub mod scopes;
mod typeck;
pub mod types;

pub use env::list_of;
pub use resolver::{binding_types, resolve};
pub use typeck::{accepts, signature};
