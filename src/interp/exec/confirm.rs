//! `confirm`: ask the operator, or take `--yes` / `--dry-run` as the answer.
use std::io::IsTerminal;

use super::super::error::{Result, RunError};
use super::super::Interp;
use super::RunState;
use crate::diagnostic::Code;
use crate::syntax::ast::Span;

impl<'c> Interp<'c> {
    pub(super) async fn confirm(
        &self,
        ctx: &RunState<'c>,
        question: &str,
        span: Span,
    ) -> Result<()> {
        if self.opts.dry_run && !self.opts.yes {
            // Nothing will change, so there is nothing to consent to yet.
            self.term
                .line(&format!("  ? {question} — not asked (dry run)"));
            self.journal.emit(
                "confirm",
                serde_json::json!({"step": ctx.node, "question": question, "answer": "yes", "by": "--dry-run"}),
            );
            return Ok(());
        }
        if self.opts.yes {
            self.term.line(&format!("  ? {question} — yes (--yes)"));
            self.journal.emit("confirm", serde_json::json!({"step": ctx.node, "question": question, "answer": "yes", "by": "--yes"}));
            return Ok(());
        }
        if !std::io::stdin().is_terminal() {
            return Err(RunError::new(
                Code::NotConfirmed,
                span,
                &ctx.unit.source,
                format!("cannot ask \"{question}\": standard input is not a terminal"),
            )
            .with_help("run it on a terminal to answer, or pass --yes to answer yes for automation")
            .aborted());
        }
        let prompt = format!("  ? {question} [y/N] ");
        self.term.prompt(&prompt);
        let answer = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map(|_| line)
        })
        .await
        .ok()
        .and_then(std::result::Result::ok)
        .unwrap_or_default();
        let yes = matches!(answer.trim().to_lowercase().as_str(), "y" | "yes");
        self.journal.emit("confirm", serde_json::json!({"step": ctx.node, "question": question, "answer": if yes {"yes"} else {"no"}}));
        if yes {
            Ok(())
        } else {
            Err(RunError::new(
                Code::NotConfirmed,
                span,
                &ctx.unit.source,
                format!("not confirmed: {question}"),
            )
            .aborted())
        }
    }
}
