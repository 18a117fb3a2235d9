//! `foreach`: one item after another, or `parallel` (at most `max` at a
//! time; after a failure no more items start).
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;

use super::super::error::Result;
use super::super::value::Value;
use super::super::Interp;
use super::RunState;
use crate::syntax::ast::{Foreach, Parallel};

impl<'c> Interp<'c> {
    pub(super) async fn foreach(&self, ctx: &mut RunState<'c>, f: &'c Foreach) -> Result<()> {
        let source = self.eval(ctx, &f.iter).await?;
        let items = self.iterable(ctx, source, f.iter.span)?;
        match &f.parallel {
            None => {
                for item in items {
                    let mut inner = ctx.clone();
                    inner.vars.insert(f.var.name.clone(), item);
                    self.block(&mut inner, &f.body).await?;
                }
                Ok(())
            }
            Some(par) => self.foreach_parallel(ctx, f, par, items).await,
        }
    }

    async fn foreach_parallel(
        &self,
        ctx: &mut RunState<'c>,
        f: &'c Foreach,
        par: &'c Parallel,
        items: Vec<Value>,
    ) -> Result<()> {
        let max = match &par.max {
            Some(m) => {
                let v = self.eval(ctx, m).await?;
                match v {
                    Value::Int(n) if n >= 1 => n as usize,
                    other => {
                        return Err(self.fail(
                            ctx,
                            m.span,
                            format!(
                                "`parallel max` wants a whole number of at least 1, got {other}"
                            ),
                        ))
                    }
                }
            }
            None => items.len().max(1),
        };
        let stop = AtomicBool::new(false);
        let stop = &stop;
        let base = &*ctx;
        let results: Vec<Result<()>> = futures::stream::iter(items)
            .map(|item| {
                let mut inner = base.clone();
                inner.vars.insert(f.var.name.clone(), item);
                async move {
                    // After a failure, start no more items.
                    if stop.load(Ordering::SeqCst) {
                        return Ok(());
                    }
                    let r = self.block(&mut inner, &f.body).await;
                    if r.is_err() {
                        stop.store(true, Ordering::SeqCst);
                    }
                    r
                }
            })
            .buffer_unordered(max)
            .collect()
            .await;
        results.into_iter().collect::<Result<Vec<()>>>()?;
        Ok(())
    }
}
