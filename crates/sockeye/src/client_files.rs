//! The browser client, served at `<path>socket.io.js`, `socket.io.min.js`,
//! `socket.io.esm.min.js` and `socket.io.msgpack.min.js` (msgpack parser) as the reference
//! serves its own: an ETag (and 304 when it
//! matches), `Cache-Control: public, max-age=0`, gzip when the browser accepts it. Each
//! bundle's source map is served beside it (`<name>.map`, JSON), as the reference does.
//!
//! The bundles are embedded from `crates/sockeye/client`, the copy `js/build.js` writes beside
//! `js/dist` so that the crate can be packaged on its own.

use std::io::Write;
use std::sync::OnceLock;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};

/// One served file: its name under the path, its bytes, and its gzip form made on first use.
struct ClientFile {
    name: &'static str,
    body: &'static [u8],
    gzip: OnceLock<Bytes>,
    etag: OnceLock<HeaderValue>,
}

static FILES: [ClientFile; 4] = [
    ClientFile::new("socket.io.js", include_bytes!("../client/socket.io.js")),
    ClientFile::new(
        "socket.io.min.js",
        include_bytes!("../client/socket.io.min.js"),
    ),
    ClientFile::new(
        "socket.io.esm.min.js",
        include_bytes!("../client/socket.io.esm.min.js"),
    ),
    // The same client speaking the msgpack parser's format (`Parser::Msgpack` servers).
    ClientFile::new(
        "socket.io.msgpack.min.js",
        include_bytes!("../client/socket.io.msgpack.min.js"),
    ),
];

/// The source maps, named by the bundles' `sourceMappingURL` comments.
static MAPS: [ClientFile; 4] = [
    ClientFile::new(
        "socket.io.js.map",
        include_bytes!("../client/socket.io.js.map"),
    ),
    ClientFile::new(
        "socket.io.min.js.map",
        include_bytes!("../client/socket.io.min.js.map"),
    ),
    ClientFile::new(
        "socket.io.esm.min.js.map",
        include_bytes!("../client/socket.io.esm.min.js.map"),
    ),
    ClientFile::new(
        "socket.io.msgpack.min.js.map",
        include_bytes!("../client/socket.io.msgpack.min.js.map"),
    ),
];

/// Every served file: the bundles, then the maps.
fn all_files() -> impl Iterator<Item = &'static ClientFile> {
    FILES.iter().chain(MAPS.iter())
}

impl ClientFile {
    /// JSON for a source map, JavaScript for a bundle.
    fn content_type(&self) -> &'static str {
        if self.name.ends_with(".map") {
            "application/json; charset=utf-8"
        } else {
            "application/javascript; charset=utf-8"
        }
    }

    const fn new(name: &'static str, body: &'static [u8]) -> Self {
        ClientFile {
            name,
            body,
            gzip: OnceLock::new(),
            etag: OnceLock::new(),
        }
    }

    fn gzip(&self) -> Bytes {
        self.gzip
            .get_or_init(|| {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                match encoder.write_all(self.body).and_then(|()| encoder.finish()) {
                    Ok(zipped) => Bytes::from(zipped),
                    Err(_) => Bytes::new(),
                }
            })
            .clone()
    }

    /// `"sockeye-<version>-<hash of the bytes>"`: it changes whenever the file does.
    fn etag(&self) -> &HeaderValue {
        self.etag.get_or_init(|| {
            // FNV-1a: stable across builds and platforms, unlike the std hasher.
            let hash = self.body.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
            });
            let tag = format!("\"sockeye-{}-{hash:016x}\"", env!("CARGO_PKG_VERSION"));
            HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"sockeye\""))
        })
    }
}

/// Which client file `path` names under the server's `base` path, if any.
pub(crate) fn lookup(base: &str, path: &str) -> Option<usize> {
    let name = path.strip_prefix(base)?;
    all_files().position(|f| f.name == name)
}

