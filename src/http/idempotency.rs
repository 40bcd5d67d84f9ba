//! `Idempotency-Key` (the IETF httpapi draft "The Idempotency-Key HTTP Header Field"), for
//! the requests that record sales.
//!
//! The first request with a key claims it before any work ([`idempotency_keys`]). When the
//! work is done its response, success or refusal, is stored against the key; a repeat with
//! the same key and the same request gets that response again and touches nothing. A
//! repeat while the first is still running is `409`; the same key on a different request is
//! `422`. Keys are scoped to the terminal and kept at least 24 hours.
//!
//! The work runs in its own task: a till whose link drops mid-request does not cancel it,
//! so what was started is finished and its response stored for the retry.

use super::AppState;
use super::error::ApiError;
use super::terminal::gate::Terminal;
use crate::code::Code;
use crate::db::idempotency_keys::{self, Claim};
use crate::secret::sha256_hex;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::time::Duration;

const HEADER: &str = "idempotency-key";
/// A claim is kept alive by its request every `HEARTBEAT` while it runs (see
/// [`idempotency_keys::ABANDONED_AFTER_SECONDS`]).
const HEARTBEAT: Duration = Duration::from_secs(2);

/// A validated key: 1 to 255 visible ASCII characters.
pub struct IdempotencyKey(String);

/// The request's key, if it sent one.
fn key(headers: &HeaderMap) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(|k| k.trim().trim_matches('"'))
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::bad_request(
                Code::InvalidIdempotencyKey,
                "En-tête Idempotency-Key invalide : de 1 à 255 caractères ASCII visibles",
            )
        })?;
    Ok(Some(IdempotencyKey(key.to_owned())))
}

/// What a request is, for telling a repeat from another request under the same key.
fn fingerprint(route: &str, body: &[u8]) -> String {
    let mut data = Vec::with_capacity(route.len() + 1 + body.len());
    data.extend_from_slice(route.as_bytes());
    data.push(b'\n');
    data.extend_from_slice(body);
    sha256_hex(&data)
}

/// A handler that records sales, run under the request's `Idempotency-Key` (if any): the
/// request is fingerprinted as `route` and its body, and `work` gets the state, the till and
/// the body.
pub async fn respond<W, F, R>(
    state: AppState,
    terminal: Terminal,
    headers: &HeaderMap,
    route: &str,
    body: Bytes,
    work: W,
) -> Response
where
    W: FnOnce(AppState, Terminal, Bytes) -> F,
    F: Future<Output = Result<R, ApiError>> + Send + 'static,
    R: IntoResponse,
{
    let key = match key(headers) {
        Ok(key) => key,
        Err(e) => return e.into_response(),
    };
    let fingerprint = fingerprint(route, &body);
    let terminal_id = terminal.id;
    let work = work(state.clone(), terminal, body);
    run(&state, terminal_id, key, fingerprint, async move {
        match work.await {
            Ok(response) => response.into_response(),
            Err(e) => e.into_response(),
        }
    })
    .await
}

/// Runs `work` to completion whatever happens to the client; with a key, at most once per
/// key, replaying its response to repeats.
async fn run<F>(
    state: &AppState,
    terminal_id: i64,
    key: Option<IdempotencyKey>,
    fingerprint: String,
    work: F,
) -> Response
where
    F: Future<Output = Response> + Send + 'static,
{
    let Some(IdempotencyKey(key)) = key else {
        return finish(work).await;
    };
    let pool = state.pool.clone();
    match idempotency_keys::claim(&pool, terminal_id, &key, &fingerprint).await {
        Ok(Claim::Granted) => {}
        Ok(Claim::Replay(status, body)) => {
            return replay(StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body);
        }
        Ok(Claim::InProgress) => {
            return ApiError::new(
                StatusCode::CONFLICT,
                Code::IdempotencyKeyInProgress,
                "Une requête avec cette Idempotency-Key est en cours : réessayez dans un instant",
            )
            .into_response();
        }
        Ok(Claim::Mismatch) => {
            return ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                Code::IdempotencyKeyReused,
                "Cette Idempotency-Key a déjà servi pour une autre requête",
            )
            .into_response();
        }
        Err(e) => return ApiError::from(e).into_response(),
    }
    finish(async move {
        let response = {
            tokio::pin!(work);
            let mut heartbeat = tokio::time::interval(HEARTBEAT);
            heartbeat.tick().await;
            loop {
                tokio::select! {
                    response = &mut work => break response,
                    _ = heartbeat.tick() => idempotency_keys::keep_alive(&pool, terminal_id, &key).await,
                }
            }
        };
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        let stored = if parts.status.is_server_error() {
            // The database failed us: let the retry do the work.
            idempotency_keys::release(&pool, terminal_id, &key).await
        } else {
            idempotency_keys::complete(&pool, terminal_id, &key, parts.status.as_u16(), &bytes).await
        };
        if let Err(error) = stored {
            tracing::warn!(%error, "idempotency key not settled; it will be taken over later");
        }
        Response::from_parts(parts, Body::from(bytes))
    })
    .await
}

/// Runs `work` in its own task and waits for it: dropping this future (the client went
/// away) does not cancel the work.
async fn finish<F>(work: F) -> Response
where
    F: Future<Output = Response> + Send + 'static,
{
    // In the request's span, so that what the work logs carries the request's id.
    tokio::spawn(tracing::Instrument::in_current_span(work))
        .await
        .unwrap_or_else(|_| ApiError::internal().into_response())
}

fn replay(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
