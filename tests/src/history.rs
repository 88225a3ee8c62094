//! Operation histories of concurrent clients, and the checkers that judge them.
//!
//! A fault test records every operation its clients attempt as an [`Op`]: which client, what
//! it called, when it was invoked and when it completed (nanoseconds on a shared [`Clock`]),
//! and its [`Outcome`]: `Ok` (acknowledged, with the value read), `Fail` (definitely not
//! applied) or `Unknown` (the client cannot tell: a timeout, a dropped connection, an error
//! from a leader that may have proposed the write before losing leadership).
//!
//! Two workloads, two checkers, both pure functions over the recorded history:
//! - [`check_list`]: appends of unique values to one list, judged against a final read of the
//!   list taken once the group has healed. Every acknowledged append is present exactly once,
//!   nothing appears twice or out of nowhere, the list's order agrees with real time, and every
//!   read during the run is a prefix of the final list, monotonic in real time.
//! - [`check_register`]: linearizability of one register written with unique values. Because
//!   values are unique, each read names the write it saw, and the check reduces to ordering
//!   "clusters" (a write and its reads) under real-time constraints: O(n log n), see
//!   [`check_register`]. [`check_register_brute`] searches every linearization of a tiny history
//!   and cross-checks it in a randomised test.
//!
//! Both return a [`Summary`]: counts plus one human-readable [`Anomaly`] per violation.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::Instant;

/// A point in time: nanoseconds since the history's [`Clock`] started.
pub type Time = u64;

/// The time source shared by every client of one history; cheap to clone.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    origin: Instant,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

impl Clock {
    /// A clock whose time 0 is now.
    pub fn new() -> Clock {
        Clock {
            origin: Instant::now(),
        }
    }

    /// Nanoseconds since the clock started (monotonic, shared by all threads).
    pub fn now(&self) -> Time {
        self.origin.elapsed().as_nanos() as Time
    }
}

/// How an operation ended, as far as its client knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome<V> {
    /// Acknowledged with a normal reply: the operation took effect (a write is committed).
    Ok(V),
    /// Definitely not applied (e.g. the request could not even be sent).
    Fail,
    /// May or may not have been applied, now or later.
    Unknown,
}

impl<V> Outcome<V> {
    fn status(&self) -> Status {
        match self {
            Outcome::Ok(_) => Status::Ok,
            Outcome::Fail => Status::Fail,
            Outcome::Unknown => Status::Unknown,
        }
    }
}

/// An outcome without its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Ok,
    Fail,
    Unknown,
}

/// What an operation called, with its outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    /// Append the unique `value` to the list.
    Append {
        /// The appended value, unique across the whole history.
        value: u64,
        /// Whether it was applied.
        outcome: Outcome<()>,
    },
    /// Read the whole list.
    ReadList {
        /// The list read, if the read succeeded.
        outcome: Outcome<Vec<u64>>,
    },
    /// Set the register to the unique `value`.
    Write {
        /// The written value, unique across the whole history.
        value: u64,
        /// Whether it was applied.
        outcome: Outcome<()>,
    },
    /// Read the register (`None`: never written, Redis's nil).
    Read {
        /// The value read, if the read succeeded.
        outcome: Outcome<Option<u64>>,
    },
}

impl Call {
    fn status(&self) -> Status {
        match self {
            Call::Append { outcome, .. } | Call::Write { outcome, .. } => outcome.status(),
            Call::ReadList { outcome } => outcome.status(),
            Call::Read { outcome } => outcome.status(),
        }
    }

    fn is_list(&self) -> bool {
        matches!(self, Call::Append { .. } | Call::ReadList { .. })
    }

    fn is_register(&self) -> bool {
        matches!(self, Call::Write { .. } | Call::Read { .. })
    }
}

/// One operation of one client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Op {
    /// The client (thread) that issued it; a client has at most one operation in flight.
    pub client: usize,
    /// When the request was about to be sent.
    pub invoke: Time,
    /// When the reply (or the error that ended the attempt) arrived. For an `Unknown` outcome
    /// the checkers ignore it: the operation may take effect at any time after `invoke`.
    pub complete: Time,
    /// What was called and how it ended.
    pub call: Call,
}

impl Op {
    /// `complete`, or "never" when the outcome is unknown (the effect may come at any time).
    fn response(&self) -> Time {
        match self.call.status() {
            Status::Unknown => Time::MAX,
            _ => self.complete,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.call {
            Call::Append { value, .. } => format!("append {value}"),
            Call::ReadList { outcome } => match outcome {
                Outcome::Ok(list) if list.len() <= 8 => format!("read list {list:?}"),
                Outcome::Ok(list) => format!(
                    "read list of {} [{}, ..., {}]",
                    list.len(),
                    list[0],
                    list[list.len() - 1]
                ),
                _ => "read list".to_string(),
            },
            Call::Write { value, .. } => format!("write {value}"),
            Call::Read { outcome } => match outcome {
                Outcome::Ok(Some(v)) => format!("read {v}"),
                Outcome::Ok(None) => "read nil".to_string(),
                _ => "read".to_string(),
            },
        };
        let status = match self.call.status() {
            Status::Ok => "ok",
            Status::Fail => "failed",
            Status::Unknown => "unknown",
        };
        write!(
            f,
            "client {} {what} ({status}, {:.3}s..{:.3}s)",
            self.client,
            self.invoke as f64 / 1e9,
            self.complete as f64 / 1e9
        )
    }
}

/// The operations of all clients of one run.
#[derive(Clone, Debug, Default)]
pub struct History {
    ops: Vec<Op>,
}

impl History {
    /// An empty history.
    pub fn new() -> History {
        History::default()
    }

