//! PNG plots drawn from a [`Report`]: throughput per case, latency CDFs, the ratios of each case's
//! two configurations (redraft ÷ redis, or W8's group ÷ standalone), memory per key, and W9's
//! write rate around each kill of the leader.
//!
//! What each plot shows is picked out of the report by plain functions (`bar_groups`,
//! `ratio_rows`, `cdf_lines`, `failover_lines`) and laid out by plain arithmetic (ticks, label
//! wrapping), all
//! unit-tested; the drawing is plotters code generic over the backend, and only [`write_plots`]
//! touches files.
//!
//! plotters is built with `ab_glyph`, which has no system font lookup: the text font is a
//! TrueType file found at run time (`REDRAFT_PLOT_FONT`, else the first of [`FONT_PATHS`]).

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::register_font;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::report::{metric, Case, CdfPoint, Compares, Report, ServerKind, Spread};

/// Environment variable naming a `.ttf`/`.otf` file to draw text with, overriding [`FONT_PATHS`].
pub const FONT_ENV: &str = "REDRAFT_PLOT_FONT";

/// Where the text font is looked for, in order. Debian/Ubuntu `fonts-dejavu-core` first.
pub const FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/local/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "/Library/Fonts/Arial.ttf",
];

/// Why no font could be registered. `Clone` because the outcome is computed once per process.
#[derive(Clone, Debug, thiserror::Error)]
pub enum PlotFontError {
    #[error(
        "no TrueType font found to draw plot text (looked in {}); install fonts-dejavu-core \
         (Debian/Ubuntu) or set {FONT_ENV} to a .ttf file",
        display_paths(.searched)
    )]
    NotFound { searched: Vec<PathBuf> },
    #[error("cannot read plot font {}: {reason}", .path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("{} is not a TrueType/OpenType font (set {FONT_ENV} to another file)", .path.display())]
    Invalid { path: PathBuf },
}

/// Why [`write_plots`] failed.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error(transparent)]
    Font(#[from] PlotFontError),
    #[error("cannot create plot directory {}: {source}", .dir.display())]
    CreateDir { dir: PathBuf, source: io::Error },
    #[error("cannot draw {}: {message}", .path.display())]
    Draw { path: PathBuf, message: String },
}

