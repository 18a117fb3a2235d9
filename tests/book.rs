//! The book: generated pages are fresh, every ```rbk block passes
//! `rbk check`, every diagnostic code has its anchor and page, and
//! `mdbook build` succeeds.
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::root;
use rbk::compilation::Compilation;
use rbk::diagnostic::{BookBase, Code, BOOK_URL_VAR};
use rbk::render::book::{builtin_reference, diagnostic_index, summary, RunbookEntry};

const BLESS_HINT: &str =
    "regenerate with: RBK_BLESS=1 cargo test --test integration -- book:: render:: (or scripts/render-book)";

fn src() -> PathBuf {
    root().join("book/src")
}

/// Compare `text` with the committed file, or rewrite it under RBK_BLESS=1.
fn fresh(rel: &str, text: &str, stale: &mut Vec<String>) {
    let path = root().join(rel);
    if std::env::var_os("RBK_BLESS").is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create dir");
        }
        std::fs::write(&path, text).expect("write generated page");
    } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
        stale.push(rel.to_string());
    }
}

fn runbook_entries() -> Vec<RunbookEntry> {
    let Ok(dir) = std::fs::read_dir(root().join("procedures")) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = dir
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rbk"))
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|f| {
            let comp = Compilation::load(f).expect("readable procedure");
            let title = comp.procedure()?.title.display_template();
            let stem = f.file_stem()?.to_string_lossy().to_string();
            Some(RunbookEntry { stem, title })
        })
        .collect()
}

#[test]
fn generated_pages_are_fresh() {
    let mut stale = Vec::new();
    fresh(
        "book/src/reference/builtins.md",
        &builtin_reference(),
        &mut stale,
    );
    fresh(
        "book/src/diagnostics/index.md",
        &diagnostic_index(),
        &mut stale,
    );
    fresh(
        "book/src/SUMMARY.md",
        &summary(&src(), &runbook_entries()),
        &mut stale,
    );
    assert!(
        stale.is_empty(),
        "stale generated pages: {stale:?}\n{BLESS_HINT}"
    );
}

/// Every Markdown file under `dir`, sorted.
fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            markdown_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "md") {
            out.push(p);
        }
    }
    out.sort();
}

struct CodeBlock {
    info: String,
    text: String,
    line: usize,
}

/// Fenced code blocks of a Markdown page, with mdBook's `{{#include}}`
/// lines resolved relative to the page.
fn code_blocks(page: &Path) -> Vec<CodeBlock> {
    let text = std::fs::read_to_string(page).expect("readable page");
    let dir = page.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    let mut open: Option<(String, usize, String, usize)> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let ticks = t.chars().take_while(|c| *c == '`').count();
        match &mut open {
            None if ticks >= 3 => {
                open = Some((t[ticks..].trim().to_string(), ticks, String::new(), i + 1));
            }
            Some((info, n, body, start)) if ticks >= *n && t[ticks..].trim().is_empty() => {
                out.push(CodeBlock {
                    info: info.clone(),
                    text: std::mem::take(body),
                    line: *start,
                });
                open = None;
            }
            Some((_, _, body, _)) => {
                if let Some(inc) = t
                    .strip_prefix("{{#include ")
                    .and_then(|r| r.strip_suffix("}}"))
                {
                    let path = dir.join(inc.trim());
                    let included = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                        panic!("{}: cannot include {}: {e}", page.display(), path.display())
                    });
                    body.push_str(&included);
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
            None => {}
        }
    }
    out
}

/// Pages whose ```rbk blocks are checked. The diagnostic pages hold bad
/// examples on purpose (their own tests cover them).
fn checked_pages() -> Vec<PathBuf> {
    let mut pages = Vec::new();
    markdown_files(&src(), &mut pages);
    pages
        .into_iter()
        .filter(|p| !p.starts_with(src().join("diagnostics")))
        .collect()
}

