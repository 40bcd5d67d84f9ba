//! A boutique's sales: listed with filters (`GET …/ventes`), cancelled or given back
//! (`POST …/ventes/<id>/annuler`, `…/retour`) by an administrator, at any time.

use super::{Admin, AdminShop, given};
use crate::field::{self, Invalid};
use crate::http::AppState;
use crate::http::error::{ApiError, SALE_MISSING};
use crate::http::extract::{Body, Params};
use crate::http::views::{GivenBackView, SaleView};
use crate::money::Money;
use crate::sales::give_back::{self, Actor, SaleRef};
use crate::sales::history::{self, SaleFilter};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A page of a shop's sales, newest first.
#[derive(Serialize, ToSchema)]
pub struct AdminSalesResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    boutique_id: i64,
    /// Sales matching the filters (cancelled ones left out), all pages.
    #[schema(example = 1)]
    total: i64,
    /// Their revenue, all pages, net of returns: the sales paid in CDF, in CDF.
    chiffre_affaires: Money,
    /// The sales paid in USD, in USD (never added to the CDF revenue).
    chiffre_affaires_usd: Money,
    #[schema(example = 50)]
    limit: i64,
    #[schema(example = 0)]
    offset: i64,
    #[schema(example = 1)]
    count: usize,
    ventes: Vec<SaleView>,
}

/// Why a sale is cancelled, if said.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminCancelRequest {
    /// At most 500 characters.
    #[schema(example = "Erreur de caisse")]
    motif: Option<String>,
}

/// The articles given back, and why.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminReturnRequest {
    /// 1 to 1,000 lines; several lines of one article add up.
    lignes: Vec<AdminReturnLine>,
    /// At most 500 characters.
    #[schema(example = "Article défectueux")]
    motif: Option<String>,
}

/// Units of one article given back.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminReturnLine {
    #[schema(example = 1)]
    article_id: i64,
    /// Default 1.
    #[serde(default, deserialize_with = "given")]
    #[schema(example = 1, minimum = 1, maximum = 1_000_000)]
    quantite: Option<i64>,
}

// The rules below are those of the tills' cancellations and returns too; they belong with
// `sales::give_back`, which takes its arguments unchecked for now.

/// Most lines one return may carry, and units one line may give back.
const MAX_RETURN_LINES: usize = 1_000;
const MAX_RETURNED: i64 = 1_000_000;

/// A reason as kept with the sale: none when left empty.
fn reason(motif: Option<String>) -> Result<Option<String>, Invalid> {
    Ok(motif
        .map(|m| field::free_text("motif", &m, 500))
        .transpose()?
        .filter(|m| !m.is_empty()))
}

/// The (article, units) a return gives back.
fn units(lines: &[AdminReturnLine]) -> Result<Vec<(i64, i32)>, Invalid> {
    if lines.is_empty() || lines.len() > MAX_RETURN_LINES {
        return Err(Invalid::new(
            "lignes",
            format!("de 1 à {MAX_RETURN_LINES} lignes sont attendues"),
        ));
    }
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let article_id = field::id(&format!("lignes[{i}].article_id"), line.article_id)?;
            let quantite = field::int(
                &format!("lignes[{i}].quantite"),
                line.quantite.unwrap_or(1),
                1,
                MAX_RETURNED,
            )?;
            Ok((article_id, quantite as i32))
        })
        .collect()
}

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
        (status = 200, description = "The sales", body = AdminSalesResponse),
        crate::http::openapi::refusals::AdminShopList,
    ),
    security(("admin_token" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    at: AdminShop,
    params: Params,
) -> Result<Json<AdminSalesResponse>, ApiError> {
    let shop = &at.shop;
    let filter = SaleFilter {
        dates: params.date_range(shop)?,
        terminal_id: params.id("terminal_id")?,
        mode_paiement: params.get("mode_paiement").map(str::to_owned),
    };
    let (limit, offset) = (params.limit(50, 500)?, params.offset()?);
    let (sales, totals) = history::list(&state.pool, shop.id, &filter, limit, offset).await?;
    let ventes: Vec<SaleView> = sales.into_iter().map(|s| SaleView::new(s, shop)).collect();
    Ok(Json(AdminSalesResponse {
        success: true,
        boutique_id: shop.id,
        total: totals.count,
        chiffre_affaires: totals.cdf,
        chiffre_affaires_usd: totals.usd,
        limit,
        offset,
        count: ventes.len(),
        ventes,
    }))
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
    request_body = AdminCancelRequest,
    responses(
        (status = 200, description = "Cancelled", body = GivenBackView),
        crate::http::openapi::refusals::AdminGiveBack,
    ),
    security(("admin_token" = []))
)]
pub async fn cancel(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<AdminCancelRequest>,
) -> Result<Json<GivenBackView>, ApiError> {
    let shop = &at.shop;
    let id = at.id("vente_id", SALE_MISSING)?;
    let reason = reason(body.motif)?;
    let done = give_back::cancel(
        &state.pool,
        shop,
        &SaleRef::Id(id),
        &administrator(&at.admin),
        reason,
    )
    .await
    .map_err(|e| ApiError::give_back(e, shop))?;
    state.recorder.figures_changed(shop);
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
    request_body = AdminReturnRequest,
    responses(
        (status = 200, description = "Returned", body = GivenBackView),
        crate::http::openapi::refusals::AdminGiveBack,
    ),
    security(("admin_token" = []))
)]
pub async fn return_articles(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<AdminReturnRequest>,
) -> Result<Json<GivenBackView>, ApiError> {
    let shop = &at.shop;
    let id = at.id("vente_id", SALE_MISSING)?;
    let units = units(&body.lignes)?;
    let reason = reason(body.motif)?;
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
    state.recorder.figures_changed(shop);
    Ok(Json(GivenBackView::new(done, shop)))
}