    /// Adds one operation.
    pub fn push(&mut self, op: Op) {
        self.ops.push(op);
    }

    /// Adds the operations one client recorded (clients record privately, then merge, so that
    /// recording never contends on a lock).
    pub fn extend(&mut self, ops: impl IntoIterator<Item = Op>) {
        self.ops.extend(ops);
        self.ops.sort_by_key(|op| (op.invoke, op.client));
    }

    /// Every operation, in invocation order.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }
}

/// The kinds of violation the checkers report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AnomalyKind {
    /// An acknowledged append is missing from the final list.
    Lost,
    /// A value appears more than once in a list.
    Duplicate,
    /// A value appears that no client ever tried to append or write.
    Phantom,
    /// A value whose append or write was reported as definitely failed took effect.
    FailedApplied,
    /// The list's order contradicts real time: a value completed before another was invoked,
    /// yet comes after it.
    RealTimeOrder,
    /// A read of the list is not a prefix of the final list (its values are all there, but in
    /// another order or with a gap).
    NotPrefix,
    /// A read saw a value that is missing from the final list.
    LostRead,
    /// A read saw less than a read that completed before it began.
    NonMonotonic,
    /// A read missed a write or append acknowledged before it began, or saw the initial nil
    /// after a write had completed.
    StaleRead,
    /// A read saw a value whose write was invoked only after the read completed.
    FutureRead,
    /// The register's reads and writes admit no linearization (a cycle in real-time order).
    NotLinearizable,
    /// The history itself is malformed (two operations attempted the same unique value):
    /// a bug in the workload, not in the server.
    InvalidHistory,
}

/// One violation found by a checker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anomaly {
    /// What kind of violation.
    pub kind: AnomalyKind,
    /// Which operations and values, in words.
    pub description: String,
}

/// What a checker found: counts of operations by outcome, and every violation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Operations of the checked kind (list or register) in the history.
    pub ops: usize,
    /// Operations acknowledged (`Ok`).
    pub acknowledged: usize,
    /// Operations definitely not applied (`Fail`).
    pub failed: usize,
    /// Operations with an unknown outcome.
    pub unknown: usize,
    /// Acknowledged writes that were lost (each also listed in `anomalies` as
    /// [`AnomalyKind::Lost`]).
    pub lost: usize,
    /// Every violation found, lost values included.
    pub anomalies: Vec<Anomaly>,
}

/// How many anomalies [`Summary`]'s `Display` lists before summarising the rest.
const DISPLAY_ANOMALIES: usize = 20;

impl Summary {
    /// True when nothing was lost and no anomaly was found.
    pub fn is_valid(&self) -> bool {
        self.lost == 0 && self.anomalies.is_empty()
    }

    /// How many anomalies of `kind` were found.
    pub fn count(&self, kind: AnomalyKind) -> usize {
        self.anomalies.iter().filter(|a| a.kind == kind).count()
    }

    /// Adds the counts and anomalies of `other` (the summary of another key's history).
    pub fn merge(&mut self, other: Summary) {
        self.ops += other.ops;
        self.acknowledged += other.acknowledged;
        self.failed += other.failed;
        self.unknown += other.unknown;
        self.lost += other.lost;
        self.anomalies.extend(other.anomalies);
    }

    fn anomaly(&mut self, kind: AnomalyKind, description: String) {
        if kind == AnomalyKind::Lost {
            self.lost += 1;
        }
        self.anomalies.push(Anomaly { kind, description });
    }

    fn count_op(&mut self, call: &Call) {
        self.ops += 1;
        match call.status() {
            Status::Ok => self.acknowledged += 1,
            Status::Fail => self.failed += 1,
            Status::Unknown => self.unknown += 1,
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ops={} acknowledged={} failed={} unknown={} lost={} anomalies={}",
            self.ops,
            self.acknowledged,
            self.failed,
            self.unknown,
            self.lost,
            self.anomalies.len()
        )?;
        for a in self.anomalies.iter().take(DISPLAY_ANOMALIES) {
            write!(f, "\n  - {:?}: {}", a.kind, a.description)?;
        }
        if self.anomalies.len() > DISPLAY_ANOMALIES {
            write!(
                f,
                "\n  ... and {} more",
                self.anomalies.len() - DISPLAY_ANOMALIES
            )?;
        }
        Ok(())
    }
}

