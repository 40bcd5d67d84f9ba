//! `GET ventes/historique/`: the shop's sales, newest first, with their lines.

use super::gate::Terminal;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Params;
use crate::http::views::SaleView;
use crate::money::Money;
use crate::sales::history::{self, SaleFilter};
use axum::Json;
use axum::extract::State;
use serde::Serialize;

/// The shop's sales over a period.
#[derive(Serialize, utoipa::ToSchema)]
pub struct HistoryResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    boutique_id: i64,
    #[schema(example = "Ma Boutique")]
    boutique_nom: String,
    /// Over the whole period, cancelled sales left out.
    statistiques: HistoryTotals,
    #[schema(example = 1)]
    count: usize,
    /// Newest first, at most `limit`.
    ventes: Vec<SaleView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HistoryTotals {
    /// Sales of the period in either currency, cancelled ones left out.
    #[schema(example = 1)]
    total_ventes: i64,
    /// The revenue of the sales paid in CDF, in CDF, net of their returns.
    chiffre_affaires: Money,
    /// The revenue of the sales paid in USD, in USD (never added to the CDF one).
    chiffre_affaires_usd: Money,
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/ventes/historique/",
    operation_id = "sales_history",
    tag = "Terminal",
    summary = "The shop's sales, newest first",
    description = "By when they were made. `statistiques` covers the whole period, `ventes` the \
        first `limit`; a cancelled sale is listed with `annulee: true` and counts in no total.",
    params(
        ("date_debut" = Option<String>, Query, description = "From this day (`YYYY-MM-DD`, in the shop's time zone) or instant (ISO 8601)", example = "2026-11-01"),
        ("date_fin" = Option<String>, Query, description = "To this day (included) or instant", example = "2026-11-30"),
        ("limit" = Option<i64>, Query, description = "At most this many (default 50, at most 500)", minimum = 1),
    ),
    responses(
        (status = 200, description = "The sales", body = HistoryResponse),
        crate::http::openapi::refusals::Listing,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn history(
    State(state): State<AppState>,
    terminal: Terminal,
    params: Params,
) -> Result<Json<HistoryResponse>, ApiError> {
    let shop = &terminal.boutique;
    let filter = SaleFilter {
        dates: params.date_range(shop)?,
        ..SaleFilter::default()
    };
    let limit = params.limit(50, 500)?;
    let (sales, totals) = history::list(&state.pool, shop.id, &filter, limit, 0).await?;
    let sales: Vec<SaleView> = sales.into_iter().map(|s| SaleView::new(s, shop)).collect();
    Ok(Json(HistoryResponse {
        success: true,
        boutique_id: shop.id,
        boutique_nom: shop.nom.clone(),
        statistiques: HistoryTotals {
            total_ventes: totals.count,
            chiffre_affaires: totals.cdf,
            chiffre_affaires_usd: totals.usd,
        },
        count: sales.len(),
        ventes: sales,
    }))
}
