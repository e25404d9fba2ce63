//! The chat server out of file descriptors (issue #16): under `prlimit --nofile=128`, clients
//! that send half a request hold every descriptor. The server logs the episode once, keeps
//! running, and once those clients go, accepts again (logged once) and serves a new client.
//! Every wait is for an event (a log line, an answer), bounded only so that a failure ends.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const CHAT: &str = env!("CARGO_BIN_EXE_sockeye-chat");
/// The descriptor limit of the server, and how many half-sent requests exceed it.
const NOFILE: usize = 128;
const HELD: usize = 200;
const BOUND: Duration = Duration::from_secs(60);

/// Waits for a line containing `needle`; returns the lines seen until then (it included).
fn wait_for(lines: &mpsc::Receiver<String>, needle: &str) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let line = lines
            .recv_timeout(BOUND)
            .unwrap_or_else(|_| panic!("no line with {needle:?}; saw {seen:#?}"));
        let found = line.contains(needle);
        seen.push(line);
        if found {
            return seen;
        }
    }
}

#[test]
fn a_server_out_of_descriptors_recovers_and_serves_a_new_client() {
    if Command::new("prlimit").arg("--version").output().is_err() {
        eprintln!("skipped: prlimit (util-linux) is not installed");
        return;
    }
    let mut child = Command::new("prlimit")
        .arg(format!("--nofile={NOFILE}:{NOFILE}"))
        .args(["--", CHAT, "--port", "0", "--host", "127.0.0.1"])
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let started = wait_for(&lines, "http://localhost:");
    let url = started.last().unwrap();
    let port: u16 = url
        .rsplit(':')
        .next()
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("no port in {url:?}"));

    // Half-sent requests: the head never ends, so each holds a descriptor once accepted.
    let mut held = Vec::new();
    for _ in 0..HELD {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        held.push(s);
    }
    let episode = wait_for(&lines, "accept failed");
    assert!(child.try_wait().unwrap().is_none(), "the server exited");

    drop(held);
    let recovery = wait_for(&lines, "accepting connections again");
    let warnings = episode
        .iter()
        .chain(&recovery)
        .filter(|l| l.contains("accept failed"))
        .count();
    assert_eq!(
        warnings, 1,
        "one warning per episode: {episode:#?} {recovery:#?}"
    );

    let mut fresh = TcpStream::connect(("127.0.0.1", port)).unwrap();
    fresh.set_read_timeout(Some(BOUND)).unwrap();
    fresh
        .write_all(
            b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    let mut answer = String::new();
    fresh.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("0{\"sid\":"), "{answer}");

    assert!(child.try_wait().unwrap().is_none(), "the server exited");
    child.kill().unwrap();
    child.wait().unwrap();
}
