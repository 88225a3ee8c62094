//! redraft-cluster: topology, routing and Raft replication as pure code.
//!
//! Modules:
//! - [`log`]: the durable Raft log store — checksummed, segmented files in one directory,
//!   crash recovery by truncation, plus atomically replaced small files for the hard state.
//!   Entries are opaque bytes; raft-rs types stay out of it.
//!
//! Topology, routing, the Raft node driver, snapshots and peer transport will get their own
//! modules here as they land.

pub mod log;
pub mod raft;
pub mod transport;
