//! The dollar rate of a shop and of a merchant: read with its history, set from now on.
//! A sale already made keeps the rate of its own day; the tills of each shop whose rate
//! changes are told to reload (`sync_required`).

use super::{Admin, AdminShop};
use crate::code::Code;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Body;
use crate::money::Money;
use crate::rates::{self, RateError, ShopRate};
use axum::Json;
use axum::extract::{Path, State};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::str::FromStr;

/// Changes shown with a shop's rate.
const HISTORY: i64 = 50;

/// A rate as sent: `{"taux_dollar": 2850}` or `"2850.00"`; `null` removes a shop's own.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct RateBody {
    /// Congolese francs for one US dollar: above 0, at most 1,000,000, two decimals at most.
    #[schema(value_type = Option<String>, example = "2850.00")]
    taux_dollar: Value,
}

impl RateBody {
    /// The rate sent, or `None` for `null`.
    fn rate(&self) -> Result<Option<crate::money::Rate>, ApiError> {
        let bad = || {
            ApiError::invalid_field(
                "taux_dollar",
                "un taux positif (francs congolais pour un dollar), deux décimales au plus, est attendu",
            )
        };
        let amount = match &self.taux_dollar {
            Value::Null => return Ok(None),
            Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
            Value::String(s) => Decimal::from_str(s.trim()).ok(),
            _ => None,
        };
        amount.and_then(rates::checked).map(Some).ok_or_else(bad)
    }
}

/// A shop's rate now and the changes that covered it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ShopRateResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    boutique_id: i64,
    taux_dollar: Money,
    /// `boutique` (its own), `commercant` (its merchant's) or `defaut` (2800.00).
    #[schema(example = "commercant")]
    source: &'static str,
    /// Since when it is in force.
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    depuis: String,
    /// Newest first (at most 50).
    historique: Vec<RateChangeView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RateChangeView {
    /// `null`: the shop's own rate removed.
    taux_dollar: Option<Money>,
    /// `boutique` or `commercant`.
    #[schema(example = "boutique")]
    portee: &'static str,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    date_effet: String,
    modifie_par: Option<String>,
}

impl ShopRateResponse {
    fn new(boutique_id: i64, rate: ShopRate, shop: &crate::boutiques::Shop) -> Self {
        ShopRateResponse {
            success: true,
            boutique_id,
            taux_dollar: Money::new(rate.taux_dollar),
            source: rate.source.as_str(),
            depuis: shop.timestamp(rate.depuis),
            historique: rate
                .historique
                .into_iter()
                .map(|c| RateChangeView {
                    taux_dollar: c.taux_dollar.map(Money::new),
                    portee: c.source.as_str(),
                    date_effet: shop.timestamp(c.date_effet),
                    modifie_par: c.modifie_par,
                })
                .collect(),
        }
    }
}

fn refused(e: RateError) -> ApiError {
    match e {
        RateError::NotFound => ApiError::not_found(),
        RateError::Database(e) => e.into(),
    }
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}/taux",
    operation_id = "admin_shop_rate",
    tag = "Administration",
    summary = "A shop's dollar rate, where it comes from, and its changes",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    responses(
        (status = 200, description = "The rate", body = ShopRateResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn show(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<ShopRateResponse>, ApiError> {
    let rate = rates::of_shop(&state.pool, at.shop.id, HISTORY)
        .await
        .map_err(refused)?;
    Ok(Json(ShopRateResponse::new(at.shop.id, rate, &at.shop)))
}

#[utoipa::path(
    put,
    path = "/api/admin/boutiques/{boutique_id}/taux",
    operation_id = "admin_set_shop_rate",
    tag = "Administration",
    summary = "Set a shop's own dollar rate, from now on",
    description = "`null` removes it: the merchant's rate applies again. A sale already made \
        keeps the rate of its day; the shop's tills are told to reload.",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    request_body = RateBody,
    responses(
        (status = 200, description = "Set", body = ShopRateResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn set_for_shop(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<RateBody>,
) -> Result<Json<ShopRateResponse>, ApiError> {
    let rate = body.rate()?;
    rates::set_for_shop(&state.pool, at.shop.id, rate, &at.admin.signature())
        .await
        .map_err(refused)?;
    let now = rates::of_shop(&state.pool, at.shop.id, HISTORY)
        .await
        .map_err(refused)?;
    Ok(Json(ShopRateResponse::new(at.shop.id, now, &at.shop)))
}

/// A merchant's new rate.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MerchantRateResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    commercant_id: i64,
    taux_dollar: Money,
}

#[utoipa::path(
    put,
    path = "/api/admin/commercants/{commercant_id}/taux",
    operation_id = "admin_set_merchant_rate",
    tag = "Administration",
    summary = "Set a merchant's dollar rate, from now on",
    description = "It covers the merchant's shops that have no rate of their own; their tills \
        are told to reload.",
    params(("commercant_id" = i64, Path, description = "The merchant", example = 1)),
    request_body = RateBody,
    responses(
        (status = 200, description = "Set", body = MerchantRateResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn set_for_merchant(
    State(state): State<AppState>,
    admin: Admin,
    Path(commercant_id): Path<String>,
    Body(body): Body<RateBody>,
) -> Result<Json<MerchantRateResponse>, ApiError> {
    let commercant_id = super::path_id(&commercant_id, "Commerçant introuvable")?;
    if admin.commercant_id.is_some_and(|m| m != commercant_id) {
        return Err(crate::http::error::missing("Commerçant introuvable"));
    }
    let rate = body.rate()?.ok_or_else(|| {
        ApiError::bad_request(
            Code::InvalidFormat,
            "Champ 'taux_dollar' invalide : un commerçant a toujours un taux",
        )
        .with("champ", "taux_dollar")
    })?;
    rates::set_for_merchant(&state.pool, commercant_id, rate, &admin.signature())
        .await
        .map_err(refused)?;
    Ok(Json(MerchantRateResponse {
        success: true,
        commercant_id,
        taux_dollar: rate.amount(),
    }))
}
