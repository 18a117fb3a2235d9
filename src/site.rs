//! The site file (`--site FILE.toml`): the per-site literals a procedure's
//! `site {}` block declares. It is read here, once, for both commands that
//! take it: `rbk exec` checks it field by field against the declarations
//! (`interp::inputs`), `rbk render` shows its values as text in commands
//! (`openstack server start capi-mgmt-v2` instead of `<site.mgmt_vm>`).
use std::collections::BTreeMap;
use std::path::Path;

/// Read a site file: a TOML table of `field = value`. The error names the file.
pub fn read(path: &Path) -> Result<toml::Table, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read site file {}: {e}", path.display()))?;
    text.parse()
        .map_err(|e| format!("site file {} is not valid TOML: {e}", path.display()))
}

/// Site field values as text, by field name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SiteValues {
    values: BTreeMap<String, String>,
}

impl SiteValues {
    /// Read a site file's values as text.
    pub fn load(path: &Path) -> Result<SiteValues, String> {
        read(path).map(Self::from_table)
    }

    /// Site values from TOML text (for tests and callers that hold the text).
    pub fn parse(text: &str) -> Result<SiteValues, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
        Ok(Self::from_table(table))
    }

    fn from_table(table: toml::Table) -> SiteValues {
        let mut values = BTreeMap::new();
        for (k, v) in table {
            let shown = match v {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => other.to_string(),
            };
            values.insert(k, shown);
        }
        SiteValues { values }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.values.get(field).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_text() {
        let s = SiteValues::parse("mgmt_vm = \"capi-mgmt-v2\"\nport = 22\n").expect("parses");
        assert_eq!(s.get("mgmt_vm"), Some("capi-mgmt-v2"));
        assert_eq!(s.get("port"), Some("22"));
        assert_eq!(s.get("nope"), None);
        assert!(SiteValues::parse("= broken").is_err());
    }
}
