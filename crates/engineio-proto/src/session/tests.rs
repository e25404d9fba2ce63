//! The session on a virtual clock: plain `Instant` arithmetic, no sleeps.

use std::time::{Duration, Instant};

use super::*;

const INTERVAL: Duration = Duration::from_millis(300);
const TIMEOUT: Duration = Duration::from_millis(200);
const UPGRADE: Duration = Duration::from_millis(1000);

pub(super) fn config() -> SessionConfig {
    SessionConfig {
        ping_interval: INTERVAL,
        ping_timeout: TIMEOUT,
        upgrade_timeout: UPGRADE,
        close_timeout: Duration::from_secs(30),
        outbox_capacity: 4,
    }
}

pub(super) fn open() -> Packet {
    Packet::with_text(PacketType::Open, "{}")
}

fn packet(kind: PacketType) -> Outgoing<&'static str> {
    Outgoing::Packet(Packet::new(kind))
}

fn transmit(s: &mut Session<&'static str>) -> Option<(TransportKind, Vec<Outgoing<&'static str>>)> {
    s.poll_transmit().map(|t| (t.transport, t.items))
}

fn events(s: &mut Session<&'static str>) -> Vec<Event> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

/// A polling session whose handshake GET has been answered.
fn polling(t0: Instant) -> Session<&'static str> {
    let mut s = Session::new(config(), TransportKind::Polling, open(), t0);
    s.handle_poll_request(t0).unwrap();
    assert_eq!(
        transmit(&mut s),
        Some((TransportKind::Polling, vec![Outgoing::Packet(open())]))
    );
    s
}

fn websocket(t0: Instant) -> Session<&'static str> {
    let mut s = Session::new(config(), TransportKind::WebSocket, open(), t0);
    assert_eq!(
        transmit(&mut s),
        Some((TransportKind::WebSocket, vec![Outgoing::Packet(open())]))
    );
    s
}

#[test]
fn heartbeat_expires_without_pong() {
    let t0 = Instant::now();
    let mut s = websocket(t0);
    assert_eq!(s.poll_timeout(), Some(t0 + INTERVAL));
    s.handle_timeout(t0 + INTERVAL);
    assert_eq!(
        transmit(&mut s),
        Some((TransportKind::WebSocket, vec![packet(PacketType::Ping)]))
    );
    assert_eq!(s.poll_timeout(), Some(t0 + INTERVAL + TIMEOUT));
    s.handle_timeout(t0 + INTERVAL + TIMEOUT - Duration::from_millis(1));
    assert!(!s.is_closed());
    s.handle_timeout(t0 + INTERVAL + TIMEOUT);
    assert_eq!(
        events(&mut s),
        vec![Event::Closed(CloseReason::PingTimeout)]
    );
    assert_eq!(s.poll_timeout(), None);
    assert_eq!(s.send("late"), Err(SendError::Closed));
}

#[test]
fn pongs_keep_the_session_alive_for_many_intervals() {
    let t0 = Instant::now();
    let mut s = websocket(t0);
    let mut now = t0;
    for _ in 0..10 {
        now = s.poll_timeout().unwrap();
        s.handle_timeout(now);
        assert_eq!(transmit(&mut s).unwrap().1, vec![packet(PacketType::Ping)]);
        now += TIMEOUT / 2;
        assert_eq!(
            s.handle_packet(Packet::new(PacketType::Pong), Via::Current, now),
            None
        );
        assert_eq!(s.poll_timeout(), Some(now + INTERVAL));
    }
    assert!(!s.is_closed());
    assert!(now >= t0 + INTERVAL * 10);
}

#[test]
fn polling_heartbeat_waits_for_the_next_get() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    s.handle_timeout(t0 + INTERVAL);
    assert_eq!(transmit(&mut s), None);
    s.handle_poll_request(t0 + INTERVAL).unwrap();
    assert_eq!(
        transmit(&mut s),
        Some((TransportKind::Polling, vec![packet(PacketType::Ping)]))
    );
    assert_eq!(transmit(&mut s), None);
}

