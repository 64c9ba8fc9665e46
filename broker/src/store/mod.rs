//! Store.
pub mod format;
