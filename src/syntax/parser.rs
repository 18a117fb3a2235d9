//! The pest binding. Nothing outside `syntax/` sees pest types.
use pest_derive::Parser;

#[derive(Parser)]
#[grammar = "../grammar/rbk.pest"]
pub(crate) struct RbkParser;
