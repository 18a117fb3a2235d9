//! interp stage (being built).
