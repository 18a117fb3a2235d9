//! The management cluster's Kubernetes API: legacy discovery for the core
//! group and the Cluster API groups, lists and gets of nodes, pods,
//! namespaces and the CAPI objects, as plain JSON or as the server-side
//! `Table` kubectl asks for. Unreachable (503) while the VM is down or k8s
//! is still converging, and for a moment while the kube-api LB fails over.
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::{json_response, AppState, Req};
use crate::sim::kube_objects::{self, KUBE_VERSION, RESOURCES, SUBRESOURCES};
use crate::sim::kube_world::{field_selector_matches, label_selector_matches};
use crate::sim::world::{Ms, World, SECOND};

pub fn status(code: StatusCode, reason: &str, message: String) -> Response {
    json_response(
        code,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": message, "reason": reason, "code": code.as_u16()}),
    )
}

pub fn handle(app: &AppState, req: &Req) -> Response {
    // kubectl (client-go) never sends a bearer token over plain http, so an
    // absent Authorization is accepted (the server is loopback-only); a
    // wrong credential is refused as the apiserver would.
    let bearer = req
        .header("authorization")
        .map(|h| h.strip_prefix("Bearer ").unwrap_or(h).trim());
    if bearer.is_some_and(|b| b != app.kube_token) {
        return status(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Unauthorized".into(),
        );
    }
    if let Err(why) = app.world.read(|w, now| w.kube_api_status(now)) {
        return status(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            format!("the server is currently unable to handle the request ({why})"),
        );
    }
    let segs: Vec<&str> = req.segs.iter().map(String::as_str).collect();
    if req.method != Method::GET {
        return change(app, req, &segs);
    }
    match segs.as_slice() {
        ["version"] => json_response(
            StatusCode::OK,
            json!({"major": "1", "minor": "32", "gitVersion": KUBE_VERSION, "gitCommit": "0000000000000000000000000000000000000000",
                   "gitTreeState": "clean", "buildDate": "2025-04-22T00:00:00Z", "goVersion": "go1.23.8",
                   "compiler": "gc", "platform": "linux/amd64"}),
        ),
        ["healthz"] | ["livez"] | ["readyz"] => (StatusCode::OK, "ok").into_response(),
        ["api"] if serves_aggregated(app, req) => aggregated(&[""]),
        ["apis"] if serves_aggregated(app, req) => aggregated(&groups()),
        ["api"] => json_response(
            StatusCode::OK,
            json!({"kind": "APIVersions", "versions": ["v1"],
                   "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "10.6.0.15:6443"}]}),
        ),
        ["api", "v1"] => json_response(StatusCode::OK, resource_list("", "v1")),
        ["apis"] => {
            let groups: Vec<Value> = groups().iter().map(|g| group_json(g)).collect();
            json_response(
                StatusCode::OK,
                json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}),
            )
        }
        ["apis", group] => match groups().iter().find(|g| **g == *group) {
            Some(g) => {
                let mut v = group_json(g);
                v["kind"] = json!("APIGroup");
                v["apiVersion"] = json!("v1");
                json_response(StatusCode::OK, v)
            }
            None => not_found(&req.path),
        },
        ["apis", group, version] if served(group, version, None) => {
            json_response(StatusCode::OK, resource_list(group, version))
        }
        _ => match Target::parse(&segs) {
            Some(t) if t.sub.is_none() => {
                collection(app, req, t.group, t.version, t.plural, t.ns, t.name)
            }
            Some(t) => super::kube_write::handle(app, req, &t),
            None => not_found(&req.path),
        },
    }
}

/// A request that changes something: only a scenario's own cluster
/// (`[kube]`) takes them; the seed's management cluster is read-only.
fn change(app: &AppState, req: &Req, segs: &[&str]) -> Response {
    if !app.world.read(|w, _| w.kube.is_some()) {
        return status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "the seed's management cluster is read-only in the simulator (declare a [kube] world in a scenario to change objects)".into(),
        );
    }
    match Target::parse(segs) {
        Some(t) => super::kube_write::handle(app, req, &t),
        None => not_found(&req.path),
    }
}