/// Checks the append-list workload of `ops` against `final_list`, the list read after the run
/// once the group has healed (its authoritative contents).
///
/// Appends must be acknowledged-present exactly once, `Fail`ed-absent, `Unknown`-at-most-once;
/// no value may be duplicated or appear without an attempt; if append A completed before
/// append B was invoked, A precedes B. Every successful read must be a prefix of the final
/// list (a value it saw that the final list lacks is a lost read), contain every append
/// acknowledged before it began, contain nothing invoked after it completed, and be a prefix of
/// every read that begins after it completed. Register operations in `ops` are ignored.
pub fn check_list(ops: &[Op], final_list: &[u64]) -> Summary {
    let mut s = Summary::default();
    let mut appends: HashMap<u64, &Op> = HashMap::new();
    let mut reads: Vec<(&Op, &[u64])> = Vec::new();
    for op in ops.iter().filter(|op| op.call.is_list()) {
        s.count_op(&op.call);
        match &op.call {
            Call::Append { value, .. } => {
                if let Some(first) = appends.insert(*value, op) {
                    s.anomaly(
                        AnomalyKind::InvalidHistory,
                        format!("value {value} attempted twice: {first} and {op}"),
                    );
                }
            }
            Call::ReadList {
                outcome: Outcome::Ok(list),
            } => reads.push((op, list)),
            _ => {}
        }
    }

    // Where each value sits in the final list (its first occurrence).
    let mut position: HashMap<u64, usize> = HashMap::with_capacity(final_list.len());
    let mut reported_dup = HashSet::new();
    for (i, v) in final_list.iter().enumerate() {
        if let Some(&first) = position.get(v) {
            if reported_dup.insert(*v) {
                let n = final_list.iter().filter(|x| *x == v).count();
                s.anomaly(
                    AnomalyKind::Duplicate,
                    format!("value {v} appears {n} times in the final list (at {first} and {i})"),
                );
            }
            continue;
        }
        position.insert(*v, i);
        match appends.get(v) {
            None => s.anomaly(
                AnomalyKind::Phantom,
                format!("value {v} at index {i} of the final list was never appended"),
            ),
            Some(op) if op.call.status() == Status::Fail => s.anomaly(
                AnomalyKind::FailedApplied,
                format!("value {v} is in the final list at index {i}, but {op}"),
            ),
            Some(_) => {}
        }
    }
    let mut acked: Vec<&Op> = appends
        .values()
        .copied()
        .filter(|op| op.call.status() == Status::Ok)
        .collect();
    acked.sort_by_key(|op| op.invoke);
    for op in &acked {
        let Call::Append { value, .. } = op.call else {
            unreachable!("appends holds appends")
        };
        if !position.contains_key(&value) {
            s.anomaly(
                AnomalyKind::Lost,
                format!("acknowledged {op}, but value {value} is missing from the final list"),
            );
        }
    }

    // Real-time order: the value at index i must not have completed before any value at an
    // earlier index was invoked. A running maximum of invocation times over the prefix finds
    // the worst offender in one pass.
    let mut latest_invoke: Option<&Op> = None;
    for v in final_list {
        let Some(op) = appends.get(v).copied() else {
            continue;
        };
        if let Some(earlier) = latest_invoke {
            if op.response() < earlier.invoke {
                s.anomaly(
                    AnomalyKind::RealTimeOrder,
                    format!("{op} completed before {earlier} was invoked, but comes after it"),
                );
            }
        }
        if latest_invoke.is_none_or(|l| op.invoke > l.invoke) {
            latest_invoke = Some(op);
        }
    }

    check_list_reads(&mut s, &appends, &position, final_list, &reads);
    s
}

/// The read half of [`check_list`].
fn check_list_reads(
    s: &mut Summary,
    appends: &HashMap<u64, &Op>,
    position: &HashMap<u64, usize>,
    final_list: &[u64],
    reads: &[(&Op, &[u64])],
) {
    // The append invoked last among final_list[..=i], for each i: a prefix read of length n
    // saw a value from the future iff that append of final_list[..n] began after it ended.
    let mut latest: Vec<Option<&Op>> = Vec::with_capacity(final_list.len());
    for v in final_list {
        let here = appends.get(v).copied();
        let before = latest.last().copied().flatten();
        latest.push(match (before, here) {
            (Some(b), Some(h)) if h.invoke > b.invoke => Some(h),
            (Some(b), _) => Some(b),
            (None, h) => h,
        });
    }

    // Reads that are prefixes of the final list: only their length matters from here on.
    let mut prefix_reads: Vec<(&Op, usize)> = Vec::new();
    for &(op, list) in reads {
        // The common case, checked in O(1) after one slice comparison: a prefix holds no
        // duplicate, phantom or failed value the final list did not already show.
        if list.len() <= final_list.len() && list == &final_list[..list.len()] {
            match list.len().checked_sub(1).and_then(|last| latest[last]) {
                Some(a) if a.invoke > op.complete => s.anomaly(
                    AnomalyKind::FutureRead,
                    format!("{op} saw a value of {a}, invoked after the read completed"),
                ),
                _ => prefix_reads.push((op, list.len())),
            }
            continue;
        }
        check_odd_read(s, appends, position, final_list, op, list);
    }

    // A read must contain every append acknowledged before it began. For a prefix read that
    // means: the furthest final-list position among appends completed before the read's
    // invocation lies within the read. Appends sorted by completion, with a running maximum
    // of positions, answer each read by binary search.
    let mut done: Vec<(Time, usize, &Op)> = appends
        .values()
        .filter(|op| op.call.status() == Status::Ok)
        .filter_map(|op| match op.call {
            Call::Append { value, .. } => position.get(&value).map(|&p| (op.complete, p, *op)),
            _ => None,
        })
        .collect();
    done.sort_by_key(|&(t, _, _)| t);
    let furthest = running_max(done.iter().map(|&(_, p, op)| (p, op)));
    for &(op, len) in &prefix_reads {
        let n = done.partition_point(|&(t, _, _)| t < op.invoke);
        if n == 0 {
            continue;
        }
        let (p, append) = furthest[n - 1];
        if p >= len {
            s.anomaly(
                AnomalyKind::StaleRead,
                format!(
                    "{op} has {len} values, but {append} (index {p} of the final list) was \
                     acknowledged before the read began"
                ),
            );
        }
    }

    // Reads are monotonic: a read that completed before another began saw no more than it.
    let mut by_complete = prefix_reads.clone();
    by_complete.sort_by_key(|&(op, _)| op.complete);
    let longest = running_max(by_complete.iter().map(|&(op, len)| (len, op)));
    for &(op, len) in &prefix_reads {
        let n = by_complete.partition_point(|&(r, _)| r.complete < op.invoke);
        if n == 0 {
            continue;
        }
        let (earlier_len, earlier) = longest[n - 1];
        if earlier_len > len {
            s.anomaly(
                AnomalyKind::NonMonotonic,
                format!(
                    "{op} saw {len} values, but {earlier} completed before it began and saw \
                     {earlier_len}"
                ),
            );
        }
    }
}

