//! The remote's own words from an error response body.
//!
//! Each OpenStack service wraps its message differently:
//! Nova `{"itemNotFound": {"code": 404, "message": ...}}`,
//! Octavia `{"faultcode": ..., "faultstring": ...}`,
//! Keystone `{"error": {"code": 401, "message": ..., "title": ...}}`,
//! Magnum and Placement `{"errors": [{"title": ..., "detail": ...}]}`.
use serde_json::Value;

const MAX_TEXT: usize = 300;

pub fn remote_message(body: &str) -> String {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return "(empty response)".into();
    }
    match serde_json::from_str::<Value>(trimmed) {
        Ok(v) => from_json(&v).unwrap_or_else(|| shorten(trimmed)),
        Err(_) => shorten(&strip_html(trimmed)),
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

fn from_json(v: &Value) -> Option<String> {
    if let Some(s) = text(v.get("faultstring")) {
        return Some(s);
    }
    if let Some(s) = text(v.pointer("/error/message")) {
        return Some(s);
    }
    if let Some(errors) = v.get("errors").and_then(Value::as_array) {
        let parts: Vec<String> = errors
            .iter()
            .filter_map(|e| text(e.get("detail")).or_else(|| text(e.get("title"))))
            .collect();
        if !parts.is_empty() {
            return Some(parts.join("; "));
        }
    }
    for key in ["message", "detail", "description", "title"] {
        if let Some(s) = text(v.get(key)) {
            return Some(s);
        }
    }
    // Nova: one key naming the fault, holding {"message": ...}.
    let obj = v.as_object()?;
    obj.values().find_map(|inner| text(inner.get("message")))
}

fn strip_html(s: &str) -> String {
    if !s.starts_with('<') {
        return s.to_string();
    }
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn shorten(s: &str) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX_TEXT {
        one_line
    } else {
        let cut: String = one_line.chars().take(MAX_TEXT).collect();
        format!("{cut}...")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_service_shape() {
        assert_eq!(
            remote_message(
                r#"{"itemNotFound": {"code": 404, "message": "Instance capi-mgmt-v2 could not be found."}}"#
            ),
            "Instance capi-mgmt-v2 could not be found."
        );
        assert_eq!(
            remote_message(
                r#"{"faultcode": "Client", "faultstring": "Invalid state PENDING_UPDATE of loadbalancer resource 0f96", "debuginfo": null}"#
            ),
            "Invalid state PENDING_UPDATE of loadbalancer resource 0f96"
        );
        assert_eq!(
            remote_message(
                r#"{"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}"#
            ),
            "The request you have made requires authentication."
        );
        assert_eq!(
            remote_message(
                r#"{"errors": [{"status": 404, "title": "Not Found", "detail": "Cluster capi-test-1 could not be found."}]}"#
            ),
            "Cluster capi-test-1 could not be found."
        );
        assert_eq!(
            remote_message("<html><body><h1>504 Gateway Time-out</h1></body></html>"),
            "504 Gateway Time-out"
        );
        assert_eq!(remote_message(""), "(empty response)");
        assert!(remote_message(&"x".repeat(1000)).ends_with("..."));
    }
}