/// What a resource path names: a collection, an object, or a subresource.
pub struct Target<'a> {
    pub group: &'a str,
    pub version: &'a str,
    pub plural: &'a str,
    pub ns: Option<&'a str>,
    pub name: Option<&'a str>,
    pub sub: Option<&'a str>,
}

impl<'a> Target<'a> {
    fn parse(segs: &[&'a str]) -> Option<Target<'a>> {
        let (group, version, rest) = match segs {
            ["api", v, rest @ ..] => ("", *v, rest),
            ["apis", g, v, rest @ ..] => (*g, *v, rest),
            _ => return None,
        };
        let t = |plural, ns, name, sub| {
            Some(Target {
                group,
                version,
                plural,
                ns,
                name,
                sub,
            })
        };
        match rest {
            ["namespaces", ns, plural] => t(*plural, Some(*ns), None, None),
            ["namespaces", ns, plural, name] => t(*plural, Some(*ns), Some(*name), None),
            ["namespaces", ns, plural, name, sub] => t(*plural, Some(*ns), Some(*name), Some(*sub)),
            [plural] => t(*plural, None, None, None),
            [plural, name] => t(*plural, None, Some(*name), None),
            [plural, name, sub] => t(*plural, None, Some(*name), Some(*sub)),
            _ => None,
        }
    }

    /// The kind, when the API serves the resource at this version.
    pub fn kind(&self) -> Option<&'static str> {
        RESOURCES
            .iter()
            .find(|r| r.0 == self.group && r.1.contains(&self.version) && r.2 == self.plural)
            .map(|r| r.3)
    }
}

pub fn not_found(path: &str) -> Response {
    status(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("the server could not find the requested resource ({path})"),
    )
}

/// The aggregated discovery document's media type (`apidiscovery.k8s.io/v2`).
const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Does the client (kubectl 1.30+, rbk) ask for aggregated discovery, from a
/// server that offers it?
fn serves_aggregated(app: &AppState, req: &Req) -> bool {
    app.kube_discovery == super::KubeDiscovery::Aggregated
        && req.header("accept").is_some_and(|a| a.contains(AGGREGATED))
}

/// Every group, version and resource (with its subresources) in one
/// answer, as a Kubernetes 1.30+ API server gives it on `/api` and `/apis`.
fn aggregated(groups: &[&str]) -> Response {
    let items: Vec<Value> = groups
        .iter()
        .map(|g| {
            let versions: Vec<Value> = versions_of(g)
                .iter()
                .map(|v| json!({"version": v, "resources": resources_v2(g, v), "freshness": "Current"}))
                .collect();
            json!({"metadata": {"name": g, "creationTimestamp": null}, "versions": versions})
        })
        .collect();
    let mut r = json_response(
        StatusCode::OK,
        json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
               "metadata": {}, "items": items}),
    );
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(AGGREGATED),
    );
    r
}

fn resources_v2(group: &str, version: &str) -> Vec<Value> {
    RESOURCES
        .iter()
        .filter(|r| r.0 == group && r.1.contains(&version))
        .map(|(_, _, plural, kind, namespaced, short)| {
            let subresources: Vec<Value> = SUBRESOURCES
                .iter()
                .filter(|s| s.0 == group && s.1 == version)
                .filter_map(|(_, _, name, kind, g, v, verbs)| {
                    let sub = name.strip_prefix(plural)?.strip_prefix('/')?;
                    Some(json!({"subresource": sub, "responseKind": {"group": g, "version": v, "kind": kind},
                                "verbs": verbs}))
                })
                .collect();
            let mut r = json!({"resource": plural,
                "responseKind": {"group": group, "version": version, "kind": kind},
                "scope": if *namespaced { "Namespaced" } else { "Cluster" },
                "singularResource": kind.to_ascii_lowercase(),
                "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                "shortNames": short, "subresources": subresources});
            if group.contains("cluster.x-k8s.io") {
                r["categories"] = json!(["cluster-api"]);
            }
            r
        })
        .collect()
}

fn groups() -> Vec<&'static str> {
    let mut g: Vec<&str> = RESOURCES
        .iter()
        .map(|r| r.0)
        .filter(|g| !g.is_empty())
        .collect();
    g.dedup();
    g
}

fn versions_of(group: &str) -> &'static [&'static str] {
    RESOURCES.iter().find(|r| r.0 == group).map_or(&[], |r| r.1)
}

