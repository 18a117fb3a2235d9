//! `rbk render [--format md|html] [-o OUT] [--site FILE] FILE`.
use super::{exit, usage_error, GraphOption, RenderArgs, RenderFormat};
use crate::check;
use crate::compilation::Compilation;
use crate::render::{self, Format, GraphStyle, Options};
use crate::site::SiteValues;

pub fn run(args: RenderArgs) -> i32 {
    let comp = match Compilation::load(&args.file) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let program = match check::check_program(comp) {
        Ok(p) => p,
        Err(rejected) => {
            for d in rejected.errors() {
                eprintln!("{}", d.render(false, 100));
            }
            eprintln!(
                "error: {} has errors; fix them (see `rbk check`) before rendering",
                args.file.display()
            );
            return exit::FAILED;
        }
    };
    let site = match &args.site {
        Some(path) => match SiteValues::load(path) {
            Ok(s) => Some(s),
            Err(e) => return usage_error(e),
        },
        None => None,
    };
    let opts = Options {
        graph: match args.graph {
            GraphOption::Mermaid => GraphStyle::Mermaid,
            GraphOption::Svg => GraphStyle::Svg,
        },
        site: site.as_ref(),
        source_name: args.file.display().to_string(),
    };
    let format = match args.format {
        RenderFormat::Md => Format::Markdown,
        RenderFormat::Html => Format::Html,
    };
    let text = render::render(&program, format, &opts);
    match &args.output {
        Some(out) => match std::fs::write(out, text) {
            Ok(()) => exit::OK,
            Err(e) => usage_error(format!("cannot write {}: {e}", out.display())),
        },
        None => {
            print!("{text}");
            exit::OK
        }
    }
}
