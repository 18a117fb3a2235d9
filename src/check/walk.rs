//! Walking a procedure for the safety rules: every statement and every call,
//! with the stack of constructs that enclose it.
use std::ops::Range;

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
    /// The constructs around it; empty for a call in a decision's condition.
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

/// Call `f` for each expression a statement holds directly (not those of
/// nested blocks), in source order. A poll's `until` and `fail if` are
/// included: they run inside the poll.
pub fn own_exprs<'a>(s: &'a Stmt, f: &mut dyn FnMut(&'a Expr)) {
    match &s.kind {
        StmtKind::Let { value, .. } | StmtKind::Record { value, .. } | StmtKind::Expr(value) => {
            f(value)
        }
        StmtKind::Scope(sc) => sc.args.iter().for_each(|a| f(&a.value)),
        StmtKind::Poll(p) => {
            p.every
                .iter()
                .chain(p.max.iter())
                .chain(p.within.iter())
                .chain(p.until.iter())
                .chain(p.fails.iter().map(|x| &x.condition))
                .for_each(f);
        }
        StmtKind::Patience(p) => p.duration.iter().for_each(f),
        StmtKind::Foreach(fe) => f(&fe.iter),
        StmtKind::If(i) => f(&i.condition),
        StmtKind::Require { condition, message } => {
            f(condition);
            text_exprs(message).for_each(f);
        }
        StmtKind::Confirm { message } | StmtKind::Log { message } => {
            text_exprs(message).for_each(f)
        }
        StmtKind::Doc(d) => text_exprs(&d.text).for_each(f),
        StmtKind::Call(c) => {
            c.args.iter().for_each(|a| f(&a.value));
            c.note.iter().flat_map(text_exprs).for_each(f);
        }
    }
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

/// A procedure's statements and builtin calls, in source order, collected
/// by one walk. Several rules look at each: on a big procedure, walking the
/// whole tree once per rule costs more than remembering what is where (the
/// walk is mostly waiting on memory; a list is read far faster).
pub struct Index<'a> {
    /// Every statement of every node body, as [`statements`] visits them.
    stmts: Vec<&'a Stmt>,
    /// Every call in node bodies and decision conditions.
    sites: Vec<Site<'a>>,
    /// The frames around each call: one copy per statement that has calls,
    /// shared by the calls in it.
    frames: Vec<Frame<'a>>,
}

struct Site<'a> {
    node: &'a Node,
    expr: &'a Expr,
    callee: &'a Path,
    args: &'a [Arg],
    builtin: Option<&'static Builtin>,
    frames: Range<usize>,
}

impl<'a> Index<'a> {
    pub fn of(p: &'a Procedure) -> Self {
        let mut stmts: Vec<&'a Stmt> = Vec::new();
        let mut sites: Vec<Site<'a>> = Vec::new();
        let mut arena: Vec<Frame<'a>> = Vec::new();
        let mut site = |node: &'a Node, x: &'a Expr, frames: Range<usize>| {
            if let ExprKind::Call { callee, args } = &x.kind {
                sites.push(Site {
                    node,
                    expr: x,
                    callee,
                    args,
                    builtin: builtins::lookup_path(callee),
                    frames,
                });
            }
        };
        statements(p, &mut |node, s, frames| {
            stmts.push(s);
            // Copied on the statement's first call only: most have none.
            let mut copied: Option<Range<usize>> = None;
            own_exprs(s, &mut |e| {
                visit_expr(e, &mut |x| {
                    if !matches!(x.kind, ExprKind::Call { .. }) {
                        return;
                    }
                    let range = copied.get_or_insert_with(|| {
                        let start = arena.len();
                        arena.extend_from_slice(frames);
                        start..arena.len()
                    });
                    site(node, x, range.clone());
                })
            });
        });
        for node in p.nodes() {
            if let NodeKind::Decide(d) = &node.kind {
                for b in d.branches.iter().chain(d.otherwise.iter()) {
                    if let Some(c) = &b.condition {
                        visit_expr(c, &mut |x| site(node, x, 0..0));
                    }
                }
            }
        }
        Index {
            stmts,
            sites,
            frames: arena,
        }
    }

    /// Every statement of every node body, in source order.
    pub fn statements(&self) -> impl Iterator<Item = &'a Stmt> + '_ {
        self.stmts.iter().copied()
    }

    /// Call `f` for every call, in source order.
    pub fn calls(&self, f: &mut dyn FnMut(&CallSite<'a, '_>)) {
        for s in &self.sites {
            f(&CallSite {
                node: s.node,
                expr: s.expr,
                callee: s.callee,
                args: s.args,
                builtin: s.builtin,
                frames: &self.frames[s.frames.clone()],
            });
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
