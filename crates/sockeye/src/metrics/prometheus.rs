//! The counters in the Prometheus (OpenMetrics) text format, encoded from a snapshot when
//! scraped: nothing runs unless someone asks.

use std::fmt::Write;
use std::sync::{Arc, Weak};

use bytes::Bytes;
use http::{HeaderValue, Response, header};
use http_body_util::Full;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeLabelValue, LabelValueEncoder, MetricEncoder, NoLabelSet,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::exemplar::Exemplar;
use prometheus_client::registry::Registry;

use super::{LATENCY_BOUNDS, NamespaceSample};
use crate::SocketIo;
use crate::engine::EngineBody;
use crate::server::ServerInner;

/// The `Content-Type` of [`prometheus`]'s text: OpenMetrics 1.0, which Prometheus reads.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The server's counters in the OpenMetrics text format that Prometheus scrapes: one family
/// per counter (`engineio_*`, `socketio_*`, counters ending in `_total`), each with its
/// `# HELP` and `# TYPE` lines, then `# EOF`.
///
/// Serve it at `/metrics` beside Socket.IO with [`response`]; for several servers in one
/// process, register each one's [`collector`] in a registry of your own, under a label.
pub fn prometheus(io: &SocketIo) -> String {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(collector(io)));
    let mut text = String::new();
    // Writing to a String only fails if a collector does, and ours do not.
    let _ = prometheus_client::encoding::text::encode(&mut text, &registry);
    text
}

/// [`prometheus`] as an HTTP response with its content type, for any HTTP framework that
/// takes an `http::Response`: axum takes it as a handler's return value.
///
/// ```
/// use axum::{Router, routing::get};
/// use sockeye::SocketIo;
///
/// let io = SocketIo::default();
/// let scraped = io.clone();
/// let app: Router = Router::new()
///     .route("/metrics", get(move || {
///         let io = scraped.clone();
///         async move { sockeye::metrics::response(&io) }
///     }))
///     .layer(io.layer());
/// ```
pub fn response(io: &SocketIo) -> Response<EngineBody> {
    let mut r = Response::new(Full::new(Bytes::from(prometheus(io))));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    r
}

/// The server's counters as a `prometheus-client` [`Collector`], to register in a registry
/// of your own: beside your application's metrics, or with several servers in one process,
/// each under a label.
///
/// ```
/// use prometheus_client::registry::Registry;
/// use sockeye::SocketIo;
///
/// let (chat, game) = (SocketIo::default(), SocketIo::default());
/// let mut registry = Registry::default();
/// registry
///     .sub_registry_with_label(("server".into(), "chat".into()))
///     .register_collector(Box::new(sockeye::metrics::collector(&chat)));
/// registry
///     .sub_registry_with_label(("server".into(), "game".into()))
///     .register_collector(Box::new(sockeye::metrics::collector(&game)));
/// let mut text = String::new();
/// prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
/// assert!(text.contains(r#"engineio_upgrades_total{server="game"} 0"#));
/// ```
pub fn collector(io: &SocketIo) -> SocketIoCollector {
    SocketIoCollector(Arc::downgrade(&io.0))
}

/// A server's counters for a `prometheus-client` registry (see [`collector`]). It does not
/// keep the server alive: once the server is gone, it reports nothing.
#[derive(Clone)]
pub struct SocketIoCollector(Weak<ServerInner>);

impl std::fmt::Debug for SocketIoCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketIoCollector").finish_non_exhaustive()
    }
}

