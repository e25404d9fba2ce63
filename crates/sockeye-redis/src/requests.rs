//! The bookkeeping of requests to the other nodes, shared by every adapter: requests waiting
//! for one answer per other node, and broadcasts whose acknowledgements are routed back to
//! the namespace until their deadline.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sockeye::{AdapterError, ClusterAck};
use tokio::sync::{mpsc, oneshot};

/// Requests waiting for the other nodes' answers, by request id. `K` is what a request
/// remembers to read its answers with (the classic protocol's request type), `T` an answer.
pub(crate) struct PendingRequests<T, K = ()> {
    map: Mutex<HashMap<String, Pending<T, K>>>,
}

struct Pending<T, K> {
    kind: K,
    /// Answers still owed.
    left: usize,
    answers: Vec<T>,
    done: Option<oneshot::Sender<Vec<T>>>,
}

impl<T, K: Copy> PendingRequests<T, K> {
    pub(crate) fn new() -> Self {
        PendingRequests {
            map: Mutex::new(HashMap::new()),
        }
    }

    /// Asks the other nodes: counts them with `others`, publishes with `publish` (given the
    /// request id) and collects one answer per other node, all within `timeout`. Nothing is
    /// published when there is no other node.
    pub(crate) async fn ask<O, P>(
        &self,
        id: String,
        kind: K,
        timeout: Duration,
        others: O,
        publish: impl FnOnce(String) -> P,
    ) -> Result<Vec<T>, AdapterError>
    where
        O: Future<Output = Result<usize, AdapterError>>,
        P: Future<Output = Result<(), AdapterError>>,
    {
        // forgets the request however this ends: answered, failed, timed out or dropped
        let _guard = Forget {
            requests: self,
            id: id.clone(),
        };
        let work = async {
            let others = others.await?;
            if others == 0 {
                return Ok(Vec::new());
            }
            let (tx, rx) = oneshot::channel();
            if let Ok(mut map) = self.map.lock() {
                map.insert(
                    id.clone(),
                    Pending {
                        kind,
                        left: others,
                        answers: Vec::new(),
                        done: Some(tx),
                    },
                );
            }
            publish(id.clone()).await?;
            rx.await
                .map_err(|_| AdapterError::Transport("the request was dropped".into()))
        };
        tokio::time::timeout(timeout, work)
            .await
            .unwrap_or(Err(AdapterError::Timeout))
    }

    /// Whether `id` is one of this node's requests still waiting.
    pub(crate) fn contains(&self, id: &str) -> bool {
        self.map.lock().is_ok_and(|m| m.contains_key(id))
    }

    /// What request `id` remembered, while it waits.
    pub(crate) fn kind(&self, id: &str) -> Option<K> {
        self.map.lock().ok()?.get(id).map(|p| p.kind)
    }

    /// One node answered request `id` (`None`: an answer that did not read, which still
    /// counts, as in the reference). The request completes with the last one owed.
    pub(crate) fn answer(&self, id: &str, answer: Option<T>) {
        let Ok(mut map) = self.map.lock() else {
            return;
        };
        let Some(request) = map.get_mut(id) else {
            return;
        };
        if let Some(answer) = answer {
            request.answers.push(answer);
        }
        request.left = request.left.saturating_sub(1);
        if request.left == 0 {
            if let Some(done) = request.done.take() {
                let _ = done.send(std::mem::take(&mut request.answers));
            }
            map.remove(id);
        }
    }

    fn forget(&self, id: &str) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(id);
        }
    }
}

struct Forget<'a, T, K: Copy> {
    requests: &'a PendingRequests<T, K>,
    id: String,
}

impl<T, K: Copy> Drop for Forget<'_, T, K> {
    fn drop(&mut self) {
        self.requests.forget(&self.id);
    }
}

/// Broadcasts with acknowledgements sent to the other nodes: where their counts and answers
/// go, by request id, until the broadcast's deadline.
#[derive(Clone, Default)]
pub(crate) struct AckRequests {
    map: Arc<Mutex<HashMap<String, mpsc::UnboundedSender<ClusterAck>>>>,
}

impl AckRequests {
    /// Routes the answers to request `id` to `acks` for `wait`. The answers cannot be told
    /// complete here (the namespace counts them): the sender is dropped at the deadline,
    /// which tells the namespace to stop waiting.
    pub(crate) fn register(
        &self,
        id: String,
        acks: mpsc::UnboundedSender<ClusterAck>,
        wait: Duration,
    ) {
        if let Ok(mut map) = self.map.lock() {
            map.insert(id.clone(), acks);
        }
        let map = Arc::downgrade(&self.map);
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            if let Some(map) = map.upgrade() {
                if let Ok(mut map) = map.lock() {
                    map.remove(&id);
                }
            }
        });
    }

    /// Whether `id` is one of this node's broadcasts still listening.
    pub(crate) fn contains(&self, id: &str) -> bool {
        self.map.lock().is_ok_and(|m| m.contains_key(id))
    }

    /// Hands `ack` to broadcast `id`; false when it is not (or no longer) listening.
    pub(crate) fn send(&self, id: &str, ack: ClusterAck) -> bool {
        let sender = self.map.lock().ok().and_then(|m| m.get(id).cloned());
        match sender {
            Some(sender) => {
                let _ = sender.send(ack);
                true
            }
            None => false,
        }
    }

    /// Stops listening for broadcast `id`.
    pub(crate) fn remove(&self, id: &str) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(id);
        }
    }

    /// Stops listening for every broadcast (the adapter closes).
    pub(crate) fn clear(&self) {
        if let Ok(mut map) = self.map.lock() {
            map.clear();
        }
    }
}
