//! The math behind the geo commands, as Redis 7.0 does it (bit for bit, so replies match):
//!
//! - a position is a 52-bit geohash: 26 bits of latitude and 26 of longitude, interleaved
//!   (latitude in the even bits), over longitude ±180 and the Web Mercator latitude limits
//!   ±85.05112878; the sorted set stores it as the member's score;
//! - decoding gives the centre of the cell, clamped to the limits;
//! - the GEOHASH string re-encodes that centre over the standard -90..90 latitude range, so it
//!   matches other geohash tools;
//! - a search covers its shape with the cell containing the centre and its 8 neighbours, at a
//!   step (bits per axis) estimated from the radius, then checks every candidate exactly with
//!   the haversine distance on a sphere of radius [`EARTH_RADIUS_M`].
//!
//! Everything here is a pure function of its arguments.

/// Smallest longitude.
pub const LON_MIN: f64 = -180.0;
/// Largest longitude.
pub const LON_MAX: f64 = 180.0;
/// Smallest latitude (Web Mercator cannot reach the poles).
pub const LAT_MIN: f64 = -85.05112878;
/// Largest latitude.
pub const LAT_MAX: f64 = 85.05112878;
/// Bits per axis of a stored position.
pub const STEP_MAX: u8 = 26;
/// Redis's earth radius in meters.
pub const EARTH_RADIUS_M: f64 = 6372797.560856;
/// Half the earth's circumference in Web Mercator meters: the step estimation's scale.
const MERCATOR_MAX: f64 = 20037726.37;
/// Degrees to radians.
const D_R: f64 = std::f64::consts::PI / 180.0;

/// A closed interval of degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// Lower end.
    pub min: f64,
    /// Upper end.
    pub max: f64,
}

/// The longitude range every hash is computed over.
const LON_RANGE: Interval = Interval {
    min: LON_MIN,
    max: LON_MAX,
};
/// The latitude range of stored positions.
const LAT_RANGE: Interval = Interval {
    min: LAT_MIN,
    max: LAT_MAX,
};
/// The latitude range of standard geohash strings.
const STD_LAT_RANGE: Interval = Interval {
    min: -90.0,
    max: 90.0,
};

/// A geohash cell: `step` bits per axis, interleaved in the low `2 * step` bits of `bits`
/// (a cell encoded exactly at the upper limit of an axis carries one bit more, as in Redis).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// Interleaved bits, latitude in the even positions.
    pub bits: u64,
    /// Bits per axis (1..=26).
    pub step: u8,
}

/// The extent of a cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Area {
    /// Longitudes covered.
    pub lon: Interval,
    /// Latitudes covered.
    pub lat: Interval,
}

/// True if `(lon, lat)` may be stored (GEOADD, FROMLONLAT).
pub fn valid(lon: f64, lat: f64) -> bool {
    (LON_MIN..=LON_MAX).contains(&lon) && (LAT_MIN..=LAT_MAX).contains(&lat)
}

/// Spreads the 32 bits of `v` over the even bit positions of a `u64`.
fn spread(v: u32) -> u64 {
    let mut x = u64::from(v);
    x = (x | (x << 16)) & 0x0000_ffff_0000_ffff;
    x = (x | (x << 8)) & 0x00ff_00ff_00ff_00ff;
    x = (x | (x << 4)) & 0x0f0f_0f0f_0f0f_0f0f;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    (x | (x << 1)) & 0x5555_5555_5555_5555
}

/// Gathers the even bits of `v` (the inverse of [`spread`]).
fn gather(v: u64) -> u32 {
    let mut x = v & 0x5555_5555_5555_5555;
    x = (x | (x >> 1)) & 0x3333_3333_3333_3333;
    x = (x | (x >> 2)) & 0x0f0f_0f0f_0f0f_0f0f;
    x = (x | (x >> 4)) & 0x00ff_00ff_00ff_00ff;
    x = (x | (x >> 8)) & 0x0000_ffff_0000_ffff;
    ((x | (x >> 16)) & 0xffff_ffff) as u32
}