/// Reports what is wrong with a read that is not a prefix of the final list.
fn check_odd_read(
    s: &mut Summary,
    appends: &HashMap<u64, &Op>,
    position: &HashMap<u64, usize>,
    final_list: &[u64],
    op: &Op,
    list: &[u64],
) {
    let mut seen = HashSet::with_capacity(list.len());
    let mut clean = true;
    for v in list {
        if !seen.insert(*v) {
            s.anomaly(
                AnomalyKind::Duplicate,
                format!("{op} saw value {v} more than once"),
            );
            clean = false;
            break;
        }
        match appends.get(v) {
            None => {
                s.anomaly(
                    AnomalyKind::Phantom,
                    format!("{op} saw value {v}, which was never appended"),
                );
                clean = false;
            }
            Some(a) if a.call.status() == Status::Fail => {
                s.anomaly(
                    AnomalyKind::FailedApplied,
                    format!("{op} saw value {v}, but {a}"),
                );
                clean = false;
            }
            Some(a) if a.invoke > op.complete => {
                s.anomaly(
                    AnomalyKind::FutureRead,
                    format!("{op} saw value {v}, but {a} was invoked after the read"),
                );
                clean = false;
            }
            Some(_) => {}
        }
    }
    let common = list
        .iter()
        .zip(final_list)
        .take_while(|(a, b)| a == b)
        .count();
    let missing: Vec<u64> = list[common..]
        .iter()
        .copied()
        .filter(|v| !position.contains_key(v) && appends.contains_key(v))
        .collect();
    if !missing.is_empty() {
        s.anomaly(
            AnomalyKind::LostRead,
            format!("{op} saw values {missing:?}, missing from the final list"),
        );
    } else if clean {
        s.anomaly(
            AnomalyKind::NotPrefix,
            format!(
                "{op} is not a prefix of the final list: at index {common} it has {} where the \
                 final list has {:?}",
                list[common],
                final_list.get(common)
            ),
        );
    }
}

/// Running maxima of `(key, tag)` pairs by key: element i is the maximum of the first i + 1.
fn running_max<T: Copy>(items: impl Iterator<Item = (usize, T)>) -> Vec<(usize, T)> {
    let mut out: Vec<(usize, T)> = Vec::new();
    for item in items {
        let next = match out.last() {
            Some(&best) if best.0 >= item.0 => best,
            _ => item,
        };
        out.push(next);
    }
    out
}

/// A write and the reads that saw it: in any linearization they are contiguous, write first.
struct Cluster<'a> {
    /// The value (None: the initial nil, a virtual write before everything).
    value: Option<u64>,
    /// Earliest completion among its operations: everything invoked after it must follow
    /// the whole cluster.
    first_done: Option<(Time, &'a Op)>,
    /// Latest invocation among its operations: everything completed before it must precede
    /// the whole cluster.
    last_begun: Option<(Time, &'a Op)>,
}

impl<'a> Cluster<'a> {
    fn new(value: Option<u64>) -> Cluster<'a> {
        Cluster {
            value,
            first_done: None,
            last_begun: None,
        }
    }

    fn add(&mut self, op: &'a Op) {
        let done = op.response();
        if done != Time::MAX && self.first_done.is_none_or(|(t, _)| done < t) {
            self.first_done = Some((done, op));
        }
        if self.last_begun.is_none_or(|(t, _)| op.invoke > t) {
            self.last_begun = Some((op.invoke, op));
        }
    }

    fn name(&self) -> String {
        match self.value {
            Some(v) => format!("value {v}"),
            None => "the initial nil".to_string(),
        }
    }
}

