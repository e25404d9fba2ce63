//! The sockeye chat application.
fn main() {}
