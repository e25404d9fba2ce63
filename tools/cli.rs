//! What every command line of the root package shares: the value parsers whose errors the
//! user reads, so that `--port`, `PORT` and URLs are refused in the same plain words by the
//! chat, the chat client and the tool servers.

/// `--port` / `PORT`: 0-65535, where 0 asks the system for a free port (the tests use it).
#[allow(dead_code)] // the chat client listens on no port
pub(crate) fn port(value: &str) -> Result<u16, String> {
    value
        .trim()
        .parse()
        .map_err(|_| "port must be 0-65535 (0 picks a free port)".to_owned())
}

/// An `http://` or `https://` URL with a host, such as `http://localhost:3000`.
#[allow(dead_code)] // not every program that includes this module takes a URL
pub(crate) fn http_url(value: &str) -> Result<String, String> {
    let rest = value
        .strip_prefix("http://")
        .or_else(|| value.strip_prefix("https://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with(['/', ':', '?', '#']) => {
            Ok(value.to_owned())
        }
        Some(_) => Err(format!("invalid URL {value:?}: no host")),
        None => Err(format!(
            "invalid URL {value:?}: expected http:// or https://"
        )),
    }
}