/// Writes every plot for `report` into `dir`, returning the paths written.
///
/// - `throughput.png`: median requests/s per case, each of its configurations (redis vs
///   redraft, or W8's standalone vs group), min–max whiskers;
/// - `latency-<case-slug>.png`: latency CDF of each configuration's median run, per case with
///   CDFs;
/// - `ratios.png`: ratios of throughput and CPU per request (redraft ÷ redis, or as the row
///   says);
/// - `memory.png`: bytes per key (and per element, for W10's big collections), for the memory
///   cases;
/// - `failover-<case-slug>.png`: write rate against time since the kill, each run a line (W9).
///
/// A plot with nothing to show is not written.
///
/// # Errors
///
/// [`PlotError::Font`] when no usable font is installed (the message names the package),
/// [`PlotError::CreateDir`] when `dir` cannot be created, [`PlotError::Draw`] when drawing or
/// encoding a PNG fails.
pub fn write_plots(report: &Report, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    ensure_font()?;
    fs::create_dir_all(dir).map_err(|source| PlotError::CreateDir {
        dir: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();

    let groups = bar_groups(report, metric::THROUGHPUT);
    if !groups.is_empty() {
        let width = (2 * MARGIN + Y_LABEL_AREA + GROUP_PX * groups.len() as u32).max(WIDTH);
        let labels = x_labels(&groups, group_px(width, groups.len()));
        let path = dir.join("throughput.png");
        render(&path, (width, 620 + labels.height), |root| {
            plot_throughput(root, report, &groups)
        })?;
        written.push(path);
    }

    let mut slugs = HashSet::new();
    for case in &report.cases {
        let lines = cdf_lines(case);
        if lines.is_empty() {
            continue;
        }
        let mut name = format!("latency-{}", slug(&case.name));
        let base = name.clone();
        for n in 2.. {
            if slugs.insert(name.clone()) {
                break;
            }
            name = format!("{base}-{n}");
        }
        let path = dir.join(format!("{name}.png"));
        render(&path, (WIDTH, HEIGHT), |root| {
            plot_latency(root, report, case, &lines)
        })?;
        written.push(path);
    }

    for case in &report.cases {
        let lines = failover_lines(case);
        if lines.is_empty() {
            continue;
        }
        let path = dir.join(format!("failover-{}.png", slug(&case.name)));
        render(&path, (WIDTH, HEIGHT), |root| {
            plot_failover(root, report, case, &lines)
        })?;
        written.push(path);
    }

    let rows = ratio_rows(report);
    if !rows.is_empty() {
        let path = dir.join("ratios.png");
        let height = (200 + 60 * rows.len() as u32).max(HEIGHT);
        render(&path, (WIDTH, height), |root| {
            plot_ratios(root, report, &rows)
        })?;
        written.push(path);
    }

    let panels: Vec<MemoryPanel> = MEMORY_PANELS
        .iter()
        .map(|&(name, title, unit)| (title, unit, bar_groups(report, name)))
        .filter(|(_, _, groups)| !groups.is_empty())
        .collect();
    if !panels.is_empty() {
        let n = panels.iter().map(|(_, _, g)| g.len()).max().unwrap_or(1);
        let panel_width = (2 * MARGIN + Y_LABEL_AREA + GROUP_PX * n as u32).max(600);
        let width = (panel_width * panels.len() as u32).max(WIDTH);
        let label_height = panels
            .iter()
            .map(|(_, _, g)| x_labels(g, group_px(width / panels.len() as u32, g.len())).height)
            .max()
            .unwrap_or(0);
        let path = dir.join("memory.png");
        render(&path, (width, 640 + label_height), |root| {
            plot_memory(root, report, &panels)
        })?;
        written.push(path);
    }

    Ok(written)
}

/// A file-name-safe form of a case name: lowercase ASCII alphanumerics, every other run of
/// characters collapsed into one `-`, none at either end, at most 80 characters.
pub fn slug(name: &str) -> String {
    const MAX: usize = 80;
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if out.len() >= MAX {
            break;
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("case");
    }
    out
}

// ---- Fonts ----------------------------------------------------------------------------------

const FONT_FAMILY: &str = "sans-serif";

/// Registers the text font with plotters, once per process; later calls return the first
/// outcome.
fn ensure_font() -> Result<(), PlotFontError> {
    static FONT: OnceLock<Result<(), PlotFontError>> = OnceLock::new();
    FONT.get_or_init(|| {
        let path = locate_font(std::env::var_os(FONT_ENV), FONT_PATHS)?;
        let bytes = fs::read(&path).map_err(|e| PlotFontError::Unreadable {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        // plotters keeps a `'static` reference to the font; this runs at most once.
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        register_font(FONT_FAMILY, FontStyle::Normal, bytes)
            .map_err(|_| PlotFontError::Invalid { path })
    })
    .clone()
}

/// The font file to use: `override_path` if given (and then only it), else the first existing
/// file among `candidates`.
fn locate_font(
    override_path: Option<OsString>,
    candidates: &[&str],
) -> Result<PathBuf, PlotFontError> {
    if let Some(path) = override_path.filter(|p| !p.is_empty()).map(PathBuf::from) {
        return if path.is_file() {
            Ok(path)
        } else {
            Err(PlotFontError::NotFound {
                searched: vec![path],
            })
        };
    }
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| PlotFontError::NotFound {
            searched: candidates.iter().map(PathBuf::from).collect(),
        })
}

fn display_paths(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    shown.join(", ")
}

fn font(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT_FAMILY), size, FontStyle::Normal)
}

/// Rendered width of `text` in pixels (a rough estimate if the font is unavailable).
fn text_width(text: &str, size: f64) -> u32 {
    font(size)
        .box_size(text)
        .map(|(w, _)| w)
        .unwrap_or_else(|_| (text.chars().count() as f64 * size * 0.6) as u32)
}

/// `text`, cut short with "…" if needed to fit in `width` pixels.
fn fit(text: &str, size: f64, width: u32) -> String {
    if text_width(text, size) <= width {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len())
        .rev()
        .map(|n| format!("{}…", chars[..n].iter().collect::<String>().trim_end()))
        .find(|t| text_width(t, size) <= width)
        .unwrap_or_else(|| "…".to_string())
}

/// Greedy word wrap of `text` into lines of at most `width` pixels (a single word wider than
/// that gets a line of its own).
fn wrap(text: &str, size: f64, width: u32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if line.is_empty() || text_width(&candidate, size) <= width {
            line = candidate;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// [`wrap`], then at most `max_lines` lines, the last cut short with "…" if text is left over.
fn wrap_at_most(text: &str, size: f64, width: u32, max_lines: usize) -> Vec<String> {
    let mut lines = wrap(text, size, width);
    if lines.len() > max_lines {
        let rest = lines.split_off(max_lines - 1).join(" ");
        lines.push(fit(&format!("{rest} …"), size, width));
    }
    lines.into_iter().map(|l| fit(&l, size, width)).collect()
}

// ---- What is plotted ------------------------------------------------------------------------

/// One group of bars: a case, and the spread of one metric for each configuration the case
/// compares, baseline first.
#[derive(Clone, Debug, PartialEq)]
struct BarGroup {
    label: String,
    spreads: Vec<(ServerKind, Option<Spread>)>,
}

impl BarGroup {
    fn values(&self) -> impl Iterator<Item = &Spread> {
        self.spreads.iter().filter_map(|(_, s)| s.as_ref())
    }
}

/// A bar group for every case in which some configuration recorded `metric`, in report order.
fn bar_groups(report: &Report, metric: &str) -> Vec<BarGroup> {
    report
        .cases
        .iter()
        .filter_map(|case| {
            let spreads: Vec<_> = case
                .compares
                .kinds()
                .into_iter()
                .map(|s| (s, case.runs(s).and_then(|r| r.spread(metric))))
                .collect();
            spreads.iter().any(|(_, s)| s.is_some()).then(|| BarGroup {
                label: case.name.clone(),
                spreads,
            })
        })
        .collect()
}

/// A case's name, and the configurations it compares unless they are redraft and redis.
fn case_label(case: &Case) -> String {
    if case.compares == Compares::REDIS {
        case.name.clone()
    } else {
        format!("{} ({})", case.name, case.compares.label())
    }
}

/// One case's redraft/redis ratios.
#[derive(Clone, Debug, PartialEq)]
struct RatioRow {
    label: String,
    throughput: Option<f64>,
    cpu: Option<f64>,
}

/// Every case with a throughput or CPU-per-request ratio, in report order.
fn ratio_rows(report: &Report) -> Vec<RatioRow> {
    let finite = |r: Option<f64>| r.filter(|r| r.is_finite());
    report
        .cases
        .iter()
        .map(|case| RatioRow {
            label: case_label(case),
            throughput: finite(case.ratio(metric::THROUGHPUT)),
            cpu: finite(case.ratio(metric::CPU_PER_REQUEST)),
        })
        .filter(|row| row.throughput.is_some() || row.cpu.is_some())
        .collect()
}

/// The latency CDF of one server's median sample.
#[derive(Clone, Debug, PartialEq)]
struct CdfLine {
    server: ServerKind,
    /// That sample's throughput, for the legend.
    throughput: Option<f64>,
    points: Vec<CdfPoint>,
}

/// For each server of `case` whose median sample has a non-empty CDF, that CDF.
fn cdf_lines(case: &Case) -> Vec<CdfLine> {
    case.compares
        .kinds()
        .into_iter()
        .filter_map(|server| {
            let sample = case.runs(server)?.median_sample()?;
            let run = sample.run.as_ref()?;
            let points: Vec<CdfPoint> = run
                .cdf
                .iter()
                .copied()
                .filter(|p| p.percentile.is_finite() && p.micros.is_finite())
                .collect();
            (!points.is_empty()).then(|| CdfLine {
                server,
                throughput: sample.metrics.get(metric::THROUGHPUT).copied(),
                points,
            })
        })
        .collect()
}

/// One failover run's write rate: `(seconds since the kill, successful writes per second)` for
/// each timeline window.
#[derive(Clone, Debug, PartialEq)]
struct FailoverLine {
    /// 1-based run number.
    run: usize,
    points: Vec<(f64, f64)>,
    first_write_ms: Option<f64>,
}

/// Each run of a failover case (one that recorded [`metric::KILL_AT`] and its timeline).
fn failover_lines(case: &Case) -> Vec<FailoverLine> {
    let Some(runs) = case.runs(case.compares.subject) else {
        return Vec::new();
    };
    runs.samples
        .iter()
        .enumerate()
        .filter_map(|(i, sample)| {
            let kill = *sample.metrics.get(metric::KILL_AT)?;
            let run = sample.run.as_ref()?;
            let step = run.timeline_step_secs;
            (step > 0.0 && !run.timeline.is_empty()).then(|| FailoverLine {
                run: i + 1,
                points: run
                    .timeline
                    .iter()
                    .map(|p| (p.t_secs - kill, p.ok as f64 / step))
                    .collect(),
                first_write_ms: sample.metrics.get(metric::FAILOVER_FIRST_WRITE).copied(),
            })
        })
        .collect()
}

/// Memory metrics plotted, one panel each, with the panel title and the y axis's unit.
const MEMORY_PANELS: &[(&str, &str, &str)] = &[
    (
        metric::USED_MEMORY_PER_KEY,
        "used_memory per key (INFO)",
        "bytes per key",
    ),
    (metric::RSS_PER_KEY, "RSS per key", "bytes per key"),
    (
        metric::USED_MEMORY_PER_ELEMENT,
        "used_memory per element (INFO)",
        "bytes per element",
    ),
    (
        metric::RSS_PER_ELEMENT,
        "RSS per element",
        "bytes per element",
    ),
];

/// A memory panel: its title, its y axis's unit, its bars.
type MemoryPanel<'a> = (&'a str, &'a str, Vec<BarGroup>);

// ---- Axes -----------------------------------------------------------------------------------

/// A "nice" tick step (1, 2, 2.5 or 5 × 10^k) at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let mantissa = raw / magnitude;
    let nice = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|&m| mantissa <= m * (1.0 + 1e-9))
        .unwrap_or(10.0);
    nice * magnitude
}

/// A linear axis from 0 that covers `max` with about `target` ticks: its top and its ticks.
fn linear_ticks(max: f64, target: usize) -> (f64, Vec<f64>) {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let step = nice_step(max / target.max(1) as f64);
    let n = (max / step - 1e-9).ceil().max(1.0) as usize;
    (n as f64 * step, (0..=n).map(|i| i as f64 * step).collect())
}

/// A log axis covering `[lo, hi]` (both > 0): its bounds (1-2-5 values around them) and ticks,
/// 1-2-5 per decade when there are few decades, else one per decade.
fn log_ticks(lo: f64, hi: f64) -> (f64, f64, Vec<f64>) {
    let nice = |d: i32| [1.0, 2.0, 5.0].map(|m| m * 10f64.powi(d));
    let (d0, d1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let all: Vec<f64> = (d0..=d1).flat_map(nice).collect();
    let eps = 1e-9;
    let bottom = all
        .iter()
        .copied()
        .rev()
        .find(|&v| v <= lo * (1.0 + eps))
        .unwrap_or(lo);
    let top = all
        .iter()
        .copied()
        .find(|&v| v >= hi * (1.0 - eps))
        .unwrap_or(hi);
    let dense = d1 - d0 <= 3;
    let ticks = all
        .into_iter()
        .filter(|&v| v >= bottom * (1.0 - eps) && v <= top * (1.0 + eps))
        .filter(|&v| dense || (v.log10() - v.log10().round()).abs() < 1e-9)
        .collect();
    (bottom, top, ticks)
}

/// The latency axis of a CDF plot: linear from 0, or log10 when the latencies span more than
/// 100×. Positions on it are µs, or log10(µs).
#[derive(Clone, Debug, PartialEq)]
struct LatencyAxis {
    log: bool,
    bottom: f64,
    top: f64,
    ticks: Vec<f64>,
}

impl LatencyAxis {
    fn covering(micros: impl Iterator<Item = f64>) -> LatencyAxis {
        let (lo, hi) = micros
            .filter(|&us| us > 0.0 && us.is_finite())
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), us| {
                (lo.min(us), hi.max(us))
            });
        if hi > 0.0 && hi / lo > 100.0 {
            let (bottom, top, ticks) = log_ticks(lo, hi);
            LatencyAxis {
                log: true,
                bottom: bottom.log10(),
                top: top.log10(),
                ticks: ticks.into_iter().map(f64::log10).collect(),
            }
        } else {
            let (top, ticks) = linear_ticks(hi * 1.05, 8);
            LatencyAxis {
                log: false,
                bottom: 0.0,
                top,
                ticks,
            }
        }
    }

    /// Where `micros` goes on the axis (clamped to its bottom).
    fn position(&self, micros: f64) -> f64 {
        if self.log {
            micros.log10().max(self.bottom)
        } else {
            micros.max(0.0)
        }
    }

    /// The latency at `position`.
    fn micros(&self, position: f64) -> f64 {
        if self.log {
            10f64.powf(position)
        } else {
            position
        }
    }
}

