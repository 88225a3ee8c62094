//! Geo commands: GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE GEORADIUS GEORADIUS_RO
//! GEORADIUSBYMEMBER GEORADIUSBYMEMBER_RO.
//!
//! A geo index is a sorted set whose scores are 52-bit geohashes; the math (encoding, cells,
//! distances) is [`geohash`]. The search commands share one parser (`parse_search`) that
//! follows Redis's argument order and error precedence, one executor (`search`) that scans
//! the covering cells' score ranges, and one renderer.
//!
//! GEORADIUS and GEORADIUSBYMEMBER may STORE, so like in Redis they are writes even without
//! it; their `_RO` variants are reads.

use std::cmp::Ordering;

use bytes::Bytes;
use redraft_protocol::Frame;

use super::ctx::Ttl;
use super::flags::*;
use super::parse::{is, parse_f64, parse_i64};
use super::{spec, CommandSpec, Ctx, Handler, KeySpec};
use crate::error;
use crate::types::zset::{AddFlags, AddOutcome, ScoreRange, ZSet};
use crate::value::Value;

// Until `types/mod.rs` declares it, the math module is compiled from here.
use crate::types::geohash;

use geohash::{Cell, Search, Shape};

const READ: &[&str] = &["read", "geo", "slow"];
const WRITE_ACL: &[&str] = &["write", "geo", "slow"];

const fn geo_spec(
    name: &'static str,
    arity: i32,
    flags: u32,
    acl: &'static [&'static str],
    handler: Handler,
    since: &'static str,
    summary: &'static str,
) -> CommandSpec {
    let mut s = spec(name, arity, flags, KeySpec::ONE, acl, handler);
    s.since = since;
    s.group = "geo";
    s.summary = summary;
    s
}

/// Geo commands.
pub const COMMANDS: &[CommandSpec] = &[
    geo_spec(
        "geoadd",
        -5,
        WRITE | DENYOOM,
        WRITE_ACL,
        Handler::Write(geoadd),
        "3.2.0",
        "Add one or more geospatial items in the geospatial index represented using a sorted set",
    ),
    geo_spec(
        "geodist",
        -4,
        READONLY,
        READ,
        Handler::Read(geodist),
        "3.2.0",
        "Returns the distance between two members of a geospatial index",
    ),
    geo_spec(
        "geohash",
        -2,
        READONLY,
        READ,
        Handler::Read(geohash_cmd),
        "3.2.0",
        "Returns members of a geospatial index as standard geohash strings",
    ),
    geo_spec(
        "geopos",
        -2,
        READONLY,
        READ,
        Handler::Read(geopos),
        "3.2.0",
        "Returns longitude and latitude of members of a geospatial index",
    ),
    {
        let mut s = geo_spec(
            "georadius",
            -6,
            WRITE | DENYOOM | MOVABLEKEYS,
            WRITE_ACL,
            Handler::Write(georadius),
            "3.2.0",
            "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point",
        );
        s.keys_fn = Some(georadius_keys);
        s
    },
    geo_spec(
        "georadius_ro",
        -6,
        READONLY,
        READ,
        Handler::Read(georadius_ro),
        "3.2.10",
        "A read-only variant for GEORADIUS",
    ),
    {
        let mut s = geo_spec(
            "georadiusbymember",
            -5,
            WRITE | DENYOOM | MOVABLEKEYS,
            WRITE_ACL,
            Handler::Write(georadiusbymember),
            "3.2.0",
            "Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member",
        );
        s.keys_fn = Some(georadiusbymember_keys);
        s
    },
    geo_spec(
        "georadiusbymember_ro",
        -5,
        READONLY,
        READ,
        Handler::Read(georadiusbymember_ro),
        "3.2.10",
        "A read-only variant for GEORADIUSBYMEMBER",
    ),
    geo_spec(
        "geosearch",
        -7,
        READONLY,
        READ,
        Handler::Read(geosearch),
        "6.2.0",
        "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.",
    ),
    {
        let mut s = geo_spec(
            "geosearchstore",
            -8,
            WRITE | DENYOOM,
            WRITE_ACL,
            Handler::Write(geosearchstore),
            "6.2.0",
            "Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.",
        );
        s.keys = KeySpec::TWO;
        s
    },
];

