//! The count behind a socket's offline buffer: emits made while its namespace is not joined
//! are kept by the driver, to go out once it is, up to `Options::max_buffered_bytes` of
//! encoded packets. The count is shared with the socket so that an emit that would not fit
//! fails at once, in the caller's hands, rather than being dropped later in the driver.

use std::sync::atomic::{AtomicUsize, Ordering};

use socketio_proto::{Packet, Parser};

/// The bytes of packets headed for, or held in, one namespace's offline buffer.
#[derive(Debug, Default)]
pub(crate) struct OfflineBytes(AtomicUsize);

impl OfflineBytes {
    /// Counts `size` more bytes if the total stays within `limit`.
    pub(crate) fn try_add(&self, size: usize, limit: usize) -> bool {
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(size).filter(|&total| total <= limit)
            })
            .is_ok()
    }

    /// Forgets `size` bytes (sent, or cleared).
    pub(crate) fn release(&self, size: usize) {
        let _ = self
            .0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                Some(used.saturating_sub(size))
            });
    }
}

/// The bytes `packet` counts for: its length on the wire with `parser`.
pub(crate) fn encoded_len(packet: &Packet, parser: Parser) -> usize {
    match parser {
        Parser::Msgpack => socketio_proto::encode_msgpack(packet).len(),
        _ => {
            let encoded = socketio_proto::encode(packet);
            encoded.text.len() + encoded.attachments.iter().map(|a| a.len()).sum::<usize>()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_counted_up_to_the_limit() {
        let bytes = OfflineBytes::default();
        assert!(bytes.try_add(60, 100));
        assert!(bytes.try_add(40, 100));
        assert!(!bytes.try_add(1, 100));
        bytes.release(50);
        assert!(bytes.try_add(50, 100));
        assert!(!bytes.try_add(usize::MAX, usize::MAX));
        bytes.release(1000);
        assert!(bytes.try_add(100, 100));
    }

    #[test]
    fn a_packet_counts_for_its_wire_length() {
        let packet = Packet::new(
            "/",
            socketio_proto::PacketData::Event {
                args: vec!["e".into(), bytes::Bytes::from_static(&[1, 2, 3]).into()],
                id: None,
            },
        );
        // 451-["e",{"_placeholder":true,"num":0}] and the 3-byte attachment.
        let text = socketio_proto::encode(&packet).text;
        assert_eq!(encoded_len(&packet, Parser::Json), text.len() + 3);
        assert!(encoded_len(&packet, Parser::Msgpack) > 3);
    }
}
