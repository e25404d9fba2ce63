//! The one task per session: it sleeps until the session's next deadline, writes websocket
//! output in batches, reads the websocket(s), runs the application's work for the session
//! (when the handler handed it over), and removes the session once it is closed.

use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use engineio_proto::{
    CloseReason, Event, Outgoing, Packet, PacketType, Protocol, Via, binary_prefix_v3,
    decode_binary_v3, decode_packet_v3,
};
use tokio::sync::futures::Notified;
use tokio::time::{Instant, timeout};
use websocket_proto::Message;

use super::app_task::{AppTask, app_woken, poll_work};
use super::frame::Frame;
use super::incoming::{Delivered, Incoming};
use super::server::{EngineShared, SessionTask};
use super::session::{SessionShared, now, queue_packet};
use super::websocket::{self, WsError, WsStream};
use crate::log_limit::warn_limited;
use crate::queue::Sender;

type WsItem = Option<Result<Message, WsError>>;

/// Drives `shared` until it closes, then runs `app` (the application's work for it) to its
/// end. `current` is its websocket when it handshook over one.
pub(crate) async fn drive(
    engine: Arc<EngineShared>,
    shared: Arc<SessionShared>,
    mut current: Option<WsStream>,
    app: Option<SessionTask>,
) {
    let mut app = app.map(|work| AppTask::new(work, shared.clone()));
    let write_limit = engine.config.ping_interval + engine.config.ping_timeout;
    // Boxed: a probe exists only during an upgrade, and the driver is every session's state.
    let mut probe: Option<Box<WsStream>> = None;
    // One timer for the session, moved only when the deadline moves: making a new one on
    // every wake registered and cancelled a timer entry per message.
    let far = || Instant::now() + Duration::from_secs(86_400 * 365);
    let sleep = tokio::time::sleep_until(far());
    tokio::pin!(sleep);
    let mut armed: Option<std::time::Instant> = None;
    // Kept across passes: a wake-up by a read or the timer leaves it registered, instead of
    // registering and removing a waiter on every pass. A notification sent while no waiter
    // is registered is kept by `Notify` for the next one.
    let notified = shared.wake.notified();
    tokio::pin!(notified);
    let mut transport = shared.transport();
    engine.counters.opened(transport);
    loop {
        shared.driver_running();
        // The application's work first: what it sends on a message goes out in this pass.
        poll_work(&mut app);
        let (events, writes, write_bytes, new_probe, upgrading, deadline, tx, quiet) = {
            let mut inner = shared.lock();
            // Batches before events: a close must follow the last messages written.
            let (writes, write_bytes) = inner.take_ws_batches();
            shared.dispatch(&mut inner);
            let events: Vec<Event> = std::iter::from_fn(|| inner.machine.poll_event()).collect();
            // What the timer is set for below: changes wake the driver only for an earlier one.
            let deadline = inner.machine.poll_timeout();
            inner.armed = deadline;
            // The usual pass (no engine event, the application not woken again): the driver
            // counts as sleeping from here, under the lock that took its work, so changes
            // from now on wake it, and it need not lock again before it sleeps.
            let quiet = events.is_empty()
                && shared.driver_may_sleep_locked(&inner, || {
                    app.as_ref().is_some_and(AppTask::is_woken)
                });
            (
                events,
                writes,
                write_bytes,
                inner.probe.take(),
                inner.machine.is_upgrading(),
                deadline,
                shared.sender(&inner),
                quiet,
            )
        };
        let mut closed = None;
        for event in events {
            match event {
                Event::UpgradeTransmit(p) => {
                    if let Some(ws) = probe.as_mut() {
                        queue_packet(ws, &p);
                        // Once per upgrade: boxed, so the timer is not part of every session's state.
                        let sent = Box::pin(timeout(write_limit, ws.flush())).await;
                        if !matches!(sent, Ok(Ok(()))) {
                            shared
                                .lock()
                                .machine
                                .handle_transport_error(Via::Upgrade, now());
                        }
                    }
                }
                Event::UpgradeAborted => {
                    if let Some(ws) = probe.take() {
                        websocket::close(*ws, None);
                    }
                }
                Event::Upgraded => {
                    tracing::debug!(sid = %shared.sid, "upgraded to websocket");
                    engine.counters.upgraded();
                    transport = engineio_proto::TransportKind::WebSocket;
                    current = probe.take().map(|ws| *ws);
                    engine.handler().on_upgrade(shared.sid.as_str());
                }
                Event::Closed(reason) => closed = Some(reason),
            }
        }
        if let Some(ws) = new_probe {
            if upgrading && probe.is_none() && closed.is_none() {
                probe = Some(ws);
            } else {
                websocket::close(*ws, None);
            }
        }
        let writer = current
            .as_mut()
            .filter(|ws| !writes.is_empty() || ws.has_output());
        // Set when a wake-up was taken while the write waited: its work is done by a pass.
        let mut woken = false;
        let outcome = match writer {
            Some(ws) => {
                let waker = (&*shared, notified.as_mut(), &mut woken);
                Some(write_batch(ws, writes, write_limit, waker, &mut app).await)
            }
            None => None,
        };
        if write_bytes > 0 {
            // Written, given up, or with no websocket to go on: no longer held.
            shared.lock().outbox.written(write_bytes);
        }
        match outcome {
            Some(Write::Abandoned) => {
                // Its output is cut mid-frame: nothing more can go on it.
                current = None;
                continue;
            }
            Some(Write::Failed) if closed.is_none() => {
                shared
                    .lock()
                    .machine
                    .handle_transport_error(Via::Current, now());
                continue;
            }
            _ if woken && closed.is_none() => continue,
            _ => {}
        }
        if let Some(reason) = closed {
            finish(&mut current, &mut probe, reason);
            break;
        }

        if !quiet && !shared.driver_may_sleep(|| app.as_ref().is_some_and(AppTask::is_woken)) {
            continue;
        }
        if deadline != armed {
            armed = deadline;
            sleep
                .as_mut()
                .reset(deadline.map(Instant::from_std).unwrap_or_else(far));
        }
        let woke = tokio::select! {
            () = sleep.as_mut() => Wake::Timeout,
            () = notified.as_mut() => {
                notified.set(shared.wake.notified());
                Wake::Notified
            }
            (room, item) = next_with_room(current.as_mut(), tx.as_ref()) => Wake::Read(Via::Current, item, room),
            item = next(probe.as_deref_mut()) => Wake::Read(Via::Upgrade, item, false),
            () = app_woken(app.as_ref().map(AppTask::wake)) => Wake::Notified,
        };
        // Running again: what the read hands the application is handled in the next pass.
        shared.driver_running();
        match woke {
            Wake::Timeout => {
                // A fired timer stays fired: re-arm it on the next pass.
                armed = None;
                shared.lock().machine.handle_timeout(now());
            }
            Wake::Notified => {}
            Wake::Read(via, item, room) => {
                let tx = tx.as_ref().filter(|_| room);
                let mut close = on_read(&shared, via, item, tx);
                if via == Via::Current {
                    // Whole messages the same read brought are taken in this pass too (no
                    // system call: a read that finds nothing costs more than it saves): the
                    // application handles them together, and the answers share one write.
                    let mut ahead = READ_AHEAD;
                    while let (None, Some(ws), Some(tx)) = (close, current.as_mut(), tx) {
                        if ahead == 0 || !tx.has_room() {
                            break;
                        }
                        ahead -= 1;
                        let Some(item) = ws.next_buffered() else {
                            break;
                        };
                        close = on_read(&shared, via, Some(item), Some(tx));
                    }
                }
                if let Some(close) = close {
                    let ws = match via {
                        Via::Current => current.take(),
                        Via::Upgrade => probe.take().map(|ws| *ws),
                    };
                    if let Some(ws) = ws {
                        websocket::close(ws, Some(close));
                    }
                }
            }
        }
    }
    engine.counters.closed(transport);
    engine.remove(&shared);
    // The application's goodbyes (disconnect handlers) after the session is gone.
    if let Some(app) = app {
        app.finish().await;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    Done,
    Failed,
    Abandoned,
}

/// Encodes a batch and writes it at once. Bounded: a peer that stopped reading must not
/// stall the timers for good; and abandoned if the session is closed meanwhile (a slow
/// consumer dropped), so that what it holds is released at once.
async fn write_batch<'a>(
    ws: &mut WsStream,
    mut writes: Vec<Outgoing<Frame>>,
    write_limit: Duration,
    (shared, notified, woken): (&'a SessionShared, Pin<&mut Notified<'a>>, &mut bool),
    app: &mut Option<AppTask>,
) -> Write {
    let v3 = shared.protocol == Protocol::V3;
    for item in writes.drain(..) {
        match item {
            // Protocol 3 binary frames start with the packet type as a byte.
            Outgoing::Frame(f) if v3 && f.is_binary() => {
                let (opcode, payload) = f.ws_parts();
                let mut framed = Vec::with_capacity(payload.len() + 1);
                framed.push(binary_prefix_v3(PacketType::Message));
                framed.extend_from_slice(payload);
                ws.queue(opcode, &framed, f.compressible());
            }
            Outgoing::Frame(f) => {
                let (opcode, payload) = f.ws_parts();
                ws.queue(opcode, payload, f.compressible());
            }
            Outgoing::Packet(p) => queue_packet(ws, &p),
        }
    }
    // Encoded: its buffer goes back to the thread's spares for the next batch.
    super::recycle::give_batch(writes);
    let batch = ws.flush();
    // Most batches go out at once; only one that waits gets a timer.
    let mut batch = std::pin::pin!(batch);
    let first = std::future::poll_fn(|cx| Poll::Ready(batch.as_mut().poll(cx))).await;
    match first {
        Poll::Ready(Ok(())) => Write::Done,
        Poll::Ready(Err(_)) => Write::Failed,
        Poll::Pending => {
            // Rare: boxed, so its timer is not part of every session's state.
            let mut bounded = Box::pin(timeout(write_limit, batch));
            let closed = closed_meanwhile(shared, notified, woken);
            tokio::pin!(closed);
            // Waiting: a close must wake it.
            shared.driver_waiting();
            let written = loop {
                // The application's work goes on while its peer is slow to read.
                tokio::select! {
                    written = &mut bounded => break match written {
                        Ok(Ok(())) => Write::Done,
                        _ => Write::Failed,
                    },
                    () = &mut closed => break Write::Abandoned,
                    () = app_woken(app.as_ref().map(AppTask::wake)) => poll_work(app),
                }
            };
            // Left marked sleeping: the pass after it looks at everything again.
            written
        }
    }
}

