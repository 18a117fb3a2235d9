//! `rbk graph` as a user runs it: DOT, Mermaid, JSON and SVG, deterministic.
use crate::support::run;

const BRANCHY: &str = r#"
procedure branchy "A decision" {
  step verify "Verify" layer vm { log "verify" }
  decide route "Repair needed?" {
    when 1 > 2 -> repair "broken"
  }
  gate ok "OK" { log "ok" }
  step repair "Repair" { log "repair" }
}
"#;

#[test]
fn json_lists_nodes_and_labelled_edges_in_source_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("branchy.rbk");
    std::fs::write(&f, BRANCHY).expect("write");
    let o = run(&["graph", "--format", "json", &f.display().to_string()]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let ids: Vec<&str> = v["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        ["__start__", "verify", "route", "ok", "repair", "__end__"]
    );
    assert_eq!(v["nodes"][1]["kind"], "step");
    assert_eq!(v["nodes"][1]["layer"], "vm");
    assert_eq!(v["nodes"][2]["kind"], "decide");
    assert_eq!(v["nodes"][2]["title"], "Repair needed?");
    assert_eq!(v["nodes"][3]["kind"], "gate");
    let edges: Vec<(String, String, Option<String>)> = v["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap_or_default().to_string(),
                e["to"].as_str().unwrap_or_default().to_string(),
                e["label"].as_str().map(str::to_string),
            )
        })
        .collect();
    let e =
        |a: &str, b: &str, l: Option<&str>| (a.to_string(), b.to_string(), l.map(str::to_string));
    assert_eq!(
        edges,
        vec![
            e("__start__", "verify", None),
            e("verify", "route", None),
            e("route", "repair", Some("1 > 2")),
            e("route", "ok", Some("no branch matched")),
            e("ok", "repair", None),
            e("repair", "__end__", None),
        ]
    );
}

#[test]
fn dot_and_mermaid_are_deterministic() {
    for format in ["dot", "mermaid", "json", "svg"] {
        let a = run(&["graph", "--format", format, "procedures/recovery.rbk"]);
        let b = run(&["graph", "--format", format, "procedures/recovery.rbk"]);
        assert_eq!(
            a.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&a.stderr)
        );
        assert_eq!(a.stdout, b.stdout, "{format}");
    }
    let dot = String::from_utf8(run(&["graph", "procedures/recovery.rbk"]).stdout).expect("utf8");
    assert!(dot.starts_with("digraph \"recovery\" {"), "{dot}");
    assert!(
        dot.contains("\"route\" -> \"final_verify\" [label=\"not verify.repair_needed\"];"),
        "{dot}"
    );
    let mermaid =
        String::from_utf8(run(&["graph", "--format", "mermaid", "procedures/recovery.rbk"]).stdout)
            .expect("utf8");
    assert!(mermaid.starts_with("flowchart TD\n"), "{mermaid}");
}

/// The picture of every procedure: a snapshot each, so a change in the
/// layout or the shapes is seen in review.
#[test]
fn svg_pictures_of_the_procedures() {
    let mut files: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/procedures"))
        .expect("procedures/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rbk"))
        .collect();
    files.sort();
    let mut drawn = 0;
    for f in files {
        let stem = f.file_stem().expect("stem").to_string_lossy().to_string();
        let rel = format!("procedures/{stem}.rbk");
        let o = run(&["graph", "--format", "svg", &rel]);
        if o.status.code() == Some(2) {
            continue; // shared declarations only (common.rbk)
        }
        assert_eq!(
            o.status.code(),
            Some(0),
            "{rel}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let svg = String::from_utf8(o.stdout).expect("utf8");
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        insta::assert_snapshot!(format!("svg__{stem}"), svg);
        drawn += 1;
    }
    assert!(drawn >= 5, "only {drawn} procedures drawn");
}

#[test]
fn a_file_without_a_procedure_or_unreadable_is_a_usage_error() {
    assert_eq!(
        run(&["graph", "procedures/common.rbk"]).status.code(),
        Some(2)
    );
    assert_eq!(run(&["graph", "no/such/file.rbk"]).status.code(), Some(2));
}