#[test]
fn messages_are_handed_back_and_batched() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    let data = s.handle_packet(Packet::message("hi"), Via::Current, t0);
    assert_eq!(data, Some(PacketData::Text("hi".into())));
    let empty = s.handle_packet(Packet::new(PacketType::Message), Via::Current, t0);
    assert_eq!(empty, Some(PacketData::Text(String::new())));
    s.send("a").unwrap();
    s.send("b").unwrap();
    assert!(!s.writable());
    s.handle_poll_request(t0).unwrap();
    assert_eq!(
        transmit(&mut s),
        Some((
            TransportKind::Polling,
            vec![Outgoing::Frame("a"), Outgoing::Frame("b")]
        ))
    );
}

/// A batch hands the queue's buffer over; a lent buffer is filled next, emptied first, and
/// only when the queue holds none.
#[test]
fn a_written_batch_s_buffer_is_taken_back_emptied() {
    let t0 = Instant::now();
    let mut s = websocket(t0);
    assert!(s.wants_buffer(), "the open packet's batch took the buffer");
    let mut spare = Vec::with_capacity(8);
    spare.push(Outgoing::Frame("stale"));
    s.lend_buffer(spare);
    assert!(!s.wants_buffer());
    s.send("a").unwrap();
    let (_, items) = transmit(&mut s).unwrap();
    assert_eq!(items, vec![Outgoing::Frame("a")]);
    assert!(
        items.capacity() >= 8,
        "the lent buffer came back with the batch"
    );
    assert!(s.wants_buffer());
    // A queue that holds a buffer keeps it (and its messages).
    s.send("b").unwrap();
    s.lend_buffer(Vec::with_capacity(64));
    let (_, items) = transmit(&mut s).unwrap();
    assert_eq!(items, vec![Outgoing::Frame("b")]);
    assert!(items.capacity() < 64);
}

#[test]
fn outbox_capacity_is_enforced_and_send_all_is_atomic() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    s.send_all(["a", "b", "c"].into_iter()).unwrap();
    assert_eq!(s.send_all(["d", "e"].into_iter()), Err(SendError::Full));
    assert_eq!(s.queued(), 3);
    s.send("d").unwrap();
    assert_eq!(s.send("e"), Err(SendError::Full));
    s.handle_poll_request(t0).unwrap();
    assert_eq!(transmit(&mut s).unwrap().1.len(), 4);
    assert_eq!(s.queued(), 0);
    s.send("e").unwrap();
}

#[test]
fn second_get_closes_the_session_and_releases_the_first_with_close() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    s.handle_poll_request(t0).unwrap();
    assert!(s.writable());
    assert_eq!(s.handle_poll_request(t0), Err(PollError::Overlap));
    assert_eq!(
        transmit(&mut s),
        Some((TransportKind::Polling, vec![packet(PacketType::Close)]))
    );
    assert_eq!(
        events(&mut s),
        vec![Event::Closed(CloseReason::TransportError)]
    );
    assert_eq!(s.handle_poll_request(t0), Err(PollError::NotPolling));
}

#[test]
fn aborted_get_is_a_transport_error() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    s.handle_poll_request(t0).unwrap();
    s.handle_poll_aborted(t0);
    assert_eq!(transmit(&mut s), None);
    assert_eq!(
        events(&mut s),
        vec![Event::Closed(CloseReason::TransportError)]
    );
}

#[test]
fn client_close_packet_releases_the_get_with_noop() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    s.handle_poll_request(t0).unwrap();
    assert_eq!(
        s.handle_packet(Packet::new(PacketType::Close), Via::Current, t0),
        None
    );
    assert_eq!(
        transmit(&mut s),
        Some((TransportKind::Polling, vec![packet(PacketType::Noop)]))
    );
    assert_eq!(
        events(&mut s),
        vec![Event::Closed(CloseReason::TransportClose)]
    );
}

#[test]
fn parse_error_and_client_ping_close_the_session() {
    let t0 = Instant::now();
    let mut s = websocket(t0);
    s.handle_decode_error(Via::Current, t0);
    assert_eq!(events(&mut s), vec![Event::Closed(CloseReason::ParseError)]);
    let mut s = websocket(t0);
    let _ = s.handle_packet(Packet::new(PacketType::Ping), Via::Current, t0);
    assert_eq!(
        events(&mut s),
        vec![Event::Closed(CloseReason::TransportError)]
    );
}

