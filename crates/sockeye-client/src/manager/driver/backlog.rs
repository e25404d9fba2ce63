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
    use tokio::net::{TcpListener, TcpStream};
    use tokio::sync::{Semaphore, mpsc};
    use tokio_tungstenite::WebSocketStream;
    use tokio_tungstenite::tungstenite::Message;

    use super::super::REPORTS;
    use crate::{Manager, Options, Socket, Transport};

    /// The bytes of events the client's socket queues in these tests: a few events `e`.
    const QUEUE: usize = 50;

    /// The OPEN packet, with the server's ping interval and timeout in ms.
    fn open(ping: u32) -> String {
        format!(
            r#"0{{"sid":"e","upgrades":[],"pingInterval":{ping},"pingTimeout":{ping},"maxPayload":1000000}}"#
        )
    }

    /// The next text message from the client.
    async fn next_text(ws: &mut WebSocketStream<TcpStream>) -> String {
        loop {
            if let Some(Ok(Message::Text(text))) = ws.next().await {
                return text.to_string();
            }
        }
    }

    /// A scripted server that opens (with `ping`) and answers the CONNECT to `/`, then, when
    /// `ask`, sends `first` and waits for the client's `ask`; then sends `count` events `e`
    /// as fast as the connection takes them, then (when `ask`) the answer to `ask`. It
    /// sends no pings and keeps the connection open.
    async fn flooding_server(ping: u32, ask: bool, count: u32) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            ws.send(Message::text(open(ping))).await.unwrap();
            while !next_text(&mut ws).await.starts_with("40") {}
            let mut answer = None;
            ws.send(Message::text(r#"40{"sid":"s"}"#)).await.unwrap();
            if ask {
                ws.send(Message::text(r#"42["first"]"#)).await.unwrap();
                let request = loop {
                    let text = next_text(&mut ws).await;
                    if text.ends_with(r#"["ask"]"#) {
                        break text;
                    }
                };
                let id = request
                    .trim_start_matches("42")
                    .trim_end_matches(r#"["ask"]"#);
                answer = Some(format!(r#"43{id}["late"]"#));
            }
            for i in 0..count {
                ws.send(Message::text(format!(r#"42["e",{i}]"#)))
                    .await
                    .unwrap();
            }
            if let Some(answer) = answer {
                ws.send(Message::text(answer)).await.unwrap();
            }
            // Held open (reading nothing) until the test ends.
            std::future::pending::<()>().await;
        });
        url
    }

    #[tokio::test]
    async fn a_flood_behind_a_slow_handler_pauses_reading_then_arrives_in_order() {
        const COUNT: u32 = 3000;
        let url = flooding_server(25000, false, COUNT).await;
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

    #[tokio::test]
    async fn an_answer_stuck_behind_a_full_queue_fails_when_the_connection_goes() {
        // More events than the client holds, so that the answer behind them is never read.
        const COUNT: u32 = 500;
        // No pings come (the script sends none, and reading pauses anyway): the connection
        // goes after 2 x 200 ms.
        let url = flooding_server(200, true, COUNT).await;
        let options = Options::default()
            .transports([Transport::WebSocket])
            .reconnection(false)
            .max_queued_bytes(QUEUE);
        let manager = Manager::new(&url, options).unwrap();
        let socket = manager.socket("/");
        let (seen_tx, mut seen) = mpsc::unbounded_channel::<String>();
        let tx = seen_tx.clone();
        socket.on("first", move |socket: Socket| {
            let tx = tx.clone();
            async move {
                let answer = socket.emit_with_ack::<_, String>("ask", &()).await;
                let _ = tx.send(format!("{answer:?}"));
            }
        });
        let tx = seen_tx.clone();
        socket.on("e", move |_: Socket, i: u32| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(format!("e{i}"));
            }
        });
        socket.on_disconnect(move |_: Socket, reason| {
            let tx = seen_tx.clone();
            async move {
                let _ = tx.send(reason.to_string());
            }
        });
        socket.connect();

        let mut next = async || {
            tokio::time::timeout(Duration::from_secs(10), seen.recv())
                .await
                .expect("an event within 10 s")
                .unwrap()
        };
        assert_eq!(next().await, "Err(Disconnected)");
        // What was read before the connection went reaches the handlers, in order, then the
        // disconnection; the rest went with the connection (a recovering server replays it).
        let mut read = 0;
        loop {
            let seen = next().await;
            if seen == "ping timeout" {
                break;
            }
            assert_eq!(seen, format!("e{read}"));
            read += 1;
        }
        assert!((1..COUNT).contains(&read), "{read} events read");
    }
}
