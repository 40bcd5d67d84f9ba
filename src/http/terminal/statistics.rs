//! `GET statistiques/`: the shop at a glance; "today" and "this month" in its time zone.

use super::gate::Terminal;
use crate::boutiques::catalogue_counts;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::money::Money;
use crate::sales::history::{Negotiated, Revenue, negotiated_between, totals_between};
use axum::Json;
use axum::extract::State;
use chrono::Utc;
use serde::Serialize;

/// The shop at a glance.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StatisticsResponse {
    #[schema(example = true)]
    success: bool,
    boutique: StatisticsBoutique,
    statistiques: ShopStatistics,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StatisticsBoutique {
    #[schema(example = 1)]
    id: i64,
    #[schema(example = "Ma Boutique")]
    nom: String,
    /// The boutique's `type_commerce`.
    #[schema(example = "Téléphonie et accessoires")]
    r#type: String,
    #[schema(example = "Kinshasa")]
    ville: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ShopStatistics {
    articles: ArticleCounts,
    categories: CategoryCounts,
    /// Today, in the shop's time zone, by when the sales were made.
    ventes_jour: PeriodSales,
    ventes_mois: PeriodSales,
    negociations_jour: PeriodNegotiations,
    negociations_mois: PeriodNegotiations,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ArticleCounts {
    #[schema(example = 8)]
    total: i64,
    /// Active articles at or below the shop's low-stock threshold.
    #[schema(example = 3)]
    stock_bas: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CategoryCounts {
    #[schema(example = 2)]
    total: i64,
}

/// The sales of a period, cancelled ones left out.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PeriodSales {
    /// Sales in either currency.
    #[schema(example = 1)]
    nombre: i64,
    /// The revenue of the sales paid in CDF, in CDF, net of their returns.
    chiffre_affaires: Money,
    /// The revenue of the sales paid in USD, in USD (never added to the CDF one).
    chiffre_affaires_usd: Money,
}

impl From<Revenue> for PeriodSales {
    fn from(r: Revenue) -> Self {
        PeriodSales {
            nombre: r.count,
            chiffre_affaires: r.cdf,
            chiffre_affaires_usd: r.usd,
        }
    }
}

/// The negotiated lines of a period.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PeriodNegotiations {
    /// Negotiated lines of the period's sales (cancelled ones left out).
    #[schema(example = 0)]
    nombre: i64,
    /// Catalogue price less price charged, times the quantity, on the CDF lines.
    montant_reduit: Money,
}

impl From<Negotiated> for PeriodNegotiations {
    fn from(n: Negotiated) -> Self {
        PeriodNegotiations {
            nombre: n.lines,
            montant_reduit: n.reduction_cdf,
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/statistiques/",
    operation_id = "statistics",
    tag = "Terminal",
    summary = "The shop at a glance",
    description = "Today and this month in the shop's time zone, by when the sales were made.",
    responses(
        (status = 200, description = "The figures", body = StatisticsResponse),
        crate::http::openapi::refusals::Statistics,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn statistics(
    State(state): State<AppState>,
    terminal: Terminal,
) -> Result<Json<StatisticsResponse>, ApiError> {
    let shop = &terminal.boutique;
    let (today, month) = shop.today_and_month(Utc::now());
    let counts = catalogue_counts(&state.pool, shop.id).await?;
    let pool = &state.pool;
    let day = totals_between(pool, shop.id, today.start, today.end).await?;
    let month_sales = totals_between(pool, shop.id, month.start, month.end).await?;
    let day_negotiated = negotiated_between(pool, shop.id, today.start, today.end).await?;
    let month_negotiated = negotiated_between(pool, shop.id, month.start, month.end).await?;
    Ok(Json(StatisticsResponse {
        success: true,
        boutique: StatisticsBoutique {
            id: shop.id,
            nom: shop.nom.clone(),
            r#type: shop.type_commerce.clone(),
            ville: shop.ville.clone(),
        },
        statistiques: ShopStatistics {
            articles: ArticleCounts {
                total: counts.articles,
                stock_bas: counts.stock_bas,
            },
            categories: CategoryCounts {
                total: counts.categories,
            },
            ventes_jour: day.into(),
            ventes_mois: month_sales.into(),
            negociations_jour: day_negotiated.into(),
            negociations_mois: month_negotiated.into(),
        },
    }))
}