/// GEORADIUS's keys as COMMAND GETKEYS finds them: the source, then the key after the first
/// STORE and the key after the first STOREDIST from `from` on.
fn store_keys(argv: &[Bytes], from: usize) -> Vec<usize> {
    let mut keys = vec![1];
    for word in ["store", "storedist"] {
        if let Some(i) = (from..argv.len()).find(|&i| is(&argv[i], word)) {
            if i + 1 < argv.len() {
                keys.push(i + 1);
            }
        }
    }
    keys
}

fn georadius_keys(argv: &[Bytes]) -> Vec<usize> {
    store_keys(argv, 6)
}

fn georadiusbymember_keys(argv: &[Bytes]) -> Vec<usize> {
    store_keys(argv, 5)
}

/// The sorted set under `key` for reading.
fn zset<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<Option<&'c mut ZSet>, Frame> {
    ctx.get_as(key, Value::as_zset_mut)
}

/// A float argument as Redis's `getDoubleFromObject` takes it: strtod over the whole text,
/// NaN refused, and (unlike Rust's parser) overflow to infinity and underflow to zero refused
/// too, as strtod's ERANGE makes Redis do.
fn parse_double(arg: &[u8]) -> Option<f64> {
    let v = parse_f64(arg)?;
    let lower = arg.to_ascii_lowercase();
    let body = lower
        .strip_prefix(b"+")
        .or_else(|| lower.strip_prefix(b"-"));
    let body = body.unwrap_or(&lower);
    if v.is_infinite() && !(body == b"inf" || body == b"infinity") {
        return None;
    }
    if v == 0.0 {
        let (digits, exp_mark): (&[u8], u8) = match body.strip_prefix(b"0x") {
            Some(hex) => (hex, b'p'),
            None => (body, b'e'),
        };
        let mantissa = digits.split(|&c| c == exp_mark).next().unwrap_or(&[]);
        if mantissa.iter().any(|&c| c != b'0' && c != b'.') {
            return None;
        }
    }
    Some(v)
}

/// A longitude and latitude argument pair, checked against the limits.
fn parse_lonlat(lon: &[u8], lat: &[u8]) -> Result<(f64, f64), Frame> {
    let (Some(x), Some(y)) = (parse_double(lon), parse_double(lat)) else {
        return Err(Frame::error(error::NOT_FLOAT));
    };
    if !geohash::valid(x, y) {
        return Err(Frame::error(error::geo_invalid_pair(x, y)));
    }
    Ok((x, y))
}

/// A unit argument: meters per unit.
fn parse_unit(arg: &[u8]) -> Result<f64, Frame> {
    geohash::unit_factor(arg).ok_or_else(|| Frame::error(error::GEO_UNIT))
}

/// `<radius> <unit>`: the radius in the unit, and meters per unit.
fn parse_radius(radius: &[u8], unit: &[u8]) -> Result<(f64, f64), Frame> {
    let r = parse_double(radius).ok_or_else(|| Frame::error(error::GEO_NEED_RADIUS))?;
    if r < 0.0 {
        return Err(Frame::error(error::GEO_RADIUS_NEGATIVE));
    }
    Ok((r, parse_unit(unit)?))
}

/// `<width> <height> <unit>`.
fn parse_box(width: &[u8], height: &[u8], unit: &[u8]) -> Result<(Shape, f64), Frame> {
    let w = parse_double(width).ok_or_else(|| Frame::error(error::GEO_NEED_WIDTH))?;
    let h = parse_double(height).ok_or_else(|| Frame::error(error::GEO_NEED_HEIGHT))?;
    if w < 0.0 || h < 0.0 {
        return Err(Frame::error(error::GEO_BOX_NEGATIVE));
    }
    Ok((
        Shape::Box {
            width: w,
            height: h,
        },
        parse_unit(unit)?,
    ))
}

/// The decoded position of `member`, or GEO_NO_MEMBER.
fn member_position(z: &ZSet, member: &[u8]) -> Result<(f64, f64), Frame> {
    z.score(member)
        .map(|s| Cell::of_score(s).centre())
        .ok_or_else(|| Frame::error(error::GEO_NO_MEMBER))
}

