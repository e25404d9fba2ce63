//! A bounded queue that keeps one item inline and allocates only for a second one, giving
//! that memory back once drained: an idle session or socket pays for no slots (unlike a
//! channel's first block), and the usual one message in flight allocates nothing. It carries
//! the peer's messages from the engine to the connection, and a socket's events from the
//! connection to the socket's handlers (all in the connection's task, the POSTs of
//! long-polling aside: the queue is what lets a slow handler pause the reading).

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

use std::task::Poll;

use futures_util::task::AtomicWaker;
use tokio::sync::Notify;

/// Many producers, one consumer. It closes when [`Queue::close`] is called, or when the last
/// [`Sender`] is dropped (the queue starts with one implicit sender, given up by
/// [`Queue::release_sender`]).
pub(crate) struct Queue<T> {
    state: Mutex<State<T>>,
    /// The one consumer's waker: cheaper than a `Notify` to wake and to wait on, which
    /// matters as every message passes here.
    readable: AtomicWaker,
    writable: Notify,
    capacity: usize,
}

struct State<T> {
    /// The oldest item, when `items` is empty or holds only younger ones.
    first: Option<T>,
    items: VecDeque<T>,
    closed: bool,
    senders: usize,
}

impl<T> State<T> {
    fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.items.len()
    }

    /// Appends `item` (into `first` when the queue is empty: no allocation).
    fn append(&mut self, item: T) {
        if self.first.is_none() && self.items.is_empty() {
            self.first = Some(item);
        } else {
            self.items.push_back(item);
        }
    }
}

impl<T> std::fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("Queue")
            .field("len", &state.len())
            .field("closed", &state.closed)
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl<T> Queue<T> {
    pub(crate) fn new(capacity: usize) -> Self {
        Queue {
            state: Mutex::new(State {
                first: None,
                items: VecDeque::new(),
                closed: false,
                senders: 1,
            }),
            readable: AtomicWaker::new(),
            writable: Notify::new(),
            capacity: capacity.max(1),
        }
    }

    /// Queues an item, waiting while the queue is full. Fails once the queue is closed.
    pub(crate) async fn push(&self, item: T) -> Result<(), T> {
        if self.reserve().await.is_err() {
            return Err(item);
        }
        self.push_now(item)
    }

    /// Waits until the queue has room; fails once it is closed. With several producers the
    /// room may be taken by another before [`Queue::push_now`]: the bound is then exceeded
    /// by at most one item per producer.
    pub(crate) async fn reserve(&self) -> Result<(), ()> {
        loop {
            let writable = self.writable.notified();
            {
                let state = self.lock();
                if state.closed {
                    return Err(());
                }
                if state.len() < self.capacity {
                    return Ok(());
                }
            }
            writable.await;
        }
    }

    /// Whether an item pushed now would fit.
    pub(crate) fn has_room(&self) -> bool {
        let state = self.lock();
        !state.closed && state.len() < self.capacity
    }

    /// Queues an item if there is room: `Ok(Some(item))` gives it back when the queue is
    /// full, `Err(item)` when it is closed.
    pub(crate) fn try_push(&self, item: T) -> Result<Option<T>, T> {
        let mut state = self.lock();
        if state.closed {
            return Err(item);
        }
        if state.len() >= self.capacity {
            return Ok(Some(item));
        }
        state.append(item);
        drop(state);
        self.readable.wake();
        Ok(None)
    }

    /// Queues an item without waiting for room (after [`Queue::reserve`]).
    pub(crate) fn push_now(&self, item: T) -> Result<(), T> {
        let mut state = self.lock();
        if state.closed {
            return Err(item);
        }
        state.append(item);
        drop(state);
        self.readable.wake();
        Ok(())
    }

    /// The next item, waiting for one; `None` once the queue is closed and empty.
    pub(crate) async fn pop(&self) -> Option<T> {
        std::future::poll_fn(|cx| {
            // Registered before looking: an item pushed after the look wakes it.
            self.readable.register(cx.waker());
            let mut state = self.lock();
            let was_full = state.len() >= self.capacity;
            if let Some(item) = state.first.take().or_else(|| state.items.pop_front()) {
                if state.items.is_empty() {
                    // Give the memory back once drained.
                    state.items = VecDeque::new();
                }
                drop(state);
                // Producers wait only on a full queue.
                if was_full {
                    self.writable.notify_waiters();
                }
                return Poll::Ready(Some(item));
            }
            if state.closed {
                return Poll::Ready(None);
            }
            Poll::Pending
        })
        .await
    }

    /// Refuses further items and wakes both sides; queued items can still be taken.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.readable.wake();
        self.writable.notify_waiters();
    }

    /// A producer's handle: the queue stays open while one exists (or the implicit one).
    pub(crate) fn sender(&self) -> Sender<'_, T> {
        self.lock().senders += 1;
        Sender(self)
    }

    /// Gives up the implicit sender (or a [`Sender`], on drop): the queue closes once the
    /// last one is gone.
    pub(crate) fn release_sender(&self) {
        let mut state = self.lock();
        state.senders = state.senders.saturating_sub(1);
        if state.senders == 0 {
            drop(state);
            self.close();
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A producer's handle of a [`Queue`].
pub(crate) struct Sender<'a, T>(&'a Queue<T>);

impl<T> std::ops::Deref for Sender<'_, T> {
    type Target = Queue<T>;
    fn deref(&self) -> &Queue<T> {
        self.0
    }
}

