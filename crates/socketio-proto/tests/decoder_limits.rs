//! What a peer can make the decoder hold: attachment count, attachment bytes, waiting time.

#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] fns unwrap too

use std::time::{Duration, Instant};

use bytes::Bytes;
use socketio_proto::{DecodeError, Decoder, DecoderLimits, Packet, Value, encode};

fn header(count: usize) -> String {
    let placeholders: Vec<String> = (0..count)
        .map(|i| format!(r#"{{"_placeholder":true,"num":{i}}}"#))
        .collect();
    format!(r#"5{count}-["e",{}]"#, placeholders.join(","))
}

#[test]
fn defaults() {
    let l = DecoderLimits::default();
    assert_eq!(l.max_attachments, 10);
    assert_eq!(l.max_attachment_bytes, 1_000_000);
    assert_eq!(l.attachment_timeout, Some(Duration::from_secs(60)));
}

#[test]
fn attachment_count_limit_is_inclusive() {
    let now = Instant::now();
    let mut d = Decoder::new(DecoderLimits::default().max_attachments(3));
    assert_eq!(d.decode_text(&header(3), now), Ok(None));
    d.reset();
    assert_eq!(
        d.decode_text(&header(4), now),
        Err(DecodeError::TooManyAttachments)
    );
    assert!(!d.is_pending());

    let mut none = Decoder::new(DecoderLimits::default().max_attachments(0));
    assert_eq!(
        none.decode_text(&header(1), now),
        Err(DecodeError::TooManyAttachments)
    );
}

#[test]
fn attachment_bytes_limit_counts_the_whole_packet() {
    let now = Instant::now();
    let mut d = Decoder::new(DecoderLimits::default().max_attachment_bytes(10));
    d.decode_text(&header(3), now).unwrap();
    assert_eq!(d.decode_binary(Bytes::from(vec![0; 5])), Ok(None));
    assert_eq!(d.decode_binary(Bytes::from(vec![0; 5])), Ok(None));
    assert_eq!(
        d.decode_binary(Bytes::from(vec![0; 1])),
        Err(DecodeError::AttachmentsTooLarge)
    );
    // The partial packet is gone, so a further attachment is unexpected.
    assert!(!d.is_pending());
    assert_eq!(
        d.decode_binary(Bytes::from_static(b"x")),
        Err(DecodeError::UnexpectedBinary)
    );
    // Exactly at the limit is fine.
    d.decode_text(&header(2), now).unwrap();
    d.decode_binary(Bytes::from(vec![0; 5])).unwrap();
    assert!(d.decode_binary(Bytes::from(vec![0; 5])).unwrap().is_some());
}

#[test]
fn partial_packet_expires() {
    let t0 = Instant::now();
    let mut d =
        Decoder::new(DecoderLimits::default().attachment_timeout(Some(Duration::from_secs(5))));
    assert_eq!(d.poll_timeout(), None);
    assert!(!d.handle_timeout(t0 + Duration::from_secs(100)));

    d.decode_text(&header(2), t0).unwrap();
    assert_eq!(d.pending_since(), Some(t0));
    let deadline = t0 + Duration::from_secs(5);
    assert_eq!(d.poll_timeout(), Some(deadline));
    d.decode_binary(Bytes::from_static(b"a")).unwrap();
    // Progress does not extend the deadline: a trickling peer cannot hold the packet forever.
    assert_eq!(d.poll_timeout(), Some(deadline));

    assert!(!d.is_expired(deadline - Duration::from_millis(1)));
    assert!(!d.handle_timeout(deadline - Duration::from_millis(1)));
    assert!(d.is_expired(deadline));
    assert!(d.handle_timeout(deadline));
    assert!(!d.is_pending());
    assert_eq!(d.poll_timeout(), None);

    // Idle again: a fresh packet decodes.
    let p = Packet::event("/", "after", [Value::from(1)], None);
    assert_eq!(d.decode_text(&encode(&p).text, deadline).unwrap(), Some(p));
}

#[test]
fn no_timeout_when_disabled() {
    let t0 = Instant::now();
    let mut d = Decoder::new(DecoderLimits::default().attachment_timeout(None));
    d.decode_text(&header(1), t0).unwrap();
    assert_eq!(d.pending_since(), Some(t0));
    assert_eq!(d.poll_timeout(), None);
    assert!(!d.handle_timeout(t0 + Duration::from_secs(1_000_000)));
    assert!(d.is_pending());
}

#[test]
fn every_attachment_must_be_referenced() {
    let now = Instant::now();
    let mut d = Decoder::default();
    assert_eq!(
        d.decode_text(r#"52-["e",{"_placeholder":true,"num":1}]"#, now),
        Err(DecodeError::IllegalPlaceholder)
    );
    assert!(!d.is_pending());
    // The same attachment referenced twice is allowed, as in the reference.
    let text = r#"51-["e",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]"#;
    d.decode_text(text, now).unwrap();
    let p = d.decode_binary(Bytes::from_static(b"z")).unwrap().unwrap();
    let z = Value::Binary(Bytes::from_static(b"z"));
    assert_eq!(p, Packet::event("/", "e", [z.clone(), z], None));
}

#[test]
fn malformed_headers_never_panic() {
    let now = Instant::now();
    let inputs = [
        "5",
        "5-",
        "50-",
        "5-/",
        "50-/",
        "50-/a",
        "2/",
        "2/,",
        "2/,,",
        "21",
        "2999999999999999999999[\"a\"]",
        "3",
        "3[]",
        "31",
        "4",
        "1",
        "0/",
        "0,",
        "2,[\"a\"]",
        "2[\"a\"] ",
        "2 [\"a\"]",
        "2[\"a\"]x",
        "0{\"a\":1}{}",
        "2[\"a\",{\"_placeholder\":true,\"num\":18446744073709551616}]",
        "51-[\"a\",{\"_placeholder\":true,\"num\":18446744073709551616}]",
        "6é",
        "5é-",
        "2/é,1[\"é\"]",
        "2[1]",
        "2[1.5]",
        "2[\"a\"",
        "2]",
        "2[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    ];
    for text in inputs {
        let mut d = Decoder::default();
        let _ = d.decode_text(text, now);
        let _ = d.decode_binary(Bytes::from_static(b"x"));
    }
    let deep = format!("2[\"a\",{}{}]", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(
        Decoder::default().decode_text(&deep, now),
        Err(DecodeError::TooDeep)
    );
}

#[test]
fn stricter_than_the_reference_where_no_client_goes() {
    let now = Instant::now();
    let err = |t: &str| Decoder::default().decode_text(t, now).unwrap_err();
    assert_eq!(err("2"), DecodeError::InvalidPayload);
    assert_eq!(err("2/admin,"), DecodeError::InvalidPayload);
    assert_eq!(err("4"), DecodeError::InvalidPayload);
    assert_eq!(err("3[]"), DecodeError::MissingAckId);
    assert_eq!(
        err("2/a,99999999999999999999[\"a\"]"),
        DecodeError::InvalidAckId
    );
    assert_eq!(err("5-[\"a\"]"), DecodeError::IllegalAttachments);
    // ACK without payload is an empty acknowledgement.
    let p = Decoder::default()
        .decode_text("3/a,4", now)
        .unwrap()
        .unwrap();
    assert_eq!(p, Packet::ack("/a", vec![], 4));
}

#[test]
fn namespace_without_comma_runs_to_the_end() {
    let now = Instant::now();
    let p = Decoder::default()
        .decode_text("0/admin", now)
        .unwrap()
        .unwrap();
    assert_eq!(p, Packet::connect("/admin", None));
    let p = Decoder::default()
        .decode_text("1/admin", now)
        .unwrap()
        .unwrap();
    assert_eq!(p, Packet::disconnect("/admin"));
}

/// An event whose argument array holds `levels - 1` nested arrays: `levels` deep in all.
fn nested_event(levels: usize) -> String {
    format!(
        r#"2["e",{}"x"{}]"#,
        "[".repeat(levels - 1),
        "]".repeat(levels - 1)
    )
}

#[test]
fn nesting_depth_is_a_configurable_limit_counting_the_argument_array() {
    let now = Instant::now();
    assert_eq!(DecoderLimits::default().max_depth, 256);
    // serde_json alone refused 128 levels; the reference takes them.
    let mut d = Decoder::new(DecoderLimits::default());
    for levels in [1, 127, 128, 256] {
        assert!(
            matches!(d.decode_text(&nested_event(levels), now), Ok(Some(_))),
            "{levels}"
        );
    }
    assert_eq!(
        d.decode_text(&nested_event(257), now),
        Err(DecodeError::TooDeep)
    );
    // Lower than serde_json's own limit.
    let mut shallow = Decoder::new(DecoderLimits::default().max_depth(3));
    assert!(matches!(
        shallow.decode_text(&nested_event(3), now),
        Ok(Some(_))
    ));
    assert_eq!(
        shallow.decode_text(&nested_event(4), now),
        Err(DecodeError::TooDeep)
    );
    // Brackets inside strings do not count; objects do.
    assert!(matches!(
        shallow.decode_text(r#"2["e","[[[[\"[[[[",{"a":1}]"#, now),
        Ok(Some(_))
    ));
    assert_eq!(
        shallow.decode_text(r#"2["e",{"a":{"b":{"c":1}}}]"#, now),
        Err(DecodeError::TooDeep)
    );
    // Deep but malformed is still malformed, and a limit past the ceiling is the ceiling.
    let mut deep = Decoder::new(DecoderLimits::default().max_depth(usize::MAX));
    assert_eq!(
        deep.decode_text(&format!(r#"2["e",{}"#, "[".repeat(500)), now),
        Err(DecodeError::InvalidPayload)
    );
    assert!(matches!(
        deep.decode_text(&nested_event(socketio_proto::MAX_DEPTH_CEILING), now),
        Ok(Some(_))
    ));
    assert_eq!(
        deep.decode_text(&nested_event(socketio_proto::MAX_DEPTH_CEILING + 1), now),
        Err(DecodeError::TooDeep)
    );
}
