//! `GET negociations/`: the negotiated-price report of a 2026 till — the lines of the shop's
//! sales charged below (or above) the catalogue price, newest first, page by page, with the
//! reduction granted in each currency (never added together). Cancelled sales are left out.

use super::gate::Terminal;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Params, invalid};
use crate::http::views::ShopName;
use crate::money::Money;
use crate::sales::history::{self, NegotiatedLine};
use axum::Json;
use axum::extract::State;
use rust_decimal::Decimal;
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct NegotiationsResponse {
    #[schema(example = true)]
    success: bool,
    boutique: ShopName,
    statistiques: NegotiationTotals,
    pagination: Pagination,
    negociations: Vec<NegotiationView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NegotiationTotals {
    /// Negotiated lines over the period.
    total_negociations: i64,
    /// Σ (catalogue price − price charged) × quantity, CDF lines.
    total_reduction: Money,
    /// The same, USD lines.
    total_reduction_usd: Money,
    /// Units sold at a negotiated price.
    total_articles_negocies: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Pagination {
    page: i64,
    total_pages: i64,
    total_items: i64,
    has_next: bool,
    has_previous: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NegotiationView {
    /// The sale line.
    id: i64,
    vente: SaleRef,
    article: ArticleRef,
    quantite: i32,
    prix_original: Money,
    prix_negocie: Money,
    reduction_unitaire: Money,
    reduction_totale: Money,
    /// Of the original price, one decimal.
    #[schema(value_type = f64, example = 12.0)]
    reduction_pourcentage: serde_json::Number,
    #[schema(example = "CDF")]
    devise: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SaleRef {
    id: i64,
    numero_facture: String,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    date: String,
    /// The tills record no customer: `Client anonyme`.
    nom_client: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ArticleRef {
    id: i64,
    code: String,
    nom: String,
}

impl NegotiationView {
    fn new(l: NegotiatedLine, terminal: &Terminal) -> Self {
        let unit = l.prix_original - l.prix_unitaire;
        let percent = if l.prix_original.is_zero() {
            Decimal::ZERO
        } else {
            (unit * Decimal::from(100) / l.prix_original).round_dp(1)
        };
        NegotiationView {
            id: l.id,
            vente: SaleRef {
                id: l.vente_id,
                numero_facture: l.numero_facture,
                date: terminal.boutique.timestamp(l.date_vente),
                nom_client: "Client anonyme",
            },
            article: ArticleRef {
                id: l.article_id,
                code: l.article_code,
                nom: l.article_nom,
            },
            quantite: l.quantite,
            prix_original: Money::new(l.prix_original),
            prix_negocie: Money::new(l.prix_unitaire),
            reduction_unitaire: Money::new(unit),
            reduction_totale: Money::new(unit * Decimal::from(l.quantite)),
            reduction_pourcentage: serde_json::Number::from_f64(
                percent.to_string().parse().unwrap_or(0.0),
            )
            .unwrap_or_else(|| 0.into()),
            devise: l.devise,
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/negociations/",
    operation_id = "negotiations",
    tag = "Terminal",
    summary = "The lines sold at a negotiated price",
    description = "Lines of the shop's non-cancelled sales whose price differs from the \
        catalogue's (or that the till marked negotiated), newest sale first.",
    params(
        ("date_debut" = Option<String>, Query, description = "From this day (`YYYY-MM-DD`, shop time) or instant", example = "2026-11-01"),
        ("date_fin" = Option<String>, Query, description = "To this day (included) or instant", example = "2026-11-30"),
        ("page" = Option<i64>, Query, description = "From 1", minimum = 1),
        ("limit" = Option<i64>, Query, description = "Per page (default 50, at most 500)", minimum = 1),
    ),
    responses(
        (status = 200, description = "The report", body = NegotiationsResponse),
        crate::http::openapi::refusals::Listing,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn negotiations(
    State(state): State<AppState>,
    terminal: Terminal,
    params: Params,
) -> Result<Json<NegotiationsResponse>, ApiError> {
    let shop = &terminal.boutique;
    let period = params.date_range(shop)?;
    let limit = params.limit(50, 500)?;
    let page = match params.get("page") {
        None => 1,
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=1_000_000).contains(p))
            .ok_or_else(|| invalid("page", "un entier positif est attendu"))?,
    };
    let found =
        history::negotiated_lines(&state.pool, shop.id, period, limit, (page - 1) * limit).await?;
    let total_pages = (found.total_lines + limit - 1) / limit;
    Ok(Json(NegotiationsResponse {
        success: true,
        boutique: ShopName::from(shop),
        statistiques: NegotiationTotals {
            total_negociations: found.total_lines,
            total_reduction: found.reduction_cdf,
            total_reduction_usd: found.reduction_usd,
            total_articles_negocies: found.total_units,
        },
        pagination: Pagination {
            page,
            total_pages,
            total_items: found.total_lines,
            has_next: page < total_pages,
            has_previous: page > 1,
        },
        negociations: found
            .lines
            .into_iter()
            .map(|l| NegotiationView::new(l, &terminal))
            .collect(),
    }))
}
