//! [`ZSet`]: Redis's sorted set in its two 7.0 encodings, ordered by (score, member bytes):
//!
//! - `listpack` while small: member, score, member, score… packed in rank order in one
//!   [`Listpack`] (scores as 8 raw bytes). Every operation is a scan, which is what Redis does
//!   too below `zset-max-listpack-entries`.
//! - `skiplist` (the name OBJECT ENCODING reports) once a member would be the
//!   `zset-max-listpack-entries + 1`-th or a member is longer than `zset-max-listpack-value`:
//!   a [`Dense`] table member → score (insertion order, O(1) lookup) plus an [`OsTree`] of
//!   `(score, position in the table)` in rank order, so rank, select and range are O(log n).
//!   The tree compares members by looking them up in the table.
//!
//! Like Redis 7.0 a set never converts back, except that the results of the store commands
//! (ZUNIONSTORE…, ZRANGESTORE) get the encoding their size calls for ([`ZSet::from_sorted`]).
//! A listpack cannot hold `-0`: Redis writes listpack scores as text, where `-0` becomes `0`,
//! and so do we.

use std::cmp::Ordering;
use std::ops::Range;

use bytes::Bytes;

use super::dense::Dense;
use super::listpack::Listpack;
use super::ostree::{self, OsTree};
use super::{get_field, get_varint, put_varint, varint_len, Codec, Digest, Limits};
use crate::compact::CompactBytes;

/// The options of ZADD that decide whether a member is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddFlags {
    /// Only add new members.
    pub nx: bool,
    /// Only update existing members.
    pub xx: bool,
    /// Only update to a greater score.
    pub gt: bool,
    /// Only update to a lower score.
    pub lt: bool,
    /// Add the score to the current one (ZINCRBY, ZADD INCR).
    pub incr: bool,
}

/// What [`ZSet::add`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AddOutcome {
    /// A new member, with this score.
    Added(f64),
    /// An existing member whose score changed to this.
    Updated(f64),
    /// An existing member whose score is already this.
    Unchanged(f64),
    /// NX, XX, GT or LT ruled the write out.
    Skipped,
}

/// An increment whose result is not a number (`inf + -inf`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NanScore;

/// A score interval: `min`/`max` with exclusive ends (ZRANGEBYSCORE's `(`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    /// Lower end.
    pub min: f64,
    /// Upper end.
    pub max: f64,
    /// `min` itself is excluded.
    pub minex: bool,
    /// `max` itself is excluded.
    pub maxex: bool,
}

/// One end of a lexicographic interval (ZRANGEBYLEX's `-`, `+`, `[a`, `(a`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LexBound {
    /// `-`: below every member.
    Min,
    /// `+`: above every member.
    Max,
    /// `[m`: `m` included.
    Incl(Bytes),
    /// `(m`: `m` excluded.
    Excl(Bytes),
}

/// A lexicographic interval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexRange {
    /// Lower end.
    pub min: LexBound,
    /// Upper end.
    pub max: LexBound,
}

/// A sorted set.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ZSet {
    enc: Enc,
}

#[derive(Clone, Debug, PartialEq)]
enum Enc {
    Listpack(Listpack),
    Skiplist(Skiplist),
}

impl Default for Enc {
    fn default() -> Self {
        Enc::Listpack(Listpack::new())
    }
}

/// The big encoding: member → score, and the rank order over it.
#[derive(Clone, Debug, PartialEq)]
struct Skiplist {
    dict: Dense<(CompactBytes, f64)>,
    tree: OsTree<(f64, u32)>,
}

/// Redis's order: by score, then by member bytes.
fn cmp_entry(a_score: f64, a_member: &[u8], b_score: f64, b_member: &[u8]) -> Ordering {
    a_score
        .partial_cmp(&b_score)
        .unwrap_or(Ordering::Equal)
        .then_with(|| a_member.cmp(b_member))
}

/// `-0` written to a listpack reads back as `0` (Redis stores listpack scores as text).
fn listpack_score(score: f64) -> f64 {
    if score == 0.0 {
        0.0
    } else {
        score
    }
}

fn decode_score(b: &[u8]) -> f64 {
    b.try_into().map(f64::from_le_bytes).unwrap_or(0.0)
}

/// Iterator over a listpack's `(offset of member, member, score)`.
struct LpPairs<'a>(super::listpack::Iter<'a>);

impl<'a> Iterator for LpPairs<'a> {
    type Item = (usize, &'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        let (off, member) = self.0.next()?;
        let (_, score) = self.0.next()?;
        Some((off, member, decode_score(score)))
    }
}

fn lp_pairs(lp: &Listpack) -> LpPairs<'_> {
    LpPairs(lp.iter())
}

/// `(offset, rank, score)` of `member`.
fn lp_find(lp: &Listpack, member: &[u8]) -> Option<(usize, usize, f64)> {
    lp_pairs(lp)
        .enumerate()
        .find(|(_, (_, m, _))| *m == member)
        .map(|(rank, (off, _, score))| (off, rank, score))
}

/// Inserts `member` at its place in the order.
fn lp_insert(lp: &mut Listpack, member: &[u8], score: f64) {
    let score = listpack_score(score);
    let off = lp_pairs(lp)
        .find(|&(_, m, s)| cmp_entry(s, m, score, member) == Ordering::Greater)
        .map_or(lp.end(), |(off, _, _)| off);
    lp.insert(off, &[member, &score.to_le_bytes()]);
}

/// True if the entry `e` of the tree sorts before `(score, member)`.
fn less(dict: &Dense<(CompactBytes, f64)>, e: &(f64, u32), score: f64, member: &[u8]) -> bool {
    match e.0.partial_cmp(&score) {
        Some(Ordering::Less) => true,
        Some(Ordering::Greater) => false,
        _ => dict
            .at(e.1 as usize)
            .is_some_and(|(m, _)| m.as_slice() < member),
    }
}

/// The member at table position `pos`.
fn member_at(dict: &Dense<(CompactBytes, f64)>, pos: u32) -> &[u8] {
    dict.at(pos as usize).map_or(&[], |(m, _)| m.as_slice())
}

