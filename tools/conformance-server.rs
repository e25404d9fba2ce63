//! Serves what the official protocol test suites expect.
fn main() {}
