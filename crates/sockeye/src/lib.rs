//! sockeye: placeholder.
