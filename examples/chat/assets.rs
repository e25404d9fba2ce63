//! The chat page, embedded in the binary so that it runs from any directory.

use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// (path, content type, body) of each embedded file.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "/index.html",
        "text/html; charset=utf-8",
        include_bytes!("public/index.html"),
    ),
    (
        "/app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("public/app.js"),
    ),
    (
        "/style.css",
        "text/css; charset=utf-8",
        include_bytes!("public/style.css"),
    ),
];

/// Serves the embedded file at the request's path (`/` is `index.html`), or 404.
pub(crate) async fn serve(uri: Uri) -> Response {
    let path = match uri.path() {
        "/" => "/index.html",
        other => other,
    };
    match FILES.iter().find(|(p, _, _)| *p == path) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "Not found").into_response(),
    }
}
