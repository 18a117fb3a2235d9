//! rbk's integration tests, built as ONE test binary (`[[test]] integration`
//! in Cargo.toml, `autotests = false`): one compile and one link of kube,
//! reqwest and axum instead of one per file.
//!
//! To add tests: create `tests/<name>.rs` and declare it below with
//! `mod <name>;` (keep the list sorted). Shared helpers live in
//! `tests/support/` (`crate::support::{root, rbk}` runs the built binary,
//! `support::sim_serve::SimServe` starts `rbk sim serve`). The test
//! `every_test_file_is_a_module` fails when a `tests/*.rs` file is not
//! declared here, so no test file silently stops running.
//!
//! Run one file's tests: `cargo nextest run -E 'test(/^name::/)'`;
//! insta snapshots are named `integration__<name>__<snapshot>.snap`.

mod support;

mod backend_kube;
mod backend_openstack;
mod backend_sim;
mod backend_ssh;
mod backend_ssh_files;
mod backend_tcp;
mod book;
mod browser;
mod calls;
mod check_diagnostics;
mod check_repo;
mod check_rules;
mod check_syntax;
mod cli_check;
mod cli_graph;
mod exec_durable;
mod exec_kube;
mod exec_serve;
mod exec_sim;
mod fleet;
mod fleet_plan;
mod fleet_submit;
mod fmt;
mod fuzz;
mod generic_builtins;
mod import;
mod journal_html;
mod kill_resume;
mod kube_discovery_cache;
mod lsp;
mod openstack_builtins;
mod property;
mod readme;
mod rehearsals;
mod rehearsals_node_reboot;
mod rehearsals_openstack;
mod render;
mod requests;
mod scopes;
mod secrets_bodies;
mod secrets_values;
mod sim_backends;
mod sim_kubectl;
mod sim_kubectl_nodes;
mod sim_openstack_cli;
mod sim_openstack_maintenance_cli;
mod sim_serve;

/// Every `tests/*.rs` is declared above, and every `tests/support/*.rs` in
/// `support/mod.rs`: a file Cargo no longer builds on its own must not be
/// forgotten.
#[test]
fn every_test_file_is_a_module() {
    fn undeclared(dir: &std::path::Path, declarer: &str, skip: &str) -> Vec<String> {
        let declared = std::fs::read_to_string(dir.join(declarer)).expect("read the module list");
        let mut missing: Vec<String> = std::fs::read_dir(dir)
            .expect("read the folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .filter_map(|p| Some(p.file_stem()?.to_str()?.to_string()))
            .filter(|name| name != skip)
            .filter(|name| {
                !declared
                    .lines()
                    .any(|l| l.trim().trim_start_matches("pub ") == format!("mod {name};"))
            })
            .collect();
        missing.sort();
        missing
    }
    let tests = support::root().join("tests");
    assert_eq!(
        undeclared(&tests, "lib.rs", "lib"),
        Vec::<String>::new(),
        "declare these in tests/lib.rs with `mod NAME;`"
    );
    assert_eq!(
        undeclared(&tests.join("support"), "mod.rs", "mod"),
        Vec::<String>::new(),
        "declare these in tests/support/mod.rs with `pub mod NAME;`"
    );
}