/// Resolves once the session is closed, waking on the driver's notifications (and noting
/// in `woken` that it took one).
async fn closed_meanwhile<'a>(
    shared: &'a SessionShared,
    mut notified: Pin<&mut Notified<'a>>,
    woken: &mut bool,
) {
    loop {
        if shared.is_closed() {
            return;
        }
        notified.as_mut().await;
        notified.set(shared.wake.notified());
        *woken = true;
    }
}

enum Wake {
    Timeout,
    Notified,
    /// A websocket read, and whether the application's queue had room for it.
    Read(Via, WsItem, bool),
}

/// The next message of the current websocket, read only once the application's queue has
/// room for it: a slow application slows the peer down, while the timers keep running.
async fn next_with_room(
    ws: Option<&mut WsStream>,
    tx: Option<&Sender<'_, Delivered>>,
) -> (bool, WsItem) {
    let Some(ws) = ws else {
        return std::future::pending().await;
    };
    let room = match tx {
        Some(tx) => tx.reserve().await.is_ok(),
        None => false,
    };
    (room, ws.next().await)
}

/// Messages read in one pass at most, after the one that woke the driver.
const READ_AHEAD: usize = 63;

/// The next websocket message, or never when there is no websocket.
async fn next(ws: Option<&mut WsStream>) -> WsItem {
    match ws {
        Some(ws) => ws.next().await,
        None => std::future::pending().await,
    }
}

