//! sockeye: a Socket.IO server for Rust, wire-compatible with socket.io 4.8.
#![allow(missing_docs)] // removed once the crate is filled in

pub mod engine;