fn geoadd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let (mut nx, mut xx, mut ch) = (false, false, false);
    let mut first = 2;
    while first < argv.len() {
        let opt = &argv[first];
        if is(opt, "nx") {
            nx = true;
        } else if is(opt, "xx") {
            xx = true;
        } else if is(opt, "ch") {
            ch = true;
        } else {
            break;
        }
        first += 1;
    }
    let rest = &argv[first..];
    if rest.is_empty() || !rest.len().is_multiple_of(3) || (nx && xx) {
        return Frame::error(error::SYNTAX);
    }
    let mut items = Vec::with_capacity(rest.len() / 3);
    for t in rest.chunks(3) {
        let (lon, lat) = match parse_lonlat(&t[0], &t[1]) {
            Ok(p) => p,
            Err(e) => return e,
        };
        let Some(score) = geohash::score(lon, lat) else {
            return Frame::error(error::geo_invalid_pair(lon, lat));
        };
        items.push((score, &t[2]));
    }
    let limits = ctx.limits;
    let z = match ctx.get_or_create(&argv[1], || Value::ZSet(Box::default()), Value::as_zset_mut) {
        Ok(z) => z,
        Err(e) => return e,
    };
    let flags = AddFlags {
        nx,
        xx,
        ..AddFlags::default()
    };
    let mut changed = 0;
    for (score, member) in items {
        match z.add(member, score, flags, &limits) {
            Ok(AddOutcome::Added(_)) => changed += 1,
            Ok(AddOutcome::Updated(_)) if ch => changed += 1,
            _ => {}
        }
    }
    ctx.remove_if_empty(&argv[1]);
    Frame::Integer(changed)
}

fn geodist(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let to_meters = match argv.len() {
        4 => 1.0,
        5 => match parse_unit(&argv[4]) {
            Ok(f) => f,
            Err(e) => return e,
        },
        _ => return Frame::error(error::SYNTAX),
    };
    let z = match zset(ctx, &argv[1]) {
        Ok(Some(z)) => z,
        Ok(None) => return Frame::Null,
        Err(e) => return e,
    };
    let (Some(a), Some(b)) = (z.score(&argv[2]), z.score(&argv[3])) else {
        return Frame::Null;
    };
    let (a, b) = (Cell::of_score(a).centre(), Cell::of_score(b).centre());
    let d = geohash::distance(a.0, a.1, b.0, b.1) / to_meters;
    Frame::Bulk(Bytes::from(geohash::four_decimals(d)))
}

fn geohash_cmd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let z = match zset(ctx, &argv[1]) {
        Ok(z) => z,
        Err(e) => return e,
    };
    Frame::Array(
        argv[2..]
            .iter()
            .map(|m| match z.as_ref().and_then(|z| z.score(m)) {
                Some(s) => Frame::bulk_from(&geohash::hash_string(s)),
                None => Frame::Null,
            })
            .collect(),
    )
}

/// A coordinate as GEOPOS and WITHCOORD reply it.
///
/// Redis replies `%.17Lf` text: a bulk string in RESP2, a RESP3 double *with that same
/// text*. [`Frame`] has no double-with-text variant yet, so RESP3 gets the bulk string too.
fn coord(v: f64) -> Frame {
    Frame::Bulk(Bytes::from(geohash::human(v)))
}

fn position(p: (f64, f64)) -> Frame {
    Frame::Array(vec![coord(p.0), coord(p.1)])
}

fn geopos(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let z = match zset(ctx, &argv[1]) {
        Ok(z) => z,
        Err(e) => return e,
    };
    Frame::Array(
        argv[2..]
            .iter()
            .map(|m| match z.as_ref().and_then(|z| z.score(m)) {
                Some(s) => position(Cell::of_score(s).centre()),
                None => Frame::NullArray,
            })
            .collect(),
    )
}

/// Which search command runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// GEORADIUS / GEORADIUS_RO: `key lon lat radius unit ...`.
    Radius { store_ok: bool },
    /// GEORADIUSBYMEMBER / _RO: `key member radius unit ...`.
    RadiusByMember { store_ok: bool },
    /// GEOSEARCH: `key FROM... BY... ...`.
    Search,
    /// GEOSEARCHSTORE: `dest src FROM... BY... ... [STOREDIST]`.
    SearchStore,
}

/// Result order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sort {
    None,
    Asc,
    Desc,
}

/// A parsed search request.
#[derive(Clone, Debug)]
struct Request {
    /// The area; `None` only when the source key is absent (nothing is searched then).
    search: Option<Search>,
    withdist: bool,
    withhash: bool,
    withcoord: bool,
    sort: Sort,
    /// 0: unlimited.
    count: usize,
    any: bool,
    /// Destination, and whether to store distances instead of hashes.
    store: Option<(Bytes, bool)>,
}

