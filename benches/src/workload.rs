//! What a load generator sends: which keys (uniform, Zipf, one hot key, or each key once), which
//! command (SET, GET, or a SET:GET mix), and the exact bytes of each request. Pure: the load
//! generator's I/O shell draws operations from here and writes their encoding.

use rand::Rng;
use rand_distr::{Distribution, Zipf};

/// How keys are drawn from `key:000000000000` … `key:<keyspace - 1>`.
#[derive(Clone, Debug)]
pub enum KeyDist {
    /// Every key equally likely.
    Uniform { keyspace: u64 },
    /// Zipf with exponent `exponent`: key 0 is the hottest.
    Zipf { keyspace: u64, zipf: Zipf<f64> },
}

impl KeyDist {
    /// `exponent` 0 means uniform.
    ///
    /// # Errors
    /// When the keyspace is empty or the exponent negative.
    pub fn new(keyspace: u64, exponent: f64) -> Result<KeyDist, String> {
        if keyspace == 0 {
            return Err("the keyspace must hold at least one key".into());
        }
        if exponent == 0.0 {
            return Ok(KeyDist::Uniform { keyspace });
        }
        let zipf = Zipf::new(keyspace, exponent).map_err(|e| format!("zipf: {e}"))?;
        Ok(KeyDist::Zipf { keyspace, zipf })
    }

    pub fn keyspace(&self) -> u64 {
        match self {
            KeyDist::Uniform { keyspace } | KeyDist::Zipf { keyspace, .. } => *keyspace,
        }
    }

    pub fn sample<R: Rng>(&self, rng: &mut R) -> u64 {
        match self {
            KeyDist::Uniform { keyspace } => rng.gen_range(0..*keyspace),
            // Zipf yields 1..=n as a float.
            KeyDist::Zipf { zipf, keyspace } => (zipf.sample(rng) as u64 - 1).min(keyspace - 1),
        }
    }
}

/// The command mix: `sets` SETs for every `gets` GETs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mix {
    pub sets: u32,
    pub gets: u32,
}

impl Mix {
    /// Parses `set`, `get`, or a ratio `SETS:GETS` such as `1:10`.
    ///
    /// # Errors
    /// When the text is none of those, or both sides are zero.
    pub fn parse(text: &str) -> Result<Mix, String> {
        let mix = match text.to_ascii_lowercase().as_str() {
            "set" => Mix { sets: 1, gets: 0 },
            "get" => Mix { sets: 0, gets: 1 },
            other => {
                let (s, g) = other.split_once(':').ok_or_else(|| {
                    format!("unknown command mix '{text}' (set, get or SETS:GETS)")
                })?;
                let sets = s
                    .trim()
                    .parse()
                    .map_err(|_| format!("bad ratio '{text}'"))?;
                let gets = g
                    .trim()
                    .parse()
                    .map_err(|_| format!("bad ratio '{text}'"))?;
                Mix { sets, gets }
            }
        };
        if mix.sets == 0 && mix.gets == 0 {
            return Err(format!("the mix '{text}' sends nothing"));
        }
        Ok(mix)
    }

    pub fn draw_set<R: Rng>(self, rng: &mut R) -> bool {
        match (self.sets, self.gets) {
            (_, 0) => true,
            (0, _) => false,
            (s, g) => rng.gen_range(0..s + g) < s,
        }
    }
}

/// One request to send: a SET or a GET of key number `key`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Op {
    pub set: bool,
    pub key: u64,
}

/// Digits after `key:`, as redis-benchmark's `key:__rand_int__` (12, zero-padded).
pub const KEY_DIGITS: usize = 12;