#[test]
fn every_rbk_block_in_the_book_passes_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Examples may `use "common.rbk"` and the other files of book/src/examples.
    for e in std::fs::read_dir(src().join("examples"))
        .expect("book/src/examples")
        .filter_map(Result::ok)
    {
        std::fs::copy(e.path(), dir.path().join(e.file_name())).expect("copy example");
    }
    let mut failures = Vec::new();
    let mut checked = 0;
    for page in checked_pages() {
        for (n, block) in code_blocks(&page).into_iter().enumerate() {
            let mut tags = block.info.split(',').map(str::trim);
            if tags.next() != Some("rbk") {
                continue;
            }
            let tags: Vec<&str> = tags.collect();
            let file = dir.path().join(format!("block-{checked}-{n}.rbk"));
            std::fs::write(&file, &block.text).expect("write block");
            let comp = Compilation::load(&file).expect("readable block");
            let errors: Vec<String> = if tags.contains(&"fragment") {
                comp.diagnostics
                    .iter()
                    .filter(|d| d.is_error())
                    .map(|d| d.render(false, 100))
                    .collect()
            } else {
                rbk::check::check(&comp)
                    .iter()
                    .filter(|d| d.is_error())
                    .map(|d| d.render(false, 100))
                    .collect()
            };
            let place = format!(
                "{}:{}",
                page.strip_prefix(root()).unwrap_or(&page).display(),
                block.line
            );
            if tags.contains(&"bad") {
                if errors.is_empty() {
                    failures.push(format!("{place}: marked `bad` but checks clean"));
                }
            } else if !errors.is_empty() {
                failures.push(format!("{place}:\n{}", errors.join("\n")));
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 10,
        "only {checked} rbk blocks found: is the extraction broken?"
    );
    assert!(
        failures.is_empty(),
        "rbk blocks that do not pass `rbk check`:\n{}",
        failures.join("\n\n")
    );
}

#[test]
fn the_diagnostic_index_has_one_anchor_per_code() {
    let index = diagnostic_index();
    for c in Code::ALL {
        let anchor = format!(
            "<a id=\"{}\"></a>[{}]({}.md)",
            c.as_str(),
            c.as_str(),
            c.as_str()
        );
        assert!(index.contains(&anchor), "no anchor for {}", c.as_str());
    }
}

/// Pages are written by the checker engineer; once any exists, every code
/// must have one, opening with a heading that names the code.
#[test]
fn every_code_has_a_page_once_pages_exist() {
    let dir = src().join("diagnostics");
    let pages: Vec<Code> = Code::ALL
        .iter()
        .copied()
        .filter(|c| dir.join(format!("{}.md", c.as_str())).exists())
        .collect();
    if pages.is_empty() {
        return;
    }
    let mut problems = Vec::new();
    for c in Code::ALL {
        let path = dir.join(format!("{}.md", c.as_str()));
        match std::fs::read_to_string(&path) {
            Err(_) => problems.push(format!("{} has no page {}", c.as_str(), path.display())),
            Ok(text) => {
                let heading = text
                    .lines()
                    .find(|l| l.starts_with('#'))
                    .unwrap_or_default();
                if !heading.contains(c.as_str()) {
                    problems.push(format!(
                        "{}: first heading does not name the code: {heading:?}",
                        c.as_str()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn mdbook_builds_the_book() {
    let mdbook = std::env::var("RBK_MDBOOK").unwrap_or_else(|_| "mdbook".into());
    let out = tempfile::tempdir().expect("tempdir");
    let result = Command::new(&mdbook)
        .arg("build")
        .arg(root().join("book"))
        .arg("--dest-dir")
        .arg(out.path())
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `{mdbook}` ({e}): install it with `cargo install --locked mdbook` or set RBK_MDBOOK")
        });
    assert!(
        result.status.success(),
        "mdbook build failed:\n{}{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
    assert!(out.path().join("runbooks/index.html").exists());
    assert!(out.path().join("reference/builtins.html").exists());
    help_links_resolve_in(out.path());
}

/// The path a `file://` help link names.
fn link_target(url: &str) -> PathBuf {
    PathBuf::from(
        url.strip_prefix("file://")
            .unwrap_or_else(|| panic!("not a file:// link: {url}")),
    )
}

/// Every code's help link lands on a page of the book built at `book`, as
/// `rbk check` prints it with `RBK_BOOK_URL`; without it, the default link
/// lands on a page on this machine too.
fn help_links_resolve_in(book: &Path) {
    let base = BookBase::html(format!("file://{}", book.display()));
    let missing: Vec<String> = Code::ALL
        .iter()
        .map(|c| base.page(*c))
        .filter(|url| !link_target(url).is_file())
        .collect();
    assert!(missing.is_empty(), "help links to no page: {missing:?}");
    assert!(link_target(&base.index()).is_file());

    let bad = root().join("examples/bad/RBK401-unbounded-poll.rbk");
    let check = |url: Option<&str>| {
        let mut cmd = crate::support::rbk(["check".as_ref(), bad.as_os_str()]);
        cmd.env_remove(BOOK_URL_VAR);
        if let Some(u) = url {
            cmd.env(BOOK_URL_VAR, u);
        }
        let out = cmd.output().expect("run rbk check");
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
    };
    let shown = check(Some(&base.root));
    let link = base.page(Code::UnboundedPoll);
    assert!(shown.contains(&format!("RBK401 ({link})")), "{shown}");

    let shown = check(None);
    let link = shown
        .split_once("RBK401 (")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(l, _)| l.to_string())
        .unwrap_or_else(|| panic!("no help link in:\n{shown}"));
    assert!(
        link_target(&link).is_file(),
        "default help link {link} names no page"
    );
}