/// Parses a search command's arguments the way Redis does, in order, failing at the first
/// error; positions of members are looked up in `z` as they are met. With no source set
/// (`z` = `None`) members and GEORADIUSBYMEMBER's radius are not examined, as in Redis.
fn parse_search(argv: &[Bytes], kind: Kind, z: Option<&ZSet>) -> Result<Request, Frame> {
    let mut centre: Option<(f64, f64)> = None;
    let mut shape: Option<(Shape, f64)> = None;
    let mut store: Option<(Bytes, bool)> = None;
    let base = match kind {
        Kind::Radius { .. } => {
            centre = Some(parse_lonlat(&argv[2], &argv[3])?);
            let (r, conv) = parse_radius(&argv[4], &argv[5])?;
            shape = Some((Shape::Radius(r), conv));
            6
        }
        Kind::RadiusByMember { .. } => {
            if let Some(z) = z {
                centre = Some(member_position(z, &argv[2])?);
                let (r, conv) = parse_radius(&argv[3], &argv[4])?;
                shape = Some((Shape::Radius(r), conv));
            }
            5
        }
        Kind::Search => 2,
        Kind::SearchStore => {
            store = Some((argv[1].clone(), false));
            3
        }
    };
    let store_ok = matches!(
        kind,
        Kind::Radius { store_ok: true } | Kind::RadiusByMember { store_ok: true }
    );
    let searching = matches!(kind, Kind::Search | Kind::SearchStore);
    let mut req = Request {
        search: None,
        withdist: false,
        withhash: false,
        withcoord: false,
        sort: Sort::None,
        count: 0,
        any: false,
        store: None,
    };
    let (mut frommember, mut fromlonlat, mut byradius, mut bybox) = (false, false, false, false);
    let opts = &argv[base..];
    let mut i = 0;
    while i < opts.len() {
        let arg = &opts[i];
        let left = opts.len() - i - 1;
        if is(arg, "withdist") {
            req.withdist = true;
        } else if is(arg, "withhash") {
            req.withhash = true;
        } else if is(arg, "withcoord") {
            req.withcoord = true;
        } else if is(arg, "any") {
            req.any = true;
        } else if is(arg, "asc") {
            req.sort = Sort::Asc;
        } else if is(arg, "desc") {
            req.sort = Sort::Desc;
        } else if is(arg, "count") && left >= 1 {
            let n = parse_i64(&opts[i + 1]).ok_or_else(|| Frame::error(error::NOT_INTEGER))?;
            if n <= 0 {
                return Err(Frame::error(error::GEO_COUNT));
            }
            req.count = usize::try_from(n).unwrap_or(usize::MAX);
            i += 1;
        } else if (is(arg, "store") || is(arg, "storedist")) && left >= 1 && store_ok {
            store = Some((opts[i + 1].clone(), is(arg, "storedist")));
            i += 1;
        } else if is(arg, "storedist") && kind == Kind::SearchStore {
            if let Some(s) = store.as_mut() {
                s.1 = true;
            }
        } else if is(arg, "frommember") && left >= 1 && searching && !fromlonlat {
            if let Some(z) = z {
                centre = Some(member_position(z, &opts[i + 1])?);
            }
            frommember = true;
            i += 1;
        } else if is(arg, "fromlonlat") && left >= 2 && searching && !frommember {
            centre = Some(parse_lonlat(&opts[i + 1], &opts[i + 2])?);
            fromlonlat = true;
            i += 2;
        } else if is(arg, "byradius") && left >= 2 && searching && !bybox {
            let (r, conv) = parse_radius(&opts[i + 1], &opts[i + 2])?;
            shape = Some((Shape::Radius(r), conv));
            byradius = true;
            i += 2;
        } else if is(arg, "bybox") && left >= 3 && searching && !byradius {
            shape = Some(parse_box(&opts[i + 1], &opts[i + 2], &opts[i + 3])?);
            bybox = true;
            i += 3;
        } else {
            return Err(Frame::error(error::SYNTAX));
        }
        i += 1;
    }
    if store.is_some() && (req.withdist || req.withhash || req.withcoord) {
        return Err(Frame::error(if kind == Kind::SearchStore {
            error::GEOSEARCHSTORE_WITH
        } else {
            error::GEORADIUS_STORE_WITH
        }));
    }
    if searching && !(frommember || fromlonlat) {
        return Err(Frame::error(error::geo_need_from(&argv[0])));
    }
    if searching && !(byradius || bybox) {
        return Err(Frame::error(error::geo_need_by(&argv[0])));
    }
    if req.any && req.count == 0 {
        return Err(Frame::error(error::GEO_ANY_WITHOUT_COUNT));
    }
    // COUNT needs the nearest ones, so it sorts unless ANY said any will do.
    if req.count != 0 && req.sort == Sort::None && !req.any {
        req.sort = Sort::Asc;
    }
    if let (Some((lon, lat)), Some((shape, conversion))) = (centre, shape) {
        req.search = Some(Search {
            lon,
            lat,
            shape,
            conversion,
        });
    }
    req.store = store;
    Ok(req)
}

