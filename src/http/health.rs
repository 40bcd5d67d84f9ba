//! Health checks for orchestrators: `GET /health/live` (the process serves) and
//! `GET /health/ready` (it can do its work: the database answers and holds every migration
//! this build knows). No authentication, no shop data.

use super::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

const DATABASE_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

#[utoipa::path(
    get,
    path = "/health/live",
    operation_id = "health_live",
    tag = "Operations",
    summary = "The process is up and serving",
    description = "Always 200 while the server accepts requests; it touches nothing else.",
    responses(
        (status = 200, description = "Serving", body = super::openapi::schemas::HealthLive),
        super::openapi::refusals::Live,
    )
)]
pub async fn live() -> Json<Value> {
    Json(json!({"status": "ok"}))
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
        (status = 200, description = "Ready", body = super::openapi::schemas::HealthReady),
        super::openapi::refusals::Ready,
    )
)]
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let applied = sqlx::query!(
        "SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version"
    )
    .fetch_all(&state.pool);
    let applied: HashMap<i64, Vec<u8>> = match tokio::time::timeout(DATABASE_CHECK_TIMEOUT, applied)
        .await
    {
        Ok(Ok(rows)) => rows.into_iter().map(|r| (r.version, r.checksum)).collect(),
        // No migration table yet is a reachable database with every migration pending.
        Ok(Err(sqlx::Error::Database(e))) if e.code().as_deref() == Some("42P01") => HashMap::new(),
        _ => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "database": "down", "migrations": "unknown"})),
            );
        }
    };
    let pending: Vec<i64> = crate::db::MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .filter(|m| applied.get(&m.version) != Some(&m.checksum.to_vec()))
        .map(|m| m.version)
        .collect();
    if pending.is_empty() {
        (
            StatusCode::OK,
            Json(json!({"status": "ok", "database": "ok", "migrations": "ok"})),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({
                "status": "unavailable", "database": "ok", "migrations": "pending",
                "pending": pending,
            })),
        )
    }
}
