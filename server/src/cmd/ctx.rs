//! [`Ctx`]: what a read or write handler sees: the keyspace, the selected database and the clock.
//!
//! Expired keys behave as absent everywhere. In a read they are only recorded (`expired`) so the
//! dispatcher can propose their deletion through the write path; inside apply they are deleted on
//! the spot, which is deterministic because apply uses the entry's clock.

use bytes::Bytes;
use redraft_protocol::Frame;

use crate::compact::CompactBytes;
use crate::error;
use crate::keyspace::{Db, Keyspace};
use crate::types::Limits;
use crate::value::Value;

/// Whether the handler runs as a read or inside apply.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// Direct read on the local keyspace.
    Read,
    /// Applying a committed log entry.
    Apply,
}

/// How a write treats an existing TTL.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ttl {
    /// Clear it (plain SET).
    Clear,
    /// Keep it (KEEPTTL, APPEND…).
    Keep,
    /// Set this deadline (unix ms).
    At(u64),
}

/// What a blocking command (BLPOP, BZPOPMIN, XREAD BLOCK…) waits for when it cannot be served
/// now. The handler returns [`Ctx::block`]'s frame; the connection then waits until one of
/// `keys` is written (or the timeout passes, or CLIENT UNBLOCK) and runs the command again.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// The keys whose change may let the command proceed.
    pub keys: Vec<Bytes>,
    /// How long to wait, in ms; 0 waits forever.
    pub timeout_ms: u64,
    /// The command to run on wake-up instead of the original, when the first run fixed
    /// something the retries must keep (XREAD's `$` becomes the stream's last ID).
    pub retry: Option<Vec<Bytes>>,
}

/// Handler context.
pub struct Ctx<'a> {
    /// All databases.
    pub ks: &'a mut Keyspace,
    /// The selected database.
    pub db: usize,
    /// Unix time in ms: the local clock for reads, the entry's clock in apply.
    pub now_ms: u64,
    /// Read or apply.
    pub mode: Mode,
    /// LRU clock (seconds) to stamp on access.
    pub lru_clock: u32,
    /// Don't update access times (CLIENT NO-TOUCH, TOUCH excepted).
    pub no_touch: bool,
    /// Keys a read found expired: (db, key), to be deleted through the write path.
    pub expired: Vec<(usize, Bytes)>,
    /// Limit for string growth (proto-max-bulk-len).
    pub max_string: usize,
    /// Lookups that found a live key / found nothing (INFO keyspace_hits/misses).
    pub hits: u64,
    /// See `hits`.
    pub misses: u64,
    /// Keys deleted because they expired (INFO expired_keys).
    pub expired_deleted: u64,
    /// Encoding thresholds (from the proposal in apply, from the config in reads).
    pub limits: Limits,
    /// State of the random generator: seeded from the log position in apply, so every
    /// replica draws the same numbers (SPOP); from the thread's generator in reads.
    pub seed: u64,
    /// Set by [`Ctx::block`]: the command could not be served and wants to wait.
    pub blocked: Option<Block>,
}

impl<'a> Ctx<'a> {
    /// A context on `ks`.
    pub fn new(ks: &'a mut Keyspace, db: usize, now_ms: u64, mode: Mode) -> Ctx<'a> {
        Ctx {
            ks,
            db,
            now_ms,
            mode,
            lru_clock: lru_clock(now_ms),
            no_touch: false,
            expired: Vec::new(),
            max_string: 512 * 1024 * 1024,
            hits: 0,
            misses: 0,
            expired_deleted: 0,
            limits: Limits::default(),
            seed: match mode {
                Mode::Apply => 0x9e37_79b9_7f4a_7c15,
                Mode::Read => rand::random(),
            },
            blocked: None,
        }
    }

    /// A context carrying the session's run options.
    pub fn with_options(
        ks: &'a mut Keyspace,
        db: usize,
        now_ms: u64,
        mode: Mode,
        opts: crate::shard::RunOptions,
    ) -> Ctx<'a> {
        let mut ctx = Ctx::new(ks, db, now_ms, mode);
        ctx.no_touch = opts.no_touch;
        ctx.max_string = opts.max_string;
        ctx.limits = opts.limits;
        ctx
    }

    /// A random number: deterministic in apply (a replica draws what the leader drew), random
    /// in reads. See [`next_random`].
    pub fn random(&mut self) -> u64 {
        next_random(&mut self.seed)
    }

