//! The client session on a virtual clock: plain `Instant` arithmetic, no sockets, no sleeps.

use std::time::{Duration, Instant};

use super::*;

const OPEN: &str = r#"{"sid":"abc","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}"#;
const OPEN_WS: &str =
    r#"{"sid":"abc","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}"#;
const HEARTBEAT: Duration = Duration::from_millis(500);

fn config(transport: TransportKind) -> ClientConfig {
    ClientConfig {
        transport,
        upgrade: true,
        upgrade_timeout: Duration::from_millis(1000),
    }
}

fn events(s: &mut ClientSession) -> Vec<ClientEvent> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

fn transmits(s: &mut ClientSession) -> Vec<ClientTransmit> {
    std::iter::from_fn(|| s.poll_transmit()).collect()
}

fn open_packet(json: &str) -> Packet {
    Packet::with_text(PacketType::Open, json)
}

fn websocket(t0: Instant) -> ClientSession {
    let mut s = ClientSession::new(config(TransportKind::WebSocket), t0);
    assert_eq!(transmits(&mut s), vec![]);
    assert_eq!(
        s.handle_packet(open_packet(OPEN_WS), Via::Current, t0),
        None
    );
    let ev = events(&mut s);
    assert!(
        matches!(&ev[..], [ClientEvent::Opened(o)] if o.sid == "abc"),
        "{ev:?}"
    );
    s
}

/// A polling session whose handshake GET returned; the next GET is out.
fn polling(t0: Instant) -> ClientSession {
    let mut s = ClientSession::new(config(TransportKind::Polling), t0);
    assert_eq!(transmits(&mut s), vec![ClientTransmit::Poll]);
    assert_eq!(s.handle_packet(open_packet(OPEN), Via::Current, t0), None);
    s.handle_poll_done(t0);
    assert!(matches!(
        &events(&mut s)[..],
        [ClientEvent::Opened(_), ClientEvent::UpgradeStart]
    ));
    assert_eq!(transmits(&mut s), vec![ClientTransmit::Poll]);
    s
}

#[test]
fn no_ping_within_interval_plus_timeout_is_a_ping_timeout() {
    let t0 = Instant::now();
    let mut s = websocket(t0);
    assert_eq!(s.poll_timeout(), Some(t0 + HEARTBEAT));
    s.handle_timeout(t0 + HEARTBEAT - Duration::from_millis(1));
    assert!(s.is_open());
    s.handle_timeout(t0 + HEARTBEAT);
    assert_eq!(
        events(&mut s),
        vec![ClientEvent::Closed(CloseReason::PingTimeout)]
    );
    assert_eq!(s.poll_timeout(), None);
    assert_eq!(
        s.send(Packet::message("late")),
        Err(crate::session::SendError::Closed)
    );
}

#[test]
fn each_ping_is_answered_and_pushes_the_watchdog_back() {
    let t0 = Instant::now();
    let mut s = websocket(t0);
    let mut now = t0;
    for _ in 0..10 {
        now += Duration::from_millis(300);
        let _ = s.handle_packet(Packet::new(PacketType::Ping), Via::Current, now);
        assert_eq!(
            transmits(&mut s),
            vec![ClientTransmit::WebSocket(vec![Packet::new(
                PacketType::Pong
            )])]
        );
        assert_eq!(s.poll_timeout(), Some(now + HEARTBEAT));
        s.handle_timeout(now + Duration::from_millis(499));
        assert!(s.is_open());
    }
}

#[test]
fn messages_come_back_and_go_out_in_order() {
    let t0 = Instant::now();
    let mut s = websocket(t0);
    assert_eq!(
        s.handle_packet(Packet::message("40"), Via::Current, t0),
        Some(PacketData::Text("40".into()))
    );
    s.send(Packet::message("a")).unwrap();
    s.send(Packet::message("b")).unwrap();
    assert_eq!(
        transmits(&mut s),
        vec![ClientTransmit::WebSocket(vec![
            Packet::message("a"),
            Packet::message("b")
        ])]
    );
}

#[test]
fn polling_keeps_one_get_and_one_post_in_flight() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    s.send(Packet::message("a")).unwrap();
    assert_eq!(
        transmits(&mut s),
        vec![ClientTransmit::Post(vec![Packet::message("a")])]
    );
    s.send(Packet::message("b")).unwrap();
    s.send(Packet::message("c")).unwrap();
    assert_eq!(transmits(&mut s), vec![], "one POST at a time");
    s.handle_post_done(t0);
    assert_eq!(
        transmits(&mut s),
        vec![ClientTransmit::Post(vec![
            Packet::message("b"),
            Packet::message("c")
        ])]
    );
    let _ = s.handle_packet(Packet::new(PacketType::Ping), Via::Current, t0);
    s.handle_poll_done(t0);
    s.handle_post_done(t0);
    assert_eq!(
        transmits(&mut s),
        vec![
            ClientTransmit::Post(vec![Packet::new(PacketType::Pong)]),
            ClientTransmit::Poll
        ]
    );
}

