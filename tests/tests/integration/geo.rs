//! Geo commands: exact replies recorded from redis-server 7.0.15, and a seeded random
//! differential run of the family against redis-server (a few hundred members over a region,
//! the antimeridian and the latitude limits; random GEOSEARCH / GEORADIUS queries with every
//! option, stores, adds and errors), replies compared byte for byte, or as unordered
//! collections where Redis leaves the order unspecified (no ASC/DESC, or COUNT ANY).
//!
//! Every data set is small and bounded: at most a few hundred members per key.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use redraft_tests::Server;

use crate::hashes::diff::{self, Check, Step};
use crate::{array, assert_raw, bulk, bulks, err, int, NIL};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

fn sicily(c: &mut redraft_tests::RawClient) {
    assert_raw(
        c.cmd_str(&[
            "GEOADD",
            "Sicily",
            "13.361389",
            "38.115556",
            "Palermo",
            "15.087269",
            "37.502669",
            "Catania",
        ]),
        int(2),
    );
}

#[test]
fn geoadd_geopos_geodist_geohash() {
    let server = Server::start();
    let mut c = server.raw();
    sicily(&mut c);
    assert_raw(
        c.cmd_str(&["GEOPOS", "Sicily", "Palermo", "nosuch"]),
        array(&[
            bulks(&["13.36138933897018433", "38.11555639549629859"]),
            b"*-1\r\n".to_vec(),
        ]),
    );
    assert_raw(
        c.cmd_str(&["GEODIST", "Sicily", "Palermo", "Catania"]),
        bulk("166274.1516"),
    );
    assert_raw(
        c.cmd_str(&["GEODIST", "Sicily", "Palermo", "Catania", "KM"]),
        bulk("166.2742"),
    );
    assert_raw(
        c.cmd_str(&["GEODIST", "Sicily", "Palermo", "Catania", "mi"]),
        bulk("103.3182"),
    );
    assert_raw(c.cmd_str(&["GEODIST", "Sicily", "Palermo", "x"]), NIL);
    assert_raw(c.cmd_str(&["GEODIST", "nokey", "a", "b"]), NIL);
    assert_raw(
        c.cmd_str(&["GEOHASH", "Sicily", "Palermo", "Catania", "x"]),
        array(&[bulk("sqc8b49rny0"), bulk("sqdtr74hyu0"), NIL.to_vec()]),
    );
    // A missing key answers one null per member.
    assert_raw(
        c.cmd_str(&["GEOHASH", "nokey", "a"]),
        array(&[NIL.to_vec()]),
    );
    assert_raw(
        c.cmd_str(&["GEOPOS", "nokey", "a"]),
        array(&[b"*-1\r\n".to_vec()]),
    );
    // The limits, and the cell centres Redis reports there.
    assert_raw(
        c.cmd_str(&[
            "GEOADD",
            "lim",
            "180",
            "85.05112878",
            "max",
            "-180",
            "-85.05112878",
            "min",
        ]),
        int(2),
    );
    assert_raw(
        c.cmd_str(&["GEOPOS", "lim", "max", "min"]),
        array(&[
            bulks(&["180", "85.0511287799999991"]),
            bulks(&["-179.99999731779098511", "-85.05112751263942528"]),
        ]),
    );
    assert_raw(
        c.cmd_str(&["GEOHASH", "lim", "max", "min"]),
        bulks(&["bp05b5048p0", "00bh0hbj200"]),
    );
    // NX / XX / CH.
    assert_raw(
        c.cmd_str(&["GEOADD", "Sicily", "1", "1", "a", "2", "2", "a"]),
        int(1),
    );
    assert_raw(
        c.cmd_str(&["GEOADD", "Sicily", "CH", "1", "1", "a", "2", "2", "b"]),
        int(2),
    );
    assert_raw(
        c.cmd_str(&["GEOADD", "Sicily", "nx", "ch", "3", "3", "a", "3", "3", "c"]),
        int(1),
    );
    assert_raw(
        c.cmd_str(&["GEOADD", "Sicily", "xx", "ch", "3", "3", "a", "4", "4", "d"]),
        int(1),
    );
    assert_raw(
        c.cmd_str(&["GEOADD", "nothere", "xx", "3", "3", "a"]),
        int(0),
    );
    assert_raw(c.cmd_str(&["EXISTS", "nothere"]), int(0));
}

