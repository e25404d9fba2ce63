//! `socket.handshake`: what the client sent when it connected.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use http::{HeaderName, HeaderValue};
use socketio_proto::{Map, Value};

use crate::engine::HandshakeRequest;
use crate::engine::percent_decode;

/// The details of the connection a socket came in on, as the reference's `socket.handshake`.
///
/// It serialises as the reference's object (see [`Handshake::to_value`]), so that it can be
/// sent or logged as a Node server would:
///
/// ```
/// use sockeye::{Ack, Socket, SocketIo};
///
/// let io = SocketIo::default();
/// io.on_connection(|socket: Socket| async move {
///     socket.on("whoami", |socket: Socket, ack: Ack| async move {
///         // {"headers":{...},"time":"...","address":"...","xdomain":false,...,"auth":{}}
///         ack.send(socket.handshake());
///     });
/// });
/// ```
#[derive(Debug, Clone)]
pub struct Handshake {
    /// The headers of the first HTTP request of the connection.
    pub headers: HeaderMap,
    /// When the socket was created, in the reference's `Date` string form.
    pub time: String,
    /// The client's IP address, empty when unknown.
    pub address: String,
    /// Whether the request was cross-domain (it carried an `Origin` header).
    pub xdomain: bool,
    /// Whether the connection was made over TLS.
    pub secure: bool,
    /// When the socket was created, in milliseconds since the Unix epoch.
    pub issued: u64,
    /// The path and query of the first request.
    pub url: String,
    /// The query parameters of the first request.
    pub query: HashMap<String, String>,
    /// The auth payload the client sent with its CONNECT packet (an empty object when none).
    pub auth: Value,
}

impl Handshake {
    /// The handshake of a socket created at `created`.
    pub(crate) fn new(request: &HandshakeRequest, auth: Value, created: SystemTime) -> Handshake {
        let issued = created
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let uri = &request.uri;
        let query = uri.query().map(parse_query).unwrap_or_default();
        Handshake {
            headers: request.headers.clone(),
            time: date_string(issued),
            address: request
                .remote_addr
                .map(|a| a.ip().to_string())
                .unwrap_or_default(),
            xdomain: request.headers.contains_key(http::header::ORIGIN),
            secure: request.secure,
            issued,
            url: uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| uri.path().to_owned()),
            query,
            auth,
        }
    }
}

impl Handshake {
    /// The reference's `socket.handshake` object: header names in lower case, a header sent
    /// several times joined with `", "` (`set-cookie` as an array), as Node's `req.headers`.
    pub fn to_value(&self) -> Value {
        let mut headers = Map::with_capacity(self.headers.keys_len());
        for name in self.headers.keys() {
            let values: Vec<String> = self
                .headers
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            let value = if name == http::header::SET_COOKIE {
                Value::Array(values.into_iter().map(Value::String).collect())
            } else {
                Value::String(values.join(", "))
            };
            headers.insert(name.as_str(), value);
        }
        let mut query = Map::with_capacity(self.query.len());
        for (k, v) in &self.query {
            query.insert(k.as_str(), Value::String(v.clone()));
        }
        let mut map = Map::with_capacity(9);
        map.insert("headers", Value::Object(headers));
        map.insert("time", Value::String(self.time.clone()));
        map.insert("address", Value::String(self.address.clone()));
        map.insert("xdomain", Value::Bool(self.xdomain));
        map.insert("secure", Value::Bool(self.secure));
        map.insert("issued", Value::Number(self.issued.into()));
        map.insert("url", Value::String(self.url.clone()));
        map.insert("query", Value::Object(query));
        map.insert("auth", self.auth.clone());
        Value::Object(map)
    }

