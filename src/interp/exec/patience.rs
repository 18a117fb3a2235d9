//! Patience windows: expected noise, forbidden actions.
use std::sync::Arc;

use super::super::error::Result;
use super::super::Interp;
use super::RunState;
use crate::syntax::ast::{Forbid, Patience};

/// A patience window: failures of read-only calls inside are expected
/// noise, and the listed actions are forbidden.
pub(crate) struct Window<'c> {
    pub label: String,
    pub forbid: &'c [Forbid],
}

impl<'c> Interp<'c> {
    pub(super) async fn patience(&self, ctx: &mut RunState<'c>, p: &'c Patience) -> Result<()> {
        let label = self.eval_text(ctx, &p.label).await?;
        let dur = match &p.duration {
            Some(d) => self.eval(ctx, d).await?.as_duration(),
            None => None,
        };
        self.term.patience_start(&label, dur);
        self.journal.emit("patience", serde_json::json!({"step": ctx.node, "label": label, "for": dur.map(crate::syntax::ast::format_duration)}));
        let saved = ctx.patience.replace(Arc::new(Window {
            label,
            forbid: &p.forbid,
        }));
        let r = self.block(ctx, &p.body).await;
        ctx.patience = saved;
        r
    }
}