#[test]
fn probe_sequence_upgrades_to_websocket() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    s.handle_poll_request(t0).unwrap();
    s.handle_upgrade_request(t0).unwrap();
    assert_eq!(
        s.handle_upgrade_request(t0),
        Err(UpgradeError::AlreadyUpgrading)
    );
    // Before the probe a waiting GET stays waiting.
    assert_eq!(transmit(&mut s), None);
    let _ = s.handle_packet(
        Packet::with_text(PacketType::Ping, "probe"),
        Via::Upgrade,
        t0,
    );
    assert_eq!(
        events(&mut s),
        vec![Event::UpgradeTransmit(Packet::with_text(
            PacketType::Pong,
            "probe"
        ))]
    );
    // The waiting GET is released with a noop at the next check, every 100 ms.
    let check = t0 + Duration::from_millis(100);
    assert_eq!(s.poll_timeout(), Some(check));
    s.handle_timeout(check);
    assert_eq!(
        transmit(&mut s),
        Some((TransportKind::Polling, vec![packet(PacketType::Noop)]))
    );
    s.handle_poll_request(check).unwrap();
    assert_eq!(transmit(&mut s), None);
    s.handle_timeout(check + Duration::from_millis(100));
    assert_eq!(
        transmit(&mut s),
        Some((TransportKind::Polling, vec![packet(PacketType::Noop)]))
    );
    s.send("queued during upgrade").unwrap();
    let _ = s.handle_packet(Packet::new(PacketType::Upgrade), Via::Upgrade, t0);
    assert_eq!(events(&mut s), vec![Event::Upgraded]);
    assert_eq!(s.transport(), TransportKind::WebSocket);
    assert_eq!(
        transmit(&mut s),
        Some((
            TransportKind::WebSocket,
            vec![Outgoing::Frame("queued during upgrade")]
        ))
    );
    assert_eq!(s.handle_poll_request(t0), Err(PollError::NotPolling));
    assert_eq!(
        s.handle_upgrade_request(t0),
        Err(UpgradeError::AlreadyUpgraded)
    );
}

#[test]
fn get_waiting_when_the_upgrade_completes_gets_no_payload() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    s.handle_upgrade_request(t0).unwrap();
    let _ = s.handle_packet(
        Packet::with_text(PacketType::Ping, "probe"),
        Via::Upgrade,
        t0,
    );
    s.handle_poll_request(t0).unwrap();
    let _ = s.handle_packet(Packet::new(PacketType::Upgrade), Via::Upgrade, t0);
    assert_eq!(transmit(&mut s), None);
    assert!(events(&mut s).contains(&Event::Upgraded));
}

#[test]
fn upgrade_times_out_and_polling_goes_on() {
    let t0 = Instant::now();
    let mut s = Session::<&str>::new(
        SessionConfig {
            ping_interval: Duration::from_secs(60),
            ..config()
        },
        TransportKind::Polling,
        open(),
        t0,
    );
    s.handle_upgrade_request(t0).unwrap();
    assert_eq!(s.poll_timeout(), Some(t0 + UPGRADE));
    s.handle_timeout(t0 + UPGRADE);
    assert_eq!(events(&mut s), vec![Event::UpgradeAborted]);
    assert!(!s.is_upgrading());
    assert!(!s.is_closed());
    s.handle_upgrade_request(t0 + UPGRADE).unwrap();
}

#[test]
fn unexpected_packet_on_upgrade_aborts_it() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    s.handle_upgrade_request(t0).unwrap();
    let _ = s.handle_packet(Packet::message("early"), Via::Upgrade, t0);
    assert_eq!(events(&mut s), vec![Event::UpgradeAborted]);
    assert_eq!(s.transport(), TransportKind::Polling);
}

#[test]
fn session_close_aborts_the_upgrade() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    s.handle_upgrade_request(t0).unwrap();
    s.handle_transport_error(Via::Current, t0);
    assert_eq!(
        events(&mut s),
        vec![
            Event::UpgradeAborted,
            Event::Closed(CloseReason::TransportError)
        ]
    );
}

#[test]
fn server_close_over_polling_flushes_then_sends_close() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    s.send("bye").unwrap();
    s.close(CloseReason::ForcedClose, t0);
    assert_eq!(s.send("more"), Err(SendError::Closed));
    assert!(events(&mut s).is_empty());
    s.handle_poll_request(t0).unwrap();
    assert_eq!(
        transmit(&mut s),
        Some((
            TransportKind::Polling,
            vec![Outgoing::Frame("bye"), packet(PacketType::Close)]
        ))
    );
    assert_eq!(
        events(&mut s),
        vec![Event::Closed(CloseReason::ForcedClose)]
    );
}

