//! The HTTP/1.1 the generator speaks: one request line and a few headers out, a response
//! with a `Content-Length` or chunked body in.

use std::fmt::Write as _;

/// The websocket upgrade request. The key is fixed: the generator does not check the
/// server's accept hash, a server that answers 101 is taken at its word.
pub(crate) fn upgrade_request(out: &mut Vec<u8>, path: &str, sid: Option<&str>) {
    let mut s = String::with_capacity(256);
    let _ = write!(s, "GET {path}?EIO=4&transport=websocket");
    if let Some(sid) = sid {
        let _ = write!(s, "&sid={sid}");
    }
    s.push_str(
        " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    out.extend_from_slice(s.as_bytes());
}

/// A long-polling GET (`sid` none: the open request).
pub(crate) fn poll_get(out: &mut Vec<u8>, path: &str, sid: Option<&str>) {
    let mut s = String::with_capacity(160);
    let _ = write!(s, "GET {path}?EIO=4&transport=polling");
    if let Some(sid) = sid {
        let _ = write!(s, "&sid={sid}");
    }
    s.push_str(" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    out.extend_from_slice(s.as_bytes());
}

/// A polling POST carrying `body`.
pub(crate) fn poll_post(out: &mut Vec<u8>, path: &str, sid: &str, body: &[u8]) {
    let mut s = String::with_capacity(200);
    let _ = write!(
        s,
        "POST {path}?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Content-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    out.extend_from_slice(s.as_bytes());
    out.extend_from_slice(body);
}

/// A complete response found at the start of a buffer.
pub(crate) struct Response {
    pub(crate) status: u16,
    /// The body (decoded when chunked).
    pub(crate) body: Vec<u8>,
    /// Bytes the response takes in the buffer.
    pub(crate) len: usize,
    /// The server will close the connection after it.
    pub(crate) close: bool,
}

/// Parses a response with its body; `Ok(None)` while incomplete. For a `101`, `len` ends at
/// the headers (what follows is websocket frames).
pub(crate) fn parse_response(buf: &[u8]) -> Result<Option<Response>, String> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut resp = httparse::Response::new(&mut headers);
    let head = match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(format!("bad HTTP response: {e}")),
    };
    let status = resp.code.unwrap_or(0);
    let mut content_length = None;
    let mut chunked = false;
    let mut close = false;
    for h in resp.headers.iter() {
        if h.name.eq_ignore_ascii_case("content-length") {
            let v = std::str::from_utf8(h.value).map_err(|_| "bad content-length")?;
            content_length = Some(
                v.trim()
                    .parse::<usize>()
                    .map_err(|_| format!("bad content-length {v:?}"))?,
            );
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = h.value.eq_ignore_ascii_case(b"chunked");
        } else if h.name.eq_ignore_ascii_case("connection") {
            close = h.value.eq_ignore_ascii_case(b"close");
        }
    }
    if status == 101 {
        return Ok(Some(Response {
            status,
            body: Vec::new(),
            len: head,
            close: false,
        }));
    }
    if chunked {
        return Ok(parse_chunked(&buf[head..])?.map(|(body, n)| Response {
            status,
            body,
            len: head + n,
            close,
        }));
    }
    let n = content_length.unwrap_or(0);
    if n > 64 << 20 {
        return Err(format!("HTTP body of {n} bytes"));
    }
    if buf.len() < head + n {
        return Ok(None);
    }
    Ok(Some(Response {
        status,
        body: buf[head..head + n].to_vec(),
        len: head + n,
        close,
    }))
}

fn parse_chunked(buf: &[u8]) -> Result<Option<(Vec<u8>, usize)>, String> {
    let mut body = Vec::new();
    let mut pos = 0;
    loop {
        let Some(eol) = find(&buf[pos..], b"\r\n") else {
            return Ok(None);
        };
        let line = std::str::from_utf8(&buf[pos..pos + eol]).map_err(|_| "bad chunk size")?;
        let hex = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(hex, 16).map_err(|_| format!("bad chunk {hex:?}"))?;
        if size > 64 << 20 {
            return Err("chunk too large".into());
        }
        pos += eol + 2;
        if size == 0 {
            // No trailers are expected: the final CRLF ends the body.
            if buf.len() < pos + 2 {
                return Ok(None);
            }
            return Ok(Some((body, pos + 2)));
        }
        if buf.len() < pos + size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&buf[pos..pos + size]);
        pos += size + 2;
    }
}

/// The first position of `needle` in `hay`.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_length_and_chunked() {
        let r = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP";
        let p = parse_response(r).ok().flatten();
        assert!(matches!(
            p,
            Some(Response {
                status: 200,
                len: 40,
                ..
            })
        ));
        let c =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n1\r\n!\r\n0\r\n\r\n";
        let p = parse_response(c).ok().flatten();
        assert_eq!(p.map(|p| p.body), Some(b"ok!".to_vec()));
        assert!(matches!(parse_response(&c[..c.len() - 1]), Ok(None)));
    }
}
