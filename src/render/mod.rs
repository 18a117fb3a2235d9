//! render stage (being built).
