use super::*;
use crate::diagnostic::SourceFile;

#[test]
fn parses_the_start_example() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/start.rbk"))
        .unwrap();
    let src = SourceFile::new("start.rbk", text);
    let file = match parse(&src) {
        Ok(f) => f,
        Err(d) => panic!(
            "{}",
            d.iter().map(|d| d.render(false, 100)).collect::<String>()
        ),
    };
    let p = file.procedure().unwrap();
    assert_eq!(p.nodes().count(), 4);
    println!("{p:#?}");
}