/// Checks that the register operations of `ops` are linearizable (list operations ignored).
///
/// Values are unique, so each read names the write it saw, and in any linearization a write
/// and its reads form a contiguous cluster, write first (reads of nil form the first cluster).
/// Cluster C must precede cluster D whenever some operation of C completed before some
/// operation of D began: `first_done(C) < last_begun(D)`. The history is linearizable iff every
/// read saw a value that was written and not failed, no read completed before its write was
/// invoked, and this precedence relation has no cycle with the nil cluster first.
///
/// A cycle implies a cycle of two: in a shortest cycle C1 → C2 → ... → Ck of length k ≥ 3
/// there is no chord Ci → Ci+2, so `last_begun(Ci+2) <= first_done(Ci) < last_begun(Ci+1)`
/// for every i, a strictly decreasing sequence around a cycle, which is impossible. Two-cycles
/// are found in O(n log n): sort clusters by `first_done`; for each D, the clusters with
/// `first_done(C) < last_begun(D)` are a prefix, and D is in a two-cycle iff the prefix's
/// largest `last_begun` (excluding D) exceeds `first_done(D)`.
pub fn check_register(ops: &[Op]) -> Summary {
    let mut s = Summary::default();
    let mut writes: HashMap<u64, &Op> = HashMap::new();
    for op in ops.iter().filter(|op| op.call.is_register()) {
        s.count_op(&op.call);
        if let Call::Write { value, .. } = op.call {
            if let Some(first) = writes.insert(value, op) {
                s.anomaly(
                    AnomalyKind::InvalidHistory,
                    format!("value {value} attempted twice: {first} and {op}"),
                );
            }
        }
    }

    let mut clusters: Vec<Cluster> = vec![Cluster::new(None)];
    let mut index: HashMap<u64, usize> = HashMap::new();
    let mut cluster_of = |clusters: &mut Vec<Cluster<'_>>, w: u64| -> usize {
        *index.entry(w).or_insert_with(|| {
            clusters.push(Cluster::new(Some(w)));
            clusters.len() - 1
        })
    };
    // Acknowledged writes form clusters even unread (they constrain later reads of nil or of
    // older values). Unknown writes matter only if read; failed ones never exist.
    for op in writes.values() {
        if let Call::Write {
            value,
            outcome: Outcome::Ok(()),
        } = op.call
        {
            let c = cluster_of(&mut clusters, value);
            clusters[c].add(op);
        }
    }
    for op in ops.iter() {
        let Call::Read {
            outcome: Outcome::Ok(seen),
        } = op.call
        else {
            continue;
        };
        let Some(v) = seen else {
            clusters[0].add(op);
            continue;
        };
        let Some(w) = writes.get(&v).copied() else {
            s.anomaly(
                AnomalyKind::Phantom,
                format!("{op} saw value {v}, which was never written"),
            );
            continue;
        };
        match w.call.status() {
            Status::Fail => {
                s.anomaly(AnomalyKind::FailedApplied, format!("{op} saw {w}"));
                continue;
            }
            Status::Unknown => {
                let c = cluster_of(&mut clusters, v);
                if clusters[c].last_begun.is_none() {
                    clusters[c].add(w);
                }
            }
            Status::Ok => {}
        }
        if op.complete < w.invoke {
            s.anomaly(
                AnomalyKind::FutureRead,
                format!("{op} completed before {w} was invoked"),
            );
        }
        let c = cluster_of(&mut clusters, v);
        clusters[c].add(op);
    }

    // The nil cluster precedes every other: a cluster that completed something before a read
    // of nil began contradicts that.
    if let Some((nil_begun, nil_read)) = clusters[0].last_begun {
        for c in &clusters[1..] {
            if let Some((done, op)) = c.first_done {
                if done < nil_begun {
                    s.anomaly(
                        AnomalyKind::StaleRead,
                        format!("{nil_read} began after {op} completed"),
                    );
                }
            }
        }
    }

    // Two-cycles among the written clusters (see the doc comment for why they suffice).
    let mut order: Vec<usize> = (1..clusters.len())
        .filter(|&c| clusters[c].first_done.is_some())
        .collect();
    order.sort_by_key(|&c| clusters[c].first_done.map(|(t, _)| t));
    // top2[i]: the two clusters with the latest `last_begun` among order[..=i].
    let mut top2: Vec<[Option<usize>; 2]> = Vec::with_capacity(order.len());
    let begun = |c: usize| clusters[c].last_begun.map_or(0, |(t, _)| t);
    for &c in &order {
        let [a, b] = top2.last().copied().unwrap_or([None, None]);
        let next = match a {
            Some(a) if begun(a) >= begun(c) => match b {
                Some(b) if begun(b) >= begun(c) => [Some(a), Some(b)],
                _ => [Some(a), Some(c)],
            },
            _ => [Some(c), a],
        };
        top2.push(next);
    }
    let mut reported = HashSet::new();
    for d in 1..clusters.len() {
        let (Some((d_begun, d_begun_op)), Some((d_done, d_done_op))) =
            (clusters[d].last_begun, clusters[d].first_done)
        else {
            continue;
        };
        let n = order.partition_point(|&c| clusters[c].first_done.map_or(0, |(t, _)| t) < d_begun);
        if n == 0 {
            continue;
        }
        let [a, b] = top2[n - 1];
        let Some(c) = (if a == Some(d) { b } else { a }) else {
            continue;
        };
        if begun(c) > d_done && reported.insert((c.min(d), c.max(d))) {
            let (_, c_done_op) = clusters[c].first_done.expect("ordered clusters completed");
            let (_, c_begun_op) = clusters[c].last_begun.expect("clusters have an op");
            s.anomaly(
                AnomalyKind::NotLinearizable,
                format!(
                    "{} and {} must each precede the other: {c_done_op} completed before \
                     {d_begun_op} began, and {d_done_op} completed before {c_begun_op} began",
                    clusters[c].name(),
                    clusters[d].name()
                ),
            );
        }
    }
    s
}

/// Largest history [`check_register_brute`] accepts: it explores up to 2^n states.
pub const BRUTE_MAX_OPS: usize = 16;

/// Decides linearizability of the register operations of `ops` by searching every
/// linearization (exponential: for tiny histories, to cross-check [`check_register`]).
///
/// Acknowledged writes and reads must all be linearized; unknown writes may be or not; failed
/// writes and failed or unknown reads are left out.
///
/// # Panics
/// If more than [`BRUTE_MAX_OPS`] operations take part.
pub fn check_register_brute(ops: &[Op]) -> bool {
    let ops: Vec<&Op> = ops
        .iter()
        .filter(|op| match &op.call {
            Call::Write { outcome, .. } => *outcome != Outcome::Fail,
            Call::Read { outcome } => matches!(outcome, Outcome::Ok(_)),
            _ => false,
        })
        .collect();
    assert!(
        ops.len() <= BRUTE_MAX_OPS,
        "brute-force check of {} operations",
        ops.len()
    );
    let required: u32 = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| op.call.status() == Status::Ok)
        .fold(0, |m, (i, _)| m | (1 << i));
    let mut dead: HashSet<(u32, Option<u64>)> = HashSet::new();
    brute_search(&ops, required, 0, None, &mut dead)
}

