//! libFuzzer entry point of the `socketio_packets` target; the body is `sockeye_fuzz::socketio_packets::run`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockeye_fuzz::socketio_packets::run(data));
