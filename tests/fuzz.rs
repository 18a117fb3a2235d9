//! The mutation fuzzer, on stable Rust (cargo-fuzz needs a nightly
//! compiler, which this project does not assume): mutate the examples and
//! the real procedures, and for every input check that parse, check, fmt and
//! render never panic, that whatever parses formats to the same tree (spans
//! aside) and formats stably, and, for one input in `EXEC_EVERY`, that
//! `exec --sim` of a mutated real procedure that still checks clean runs
//! without a panic and ends in bounded wall time.
//!
//! `fuzz_smoke` runs a few hundred inputs with the test suite. The long run
//! is one command, `scripts/fuzz [INPUTS] [SEED]` (`fuzz::fuzz`, which
//! is ignored by default); findings are written to `target/fuzz-findings/`.
//! See `bench/fuzz.md` for the runs made and what they found.
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rbk::check::Checked;
use rbk::compilation::Compilation;
use rbk::diagnostic::SourceFile;
use rbk::syntax;

use crate::support::mutation::TOKENS;

const EXEC_EVERY: u64 = 200;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn corpus() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["examples", "procedures"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .expect("corpus dir")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "rbk"))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("corpus file");
            out.push((f, text));
        }
    }
    out
}

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(3) {
        let n = chars.len().max(1);
        let at = rng.below(n + 1).min(chars.len());
        match rng.below(5) {
            0 => {
                let end = (at + 1 + rng.below(8)).min(chars.len());
                chars.drain(at..end);
            }
            1 | 2 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                chars.splice(at..at, t.chars());
            }
            3 => {
                let end = (at + 1 + rng.below(40)).min(chars.len());
                let copy = chars[at..end].to_vec();
                chars.splice(end..end, copy);
            }
            _ => {
                if !chars.is_empty() {
                    let b = rng.below(chars.len());
                    let a = at.min(chars.len() - 1);
                    chars.swap(a, b);
                }
            }
        }
    }
    chars.into_iter().collect()
}

/// Parse, check, fmt, render one input; the problems found, if any.
fn front_end(path: &Path, text: &str) -> Result<Option<Checked>, String> {
    let name = path.display().to_string();
    let source = SourceFile::new(name.clone(), text);
    if let Ok(ast) = syntax::parse(&source) {
        let once = rbk::formatter::format_source(&source)
            .map_err(|d| format!("parsed but fmt failed: {d:?}"))?;
        let again = syntax::parse(&SourceFile::new(name.clone(), once.as_str()))
            .map_err(|_| format!("fmt output does not parse:\n{once}"))?;
        if ast != again {
            return Err(format!("fmt changed the meaning:\n{once}"));
        }
        let twice = rbk::formatter::format_str(&name, &once).map_err(|d| format!("{d:?}"))?;
        if once != twice {
            return Err("fmt is not idempotent".into());
        }
    }
    let comp = Compilation::from_source(path, text.to_string());
    let Ok(program) = rbk::check::check_program(comp) else {
        return Ok(None);
    };
    if program.procedure().is_none() {
        return Ok(None);
    }
    let opts = rbk::render::Options::default();
    let _ = rbk::render::render(&program, rbk::render::Format::Markdown, &opts);
    let _ = rbk::render::render(&program, rbk::render::Format::Html, &opts);
    Ok(Some(program))
}