impl Skiplist {
    fn member(&self, pos: u32) -> &[u8] {
        member_at(&self.dict, pos)
    }

    /// The rank `(score, member)` has (or would have).
    fn rank_of(&self, score: f64, member: &[u8]) -> usize {
        let dict = &self.dict;
        self.tree.partition_point(|e| less(dict, e, score, member))
    }

    fn insert_new(&mut self, member: &[u8], score: f64) {
        let rank = self.rank_of(score, member);
        let pos = self.dict.push_new((CompactBytes::new(member), score));
        self.tree.insert_at(rank, (score, pos as u32));
    }

    /// Moves the member at table position `pos` from score `old` to `new`.
    fn update(&mut self, pos: usize, old: f64, new: f64) {
        let Skiplist { dict, tree } = self;
        let Some((member, _)) = dict.at(pos) else {
            return;
        };
        let member = member.as_slice();
        let rank = tree.partition_point(|e| less(dict, e, old, member));
        // Staying between the same neighbours: update in place.
        let after_prev = rank == 0
            || tree
                .get(rank - 1)
                .is_some_and(|p| less(dict, p, new, member));
        let before_next = tree
            .get(rank + 1)
            .is_none_or(|n| cmp_entry(new, member, n.0, member_at(dict, n.1)) == Ordering::Less);
        if after_prev && before_next {
            if let Some(e) = tree.get_mut(rank) {
                e.0 = new;
            }
        } else {
            tree.remove_at(rank);
            let to = tree.partition_point(|e| less(dict, e, new, member));
            tree.insert_at(to, (new, pos as u32));
        }
        if let Some(item) = dict.at_mut(pos) {
            item.1 = new;
        }
    }

    /// Removes the member at table position `pos`, whose tree entry is already gone; the last
    /// table item moves into the hole, so its tree entry is repointed.
    fn swap_out(&mut self, pos: usize) -> (CompactBytes, f64) {
        let last = self.dict.len() - 1;
        if pos != last {
            if let Some((m, s)) = self.dict.at(last) {
                let rank = self.rank_of(*s, m.as_slice());
                if let Some(e) = self.tree.get_mut(rank) {
                    e.1 = pos as u32;
                }
            }
        }
        self.dict.swap_remove_at(pos)
    }

    fn remove_rank(&mut self, rank: usize) -> (CompactBytes, f64) {
        let (_, pos) = self.tree.remove_at(rank);
        self.swap_out(pos as usize)
    }

    /// Builds from members sorted by (score, member), table in that order.
    fn from_sorted<'a>(items: impl ExactSizeIterator<Item = (&'a [u8], f64)>) -> Skiplist {
        let mut dict = Dense::with_capacity(items.len());
        let mut entries = Vec::with_capacity(items.len());
        for (member, score) in items {
            let pos = dict.push_new((CompactBytes::new(member), score));
            entries.push((score, pos as u32));
        }
        Skiplist {
            dict,
            tree: OsTree::from_vec(entries),
        }
    }
}

impl ZSet {
    /// An empty sorted set (listpack).
    pub fn new() -> ZSet {
        ZSet::default()
    }

    /// A set holding `items` — distinct members, sorted by (score, member) — in the encoding
    /// Redis gives a ZUNIONSTORE/ZRANGESTORE result: listpack when there are at most
    /// `zset-max-listpack-entries` members, none longer than `zset-max-listpack-value`.
    pub fn from_sorted(items: &[(Bytes, f64)], limits: &Limits) -> ZSet {
        let small = items.len() <= limits.zset_max_listpack_entries as usize
            && items
                .iter()
                .all(|(m, _)| m.len() <= limits.zset_max_listpack_value as usize);
        let enc = if small {
            let mut lp = Listpack::new();
            for (m, s) in items {
                lp.push(m);
                lp.push(&listpack_score(*s).to_le_bytes());
            }
            Enc::Listpack(lp)
        } else {
            Enc::Skiplist(Skiplist::from_sorted(
                items.iter().map(|(m, s)| (m.as_ref(), *s)),
            ))
        };
        ZSet { enc }
    }

    /// An empty set in the encoding Redis 7.0 creates for `size` expected members (its
    /// `zsetTypeCreate`): a skiplist when they would not fit a listpack. ZRANGESTORE builds
    /// its result this way, adding members one by one (which matters: a listpack turns `-0`
    /// into `0` even if it converts later).
    pub fn with_size_hint(size: usize, limits: &Limits) -> ZSet {
        if size <= limits.zset_max_listpack_entries as usize {
            return ZSet::new();
        }
        ZSet {
            enc: Enc::Skiplist(Skiplist {
                dict: Dense::with_capacity(size),
                tree: OsTree::new(),
            }),
        }
    }

    /// OBJECT ENCODING.
    pub fn encoding(&self) -> &'static str {
        match &self.enc {
            Enc::Listpack(_) => "listpack",
            Enc::Skiplist(_) => "skiplist",
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match &self.enc {
            Enc::Listpack(lp) => lp.len() / 2,
            Enc::Skiplist(sl) => sl.dict.len(),
        }
    }

    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes owned.
    pub fn heap_size(&self) -> usize {
        match &self.enc {
            Enc::Listpack(lp) => lp.heap_size(),
            Enc::Skiplist(sl) => {
                sl.dict.heap_size()
                    + sl.tree.heap_size()
                    + sl.dict
                        .items()
                        .iter()
                        .map(|(m, _)| m.heap_size())
                        .sum::<usize>()
            }
        }
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.enc {
            Enc::Listpack(lp) => lp_find(lp, member).map(|(_, _, s)| s),
            Enc::Skiplist(sl) => sl.dict.get(member).map(|(_, s)| *s),
        }
    }

