//! For orchestrators and monitoring, outside the APIs and without authentication or shop
//! data: health checks (`GET /health/live`: the process serves; `GET /health/ready`: it can
//! do its work, the database answers and holds every migration this build knows), and
//! Prometheus metrics at `GET /metrics` when `CAISSE_METRICS=true`: requests by route and
//! status with their latency, sales recorded, duplicated and refused (by code), stock
//! alerts raised, and the database pool's connections.
//!
//! Requests are labelled with their route's template (`/api/admin/boutiques/{boutique_id}`),
//! never the raw path, so the number of series stays bounded whatever clients send.

use super::AppState;
use crate::sales::SaleOutcome;
use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde::Serialize;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Health checks, and the metrics when they are on.
pub fn routes(metrics: bool) -> Vec<(&'static str, MethodRouter<AppState>)> {
    let mut routes = vec![("/health/live", get(live)), ("/health/ready", get(ready))];
    if metrics {
        routes.push(("/metrics", get(scrape)));
    }
    routes
}

const DATABASE_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

const REQUESTS: &str = "caisse_http_requests_total";
const REQUEST_DURATION: &str = "caisse_http_request_duration_seconds";
const SALES_RECORDED: &str = "caisse_sales_recorded_total";
const SALES_DUPLICATE: &str = "caisse_sales_duplicate_total";
const SALES_REFUSED: &str = "caisse_sales_refused_total";
const STOCK_ALERTS: &str = "caisse_stock_alerts_total";
const POOL_CONNECTIONS: &str = "caisse_db_pool_connections";
const POOL_MAX: &str = "caisse_db_pool_max_connections";

/// Latency buckets, in seconds: a till on a mobile link waits from tens of milliseconds to
/// the request timeout.
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0,
];

/// Installs the process-wide recorder (once) and returns its handle.
pub fn install() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION.into()), BUCKETS)
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics stays empty");
        }
        metrics::describe_counter!(REQUESTS, "HTTP requests answered, by route and status");
        metrics::describe_histogram!(
            REQUEST_DURATION,
            metrics::Unit::Seconds,
            "Time to answer an HTTP request, by route"
        );
        metrics::describe_counter!(SALES_RECORDED, "Sales recorded (sync and online)");
        metrics::describe_counter!(
            SALES_DUPLICATE,
            "Sales sent again by a till and recognised as already stored"
        );
        metrics::describe_counter!(SALES_REFUSED, "Sales refused, by code");
        metrics::describe_counter!(
            STOCK_ALERTS,
            "Stock alerts raised: articles a sale took below zero"
        );
        metrics::describe_gauge!(
            POOL_CONNECTIONS,
            "Database connections held by the pool, by state (idle, in_use)"
        );
        metrics::describe_gauge!(POOL_MAX, "Most database connections the pool may hold");
        handle
    })
}

/// Counts each request and its latency under its route's template.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| {
            // `/status` and `/status/` are one endpoint.
            let path = path.as_str();
            path.strip_suffix('/')
                .filter(|p| !p.is_empty())
                .unwrap_or(path)
                .to_owned()
        })
        .unwrap_or_else(|| "unmatched".to_owned());
    // A client may send any method name: the label takes the ones served, and `other`.
    let method = match *request.method() {
        Method::GET
        | Method::HEAD
        | Method::POST
        | Method::PUT
        | Method::PATCH
        | Method::DELETE
        | Method::OPTIONS => request.method().as_str().to_owned(),
        _ => "other".to_owned(),
    };
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::histogram!(REQUEST_DURATION, "method" => method.clone(), "route" => route.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!(REQUESTS, "method" => method, "route" => route, "status" => status)
        .increment(1);
    response
}