/// A member found by a search.
#[derive(Clone, Debug)]
struct Found {
    member: Bytes,
    score: f64,
    lon: f64,
    lat: f64,
    /// Meters from the centre.
    dist: f64,
}

/// Scans the cells covering `s` in Redis's order and keeps the members inside the shape;
/// with `limit` (COUNT ANY) stops as soon as that many are found.
fn search(z: &ZSet, s: &Search, limit: usize) -> Vec<Found> {
    let mut found = Vec::new();
    for cell in s.cells() {
        if limit != 0 && found.len() >= limit {
            break;
        }
        let (min, max) = cell.score_range();
        let ranks = z.score_ranks(&ScoreRange {
            min,
            max,
            minex: false,
            maxex: true,
        });
        for (member, score) in z.range(ranks, false) {
            let (lon, lat) = Cell::of_score(score).centre();
            if let Some(dist) = s.contains(lon, lat) {
                found.push(Found {
                    member: Bytes::copy_from_slice(member),
                    score,
                    lon,
                    lat,
                    dist,
                });
            }
            if limit != 0 && found.len() >= limit {
                break;
            }
        }
    }
    found
}

/// Redis's comparison of two distances: greater, equal, or (NaN included) less.
fn cmp_dist(a: f64, b: f64) -> Ordering {
    if a > b {
        Ordering::Greater
    } else if a == b {
        Ordering::Equal
    } else {
        Ordering::Less
    }
}

/// Puts `found` in the order Redis replies it. Ties (members at one spot, or at the same
/// distance) are what makes this more than a sort by distance: Redis sorts the whole result
/// with glibc's `qsort`, a stable merge sort, but when COUNT keeps fewer it runs a partial
/// quicksort over the first `count` places, which orders ties its own way. Both are
/// reproduced step for step.
fn order(found: &mut Vec<Found>, sort: Sort, count: usize) {
    if sort == Sort::None || found.len() < 2 {
        return;
    }
    let dist: Vec<f64> = found.iter().map(|f| f.dist).collect();
    let cmp = |i: usize, j: usize| match sort {
        Sort::Desc => cmp_dist(dist[i], dist[j]).reverse(),
        _ => cmp_dist(dist[i], dist[j]),
    };
    let mut idx: Vec<usize> = (0..found.len()).collect();
    let keep = if count == 0 {
        found.len()
    } else {
        count.min(found.len())
    };
    if keep == found.len() {
        let mut tmp = Vec::with_capacity(idx.len());
        merge_sort(&mut idx, &mut tmp, &cmp);
    } else {
        partial_quicksort(&mut idx, 0, found.len(), &cmp, keep - 1);
    }
    let mut slots: Vec<Option<Found>> = found.drain(..).map(Some).collect();
    found.extend(idx.into_iter().filter_map(|i| slots[i].take()));
}

/// glibc's `msort`: top-down merge sort, left half `n / 2`, ties taken from the left.
fn merge_sort(v: &mut [usize], tmp: &mut Vec<usize>, cmp: &impl Fn(usize, usize) -> Ordering) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    let n1 = n / 2;
    merge_sort(&mut v[..n1], tmp, cmp);
    merge_sort(&mut v[n1..], tmp, cmp);
    tmp.clear();
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < n {
        if cmp(v[i], v[j]) != Ordering::Greater {
            tmp.push(v[i]);
            i += 1;
        } else {
            tmp.push(v[j]);
            j += 1;
        }
    }
    tmp.extend_from_slice(&v[i..n1]);
    v[..tmp.len()].copy_from_slice(tmp);
}