    /// The rank (0 = lowest score) of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match &self.enc {
            Enc::Listpack(lp) => lp_find(lp, member).map(|(_, r, _)| r),
            Enc::Skiplist(sl) => {
                let score = sl.dict.get(member)?.1;
                Some(sl.rank_of(score, member))
            }
        }
    }

    /// Converts to the skiplist encoding.
    fn convert(&mut self) {
        if let Enc::Listpack(lp) = &self.enc {
            let pairs: Vec<(&[u8], f64)> = lp_pairs(lp).map(|(_, m, s)| (m, s)).collect();
            let sl = Skiplist::from_sorted(pairs.into_iter());
            self.enc = Enc::Skiplist(sl);
        }
    }

    /// ZADD of one member with Redis's rules for NX, XX, GT, LT and INCR. A new member that
    /// would not fit the listpack limits converts the set first.
    ///
    /// # Errors
    /// [`NanScore`] when INCR yields NaN (nothing is written).
    pub fn add(
        &mut self,
        member: &[u8],
        score: f64,
        flags: AddFlags,
        limits: &Limits,
    ) -> Result<AddOutcome, NanScore> {
        if let Some(current) = self.score(member) {
            if flags.nx {
                return Ok(AddOutcome::Skipped);
            }
            let mut new = score;
            if flags.incr {
                new += current;
                if new.is_nan() {
                    return Err(NanScore);
                }
            }
            if (flags.lt && new >= current) || (flags.gt && new <= current) {
                return Ok(AddOutcome::Skipped);
            }
            if new == current {
                return Ok(AddOutcome::Unchanged(new));
            }
            self.set_score(member, current, new);
            return Ok(AddOutcome::Updated(new));
        }
        if flags.xx {
            return Ok(AddOutcome::Skipped);
        }
        if let Enc::Listpack(lp) = &self.enc {
            if lp.len() / 2 + 1 > limits.zset_max_listpack_entries as usize
                || member.len() > limits.zset_max_listpack_value as usize
            {
                self.convert();
            }
        }
        match &mut self.enc {
            Enc::Listpack(lp) => lp_insert(lp, member, score),
            Enc::Skiplist(sl) => sl.insert_new(member, score),
        }
        Ok(AddOutcome::Added(score))
    }

    /// Sets `member`'s score, adding it if absent; true if it is new.
    pub fn insert(&mut self, member: &[u8], score: f64, limits: &Limits) -> bool {
        matches!(
            self.add(member, score, AddFlags::default(), limits),
            Ok(AddOutcome::Added(_))
        )
    }

    /// Moves an existing `member` from score `old` to `new`.
    fn set_score(&mut self, member: &[u8], old: f64, new: f64) {
        match &mut self.enc {
            Enc::Listpack(lp) => {
                if let Some((off, _, _)) = lp_find(lp, member) {
                    lp.remove(off, 2);
                    lp_insert(lp, member, new);
                }
            }
            Enc::Skiplist(sl) => {
                if let Some(pos) = sl.dict.position(member) {
                    sl.update(pos, old, new);
                }
            }
        }
    }

    /// Removes `member`; true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match &mut self.enc {
            Enc::Listpack(lp) => match lp_find(lp, member) {
                Some((off, _, _)) => {
                    lp.remove(off, 2);
                    true
                }
                None => false,
            },
            Enc::Skiplist(sl) => match sl.dict.position(member) {
                Some(pos) => {
                    let score = sl.dict.items()[pos].1;
                    let rank = sl.rank_of(score, member);
                    sl.tree.remove_at(rank);
                    sl.swap_out(pos);
                    true
                }
                None => false,
            },
        }
    }

    /// The member at `rank` and its score.
    pub fn get_by_rank(&self, rank: usize) -> Option<(&[u8], f64)> {
        match &self.enc {
            Enc::Listpack(lp) => lp_pairs(lp).nth(rank).map(|(_, m, s)| (m, s)),
            Enc::Skiplist(sl) => sl.tree.get(rank).map(|&(s, pos)| (sl.member(pos), s)),
        }
    }

    /// Removes the member at `rank` (ZPOPMIN is rank 0, ZPOPMAX rank `len - 1`).
    pub fn remove_rank(&mut self, rank: usize) -> Option<(Bytes, f64)> {
        if rank >= self.len() {
            return None;
        }
        match &mut self.enc {
            Enc::Listpack(lp) => {
                let (off, member, score) = lp_pairs(lp).nth(rank)?;
                let member = Bytes::copy_from_slice(member);
                lp.remove(off, 2);
                Some((member, score))
            }
            Enc::Skiplist(sl) => {
                let (member, score) = sl.remove_rank(rank);
                Some((Bytes::copy_from_slice(member.as_slice()), score))
            }
        }
    }

    /// Removes the members with ranks in `ranks`; returns how many.
    pub fn remove_ranks(&mut self, ranks: Range<usize>) -> usize {
        let ranks = ranks.start.min(self.len())..ranks.end.min(self.len());
        let n = ranks.len();
        if n == 0 {
            return 0;
        }
        match &mut self.enc {
            Enc::Listpack(lp) => {
                let off = lp_pairs(lp).nth(ranks.start).map_or(lp.end(), |p| p.0);
                lp.remove(off, 2 * n);
            }
            Enc::Skiplist(sl) if n * 4 < sl.dict.len() => {
                for _ in 0..n {
                    sl.remove_rank(ranks.start);
                }
            }
            Enc::Skiplist(sl) => {
                // A big share goes: rebuild from the survivors (O(n)) rather than n removals.
                // The table keeps its relative order.
                let mut gone = vec![false; sl.dict.len()];
                for &(_, pos) in sl.tree.range(ranks.start, ranks.end) {
                    gone[pos as usize] = true;
                }
                let mut new_pos = vec![0u32; sl.dict.len()];
                let mut dict = Dense::with_capacity(sl.dict.len() - n);
                for (i, (m, s)) in sl.dict.items().iter().enumerate() {
                    if !gone[i] {
                        new_pos[i] = dict.push_new((m.clone(), *s)) as u32;
                    }
                }
                let entries = sl
                    .tree
                    .iter()
                    .filter(|&&(_, pos)| !gone[pos as usize])
                    .map(|&(s, pos)| (s, new_pos[pos as usize]))
                    .collect();
                *sl = Skiplist {
                    dict,
                    tree: OsTree::from_vec(entries),
                };
            }
        }
        n
    }

    /// The members with ranks in `ranks` (clamped), ascending, or descending if `rev`.
    pub fn range(&self, ranks: Range<usize>, rev: bool) -> RangeIter<'_> {
        let end = ranks.end.min(self.len());
        let start = ranks.start.min(end);
        match &self.enc {
            Enc::Listpack(lp) => {
                let mut v: Vec<(&[u8], f64)> = lp_pairs(lp)
                    .skip(start)
                    .take(end - start)
                    .map(|(_, m, s)| (m, s))
                    .collect();
                if rev {
                    v.reverse();
                }
                RangeIter(RangeInner::Listpack(v.into_iter()))
            }
            Enc::Skiplist(sl) => RangeIter(RangeInner::Skiplist {
                dict: &sl.dict,
                it: sl.tree.range(start, end),
                rev,
            }),
        }
    }

    /// Every member with its score, by rank.
    pub fn iter(&self) -> RangeIter<'_> {
        self.range(0..self.len(), false)
    }

    /// Number of leading members (by rank) whose score satisfies `pred`, which must hold on a
    /// prefix of the order.
    fn count_scores(&self, pred: impl Fn(f64) -> bool) -> usize {
        match &self.enc {
            Enc::Listpack(lp) => lp_pairs(lp).take_while(|&(_, _, s)| pred(s)).count(),
            Enc::Skiplist(sl) => sl.tree.partition_point(|&(s, _)| pred(s)),
        }
    }

    /// Number of leading members whose bytes satisfy `pred` (meaningful when all members
    /// share one score, as ZRANGEBYLEX requires).
    fn count_members(&self, pred: impl Fn(&[u8]) -> bool) -> usize {
        match &self.enc {
            Enc::Listpack(lp) => lp_pairs(lp).take_while(|&(_, m, _)| pred(m)).count(),
            Enc::Skiplist(sl) => sl.tree.partition_point(|&(_, pos)| pred(sl.member(pos))),
        }
    }

    /// The ranks of the members whose scores lie in `r` (empty if none).
    pub fn score_ranks(&self, r: &ScoreRange) -> Range<usize> {
        let lo = self.count_scores(|s| if r.minex { s <= r.min } else { s < r.min });
        let hi = self.count_scores(|s| if r.maxex { s < r.max } else { s <= r.max });
        lo..hi.max(lo)
    }

    /// The ranks of the members within `r` (empty if none).
    pub fn lex_ranks(&self, r: &LexRange) -> Range<usize> {
        let len = self.len();
        let lo = match &r.min {
            LexBound::Min => 0,
            LexBound::Max => len,
            LexBound::Incl(m) => self.count_members(|x| x < &m[..]),
            LexBound::Excl(m) => self.count_members(|x| x <= &m[..]),
        };
        let hi = match &r.max {
            LexBound::Min => 0,
            LexBound::Max => len,
            LexBound::Incl(m) => self.count_members(|x| x <= &m[..]),
            LexBound::Excl(m) => self.count_members(|x| x < &m[..]),
        };
        lo..hi.max(lo)
    }

    /// The member at storage position `i` (random picks, ZSCAN): table order for the
    /// skiplist encoding, rank order for listpacks.
    pub fn at(&self, i: usize) -> Option<(&[u8], f64)> {
        match &self.enc {
            Enc::Listpack(_) => self.get_by_rank(i),
            Enc::Skiplist(sl) => sl.dict.at(i).map(|(m, s)| (m.as_slice(), *s)),
        }
    }

    /// Every member in storage order (see [`ZSet::at`]), in O(n).
    pub fn storage_order(&self) -> impl Iterator<Item = (&[u8], f64)> {
        let (lp, table) = match &self.enc {
            Enc::Listpack(lp) => (Some(lp_pairs(lp).map(|(_, m, s)| (m, s))), None),
            Enc::Skiplist(sl) => (
                None,
                Some(sl.dict.items().iter().map(|(m, s)| (m.as_slice(), *s))),
            ),
        };
        lp.into_iter().flatten().chain(table.into_iter().flatten())
    }

    /// True for the skiplist encoding (ZSCAN walks its table with a cursor; a listpack is
    /// returned whole).
    pub fn is_skiplist(&self) -> bool {
        matches!(self.enc, Enc::Skiplist(_))
    }

    /// Checks the invariants (tests).
    #[cfg(test)]
    fn check(&self) {
        let items: Vec<(Vec<u8>, f64)> = self.iter().map(|(m, s)| (m.to_vec(), s)).collect();
        for w in items.windows(2) {
            assert_eq!(
                cmp_entry(w[0].1, &w[0].0, w[1].1, &w[1].0),
                Ordering::Less,
                "out of order: {w:?}"
            );
        }
        assert_eq!(items.len(), self.len());
        if let Enc::Skiplist(sl) = &self.enc {
            assert_eq!(sl.tree.len(), sl.dict.len());
            let mut seen = vec![false; sl.dict.len()];
            for &(s, pos) in sl.tree.iter() {
                let (_, ds) = sl.dict.at(pos as usize).expect("position in the table");
                assert_eq!(s.to_bits(), ds.to_bits());
                assert!(!seen[pos as usize], "position twice in the tree");
                seen[pos as usize] = true;
            }
        } else {
            assert!(items
                .iter()
                .all(|(_, s)| s.to_bits() != (-0.0f64).to_bits()));
        }
    }
}

