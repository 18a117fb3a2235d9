//! check stage (being built).
