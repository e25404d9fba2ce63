//! libFuzzer entry point of the `websocket_frames` target; the body is `sockeye_fuzz::websocket_frames::run`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockeye_fuzz::websocket_frames::run(data));