/// Encodes over the given ranges; `None` outside the storable limits or the ranges.
fn encode_in(lon_r: Interval, lat_r: Interval, lon: f64, lat: f64, step: u8) -> Option<Cell> {
    if !valid(lon, lat) || !(lat_r.min..=lat_r.max).contains(&lat) {
        return None;
    }
    if !(lon_r.min..=lon_r.max).contains(&lon) || step == 0 || step > 32 {
        return None;
    }
    let cells = (1u64 << step) as f64;
    let lat_offset = (lat - lat_r.min) / (lat_r.max - lat_r.min) * cells;
    let lon_offset = (lon - lon_r.min) / (lon_r.max - lon_r.min) * cells;
    // Truncation toward zero, as C converts a double to an unsigned int.
    let bits = spread(lat_offset as u32) | (spread(lon_offset as u32) << 1);
    Some(Cell { bits, step })
}

/// The cell of `(lon, lat)` at `step` bits per axis; `None` outside the limits.
pub fn encode(lon: f64, lat: f64, step: u8) -> Option<Cell> {
    encode_in(LON_RANGE, LAT_RANGE, lon, lat, step)
}

/// The sorted-set score of `(lon, lat)`: its 52-bit hash. `None` outside the limits.
pub fn score(lon: f64, lat: f64) -> Option<f64> {
    encode(lon, lat, STEP_MAX).map(|c| c.aligned() as f64)
}

/// A score as the hash bits Redis reads from it: C's `(uint64_t)` conversion as x86-64
/// performs it, out-of-range values included (negative scores wrap, NaN and values of
/// 2^64 and more give fixed patterns), so a member ZADD gave any score decodes as in Redis.
pub fn score_bits(score: f64) -> u64 {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    const INDEFINITE: u64 = 0x8000_0000_0000_0000;
    // cvttsd2si: the truncated value when it fits an i64, the "integer indefinite" otherwise.
    let cvt = |x: f64| -> u64 {
        if !(-TWO_63..TWO_63).contains(&x) {
            INDEFINITE
        } else {
            x as i64 as u64
        }
    };
    if score.is_nan() {
        return INDEFINITE;
    }
    if score < TWO_63 {
        cvt(score)
    } else {
        cvt(score - TWO_63) ^ INDEFINITE
    }
}

impl Cell {
    /// The cell a stored score denotes (step 26).
    pub fn of_score(score: f64) -> Cell {
        Cell {
            bits: score_bits(score),
            step: STEP_MAX,
        }
    }

    /// The bits moved to the top of the 52-bit score space.
    pub fn aligned(self) -> u64 {
        self.bits.wrapping_shl(52 - 2 * u32::from(self.step))
    }

    /// The scores of the members inside the cell: `min <= score < max`.
    pub fn score_range(self) -> (f64, f64) {
        let next = Cell {
            bits: self.bits.wrapping_add(1),
            step: self.step,
        };
        (self.aligned() as f64, next.aligned() as f64)
    }

    fn area_in(self, lon_r: Interval, lat_r: Interval) -> Area {
        let lat_idx = gather(self.bits);
        let lon_idx = gather(self.bits >> 1);
        let cells = (1u64 << self.step) as f64;
        // `idx + 1` wraps like C's unsigned int (only out-of-range scores get there).
        let edge = |r: Interval, i: u32| r.min + (f64::from(i) * 1.0 / cells) * (r.max - r.min);
        Area {
            lon: Interval {
                min: edge(lon_r, lon_idx),
                max: edge(lon_r, lon_idx.wrapping_add(1)),
            },
            lat: Interval {
                min: edge(lat_r, lat_idx),
                max: edge(lat_r, lat_idx.wrapping_add(1)),
            },
        }
    }

    /// The extent of the cell.
    pub fn area(self) -> Area {
        self.area_in(LON_RANGE, LAT_RANGE)
    }

    /// The centre of the cell, clamped to the limits: the position GEOPOS reports.
    pub fn centre(self) -> (f64, f64) {
        let a = self.area();
        let lon = ((a.lon.min + a.lon.max) / 2.0).clamp(LON_MIN, LON_MAX);
        let lat = ((a.lat.min + a.lat.max) / 2.0).clamp(LAT_MIN, LAT_MAX);
        (lon, lat)
    }

