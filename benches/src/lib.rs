//! redraft-bench: measures redraft against redis-server side by side.
//!
//! Map (where new code goes):
//! - [`workload`]: what a run sends: key distributions, command mix, request encoding (pure).
//! - [`reply`]: finding whole replies and errors in the bytes a server sends (pure).
//! - [`client`]: a blocking one-request client for set-up and INFO (not on the measured path).
//! - [`cluster`]: slot map, `MOVED`/`ASK` handling (pure).
//! - [`load`]: the load generator's connections, closed and open loop, measurement (I/O).
//! - [`report`]: the result files (one run, a whole report) and the summary arithmetic.
//! - [`summary`]: the report as Markdown tables (pure).
//! - [`plot`]: PNG plots drawn from a report.
//! - [`runner`]: starts both servers, runs each workload's cases repeatedly, measures CPU and
//!   memory around each run (I/O).
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
