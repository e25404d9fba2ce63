//! Sockets and times in the shapes the UI reads (the reference's `serialize`).

use std::time::{SystemTime, UNIX_EPOCH};

use socketio_proto::{Map, Value};

use crate::{RemoteSocket, Socket};

/// Where the reference keeps the UI's details of a socket inside its `data`; other nodes of a
/// cluster read them from there, and the UI never sees the key.
pub(crate) const ADMIN_KEY: &str = "_admin";

/// `new Date()` as JSON has it: `2026-11-29T08:30:53.123Z`.
pub(crate) fn iso_date(now: SystemTime) -> String {
    let ms = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let (secs, millis) = (ms / 1000, ms % 1000);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Year, month, day of a count of days since 1970-01-01 (proleptic Gregorian), by 400-year
/// eras of 146,097 days.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

/// The UI's details of a local socket: the first 12 characters of its connection's id (the
/// whole id would let anyone who sees the page take over the connection) and its transport.
pub(crate) fn admin_details(socket: &Socket) -> Value {
    let client = socket.transport_id();
    let client = client.get(..12).unwrap_or(client);
    let mut map = Map::with_capacity(2);
    map.insert("clientId", Value::String(client.to_owned()));
    map.insert("transport", Value::String(socket.transport().to_owned()));
    Value::Object(map)
}

/// The socket's data with the UI's details added, as another node reads it: only an object
/// (or nothing) has room for them.
pub(crate) fn with_admin_details(socket: &Socket, data: Value) -> Value {
    match data {
        Value::Null => {
            let mut map = Map::with_capacity(1);
            map.insert(ADMIN_KEY, admin_details(socket));
            Value::Object(map)
        }
        Value::Object(mut map) => {
            map.insert(ADMIN_KEY, admin_details(socket));
            Value::Object(map)
        }
        other => other,
    }
}

/// The data the UI shows: without the admin's key, an object even when unset (the
/// reference's data always is one).
pub(crate) fn public_data(data: Value) -> Value {
    match data {
        Value::Null => Value::Object(Map::new()),
        Value::Object(mut map) => {
            map.remove(ADMIN_KEY);
            Value::Object(map)
        }
        other => other,
    }
}

/// A socket as the UI lists it: `{ id, clientId, transport, nsp, data, handshake, rooms }`.
pub(crate) fn local_socket(socket: &Socket) -> Value {
    let details = admin_details(socket);
    let mut rooms: Vec<String> = socket.rooms().into_iter().collect();
    rooms.sort();
    // Its own room first, as a Node socket's `rooms` set has it.
    if let Some(i) = rooms.iter().position(|r| r == socket.id()) {
        let own = rooms.remove(i);
        rooms.insert(0, own);
    }
    build(
        socket.id(),
        details.get("clientId").cloned().unwrap_or(Value::Null),
        details.get("transport").cloned().unwrap_or(Value::Null),
        socket.namespace().name(),
        public_data(socket.data_value()),
        &socket.handshake().to_value(),
        rooms,
    )
}

/// A socket another node (or this one) described through `fetch_sockets`: the UI's details
/// come from its data, where the reference (and [`with_admin_details`]) put them.
pub(crate) fn remote_socket(socket: &RemoteSocket, nsp: &str) -> Value {
    let details = socket.data.get(ADMIN_KEY);
    let field = |k: &str| {
        details
            .and_then(|d| d.get(k))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let mut rooms: Vec<String> = socket.rooms.iter().cloned().collect();
    rooms.sort();
    if let Some(i) = rooms.iter().position(|r| r == &socket.id) {
        let own = rooms.remove(i);
        rooms.insert(0, own);
    }
    build(
        &socket.id,
        field("clientId"),
        field("transport"),
        nsp,
        public_data(socket.data.clone()),
        &socket.handshake.to_value(),
        rooms,
    )
}

fn build(
    id: &str,
    client_id: Value,
    transport: Value,
    nsp: &str,
    data: Value,
    handshake: &Value,
    rooms: Vec<String>,
) -> Value {
    let hs = |k: &str| handshake.get(k).cloned().unwrap_or(Value::Null);
    let headers = handshake.get("headers");
    let header = |k: &str| {
        headers
            .and_then(|h| h.get(k))
            .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
            .cloned()
    };
    // Behind a proxy the peer address is the proxy's: the reference prefers these headers.
    let address = header("cf-connecting-ip")
        .or_else(|| header("x-forwarded-for"))
        .unwrap_or_else(|| hs("address"));
    let mut h = Map::with_capacity(8);
    h.insert("address", address);
    h.insert("headers", hs("headers"));
    h.insert("query", hs("query"));
    h.insert("issued", hs("issued"));
    h.insert("secure", hs("secure"));
    h.insert("time", hs("time"));
    h.insert("url", hs("url"));
    h.insert("xdomain", hs("xdomain"));
    let mut map = Map::with_capacity(7);
    map.insert("id", Value::String(id.to_owned()));
    map.insert("clientId", client_id);
    map.insert("transport", transport);
    map.insert("nsp", Value::String(nsp.to_owned()));
    map.insert("data", data);
    map.insert("handshake", Value::Object(h));
    map.insert(
        "rooms",
        Value::Array(rooms.into_iter().map(Value::String).collect()),
    );
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_are_written_as_javascript_writes_them() {
        assert_eq!(iso_date(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        // 2024-02-29 (a leap day) 13:45:07.089
        let t = UNIX_EPOCH + Duration::from_millis(1_709_214_307_089);
        assert_eq!(iso_date(t), "2024-02-29T13:45:07.089Z");
        let t = UNIX_EPOCH + Duration::from_millis(4_102_444_799_999);
        assert_eq!(iso_date(t), "2099-12-31T23:59:59.999Z");
    }

    #[test]
    fn the_ui_never_sees_the_admin_key() {
        let mut map = Map::new();
        map.insert(ADMIN_KEY, Value::Bool(true));
        map.insert("name", Value::String("ann".into()));
        let data = public_data(Value::Object(map));
        assert_eq!(data.get(ADMIN_KEY), None);
        assert_eq!(data.get("name").and_then(Value::as_str), Some("ann"));
        assert_eq!(public_data(Value::Null), Value::Object(Map::new()));
        assert_eq!(public_data(Value::Bool(false)), Value::Bool(false));
    }
}
