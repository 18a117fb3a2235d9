//! The whole world as JSON (`GET /_sim/state`, `SimCloud::state_json`):
//! entities plus what is derived from them at this instant (hypervisor
//! headroom, the mgmt guest, CAPI and Magnum health, the clock).
use serde_json::{json, Value};

use super::server::iso;
use super::SharedWorld;

pub fn state_json(world: &SharedWorld) -> Value {
    world.read(|w, now| {
        let hypervisors: Vec<Value> = w
            .hypervisors
            .iter()
            .map(|h| {
                let used = w.memory_mb_used(h);
                json!({
                    "hostname": h.hostname, "memory_mb": h.memory_mb, "memory_mb_used": used,
                    "ram_allocation_ratio": h.ram_allocation_ratio,
                    "reserved_host_memory_mb": h.reserved_host_memory_mb,
                    "ceiling_mb": h.ceiling_mb(), "fits_one_more_amphora": used + 1024 <= h.ceiling_mb(),
                    "vcpus": h.vcpus, "vcpus_used": w.instances_vcpus(h), "running_vms": w.running_vms(h),
                })
            })
            .collect();
        let (health, reason) = w.magnum_health(now);
        let orphans: Vec<&str> = w.orphan_amphora_servers().iter().map(|s| s.id.as_str()).collect();
        json!({
            "clock": {"now": iso(now), "elapsed_ms": now},
            "projects": w.projects,
            "servers": w.servers,
            "orphan_amphora_servers": orphans,
            "load_balancers": w.load_balancers,
            "amphorae": w.amphorae,
            "hypervisors": hypervisors,
            "clusters": w.clusters,
            "ops": w.ops,
            "magnum_health": {"health_status": health, "health_status_reason": reason},
            "mgmt": {
                "boot_at": w.mgmt.boot_at.map(iso),
                "boot_at_ms": w.mgmt.boot_at,
                "uptime_s": w.mgmt_uptime(now).map(|u| u / 1000),
                "sshd_up": w.mgmt_sshd_up(now),
                "k8s_ready": w.mgmt_k8s_ready(now),
                "kube_api": match w.kube_api_status(now) { Ok(()) => "up".to_string(), Err(e) => e.to_string() },
            },
            "capi": {
                "infrastructure_ready": w.capi_infrastructure_ready(now).is_ok(),
                "message": w.capi_infrastructure_ready(now).err(),
                "resync_at": w.capi.resync_at.map(iso),
            },
            // Names only: a written kubeconfig carries a bearer token.
            "local_files": w.local_files.keys().collect::<Vec<_>>(),
            "log": w.log.iter().map(|l| json!({"at": iso(l.at), "source": l.source, "message": l.message})).collect::<Vec<_>>(),
            "next_event_at": w.next_event_at().map(iso),
        })
    })
}
