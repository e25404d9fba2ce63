//! HTTP long-polling requests: one lane for GETs and one for POSTs, each keeping its own
//! HTTP/1.1 connection alive between requests (as a browser uses two connections).

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::sync::Mutex;

use super::stream;
use super::target::Target;

/// One keep-alive HTTP connection, opened on first use and again after it breaks.
#[derive(Debug, Default, Clone)]
pub(crate) struct Lane {
    conn: Arc<Mutex<Option<SendRequest<Full<Bytes>>>>>,
}

/// Largest polling response body read (the server's `maxHttpBufferSize` is 1 MB by default;
/// a payload holds several packets).
const MAX_BODY: usize = 100 << 20;

impl Lane {
    /// A GET on `path_and_query`; returns the body as text.
    pub(crate) async fn get(
        &self,
        target: &Target,
        path_and_query: &str,
    ) -> Result<String, String> {
        let body = self
            .request(target, http::Method::GET, path_and_query, Bytes::new())
            .await?;
        String::from_utf8(body.to_vec()).map_err(|_| "polling response is not UTF-8".to_owned())
    }

    /// A POST of `payload` (text/plain) on `path_and_query`.
    pub(crate) async fn post(
        &self,
        target: &Target,
        path_and_query: &str,
        payload: String,
    ) -> Result<(), String> {
        self.request(
            target,
            http::Method::POST,
            path_and_query,
            Bytes::from(payload),
        )
        .await
        .map(drop)
    }

    async fn request(
        &self,
        target: &Target,
        method: http::Method,
        path_and_query: &str,
        body: Bytes,
    ) -> Result<Bytes, String> {
        let mut guard = self.conn.lock().await;
        let reusable = match guard.take() {
            Some(mut s) if !s.is_closed() => s.ready().await.is_ok().then_some(s),
            _ => None,
        };
        let mut sender = match reusable {
            Some(s) => s,
            None => open(target).await?,
        };
        let mut builder = http::Request::builder()
            .method(method.clone())
            .uri(path_and_query)
            .header(http::header::HOST, target.authority());
        if method == http::Method::POST {
            builder = builder.header(http::header::CONTENT_TYPE, "text/plain;charset=UTF-8");
        }
        for (k, v) in &target.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let request = builder.body(Full::new(body)).map_err(|e| e.to_string())?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("xhr poll error: {e}"))?;
        let status = response.status();
        let body = http_body_util::Limited::new(response.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|e| format!("xhr poll error: {e}"))?
            .to_bytes();
        *guard = Some(sender);
        if !status.is_success() {
            return Err(format!(
                "xhr poll error: HTTP {} {}",
                status.as_u16(),
                String::from_utf8_lossy(&body)
            ));
        }
        Ok(body)
    }
}

async fn open(target: &Target) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = stream::connect(target)
        .await
        .map_err(|e| format!("xhr poll error: {e}"))?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("xhr poll error: {e}"))?;
    tokio::spawn(async move {
        if let Err(err) = conn.await {
            tracing::debug!(%err, "polling connection ended");
        }
    });
    Ok(sender)
}
