//! resolve stage (being built).
