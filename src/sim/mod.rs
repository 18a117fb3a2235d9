//! sim stage (being built).
