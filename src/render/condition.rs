//! Conditions in words: `st == "ACTIVE"` reads "`st` is `ACTIVE`". Only the
//! top of a condition (and, or, not, comparisons) becomes words; its operands
//! stay in source form, so nothing is lost in translation.
use super::doc::{code, text, Inline};
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, UnaryOp};

pub fn words(e: &Expr) -> Vec<Inline> {
    match &e.kind {
        ExprKind::Binary { op, lhs, rhs } => {
            let joiner = match op {
                BinaryOp::And => " and ",
                BinaryOp::Or => " or ",
                BinaryOp::Eq => " is ",
                BinaryOp::Ne => " is not ",
                BinaryOp::Lt => " is below ",
                BinaryOp::Le => " is at most ",
                BinaryOp::Gt => " is above ",
                BinaryOp::Ge => " is at least ",
                BinaryOp::Matches => " matches ",
                BinaryOp::NotMatches => " does not match ",
                BinaryOp::In => " is in ",
                BinaryOp::NotIn => " is not in ",
                _ => return vec![code(e.to_string())],
            };
            let mut out = match op {
                // Mixed and/or: keep the source's grouping visible.
                BinaryOp::And | BinaryOp::Or => side(lhs, *op),
                _ => vec![operand(lhs)],
            };
            out.push(text(joiner));
            match op {
                BinaryOp::And | BinaryOp::Or => out.extend(side(rhs, *op)),
                _ => out.push(operand(rhs)),
            }
            out
        }
        ExprKind::Unary {
            op: UnaryOp::Not,
            operand: inner,
        } => {
            let mut out = vec![text("not ")];
            if matches!(inner.kind, ExprKind::Binary { .. }) {
                out.push(text("("));
                out.extend(words(inner));
                out.push(text(")"));
            } else {
                out.extend(words(inner));
            }
            out
        }
        _ => vec![operand(e)],
    }
}

fn side(e: &Expr, parent: BinaryOp) -> Vec<Inline> {
    match &e.kind {
        ExprKind::Binary { op, .. }
            if matches!(op, BinaryOp::And | BinaryOp::Or) && *op != parent =>
        {
            let mut out = vec![text("(")];
            out.extend(words(e));
            out.push(text(")"));
            out
        }
        _ => words(e),
    }
}

/// An operand: a plain string literal shows without its quotes.
fn operand(e: &Expr) -> Inline {
    if let ExprKind::Str(t) = &e.kind {
        if let Some(s) = t.as_literal() {
            return code(s);
        }
    }
    code(e.to_string())
}

/// The whole condition as one line of plain text (for Mermaid labels).
pub fn plain(e: &Expr) -> String {
    words(e)
        .into_iter()
        .map(|i| match i {
            Inline::Text(t) | Inline::Code(t) => t,
            _ => String::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::SourceFile;
    use crate::syntax::ast::StmtKind;

    fn cond(src: &str) -> Expr {
        let text =
            format!("procedure p \"t\" {{ step s \"s\" {{ require {src} else abort \"x\" }} }}");
        let f = crate::syntax::parse(&SourceFile::new("t.rbk", text)).expect("parses");
        let body = f
            .procedure()
            .and_then(|p| p.nodes().next())
            .and_then(|n| n.kind.body().cloned())
            .expect("body");
        match &body.stmts[0].kind {
            StmtKind::Require { condition, .. } => condition.clone(),
            _ => panic!("not a require"),
        }
    }

    #[test]
    fn comparisons_read_as_words() {
        assert_eq!(plain(&cond("st == \"ACTIVE\"")), "st is ACTIVE");
        assert_eq!(
            plain(&cond("a == 1 and (b != \"x\" or not c)")),
            "a is 1 and (b is not x or not c)"
        );
        assert_eq!(
            plain(&cond("out.stdout ~ \"cluster status: ready\"")),
            "out.stdout matches cluster status: ready"
        );
        assert_eq!(plain(&cond("n * 2 + 1")), "n * 2 + 1");
    }
}