/// Members with scores over a rank range (see [`ZSet::range`]).
pub struct RangeIter<'a>(RangeInner<'a>);

enum RangeInner<'a> {
    /// Collected from a listpack (at most a few hundred members).
    Listpack(std::vec::IntoIter<(&'a [u8], f64)>),
    /// Walking the tree, backwards if `rev`.
    Skiplist {
        dict: &'a Dense<(CompactBytes, f64)>,
        it: ostree::Iter<'a, (f64, u32)>,
        rev: bool,
    },
}

impl<'a> Iterator for RangeIter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            RangeInner::Listpack(it) => it.next(),
            RangeInner::Skiplist { dict, it, rev } => {
                let &(s, pos) = if *rev { it.next_back()? } else { it.next()? };
                Some((member_at(dict, pos), s))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            RangeInner::Listpack(it) => it.size_hint(),
            RangeInner::Skiplist { it, .. } => it.size_hint(),
        }
    }
}

impl ExactSizeIterator for RangeIter<'_> {}

const ENC_LISTPACK: u8 = 0;
const ENC_SKIPLIST: u8 = 1;

/// `[u8 encoding: 0 listpack, 1 skiplist][varint count] ([varint len][member][f64 LE])*`:
/// rank order for a listpack, table order for a skiplist (so a replica that loads it makes
/// the same random picks). Decoding refuses duplicates, NaN, a listpack out of order or with
/// `-0`, and trailing bytes.
impl Codec for ZSet {
    fn encoded_len(&self) -> usize {
        let members: usize = self
            .storage_order()
            .map(|(m, _)| varint_len(m.len() as u64) + m.len() + 8)
            .sum();
        1 + varint_len(self.len() as u64) + members
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.push(match &self.enc {
            Enc::Listpack(_) => ENC_LISTPACK,
            Enc::Skiplist(_) => ENC_SKIPLIST,
        });
        put_varint(out, self.len() as u64);
        for (m, s) in self.storage_order() {
            put_varint(out, m.len() as u64);
            out.extend_from_slice(m);
            out.extend_from_slice(&s.to_le_bytes());
        }
    }

