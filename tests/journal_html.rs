//! `rbk journal show --format html`: the book's example run page is the
//! rehearsal of `recovery.rbk` on `--sim=zombies`, rendered fresh; bad
//! journals are usage errors naming the line.
use std::path::Path;

use crate::support::{rbk, root};

const PAGE: &str = "book/src/runs/recovery-zombies.html";
const PICTURE: &str = "book/src/runs/recovery-zombies.svg";
const BLESS_HINT: &str = "regenerate with: RBK_BLESS=1 cargo nextest run -E 'test(/journal_html/)'";

/// Compare with the committed file, or rewrite it under RBK_BLESS=1.
fn fresh(rel: &str, text: &str) -> Option<String> {
    let path = root().join(rel);
    if std::env::var_os("RBK_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("create dir");
        std::fs::write(&path, text).expect("write");
        return None;
    }
    (std::fs::read_to_string(&path).ok().as_deref() != Some(text)).then(|| rel.to_string())
}

/// Rehearse recovery.rbk on zombies with a journal; its page.
pub fn rehearsal_page(dir: &Path) -> String {
    let journal = dir.join("run.jsonl");
    let page = dir.join("run.html");
    let out = rbk(["exec", "--sim=zombies", "--yes", "--quiet", "--journal"])
        .arg(&journal)
        .arg("procedures/recovery.rbk")
        .output()
        .expect("run rbk exec");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = rbk(["journal", "show", "--format", "html", "-o"])
        .arg(&page)
        .arg(&journal)
        .output()
        .expect("run rbk journal show");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(&page).expect("page written")
}

#[test]
fn the_books_example_run_is_the_zombies_rehearsal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let page = rehearsal_page(dir.path());
    for want in [
        "<title>Run of recovery: success</title>",
        "simulated clock",
        "data-step=\"failover\"",
        "route → needs_lb_repair",
        "route: no arm, runs on",
        "class=\"poll\"",
        "class=\"expectation\"",
    ] {
        assert!(page.contains(want), "missing {want:?}");
    }
    // The generated page names its journal's path: the book's names none.
    let page = page.replace(
        &dir.path().join("run.jsonl").display().to_string(),
        "run.jsonl",
    );
    let start = page.find("<svg").expect("an svg");
    let end = page.find("</svg>\n").expect("svg end") + "</svg>\n".len();
    let stale: Vec<String> = [fresh(PAGE, &page), fresh(PICTURE, &page[start..end])]
        .into_iter()
        .flatten()
        .collect();
    assert!(stale.is_empty(), "stale: {stale:?}\n{BLESS_HINT}");
}

#[test]
fn bad_journals_are_usage_errors_naming_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"ts\":\"2026-06-10T08:00:00Z\",\"event\":\"run_start\"}\nnot json\n{\"ts\":\"2026-06-10T08:00:01Z\",\"event\":\"run_end\"}\n",
    )
    .expect("write");
    let out = rbk(["journal", "show", "--format", "html"])
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2"));

    let out = rbk(["journal", "show", "no/such.jsonl"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such.jsonl"));
}
