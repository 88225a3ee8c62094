//! [`Stream`]: Redis's stream type — an append-only log of entries keyed by [`StreamId`], each a
//! list of field/value pairs, plus consumer groups with their pending-entries lists (PELs).
//!
//! # Representation
//!
//! Entries live in *nodes*, like Redis's listpacks in a radix tree: a `BTreeMap` from each
//! node's master ID (the ID of the first entry ever put in it) to a [`Node`] holding its entries
//! packed in one buffer. Within a node an entry costs a flags byte, two varints for its ID (as a
//! difference from the master ID) and its values; an entry whose fields are the node's master
//! fields stores only its values (Redis's SAMEFIELDS trick). Seeking an ID is O(log n) in nodes
//! plus a scan of one node (at most `stream-node-max-entries` entries).
//!
//! Deleted entries stay in their node, flagged, until the whole node goes — exactly as in Redis —
//! and a node is closed when Redis would close its listpack: when its live plus deleted entries
//! reach `stream-node-max-entries`, or when the listpack Redis would have built
//! ([`Node::lp_bytes`] emulates its size) plus the new fields would reach
//! `stream-node-max-bytes`. Node boundaries are therefore Redis's, which is what makes
//! approximate trimming (`MAXLEN ~`, `MINID ~`) and XINFO's `radix-tree-keys`/`radix-tree-nodes`
//! match redis-server.
//!
//! Everything here is plain data: the caller passes the clock (`now`, the log entry's time in
//! apply) and the encoding limits, so every replica computes the same thing.

use std::collections::{btree_map, BTreeMap, BTreeSet};
use std::fmt;

use bytes::Bytes;

use super::Limits;
use crate::cmd::parse::parse_i64;

// ---------------------------------------------------------------------------------------------
// IDs
// ---------------------------------------------------------------------------------------------

/// A stream entry ID, `ms-seq`, ordered as Redis orders them (by `ms`, then by `seq`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    /// Milliseconds part.
    pub ms: u64,
    /// Sequence part.
    pub seq: u64,
}

impl StreamId {
    /// `0-0`, the smallest ID (XRANGE's `-`).
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    /// The largest ID (XRANGE's `+`).
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    /// `ms-seq`.
    pub const fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// True for `0-0`.
    pub fn is_zero(self) -> bool {
        self == StreamId::MIN
    }

    /// The next ID, `None` after [`StreamId::MAX`].
    pub fn incr(self) -> Option<StreamId> {
        if self.seq < u64::MAX {
            Some(StreamId::new(self.ms, self.seq + 1))
        } else if self.ms < u64::MAX {
            Some(StreamId::new(self.ms + 1, 0))
        } else {
            None
        }
    }

    /// The previous ID, `None` before [`StreamId::MIN`].
    pub fn decr(self) -> Option<StreamId> {
        if self.seq > 0 {
            Some(StreamId::new(self.ms, self.seq - 1))
        } else if self.ms > 0 {
            Some(StreamId::new(self.ms - 1, u64::MAX))
        } else {
            None
        }
    }

    /// The ID as Redis prints it (`1526919030474-55`), as a `Bytes`.
    pub fn to_bytes(self) -> Bytes {
        let mut out = Vec::with_capacity(41);
        self.write_to(&mut out);
        Bytes::from(out)
    }

    /// Appends the ID as Redis prints it.
    pub fn write_to(self, out: &mut Vec<u8>) {
        let mut buf = itoa::Buffer::new();
        out.extend_from_slice(buf.format(self.ms).as_bytes());
        out.push(b'-');
        out.extend_from_slice(buf.format(self.seq).as_bytes());
    }

    /// The 16-byte big-endian key Redis's radix tree sorts by.
    fn be_bytes(self) -> [u8; 16] {
        let mut k = [0u8; 16];
        k[..8].copy_from_slice(&self.ms.to_be_bytes());
        k[8..].copy_from_slice(&self.seq.to_be_bytes());
        k
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// A stream ID argument as parsed: the ID and whether its sequence was given (`ms-*` in XADD
/// leaves it to the stream).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParsedId {
    /// The ID (`seq` is 0 when not given).
    pub id: StreamId,
    /// False for XADD's `ms-*`.
    pub seq_given: bool,
}

/// How [`parse_id`] reads an argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdSyntax {
    /// The sequence used when the argument is only `ms` (0 for a range start, `u64::MAX` for an
    /// end).
    pub missing_seq: u64,
    /// Refuse `-` and `+` (everything but range bounds and XGROUP SETID).
    pub strict: bool,
    /// Accept `ms-*` (XADD).
    pub auto_seq: bool,
}

impl IdSyntax {
    /// `ms[-seq]`, `ms` meaning `ms-0`, no `-`/`+`: most commands.
    pub const STRICT: IdSyntax = IdSyntax {
        missing_seq: 0,
        strict: true,
        auto_seq: false,
    };
}

/// Parses a stream ID argument with Redis's acceptance rules: at most 127 bytes; the text stops
/// at a NUL (Redis copies it into a C string); `ms` and `seq` are unsigned 64-bit numbers read
/// like Redis's `string2ull` (a canonical integer, or else whatever C's `strtoull` accepts
/// whole: leading spaces, a sign, leading zeros); `-` and `+` alone are the extreme IDs unless
/// `strict`.
pub fn parse_id(arg: &[u8], syntax: IdSyntax) -> Option<ParsedId> {
    if arg.len() > 127 {
        return None;
    }
    if !syntax.strict && arg.len() == 1 {
        match arg[0] {
            b'-' => {
                return Some(ParsedId {
                    id: StreamId::MIN,
                    seq_given: true,
                })
            }
            b'+' => {
                return Some(ParsedId {
                    id: StreamId::MAX,
                    seq_given: true,
                })
            }
            _ => {}
        }
    }
    let text = match arg.iter().position(|&c| c == 0) {
        Some(nul) => &arg[..nul],
        None => arg,
    };
    match text.iter().position(|&c| c == b'-') {
        None => Some(ParsedId {
            id: StreamId::new(string2ull(text)?, syntax.missing_seq),
            seq_given: true,
        }),
        Some(dash) => {
            let ms = string2ull(&text[..dash])?;
            let seq_text = &text[dash + 1..];
            if syntax.auto_seq && seq_text == b"*" {
                return Some(ParsedId {
                    id: StreamId::new(ms, 0),
                    seq_given: false,
                });
            }
            Some(ParsedId {
                id: StreamId::new(ms, string2ull(seq_text)?),
                seq_given: true,
            })
        }
    }
}

/// Redis's `string2ull`: a canonical signed integer that is not negative, or else C's
/// `strtoull` over the whole text (base 10).
fn string2ull(s: &[u8]) -> Option<u64> {
    if let Some(v) = parse_i64(s) {
        return u64::try_from(v).ok();
    }
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = &s[i..];
    if digits.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    // strtoull negates in unsigned arithmetic.
    Some(if negative { v.wrapping_neg() } else { v })
}

// ---------------------------------------------------------------------------------------------
// Redis listpack sizes (to close nodes where Redis closes them)
// ---------------------------------------------------------------------------------------------

/// Bytes of a listpack element's back-length for an element of `l` bytes.
fn lp_backlen(l: u64) -> u64 {
    match l {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    }
}

/// Bytes of an integer element in a listpack.
fn lp_int_len(v: i64) -> u64 {
    let enc = match v {
        0..=127 => 1,
        -4096..=4095 => 2,
        -32768..=32767 => 3,
        -8_388_608..=8_388_607 => 4,
        -2_147_483_648..=2_147_483_647 => 5,
        _ => 9,
    };
    enc + 1
}

/// Bytes of a string element in a listpack (strings that read as integers are stored as such).
fn lp_str_len(s: &[u8]) -> u64 {
    if s.len() <= 20 {
        if let Some(v) = parse_i64(s) {
            return lp_int_len(v);
        }
    }
    let n = s.len() as u64;
    let enc = if n < 64 {
        1 + n
    } else if n < 4096 {
        2 + n
    } else {
        5 + n
    };
    enc + lp_backlen(enc)
}

fn lp_count_len(v: u64) -> u64 {
    lp_int_len(i64::try_from(v).unwrap_or(i64::MAX))
}

// ---------------------------------------------------------------------------------------------
// Varints
// ---------------------------------------------------------------------------------------------

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A minimal LEB128 varint at `*pos`; `None` if truncated, overlong or over 64 bits.
fn get_varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v: u64 = 0;
    let mut shift = 0u32;
    loop {
        let b = *buf.get(*pos)?;
        *pos += 1;
        let bits = u64::from(b & 0x7f);
        if shift == 63 && bits > 1 {
            return None;
        }
        v |= bits << shift;
        if b & 0x80 == 0 {
            // A trailing zero byte would be a non-minimal encoding.
            if b == 0 && shift > 0 {
                return None;
            }
            return Some(v);
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

/// A varint written by this module (trusted: the buffer was built or validated here).
fn varint_at(buf: &[u8], pos: &mut usize) -> u64 {
    let mut v: u64 = 0;
    let mut shift = 0;
    loop {
        let b = buf[*pos];
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return v;
        }
        shift += 7;
    }
}

/// A length-prefixed string written by this module.
fn string_at<'a>(buf: &'a [u8], pos: &mut usize) -> &'a [u8] {
    let len = varint_at(buf, pos) as usize;
    let s = &buf[*pos..*pos + len];
    *pos += len;
    s
}

fn put_string(out: &mut Vec<u8>, s: &[u8]) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// A difference as Redis keeps it (a wrapping signed 64-bit value), zigzag-mapped so small
/// negative differences stay small.
fn zigzag(delta: u64) -> u64 {
    let v = delta as i64;
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(z: u64) -> u64 {
    ((z >> 1) as i64 ^ -((z & 1) as i64)) as u64
}

// ---------------------------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------------------------

const FLAG_DELETED: u8 = 1;
const FLAG_SAMEFIELDS: u8 = 2;

/// A run of consecutive entries (Redis's listpack node). Keyed in [`Stream`] by its master ID,
/// the ID of its first entry.
///
/// `buf` holds the master fields (`[count][field]…`) and then the entries, each
/// `[flags][ms - master.ms][seq - master.seq]` (zigzag varints of the wrapping differences, as
/// Redis stores them) followed by its values (SAMEFIELDS) or by `[count][field][value]…`.
/// Strings are `[varint length][bytes]`.
///
/// Live entries are in increasing ID order across the whole stream. Deleted ones need not be:
/// XSETID may lower the last ID below a deleted entry, and the next XADD lands after it (as in
/// Redis), so every scan skips deleted entries before comparing IDs.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Node {
    buf: Vec<u8>,
    /// Offset of the first entry in `buf`.
    entries_at: u32,
    /// Number of master fields.
    nfields: u32,
    /// Entries not flagged deleted.
    live: u32,
    /// Entries flagged deleted.
    deleted: u32,
    /// Bytes Redis's listpack spends on the master fields and the entries (the counters in
    /// the master entry are added by [`Node::lp_bytes`], as their size varies).
    lp_body: u64,
    /// ID of the last entry, deleted or not.
    last: StreamId,
}

/// One entry of a node as stored.
#[derive(Clone, Copy, Debug)]
struct RawEntry {
    /// Offset of the flags byte.
    at: usize,
    flags: u8,
    id: StreamId,
    /// Offset of the values (SAMEFIELDS) or of the field count.
    body: usize,
    /// Offset of the next entry.
    end: usize,
}

