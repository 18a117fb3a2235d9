//! `rbk graph`: print a procedure's step graph as DOT, Mermaid, JSON or an
//! SVG picture.
use std::io::Write;

use super::{exit, usage_error, GraphArgs, GraphFormat};
use crate::compilation::Compilation;
use crate::dag::{self, Dag};
use crate::render::{condition, picture};

pub fn run(args: GraphArgs) -> i32 {
    let comp = match Compilation::load(&args.file) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    if comp.root.file.is_none() {
        for d in comp.diagnostics.iter().filter(|d| d.is_error()) {
            eprintln!("{}", d.render(false, 100));
        }
        return exit::FAILED;
    }
    let Some(p) = comp.procedure() else {
        return usage_error(format!(
            "{} has no procedure to draw (it holds only shared declarations)",
            args.file.display()
        ));
    };
    let g = Dag::build(p);
    let out = match args.format {
        GraphFormat::Dot => dag::to_dot(&p.name.name, &g),
        GraphFormat::Mermaid => dag::to_mermaid(
            p,
            &g,
            &dag::MermaidOptions {
                called: &|name| comp.find_procedure(name).map(|(_, p)| p),
                condition: &|c| c.to_string(),
                details: true,
            },
        ),
        GraphFormat::Svg => picture::to_svg(
            p,
            &g,
            &picture::PictureOptions {
                called: &|name| comp.find_procedure(name).map(|(_, p)| p),
                condition: &condition::plain,
            },
        ),
        GraphFormat::Json => match serde_json::to_string_pretty(&dag::to_json(&p.name.name, &g)) {
            Ok(s) => s + "\n",
            Err(e) => return usage_error(e),
        },
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    exit::OK
}
