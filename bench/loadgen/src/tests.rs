//! The client against canned servers: the packets it must understand, and garbage it must
//! survive (an error for that client, never a panic).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::client::{Msg, Transport};
use crate::net::{Net, Scenario};

#[derive(Default)]
struct Seen {
    log: Vec<String>,
}

impl Scenario for Seen {
    fn on_msg(&mut self, _ci: usize, _c: &mut crate::client::Client, m: Msg<'_>) {
        self.log.push(match m {
            Msg::Connected => "connected".to_owned(),
            Msg::Event { name, rest, bin } => format!(
                "event {} {} {:?}",
                String::from_utf8_lossy(name),
                String::from_utf8_lossy(rest),
                bin
            ),
            Msg::Ack { rest, bin } => {
                format!("ack {} {:?}", String::from_utf8_lossy(rest), bin)
            }
        });
    }
}

pub(crate) fn frame(op: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x80 | op];
    if payload.len() < 126 {
        f.push(payload.len() as u8);
    } else {
        f.push(126);
        f.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    }
    f.extend_from_slice(payload);
    f
}

/// Serves `reply` (after reading the upgrade request) to one websocket client and runs the
/// net until the client ended or 2 s passed.
fn run_ws(reply: Vec<u8>) -> (Seen, Vec<(usize, Option<String>)>) {
    let listener = TcpListener::bind("127.0.0.1:0").ok();
    let Some(listener) = listener else {
        panic!("cannot listen");
    };
    let Ok(addr) = listener.local_addr() else {
        panic!("no address");
    };
    let server = std::thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(&reply);
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let Ok(mut net) = Net::new(&[addr], "/socket.io/", 1) else {
        panic!("no net");
    };
    let mut seen = Seen::default();
    net.open(Transport::Websocket, 0);
    let end = Instant::now() + Duration::from_secs(2);
    while Instant::now() < end && net.live > 0 {
        if net.turn(&mut seen, Duration::from_millis(10)).is_err() {
            break;
        }
    }
    let _ = server.join();
    let ended = std::mem::take(&mut net.ended);
    (seen, ended)
}

#[test]
fn understands_connect_events_binary_and_acks() {
    let mut reply = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".to_vec();
    reply.extend(frame(
        1,
        br#"0{"sid":"abc","upgrades":[],"pingInterval":25000}"#,
    ));
    reply.extend(frame(1, br#"40{"sid":"xyz"}"#));
    reply.extend(frame(1, br#"42["echo","t1;xx"]"#));
    reply.extend(frame(1, br#"451-["b",{"_placeholder":true,"num":0}]"#));
    reply.extend(frame(2, &[1, 2, 3]));
    reply.extend(frame(1, br#"437["ok"]"#));
    reply.extend(frame(1, b"2"));
    let (seen, ended) = run_ws(reply);
    assert_eq!(
        seen.log,
        vec![
            "connected".to_owned(),
            r#"event echo ,"t1;xx"] None"#.to_owned(),
            r#"event b ,{"_placeholder":true,"num":0}] Some([1, 2, 3])"#.to_owned(),
            r#"ack ["ok"] None"#.to_owned(),
        ]
    );
    // The server hung up afterwards: that ends the client with an error, as it should.
    assert!(ended.iter().all(|(_, e)| e.is_some()));
}

#[test]
fn survives_garbage() {
    let mut seed: u32 = 0x1234_5678;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    for round in 0..12 {
        let mut reply = b"HTTP/1.1 101 Switching Protocols\r\n\r\n".to_vec();
        if round % 2 == 0 {
            reply.extend(frame(1, br#"0{"sid":"abc"}"#));
        }
        let len = (next() % 3000) as usize;
        reply.extend((0..len).map(|_| next() as u8));
        let (_seen, ended) = run_ws(reply);
        assert_eq!(ended.len(), 1, "round {round}: the client must end");
    }
}

#[test]
fn decoders_never_panic_on_random_input() {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..20_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 64) as usize;
        let mut buf: Vec<u8> = (0..len)
            .map(|i| (seed >> ((i % 8) * 8)) as u8 ^ i as u8)
            .collect();
        let _ = crate::ws::decode(&mut buf);
        let _ = crate::http::parse_response(&buf);
        let mut http = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        http.extend_from_slice(&buf);
        let _ = crate::http::parse_response(&http);
    }
}

/// Three listeners; `Net` opens `n` clients over them: the number of connections each got.
fn spread(n: usize, transport: Transport) -> Vec<usize> {
    let listeners: Vec<TcpListener> = (0..3)
        .filter_map(|_| TcpListener::bind("127.0.0.1:0").ok())
        .collect();
    assert_eq!(listeners.len(), 3, "cannot listen");
    let addrs: Vec<_> = listeners
        .iter()
        .filter_map(|l| l.local_addr().ok())
        .collect();
    let Ok(mut net) = Net::new(&addrs, "/socket.io/", n) else {
        panic!("no net");
    };
    let mut seen = Seen::default();
    for _ in 0..n {
        net.open(transport, 0);
    }
    // Accept until all n arrived (or 5 s passed), turning the net meanwhile.
    let mut got = vec![0; listeners.len()];
    let mut held = Vec::new();
    for l in &listeners {
        let _ = l.set_nonblocking(true);
    }
    let end = Instant::now() + Duration::from_secs(5);
    while got.iter().sum::<usize>() < n && Instant::now() < end {
        let _ = net.turn(&mut seen, Duration::from_millis(5));
        for (i, l) in listeners.iter().enumerate() {
            while let Ok((s, _)) = l.accept() {
                got[i] += 1;
                held.push(s);
            }
        }
    }
    got
}

#[test]
fn spreads_clients_over_the_servers_in_turn() {
    assert_eq!(spread(7, Transport::Websocket), vec![3, 2, 2]);
}

#[test]
fn no_servers_is_an_error() {
    assert!(Net::new(&[], "/socket.io/", 1).is_err());
}