    /// Moves `d` cells along the longitude axis (odd bits), wrapping around; the latitude
    /// bits are kept as they are.
    fn move_lon(self, d: i64) -> Cell {
        let mask = (1u64 << self.step) - 1;
        let idx = (u64::from(gather(self.bits >> 1)).wrapping_add(d as u64)) & mask;
        Cell {
            bits: (spread(idx as u32) << 1) | (self.bits & 0x5555_5555_5555_5555),
            step: self.step,
        }
    }

    /// Moves `d` cells along the latitude axis (even bits), wrapping around.
    fn move_lat(self, d: i64) -> Cell {
        let mask = (1u64 << self.step) - 1;
        let idx = (u64::from(gather(self.bits)).wrapping_add(d as u64)) & mask;
        Cell {
            bits: spread(idx as u32) | (self.bits & 0xaaaa_aaaa_aaaa_aaaa),
            step: self.step,
        }
    }

    /// The 8 neighbours in Redis's search order: north, south, east, west, north-east,
    /// north-west, south-east, south-west.
    pub fn neighbours(self) -> [Cell; 8] {
        [
            self.move_lat(1),
            self.move_lat(-1),
            self.move_lon(1),
            self.move_lon(-1),
            self.move_lon(1).move_lat(1),
            self.move_lon(-1).move_lat(1),
            self.move_lon(1).move_lat(-1),
            self.move_lon(-1).move_lat(-1),
        ]
    }
}

/// The 11-character standard geohash of a stored score (the 11th character is always `0`:
/// only 52 bits exist, Redis pads).
pub fn hash_string(score: f64) -> [u8; 11] {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let (lon, lat) = Cell::of_score(score).centre();
    let bits = encode_in(LON_RANGE, STD_LAT_RANGE, lon, lat, STEP_MAX).map_or(0, |c| c.bits);
    let mut out = [b'0'; 11];
    for (i, c) in out.iter_mut().enumerate().take(10) {
        let idx = (bits >> (52 - (i + 1) * 5)) & 0x1f;
        *c = ALPHABET[idx as usize];
    }
    out
}

fn deg_rad(deg: f64) -> f64 {
    deg * D_R
}

fn rad_deg(rad: f64) -> f64 {
    rad / D_R
}

/// Distance in meters along a meridian between two latitudes.
pub fn lat_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS_M * (deg_rad(lat2) - deg_rad(lat1)).abs()
}

/// Great-circle (haversine) distance in meters; same-longitude pairs take the meridian
/// shortcut, as Redis 7.0 does.
pub fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let v = ((deg_rad(lon2) - deg_rad(lon1)) / 2.0).sin();
    if v == 0.0 {
        return lat_distance(lat1, lat2);
    }
    let (lat1r, lat2r) = (deg_rad(lat1), deg_rad(lat2));
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

/// Meters per unit, for the unit names GEODIST and the searches accept (any case).
pub fn unit_factor(unit: &[u8]) -> Option<f64> {
    [
        (&b"m"[..], 1.0),
        (b"km", 1000.0),
        (b"ft", 0.3048),
        (b"mi", 1609.34),
    ]
    .iter()
    .find(|(name, _)| unit.eq_ignore_ascii_case(name))
    .map(|&(_, f)| f)
}

/// The shape of a search, in the request's unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    /// BYRADIUS.
    Radius(f64),
    /// BYBOX: full width and height.
    Box {
        /// East-west extent.
        width: f64,
        /// North-south extent.
        height: f64,
    },
}

/// A search: a shape around a centre.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Search {
    /// Centre longitude.
    pub lon: f64,
    /// Centre latitude.
    pub lat: f64,
    /// The area.
    pub shape: Shape,
    /// Meters per unit of the shape's dimensions.
    pub conversion: f64,
}