/// Position of `percentile` on the HdrHistogram-style axis, log10(1 / (1 - p)): 0 % → 0,
/// 90 % → 1, 99 % → 2, 99.9 % → 3. `None` for 100 %, which is plotted as "max".
fn percentile_x(percentile: f64) -> Option<f64> {
    (percentile < 100.0).then(|| -(1.0 - percentile.max(0.0) / 100.0).log10())
}

/// The percentile at integer position `nines` of that axis: "0%", "90%", "99%", "99.9%", ….
fn percentile_label(nines: u32) -> String {
    match nines {
        0 => "0%".to_string(),
        1 => "90%".to_string(),
        2 => "99%".to_string(),
        n => format!("99.{}%", "9".repeat(n as usize - 2)),
    }
}

/// A number with at most three significant digits and no trailing zeros.
fn short_number(v: f64) -> String {
    let text = if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// `v` with an SI suffix: 950, 1.5k, 500k, 1.2M.
fn format_si(v: f64) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    format!("{}{suffix}", short_number(scaled))
}

/// A latency given in microseconds, in the unit that keeps it short: 850 µs, 1.2 ms, 2 s.
fn format_micros(us: f64) -> String {
    if us >= 1e6 {
        format!("{} s", short_number(us / 1e6))
    } else if us >= 1e3 {
        format!("{} ms", short_number(us / 1e3))
    } else {
        format!("{} µs", short_number(us))
    }
}

/// A linear axis with ticks (and grid lines) exactly at `ticks`. plotters' own `WithKeyPoints`
/// does the same but then refuses custom label formatters.
struct TickAxis {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

fn tick_axis(range: std::ops::Range<f64>, ticks: Vec<f64>) -> TickAxis {
    TickAxis {
        inner: range.into(),
        ticks,
    }
}

impl Ranged for TickAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

// ---- Layout ---------------------------------------------------------------------------------

/// Default image size.
const WIDTH: u32 = 1200;
const HEIGHT: u32 = 700;
/// Space around each chart, and for the y tick labels and axis description.
const MARGIN: u32 = 20;
const Y_LABEL_AREA: u32 = 100;
/// Horizontal room per case in the bar charts.
const GROUP_PX: u32 = 120;

const TITLE_SIZE: f64 = 24.0;
const TEXT_SIZE: f64 = 15.0;
const LABEL_SIZE: f64 = 14.0;
const VALUE_SIZE: f64 = 13.0;
const LINE_HEIGHT: u32 = 18;
/// Widest a bar of a bar chart may be, in pixels.
const MAX_BAR_PX: f64 = 90.0;
/// Thickest a bar of the ratio chart may be, in pixels.
const RATIO_BAR_PX: f64 = 40.0;
/// Longest a rotated case label may be, in pixels.
const MAX_ROTATED_LABEL: u32 = 300;

const GRID: RGBColor = RGBColor(225, 225, 225);
const GREY: RGBColor = RGBColor(90, 90, 90);

fn server_color(server: ServerKind) -> RGBColor {
    match server {
        ServerKind::Redis => RGBColor(214, 39, 40),
        ServerKind::Redraft => RGBColor(31, 119, 180),
        ServerKind::RedraftFsync => RGBColor(23, 190, 207),
        ServerKind::RedraftGroup => RGBColor(148, 103, 189),
    }
}

/// Line colours of successive runs in a failover plot.
const RUN_COLORS: [RGBColor; 5] = [
    RGBColor(148, 103, 189),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(31, 119, 180),
    RGBColor(140, 86, 75),
];

const THROUGHPUT_COLOR: RGBColor = RGBColor(44, 160, 44);
const CPU_COLOR: RGBColor = RGBColor(255, 127, 14);

/// Pixel width of one group in a bar chart `width` wide with `n` groups.
fn group_px(width: u32, n: usize) -> u32 {
    width.saturating_sub(2 * MARGIN + Y_LABEL_AREA) / n.max(1) as u32
}

/// How case labels sit under a bar chart: horizontal (wrapped onto up to three lines) when
/// every label fits its group's width, else rotated to read upwards.
struct XLabels {
    lines: Vec<Vec<String>>,
    rotated: bool,
    /// Height of the label area below the axis.
    height: u32,
}

fn x_labels(groups: &[BarGroup], group_px: u32) -> XLabels {
    let room = group_px.saturating_sub(10);
    let wrapped: Vec<Vec<String>> = groups
        .iter()
        .map(|g| wrap(&g.label, LABEL_SIZE, room))
        .collect();
    let fits = wrapped
        .iter()
        .all(|lines| lines.len() <= 3 && lines.iter().all(|l| text_width(l, LABEL_SIZE) <= room));
    if fits {
        let most = wrapped.iter().map(Vec::len).max().unwrap_or(1) as u32;
        return XLabels {
            lines: wrapped,
            rotated: false,
            height: 16 + LINE_HEIGHT * most,
        };
    }
    let lines: Vec<Vec<String>> = groups
        .iter()
        .map(|g| vec![fit(&g.label, LABEL_SIZE, MAX_ROTATED_LABEL)])
        .collect();
    let longest = lines
        .iter()
        .map(|l| text_width(&l[0], LABEL_SIZE))
        .max()
        .unwrap_or(0);
    XLabels {
        lines,
        rotated: true,
        height: longest + 20,
    }
}

// ---- Drawing --------------------------------------------------------------------------------

type DrawResult<T, DB> = Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Draws one PNG of `size` at `path` on a white background.
fn render<'a>(
    path: &'a Path,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'a>, Shift>) -> DrawResult<(), BitMapBackend<'a>>,
) -> Result<(), PlotError> {
    let to_error = |e: DrawingAreaErrorKind<_>| PlotError::Draw {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let root = BitMapBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE).map_err(to_error)?;
    draw(&root).map_err(to_error)?;
    root.present().map_err(to_error)
}

