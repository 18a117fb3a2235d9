//! `rbk import`: from a Markdown runbook (prose and bash blocks) to a
//! draft `.rbk` procedure that is right where it can be and honest where
//! it cannot.
//!
//! One concept per file: [`markdown`] reads the document's structure,
//! [`shell`] parses its code blocks (`brush-parser`), [`mapping`] turns a
//! command line into the builtin call that does exactly the same,
//! [`translate`] walks a block's shell (scopes, `let`, loops as polls),
//! [`structure`] turns sections and prose into nodes, [`literals`] makes
//! site literals `site` fields, and [`emit`] prints the draft. Anything not
//! mapped exactly is kept as `local.run([...])` behind a
//! `// TODO(import): why` comment; `rbk check` on the draft lists the rest.
pub mod emit;
pub mod literals;
pub mod mapping;
pub mod markdown;
pub mod shell;
pub mod structure;
pub mod translate;

use emit::{Draft, Item, NodeKind};
pub use translate::ImportStats;

/// What to import, and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The runbook's file name, for the draft's header comment.
    pub source_name: String,
    /// The procedure's name (from the file name).
    pub procedure: String,
    /// Site values go to a site file: the `site` block declares the fields
    /// without their values.
    pub site_out: bool,
}

/// The result of an import.
#[derive(Debug)]
pub struct Imported {
    /// The draft, formatted as `rbk fmt` would (as built when it does not
    /// parse: a bug, which the caller reports).
    pub rbk: String,
    pub formatted: bool,
    /// The site file (TOML) with the values of the `site` fields.
    pub site_toml: String,
    pub site_fields: usize,
    pub stats: ImportStats,
    pub summary: Summary,
}

/// The draft's shape, for the end-of-import summary.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    pub steps: usize,
    pub gates: usize,
    pub decisions: usize,
    pub todos: usize,
}

/// Import a Markdown runbook.
pub fn import(markdown: &str, opts: &Options) -> Imported {
    let doc = markdown::parse(markdown);
    let mut draft = Draft {
        source_name: opts.source_name.clone(),
        name: procedure_name(&opts.procedure),
        title: doc.title.clone().unwrap_or_else(|| opts.procedure.clone()),
        site_out: opts.site_out,
        ..Draft::default()
    };
    let mut stats = ImportStats::default();
    structure::build(&doc, &mut draft, &mut stats);
    let text = draft.text();
    let (rbk, formatted) = match crate::formatter::format_str("draft.rbk", &text) {
        Ok(f) => (f, true),
        Err(_) => (text, false),
    };
    let summary = Summary {
        steps: count_nodes(&draft, NodeKind::Step),
        gates: count_nodes(&draft, NodeKind::Gate),
        decisions: draft
            .items
            .iter()
            .filter(|i| matches!(i, Item::Decide(_)))
            .count(),
        todos: rbk.matches("TODO(import):").count(),
    };
    Imported {
        site_toml: literals::site_toml(&opts.source_name, &draft.site),
        site_fields: draft.site.len(),
        rbk,
        formatted,
        stats,
        summary,
    }
}

fn count_nodes(draft: &Draft, kind: NodeKind) -> usize {
    draft
        .items
        .iter()
        .filter(|i| matches!(i, Item::Node(n) if n.kind == kind))
        .count()
}

/// A procedure name from a file name: `capi-recovery.md` -> `capi_recovery`.
fn procedure_name(stem: &str) -> String {
    let s: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_matches('_').to_string();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) || structure::is_reserved(&s) {
        format!("runbook_{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(markdown: &str) -> Imported {
        import(
            markdown,
            &Options {
                source_name: "x.md".into(),
                procedure: "x".into(),
                site_out: false,
            },
        )
    }

    /// Odd input still gives a draft that parses (never a panic).
    #[test]
    fn odd_runbooks_still_give_drafts_that_parse() {
        for md in [
            "",
            "just prose, no headings",
            "```\n```\n",
            "# T\n\n```bash\nfor i in $(seq 1 3); do\n```\n",
            "# T\n\n## 1. x\n\n```sh\nif then fi ((( $(\n'unclosed\n```\n",
            "# T\n\n## A\n\nDECISION: -> -> Step 9.\n\n## B\n\nGATE:\n",
            "# T\n\n| a |\n|---|\n| b |\n\n## Expectations\n\n| x | y |\n|---|---|\n| \"{q}\" | `z` |\n",
            "# {weird} \"title\" \\\n\n## 1. procedure\n\n## 1. procedure\n\n- item -> Step 1\n",
            "# T\n\n## S\n\n```console\n$ echo \"$UNSET\" $(date) `ls`\n$ ssh host\n$ kubectl\n$ openstack\n```\n",
            "# T\n\n## S\n\n```sh\nexport OS_CLOUD=x KUBECONFIG\nX=$(openstack server show a -f value -c nope)\nfor i in {1..5}; do sleep 1; done\nuntil false; do sleep 2; done\n```\n",
        ] {
            let imp = draft(md);
            assert!(imp.formatted, "does not parse for {md:?}:\n{}", imp.rbk);
        }
    }

    #[test]
    fn names_are_names() {
        assert_eq!(procedure_name("capi-recovery"), "capi_recovery");
        assert_eq!(procedure_name("01-start"), "runbook_01_start");
        assert_eq!(procedure_name("step"), "runbook_step");
    }

    /// Runbooks cut together from pieces of every kind the import reads.
    const PIECES: &[&str] = &[
        "# Title {x}\n\n",
        "## 1. Start\n\n",
        "## 2. Wait (PATIENCE GATE)\n\n",
        "### Step 3: check\n\n",
        "1. Do it:\n\n",
        "5a. SWEEP (admin). Then more.\n\n",
        "GATE: `ready`. Timing: ~3.5 min.\n\n",
        "DECISION: ok -> Step 2. bad -> Step 9.\n\n",
        "DECISION:\n\n- a -> Step 1\n- b -> nowhere\n\n",
        "Do NOT \"touch\" {this}. Verified timing: ~108 s.\n\n",
        "| Observation | Meaning |\n|---|---|\n| a \"b\" | noise |\n\n",
        "```sh\nsource ~/openrc\nexport OS_PROJECT_ID=674171fd28d446d3a37073b6a761e910\nopenstack server stop vm\n```\n\n",
        "```\nfor i in $(seq 1 5); do X=$(openstack server show vm -f value -c status); [ \"$X\" = ACTIVE ] && break; sleep 3; done\n```\n\n",
        "```console\n$ kubectl -n ns get pods | grep x\nout {put}\n$ ssh -o StrictHostKeyChecking=no u@10.0.0.1 'reboot'\n```\n\n",
        "```bash\ncase \"$Y\" in A) break;; esac\nuntil nc -z 10.0.0.2 22; do sleep 1; done\nLB=<LB-ID>\n```\n\n",
        "```sh\ncat <<EOF > f\n{brace} \"q\"\nEOF\nif x; then y; fi\n```\n\n",
        "`openstack loadbalancer failover $LB`\n\n",
        "plain prose e.g. this. And that!\n\n",
    ];

    proptest::proptest! {
        #[test]
        fn any_runbook_gives_a_draft_that_parses(
            parts in proptest::collection::vec(proptest::sample::select(PIECES), 0..10)
        ) {
            let md: String = parts.concat();
            let imp = draft(&md);
            proptest::prop_assert!(imp.formatted, "does not parse for {:?}:\n{}", md, imp.rbk);
        }
    }
}
