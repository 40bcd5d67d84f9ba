//! Responses a till may cache: an `ETag` on the body, and `304 Not Modified` when the till
//! already holds that body (`If-None-Match`), so an unchanged catalogue costs no download.

use crate::secret::sha256_hex;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

pub fn cacheable(request: &HeaderMap, body: &Value) -> Response {
    let bytes = body.to_string().into_bytes();
    // Weak: the same JSON, compressed or not, is the same resource for the till.
    let etag = format!("W/\"{}\"", &sha256_hex(&bytes)[..32]);
    let etag_value = HeaderValue::from_str(&etag).expect("an ETag is ASCII");
    let known = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',').map(str::trim).any(|tag| {
                tag == "*" || tag.trim_start_matches("W/") == etag.trim_start_matches("W/")
            })
        });
    if known {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::ETAG, etag_value),
        ],
        bytes,
    )
        .into_response()
}