/// Median of three places of `v`, Bentley and McIlroy's way.
fn med3(
    v: &[usize],
    a: usize,
    b: usize,
    c: usize,
    cmp: &impl Fn(usize, usize) -> Ordering,
) -> usize {
    if cmp(v[a], v[b]) == Ordering::Less {
        if cmp(v[b], v[c]) == Ordering::Less {
            b
        } else if cmp(v[a], v[c]) == Ordering::Less {
            c
        } else {
            a
        }
    } else if cmp(v[b], v[c]) == Ordering::Greater {
        b
    } else if cmp(v[a], v[c]) == Ordering::Less {
        a
    } else {
        c
    }
}

/// Insertion sort of `v[lo..lo + n]`.
fn insertion_sort(v: &mut [usize], lo: usize, n: usize, cmp: &impl Fn(usize, usize) -> Ordering) {
    for m in lo + 1..lo + n {
        let mut l = m;
        while l > lo && cmp(v[l - 1], v[l]) == Ordering::Greater {
            v.swap(l, l - 1);
            l -= 1;
        }
    }
}

/// Sorts `v[lo..lo + n]` far enough that places `0..=last` hold what a full sort would put
/// there: the quicksort of Bentley and McIlroy ("Engineering a Sort Function", 1993: ninther
/// pivot above 40 elements, three-way partition with the equal keys swapped to the ends,
/// insertion sort below 7 elements; without BSD's switch to insertion sort after a partition
/// that swapped nothing, which Redis's copy lacks), descending only into
/// the parts that overlap `0..=last`, as Redis's `pqsort` does.
fn partial_quicksort(
    v: &mut [usize],
    mut lo: usize,
    mut n: usize,
    cmp: &impl Fn(usize, usize) -> Ordering,
    last: usize,
) {
    loop {
        if n < 7 {
            insertion_sort(v, lo, n, cmp);
            return;
        }
        let mut pm = lo + n / 2;
        if n > 7 {
            let (mut pl, mut pn) = (lo, lo + n - 1);
            if n > 40 {
                let d = n / 8;
                pl = med3(v, pl, pl + d, pl + 2 * d, cmp);
                pm = med3(v, pm - d, pm, pm + d, cmp);
                pn = med3(v, pn - 2 * d, pn - d, pn, cmp);
            }
            pm = med3(v, pl, pm, pn, cmp);
        }
        v.swap(lo, pm);
        let (mut pa, mut pb) = (lo + 1, lo + 1);
        let (mut pc, mut pd) = (lo + n - 1, lo + n - 1);
        loop {
            while pb <= pc {
                let r = cmp(v[pb], v[lo]);
                if r == Ordering::Greater {
                    break;
                }
                if r == Ordering::Equal {
                    v.swap(pa, pb);
                    pa += 1;
                }
                pb += 1;
            }
            while pb <= pc {
                let r = cmp(v[pc], v[lo]);
                if r == Ordering::Less {
                    break;
                }
                if r == Ordering::Equal {
                    v.swap(pc, pd);
                    pd -= 1;
                }
                pc -= 1;
            }
            if pb > pc {
                break;
            }
            v.swap(pb, pc);
            pb += 1;
            pc -= 1;
        }
        let pn = lo + n;
        let r = (pa - lo).min(pb - pa);
        for k in 0..r {
            v.swap(lo + k, pb - r + k);
        }
        let r = (pd - pc).min(pn - pd - 1);
        for k in 0..r {
            v.swap(pb + k, pn - r + k);
        }
        // Places 0..=last overlap [from, from + len) unless it starts after `last`.
        let left = pb - pa;
        if left > 1 && lo <= last {
            partial_quicksort(v, lo, left, cmp, last);
        }
        let right = pd - pc;
        if right > 1 && pn - right <= last {
            lo = pn - right;
            n = right;
            continue;
        }
        return;
    }
}

