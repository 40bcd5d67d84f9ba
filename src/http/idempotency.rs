//! `Idempotency-Key` (the IETF httpapi draft "The Idempotency-Key HTTP Header Field"), as a
//! layer on the routes that record sales or give stock back.
//!
//! The first request with a key claims it before any work ([`idempotency_keys`]). When the
//! work is done its response, success or refusal, is stored against the key; a repeat with
//! the same key and the same request (same route, same body) gets that response again, with
//! `Idempotent-Replayed: true`, and touches nothing. A repeat while the first is still
//! running is `409`; the same key on a different request is `422`; a `5xx` gives the key
//! back so that the retry does the work. Keys belong to a [`Scope`] (a till), never seen by
//! another, and are kept at least 24 hours.
//!
//! With a key or without, the work runs in its own task: a till whose link drops
//! mid-request does not cancel it, so what was started is finished (and, under a key, its
//! response stored for the retry).

use super::AppState;
use super::error::ApiError;
use super::extract::RawBody;
use crate::code::Code;
use crate::db::idempotency_keys::{self, Claim};
use crate::secret::sha256_hex;
use axum::RequestExt;
use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::time::Duration;

const HEADER: &str = "idempotency-key";
/// A claim is kept alive by its request every `HEARTBEAT` while it runs (see
/// [`idempotency_keys::ABANDONED_AFTER_SECONDS`]).
const HEARTBEAT: Duration = Duration::from_secs(2);

/// Who a key belongs to, resolved from the request by the door that applies the layer. The
/// layer puts it into the request's extensions, so that the handler's own extractor can
/// take it from there instead of resolving it a second time.
pub trait Scope:
    FromRequestParts<AppState, Rejection = ApiError> + Clone + Send + Sync + 'static
{
    /// The owner's id: keys are unique per owner.
    fn scope_id(&self) -> i64;
}

/// A validated key: 1 to 255 visible ASCII characters.
struct IdempotencyKey(String);

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

/// What a request is, for telling a repeat from another request under the same key: its
/// method, its route (`/ventes/sync` and `/ventes/sync/` are one) and its body.
fn fingerprint(request: &Request, body: &[u8]) -> String {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| request.uri().path(), MatchedPath::as_str);
    let route = route
        .strip_suffix('/')
        .filter(|r| !r.is_empty())
        .unwrap_or(route);
    let mut data = Vec::with_capacity(route.len() + 16 + body.len());
    data.extend_from_slice(request.method().as_str().as_bytes());
    data.push(b' ');
    data.extend_from_slice(route.as_bytes());
    data.push(b'\n');
    data.extend_from_slice(body);
    sha256_hex(&data)
}

/// The layer, for `axum::middleware::from_fn_with_state`: resolves the request's owner
/// `S` (its refusal is the answer), reads the body, then runs the rest of the request
/// under its `Idempotency-Key`, if any.
pub async fn idempotent<S: Scope>(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let scope = match request.extract_parts_with_state::<S, _>(&state).await {
        Ok(scope) => scope,
        Err(refused) => return refused.into_response(),
    };
    request.extensions_mut().insert(scope.clone());
    // The body is read here, within the request's size limit, to fingerprint it; the
    // handler reads it again from memory.
    let (parts, body) = request.into_parts();
    let body = match RawBody::from_request(Request::from_parts(parts.clone(), body), &state).await {
        Ok(RawBody(body)) => body,
        Err(refused) => return refused.into_response(),
    };
    let key = match key(&parts.headers) {
        Ok(key) => key,
        Err(refused) => return refused.into_response(),
    };
    let request = Request::from_parts(parts, Body::from(body.clone()));
    let fingerprint = fingerprint(&request, &body);
    run(
        &state,
        scope.scope_id(),
        key,
        fingerprint,
        next.run(request),
    )
    .await
}

/// Runs `work` to completion whatever happens to the client; with a key, at most once per
/// key, replaying its response to repeats.
async fn run<F>(
    state: &AppState,
    scope_id: i64,
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
    match idempotency_keys::claim(&pool, scope_id, &key, &fingerprint).await {
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
                    _ = heartbeat.tick() => idempotency_keys::keep_alive(&pool, scope_id, &key).await,
                }
            }
        };
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        let stored = if parts.status.is_server_error() {
            // The database failed us: let the retry do the work.
            idempotency_keys::release(&pool, scope_id, &key).await
        } else {
            idempotency_keys::complete(&pool, scope_id, &key, parts.status.as_u16(), &bytes).await
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