impl Node {
    /// A node whose master entry is `id` with `fields` (flat field, value, …).
    fn new(id: StreamId, fields: &[Bytes]) -> Node {
        let nfields = fields.len() / 2;
        let mut buf = Vec::new();
        put_varint(&mut buf, nfields as u64);
        let mut lp_body = 0;
        for f in fields.iter().step_by(2) {
            put_string(&mut buf, f);
            lp_body += lp_str_len(f);
        }
        let entries_at = buf.len() as u32;
        let mut node = Node {
            buf,
            entries_at,
            nfields: nfields as u32,
            live: 0,
            deleted: 0,
            lp_body,
            last: id,
        };
        node.append(id, id, fields);
        node
    }

    /// The master fields.
    fn master_fields(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let mut pos = 0;
        let n = varint_at(&self.buf, &mut pos);
        (0..n).map(move |_| string_at(&self.buf, &mut pos))
    }

    fn same_fields(&self, fields: &[Bytes]) -> bool {
        fields.len() / 2 == self.nfields as usize
            && self
                .master_fields()
                .zip(fields.iter().step_by(2))
                .all(|(m, f)| m == &f[..])
    }

    /// The size of the listpack Redis would hold for this node.
    fn lp_bytes(&self) -> u64 {
        // Header (total bytes, element count), end byte, then the master entry's counters:
        // live count, deleted count, field count, and the terminating 0.
        6 + 1
            + lp_count_len(u64::from(self.live))
            + lp_count_len(u64::from(self.deleted))
            + lp_count_len(u64::from(self.nfields))
            + lp_int_len(0)
            + self.lp_body
    }

    /// Appends entry `id` (greater than every live ID in the stream).
    fn append(&mut self, master: StreamId, id: StreamId, fields: &[Bytes]) {
        let n = fields.len() / 2;
        let same = self.same_fields(fields);
        let flags = if same { FLAG_SAMEFIELDS } else { 0 };
        let ms_delta = id.ms.wrapping_sub(master.ms);
        let seq_delta = id.seq.wrapping_sub(master.seq);
        let buf = &mut self.buf;
        buf.push(flags);
        put_varint(buf, zigzag(ms_delta));
        put_varint(buf, zigzag(seq_delta));
        let mut lp = lp_int_len(i64::from(flags))
            + lp_int_len(ms_delta as i64)
            + lp_int_len(seq_delta as i64);
        if same {
            for v in fields.iter().skip(1).step_by(2) {
                put_string(buf, v);
                lp += lp_str_len(v);
            }
            lp += lp_count_len(n as u64 + 3);
        } else {
            put_varint(buf, n as u64);
            lp += lp_count_len(n as u64);
            for s in fields.iter().take(n * 2) {
                put_string(buf, s);
                lp += lp_str_len(s);
            }
            lp += lp_count_len(2 * n as u64 + 4);
        }
        self.lp_body += lp;
        self.live += 1;
        self.last = id;
    }

    /// The entry stored at `at`.
    fn entry_at(&self, master: StreamId, at: usize) -> RawEntry {
        let buf = &self.buf;
        let flags = buf[at];
        let mut pos = at + 1;
        let ms_delta = unzigzag(varint_at(buf, &mut pos));
        let seq_delta = unzigzag(varint_at(buf, &mut pos));
        let id = StreamId::new(
            master.ms.wrapping_add(ms_delta),
            master.seq.wrapping_add(seq_delta),
        );
        let body = pos;
        let strings = if flags & FLAG_SAMEFIELDS != 0 {
            u64::from(self.nfields)
        } else {
            2 * varint_at(buf, &mut pos)
        };
        for _ in 0..strings {
            let len = varint_at(buf, &mut pos) as usize;
            pos += len;
        }
        RawEntry {
            at,
            flags,
            id,
            body,
            end: pos,
        }
    }

    /// All entries, deleted ones included, in order.
    fn raw_entries(&self, master: StreamId) -> RawEntries<'_> {
        RawEntries {
            node: self,
            master,
            pos: self.entries_at as usize,
        }
    }

    fn view(&self, raw: RawEntry) -> Entry<'_> {
        Entry {
            id: raw.id,
            node: self,
            body: raw.body,
            same: raw.flags & FLAG_SAMEFIELDS != 0,
        }
    }

    /// Flags the entry at `at` deleted.
    fn mark_deleted(&mut self, at: usize) {
        self.buf[at] |= FLAG_DELETED;
        self.live -= 1;
        self.deleted += 1;
    }

    /// Parses and checks a node from untrusted bytes: `None` unless `buf` is laid out as
    /// [`Node::new`] and [`Node::append`] (and deletions) write it for `master`: the first
    /// entry is the master, SAMEFIELDS is used exactly when the fields are the master's, and
    /// live IDs keep increasing after `prev_live` (the last live ID of the nodes before).
    fn validate(master: StreamId, buf: Vec<u8>, prev_live: &mut Option<StreamId>) -> Option<Node> {
        let mut pos = 0;
        let nfields = get_varint(&buf, &mut pos)?;
        let mut lp_body = 0;
        let mut master_fields: Vec<(usize, usize)> = Vec::new();
        for _ in 0..nfields {
            let len = usize::try_from(get_varint(&buf, &mut pos)?).ok()?;
            let end = pos.checked_add(len).filter(|&e| e <= buf.len())?;
            lp_body += lp_str_len(&buf[pos..end]);
            master_fields.push((pos, end));
            pos = end;
        }
        let nfields = u32::try_from(nfields).ok()?;
        let entries_at = u32::try_from(pos).ok()?;
        let (mut live, mut deleted) = (0u32, 0u32);
        let mut last: Option<StreamId> = None;
        while pos < buf.len() {
            let flags = buf[pos];
            pos += 1;
            if flags & !(FLAG_DELETED | FLAG_SAMEFIELDS) != 0 {
                return None;
            }
            let ms_delta = unzigzag(get_varint(&buf, &mut pos)?);
            let seq_delta = unzigzag(get_varint(&buf, &mut pos)?);
            let id = StreamId::new(
                master.ms.wrapping_add(ms_delta),
                master.seq.wrapping_add(seq_delta),
            );
            if last.is_none() && id != master {
                return None;
            }
            last = Some(id);
            if flags & FLAG_DELETED == 0 {
                if prev_live.is_some_and(|p| id <= p) {
                    return None;
                }
                *prev_live = Some(id);
            }
            let mut lp = lp_int_len(i64::from(flags & FLAG_SAMEFIELDS))
                + lp_int_len(ms_delta as i64)
                + lp_int_len(seq_delta as i64);
            if flags & FLAG_SAMEFIELDS != 0 {
                for _ in 0..nfields {
                    let len = usize::try_from(get_varint(&buf, &mut pos)?).ok()?;
                    let end = pos.checked_add(len).filter(|&e| e <= buf.len())?;
                    lp += lp_str_len(&buf[pos..end]);
                    pos = end;
                }
                lp += lp_count_len(u64::from(nfields) + 3);
            } else {
                let n = get_varint(&buf, &mut pos)?;
                lp += lp_count_len(n);
                let mut same = n == u64::from(nfields);
                for i in 0..n.checked_mul(2)? {
                    let len = usize::try_from(get_varint(&buf, &mut pos)?).ok()?;
                    let end = pos.checked_add(len).filter(|&e| e <= buf.len())?;
                    let s = &buf[pos..end];
                    lp += lp_str_len(s);
                    if same && i % 2 == 0 {
                        let (a, b) = master_fields[(i / 2) as usize];
                        same = &buf[a..b] == s;
                    }
                    pos = end;
                }
                // The writer always uses SAMEFIELDS when it can.
                if same {
                    return None;
                }
                lp += lp_count_len(n.checked_mul(2)?.checked_add(4)?);
            }
            lp_body += lp;
            if flags & FLAG_DELETED != 0 {
                deleted = deleted.checked_add(1)?;
            } else {
                live = live.checked_add(1)?;
            }
        }
        let last = last?;
        Some(Node {
            buf,
            entries_at,
            nfields,
            live,
            deleted,
            lp_body,
            last,
        })
    }
}

/// Iterator over a node's stored entries.
struct RawEntries<'a> {
    node: &'a Node,
    master: StreamId,
    pos: usize,
}

impl Iterator for RawEntries<'_> {
    type Item = RawEntry;

    fn next(&mut self) -> Option<RawEntry> {
        if self.pos >= self.node.buf.len() {
            return None;
        }
        let e = self.node.entry_at(self.master, self.pos);
        self.pos = e.end;
        Some(e)
    }
}

// ---------------------------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------------------------

/// A live entry, borrowed from its stream.
#[derive(Clone, Copy)]
pub struct Entry<'a> {
    /// Its ID.
    pub id: StreamId,
    node: &'a Node,
    body: usize,
    same: bool,
}

impl fmt::Debug for Entry<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("id", &self.id)
            .field("pairs", &self.pairs())
            .finish()
    }
}

impl<'a> Entry<'a> {
    /// Number of field/value pairs.
    pub fn len(&self) -> usize {
        if self.same {
            self.node.nfields as usize
        } else {
            let mut pos = self.body;
            varint_at(&self.node.buf, &mut pos) as usize
        }
    }

    /// True for an entry without pairs (never produced by XADD).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The field/value pairs, in order.
    pub fn fields(&self) -> Fields<'a> {
        let buf = &self.node.buf;
        if self.same {
            let mut master = 0;
            let n = varint_at(buf, &mut master);
            Fields {
                buf,
                master: Some(master),
                pos: self.body,
                left: n,
            }
        } else {
            let mut pos = self.body;
            let n = varint_at(buf, &mut pos);
            Fields {
                buf,
                master: None,
                pos,
                left: n,
            }
        }
    }

    /// The pairs as owned vectors (tests, debugging).
    pub fn pairs(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.fields()
            .map(|(f, v)| (f.to_vec(), v.to_vec()))
            .collect()
    }
}

/// Iterator over an entry's field/value pairs.
pub struct Fields<'a> {
    buf: &'a [u8],
    /// Position in the master fields (SAMEFIELDS entries).
    master: Option<usize>,
    pos: usize,
    left: u64,
}

impl<'a> Iterator for Fields<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let field = match &mut self.master {
            Some(m) => string_at(self.buf, m),
            None => string_at(self.buf, &mut self.pos),
        };
        let value = string_at(self.buf, &mut self.pos);
        Some((field, value))
    }
}

/// Every stored entry (deleted ones included), in storage order, from a starting node on.
struct RawScan<'a> {
    nodes: btree_map::Range<'a, StreamId, Node>,
    current: Option<(&'a Node, RawEntries<'a>)>,
}

impl<'a> RawScan<'a> {
    /// From the node that may hold `start` (the last one keyed at or below it): live entries
    /// in earlier nodes are all below that node's key.
    fn from(nodes: &'a BTreeMap<StreamId, Node>, start: StreamId) -> RawScan<'a> {
        let from = nodes
            .range(..=start)
            .next_back()
            .map_or(StreamId::MIN, |(&k, _)| k);
        RawScan {
            nodes: nodes.range(from..),
            current: None,
        }
    }

    fn empty() -> RawScan<'a> {
        RawScan {
            nodes: btree_map::Range::default(),
            current: None,
        }
    }
}

impl<'a> Iterator for RawScan<'a> {
    type Item = (StreamId, &'a Node, RawEntry);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((node, entries)) = &mut self.current {
                if let Some(e) = entries.next() {
                    return Some((entries.master, node, e));
                }
            }
            let (&master, node) = self.nodes.next()?;
            self.current = Some((node, node.raw_entries(master)));
        }
    }
}