/// "redraft <git> · redis-server <version> · <started>": which builds a plot shows.
fn provenance(report: &Report) -> String {
    format!(
        "redraft {} · redis-server {} · {}",
        report.git, report.redis_version, report.started
    )
}

/// Draws a title, grey subtitle lines and a legend (swatch, text) at the top of `area`, and
/// returns the area below them.
fn header<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &[String],
    legend: &[(String, RGBColor)],
) -> DrawResult<DrawingArea<DB, Shift>, DB> {
    let width = area.dim_in_pixel().0;
    let legend_width = legend
        .iter()
        .map(|(text, _)| 30 + text_width(text, TEXT_SIZE))
        .max()
        .unwrap_or(0);
    let text_room = width.saturating_sub(2 * MARGIN + legend_width + 30);
    let legend_rows = legend.len() as u32 * 22;
    let height = (48 + LINE_HEIGHT * subtitle.len() as u32).max(legend_rows + 16) + 8;
    let (top, rest) = area.split_vertically(height);

    top.draw(&Text::new(
        fit(title, TITLE_SIZE, text_room),
        (MARGIN as i32, 12),
        font(TITLE_SIZE).color(&BLACK),
    ))?;
    for (i, line) in subtitle.iter().enumerate() {
        top.draw(&Text::new(
            fit(line, LABEL_SIZE, text_room),
            (MARGIN as i32, 46 + (LINE_HEIGHT * i as u32) as i32),
            font(LABEL_SIZE).color(&GREY),
        ))?;
    }
    let x = (width - MARGIN - legend_width) as i32;
    for (i, (text, color)) in legend.iter().enumerate() {
        let y = 14 + 22 * i as i32;
        top.draw(&Rectangle::new([(x, y), (x + 18, y + 14)], color.filled()))?;
        top.draw(&Text::new(
            text.clone(),
            (x + 26, y + 7),
            font(TEXT_SIZE)
                .color(&BLACK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(rest)
}

/// A legend entry for every configuration the bar groups show.
fn server_legend(groups: &[BarGroup]) -> Vec<(String, RGBColor)> {
    ServerKind::ALL
        .iter()
        .filter(|&&s| {
            groups
                .iter()
                .any(|g| g.spreads.iter().any(|(k, _)| *k == s))
        })
        .map(|&s| (s.name().to_string(), server_color(s)))
        .collect()
}

/// "bar = median of N runs, whisker = min–max", N being the most samples any bar has.
fn bars_note(groups: &[BarGroup]) -> String {
    let runs = groups
        .iter()
        .flat_map(|g| g.values().map(|s| s.count))
        .max()
        .unwrap_or(0);
    if runs == 1 {
        "bar = value of the single run".to_string()
    } else {
        format!("bar = median of {runs} runs, whisker = min–max")
    }
}

fn plot_throughput<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    groups: &[BarGroup],
) -> DrawResult<(), DB> {
    let body = header(
        root,
        "Throughput",
        &[provenance(report), bars_note(groups)],
        &server_legend(groups),
    )?;
    draw_grouped_bars(&body, groups, "requests/s", format_si)
}

fn plot_memory<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    panels: &[MemoryPanel],
) -> DrawResult<(), DB> {
    let all: Vec<BarGroup> = panels.iter().flat_map(|(_, _, g)| g.clone()).collect();
    let body = header(
        root,
        "Memory per key or element",
        &[provenance(report), bars_note(&all)],
        &server_legend(&all),
    )?;
    for (area, (title, unit, groups)) in body.split_evenly((1, panels.len())).iter().zip(panels) {
        let (top, chart) = area.split_vertically(30);
        top.draw(&Text::new(
            title.to_string(),
            ((top.dim_in_pixel().0 / 2) as i32, 8),
            font(17.0)
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        draw_grouped_bars(&chart, groups, unit, format_si)?;
    }
    Ok(())
}

/// One bar chart: a group per case, a bar per server at its median, whiskers from min to max,
/// the median written above each bar when it fits.
fn draw_grouped_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    groups: &[BarGroup],
    y_desc: &str,
    format: fn(f64) -> String,
) -> DrawResult<(), DB> {
    let n = groups.len();
    let labels = x_labels(groups, group_px(area.dim_in_pixel().0, n));
    let highest = groups
        .iter()
        .flat_map(|g| g.values().map(|s| s.max.max(s.median)))
        .fold(0.0, f64::max);
    // Headroom above the tallest whisker for the value written over it.
    let (top, ticks) = linear_ticks(highest * 1.12, 8);
    let centres: Vec<f64> = (0..n).map(|i| i as f64 + 0.5).collect();

    let mut chart = ChartBuilder::on(area)
        .margin(MARGIN)
        .margin_top(10)
        .x_label_area_size(labels.height)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(
            tick_axis(0.0..n as f64, centres.clone()),
            tick_axis(0.0..top, ticks),
        )?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .set_tick_mark_size(LabelAreaPosition::Bottom, 0)
        .bold_line_style(GRID)
        .x_label_formatter(&|_| String::new())
        .y_label_formatter(&|v| format(*v))
        .y_desc(y_desc)
        .label_style(font(LABEL_SIZE))
        .axis_desc_style(font(TEXT_SIZE))
        .draw()?;

    // Two bars per group, side by side around its centre, each at most MAX_BAR_PX wide.
    let unit_px = {
        let (a, _) = chart.backend_coord(&(0.0, 0.0));
        let (b, _) = chart.backend_coord(&(1.0, 0.0));
        (b - a).max(1) as f64
    };
    let half = (0.18f64).min(MAX_BAR_PX / 2.0 / unit_px);
    let bar_px = (2.0 * half * unit_px) as u32;
    let bar = |i: usize, k: usize| {
        let mid = i as f64 + 0.5 + (k as f64 - 0.5) * (2.0 * half + 0.02);
        (mid - half, mid + half)
    };
    for k in 0..2 {
        // Bar k of each group: (its x extent, its configuration, its spread).
        let spreads = || {
            groups.iter().enumerate().filter_map(move |(i, g)| {
                let &(kind, spread) = g.spreads.get(k)?;
                Some((bar(i, k), kind, spread?))
            })
        };
        chart.draw_series(spreads().map(|((x0, x1), kind, s)| {
            Rectangle::new([(x0, 0.0), (x1, s.median)], server_color(kind).filled())
        }))?;
        let spreads = || spreads().map(|(x, _, s)| (x, s));
        let whisker = BLACK.mix(0.75).stroke_width(1);
        chart.draw_series(
            spreads()
                .filter(|(_, s)| s.max > s.min)
                .flat_map(|((x0, x1), s)| {
                    let (mid, cap) = ((x0 + x1) / 2.0, (x1 - x0) / 4.0);
                    [
                        PathElement::new(vec![(mid, s.min), (mid, s.max)], whisker),
                        PathElement::new(vec![(mid - cap, s.min), (mid + cap, s.min)], whisker),
                        PathElement::new(vec![(mid - cap, s.max), (mid + cap, s.max)], whisker),
                    ]
                }),
        )?;
        chart.draw_series(
            spreads()
                .map(|((x0, x1), s)| ((x0 + x1) / 2.0, s, format(s.median)))
                .filter(|(_, _, text)| text_width(text, VALUE_SIZE) <= bar_px + 8)
                .map(|(mid, s, text)| {
                    EmptyElement::at((mid, s.max.max(s.median)))
                        + Text::new(
                            text,
                            (0, -4),
                            font(VALUE_SIZE)
                                .color(&BLACK)
                                .pos(Pos::new(HPos::Center, VPos::Bottom)),
                        )
                }),
        )?;
    }

    // Case labels, drawn by hand: plotters can neither wrap nor rotate axis labels well.
    let (base_x, base_y) = area.get_base_pixel();
    for (centre, lines) in centres.iter().zip(&labels.lines) {
        let (x, y) = chart.backend_coord(&(*centre, 0.0));
        let (x, y) = (x - base_x, y - base_y + 10);
        if labels.rotated {
            area.draw(&Text::new(
                lines[0].clone(),
                (x, y),
                font(LABEL_SIZE)
                    .transform(FontTransform::Rotate270)
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        } else {
            for (j, line) in lines.iter().enumerate() {
                area.draw(&Text::new(
                    line.clone(),
                    (x, y + (LINE_HEIGHT * j as u32) as i32),
                    font(LABEL_SIZE)
                        .color(&BLACK)
                        .pos(Pos::new(HPos::Center, VPos::Top)),
                ))?;
            }
        }
    }
    Ok(())
}

fn plot_latency<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    case: &Case,
    lines: &[CdfLine],
) -> DrawResult<(), DB> {
    let width = root.dim_in_pixel().0;
    let legend: Vec<(String, RGBColor)> = lines
        .iter()
        .map(|l| {
            let text = match l.throughput {
                Some(t) => format!("{} ({} req/s)", l.server.name(), format_si(t)),
                None => l.server.name().to_string(),
            };
            (text, server_color(l.server))
        })
        .collect();
    let mut subtitle = wrap_at_most(&case.description, LABEL_SIZE, width.saturating_sub(460), 2);
    subtitle.push(format!(
        "latency CDF of each server's median run (by throughput) · {}",
        provenance(report)
    ));
    let body = header(root, &format!("Latency: {}", case.name), &subtitle, &legend)?;

    // x: HdrHistogram-style percentile axis, one unit per "nine", and "max" half a unit on.
    let finite_x = lines
        .iter()
        .flat_map(|l| l.points.iter().filter_map(|p| percentile_x(p.percentile)))
        .fold(0.0, f64::max);
    let nines = (finite_x - 1e-6).ceil().max(1.0);
    let has_max = lines.iter().any(|l| {
        l.points
            .iter()
            .any(|p| percentile_x(p.percentile).is_none())
    });
    let max_x = nines + 0.5;
    let mut x_ticks: Vec<f64> = (0..=nines as u32).map(f64::from).collect();
    if has_max {
        x_ticks.push(max_x);
    }
    let x_end = if has_max { max_x + 0.1 } else { nines };

    let y = LatencyAxis::covering(lines.iter().flat_map(|l| l.points.iter().map(|p| p.micros)));

    let mut chart = ChartBuilder::on(&body)
        .margin(MARGIN)
        .margin_top(10)
        .x_label_area_size(50)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(
            tick_axis(0.0..x_end, x_ticks),
            tick_axis(y.bottom..y.top, y.ticks.clone()),
        )?;
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .x_label_formatter(&|x| {
            if has_max && *x > nines + 0.25 {
                "max".to_string()
            } else {
                percentile_label(x.round() as u32)
            }
        })
        .y_label_formatter(&|v| format_micros(y.micros(*v)))
        .x_desc("percentile")
        .y_desc(if y.log {
            "latency (log scale)"
        } else {
            "latency"
        })
        .label_style(font(LABEL_SIZE))
        .axis_desc_style(font(TEXT_SIZE))
        .draw()?;

    for line in lines {
        let color = server_color(line.server);
        let points: Vec<(f64, f64)> = line
            .points
            .iter()
            .map(|p| {
                let x = percentile_x(p.percentile).unwrap_or(max_x);
                (x, y.position(p.micros))
            })
            .collect();
        chart.draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?;
        chart.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 3, color.filled())),
        )?;
    }
    Ok(())
}

/// W9: each run's write rate against the time since the kill of the leader (at 0), with the
/// 2 s target marked.
fn plot_failover<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    case: &Case,
    lines: &[FailoverLine],
) -> DrawResult<(), DB> {
    let width = root.dim_in_pixel().0;
    let color = |i: usize| RUN_COLORS[i % RUN_COLORS.len()];
    let legend: Vec<(String, RGBColor)> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let text = match l.first_write_ms {
                Some(ms) => format!("run {}: first write {}", l.run, format_micros(ms * 1e3)),
                None => format!("run {}: no write after the kill", l.run),
            };
            (text, color(i))
        })
        .collect();
    let mut subtitle = wrap_at_most(&case.description, LABEL_SIZE, width.saturating_sub(460), 2);
    subtitle.push(format!(
        "successful writes per second in each timeline window · {}",
        provenance(report)
    ));
    let body = header(
        root,
        &format!("Failover: {}", case.name),
        &subtitle,
        &legend,
    )?;

    let points = || lines.iter().flat_map(|l| l.points.iter().copied());
    let (left, right) = points().fold((0.0f64, FAILOVER_TARGET_SECS), |(lo, hi), (x, _)| {
        (lo.min(x), hi.max(x))
    });
    let step = nice_step((right - left) / 12.0);
    let x_ticks: Vec<f64> = ((left / step).ceil() as i64..=(right / step).floor() as i64)
        .map(|i| i as f64 * step)
        .collect();
    let highest = points().map(|(_, y)| y).fold(0.0, f64::max);
    let (top, y_ticks) = linear_ticks(highest * 1.1, 8);

    let mut chart = ChartBuilder::on(&body)
        .margin(MARGIN)
        .margin_top(10)
        .x_label_area_size(50)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(
            tick_axis(left..right, x_ticks),
            tick_axis(0.0..top, y_ticks),
        )?;
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .x_label_formatter(&|x| format!("{} s", short_number(*x)))
        .y_label_formatter(&|y| format_si(*y))
        .x_desc("seconds since kill -9 of the leader")
        .y_desc("writes/s")
        .label_style(font(LABEL_SIZE))
        .axis_desc_style(font(TEXT_SIZE))
        .draw()?;
    let target = FAILOVER_TARGET_SECS;
    chart.draw_series([
        PathElement::new(vec![(0.0, 0.0), (0.0, top)], BLACK.stroke_width(2)),
        PathElement::new(vec![(target, 0.0), (target, top)], GREY.stroke_width(1)),
    ])?;
    chart.draw_series(std::iter::once(
        EmptyElement::at((target, top))
            + Text::new(
                "2 s target",
                (5, 5),
                font(LABEL_SIZE)
                    .color(&GREY)
                    .pos(Pos::new(HPos::Left, VPos::Top)),
            ),
    ))?;
    for (i, line) in lines.iter().enumerate() {
        chart.draw_series(LineSeries::new(
            line.points.iter().copied(),
            color(i).stroke_width(1),
        ))?;
    }
    Ok(())
}

