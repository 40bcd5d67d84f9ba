//! `GET status/`: is the server up, and can it reach its database. No authentication.

use crate::http::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const DATABASE_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

#[utoipa::path(
    get,
    path = "/api/v2/simple/status/",
    operation_id = "status",
    tag = "Terminal",
    summary = "Is the server up, and its database",
    description = "No till needed.",
    responses(
        (status = 200, description = "Up, database reachable", body = crate::http::openapi::schemas::StatusResponse),
        crate::http::openapi::refusals::Status,
    ),
)]
pub async fn status(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let database_up = crate::db::answers(&state.pool, DATABASE_CHECK_TIMEOUT).await;
    let (code, status, message) = if database_up {
        (StatusCode::OK, "ok", "API caisse opérationnelle")
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "degraded",
            "API caisse en service, mais la base de données est injoignable",
        )
    };
    let base = crate::http::TERMINAL_API;
    let body = json!({
        "api_version": "v2-simple",
        "version": env!("CARGO_PKG_VERSION"),
        "status": status,
        "message": message,
        "authentication": "En-tête X-Device-Serial (numéro de série du terminal)",
        "endpoints": {
            "status": format!("{base}/status/"),
            "articles": format!("{base}/articles/"),
            "categories": format!("{base}/categories/"),
            "ventes": format!("{base}/ventes/"),
            "ventes_sync": format!("{base}/ventes/sync/"),
            "ventes_historique": format!("{base}/ventes/historique/"),
            "statistiques": format!("{base}/statistiques/"),
            "mouvements_stock": format!("{base}/mouvements-stock/"),
            "boutiques": format!("{base}/boutiques/"),
            "terminal_info": format!("{base}/terminal/<numero_serie>/"),
        },
        "note": "Chaque terminal ne voit que les données de sa propre boutique.",
        "database": if database_up { "ok" } else { "down" },
    });
    (code, Json(body))
}