/// Live entries with IDs in `start..=end`, ascending.
pub struct Range<'a> {
    scan: RawScan<'a>,
    start: StreamId,
    end: StreamId,
}

impl<'a> Iterator for Range<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        loop {
            let (_, node, e) = self.scan.next()?;
            if e.flags & FLAG_DELETED != 0 {
                continue;
            }
            if e.id > self.end {
                self.scan = RawScan::empty();
                return None;
            }
            if e.id >= self.start {
                return Some(node.view(e));
            }
        }
    }
}

/// Live entries with IDs in `start..=end`, descending.
pub struct RevRange<'a> {
    nodes: std::iter::Rev<btree_map::Range<'a, StreamId, Node>>,
    node: Option<&'a Node>,
    /// Entries of the current node still to visit (popped from the back).
    pending: Vec<RawEntry>,
    start: StreamId,
    end: StreamId,
}

impl<'a> Iterator for RevRange<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        loop {
            if let (Some(node), Some(e)) = (self.node, self.pending.pop()) {
                if e.flags & FLAG_DELETED != 0 {
                    continue;
                }
                if e.id < self.start {
                    self.pending.clear();
                    self.node = None;
                    self.nodes = btree_map::Range::default().rev();
                    return None;
                }
                if e.id <= self.end {
                    return Some(node.view(e));
                }
                continue;
            }
            let (&master, node) = self.nodes.next()?;
            self.node = Some(node);
            self.pending.clear();
            self.pending.extend(node.raw_entries(master));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Consumer groups
// ---------------------------------------------------------------------------------------------

/// A pending entry: delivered to a consumer of a group and not acknowledged yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nack {
    /// Unix ms of the last delivery.
    pub delivery_time: u64,
    /// Number of deliveries.
    pub delivery_count: u64,
    /// The consumer owning it.
    pub consumer: Bytes,
}

/// A consumer of a group.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Consumer {
    /// Unix ms the consumer was last seen (created, read, claimed).
    pub seen_time: u64,
    pel: BTreeSet<StreamId>,
}

impl Consumer {
    /// IDs pending for this consumer, ascending.
    pub fn pending(&self) -> impl DoubleEndedIterator<Item = StreamId> + '_ {
        self.pel.iter().copied()
    }

    /// IDs pending for this consumer from `start` on.
    pub fn pending_from(&self, start: StreamId) -> impl Iterator<Item = StreamId> + '_ {
        self.pel.range(start..).copied()
    }

    /// Number of pending entries.
    pub fn pending_count(&self) -> usize {
        self.pel.len()
    }
}

/// A consumer group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// Last ID delivered to the group.
    pub last_id: StreamId,
    /// Logical count of entries the group has read (`None` when unknown).
    pub entries_read: Option<u64>,
    pel: BTreeMap<StreamId, Nack>,
    consumers: BTreeMap<Bytes, Consumer>,
}

impl Group {
    fn new(last_id: StreamId, entries_read: Option<u64>) -> Group {
        Group {
            last_id,
            entries_read,
            pel: BTreeMap::new(),
            consumers: BTreeMap::new(),
        }
    }

    /// The group's pending entries, ascending.
    pub fn pending(&self) -> impl DoubleEndedIterator<Item = (StreamId, &Nack)> + '_ {
        self.pel.iter().map(|(&id, n)| (id, n))
    }

    /// Pending entries with IDs in `start..=end`.
    pub fn pending_range(
        &self,
        start: StreamId,
        end: StreamId,
    ) -> impl Iterator<Item = (StreamId, &Nack)> + '_ {
        let r = if start <= end {
            self.pel.range(start..=end)
        } else {
            btree_map::Range::default()
        };
        r.map(|(&id, n)| (id, n))
    }

    /// The pending entry `id`.
    pub fn nack(&self, id: StreamId) -> Option<&Nack> {
        self.pel.get(&id)
    }

    /// Number of pending entries.
    pub fn pending_count(&self) -> usize {
        self.pel.len()
    }

    /// The consumers, by name.
    pub fn consumers(&self) -> impl Iterator<Item = (&Bytes, &Consumer)> + '_ {
        self.consumers.iter()
    }

    /// Number of consumers.
    pub fn consumer_count(&self) -> usize {
        self.consumers.len()
    }

    /// The consumer `name`.
    pub fn consumer(&self, name: &[u8]) -> Option<&Consumer> {
        self.consumers.get(name)
    }

    /// Creates consumer `name` (XGROUP CREATECONSUMER); false if it exists.
    pub fn create_consumer(&mut self, name: &[u8], now: u64) -> bool {
        if self.consumers.contains_key(name) {
            return false;
        }
        self.consumers.insert(
            Bytes::copy_from_slice(name),
            Consumer {
                seen_time: now,
                pel: BTreeSet::new(),
            },
        );
        true
    }

    /// Looks consumer `name` up, creating it if needed, and marks it seen at `now`. Returns
    /// the name as stored (shared by its pending entries).
    fn touch_consumer(&mut self, name: &[u8], now: u64) -> Bytes {
        match self.consumers.get_key_value(name) {
            Some((k, _)) => {
                let k = k.clone();
                if let Some(c) = self.consumers.get_mut(name) {
                    c.seen_time = now;
                }
                k
            }
            None => {
                let k = Bytes::copy_from_slice(name);
                self.consumers.insert(
                    k.clone(),
                    Consumer {
                        seen_time: now,
                        pel: BTreeSet::new(),
                    },
                );
                k
            }
        }
    }

    /// Deletes consumer `name` and its pending entries (XGROUP DELCONSUMER): the number of
    /// entries it had pending, `None` if there is no such consumer.
    pub fn delete_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let c = self.consumers.remove(name)?;
        for id in &c.pel {
            self.pel.remove(id);
        }
        Some(c.pel.len())
    }

    /// Acknowledges `id` (XACK): true if it was pending.
    pub fn ack(&mut self, id: StreamId) -> bool {
        match self.pel.remove(&id) {
            Some(nack) => {
                if let Some(c) = self.consumers.get_mut(&nack.consumer) {
                    c.pel.remove(&id);
                }
                true
            }
            None => false,
        }
    }

    /// Sets the last delivered ID and the read counter (XGROUP SETID).
    pub fn set_id(&mut self, last_id: StreamId, entries_read: Option<u64>) {
        self.last_id = last_id;
        self.entries_read = entries_read;
    }

    /// Makes `id` pending for `consumer` (stored name) with a fresh delivery at `now`, taking
    /// it from its previous owner if it was pending already.
    fn deliver(&mut self, id: StreamId, consumer: &Bytes, now: u64) {
        let fresh = Nack {
            delivery_time: now,
            delivery_count: 1,
            consumer: consumer.clone(),
        };
        if let Some(old) = self.pel.insert(id, fresh) {
            if old.consumer != *consumer {
                if let Some(c) = self.consumers.get_mut(&old.consumer) {
                    c.pel.remove(&id);
                }
            }
        }
        if let Some(c) = self.consumers.get_mut(consumer) {
            c.pel.insert(id);
        }
    }

    /// Gives the pending entry `id` to `consumer`.
    fn transfer(&mut self, id: StreamId, consumer: &Bytes) {
        let Some(nack) = self.pel.get_mut(&id) else {
            return;
        };
        if nack.consumer != *consumer {
            let old = std::mem::replace(&mut nack.consumer, consumer.clone());
            if let Some(c) = self.consumers.get_mut(&old) {
                c.pel.remove(&id);
            }
            if let Some(c) = self.consumers.get_mut(consumer) {
                c.pel.insert(id);
            }
        }
    }

    /// Drops the pending entry `id` (its stream entry is gone).
    fn forget(&mut self, id: StreamId) {
        self.ack(id);
    }
}

/// XCLAIM's options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Claim {
    /// Claim only entries idle at least this long (ms); 0 claims all.
    pub min_idle: u64,
    /// The delivery time to record (IDLE/TIME, already checked against the clock); `None`
    /// records `now`.
    pub delivery_time: Option<u64>,
    /// RETRYCOUNT: the delivery count to record.
    pub retry_count: Option<u64>,
    /// FORCE: create the pending entry if the stream has the entry but no one has it pending.
    pub force: bool,
    /// JUSTID: do not count a delivery.
    pub justid: bool,
}

/// What XAUTOCLAIM did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AutoClaimed {
    /// Where the next call should start (`0-0` when the scan reached the end).
    pub next: StreamId,
    /// IDs claimed, ascending.
    pub claimed: Vec<StreamId>,
    /// Pending IDs whose entry no longer exists, dropped from the PEL.
    pub deleted: Vec<StreamId>,
}

// ---------------------------------------------------------------------------------------------
// The stream
// ---------------------------------------------------------------------------------------------

/// How XADD picks the new entry's ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewId {
    /// `*`: from the clock.
    Auto,
    /// `ms-*`: this ms part, the sequence from the stream.
    AutoSeq(u64),
    /// An explicit ID.
    Explicit(StreamId),
}

/// Why XADD refused an ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddError {
    /// The last ID is `MAX-MAX`: nothing can follow it.
    Exhausted,
    /// The ID is not greater than the last ID.
    NotGreater,
    /// `ms-*` with `ms` equal to the last ID's and its sequence exhausted.
    SeqOverflow,
}

/// Which entries a trim removes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrimStrategy {
    /// Keep at most this many entries.
    MaxLen(u64),
    /// Drop entries with IDs below this one.
    MinId(StreamId),
}

/// A trim request (XTRIM, XADD's MAXLEN/MINID).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trim {
    /// What to remove.
    pub strategy: TrimStrategy,
    /// `~`: remove whole nodes only.
    pub approx: bool,
    /// Stop before removing more than this many entries (0: no limit).
    pub limit: u64,
}

/// Why XSETID refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetIdError {
    /// The ID is below the last live entry.
    BelowTop,
    /// ENTRIESADDED is below the stream's length.
    EntriesAddedBelowLength,
}

/// A stream: entries in nodes, the ID bookkeeping, and the consumer groups.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Stream {
    nodes: BTreeMap<StreamId, Node>,
    /// Live entries.
    len: u64,
    /// Greatest ID ever added (or set by XSETID).
    last_id: StreamId,
    /// Greatest ID deleted by XDEL (or set by XSETID).
    max_deleted: StreamId,
    /// Entries ever added (or set by XSETID).
    entries_added: u64,
    groups: BTreeMap<Bytes, Group>,
}

/// The ID bookkeeping used by the read-counter estimates (copied out so a group can be
/// updated while the stream is read).
#[derive(Clone, Copy)]
struct Meta {
    len: u64,
    first: StreamId,
    last_id: StreamId,
    max_deleted: StreamId,
    entries_added: u64,
}

impl Meta {
    /// Redis's `streamRangeHasTombstones`: whether a deleted entry may lie in `start..=end`.
    fn has_tombstones(&self, start: StreamId, end: StreamId) -> bool {
        if self.len == 0 || self.max_deleted.is_zero() {
            return false;
        }
        if self.first > self.max_deleted {
            return false;
        }
        start <= self.max_deleted && self.max_deleted <= end
    }

    /// Redis's `streamEstimateDistanceFromFirstEverEntry`: the logical position of `id` among
    /// all entries ever added, when it can be known.
    fn estimate(&self, id: StreamId) -> Option<u64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if self.len == 0 && id <= self.last_id {
            return Some(self.entries_added);
        }
        if id == self.last_id {
            return Some(self.entries_added);
        }
        if id > self.last_id {
            return None;
        }
        if self.max_deleted.is_zero() || self.max_deleted < self.first {
            if id < self.first {
                return Some(self.entries_added.wrapping_sub(self.len));
            }
            if id == self.first {
                return Some(self.entries_added.wrapping_sub(self.len).wrapping_add(1));
            }
        }
        None
    }
}

