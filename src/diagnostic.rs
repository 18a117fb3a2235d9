//! Diagnostics (being built).