    /// A random index below `n` (`n` > 0).
    pub fn random_below(&mut self, n: usize) -> usize {
        (self.random() % n as u64) as usize
    }

    /// [`random_positions`] drawn from this context's generator.
    pub fn random_positions(&mut self, len: usize, count: i64) -> Vec<usize> {
        random_positions(&mut self.seed, len, count)
    }

    /// Marks the command as blocked (see [`Block`]) and returns the placeholder reply, which
    /// the connection replaces.
    pub fn block(&mut self, block: Block) -> Frame {
        self.blocked = Some(block);
        Frame::NullArray
    }

    /// The value under `key` as the type `pick` selects: `Ok(None)` if absent, `Err(WRONGTYPE)`
    /// if the key holds another type. Counts a hit or miss and stamps the access time.
    ///
    /// # Errors
    /// WRONGTYPE.
    pub fn get_as<T>(
        &mut self,
        key: &[u8],
        pick: fn(&mut Value) -> Option<&mut T>,
    ) -> Result<Option<&mut T>, Frame> {
        match self.lookup(key) {
            None => Ok(None),
            Some(v) => pick(v)
                .map(Some)
                .ok_or_else(|| Frame::error(error::WRONGTYPE)),
        }
    }

    /// The value under `key` as the type `pick` selects, created with `make` if absent (writes
    /// that add elements). A key created here that ends up empty must be removed with
    /// [`Ctx::remove_if_empty`].
    ///
    /// # Errors
    /// WRONGTYPE.
    pub fn get_or_create<T>(
        &mut self,
        key: &[u8],
        make: impl FnOnce() -> Value,
        pick: fn(&mut Value) -> Option<&mut T>,
    ) -> Result<&mut T, Frame> {
        let clock = self.lru_clock;
        let slot = match self.find(key) {
            Some(slot) => {
                self.hits += 1;
                slot
            }
            None => {
                self.misses += 1;
                self.db().insert_new(CompactBytes::new(key), make(), clock)
            }
        };
        let e = self.db().entry_mut(slot);
        e.lru = clock;
        pick(&mut e.value).ok_or_else(|| Frame::error(error::WRONGTYPE))
    }

    /// Deletes `key` if it holds an empty collection (Redis never keeps one). True if deleted.
    pub fn remove_if_empty(&mut self, key: &[u8]) -> bool {
        let d = self.ks.db_mut(self.db);
        let Some(slot) = d.find(key) else {
            return false;
        };
        if d.entry(slot).value.is_empty_collection() {
            d.remove_slot(slot);
            return true;
        }
        false
    }

    /// The selected database.
    pub fn db(&mut self) -> &mut Db {
        self.ks.db_mut(self.db)
    }

    /// The live slot of `key` in database `db`, handling expiry per the mode.
    pub fn find_in(&mut self, db: usize, key: &[u8]) -> Option<u32> {
        let now = self.now_ms;
        let d = self.ks.db_mut(db);
        let slot = d.find(key)?;
        if d.is_expired(slot, now) {
            match self.mode {
                Mode::Read => self.expired.push((db, Bytes::copy_from_slice(key))),
                Mode::Apply => {
                    d.remove_slot(slot);
                    self.expired_deleted += 1;
                }
            }
            return None;
        }
        Some(slot)
    }

    /// The live slot of `key` in the selected database.
    pub fn find(&mut self, key: &[u8]) -> Option<u32> {
        self.find_in(self.db, key)
    }

    /// Looks `key` up as a command would (counts hits/misses, stamps the LRU clock).
    pub fn lookup(&mut self, key: &[u8]) -> Option<&mut Value> {
        match self.find(key) {
            Some(slot) => {
                self.hits += 1;
                let (touch, clock) = (!self.no_touch, self.lru_clock);
                let e = self.ks.db_mut(self.db).entry_mut(slot);
                if touch {
                    e.lru = clock;
                }
                Some(&mut e.value)
            }
            None => {
                self.misses += 1;
                None
            }
        }
    }

    /// Looks `key` up without stamping the access time (EXISTS, TYPE, TTL, OBJECT): counts
    /// hits/misses like [`Ctx::lookup`] and returns the live slot.
    pub fn peek(&mut self, key: &[u8]) -> Option<u32> {
        let found = self.find(key);
        match found {
            Some(_) => self.hits += 1,
            None => self.misses += 1,
        }
        found
    }

