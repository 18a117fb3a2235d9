//! syntax stage (being built).
