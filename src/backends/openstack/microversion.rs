//! Microversion negotiation. A request asks for the version rbk is written
//! against and states the lowest one it can still work with. A service
//! that does not serve the asked version answers 406 Not Acceptable; the
//! client then reads the range the service offers from its version document
//! (`GET /compute/v2.1/`: `version.version` is the maximum, `min_version`
//! the minimum), remembers it for the scope, and retries once with the
//! highest version both sides can use, or fails naming both ranges.
use std::fmt;

use serde_json::Value;

/// `MAJOR.MINOR`, ordered numerically (2.9 < 2.53 < 2.87).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub u32, pub u32);

impl Version {
    pub fn parse(text: &str) -> Option<Version> {
        let (major, minor) = text.trim().split_once('.')?;
        Some(Version(major.parse().ok()?, minor.parse().ok()?))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// What one request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Microversion {
    /// The header's service name: `compute` in `OpenStack-API-Version: compute 2.87`.
    pub service: &'static str,
    /// The version rbk is written against.
    pub wanted: Version,
    /// The lowest version whose answers rbk can still read.
    pub minimum: Version,
    /// Why `minimum`, for the error when a service cannot offer it.
    pub needs: &'static str,
}

/// The range a service serves, from its version document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offered {
    pub min: Version,
    pub max: Version,
}

impl Microversion {
    /// The header value for `version`.
    pub fn header(&self, version: Version) -> String {
        format!("{} {version}", self.service)
    }

    /// The version to send when the service offers `offered`: the highest
    /// both sides can use, or a message naming what is needed and offered.
    pub fn choose(&self, offered: Offered) -> Result<Version, String> {
        let best = self.wanted.min(offered.max);
        if best < self.minimum || best < offered.min {
            return Err(format!(
                "the {} service offers microversions {} to {}, but this call needs {} \
                 or later ({}; rbk asks for {})",
                self.service, offered.min, offered.max, self.minimum, self.needs, self.wanted
            ));
        }
        Ok(best)
    }
}

/// The offered range in a version document: `{"version": {...}}` from the
/// versioned endpoint, or `{"versions": [...]}` from the root (the CURRENT
/// entry, else the one with the highest maximum). Entries without
/// microversions (`"version": ""`) do not count.
pub fn parse_offered(body: &Value) -> Option<Offered> {
    let entry = |v: &Value| -> Option<Offered> {
        let max = Version::parse(v.get("version")?.as_str()?)?;
        let min = v
            .get("min_version")
            .and_then(Value::as_str)
            .and_then(Version::parse)
            .unwrap_or(Version(max.0, 1));
        Some(Offered { min, max })
    };
    if let Some(one) = body.get("version") {
        return entry(one);
    }
    let all = body.get("versions")?.as_array()?;
    all.iter()
        .find(|v| v.get("status").and_then(Value::as_str) == Some("CURRENT"))
        .and_then(entry)
        .or_else(|| all.iter().filter_map(entry).max_by_key(|o| o.max))
}

/// Where the version document of a versioned endpoint is: the URL up to
/// and including its version segment (`/v2.1`), with a trailing slash, so a
/// catalog URL carrying a project id (`.../v2.1/<project>`) works too.
pub fn document_url(service_base: &str) -> String {
    let (scheme, rest) = service_base.split_once("://").unwrap_or(("", service_base));
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let is_version = |s: &&str| {
        s.strip_prefix('v')
            .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit()))
    };
    // Segment 0 is the host.
    let keep = segments
        .iter()
        .skip(1)
        .rposition(is_version)
        .map_or(segments.len(), |i| i + 2);
    let path = segments[..keep].join("/");
    if scheme.is_empty() {
        format!("{path}/")
    } else {
        format!("{scheme}://{path}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOVA: Microversion = Microversion {
        service: "compute",
        wanted: Version(2, 87),
        minimum: Version(2, 53),
        needs: "hypervisor ids",
    };

    #[test]
    fn versions_order_numerically() {
        assert!(Version(2, 9) < Version(2, 53));
        assert_eq!(Version::parse(" 2.87 "), Some(Version(2, 87)));
        assert_eq!(Version::parse("2"), None);
        assert_eq!(Version::parse("2.x"), None);
        assert_eq!(Version(2, 1).to_string(), "2.1");
        assert_eq!(NOVA.header(Version(2, 79)), "compute 2.79");
    }

    #[test]
    fn chooses_the_highest_common_version_or_names_both_ranges() {
        let offered = |min, max| Offered {
            min: Version(2, min),
            max: Version(2, max),
        };
        assert_eq!(NOVA.choose(offered(1, 79)), Ok(Version(2, 79)));
        assert_eq!(NOVA.choose(offered(1, 96)), Ok(Version(2, 87)));
        assert_eq!(NOVA.choose(offered(1, 53)), Ok(Version(2, 53)));
        assert_eq!(
            NOVA.choose(offered(1, 42)),
            Err(
                "the compute service offers microversions 2.1 to 2.42, but this call \
                 needs 2.53 or later (hypervisor ids; rbk asks for 2.87)"
                    .into()
            )
        );
        assert!(NOVA.choose(offered(90, 96)).is_err());
    }

    #[test]
    fn reads_version_documents() {
        let one = json!({"version": {"id": "v2.1", "status": "CURRENT", "version": "2.79", "min_version": "2.1"}});
        assert_eq!(
            parse_offered(&one),
            Some(Offered {
                min: Version(2, 1),
                max: Version(2, 79)
            })
        );
        let root = json!({"versions": [
            {"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": ""},
            {"id": "v2.1", "status": "CURRENT", "version": "2.60", "min_version": "2.1"}]});
        assert_eq!(parse_offered(&root).map(|o| o.max), Some(Version(2, 60)));
        assert_eq!(parse_offered(&json!({"version": {"version": ""}})), None);
        assert_eq!(parse_offered(&json!({"error": "x"})), None);
        assert_eq!(parse_offered(&Value::Null), None);
    }

    #[test]
    fn finds_the_version_document() {
        assert_eq!(document_url("http://n:8774/v2.1"), "http://n:8774/v2.1/");
        assert_eq!(
            document_url("http://n:8774/v2.1/674171fd28d446d3a37073b6a761e910"),
            "http://n:8774/v2.1/"
        );
        assert_eq!(
            document_url("https://cloud/compute/v2.1/"),
            "https://cloud/compute/v2.1/"
        );
        assert_eq!(document_url("http://n:8774"), "http://n:8774/");
        assert_eq!(
            document_url("http://v2.example/v2.1"),
            "http://v2.example/v2.1/"
        );
    }
}