/// Runs a search command: parse, search, sort, then reply or store.
fn run(ctx: &mut Ctx<'_>, argv: &[Bytes], kind: Kind) -> Frame {
    let src = if kind == Kind::SearchStore {
        &argv[2]
    } else {
        &argv[1]
    };
    let z = match zset(ctx, src) {
        Ok(z) => z.map(|z| &*z),
        Err(e) => return e,
    };
    let req = match parse_search(argv, kind, z) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let found = match (z, &req.search) {
        (Some(z), Some(s)) => {
            let mut found = search(z, s, if req.any { req.count } else { 0 });
            order(&mut found, req.sort, req.count);
            if req.count != 0 {
                found.truncate(req.count);
            }
            found
        }
        _ => Vec::new(),
    };
    let conversion = req.search.map_or(1.0, |s| s.conversion);
    match req.store {
        Some((dest, storedist)) => store(ctx, &dest, found, storedist, conversion),
        None => reply(&req, found, conversion),
    }
}

fn reply(req: &Request, found: Vec<Found>, conversion: f64) -> Frame {
    let plain = !(req.withdist || req.withhash || req.withcoord);
    Frame::Array(
        found
            .into_iter()
            .map(|f| {
                if plain {
                    return Frame::Bulk(f.member);
                }
                let mut item = vec![Frame::Bulk(f.member)];
                if req.withdist {
                    let d = geohash::four_decimals(f.dist / conversion);
                    item.push(Frame::Bulk(Bytes::from(d)));
                }
                if req.withhash {
                    item.push(Frame::Integer(f.score as i64));
                }
                if req.withcoord {
                    item.push(position((f.lon, f.lat)));
                }
                Frame::Array(item)
            })
            .collect(),
    )
}

/// STORE / STOREDIST / GEOSEARCHSTORE: replaces `dest` with the results (hash or distance
/// scores), or deletes it when there are none. Replies the count.
fn store(ctx: &mut Ctx<'_>, dest: &[u8], found: Vec<Found>, dist: bool, conv: f64) -> Frame {
    let n = found.len();
    if n == 0 {
        ctx.delete(dest);
        return Frame::Integer(0);
    }
    let mut items: Vec<(Bytes, f64)> = found
        .into_iter()
        .map(|f| {
            let score = if dist { f.dist / conv } else { f.score };
            (f.member, score)
        })
        .collect();
    items.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    let z = ZSet::from_sorted(&items, &ctx.limits);
    ctx.set(dest, Value::ZSet(Box::new(z)), Ttl::Clear);
    Frame::Integer(n as i64)
}

fn georadius(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    run(ctx, argv, Kind::Radius { store_ok: true })
}

fn georadius_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    run(ctx, argv, Kind::Radius { store_ok: false })
}

fn georadiusbymember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    run(ctx, argv, Kind::RadiusByMember { store_ok: true })
}

fn georadiusbymember_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    run(ctx, argv, Kind::RadiusByMember { store_ok: false })
}

fn geosearch(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    run(ctx, argv, Kind::Search)
}

