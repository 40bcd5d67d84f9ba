//! `GET statistiques/`: the shop at a glance; "today" and "this month" in its time zone.

use super::gate::Terminal;
use crate::boutiques::catalogue_counts;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::money::Money;
use crate::sales::history::totals_between;
use axum::Json;
use axum::extract::State;
use chrono::Utc;
use serde_json::{Value, json};

#[utoipa::path(
    get,
    path = "/api/v2/simple/statistiques/",
    operation_id = "statistics",
    tag = "Terminal",
    summary = "The shop at a glance",
    description = "Today and this month in the shop's time zone, by when the sales were made.",
    responses(
        (status = 200, description = "The figures", body = crate::http::openapi::schemas::StatisticsResponse),
        crate::http::openapi::refusals::Statistics,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn statistics(
    State(state): State<AppState>,
    terminal: Terminal,
) -> Result<Json<Value>, ApiError> {
    let shop = &terminal.boutique;
    let (today, month) = shop.today_and_month(Utc::now());
    let counts = catalogue_counts(&state.pool, shop.id).await?;
    let (day_count, day_revenue) =
        totals_between(&state.pool, shop.id, today.start, today.end).await?;
    let (month_count, month_revenue) =
        totals_between(&state.pool, shop.id, month.start, month.end).await?;
    Ok(Json(json!({
        "success": true,
        "boutique": {
            "id": shop.id,
            "nom": shop.nom,
            "type": shop.type_commerce,
            "ville": shop.ville,
        },
        "statistiques": {
            "articles": {"total": counts.articles, "stock_bas": counts.stock_bas},
            "categories": {"total": counts.categories},
            "ventes_jour": {"nombre": day_count, "chiffre_affaires": Money::from(day_revenue)},
            "ventes_mois": {"nombre": month_count, "chiffre_affaires": Money::from(month_revenue)},
        },
    })))
}
