//! The `ClusterAdapter` messages of `socket.io-adapter` 2.5 (what `createShardedAdapter`
//! sends).