impl Collector for SocketIoCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(inner) = self.0.upgrade() else {
            return Ok(());
        };
        let io = SocketIo(inner);
        let m = io.metrics();
        let e = &mut encoder;

        let mut family = describe(
            e,
            "engineio_connections",
            "Engine.IO sessions open now, by transport (an upgraded one counts as websocket).",
            MetricType::Gauge,
        )?;
        gauge(
            &mut family,
            ("transport", "polling"),
            m.engine.polling_sessions,
        )?;
        gauge(
            &mut family,
            ("transport", "websocket"),
            m.engine.websocket_sessions,
        )?;
        single_counter(
            e,
            "engineio_upgrades",
            "Sessions upgraded from HTTP long-polling to websocket.",
            m.engine.upgrades,
        )?;
        let mut family = describe(
            e,
            "engineio_handshake_failures",
            "Engine.IO requests refused, by reason (handshakes, and requests naming an unknown session).",
            MetricType::Counter,
        )?;
        for (reason, n) in m.engine.handshake_failures.by_reason() {
            counter(&mut family, ("reason", reason), n)?;
        }

        let mut family = describe(
            e,
            "socketio_sockets",
            "Sockets connected now, by namespace (children of dynamic namespaces past the first 100 share the value other).",
            MetricType::Gauge,
        )?;
        let namespaces = io
            .namespaces()
            .into_iter()
            .map(|ns| NamespaceSample {
                name: ns.name().to_owned(),
                dynamic: ns.parent().is_some(),
                sockets: ns.socket_count() as u64,
            })
            .collect();
        for (label, n) in io.0.counters.namespace_labels.samples(namespaces) {
            gauge(&mut family, ("namespace", label.as_str()), n)?;
        }
        let counters: [(&str, &str, u64); 7] = [
            (
                "socketio_packets_received",
                "Socket.IO packets received.",
                m.packets_in,
            ),
            (
                "socketio_packets_sent",
                "Socket.IO packets queued to a transport (a broadcast counts once per recipient).",
                m.packets_out,
            ),
            (
                "socketio_bytes_received",
                "Bytes of the Engine.IO messages that carried the packets received.",
                m.bytes_in,
            ),
            (
                "socketio_bytes_sent",
                "Bytes of the Engine.IO messages queued to transports (once per recipient).",
                m.bytes_out,
            ),
            (
                "socketio_broadcasts",
                "Broadcasts sent from this node (once per call, not per recipient).",
                m.broadcasts,
            ),
            (
                "socketio_acks_timed_out",
                "Acknowledgements that did not come before their timeout.",
                m.acks_timed_out,
            ),
            (
                "socketio_volatile_dropped",
                "Volatile packets dropped because the transport was not ready to write.",
                m.volatile_dropped,
            ),
        ];
        for (name, help, n) in counters {
            single_counter(e, name, help, n)?;
        }
        single_counter(
            e,
            "socketio_slow_consumers",
            "Connections closed because their outbox was full (a client that does not keep up).",
            m.slow_consumers,
        )?;
        let gauges: [(&str, &str, u64); 4] = [
            (
                "socketio_acks_pending",
                "Acknowledgements the server waits for now.",
                m.acks_pending,
            ),
            (
                "socketio_recovery_sessions",
                "Disconnected sessions kept in this node's memory for their clients to recover.",
                m.recovery_sessions,
            ),
            (
                "socketio_recovery_log_packets",
                "Packets in this node's connection state recovery logs.",
                m.recovery_packets,
            ),
            (
                "socketio_recovery_log_bytes",
                "Estimated size of this node's connection state recovery logs, in bytes.",
                m.recovery_bytes,
            ),
        ];
        for (name, help, n) in gauges {
            let mut family = e.encode_descriptor(name, help, None, MetricType::Gauge)?;
            family.encode_gauge(&n)?;
        }

        let mut family = describe(
            e,
            "socketio_adapter_requests",
            "Requests handed to the cluster adapter, by type.",
            MetricType::Counter,
        )?;
        for (kind, k) in m.adapter.iter() {
            counter(&mut family, ("type", kind.as_str()), k.requests)?;
        }
        let mut family = describe(
            e,
            "socketio_adapter_request_errors",
            "Cluster adapter requests that failed (other nodes unreachable or late), by type.",
            MetricType::Counter,
        )?;
        for (kind, k) in m.adapter.iter() {
            counter(&mut family, ("type", kind.as_str()), k.errors)?;
        }
        let mut family = describe(
            e,
            "socketio_adapter_request_duration_seconds",
            "How long the awaited cluster adapter requests took, by type.",
            MetricType::Histogram,
        )?;
        for (kind, k) in m.adapter.iter() {
            if kind == super::AdapterRequest::Broadcast {
                continue;
            }
            let labels = [("type", Escaped(kind.as_str()))];
            let mut metric = family.encode_family(&labels)?;
            let buckets: Vec<(f64, u64)> = LATENCY_BOUNDS
                .iter()
                .copied()
                .chain([f64::MAX])
                .zip(k.latency.buckets)
                .collect();
            let sum = k.latency.sum_micros as f64 / 1e6;
            metric.encode_histogram(
                sum,
                k.latency.count(),
                &buckets,
                None::<&std::collections::HashMap<usize, Exemplar<NoLabelSet, f64>>>,
            )?;
        }
        Ok(())
    }
}

fn describe<'a>(
    e: &'a mut DescriptorEncoder<'_>,
    name: &'a str,
    help: &str,
    kind: MetricType,
) -> Result<MetricEncoder<'a>, std::fmt::Error> {
    e.encode_descriptor(name, help, None, kind)
}

fn single_counter(
    e: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    n: u64,
) -> Result<(), std::fmt::Error> {
    let mut family = e.encode_descriptor(name, help, None, MetricType::Counter)?;
    family.encode_counter::<NoLabelSet, _, u64>(&n, None)
}

fn counter(
    family: &mut MetricEncoder<'_>,
    (key, value): (&str, &str),
    n: u64,
) -> Result<(), std::fmt::Error> {
    let labels = [(key, Escaped(value))];
    family
        .encode_family(&labels)?
        .encode_counter::<NoLabelSet, _, u64>(&n, None)
}

fn gauge(
    family: &mut MetricEncoder<'_>,
    (key, value): (&str, &str),
    n: u64,
) -> Result<(), std::fmt::Error> {
    let labels = [(key, Escaped(value))];
    family.encode_family(&labels)?.encode_gauge(&n)
}

/// A label value as the text format needs it: `prometheus-client` writes values as they
/// are, and a namespace name may hold a quote, a backslash or a newline.
struct Escaped<'a>(&'a str);

impl EncodeLabelValue for Escaped<'_> {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        for c in self.0.chars() {
            match c {
                '\\' => encoder.write_str("\\\\")?,
                '"' => encoder.write_str("\\\"")?,
                '\n' => encoder.write_str("\\n")?,
                c => encoder.write_char(c)?,
            }
        }
        Ok(())
    }
}