impl<T> Drop for Sender<'_, T> {
    fn drop(&mut self) {
        self.0.release_sender();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn items_come_out_in_order_and_a_full_queue_waits() {
        let queue = Arc::new(Queue::new(2));
        queue.push(1).await.unwrap();
        queue.push(2).await.unwrap();
        let q = queue.clone();
        let third = tokio::spawn(async move { q.push(3).await.is_ok() });
        tokio::task::yield_now().await;
        assert!(!third.is_finished());
        assert_eq!(queue.pop().await, Some(1));
        assert!(third.await.unwrap());
        assert_eq!(queue.pop().await, Some(2));
        assert_eq!(queue.pop().await, Some(3));
        queue.close();
        assert!(queue.pop().await.is_none());
        assert!(queue.push(4).await.is_err());
    }

    #[tokio::test]
    async fn the_queue_closes_after_the_last_sender_and_keeps_what_they_sent() {
        let queue = Queue::new(4);
        let sender = queue.sender();
        queue.release_sender();
        sender.push("late but kept").await.unwrap();
        drop(sender);
        assert_eq!(queue.pop().await, Some("late but kept"));
        assert_eq!(queue.pop().await, None);
    }

    #[tokio::test]
    async fn one_item_at_a_time_allocates_nothing_and_order_holds() {
        let queue = Queue::new(8);
        for i in 0..3 {
            queue.push(i).await.unwrap();
            assert_eq!(queue.lock().items.capacity(), 0);
            assert_eq!(queue.pop().await, Some(i));
        }
        // The inline item stays first while later ones queue behind it.
        queue.push(10).await.unwrap();
        queue.push(11).await.unwrap();
        assert_eq!(queue.pop().await, Some(10));
        queue.push(12).await.unwrap();
        assert_eq!(queue.pop().await, Some(11));
        assert_eq!(queue.pop().await, Some(12));
    }

    #[test]
    fn try_push_gives_the_item_back_when_full_or_closed() {
        let queue = Queue::new(1);
        assert_eq!(queue.try_push(1), Ok(None));
        assert_eq!(queue.try_push(2), Ok(Some(2)));
        queue.close();
        assert_eq!(queue.try_push(3), Err(3));
    }

    #[tokio::test]
    async fn an_empty_queue_holds_no_memory() {
        let queue = Queue::new(8);
        for i in 0..5 {
            queue.push(i).await.unwrap();
        }
        for _ in 0..5 {
            queue.pop().await;
        }
        assert_eq!(queue.lock().items.capacity(), 0);
    }
}
