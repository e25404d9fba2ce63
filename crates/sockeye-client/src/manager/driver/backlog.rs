//! Handing events to the sockets' handlers without holding without bound what a slow handler
//! has not taken: each socket's queue holds `Options::max_queued_bytes` of events (their size
//! on the wire); an event that does not fit waits here, in order, and reading pauses until
//! the handlers catch up.
//!
//! Only what is read pauses. Commands (what handlers emit) and the driver's own requests
//! coming back (a POST done) go on, and ACK packets are answered on the spot as they are read,
//! never queued: a handler awaiting an acknowledgement gets it while its queue is full.

use super::Driver;
use crate::manager::SocketEvent;

impl Driver {
    /// Hands `event` (`size` bytes; 0 for a notice) to the handlers of `nsp`, behind those
    /// already waiting for room.
    pub(super) fn hand_to_socket(&mut self, nsp: &str, event: SocketEvent, size: usize) {
        let Some(link) = self.shared.link(nsp) else {
            return;
        };
        let entry = self.nsps.entry(nsp.to_owned()).or_default();
        let event = if entry.backlog.is_empty() {
            match link.try_send_event(event, size) {
                Ok(()) => return,
                Err(event) => event,
            }
        } else {
            event
        };
        entry.backlog.push_back((event, size));
        let held = self.nsps.values().map(|e| e.backlog.len()).sum();
        self.shared.note_backlog(held);
        if self.shared.reading.send_replace(false) {
            tracing::debug!(nsp, "handlers behind: reading paused");
        }
    }

    /// Whether reading is paused: some events wait for room in their socket's queue.
    pub(super) fn paused(&self) -> bool {
        !*self.shared.reading.borrow()
    }

    /// Some handlers took events: hands on, in order, what now fits, and reads again once
    /// nothing waits.
    pub(super) fn refill(&mut self) {
        for (nsp, entry) in &mut self.nsps {
            if entry.backlog.is_empty() {
                continue;
            }
            let Some(link) = self.shared.link(nsp) else {
                entry.backlog.clear();
                continue;
            };
            while let Some((event, size)) = entry.backlog.pop_front() {
                if let Err(event) = link.try_send_event(event, size) {
                    entry.backlog.push_front((event, size));
                    break;
                }
            }
        }
        if self.nsps.values().all(|e| e.backlog.is_empty()) {
            self.shared.reading.send_replace(true);
            tracing::debug!("handlers caught up: reading again");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    use futures_util::{SinkExt, StreamExt};
    use tokio::net::TcpListener;
    use tokio::sync::{Semaphore, mpsc};
    use tokio_tungstenite::tungstenite::Message;

    use super::super::REPORTS;
    use crate::{Manager, Options, Socket, Transport};

    /// A scripted server: opens, answers the CONNECT to `/`, then sends `count` events `e` as
    /// fast as the connection takes them, and keeps the connection open.
    async fn flooding_server(count: u32) -> String {
        const OPEN: &str = r#"0{"sid":"e","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            ws.send(Message::text(OPEN)).await.unwrap();
            while let Some(Ok(msg)) = ws.next().await {
                if msg.to_text().is_ok_and(|t| t.starts_with("40")) {
                    break;
                }
            }
            ws.send(Message::text(r#"40{"sid":"s"}"#)).await.unwrap();
            for i in 0..count {
                ws.send(Message::text(format!(r#"42["e",{i}]"#)))
                    .await
                    .unwrap();
            }
            // Held open (reading nothing) until the test ends.
            std::future::pending::<()>().await;
        });
        url
    }

    #[tokio::test]
    async fn a_flood_behind_a_slow_handler_pauses_reading_then_arrives_in_order() {
        const COUNT: u32 = 3000;
        // A few events `e`.
        const QUEUE: usize = 50;
        let url = flooding_server(COUNT).await;
        let options = Options::default()
            .transports([Transport::WebSocket])
            .max_queued_bytes(QUEUE);
        let manager = Manager::new(&url, options).unwrap();
        let socket = manager.socket("/");
        let release = Arc::new(Semaphore::new(0));
        let (seen_tx, mut seen) = mpsc::unbounded_channel();
        let gate = release.clone();
        socket.on("e", move |_: Socket, i: u32| {
            let (gate, seen_tx) = (gate.clone(), seen_tx.clone());
            async move {
                // The first handler is slow: it waits for the test.
                if i == 0 {
                    let _ = gate.acquire().await;
                }
                let _ = seen_tx.send(i);
            }
        });
        socket.connect();

        let mut reading = manager.shared.reading.subscribe();
        tokio::time::timeout(Duration::from_secs(10), reading.wait_for(|open| !*open))
            .await
            .expect("reading pauses behind the slow handler")
            .unwrap();
        release.add_permits(1);
        for expected in 0..COUNT {
            let got = tokio::time::timeout(Duration::from_secs(10), seen.recv())
                .await
                .expect("every event arrives")
                .unwrap();
            assert_eq!(got, expected);
        }
        // Beyond the queue, only what the transport had handed over before the pause:
        // at most the reports queued for the driver and the one in the reader's hands.
        let peak = manager.shared.backlog_peak.load(Ordering::Relaxed);
        assert!(
            peak > 0 && peak <= REPORTS + 2,
            "held {peak} beyond the queue"
        );
        assert!(*reading.borrow(), "reading resumed");
    }
}
