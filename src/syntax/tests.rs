use super::*;
use crate::diagnostic::SourceFile;

fn parse_path(path: &std::path::Path) -> ast::File {
    let text = std::fs::read_to_string(path).unwrap();
    let src = SourceFile::new(path.display().to_string(), text);
    match parse(&src) {
        Ok(f) => f,
        Err(d) => panic!(
            "{}",
            d.iter().map(|d| d.render(false, 100)).collect::<String>()
        ),
    }
}

#[test]
fn parses_the_start_example() {
    let file = parse_path(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/start.rbk"
    )));
    let p = file.procedure().unwrap();
    assert_eq!(p.nodes().count(), 4);
}

#[test]
fn parses_every_procedure() {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/procedures"));
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rbk") {
            parse_path(&path);
        }
    }
}
