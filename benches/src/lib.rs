//! redraft-bench: measures redraft against redis-server side by side.
//!
//! Map (where new code goes):
//! - [`workload`]: what a run sends: key distributions, command mix, request encoding (pure).
//! - [`reply`]: finding whole replies and errors in the bytes a server sends (pure).
//! - [`client`]: blocking clients for set-up, INFO and filling servers (not on the measured
//!   path).
//! - [`cluster`]: routing: slot map with `MOVED`/`ASK`, a Raft group's leader found with `ROLE`
//!   and `MOVED`, retry backoff (pure).
//! - [`load`]: the load generator's connections, closed and open loop, measurement (I/O).
//! - [`report`]: the result files (one run, a whole report) and the summary arithmetic.
//! - [`summary`]: the report as Markdown tables (pure).
//! - [`plot`]: PNG plots drawn from a report.
//! - [`runner`]: starts the configurations a case compares (redis-server and redraft; a
//!   standalone and a three-node redraft group), runs each workload's cases repeatedly, measures
//!   CPU and memory around each run, kills a group's leader under load (I/O; its case list and
//!   failover arithmetic are pure).
//!
//! Binaries: `redraft-load` (the load generator) and `redraft-bench` (the side-by-side runner,
//! which `benches/run` wraps).

pub mod client;
pub mod cluster;
pub mod load;
pub mod plot;
pub mod reply;
pub mod report;
pub mod runner;
pub mod summary;
pub mod workload;
