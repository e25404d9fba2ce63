//! Every program of the root package has the same kind of command line: `--help` on standard
//! output with status 0, `--version`, `--port N` and `--port=N` with `PORT` as a fallback,
//! and mistakes refused with status 2 and a plain sentence on standard error.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const PORT_ERROR: &str = "port must be 0-65535 (0 picks a free port)";

const CHAT: &str = env!("CARGO_BIN_EXE_sockeye-chat");
const CHAT_CLIENT: &str = env!("CARGO_BIN_EXE_chat-client");
const BENCH_SERVER: &str = env!("CARGO_BIN_EXE_bench-server");
const CONFORMANCE_SERVER: &str = env!("CARGO_BIN_EXE_conformance-server");
const INTEROP_SERVER: &str = env!("CARGO_BIN_EXE_interop-server");
const CLUSTER_NODE: &str = env!("CARGO_BIN_EXE_cluster-node");

/// The programs that listen on `--port` / `PORT`.
const SERVERS: [(&str, &str); 4] = [
    ("sockeye-chat", CHAT),
    ("bench-server", BENCH_SERVER),
    ("conformance-server", CONFORMANCE_SERVER),
    ("interop-server", INTEROP_SERVER),
];

fn all() -> impl Iterator<Item = (&'static str, &'static str)> {
    SERVERS
        .into_iter()
        .chain([("chat-client", CHAT_CLIENT), ("cluster-node", CLUSTER_NODE)])
}

/// A command with none of the environment variables the programs read, so that the caller's
/// environment does not change what a test sees.
fn command(exe: &str) -> Command {
    let mut cmd = Command::new(exe);
    for var in [
        "PORT",
        "HOST",
        "PING_INTERVAL",
        "PING_TIMEOUT",
        "RUST_LOG",
        "REDIS_URL",
        "NODE_NAME",
        "MODE",
        "REQUESTS_TIMEOUT_MS",
        "RECOVERY",
        "SOCKEYE_CLUSTER_SECRET",
        "SOCKEYE_ADMIN_USER",
        "SOCKEYE_ADMIN_PASSWORD",
    ] {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null());
    cmd
}

fn run(exe: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = command(exe);
    cmd.args(args).envs(env.iter().copied());
    output(cmd)
}

