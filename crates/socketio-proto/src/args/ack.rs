//! The callback a peer asked for when it emitted with an acknowledgement, the same on both
//! ends: each names it over its own socket type (`sockeye::Ack`, `sockeye_client::Ack`).

use serde::Serialize;

use super::to_args;
use crate::{Value, ValueError};

/// What an [`Ack`] answers through: a socket, which sends the ACK packet its own way.
pub trait AckSink: Clone {
    /// Why an answer did not go out. It is made from a payload that does not serialize, as
    /// an emit's error is (both ends' `EmitError: From<ValueError>`).
    type Error: std::fmt::Display + From<ValueError>;

    /// Sends an ACK packet answering `id` with `args`.
    fn send_ack(&self, id: u64, args: Vec<Value>) -> Result<(), Self::Error>;

    /// The error for an answer that does not serialize: the `From` conversion.
    fn serialize_error(error: ValueError) -> Self::Error {
        error.into()
    }
}

/// The callback the peer asked for when it emitted with an acknowledgement. Passed to an
/// event handler; answering consumes it, so it answers at most once, as in the reference.
pub struct Ack<S> {
    target: Option<(S, u64)>,
}

impl<S: AckSink> Ack<S> {
    /// The callback for an event that came with ack `id` on `socket`; `None`: the peer asked
    /// for no answer, and answering does nothing. Built by the socket that received the
    /// event.
    #[doc(hidden)]
    pub fn new(socket: &S, id: Option<u64>) -> Ack<S> {
        Ack {
            target: id.map(|id| (socket.clone(), id)),
        }
    }

    /// Whether the peer asked for an acknowledgement.
    pub fn requested(&self) -> bool {
        self.target.is_some()
    }

    /// Answers the peer, like calling the callback in JavaScript: a tuple sends several
    /// arguments, `()` none, anything else (`null` included) one. Does nothing when the
    /// peer did not ask for an answer.
    ///
    /// Returns nothing, as the reference's callback: the ack is answered at most once, so a
    /// caller has nothing to retry. A payload that does not serialize is a bug in the
    /// program and is logged at `warn`; a socket that is gone is logged at `debug`. Use
    /// [`try_send`](Ack::try_send) to see the error.
    pub fn send<T: Serialize + ?Sized>(self, data: &T) {
        let Some((socket, id)) = self.target else {
            return;
        };
        let result = match to_args(data) {
            Ok(args) => socket.send_ack(id, args),
            Err(err) => {
                let err = S::serialize_error(err);
                tracing::warn!(%err, "acknowledgement not sent");
                return;
            }
        };
        if let Err(err) = result {
            tracing::debug!(%err, "acknowledgement not sent");
        }
    }

    /// [`send`](Ack::send), telling why the answer did not reach the transport.
    pub fn try_send<T: Serialize + ?Sized>(self, data: &T) -> Result<(), S::Error> {
        let Some((socket, id)) = self.target else {
            return Ok(());
        };
        let args = to_args(data).map_err(S::serialize_error)?;
        socket.send_ack(id, args)
    }
}

impl<S> std::fmt::Debug for Ack<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ack")
            .field("id", &self.target.as_ref().map(|(_, id)| *id))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// An ACK as sent: the id and the arguments.
    type Sent = (u64, Vec<Value>);

    /// A socket that records the acks it sends, or refuses them once closed.
    #[derive(Clone, Default)]
    struct Sink {
        sent: Arc<Mutex<Vec<Sent>>>,
        closed: bool,
    }

    /// The sink's error: a message.
    #[derive(Debug, PartialEq)]
    struct Refused(String);

    impl std::fmt::Display for Refused {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&self.0)
        }
    }

    impl From<ValueError> for Refused {
        fn from(error: ValueError) -> Self {
            Refused(format!("serialize: {error}"))
        }
    }

    impl AckSink for Sink {
        type Error = Refused;
        fn send_ack(&self, id: u64, args: Vec<Value>) -> Result<(), Refused> {
            if self.closed {
                return Err(Refused("closed".into()));
            }
            if let Ok(mut sent) = self.sent.lock() {
                sent.push((id, args));
            }
            Ok(())
        }
    }

    fn sent(sink: &Sink) -> Vec<Sent> {
        sink.sent.lock().map(|v| v.clone()).unwrap_or_default()
    }

    #[test]
    fn answers_once_with_the_argument_rules() {
        let sink = Sink::default();
        let ack = Ack::new(&sink, Some(3));
        assert!(ack.requested());
        assert_eq!(format!("{ack:?}"), "Ack { id: Some(3) }");
        ack.send(&("ok", 2));
        Ack::new(&sink, Some(4)).send(&());
        assert_eq!(
            Ack::new(&sink, Some(5)).try_send(&Option::<u8>::None),
            Ok(())
        );
        assert_eq!(
            sent(&sink),
            vec![
                (3, vec![Value::from("ok"), Value::from(2)]),
                (4, vec![]),
                (5, vec![Value::Null]),
            ]
        );
    }

    #[test]
    fn no_request_sends_nothing() {
        let sink = Sink::default();
        let ack = Ack::new(&sink, None);
        assert!(!ack.requested());
        assert_eq!(ack.try_send(&"ignored"), Ok(()));
        Ack::new(&sink, None).send(&"ignored");
        assert!(sent(&sink).is_empty());
    }

    #[test]
    fn errors_are_the_sockets() {
        let closed = Sink {
            closed: true,
            ..Sink::default()
        };
        assert_eq!(
            Ack::new(&closed, Some(1)).try_send(&1),
            Err(Refused("closed".to_owned()))
        );
        // A map with non-string keys does not serialize to JSON.
        let bad: std::collections::HashMap<(u8, u8), u8> = [((1, 2), 3)].into();
        let err = Ack::new(&Sink::default(), Some(1)).try_send(&bad);
        assert!(err.is_err_and(|e| e.0.starts_with("serialize: ")));
        // `send` swallows both (and logs them).
        Ack::new(&closed, Some(2)).send(&1);
    }
}