#[test]
fn server_close_over_polling_gives_up_after_close_timeout() {
    let t0 = Instant::now();
    let mut s = Session::<&str>::new(
        SessionConfig {
            ping_interval: Duration::from_secs(600),
            ..config()
        },
        TransportKind::Polling,
        open(),
        t0,
    );
    s.close(CloseReason::ForcedClose, t0);
    assert_eq!(s.poll_timeout(), Some(t0 + Duration::from_secs(30)));
    s.handle_timeout(t0 + Duration::from_secs(30));
    assert_eq!(
        events(&mut s),
        vec![Event::Closed(CloseReason::ForcedClose)]
    );
}

#[test]
fn server_close_over_websocket() {
    let t0 = Instant::now();
    let mut s = websocket(t0);
    s.send("last").unwrap();
    s.close(CloseReason::ForcedClose, t0);
    assert_eq!(
        transmit(&mut s),
        Some((TransportKind::WebSocket, vec![Outgoing::Frame("last")]))
    );
    assert_eq!(
        events(&mut s),
        vec![Event::Closed(CloseReason::ForcedClose)]
    );
    let mut s = websocket(t0);
    s.close(CloseReason::ServerShuttingDown, t0);
    assert_eq!(
        events(&mut s),
        vec![Event::Closed(CloseReason::ServerShuttingDown)]
    );
}

#[test]
fn writable_follows_the_transport() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    assert!(!s.writable());
    s.handle_poll_request(t0).unwrap();
    assert!(s.writable());
    assert!(websocket(t0).writable());
}

#[test]
fn transmit_ready_agrees_with_poll_transmit() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    assert_eq!(s.transmit_ready(), None);
    s.send("a").unwrap();
    assert_eq!(s.transmit_ready(), None);
    s.handle_poll_request(t0).unwrap();
    assert_eq!(s.transmit_ready(), Some(TransportKind::Polling));
    assert!(s.poll_transmit().is_some());
    let mut w = websocket(t0);
    assert_eq!(w.transmit_ready(), None);
    w.send("b").unwrap();
    assert_eq!(w.transmit_ready(), Some(TransportKind::WebSocket));
}

fn websocket_v3(t0: Instant) -> Session<&'static str> {
    let mut s =
        Session::with_protocol(config(), Protocol::V3, TransportKind::WebSocket, open(), t0);
    assert_eq!(s.protocol(), Protocol::V3);
    assert_eq!(
        transmit(&mut s),
        Some((TransportKind::WebSocket, vec![Outgoing::Packet(open())]))
    );
    s
}

#[test]
fn v3_server_never_pings_and_times_out_after_interval_plus_timeout() {
    let t0 = Instant::now();
    let mut s = websocket_v3(t0);
    assert_eq!(s.poll_timeout(), Some(t0 + INTERVAL + TIMEOUT));
    s.handle_timeout(t0 + INTERVAL);
    assert_eq!(transmit(&mut s), None);
    s.handle_timeout(t0 + INTERVAL + TIMEOUT - Duration::from_millis(1));
    assert!(!s.is_closed());
    s.handle_timeout(t0 + INTERVAL + TIMEOUT);
    assert_eq!(
        events(&mut s),
        vec![Event::Closed(CloseReason::PingTimeout)]
    );
}

#[test]
fn v3_client_pings_are_answered_with_pong_and_reset_the_timeout() {
    let t0 = Instant::now();
    let mut s = websocket_v3(t0);
    let mut now = t0;
    for _ in 0..5 {
        now += INTERVAL;
        s.handle_timeout(now);
        assert!(
            s.handle_packet(Packet::new(PacketType::Ping), Via::Current, now)
                .is_none()
        );
        assert_eq!(
            transmit(&mut s),
            Some((TransportKind::WebSocket, vec![packet(PacketType::Pong)]))
        );
        assert_eq!(s.poll_timeout(), Some(now + INTERVAL + TIMEOUT));
    }
    assert!(!s.is_closed());
}

#[test]
fn v3_client_pong_is_a_transport_error() {
    let t0 = Instant::now();
    let mut s = websocket_v3(t0);
    assert!(
        s.handle_packet(Packet::new(PacketType::Pong), Via::Current, t0)
            .is_none()
    );
    assert_eq!(
        events(&mut s),
        vec![Event::Closed(CloseReason::TransportError)]
    );
}