/// Runs `cmd` to its end, or for 20 s at most.
fn output(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A program that wrongly starts serving instead of refusing its arguments must not hang
    // the test: it is stopped, and the assertions on its status then fail.
    let (tx, rx) = mpsc::channel();
    let id = child.id();
    std::thread::spawn(move || {
        if rx.recv_timeout(Duration::from_secs(20)).is_err() {
            let _ = Command::new("kill").arg(id.to_string()).status();
        }
    });
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap());
    let err = std::io::read_to_string(stderr).unwrap();
    let status = child.wait().unwrap();
    let _ = tx.send(());
    Output {
        status,
        stdout: out.join().unwrap().into_bytes(),
        stderr: err.into_bytes(),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts a usage error: status 2, nothing on stdout, `expected` on stderr.
fn assert_refused(name: &str, out: &Output, expected: &str) {
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
    assert!(stdout.is_empty(), "{name} printed on stdout: {stdout}");
    assert!(
        stderr.contains(expected),
        "{name}: expected {expected:?} in:\n{stderr}"
    );
    assert!(
        !stderr.contains("panicked"),
        "{name} panicked instead of refusing:\n{stderr}"
    );
}

/// Starts a server and returns it with the port of the URL it prints first.
fn start(exe: &str, args: &[&str], env: &[(&str, &str)]) -> (Child, String) {
    let mut child = command(exe)
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(line) => line,
        Err(_) => {
            let _ = child.kill();
            panic!("{exe} printed no URL");
        }
    };
    (child, line)
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn port_of(line: &str) -> u16 {
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    url.rsplit(':').next().unwrap().parse().unwrap()
}

#[test]
fn help_goes_to_stdout_with_status_0() {
    for (name, exe) in all() {
        for flag in ["--help", "-h"] {
            let out = run(exe, &[flag], &[]);
            let stdout = text(&out.stdout);
            assert_eq!(out.status.code(), Some(0), "{name} {flag}");
            assert!(
                stdout.contains(&format!("Usage: {name}")),
                "{name}: {stdout}"
            );
            assert!(out.stderr.is_empty(), "{name}: {}", text(&out.stderr));
        }
    }
}

#[test]
fn help_names_the_environment_fallbacks() {
    for (name, exe) in SERVERS {
        let stdout = text(&run(exe, &["--help"], &[]).stdout);
        assert!(stdout.contains("--port <PORT>"), "{name}: {stdout}");
        assert!(stdout.contains("[env: PORT=]"), "{name}: {stdout}");
    }
    for exe in [CHAT, BENCH_SERVER] {
        let stdout = text(&run(exe, &["--help"], &[]).stdout);
        assert!(stdout.contains("[env: HOST=]"), "{stdout}");
    }
    let stdout = text(&run(INTEROP_SERVER, &["--help"], &[]).stdout);
    assert!(stdout.contains("[env: PING_INTERVAL=]"), "{stdout}");
    assert!(stdout.contains("[env: PING_TIMEOUT=]"), "{stdout}");
}

#[test]
fn chat_help_says_metrics_are_off_by_default() {
    let stdout = text(&run(CHAT, &["--help"], &[]).stdout);
    let line = stdout
        .lines()
        .skip_while(|l| !l.contains("--metrics"))
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(line.contains("/metrics"), "{stdout}");
    assert!(line.contains("off by default"), "{stdout}");
}

#[test]
fn version_is_the_package_version() {
    for (name, exe) in all() {
        for flag in ["--version", "-V"] {
            let out = run(exe, &[flag], &[]);
            assert_eq!(out.status.code(), Some(0), "{name} {flag}");
            assert_eq!(
                text(&out.stdout).trim(),
                format!("{name} {}", env!("CARGO_PKG_VERSION"))
            );
        }
    }
}

#[test]
fn an_unknown_flag_is_refused() {
    for (name, exe) in all() {
        let out = run(exe, &["--no-such-flag"], &[]);
        assert_refused(name, &out, "unexpected argument '--no-such-flag' found");
        let out = run(exe, &["stray"], &[]);
        assert_refused(name, &out, "unexpected argument 'stray' found");
    }
}

#[test]
fn a_port_out_of_range_is_refused_in_plain_words() {
    for (name, exe) in SERVERS {
        for args in [
            &["--port", "65536"][..],
            &["--port=70000"],
            &["--port=-1"],
            &["--port", "http"],
            &["--port="],
        ] {
            let out = run(exe, args, &[]);
            assert_refused(name, &out, PORT_ERROR);
        }
        let out = run(exe, &["--port"], &[]);
        assert_refused(name, &out, "a value is required for '--port <PORT>'");
    }
}

#[test]
fn an_invalid_port_environment_value_is_an_error_not_the_default() {
    for (name, exe) in SERVERS {
        for value in ["abc", "99999", "3000x", ""] {
            let out = run(exe, &[], &[("PORT", value)]);
            assert_refused(
                name,
                &out,
                &format!(
                    "invalid value '{value}' in the environment variable PORT (read for --port): {PORT_ERROR}"
                ),
            );
        }
    }
}

#[test]
fn a_bad_port_flag_is_named_as_the_flag_even_when_port_is_set() {
    for (name, exe) in SERVERS {
        let out = run(exe, &["--port=x"], &[("PORT", "x")]);
        assert_refused(
            name,
            &out,
            &format!("invalid value 'x' for '--port <PORT>': {PORT_ERROR}"),
        );
    }
}

#[test]
fn the_port_is_taken_from_the_flag_in_either_form_then_from_port() {
    for (name, exe) in SERVERS {
        // PORT=1 would need root: the flag has to win for the server to start.
        let (child, line) = start(exe, &["--port", "0"], &[("PORT", "1")]);
        stop(child);
        assert_ne!(port_of(&line), 0, "{name}: {line}");
        let (child, line) = start(exe, &["--port=0"], &[]);
        stop(child);
        assert_ne!(port_of(&line), 0, "{name}: {line}");
        let (child, line) = start(exe, &[], &[("PORT", "0")]);
        stop(child);
        assert_ne!(port_of(&line), 0, "{name}: {line}");
    }
}

#[test]
fn host_comes_from_the_flag_or_host() {
    let (child, line) = start(BENCH_SERVER, &["--port=0"], &[("HOST", "127.0.0.1")]);
    stop(child);
    assert!(line.contains("http://127.0.0.1:"), "{line}");
    let (child, line) = start(CHAT, &["--port=0", "--host", "127.0.0.1"], &[]);
    stop(child);
    assert!(line.contains("http://localhost:"), "{line}");
}

#[test]
fn an_address_that_cannot_be_bound_is_an_error() {
    for exe in [CHAT, BENCH_SERVER] {
        let out = run(exe, &["--port=0", "--host", "192.0.2.1"], &[]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("cannot listen on 192.0.2.1:0"),
            "{}",
            text(&out.stderr)
        );
    }
}

/// The response head of a polling handshake sent with `Origin: origin`, lower-cased.
fn polling_handshake_from(port: u16, origin: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: localhost\r\n\
         Origin: {origin}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    reply
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .to_lowercase()
        + "\r\n"
}

#[test]
fn the_chat_admin_says_where_to_point_the_ui() {
    for (args, env, who) in [
        (
            &["--port", "0", "--admin"][..],
            &[
                ("SOCKEYE_ADMIN_PASSWORD", "pw"),
                ("SOCKEYE_ADMIN_USER", "ops"),
            ][..],
            "(user ops, password from SOCKEYE_ADMIN_PASSWORD)",
        ),
        (
            &["--port", "0", "--admin", "--admin-no-auth"][..],
            &[][..],
            "(no authentication)",
        ),
    ] {
        let mut child = command(CHAT)
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = rx.recv_timeout(Duration::from_secs(20)).unwrap();
        let port = port_of(&first);
        // The log (without authentication, a warning) goes to stdout too.
        let admin = loop {
            let line = rx.recv_timeout(Duration::from_secs(20)).unwrap();
            if line.starts_with("Admin UI:") {
                break line;
            }
        };
        assert_eq!(
            admin,
            format!(
                "Admin UI: open https://admin.socket.io and connect to \
                 http://localhost:{port}/admin {who}"
            )
        );
        // The hosted UI's origin is allowed, with credentials, without more flags.
        let headers = polling_handshake_from(port, "https://admin.socket.io");
        assert!(
            headers.contains("access-control-allow-origin: https://admin.socket.io\r\n"),
            "{headers}"
        );
        assert!(
            headers.contains("access-control-allow-credentials: true\r\n"),
            "{headers}"
        );
        stop(child);
    }
}

#[test]
fn the_bench_server_refuses_a_redis_url_that_is_not_one_and_says_when_redis_is_not_there() {
    let out = run(BENCH_SERVER, &["--redis", "localhost:6379"], &[]);
    assert_refused(
        "bench-server",
        &out,
        r#"invalid Redis URL "localhost:6379": expected redis://host:port"#,
    );
    // Set but empty is a mistake too, not "no cluster".
    let out = run(BENCH_SERVER, &[], &[("REDIS_URL", "")]);
    assert_refused("bench-server", &out, "REDIS_URL");
    let out = run(
        BENCH_SERVER,
        &["--port", "0", "--redis", "redis://127.0.0.1:1"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("cannot join the cluster on Redis at redis://127.0.0.1:1"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_interop_server_refuses_a_ping_interval_that_is_not_a_number() {
    let out = run(INTEROP_SERVER, &[], &[("PING_INTERVAL", "soon")]);
    assert_refused(
        "interop-server",
        &out,
        "invalid value 'soon' in the environment variable PING_INTERVAL (read for --ping-interval): expected a whole number of milliseconds",
    );
    let out = run(INTEROP_SERVER, &["--ping-timeout=-5"], &[]);
    assert_refused(
        "interop-server",
        &out,
        "expected a whole number of milliseconds",
    );
}

#[test]
fn the_chat_client_names_its_mistakes() {
    let cases: [(&[&str], &str); 7] = [
        (
            &["--url", "not-a-url", "--name", "a"],
            r#"invalid URL "not-a-url": expected http:// or https://"#,
        ),
        (
            &["--url=http://", "--name", "a"],
            r#"invalid URL "http://": no host"#,
        ),
        (&[], "the following required arguments were not provided"),
        (&["--name", "  "], "the name must not be empty"),
        (
            &["--name", "a", "--transport", "pigeon"],
            "[possible values: websocket, polling]",
        ),
        (
            &["--name", "a", "--wait=-1"],
            "expected a number of seconds, 0 or more",
        ),
        (
            &["--name", "a", "--wait", "soon"],
            "expected a number of seconds, 0 or more",
        ),
    ];
    for (args, expected) in cases {
        let out = run(CHAT_CLIENT, args, &[]);
        assert_refused("chat-client", &out, expected);
    }
}

#[test]
fn arguments_that_are_not_utf8_are_refused_without_a_panic() {
    use std::os::unix::ffi::OsStrExt;
    let bad = std::ffi::OsStr::from_bytes(b"\xff\xfe");
    for (name, exe) in all() {
        let mut cmd = command(exe);
        cmd.arg("--port").arg(bad);
        let out = output(cmd);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out.stderr));
        assert!(!text(&out.stderr).contains("panicked"), "{name}");
    }
    for (name, exe) in SERVERS {
        let mut cmd = command(exe);
        cmd.env("PORT", bad);
        let out = output(cmd);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out.stderr));
        assert!(!text(&out.stderr).contains("panicked"), "{name}");
    }
}

/// One way to get the chat's command line wrong: refused with status 2 and a message.
struct ChatMistake {
    /// What the case shows, named when it fails.
    case: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    /// On stderr.
    says: &'static str,
    /// The whole message is one line (no usage after it).
    one_line: bool,
    /// Not on stderr (a secret must not be echoed).
    hides: Option<&'static str>,
}

const SECRET: &str = "a secret of sixteen or more";
const ADMIN_WITHOUT_PASSWORD: &str =
    "--admin needs a password in SOCKEYE_ADMIN_PASSWORD (or --admin-no-auth";

const fn mistake(
    case: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    says: &'static str,
) -> ChatMistake {
    ChatMistake {
        case,
        args,
        env,
        says,
        one_line: false,
        hides: None,
    }
}

const CHAT_MISTAKES: &[ChatMistake] = &[
    mistake(
        "a CORS origin that is not a URL",
        &["--cors-origin", "example.com"],
        &[],
        r#"invalid URL "example.com": expected http:// or https://"#,
    ),
    ChatMistake {
        one_line: true,
        ..mistake(
            "--admin without a password",
            &["--port", "0", "--admin"],
            &[],
            ADMIN_WITHOUT_PASSWORD,
        )
    },
    mistake(
        "--admin with an empty password (no password)",
        &["--port", "0", "--admin"],
        &[("SOCKEYE_ADMIN_PASSWORD", "")],
        ADMIN_WITHOUT_PASSWORD,
    ),
    mistake(
        "--admin-no-auth alone means nothing",
        &["--port", "0", "--admin-no-auth"],
        &[],
        "--admin",
    ),
    mistake(
        "a Redis URL that is not one",
        &["--redis", "localhost:6379"],
        &[],
        r#"invalid Redis URL "localhost:6379": expected redis://host:port"#,
    ),
    mistake(
        "a REDIS_URL that is not one",
        &[],
        &[("REDIS_URL", "http://x")],
        "REDIS_URL",
    ),
    mistake(
        "a recovery window that is a word",
        &["--recovery-window=soon"],
        &[],
        "expected a whole number of seconds, at most 86400 (a day)",
    ),
    mistake(
        "a negative recovery window",
        &["--recovery-window=-1"],
        &[],
        "expected a whole number of seconds, at most 86400 (a day)",
    ),
    mistake(
        "a recovery window with a fraction",
        &["--recovery-window=1.5"],
        &[],
        "expected a whole number of seconds, at most 86400 (a day)",
    ),
    mistake(
        "a recovery window over a day",
        &["--recovery-window=999999"],
        &[],
        "expected a whole number of seconds, at most 86400 (a day)",
    ),
    mistake(
        "a Redis adapter without Redis",
        &["--redis-adapter", "streams"],
        &[],
        "--redis <URL>",
    ),
    mistake(
        "a Redis adapter that does not exist",
        &["--redis-adapter", "pigeon"],
        &[],
        "[possible values: classic, streams]",
    ),
    // Forwarding between nodes: a secret without Redis, where the nodes find each other.
    mistake(
        "a cluster secret without Redis",
        &["--cluster-secret", SECRET],
        &[],
        "--redis <URL>",
    ),
    mistake(
        "a SOCKEYE_CLUSTER_SECRET without Redis",
        &[],
        &[("SOCKEYE_CLUSTER_SECRET", SECRET)],
        "--redis <URL>",
    ),
    mistake(
        "an empty cluster secret",
        &["--redis", "redis://127.0.0.1:1", "--cluster-secret", ""],
        &[],
        "the cluster secret is empty",
    ),
    mistake(
        "a cluster secret too short to be one",
        &[
            "--redis",
            "redis://127.0.0.1:1",
            "--cluster-secret",
            "short",
        ],
        &[],
        "the cluster secret must have at least 16 characters",
    ),
    ChatMistake {
        hides: Some("tiny"),
        ..mistake(
            "a SOCKEYE_CLUSTER_SECRET too short, not echoed",
            &["--redis", "redis://127.0.0.1:1"],
            &[("SOCKEYE_CLUSTER_SECRET", "tiny")],
            "SOCKEYE_CLUSTER_SECRET",
        )
    },
    mistake(
        "an internal listener without a secret",
        &["--cluster-listen", "127.0.0.1:0"],
        &[],
        "--cluster-secret <SECRET>",
    ),
    mistake(
        "an advertised address without a port",
        &[
            "--redis",
            "redis://127.0.0.1:1",
            "--cluster-secret",
            SECRET,
            "--cluster-advertise",
            "nohost",
        ],
        &[],
        "expected HOST:PORT",
    ),
    mistake(
        "a 0.0.0.0 internal listener without the address the others reach it at",
        &[
            "--redis",
            "redis://127.0.0.1:1",
            "--port",
            "0",
            "--cluster-secret",
            SECRET,
            "--cluster-listen",
            "0.0.0.0:0",
        ],
        &[],
        "needs --cluster-advertise HOST:PORT",
    ),
];

#[test]
fn the_chat_refuses_its_flag_mistakes_in_plain_words() {
    for m in CHAT_MISTAKES {
        let out = run(CHAT, m.args, m.env);
        let name = format!("sockeye-chat, {} ({:?}, env {:?})", m.case, m.args, m.env);
        assert_refused(&name, &out, m.says);
        let stderr = text(&out.stderr);
        if m.one_line {
            assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
        }
        if let Some(hidden) = m.hides {
            assert!(
                !stderr.contains(hidden),
                "{name} echoed {hidden:?}: {stderr}"
            );
        }
    }
}

#[test]
fn the_chat_says_when_redis_is_not_there() {
    // Port 1 on loopback: nothing listens there. Well formed, so status 1, not 2.
    for (args, says) in [
        (
            &["--port", "0", "--redis", "redis://127.0.0.1:1"][..],
            "cannot join the cluster on Redis at redis://127.0.0.1:1",
        ),
        (
            &[
                "--redis",
                "redis://127.0.0.1:1",
                "--port",
                "0",
                "--cluster-secret",
                SECRET,
            ],
            "on Redis at redis://127.0.0.1:1",
        ),
    ] {
        let out = run(CHAT, args, &[]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains(says),
            "{args:?}: expected {says:?} in {stderr}"
        );
    }
}
