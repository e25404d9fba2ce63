//! One chart as a PNG: log-scaled x (every growth axis spans decades), y log-scaled too when
//! its figures span more than a decade (linear from zero otherwise, where a log axis would
//! make small noise look like growth), one line per series, coloured by peer.

use plotters::coord::combinators::BindKeyPoints;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters_bitmap::bitmap_pixel::RGBPixel;

use crate::table::Chart;

const WIDTH: u32 = 960;
const HEIGHT: u32 = 560;
/// The font every text is drawn with, registered once under this family name.
const FAMILY: &str = "sans-serif";

/// Registers the bundled font (DejaVu Sans) for plotters' text.
pub(crate) fn register_font() -> Result<(), String> {
    plotters::style::register_font(FAMILY, FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| "the bundled DejaVu Sans font did not parse".to_owned())
}

/// The peer's colour: the first word of a series name ("sockeye binary" is sockeye's).
fn colour(series: &str) -> RGBColor {
    match series.split_whitespace().next().unwrap_or("") {
        "sockeye" => RGBColor(31, 100, 200),
        "socketioxide" => RGBColor(230, 120, 20),
        "node" => RGBColor(40, 150, 60),
        _ => RGBColor(120, 80, 160),
    }
}

/// A series' variant (the words after the peer): the first drawn plain, the others dashed
/// with hollow markers, so text and binary of one peer share its colour.
fn variant(series: &str, all: &[String]) -> usize {
    let rest = |s: &str| {
        s.split_once(' ')
            .map(|(_, r)| r.to_owned())
            .unwrap_or_default()
    };
    let mut variants: Vec<String> = Vec::new();
    for s in all {
        let r = rest(s);
        if !variants.contains(&r) {
            variants.push(r);
        }
    }
    let mine = rest(series);
    variants.iter().position(|v| *v == mine).unwrap_or(0)
}

