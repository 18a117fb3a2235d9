//! Every OpenStack maintenance builtin, end to end on the built binary:
//! `rbk check` takes a procedure calling each one, `--dry-run` on the
//! simulator runs the read-only ones for real and shows the others as the
//! `openstack` commands they stand for, `rbk render` prints those commands,
//! and the book's builtin reference lists every one.
use crate::support::{rbk, root};

const TOUR: &str = r#"layers host < vm < lb

/// Every OpenStack maintenance builtin once.
procedure tour "Every OpenStack maintenance builtin" {
  layer "vm"

  step look "Read-only calls" {
    scope openstack(openrc: "~/admin-openrc") {
      let servers = openstack.server.list(all_projects: true, host: "compute-4", status: "ACTIVE", name: "web")
      let one = openstack.server.show("web-1")
      let console = openstack.server.console_log("web-1", lines: 3)
      let services = openstack.compute.service.list(host: "compute-4", binary: "nova-compute")
      let hv = openstack.hypervisor.show("compute-4")
      let on_host = openstack.hypervisor.servers("compute-4")
      let volumes = openstack.volume.list(all_projects: true)
      let volume = openstack.volume.show("db-data")
      let networks = openstack.network.list()
      let ports = openstack.port.list(device: one.id)
      let port = openstack.port.show(first(ports).id)
      let fips = openstack.floating_ip.list()
      let fip = openstack.floating_ip.show(first(fips).id)
      let listeners = openstack.loadbalancer.listener.list()
      let pools = openstack.loadbalancer.pool.list()
      let members = openstack.loadbalancer.member.list(first(pools).id)
      let clusters = openstack.coe.cluster.list()
      let groups = openstack.coe.nodegroup.list("capi-test-1")
      let group = openstack.coe.nodegroup.show("capi-test-1", "default-worker")
      let providers = openstack.placement.provider.list()
      let inventory = openstack.placement.inventory.list(first(providers).uuid)
      log "{len(servers)} {one.ram_mb} {len(console)} {first(services).status} {hv.running_vms} {len(on_host)} {len(volumes)} {volume.status} {len(networks)} {port.mac_address} {fip.floating_ip_address} {len(listeners)} {len(members)} {len(clusters)} {len(groups)} {group.role} {len(inventory)}"
    }
  }

  gate room "Room for one more instance" {
    scope openstack(openrc: "~/admin-openrc") {
      let hvs = openstack.hypervisor.list()
      require len(hvs) > 0 else abort "no hypervisors"
    }
  }

  step act "Changes" needs room {
    scope openstack(openrc: "~/admin-openrc") {
      confirm "Reboot, move and resize web-1 and web-2?"
      openstack.server.reboot("web-1", hard: true)
      openstack.server.live_migrate("web-1", host: "compute-1")
      openstack.server.migrate("web-2")
      openstack.server.confirm_resize("web-2")
      confirm "Disable compute-4 and detach db-data?"
      openstack.compute.service.disable("compute-4", "firmware update")
      openstack.compute.service.enable("compute-4")
      openstack.volume.detach("db-1", "db-data")
      let amphorae = openstack.loadbalancer.amphora.list()
      require len(amphorae) > 0 else abort "no amphorae"
      confirm "Fail over amphora {first(amphorae).id}?"
      openstack.loadbalancer.amphora.failover(first(amphorae).id)
      let again = openstack.loadbalancer.amphora.list()
      require len(again) > 0 else abort "no amphorae"
      confirm "Delete amphora {first(amphorae).id}?"
      openstack.loadbalancer.amphora.delete(first(amphorae).id)
      let lbs = openstack.loadbalancer.list()
      require len(lbs) > 0 else abort "no load balancers"
      confirm "Delete load balancer {first(lbs).id}?"
      openstack.loadbalancer.delete(first(lbs).id, cascade: true)
      let vols = openstack.volume.list(all_projects: true)
      require len(vols) > 0 else abort "no volumes"
      confirm "Delete volume {first(vols).id}?"
      openstack.volume.delete(first(vols).id)
    }
  }
}
"#;

/// The mutating calls of the tour, as `would run` and the runbook show them.
const COMMANDS: &[&str] = &[
    "openstack server reboot --hard web-1",
    "openstack server migrate --live-migration --host compute-1 web-1",
    "openstack server migrate web-2",
    "openstack server resize confirm web-2",
    "openstack compute service set --enable compute-4 nova-compute",
    "openstack server remove volume db-1 db-data",
    "openstack loadbalancer amphora failover",
    "openstack loadbalancer amphora delete",
    "openstack loadbalancer delete --cascade",
    "openstack volume delete",
];

fn tour_file() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("tour.rbk");
    std::fs::write(&file, TOUR).expect("write tour");
    (dir, file)
}

#[test]
fn every_maintenance_builtin_checks_dry_runs_and_renders() {
    let (_dir, file) = tour_file();
    let check = rbk(["check", "--deny-warnings"])
        .arg(&file)
        .output()
        .expect("check");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    let scenario = root().join("scenarios/host-maintenance.toml");
    let run = rbk(["exec", "--dry-run"])
        .arg(format!("--sim={}", scenario.display()))
        .arg(&file)
        .env("NO_COLOR", "1")
        .output()
        .expect("exec");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(run.status.code(), Some(0), "{said}");
    // The read-only calls ran against the simulated world.
    assert!(said.contains("2 4096 45 enabled 3 3 1 in-use 4"), "{said}");
    for c in COMMANDS {
        assert!(said.contains(&format!("would run: {c}")), "{c}\n{said}");
    }
    assert!(
        said.contains("would run: openstack compute service set --disable --disable-reason"),
        "{said}"
    );

    let render = rbk(["render"]).arg(&file).output().expect("render");
    let md = String::from_utf8_lossy(&render.stdout);
    assert!(render.status.success(), "{md}");
    for c in COMMANDS.iter().take(6) {
        assert!(md.contains(c), "{c}\n{md}");
    }
    assert!(
        md.contains("openstack compute service set --disable --disable-reason 'firmware update' compute-4 nova-compute"),
        "{md}"
    );
}

#[test]
fn the_book_reference_lists_every_openstack_builtin() {
    let reference =
        std::fs::read_to_string(root().join("book/src/reference/builtins.md")).expect("reference");
    for b in rbk::resolve::builtins::BUILTINS
        .iter()
        .filter(|b| b.family() == Some("openstack"))
    {
        assert!(
            reference.contains(b.name),
            "{} is not in the book's reference",
            b.name
        );
    }
}
