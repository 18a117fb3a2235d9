//! Statements: the one-line kinds here; scopes, polls, patience windows,
//! foreach, if and confirm in their own files.
use super::super::error::{Result, RunError};
use super::super::Interp;
use super::RunState;
use crate::diagnostic::Code;
use crate::syntax::ast::{Stmt, StmtKind};

impl<'c> Interp<'c> {
    pub(super) async fn stmt(&self, ctx: &mut RunState<'c>, s: &'c Stmt) -> Result<()> {
        match &s.kind {
            StmtKind::Let { name, value } => {
                let v = self.eval(ctx, value).await?;
                if ctx.in_poll {
                    ctx.observed = Some(format!("{}={}", name.name, v.shown().short(60)));
                }
                ctx.vars.insert(name.name.clone(), v);
            }
            StmtKind::Expr(e) => {
                self.eval(ctx, e).await?;
            }
            StmtKind::Scope(sc) => self.scope(ctx, sc).await?,
            StmtKind::Poll(p) => self.poll(ctx, p, s.span).await?,
            StmtKind::Patience(p) => self.patience(ctx, p).await?,
            StmtKind::Foreach(f) => self.foreach(ctx, f).await?,
            StmtKind::If(i) => self.if_chain(ctx, i).await?,
            StmtKind::Require { condition, message } => {
                if !self.eval(ctx, condition).await?.truthy() {
                    let msg = self.eval_text(ctx, message).await?;
                    return Err(RunError::new(
                        Code::RequireFailed,
                        condition.span,
                        &ctx.unit.source,
                        msg,
                    )
                    .with_label(format!("requires {condition}"))
                    .aborted());
                }
            }
            StmtKind::Confirm { message } => {
                let q = self.eval_text(ctx, message).await?;
                self.confirm(ctx, &q, s.span).await?;
            }
            StmtKind::Log { message } => {
                let text = self.eval_text(ctx, message).await?;
                let text = crate::secrets::hide_text(&text).into_owned();
                self.journal.emit(
                    "log",
                    serde_json::json!({"step": ctx.node, "message": text}),
                );
                if ctx.in_poll {
                    ctx.observed = Some(text.clone());
                    self.term.verbose_line(&text);
                } else {
                    self.term.log(&text);
                }
            }
            StmtKind::Record { name, value } => {
                let v = self.eval(ctx, value).await?;
                self.journal.emit(
                    "record",
                    serde_json::json!({"step": ctx.node, "name": name.name, "value": v.to_json()}),
                );
                self.term.record(&name.name, &v);
                ctx.vars.insert(name.name.clone(), v);
            }
            StmtKind::Doc(d) => {
                let text = self.eval_text(ctx, &d.text).await?;
                self.term.doc(d.kind, &text);
            }
            StmtKind::Call(c) => {
                let note = match &c.note {
                    Some(t) => self.eval_text(ctx, t).await?,
                    None => String::new(),
                };
                Box::pin(self.run_call(ctx, &c.name, &c.args, note, false)).await?;
            }
        }
        Ok(())
    }
}