/// How many bits per axis a cell should have so that 9 of them cover `radius_m` around
/// latitude `lat`: the largest cells still smaller than about a quarter of the range, one
/// step coarser near the poles, where cells are narrow.
pub fn estimate_step(radius_m: f64, lat: f64) -> u8 {
    if radius_m == 0.0 {
        return STEP_MAX;
    }
    let mut range = radius_m;
    let mut step: i32 = 1;
    while range < MERCATOR_MAX {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, i32::from(STEP_MAX)) as u8
}

impl Search {
    /// The bounding box `[min lon, min lat, max lon, max lat]` of the shape. The longitude
    /// extent is taken at the edge nearer the pole (the wider one in degrees).
    pub fn bounds(&self) -> [f64; 4] {
        let (half_h, half_w) = match self.shape {
            Shape::Radius(r) => (r, r),
            Shape::Box { width, height } => (height / 2.0, width / 2.0),
        };
        let height = self.conversion * half_h;
        let width = self.conversion * half_w;
        let lat_delta = rad_deg(height / EARTH_RADIUS_M);
        let lon_delta_top = rad_deg(width / EARTH_RADIUS_M / deg_rad(self.lat + lat_delta).cos());
        let lon_delta_bottom =
            rad_deg(width / EARTH_RADIUS_M / deg_rad(self.lat - lat_delta).cos());
        let lon_delta = if self.lat < 0.0 {
            lon_delta_bottom
        } else {
            lon_delta_top
        };
        [
            self.lon - lon_delta,
            self.lat - lat_delta,
            self.lon + lon_delta,
            self.lat + lat_delta,
        ]
    }

    /// The radius (meters) the step is estimated from: the box's half diagonal for BYBOX.
    fn radius_m(&self) -> f64 {
        let r = match self.shape {
            Shape::Radius(r) => r,
            Shape::Box { width, height } => {
                ((width / 2.0) * (width / 2.0) + (height / 2.0) * (height / 2.0)).sqrt()
            }
        };
        r * self.conversion
    }

    /// The cells to scan, in Redis's order (centre, N, S, E, W, NE, NW, SE, SW), without the
    /// neighbours the bounding box does not reach and without a cell equal to the one scanned
    /// just before it (large radii make neighbours coincide).
    pub fn cells(&self) -> Vec<Cell> {
        let [min_lon, min_lat, max_lon, max_lat] = self.bounds();
        let mut step = estimate_step(self.radius_m(), self.lat);
        let at = |step: u8| encode(self.lon, self.lat, step).unwrap_or(Cell { bits: 0, step });
        let mut centre = at(step);
        let mut n = centre.neighbours();
        // Near a cell's edge the estimated step may leave part of the box uncovered: one
        // step coarser then.
        let too_fine = n[0].area().lat.max < max_lat
            || n[1].area().lat.min > min_lat
            || n[2].area().lon.max < max_lon
            || n[3].area().lon.min > min_lon;
        if step > 1 && too_fine {
            step -= 1;
            centre = at(step);
            n = centre.neighbours();
        }
        let mut cells: [Option<Cell>; 9] = [None; 9];
        cells[0] = Some(centre);
        for (slot, c) in cells[1..].iter_mut().zip(n) {
            *slot = Some(c);
        }
        if step >= 2 {
            let area = centre.area();
            // Indexes into `cells`: 1 N, 2 S, 3 E, 4 W, 5 NE, 6 NW, 7 SE, 8 SW.
            let mut drop = |idx: [usize; 3]| idx.iter().for_each(|&i| cells[i] = None);
            if area.lat.min < min_lat {
                drop([2, 8, 7]);
            }
            if area.lat.max > max_lat {
                drop([1, 5, 6]);
            }
            if area.lon.min < min_lon {
                drop([4, 8, 6]);
            }
            if area.lon.max > max_lon {
                drop([3, 7, 5]);
            }
        }
        let mut out: Vec<Cell> = Vec::with_capacity(9);
        // Redis compares with the last scanned cell only once that is not the centre.
        let mut last: Option<usize> = None;
        for (i, c) in cells.iter().enumerate() {
            let Some(c) = *c else { continue };
            if let Some(l) = last {
                if cells[l] == Some(c) {
                    continue;
                }
            }
            out.push(c);
            if i > 0 {
                last = Some(i);
            }
        }
        out
    }

