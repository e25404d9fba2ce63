//! `sockeye-loadgen` has the command line of the other programs: `--help` on standard output
//! with status 0, `--version`, and mistakes refused with status 2 and a plain sentence.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::process::{Command, Output, Stdio};

const LOADGEN: &str = env!("CARGO_BIN_EXE_sockeye-loadgen");

fn run(args: &[&str]) -> Output {
    Command::new(LOADGEN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn assert_refused(args: &[&str], expected: &str) {
    let out = run(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}");
    assert!(stderr.contains(expected), "{args:?}: {stderr}");
}

#[test]
fn help_and_version_go_to_stdout_with_status_0() {
    let out = run(&["--help"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout.contains("Usage: sockeye-loadgen [OPTIONS] <MODE>"),
        "{stdout}"
    );
    for mode in ["idle", "handshake", "echo", "ack", "fanout", "storm"] {
        assert!(stdout.contains(mode), "{mode} missing from {stdout}");
    }
    let out = run(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("sockeye-loadgen {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn mistakes_are_refused_in_plain_words() {
    assert_refused(&[], "the following required arguments were not provided");
    assert_refused(&["sing"], "invalid value 'sing'");
    assert_refused(
        &["echo", "--no-such-flag"],
        "unexpected argument '--no-such-flag'",
    );
    assert_refused(
        &["echo", "--clients", "many"],
        "invalid value 'many' for '--clients <N>'",
    );
    assert_refused(
        &["echo", "--clients", "0"],
        "--clients must be between 1 and 1000000",
    );
    assert_refused(
        &["echo", "--duration=-1"],
        "expected seconds between 0 and 3600",
    );
    assert_refused(
        &["echo", "--duration", "7200"],
        "expected seconds between 0 and 3600",
    );
    assert_refused(
        &["echo", "--transport", "pigeon"],
        "[possible values: websocket, polling, upgrade]",
    );
    assert_refused(&["fanout", "--rate", "0"], "--rate must be positive");
    assert_refused(&["echo", "--rate=-5"], "--rate must be positive");
    assert_refused(
        &["churn", "--rooms", "0"],
        "--rooms must be between 1 and 1000000",
    );
    assert_refused(
        &["churn", "--fill-rooms", "2000000"],
        "--fill-rooms must be at most 1000000",
    );
    assert_refused(
        &["fanout", "--fill-clients", "0"],
        "--fill-clients must be between 1 and 10000",
    );
    assert_refused(
        &["churn", "--fill-rooms", "some"],
        "invalid value 'some' for '--fill-rooms <T>'",
    );
    assert_refused(
        &["echo", "--addr", "localhost"],
        "invalid value 'localhost' for '--addr <ADDR>'",
    );
    assert_refused(
        &["echo", "--addr", "192.0.2.1:80"],
        "192.0.2.1:80 is not a loopback address, nor one that --server-pid listens on",
    );
    // Several servers: each one is checked, and the one refused is named.
    assert_refused(
        &["fanout", "--addr", "127.0.0.1:3000,192.0.2.7:80"],
        "192.0.2.7:80 is not a loopback address, nor one that --server-pid listens on",
    );
    assert_refused(
        &["fanout", "--addr", "127.0.0.1:3000,nowhere"],
        "invalid value 'nowhere' for '--addr <ADDR>'",
    );
}
