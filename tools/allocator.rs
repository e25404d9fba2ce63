//! The allocator of the programs. By default the system's (glibc): measured against jemalloc
//! and mimalloc over repeated bursts (docs/benchmarks.md, "Memory after bursts"), neither
//! paid for itself. The `jemalloc` and `mimalloc` features of the root package swap it in to
//! repeat that comparison. The library crates set no allocator: their users choose their own.

#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
