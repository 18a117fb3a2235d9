//! Glance v2, just enough for the CLI to name the images servers run
//! (`server list --long` shows `amphora-haproxy`).
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::{authenticate, json_response, AppState, Req};
use crate::sim::world::Image;

fn image_json(app: &AppState, i: &Image, created: &str) -> Value {
    json!({
        "id": i.id, "name": i.name, "status": "active", "visibility": "public",
        "container_format": "bare", "disk_format": "qcow2", "size": 1_073_741_824_u64,
        "min_disk": 0, "min_ram": 0, "protected": false, "os_hidden": false, "tags": [],
        "owner": crate::sim::ids::ADMIN_PROJECT_ID, "checksum": null,
        "created_at": created, "updated_at": created,
        "self": format!("/v2/images/{}", i.id), "file": format!("/v2/images/{}/file", i.id),
        "schema": "/v2/schemas/image", "direct_url": app.url(&format!("/image/v2/images/{}", i.id)),
    })
}

/// Glance's `id=X` or `id=in:X,Y` filter.
fn id_matches(filter: &str, id: &str) -> bool {
    match filter.strip_prefix("in:") {
        Some(list) => list.split(',').any(|x| x.trim_matches('"') == id),
        None => filter == id,
    }
}

pub fn handle(app: &AppState, req: &Req) -> Response {
    let rest = req.rest(1);
    if let (&Method::GET, [] | ["versions"]) = (&req.method, rest.as_slice()) {
        return json_response(
            StatusCode::OK,
            json!({"versions": [{"id": "v2.16", "status": "CURRENT",
                                 "links": [{"rel": "self", "href": app.url("/image/v2/")}]}]}),
        );
    }
    if let Err(r) = authenticate(app, req) {
        return r;
    }
    let created = super::iso(-90 * 24 * 3600 * 1000);
    match (&req.method, rest.as_slice()) {
        (&Method::GET, ["v2", "images"]) => {
            let images: Vec<Value> = app.world.read(|w, _| {
                w.images
                    .iter()
                    .filter(|i| req.q("name").is_none_or(|n| n == i.name))
                    .filter(|i| req.q("id").is_none_or(|f| id_matches(f, &i.id)))
                    .map(|i| image_json(app, i, &created))
                    .collect()
            });
            json_response(
                StatusCode::OK,
                json!({"images": images, "schema": "/v2/schemas/images", "first": "/v2/images"}),
            )
        }
        (&Method::GET, ["v2", "images", id]) => {
            match app.world.read(|w, _| {
                w.images
                    .iter()
                    .find(|i| i.id == *id)
                    .map(|i| image_json(app, i, &created))
            }) {
                Some(i) => json_response(StatusCode::OK, i),
                None => json_response(
                    StatusCode::NOT_FOUND,
                    json!({"code": 404, "title": "Not Found", "message": format!("No image found with ID {id}")}),
                ),
            }
        }
        _ => json_response(
            StatusCode::NOT_FOUND,
            json!({"code": 404, "title": "Not Found", "message": "The resource could not be found."}),
        ),
    }
}
