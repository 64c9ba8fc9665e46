//! Access to a broker node's store and process, wherever the node is: the library that
//! `verify-commitlog` and `upgrade-group` (and `shutdownBroker`/`startBroker`) are written
//! against.
//!
//! - `store`: the two traits, [`NodeStore`] (read) and [`NodeAdmin`] (write), and the types
//!   they speak in; `error`: [`NodeError`];
//! - [`local`]: [`LocalNode`], a store on this machine;
//! - [`remote`]: [`RemoteNode`], a store behind a node agent (`agent://HOST:PORT/BROKER`);
//! - [`process`]: the local `mqbroker` processes of a config file: find, stop, start;
//! - `any`: [`AnyNode`], a NODE argument opened as either, with the broker's stop and start done
//!   locally ([`process`]) or through the agent.
//!
//! The traits live apart from this face so that [`process`], which [`AnyNode`] uses to stop and
//! start a local broker, can probe a store lock through [`LocalNode`] without depending on
//! [`AnyNode`] in return.

mod any;
mod error;
pub mod local;
pub mod process;
pub mod remote;
mod store;

pub use self::store::{Area, CommitLogFile, LockState, NodeAdmin, NodeStore, RangeDigest, StoreFile};
pub use any::AnyNode;
pub use error::NodeError;
pub use local::LocalNode;
pub use remote::RemoteNode;
