//! redraft-server: the `redraft` binary's library — listener, connections, dispatcher, command
//! table, command families, keyspace and expiry.
//!
//! Map (where new code goes):
//! - [`listener`]: TCP accept loop, periodic tasks, signals (thin I/O shell).
//! - [`conn`]: one connection: read, decode every request, dispatch, one write per batch.
//! - [`blocking`]: blocked clients (BLPOP…) and who a write wakes, first come first served.
//! - [`dispatch`]: the ordered checks (lookup/arity → auth → keys → routing → execute).
//! - [`cmd`]: the static command table and one file per command family (`cmd/cluster.rs`:
//!   ROLE, WAIT, READONLY, CLUSTER — what a replicated group shows its clients).
//! - [`session`]: per-connection state commands can change.
//! - [`shard`]: the write path (log entries, THE apply function) and read access.
//! - [`entry`]: the bytes of a proposal (the writes one Raft entry carries).
//! - [`replica`]: the shard as a Raft group member: topology, state machine, bus wiring.
//! - [`snapshot`]: the keyspace as snapshot bytes (the group's RDB) and its digest.
//! - [`keyspace`], [`value`], [`compact`]: the keyspace and what it stores.
//! - [`types`]: the collection types (hash, list, set, sorted set, stream) as plain data.
//! - [`lazyfree`]: big collections freed on a background thread.
//! - [`expiry`]: active expiry sampling (pure).
//! - [`config`]: redis.conf parsing, CONFIG GET/SET.
//! - [`state`]: what every connection shares (config, clients, counters).
//! - [`error`]: every error text, worded as Redis words it.
//! - [`glob`]: Redis glob matching.
//! - [`alloc`]: the counting allocator behind INFO memory.

pub mod alloc;
pub mod blocking;
pub mod cmd;
pub mod compact;
pub mod config;
pub mod conn;
pub mod dispatch;
pub mod entry;
pub mod error;
pub mod expiry;
pub mod glob;
pub mod keyspace;
pub mod lazyfree;
pub mod ldouble;
pub mod listener;
pub mod replica;
pub mod session;
pub mod shard;
pub mod snapshot;
pub mod state;
pub mod types;
pub mod value;

/// The Redis version whose behaviour redraft reproduces (HELLO, INFO redis_version).
pub const REDIS_VERSION: &str = "7.0.15";