fn served(group: &str, version: &str, plural: Option<&str>) -> bool {
    RESOURCES
        .iter()
        .any(|r| r.0 == group && r.1.contains(&version) && plural.is_none_or(|p| p == r.2))
}

fn group_json(group: &str) -> Value {
    let versions: Vec<Value> = versions_of(group)
        .iter()
        .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
        .collect();
    json!({"name": group, "versions": versions, "preferredVersion": versions.first().cloned().unwrap_or(Value::Null)})
}

fn resource_list(group: &str, version: &str) -> Value {
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let resources: Vec<Value> = RESOURCES
        .iter()
        .filter(|r| r.0 == group && r.1.contains(&version))
        .map(|(_, _, plural, kind, namespaced, short)| {
            let mut r = json!({"name": plural, "singularName": kind.to_ascii_lowercase(), "namespaced": namespaced,
                               "kind": kind, "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                               "shortNames": short});
            if group.contains("cluster.x-k8s.io") {
                r["categories"] = json!(["cluster-api"]);
            }
            r
        })
        .chain(
            SUBRESOURCES
                .iter()
                .filter(|s| s.0 == group && s.1 == version)
                .map(|(_, _, name, kind, g, v, verbs)| {
                    json!({"name": name, "singularName": "", "namespaced": !name.starts_with("nodes/"),
                           "group": g, "version": v, "kind": kind, "verbs": verbs})
                }),
        )
        .collect();
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources})
}

fn objects(w: &World, now: Ms, group: &str, version: &str, plural: &str) -> Vec<Value> {
    let api_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    if let Some(k) = &w.kube {
        return kube_objects::kind_for(plural).map_or_else(Vec::new, |kind| k.list(kind, None));
    }
    match plural {
        "nodes" => kube_objects::nodes(w),
        "pods" => kube_objects::pods(w),
        "namespaces" => kube_objects::namespaces(w),
        _ => kube_objects::capi_objects(w, now, plural, &api_version),
    }
}

fn collection(
    app: &AppState,
    req: &Req,
    group: &str,
    version: &str,
    plural: &str,
    namespace: Option<&str>,
    name: Option<&str>,
) -> Response {
    let Some(res) = RESOURCES
        .iter()
        .find(|r| r.0 == group && r.1.contains(&version) && r.2 == plural)
    else {
        return not_found(&req.path);
    };
    let kind = res.3;
    let (items, now) = app
        .world
        .read(|w, now| (objects(w, now, group, version, plural), now));
    let items: Vec<Value> = items
        .into_iter()
        .filter(|o| namespace.is_none_or(|ns| o["metadata"]["namespace"] == ns))
        .filter(|o| name.is_none_or(|n| o["metadata"]["name"] == n))
        .filter(|o| {
            req.q("labelSelector")
                .is_none_or(|sel| label_selector_matches(sel, &o["metadata"]["labels"]))
        })
        .filter(|o| {
            req.q("fieldSelector")
                .is_none_or(|sel| field_selector_matches(sel, o))
        })
        .collect();
    let wants_table = req.header("accept").is_some_and(|a| a.contains("as=Table"));
    if let Some(n) = name {
        let Some(obj) = items.into_iter().next() else {
            let what = if group.is_empty() {
                plural.to_string()
            } else {
                format!("{plural}.{group}")
            };
            return status(
                StatusCode::NOT_FOUND,
                "NotFound",
                format!("{what} \"{n}\" not found"),
            );
        };
        if wants_table {
            return json_response(StatusCode::OK, table(plural, &[obj], now, req));
        }
        return json_response(StatusCode::OK, obj);
    }
    if wants_table {
        return json_response(StatusCode::OK, table(plural, &items, now, req));
    }
    let api_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    json_response(
        StatusCode::OK,
        json!({"kind": format!("{kind}List"), "apiVersion": api_version,
               "metadata": {"resourceVersion": "48213"}, "items": items}),
    )
}

