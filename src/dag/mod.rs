//! dag stage (being built).
