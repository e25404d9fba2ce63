//! `sockeye::metrics::prometheus` writes the counters in the OpenMetrics text format that
//! Prometheus scrapes: a HELP and a TYPE line per family, `_total` counters, label values
//! escaped (a namespace may be named with quotes, backslashes and newlines), `# EOF` last.

#![cfg(feature = "prometheus")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sio_support;

use std::collections::HashMap;

use sio_support::{Raw, eventually, serve};
use sockeye::SocketIo;

/// One sample: its name, its labels (unescaped), its value.
type Sample = (String, Vec<(String, String)>, String);

/// Reads the text as a scraper would, failing on anything out of format.
fn parse(text: &str) -> (HashMap<String, (String, String)>, Vec<Sample>) {
    let mut families: HashMap<String, (String, String)> = HashMap::new();
    let mut samples = Vec::new();
    let mut help: Option<(String, String)> = None;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.last(), Some(&"# EOF"), "{text}");
    for line in &lines[..lines.len() - 1] {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, h) = rest.split_once(' ').unwrap();
            assert!(!h.is_empty(), "empty help for {name}");
            help = Some((name.to_owned(), h.to_owned()));
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            let (help_name, h) = help.take().expect("a HELP line before each TYPE line");
            assert_eq!(help_name, name);
            assert!(
                name.starts_with("socketio_") || name.starts_with("engineio_"),
                "{name}"
            );
            families.insert(name.to_owned(), (kind.to_owned(), h));
        } else {
            assert!(!line.starts_with('#'), "{line}");
            samples.push(sample(line));
        }
    }
    for (name, _, _) in &samples {
        let family = families.iter().find(|(f, (kind, _))| match kind.as_str() {
            "counter" => *name == format!("{f}_total"),
            "histogram" => ["_bucket", "_sum", "_count"]
                .iter()
                .any(|s| *name == format!("{f}{s}")),
            _ => name == *f,
        });
        assert!(family.is_some(), "sample {name} belongs to no family");
    }
    (families, samples)
}