fn geosearchstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    run(ctx, argv, Kind::SearchStore)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::test_argv;
    use crate::keyspace::Keyspace;

    #[test]
    fn doubles_follow_get_double_from_object() {
        assert_eq!(parse_double(b"1.5"), Some(1.5));
        assert_eq!(parse_double(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_double(b"0x10"), Some(16.0));
        assert_eq!(parse_double(b"0"), Some(0.0));
        assert_eq!(parse_double(b"-0.0e5"), Some(-0.0));
        assert_eq!(parse_double(b"1e400"), None);
        assert_eq!(parse_double(b"-1e400"), None);
        assert_eq!(parse_double(b"1e-400"), None);
        assert_eq!(parse_double(b"nan"), None);
        assert_eq!(parse_double(b"x"), None);
    }

    #[test]
    fn georadius_keys_follow_getkeys() {
        let a = test_argv(&[
            "georadius",
            "g",
            "1",
            "2",
            "3",
            "km",
            "store",
            "a",
            "storedist",
            "b",
        ]);
        assert_eq!(georadius_keys(&a), vec![1, 7, 9]);
        let a = test_argv(&[
            "georadius",
            "g",
            "1",
            "2",
            "3",
            "km",
            "store",
            "a",
            "store",
            "b",
        ]);
        assert_eq!(georadius_keys(&a), vec![1, 7]);
        let a = test_argv(&["georadius", "g", "1", "2", "3", "km", "count", "1", "store"]);
        assert_eq!(georadius_keys(&a), vec![1]);
        let a = test_argv(&["georadiusbymember", "g", "m", "3", "km", "STOREdist", "x"]);
        assert_eq!(georadiusbymember_keys(&a), vec![1, 6]);
    }

    #[test]
    fn sorts_order_like_a_sort_by_distance() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..300 {
            let n = 1 + round % 97;
            let dist: Vec<f64> = (0..n)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((seed >> 33) % 13) as f64
                })
                .collect();
            let cmp = |i: usize, j: usize| cmp_dist(dist[i], dist[j]);
            let mut stable: Vec<usize> = (0..n).collect();
            stable.sort_by(|&i, &j| dist[i].total_cmp(&dist[j]));
            let mut merged: Vec<usize> = (0..n).collect();
            merge_sort(&mut merged, &mut Vec::new(), &cmp);
            assert_eq!(merged, stable, "merge sort is stable");
            for keep in [1, n / 3 + 1, n] {
                let mut part: Vec<usize> = (0..n).collect();
                partial_quicksort(&mut part, 0, n, &cmp, keep - 1);
                let got: Vec<f64> = part[..keep].iter().map(|&i| dist[i]).collect();
                let want: Vec<f64> = stable[..keep].iter().map(|&i| dist[i]).collect();
                assert_eq!(got, want, "n {n} keep {keep}");
                let mut all = part.clone();
                all.sort_unstable();
                assert_eq!(all, (0..n).collect::<Vec<_>>(), "a permutation");
            }
        }
    }

    fn exec(ks: &mut Keyspace, words: &[&str]) -> Frame {
        let argv = test_argv(words);
        let mut ctx = Ctx::new(ks, 0, 1, crate::cmd::ctx::Mode::Apply);
        let spec = crate::cmd::table().get(argv[0].as_ref()).expect("known");
        match spec.spec.handler {
            Handler::Read(f) | Handler::Write(f) => f(&mut ctx, &argv),
            _ => unreachable!(),
        }
    }

    fn bulk(s: &str) -> Frame {
        Frame::Bulk(Bytes::copy_from_slice(s.as_bytes()))
    }

    #[test]
    fn sicily() {
        let mut ks = Keyspace::new(16);
        let add = [
            "geoadd",
            "g",
            "13.361389",
            "38.115556",
            "Palermo",
            "15.087269",
            "37.502669",
            "Catania",
        ];
        assert_eq!(exec(&mut ks, &add), Frame::Integer(2));
        assert_eq!(exec(&mut ks, &add), Frame::Integer(0));
        assert_eq!(
            exec(&mut ks, &["geodist", "g", "Palermo", "Catania", "km"]),
            bulk("166.2742")
        );
        assert_eq!(
            exec(&mut ks, &["geohash", "g", "Palermo", "x"]),
            Frame::Array(vec![bulk("sqc8b49rny0"), Frame::Null])
        );
        assert_eq!(
            exec(&mut ks, &["geopos", "g", "Catania"]),
            Frame::Array(vec![Frame::Array(vec![
                bulk("15.08726745843887329"),
                bulk("37.50266842333162032")
            ])])
        );
        let q = [
            "geosearch",
            "g",
            "fromlonlat",
            "15",
            "37",
            "byradius",
            "200",
            "km",
            "asc",
            "withdist",
        ];
        assert_eq!(
            exec(&mut ks, &q),
            Frame::Array(vec![
                Frame::Array(vec![bulk("Catania"), bulk("56.4413")]),
                Frame::Array(vec![bulk("Palermo"), bulk("190.4424")]),
            ])
        );
        let st = [
            "geosearchstore",
            "d",
            "g",
            "frommember",
            "Palermo",
            "bybox",
            "400",
            "400",
            "km",
            "storedist",
        ];
        assert_eq!(exec(&mut ks, &st), Frame::Integer(2));
        assert_eq!(
            exec(&mut ks, &["geoadd", "g", "200", "100", "x"]),
            Frame::error("ERR invalid longitude,latitude pair 200.000000,100.000000")
        );
        assert_eq!(
            exec(
                &mut ks,
                &["georadius_ro", "g", "15", "37", "200", "km", "store", "x"]
            ),
            Frame::error(error::SYNTAX)
        );
        assert_eq!(
            exec(
                &mut ks,
                &[
                    "GEOSEARCH",
                    "g",
                    "fromlonlat",
                    "15",
                    "37",
                    "withdist",
                    "asc"
                ]
            ),
            Frame::error("ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH")
        );
    }
}