    /// The distance in meters from the centre to `(lon, lat)` if that point is inside the
    /// shape. A box is checked along the meridian and the parallel through the point.
    pub fn contains(&self, lon: f64, lat: f64) -> Option<f64> {
        match self.shape {
            Shape::Radius(r) => {
                let d = distance(self.lon, self.lat, lon, lat);
                (d <= r * self.conversion || d.is_nan()).then_some(d)
            }
            Shape::Box { width, height } => {
                let (width_m, height_m) = (width * self.conversion, height * self.conversion);
                if lat_distance(lat, self.lat) > height_m / 2.0 {
                    return None;
                }
                if distance(lon, lat, self.lon, lat) > width_m / 2.0 {
                    return None;
                }
                Some(distance(self.lon, self.lat, lon, lat))
            }
        }
    }
}

/// A coordinate as Redis prints it (`%.17Lf` of the exact value, trailing zeros and dot
/// removed, `-0` as `0`).
pub fn human(v: f64) -> String {
    let s = format!("{v:.17}");
    let t = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s.as_str()
    };
    if t == "-0" {
        "0".to_string()
    } else {
        t.to_string()
    }
}

/// A distance as Redis 7.0 prints it: fixed point with 4 decimals, computed as
/// `llrint(d * 10000)` (round half to even *after* the multiplication, which can round a
/// value just above a half down, unlike `%.4f`); a value `llrint` cannot convert (NaN) prints
/// as `i64::MIN` does.
pub fn four_decimals(v: f64) -> String {
    if v == 0.0 {
        return "0.0000".to_string();
    }
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    let scaled = (v * 10000.0).round_ties_even();
    let fixed = if (-TWO_63..TWO_63).contains(&scaled) {
        scaled as i64
    } else {
        i64::MIN
    };
    let sign = if fixed < 0 { "-" } else { "" };
    let abs = fixed.unsigned_abs();
    format!("{sign}{}.{:04}", abs / 10000, abs % 10000)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Positions GEOADD stored in redis-server 7.0.15, with the score, GEOPOS and GEOHASH it
    /// replied.
    const KNOWN: &[(f64, f64, u64, &str, &str, &str)] = &[
        (
            13.361389,
            38.115556,
            3479099956230698,
            "13.36138933897018433",
            "38.11555639549629859",
            "sqc8b49rny0",
        ),
        (
            15.087269,
            37.502669,
            3479447370796909,
            "15.08726745843887329",
            "37.50266842333162032",
            "sqdtr74hyu0",
        ),
        (
            180.0,
            85.05112878,
            13510798882111488,
            "180",
            "85.0511287799999991",
            "bp05b5048p0",
        ),
        (
            -180.0,
            -85.05112878,
            0,
            "-179.99999731779098511",
            "-85.05112751263942528",
            "00bh0hbj200",
        ),
        (
            0.0,
            10.0,
            3383540960220437,
            "0.00000268220901489",
            "10.00000092823272979",
            "s1b0bh2n0p0",
        ),
        (
            180.0,
            -10.0,
            9376657983995968,
            "180",
            "-10.00000092823272979",
            "2n0p0581b00",
        ),
        (
            0.0,
            0.0,
            3377699720527872,
            "0.00000268220901489",
            "0.00000126736058093",
            "s0000000000",
        ),
    ];

    #[test]
    fn known_positions_match_redis() {
        for &(lon, lat, bits, plon, plat, hash) in KNOWN {
            let s = score(lon, lat).expect("valid");
            assert_eq!(s, bits as f64, "{lon},{lat}");
            let (x, y) = Cell::of_score(s).centre();
            assert_eq!(human(x), plon);
            assert_eq!(human(y), plat);
            assert_eq!(&hash_string(s), hash.as_bytes());
        }
    }

    #[test]
    fn odd_scores_decode_like_redis() {
        // ZADD'ed scores that GEOADD never produces, with what 7.0.15 replied for GEOPOS and
        // GEOHASH.
        let cases: &[(f64, &str, &str, &str)] = &[
            (-5.0, "180", "85.0511287799999991", "bp05b5048p0"),
            (
                1.5,
                "-179.99999731779098511",
                "-85.05112497791824921",
                "00bh0hbj210",
            ),
            (
                1e30,
                "-179.99999731779098511",
                "-85.05112751263942528",
                "00bh0hbj200",
            ),
            (
                f64::INFINITY,
                "-179.99999731779098511",
                "-85.05112751263942528",
                "00bh0hbj200",
            ),
            (
                f64::NEG_INFINITY,
                "180",
                "-85.05112751263942528",
                "00bh0hbj200",
            ),
            (
                4503599627370495.0,
                "179.99999731779098511",
                "85.05112751263942528",
                "zzpgzgpfxz0",
            ),
            (
                4503599627370496.0,
                "-179.99999731779098511",
                "85.0511287799999991",
                "bp05b5048p0",
            ),
            (
                9007199254740992.0,
                "180",
                "-85.05112751263942528",
                "00bh0hbj200",
            ),
            (-1e30, "180", "-85.05112751263942528", "00bh0hbj200"),
        ];
        for &(s, lon, lat, hash) in cases {
            let (x, y) = Cell::of_score(s).centre();
            assert_eq!((human(x).as_str(), human(y).as_str()), (lon, lat), "{s}");
            assert_eq!(&hash_string(s), hash.as_bytes(), "{s}");
        }
    }

    #[test]
    fn encode_decode_round_trips_within_a_cell() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..10_000 {
            let lon = LON_MIN + next() * 360.0;
            let lat = LAT_MIN + next() * (LAT_MAX - LAT_MIN);
            let s = score(lon, lat).expect("valid");
            assert!(s < (1u64 << 52) as f64);
            let cell = Cell::of_score(s);
            let a = cell.area();
            assert!(a.lon.min <= lon && lon <= a.lon.max);
            assert!(a.lat.min <= lat && lat <= a.lat.max);
            let (x, y) = cell.centre();
            // The centre encodes back to the same score.
            assert_eq!(score(x, y), Some(s));
            assert!(distance(lon, lat, x, y) < 1.0);
        }
    }

    #[test]
    fn limits_are_enforced() {
        assert!(valid(180.0, 85.05112878));
        assert!(!valid(180.000001, 0.0));
        assert!(!valid(0.0, 85.051129));
        assert!(!valid(f64::NAN, 0.0));
        assert_eq!(score(200.0, 100.0), None);
        assert_eq!(score(-180.0, -85.05112878), Some(0.0));
    }

    #[test]
    fn bits_interleave_and_move() {
        assert_eq!(spread(0xffff_ffff), 0x5555_5555_5555_5555);
        assert_eq!(gather(0x5555_5555_5555_5555), 0xffff_ffff);
        for v in [0u32, 1, 0x1234_5678, 0x03ff_ffff] {
            assert_eq!(gather(spread(v)), v);
        }
        let c = Cell { bits: 0, step: 2 };
        let n = c.neighbours();
        // North wraps nothing, south wraps to the top row, west to the last column.
        assert_eq!(
            n[0],
            Cell {
                bits: 0b0001,
                step: 2
            }
        );
        assert_eq!(
            n[1],
            Cell {
                bits: 0b0101,
                step: 2
            }
        );
        assert_eq!(
            n[2],
            Cell {
                bits: 0b0010,
                step: 2
            }
        );
        assert_eq!(
            n[3],
            Cell {
                bits: 0b1010,
                step: 2
            }
        );
        assert_eq!(
            n[4],
            Cell {
                bits: 0b0011,
                step: 2
            }
        );
        assert_eq!(
            n[7],
            Cell {
                bits: 0b1111,
                step: 2
            }
        );
        assert_eq!(c.score_range(), (0.0, (1u64 << 48) as f64));
    }

    #[test]
    fn distances_match_redis() {
        // GEODIST replies of redis-server 7.0.15.
        let p = Cell::of_score(3479099956230698.0).centre();
        let c = Cell::of_score(3479447370796909.0).centre();
        assert_eq!(four_decimals(distance(p.0, p.1, c.0, c.1)), "166274.1516");
        assert_eq!(
            four_decimals(distance(p.0, p.1, c.0, c.1) / 1609.34),
            "103.3182"
        );
        assert_eq!(
            four_decimals(distance(p.0, p.1, c.0, c.1) / 0.3048),
            "545518.8700"
        );
        assert_eq!(four_decimals(distance(p.0, p.1, p.0, p.1)), "0.0000");
        let a = Cell::of_score(score(0.0, 10.0).unwrap()).centre();
        let b = Cell::of_score(score(180.0, -10.0).unwrap()).centre();
        assert_eq!(four_decimals(distance(a.0, a.1, b.0, b.1)), "20020733.7314");
        assert_eq!(unit_factor(b"KM"), Some(1000.0));
        assert_eq!(unit_factor(b"Mi"), Some(1609.34));
        assert_eq!(unit_factor(b"parsec"), None);
    }

    #[test]
    fn step_estimation() {
        assert_eq!(estimate_step(0.0, 0.0), 26);
        assert_eq!(estimate_step(1.0, 0.0), 24);
        assert_eq!(estimate_step(200_000.0, 0.0), 6);
        assert_eq!(estimate_step(200_000.0, 70.0), 5);
        assert_eq!(estimate_step(200_000.0, -85.0), 4);
        assert_eq!(estimate_step(5e7, 0.0), 1);
    }

    #[test]
    fn search_cells_cover_the_shape() {
        let s = Search {
            lon: 15.0,
            lat: 37.0,
            shape: Shape::Radius(200.0),
            conversion: 1000.0,
        };
        let cells = s.cells();
        assert!(!cells.is_empty() && cells.len() <= 9);
        let palermo = score(13.361389, 38.115556).unwrap();
        assert!(cells.iter().any(|c| {
            let (lo, hi) = c.score_range();
            lo <= palermo && palermo < hi
        }));
        let (x, y) = Cell::of_score(palermo).centre();
        let d = s.contains(x, y).unwrap();
        assert_eq!(four_decimals(d / 1000.0), "190.4424");
        assert_eq!(s.contains(20.0, 37.0), None);
        // A huge radius: step 1, the four cells of the world once each.
        let world = Search {
            shape: Shape::Radius(30_000.0),
            ..s
        };
        let cells = world.cells();
        assert_eq!(cells.len(), 4);
        assert!(cells.iter().all(|c| c.step == 1));
    }

    #[test]
    fn box_containment() {
        let s = Search {
            lon: 0.0,
            lat: 0.0,
            shape: Shape::Box {
                width: 200.0,
                height: 100.0,
            },
            conversion: 1000.0,
        };
        assert!(s.contains(0.8, 0.4).is_some());
        assert!(s.contains(0.8, 0.5).is_none());
        assert!(s.contains(0.95, 0.0).is_none());
        let [w, so, e, n] = s.bounds();
        assert!(w < -0.89 && e > 0.89 && so < -0.44 && n > 0.44);
    }

    #[test]
    fn human_formatting() {
        assert_eq!(human(180.0), "180");
        assert_eq!(human(-0.0), "0");
        assert_eq!(human(0.5), "0.5");
        assert_eq!(human(13.361389338970184), "13.36138933897018433");
        assert_eq!(four_decimals(0.03125), "0.0312");
        assert_eq!(four_decimals(0.0001), "0.0001");
        assert_eq!(four_decimals(6.064_295_159_839_17e-5), "0.0001");
        assert_eq!(four_decimals(-0.01), "-0.0100");
        assert_eq!(four_decimals(10.01), "10.0100");
        // Just above a half: `%.4f` would round up, Redis's fixed point rounds the product.
        assert_eq!(four_decimals(1021441.9956742801 / 0.3048), "3351187.6498");
        assert_eq!(four_decimals(f64::NAN), "-922337203685477.5808");
    }
}
