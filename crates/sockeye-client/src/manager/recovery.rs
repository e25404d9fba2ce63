//! Connection state recovery, the client's half: the private session id (`pid`) a server
//! with `connectionStateRecovery` gives in its CONNECT answer, and the offset of the last
//! event handed to the handlers, both sent back with the next CONNECT so that the server can
//! restore the session (same id, rooms, data) and replay what the client missed.
//!
//! The server appends the offset, a string, as the last argument of every event that is
//! neither volatile nor asking for an acknowledgement. As the reference client, this one
//! leaves it in the arguments the handlers see and takes the last argument of any event
//! without an ack id as the offset once a pid is known.

use socketio_proto::{Map, Value};

/// One namespace's recovery state. The driver updates it; [`Socket`](crate::Socket) reads it.
#[derive(Debug, Default, Clone)]
pub(crate) struct Recovery {
    pid: Option<String>,
    offset: Option<String>,
    recovered: bool,
}

impl Recovery {
    /// Whether the last CONNECT answer restored the previous session.
    pub(crate) fn recovered(&self) -> bool {
        self.recovered
    }

    /// The offset of the last event queued for the handlers.
    pub(crate) fn offset(&self) -> Option<&str> {
        self.offset.as_deref()
    }

    /// The auth of the next CONNECT: `{pid, offset, ...auth}` once the server gave a pid
    /// (the user's keys win, as `Object.assign` in the reference), else `auth` unchanged.
    /// An auth that is not an object has no room for them and goes as it is.
    pub(crate) fn connect_auth(&self, auth: Option<Value>) -> Option<Value> {
        let Some(pid) = &self.pid else {
            return auth;
        };
        let user = match auth {
            Some(Value::Object(user)) => user,
            None | Some(Value::Null) => Map::new(),
            Some(other) => return Some(other),
        };
        let mut map = Map::with_capacity(user.len() + 2);
        map.insert("pid", Value::String(pid.clone()));
        if let Some(offset) = &self.offset {
            map.insert("offset", Value::String(offset.clone()));
        }
        map.extend(user);
        Some(Value::Object(map))
    }

    /// Reads the CONNECT answer's `pid` (absent, or not a string, when the server does not
    /// recover sessions) and returns whether the session was recovered: the server kept
    /// the pid it gave before.
    pub(crate) fn on_connect(&mut self, answer: Option<&Value>) -> bool {
        let pid = answer
            .and_then(|a| a.get("pid"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        self.recovered = pid.is_some() && pid == self.pid;
        self.pid = pid;
        self.recovered
    }

    /// Notes the offset an event carries, as it is queued for the handlers. `args` starts
    /// with the event name, which never counts: an event without data has no offset.
    pub(crate) fn on_event(&mut self, args: &[Value], ack_id: Option<u64>) {
        if self.pid.is_none() || ack_id.is_some() || args.len() < 2 {
            return;
        }
        if let Some(Value::String(offset)) = args.last() {
            self.offset = Some(offset.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    fn v(j: serde_json::Value) -> Value {
        socketio_proto::to_value(&j).unwrap()
    }

    /// The auth as JSON, so that key order does not count.
    fn auth(r: &Recovery, user: Option<Value>) -> Option<serde_json::Value> {
        r.connect_auth(user)
            .map(|a| socketio_proto::from_value(a).unwrap())
    }

    fn args(j: serde_json::Value) -> Vec<Value> {
        match v(j) {
            Value::Array(a) => a,
            _ => unreachable!(),
        }
    }

    #[test]
    fn without_a_pid_the_auth_goes_unchanged_and_offsets_are_not_read() {
        let mut r = Recovery::default();
        assert_eq!(auth(&r, None), None);
        assert_eq!(auth(&r, Some(v(json!({"t": 1})))), Some(json!({"t": 1})));
        assert!(!r.on_connect(Some(&v(json!({"sid": "a"})))));
        r.on_event(&args(json!(["e", 1, "7-0"])), None);
        assert_eq!(r.offset(), None);
        assert_eq!(auth(&r, None), None);
    }

    #[test]
    fn the_pid_and_last_offset_go_first_in_the_next_connect_auth() {
        let mut r = Recovery::default();
        assert!(!r.on_connect(Some(&v(json!({"sid": "a", "pid": "p1"})))));
        // No event yet: the pid alone.
        assert_eq!(auth(&r, None), Some(json!({"pid": "p1"})));
        r.on_event(&args(json!(["e", 1, "o1"])), None);
        r.on_event(&args(json!(["e", {"x": 1}, "o2"])), None);
        assert_eq!(r.offset(), Some("o2"));
        assert_eq!(
            auth(&r, Some(v(json!({"token": "t"})))),
            Some(json!({"pid": "p1", "offset": "o2", "token": "t"}))
        );
        // The user's keys win, as Object.assign; null is no auth.
        assert_eq!(
            auth(&r, Some(v(json!({"offset": "mine"})))),
            Some(json!({"pid": "p1", "offset": "mine"}))
        );
        assert_eq!(
            auth(&r, Some(Value::Null)),
            Some(json!({"pid": "p1", "offset": "o2"}))
        );
        // An auth that is not an object is left alone.
        assert_eq!(auth(&r, Some(v(json!("str")))), Some(json!("str")));
    }

    #[test]
    fn only_a_trailing_string_of_an_event_without_ack_is_an_offset() {
        let mut r = Recovery::default();
        r.on_connect(Some(&v(json!({"sid": "a", "pid": "p"}))));
        r.on_event(&args(json!(["e", "o1"])), None);
        for (event, ack) in [
            (json!(["e", "o2"]), Some(3)), // asks for an ack: never stored by the server
            (json!(["e", 1, null]), None),
            (json!(["e", 1, 2]), None),
            (json!(["e", ["o3"]]), None),
            (json!(["e", {"offset": "o4"}]), None),
            (json!(["only-a-name"]), None),
            (json!([]), None),
        ] {
            r.on_event(&args(event), ack);
        }
        assert_eq!(r.offset(), Some("o1"));
        // A volatile event ending with a string is taken too, as in the reference.
        r.on_event(&args(json!(["e", ""])), None);
        assert_eq!(r.offset(), Some(""));
    }

    #[test]
    fn recovered_only_when_the_server_answers_with_the_same_pid() {
        let mut r = Recovery::default();
        let answer = |pid: serde_json::Value| v(json!({"sid": "s", "pid": pid}));
        assert!(!r.on_connect(Some(&answer(json!("p1")))));
        assert!(r.on_connect(Some(&answer(json!("p1")))));
        assert!(r.recovered());
        // A new session: a new pid, not recovered, and its pid is the one sent next.
        assert!(!r.on_connect(Some(&answer(json!("p2")))));
        assert_eq!(auth(&r, None), Some(json!({"pid": "p2"})));
        // A pid of the wrong type, or none, is no pid.
        assert!(!r.on_connect(Some(&answer(json!(2)))));
        assert_eq!(auth(&r, None), None);
        assert!(!r.on_connect(Some(&answer(json!(null)))));
        assert!(!r.on_connect(None));
        assert!(!r.on_connect(Some(&answer(json!(null)))));
        assert!(!r.recovered());
    }
}
