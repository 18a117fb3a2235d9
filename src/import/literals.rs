//! Site literals: the values a runbook hard-codes for one site (`export
//! PROJECT_ID=...`, IP addresses, UUIDs) become `site` fields, so the draft
//! reads `site.project_id` and the site file holds the value.
use std::sync::LazyLock;

use regex::Regex;

use super::emit::{quote, SiteField};

static IPV4: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?:\d{1,3}\.){3}\d{1,3}\b").expect("valid regex"));
static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})\b")
        .expect("valid regex")
});

/// What a literal is used as: names the field it becomes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Role {
    /// An ssh target.
    SshHost,
    /// The host of a TCP probe.
    ProbeHost,
    /// Anything else.
    Value,
}

/// The site fields found so far, in order of first use.
#[derive(Debug, Default)]
pub struct Literals {
    fields: Vec<SiteField>,
    /// Names the prose gives values ("mgmt FIP 10.12.7.40"): value, name.
    hints: Vec<(String, String)>,
}

impl Literals {
    pub fn fields(self) -> Vec<SiteField> {
        self.fields
    }

    /// Learn the names prose gives addresses and ids: "mgmt FIP
    /// 10.12.7.40" names 10.12.7.40 `mgmt_fip`.
    pub fn learn_names(&mut self, prose: &str) {
        static NAMED: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"\b([A-Za-z][A-Za-z0-9-]*) ([A-Za-z][A-Za-z0-9-]*):? ((?:\d{1,3}\.){3}\d{1,3}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})\b")
                .expect("valid regex")
        });
        for c in NAMED.captures_iter(prose) {
            let name = format!(
                "{}_{}",
                c[1].to_ascii_lowercase(),
                c[2].to_ascii_lowercase()
            )
            .replace('-', "_");
            if !self.hints.iter().any(|(v, _)| v == &c[3]) && !super::structure::is_reserved(&name)
            {
                self.hints.push((c[3].to_string(), name));
            }
        }
    }

    fn hinted(&self, value: &str) -> Option<&str> {
        self.hints
            .iter()
            .find(|(v, _)| v == value)
            .map(|(_, n)| n.as_str())
    }

    /// A field for an exported variable (`export OS_PROJECT_ID=...` is
    /// `project_id`); the expression that reads it.
    pub fn export(&mut self, var: &str, value: &str) -> String {
        let base = var.strip_prefix("OS_").unwrap_or(var).to_ascii_lowercase();
        let doc = format!("`{var}` in the runbook. REGENERATE per site on rebuild.");
        format!("site.{}", self.intern(&base, value, doc))
    }

    /// The rbk expression for a literal: a site field when it is an address
    /// or an id, a string that reads site fields where it holds their
    /// values, else the string itself.
    pub fn expr(&mut self, text: &str, role: Role) -> String {
        if let Some(f) = self.fields.iter().find(|f| f.value == text) {
            return format!("site.{}", f.name);
        }
        if IPV4.is_match(text) && IPV4.find(text).is_some_and(|m| m.as_str() == text) {
            let base = match (self.hinted(text), role) {
                (Some(h), _) => h.to_string(),
                (None, Role::SshHost) => "ssh_host".into(),
                (None, Role::ProbeHost) => "probe_host".into(),
                (None, Role::Value) => "address".into(),
            };
            let doc = "An address in the runbook. REGENERATE per site on rebuild.".to_string();
            return format!("site.{}", self.intern(&base, text, doc));
        }
        if UUID.find(text).is_some_and(|m| m.as_str() == text) {
            let doc = "An id in the runbook. REGENERATE per site on rebuild.".to_string();
            let base = self.hinted(text).unwrap_or("id").to_string();
            return format!("site.{}", self.intern(&base, text, doc));
        }
        self.interpolate(text)
    }

    /// A string that reads the site fields whose values it holds.
    pub fn interpolate(&self, text: &str) -> String {
        let mut parts: Vec<(usize, usize, &str)> = Vec::new();
        for f in &self.fields {
            let mut from = 0;
            while let Some(at) = text[from..].find(f.value.as_str()) {
                let start = from + at;
                let end = start + f.value.len();
                if !parts.iter().any(|(s, e, _)| start < *e && *s < end) {
                    parts.push((start, end, f.name.as_str()));
                }
                from = end;
            }
        }
        if parts.is_empty() {
            return quote(text);
        }
        parts.sort();
        let mut out = String::from("\"");
        let mut at = 0;
        for (start, end, name) in parts {
            out.push_str(&inner(&text[at..start]));
            out.push_str(&format!("{{site.{name}}}"));
            at = end;
        }
        out.push_str(&inner(&text[at..]));
        out.push('"');
        out
    }

    /// The field holding `value`, created under `base` (made unique) if new.
    fn intern(&mut self, base: &str, value: &str, doc: String) -> String {
        if let Some(f) = self.fields.iter().find(|f| f.value == value) {
            return f.name.clone();
        }
        let mut name = base.to_string();
        let mut n = 2;
        while self.fields.iter().any(|f| f.name == name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        self.fields.push(SiteField {
            name: name.clone(),
            value: value.to_string(),
            doc,
        });
        name
    }
}

/// The inside of a quoted literal.
fn inner(text: &str) -> String {
    let q = quote(text);
    q[1..q.len() - 1].to_string()
}

/// The addresses and ids in a text, in order.
pub fn constants(text: &str) -> Vec<String> {
    let mut found: Vec<(usize, String)> = IPV4
        .find_iter(text)
        .chain(UUID.find_iter(text))
        .map(|m| (m.start(), m.as_str().to_string()))
        .collect();
    found.sort();
    found.into_iter().map(|(_, s)| s).collect()
}

/// A `site` file (TOML) with the fields' values.
pub fn site_toml(source: &str, fields: &[SiteField]) -> String {
    let mut out = format!(
        "# Site literals `rbk import` found in {source}.\n# Check each value; REGENERATE them per site on rebuild.\n"
    );
    for f in fields {
        let mut table = toml::Table::new();
        table.insert(f.name.clone(), toml::Value::String(f.value.clone()));
        out.push_str(&toml::to_string(&table).unwrap_or_default());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_ids_become_fields() {
        let mut l = Literals::default();
        assert_eq!(
            l.export("OS_PROJECT_ID", "674171fd28d446d3a37073b6a761e910"),
            "site.project_id"
        );
        assert_eq!(l.expr("10.12.7.40", Role::ProbeHost), "site.probe_host");
        assert_eq!(l.expr("10.12.7.40", Role::SshHost), "site.probe_host");
        assert_eq!(
            l.expr("magnum-674171fd28d446d3a37073b6a761e910", Role::Value),
            "\"magnum-{site.project_id}\""
        );
        assert_eq!(l.expr("capi-mgmt-v2", Role::Value), "\"capi-mgmt-v2\"");
        assert_eq!(
            l.expr("0f968008-2c6e-4d0a-9d43-7f3b5c1a8e21", Role::Value),
            "site.id"
        );
        let mut named = Literals::default();
        named.learn_names("ENV literals: project capi-mgmt 674171fd28d446d3a37073b6a761e910; mgmt FIP 10.12.7.40.");
        assert_eq!(named.expr("10.12.7.40", Role::SshHost), "site.mgmt_fip");
        let toml = site_toml("x.md", &l.fields());
        assert!(
            toml.contains("project_id = \"674171fd28d446d3a37073b6a761e910\"\n"),
            "{toml}"
        );
    }
}
