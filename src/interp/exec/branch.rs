//! `if` / `else if` / `else`: the first branch whose condition holds runs,
//! in a copy of the path's state (its variables stay inside).
use super::super::error::Result;
use super::super::Interp;
use super::RunState;
use crate::syntax::ast::{If, StmtKind};

impl<'c> Interp<'c> {
    pub(super) async fn if_chain(&self, ctx: &mut RunState<'c>, i: &'c If) -> Result<()> {
        let mut cond = &i.condition;
        let mut then = &i.then;
        let mut otherwise = &i.otherwise;
        loop {
            if self.eval(ctx, cond).await?.truthy() {
                let mut inner = ctx.clone();
                self.block(&mut inner, then).await?;
                ctx.observed = inner.observed;
                break;
            }
            match otherwise {
                None => break,
                Some(crate::syntax::ast::Else::Block(b)) => {
                    let mut inner = ctx.clone();
                    self.block(&mut inner, b).await?;
                    ctx.observed = inner.observed;
                    break;
                }
                Some(crate::syntax::ast::Else::If(stmt)) => match &stmt.kind {
                    StmtKind::If(next) => {
                        cond = &next.condition;
                        then = &next.then;
                        otherwise = &next.otherwise;
                    }
                    _ => {
                        Box::pin(self.stmt(ctx, stmt)).await?;
                        break;
                    }
                },
            }
        }
        Ok(())
    }
}