/// Depth-first search: can the operations not in `done` be linearized after the ones in
/// `done`, starting from register value `current`? `dead` memoises states known to fail.
fn brute_search(
    ops: &[&Op],
    required: u32,
    done: u32,
    current: Option<u64>,
    dead: &mut HashSet<(u32, Option<u64>)>,
) -> bool {
    if done & required == required {
        return true;
    }
    if dead.contains(&(done, current)) {
        return false;
    }
    for (i, op) in ops.iter().enumerate() {
        if done & (1 << i) != 0 {
            continue;
        }
        // Only an operation that no pending one must precede can go next.
        let blocked = ops
            .iter()
            .enumerate()
            .any(|(j, other)| j != i && done & (1 << j) == 0 && other.response() < op.invoke);
        if blocked {
            continue;
        }
        let next = match op.call {
            Call::Write { value, .. } => Some(value),
            Call::Read {
                outcome: Outcome::Ok(seen),
            } if seen == current => current,
            _ => continue,
        };
        if brute_search(ops, required, done | (1 << i), next, dead) {
            return true;
        }
    }
    dead.insert((done, current));
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn op(client: usize, invoke: Time, complete: Time, call: Call) -> Op {
        Op {
            client,
            invoke,
            complete,
            call,
        }
    }
    fn append(c: usize, t0: Time, t1: Time, value: u64) -> Op {
        op(
            c,
            t0,
            t1,
            Call::Append {
                value,
                outcome: Outcome::Ok(()),
            },
        )
    }
    fn append_with(c: usize, t0: Time, t1: Time, value: u64, outcome: Outcome<()>) -> Op {
        op(c, t0, t1, Call::Append { value, outcome })
    }
    fn read_list(c: usize, t0: Time, t1: Time, list: &[u64]) -> Op {
        op(
            c,
            t0,
            t1,
            Call::ReadList {
                outcome: Outcome::Ok(list.to_vec()),
            },
        )
    }
    fn write(c: usize, t0: Time, t1: Time, value: u64) -> Op {
        op(
            c,
            t0,
            t1,
            Call::Write {
                value,
                outcome: Outcome::Ok(()),
            },
        )
    }
    fn write_with(c: usize, t0: Time, t1: Time, value: u64, outcome: Outcome<()>) -> Op {
        op(c, t0, t1, Call::Write { value, outcome })
    }
    fn read(c: usize, t0: Time, t1: Time, seen: Option<u64>) -> Op {
        op(
            c,
            t0,
            t1,
            Call::Read {
                outcome: Outcome::Ok(seen),
            },
        )
    }

    #[track_caller]
    fn assert_only(s: &Summary, kind: AnomalyKind) {
        assert!(!s.is_valid(), "expected {kind:?}, got a valid history: {s}");
        assert!(
            s.anomalies.iter().all(|a| a.kind == kind),
            "expected only {kind:?}: {s}"
        );
    }

    #[track_caller]
    fn assert_valid(s: &Summary) {
        assert!(s.is_valid(), "expected a valid history: {s}");
    }

    // ----- list -----

    #[test]
    fn list_valid_concurrent_history() {
        let ops = vec![
            append(0, 0, 10, 1),
            append(1, 5, 15, 2), // concurrent with 1: either order
            append_with(2, 6, 7, 3, Outcome::Unknown),
            append_with(3, 8, 9, 4, Outcome::Fail),
            append_with(0, 20, 21, 5, Outcome::Unknown), // unknown and absent: fine
            read_list(1, 16, 18, &[2, 1]),
            read_list(2, 19, 30, &[2, 1, 3]),
            append(3, 31, 40, 6),
            op(
                0,
                41,
                42,
                Call::ReadList {
                    outcome: Outcome::Fail,
                },
            ),
        ];
        let s = check_list(&ops, &[2, 1, 3, 6]);
        assert_valid(&s);
        assert_eq!(
            (s.ops, s.acknowledged, s.failed, s.unknown),
            (9, 5, 2, 2),
            "{s}"
        );
    }

    #[test]
    fn list_ignores_register_ops() {
        let ops = vec![append(0, 0, 1, 1), write(0, 2, 3, 1), read(0, 4, 5, None)];
        let s = check_list(&ops, &[1]);
        assert_valid(&s);
        assert_eq!(s.ops, 1);
    }

    #[test]
    fn list_lost_acknowledged_append() {
        let ops = vec![append(0, 0, 1, 1), append(1, 2, 3, 2)];
        let s = check_list(&ops, &[1]);
        assert_only(&s, AnomalyKind::Lost);
        assert_eq!(s.lost, 1);
        assert!(s.anomalies[0].description.contains("value 2"), "{s}");
    }

    #[test]
    fn list_duplicate_in_final() {
        let ops = vec![
            append_with(0, 0, 1, 1, Outcome::Unknown),
            append(0, 2, 3, 2),
        ];
        assert_only(&check_list(&ops, &[1, 2, 1]), AnomalyKind::Duplicate);
    }

    #[test]
    fn list_phantom_value() {
        let ops = vec![append(0, 0, 1, 1)];
        assert_only(&check_list(&ops, &[1, 99]), AnomalyKind::Phantom);
    }

    #[test]
    fn list_failed_append_present() {
        let ops = vec![append_with(0, 0, 1, 1, Outcome::Fail)];
        assert_only(&check_list(&ops, &[1]), AnomalyKind::FailedApplied);
    }

    #[test]
    fn list_real_time_order() {
        // 1 completed at 10, 2 invoked at 20: 2 cannot come first.
        let ops = vec![append(0, 0, 10, 1), append(1, 20, 30, 2)];
        assert_only(&check_list(&ops, &[2, 1]), AnomalyKind::RealTimeOrder);
        // An unknown append has no completion time: any order.
        let ops = vec![
            append_with(0, 0, 10, 1, Outcome::Unknown),
            append(1, 20, 30, 2),
        ];
        assert_valid(&check_list(&ops, &[2, 1]));
    }

    #[test]
    fn list_read_not_prefix() {
        let ops = vec![
            append(0, 0, 10, 1),
            append(1, 0, 10, 2),
            read_list(2, 11, 12, &[2]),
        ];
        assert_only(&check_list(&ops, &[1, 2]), AnomalyKind::NotPrefix);
    }

    #[test]
    fn list_lost_read() {
        // The read saw 2 (unknown outcome), which then vanished: it was acknowledged to a
        // reader, so losing it is an anomaly even though its writer never learned the outcome.
        let ops = vec![
            append(0, 0, 10, 1),
            append_with(1, 0, 10, 2, Outcome::Unknown),
            read_list(2, 11, 12, &[1, 2]),
        ];
        assert_only(&check_list(&ops, &[1]), AnomalyKind::LostRead);
    }

    #[test]
    fn list_non_monotonic_reads() {
        let ops = vec![
            append_with(0, 0, 100, 1, Outcome::Unknown),
            read_list(1, 10, 20, &[1]),
            read_list(2, 30, 40, &[]),
        ];
        assert_only(&check_list(&ops, &[1]), AnomalyKind::NonMonotonic);
        // Concurrent reads may see different prefixes.
        let ops = vec![
            append_with(0, 0, 100, 1, Outcome::Unknown),
            read_list(1, 10, 40, &[1]),
            read_list(2, 30, 50, &[]),
        ];
        assert_valid(&check_list(&ops, &[1]));
    }

    #[test]
    fn list_stale_read() {
        let ops = vec![append(0, 0, 10, 1), read_list(1, 20, 30, &[])];
        assert_only(&check_list(&ops, &[1]), AnomalyKind::StaleRead);
    }

    #[test]
    fn list_future_read() {
        let ops = vec![read_list(1, 0, 5, &[1]), append(0, 10, 20, 1)];
        assert_only(&check_list(&ops, &[1]), AnomalyKind::FutureRead);
    }

    #[test]
    fn list_duplicate_and_phantom_in_read() {
        let ops = vec![append(0, 0, 1, 1), read_list(1, 2, 3, &[1, 1])];
        assert_only(&check_list(&ops, &[1]), AnomalyKind::Duplicate);
        let ops = vec![append(0, 0, 1, 1), read_list(1, 2, 3, &[1, 7])];
        assert!(check_list(&ops, &[1]).count(AnomalyKind::Phantom) == 1);
    }

    #[test]
    fn list_value_attempted_twice_is_a_workload_bug() {
        let ops = vec![append(0, 0, 1, 1), append(1, 0, 1, 1)];
        assert_only(&check_list(&ops, &[1]), AnomalyKind::InvalidHistory);
    }

    // ----- register -----

    #[test]
    fn register_valid_histories() {
        assert_valid(&check_register(&[]));
        let ops = vec![
            read(0, 0, 1, None),
            write(1, 2, 10, 1),
            read(0, 3, 4, None), // concurrent with the write: may precede it
            read(2, 5, 6, Some(1)),
            write_with(3, 11, 12, 2, Outcome::Unknown), // unknown, never seen: ignorable
            write_with(3, 13, 14, 3, Outcome::Fail),
            write_with(1, 15, 16, 4, Outcome::Unknown),
            read(0, 20, 21, Some(4)), // unknown write seen: it happened
            read(2, 22, 23, Some(4)),
        ];
        let s = check_register(&ops);
        assert_valid(&s);
        assert_eq!((s.ops, s.acknowledged, s.failed, s.unknown), (9, 6, 1, 2));
        assert!(check_register_brute(&ops));
    }

    #[test]
    fn register_read_of_overwritten_value() {
        let ops = vec![write(0, 0, 1, 1), write(0, 2, 3, 2), read(1, 4, 5, Some(1))];
        assert_only(&check_register(&ops), AnomalyKind::NotLinearizable);
        assert!(!check_register_brute(&ops));
    }

    #[test]
    fn register_stale_nil() {
        let ops = vec![write(0, 0, 1, 1), read(1, 2, 3, None)];
        assert_only(&check_register(&ops), AnomalyKind::StaleRead);
        assert!(!check_register_brute(&ops));
    }

    #[test]
    fn register_never_written_and_failed_values() {
        let ops = vec![write(0, 0, 1, 1), read(1, 2, 3, Some(9))];
        assert_only(&check_register(&ops), AnomalyKind::Phantom);
        assert!(!check_register_brute(&ops));
        let ops = vec![
            write_with(0, 0, 1, 1, Outcome::Fail),
            read(1, 2, 3, Some(1)),
        ];
        assert_only(&check_register(&ops), AnomalyKind::FailedApplied);
        assert!(!check_register_brute(&ops));
    }

    #[test]
    fn register_future_read() {
        let ops = vec![read(1, 0, 1, Some(1)), write(0, 2, 3, 1)];
        assert_only(&check_register(&ops), AnomalyKind::FutureRead);
        assert!(!check_register_brute(&ops));
    }

    #[test]
    fn register_reads_disagree_on_order() {
        // Two concurrent writes; one reader sees 1 then 2, another 2 then 1: no single order.
        let ops = vec![
            write(0, 0, 10, 1),
            write(1, 0, 10, 2),
            read(2, 11, 12, Some(1)),
            read(2, 13, 14, Some(2)),
            read(3, 11, 12, Some(2)),
            read(3, 13, 14, Some(1)),
        ];
        let s = check_register(&ops);
        assert_only(&s, AnomalyKind::NotLinearizable);
        assert!(!check_register_brute(&ops));
    }

    #[test]
    fn register_reads_of_overwritten_values_after_all_writes() {
        // Three writes in sequence, then each value read back: only the last read can be
        // linearized.
        let ops = vec![
            write(0, 0, 2, 1),
            read(0, 10, 11, Some(1)),
            write(1, 3, 5, 2),
            read(1, 12, 13, Some(2)),
            write(2, 6, 8, 3),
            read(2, 14, 15, Some(3)),
        ];
        assert!(!check_register(&ops).is_valid());
        assert!(!check_register_brute(&ops));
    }

    #[test]
    fn summary_display_lists_counts_and_anomalies() {
        let ops = vec![append(0, 0, 1, 1), append(0, 2, 3, 2)];
        let s = check_list(&ops, &[2, 2]);
        let text = s.to_string();
        assert!(
            text.starts_with("ops=2 acknowledged=2 failed=0 unknown=0 lost=1 anomalies="),
            "{text}"
        );
        assert!(text.contains("Lost"), "{text}");
        assert!(text.contains("Duplicate"), "{text}");
    }

    #[test]
    fn summaries_merge() {
        let mut a = check_list(&[append(0, 0, 1, 1)], &[]);
        let b = check_list(&[append(0, 0, 1, 2), append(0, 2, 3, 3)], &[2, 3]);
        a.merge(b);
        assert_eq!(
            (a.ops, a.acknowledged, a.lost, a.anomalies.len()),
            (3, 3, 1, 1)
        );
    }

    #[test]
    fn summary_display_truncates() {
        let ops: Vec<Op> = (0..30).map(|v| append(0, v * 2, v * 2 + 1, v)).collect();
        let s = check_list(&ops, &[]);
        assert_eq!(s.lost, 30);
        assert!(s.to_string().contains("and 10 more"), "{s}");
    }

    #[test]
    fn list_checker_is_fast_on_large_histories() {
        // 20k appends and 200 long reads, all valid: must be near-linear, not quadratic.
        let n = 20_000u64;
        let mut ops: Vec<Op> = (0..n).map(|v| append(0, v * 10, v * 10 + 5, v)).collect();
        for r in 0..200u64 {
            let t = r * 1000 + 7;
            // Exactly the appends completed before the read began.
            let seen: Vec<u64> = (0..n).take_while(|v| v * 10 + 5 < t).collect();
            ops.push(read_list(1, t, t + 1, &seen));
        }
        let list: Vec<u64> = (0..n).collect();
        let started = Instant::now();
        assert_valid(&check_list(&ops, &list));
        assert!(started.elapsed().as_secs() < 10);
    }

    /// A random tiny register history: operations take effect at distinct random points inside
    /// random intervals, reads return what a sequential execution at those points gives, then
    /// with probability 1/2 one read is corrupted, and writes are randomly marked unknown
    /// (applied or not) or failed (not applied).
    fn random_register_history(rng: &mut StdRng) -> Vec<Op> {
        let n = rng.gen_range(1..=8);
        let mut points: Vec<Time> = (0..n as Time).map(|i| i * 4 + 2).collect();
        // Shuffle which operation owns which point.
        for i in (1..points.len()).rev() {
            let j = rng.gen_range(0..=i);
            points.swap(i, j);
        }
        let mut plan: Vec<(Time, bool, u64, Outcome<()>)> = Vec::new();
        for (i, &p) in points.iter().enumerate() {
            let is_write = rng.gen_bool(0.5);
            let outcome = match rng.gen_range(0..6) {
                0 => Outcome::Fail,
                1 => Outcome::Unknown,
                _ => Outcome::Ok(()),
            };
            plan.push((p, is_write, i as u64 + 1, outcome));
        }
        plan.sort_by_key(|&(p, ..)| p);
        let mut current = None;
        let mut ops = Vec::new();
        let mut written = Vec::new();
        for (client, (p, is_write, value, outcome)) in plan.into_iter().enumerate() {
            let invoke = p - rng.gen_range(0..=6).min(p);
            let complete = p + rng.gen_range(0..=6);
            if is_write {
                let applied = match outcome {
                    Outcome::Ok(()) => true,
                    Outcome::Fail => false,
                    Outcome::Unknown => rng.gen_bool(0.5),
                };
                if applied {
                    current = Some(value);
                }
                written.push(value);
                ops.push(write_with(client, invoke, complete, value, outcome));
            } else {
                ops.push(read(client, invoke, complete, current));
            }
        }
        if rng.gen_bool(0.5) {
            let reads: Vec<usize> = (0..ops.len())
                .filter(|&i| matches!(ops[i].call, Call::Read { .. }))
                .collect();
            if !reads.is_empty() {
                let r = reads[rng.gen_range(0..reads.len())];
                let seen = match rng.gen_range(0..=written.len()) {
                    0 => None,
                    k if rng.gen_bool(0.1) => Some(100 + k as u64),
                    k => Some(written[k - 1]),
                };
                ops[r].call = Call::Read {
                    outcome: Outcome::Ok(seen),
                };
            }
        }
        ops
    }

    /// The efficient checker agrees with exhaustive search on thousands of random tiny
    /// histories, both valid and invalid (a property test over a seeded generator).
    #[test]
    fn register_checker_agrees_with_brute_force() {
        let mut rng = StdRng::seed_from_u64(0x5eed_4e91);
        let (mut valid, mut invalid) = (0, 0);
        for case in 0..20_000 {
            let ops = random_register_history(&mut rng);
            let fast = check_register(&ops);
            let slow = check_register_brute(&ops);
            assert_eq!(
                fast.is_valid(),
                slow,
                "case {case}: efficient checker says {fast}, brute force says {slow} for\n{}",
                ops.iter()
                    .map(|o| format!("  {o}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            if slow {
                valid += 1;
            } else {
                invalid += 1;
            }
        }
        // The generator must exercise both verdicts substantially.
        assert!(
            valid > 5_000 && invalid > 2_000,
            "{valid} valid, {invalid} invalid"
        );
    }
}
