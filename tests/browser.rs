//! The pictures in a real browser: headless Chromium (Debian's `chromium`,
//! installed by scripts/test) opens every rendered runbook page, the built
//! book's runbook pages and a journal report. Each page logs nothing to the
//! console, draws its SVG with every node's title present and visible, and
//! its links land on files (and anchors) that exist. Fails, never skips,
//! when Chromium is missing.
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{rbk, root};

/// The browser: `$RBK_CHROMIUM`, else `chromium` on the PATH.
fn chromium() -> String {
    let bin = std::env::var("RBK_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let ok = Command::new(&bin)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "cannot run `{bin}`: install Debian's chromium (`apt-get install -y chromium`, \
         as scripts/test does) or set RBK_CHROMIUM"
    );
    bin
}

/// What one page must show: the SVG's node groups (`selector`, keyed by
/// `attr`) and the title each must carry.
struct Expect {
    page: PathBuf,
    selector: &'static str,
    attr: &'static str,
    titles: Vec<(String, String)>,
}

/// A page that loads `target` in a frame, then checks its pictures and
/// writes what is wrong (or `OK`) into `#result`.
fn checker(target: &Path, e: &Expect) -> String {
    let expected = serde_json::to_string(&e.titles).expect("json");
    let src = format!("file://{}", target.display());
    format!(
        r#"<!DOCTYPE html><html><body><pre id="result">PENDING</pre>
<iframe id="f" style="width:1200px;height:900px" src="{src}"></iframe>
<script>
const squash = s => s.replace(/\s+/g, "");
document.getElementById("f").addEventListener("load", () => {{
  const doc = document.getElementById("f").contentDocument;
  const out = [];
  const svgs = doc ? doc.querySelectorAll("svg") : [];
  if (!svgs.length) out.push("no svg drawn");
  for (const [id, title] of {expected}) {{
    const g = doc && doc.querySelector(`{selector}[{attr}="${{CSS.escape(id)}}"]`);
    if (!g) {{ out.push("missing node " + id); continue; }}
    if (!squash(g.textContent).includes(squash(title))) out.push("no title for " + id + ": " + title);
    const box = g.getBBox();
    const style = doc.defaultView.getComputedStyle(g);
    if (box.width <= 0 || box.height <= 0 || style.visibility === "hidden" || style.display === "none")
      out.push("invisible node " + id);
  }}
  document.getElementById("result").textContent = out.length ? out.join("\n") : "OK";
}});
</script></body></html>"#,
        selector = e.selector,
        attr = e.attr,
    )
}

/// Open the checker of `e` in Chromium; what it found wrong.
fn run_in_browser(bin: &str, dir: &Path, n: usize, e: &Expect) -> Vec<String> {
    let check = dir.join(format!("check-{n}.html"));
    std::fs::write(&check, checker(&e.page, e)).expect("write checker");
    let profile = dir.join(format!("profile-{n}"));
    let out = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--allow-file-access-from-files",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", check.display()))
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let page = e.page.display();
    let mut problems: Vec<String> = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(|l| format!("{page}: console: {l}"))
        .collect();
    let result = dom
        .split_once("<pre id=\"result\">")
        .and_then(|(_, r)| r.split_once("</pre>"))
        .map(|(r, _)| {
            r.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .unwrap_or_else(|| format!("no result (chromium said: {stderr})"));
    if result.trim() != "OK" {
        problems.extend(result.lines().map(|l| format!("{page}: {l}")));
    }
    problems
}

/// Links a reader follows (`<a href>`) to local files: each must exist,
/// and its `#fragment` must be an id or anchor of the target.
fn broken_links(page: &Path) -> Vec<String> {
    let html = std::fs::read_to_string(page).expect("read page");
    let dir = page.parent().expect("dir");
    let mut broken = Vec::new();
    let anchor = regex::Regex::new(r#"<a\s[^>]*href="([^"]+)""#).expect("regex");
    for href in anchor.captures_iter(&html).map(|c| c[1].to_string()) {
        let href = href.as_str();
        if href.contains("://") || href.starts_with("mailto:") {
            continue;
        }
        let (file, frag) = href.split_once('#').unwrap_or((href, ""));
        let target = if file.is_empty() {
            page.to_path_buf()
        } else {
            dir.join(file)
        };
        let Ok(text) = std::fs::read_to_string(&target) else {
            broken.push(format!("{}: link {href}: no such file", page.display()));
            continue;
        };
        if !frag.is_empty()
            && !text.contains(&format!("id=\"{frag}\""))
            && !text.contains(&format!("name=\"{frag}\""))
        {
            broken.push(format!("{}: link {href}: no anchor {frag}", page.display()));
        }
    }
    broken
}

/// Each node of a procedure's graph: (id, title), from `rbk graph --format json`.
fn node_titles(procedure: &Path) -> Vec<(String, String)> {
    let out = rbk(["graph", "--format", "json"])
        .arg(procedure)
        .output()
        .expect("run rbk graph");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("graph json");
    v["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            (
                n["id"].as_str().unwrap_or_default().to_string(),
                n["title"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn procedures() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(root().join("procedures"))
        .expect("procedures/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rbk"))
        .filter(|p| {
            rbk::compilation::Compilation::load(p)
                .ok()
                .is_some_and(|c| c.procedure().is_some())
        })
        .map(|p| {
            (
                p.file_stem().expect("stem").to_string_lossy().to_string(),
                p,
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn pages_draw_their_pictures_in_chromium() {
    let bin = chromium();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut expects = Vec::new();

    // `rbk render --format html` of every procedure.
    for (stem, path) in procedures() {
        let page = dir.path().join(format!("{stem}.html"));
        let out = rbk(["render", "--format", "html", "-o"])
            .arg(&page)
            .arg(&path)
            .output()
            .expect("run rbk render");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        expects.push(Expect {
            page,
            selector: "g.node",
            attr: "data-node",
            titles: node_titles(&path),
        });
    }

    // The built book's runbook pages.
    let mdbook = std::env::var("RBK_MDBOOK").unwrap_or_else(|_| "mdbook".into());
    let book = dir.path().join("book");
    let out = Command::new(&mdbook)
        .arg("build")
        .arg(root().join("book"))
        .arg("--dest-dir")
        .arg(&book)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{mdbook}` ({e}): set RBK_MDBOOK"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (stem, path) in procedures() {
        expects.push(Expect {
            page: book.join(format!("runbooks/{stem}.html")),
            selector: "g.node",
            attr: "data-node",
            titles: node_titles(&path),
        });
    }

    // A journal report: the zombies rehearsal, and the book's copy of it.
    let report = dir.path().join("report");
    std::fs::create_dir_all(&report).expect("mkdir");
    let html = crate::journal_html::rehearsal_page(&report);
    let steps: Vec<(String, String)> = html
        .split("data-step=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|s| (s.to_string(), s.to_string()))
        .collect();
    assert!(steps.len() > 10, "{steps:?}");
    for page in [report.join("run.html"), book.join("runs.html")] {
        expects.push(Expect {
            page,
            selector: "g.row",
            attr: "data-step",
            titles: steps.clone(),
        });
    }

    let mut problems = Vec::new();
    for (n, e) in expects.iter().enumerate() {
        problems.extend(broken_links(&e.page));
        problems.extend(run_in_browser(&bin, dir.path(), n, e));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
