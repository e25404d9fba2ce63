//! HTTP compression of long-polling responses, as the reference's `httpCompression` option
//! (gzip or deflate, above a size threshold, when the client accepts it).

use std::io::Write;

use bytes::Bytes;
use flate2::Compression;
use flate2::write::{GzEncoder, ZlibEncoder};
use http::HeaderMap;
use http::header::ACCEPT_ENCODING;

/// A content coding the engine can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Gzip,
    Deflate,
}

impl Encoding {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Encoding::Gzip => "gzip",
            Encoding::Deflate => "deflate",
        }
    }

    /// Compresses `data`; `None` if the encoder fails (the response then goes uncompressed).
    pub(crate) fn compress(self, data: &[u8]) -> Option<Bytes> {
        let out = Vec::with_capacity(data.len() / 2);
        let level = Compression::default();
        let bytes = match self {
            Encoding::Gzip => {
                let mut e = GzEncoder::new(out, level);
                e.write_all(data).ok()?;
                e.finish().ok()?
            }
            Encoding::Deflate => {
                // Node's `createDeflate` is zlib-wrapped deflate, which is what HTTP's
                // `deflate` coding means.
                let mut e = ZlibEncoder::new(out, level);
                e.write_all(data).ok()?;
                e.finish().ok()?
            }
        };
        Some(Bytes::from(bytes))
    }
}

/// The client's preferred coding among gzip and deflate (highest q, then the client's order),
/// from `Accept-Encoding`.
pub(crate) fn negotiate(headers: &HeaderMap) -> Option<Encoding> {
    let mut best: Option<(Encoding, f32)> = None;
    for value in headers.get_all(ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let encoding = if name.eq_ignore_ascii_case("gzip") || name == "*" {
                Encoding::Gzip
            } else if name.eq_ignore_ascii_case("deflate") {
                Encoding::Deflate
            } else {
                continue;
            };
            if q > 0.0 && best.is_none_or(|(_, bq)| q > bq) {
                best = Some((encoding, q));
            }
        }
    }
    best.map(|(e, _)| e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT_ENCODING, v.parse().unwrap());
        h
    }

    #[test]
    fn picks_the_clients_preference() {
        assert_eq!(
            negotiate(&accept("gzip, deflate, br")),
            Some(Encoding::Gzip)
        );
        assert_eq!(negotiate(&accept("deflate, gzip")), Some(Encoding::Deflate));
        assert_eq!(
            negotiate(&accept("gzip;q=0.5, deflate")),
            Some(Encoding::Deflate)
        );
        assert_eq!(negotiate(&accept("gzip;q=0, br")), None);
        assert_eq!(negotiate(&accept("identity")), None);
        assert_eq!(negotiate(&HeaderMap::new()), None);
    }

    #[test]
    fn compresses_and_inflates_back() {
        use std::io::Read;
        let data = "4hello ".repeat(500);
        let gz = Encoding::Gzip.compress(data.as_bytes()).unwrap();
        let mut out = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, data);
        let z = Encoding::Deflate.compress(data.as_bytes()).unwrap();
        let mut out = String::new();
        flate2::read::ZlibDecoder::new(&z[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, data);
    }
}
