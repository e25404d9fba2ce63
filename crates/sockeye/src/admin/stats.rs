//! The aggregated figures of `server_stats`: counts per second and per kind, as the
//! reference's `EventBuffer` collects them (`rawConnection`, `rawDisconnection` by reason,
//! `packetsIn`/`packetsOut`, `bytesIn`/`bytesOut`).
//!
//! Connections and disconnections are pushed by the observer as they happen. Packets and
//! bytes are not counted here: the server counts them anyway (`io.metrics()`), and the
//! admin's task reads those counters once a second and pushes the difference, so that the
//! hot paths pay nothing more for the admin.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::Metrics;

/// One bucket, in the reference's shape; `subType` is left out when there is none, as
/// JavaScript's `undefined` is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct AggregatedEvent {
    pub(crate) timestamp: u64,
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    #[serde(rename = "subType", skip_serializing_if = "Option::is_none")]
    pub(crate) sub_type: Option<&'static str>,
    pub(crate) count: u64,
}

/// The buckets since the last `server_stats`, in the order they were opened.
#[derive(Debug, Default)]
pub(crate) struct EventBuffer(Mutex<Buckets>);

#[derive(Debug, Default)]
struct Buckets {
    order: Vec<AggregatedEvent>,
    index: HashMap<(u64, &'static str, Option<&'static str>), usize>,
}

/// Milliseconds since the epoch, truncated to the second (the reference's bucket key).
pub(crate) fn second_of(now: SystemTime) -> u64 {
    let ms = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    ms - ms % 1000
}

impl EventBuffer {
    /// Adds `count` to the bucket of `kind` (and `sub_type`) for the second of `now`.
    pub(crate) fn push(
        &self,
        now: SystemTime,
        kind: &'static str,
        sub_type: Option<&'static str>,
        count: u64,
    ) {
        if count == 0 {
            return;
        }
        let Ok(mut b) = self.0.lock() else { return };
        let timestamp = second_of(now);
        let key = (timestamp, kind, sub_type);
        match b.index.get(&key) {
            Some(&i) => b.order[i].count += count,
            None => {
                let i = b.order.len();
                b.order.push(AggregatedEvent {
                    timestamp,
                    kind,
                    sub_type,
                    count,
                });
                b.index.insert(key, i);
            }
        }
    }

    /// The buckets so far, emptied (the reference's `getValuesAndClear`).
    pub(crate) fn take(&self) -> Vec<AggregatedEvent> {
        let Ok(mut b) = self.0.lock() else {
            return Vec::new();
        };
        b.index.clear();
        std::mem::take(&mut b.order)
    }

    /// Pushes what the packet and byte counters moved by since `last`.
    pub(crate) fn push_traffic(&self, now: SystemTime, last: &Metrics, current: &Metrics) {
        let d = |a: u64, b: u64| b.saturating_sub(a);
        self.push(
            now,
            "packetsIn",
            None,
            d(last.packets_in, current.packets_in),
        );
        self.push(
            now,
            "packetsOut",
            None,
            d(last.packets_out, current.packets_out),
        );
        self.push(now, "bytesIn", None, d(last.bytes_in, current.bytes_in));
        self.push(now, "bytesOut", None, d(last.bytes_out, current.bytes_out));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn counts_add_up_per_second_and_kind() {
        let buf = EventBuffer::default();
        let t0 = UNIX_EPOCH + Duration::from_millis(5_250);
        buf.push(t0, "rawConnection", None, 1);
        buf.push(t0 + Duration::from_millis(500), "rawConnection", None, 2);
        buf.push(t0, "rawDisconnection", Some("ping timeout"), 1);
        buf.push(t0 + Duration::from_secs(1), "rawConnection", None, 1);
        buf.push(t0, "bytesIn", None, 0);
        let events = buf.take();
        assert_eq!(events.len(), 3);
        assert_eq!(events[0].timestamp, 5_000);
        assert_eq!(events[0].count, 3);
        assert_eq!(events[1].sub_type, Some("ping timeout"));
        assert_eq!(events[2].timestamp, 6_000);
        assert!(buf.take().is_empty());
    }

    #[test]
    fn traffic_is_the_difference_of_two_snapshots() {
        let buf = EventBuffer::default();
        let last = Metrics {
            packets_in: 10,
            bytes_in: 100,
            ..Metrics::default()
        };
        let current = Metrics {
            packets_in: 13,
            bytes_in: 160,
            packets_out: 2,
            bytes_out: 30,
            ..Metrics::default()
        };
        buf.push_traffic(UNIX_EPOCH, &last, &current);
        let kinds: Vec<_> = buf.take().into_iter().map(|e| (e.kind, e.count)).collect();
        assert_eq!(
            kinds,
            [
                ("packetsIn", 3),
                ("packetsOut", 2),
                ("bytesIn", 60),
                ("bytesOut", 30)
            ]
        );
    }
}
