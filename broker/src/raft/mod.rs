//! DLedger mode: the commitlog replicated by Raft (openraft), stored in DLedger's file layout.
pub mod log_store;
pub mod state_machine;
pub mod types;

#[cfg(test)]
mod tests;
