//! The types of rbk values, in a form the static builtin table can hold.
use std::fmt;

/// A type as the checker sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ty {
    /// Anything: the checker does not look further.
    Any,
    /// `none`; what actions return.
    Null,
    Bool,
    Int,
    Float,
    Str,
    Duration,
    List(&'static Ty),
    /// A string-keyed map (Magnum's `health_status_reason`).
    Map,
    Record(&'static RecordDef),
}

/// A record returned by a builtin: named, typed fields.
#[derive(Debug, PartialEq)]
pub struct RecordDef {
    pub name: &'static str,
    pub doc: &'static str,
    pub fields: &'static [FieldDef],
}

#[derive(Debug, PartialEq)]
pub struct FieldDef {
    pub name: &'static str,
    pub ty: Ty,
    pub doc: &'static str,
}

impl RecordDef {
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }
}

impl Ty {
    /// Is a value of type `self` acceptable where `want` is expected?
    pub fn fits(self, want: Ty) -> bool {
        match (self, want) {
            (Ty::Any, _) | (_, Ty::Any) => true,
            (Ty::Int, Ty::Float) => true,
            (Ty::List(a), Ty::List(b)) => a.fits(*b),
            (Ty::Record(a), Ty::Record(b)) => a.name == b.name,
            (a, b) => std::mem::discriminant(&a) == std::mem::discriminant(&b),
        }
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, Ty::Int | Ty::Float | Ty::Any)
    }

    /// The element type when iterating over a value of this type.
    pub fn element(self) -> Option<Ty> {
        match self {
            Ty::List(t) => Some(*t),
            Ty::Any => Some(Ty::Any),
            Ty::Map | Ty::Str => Some(Ty::Str),
            _ => None,
        }
    }

    /// The type names authors write in `param` and `site` declarations.
    pub fn from_name(name: &str) -> Option<Ty> {
        Some(match name {
            "str" | "string" => Ty::Str,
            "int" => Ty::Int,
            "float" => Ty::Float,
            "bool" => Ty::Bool,
            "duration" => Ty::Duration,
            "any" => Ty::Any,
            "map" => Ty::Map,
            _ => return records::by_name(name).map(Ty::Record),
        })
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Any => f.write_str("any"),
            Ty::Null => f.write_str("none"),
            Ty::Bool => f.write_str("bool"),
            Ty::Int => f.write_str("int"),
            Ty::Float => f.write_str("float"),
            Ty::Str => f.write_str("str"),
            Ty::Duration => f.write_str("duration"),
            Ty::List(t) => write!(f, "list[{t}]"),
            Ty::Map => f.write_str("map"),
            Ty::Record(r) => f.write_str(r.name),
        }
    }
}

/// The records builtins return, declared once in `backends::model` (the
/// struct a backend fills in and its definition, from one declaration).
pub mod records {
    pub use crate::backends::model::{
        by_name, ALL, AMPHORA, COE_CLUSTER, COMPUTE_SERVICE, CONDITION, DRAIN, FLOATING_IP,
        HYPERVISOR, INVENTORY, KUBE_OBJECT, LISTENER, LOAD_BALANCER, MEMBER, NETWORK, NODE,
        NODE_GROUP, POD, POOL, PORT, RESOURCE_PROVIDER, SERVER, SSH_OUTPUT, VOLUME,
    };
    pub use crate::backends::model::{HTTP_RESPONSE, LOCAL_OUTPUT, OS_RESPONSE};
}
