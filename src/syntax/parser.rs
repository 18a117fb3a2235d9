//! The pest binding. Nothing outside `syntax/` sees pest types.
use pest_derive::Parser;

#[derive(Parser)]
#[grammar = "../grammar/rbk.pest"]
pub(crate) struct RbkParser;

/// The binary operators' rules (the alternatives of `infix`).
pub(crate) fn is_infix(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::or
            | Rule::and
            | Rule::eq
            | Rule::ne
            | Rule::le
            | Rule::ge
            | Rule::lt
            | Rule::gt
            | Rule::matches
            | Rule::not_match
            | Rule::in_op
            | Rule::not_in
            | Rule::add
            | Rule::sub
            | Rule::mul
            | Rule::div
            | Rule::rem
    )
}