fn sample(line: &str) -> Sample {
    let name_end = line.find(['{', ' ']).unwrap();
    let name = line[..name_end].to_owned();
    let mut labels = Vec::new();
    let mut rest = &line[name_end..];
    if let Some(inner) = rest.strip_prefix('{') {
        let mut chars = inner.char_indices();
        loop {
            let (start, _) = chars.next().unwrap();
            let eq = inner[start..].find("=\"").unwrap() + start;
            let key = inner[start..eq].to_owned();
            for _ in start..eq + 1 {
                chars.next();
            }
            let mut value = String::new();
            loop {
                match chars.next().unwrap().1 {
                    '\\' => match chars.next().unwrap().1 {
                        'n' => value.push('\n'),
                        c @ ('\\' | '"') => value.push(c),
                        c => panic!("bad escape \\{c} in {line}"),
                    },
                    '"' => break,
                    '\n' => panic!("raw newline in {line}"),
                    c => value.push(c),
                }
            }
            labels.push((key, value));
            match chars.next().unwrap() {
                (_, ',') => continue,
                (i, '}') => {
                    rest = &inner[i + 1..];
                    break;
                }
                (_, c) => panic!("unexpected {c} in {line}"),
            }
        }
    }
    let value = rest.strip_prefix(' ').unwrap().to_owned();
    assert!(value.parse::<f64>().is_ok(), "{line}");
    (name, labels, value)
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> String {
    samples
        .iter()
        .find(|(n, l, _)| {
            n == name
                && l.len() == labels.len()
                && labels
                    .iter()
                    .all(|(k, v)| l.iter().any(|(lk, lv)| lk == k && lv == v))
        })
        .map(|(_, _, v)| v.clone())
        .unwrap_or_else(|| panic!("no sample {name} {labels:?}"))
}

#[tokio::test]
async fn the_text_parses_and_follows_the_counters() {
    let io = SocketIo::default();
    let addr = serve(&io).await;
    let (mut raw, _) = Raw::join(addr).await;
    eventually(|| io.metrics().sockets == 1).await;
    io.emit("hello", "world").unwrap();
    assert_eq!(raw.recv().await.unwrap(), r#"2["hello","world"]"#);

    let text = sockeye::metrics::prometheus(&io);
    let (families, samples) = parse(&text);
    for (name, kind) in [
        ("engineio_connections", "gauge"),
        ("engineio_upgrades", "counter"),
        ("engineio_handshake_failures", "counter"),
        ("socketio_sockets", "gauge"),
        ("socketio_packets_received", "counter"),
        ("socketio_bytes_sent", "counter"),
        ("socketio_broadcasts", "counter"),
        ("socketio_acks_pending", "gauge"),
        ("socketio_acks_timed_out", "counter"),
        ("socketio_slow_consumers", "counter"),
        ("socketio_adapter_requests", "counter"),
        ("socketio_adapter_request_duration_seconds", "histogram"),
    ] {
        assert_eq!(families[name].0, kind, "{name}");
    }
    let v = |name, labels: &[(&str, &str)]| value(&samples, name, labels);
    assert_eq!(
        v("engineio_connections", &[("transport", "websocket")]),
        "1"
    );
    assert_eq!(v("engineio_connections", &[("transport", "polling")]), "0");
    assert_eq!(v("socketio_sockets", &[("namespace", "/")]), "1");
    assert_eq!(v("socketio_packets_received_total", &[]), "1");
    // The CONNECT answer and the broadcast.
    assert_eq!(v("socketio_packets_sent_total", &[]), "2");
    assert_eq!(v("socketio_broadcasts_total", &[]), "1");
    assert_eq!(
        v(
            "engineio_handshake_failures_total",
            &[("reason", "unknown_sid")]
        ),
        "0"
    );
    assert_eq!(
        v(
            "socketio_adapter_request_duration_seconds_bucket",
            &[("type", "fetch_sockets"), ("le", "+Inf")]
        ),
        "0"
    );

    drop(raw);
    eventually(|| io.metrics().sockets == 0).await;
    let (_, samples) = parse(&sockeye::metrics::prometheus(&io));
    assert_eq!(
        value(&samples, "socketio_sockets", &[("namespace", "/")]),
        "0"
    );
}

#[tokio::test]
async fn namespace_names_are_escaped_in_labels() {
    let io = SocketIo::default();
    let weird = "/a \"quoted\" name\\with\nnewline";
    io.of(weird);
    let text = sockeye::metrics::prometheus(&io);
    assert!(
        text.contains(r#"socketio_sockets{namespace="/a \"quoted\" name\\with\nnewline"} 0"#),
        "{text}"
    );
    let (_, samples) = parse(&text);
    assert_eq!(
        value(&samples, "socketio_sockets", &[("namespace", weird)]),
        "0"
    );
}

#[tokio::test]
async fn children_of_dynamic_namespaces_past_the_cap_share_one_label() {
    use sockeye::metrics::{DYNAMIC_NAMESPACE_LABELS, OTHER_NAMESPACES};
    let io = SocketIo::default();
    io.of("/app");
    io.of_regex(regex_lite::Regex::new(r"^/room-\d+$").unwrap());
    let cap = DYNAMIC_NAMESPACE_LABELS;
    for i in 0..cap + 5 {
        io.of(&format!("/room-{i:04}"));
    }
    let labels = |text: &str| -> Vec<(String, String)> {
        parse(text)
            .1
            .into_iter()
            .filter(|(name, _, _)| name == "socketio_sockets")
            .map(|(_, mut l, v)| (l.remove(0).1, v))
            .collect()
    };
    let first = labels(&sockeye::metrics::prometheus(&io));
    // "/", "/app", the first `cap` rooms, then the rest together.
    assert_eq!(first.len(), 2 + cap + 1, "{first:?}");
    assert!(first.contains(&("/app".into(), "0".into())));
    assert!(first.contains(&(format!("/room-{:04}", cap - 1), "0".into())));
    assert!(!first.iter().any(|(l, _)| *l == format!("/room-{cap:04}")));
    assert_eq!(first.last(), Some(&(OTHER_NAMESPACES.into(), "0".into())));

    // A client names a new child: counted, under "other".
    let addr = serve(&io).await;
    let mut raw = Raw::connect(addr).await;
    raw.send("0/room-9999,").await;
    let reply = raw.recv().await.unwrap();
    assert!(reply.starts_with("0/room-9999,{"), "{reply}");
    let now = labels(&sockeye::metrics::prometheus(&io));
    assert_eq!(now.len(), first.len(), "{now:?}");
    assert_eq!(now.last(), Some(&(OTHER_NAMESPACES.into(), "1".into())));
    // Declared namespaces keep their own label past the cap.
    io.of("/late");
    let now = labels(&sockeye::metrics::prometheus(&io));
    assert!(now.contains(&("/late".into(), "0".into())), "{now:?}");
}

#[tokio::test]
async fn the_response_says_its_content_type() {
    let io = SocketIo::default();
    let r = sockeye::metrics::response(&io);
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
}

#[tokio::test]
async fn a_collector_of_a_server_gone_reports_nothing() {
    let io = SocketIo::default();
    let collector = sockeye::metrics::collector(&io);
    drop(io);
    let mut registry = prometheus_client::registry::Registry::default();
    registry.register_collector(Box::new(collector));
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    assert_eq!(text, "# EOF\n");
}
