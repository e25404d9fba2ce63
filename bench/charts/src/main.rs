//! `sockeye-charts`: draws the growth curves that `bench/run --growth` measured.
//!
//! ```text
//! sockeye-charts GROWTH.csv OUT_DIR
//! ```
//! Reads the CSV (see `table.rs` for its columns) and writes one `growth-<chart>.png` per
//! chart into `OUT_DIR` (created if missing), naming each file on standard output.

mod draw;
mod table;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn run(csv: &Path, out: &Path) -> Result<Vec<PathBuf>, String> {
    let text =
        std::fs::read_to_string(csv).map_err(|e| format!("cannot read {}: {e}", csv.display()))?;
    let charts = table::parse(&text).map_err(|e| format!("{}: {e}", csv.display()))?;
    if charts.is_empty() {
        return Err(format!("{}: no figures to draw", csv.display()));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    draw::register_font()?;
    let mut written = Vec::new();
    for chart in &charts {
        let bytes = draw::png(chart)?;
        let path = out.join(format!("growth-{}.png", chart.id));
        std::fs::write(&path, bytes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag] if flag == "--help" || flag == "-h" => {
            println!(
                "usage: sockeye-charts GROWTH.csv OUT_DIR\n\
                 Draws each chart of the CSV (columns chart,title,x_label,y_label,series,x,y) \
                 as OUT_DIR/growth-<chart>.png."
            );
            ExitCode::SUCCESS
        }
        [csv, out] => match run(Path::new(csv), Path::new(out)) {
            Ok(paths) => {
                for p in paths {
                    println!("{}", p.display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("sockeye-charts: {e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: sockeye-charts GROWTH.csv OUT_DIR");
            ExitCode::from(2)
        }
    }
}
