//! The RocketMQ remoting protocol (spec §1–2): frame codec, commands and typed headers, JSON
//! bodies, the server loop and the client. Used by the name server, the broker and `mqadmin`.

pub mod acl_sign;
pub mod body;
pub mod body_group;
pub mod body_replica;
pub mod client;
pub mod codes;
pub mod command;
pub mod connection;
pub mod custom_header;
pub mod frame;
pub mod headers;
pub mod server;

#[cfg(test)]
mod fixtures;

pub use client::{RemotingClient, RemotingError};
pub use command::{RemotingCommand, SerializeType};
