//! The Engine.IO session state machine, driven by a sequence of operations read from the
//! input with `arbitrary`: what a driver does (requests, packets, sends, closes, timers) on a
//! virtual clock.

use std::time::{Duration, Instant};

use arbitrary::{Arbitrary, Unstructured};
use engineio_proto::{
    CloseReason, Event, Outgoing, Packet, PacketType, Protocol, SendError, Session, SessionConfig,
    TransportKind, Via,
};

/// The session's settings, small so that every deadline is within reach.
#[derive(Debug, Arbitrary)]
struct Setup {
    v3: bool,
    websocket: bool,
    ping_interval: u8,
    ping_timeout: u8,
    upgrade_timeout: u8,
    close_timeout: u8,
    outbox_capacity: u8,
}

/// What a driver can do to a session.
#[derive(Debug, Arbitrary)]
enum Op {
    Advance(u16),
    /// `handle_timeout` once the deadline has passed, as a driver does.
    Timeout,
    /// `handle_timeout` whether due or not: a spurious wake-up.
    EarlyTimeout,
    PollRequest,
    PollAborted,
    UpgradeRequest,
    Packet {
        kind: u8,
        data: Data,
        upgrade: bool,
    },
    DecodeError {
        upgrade: bool,
    },
    TransportClosed {
        upgrade: bool,
    },
    TransportError {
        upgrade: bool,
    },
    Send,
    SendAll(u8),
    Close,
    Terminate,
}

#[derive(Debug, Arbitrary)]
enum Data {
    Empty,
    Probe,
    Text(String),
    Binary(Vec<u8>),
}

const KINDS: [PacketType; 7] = [
    PacketType::Open,
    PacketType::Close,
    PacketType::Ping,
    PacketType::Pong,
    PacketType::Message,
    PacketType::Upgrade,
    PacketType::Noop,
];

fn ms(n: u8) -> Duration {
    Duration::from_millis(1 + u64::from(n) * 4)
}

fn via(upgrade: bool) -> Via {
    if upgrade { Via::Upgrade } else { Via::Current }
}