    /// Looks `key` up and stamps the access time even under CLIENT NO-TOUCH (TOUCH).
    pub fn touch(&mut self, key: &[u8]) -> bool {
        let Some(slot) = self.peek(key) else {
            return false;
        };
        let clock = self.lru_clock;
        self.db().entry_mut(slot).lru = clock;
        true
    }

    /// The string under `key`: `Ok(None)` if absent, `Err(WRONGTYPE)` if another type.
    pub fn get_string(&mut self, key: &[u8]) -> Result<Option<&[u8]>, Frame> {
        match self.lookup(key) {
            None => Ok(None),
            Some(v) => match v.as_string() {
                Some(s) => Ok(Some(s)),
                None => Err(Frame::error(error::WRONGTYPE)),
            },
        }
    }

    /// Sets `key` to `value` in the selected database.
    pub fn set(&mut self, key: &[u8], value: Value, ttl: Ttl) {
        let db = self.db;
        self.set_in(db, key, value, ttl)
    }

    /// Sets `key` to `value` in database `db`.
    pub fn set_in(&mut self, db: usize, key: &[u8], value: Value, ttl: Ttl) {
        let clock = self.lru_clock;
        let slot = match self.find_in(db, key) {
            Some(slot) => {
                let e = self.ks.db_mut(db).entry_mut(slot);
                e.value = value;
                e.lru = clock;
                slot
            }
            None => self
                .ks
                .db_mut(db)
                .insert_new(CompactBytes::new(key), value, clock),
        };
        let d = self.ks.db_mut(db);
        match ttl {
            Ttl::Clear => d.set_expire(slot, None),
            Ttl::Keep => {}
            Ttl::At(at) => d.set_expire(slot, Some(at)),
        }
    }

    /// Deletes `key` from the selected database; true if it existed (and was live).
    pub fn delete(&mut self, key: &[u8]) -> bool {
        match self.find(key) {
            Some(slot) => {
                self.db().remove_slot(slot);
                true
            }
            None => false,
        }
    }

    /// The deadline of a live key: `None` if absent, `Some(None)` if persistent.
    pub fn expire_of(&mut self, key: &[u8]) -> Option<Option<u64>> {
        let slot = self.find(key)?;
        Some(self.db().expire_at(slot))
    }
}

/// splitmix64: advances `seed` and returns the next number. A handler that must draw while it
/// holds a value borrowed from the keyspace copies [`Ctx::seed`], draws from the copy and
/// stores it back, so the draws stay those [`Ctx::random`] would have made.
pub fn next_random(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *seed;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Positions for a random pick of `count` from `len` items, Redis's way (HRANDFIELD,
/// SRANDMEMBER, ZRANDMEMBER): `count` > 0 picks distinct items (all of them, in order, when
/// `count` ≥ `len`); `count` < 0 picks |count| items with repetition. A few picks from a big
/// collection sample with rejection, so their cost does not grow with `len`.
pub fn random_positions(seed: &mut u64, len: usize, count: i64) -> Vec<usize> {
    let mut below = |n: usize| (next_random(seed) % n as u64) as usize;
    if len == 0 || count == 0 {
        return Vec::new();
    }
    if count < 0 {
        return (0..count.unsigned_abs()).map(|_| below(len)).collect();
    }
    let count = count as usize;
    if count >= len {
        return (0..len).collect();
    }
    if count.saturating_mul(3) <= len {
        // Rejection sampling: each draw hits a taken position less than a third of the time.
        let mut taken = hashbrown::HashSet::with_capacity(count);
        let mut out = Vec::with_capacity(count);
        while out.len() < count {
            let i = below(len);
            if taken.insert(i) {
                out.push(i);
            }
        }
        return out;
    }
    // Partial Fisher-Yates over the positions: distinct picks in random order.
    let mut all: Vec<usize> = (0..len).collect();
    for i in 0..count {
        let j = i + below(len - i);
        all.swap(i, j);
    }
    all.truncate(count);
    all
}

/// The LRU clock for `now_ms`: seconds, wrapping at 2^32.
pub fn lru_clock(now_ms: u64) -> u32 {
    (now_ms / 1000) as u32
}
