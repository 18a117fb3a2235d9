//! fmt stage (being built).
