//! A boutique's sales: listed with filters (`GET …/ventes`), cancelled or given back
//! (`POST …/ventes/<id>/annuler`, `…/retour`) by an administrator, at any time.

use super::{Admin, AdminShop};
use crate::http::AppState;
use crate::http::error::{ApiError, SALE_MISSING};
use crate::http::extract::{Input, JsonBody, Params, returned_units};
use crate::http::views::{GivenBackView, SaleView};
use crate::sales::give_back::{self, Actor, SaleRef};
use crate::sales::history::{self, SaleFilter};
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}/ventes",
    operation_id = "admin_list_sales",
    tag = "Administration",
    summary = "A shop's sales, newest first",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("date_debut" = Option<String>, Query, description = "From this day (`YYYY-MM-DD`, in the shop's time zone) or instant (ISO 8601)", example = "2026-11-01"),
        ("date_fin" = Option<String>, Query, description = "To this day (included) or instant", example = "2026-11-30"),
        ("terminal_id" = Option<i64>, Query, description = "Only this till's"),
        ("mode_paiement" = Option<String>, Query, description = "Only this payment method"),
        ("limit" = Option<i64>, Query, description = "At most this many (default 50, at most 500)", minimum = 1),
        ("offset" = Option<i64>, Query, description = "Skip this many (default 0)", minimum = 0),
    ),
    responses(
        (status = 200, description = "The sales", body = crate::http::openapi::schemas::AdminSalesResponse),
        crate::http::openapi::refusals::AdminShopList,
    ),
    security(("admin_token" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    at: AdminShop,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let shop = &at.shop;
    let filter = SaleFilter {
        dates: params.date_range(shop)?,
        terminal_id: params.id("terminal_id")?,
        mode_paiement: params.get("mode_paiement").map(str::to_owned),
    };
    let (limit, offset) = (params.limit(50, 500)?, params.offset()?);
    let (sales, total, revenue) =
        history::list(&state.pool, shop.id, &filter, limit, offset).await?;
    let sales: Vec<SaleView> = sales.into_iter().map(|s| SaleView::new(s, shop)).collect();
    Ok(Json(json!({
        "success": true,
        "boutique_id": shop.id,
        "total": total,
        "chiffre_affaires": revenue,
        "limit": limit,
        "offset": offset,
        "count": sales.len(),
        "ventes": sales,
    })))
}

fn administrator(admin: &Admin) -> Actor {
    Actor {
        signature: admin.signature(),
        terminal_id: None,
        cancel_window: None,
    }
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/ventes/{vente_id}/annuler",
    operation_id = "admin_cancel_sale",
    tag = "Administration",
    summary = "Cancel a sale, at any time",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("vente_id" = i64, Path, description = "The sale"),
    ),
    request_body = crate::http::openapi::schemas::AdminCancelRequest,
    responses(
        (status = 200, description = "Cancelled", body = crate::http::openapi::schemas::GiveBackResponse),
        crate::http::openapi::refusals::AdminGiveBack,
    ),
    security(("admin_token" = []))
)]
pub async fn cancel(
    State(state): State<AppState>,
    at: AdminShop,
    JsonBody(body): JsonBody,
) -> Result<Json<GivenBackView>, ApiError> {
    let shop = &at.shop;
    let id = at.id("vente_id", SALE_MISSING)?;
    let input = Input::new(body, &["motif"])?;
    let reason = input.free_text("motif", 500)?.filter(|m| !m.is_empty());
    let done = give_back::cancel(
        &state.pool,
        shop,
        &SaleRef::Id(id),
        &administrator(&at.admin),
        reason,
    )
    .await
    .map_err(|e| ApiError::give_back(e, shop))?;
    Ok(Json(GivenBackView::new(done, shop)))
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/ventes/{vente_id}/retour",
    operation_id = "admin_return_articles",
    tag = "Administration",
    summary = "Return articles of a sale",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("vente_id" = i64, Path, description = "The sale"),
    ),
    request_body = crate::http::openapi::schemas::AdminReturnRequest,
    responses(
        (status = 200, description = "Returned", body = crate::http::openapi::schemas::GiveBackResponse),
        crate::http::openapi::refusals::AdminGiveBack,
    ),
    security(("admin_token" = []))
)]
pub async fn return_articles(
    State(state): State<AppState>,
    at: AdminShop,
    JsonBody(body): JsonBody,
) -> Result<Json<GivenBackView>, ApiError> {
    let shop = &at.shop;
    let id = at.id("vente_id", SALE_MISSING)?;
    let input = Input::new(body, &["lignes", "motif"])?;
    let units = returned_units(&input)?;
    let reason = input.free_text("motif", 500)?.filter(|m| !m.is_empty());
    let done = give_back::return_articles(
        &state.pool,
        shop,
        &SaleRef::Id(id),
        &administrator(&at.admin),
        &units,
        reason,
    )
    .await
    .map_err(|e| ApiError::give_back(e, shop))?;
    Ok(Json(GivenBackView::new(done, shop)))
}
