//! Responses a till may cache: an `ETag` on the body, and `304 Not Modified` when the till
//! already holds that body (`If-None-Match`), so an unchanged catalogue costs no download.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::hash::{Hash, Hasher};

pub fn cacheable(request: &HeaderMap, body: &impl Serialize) -> Response {
    let bytes = serde_json::to_vec(body).expect("a response serialises");
    // A fast hash of the body: an ETag only has to change when the body does (a new
    // server version may hash differently; the till then downloads once more). Weak: the
    // same JSON, compressed or not, is the same resource for the till.
    let mut hasher = std::hash::DefaultHasher::new();
    bytes.hash(&mut hasher);
    let etag = format!("W/\"{:016x}-{:x}\"", hasher.finish(), bytes.len());
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
