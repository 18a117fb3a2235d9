//! Walking a procedure for the safety rules: every statement and every call,
//! with the stack of constructs that enclose it.
use crate::resolve::builtins::{self, Builtin};
use crate::syntax::ast::{
    Arg, Block, Else, Expr, ExprKind, Foreach, Node, NodeKind, Path, Patience, Poll, Procedure,
    Scope, Span, Stmt, StmtKind, Text, TextPart,
};

/// One construct around the current statement, outermost first.
#[derive(Debug, Clone, Copy)]
pub enum Frame<'a> {
    /// A block, and the index of the statement being visited in it (the
    /// statements before it ran earlier).
    Block(&'a [Stmt], usize),
    Scope(&'a Scope),
    Poll(&'a Poll, Span),
    Patience(&'a Patience, Span),
    Foreach(&'a Foreach, Span),
}

/// A call of a builtin, where it is.
pub struct CallSite<'a, 'f> {
    pub node: &'a Node,
    pub expr: &'a Expr,
    pub callee: &'a Path,
    pub args: &'a [Arg],
    pub builtin: Option<&'static Builtin>,
    pub frames: &'f [Frame<'a>],
}

/// Call `f` for every statement of every node body, with its frames.
pub fn statements<'a>(p: &'a Procedure, f: &mut dyn FnMut(&'a Node, &'a Stmt, &[Frame<'a>])) {
    for node in p.nodes() {
        if let Some(body) = node.kind.body() {
            let mut frames = Vec::new();
            walk_block(node, body, &mut frames, f);
        }
    }
}

fn walk_block<'a>(
    node: &'a Node,
    b: &'a Block,
    frames: &mut Vec<Frame<'a>>,
    f: &mut dyn FnMut(&'a Node, &'a Stmt, &[Frame<'a>]),
) {
    for (i, s) in b.stmts.iter().enumerate() {
        frames.push(Frame::Block(&b.stmts, i));
        f(node, s, frames);
        match &s.kind {
            StmtKind::Scope(sc) => {
                frames.push(Frame::Scope(sc));
                walk_block(node, &sc.body, frames, f);
                frames.pop();
            }
            StmtKind::Poll(p) => {
                frames.push(Frame::Poll(p, s.span));
                walk_block(node, &p.body, frames, f);
                frames.pop();
            }
            StmtKind::Patience(p) => {
                frames.push(Frame::Patience(p, s.span));
                walk_block(node, &p.body, frames, f);
                frames.pop();
            }
            StmtKind::Foreach(fe) => {
                frames.push(Frame::Foreach(fe, s.span));
                walk_block(node, &fe.body, frames, f);
                frames.pop();
            }
            StmtKind::If(_) => walk_if(node, s, frames, f),
            _ => {}
        }
        frames.pop();
    }
}

fn walk_if<'a>(
    node: &'a Node,
    s: &'a Stmt,
    frames: &mut Vec<Frame<'a>>,
    f: &mut dyn FnMut(&'a Node, &'a Stmt, &[Frame<'a>]),
) {
    let StmtKind::If(i) = &s.kind else { return };
    walk_block(node, &i.then, frames, f);
    match &i.otherwise {
        Some(Else::Block(b)) => walk_block(node, b, frames, f),
        Some(Else::If(inner)) => {
            // An `else if` is its own statement: give it a one-statement block.
            frames.push(Frame::Block(std::slice::from_ref(&**inner), 0));
            f(node, inner, frames);
            walk_if(node, inner, frames, f);
            frames.pop();
        }
        None => {}
    }
}

/// The expressions a statement holds directly (not those of nested blocks).
/// A poll's `until` and `fail if` are included: they run inside the poll.
pub fn own_exprs(s: &Stmt) -> Vec<&Expr> {
    let mut out: Vec<&Expr> = Vec::new();
    match &s.kind {
        StmtKind::Let { value, .. } | StmtKind::Record { value, .. } | StmtKind::Expr(value) => {
            out.push(value)
        }
        StmtKind::Scope(sc) => out.extend(sc.args.iter().map(|a| &a.value)),
        StmtKind::Poll(p) => {
            out.extend(p.every.iter().chain(p.max.iter()).chain(p.within.iter()));
            out.extend(p.until.iter());
            out.extend(p.fails.iter().map(|f| &f.condition));
        }
        StmtKind::Patience(p) => out.extend(p.duration.iter()),
        StmtKind::Foreach(f) => out.push(&f.iter),
        StmtKind::If(i) => out.push(&i.condition),
        StmtKind::Require { condition, message } => {
            out.push(condition);
            out.extend(text_exprs(message));
        }
        StmtKind::Confirm { message } | StmtKind::Log { message } => {
            out.extend(text_exprs(message))
        }
        StmtKind::Doc(d) => out.extend(text_exprs(&d.text)),
    }
    out
}

/// The interpolated expressions of a text.
pub fn text_exprs(t: &Text) -> impl Iterator<Item = &Expr> {
    t.parts.iter().filter_map(|p| match p {
        TextPart::Expr(e) => Some(e),
        TextPart::Lit(_) => None,
    })
}

/// Visit `e` and every expression inside it, outermost first.
pub fn visit_expr<'a>(e: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Str(t) => text_exprs(t).for_each(|x| visit_expr(x, f)),
        ExprKind::List(items) => items.iter().for_each(|x| visit_expr(x, f)),
        ExprKind::Field { base, .. } => visit_expr(base, f),
        ExprKind::Index { base, index } => {
            visit_expr(base, f);
            visit_expr(index, f);
        }
        ExprKind::Call { args, .. } => args.iter().for_each(|a| visit_expr(&a.value, f)),
        ExprKind::Unary { operand, .. } => visit_expr(operand, f),
        ExprKind::Binary { lhs, rhs, .. } => {
            visit_expr(lhs, f);
            visit_expr(rhs, f);
        }
        ExprKind::Comprehension {
            iter, filter, map, ..
        } => {
            visit_expr(iter, f);
            if let Some(x) = filter {
                visit_expr(x, f);
            }
            if let Some(x) = map {
                visit_expr(x, f);
            }
        }
        _ => {}
    }
}

/// Call `f` for every builtin call in the procedure's node bodies and
/// decision conditions.
pub fn calls<'a>(p: &'a Procedure, f: &mut dyn FnMut(&CallSite<'a, '_>)) {
    let mut visit = |node: &'a Node, e: &'a Expr, frames: &[Frame<'a>]| {
        visit_expr(e, &mut |x| {
            if let ExprKind::Call { callee, args } = &x.kind {
                f(&CallSite {
                    node,
                    expr: x,
                    callee,
                    args,
                    builtin: builtins::lookup(&callee.dotted()),
                    frames,
                });
            }
        });
    };
    statements(p, &mut |node, s, frames| {
        for e in own_exprs(s) {
            visit(node, e, frames);
        }
    });
    for node in p.nodes() {
        if let NodeKind::Decide(d) = &node.kind {
            for b in d.branches.iter().chain(d.otherwise.iter()) {
                if let Some(c) = &b.condition {
                    visit(node, c, &[]);
                }
            }
        }
    }
}

/// The statements that ran before the current one in each enclosing block,
/// innermost block first.
pub fn earlier<'a>(frames: &[Frame<'a>]) -> impl Iterator<Item = &'a Stmt> {
    let mut out: Vec<&'a Stmt> = Vec::new();
    for fr in frames.iter().rev() {
        if let Frame::Block(stmts, i) = fr {
            out.extend(stmts[..*i].iter().rev());
        }
    }
    out.into_iter()
}
