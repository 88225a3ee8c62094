//! [`Session`]: the per-connection state commands can see and change (selected database,
//! protocol version, authentication, reply mode), plus the actions a command asks the connection
//! to take after its reply (close, sleep, shut down) or in place of it (wait for replicas).

use redraft_protocol::Version;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crate::cmd::Command;
use crate::shard::RunOptions;
use crate::state::{ClientHandle, ServerState};

/// CLIENT REPLY mode.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReplyMode {
    /// Normal.
    On,
    /// Discard all replies.
    Off,
    /// Discard the next reply only.
    Skip,
    /// Set by `CLIENT REPLY SKIP`: skip starts after this command's own reply.
    SkipNext,
}

/// Something the connection must do once the current reply is queued.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Action {
    /// Flush and close (QUIT, protocol errors).
    Close,
    /// Wait before serving this client further (DEBUG SLEEP).
    Sleep(Duration),
    /// Flush, then shut the server down (SHUTDOWN).
    Shutdown,
    /// WAIT: the reply is not known yet. The connection waits for the followers, then replies
    /// (the handler's own frame is discarded).
    WaitReplicas(ReplicaWait),
}

/// What a blocked WAIT waits for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ReplicaWait {
    /// The log index the followers must have reached: the leader's applied index when WAIT ran,
    /// which covers every write this client made before it.
    pub target: u64,
    /// How many followers must have reached it.
    pub replicas: i64,
    /// How long to wait at most; `None` waits until enough have (WAIT's timeout 0).
    pub timeout: Option<Duration>,
}

/// One connection's state.
pub struct Session {
    /// Shared server state.
    pub server: Arc<ServerState>,
    /// This client's registry entry.
    pub client: Arc<ClientHandle>,
    /// Selected database.
    pub db: usize,
    /// RESP2 or RESP3.
    pub resp: Version,
    /// AUTH succeeded (or no password is configured).
    pub authenticated: bool,
    /// CLIENT REPLY.
    pub reply_mode: ReplyMode,
    /// Pending action for the connection.
    pub action: Option<Action>,
    /// The last command resolved (CLIENT LIST `cmd=`), published once per batch.
    pub last_command: Option<&'static Command>,
    /// READONLY: on a replica, serve reads (possibly stale) instead of redirecting them.
    pub readonly: bool,
}

impl Session {
    /// A new session for `client`.
    pub fn new(server: Arc<ServerState>, client: Arc<ClientHandle>) -> Session {
        let authenticated = !server.hot.auth_required.load(Ordering::Relaxed);
        client.authenticated.store(authenticated, Ordering::Relaxed);
        Session {
            server,
            client,
            db: 0,
            resp: Version::Resp2,
            authenticated,
            reply_mode: ReplyMode::On,
            readonly: false,
            action: None,
            last_command: None,
        }
    }

    /// Options handlers run with.
    pub fn run_options(&self) -> RunOptions {
        RunOptions {
            no_touch: self.client.no_touch.load(Ordering::Relaxed),
            ..self.server.run_options()
        }
    }

    /// Selects database `db` (already validated).
    pub fn select(&mut self, db: usize) {
        self.db = db;
        self.client.db.store(db, Ordering::Relaxed);
    }

    /// Sets the protocol version.
    pub fn set_resp(&mut self, v: Version) {
        self.resp = v;
        self.client
            .resp
            .store(if v == Version::Resp3 { 3 } else { 2 }, Ordering::Relaxed);
    }

    /// Marks the session authenticated or not.
    pub fn set_authenticated(&mut self, yes: bool) {
        self.authenticated = yes;
        self.client.authenticated.store(yes, Ordering::Relaxed);
    }
}
