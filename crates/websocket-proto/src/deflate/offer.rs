//! The extension negotiation of RFC 7692 section 7.1, from the server's side: pick the first
//! offer of `permessage-deflate` whose parameters are valid, and answer it.

use std::fmt::Write as _;

/// What a server accepts and asks for when it negotiates permessage-deflate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeflateConfig {
    /// Start every message we send with an empty window, and say so in the answer
    /// (`server_no_context_takeover`), so that the connection keeps no compressor between
    /// messages. Default `true`.
    pub server_no_context_takeover: bool,
    /// Ask the client to start every message it sends with an empty window
    /// (`client_no_context_takeover`), so that the connection keeps no inflater between
    /// messages. The answer may carry it whether or not the client offered it. Default `true`.
    pub client_no_context_takeover: bool,
}

impl Default for DeflateConfig {
    fn default() -> DeflateConfig {
        DeflateConfig {
            server_no_context_takeover: true,
            client_no_context_takeover: true,
        }
    }
}

/// The parameters of a negotiated permessage-deflate, as both ends must apply them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeflateParams {
    /// The server starts every message with an empty window.
    pub server_no_context_takeover: bool,
    /// The client starts every message with an empty window.
    pub client_no_context_takeover: bool,
    /// The largest window (as a power of two, 8 to 15) the server's messages may refer back.
    pub server_max_window_bits: u8,
    /// The largest window (8 to 15) the client's messages may refer back.
    pub client_max_window_bits: u8,
    /// Whether the answer names `server_max_window_bits` (it must when the offer did).
    server_bits_named: bool,
    /// Whether the answer names `client_max_window_bits` (it may only when the offer did).
    client_bits_named: bool,
}

impl DeflateParams {
    /// The value of the `Sec-WebSocket-Extensions` header that accepts these parameters.
    pub fn response_header(&self) -> String {
        let mut out = String::from("permessage-deflate");
        if self.server_no_context_takeover {
            out.push_str("; server_no_context_takeover");
        }
        if self.client_no_context_takeover {
            out.push_str("; client_no_context_takeover");
        }
        if self.server_bits_named {
            let _ = write!(
                out,
                "; server_max_window_bits={}",
                self.server_max_window_bits
            );
        }
        if self.client_bits_named {
            let _ = write!(
                out,
                "; client_max_window_bits={}",
                self.client_max_window_bits
            );
        }
        out
    }
}

/// The parameters accepted from the first valid `permessage-deflate` offer among the
/// `Sec-WebSocket-Extensions` header values `offers`, or `None` when there is none (then the
/// connection goes on without compression). Offers with unknown, repeated or out-of-range
/// parameters are declined, as RFC 7692 section 7.1 asks, and the next one is tried.
pub fn negotiate<'a>(
    offers: impl IntoIterator<Item = &'a str>,
    config: &DeflateConfig,
) -> Option<DeflateParams> {
    offers
        .into_iter()
        .flat_map(|value| split_outside_quotes(value, ','))
        .find_map(|offer| accept(offer, config))
}

/// The parameters that answer one extension offer, if it is a valid permessage-deflate one.
fn accept(offer: &str, config: &DeflateConfig) -> Option<DeflateParams> {
    let mut parts = split_outside_quotes(offer, ';');
    if !parts
        .next()?
        .trim()
        .eq_ignore_ascii_case("permessage-deflate")
    {
        return None;
    }
    let mut params = DeflateParams {
        server_no_context_takeover: config.server_no_context_takeover,
        client_no_context_takeover: config.client_no_context_takeover,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
        server_bits_named: false,
        client_bits_named: false,
    };
    let mut seen = [false; 4];
    for part in parts {
        let (name, value) = match part.split_once('=') {
            Some((name, value)) => (name.trim(), Some(unquote(value.trim()))),
            None => (part.trim(), None),
        };
        let index = match name.to_ascii_lowercase().as_str() {
            "server_no_context_takeover" if value.is_none() => {
                params.server_no_context_takeover = true;
                0
            }
            "client_no_context_takeover" if value.is_none() => {
                // Only a hint: we may answer with it or not, as configured.
                1
            }
            "server_max_window_bits" => {
                params.server_max_window_bits = window_bits(value?)?;
                params.server_bits_named = true;
                2
            }
            "client_max_window_bits" => {
                // Without a value the client only says it understands the parameter.
                if let Some(value) = value {
                    params.client_max_window_bits = window_bits(value)?;
                    params.client_bits_named = true;
                }
                3
            }
            _ => return None,
        };
        if std::mem::replace(&mut seen[index], true) {
            return None;
        }
    }
    Some(params)
}

