//! Emits made while the namespace is not joined: counted against the offline buffer
//! (`Options::max_buffered_bytes`) before they reach the driver, which keeps them until the
//! namespace is joined. An emit that would not fit fails at once, in the caller's hands.

use socketio_proto::Packet;

use super::{Socket, SocketShared};
use crate::error::EmitError;
use crate::manager::{Command, encoded_len};

impl SocketShared {
    /// Counts a non-volatile packet against the offline buffer when the namespace is not
    /// joined now; returns the bytes counted (0 when it should go out at once).
    fn reserve(&self, packet: &Packet, volatile: bool) -> Result<usize, EmitError> {
        if volatile || self.link.state().connected {
            return Ok(0);
        }
        let limit = self.options.max_buffered_bytes;
        let size = encoded_len(packet, self.options.parser);
        if self.link.offline.try_add(size, limit) {
            Ok(size)
        } else {
            Err(EmitError::BufferFull { limit })
        }
    }
}

impl Socket {
    /// Hands a packet to the driver: sent now if the namespace is joined, kept for later if
    /// not (unless `volatile`), refused if the offline buffer has no room for it.
    pub(crate) fn send_packet(&self, packet: Packet, volatile: bool) -> Result<(), EmitError> {
        let reserved = self.shared.reserve(&packet, volatile)?;
        self.command(Command::Packet {
            packet,
            volatile,
            reserved,
        })
        .inspect_err(|_| self.shared.link.offline.release(reserved))
    }
}