impl Stream {
    /// An empty stream.
    pub fn new() -> Stream {
        Stream::default()
    }

    /// OBJECT ENCODING.
    pub fn encoding(&self) -> &'static str {
        "stream"
    }

    /// Number of live entries (XLEN).
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// True when there are no live entries (the key still exists, as in Redis).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Approximate heap bytes owned.
    pub fn heap_size(&self) -> usize {
        const NODE_OVERHEAD: usize = 16 + std::mem::size_of::<Node>() + 16;
        let nodes: usize = self
            .nodes
            .values()
            .map(|n| n.buf.capacity() + NODE_OVERHEAD)
            .sum();
        let groups: usize = self
            .groups
            .iter()
            .map(|(name, g)| {
                let consumers: usize = g
                    .consumers
                    .iter()
                    .map(|(n, c)| n.len() + 64 + c.pel.len() * 24)
                    .sum();
                name.len() + 96 + consumers + g.pel.len() * 72
            })
            .sum();
        nodes + groups
    }

    /// The greatest ID ever added (or set by XSETID): XINFO's `last-generated-id`.
    pub fn last_id(&self) -> StreamId {
        self.last_id
    }

    /// The greatest ID removed by XDEL: XINFO's `max-deleted-entry-id`.
    pub fn max_deleted_id(&self) -> StreamId {
        self.max_deleted
    }

    /// Entries ever added: XINFO's `entries-added`.
    pub fn entries_added(&self) -> u64 {
        self.entries_added
    }

    /// The first live entry's ID, `0-0` when empty: XINFO's `recorded-first-entry-id`.
    pub fn first_id(&self) -> StreamId {
        self.first_entry().map_or(StreamId::MIN, |e| e.id)
    }

    /// The first live entry.
    pub fn first_entry(&self) -> Option<Entry<'_>> {
        self.range(StreamId::MIN, StreamId::MAX).next()
    }

    /// The last live entry.
    pub fn last_entry(&self) -> Option<Entry<'_>> {
        self.rev_range(StreamId::MIN, StreamId::MAX).next()
    }

    /// Number of nodes: XINFO's `radix-tree-keys`.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of nodes Redis's radix tree would have for these node keys: XINFO's
    /// `radix-tree-nodes`. Redis's rax is a compressed trie over the 16-byte big-endian keys:
    /// one node per run of shared bytes, one per branching point, one per key end.
    pub fn rax_node_count(&self) -> u64 {
        fn count(keys: &[[u8; 16]], depth: usize) -> u64 {
            if depth == 16 {
                return 1;
            }
            if keys.len() == 1 {
                return 2;
            }
            let (first, last) = (&keys[0], &keys[keys.len() - 1]);
            let mut p = depth;
            while p < 16 && first[p] == last[p] {
                p += 1;
            }
            let mut total = u64::from(p > depth) + 1;
            let mut i = 0;
            while i < keys.len() {
                let b = keys[i][p];
                let j = i + keys[i..].iter().take_while(|k| k[p] == b).count();
                total += count(&keys[i..j], p + 1);
                i = j;
            }
            total
        }
        if self.nodes.is_empty() {
            return 1;
        }
        let keys: Vec<[u8; 16]> = self.nodes.keys().map(|k| k.be_bytes()).collect();
        count(&keys, 0)
    }

    fn meta(&self) -> Meta {
        Meta {
            len: self.len,
            first: self.first_id(),
            last_id: self.last_id,
            max_deleted: self.max_deleted,
            entries_added: self.entries_added,
        }
    }

    /// Live entries with IDs in `start..=end`, ascending.
    pub fn range(&self, start: StreamId, end: StreamId) -> Range<'_> {
        Stream::range_of(&self.nodes, start, end)
    }

    /// Live entries with IDs in `start..=end`, descending.
    pub fn rev_range(&self, start: StreamId, end: StreamId) -> RevRange<'_> {
        // From the last node keyed at or below `end`; when there is none, from the last node
        // (Redis's seek, which matters only for entries added after XSETID went backwards).
        let nodes = if start > end {
            btree_map::Range::default()
        } else if self.nodes.range(..=end).next().is_some() {
            self.nodes.range(..=end)
        } else {
            self.nodes.range(..)
        };
        RevRange {
            nodes: nodes.rev(),
            node: None,
            pending: Vec::new(),
            start,
            end,
        }
    }

    /// The live entry `id`.
    pub fn get(&self, id: StreamId) -> Option<Entry<'_>> {
        Stream::get_in(&self.nodes, id)
    }

    /// True if a live entry has this ID.
    pub fn contains(&self, id: StreamId) -> bool {
        self.get(id).is_some()
    }

    /// The ID XADD would give an entry now.
    fn next_id(&self, new: NewId, now_ms: u64) -> Result<StreamId, AddError> {
        if self.last_id == StreamId::MAX {
            return Err(AddError::Exhausted);
        }
        let last = self.last_id;
        let id = match new {
            NewId::Auto => {
                if now_ms > last.ms {
                    StreamId::new(now_ms, 0)
                } else {
                    last.incr().ok_or(AddError::Exhausted)?
                }
            }
            NewId::AutoSeq(ms) if ms == last.ms => {
                if last.seq == u64::MAX {
                    return Err(AddError::SeqOverflow);
                }
                StreamId::new(ms, last.seq + 1)
            }
            NewId::AutoSeq(ms) => StreamId::new(ms, 0),
            NewId::Explicit(id) => id,
        };
        if id <= last {
            return Err(AddError::NotGreater);
        }
        Ok(id)
    }

    /// XADD: appends an entry with `fields` (field, value, field, value…) and returns its ID.
    /// `now_ms` is the clock `*` reads; `limits` decide when a node is full.
    ///
    /// # Errors
    /// [`AddError`] when the ID cannot follow the stream's last ID.
    pub fn add(
        &mut self,
        new: NewId,
        fields: &[Bytes],
        now_ms: u64,
        limits: &Limits,
    ) -> Result<StreamId, AddError> {
        let id = self.next_id(new, now_ms)?;
        let max_bytes = match u64::from(limits.stream_node_max_bytes) {
            0 => 1 << 30,
            b => b.min(1 << 30),
        };
        let total: u64 = fields.iter().map(|f| f.len() as u64).sum();
        let max_entries = u64::from(limits.stream_node_max_entries);
        // A new node's key must sort after the tail's, so entries stay in insertion order;
        // an ID at or below the tail's key (possible only after XSETID went backwards over
        // deleted entries) joins the tail whatever its size.
        let tail = self.nodes.iter_mut().next_back().filter(|(&master, node)| {
            id <= master
                || (node.lp_bytes() + total < max_bytes
                    && (max_entries == 0 || u64::from(node.live + node.deleted) < max_entries))
        });
        match tail {
            Some((&master, node)) => node.append(master, id, fields),
            None => {
                if let Some((_, full)) = self.nodes.iter_mut().next_back() {
                    full.buf.shrink_to_fit();
                }
                self.nodes.insert(id, Node::new(id, fields));
            }
        }
        self.len += 1;
        self.entries_added += 1;
        self.last_id = id;
        Ok(id)
    }

    /// Flags the live entry `id` deleted, dropping its node when no live entry is left.
    fn remove_entry(&mut self, id: StreamId) -> bool {
        let Some((master, at)) = self.locate(id) else {
            return false;
        };
        let Some(node) = self.nodes.get_mut(&master) else {
            return false;
        };
        if node.live == 1 {
            self.nodes.remove(&master);
        } else {
            node.mark_deleted(at);
        }
        self.len -= 1;
        true
    }

    /// XDEL of one ID: true if it was a live entry. Raises `max-deleted-entry-id`.
    pub fn delete(&mut self, id: StreamId) -> bool {
        if !self.remove_entry(id) {
            return false;
        }
        if id > self.max_deleted {
            self.max_deleted = id;
        }
        true
    }

    /// XTRIM / XADD's trimming: removes entries from the head, whole nodes first; with
    /// `approx` only whole nodes. Returns the number of entries removed.
    pub fn trim(&mut self, trim: &Trim) -> u64 {
        let mut removed = 0u64;
        loop {
            if let TrimStrategy::MaxLen(max) = trim.strategy {
                if self.len <= max {
                    break;
                }
            }
            let Some(mut first) = self.nodes.first_entry() else {
                break;
            };
            let master = *first.key();
            let node = first.get_mut();
            let entries = u64::from(node.live);
            if trim.limit != 0 && removed + entries > trim.limit {
                break;
            }
            let whole = match trim.strategy {
                TrimStrategy::MaxLen(max) => self.len - entries >= max,
                TrimStrategy::MinId(min) => node.last < min,
            };
            if whole {
                first.remove();
                self.len -= entries;
                removed += entries;
                continue;
            }
            if trim.approx {
                break;
            }
            // Flag entries of this node deleted until the condition holds.
            let raws: Vec<RawEntry> = node.raw_entries(master).collect();
            for e in raws {
                let stop = match trim.strategy {
                    TrimStrategy::MaxLen(max) => self.len <= max,
                    TrimStrategy::MinId(min) => e.id >= min,
                };
                if stop {
                    break;
                }
                if e.flags & FLAG_DELETED == 0 {
                    node.mark_deleted(e.at);
                    self.len -= 1;
                    removed += 1;
                }
            }
            break;
        }
        removed
    }

    /// XSETID: sets the last ID, and optionally `entries-added` and `max-deleted-entry-id`.
    ///
    /// # Errors
    /// [`SetIdError`] when the stream's entries contradict the new values.
    pub fn set_id(
        &mut self,
        id: StreamId,
        entries_added: Option<u64>,
        max_deleted: Option<StreamId>,
    ) -> Result<(), SetIdError> {
        if self.len > 0 {
            if let Some(top) = self.last_entry() {
                if id < top.id {
                    return Err(SetIdError::BelowTop);
                }
            }
            if entries_added.is_some_and(|n| n < self.len) {
                return Err(SetIdError::EntriesAddedBelowLength);
            }
        }
        self.last_id = id;
        if let Some(n) = entries_added {
            self.entries_added = n;
        }
        if let Some(m) = max_deleted.filter(|m| !m.is_zero()) {
            self.max_deleted = m;
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Groups
    // -----------------------------------------------------------------------------------------

    /// The consumer groups, by name.
    pub fn groups(&self) -> impl Iterator<Item = (&Bytes, &Group)> + '_ {
        self.groups.iter()
    }

    /// Number of consumer groups.
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// The group `name`.
    pub fn group(&self, name: &[u8]) -> Option<&Group> {
        self.groups.get(name)
    }

    /// The group `name`, mutably.
    pub fn group_mut(&mut self, name: &[u8]) -> Option<&mut Group> {
        self.groups.get_mut(name)
    }

    /// XGROUP CREATE: false if the group exists.
    pub fn create_group(
        &mut self,
        name: &[u8],
        last_id: StreamId,
        entries_read: Option<u64>,
    ) -> bool {
        if self.groups.contains_key(name) {
            return false;
        }
        self.groups.insert(
            Bytes::copy_from_slice(name),
            Group::new(last_id, entries_read),
        );
        true
    }

    /// XGROUP DESTROY: false if there was no such group.
    pub fn destroy_group(&mut self, name: &[u8]) -> bool {
        self.groups.remove(name).is_some()
    }

    /// XINFO's `lag` of a group: entries added after its last delivered ID, when it can be
    /// known.
    pub fn group_lag(&self, group: &Group) -> Option<i64> {
        // Nothing was ever added: no lag, whatever the group's counter says.
        if self.entries_added == 0 {
            return Some(0);
        }
        let meta = self.meta();
        let entries_read = match group.entries_read {
            Some(read) if !meta.has_tombstones(group.last_id, StreamId::MAX) => read,
            _ => meta.estimate(group.last_id)?,
        };
        Some((self.entries_added as i64).wrapping_sub(entries_read as i64))
    }

    /// Whether XREADGROUP `>` would deliver something to group `name` now (an entry after its
    /// last delivered ID exists).
    pub fn has_new_for(&self, name: &[u8]) -> bool {
        let Some(g) = self.groups.get(name) else {
            return false;
        };
        self.len > 0 && self.last_entry().is_some_and(|e| e.id > g.last_id)
    }

    /// XREADGROUP `>`: delivers up to `count` (0: all) entries after the group's last ID to
    /// `consumer` (created if needed, when there is something to deliver), calling `emit` for
    /// each. Unless `noack`, each becomes
    /// pending for the consumer with delivery time `now`. Returns how many were delivered.
    /// Does nothing if the group does not exist.
    pub fn read_group_new(
        &mut self,
        group: &[u8],
        consumer: &[u8],
        count: usize,
        noack: bool,
        now: u64,
        mut emit: impl FnMut(Entry<'_>),
    ) -> usize {
        // Redis creates (or refreshes) the consumer only when there is something to serve.
        if !self.has_new_for(group) {
            return 0;
        }
        let meta = self.meta();
        let Stream { nodes, groups, .. } = self;
        let Some(g) = groups.get_mut(group) else {
            return 0;
        };
        let name = g.touch_consumer(consumer, now);
        let Some(start) = g.last_id.incr() else {
            return 0;
        };
        let range = Stream::range_of(nodes, start, StreamId::MAX);
        let mut n = 0;
        for e in range {
            if count != 0 && n == count {
                break;
            }
            if e.id > g.last_id {
                match g.entries_read {
                    Some(read) if !meta.has_tombstones(e.id, StreamId::MAX) => {
                        g.entries_read = Some(read.wrapping_add(1));
                    }
                    _ if meta.entries_added != 0 => g.entries_read = meta.estimate(e.id),
                    _ => {}
                }
                g.last_id = e.id;
            }
            if !noack {
                g.deliver(e.id, &name, now);
            }
            emit(e);
            n += 1;
        }
        n
    }

    /// XREADGROUP with an explicit ID: the consumer's pending entries after `after`, up to
    /// `count` (0: all). `emit` gets each ID with its entry, `None` when the entry was
    /// deleted; delivered entries get delivery time `now` and one more delivery. The consumer
    /// is created if needed. Does nothing if the group does not exist.
    pub fn read_group_history(
        &mut self,
        group: &[u8],
        consumer: &[u8],
        after: StreamId,
        count: usize,
        now: u64,
        mut emit: impl FnMut(StreamId, Option<Entry<'_>>),
    ) {
        let Stream { nodes, groups, .. } = self;
        let Some(g) = groups.get_mut(group) else {
            return;
        };
        let name = g.touch_consumer(consumer, now);
        // Redis increments the ID without checking: MAX-MAX wraps to 0-0.
        let start = after.incr().unwrap_or(StreamId::MIN);
        let ids: Vec<StreamId> = match g.consumers.get(&name) {
            Some(c) => {
                let it = c.pel.range(start..).copied();
                if count == 0 {
                    it.collect()
                } else {
                    it.take(count).collect()
                }
            }
            None => Vec::new(),
        };
        for id in ids {
            let entry = Stream::get_in(nodes, id);
            if entry.is_some() {
                if let Some(nack) = g.pel.get_mut(&id) {
                    nack.delivery_time = now;
                    nack.delivery_count = nack.delivery_count.wrapping_add(1);
                }
            }
            emit(id, entry);
        }
    }

    /// XCLAIM: gives the pending entries `ids` idle long enough to `consumer`. Entries no
    /// longer in the stream are dropped from the PEL. Returns the IDs claimed, in the order
    /// given; the consumer is created only if something is claimed. Does nothing if the group
    /// does not exist.
    pub fn claim(
        &mut self,
        group: &[u8],
        consumer: &[u8],
        ids: &[StreamId],
        opts: &Claim,
        now: u64,
    ) -> Vec<StreamId> {
        let Stream { nodes, groups, .. } = self;
        let Some(g) = groups.get_mut(group) else {
            return Vec::new();
        };
        let delivery_time = opts.delivery_time.unwrap_or(now);
        let mut name: Option<Bytes> = None;
        let mut claimed = Vec::new();
        for &id in ids {
            if Stream::get_in(nodes, id).is_none() {
                g.forget(id);
                continue;
            }
            let forced = if opts.force && !g.pel.contains_key(&id) {
                // A FORCE-created entry has no owner yet and ignores the idle condition.
                g.pel.insert(
                    id,
                    Nack {
                        delivery_time: now,
                        delivery_count: 1,
                        consumer: Bytes::new(),
                    },
                );
                true
            } else {
                false
            };
            let Some(nack) = g.pel.get(&id) else {
                continue;
            };
            if !forced && opts.min_idle != 0 && idle(now, nack.delivery_time) < opts.min_idle as i64
            {
                continue;
            }
            let owner = name
                .get_or_insert_with(|| g.touch_consumer(consumer, now))
                .clone();
            if forced {
                if let Some(n) = g.pel.get_mut(&id) {
                    n.consumer = owner.clone();
                }
                if let Some(c) = g.consumers.get_mut(&owner) {
                    c.pel.insert(id);
                }
            } else {
                g.transfer(id, &owner);
            }
            if let Some(n) = g.pel.get_mut(&id) {
                n.delivery_time = delivery_time;
                match opts.retry_count {
                    Some(r) => n.delivery_count = r,
                    None if !opts.justid => n.delivery_count = n.delivery_count.wrapping_add(1),
                    None => {}
                }
            }
            claimed.push(id);
        }
        claimed
    }

    /// XAUTOCLAIM: scans the group's PEL from `start`, claiming for `consumer` up to `count`
    /// entries idle at least `min_idle` ms, looking at no more than `10 × count` entries.
    /// Pending entries whose stream entry is gone are dropped (and counted against `count`).
    /// Does nothing if the group does not exist.
    #[allow(clippy::too_many_arguments)]
    pub fn auto_claim(
        &mut self,
        group: &[u8],
        consumer: &[u8],
        start: StreamId,
        count: u64,
        min_idle: u64,
        justid: bool,
        now: u64,
    ) -> AutoClaimed {
        let Stream { nodes, groups, .. } = self;
        let mut out = AutoClaimed::default();
        let Some(g) = groups.get_mut(group) else {
            return out;
        };
        let mut attempts = count.saturating_mul(10);
        let mut count = count;
        let mut name: Option<Bytes> = None;
        let mut cursor = start;
        let mut next = g.pel.range(cursor..).next().map(|(&id, _)| id);
        while attempts > 0 && count > 0 {
            let Some(id) = next else {
                break;
            };
            attempts -= 1;
            cursor = id;
            if Stream::get_in(nodes, id).is_none() {
                g.forget(id);
                out.deleted.push(id);
                count -= 1;
                next = g.pel.range(cursor..).next().map(|(&id, _)| id);
                continue;
            }
            next = g
                .pel
                .range((
                    std::ops::Bound::Excluded(cursor),
                    std::ops::Bound::Unbounded,
                ))
                .next()
                .map(|(&id, _)| id);
            let Some(nack) = g.pel.get(&id) else {
                continue;
            };
            if min_idle != 0 && idle(now, nack.delivery_time) < min_idle as i64 {
                continue;
            }
            let owner = name
                .get_or_insert_with(|| g.touch_consumer(consumer, now))
                .clone();
            g.transfer(id, &owner);
            if let Some(n) = g.pel.get_mut(&id) {
                n.delivery_time = now;
                if !justid {
                    n.delivery_count = n.delivery_count.wrapping_add(1);
                }
            }
            out.claimed.push(id);
            count -= 1;
        }
        out.next = next.unwrap_or(StreamId::MIN);
        out
    }

    fn range_of(nodes: &BTreeMap<StreamId, Node>, start: StreamId, end: StreamId) -> Range<'_> {
        Range {
            scan: if start <= end {
                RawScan::from(nodes, start)
            } else {
                RawScan::empty()
            },
            start,
            end,
        }
    }

    fn get_in(nodes: &BTreeMap<StreamId, Node>, id: StreamId) -> Option<Entry<'_>> {
        Stream::range_of(nodes, id, id).next()
    }

    /// Where the live entry `id` is stored: its node's key and its offset.
    fn locate(&self, id: StreamId) -> Option<(StreamId, usize)> {
        RawScan::from(&self.nodes, id)
            .filter(|(_, _, e)| e.flags & FLAG_DELETED == 0)
            .take_while(|(_, _, e)| e.id <= id)
            .find(|(_, _, e)| e.id == id)
            .map(|(master, _, e)| (master, e.at))
    }
}