/// Handles what a websocket read gave. Returns the close code and reason when the websocket
/// must be closed for breaking the framing rules.
fn on_read(
    shared: &SessionShared,
    via: Via,
    item: WsItem,
    tx: Option<&Sender<'_, Delivered>>,
) -> Option<(u16, &'static str)> {
    let packet = match item {
        Some(Ok(Message::Text(t))) => {
            // The frame's buffer (its own, as read) becomes the message's text: no copy.
            let decoded = match shared.protocol {
                Protocol::V4 => Packet::decode_text_frame(t),
                // The framing layer validated the UTF-8 already; checking again is cheap.
                Protocol::V3 => decode_packet_v3(std::str::from_utf8(&t).unwrap_or_default()),
            };
            match decoded {
                Ok(p) => p,
                Err(e) => {
                    tracing::debug!(sid = %shared.sid, error = %e, "undecodable websocket frame");
                    shared.lock().machine.handle_decode_error(via, now());
                    return None;
                }
            }
        }
        Some(Ok(Message::Binary(b))) if shared.protocol == Protocol::V3 => {
            match decode_binary_v3(b) {
                Ok(p) => p,
                Err(e) => {
                    tracing::debug!(sid = %shared.sid, error = %e, "undecodable websocket frame");
                    shared.lock().machine.handle_decode_error(via, now());
                    return None;
                }
            }
        }
        Some(Ok(Message::Binary(b))) => Packet::decode_binary(b),
        // A ping's pong is queued by the stream and written on the next pass.
        Some(Ok(Message::Ping(_) | Message::Pong(_))) => return None,
        Some(Ok(Message::Close(_))) | None => {
            shared.lock().machine.handle_transport_closed(via, now());
            return None;
        }
        Some(Err(WsError::Protocol(e))) => {
            let close = if e == websocket_proto::Error::TooBig {
                warn_limited!(sid = %shared.sid, "websocket message above maxHttpBufferSize");
                websocket::TOO_BIG
            } else {
                tracing::debug!(sid = %shared.sid, error = %e, "websocket protocol error");
                (e.close_code(), "")
            };
            shared.lock().machine.handle_transport_error(via, now());
            return Some(close);
        }
        Some(Err(e)) => {
            tracing::debug!(sid = %shared.sid, error = %e, "websocket error");
            shared.lock().machine.handle_transport_error(via, now());
            return None;
        }
    };
    let (data, request) = {
        let mut inner = shared.lock();
        inner.catch_up();
        let data = inner.machine.handle_packet(packet, via, now());
        (data, inner.ws_request.clone())
    };
    if let (Some(tx), Some(data)) = (tx, data) {
        // A refusal means the application dropped its stream: the message has nobody to go to.
        let _ = tx.push_now(Delivered {
            msg: Incoming::from_packet(data),
            request,
        });
    }
    None
}

fn finish(current: &mut Option<WsStream>, probe: &mut Option<Box<WsStream>>, reason: CloseReason) {
    tracing::debug!(reason = reason.as_str(), "engine.io session ended");
    for ws in [current.take(), probe.take().map(|ws| *ws)]
        .into_iter()
        .flatten()
    {
        websocket::close(ws, None);
    }
}
