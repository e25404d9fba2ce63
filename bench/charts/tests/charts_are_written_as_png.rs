//! `sockeye-charts` turns a small CSV into one valid PNG per chart, and refuses bad input
//! with a message and a non-zero status instead of a panic or a half-written picture.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CHARTS: &str = env!("CARGO_BIN_EXE_sockeye-charts");

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixture.csv")
}

/// A fresh directory under the target directory (no temp-dir crate needed).
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn run(args: &[&Path]) -> Output {
    Command::new(CHARTS).args(args).output().unwrap()
}

#[test]
fn each_chart_of_the_fixture_becomes_a_png() {
    let out = scratch("fixture-pngs");
    let res = run(&[&fixture(), &out]);
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let listed = String::from_utf8_lossy(&res.stdout);
    for name in ["growth-rooms.png", "growth-payload.png"] {
        assert!(listed.contains(name), "{listed}");
        let file = std::fs::File::open(out.join(name)).unwrap();
        let mut reader = png::Decoder::new(std::io::BufReader::new(file))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (960, 560));
        let pixels = &buf[..info.buffer_size()];
        // Something was drawn: lines and text are not all background.
        let white = pixels.chunks(3).filter(|p| p == &[255, 255, 255]).count();
        assert!(white < pixels.len() / 3, "{name} is blank");
        assert!(white > pixels.len() / 6, "{name} has no background");
    }
}

#[test]
fn bad_input_is_refused_with_a_message() {
    let dir = scratch("bad-input");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "chart,title,x_label,y_label,series,x,y\na,A,x,y,s,0,1\n",
    )
    .unwrap();
    for args in [
        vec![bad.as_path(), dir.as_path()],
        vec![Path::new("/nonexistent/growth.csv"), dir.as_path()],
    ] {
        let res = run(&args);
        let err = String::from_utf8_lossy(&res.stderr);
        assert_eq!(res.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.starts_with("sockeye-charts: "), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let res = run(&[&bad]);
    assert_eq!(res.status.code(), Some(2));
    assert!(!dir.join("growth-a.png").exists());
}