/// Milliseconds since `time`, as Redis computes idle times (signed).
pub fn idle(now: u64, time: u64) -> i64 {
    (now as i64).wrapping_sub(time as i64)
}

// ---------------------------------------------------------------------------------------------
// Codec and digest
// ---------------------------------------------------------------------------------------------

/// Reads fixed-width little-endian fields from untrusted bytes.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len())?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Some(s)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn id(&mut self) -> Option<StreamId> {
        Some(StreamId::new(self.u64()?, self.u64()?))
    }

    /// A `u32`-length-prefixed byte string.
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    fn left(&self) -> usize {
        self.buf.len() - self.pos
    }
}

fn put_id(out: &mut Vec<u8>, id: StreamId) {
    out.extend_from_slice(&id.ms.to_le_bytes());
    out.extend_from_slice(&id.seq.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

/// Encoded layout (integers little-endian, strings `u32` length + bytes):
///
/// ```text
/// last_id(16) max_deleted(16) entries_added(8)
/// node_count(4)  { master_id(16) buf_len(4) buf }*
/// group_count(4) { name last_id(16) entries_read_known(1) entries_read(8)
///                  consumer_count(4) { name seen_time(8)
///                                      pel_count(4) { id(16) delivery_time(8) delivery_count(8) }* }* }*
/// ```
///
/// Node buffers are stored as kept (deleted entries included), so node boundaries, and with
/// them approximate trimming, survive the round trip. A group's PEL is stored under the
/// consumers owning its entries. `decode` re-derives every count and checks every invariant.
impl super::Codec for Stream {
    fn encoded_len(&self) -> usize {
        let nodes: usize = self.nodes.values().map(|n| 20 + n.buf.len()).sum();
        let groups: usize = self
            .groups
            .iter()
            .map(|(name, g)| {
                let consumers: usize = g
                    .consumers
                    .iter()
                    .map(|(n, c)| 4 + n.len() + 8 + 4 + c.pel.len() * 32)
                    .sum();
                4 + name.len() + 16 + 9 + 4 + consumers
            })
            .sum();
        40 + 4 + nodes + 4 + groups
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.reserve(self.encoded_len());
        put_id(out, self.last_id);
        put_id(out, self.max_deleted);
        out.extend_from_slice(&self.entries_added.to_le_bytes());
        out.extend_from_slice(&(self.nodes.len() as u32).to_le_bytes());
        for (&master, node) in &self.nodes {
            put_id(out, master);
            put_bytes(out, &node.buf);
        }
        out.extend_from_slice(&(self.groups.len() as u32).to_le_bytes());
        for (name, g) in &self.groups {
            put_bytes(out, name);
            put_id(out, g.last_id);
            out.push(u8::from(g.entries_read.is_some()));
            out.extend_from_slice(&g.entries_read.unwrap_or(0).to_le_bytes());
            out.extend_from_slice(&(g.consumers.len() as u32).to_le_bytes());
            for (cname, c) in &g.consumers {
                put_bytes(out, cname);
                out.extend_from_slice(&c.seen_time.to_le_bytes());
                out.extend_from_slice(&(c.pel.len() as u32).to_le_bytes());
                for id in &c.pel {
                    // Every consumer PEL entry is in the group PEL (kept in step).
                    let (time, count) = g
                        .pel
                        .get(id)
                        .map_or((0, 0), |n| (n.delivery_time, n.delivery_count));
                    put_id(out, *id);
                    out.extend_from_slice(&time.to_le_bytes());
                    out.extend_from_slice(&count.to_le_bytes());
                }
            }
        }
    }

    fn decode(bytes: &[u8]) -> Option<Stream> {
        let mut r = Reader { buf: bytes, pos: 0 };
        let last_id = r.id()?;
        let max_deleted = r.id()?;
        let entries_added = r.u64()?;
        let node_count = r.u32()?;
        let mut nodes = BTreeMap::new();
        let mut len = 0u64;
        let mut prev_master: Option<StreamId> = None;
        let mut prev_live: Option<StreamId> = None;
        for _ in 0..node_count {
            let master = r.id()?;
            if prev_master.is_some_and(|p| master <= p) {
                return None;
            }
            prev_master = Some(master);
            let buf = r.bytes()?.to_vec();
            let node = Node::validate(master, buf, &mut prev_live)?;
            len += u64::from(node.live);
            nodes.insert(master, node);
        }
        // No live entry is past the last ID, and every live entry was added once.
        if prev_live.is_some_and(|p| p > last_id) || entries_added < len {
            return None;
        }
        let group_count = r.u32()?;
        let mut groups = BTreeMap::new();
        let mut prev_group: Option<&[u8]> = None;
        for _ in 0..group_count {
            let name = r.bytes()?;
            if prev_group.is_some_and(|p| name <= p) {
                return None;
            }
            prev_group = Some(name);
            let mut g = Group::new(r.id()?, None);
            let known = r.u8()?;
            let read = r.u64()?;
            g.entries_read = match (known, read) {
                (0, 0) => None,
                (1, n) => Some(n),
                _ => return None,
            };
            let consumer_count = r.u32()?;
            let mut prev_consumer: Option<&[u8]> = None;
            for _ in 0..consumer_count {
                let cname = r.bytes()?;
                if prev_consumer.is_some_and(|p| cname <= p) {
                    return None;
                }
                prev_consumer = Some(cname);
                let key = Bytes::copy_from_slice(cname);
                let mut c = Consumer {
                    seen_time: r.u64()?,
                    pel: BTreeSet::new(),
                };
                let pel_count = r.u32()? as usize;
                if pel_count > r.left() / 32 {
                    return None;
                }
                let mut prev_id: Option<StreamId> = None;
                for _ in 0..pel_count {
                    let id = r.id()?;
                    if prev_id.is_some_and(|p| id <= p) {
                        return None;
                    }
                    prev_id = Some(id);
                    let nack = Nack {
                        delivery_time: r.u64()?,
                        delivery_count: r.u64()?,
                        consumer: key.clone(),
                    };
                    if g.pel.insert(id, nack).is_some() {
                        return None;
                    }
                    c.pel.insert(id);
                }
                g.consumers.insert(key, c);
            }
            groups.insert(Bytes::copy_from_slice(name), g);
        }
        if r.left() != 0 {
            return None;
        }
        Some(Stream {
            nodes,
            len,
            last_id,
            max_deleted,
            entries_added,
            groups,
        })
    }
}

/// The digest feeds the logical content in order: each live entry (ID and pairs), the ID
/// bookkeeping, then each group (its IDs, counters, PEL and consumers). Node boundaries and
/// deleted entries are encoding, not content, and are left out.
impl super::Digest for Stream {
    fn digest(&self, feed: &mut dyn FnMut(&[u8])) {
        let u64s = |feed: &mut dyn FnMut(&[u8]), vals: &[u64]| {
            let mut b = Vec::with_capacity(vals.len() * 8);
            for v in vals {
                b.extend_from_slice(&v.to_le_bytes());
            }
            feed(&b);
        };
        u64s(feed, &[self.len]);
        for e in self.range(StreamId::MIN, StreamId::MAX) {
            u64s(feed, &[e.id.ms, e.id.seq, e.len() as u64]);
            for (f, v) in e.fields() {
                feed(f);
                feed(v);
            }
        }
        u64s(
            feed,
            &[
                self.last_id.ms,
                self.last_id.seq,
                self.max_deleted.ms,
                self.max_deleted.seq,
                self.entries_added,
                self.groups.len() as u64,
            ],
        );
        for (name, g) in &self.groups {
            feed(name);
            u64s(
                feed,
                &[
                    g.last_id.ms,
                    g.last_id.seq,
                    u64::from(g.entries_read.is_some()),
                    g.entries_read.unwrap_or(0),
                    g.pel.len() as u64,
                ],
            );
            for (id, n) in &g.pel {
                u64s(feed, &[id.ms, id.seq, n.delivery_time, n.delivery_count]);
                feed(&n.consumer);
            }
            u64s(feed, &[g.consumers.len() as u64]);
            for (cname, c) in &g.consumers {
                feed(cname);
                u64s(feed, &[c.seen_time, c.pel.len() as u64]);
            }
        }
    }
    const UNORDERED: bool = false;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Codec, Digest};

    fn id(ms: u64, seq: u64) -> StreamId {
        StreamId::new(ms, seq)
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<Bytes> {
        pairs
            .iter()
            .flat_map(|(f, v)| {
                [
                    Bytes::copy_from_slice(f.as_bytes()),
                    Bytes::copy_from_slice(v.as_bytes()),
                ]
            })
            .collect()
    }

    fn limits(entries: u32, bytes: u32) -> Limits {
        Limits {
            stream_node_max_entries: entries,
            stream_node_max_bytes: bytes,
            ..Limits::default()
        }
    }

    /// A stream with entries `1-0 ..= n-0`, `f{i}`/`v{i}` alternating with shared fields.
    fn numbered(n: u64, lim: &Limits) -> Stream {
        let mut s = Stream::new();
        for i in 1..=n {
            let f = if i % 3 == 0 {
                fields(&[("other", "x"), ("i", &i.to_string())])
            } else {
                fields(&[("i", &i.to_string())])
            };
            s.add(NewId::Explicit(id(i, 0)), &f, 0, lim).unwrap();
        }
        s
    }

    fn ids(it: impl Iterator<Item = StreamId>) -> Vec<u64> {
        it.map(|i| i.ms).collect()
    }

    #[test]
    fn ids_parse_like_redis() {
        let strict = IdSyntax::STRICT;
        let range_end = IdSyntax {
            missing_seq: u64::MAX,
            strict: false,
            auto_seq: false,
        };
        let xadd = IdSyntax {
            auto_seq: true,
            ..strict
        };
        let p = |s: &str, syn| parse_id(s.as_bytes(), syn).map(|p| (p.id, p.seq_given));
        assert_eq!(p("1-2", strict), Some((id(1, 2), true)));
        assert_eq!(p("5", strict), Some((id(5, 0), true)));
        assert_eq!(p("5", range_end), Some((id(5, u64::MAX), true)));
        assert_eq!(p("-", range_end), Some((StreamId::MIN, true)));
        assert_eq!(p("+", range_end), Some((StreamId::MAX, true)));
        assert_eq!(p("-", strict), None);
        assert_eq!(p("+", strict), None);
        assert_eq!(p("7-*", xadd), Some((id(7, 0), false)));
        assert_eq!(p("7-*", strict), None);
        // string2ull: canonical integers, else strtoull's leniency.
        assert_eq!(p(" 1", strict), Some((id(1, 0), true)));
        assert_eq!(p("+1", strict), Some((id(1, 0), true)));
        assert_eq!(p("01", strict), Some((id(1, 0), true)));
        assert_eq!(p("1-+0", strict), Some((id(1, 0), true)));
        assert_eq!(p("1--0", strict), Some((id(1, 0), true)));
        assert_eq!(p("1- -1", strict), Some((id(1, u64::MAX), true)));
        assert_eq!(p("1--1", strict), None);
        assert_eq!(
            p("18446744073709551615", strict),
            Some((id(u64::MAX, 0), true))
        );
        assert_eq!(p("18446744073709551616", strict), None);
        for bad in ["", "-1", "1-", "0x1", "1.5", "a", "1-2-3", "1 ", "(1"] {
            assert_eq!(p(bad, strict), None, "{bad:?}");
        }
        // The text stops at a NUL; more than 127 bytes is refused.
        assert_eq!(parse_id(b"5\0junk", strict).map(|p| p.id), Some(id(5, 0)));
        assert_eq!(parse_id(&[b'1'; 128], strict), None);
    }

    #[test]
    fn ids_order_and_step() {
        assert!(id(1, 5) < id(2, 0));
        assert!(id(2, 0) < id(2, 1));
        assert_eq!(id(1, u64::MAX).incr(), Some(id(2, 0)));
        assert_eq!(StreamId::MAX.incr(), None);
        assert_eq!(id(2, 0).decr(), Some(id(1, u64::MAX)));
        assert_eq!(StreamId::MIN.decr(), None);
        assert_eq!(id(1526919030474, 55).to_bytes(), &b"1526919030474-55"[..]);
        // The radix-tree key sorts like the IDs.
        assert!(id(1, u64::MAX).be_bytes() < id(2, 0).be_bytes());
    }

    #[test]
    fn add_picks_ids_like_xadd() {
        let lim = Limits::default();
        let mut s = Stream::new();
        let f = fields(&[("a", "1")]);
        assert_eq!(s.add(NewId::Auto, &f, 1000, &lim), Ok(id(1000, 0)));
        // The clock going back keeps IDs increasing.
        assert_eq!(s.add(NewId::Auto, &f, 900, &lim), Ok(id(1000, 1)));
        assert_eq!(s.add(NewId::AutoSeq(1000), &f, 0, &lim), Ok(id(1000, 2)));
        assert_eq!(
            s.add(NewId::AutoSeq(999), &f, 0, &lim),
            Err(AddError::NotGreater)
        );
        assert_eq!(s.add(NewId::AutoSeq(2000), &f, 0, &lim), Ok(id(2000, 0)));
        assert_eq!(
            s.add(NewId::Explicit(id(2000, 0)), &f, 0, &lim),
            Err(AddError::NotGreater)
        );
        assert_eq!(
            s.add(NewId::Explicit(id(3000, u64::MAX)), &f, 0, &lim),
            Ok(id(3000, u64::MAX))
        );
        assert_eq!(
            s.add(NewId::AutoSeq(3000), &f, 0, &lim),
            Err(AddError::SeqOverflow)
        );
        assert_eq!(
            s.add(NewId::Explicit(StreamId::MAX), &f, 0, &lim),
            Ok(StreamId::MAX)
        );
        assert_eq!(s.add(NewId::Auto, &f, 0, &lim), Err(AddError::Exhausted));
        assert_eq!(s.len(), 6);
        assert_eq!(s.entries_added(), 6);
        let mut fresh = Stream::new();
        assert_eq!(fresh.add(NewId::AutoSeq(0), &f, 0, &lim), Ok(id(0, 1)));
    }

    #[test]
    fn entries_keep_their_fields() {
        let lim = limits(3, 4096);
        let s = numbered(10, &lim);
        assert_eq!(s.node_count(), 4);
        let e = s.get(id(6, 0)).unwrap();
        assert_eq!(
            e.pairs(),
            vec![
                (b"other".to_vec(), b"x".to_vec()),
                (b"i".to_vec(), b"6".to_vec())
            ]
        );
        assert_eq!(
            s.get(id(7, 0)).unwrap().pairs(),
            vec![(b"i".to_vec(), b"7".to_vec())]
        );
        assert!(s.get(id(7, 1)).is_none());
        assert!(s.get(id(0, 5)).is_none());
        assert!(s.get(id(11, 0)).is_none());
    }

    #[test]
    fn ranges_skip_deleted_entries_across_nodes() {
        let lim = limits(3, 4096);
        let mut s = numbered(10, &lim);
        for i in [2, 4, 5, 6] {
            assert!(s.delete(id(i, 0)));
        }
        assert!(!s.delete(id(2, 0)));
        // Node [4,5,6] emptied and dropped.
        assert_eq!(s.node_count(), 3);
        assert_eq!(s.len(), 6);
        assert_eq!(s.max_deleted_id(), id(6, 0));
        let all = |s: &Stream| ids(s.range(StreamId::MIN, StreamId::MAX).map(|e| e.id));
        assert_eq!(all(&s), vec![1, 3, 7, 8, 9, 10]);
        assert_eq!(
            ids(s.range(id(2, 0), id(8, 0)).map(|e| e.id)),
            vec![3, 7, 8]
        );
        assert_eq!(
            ids(s.rev_range(id(2, 0), id(8, 0)).map(|e| e.id)),
            vec![8, 7, 3]
        );
        assert_eq!(
            ids(s.range(id(8, 0), id(2, 0)).map(|e| e.id)),
            Vec::<u64>::new()
        );
        assert_eq!(s.first_id(), id(1, 0));
        assert!(s.delete(id(1, 0)));
        assert_eq!(s.first_id(), id(3, 0));
        assert_eq!(s.last_entry().unwrap().id, id(10, 0));
    }

    #[test]
    fn exact_trimming_flags_entries_inside_a_node() {
        let lim = limits(3, 4096);
        let maxlen = |n, approx| Trim {
            strategy: TrimStrategy::MaxLen(n),
            approx,
            limit: 0,
        };
        let mut s = numbered(10, &lim);
        assert_eq!(s.trim(&maxlen(5, false)), 5);
        assert_eq!(s.len(), 5);
        assert_eq!(
            ids(s.range(StreamId::MIN, StreamId::MAX).map(|e| e.id)),
            vec![6, 7, 8, 9, 10]
        );
        // Node [4,5,6] stays with 4 and 5 flagged.
        assert_eq!(s.node_count(), 3);
        assert_eq!(s.first_id(), id(6, 0));
        let minid = |m, approx| Trim {
            strategy: TrimStrategy::MinId(id(m, 0)),
            approx,
            limit: 0,
        };
        assert_eq!(s.trim(&minid(8, false)), 2);
        assert_eq!(
            ids(s.range(StreamId::MIN, StreamId::MAX).map(|e| e.id)),
            vec![8, 9, 10]
        );
        assert_eq!(s.trim(&minid(8, false)), 0);
    }

    #[test]
    fn approximate_trimming_removes_whole_nodes_only() {
        let lim = limits(3, 4096);
        let mut s = numbered(10, &lim);
        let t = |strategy, limit| Trim {
            strategy,
            approx: true,
            limit,
        };
        // Removing [1,2,3] leaves 7 ≥ 5; removing [4,5,6] would leave 4 < 5.
        assert_eq!(s.trim(&t(TrimStrategy::MaxLen(5), 0)), 3);
        assert_eq!(s.len(), 7);
        // LIMIT stops before a node that would exceed it.
        assert_eq!(s.trim(&t(TrimStrategy::MaxLen(0), 2)), 0);
        assert_eq!(s.trim(&t(TrimStrategy::MaxLen(0), 6)), 6);
        assert_eq!(s.len(), 1);
        let mut s = numbered(10, &lim);
        assert_eq!(s.trim(&t(TrimStrategy::MinId(id(8, 0)), 0)), 6);
        assert_eq!(
            ids(s.range(StreamId::MIN, StreamId::MAX).map(|e| e.id)),
            vec![7, 8, 9, 10]
        );
    }

    #[test]
    fn nodes_close_at_redis_listpack_size() {
        // With a small byte budget, big values close nodes before the entry count does.
        let lim = limits(100, 200);
        let mut s = Stream::new();
        let big = "x".repeat(60);
        for i in 1..=6 {
            s.add(NewId::Explicit(id(i, 0)), &fields(&[("f", &big)]), 0, &lim)
                .unwrap();
        }
        assert!(s.node_count() > 1);
        let (_, first) = s.nodes.iter().next().unwrap();
        assert!(first.lp_bytes() < 200);
        // One node: the empty rax plus a compressed node and a leaf.
        let single = numbered(1, &Limits::default());
        assert_eq!(single.rax_node_count(), 2);
        assert_eq!(Stream::new().rax_node_count(), 1);
    }

    #[test]
    fn xsetid_backwards_over_deleted_entries() {
        let lim = limits(4, 4096);
        let f = fields(&[("f", "v")]);
        let mut s = Stream::new();
        s.add(NewId::Explicit(id(0, 1)), &f, 0, &lim).unwrap();
        s.add(NewId::Explicit(id(6, 2)), &f, 0, &lim).unwrap();
        assert!(s.delete(id(6, 2)));
        s.set_id(id(3, 1), None, None).unwrap();
        // Stored after the deleted 6-2, as Redis stores it.
        assert_eq!(s.add(NewId::Explicit(id(6, 0)), &f, 0, &lim), Ok(id(6, 0)));
        let all = |s: &Stream| -> Vec<StreamId> {
            s.range(StreamId::MIN, StreamId::MAX)
                .map(|e| e.id)
                .collect()
        };
        assert_eq!(all(&s), vec![id(0, 1), id(6, 0)]);
        let rev: Vec<StreamId> = s
            .rev_range(StreamId::MIN, StreamId::MAX)
            .map(|e| e.id)
            .collect();
        assert_eq!(rev, vec![id(6, 0), id(0, 1)]);
        assert!(s.get(id(6, 0)).is_some());
        assert!(s.get(id(6, 2)).is_none());
        let mut buf = Vec::new();
        s.encode(&mut buf);
        assert_eq!(Stream::decode(&buf).as_ref(), Some(&s));
        assert!(s.delete(id(6, 0)));
        assert!(s.delete(id(0, 1)));
        assert_eq!((s.len(), s.node_count()), (0, 0));

        // An exact MINID trim can leave a node of deleted entries only; an ID below its key
        // then joins it (a negative difference from its master).
        let mut t = Stream::new();
        for ms in [5, 6, 7] {
            t.add(NewId::Explicit(id(ms, 0)), &f, 0, &lim).unwrap();
        }
        assert!(t.delete(id(7, 0)));
        let exact = Trim {
            strategy: TrimStrategy::MinId(id(7, 0)),
            approx: false,
            limit: 0,
        };
        assert_eq!(t.trim(&exact), 2);
        assert_eq!((t.len(), t.node_count()), (0, 1));
        t.set_id(id(1, 0), None, None).unwrap();
        assert_eq!(t.add(NewId::Explicit(id(1, 5)), &f, 0, &lim), Ok(id(1, 5)));
        assert_eq!(all(&t), vec![id(1, 5)]);
        assert_eq!(t.node_count(), 1);
        let mut buf = Vec::new();
        t.encode(&mut buf);
        assert_eq!(Stream::decode(&buf).as_ref(), Some(&t));
        assert!(t.delete(id(1, 5)));
        assert_eq!(t.node_count(), 0);
    }

    fn group_stream() -> Stream {
        let mut s = numbered(5, &limits(2, 4096));
        assert!(s.create_group(b"g", StreamId::MIN, None));
        assert!(!s.create_group(b"g", StreamId::MIN, None));
        s
    }

    fn read_new(s: &mut Stream, consumer: &[u8], count: usize, now: u64) -> Vec<u64> {
        let mut got = Vec::new();
        s.read_group_new(b"g", consumer, count, false, now, |e| got.push(e.id.ms));
        got
    }

    #[test]
    fn groups_deliver_and_track_pending_entries() {
        let mut s = group_stream();
        assert_eq!(read_new(&mut s, b"alice", 2, 100), vec![1, 2]);
        assert_eq!(read_new(&mut s, b"bob", 0, 200), vec![3, 4, 5]);
        assert_eq!(read_new(&mut s, b"bob", 0, 300), Vec::<u64>::new());
        let g = s.group(b"g").unwrap();
        assert_eq!(g.last_id, id(5, 0));
        assert_eq!(g.entries_read, Some(5));
        assert_eq!(s.group_lag(g), Some(0));
        assert_eq!(g.pending_count(), 5);
        assert_eq!(g.consumer(b"alice").unwrap().pending_count(), 2);
        // Nothing to deliver at 300: the consumer was not touched.
        assert_eq!(g.consumer(b"bob").unwrap().seen_time, 200);
        assert_eq!(g.nack(id(3, 0)).unwrap().delivery_time, 200);
        // History: the consumer's own pending entries after the ID; deleted ones as None.
        assert!(s.delete(id(2, 0)));
        let mut hist = Vec::new();
        s.read_group_history(b"g", b"alice", StreamId::MIN, 0, 400, |i, e| {
            hist.push((i.ms, e.is_some()))
        });
        assert_eq!(hist, vec![(1, true), (2, false)]);
        let g = s.group(b"g").unwrap();
        assert_eq!(g.nack(id(1, 0)).unwrap().delivery_count, 2);
        assert_eq!(g.nack(id(2, 0)).unwrap().delivery_count, 1);
        let g = s.group_mut(b"g").unwrap();
        assert!(g.ack(id(1, 0)));
        assert!(!g.ack(id(1, 0)));
        assert_eq!(g.delete_consumer(b"bob"), Some(3));
        assert_eq!(g.pending_count(), 1);
        assert_eq!(g.delete_consumer(b"bob"), None);
    }

    #[test]
    fn claims_move_pending_entries() {
        let mut s = group_stream();
        read_new(&mut s, b"alice", 0, 100);
        assert!(s.delete(id(4, 0)));
        let opts = Claim {
            min_idle: 50,
            ..Claim::default()
        };
        // Idle 30 < 50: nothing claimed, and no consumer created.
        let got = s.claim(b"g", b"bob", &[id(1, 0)], &opts, 130);
        assert!(got.is_empty());
        assert!(s.group(b"g").unwrap().consumer(b"bob").is_none());
        // 4-0 is gone from the stream: dropped from the PEL.
        let got = s.claim(b"g", b"bob", &[id(1, 0), id(4, 0)], &opts, 200);
        assert_eq!(got, vec![id(1, 0)]);
        let g = s.group(b"g").unwrap();
        assert!(g.nack(id(4, 0)).is_none());
        let n = g.nack(id(1, 0)).unwrap();
        assert_eq!(
            (n.delivery_count, n.delivery_time, &n.consumer[..]),
            (2, 200, &b"bob"[..])
        );
        assert_eq!(g.consumer(b"alice").unwrap().pending_count(), 3);
        // FORCE creates a pending entry for an entry nobody had.
        s.group_mut(b"g").unwrap().ack(id(5, 0));
        let force = Claim {
            force: true,
            justid: true,
            ..Claim::default()
        };
        assert_eq!(
            s.claim(b"g", b"carol", &[id(5, 0)], &force, 300),
            vec![id(5, 0)]
        );
        assert_eq!(
            s.group(b"g")
                .unwrap()
                .nack(id(5, 0))
                .unwrap()
                .delivery_count,
            1
        );
        // XAUTOCLAIM: scans from 0, reports the deleted 4-0… already dropped; claims the rest.
        assert!(s.delete(id(3, 0)));
        let r = s.auto_claim(b"g", b"dave", StreamId::MIN, 2, 0, false, 400);
        assert_eq!(r.claimed, vec![id(1, 0), id(2, 0)]);
        assert_eq!(r.next, id(3, 0));
        let r = s.auto_claim(b"g", b"dave", r.next, 10, 0, true, 400);
        assert_eq!(r.deleted, vec![id(3, 0)]);
        assert_eq!(r.claimed, vec![id(5, 0)]);
        assert_eq!(r.next, StreamId::MIN);
    }

    #[test]
    fn read_counters_follow_redis_estimates() {
        let lim = Limits::default();
        let mut s = numbered(5, &lim);
        for (name, last) in [("g0", 0), ("g1", 1), ("g2", 2), ("g5", 5), ("g9", 9)] {
            s.create_group(name.as_bytes(), id(last, 0), None);
        }
        let lag = |s: &Stream, g: &str| s.group_lag(s.group(g.as_bytes()).unwrap());
        assert_eq!(lag(&s, "g0"), Some(5));
        assert_eq!(lag(&s, "g1"), Some(4));
        assert_eq!(lag(&s, "g2"), None);
        assert_eq!(lag(&s, "g5"), Some(0));
        assert_eq!(lag(&s, "g9"), None);
        // A deletion past the first entry makes the estimates unknowable.
        s.delete(id(3, 0));
        assert_eq!(lag(&s, "g0"), None);
        assert_eq!(lag(&s, "g5"), Some(0));
    }

    fn rich_stream() -> Stream {
        let mut s = numbered(30, &limits(4, 4096));
        for i in [2, 3, 9, 17] {
            s.delete(id(i, 0));
        }
        s.trim(&Trim {
            strategy: TrimStrategy::MaxLen(20),
            approx: false,
            limit: 0,
        });
        s.create_group(b"g", id(3, 0), Some(3));
        s.create_group(b"h\x00\xff", StreamId::MIN, None);
        read_new(&mut s, b"c1", 3, 10);
        s.read_group_new(b"h\x00\xff", b"c2", 4, false, 20, |_| {});
        s.group_mut(b"g").unwrap().create_consumer(b"idle", 30);
        s
    }

    #[test]
    fn codec_round_trips_exactly() {
        for s in [
            Stream::new(),
            numbered(1, &Limits::default()),
            rich_stream(),
        ] {
            let mut buf = Vec::new();
            s.encode(&mut buf);
            assert_eq!(buf.len(), s.encoded_len());
            let back = Stream::decode(&buf).expect("decodes");
            assert_eq!(back, s);
            let mut again = Vec::new();
            back.encode(&mut again);
            assert_eq!(again, buf);
        }
    }

    #[test]
    fn codec_refuses_truncated_and_extended_bytes() {
        let mut buf = Vec::new();
        rich_stream().encode(&mut buf);
        for cut in 0..buf.len() {
            assert!(Stream::decode(&buf[..cut]).is_none(), "cut at {cut}");
        }
        let mut longer = buf.clone();
        longer.push(0);
        assert!(Stream::decode(&longer).is_none());
    }

    #[test]
    fn codec_survives_corruption_and_stays_canonical() {
        let mut buf = Vec::new();
        rich_stream().encode(&mut buf);
        for i in 0..buf.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut bad = buf.clone();
                bad[i] ^= flip;
                if let Some(s) = Stream::decode(&bad) {
                    let mut again = Vec::new();
                    s.encode(&mut again);
                    assert_eq!(
                        again, bad,
                        "byte {i} ^ {flip:#x} accepted but not canonical"
                    );
                }
            }
        }
        // A huge length is refused before anything is allocated.
        let mut huge = vec![0u8; 40];
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        huge.extend_from_slice(&[0u8; 16]);
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(Stream::decode(&huge).is_none());
    }

    #[test]
    fn digest_is_logical_content() {
        let feed_all = |s: &Stream| {
            let mut out = Vec::new();
            s.digest(&mut |b| {
                out.extend_from_slice(&(b.len() as u64).to_le_bytes());
                out.extend_from_slice(b);
            });
            out
        };
        // Same entries in different node layouts digest alike.
        let a = numbered(10, &limits(3, 4096));
        let b = numbered(10, &limits(100, 4096));
        assert_ne!(a, b);
        assert_eq!(feed_all(&a), feed_all(&b));
        let mut c = numbered(10, &limits(3, 4096));
        c.delete(id(4, 0));
        assert_ne!(feed_all(&a), feed_all(&c));
        let mut d = a.clone();
        d.create_group(b"g", StreamId::MIN, None);
        assert_ne!(feed_all(&a), feed_all(&d));
    }

    /// Operations for the model test.
    #[derive(Clone, Debug)]
    enum Op {
        Add {
            gap_ms: u64,
            seq: u64,
            nfields: usize,
            val: u8,
            same: bool,
        },
        Del(usize),
        MaxLen {
            n: u64,
            approx: bool,
        },
        MinId {
            back: usize,
            approx: bool,
        },
        /// XSETID back to the last live entry (or 0-0): later IDs may sort below deleted ones.
        SetIdBack,
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            6 => (0u64..3, 0u64..3, 1usize..4, any::<u8>(), any::<bool>()).prop_map(
                |(gap_ms, seq, nfields, val, same)| Op::Add { gap_ms, seq, nfields, val, same }
            ),
            2 => (0usize..64).prop_map(Op::Del),
            1 => (0u64..20, any::<bool>()).prop_map(|(n, approx)| Op::MaxLen { n, approx }),
            1 => (0usize..20, any::<bool>()).prop_map(|(back, approx)| Op::MinId { back, approx }),
            1 => Just(Op::SetIdBack),
        ]
    }

    type Pairs = Vec<(Vec<u8>, Vec<u8>)>;
    type Model = BTreeMap<StreamId, Pairs>;

    fn check(s: &Stream, model: &Model) {
        let got: Vec<(StreamId, Pairs)> = s
            .range(StreamId::MIN, StreamId::MAX)
            .map(|e| (e.id, e.pairs()))
            .collect();
        let want: Vec<_> = model.iter().map(|(k, v)| (*k, v.clone())).collect();
        assert_eq!(got, want);
        let rev: Vec<StreamId> = s
            .rev_range(StreamId::MIN, StreamId::MAX)
            .map(|e| e.id)
            .collect();
        let mut want_rev: Vec<StreamId> = model.keys().copied().collect();
        want_rev.reverse();
        assert_eq!(rev, want_rev);
        assert_eq!(s.len(), model.len());
        assert_eq!(
            s.first_id(),
            model.keys().next().copied().unwrap_or(StreamId::MIN)
        );
        for (k, v) in model {
            assert_eq!(&s.get(*k).expect("present").pairs(), v);
        }
        // Sub-ranges (second to second-to-last key) agree too, both ways.
        let keys: Vec<StreamId> = model.keys().copied().collect();
        if keys.len() > 3 {
            let (a, b) = (keys[1], keys[keys.len() - 2]);
            let got: Vec<StreamId> = s.range(a, b).map(|e| e.id).collect();
            assert_eq!(got, keys[1..keys.len() - 1]);
            let got: Vec<StreamId> = s.rev_range(a, b).map(|e| e.id).collect();
            let mut want = keys[1..keys.len() - 1].to_vec();
            want.reverse();
            assert_eq!(got, want);
        }
    }

    proptest::proptest! {
        #[test]
        fn matches_a_btreemap_model(ops in proptest::collection::vec(op(), 0..120)) {
            let lim = limits(4, 120);
            let mut s = Stream::new();
            let mut model = Model::new();
            let mut last = StreamId::MIN;
            let mut went_back = false;
            for op in ops {
                match op {
                    Op::Add { gap_ms, seq, nfields, val, same } => {
                        let next = StreamId::new(last.ms + gap_ms, if gap_ms == 0 { last.seq + 1 + seq } else { seq });
                        let pairs: Vec<(Vec<u8>, Vec<u8>)> = (0..nfields)
                            .map(|i| {
                                let f = if same { format!("f{i}") } else { format!("g{val}-{i}") };
                                (f.into_bytes(), vec![val; (val % 40) as usize])
                            })
                            .collect();
                        let flat: Vec<Bytes> = pairs
                            .iter()
                            .flat_map(|(f, v)| [Bytes::from(f.clone()), Bytes::from(v.clone())])
                            .collect();
                        let got = s.add(NewId::Explicit(next), &flat, 0, &lim);
                        if next > last {
                            proptest::prop_assert_eq!(got, Ok(next));
                            model.insert(next, pairs);
                            last = next;
                        } else {
                            proptest::prop_assert_eq!(got, Err(AddError::NotGreater));
                        }
                    }
                    Op::Del(i) => {
                        if let Some(&k) = model.keys().nth(i % model.len().max(1)) {
                            proptest::prop_assert!(s.delete(k));
                            model.remove(&k);
                        }
                        proptest::prop_assert!(!s.delete(StreamId::new(last.ms + 1, 0)));
                    }
                    Op::MaxLen { n, approx } => {
                        let before = model.len() as u64;
                        let removed = s.trim(&Trim { strategy: TrimStrategy::MaxLen(n), approx, limit: 0 });
                        if approx {
                            proptest::prop_assert!(before - removed >= n.min(before));
                        } else {
                            proptest::prop_assert_eq!(before - removed, n.min(before));
                        }
                        for _ in 0..removed {
                            model.pop_first();
                        }
                    }
                    Op::SetIdBack => {
                        let top = model.keys().next_back().copied().unwrap_or(StreamId::MIN);
                        proptest::prop_assert_eq!(s.set_id(top, None, None), Ok(()));
                        last = top;
                        went_back = true;
                    }
                    Op::MinId { back, approx } => {
                        let min = model.keys().nth_back(back).copied().unwrap_or(last);
                        let removed = s.trim(&Trim { strategy: TrimStrategy::MinId(min), approx, limit: 0 });
                        let below = model.range(..min).count() as u64;
                        if approx || went_back {
                            // Redis's exact MINID stops at the first stored entry at or above
                            // the ID, deleted or not: after XSETID went back, a deleted entry
                            // can stand before lower live ones.
                            proptest::prop_assert!(removed <= below);
                        } else {
                            proptest::prop_assert_eq!(removed, below);
                        }
                        for _ in 0..removed {
                            model.pop_first();
                        }
                    }
                }
                check(&s, &model);
            }
            let mut buf = Vec::new();
            s.encode(&mut buf);
            let back = Stream::decode(&buf);
            proptest::prop_assert_eq!(back.as_ref(), Some(&s));
        }
    }
}
