//! The packet log of one namespace in memory: every recoverable packet with the rooms it
//! went to, numbered in order, kept for a while and within a byte budget.

use std::collections::VecDeque;
use std::time::Duration;

use socketio_proto::Value;
use tokio::time::Instant;

use crate::adapter::{BroadcastOptions, Room};

/// One logged packet.
struct Entry {
    seq: u64,
    /// The event name first, then its arguments (without the offset).
    args: Vec<Value>,
    /// Whom it was sent to.
    to: BroadcastOptions,
    at: Instant,
    bytes: usize,
}

/// Packets in the order they were sent. Offsets are sequence numbers, so finding where a
/// client stopped is arithmetic, and a gap (a packet evicted that the client may not have
/// seen) is known for sure.
pub(super) struct PacketLog {
    entries: VecDeque<Entry>,
    /// The number the next packet gets; every packet below it and not in `entries` is gone.
    next_seq: u64,
    bytes: usize,
    max_age: Duration,
    max_bytes: usize,
}

/// The wire form of an offset: the sequence number in decimal.
pub(super) fn format_offset(seq: u64) -> String {
    seq.to_string()
}

/// The sequence number of an offset a client sent back; `None` for anything this node never
/// wrote.
pub(super) fn parse_offset(offset: &str) -> Option<u64> {
    super::decimal(offset)
}

impl PacketLog {
    pub(super) fn new(max_age: Duration, max_bytes: usize) -> PacketLog {
        PacketLog {
            entries: VecDeque::new(),
            next_seq: 1,
            bytes: 0,
            max_age,
            max_bytes,
        }
    }

    /// Logs a packet and returns its sequence number.
    pub(super) fn push(&mut self, args: &[Value], opts: &BroadcastOptions, now: Instant) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        let bytes = std::mem::size_of::<Entry>()
            + args.iter().map(super::size::of_value).sum::<usize>()
            + opts
                .rooms
                .iter()
                .chain(&opts.except)
                .map(|r| r.len() + 32)
                .sum::<usize>();
        self.entries.push_back(Entry {
            seq,
            args: args.to_vec(),
            to: opts.clone(),
            at: now,
            bytes,
        });
        self.bytes += bytes;
        self.evict(now);
        seq
    }

    /// Drops the packets older than the age limit, and the oldest beyond the byte budget.
    pub(super) fn evict(&mut self, now: Instant) {
        while let Some(front) = self.entries.front() {
            let too_old = now.saturating_duration_since(front.at) > self.max_age;
            if !too_old && self.bytes <= self.max_bytes {
                break;
            }
            self.bytes -= front.bytes;
            self.entries.pop_front();
        }
        if self.entries.is_empty() && self.entries.capacity() > 64 {
            // Give a burst's memory back.
            self.entries = VecDeque::new();
        }
    }

    /// The packets after `seq` for a socket in `rooms`, each with its offset last; `None`
    /// when `seq` was never given out or a packet after it is gone from the log.
    pub(super) fn after(&self, seq: u64, rooms: &[Room]) -> Option<Vec<Vec<Value>>> {
        if seq >= self.next_seq {
            return None;
        }
        let first_kept = self.entries.front().map_or(self.next_seq, |e| e.seq);
        if seq + 1 < first_kept {
            return None;
        }
        let skip = usize::try_from(seq + 1 - first_kept).ok()?;
        Some(
            self.entries
                .iter()
                .skip(skip)
                .filter(|e| e.to.selects(rooms))
                .map(|e| {
                    let mut args = Vec::with_capacity(e.args.len() + 1);
                    args.extend(e.args.iter().cloned());
                    args.push(Value::String(format_offset(e.seq)));
                    args
                })
                .collect(),
        )
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(super) fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(rooms: &[&str], except: &[&str]) -> BroadcastOptions {
        BroadcastOptions {
            rooms: rooms.iter().map(|r| (*r).to_owned()).collect(),
            except: except.iter().map(|r| (*r).to_owned()).collect(),
            ..BroadcastOptions::default()
        }
    }

    fn ev(name: &str) -> Vec<Value> {
        vec![Value::String(name.to_owned())]
    }

    fn names(missed: &[Vec<Value>]) -> Vec<String> {
        missed
            .iter()
            .map(|a| match (&a[0], a.last()) {
                (Value::String(n), Some(Value::String(o))) => format!("{n}@{o}"),
                _ => String::new(),
            })
            .collect()
    }

    #[test]
    fn replays_what_followed_the_offset_for_the_sockets_rooms() {
        let now = Instant::now();
        let mut log = PacketLog::new(Duration::from_secs(60), 1 << 20);
        let a = log.push(&ev("all"), &opts(&[], &[]), now);
        log.push(&ev("r1"), &opts(&["r1"], &[]), now);
        log.push(&ev("r2"), &opts(&["r2"], &[]), now);
        log.push(&ev("not-me"), &opts(&[], &["me"]), now);
        log.push(&ev("all2"), &opts(&[], &[]), now);
        let rooms = vec!["me".to_owned(), "r1".to_owned()];
        assert_eq!(
            names(&log.after(a, &rooms).unwrap_or_default()),
            ["r1@2", "all2@5"]
        );
        assert_eq!(log.after(5, &rooms), Some(vec![]));
        assert_eq!(log.after(6, &rooms), None, "an offset never given out");
    }

    #[test]
    fn a_gap_in_the_log_means_no_recovery() {
        let now = Instant::now();
        let mut log = PacketLog::new(Duration::from_secs(60), 1 << 20);
        for _ in 0..3 {
            log.push(&ev("x"), &opts(&[], &[]), now);
        }
        let later = now + Duration::from_secs(61);
        log.push(&ev("y"), &opts(&[], &[]), later);
        assert_eq!(log.len(), 1);
        assert_eq!(log.after(1, &[]), None, "2 and 3 are gone");
        assert_eq!(names(&log.after(3, &[]).unwrap_or_default()), ["y@4"]);
        // Everything expired, nothing sent since the client's offset: nothing was missed.
        log.evict(later + Duration::from_secs(61));
        assert_eq!(log.len(), 0);
        assert_eq!(log.after(4, &[]), Some(vec![]));
        assert_eq!(log.after(3, &[]), None);
    }

    #[test]
    fn the_byte_budget_evicts_the_oldest() {
        let now = Instant::now();
        let mut log = PacketLog::new(Duration::from_secs(60), 4096);
        let big = vec![Value::String("x".repeat(1000))];
        for _ in 0..100 {
            log.push(&big, &opts(&[], &[]), now);
        }
        assert!(log.bytes() <= 4096, "{} bytes", log.bytes());
        assert!(log.len() >= 2 && log.len() < 5, "{} packets", log.len());
    }

    #[test]
    fn offsets_from_elsewhere_are_refused() {
        for bad in [
            "",
            "-1",
            "1.5",
            "abc",
            "1-0",
            "99999999999999999999999",
            " 1",
        ] {
            assert_eq!(parse_offset(bad), None, "{bad:?}");
        }
        assert_eq!(parse_offset("42"), Some(42));
    }
}
