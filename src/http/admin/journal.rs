//! Stock received and adjusted, sales and movements of a boutique:
//! `/api/admin/boutiques/<id>/{entrees,ajustements,ventes,mouvements-stock}`.

use super::{Admin, shop};
use crate::http::AppState;
use crate::http::body::JsonBody;
use crate::http::error::ApiError;
use crate::http::input::Input;
use crate::http::params::Params;
use crate::http::sales::{SaleFilter, list_sales};
use crate::http::stock::{MovementFilter, invalid_field, list_movements, stock_error};
use crate::stock::{self, Applied, Change, MovementType, StockChange};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// Most lines one delivery note may carry.
pub const MAX_DELIVERY_LINES: usize = 1_000;

fn applied_view(applied: &[Applied]) -> Vec<Value> {
    applied
        .iter()
        .map(|a| {
            json!({
                "mouvement_id": a.movement_id, "article_id": a.article_id, "article_nom": a.nom,
                "article_code": a.code, "quantite": a.stock_apres - a.stock_avant,
                "stock_avant": a.stock_avant, "stock_apres": a.stock_apres,
            })
        })
        .collect()
}

/// A delivery: several articles received under one delivery note, one `ENTREE` movement
/// each, all in one transaction.
#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/entrees",
    operation_id = "admin_receive_delivery",
    tag = "Administration",
    summary = "Receive a delivery",
    description = "One `ENTREE` movement per line under the delivery note, all or nothing.",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    request_body = crate::http::openapi::schemas::DeliveryRequest,
    responses(
        (status = 201, description = "Received", body = crate::http::openapi::schemas::DeliveryResponse),
        crate::http::openapi::refusals::AdminStock,
    ),
    security(("admin_token" = []))
)]
pub async fn receive(
    State(state): State<AppState>,
    admin: Admin,
    Path(boutique_id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let input = Input::new(body, &["reference_document", "commentaire", "lignes"])?;
    let reference = input.required_text("reference_document", 100)?;
    let comment = input
        .free_text("commentaire", 500)?
        .filter(|c| !c.is_empty());
    let lines = match input.raw("lignes") {
        Some(Value::Array(lines)) if !lines.is_empty() && lines.len() <= MAX_DELIVERY_LINES => {
            lines
        }
        _ => {
            return Err(invalid_field(
                "lignes",
                &format!(
                    "une liste de 1 à {MAX_DELIVERY_LINES} lignes {{article_id, quantite}} est attendue"
                ),
            ));
        }
    };
    let mut changes = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let field = |name: &str| format!("lignes[{i}].{name}");
        let article_id = line
            .get("article_id")
            .and_then(Value::as_i64)
            .filter(|id| *id > 0)
            .ok_or_else(|| {
                invalid_field(&field("article_id"), "un identifiant entier est attendu")
            })?;
        let quantite = line
            .get("quantite")
            .and_then(Value::as_i64)
            .filter(|q| (1..=1_000_000).contains(q))
            .ok_or_else(|| {
                invalid_field(&field("quantite"), "un entier de 1 à 1000000 est attendu")
            })?;
        changes.push(StockChange {
            article_id,
            kind: MovementType::Entree,
            change: Change::Add(quantite as i32),
            reference_document: Some(reference.clone()),
            utilisateur: admin.signature(),
            commentaire: comment.clone(),
            sale_line: None,
        });
    }
    let mut tx = state.pool.begin().await?;
    let applied = stock::apply(&mut tx, shop.id, &changes)
        .await
        .map_err(stock_error)?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "success": true,
            "boutique_id": shop.id,
            "reference_document": reference,
            "mouvements": applied_view(&applied),
        })),
    ))
}

/// An adjustment: the stock found by counting, with the reason; one `AJUSTEMENT` movement.
#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/ajustements",
    operation_id = "admin_adjust_stock",
    tag = "Administration",
    summary = "Record a counted stock",
    description = "One `AJUSTEMENT` movement.",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    request_body = crate::http::openapi::schemas::AdjustmentRequest,
    responses(
        (status = 201, description = "Adjusted", body = crate::http::openapi::schemas::AdjustmentResponse),
        crate::http::openapi::refusals::AdminStock,
    ),
    security(("admin_token" = []))
)]
pub async fn adjust(
    State(state): State<AppState>,
    admin: Admin,
    Path(boutique_id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let input = Input::new(
        body,
        &[
            "article_id",
            "quantite_stock",
            "motif",
            "reference_document",
        ],
    )?;
    let article_id = input.required_int("article_id", 1, i64::MAX)?;
    let quantite = input.required_int("quantite_stock", 0, 1_000_000_000)? as i32;
    let motif = input.required_text("motif", 500)?;
    let mut tx = state.pool.begin().await?;
    let applied = stock::apply(
        &mut tx,
        shop.id,
        &[StockChange {
            article_id,
            kind: MovementType::Ajustement,
            change: Change::SetTo(quantite),
            reference_document: input.text("reference_document", 100)?,
            utilisateur: admin.signature(),
            commentaire: Some(motif),
            sale_line: None,
        }],
    )
    .await
    .map_err(stock_error)?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "success": true,
            "boutique_id": shop.id,
            "mouvements": applied_view(&applied),
        })),
    ))
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
        (status = 200, description = "The sales", body = crate::http::openapi::schemas::AdminSalesResponse),
        crate::http::openapi::refusals::AdminShopList,
    ),
    security(("admin_token" = []))
)]
pub async fn sales(
    State(state): State<AppState>,
    _: Admin,
    Path(boutique_id): Path<String>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let filter = SaleFilter {
        dates: params.date_range(&shop)?,
        terminal_id: params.id("terminal_id")?,
        mode_paiement: params.get("mode_paiement").map(str::to_owned),
    };
    let (limit, offset) = (params.limit(50, 500)?, params.offset()?);
    let (sales, total, revenue) = list_sales(&state.pool, &shop, &filter, limit, offset).await?;
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

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}/mouvements-stock",
    operation_id = "admin_list_movements",
    tag = "Administration",
    summary = "A shop's stock journal, newest first",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("article_id" = Option<i64>, Query, description = "Only this article's movements"),
        ("type_mouvement" = Option<String>, Query, description = "`ENTREE`, `SORTIE`, `AJUSTEMENT`, `VENTE` or `RETOUR`"),
        ("date_debut" = Option<String>, Query, description = "From this day (`YYYY-MM-DD`, in the shop's time zone) or instant (ISO 8601)", example = "2026-11-01"),
        ("date_fin" = Option<String>, Query, description = "To this day (included) or instant", example = "2026-11-30"),
        ("limit" = Option<i64>, Query, description = "At most this many (default 100, at most 500)", minimum = 1),
        ("offset" = Option<i64>, Query, description = "Skip this many (default 0)", minimum = 0),
    ),
    responses(
        (status = 200, description = "The movements", body = crate::http::openapi::schemas::AdminMovementsResponse),
        crate::http::openapi::refusals::AdminShopList,
    ),
    security(("admin_token" = []))
)]
pub async fn movements(
    State(state): State<AppState>,
    _: Admin,
    Path(boutique_id): Path<String>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let filter = MovementFilter::from_params(&params, &shop)?;
    let (limit, offset) = (params.limit(100, 500)?, params.offset()?);
    let (movements, total) = list_movements(&state.pool, &shop, &filter, limit, offset).await?;
    Ok(Json(json!({
        "success": true,
        "boutique_id": shop.id,
        "total": total,
        "limit": limit,
        "offset": offset,
        "count": movements.len(),
        "mouvements": movements,
    })))
}
