//! What the other nodes send this one: messages to act on, answers to its requests.

use std::sync::Arc;
use std::time::Duration;

use sockeye::NamespaceHandle;

use super::Inner;
use crate::cluster_node::{self, ClusterNode, is_response};
use crate::driver::Incoming;
use crate::requests::{AckRequests, PendingRequests};
use crate::wire::cluster::{Body, ClusterMessage};

impl ClusterNode for Inner {
    fn handle(&self) -> &NamespaceHandle {
        &self.handle
    }

    fn respond(&self, requester: &str, body: Body) {
        let channel = format!("{}{requester}#", self.channel);
        if let Err(err) = self
            .driver
            .publish_nowait(channel, self.message(body).encode())
        {
            tracing::debug!(nsp = %self.nsp, %err, "an answer to another node was not sent");
        }
    }

    fn requests_timeout(&self) -> Duration {
        self.timeout
    }

    fn acks(&self) -> &AckRequests {
        &self.acks
    }

    fn pending(&self) -> &PendingRequests<Body> {
        &self.pending
    }
}

impl Inner {
    pub(super) fn on_raw(self: &Arc<Self>, msg: Incoming) {
        let message = match ClusterMessage::decode(&msg.payload) {
            Ok(message) => message,
            Err(err) => {
                tracing::debug!(nsp = %self.nsp, %err, "ignoring a malformed cluster message");
                return;
            }
        };
        if msg.channel == self.response_channel || is_response(&message.body) {
            cluster_node::on_response(&**self, message.body);
        } else if message.uid != self.uid && message.nsp == self.nsp {
            cluster_node::on_message(self, message.uid, message.body, None);
        }
    }
}