    fn decode(bytes: &[u8]) -> Option<ZSet> {
        let (&enc, mut rest) = bytes.split_first()?;
        let count = get_varint(&mut rest)?;
        // Each member takes at least nine bytes: bounds the allocation by the input.
        if count > rest.len() as u64 / 9 {
            return None;
        }
        let mut pairs: Vec<(&[u8], f64)> = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let member = get_field(&mut rest)?;
            let (score, tail) = rest.split_first_chunk::<8>()?;
            rest = tail;
            let score = f64::from_le_bytes(*score);
            if score.is_nan() {
                return None;
            }
            pairs.push((member, score));
        }
        if !rest.is_empty() {
            return None;
        }
        match enc {
            ENC_LISTPACK => {
                let ordered = pairs
                    .windows(2)
                    .all(|w| cmp_entry(w[0].1, w[0].0, w[1].1, w[1].0) == Ordering::Less);
                let no_neg_zero = pairs.iter().all(|p| p.1.to_bits() != (-0.0f64).to_bits());
                if !ordered || !no_neg_zero {
                    return None;
                }
                let mut lp = Listpack::new();
                for (m, s) in pairs {
                    lp.push(m);
                    lp.push(&s.to_le_bytes());
                }
                Some(ZSet {
                    enc: Enc::Listpack(lp),
                })
            }
            ENC_SKIPLIST => {
                let mut dict = Dense::with_capacity(pairs.len());
                for &(m, s) in &pairs {
                    if dict.position(m).is_some() {
                        return None;
                    }
                    dict.push_new((CompactBytes::new(m), s));
                }
                let mut entries: Vec<(f64, u32)> =
                    (0..pairs.len()).map(|i| (pairs[i].1, i as u32)).collect();
                entries.sort_by(|a, b| {
                    cmp_entry(a.0, pairs[a.1 as usize].0, b.0, pairs[b.1 as usize].0)
                });
                Some(ZSet {
                    enc: Enc::Skiplist(Skiplist {
                        dict,
                        tree: OsTree::from_vec(entries),
                    }),
                })
            }
            _ => None,
        }
    }
}

/// Members in rank order, each fed as `[u64 LE length][member][f64 LE score]`.
impl Digest for ZSet {
    fn digest(&self, feed: &mut dyn FnMut(&[u8])) {
        let mut buf = Vec::new();
        for (m, s) in self.iter() {
            buf.clear();
            buf.extend_from_slice(&(m.len() as u64).to_le_bytes());
            buf.extend_from_slice(m);
            buf.extend_from_slice(&s.to_le_bytes());
            feed(&buf);
        }
    }
    const UNORDERED: bool = false;
}

