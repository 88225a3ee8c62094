//! SORT and SORT_RO: the elements of a list, set or sorted set, sorted numerically or
//! lexicographically, optionally by external keys (`BY weight_*`, `BY h_*->field`), with
//! `GET` patterns, `LIMIT`, and (SORT only) `STORE` into a list.
//!
//! SORT is a write (STORE), so it runs inside apply; BY and GET read other keys there too,
//! which is deterministic because apply sees the same keyspace on every replica.

use bytes::Bytes;
use redraft_protocol::Frame;
use std::cmp::Ordering;

use super::ctx::Ttl;
use super::flags::*;
use super::parse::{is, parse_f64, parse_i64};
use super::{spec, CommandSpec, Ctx, Handler, KeySpec};
use crate::error;
use crate::types::list::{End, List};
use crate::value::Value;

/// SORT's keys: the sorted key, and the STORE destination when there is one.
fn sort_keys(argv: &[Bytes]) -> Vec<usize> {
    let mut keys = vec![1];
    let mut i = 2;
    while i < argv.len() {
        if is(&argv[i], "store") && i + 1 < argv.len() {
            keys.push(i + 1);
            i += 1;
        } else if is(&argv[i], "limit") {
            i += 2;
        } else if is(&argv[i], "by") || is(&argv[i], "get") {
            i += 1;
        }
        i += 1;
    }
    keys
}

/// SORT and SORT_RO.
pub const COMMANDS: &[CommandSpec] = &[
    {
        let mut s = spec(
            "sort",
            -2,
            WRITE | DENYOOM | MOVABLEKEYS,
            KeySpec::ONE,
            &["write", "set", "sortedset", "list", "slow", "dangerous"],
            Handler::Write(sort),
        );
        s.keys_fn = Some(sort_keys);
        s
    },
    {
        let mut s = spec(
            "sort_ro",
            -2,
            READONLY,
            KeySpec::ONE,
            &["read", "set", "sortedset", "list", "slow", "dangerous"],
            Handler::Read(sort_ro),
        );
        s.since = "7.0.0";
        s
    },
];

/// Parsed SORT arguments.
#[derive(Debug, Default, PartialEq)]
struct SortOptions {
    by: Option<Bytes>,
    /// `(offset, count)`; a negative count means "to the end".
    limit: Option<(i64, i64)>,
    get: Vec<Bytes>,
    desc: bool,
    alpha: bool,
    store: Option<Bytes>,
}

fn parse(args: &[Bytes], allow_store: bool) -> Result<SortOptions, Frame> {
    let mut o = SortOptions::default();
    let mut i = 0;
    while i < args.len() {
        let left = args.len() - i - 1;
        let a = &args[i];
        if is(a, "asc") {
            o.desc = false;
        } else if is(a, "desc") {
            o.desc = true;
        } else if is(a, "alpha") {
            o.alpha = true;
        } else if is(a, "limit") && left >= 2 {
            let (Some(off), Some(count)) = (parse_i64(&args[i + 1]), parse_i64(&args[i + 2]))
            else {
                return Err(Frame::error(error::NOT_INTEGER));
            };
            o.limit = Some((off, count));
            i += 2;
        } else if is(a, "store") && left >= 1 && allow_store {
            o.store = Some(args[i + 1].clone());
            i += 1;
        } else if is(a, "by") && left >= 1 {
            o.by = Some(args[i + 1].clone());
            i += 1;
        } else if is(a, "get") && left >= 1 {
            o.get.push(args[i + 1].clone());
            i += 1;
        } else {
            return Err(Frame::error(error::SYNTAX));
        }
        i += 1;
    }
    Ok(o)
}

