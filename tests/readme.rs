//! The README's first command, run exactly as written, prints what the
//! README says it prints: every line of its abridged excerpt, in order.
use std::time::{Duration, Instant};

use crate::support::{rbk, root};

/// The lines of the first fenced block whose info string is `lang`.
fn first_block(text: &str, lang: &str) -> Vec<String> {
    let mut lines = text.lines();
    lines
        .by_ref()
        .find(|l| l.trim() == format!("```{lang}"))
        .unwrap_or_else(|| panic!("README has no ```{lang} block"));
    lines
        .take_while(|l| l.trim() != "```")
        .map(str::to_string)
        .collect()
}

/// Does the excerpt line `want` stand for the output line `got`? A line
/// ending in ` …` was cut short: the rest must start the output line.
fn matches(want: &str, got: &str) -> bool {
    match want.strip_suffix(" …") {
        Some(prefix) => got.starts_with(prefix),
        None => want.trim_end() == got.trim_end(),
    }
}

#[test]
fn the_first_command_prints_what_the_readme_says_in_order() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let command = first_block(&readme, "sh")
        .into_iter()
        .find(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .expect("a command in the first sh block");
    let args: Vec<&str> = command
        .strip_prefix("cargo run -q -- ")
        .unwrap_or_else(|| panic!("the first command is no `cargo run -q -- ...`: {command}"))
        .split_whitespace()
        .collect();

    let started = Instant::now();
    let out = rbk(&args).output().expect("run rbk");
    let wall = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{command}\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        wall < Duration::from_secs(30),
        "the README promises seconds of wall time; took {wall:?}"
    );

    let excerpt = first_block(&readme, "text");
    let mut got = stdout.lines();
    for want in excerpt.iter().filter(|l| l.trim() != "⋮") {
        assert!(
            got.by_ref().any(|g| matches(want, g)),
            "README line not printed (in this order) by `{command}`:\n{want}\n--- output ---\n{stdout}"
        );
    }
}