/// Big values are freed on the lazyfree thread (`crate::lazyfree`).
impl Drop for ZSet {
    fn drop(&mut self) {
        if crate::lazyfree::should_defer(self.len()) {
            crate::lazyfree::defer(std::mem::take(self));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn small() -> Limits {
        Limits {
            zset_max_listpack_entries: 4,
            zset_max_listpack_value: 6,
            ..Limits::default()
        }
    }

    fn members(z: &ZSet) -> Vec<(String, f64)> {
        z.iter()
            .map(|(m, s)| (String::from_utf8_lossy(m).into_owned(), s))
            .collect()
    }

    fn add(z: &mut ZSet, m: &str, s: f64) -> AddOutcome {
        let out = z
            .add(m.as_bytes(), s, AddFlags::default(), &small())
            .unwrap();
        z.check();
        out
    }

    #[test]
    fn orders_by_score_then_member_in_both_encodings() {
        for limits in [small(), Limits::default()] {
            let mut z = ZSet::new();
            for (m, s) in [("b", 1.0), ("a", 1.0), ("c", -1.0), ("d", f64::INFINITY)] {
                z.add(m.as_bytes(), s, AddFlags::default(), &limits)
                    .unwrap();
            }
            assert_eq!(z.encoding(), "listpack");
            let expect = vec![
                ("c".to_string(), -1.0),
                ("a".to_string(), 1.0),
                ("b".to_string(), 1.0),
                ("d".to_string(), f64::INFINITY),
            ];
            assert_eq!(members(&z), expect);
            let mut big = z.clone();
            big.convert();
            big.check();
            assert_eq!(big.encoding(), "skiplist");
            assert_eq!(members(&big), expect);
            for z in [&z, &big] {
                assert_eq!(z.rank(b"b"), Some(2));
                assert_eq!(z.score(b"d"), Some(f64::INFINITY));
                assert_eq!(z.get_by_rank(1), Some((&b"a"[..], 1.0)));
                let rev: Vec<&[u8]> = z.range(1..3, true).map(|(m, _)| m).collect();
                assert_eq!(rev, vec![&b"b"[..], b"a"]);
            }
        }
    }

    #[test]
    fn converts_on_entries_and_member_length_and_never_back() {
        let mut z = ZSet::new();
        for (i, m) in ["a", "b", "c", "d"].iter().enumerate() {
            add(&mut z, m, i as f64);
        }
        assert_eq!(z.encoding(), "listpack");
        // Updating an existing member does not convert.
        add(&mut z, "a", 10.0);
        assert_eq!(z.encoding(), "listpack");
        add(&mut z, "e", 0.5);
        assert_eq!(z.encoding(), "skiplist");
        for m in ["a", "b", "c", "d"] {
            assert!(z.remove(m.as_bytes()));
            z.check();
        }
        assert_eq!(z.encoding(), "skiplist");
        assert_eq!(members(&z), vec![("e".to_string(), 0.5)]);
        let mut z = ZSet::new();
        add(&mut z, "longer!", 1.0);
        assert_eq!(z.encoding(), "skiplist");
    }

    #[test]
    fn listpacks_hold_no_negative_zero() {
        let mut z = ZSet::new();
        add(&mut z, "x", -0.0);
        assert_eq!(z.score(b"x").unwrap().to_bits(), 0f64.to_bits());
        let mut z = ZSet::new();
        add(&mut z, "longer!", -0.0);
        assert_eq!(z.score(b"longer!").unwrap().to_bits(), (-0f64).to_bits());
        // 0 == -0: not an update.
        assert_eq!(add(&mut z, "longer!", 0.0), AddOutcome::Unchanged(0.0));
    }

    #[test]
    fn add_flags_follow_zadd() {
        let l = small();
        let f = |nx, xx, gt, lt, incr| AddFlags {
            nx,
            xx,
            gt,
            lt,
            incr,
        };
        let mut z = ZSet::new();
        let mut run = |m: &str, s: f64, flags| z.add(m.as_bytes(), s, flags, &l);
        assert_eq!(
            run("a", 1.0, f(false, true, false, false, false)),
            Ok(AddOutcome::Skipped)
        );
        assert_eq!(
            run("a", 1.0, f(true, false, false, false, false)),
            Ok(AddOutcome::Added(1.0))
        );
        assert_eq!(
            run("a", 2.0, f(true, false, false, false, false)),
            Ok(AddOutcome::Skipped)
        );
        assert_eq!(
            run("a", 0.0, f(false, false, true, false, false)),
            Ok(AddOutcome::Skipped)
        );
        assert_eq!(
            run("a", 5.0, f(false, false, true, false, false)),
            Ok(AddOutcome::Updated(5.0))
        );
        assert_eq!(
            run("a", 6.0, f(false, false, false, true, false)),
            Ok(AddOutcome::Skipped)
        );
        assert_eq!(
            run("a", 1.0, f(false, true, false, true, false)),
            Ok(AddOutcome::Updated(1.0))
        );
        assert_eq!(
            run("a", 2.5, f(false, false, false, false, true)),
            Ok(AddOutcome::Updated(3.5))
        );
        assert_eq!(
            run("a", 0.0, f(false, false, false, false, true)),
            Ok(AddOutcome::Unchanged(3.5))
        );
        assert_eq!(
            run("a", -1.0, f(false, false, true, false, true)),
            Ok(AddOutcome::Skipped)
        );
        assert_eq!(
            run("b", 7.0, f(false, false, false, true, false)),
            Ok(AddOutcome::Added(7.0))
        );
        assert_eq!(
            run("c", f64::INFINITY, f(false, false, false, false, true)),
            Ok(AddOutcome::Added(f64::INFINITY))
        );
        assert_eq!(
            run("c", f64::NEG_INFINITY, f(false, false, false, false, true)),
            Err(NanScore)
        );
        assert_eq!(z.score(b"c"), Some(f64::INFINITY));
    }

    #[test]
    fn score_and_lex_ranges() {
        let mut z = ZSet::new();
        for (m, s) in [("a", 1.0), ("b", 2.0), ("c", 2.0), ("d", 3.0)] {
            add(&mut z, m, s);
        }
        let mut big = z.clone();
        big.convert();
        let r = |min, minex, max, maxex| ScoreRange {
            min,
            max,
            minex,
            maxex,
        };
        for z in [&z, &big] {
            assert_eq!(z.score_ranks(&r(2.0, false, 2.0, false)), 1..3);
            assert_eq!(z.score_ranks(&r(2.0, true, 3.0, false)), 3..4);
            assert_eq!(z.score_ranks(&r(2.0, false, 2.0, true)), 1..1);
            assert_eq!(
                z.score_ranks(&r(f64::NEG_INFINITY, false, f64::INFINITY, false)),
                0..4
            );
            assert_eq!(z.score_ranks(&r(5.0, false, 1.0, false)).len(), 0);
        }
        let mut lex = ZSet::new();
        for m in ["a", "b", "c", "d"] {
            add(&mut lex, m, 0.0);
        }
        let mut big = lex.clone();
        big.convert();
        let b = |s: &str| Bytes::copy_from_slice(s.as_bytes());
        for z in [&lex, &big] {
            let lr = |min, max| z.lex_ranks(&LexRange { min, max });
            assert_eq!(lr(LexBound::Min, LexBound::Max), 0..4);
            assert_eq!(lr(LexBound::Incl(b("b")), LexBound::Excl(b("d"))), 1..3);
            assert_eq!(lr(LexBound::Excl(b("b")), LexBound::Incl(b("d"))), 2..4);
            assert_eq!(lr(LexBound::Max, LexBound::Min).len(), 0);
            assert_eq!(lr(LexBound::Incl(b("c")), LexBound::Incl(b("a"))).len(), 0);
        }
    }

    #[test]
    fn remove_ranks_small_and_large_shares() {
        for n_removed in [1usize, 3, 40] {
            let mut z = ZSet::new();
            for i in 0..50 {
                add(&mut z, &format!("m{i:02}"), (i % 7) as f64);
            }
            let before = members(&z);
            assert_eq!(z.remove_ranks(5..5 + n_removed), n_removed);
            z.check();
            let mut expect = before.clone();
            expect.drain(5..5 + n_removed);
            assert_eq!(members(&z), expect);
            for (m, s) in &expect {
                assert_eq!(z.score(m.as_bytes()), Some(*s));
            }
        }
        let mut z = ZSet::new();
        add(&mut z, "a", 1.0);
        add(&mut z, "b", 2.0);
        assert_eq!(z.remove_ranks(1..10), 1);
        assert_eq!(z.remove_rank(0), Some((Bytes::from_static(b"a"), 1.0)));
        assert!(z.is_empty());
        assert_eq!(z.remove_rank(0), None);
    }

    #[test]
    fn from_sorted_picks_the_encoding_by_size() {
        let items = |n: usize, len: usize| -> Vec<(Bytes, f64)> {
            (0..n)
                .map(|i| (Bytes::from(format!("{i:0len$}")), i as f64))
                .collect()
        };
        assert_eq!(
            ZSet::from_sorted(&items(4, 6), &small()).encoding(),
            "listpack"
        );
        assert_eq!(
            ZSet::from_sorted(&items(5, 6), &small()).encoding(),
            "skiplist"
        );
        assert_eq!(
            ZSet::from_sorted(&items(2, 7), &small()).encoding(),
            "skiplist"
        );
        let z = ZSet::from_sorted(&items(300, 3), &small());
        z.check();
        assert_eq!(z.len(), 300);
        assert_eq!(z.rank(b"150"), Some(150));
    }

    #[test]
    fn codec_round_trips_and_rejects_corruption() {
        let mut sets = Vec::new();
        for n in [0usize, 3, 60] {
            let mut z = ZSet::new();
            for i in 0..n {
                add(&mut z, &format!("m{i}"), ((i * 7) % 5) as f64 - 2.0);
            }
            z.remove(b"m1");
            sets.push(z);
        }
        let mut neg = ZSet::new();
        add(&mut neg, "longer!", -0.0);
        sets.push(neg);
        for z in sets {
            let mut out = Vec::new();
            z.encode(&mut out);
            assert_eq!(out.len(), z.encoded_len());
            let back = ZSet::decode(&out).expect("decodes");
            back.check();
            assert_eq!(back, z);
            assert_eq!(back.encoding(), z.encoding());
            let mut again = Vec::new();
            back.encode(&mut again);
            assert_eq!(again, out);
            for cut in 0..out.len() {
                assert_eq!(ZSet::decode(&out[..cut]), None, "cut at {cut}");
            }
            let mut longer = out.clone();
            longer.push(0);
            assert_eq!(ZSet::decode(&longer), None);
        }
        let rec = |enc: u8, items: &[(&[u8], f64)]| {
            let mut out = vec![enc];
            put_varint(&mut out, items.len() as u64);
            for (m, s) in items {
                put_varint(&mut out, m.len() as u64);
                out.extend_from_slice(m);
                out.extend_from_slice(&s.to_le_bytes());
            }
            out
        };
        assert!(ZSet::decode(&rec(0, &[(b"a", 1.0), (b"b", 2.0)])).is_some());
        assert!(ZSet::decode(&rec(1, &[(b"b", 2.0), (b"a", 1.0)])).is_some());
        // Out of order, duplicates, NaN, -0 in a listpack, unknown encoding.
        assert_eq!(ZSet::decode(&rec(0, &[(b"b", 2.0), (b"a", 1.0)])), None);
        assert_eq!(ZSet::decode(&rec(0, &[(b"a", 1.0), (b"a", 1.0)])), None);
        assert_eq!(ZSet::decode(&rec(1, &[(b"a", 1.0), (b"a", 2.0)])), None);
        assert_eq!(ZSet::decode(&rec(1, &[(b"a", f64::NAN)])), None);
        assert_eq!(ZSet::decode(&rec(0, &[(b"a", -0.0)])), None);
        assert_eq!(ZSet::decode(&rec(2, &[(b"a", 1.0)])), None);
        // A count far beyond the bytes is refused before allocating.
        let mut huge = vec![1];
        put_varint(&mut huge, u64::MAX >> 1);
        assert_eq!(ZSet::decode(&huge), None);
    }

    #[test]
    fn big_sets_cost_less_than_redis_skiplists() {
        // Redis 7.0 spends about 100 bytes per member of a big sorted set (dict entry and
        // bucket, skiplist node, sds member). Short members here, random score order.
        let mut z = ZSet::new();
        let mut x = 7u64;
        let n = 200_000;
        for i in 0..n {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let member = format!("member:{i}");
            z.insert(member.as_bytes(), (x >> 20) as f64, &Limits::default());
        }
        let per_member = z.heap_size() as f64 / n as f64;
        eprintln!("{per_member:.1} heap bytes per member");
        assert!(per_member < 90.0, "{per_member} bytes per member");
        assert_eq!(z.len(), n);
    }

    #[test]
    fn digest_is_ordered_and_encoding_independent() {
        let mut a = ZSet::new();
        let mut b = ZSet::new();
        for (m, s) in [("x", 2.0), ("y", 1.0)] {
            add(&mut a, m, s);
        }
        b.add(b"y", 1.0, AddFlags::default(), &Limits::default())
            .unwrap();
        b.add(b"x", 2.0, AddFlags::default(), &Limits::default())
            .unwrap();
        b.convert();
        let feed = |z: &ZSet| {
            let mut parts = Vec::new();
            z.digest(&mut |p| parts.push(p.to_vec()));
            parts
        };
        assert_eq!(feed(&a), feed(&b));
        assert_eq!(feed(&a).len(), 2);
    }

    /// A model: member → score, ordered on demand.
    fn model_order(m: &BTreeMap<Vec<u8>, f64>) -> Vec<(Vec<u8>, f64)> {
        let mut v: Vec<(Vec<u8>, f64)> = m.iter().map(|(k, s)| (k.clone(), *s)).collect();
        v.sort_by(|a, b| cmp_entry(a.1, &a.0, b.1, &b.0));
        v
    }

    #[derive(Debug, Clone)]
    enum Op {
        Add(Vec<u8>, f64, AddFlags),
        Remove(Vec<u8>),
        RemoveRanks(usize, usize),
        Pop(bool),
        ScoreRange(f64, bool, f64, bool),
    }

    fn member() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b'c')], 0..8)
    }

    fn score() -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(0.0),
            Just(-0.0),
            Just(1.5),
            Just(-3.0),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            (-20i32..20).prop_map(f64::from),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            8 => (member(), score(), any::<[bool; 5]>()).prop_map(|(m, s, f)| {
                let (nx, xx, gt, lt, incr) = (f[0] && f[1], f[2] && f[3] && !f[0], f[4] && !f[0], !f[4] && f[1] && !f[0], f[3] && f[4]);
                Op::Add(m, s, AddFlags { nx, xx, gt, lt, incr })
            }),
            3 => member().prop_map(Op::Remove),
            1 => (0usize..40, 0usize..6).prop_map(|(a, n)| Op::RemoveRanks(a, n)),
            1 => any::<bool>().prop_map(Op::Pop),
            2 => (score(), any::<bool>(), score(), any::<bool>()).prop_map(|(a, ax, b, bx)| Op::ScoreRange(a, ax, b, bx)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn matches_a_model(ops in proptest::collection::vec(op(), 0..120), tiny in any::<bool>()) {
            let limits = if tiny { small() } else { Limits { zset_max_listpack_entries: 16, ..small() } };
            let mut z = ZSet::new();
            let mut model: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
            let mut converted = false;
            for op in ops {
                match op {
                    Op::Add(m, s, flags) => {
                        let cur = model.get(&m).copied();
                        let expect = match cur {
                            Some(_) if flags.nx => Ok(AddOutcome::Skipped),
                            Some(c) => {
                                let new = if flags.incr { s + c } else { s };
                                if new.is_nan() {
                                    Err(NanScore)
                                } else if (flags.lt && new >= c) || (flags.gt && new <= c) {
                                    Ok(AddOutcome::Skipped)
                                } else if new == c {
                                    Ok(AddOutcome::Unchanged(new))
                                } else {
                                    model.insert(m.clone(), new);
                                    Ok(AddOutcome::Updated(new))
                                }
                            }
                            None if flags.xx => Ok(AddOutcome::Skipped),
                            None => {
                                if model.len() + 1 > limits.zset_max_listpack_entries as usize
                                    || m.len() > limits.zset_max_listpack_value as usize
                                {
                                    converted = true;
                                }
                                model.insert(m.clone(), s);
                                Ok(AddOutcome::Added(s))
                            }
                        };
                        prop_assert_eq!(z.add(&m, s, flags, &limits), expect);
                    }
                    Op::Remove(m) => {
                        prop_assert_eq!(z.remove(&m), model.remove(&m).is_some());
                    }
                    Op::RemoveRanks(start, n) => {
                        let order = model_order(&model);
                        let end = (start + n).min(order.len());
                        let start = start.min(end);
                        for (m, _) in &order[start..end] {
                            model.remove(m);
                        }
                        prop_assert_eq!(z.remove_ranks(start..start + n), end - start);
                    }
                    Op::Pop(max) => {
                        let order = model_order(&model);
                        let pick = if max { order.last() } else { order.first() };
                        let rank = if max { z.len().saturating_sub(1) } else { 0 };
                        let got = z.remove_rank(rank);
                        prop_assert_eq!(got.as_ref().map(|(m, _)| m.to_vec()), pick.map(|p| p.0.clone()));
                        if let Some((m, _)) = pick {
                            model.remove(m);
                        }
                    }
                    Op::ScoreRange(min, minex, max, maxex) => {
                        let r = ScoreRange { min, max, minex, maxex };
                        let inside = |s: f64| (if minex { s > min } else { s >= min }) && (if maxex { s < max } else { s <= max });
                        let order = model_order(&model);
                        let expect: Vec<usize> = (0..order.len()).filter(|&i| inside(order[i].1)).collect();
                        let got: Vec<usize> = z.score_ranks(&r).collect();
                        prop_assert_eq!(got, expect);
                    }
                }
                z.check();
                prop_assert_eq!(z.encoding(), if converted { "skiplist" } else { "listpack" });
                let order = model_order(&model);
                let got: Vec<(Vec<u8>, f64)> = z.iter().map(|(m, s)| (m.to_vec(), s)).collect();
                prop_assert_eq!(got.len(), order.len());
                for (i, ((gm, gs), (mm, ms))) in got.iter().zip(&order).enumerate() {
                    prop_assert_eq!(gm, mm);
                    prop_assert!(gs == ms);
                    prop_assert_eq!(z.rank(mm), Some(i));
                    prop_assert!(z.score(mm) == Some(*ms));
                }
            }
            let mut out = Vec::new();
            z.encode(&mut out);
            prop_assert_eq!(ZSet::decode(&out), Some(z));
        }

        #[test]
        fn lex_ranges_match_a_model(ms in proptest::collection::btree_set(member(), 0..30), a in member(), b in member(), ax in any::<bool>(), bx in any::<bool>()) {
            let mut z = ZSet::new();
            for m in &ms {
                z.add(m, 0.0, AddFlags::default(), &small()).unwrap();
            }
            let sorted: Vec<&Vec<u8>> = ms.iter().collect();
            let bound = |m: &Vec<u8>, ex: bool| if ex { LexBound::Excl(Bytes::copy_from_slice(m)) } else { LexBound::Incl(Bytes::copy_from_slice(m)) };
            let r = LexRange { min: bound(&a, ax), max: bound(&b, bx) };
            let expect: Vec<usize> = (0..sorted.len())
                .filter(|&i| {
                    let m = sorted[i];
                    (if ax { m > &a } else { m >= &a }) && (if bx { m < &b } else { m <= &b })
                })
                .collect();
            prop_assert_eq!(z.lex_ranks(&r).collect::<Vec<_>>(), expect);
        }
    }
}