/// Writes `key:%012d` into a fixed 16-byte array.
pub fn key_name(key: u64) -> [u8; 4 + KEY_DIGITS] {
    let mut name = *b"key:000000000000";
    let mut rest = key;
    for byte in name[4..].iter_mut().rev() {
        *byte = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    name
}

/// Encodes requests as RESP multibulks; holds the value bytes and the optional TTL suffix.
#[derive(Clone, Debug)]
pub struct Encoder {
    value: Vec<u8>,
    /// `EX <seconds>` appended to every SET, when asked for.
    ttl_secs: Option<u64>,
}

impl Encoder {
    pub fn new(value_size: usize, ttl_secs: Option<u64>) -> Encoder {
        Encoder {
            value: vec![b'x'; value_size],
            ttl_secs,
        }
    }

    /// Appends the encoding of `op` to `out`.
    pub fn encode(&self, op: Op, asking: bool, out: &mut Vec<u8>) {
        if asking {
            out.extend_from_slice(b"*1\r\n$6\r\nASKING\r\n");
        }
        let key = key_name(op.key);
        if op.set {
            let argc = if self.ttl_secs.is_some() { 5 } else { 3 };
            push_len(out, b'*', argc);
            push_bulk(out, b"SET");
            push_bulk(out, &key);
            push_bulk(out, &self.value);
            if let Some(ttl) = self.ttl_secs {
                push_bulk(out, b"EX");
                push_bulk(out, itoa::Buffer::new().format(ttl).as_bytes());
            }
        } else {
            out.extend_from_slice(b"*2\r\n");
            push_bulk(out, b"GET");
            push_bulk(out, &key);
        }
    }
}

fn push_len(out: &mut Vec<u8>, kind: u8, len: usize) {
    out.push(kind);
    out.extend_from_slice(itoa::Buffer::new().format(len).as_bytes());
    out.extend_from_slice(b"\r\n");
}

fn push_bulk(out: &mut Vec<u8>, arg: &[u8]) {
    push_len(out, b'$', arg.len());
    out.extend_from_slice(arg);
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;

    #[test]
    fn key_names_match_redis_benchmark() {
        assert_eq!(&key_name(0), b"key:000000000000");
        assert_eq!(&key_name(123), b"key:000000000123");
        assert_eq!(&key_name(999_999_999_999), b"key:999999999999");
    }

    #[test]
    fn encodes_set_get_ttl_and_asking() {
        let enc = Encoder::new(3, None);
        let mut out = Vec::new();
        enc.encode(Op { set: true, key: 7 }, false, &mut out);
        assert_eq!(
            out,
            b"*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000007\r\n$3\r\nxxx\r\n".to_vec()
        );
        out.clear();
        Encoder::new(1, Some(60)).encode(Op { set: true, key: 1 }, true, &mut out);
        assert_eq!(
            out,
            b"*1\r\n$6\r\nASKING\r\n*5\r\n$3\r\nSET\r\n$16\r\nkey:000000000001\r\n$1\r\nx\r\n$2\r\nEX\r\n$2\r\n60\r\n"
                .to_vec()
        );
        out.clear();
        enc.encode(Op { set: false, key: 2 }, false, &mut out);
        assert_eq!(
            out,
            b"*2\r\n$3\r\nGET\r\n$16\r\nkey:000000000002\r\n".to_vec()
        );
    }

    #[test]
    fn mix_parses_and_draws_in_proportion() {
        assert_eq!(Mix::parse("SET").unwrap(), Mix { sets: 1, gets: 0 });
        assert_eq!(Mix::parse("1:10").unwrap(), Mix { sets: 1, gets: 10 });
        assert!(Mix::parse("0:0").is_err());
        assert!(Mix::parse("lpush").is_err());
        let mut rng = SmallRng::seed_from_u64(1);
        let mix = Mix { sets: 1, gets: 10 };
        let sets = (0..110_000).filter(|_| mix.draw_set(&mut rng)).count();
        assert!((9_000..11_000).contains(&sets), "{sets} sets of 110000");
    }

    #[test]
    fn zipf_stays_in_range_and_favours_low_keys() {
        let dist = KeyDist::new(1000, 0.99).unwrap();
        let mut rng = SmallRng::seed_from_u64(2);
        let draws: Vec<u64> = (0..100_000).map(|_| dist.sample(&mut rng)).collect();
        assert!(draws.iter().all(|&k| k < 1000));
        let hottest = draws.iter().filter(|&&k| k == 0).count();
        let coldest_half = draws.iter().filter(|&&k| k >= 500).count();
        // With s = 0.99 over 1000 keys, key 0 draws ~13% and keys 500.. ~9% of the samples.
        assert!(hottest > 10_000, "key 0 drawn {hottest} times");
        assert!(
            coldest_half < 12_000,
            "upper half drawn {coldest_half} times"
        );
        let uniform = KeyDist::new(10, 0.0).unwrap();
        assert!(matches!(uniform, KeyDist::Uniform { keyspace: 10 }));
        assert!(KeyDist::new(0, 0.0).is_err());
    }
}
