//! Spare write buffers, kept per thread. A session releases its websocket output buffer and
//! its batch of outgoing messages once they are written, so that an idle session holds
//! neither; the next write on the same thread takes them back instead of allocating (two
//! allocations per delivery otherwise). Only small ones are kept, so what a thread holds is
//! bounded: [`KEPT_OUTPUT`] output buffers of at most [`MAX_OUTPUT`] bytes (one is enough:
//! a session's task encodes, writes and gives it back), and [`KEPT_BATCHES`] batch buffers
//! of at most [`MAX_BATCH`] messages (a broadcast fills one per receiver before any is
//! written: 192 KiB when all are kept, as a queue's first allocation holds 4 messages of 48
//! bytes; 384 KiB at most).

use std::cell::RefCell;
use std::thread::LocalKey;

use bytes::BytesMut;
use engineio_proto::Outgoing;

use super::frame::Frame;

/// Spare output buffers a thread keeps.
const KEPT_OUTPUT: usize = 16;
/// Spare batch buffers a thread keeps.
const KEPT_BATCHES: usize = 1024;
/// The largest output buffer kept (larger ones are freed).
const MAX_OUTPUT: usize = 64 * 1024;
/// The largest batch buffer kept, in messages (a queue's first allocation holds 4).
const MAX_BATCH: usize = 8;

type Batch = Vec<Outgoing<Frame>>;

thread_local! {
    static OUTPUT: RefCell<Vec<BytesMut>> = const { RefCell::new(Vec::new()) };
    static BATCHES: RefCell<Vec<Batch>> = const { RefCell::new(Vec::new()) };
}

/// A spare output buffer (empty), or a new unallocated one.
pub(crate) fn take_output() -> BytesMut {
    take(&OUTPUT).unwrap_or_default()
}

/// Keeps `buf` (emptied) for a later write, unless enough are kept or it is too large.
pub(crate) fn give_output(mut buf: BytesMut) {
    if buf.capacity() == 0 || buf.capacity() > MAX_OUTPUT {
        return;
    }
    buf.clear();
    keep(&OUTPUT, buf, KEPT_OUTPUT);
}

/// A spare batch buffer (empty), if one is kept.
pub(crate) fn take_batch() -> Option<Batch> {
    take(&BATCHES)
}

/// Keeps `batch` (emptied) for a later one, unless enough are kept or it is too large.
pub(crate) fn give_batch(mut batch: Batch) {
    if batch.capacity() == 0 || batch.capacity() > MAX_BATCH {
        return;
    }
    batch.clear();
    keep(&BATCHES, batch, KEPT_BATCHES);
}

/// The last spare of `spares` (none while the thread is being torn down).
fn take<T: 'static>(spares: &'static LocalKey<RefCell<Vec<T>>>) -> Option<T> {
    spares
        .try_with(|spare| spare.borrow_mut().pop())
        .ok()
        .flatten()
}

/// Adds `item` to `spares` unless `kept` are there already.
fn keep<T: 'static>(spares: &'static LocalKey<RefCell<Vec<T>>>, item: T, kept: usize) {
    let _ = spares.try_with(|spare| {
        let mut spare = spare.borrow_mut();
        if spare.len() < kept {
            spare.push(item);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_empty_and_what_is_kept_is_bounded() {
        let mut buf = BytesMut::with_capacity(100);
        buf.extend_from_slice(b"written");
        give_output(buf);
        let again = take_output();
        assert!(again.is_empty());
        assert!(again.capacity() >= 100);
        // Nothing kept: a new, unallocated buffer.
        assert_eq!(take_output().capacity(), 0);

        for _ in 0..KEPT_OUTPUT + 5 {
            give_output(BytesMut::with_capacity(16));
        }
        give_output(BytesMut::with_capacity(MAX_OUTPUT + 1));
        let mut kept = 0;
        while take_output().capacity() > 0 {
            kept += 1;
        }
        assert_eq!(kept, KEPT_OUTPUT);

        let mut batch = Vec::with_capacity(4);
        batch.push(Outgoing::Frame(Frame::text("a")));
        give_batch(batch);
        give_batch(Vec::with_capacity(MAX_BATCH + 1));
        let again = take_batch().map(|b| (b.len(), b.capacity() >= 4));
        assert_eq!(again, Some((0, true)));
        assert!(take_batch().is_none());
        // The bound in the module's doc: a batch buffer kept is small.
        assert!(MAX_BATCH * std::mem::size_of::<Outgoing<Frame>>() * KEPT_BATCHES <= 384 * 1024);
    }
}
