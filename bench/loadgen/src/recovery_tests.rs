//! What connection state recovery adds on the wire, as the generator reads and writes it:
//! the offset as the last argument of an event, the pid in the CONNECT answer, the auth of a
//! CONNECT that asks for a session back, and the reconnection delays of a storm.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::client::{Client, Msg, Transport, last_string_arg};
use crate::net::{Net, Scenario};
use crate::storm::backoff;

#[test]
fn the_offset_is_the_last_string_argument() {
    let arg = |rest: &[u8]| last_string_arg(rest).map(|o| String::from_utf8_lossy(o).into_owned());
    assert_eq!(arg(br#","t1;xx","17"]"#).as_deref(), Some("17"));
    assert_eq!(arg(br#","1"]"#).as_deref(), Some("1"));
    // socket.io's offsets are base64url ids, a Redis stream's are "ms-seq".
    assert_eq!(arg(br#",{"a":1},"Nk3-_a"]"#).as_deref(), Some("Nk3-_a"));
    assert_eq!(
        arg(br#",1,"1700000000000-3"]"#).as_deref(),
        Some("1700000000000-3")
    );
    // The empty string is a string (a server bug the report should show, not a crash).
    assert_eq!(arg(br#","t1",""]"#).as_deref(), Some(""));
    // No argument, a last argument that is not a string, an escaped quote, garbage.
    for rest in [
        &b"]"[..],
        br#",1]"#,
        br#","a",null]"#,
        br#","a",{"x":"y"}]"#,
        br#","a\"b"]"#,
        br#""x"]"#,
        b"",
        b"\"]",
        br#",""#,
    ] {
        assert_eq!(arg(rest), None, "{}", String::from_utf8_lossy(rest));
    }
}

#[derive(Default)]
struct Ids {
    connected: Vec<(String, String)>,
}

impl Scenario for Ids {
    fn on_msg(&mut self, _ci: usize, c: &mut Client, m: Msg<'_>) {
        if let Msg::Connected = m {
            self.connected.push((c.socket_sid.clone(), c.pid.clone()));
        }
    }
}

/// The payload of the first masked client frame after the upgrade request in `buf`.
fn first_client_frame(buf: &[u8]) -> Option<Vec<u8>> {
    let start = crate::http::find(buf, b"\r\n\r\n")? + 4;
    let f = buf.get(start..)?;
    let len = usize::from(*f.get(1)? & 0x7f);
    let mask = f.get(2..6)?;
    let payload = f.get(6..6 + len)?;
    Some(
        payload
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ mask[i % 4])
            .collect(),
    )
}

#[test]
fn a_reconnect_sends_pid_and_offset_and_reads_the_pid_back() {
    let Ok(listener) = TcpListener::bind("127.0.0.1:0") else {
        panic!("cannot listen");
    };
    let Ok(addr) = listener.local_addr() else {
        panic!("no address");
    };
    let server = std::thread::spawn(move || {
        let Ok((mut s, _)) = listener.accept() else {
            return Vec::new();
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let mut reply = b"HTTP/1.1 101 Switching Protocols\r\n\r\n".to_vec();
        reply.extend(crate::tests::frame(1, br#"0{"sid":"e1","upgrades":[]}"#));
        let _ = s.write_all(&reply);
        // Until the client's CONNECT has arrived whole.
        while first_client_frame(&buf).is_none() {
            match s.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let _ = s.write_all(&crate::tests::frame(1, br#"40{"sid":"s1","pid":"p1"}"#));
        std::thread::sleep(Duration::from_millis(100));
        first_client_frame(&buf).unwrap_or_default()
    });
    let Ok(mut net) = Net::new(&[addr], "/socket.io/", 1) else {
        panic!("no net");
    };
    let ci = net.open(Transport::Websocket, 0);
    if let Some(c) = net.client(ci) {
        c.connect_auth = Some(br#"{"pid":"p0","offset":"41"}"#.to_vec());
    }
    let mut ids = Ids::default();
    let end = Instant::now() + Duration::from_secs(2);
    while Instant::now() < end && ids.connected.is_empty() {
        if net.turn(&mut ids, Duration::from_millis(10)).is_err() {
            break;
        }
    }
    let connect = server.join().unwrap_or_default();
    assert_eq!(
        String::from_utf8_lossy(&connect),
        r#"40{"pid":"p0","offset":"41"}"#
    );
    assert_eq!(ids.connected, vec![("s1".to_owned(), "p1".to_owned())]);
}

#[test]
fn storm_delays_follow_socket_io_clients_backoff() {
    let mut rng = 0x2545_F491_4F6C_DD1D_u64;
    let ms = |attempt, rng: &mut u64| backoff(attempt, rng).as_millis();
    let first: Vec<u128> = (0..2000).map(|_| ms(0, &mut rng)).collect();
    // 1 s moved by up to half of itself either way; both sides are taken.
    assert!(
        first.iter().all(|&d| (500..=1500).contains(&d)),
        "{first:?}"
    );
    assert!(first.iter().any(|&d| d < 900) && first.iter().any(|&d| d > 1100));
    // Doubling per attempt, never above 5 s, and never stuck at zero.
    assert!((0..2000).all(|_| (1000..=3000).contains(&ms(1, &mut rng))));
    assert!((0..2000).all(|_| (2500..=5000).contains(&ms(3, &mut rng))));
    assert_eq!(
        (0..2000).map(|_| ms(60, &mut rng)).max(),
        Some(5000),
        "capped at reconnectionDelayMax"
    );
}
