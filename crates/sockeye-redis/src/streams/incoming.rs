//! What the other nodes send this one: stream entries and published messages to act on,
//! answers to its requests.

use std::sync::Arc;
use std::time::Duration;

use sockeye::NamespaceHandle;

use super::Inner;
use crate::cluster_node::{self, ClusterNode};
use crate::requests::{AckRequests, PendingRequests};
use crate::wire::cluster::{Body, ClusterMessage};
use crate::wire::streams::{StreamEntry, decode_entry, decode_published, encode_published};

impl ClusterNode for Inner {
    fn handle(&self) -> &NamespaceHandle {
        &self.handle
    }

    fn respond(&self, requester: &str, body: Body) {
        let channel = format!("{}{requester}#", self.channel);
        let payload = encode_published(&self.message(body));
        if let Err(err) = self.driver.publish_nowait(channel, payload) {
            tracing::debug!(nsp = %self.nsp, %err, "an answer to another node was not sent");
        }
    }

    fn requests_timeout(&self) -> Duration {
        self.config.requests_timeout
    }

    fn acks(&self) -> &AckRequests {
        &self.acks
    }

    fn pending(&self) -> &PendingRequests<Body> {
        &self.pending
    }
}

impl Inner {
    /// A stream entry: its id is the offset of a broadcast.
    pub(super) fn on_entry(self: &Arc<Self>, entry: &StreamEntry) {
        match decode_entry(entry) {
            Ok(message) => self.on_message(message, Some(&entry.id)),
            Err(err) => tracing::debug!(nsp = %self.nsp, %err, "ignoring a malformed stream entry"),
        }
    }

    /// A message on the namespace channel or on this node's own.
    pub(super) fn on_published(self: &Arc<Self>, payload: &[u8]) {
        match decode_published(payload) {
            Ok(message) => self.on_message(message, None),
            Err(err) => tracing::debug!(nsp = %self.nsp, %err, "ignoring a malformed message"),
        }
    }

    /// As the reference: what this node sent, or another namespace's, is ignored.
    fn on_message(self: &Arc<Self>, message: ClusterMessage, offset: Option<&str>) {
        if message.uid == self.uid || message.nsp != self.nsp {
            return;
        }
        cluster_node::on_message(self, message.uid, message.body, offset);
    }
}
