//! Random walks through the session's inputs and the decoders: no panic, invariants kept.

use std::time::{Duration, Instant};

// The workspace's one test generator: rand's, seeded, so every run walks the same way.
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

use super::tests::{config, open};
use super::*;

/// Any sequence of inputs: no panic, one `Closed` at most, nothing but a GET release after it,
/// and never a deadline in the past left unhandled.
#[test]
fn random_inputs_keep_the_invariants() {
    let kinds = [
        PacketType::Open,
        PacketType::Close,
        PacketType::Ping,
        PacketType::Pong,
        PacketType::Message,
        PacketType::Upgrade,
        PacketType::Noop,
    ];
    for seed in 1..200u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut now = Instant::now();
        let transport = if seed % 2 == 0 {
            TransportKind::Polling
        } else {
            TransportKind::WebSocket
        };
        let mut s = Session::<u32>::new(config(), transport, open(), now);
        let mut closed = 0;
        for step in 0..300 {
            now += Duration::from_millis(rng.random_range(0..120));
            let via = if rng.random_range(0..3) == 0 {
                Via::Upgrade
            } else {
                Via::Current
            };
            match rng.random_range(0..12) {
                0 => {
                    let _ = s.handle_poll_request(now);
                }
                1 => s.handle_poll_aborted(now),
                2 => {
                    let _ = s.handle_upgrade_request(now);
                }
                3 => s.handle_transport_closed(via, now),
                4 => s.handle_transport_error(via, now),
                5 => s.handle_decode_error(via, now),
                6 => {
                    let _ = s.send(step);
                }
                7 => s.close(CloseReason::ForcedClose, now),
                8 => {
                    let kind = kinds[rng.random_range(0..7) as usize];
                    let p = if rng.random_range(0..2) == 0 {
                        Packet::new(kind)
                    } else {
                        Packet::with_text(kind, "probe")
                    };
                    let _ = s.handle_packet(p, via, now);
                }
                _ => {
                    if s.poll_timeout().is_some_and(|t| t <= now) {
                        s.handle_timeout(now);
                    }
                }
            }
            let was_closed = closed > 0;
            while let Some(t) = s.poll_transmit() {
                if was_closed {
                    assert_eq!(t.transport, TransportKind::Polling, "seed {seed}");
                    assert_eq!(t.items.len(), 1, "seed {seed}");
                }
            }
            while let Some(e) = s.poll_event() {
                if matches!(e, Event::Closed(_)) {
                    closed += 1;
                }
            }
            assert!(closed <= 1, "seed {seed}: closed twice");
            assert_eq!(s.is_closed(), closed == 1, "seed {seed}");
            if s.is_closed() {
                assert_eq!(s.poll_timeout(), None);
                assert_eq!(s.send(0), Err(SendError::Closed));
            }
        }
    }
}

#[test]
fn random_text_never_panics_the_decoder() {
    let mut rng = StdRng::seed_from_u64(42);
    let alphabet: Vec<char> = "0123456b789aAZ+/=-_\u{1e}€ \u{0}".chars().collect();
    for _ in 0..20_000 {
        let len = rng.random_range(0..12) as usize;
        let text: String = (0..len)
            .map(|_| alphabet[rng.random_range(0..alphabet.len() as u64) as usize])
            .collect();
        for p in crate::decode_payload(&text).flatten() {
            // Whatever decodes encodes back to something that decodes to the same packet.
            assert_eq!(Packet::decode_text(&p.encode_text()).unwrap(), p);
        }
    }
}