/// `exec --sim --yes` in-process, in the scenario the procedure is for.
fn exec_sim(program: &Checked) -> Result<(), String> {
    use rbk::interp::{self, inputs, Journal, RunOptions, Terminal, Verbosity};
    let comp = program.compilation();
    let site_file = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        if comp
            .root
            .path
            .starts_with(Path::new(env!("CARGO_MANIFEST_DIR")).join("procedures"))
        {
            "sites/capi-mgmt.toml"
        } else {
            "sites/examples.toml"
        },
    );
    let Ok(site) = inputs::load_site(comp, Some(&site_file), &[]) else {
        return Ok(());
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    runtime.block_on(async {
        let clock = rbk::clock::Clock::virtual_clock();
        let scenario = rbk::sim::Scenario::resolve("zombies").map_err(|e| e.to_string())?;
        let cloud = rbk::sim::SimCloud::start(scenario, clock.clone(), None)
            .await
            .map_err(|e| e.to_string())?;
        let b = interp::sim_run::SimRun::start(&cloud, clock.clone()).map_err(|e| e.to_string())?;
        let opts = RunOptions {
            yes: true,
            site,
            simulated: true,
            ..RunOptions::default()
        };
        let (term, _out) = Terminal::buffer(Verbosity::Quiet);
        let run = interp::run(
            program,
            opts,
            b.backends.clone(),
            clock.clone(),
            Journal::memory(clock),
            term,
            std::future::pending(),
        );
        // A mutated `max 99999999` poll may legitimately run long in
        // simulated time; what must hold is that it never hangs in wall time.
        let _ = tokio::time::timeout(Duration::from_secs(20), run).await;
        Ok::<(), String>(())
    })?;
    if started.elapsed() > Duration::from_secs(25) {
        return Err(format!(
            "exec --sim took {:?} of wall time",
            started.elapsed()
        ));
    }
    Ok(())
}

struct Report {
    inputs: u64,
    parsed_clean: u64,
    executed: u64,
    findings: Vec<String>,
}

fn run(inputs: u64, seed: u64) -> Report {
    let corpus = corpus();
    let mut rng = Rng(seed.max(1));
    let mut report = Report {
        inputs: 0,
        parsed_clean: 0,
        executed: 0,
        findings: Vec::new(),
    };
    let findings_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-findings");
    let mut exec_due = false;
    for i in 0..inputs {
        let (path, text) = &corpus[rng.below(corpus.len())];
        let text = mutate(&mut rng, text);
        // One exec per EXEC_EVERY inputs: the first that checks clean.
        if i % EXEC_EVERY == 0 {
            exec_due = true;
        }
        let exec = exec_due;
        let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<bool, String> {
            match front_end(path, &text)? {
                Some(program) if exec => exec_sim(&program).map(|()| true),
                Some(_) => Ok(false),
                None => Ok(false),
            }
        }));
        report.inputs += 1;
        let problem = match outcome {
            Ok(Ok(ran)) => {
                report.executed += u64::from(ran);
                exec_due &= !ran;
                None
            }
            Ok(Err(e)) => Some(e),
            Err(p) => Some(format!(
                "panic: {}",
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            )),
        };
        if let Some(problem) = problem {
            let _ = std::fs::create_dir_all(&findings_dir);
            let file = findings_dir.join(format!("{seed}-{i}.rbk"));
            let _ = std::fs::write(&file, &text);
            report.findings.push(format!(
                "{} ({}): {problem}",
                file.display(),
                path.display()
            ));
        } else if syntax::parse(&SourceFile::new("x", text.as_str())).is_ok() {
            report.parsed_clean += 1;
        }
    }
    report
}

fn assert_clean(r: &Report) {
    eprintln!(
        "fuzz: {} inputs, {} parsed, {} executed under --sim, {} findings",
        r.inputs,
        r.parsed_clean,
        r.executed,
        r.findings.len()
    );
    assert!(
        r.findings.is_empty(),
        "findings:\n{}",
        r.findings.join("\n\n")
    );
}

#[test]
fn fuzz_smoke() {
    let r = run(400, 17);
    assert!(
        r.executed >= 1,
        "the smoke run executed no mutated procedure"
    );
    assert_clean(&r);
}

/// The long run: `scripts/fuzz [INPUTS] [SEED]`.
#[test]
#[ignore = "long: run with scripts/fuzz"]
fn fuzz() {
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let r = run(env("RBK_FUZZ_INPUTS", 100_000), env("RBK_FUZZ_SEED", 1));
    assert_clean(&r);
}
