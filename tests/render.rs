//! `rbk render`: snapshots of the Markdown of every example and procedure,
//! one HTML page, the CLI's exit codes, and the freshness of the generated
//! runbooks in `book/src/runbooks/`.
use crate::support::run;
use std::path::{Path, PathBuf};

use crate::support::root;
use rbk::check::check_program;
use rbk::compilation::Compilation;
use rbk::render::book::{runbook_index, RunbookEntry};
use rbk::render::{render, Format, GraphStyle, Options};
use rbk::site::SiteValues;

/// `*.rbk` directly in `dir` (relative to the repo), sorted; none when the
/// folder does not exist yet.
fn rbk_files(dir: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root().join(dir)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rbk"))
        .collect();
    files.sort();
    files
}

fn render_file(rel: &str, format: Format, site: Option<&SiteValues>) -> String {
    render_with(rel, format, site, GraphStyle::Mermaid)
}

fn render_with(rel: &str, format: Format, site: Option<&SiteValues>, graph: GraphStyle) -> String {
    let comp = Compilation::load(&root().join(rel)).expect("readable");
    let program = match check_program(comp) {
        Ok(p) => p,
        Err(rejected) => {
            let errors: Vec<String> = rejected.errors().map(|d| d.render(false, 100)).collect();
            panic!("{rel} has errors:\n{}", errors.join("\n"));
        }
    };
    let opts = Options {
        graph,
        site,
        source_name: rel.to_string(),
    };
    render(&program, format, &opts)
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root())
        .expect("under the repo")
        .display()
        .to_string()
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default()
}

#[test]
fn markdown_of_every_example_and_procedure() {
    let files: Vec<PathBuf> = rbk_files("examples")
        .into_iter()
        .chain(rbk_files("procedures"))
        .collect();
    assert!(!files.is_empty(), "no examples/*.rbk found");
    for f in files {
        let r = rel(&f);
        let md = render_file(&r, Format::Markdown, None);
        let name = format!("md__{}", r.trim_end_matches(".rbk").replace('/', "__"));
        insta::assert_snapshot!(name, md);
    }
}

#[test]
fn html_page_of_the_start_example() {
    let html = render_file("examples/start.rbk", Format::Html, None);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"), "self-contained: no scripts");
    assert!(
        !html.contains("<link"),
        "self-contained: no external stylesheets"
    );
    insta::assert_snapshot!("html__examples__start", html);
}

#[test]
fn the_start_example_reads_like_the_seed() {
    let md = render_file("examples/start.rbk", Format::Markdown, None);
    for want in [
        "openstack server start <site.mgmt_vm>",
        "export OS_PROJECT_ID=<site.project_id>",
        "every 10 s, at most `attempts` (default 20) times, until `st` is `ACTIVE`",
        "timeout 5s bash -c 'exec 3<>/dev/tcp/<site.mgmt_fip>/22'",
        "GATE: SSH-PORT-OK",
        "> **Timing:** ACTIVE ~20 s on gp.mid",
        "```mermaid",
    ] {
        assert!(md.contains(want), "missing {want:?} in:\n{md}");
    }
}

#[test]
fn site_values_replace_placeholders() {
    let site = SiteValues::parse(
        "project_id = \"674171fd28d446d3a37073b6a761e910\"\nmgmt_fip = \"192.0.2.40\"\n",
    )
    .expect("site");
    let md = render_file("examples/start.rbk", Format::Markdown, Some(&site));
    assert!(md.contains("export OS_PROJECT_ID=674171fd28d446d3a37073b6a761e910"));
    // Not in the site file, so the declared default shows.
    assert!(md.contains("openstack server start capi-mgmt-v2"), "{md}");
    assert!(md.contains("/dev/tcp/192.0.2.40/22"));
    assert!(!md.contains("<site."), "{md}");
}

#[test]
fn cli_writes_markdown_html_and_reports_bad_input() {
    let out = run(&["render", "examples/start.rbk"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.starts_with("# capi-mgmt-v2 start + ssh-port gate"));

    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("start.html");
    let site = dir.path().join("site.toml");
    std::fs::write(
        &site,
        "mgmt_vm = \"vm-7\"\nproject_id = \"p1\"\nmgmt_fip = \"192.0.2.1\"\n",
    )
    .expect("write site");
    let out = run(&[
        "render",
        "--format",
        "html",
        "--site",
        site.to_str().expect("utf-8"),
        "-o",
        page.to_str().expect("utf-8"),
        "examples/start.rbk",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).expect("page written");
    assert!(html.contains("openstack server start vm-7"));

    let out = run(&["render", "no/such/file.rbk"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.rbk"));

    let bad = dir.path().join("bad.rbk");
    std::fs::write(&bad, "procedure p \"t\" { step s \"s\" { let = } }").expect("write");
    let out = run(&["render", bad.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("RBK001"));

    // Parsed but not checked clean: render takes only a checked program.
    let out = run(&["render", "examples/bad/RBK101-unknown-name.rbk"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("RBK101"), "{err}");
    assert!(
        err.contains("has errors; fix them (see `rbk check`) before rendering"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let out = run(&[
        "render",
        "--site",
        "no/such/site.toml",
        "examples/start.rbk",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// Compare `text` with the committed `path`, or rewrite it under RBK_BLESS=1.
fn fresh(path: &Path, text: &str, stale: &mut Vec<String>) {
    if std::env::var_os("RBK_BLESS").is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create dir");
        }
        std::fs::write(path, text).expect("write generated file");
        return;
    }
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        stale.push(rel(path));
    }
}

#[test]
fn book_runbooks_are_rendered_from_procedures() {
    let out_dir = root().join("book/src/runbooks");
    let mut stale = Vec::new();
    let mut entries = Vec::new();
    for f in rbk_files("procedures") {
        let r = rel(&f);
        // Files of shared declarations only (common.rbk) are no runbook.
        let comp = Compilation::load(&f).expect("readable");
        if comp.procedure().is_none() {
            continue;
        }
        // The book shows the graph as a picture: mdBook draws no Mermaid.
        let md = render_with(&r, Format::Markdown, None, GraphStyle::Svg);
        let title = md
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# "))
            .unwrap_or_default()
            .to_string();
        entries.push(RunbookEntry {
            stem: stem(&f),
            title,
        });
        fresh(&out_dir.join(format!("{}.md", stem(&f))), &md, &mut stale);
    }
    fresh(
        &out_dir.join("index.md"),
        &runbook_index(&entries),
        &mut stale,
    );
    // A runbook whose procedure is gone is stale too.
    if let Ok(dir) = std::fs::read_dir(&out_dir) {
        for e in dir.filter_map(Result::ok) {
            let name = e.file_name().to_string_lossy().to_string();
            let Some(s) = name.strip_suffix(".md") else {
                continue;
            };
            if s != "index" && !entries.iter().any(|x| x.stem == s) {
                if std::env::var_os("RBK_BLESS").is_some() {
                    std::fs::remove_file(e.path()).expect("remove stale runbook");
                } else {
                    stale.push(format!("book/src/runbooks/{name} (no procedures/{s}.rbk)"));
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "generated runbooks are stale: {stale:?}\nregenerate them with: RBK_BLESS=1 cargo test --test integration -- book:: render:: \
         (or scripts/render-book)"
    );
}
