//! `socket.handshake`: what the client sent when it connected.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use socketio_proto::Value;

use crate::engine::HandshakeRequest;
use crate::engine::percent_decode;

/// The details of the connection a socket came in on, as the reference's `socket.handshake`.
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
    fn query_strings_are_decoded() {
        let q = parse_query("a=1&b=x%20y&c=%zz&d+e=f+g&flag");
        assert_eq!(q["a"], "1");
        assert_eq!(q["b"], "x y");
        assert_eq!(q["c"], "%zz");
        assert_eq!(q["d e"], "f g");
        assert_eq!(q["flag"], "");
    }
}
