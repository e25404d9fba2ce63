//! The events of one socket waiting for its handlers: bounded, and allocating nothing until
//! the first event (an idle socket pays for no slots, unlike a channel's first block).

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::Notify;

use super::SocketEvent;

/// A single-producer (the connection task), single-consumer (the socket task) queue.
pub(crate) struct EventQueue {
    state: Mutex<State>,
    readable: Notify,
    writable: Notify,
    capacity: usize,
}

struct State {
    items: VecDeque<SocketEvent>,
    closed: bool,
}

impl EventQueue {
    pub(crate) fn new(capacity: usize) -> Self {
        EventQueue {
            state: Mutex::new(State {
                items: VecDeque::new(),
                closed: false,
            }),
            readable: Notify::new(),
            writable: Notify::new(),
            capacity: capacity.max(1),
        }
    }

    /// Queues an event, waiting while the queue is full. Fails once the queue is closed.
    pub(crate) async fn push(&self, event: SocketEvent) -> Result<(), SocketEvent> {
        let mut event = Some(event);
        loop {
            {
                let mut state = self.lock();
                if state.closed {
                    return Err(event.take().unwrap_or_else(SocketEvent::empty));
                }
                if state.items.len() < self.capacity {
                    if let Some(event) = event.take() {
                        state.items.push_back(event);
                    }
                    drop(state);
                    // notify_one keeps a permit when the consumer is not waiting yet.
                    self.readable.notify_one();
                    return Ok(());
                }
            }
            self.writable.notified().await;
        }
    }

    /// The next event, waiting for one; `None` once the queue is closed and empty.
    pub(crate) async fn pop(&self) -> Option<SocketEvent> {
        loop {
            {
                let mut state = self.lock();
                if let Some(event) = state.items.pop_front() {
                    if state.items.is_empty() {
                        // Give the memory back once drained: an idle socket holds no slots.
                        state.items = VecDeque::new();
                    }
                    drop(state);
                    self.writable.notify_one();
                    return Some(event);
                }
                if state.closed {
                    return None;
                }
            }
            self.readable.notified().await;
        }
    }

    /// Refuses further events and wakes both sides.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.readable.notify_one();
        self.writable.notify_one();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u64) -> SocketEvent {
        SocketEvent {
            args: Vec::new(),
            id: Some(n),
        }
    }

    #[tokio::test]
    async fn events_come_out_in_order_and_a_full_queue_waits() {
        let queue = std::sync::Arc::new(EventQueue::new(2));
        queue.push(event(1)).await.unwrap();
        queue.push(event(2)).await.unwrap();
        let q = queue.clone();
        let third = tokio::spawn(async move { q.push(event(3)).await.is_ok() });
        tokio::task::yield_now().await;
        assert!(!third.is_finished());
        assert_eq!(queue.pop().await.and_then(|e| e.id), Some(1));
        assert!(third.await.unwrap());
        assert_eq!(queue.pop().await.and_then(|e| e.id), Some(2));
        assert_eq!(queue.pop().await.and_then(|e| e.id), Some(3));
        queue.close();
        assert!(queue.pop().await.is_none());
        assert!(queue.push(event(4)).await.is_err());
    }
}
