//! The fuzz targets of sockeye's sans-IO protocol crates, as plain functions.
//!
//! Each module is one target: `run(data)` feeds arbitrary bytes to a decoder (or drives the
//! Engine.IO session with operations read from them) and panics only when an invariant
//! breaks: a decoder that panics, consumes nothing, accepts after failing, or decodes
//! something that does not survive `decode(encode(x)) == x`.
//!
//! The libFuzzer binaries in `fuzz_targets/` call these (`fuzz/run`, coverage-guided), and
//! `tests/corpus_replays.rs` replays the seed corpus and every saved crash through them as
//! an ordinary test. See `fuzz/README.md`.

pub mod engineio_packets;
pub mod engineio_session;
pub mod socketio_packets;
pub mod websocket_frames;

/// A target's body: panics when an invariant breaks on `data`.
pub type Target = fn(data: &[u8]);

/// Every target by its name (the name of its binary and of its corpus folder).
pub const TARGETS: [(&str, Target); 4] = [
    ("websocket_frames", websocket_frames::run),
    ("engineio_packets", engineio_packets::run),
    ("engineio_session", engineio_session::run),
    ("socketio_packets", socketio_packets::run),
];
