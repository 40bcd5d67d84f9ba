//! `GET journal-valeur-stock`: the value of the shop's stock day by day, and what moved it
//! (API-D1.md §3.8). The figures are derived in [`value_journal`]; values are two-decimal
//! strings, newest day first.

use super::gate::Terminal;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Params, invalid};
use crate::money::Money;
use crate::stock::value_journal::{self, Day};
use axum::Json;
use axum::extract::State;
use chrono::{Days, Utc};
use serde::Serialize;

/// The longest period one answer covers, in days.
const MAX_SPAN: u64 = 366;

#[derive(Serialize, utoipa::ToSchema)]
pub struct ValueJournalResponse {
    #[schema(example = 1)]
    boutique_id: i64,
    #[schema(example = "Ma Boutique")]
    boutique_nom: String,
    /// Days listed.
    total: usize,
    journal: Vec<DayView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DayView {
    #[schema(example = "2026-11-25")]
    date: String,
    /// The stock's value when the day began.
    valeur_stock_precedent: Money,
    /// Counts (signed).
    montant_inventaire: Money,
    /// Deliveries and goods given back.
    valeur_stock_ajoute: Money,
    valeur_transfert_entrant: Money,
    /// Price changes: (new − old) × the stock they applied to.
    impact_modification_prix: Money,
    valeur_stock_sorti: Money,
    valeur_transfert_sortant: Money,
    /// What the day's sales charged on their CDF lines.
    valeur_ventes: Money,
    /// `precedent` with the day's changes.
    valeur_stock_restant: Money,
    /// The stock's value when the day ended (today: now).
    valeur_stock_reel: Money,
}

impl From<Day> for DayView {
    fn from(d: Day) -> Self {
        DayView {
            date: d.date.to_string(),
            valeur_stock_precedent: Money::from(d.precedent),
            montant_inventaire: Money::from(d.inventaire),
            valeur_stock_ajoute: Money::from(d.ajoute),
            valeur_transfert_entrant: Money::from(d.transfert_entrant),
            impact_modification_prix: Money::from(d.impact_prix),
            valeur_stock_sorti: Money::from(d.sorti),
            valeur_transfert_sortant: Money::from(d.transfert_sortant),
            valeur_ventes: Money::from(d.ventes),
            valeur_stock_restant: Money::from(d.restant),
            valeur_stock_reel: Money::from(d.reel),
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/journal-valeur-stock/",
    operation_id = "stock_value_journal",
    tag = "Terminal",
    summary = "The stock's value day by day",
    description = "CDF-priced articles at selling price, per local day on which something \
        moved the value, and today; newest first. `date_debut`, `date_fin`: days (default: the \
        year to today, at most 366 days); `limit` 90, from 1 to 365.",
    params(
        ("date_debut" = Option<String>, Query, description = "First day, YYYY-MM-DD"),
        ("date_fin" = Option<String>, Query, description = "Last day, YYYY-MM-DD"),
        ("limit" = Option<i64>, Query, description = "Days listed, 90 by default, 1 to 365"),
    ),
    responses(
        (status = 200, description = "The journal", body = ValueJournalResponse),
        crate::http::openapi::refusals::Listing,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn journal(
    State(state): State<AppState>,
    terminal: Terminal,
    params: Params,
) -> Result<Json<ValueJournalResponse>, ApiError> {
    let shop = &terminal.boutique;
    let limit = match params.get("limit") {
        None => 90,
        Some(v) => v
            .parse::<i64>()
            .map_err(|_| invalid("limit", "un entier est attendu"))?
            .clamp(1, 365) as usize,
    };
    let today = Utc::now().with_timezone(&shop.time_zone).date_naive();
    let last = params.day("date_fin")?.unwrap_or(today);
    let earliest = last
        .checked_sub_days(Days::new(MAX_SPAN - 1))
        .unwrap_or(last);
    let first = params.day("date_debut")?.unwrap_or(earliest);
    if first > last {
        return Err(invalid("date_fin", "elle doit suivre date_debut"));
    }
    if first < earliest {
        return Err(invalid(
            "date_debut",
            "une période de 366 jours au plus est attendue",
        ));
    }
    let days = value_journal::journal(&state.pool, shop, (first, last), today, limit).await?;
    Ok(Json(ValueJournalResponse {
        boutique_id: shop.id,
        boutique_nom: shop.nom.clone(),
        total: days.len(),
        journal: days.into_iter().map(DayView::from).collect(),
    }))
}
