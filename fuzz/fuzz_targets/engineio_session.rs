//! libFuzzer entry point of the `engineio_session` target; the body is `sockeye_fuzz::engineio_session::run`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sockeye_fuzz::engineio_session::run(data));
