//! Responses a till may cache: an `ETag` on the body, and `304 Not Modified` when the till
//! already holds that body (`If-None-Match`), so an unchanged catalogue costs no download.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::hash::{Hash, Hasher};

/// A fast hash of `bytes`: an ETag only has to change when the body does (a new server
/// version may hash differently; the till then downloads once more).
pub fn digest(bytes: &[u8]) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

pub fn cacheable(request: &HeaderMap, body: &impl Serialize) -> Response {
    let bytes = serde_json::to_vec(body).expect("a response serialises");
    // Weak: the same JSON, compressed or not, is the same resource for the till.
    let etag = format!("W/\"{:016x}-{:x}\"", digest(&bytes), bytes.len());
    answer(request, etag, || bytes)
}

/// As [`cacheable`], for a body whose bulk (a whole catalogue) was hashed once, when it was
/// serialised: the ETag is made of `outline` (the body without its bulk) and `bulk`, the
/// bulk's digest. An unchanged catalogue then costs no hashing, and a `304` no serialising.
pub fn cacheable_bulk<B: Serialize>(
    request: &HeaderMap,
    outline: &impl Serialize,
    bulk: u64,
    body: impl FnOnce() -> B,
) -> Response {
    let outline = serde_json::to_vec(outline).expect("a response serialises");
    let mut hasher = std::hash::DefaultHasher::new();
    outline.hash(&mut hasher);
    bulk.hash(&mut hasher);
    let etag = format!("W/\"{:016x}-{:x}\"", hasher.finish(), outline.len());
    answer(request, etag, || {
        serde_json::to_vec(&body()).expect("a response serialises")
    })
}

fn answer(request: &HeaderMap, etag: String, bytes: impl FnOnce() -> Vec<u8>) -> Response {
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
        bytes(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn etag_of(response: &Response) -> String {
        response.headers()[header::ETAG]
            .to_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn the_bulk_counts_in_the_etag_and_a_known_one_is_not_serialised() {
        let outline = serde_json::json!({"token": "7", "articles": []});
        let first = cacheable_bulk(&HeaderMap::new(), &outline, 1, || "a");
        let other_bulk = cacheable_bulk(&HeaderMap::new(), &outline, 2, || "b");
        assert_eq!(first.status(), StatusCode::OK);
        assert_ne!(etag_of(&first), etag_of(&other_bulk));

        let mut request = HeaderMap::new();
        request.insert(header::IF_NONE_MATCH, etag_of(&first).parse().unwrap());
        let again = cacheable_bulk(&request, &outline, 1, || -> &str {
            panic!("an answer the till holds is not serialised")
        });
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(etag_of(&again), etag_of(&first));
    }
}