    /// Reads the reference's handshake object (from another node); what is missing or of
    /// another type is left empty, and header names or values that HTTP does not allow are
    /// left out.
    pub fn from_value(value: &Value) -> Handshake {
        let text = |key: &str| {
            value
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let mut headers = HeaderMap::new();
        if let Some(map) = value.get("headers").and_then(Value::as_object) {
            for (name, v) in map.iter() {
                let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
                    continue;
                };
                let items = match v {
                    Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                    Value::String(s) => vec![s.as_str()],
                    _ => Vec::new(),
                };
                for item in items {
                    if let Ok(v) = HeaderValue::from_str(item) {
                        headers.append(name.clone(), v);
                    }
                }
            }
        }
        let query = value
            .get("query")
            .and_then(Value::as_object)
            .map(|q| {
                q.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        Handshake {
            headers,
            time: text("time"),
            address: text("address"),
            xdomain: value
                .get("xdomain")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            secure: value
                .get("secure")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            issued: value.get("issued").and_then(Value::as_u64).unwrap_or(0),
            url: text("url"),
            query,
            auth: value
                .get("auth")
                .cloned()
                .unwrap_or_else(|| Value::Object(Map::new())),
        }
    }
}

impl serde::Serialize for Handshake {
    /// As [`Handshake::to_value`]: the reference's keys in its order, headers as Node's
    /// `req.headers`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

/// Parses `a=1&b=x%20y` into a map; later keys win, as in Node's querystring for scalars.
pub(crate) fn parse_query(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (
                percent_decode(k).into_owned(),
                percent_decode(v).into_owned(),
            ),
            None => (percent_decode(pair).into_owned(), String::new()),
        })
        .collect()
}

/// `Wed Nov 25 2026 20:24:32 GMT+0000 (Coordinated Universal Time)`, as `new Date() + ""`
/// prints in a Node process running in UTC.
fn date_string(millis: u64) -> String {
    let secs = millis / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let (year, month, day) = civil_from_days(days);
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(month - 1) as usize];
    format!(
        "{weekday} {month} {day:02} {year} {h:02}:{m:02}:{s:02} GMT+0000 (Coordinated Universal Time)"
    )
}

/// Days since 1970-01-01 to (year, month 1-12, day 1-31), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_print_as_node_does_in_utc() {
        assert_eq!(
            date_string(1_795_638_272_000),
            "Wed Nov 25 2026 20:24:32 GMT+0000 (Coordinated Universal Time)"
        );
        assert_eq!(
            date_string(0),
            "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)"
        );
    }

    #[test]
    fn the_handshake_object_round_trips_as_the_reference_shapes_it() {
        let mut headers = HeaderMap::new();
        headers.insert("x-a", HeaderValue::from_static("1"));
        headers.append("x-a", HeaderValue::from_static("2"));
        headers.append("set-cookie", HeaderValue::from_static("a=1"));
        let hs = Handshake {
            headers,
            time: "t".into(),
            address: "127.0.0.1".into(),
            xdomain: true,
            secure: false,
            issued: 7,
            url: "/socket.io/?EIO=4".into(),
            query: HashMap::from([("EIO".to_owned(), "4".to_owned())]),
            auth: Value::Null,
        };
        let value = hs.to_value();
        assert_eq!(
            value.get("headers").and_then(|h| h.get("x-a")),
            Some(&Value::String("1, 2".into()))
        );
        let back = Handshake::from_value(&value);
        assert_eq!(back.headers.get_all("set-cookie").iter().count(), 1);
        assert_eq!(back.issued, 7);
        assert_eq!(back.query["EIO"], "4");
        assert!(back.xdomain);
        // A peer's garbage gives an empty handshake, not a panic.
        let empty = Handshake::from_value(&Value::String("nope".into()));
        assert!(empty.headers.is_empty() && empty.url.is_empty());
    }

    #[test]
    fn it_serialises_as_the_reference_handshake_object() {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("example.test"));
        headers.append("x-a", HeaderValue::from_static("1"));
        headers.append("x-a", HeaderValue::from_static("2"));
        headers.append("set-cookie", HeaderValue::from_static("a=1"));
        headers.append("set-cookie", HeaderValue::from_static("b=2"));
        let hs = Handshake {
            headers,
            time: date_string(0),
            address: "::1".into(),
            xdomain: false,
            secure: true,
            issued: 0,
            url: "/socket.io/?EIO=4&transport=polling&t=x".into(),
            query: HashMap::from([("EIO".to_owned(), "4".to_owned())]),
            auth: serde_json::from_str(r#"{"token":null,"n":[1]}"#).unwrap(),
        };
        let json = serde_json::to_string(&hs).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"headers":{"host":"example.test","x-a":"1, 2","set-cookie":["a=1","b=2"]},"#,
                r#""time":"Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)","#,
                r#""address":"::1","xdomain":false,"secure":true,"issued":0,"#,
                r#""url":"/socket.io/?EIO=4&transport=polling&t=x","query":{"EIO":"4"},"#,
                r#""auth":{"token":null,"n":[1]}}"#
            )
        );
        // Empty parts stay present, with their types.
        let empty = Handshake::from_value(&Value::Null);
        assert_eq!(
            serde_json::to_string(&empty).unwrap(),
            r#"{"headers":{},"time":"","address":"","xdomain":false,"secure":false,"issued":0,"url":"","query":{},"auth":{}}"#
        );
    }

    #[test]
    fn query_strings_are_decoded() {
        let q = parse_query("a=1&b=x%20y&c=%zz&d+e=f+g&flag");
        assert_eq!(q["a"], "1");
        assert_eq!(q["b"], "x y");
        assert_eq!(q["c"], "%zz");
        assert_eq!(q["d e"], "f g");
        assert_eq!(q["flag"], "");
    }
}
