//! Store.
pub mod checkpoint;
pub mod commitlog;
pub mod config_files;
pub mod consume_queue;
pub mod error;
pub mod format;
pub mod message;
