//! The ack table: ids, take, expiry order, deadlines.

#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] fns unwrap too

use std::time::{Duration, Instant};

use socketio_proto::AckTable;

#[test]
fn ids_start_at_zero_and_increase() {
    let mut t = AckTable::new();
    assert_eq!(t.next_id(), 0);
    assert_eq!(t.insert(None, "a"), 0);
    assert_eq!(t.insert(None, "b"), 1);
    assert_eq!(t.take(0), Some("a"));
    // Ids are never reused.
    assert_eq!(t.insert(None, "c"), 2);
    assert_eq!(t.len(), 2);
}

#[test]
fn take_is_once() {
    let mut t = AckTable::new();
    let id = t.insert(Some(Instant::now()), 1);
    assert!(t.contains(id));
    assert_eq!(t.take(id), Some(1));
    assert_eq!(t.take(id), None);
    assert_eq!(t.take(999), None);
    assert!(t.is_empty());
    assert_eq!(t.poll_timeout(), None);
}

#[test]
fn expiry_is_in_deadline_then_emission_order() {
    let t0 = Instant::now();
    let s = Duration::from_secs;
    let mut t = AckTable::new();
    let late = t.insert(Some(t0 + s(30)), "late");
    let never = t.insert(None, "never");
    let a = t.insert(Some(t0 + s(10)), "a");
    let b = t.insert(Some(t0 + s(10)), "b");
    let early = t.insert(Some(t0 + s(5)), "early");
    let taken = t.insert(Some(t0 + s(1)), "taken");
    assert_eq!(t.poll_timeout(), Some(t0 + s(1)));
    assert_eq!(t.take(taken), Some("taken"));
    assert_eq!(t.poll_timeout(), Some(t0 + s(5)));

    assert!(t.expire(t0 + s(4)).is_empty());
    assert_eq!(
        t.expire(t0 + s(10)),
        vec![(early, "early"), (a, "a"), (b, "b")]
    );
    assert_eq!(t.poll_timeout(), Some(t0 + s(30)));
    assert_eq!(t.expire(t0 + s(1000)), vec![(late, "late")]);
    assert_eq!(t.poll_timeout(), None);
    assert_eq!(t.len(), 1);
    assert_eq!(t.drain(), vec![(never, "never")]);
    assert!(t.is_empty());
}

#[test]
fn answered_acks_do_not_expire() {
    let t0 = Instant::now();
    let mut t = AckTable::new();
    let ids: Vec<u64> = (0..1000)
        .map(|i| t.insert(Some(t0 + Duration::from_millis(i)), i))
        .collect();
    for id in ids.iter().filter(|id| *id % 2 == 0) {
        t.take(*id).unwrap();
    }
    let expired = t.expire(t0 + Duration::from_secs(10));
    assert_eq!(expired.len(), 500);
    assert!(expired.iter().all(|(id, v)| id % 2 == 1 && *v == *id));
    assert!(expired.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(t.is_empty());
}

#[test]
fn drain_returns_everything_in_id_order() {
    let mut t = AckTable::new();
    for i in 0..20 {
        t.insert((i % 2 == 0).then(Instant::now), i);
    }
    let all = t.drain();
    assert_eq!(
        all.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        (0..20).collect::<Vec<_>>()
    );
    assert_eq!(t.poll_timeout(), None);
    assert_eq!(t.next_id(), 20);
}
