//! Every input in `fuzz/corpus/<target>/` (the seeds and what fuzzing kept) and in
//! `fuzz/regressions/<target>/` (each crash fuzzing found, after its fix) runs through its
//! target as an ordinary test, so a regression fails `cargo test` without a fuzzer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

fn replay(target: &str) {
    let (_, run) = sockeye_fuzz::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut ran = 0;
    let mut failed = Vec::new();
    for folder in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(folder).join(target)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).unwrap();
            ran += 1;
            if catch_unwind(AssertUnwindSafe(|| run(&data))).is_err() {
                failed.push(path.display().to_string());
            }
        }
    }
    assert!(ran > 0, "no corpus for {target}");
    assert!(
        failed.is_empty(),
        "{target} fails on:\n{}",
        failed.join("\n")
    );
}

#[test]
fn websocket_frames_corpus_replays() {
    replay("websocket_frames");
}

#[test]
fn engineio_packets_corpus_replays() {
    replay("engineio_packets");
}

#[test]
fn engineio_session_corpus_replays() {
    replay("engineio_session");
}

#[test]
fn socketio_packets_corpus_replays() {
    replay("socketio_packets");
}