#[test]
fn upgrade_probes_pauses_polling_then_switches() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    s.handle_upgrade_opened(t0);
    assert_eq!(
        transmits(&mut s),
        vec![ClientTransmit::Upgrade(Packet::with_text(
            PacketType::Ping,
            "probe"
        ))]
    );
    let _ = s.handle_packet(
        Packet::with_text(PacketType::Pong, "probe"),
        Via::Upgrade,
        t0,
    );
    // The GET is still out: messages wait, nothing is sent.
    s.send(Packet::message("queued")).unwrap();
    assert_eq!(transmits(&mut s), vec![]);
    // The server releases the GET with a noop.
    let _ = s.handle_packet(Packet::new(PacketType::Noop), Via::Current, t0);
    s.handle_poll_done(t0);
    assert_eq!(
        transmits(&mut s),
        vec![
            ClientTransmit::Upgrade(Packet::new(PacketType::Upgrade)),
            ClientTransmit::WebSocket(vec![Packet::message("queued")])
        ]
    );
    assert_eq!(events(&mut s), vec![ClientEvent::Upgraded]);
    assert_eq!(s.transport(), TransportKind::WebSocket);
}

#[test]
fn a_failed_probe_leaves_the_session_polling() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    s.handle_upgrade_opened(t0);
    let _ = transmits(&mut s);
    let _ = s.handle_packet(Packet::message("nope"), Via::Upgrade, t0);
    assert_eq!(events(&mut s), vec![ClientEvent::UpgradeAborted]);
    assert_eq!(s.transport(), TransportKind::Polling);
    s.send(Packet::message("a")).unwrap();
    assert_eq!(
        transmits(&mut s),
        vec![ClientTransmit::Post(vec![Packet::message("a")])]
    );
}

#[test]
fn a_probe_that_never_answers_is_given_up() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    assert_eq!(s.poll_timeout(), Some(t0 + HEARTBEAT));
    for ms in [400, 800] {
        let _ = s.handle_packet(
            Packet::new(PacketType::Ping),
            Via::Current,
            t0 + Duration::from_millis(ms),
        );
    }
    let t1 = t0 + Duration::from_millis(1000);
    assert_eq!(s.poll_timeout(), Some(t1));
    s.handle_timeout(t1);
    assert_eq!(events(&mut s), vec![ClientEvent::UpgradeAborted]);
    assert!(s.is_open());
}

#[test]
fn close_sends_queued_messages_then_the_close_packet() {
    let t0 = Instant::now();
    let mut s = polling(t0);
    s.send(Packet::message("41")).unwrap();
    s.close(t0);
    assert_eq!(
        transmits(&mut s),
        vec![ClientTransmit::Post(vec![
            Packet::message("41"),
            Packet::new(PacketType::Close)
        ])]
    );
    assert_eq!(
        events(&mut s),
        vec![
            ClientEvent::UpgradeAborted,
            ClientEvent::Closed(CloseReason::ForcedClose)
        ]
    );
}

#[test]
fn server_close_and_bad_handshake_and_transport_errors() {
    let t0 = Instant::now();
    let mut s = websocket(t0);
    let _ = s.handle_packet(Packet::new(PacketType::Close), Via::Current, t0);
    assert_eq!(s.close_reason(), Some(CloseReason::TransportClose));

    let mut s = ClientSession::new(config(TransportKind::WebSocket), t0);
    let _ = s.handle_packet(open_packet("{not json"), Via::Current, t0);
    assert_eq!(s.close_reason(), Some(CloseReason::ParseError));

    let mut s = websocket(t0);
    s.handle_transport_error(Via::Current, t0);
    assert_eq!(s.close_reason(), Some(CloseReason::TransportError));

    let mut s = websocket(t0);
    s.handle_decode_error(Via::Current, t0);
    assert_eq!(s.close_reason(), Some(CloseReason::ParseError));
}

#[test]
fn without_upgrade_the_session_stays_on_polling() {
    let t0 = Instant::now();
    let mut s = ClientSession::new(
        ClientConfig {
            upgrade: false,
            ..config(TransportKind::Polling)
        },
        t0,
    );
    let _ = transmits(&mut s);
    let _ = s.handle_packet(open_packet(OPEN), Via::Current, t0);
    assert!(matches!(&events(&mut s)[..], [ClientEvent::Opened(_)]));
}
