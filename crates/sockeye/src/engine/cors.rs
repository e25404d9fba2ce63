//! CORS as the `cors` npm package does it for engine.io: headers on every response, and
//! preflight `OPTIONS` answered with 204.

use std::fmt;
use std::sync::Arc;

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::request::Parts;

/// Which origins may make requests.
#[derive(Clone, Default)]
pub enum CorsOrigin {
    /// Any origin: `Access-Control-Allow-Origin: *` (`origin: "*"`, the package default).
    #[default]
    Any,
    /// Reflect the request's origin (`origin: true`).
    Reflect,
    /// Always this origin (`origin: "https://example.com"`).
    Exact(String),
    /// The request's origin if it is in the list (`origin: [...]`).
    List(Vec<String>),
    /// The request's origin if the predicate accepts it (`origin: function`).
    Predicate(Arc<dyn Fn(&str) -> bool + Send + Sync>),
}

impl fmt::Debug for CorsOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorsOrigin::Any => f.write_str("Any"),
            CorsOrigin::Reflect => f.write_str("Reflect"),
            CorsOrigin::Exact(o) => f.debug_tuple("Exact").field(o).finish(),
            CorsOrigin::List(l) => f.debug_tuple("List").field(l).finish(),
            CorsOrigin::Predicate(_) => f.write_str("Predicate(..)"),
        }
    }
}

/// The `cors` option.
#[derive(Debug, Clone)]
pub struct CorsConfig {
    /// Allowed origins; default any.
    pub origin: CorsOrigin,
    /// `Access-Control-Allow-Methods` on preflight; default `GET,HEAD,PUT,PATCH,POST,DELETE`.
    pub methods: Vec<String>,
    /// `Access-Control-Allow-Headers` on preflight; default none, which reflects the
    /// request's `Access-Control-Request-Headers`.
    pub allowed_headers: Option<Vec<String>>,
    /// `Access-Control-Expose-Headers`; default none.
    pub exposed_headers: Vec<String>,
    /// `Access-Control-Allow-Credentials: true`; default false.
    pub credentials: bool,
    /// `Access-Control-Max-Age` in seconds on preflight; default none.
    pub max_age: Option<u64>,
}

impl Default for CorsConfig {
    fn default() -> CorsConfig {
        CorsConfig {
            origin: CorsOrigin::Any,
            methods: ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"]
                .map(String::from)
                .to_vec(),
            allowed_headers: None,
            exposed_headers: Vec::new(),
            credentials: false,
            max_age: None,
        }
    }
}

impl CorsConfig {
    /// Any origin, default settings.
    pub fn any() -> CorsConfig {
        CorsConfig::default()
    }

    /// Sets the allowed origins.
    pub fn origin(mut self, origin: CorsOrigin) -> Self {
        self.origin = origin;
        self
    }

