//! A socket's side of connection state recovery: its private id, whether it was recovered,
//! the state it leaves behind, and the packets held back while a restored socket replays
//! what it missed.
//!
//! A restored socket joins its rooms before the server reads the last packets it missed, so
//! that nothing sent meanwhile can pass it by. Until the replay is out, what reaches it live
//! is held here; then the replay goes, the CONNECT answer, and the held packets, without
//! those the replay already carried (known by their offsets).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::adapter::SessionState;
use crate::engine::Frame;
use crate::error::EmitError;

/// The socket's recovery state: two words for a socket that was not restored.
#[derive(Default)]
pub(crate) struct SocketRecovery {
    /// The private id (`pid`), when the server has recovery on.
    pub(super) pid: Option<Box<str>>,
    /// A restored socket's replay (whether it was restored: `socket.recovered`).
    replay: Option<Box<Replay>>,
}

/// What a restored socket holds back while it replays.
struct Replay {
    /// Set until the replay is out: deliveries are held.
    holding: AtomicBool,
    held: Mutex<Vec<Held>>,
}

/// A packet that reached a restored socket during its replay.
struct Held {
    /// Its offset, for a recoverable packet.
    offset: Option<String>,
    frames: Vec<Frame>,
    volatile: bool,
}

impl SocketRecovery {
    /// A fresh socket's: a new private id when recovery is on.
    pub(super) fn fresh(recovery_on: bool) -> SocketRecovery {
        SocketRecovery {
            pid: recovery_on.then(|| crate::id::generate().into_boxed_str()),
            ..SocketRecovery::default()
        }
    }

    /// A restored socket's: the old private id, holding deliveries until the replay is out.
    pub(super) fn restored(state: &SessionState) -> SocketRecovery {
        SocketRecovery {
            pid: Some(state.pid.clone().into_boxed_str()),
            replay: Some(Box::new(Replay {
                holding: AtomicBool::new(true),
                held: Mutex::new(Vec::new()),
            })),
        }
    }

    /// Whether this socket took over a disconnected one's state.
    pub(super) fn recovered(&self) -> bool {
        self.replay.is_some()
    }

    /// Holds a delivery if the replay is not out yet; gives the frames back otherwise.
    pub(super) fn hold<'f>(
        &self,
        frames: &'f [Frame],
        offset: Option<&str>,
        volatile: bool,
    ) -> Option<&'f [Frame]> {
        let Some(replay) = &self.replay else {
            return Some(frames);
        };
        if !replay.holding.load(Ordering::Acquire) {
            return Some(frames);
        }
        let mut held = replay.lock();
        if !replay.holding.load(Ordering::Acquire) {
            return Some(frames);
        }
        held.push(Held {
            offset: offset.map(str::to_owned),
            frames: frames.to_vec(),
            volatile,
        });
        None
    }

    /// Ends the replay: `send_replay` sends the missed packets and the CONNECT answer and returns
    /// the last offset it sent; then the held packets go, but those at or before that
    /// offset, through `send`. Deliveries wait meanwhile, so none overtakes.
    pub(super) fn release(
        &self,
        send_replay: impl FnOnce() -> Option<String>,
        mut send: impl FnMut(&[Frame], bool) -> Result<(), EmitError>,
    ) {
        let Some(replay) = &self.replay else {
            send_replay();
            return;
        };
        let mut held = replay.lock();
        let last = send_replay().and_then(|o| crate::recovery::offset_order(&o));
        for h in held.drain(..) {
            let seen = match (
                &last,
                h.offset.as_deref().and_then(crate::recovery::offset_order),
            ) {
                (Some(last), Some(this)) => this <= *last,
                _ => false,
            };
            if !seen {
                let _ = send(&h.frames, h.volatile);
            }
        }
        *held = Vec::new();
        replay.holding.store(false, Ordering::Release);
    }
}

impl Replay {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Held>> {
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> SessionState {
        SessionState {
            sid: "s".into(),
            pid: "p".into(),
            rooms: vec![],
            data: socketio_proto::Value::Null,
        }
    }

    #[test]
    fn held_packets_follow_the_replay_without_those_it_carried() {
        let recovery = SocketRecovery::restored(&state());
        let frame = |t: &'static str| [Frame::text(t)];
        for (text, offset) in [
            ("a", Some("4")),
            ("v", None),
            ("b", Some("5")),
            ("c", Some("6")),
        ] {
            assert!(recovery.hold(&frame(text), offset, false).is_none(), "held");
        }
        let sent = std::cell::RefCell::new(Vec::new());
        recovery.release(
            || {
                sent.borrow_mut().push("replay up to 5".to_owned());
                Some("5".to_owned())
            },
            |frames, _| {
                sent.borrow_mut()
                    .push(String::from_utf8_lossy(&frames[0].payload()).into_owned());
                Ok(())
            },
        );
        assert_eq!(sent.into_inner(), ["replay up to 5", "v", "c"]);
        assert!(
            recovery.hold(&frame("d"), Some("7"), false).is_some(),
            "no longer held"
        );
    }

    #[test]
    fn stream_ids_compare_as_numbers() {
        use crate::recovery::offset_order;
        assert!(offset_order("1700000000000-10") > offset_order("1700000000000-9"));
        assert!(offset_order("10") > offset_order("9"));
        assert_eq!(offset_order("x-1"), None);
        assert_eq!(offset_order("1-"), None);
    }
}