/// Runs the operations; the invariants: at most one `Closed`, nothing but a GET's release
/// after it, no deadline left in the past by `handle_timeout`, the outbox bound kept, and
/// every message written at most once and in the order it was sent.
pub fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(setup) = Setup::arbitrary(&mut u) else {
        return;
    };
    let config = SessionConfig {
        ping_interval: ms(setup.ping_interval),
        ping_timeout: ms(setup.ping_timeout),
        upgrade_timeout: ms(setup.upgrade_timeout),
        close_timeout: ms(setup.close_timeout),
        outbox_capacity: usize::from(setup.outbox_capacity % 8),
    };
    let capacity = config.outbox_capacity;
    let protocol = if setup.v3 { Protocol::V3 } else { Protocol::V4 };
    let transport = if setup.websocket {
        TransportKind::WebSocket
    } else {
        TransportKind::Polling
    };
    let mut now = Instant::now();
    let open = Packet::with_text(PacketType::Open, "{}");
    let mut s = Session::<u64>::with_protocol(config, protocol, transport, open, now);
    let mut check = Checker::default();

    // `arbitrary` makes default values from an exhausted input: stop there.
    while !u.is_empty() {
        let Ok(op) = Op::arbitrary(&mut u) else {
            break;
        };
        match op {
            Op::Advance(n) => now += Duration::from_millis(u64::from(n % 2048)),
            Op::Timeout | Op::EarlyTimeout => {
                let due = s.poll_timeout().is_some_and(|t| t <= now);
                if due || matches!(op, Op::EarlyTimeout) {
                    s.handle_timeout(now);
                    if let Some(next) = s.poll_timeout() {
                        assert!(next > now, "handle_timeout left a deadline in the past");
                    }
                }
            }
            Op::PollRequest => {
                if s.handle_poll_request(now).is_ok() {
                    check.get_waiting = true;
                }
            }
            Op::PollAborted => {
                s.handle_poll_aborted(now);
                check.get_waiting = false;
            }
            Op::UpgradeRequest => {
                let _ = s.handle_upgrade_request(now);
            }
            Op::Packet {
                kind,
                data,
                upgrade,
            } => {
                let kind = KINDS[usize::from(kind % 7)];
                let packet = match data {
                    Data::Empty => Packet::new(kind),
                    Data::Probe => Packet::with_text(kind, "probe"),
                    Data::Text(t) => Packet::with_text(kind, t),
                    Data::Binary(b) => Packet {
                        kind,
                        data: engineio_proto::PacketData::Binary(b.into()),
                    },
                };
                let was_open = !s.is_closed();
                let message = s.handle_packet(packet, via(upgrade), now);
                if message.is_some() {
                    assert!(
                        was_open && !upgrade,
                        "a message came out of a closed session"
                    );
                }
            }
            Op::DecodeError { upgrade } => s.handle_decode_error(via(upgrade), now),
            Op::TransportClosed { upgrade } => s.handle_transport_closed(via(upgrade), now),
            Op::TransportError { upgrade } => s.handle_transport_error(via(upgrade), now),
            Op::Send => {
                let closed = s.is_closed();
                match s.send(check.next_frame) {
                    Ok(()) => check.next_frame += 1,
                    Err(SendError::Closed) => {}
                    Err(SendError::Full) => {
                        assert!(!closed);
                        assert_eq!(s.queued(), capacity, "refused below capacity");
                    }
                }
            }
            Op::SendAll(n) => {
                let n = u64::from(n % 4);
                let first = check.next_frame;
                let frames: Vec<u64> = (first..first + n).collect();
                if s.send_all(frames.into_iter()).is_ok() {
                    check.next_frame += n;
                }
            }
            Op::Close => s.close(CloseReason::ForcedClose, now),
            Op::Terminate => s.terminate(CloseReason::ServerShuttingDown),
        }
        assert!(s.queued() <= capacity, "outbox over its capacity");
        check.drain(&mut s);
    }
}

/// What the driver has seen so far.
#[derive(Debug, Default)]
struct Checker {
    next_frame: u64,
    last_written: Option<u64>,
    closed_events: usize,
    upgraded: bool,
    get_waiting: bool,
}

impl Checker {
    fn drain(&mut self, s: &mut Session<u64>) {
        let closed_before = self.closed_events > 0;
        while let Some(t) = s.poll_transmit() {
            if closed_before {
                assert_eq!(t.transport, TransportKind::Polling, "a write after close");
                assert_eq!(t.items.len(), 1, "more than a release after close");
            }
            if t.transport == TransportKind::Polling {
                assert!(self.get_waiting, "a polling answer without a GET");
                self.get_waiting = false;
            }
            for item in t.items {
                if let Outgoing::Frame(n) = item {
                    assert!(
                        self.last_written.is_none_or(|last| n > last),
                        "message {n} written twice or out of order"
                    );
                    assert!(n < self.next_frame, "a message that was never sent");
                    self.last_written = Some(n);
                }
            }
        }
        while let Some(e) = s.poll_event() {
            match e {
                Event::Closed(_) => self.closed_events += 1,
                Event::Upgraded => {
                    assert!(!self.upgraded, "upgraded twice");
                    self.upgraded = true;
                    // The driver refuses a GET still waiting once the session upgraded.
                    self.get_waiting = false;
                }
                Event::UpgradeTransmit(_) | Event::UpgradeAborted => {}
            }
        }
        assert!(self.closed_events <= 1, "closed twice");
        assert_eq!(s.is_closed(), self.closed_events == 1);
        if self.upgraded {
            assert_eq!(s.transport(), TransportKind::WebSocket);
        }
        if s.is_closed() {
            assert_eq!(s.poll_timeout(), None, "a deadline after close");
            assert_eq!(s.send(0), Err(SendError::Closed));
        }
    }
}