/// W9's target: a write accepted within 2 s of the kill.
const FAILOVER_TARGET_SECS: f64 = 2.0;

fn plot_ratios<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    rows: &[RatioRow],
) -> DrawResult<(), DB> {
    let any_throughput = rows.iter().any(|r| r.throughput.is_some());
    let any_cpu = rows.iter().any(|r| r.cpu.is_some());
    let mut legend = Vec::new();
    if any_throughput {
        legend.push((
            "throughput (> 1: subject faster)".to_string(),
            THROUGHPUT_COLOR,
        ));
    }
    if any_cpu {
        legend.push((
            "CPU per request (< 1: subject cheaper)".to_string(),
            CPU_COLOR,
        ));
    }
    let body = header(
        root,
        "Ratios: redraft / redis, or as the row says",
        &[
            provenance(report),
            "ratio of the medians; the line marks parity".to_string(),
        ],
        &legend,
    )?;

    let n = rows.len();
    let labels: Vec<String> = rows
        .iter()
        .map(|r| fit(&r.label, LABEL_SIZE, 440))
        .collect();
    let label_area = labels
        .iter()
        .map(|l| text_width(l, LABEL_SIZE))
        .max()
        .unwrap_or(0)
        + 25;
    let highest = rows
        .iter()
        .flat_map(|r| r.throughput.into_iter().chain(r.cpu))
        .fold(1.0, f64::max);
    let (right, x_ticks) = linear_ticks(highest * 1.15, 8);
    // Row i (from the top) is centred at n - i - 0.5.
    let centre = |i: usize| (n - i) as f64 - 0.5;

    let mut chart = ChartBuilder::on(&body)
        .margin(MARGIN)
        .margin_top(10)
        .x_label_area_size(55)
        .y_label_area_size(label_area)
        .build_cartesian_2d(
            tick_axis(0.0..right, x_ticks),
            tick_axis(0.0..n as f64, (0..n).map(centre).collect()),
        )?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .bold_line_style(GRID)
        .x_label_formatter(&|x| format!("{}×", short_number(*x)))
        .y_label_formatter(&|y| {
            let from_top = n as f64 - y.floor() - 1.0;
            labels.get(from_top as usize).cloned().unwrap_or_default()
        })
        .x_desc("subject / baseline")
        .label_style(font(LABEL_SIZE))
        .axis_desc_style(font(TEXT_SIZE))
        .draw()?;

    // With both series, throughput takes the upper half of a row and CPU the lower.
    let both = any_throughput && any_cpu;
    let row_px = {
        let (_, a) = chart.backend_coord(&(0.0, 0.0));
        let (_, b) = chart.backend_coord(&(0.0, 1.0));
        (a - b).max(1) as f64
    };
    // A bar is at most RATIO_BAR_PX thick, and leaves a gap between rows.
    let thick = (0.36f64).min(RATIO_BAR_PX / row_px);
    let (upper, lower, single) = (
        (0.02, 0.02 + thick),
        (-0.02 - thick, -0.02),
        (-thick / 2.0, thick / 2.0),
    );
    type Series = (fn(&RatioRow) -> Option<f64>, RGBColor, (f64, f64));
    let series: [Series; 2] = [
        (
            |r| r.throughput,
            THROUGHPUT_COLOR,
            if both { upper } else { single },
        ),
        (|r| r.cpu, CPU_COLOR, if both { lower } else { single }),
    ];
    for (value, color, (lo, hi)) in series {
        let bars = || {
            rows.iter()
                .enumerate()
                .filter_map(move |(i, r)| value(r).map(|v| (centre(i), v)))
        };
        chart.draw_series(
            bars().map(|(c, v)| Rectangle::new([(0.0, c + lo), (v, c + hi)], color.filled())),
        )?;
        chart.draw_series(bars().map(|(c, v)| {
            EmptyElement::at((v, c + (lo + hi) / 2.0))
                + Text::new(
                    format!("{v:.2}×"),
                    (5, 0),
                    font(VALUE_SIZE)
                        .color(&BLACK)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                )
        }))?;
    }
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(1.0, 0.0), (1.0, n as f64)],
        BLACK.stroke_width(2),
    )))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::report::{RunResult, ServerRuns, Skipped, TimelinePoint, CDF_PERCENTILES};
    use crate::report::{Sample, ServerKind};

    /// A fresh directory under the system temp dir, or under `$REDRAFT_PLOT_TEST_DIR` when set
    /// (to keep the PNGs for a look: [`cleanup`] then leaves them).
    fn temp_dir(tag: &str) -> PathBuf {
        static N: AtomicUsize = AtomicUsize::new(0);
        if let Some(parent) = std::env::var_os(KEEP_ENV) {
            return PathBuf::from(parent).join(tag);
        }
        std::env::temp_dir().join(format!(
            "redraft-plot-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ))
    }

    const KEEP_ENV: &str = "REDRAFT_PLOT_TEST_DIR";

    fn cleanup(dir: &Path) {
        if std::env::var_os(KEEP_ENV).is_none() {
            fs::remove_dir_all(dir).unwrap();
        }
    }

    /// A CDF rising from `base` µs, with a tail `tail` times longer at the top.
    fn cdf(base: f64, tail: f64) -> Vec<CdfPoint> {
        CDF_PERCENTILES
            .iter()
            .map(|&p| {
                let x = percentile_x(p).unwrap_or(5.5);
                CdfPoint {
                    percentile: p,
                    micros: base * (1.0 + x * x * (tail - 1.0) / 30.0),
                }
            })
            .collect()
    }

    fn sample(metrics: &[(&str, f64)], cdf: Option<Vec<CdfPoint>>) -> Sample {
        Sample {
            metrics: metrics.iter().map(|&(k, v)| (k.to_string(), v)).collect(),
            run: cdf.map(|cdf| RunResult {
                cdf,
                ..RunResult::default()
            }),
        }
    }

    fn load_case(name: &str, redis: f64, redraft: f64, tail: f64) -> Case {
        let runs = |server, rps: f64, base: f64| ServerRuns {
            server,
            samples: [0.97, 1.0, 1.04]
                .iter()
                .map(|f| {
                    sample(
                        &[
                            (metric::THROUGHPUT, rps * f),
                            (metric::CPU_PER_REQUEST, 1e6 / rps / f),
                        ],
                        Some(cdf(base / f, tail)),
                    )
                })
                .collect(),
        };
        Case {
            workload: "W1".into(),
            name: name.into(),
            description: format!(
                "redraft-load --command {name} --pipeline 1 --connections 50 --duration 10s"
            ),
            compares: Compares::REDIS,
            servers: vec![
                runs(ServerKind::Redis, redis, 180.0),
                runs(ServerKind::Redraft, redraft, 150.0),
            ],
            targets: vec![],
        }
    }

    /// W8's shape: a standalone and a group, both fsyncing.
    fn replicated_case() -> Case {
        let mut case = load_case("W8 SET 16B P16", 60_000.0, 40_000.0, 5.0);
        case.compares = Compares {
            baseline: Some(ServerKind::RedraftFsync),
            subject: ServerKind::RedraftGroup,
        };
        case.servers[0].server = ServerKind::RedraftFsync;
        case.servers[1].server = ServerKind::RedraftGroup;
        for sample in case.servers.iter_mut().flat_map(|r| &mut r.samples) {
            sample.run = None;
        }
        case
    }

    /// W9's shape: two runs of 10 ms windows, the leader killed at 1 s, writes back after 1.2 s.
    fn failover_case() -> Case {
        let sample = |first: f64| {
            let timeline = (0..400)
                .map(|i| {
                    let t = i as f64 * 0.01;
                    let ok = if (1.0..1.0 + first).contains(&t) {
                        0
                    } else {
                        400
                    };
                    TimelinePoint {
                        t_secs: t,
                        ok,
                        errors: 0,
                    }
                })
                .collect();
            let mut sample = sample(
                &[
                    (metric::KILL_AT, 1.0),
                    (metric::FAILOVER_FIRST_WRITE, first * 1000.0),
                ],
                None,
            );
            sample.run = Some(RunResult {
                timeline,
                timeline_step_secs: 0.01,
                ..RunResult::default()
            });
            sample
        };
        Case {
            workload: "W9".into(),
            name: "W9 kill -9 the leader".into(),
            description: "redraft-load --seeds a,b,c -c 50 -P 1".into(),
            compares: Compares::alone(ServerKind::RedraftGroup),
            servers: vec![ServerRuns {
                server: ServerKind::RedraftGroup,
                samples: vec![sample(1.2), sample(1.5)],
            }],
            targets: vec![],
        }
    }

    fn memory_case() -> Case {
        let runs = |server, used: f64, rss: f64| ServerRuns {
            server,
            samples: vec![sample(
                &[
                    (metric::USED_MEMORY_PER_KEY, used),
                    (metric::RSS_PER_KEY, rss),
                ],
                None,
            )],
        };
        Case {
            workload: "W5".into(),
            name: "1M keys, 16 B values".into(),
            description: "DEBUG POPULATE-like load of 1M string keys".into(),
            compares: Compares::REDIS,
            servers: vec![
                runs(ServerKind::Redis, 72.0, 88.5),
                runs(ServerKind::Redraft, 95.0, 131.0),
            ],
            targets: vec![],
        }
    }

    fn report(cases: Vec<Case>) -> Report {
        Report {
            command: "benches/run --smoke".into(),
            started: "2026-11-23T00:00:00Z".into(),
            git: "v0.1.0-12-gabcdef0".into(),
            redis_version: "7.0.15".into(),
            machine: BTreeMap::new(),
            configurations: BTreeMap::new(),
            cases,
            validation: vec![],
            skipped: vec![Skipped {
                workload: "W7".into(),
                reason: "cluster mode has not landed".into(),
            }],
        }
    }

    fn assert_png(path: &Path) {
        let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(bytes.len() > 1000, "{} is too small", path.display());
        assert!(
            bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{} is not a PNG",
            path.display()
        );
    }

    #[test]
    fn writes_every_plot() {
        let report = report(vec![
            load_case("GET 16 B, P1", 120_000.0, 135_000.0, 8.0),
            load_case("SET 16 B, P16", 1_150_000.0, 980_000.0, 400.0),
            memory_case(),
            replicated_case(),
            failover_case(),
        ]);
        let dir = temp_dir("all");
        let written = write_plots(&report, &dir).unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<String> = written
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "throughput.png",
                "latency-get-16-b-p1.png",
                "latency-set-16-b-p16.png",
                "failover-w9-kill-9-the-leader.png",
                "ratios.png",
                "memory.png",
            ]
        );
        for path in &written {
            assert_eq!(path.parent(), Some(dir.as_path()));
            assert_png(path);
        }
        cleanup(&dir);
    }

    #[test]
    fn many_cases_and_long_names_still_draw() {
        let name =
            |i: usize| format!("W{i} SET 16 B values, pipeline {i}, 50 connections, {i}0 % writes");
        let mut cases: Vec<Case> = (1..=14)
            .map(|i| load_case(&name(i), 100_000.0 * i as f64, 90_000.0 * i as f64, 3.0))
            .collect();
        // Only two cases keep their CDFs (PNG encoding is slow in debug builds), and their
        // names differ only in case, so their file names must be told apart.
        cases[1].name = name(1).to_lowercase();
        for case in &mut cases[2..] {
            for sample in case.servers.iter_mut().flat_map(|r| &mut r.samples) {
                sample.run = None;
            }
        }
        let dir = temp_dir("many");
        let written = write_plots(&report(cases), &dir).unwrap_or_else(|e| panic!("{e}"));
        let slug = slug(&name(1));
        let expected: Vec<PathBuf> = [
            "throughput.png".to_string(),
            format!("latency-{slug}.png"),
            format!("latency-{slug}-2.png"),
            "ratios.png".to_string(),
        ]
        .iter()
        .map(|f| dir.join(f))
        .collect();
        assert_eq!(written, expected);
        written.iter().for_each(|p| assert_png(p));
        cleanup(&dir);
    }

    #[test]
    fn empty_report_writes_nothing() {
        let dir = temp_dir("empty");
        assert!(write_plots(&report(vec![]), &dir).unwrap().is_empty());
        cleanup(&dir);
    }

    #[test]
    fn slug_lowercases_and_collapses() {
        assert_eq!(slug("W1 SET 16 B, P1, 50 conns"), "w1-set-16-b-p1-50-conns");
        assert_eq!(slug("--GET/µs--"), "get-s");
        assert_eq!(slug("a__b"), "a-b");
        assert_eq!(slug("!!!"), "case");
        assert_eq!(slug(&"ab ".repeat(100)).len(), 80);
        assert!(!slug(&"a ".repeat(100)).ends_with('-'));
    }

    #[test]
    fn missing_font_names_the_package() {
        let err = locate_font(None, &["/nonexistent/a.ttf", "/nonexistent/b.ttf"]).unwrap_err();
        let text = PlotError::from(err).to_string();
        assert!(text.contains("fonts-dejavu-core"), "{text}");
        assert!(text.contains("/nonexistent/b.ttf"), "{text}");
        assert!(text.contains(FONT_ENV), "{text}");
        let err = locate_font(Some("/nonexistent/c.ttf".into()), FONT_PATHS).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/c.ttf"));
    }

    #[test]
    fn labels_wrap_and_shorten_to_fit() {
        ensure_font().unwrap_or_else(|e| panic!("{e}"));
        let text = "W1 SET 16 B values, pipeline 1, 50 connections";
        let short = fit(text, LABEL_SIZE, 120);
        assert!(
            short.ends_with('…') && text_width(&short, LABEL_SIZE) <= 120,
            "{short}"
        );
        assert_eq!(fit("GET", LABEL_SIZE, 120), "GET");
        let lines = wrap(text, LABEL_SIZE, 120);
        assert!(lines.len() > 1, "{lines:?}");
        assert_eq!(lines.join(" "), text);
        let two = wrap_at_most(text, LABEL_SIZE, 120, 2);
        assert_eq!(two.len(), 2);
        assert!(two[1].ends_with('…'), "{two:?}");
    }

    #[test]
    fn percentile_axis_counts_nines() {
        assert_eq!(percentile_x(0.0), Some(0.0));
        assert!((percentile_x(90.0).unwrap() - 1.0).abs() < 1e-9);
        assert!((percentile_x(99.9).unwrap() - 3.0).abs() < 1e-9);
        assert_eq!(percentile_x(100.0), None);
        let labels: Vec<String> = (0..=5).map(percentile_label).collect();
        assert_eq!(labels, ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%"]);
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(
            linear_ticks(1_150_000.0, 8),
            (1_200_000.0, {
                (0..=6).map(|i| i as f64 * 200_000.0).collect()
            })
        );
        assert_eq!(linear_ticks(0.0, 8).0, 1.0);
        let (lo, hi, ticks) = log_ticks(130.0, 42_000.0);
        assert_eq!((lo, hi), (100.0, 50_000.0));
        assert_eq!(ticks.first(), Some(&100.0));
        assert_eq!(ticks.last(), Some(&50_000.0));
        let (_, _, sparse) = log_ticks(3.0, 2e6);
        assert!(
            sparse.iter().all(|t| t.log10().fract().abs() < 1e-9),
            "{sparse:?}"
        );
    }

    #[test]
    fn latency_axis_goes_log_past_100x() {
        let linear = LatencyAxis::covering([120.0, 900.0].into_iter());
        assert!(!linear.log);
        assert_eq!((linear.bottom, linear.top), (0.0, 1000.0));
        let log = LatencyAxis::covering([0.0, 150.0, 42_000.0].into_iter());
        assert!(log.log);
        assert!((log.micros(log.bottom) - 100.0).abs() < 1e-6, "{log:?}");
        assert!((log.micros(log.top) - 50_000.0).abs() < 1e-6, "{log:?}");
        assert_eq!(log.position(0.0), log.bottom);
        assert!((log.position(1000.0) - 3.0).abs() < 1e-9);
    }

    #[test]
    fn numbers_are_short() {
        let cases = [
            (0.0, "0"),
            (950.0, "950"),
            (1_500.0, "1.5k"),
            (500_000.0, "500k"),
            (1_200_000.0, "1.2M"),
            (1_250_000.0, "1.25M"),
        ];
        for (v, text) in cases {
            assert_eq!(format_si(v), text);
        }
        assert_eq!(format_micros(850.0), "850 µs");
        assert_eq!(format_micros(1_200.0), "1.2 ms");
        assert_eq!(format_micros(2e6), "2 s");
    }

    #[test]
    fn plotted_data_comes_from_the_report() {
        let report = report(vec![
            load_case("GET", 100.0, 150.0, 2.0),
            memory_case(),
            replicated_case(),
            failover_case(),
        ]);
        let groups = bar_groups(&report, metric::THROUGHPUT);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].spreads[1].0, ServerKind::Redraft);
        assert_eq!(groups[0].spreads[1].1.map(|s| s.median), Some(150.0));
        assert_eq!(groups[1].spreads[0].0, ServerKind::RedraftFsync);
        let legend: Vec<String> = server_legend(&groups).into_iter().map(|l| l.0).collect();
        assert_eq!(
            legend,
            ["redis", "redraft", "redraft-fsync", "redraft-group"]
        );
        assert_eq!(
            bar_groups(&report, metric::RSS_PER_KEY)[0].label,
            "1M keys, 16 B values"
        );
        let rows = ratio_rows(&report);
        assert_eq!(rows.len(), 2);
        assert!((rows[0].throughput.unwrap() - 1.5).abs() < 1e-9);
        assert_eq!(rows[0].label, "GET");
        assert_eq!(
            rows[1].label,
            "W8 SET 16B P16 (redraft-group ÷ redraft-fsync)"
        );
        let failover = failover_lines(&report.cases[3]);
        assert_eq!(failover.len(), 2);
        assert_eq!(failover[1].run, 2);
        assert_eq!(failover[0].first_write_ms, Some(1200.0));
        // Time runs from the kill; each 10 ms window of 400 writes is 40k writes/s.
        assert_eq!(failover[0].points[0], (-1.0, 40_000.0));
        assert!(failover_lines(&report.cases[0]).is_empty());
        let lines = cdf_lines(&report.cases[0]);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].server, ServerKind::Redis);
        assert_eq!(lines[0].throughput, Some(100.0));
        assert!(cdf_lines(&report.cases[1]).is_empty());
    }
}