/// 1500 → "1.5k", 1048576 → "1.0M", 0.25 → "0.25": tick labels that stay short.
pub(crate) fn short(v: f64) -> String {
    let (d, unit) = if v >= 1e6 {
        (1e6, "M")
    } else if v >= 1e3 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    let x = v / d;
    let digits = if x >= 100.0 || (x - x.round()).abs() < 1e-9 {
        0
    } else if x >= 10.0 {
        1
    } else if x >= 1.0 || unit.is_empty() && x >= 0.1 {
        2
    } else {
        3
    };
    let s = format!("{x:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    };
    format!("{s}{unit}")
}

/// 32 → "32 B", 1024 → "1 KiB", 999936 → "977 KiB": ticks of an axis of bytes.
pub(crate) fn bytes(v: f64) -> String {
    let (d, unit) = if v >= 1024.0 * 1024.0 {
        (1024.0 * 1024.0, "MiB")
    } else if v >= 1024.0 {
        (1024.0, "KiB")
    } else {
        (1.0, "B")
    };
    let x = v / d;
    if x >= 100.0 || (x - x.round()).abs() < 0.05 {
        format!("{x:.0} {unit}")
    } else {
        format!("{x:.1} {unit}")
    }
}

/// Draws `chart` and returns the PNG's bytes.
pub(crate) fn png(chart: &Chart) -> Result<Vec<u8>, String> {
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    let points = chart.series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in points {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x0 > x1 {
        // No measured point at all: an empty frame, so that the page still shows which
        // peers could not be measured.
        (x0, x1, y0, y1) = (1.0, 10.0, 1.0, 10.0);
    }
    if x1 <= x0 * 1.0001 {
        x0 /= 2.0;
        x1 *= 2.0;
    }
    // The x ticks are the measured sizes themselves (log-spaced already): the default
    // ticks of a log axis crowd between 1k and 10k and may miss the last point.
    let mut ticks: Vec<f64> = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    ticks.sort_by(f64::total_cmp);
    ticks.dedup();
    if ticks.is_empty() {
        ticks = vec![x0, x1];
    }
    let xs = (x0 / 1.25..x1 * 1.25).log_scale().with_key_points(ticks);
    let lx = |x: f64| (x.ln() - (x0 / 1.25).ln()) / ((x1 * 1.25).ln() - (x0 / 1.25).ln());
    if y1 / y0 > 10.0 {
        let (ya, yb) = (y0 / 1.5, y1 * 1.5);
        let at = legend_corner(chart, |x, y| {
            (lx(x), (y.ln() - ya.ln()) / (yb.ln() - ya.ln()))
        });
        draw(chart, &mut rgb, xs, (ya..yb).log_scale(), at)?;
    } else {
        let yb = y1 * 1.15;
        let at = legend_corner(chart, |x, y| (lx(x), y / yb));
        draw(chart, &mut rgb, xs, 0.0..yb, at)?;
    }
    encode(&rgb)
}

/// The corner of the plot where the legend hides the fewest points; `unit` maps a point to
/// where it is drawn, (0, 0) bottom left to (1, 1) top right.
fn legend_corner(chart: &Chart, unit: impl Fn(f64, f64) -> (f64, f64)) -> SeriesLabelPosition {
    // The legend's box, roughly: a third of the width, 8% of the height per line.
    let (w, h) = (0.34, 0.08 * chart.series.len() as f64 + 0.04);
    let corners = [
        (SeriesLabelPosition::UpperLeft, 0.0, 1.0 - h),
        (SeriesLabelPosition::UpperRight, 1.0 - w, 1.0 - h),
        (SeriesLabelPosition::LowerRight, 1.0 - w, 0.0),
        (SeriesLabelPosition::LowerLeft, 0.0, 0.0),
    ];
    let hidden = |ux: f64, uy: f64| {
        let points = chart.series.iter().flat_map(|s| s.points.iter());
        points
            .map(|&(x, y)| unit(x, y))
            .filter(|&(px, py)| px >= ux && px <= ux + w && py >= uy && py <= uy + h)
            .count()
    };
    let mut best = (usize::MAX, SeriesLabelPosition::UpperLeft);
    for (pos, ux, uy) in corners {
        let n = hidden(ux, uy);
        if n < best.0 {
            best = (n, pos);
        }
    }
    best.1
}

fn draw<X, Y>(
    chart: &Chart,
    rgb: &mut [u8],
    xs: X,
    ys: Y,
    legend: SeriesLabelPosition,
) -> Result<(), String>
where
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let err = |e: DrawingAreaErrorKind<_>| format!("{}: {e}", chart.id);
    // An x axis of sizes in bytes ("payload (bytes)") is labelled in B, KiB and MiB.
    let in_bytes = chart.x_label.contains("bytes");
    let root = BitMapBackend::<RGBPixel>::with_buffer_and_format(rgb, (WIDTH, HEIGHT))
        .map_err(|e| format!("{}: {e}", chart.id))?
        .into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut ctx = ChartBuilder::on(&root)
        .caption(&chart.title, (FAMILY, 24))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(xs, ys)
        .map_err(err)?;
    ctx.configure_mesh()
        .x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .axis_desc_style((FAMILY, 17))
        .label_style((FAMILY, 15))
        .x_label_formatter(&|v| if in_bytes { bytes(*v) } else { short(*v) })
        .y_label_formatter(&|v| short(*v))
        // A log axis' light lines bunch up below each power of ten: the bold ones (at the
        // labels) are grid enough.
        .max_light_lines(0)
        .bold_line_style(RGBColor(205, 205, 205))
        .draw()
        .map_err(err)?;
    let names: Vec<String> = chart.series.iter().map(|s| s.name.clone()).collect();
    for s in &chart.series {
        let c = colour(&s.name);
        let v = variant(&s.name, &names);
        let label = if s.points.is_empty() {
            format!("{} (not measured)", s.name)
        } else {
            s.name.clone()
        };
        let line = c.stroke_width(if v == 0 { 3 } else { 2 });
        let anno = if v == 0 {
            ctx.draw_series(LineSeries::new(s.points.iter().copied(), line))
                .map_err(err)?
        } else {
            ctx.draw_series(DashedLineSeries::new(s.points.iter().copied(), 8, 5, line))
                .map_err(err)?
        };
        // The legend's sample is dashed like its line.
        let dashed = v != 0;
        anno.label(label).legend(move |(x, y)| {
            let gap = if dashed { 6 } else { 0 };
            EmptyElement::at((x, y))
                + PathElement::new(vec![(0, 0), (9, 0)], c.stroke_width(3))
                + PathElement::new(vec![(9 + gap, 0), (24, 0)], c.stroke_width(3))
        });
        let filled = v == 0;
        ctx.draw_series(s.points.iter().map(|&p| {
            Circle::new(
                p,
                4,
                if filled {
                    c.filled()
                } else {
                    c.stroke_width(2)
                },
            )
        }))
        .map_err(err)?;
    }
    ctx.configure_series_labels()
        .position(legend)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .label_font((FAMILY, 15))
        .draw()
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

/// The RGB buffer as an 8-bit RGB PNG.
fn encode(rgb: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(|e| format!("png: {e}"))?;
    w.write_image_data(rgb).map_err(|e| format!("png: {e}"))?;
    w.finish().map_err(|e| format!("png: {e}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_labels() {
        assert_eq!(short(1.0), "1");
        assert_eq!(short(32.0), "32");
        assert_eq!(short(1500.0), "1.5k");
        assert_eq!(short(15000.0), "15k");
        assert_eq!(short(1_048_576.0), "1.05M");
        assert_eq!(short(0.25), "0.25");
        assert_eq!(short(0.012), "0.012");
    }

    #[test]
    fn byte_labels() {
        assert_eq!(bytes(32.0), "32 B");
        assert_eq!(bytes(1024.0), "1 KiB");
        assert_eq!(bytes(1536.0), "1.5 KiB");
        assert_eq!(bytes(262_144.0), "256 KiB");
        assert_eq!(bytes(999_936.0), "976 KiB");
        assert_eq!(bytes(1_048_576.0), "1 MiB");
    }

    #[test]
    fn variants_of_one_peer_are_told_apart() {
        let all = ["sockeye text", "node text", "sockeye binary"].map(String::from);
        assert_eq!(variant("sockeye text", &all), 0);
        assert_eq!(variant("node text", &all), 0);
        assert_eq!(variant("sockeye binary", &all), 1);
    }
}
