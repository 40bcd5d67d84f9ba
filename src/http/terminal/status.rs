//! `GET status/`: is the server up, and can it reach its database. No authentication; a
//! database out of reach is the same answer with `503`.

use crate::http::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use std::time::Duration;

const DATABASE_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The server's state, and where its main endpoints are.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StatusResponse {
    #[schema(example = "v2-simple")]
    api_version: &'static str,
    #[schema(example = "0.1.0")]
    version: &'static str,
    /// `ok`, or `degraded` when the database cannot be reached.
    #[schema(example = "ok")]
    status: &'static str,
    #[schema(example = "API caisse opérationnelle")]
    message: &'static str,
    #[schema(example = "En-tête X-Device-Serial (numéro de série du terminal)")]
    authentication: &'static str,
    endpoints: StatusEndpoints,
    note: &'static str,
    /// `ok` or `down`.
    #[schema(example = "ok")]
    database: &'static str,
}

/// Where the main endpoints are.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StatusEndpoints {
    #[schema(example = "/api/v2/simple/status/")]
    status: String,
    articles: String,
    categories: String,
    ventes: String,
    ventes_sync: String,
    ventes_historique: String,
    statistiques: String,
    mouvements_stock: String,
    boutiques: String,
    terminal_info: String,
}

impl StatusEndpoints {
    fn under(base: &str) -> Self {
        let at = |path: &str| format!("{base}/{path}");
        StatusEndpoints {
            status: at("status/"),
            articles: at("articles/"),
            categories: at("categories/"),
            ventes: at("ventes/"),
            ventes_sync: at("ventes/sync/"),
            ventes_historique: at("ventes/historique/"),
            statistiques: at("statistiques/"),
            mouvements_stock: at("mouvements-stock/"),
            boutiques: at("boutiques/"),
            terminal_info: at("terminal/<numero_serie>/"),
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/status/",
    operation_id = "status",
    tag = "Terminal",
    summary = "Is the server up, and its database",
    description = "No till needed.",
    responses(
        (status = 200, description = "Up, database reachable", body = StatusResponse),
        crate::http::openapi::refusals::Status,
    ),
)]
pub async fn status(State(state): State<AppState>) -> (StatusCode, Json<StatusResponse>) {
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
    let body = StatusResponse {
        api_version: "v2-simple",
        version: env!("CARGO_PKG_VERSION"),
        status,
        message,
        authentication: "En-tête X-Device-Serial (numéro de série du terminal)",
        endpoints: StatusEndpoints::under(crate::http::TERMINAL_API),
        note: "Chaque terminal ne voit que les données de sa propre boutique.",
        database: if database_up { "ok" } else { "down" },
    };
    (code, Json(body))
}
