//! The HTTP layer: three doors onto the domain, each a folder owning its routes, extractors
//! and way of answering, none importing another: the tills' API ([`terminal`], under
//! `/api/v2/simple/`), the administration API ([`admin`], under `/api/admin/`) and the
//! back-office pages ([`backoffice`], under `/backoffice/`). Beside them, what they share:
//! the JSON error ([`error`]), request extractors ([`extract`]), `Idempotency-Key`
//! ([`idempotency`]), the JSON views the two APIs both answer with ([`views`]), health and
//! metrics ([`monitoring`]) and the OpenAPI document ([`openapi`]). This file assembles them
//! into one router with the layers every request goes through; [`server`] serves it.

pub mod admin;
pub mod backoffice;
pub mod brakes;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod live;
pub mod monitoring;
pub mod openapi;
pub mod server;
pub mod terminal;
pub mod views;

use crate::catalogue::cache::CatalogueCache;
use crate::code::Code;
use crate::config::Config;
use crate::sales::batcher::Batcher;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderName;
use axum::http::StatusCode;
use axum::routing::MethodRouter;
use error::ApiError;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    /// Where requests hand their sales to be recorded (group commit per boutique).
    pub recorder: Arc<Batcher>,
    /// The full catalogues last read, serialised, reused while nothing in them changed.
    pub catalogue: Arc<CatalogueCache<terminal::catalogue::SerialisedArticles>>,
    pub limits: Limits,
    pub backoffice: backoffice::Settings,
    /// The live push: this instance's hub and its sockets' settings.
    pub live: live::Live,
    /// Limits on failed identifications and on each till's requests, and who the client is.
    pub brakes: Arc<brakes::Brakes>,
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub body_limit: usize,
    /// Taken off an instant a till asks the catalogue's changes since.
    pub delta_margin: Duration,
    pub cancel_window: Duration,
    pub request_timeout: Duration,
    pub max_batch: usize,
    pub require_terminal_key: bool,
    pub metrics: bool,
}

impl AppState {
    pub fn new(pool: PgPool, config: &Config, hub: crate::events::hub::Hub) -> Self {
        // A few transactions per boutique at once: they rarely want the same articles, and
        // the rest of the pool stays for other shops and for reads.
        let leaders_per_shop = (config.pool_size as usize / 4).max(1);
        AppState {
            recorder: Batcher::new(
                pool.clone(),
                crate::events::publisher::Publisher::start(pool.clone()),
                leaders_per_shop,
                config.max_batch,
            ),
            catalogue: Arc::default(),
            pool,
            limits: Limits {
                body_limit: config.body_limit,
                delta_margin: config.delta_margin,
                cancel_window: config.cancel_window,
                request_timeout: config.request_timeout,
                max_batch: config.max_batch,
                require_terminal_key: config.require_terminal_key,
                metrics: config.metrics,
            },
            backoffice: backoffice::Settings::new(config),
            live: live::Live {
                hub,
                idle_timeout: config.ws_idle_timeout,
            },
            brakes: Arc::new(brakes::Brakes::new(
                config.trusted_proxies.clone(),
                config.identification_failures,
                config.till_requests_per_second,
            )),
        }
    }
}

/// The terminal API lives under this prefix, as the deployed tills expect.
pub const TERMINAL_API: &str = "/api/v2/simple";

pub fn router(state: AppState) -> Router {
    let operations = monitoring::routes(state.limits.metrics)
        .into_iter()
        .fold(Router::new(), |router, (path, route)| {
            router.route(path, route)
        });

    let router = Router::new()
        .nest(TERMINAL_API, terminal::router(&state))
        // The notifications again where the 2026 app's sample code calls them.
        .merge(
            terminal::notifications::routes()
                .into_iter()
                .fold(Router::new(), |router, (path, route)| {
                    both(router, &format!("/api/v2{path}"), route)
                }),
        )
        .nest("/api/admin", admin::router())
        .merge(backoffice::router(state.clone()))
        .merge(live::router(vec![
            backoffice::live::sockets(),
            terminal::live::sockets(),
        ]))
        .merge(operations)
        .merge(openapi::router())
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                Code::MethodNotAllowed,
                "Méthode non autorisée pour cette adresse",
            )
        })
        .layer(DefaultBodyLimit::max(state.limits.body_limit))
        // Shop data and secrets are for the one who asked: no shared cache keeps them, no
        // browser stores them. (The back-office's static files say otherwise, and keep it.)
        .layer(axum::middleware::map_response(private_answer))
        // Tills pay for mobile data: answers are compressed when the client accepts it.
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            state.limits.request_timeout,
            time_limit,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(ApiError::internal())
        }));
    // Measured inside the request's span, with the route it matched.
    let router = if state.limits.metrics {
        monitoring::install();
        router.layer(axum::middleware::from_fn(monitoring::track))
    } else {
        router
    };
    router
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<_>| {
                    let serial = terminal::gate::header_serial(request.headers()).unwrap_or("-");
                    let request_id = request
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                        serial = %serial,
                        request_id = %request_id,
                    )
                })
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Millis),
                ),
        )
        // Outermost: every request has an id before anything logs, and its answer says it.
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(axum::middleware::map_request(drop_unusable_request_id))
        .with_state(state)
}

async fn private_answer(mut response: axum::response::Response) -> axum::response::Response {
    response
        .headers_mut()
        .entry(axum::http::header::CACHE_CONTROL)
        .or_insert(axum::http::HeaderValue::from_static("private, no-store"));
    response
}

/// The header a request's id travels in, both ways.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Keeps a caller's `X-Request-Id` (a proxy's, say) only if it is a sane token: it goes into
/// every log line of the request. Otherwise a new one is made.
async fn drop_unusable_request_id(mut request: axum::extract::Request) -> axum::extract::Request {
    let usable = request.headers().get(&REQUEST_ID).is_none_or(|id| {
        let id = id.as_bytes();
        !id.is_empty()
            && id.len() <= 128
            && id
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(b))
    });
    if !usable {
        request.headers_mut().remove(&REQUEST_ID);
    }
    request
}

/// Cuts a request off once it has taken `limit` (reading its body included), with a `503`
/// the till will retry. Work that records sales runs in its own task and is finished
/// anyway; the retry then finds it done.
async fn time_limit(
    axum::extract::State(limit): axum::extract::State<Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => axum::response::IntoResponse::into_response(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::RequestTimeout,
            "La requête n'a pas abouti dans le temps imparti ; réessayez",
        )),
    }
}

/// Routes `path` and `path/`: the tills use both.
pub(crate) fn both(
    router: Router<AppState>,
    path: &str,
    route: MethodRouter<AppState>,
) -> Router<AppState> {
    router
        .route(path, route.clone())
        .route(&format!("{path}/"), route)
}