#[test]
fn geo_errors() {
    let server = Server::start();
    let mut c = server.raw();
    sicily(&mut c);
    let cases: &[(&[&str], &str)] = &[
        (
            &["GEOADD", "Sicily", "200", "100", "x"],
            "ERR invalid longitude,latitude pair 200.000000,100.000000",
        ),
        (&["GEOADD", "Sicily", "xx", "nx", "1", "1", "a"], "ERR syntax error"),
        (&["GEOADD", "Sicily", "ch", "1", "1"], "ERR syntax error"),
        (&["GEOADD", "Sicily", "1", "x", "a"], "ERR value is not a valid float"),
        (
            &["GEODIST", "Sicily", "Palermo", "Catania", "parsec"],
            "ERR unsupported unit provided. please use M, KM, FT, MI",
        ),
        (&["GEODIST", "Sicily", "a", "b", "km", "x"], "ERR syntax error"),
        (
            &["GEOSEARCH", "Sicily", "frommember", "nosuch", "byradius", "1", "km"],
            "ERR could not decode requested zset member",
        ),
        (
            &["GEOSEARCH", "Sicily", "fromlonlat", "15", "37", "withdist", "asc"],
            "ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH",
        ),
        (
            &["geosearch", "Sicily", "byradius", "10", "km", "withdist", "asc"],
            "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch",
        ),
        (
            &["GEOSEARCH", "Sicily", "fromlonlat", "15", "37", "byradius", "1", "km", "count", "0"],
            "ERR COUNT must be > 0",
        ),
        (
            &["GEOSEARCH", "Sicily", "fromlonlat", "15", "37", "byradius", "1", "km", "any"],
            "ERR the ANY argument requires COUNT argument",
        ),
        (
            &["GEOSEARCH", "Sicily", "fromlonlat", "15", "37", "byradius", "-1", "km"],
            "ERR radius cannot be negative",
        ),
        (
            &["GEOSEARCH", "Sicily", "fromlonlat", "15", "37", "byradius", "1e400", "km"],
            "ERR need numeric radius",
        ),
        (
            &["GEOSEARCH", "Sicily", "fromlonlat", "15", "37", "bybox", "1", "x", "km"],
            "ERR need numeric height",
        ),
        (
            &["GEOSEARCH", "Sicily", "fromlonlat", "15", "37", "bybox", "-1", "1", "km"],
            "ERR height or width cannot be negative",
        ),
        (
            &["GEOSEARCHSTORE", "d", "Sicily", "fromlonlat", "1", "1", "byradius", "1", "km", "withdist"],
            "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
        ),
        (
            &["GEORADIUS", "Sicily", "15", "37", "200", "km", "store", "x", "withdist"],
            "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
        ),
        (&["GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "store", "x"], "ERR syntax error"),
        (
            &["GEORADIUS", "Sicily", "190", "37", "200", "km"],
            "ERR invalid longitude,latitude pair 190.000000,37.000000",
        ),
    ];
    for (args, msg) in cases {
        assert_raw(c.cmd_str(args), err(msg));
    }
    assert_raw(c.cmd_str(&["SET", "s", "1"]), b"+OK\r\n");
    assert_raw(c.cmd_str(&["GEOADD", "s", "1", "2", "a"]), err(WRONGTYPE));
    assert_raw(
        c.cmd_str(&["GEORADIUS", "s", "15", "37", "200", "km"]),
        err(WRONGTYPE),
    );
    assert_raw(c.cmd_str(&["GEOPOS", "s", "a"]), err(WRONGTYPE));
}

#[test]
fn geo_searches_and_stores() {
    let server = Server::start();
    let mut c = server.raw();
    sicily(&mut c);
    assert_raw(
        c.cmd_str(&[
            "GEOSEARCH",
            "Sicily",
            "FROMLONLAT",
            "15",
            "37",
            "BYRADIUS",
            "200",
            "km",
            "ASC",
            "WITHCOORD",
            "WITHDIST",
            "WITHHASH",
        ]),
        array(&[
            array(&[
                bulk("Catania"),
                bulk("56.4413"),
                int(3479447370796909),
                bulks(&["15.08726745843887329", "37.50266842333162032"]),
            ]),
            array(&[
                bulk("Palermo"),
                bulk("190.4424"),
                int(3479099956230698),
                bulks(&["13.36138933897018433", "38.11555639549629859"]),
            ]),
        ]),
    );
    assert_raw(
        c.cmd_str(&[
            "GEORADIUS",
            "Sicily",
            "15",
            "37",
            "200",
            "km",
            "DESC",
            "COUNT",
            "1",
        ]),
        bulks(&["Palermo"]),
    );
    assert_raw(
        c.cmd_str(&["GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "100", "km"]),
        bulks(&["Palermo"]),
    );
    assert_raw(
        c.cmd_str(&[
            "GEOSEARCHSTORE",
            "dst",
            "Sicily",
            "FROMMEMBER",
            "Palermo",
            "BYBOX",
            "400",
            "400",
            "km",
            "STOREDIST",
        ]),
        int(2),
    );
    assert_raw(c.cmd_str(&["TYPE", "dst"]), b"+zset\r\n");
    assert_raw(
        c.cmd_str(&[
            "GEORADIUS",
            "Sicily",
            "15",
            "37",
            "200",
            "km",
            "STORE",
            "dst",
        ]),
        int(2),
    );
    assert_raw(
        c.cmd_str(&["GEOPOS", "dst", "Catania"]),
        array(&[bulks(&["15.08726745843887329", "37.50266842333162032"])]),
    );
    // Nothing found: the destination is deleted.
    assert_raw(
        c.cmd_str(&["GEORADIUS", "Sicily", "0", "0", "1", "km", "STORE", "dst"]),
        int(0),
    );
    assert_raw(c.cmd_str(&["EXISTS", "dst"]), int(0));
    assert_raw(
        c.cmd_str(&[
            "GEOSEARCHSTORE",
            "dst",
            "nokey",
            "FROMLONLAT",
            "0",
            "0",
            "BYRADIUS",
            "1",
            "m",
        ]),
        int(0),
    );
    assert_raw(
        c.cmd_str(&["GEORADIUSBYMEMBER", "nokey", "m", "1", "km"]),
        b"*0\r\n",
    );
}

/// Random coordinates and queries over a few areas: a region around Sicily, the
/// antimeridian, the latitude limits.
struct Gen {
    rng: StdRng,
    /// Members per key, as the generator added them (for FROMMEMBER / GEOPOS picks).
    members: Vec<(&'static str, Vec<String>)>,
    next_member: usize,
}

/// An area as (min lon, max lon, min lat, max lat).
type Area = (f64, f64, f64, f64);

const REGION: Area = (10.0, 20.0, 35.0, 45.0);
const ANTIMERIDIAN: Area = (178.0, 180.0, -5.0, 5.0);
const NORTH: Area = (-20.0, 20.0, 83.0, 85.05112878);
const SOUTH: Area = (-180.0, -175.0, -85.05112878, -83.0);

/// The area of "spots", most of whose members share a few positions: distances tie, and
/// Redis's sorts order ties their own way.
const SPOTS: Area = (14.0, 14.5, 40.0, 40.5);

/// The geo keys, the area each is filled over and its size.
const KEYS: &[(&str, Area, usize)] = &[
    ("geo", REGION, 300),
    ("small", REGION, 40),
    ("east", ANTIMERIDIAN, 60),
    ("west", (-180.0, -178.0, -5.0, 5.0), 60),
    ("north", NORTH, 60),
    ("south", SOUTH, 40),
    ("spots", SPOTS, 150),
    ("odd", REGION, 20),
];

impl Gen {
    fn new(seed: u64) -> Gen {
        Gen {
            rng: StdRng::seed_from_u64(seed),
            members: KEYS.iter().map(|(k, _, _)| (*k, Vec::new())).collect(),
            next_member: 0,
        }
    }

    fn coord(&mut self, area: Area) -> (String, String) {
        let (lo0, lo1, la0, la1) = area;
        if area == SPOTS && self.rng.gen_bool(0.6) {
            // Eight spots, four of them symmetric around (14.25, 40.25).
            let (x, y) = *[
                (14.0, 40.0),
                (14.5, 40.0),
                (14.0, 40.5),
                (14.5, 40.5),
                (14.25, 40.25),
                (14.1, 40.3),
                (14.4, 40.2),
                (14.3, 40.45),
            ]
            .choose(&mut self.rng)
            .unwrap();
            return (format!("{x:.6}"), format!("{y:.8}"));
        }
        // Sometimes exactly on one edge (never a corner: two members on one spot would tie
        // on distance, and Redis's partial sort for COUNT orders ties its own way).
        let (mut lon, mut lat) = (self.rng.gen_range(lo0..lo1), self.rng.gen_range(la0..la1));
        match self.rng.gen_range(0..40) {
            0 => lon = lo0,
            1 => lon = lo1,
            2 => lat = la0,
            3 => lat = la1,
            _ => {}
        }
        (format!("{lon:.6}"), format!("{lat:.8}"))
    }

    fn area_of(key: &str) -> Area {
        KEYS.iter()
            .find(|(k, _, _)| *k == key)
            .map_or(REGION, |(_, a, _)| *a)
    }

    fn word(&mut self, w: &str) -> Vec<u8> {
        diff::word(&mut self.rng, w)
    }

    /// A geo key, sometimes a missing one, a string, or a stored result.
    fn key(&mut self) -> String {
        match self.rng.gen_range(0..20) {
            0 => "nokey".into(),
            1 => "str".into(),
            2 | 3 => ["dst1", "dst2"].choose(&mut self.rng).unwrap().to_string(),
            _ => KEYS.choose(&mut self.rng).unwrap().0.to_string(),
        }
    }

    fn member_of(&mut self, key: &str) -> String {
        // The stores copy members of the big key.
        let key = if key.starts_with("dst") { "geo" } else { key };
        let list = self
            .members
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, m)| m.clone())
            .unwrap_or_default();
        if list.is_empty() || self.rng.gen_ratio(1, 15) {
            return format!("missing{}", self.rng.gen_range(0..3));
        }
        list.choose(&mut self.rng).unwrap().clone()
    }

    /// A GEOADD of `n` new or existing members to `key`.
    fn geoadd(&mut self, key: &'static str, n: usize, options: bool) -> Vec<Vec<u8>> {
        let mut args = vec![b"GEOADD".to_vec(), key.as_bytes().to_vec()];
        if options {
            for opt in ["NX", "XX", "CH"] {
                if self.rng.gen_ratio(1, 4) {
                    args.push(self.word(opt));
                }
            }
        }
        let area = Gen::area_of(key);
        for _ in 0..n {
            let (lon, lat) = self.coord(area);
            let existing = self
                .members
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(0, |(_, m)| m.len());
            let member = if options && existing > 0 && self.rng.gen_bool(0.3) {
                self.member_of(key)
            } else {
                self.next_member += 1;
                let m = format!("m{}", self.next_member);
                if let Some((_, list)) = self.members.iter_mut().find(|(k, _)| *k == key) {
                    list.push(m.clone());
                }
                m
            };
            args.push(lon.into_bytes());
            args.push(lat.into_bytes());
            args.push(member.into_bytes());
        }
        args
    }

    /// `<radius> <unit>`: mostly sensible, sometimes zero, huge or invalid.
    fn radius(&mut self) -> Vec<Vec<u8>> {
        let (unit, scale) = *[("km", 1.0), ("m", 1000.0), ("mi", 0.621), ("ft", 3280.8)]
            .choose(&mut self.rng)
            .unwrap();
        let km = match self.rng.gen_range(0..30) {
            0 => 0.0,
            1 => 30_000.0,
            2 => 5_000.0,
            _ => self.rng.gen_range(0.5..400.0),
        };
        let radius = match self.rng.gen_range(0..40) {
            0 => "-1".to_string(),
            1 => "abc".to_string(),
            _ => format!("{:.3}", km * scale),
        };
        let unit = match self.rng.gen_range(0..40) {
            0 => b"parsec".to_vec(),
            _ => self.word(unit),
        };
        vec![radius.into_bytes(), unit]
    }

    fn boxdims(&mut self) -> Vec<Vec<u8>> {
        let mut dims = self.radius();
        let (w, h) = (
            self.rng.gen_range(1.0..600.0),
            self.rng.gen_range(1.0..600.0),
        );
        let unit = dims.pop().unwrap();
        if dims[0][0].is_ascii_digit() {
            dims[0] = format!("{w:.3}").into_bytes();
        }
        dims.push(format!("{h:.3}").into_bytes());
        dims.push(unit);
        dims
    }

    /// A centre near the key's area.
    fn lonlat(&mut self, key: &str) -> Vec<Vec<u8>> {
        if self.rng.gen_ratio(1, 40) {
            return vec![b"200".to_vec(), b"10".to_vec()];
        }
        let (lon, lat) = self.coord(Gen::area_of(key));
        vec![lon.into_bytes(), lat.into_bytes()]
    }

    /// Trailing options of a search; returns whether the reply order is defined.
    fn options(&mut self, args: &mut Vec<Vec<u8>>, with: bool) -> bool {
        let mut opts: Vec<Vec<Vec<u8>>> = Vec::new();
        let mut sorted = false;
        let (mut count, mut any) = (false, false);
        match self.rng.gen_range(0..3) {
            0 => {
                opts.push(vec![self.word("ASC")]);
                sorted = true;
            }
            1 => {
                opts.push(vec![self.word("DESC")]);
                sorted = true;
            }
            _ => {}
        }
        if self.rng.gen_bool(0.4) {
            let n = match self.rng.gen_range(0..20) {
                0 => "0".to_string(),
                1 => "x".to_string(),
                _ => self.rng.gen_range(1..30).to_string(),
            };
            opts.push(vec![self.word("COUNT"), n.into_bytes()]);
            count = true;
            if self.rng.gen_bool(0.3) {
                opts.push(vec![self.word("ANY")]);
                any = true;
            }
        } else if self.rng.gen_ratio(1, 30) {
            opts.push(vec![self.word("ANY")]);
        }
        if with {
            for w in ["WITHCOORD", "WITHDIST", "WITHHASH"] {
                if self.rng.gen_bool(0.35) {
                    opts.push(vec![self.word(w)]);
                }
            }
        }
        opts.shuffle(&mut self.rng);
        for o in opts {
            args.extend(o);
        }
        // COUNT without ANY sorts by distance; COUNT ANY keeps the scan order's first
        // matches, whose order is unspecified.
        (sorted || count) && !any
    }

    fn check(ordered: bool) -> Check {
        if ordered {
            Check::Exact
        } else {
            Check::Unordered
        }
    }

    fn step(&mut self) -> Step {
        let name = diff::pick_weighted(
            &mut self.rng,
            &[
                ("GEOSEARCH", 30),
                ("GEOSEARCHSTORE", 6),
                ("GEORADIUS", 10),
                ("GEORADIUS_RO", 6),
                ("GEORADIUSBYMEMBER", 8),
                ("GEORADIUSBYMEMBER_RO", 6),
                ("GEODIST", 6),
                ("GEOPOS", 6),
                ("GEOHASH", 5),
                ("GEOADD", 5),
                ("ZRANGE", 4),
                ("ZADD", 2),
            ],
        );
        let mut args = vec![self.word(name)];
        let key = self.key();
        let mut ordered = true;
        match name {
            "GEOSEARCH" | "GEOSEARCHSTORE" => {
                if name == "GEOSEARCHSTORE" {
                    args.push(
                        ["dst1", "dst2"]
                            .choose(&mut self.rng)
                            .unwrap()
                            .as_bytes()
                            .to_vec(),
                    );
                }
                args.push(key.clone().into_bytes());
                let mut parts: Vec<Vec<Vec<u8>>> = Vec::new();
                if self.rng.gen_ratio(29, 30) {
                    let mut from = Vec::new();
                    if self.rng.gen_bool(0.4) {
                        from.push(self.word("FROMMEMBER"));
                        from.push(self.member_of(&key).into_bytes());
                    } else {
                        from.push(self.word("FROMLONLAT"));
                        from.extend(self.lonlat(&key));
                    }
                    parts.push(from);
                }
                if self.rng.gen_ratio(29, 30) {
                    let mut by = Vec::new();
                    if self.rng.gen_bool(0.5) {
                        by.push(self.word("BYRADIUS"));
                        by.extend(self.radius());
                    } else {
                        by.push(self.word("BYBOX"));
                        by.extend(self.boxdims());
                    }
                    parts.push(by);
                }
                if self.rng.gen_bool(0.3) {
                    parts.reverse();
                }
                for p in parts {
                    args.extend(p);
                }
                let store = name == "GEOSEARCHSTORE";
                let with = !store || self.rng.gen_ratio(1, 20);
                ordered = self.options(&mut args, with);
                if store && self.rng.gen_bool(0.5) {
                    args.push(self.word("STOREDIST"));
                }
            }
            "GEORADIUS" | "GEORADIUS_RO" | "GEORADIUSBYMEMBER" | "GEORADIUSBYMEMBER_RO" => {
                args.push(key.clone().into_bytes());
                if name.starts_with("GEORADIUSBYMEMBER") {
                    args.push(self.member_of(&key).into_bytes());
                } else {
                    args.extend(self.lonlat(&key));
                }
                args.extend(self.radius());
                let store =
                    !name.ends_with("_RO") && self.rng.gen_ratio(1, 4) || self.rng.gen_ratio(1, 60);
                let with = !store || self.rng.gen_ratio(1, 10);
                ordered = self.options(&mut args, with);
                if store {
                    let word = if self.rng.gen_bool(0.5) {
                        "STORE"
                    } else {
                        "STOREDIST"
                    };
                    args.push(self.word(word));
                    args.push(
                        ["dst1", "dst2"]
                            .choose(&mut self.rng)
                            .unwrap()
                            .as_bytes()
                            .to_vec(),
                    );
                }
            }
            "GEODIST" => {
                args.push(key.clone().into_bytes());
                args.push(self.member_of(&key).into_bytes());
                args.push(self.member_of(&key).into_bytes());
                if self.rng.gen_bool(0.6) {
                    let unit = *["m", "km", "mi", "ft", "KM", "yd"]
                        .choose(&mut self.rng)
                        .unwrap();
                    args.push(unit.as_bytes().to_vec());
                }
            }
            "ZRANGE" => {
                // What the stores wrote: members and hash or distance scores.
                let key = *["dst1", "dst2", "dst1", "dst2", "small", "odd"]
                    .choose(&mut self.rng)
                    .unwrap();
                args.push(key.as_bytes().to_vec());
                args.extend([b"0".to_vec(), b"-1".to_vec(), self.word("WITHSCORES")]);
            }
            "ZADD" => {
                // Scores GEOADD never writes: negative, fractional, beyond 52 bits, infinite.
                let score = match self.rng.gen_range(0..10) {
                    0 => "-5".to_string(),
                    1 => "1.5".to_string(),
                    2 => "1e30".to_string(),
                    3 => "inf".to_string(),
                    4 => "-inf".to_string(),
                    5 => "4503599627370495".to_string(),
                    6 => "4503599627370496".to_string(),
                    7 => "9007199254740993".to_string(),
                    _ => self.rng.gen_range(0u64..1 << 52).to_string(),
                };
                self.next_member += 1;
                let member = format!("z{}", self.next_member);
                if let Some((_, list)) = self.members.iter_mut().find(|(k, _)| *k == "odd") {
                    list.push(member.clone());
                }
                args.extend([b"odd".to_vec(), score.into_bytes(), member.into_bytes()]);
            }
            "GEOPOS" | "GEOHASH" => {
                args.push(key.clone().into_bytes());
                for _ in 0..self.rng.gen_range(1..5) {
                    args.push(self.member_of(&key).into_bytes());
                }
            }
            _ => {
                let key = *["geo", "small", "east", "north"]
                    .choose(&mut self.rng)
                    .unwrap();
                let n = self.rng.gen_range(1..4);
                args = self.geoadd(key, n, true);
                if self.rng.gen_ratio(1, 20) {
                    // An invalid pair somewhere in the batch: nothing is added.
                    let options = args.len() - 2 - 3 * n;
                    let at = 2 + options + 3 * self.rng.gen_range(0..n);
                    args[at] = b"181".to_vec();
                }
                args[0] = self.word("GEOADD");
            }
        }
        Step {
            args,
            check: Gen::check(ordered),
        }
    }
}

fn geo_setup(gen: &mut Gen) -> Vec<Vec<Vec<u8>>> {
    let mut setup = vec![vec![b"SET".to_vec(), b"str".to_vec(), b"x".to_vec()]];
    for (key, _, n) in KEYS {
        let mut left = *n;
        while left > 0 {
            let batch = left.min(50);
            setup.push(gen.geoadd(key, batch, false));
            left -= batch;
        }
    }
    setup
}

fn geo_plan(seed: u64, n: usize) -> (Vec<Vec<Vec<u8>>>, Vec<Step>) {
    let mut gen = Gen::new(seed);
    let setup = geo_setup(&mut gen);
    let steps = (0..n).map(|_| gen.step()).collect();
    (setup, steps)
}

#[test]
fn geo_plan_is_deterministic_and_covers_the_family() {
    let (setup_a, steps_a) = geo_plan(7, 600);
    let (setup_b, steps_b) = geo_plan(7, 600);
    assert_eq!(setup_a, setup_b);
    assert_eq!(steps_a, steps_b);
    let names = diff::names(&steps_a);
    for n in [
        "GEOADD",
        "GEODIST",
        "GEOHASH",
        "GEOPOS",
        "GEORADIUS",
        "GEORADIUS_RO",
        "GEORADIUSBYMEMBER",
        "GEORADIUSBYMEMBER_RO",
        "GEOSEARCH",
        "GEOSEARCHSTORE",
    ] {
        assert!(names.contains(n), "{n} never generated");
    }
    let members: usize = setup_a.iter().map(|a| a.len().saturating_sub(2) / 3).sum();
    assert!(members <= 800, "setup stays small: {members}");
}

#[test]
fn geo_differential() {
    let seed = redraft_tests::diff_seed("geo_differential");
    let (setup, steps) = geo_plan(seed, 1500);
    diff::run("geo_differential", seed, &setup, &steps);
}