/// A window size parameter: a decimal 8 to 15 without leading zeros.
fn window_bits(value: &str) -> Option<u8> {
    match value {
        "8" => Some(8),
        "9" => Some(9),
        "10" | "11" | "12" | "13" | "14" | "15" => value.parse().ok(),
        _ => None,
    }
}

/// A parameter value without the quotes of a quoted-string.
fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

/// The pieces of `s` between the `sep` characters that are not inside double quotes.
fn split_outside_quotes(s: &str, sep: char) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let s = rest?;
        let mut quoted = false;
        for (i, c) in s.char_indices() {
            match c {
                '"' => quoted = !quoted,
                c if c == sep && !quoted => {
                    rest = Some(&s[i + 1..]);
                    return Some(&s[..i]);
                }
                _ => {}
            }
        }
        rest = None;
        Some(s)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(offers: &[&str], config: DeflateConfig) -> Option<String> {
        negotiate(offers.iter().copied(), &config).map(|p| p.response_header())
    }

    const KEEP: DeflateConfig = DeflateConfig {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
    };

    #[test]
    fn browsers_and_ws_offer() {
        // What Chromium, Firefox and `ws` send by default.
        let offer = "permessage-deflate; client_max_window_bits";
        assert_eq!(
            answer(&[offer], DeflateConfig::default()).as_deref(),
            Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover")
        );
        assert_eq!(
            answer(&[offer], KEEP).as_deref(),
            Some("permessage-deflate")
        );
        let params = negotiate([offer], &KEEP);
        assert_eq!(params.map(|p| p.client_max_window_bits), Some(15));
    }

    #[test]
    fn parameters_are_echoed() {
        let offer = "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
                     server_max_window_bits=10; client_max_window_bits=\"12\"";
        let params = negotiate([offer], &KEEP);
        assert_eq!(
            params.map(|p| p.response_header()).as_deref(),
            Some(
                "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; \
                 client_max_window_bits=12"
            )
        );
        assert_eq!(params.map(|p| p.server_max_window_bits), Some(10));
        assert_eq!(params.map(|p| p.client_max_window_bits), Some(12));
        assert_eq!(params.map(|p| p.server_no_context_takeover), Some(true));
    }

    #[test]
    fn invalid_offers_are_declined_and_the_next_taken() {
        for bad in [
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=7",
            "permessage-deflate; server_max_window_bits=010",
            "permessage-deflate; client_max_window_bits=abc",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; x_unknown",
            "x-webkit-deflate-frame",
            "",
        ] {
            assert_eq!(answer(&[bad], KEEP), None, "{bad}");
            let two = format!("{bad}, permessage-deflate");
            assert_eq!(
                answer(&[&two], KEEP).as_deref(),
                Some("permessage-deflate"),
                "{bad}"
            );
        }
        // Offers spread over several header lines, names in any case.
        assert_eq!(
            answer(
                &[
                    "foo; a=\"x,y\"",
                    "PerMessage-Deflate ; Client_Max_Window_Bits = 9"
                ],
                KEEP
            )
            .as_deref(),
            Some("permessage-deflate; client_max_window_bits=9")
        );
        assert_eq!(answer(&[], KEEP), None);
    }
}