/// Counts what became of a sale.
pub fn count_sale(outcome: &SaleOutcome) {
    match outcome {
        SaleOutcome::Created(sale) => {
            metrics::counter!(SALES_RECORDED).increment(1);
            if !sale.stock_alerts.is_empty() {
                metrics::counter!(STOCK_ALERTS).increment(sale.stock_alerts.len() as u64);
            }
        }
        SaleOutcome::Duplicate { .. } => metrics::counter!(SALES_DUPLICATE).increment(1),
        SaleOutcome::Refused(refusal) => {
            metrics::counter!(SALES_REFUSED, "code" => refusal.code.as_str()).increment(1)
        }
    }
}

#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "Operations",
    summary = "Prometheus metrics",
    description = "Served only with `CAISSE_METRICS=true`. The Prometheus text format: \
                   `caisse_http_requests_total{method,route,status}`, \
                   `caisse_http_request_duration_seconds{method,route}` (histogram), \
                   `caisse_sales_recorded_total`, `caisse_sales_duplicate_total`, \
                   `caisse_sales_refused_total{code}`, `caisse_stock_alerts_total`, \
                   `caisse_db_pool_connections{state}`, `caisse_db_pool_max_connections`.",
    responses(
        (status = 200, description = "The metrics", content_type = "text/plain", body = String),
    )
)]
pub async fn scrape(State(state): State<AppState>) -> Response {
    let handle = install();
    let size = state.pool.size();
    let idle = state.pool.num_idle() as u32;
    metrics::gauge!(POOL_CONNECTIONS, "state" => "idle").set(f64::from(idle));
    metrics::gauge!(POOL_CONNECTIONS, "state" => "in_use")
        .set(f64::from(size.saturating_sub(idle)));
    metrics::gauge!(POOL_MAX).set(f64::from(state.pool.options().get_max_connections()));
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

/// The process serves.
#[derive(Serialize, utoipa::ToSchema)]
pub struct HealthLive {
    #[schema(example = "ok")]
    status: &'static str,
}

/// Whether the server can do its work, and if not, what is missing.
#[derive(Serialize, utoipa::ToSchema)]
pub struct HealthReady {
    /// `ok` when the server can serve, else `unavailable`.
    #[schema(example = "ok")]
    status: &'static str,
    /// `ok` or `down`.
    #[schema(example = "ok")]
    database: &'static str,
    /// `ok` (every migration this server knows is applied), `pending`, or `unknown`
    /// (the database could not be asked).
    #[schema(example = "ok")]
    migrations: &'static str,
    /// The versions of the migrations not applied yet, when some are missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pending: Option<Vec<i64>>,
}

#[utoipa::path(
    get,
    path = "/health/live",
    operation_id = "health_live",
    tag = "Operations",
    summary = "The process is up and serving",
    description = "Always 200 while the server accepts requests; it touches nothing else.",
    responses(
        (status = 200, description = "Serving", body = HealthLive),
        crate::http::openapi::refusals::Live,
    )
)]
pub async fn live() -> Json<HealthLive> {
    Json(HealthLive { status: "ok" })
}

#[utoipa::path(
    get,
    path = "/health/ready",
    operation_id = "health_ready",
    tag = "Operations",
    summary = "The server can do its work",
    description = "200 when the database answers and every migration this build knows is \
                   applied (with the same checksum); 503 otherwise: an orchestrator should \
                   not send it traffic yet.",
    responses(
        (status = 200, description = "Ready", body = HealthReady),
        crate::http::openapi::refusals::Ready,
    )
)]
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<HealthReady>) {
    let unavailable = |database, migrations, pending| HealthReady {
        status: "unavailable",
        database,
        migrations,
        pending,
    };
    let (code, body) =
        match crate::db::pending_migrations(&state.pool, DATABASE_CHECK_TIMEOUT).await {
            None => (
                StatusCode::SERVICE_UNAVAILABLE,
                unavailable("down", "unknown", None),
            ),
            Some(pending) if pending.is_empty() => (
                StatusCode::OK,
                HealthReady {
                    status: "ok",
                    database: "ok",
                    migrations: "ok",
                    pending: None,
                },
            ),
            Some(pending) => (
                StatusCode::SERVICE_UNAVAILABLE,
                unavailable("ok", "pending", Some(pending)),
            ),
        };
    (code, Json(body))
}