/// Answers a request for client file `index` (as found by [`lookup`]).
pub(crate) fn respond<B>(index: usize, req: &Request<B>) -> Response<Bytes> {
    let Some(file) = all_files().nth(index) else {
        return Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Bytes::new())
            .unwrap_or_default();
    };
    let etag = file.etag();
    let weak = format!("W/{}", etag.to_str().unwrap_or_default());
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag || v == weak);
    if matches {
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag.clone())
            .body(Bytes::new())
            .unwrap_or_default();
    }
    let gzip = req
        .headers()
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|enc| {
            let mut parts = enc.trim().split(';');
            parts.next().is_some_and(|name| name.trim() == "gzip")
                && !parts.any(|q| q.trim().replace(' ', "") == "q=0")
        });
    let builder = Response::builder()
        .status(StatusCode::OK)
        .header(header::CACHE_CONTROL, "public, max-age=0")
        .header(header::CONTENT_TYPE, file.content_type())
        .header(header::ETAG, etag.clone())
        .header(header::VARY, "Accept-Encoding");
    let response = if gzip {
        builder
            .header(header::CONTENT_ENCODING, "gzip")
            .body(file.gzip())
    } else {
        builder.body(Bytes::from_static(file.body))
    };
    response.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str, headers: &[(&str, &str)]) -> Response<Bytes> {
        let mut req = Request::builder().uri(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(()).unwrap();
        let index = lookup("/socket.io/", path).unwrap();
        respond(index, &req)
    }

    #[test]
    fn files_are_found_under_the_path_only() {
        assert!(lookup("/socket.io/", "/socket.io/socket.io.js").is_some());
        assert!(lookup("/socket.io/", "/socket.io/socket.io.min.js").is_some());
        assert!(lookup("/socket.io/", "/socket.io/socket.io.esm.min.js").is_some());
        assert!(lookup("/socket.io/", "/socket.io/other.js").is_none());
        assert!(lookup("/socket.io/", "/socket.io/socket.io.min.js.map").is_some());
        assert!(lookup("/socket.io/", "/socket.io/other.js.map").is_none());
        assert!(lookup("/socket.io/", "/socket.io.js").is_none());
    }

    #[test]
    fn a_matching_etag_gets_304_and_gzip_is_honoured() {
        let first = get("/socket.io/socket.io.js", &[]);
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(first.headers()[header::CACHE_CONTROL], "public, max-age=0");
        let etag = first.headers()[header::ETAG].to_str().unwrap().to_owned();
        let again = get("/socket.io/socket.io.js", &[("if-none-match", &etag)]);
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        let zipped = get(
            "/socket.io/socket.io.js",
            &[("accept-encoding", "gzip, br")],
        );
        assert_eq!(zipped.headers()[header::CONTENT_ENCODING], "gzip");
        assert!(zipped.body().len() < first.body().len());
        let refused = get(
            "/socket.io/socket.io.js",
            &[("accept-encoding", "gzip;q=0")],
        );
        assert!(refused.headers().get(header::CONTENT_ENCODING).is_none());
    }

    #[test]
    fn maps_are_served_as_json_beside_their_bundles() {
        for name in ["socket.io.js", "socket.io.min.js", "socket.io.esm.min.js"] {
            let bundle = get(&format!("/socket.io/{name}"), &[]);
            let tail = format!("//# sourceMappingURL={name}.map\n");
            assert!(bundle.body().ends_with(tail.as_bytes()), "{name}");
            let map = get(&format!("/socket.io/{name}.map"), &[]);
            assert_eq!(map.status(), StatusCode::OK);
            assert_eq!(
                map.headers()[header::CONTENT_TYPE],
                "application/json; charset=utf-8"
            );
            let json: serde_json::Value = serde_json::from_slice(map.body()).unwrap();
            assert_eq!(json["version"], 3);
            assert_eq!(json["file"], name);
        }
    }

    /// The embedded copy is what `js/build.js` wrote to `js/dist`: a file changed, added or
    /// removed in one and not the other fails here. Skipped outside the repository (a
    /// packaged crate has no `js/`).
    #[test]
    fn the_embedded_copy_matches_js_dist() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let Ok(dist) = std::fs::read_dir(root.join("../../js/dist")) else {
            return;
        };
        let names = |dir: std::fs::ReadDir| {
            let mut names: Vec<_> = dir
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            names.sort();
            names
        };
        let dist = names(dist);
        let copy = names(std::fs::read_dir(root.join("client")).unwrap());
        assert_eq!(dist, copy, "run `node js/build.js`");
        for name in &dist {
            let a = std::fs::read(root.join("../../js/dist").join(name)).unwrap();
            let b = std::fs::read(root.join("client").join(name)).unwrap();
            assert!(
                a == b,
                "crates/sockeye/client/{name} differs from js/dist: run `node js/build.js`"
            );
        }
    }
}
