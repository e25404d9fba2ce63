//! libFuzzer entry point of the `engineio_packets` target; the body is `sockeye_fuzz::engineio_packets::run`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockeye_fuzz::engineio_packets::run(data));