/// kubectl's `HumanDuration`.
pub fn age(ms: Ms) -> String {
    let s = (ms / SECOND).max(0);
    let (m, h) = (s / 60, s / 3600);
    if s < 120 {
        format!("{s}s")
    } else if m < 10 {
        if s % 60 == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{}s", s % 60)
        }
    } else if m < 180 {
        format!("{m}m")
    } else if h < 8 {
        if m % 60 == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{}m", m % 60)
        }
    } else if h < 48 {
        format!("{h}h")
    } else if h < 24 * 8 {
        if h % 24 == 0 {
            format!("{}d", h / 24)
        } else {
            format!("{}d{}h", h / 24, h % 24)
        }
    } else if h < 24 * 365 * 2 {
        format!("{}d", h / 24)
    } else {
        format!("{}y", h / 24 / 365)
    }
}

fn created_ms(o: &Value) -> Ms {
    o["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map_or(0, |t| {
            t.as_millisecond() - crate::clock::sim_epoch().as_millisecond()
        })
}

fn cond(o: &Value, type_: &str) -> String {
    o["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == type_))
        .and_then(|c| c["status"].as_str())
        .unwrap_or("Unknown")
        .to_string()
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<none>".into(),
        other => other.to_string(),
    }
}

/// The server-side table kubectl prints: column definitions (priority 1 =
/// only with `-o wide`) and one row per object.
fn table(plural: &str, items: &[Value], now: Ms, req: &Req) -> Value {
    let cols: &[(&str, &str, i64)] = match plural {
        "nodes" => &[
            ("Name", "string", 0),
            ("Status", "string", 0),
            ("Roles", "string", 0),
            ("Age", "string", 0),
            ("Version", "string", 0),
            ("Internal-IP", "string", 1),
            ("External-IP", "string", 1),
            ("OS-Image", "string", 1),
            ("Kernel-Version", "string", 1),
            ("Container-Runtime", "string", 1),
        ],
        "pods" => &[
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Status", "string", 0),
            ("Restarts", "string", 0),
            ("Age", "string", 0),
            ("IP", "string", 1),
            ("Node", "string", 1),
            ("Nominated Node", "string", 1),
            ("Readiness Gates", "string", 1),
        ],
        "namespaces" => &[
            ("Name", "string", 0),
            ("Status", "string", 0),
            ("Age", "string", 0),
        ],
        "deployments" => &[
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Up-to-date", "string", 0),
            ("Available", "string", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        "daemonsets" => &[
            ("Name", "string", 0),
            ("Desired", "integer", 0),
            ("Current", "integer", 0),
            ("Ready", "integer", 0),
            ("Up-to-date", "integer", 0),
            ("Available", "integer", 0),
            ("Node Selector", "string", 0),
            ("Age", "string", 0),
        ],
        "poddisruptionbudgets" => &[
            ("Name", "string", 0),
            ("Min Available", "string", 0),
            ("Max Unavailable", "string", 0),
            ("Allowed Disruptions", "integer", 0),
            ("Age", "string", 0),
        ],
        "leases" => &[
            ("Name", "string", 0),
            ("Holder", "string", 0),
            ("Age", "string", 0),
        ],
        "clusters" => &[
            ("Name", "string", 0),
            ("ClusterClass", "string", 0),
            ("Available", "string", 0),
            ("CP Desired", "integer", 0),
            ("CP Available", "integer", 0),
            ("W Desired", "integer", 0),
            ("W Available", "integer", 0),
            ("Phase", "string", 0),
            ("Age", "date", 0),
            ("Version", "string", 0),
        ],
        "openstackclusters" => &[
            ("Name", "string", 0),
            ("Cluster", "string", 0),
            ("Ready", "string", 0),
            ("Network", "string", 0),
            ("Endpoint", "string", 0),
            ("Bastion IP", "string", 0),
            ("Age", "date", 0),
        ],
        "machines" => &[
            ("Name", "string", 0),
            ("Cluster", "string", 0),
            ("Node Name", "string", 0),
            ("Ready", "string", 0),
            ("Available", "string", 0),
            ("Up-to-date", "string", 0),
            ("Phase", "string", 0),
            ("Age", "date", 0),
            ("Version", "string", 0),
        ],
        _ => &[
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Age", "date", 0),
        ],
    };
    let column_definitions: Vec<Value> = cols
        .iter()
        .map(|(n, t, p)| json!({"name": n, "type": t, "format": if *n == "Name" { "name" } else { "" }, "description": n, "priority": p}))
        .collect();
    let full_object = req.q("includeObject") == Some("Object");
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            let name = s(&o["metadata"]["name"]);
            let st = &o["status"];
            let age_cell = age(now - created_ms(o));
            let cells: Vec<Value> = match plural {
                "nodes" => {
                    let roles: Vec<String> = o["metadata"]["labels"]
                        .as_object()
                        .map(|l| l.keys().filter_map(|k| k.strip_prefix("node-role.kubernetes.io/")).map(str::to_string).collect())
                        .unwrap_or_default();
                    let mut ready = if cond(o, "Ready") == "True" { "Ready" } else { "NotReady" }.to_string();
                    if o["spec"]["unschedulable"] == true {
                        ready.push_str(",SchedulingDisabled");
                    }
                    let roles = if roles.is_empty() { vec!["<none>".to_string()] } else { roles };
                    let ip = st["addresses"].as_array().and_then(|a| a.iter().find(|x| x["type"] == "InternalIP")).map_or("<none>".into(), |a| s(&a["address"]));
                    let info = &st["nodeInfo"];
                    vec![json!(name), json!(ready), json!(roles.join(",")), json!(age_cell), json!(s(&info["kubeletVersion"])),
                         json!(ip), json!("<none>"), json!(s(&info["osImage"])), json!(s(&info["kernelVersion"])),
                         json!(s(&info["containerRuntimeVersion"]))]
                }
                "pods" => {
                    let cs = &st["containerStatuses"][0];
                    let restarts = cs["restartCount"].as_i64().unwrap_or(0);
                    let last = cs["state"]["running"]["startedAt"]
                        .as_str()
                        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                        .map(|t| now - (t.as_millisecond() - crate::clock::sim_epoch().as_millisecond()));
                    let restarts = match (restarts, last) {
                        (0, _) | (_, None) => restarts.to_string(),
                        (n, Some(ago)) => format!("{n} ({} ago)", age(ago)),
                    };
                    let ready = if cs["ready"] == true { "1/1" } else { "0/1" };
                    let phase = if o["metadata"]["deletionTimestamp"].is_null() {
                        match &cs["state"]["waiting"]["reason"] {
                            Value::String(r) => r.clone(),
                            _ => s(&st["phase"]),
                        }
                    } else {
                        "Terminating".to_string()
                    };
                    vec![json!(name), json!(ready), json!(phase), json!(restarts), json!(age_cell),
                         json!(s(&st["podIP"])), json!(s(&o["spec"]["nodeName"])), json!("<none>"), json!("<none>")]
                }
                "namespaces" => vec![json!(name), json!(s(&st["phase"])), json!(age_cell)],
                "leases" => vec![json!(name), json!(s(&o["spec"]["holderIdentity"])), json!(age_cell)],
                "deployments" => {
                    let spec = &o["spec"];
                    let containers = spec["template"]["spec"]["containers"].as_array().cloned().unwrap_or_default();
                    let join = |k: &str| containers.iter().map(|c| s(&c[k])).collect::<Vec<_>>().join(",");
                    let selector = spec["selector"]["matchLabels"].as_object()
                        .map(|m| m.iter().map(|(k, v)| format!("{k}={}", s(v))).collect::<Vec<_>>().join(","))
                        .unwrap_or_default();
                    let n = |v: &Value| v.as_i64().unwrap_or(0);
                    vec![json!(name), json!(format!("{}/{}", n(&st["readyReplicas"]), spec["replicas"].as_i64().unwrap_or(1))),
                         json!(n(&st["updatedReplicas"])), json!(n(&st["availableReplicas"])), json!(age_cell),
                         json!(join("name")), json!(join("image")), json!(selector)]
                }
                "daemonsets" => {
                    let n = |k: &str| json!(st[k].as_i64().unwrap_or(0));
                    vec![json!(name), n("desiredNumberScheduled"), n("currentNumberScheduled"), n("numberReady"),
                         n("updatedNumberScheduled"), n("numberAvailable"), json!("<none>"), json!(age_cell)]
                }
                "poddisruptionbudgets" => {
                    let spec = &o["spec"];
                    let shown = |v: &Value| if v.is_null() { "N/A".to_string() } else { s(v) };
                    vec![json!(name), json!(shown(&spec["minAvailable"])), json!(shown(&spec["maxUnavailable"])),
                         json!(st["disruptionsAllowed"].as_i64().unwrap_or(0)), json!(age_cell)]
                }
                "clusters" => vec![json!(name), json!(""), json!(cond(o, "Available")),
                                   st["controlPlane"]["desiredReplicas"].clone(), st["controlPlane"]["availableReplicas"].clone(),
                                   st["workers"]["desiredReplicas"].clone(), st["workers"]["availableReplicas"].clone(),
                                   json!(s(&st["phase"])), json!(age_cell), json!("v1.31.4")],
                "openstackclusters" => vec![json!(name), json!(s(&o["metadata"]["labels"]["cluster.x-k8s.io/cluster-name"])),
                                            json!(st["ready"].as_bool().unwrap_or(false).to_string()),
                                            json!(s(&st["network"]["id"])), json!(s(&st["apiServerLoadBalancer"]["ip"])),
                                            json!(""), json!(age_cell)],
                "machines" => vec![json!(name), json!(s(&o["spec"]["clusterName"])), json!(s(&st["nodeRef"]["name"])),
                                   json!(cond(o, "Ready")), json!(cond(o, "Available")), json!(cond(o, "UpToDate")),
                                   json!(s(&st["phase"])), json!(age_cell), json!(s(&o["spec"]["version"]))],
                _ => vec![json!(name), json!(st["ready"].as_bool().unwrap_or(false).to_string()), json!(age_cell)],
            };
            let object = if full_object {
                o.clone()
            } else {
                json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]})
            };
            json!({"cells": cells, "object": object})
        })
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "48213"},
           "columnDefinitions": column_definitions, "rows": rows})
}

#[cfg(test)]
mod tests {
    use super::age;

    #[test]
    fn ages_read_like_kubectl() {
        assert_eq!(age(90_000), "90s");
        assert_eq!(age(5 * 60_000 + 3000), "5m3s");
        assert_eq!(age(25 * 60_000), "25m");
        assert_eq!(age(3 * 3_600_000 + 60_000 * 7), "3h7m");
        assert_eq!(age(90 * 24 * 3_600_000), "90d");
    }
}