/// The value a BY/GET pattern names for `element`: `*` is replaced by the element, and
/// `key->field` reads a hash field. `None` when the pattern has no `*`, or the key or field is
/// missing or of the wrong type.
fn lookup_pattern(ctx: &mut Ctx<'_>, pattern: &[u8], element: &[u8]) -> Option<Bytes> {
    if pattern == b"#" {
        return Some(Bytes::copy_from_slice(element));
    }
    let star = pattern.iter().position(|&b| b == b'*')?;
    let after = &pattern[star + 1..];
    let (rest, field) = match after.windows(2).position(|w| w == b"->") {
        Some(at) if at + 2 < after.len() => (&after[..at], Some(&after[at + 2..])),
        _ => (after, None),
    };
    let mut key = Vec::with_capacity(pattern.len() + element.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(element);
    key.extend_from_slice(rest);
    let value = ctx.lookup(&key)?;
    match field {
        Some(f) => value
            .as_hash()
            .and_then(|h| h.get(f))
            .map(Bytes::copy_from_slice),
        None => value.as_string().map(Bytes::copy_from_slice),
    }
}

/// The elements of the value under `key`, in its own order; `Ok(None)` if absent.
fn elements(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Option<(Vec<Bytes>, &'static str)>, Frame> {
    let Some(v) = ctx.lookup(key) else {
        return Ok(None);
    };
    Ok(Some(match v {
        Value::List(l) => (l.iter().map(Bytes::copy_from_slice).collect(), "list"),
        Value::Set(s) => (s.iter().map(|m| m.to_bytes()).collect(), "set"),
        Value::ZSet(z) => (zset_members(z), "zset"),
        _ => return Err(Frame::error(error::WRONGTYPE)),
    }))
}

/// A sorted set's members in rank order.
fn zset_members(z: &crate::types::zset::ZSet) -> Vec<Bytes> {
    z.iter().map(|(m, _)| Bytes::copy_from_slice(m)).collect()
}

/// What an element sorts by.
enum Weight {
    Score(f64),
    Text(Option<Bytes>),
}

fn run(ctx: &mut Ctx<'_>, argv: &[Bytes], allow_store: bool) -> Frame {
    let mut o = match parse(&argv[2..], allow_store) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let (mut items, kind) = match elements(ctx, &argv[1]) {
        Ok(Some(found)) => found,
        Ok(None) => (Vec::new(), "none"),
        Err(e) => return e,
    };
    // BY without `*` means "don't sort" — except a set being stored, which Redis sorts
    // lexicographically so the stored list does not depend on the set's internal order.
    let mut dont_sort = o.by.as_ref().is_some_and(|p| !p.contains(&b'*'));
    if dont_sort && kind == "set" && o.store.is_some() {
        dont_sort = false;
        o.alpha = true;
        o.by = None;
    }
    if !dont_sort {
        let mut weighted = Vec::with_capacity(items.len());
        for item in items {
            let by = match &o.by {
                Some(p) => lookup_pattern(ctx, p, &item),
                None => Some(item.clone()),
            };
            let w = if o.alpha {
                Weight::Text(by)
            } else {
                match by {
                    None => Weight::Score(0.0),
                    Some(b) => match parse_f64(&b) {
                        Some(v) => Weight::Score(v),
                        None => return Frame::error(error::SORT_NOT_DOUBLE),
                    },
                }
            };
            weighted.push((w, item));
        }
        weighted.sort_by(|(wa, a), (wb, b)| {
            let cmp = match (wa, wb) {
                (Weight::Score(x), Weight::Score(y)) => x
                    .partial_cmp(y)
                    .unwrap_or(Ordering::Equal)
                    .then_with(|| a.cmp(b)),
                (Weight::Text(x), Weight::Text(y)) => x.cmp(y),
                _ => Ordering::Equal,
            };
            if o.desc {
                cmp.reverse()
            } else {
                cmp
            }
        });
        items = weighted.into_iter().map(|(_, item)| item).collect();
    } else if o.desc && kind == "zset" {
        items.reverse();
    }
    let (start, count) = o.limit.unwrap_or((0, -1));
    let start = start.max(0) as usize;
    let end = if count < 0 {
        items.len()
    } else {
        start.saturating_add(count as usize).min(items.len())
    };
    let chosen = items.get(start..end).unwrap_or(&[]);
    let mut out: Vec<Option<Bytes>> = Vec::new();
    for item in chosen {
        if o.get.is_empty() {
            out.push(Some(item.clone()));
        }
        for pattern in &o.get {
            out.push(lookup_pattern(ctx, pattern, item));
        }
    }
    match o.store {
        Some(dst) => {
            let n = out.len();
            ctx.delete(&dst);
            if n > 0 {
                let mut list = List::default();
                for v in out {
                    list.push(End::Right, v.as_deref().unwrap_or_default());
                }
                ctx.set(&dst, Value::List(Box::new(list)), Ttl::Clear);
            }
            Frame::Integer(n as i64)
        }
        None => Frame::Array(
            out.into_iter()
                .map(|v| v.map_or(Frame::Null, Frame::Bulk))
                .collect(),
        ),
    }
}

fn sort(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    run(ctx, argv, true)
}

fn sort_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    run(ctx, argv, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::test_argv as argv;

    #[test]
    fn options_parse_in_any_order() {
        let o = parse(
            &argv(&["limit", "0", "5", "get", "#", "desc", "alpha", "store", "d"]),
            true,
        )
        .unwrap();
        assert_eq!(o.limit, Some((0, 5)));
        assert_eq!(o.get, argv(&["#"]));
        assert!(o.desc && o.alpha);
        assert_eq!(o.store.as_deref(), Some(&b"d"[..]));
        assert!(
            parse(&argv(&["store", "d"]), false).is_err(),
            "SORT_RO has no STORE"
        );
        assert!(parse(&argv(&["limit", "0"]), true).is_err());
        assert_eq!(
            sort_keys(&argv(&["sort", "k", "by", "w_*", "store", "d"])),
            vec![1, 5]
        );
    }
}