    /// Sets the preflight methods.
    pub fn methods(mut self, methods: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.methods = methods.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the preflight allowed headers.
    pub fn allowed_headers(mut self, h: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.allowed_headers = Some(h.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the exposed headers.
    pub fn exposed_headers(mut self, h: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.exposed_headers = h.into_iter().map(Into::into).collect();
        self
    }

    /// Sets whether credentials are allowed.
    pub fn credentials(mut self, yes: bool) -> Self {
        self.credentials = yes;
        self
    }

    /// Sets the preflight max age in seconds.
    pub fn max_age(mut self, secs: u64) -> Self {
        self.max_age = Some(secs);
        self
    }

    /// Whether `origin` is one of the allowed origins; `None` when the configuration names
    /// none (any origin, or the request's reflected).
    pub(crate) fn allows_origin(&self, origin: &str) -> Option<bool> {
        match &self.origin {
            CorsOrigin::Any | CorsOrigin::Reflect => None,
            CorsOrigin::Exact(o) => Some(o == origin),
            CorsOrigin::List(list) => Some(list.iter().any(|l| l == origin)),
            CorsOrigin::Predicate(f) => Some(f(origin)),
        }
    }

    /// The headers for a response to `req`; `preflight` adds the preflight-only ones.
    pub(crate) fn headers(&self, req: &Parts, preflight: bool) -> HeaderMap {
        let mut out = HeaderMap::new();
        self.origin_headers(req, &mut out);
        if self.credentials {
            out.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        if preflight {
            put_list(
                &mut out,
                header::ACCESS_CONTROL_ALLOW_METHODS,
                &self.methods,
            );
            match &self.allowed_headers {
                Some(list) => put_list(&mut out, header::ACCESS_CONTROL_ALLOW_HEADERS, list),
                None => {
                    if let Some(v) = req.headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
                        out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v.clone());
                    }
                    out.append(
                        header::VARY,
                        HeaderValue::from_static("Access-Control-Request-Headers"),
                    );
                }
            }
            if let Some(age) = self.max_age {
                out.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from(age));
            }
        }
        put_list(
            &mut out,
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            &self.exposed_headers,
        );
        out
    }

    fn origin_headers(&self, req: &Parts, out: &mut HeaderMap) {
        let request_origin = req.headers.get(header::ORIGIN);
        let allowed = match &self.origin {
            CorsOrigin::Any => {
                out.insert(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                );
                return;
            }
            CorsOrigin::Exact(o) => {
                if let Ok(v) = HeaderValue::from_str(o) {
                    out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
                }
                out.append(header::VARY, HeaderValue::from_static("Origin"));
                return;
            }
            CorsOrigin::Reflect => true,
            CorsOrigin::List(list) => request_origin
                .and_then(|o| o.to_str().ok())
                .is_some_and(|o| list.iter().any(|l| l == o)),
            CorsOrigin::Predicate(f) => request_origin
                .and_then(|o| o.to_str().ok())
                .is_some_and(|o| f(o)),
        };
        if allowed {
            if let Some(o) = request_origin {
                out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o.clone());
            }
        }
        out.append(header::VARY, HeaderValue::from_static("Origin"));
    }
}

fn put_list(out: &mut HeaderMap, name: HeaderName, list: &[String]) {
    if list.is_empty() {
        return;
    }
    if let Ok(v) = HeaderValue::from_str(&list.join(",")) {
        out.insert(name, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(origin: Option<&str>) -> Parts {
        let mut b = http::Request::builder().uri("/engine.io/");
        if let Some(o) = origin {
            b = b.header("origin", o);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn any_origin_is_a_star() {
        let h = CorsConfig::any().headers(&parts(Some("http://a")), false);
        assert_eq!(h["access-control-allow-origin"], "*");
        assert!(h.get("vary").is_none());
    }

    #[test]
    fn list_reflects_allowed_origins_only() {
        let cors = CorsConfig::any().origin(CorsOrigin::List(vec!["http://a".into()]));
        let h = cors.headers(&parts(Some("http://a")), false);
        assert_eq!(h["access-control-allow-origin"], "http://a");
        assert_eq!(h["vary"], "Origin");
        let h = cors.headers(&parts(Some("http://b")), false);
        assert!(h.get("access-control-allow-origin").is_none());
    }

    #[test]
    fn only_named_origins_are_checked() {
        assert_eq!(CorsConfig::any().allows_origin("http://b"), None);
        let reflect = CorsConfig::any().origin(CorsOrigin::Reflect);
        assert_eq!(reflect.allows_origin("http://b"), None);
        let exact = CorsConfig::any().origin(CorsOrigin::Exact("http://a".into()));
        assert_eq!(exact.allows_origin("http://a"), Some(true));
        assert_eq!(exact.allows_origin("http://b"), Some(false));
        let pred = CorsConfig::any().origin(CorsOrigin::Predicate(Arc::new(|o| o.ends_with(".a"))));
        assert_eq!(pred.allows_origin("http://x.a"), Some(true));
        assert_eq!(pred.allows_origin("http://x.b"), Some(false));
    }

    #[test]
    fn preflight_reflects_requested_headers() {
        let mut p = parts(Some("http://a"));
        p.headers.insert(
            "access-control-request-headers",
            HeaderValue::from_static("x-y"),
        );
        let h = CorsConfig::any()
            .credentials(true)
            .max_age(60)
            .headers(&p, true);
        assert_eq!(h["access-control-allow-headers"], "x-y");
        assert_eq!(
            h["access-control-allow-methods"],
            "GET,HEAD,PUT,PATCH,POST,DELETE"
        );
        assert_eq!(h["access-control-allow-credentials"], "true");
        assert_eq!(h["access-control-max-age"], "60");
    }
}
