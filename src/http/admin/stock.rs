//! The stock of a boutique: deliveries received (`POST …/entrees`), counted stock
//! (`POST …/ajustements`), and its journal (`GET …/mouvements-stock`).

use super::AdminShop;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Input, JsonBody, Params};
use crate::http::views::{AppliedView, MovementView};
use crate::stock::journal::{self, MovementFilter};
use crate::stock::{self, Count, Delivery, MAX_DELIVERY_LINES, MovementType};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

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
    at: AdminShop,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let shop = &at.shop;
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
            return Err(ApiError::invalid_field(
                "lignes",
                &format!(
                    "une liste de 1 à {MAX_DELIVERY_LINES} lignes {{article_id, quantite}} est attendue"
                ),
            ));
        }
    };
    let mut units = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let field = |name: &str| format!("lignes[{i}].{name}");
        let article_id = line
            .get("article_id")
            .and_then(Value::as_i64)
            .filter(|id| *id > 0)
            .ok_or_else(|| {
                ApiError::invalid_field(&field("article_id"), "un identifiant entier est attendu")
            })?;
        let quantite = line
            .get("quantite")
            .and_then(Value::as_i64)
            .filter(|q| (1..=stock::MAX_RECEIVED).contains(q))
            .ok_or_else(|| {
                ApiError::invalid_field(&field("quantite"), "un entier de 1 à 1000000 est attendu")
            })?;
        units.push((article_id, quantite));
    }
    let applied = stock::receive(
        &state.pool,
        shop.id,
        &Delivery {
            reference_document: reference.clone(),
            commentaire: comment,
            lines: units,
            utilisateur: at.admin.signature(),
            refuse_repeat: false,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "success": true,
            "boutique_id": shop.id,
            "reference_document": reference,
            "mouvements": applied.iter().map(AppliedView::from).collect::<Vec<_>>(),
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
    at: AdminShop,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let shop = &at.shop;
    let input = Input::new(
        body,
        &[
            "article_id",
            "quantite_stock",
            "motif",
            "reference_document",
        ],
    )?;
    let applied = stock::count(
        &state.pool,
        shop.id,
        &Count {
            article_id: input.required_int("article_id", 1, i64::MAX)?,
            quantite_stock: input.required_int("quantite_stock", 0, stock::MAX_STOCK)?,
            motif: input.required_text("motif", 500)?,
            reference_document: input.text("reference_document", 100)?,
            utilisateur: at.admin.signature(),
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "success": true,
            "boutique_id": shop.id,
            "mouvements": [AppliedView::from(&applied)],
        })),
    ))
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
    at: AdminShop,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let shop = &at.shop;
    let filter = MovementFilter {
        dates: params.date_range(shop)?,
        article_id: params.id("article_id")?,
        type_mouvement: params.one_of("type_mouvement", MovementType::ALL)?,
    };
    let (limit, offset) = (params.limit(100, 500)?, params.offset()?);
    let (movements, total) = journal::list(&state.pool, shop.id, &filter, limit, offset).await?;
    let movements: Vec<MovementView> = movements
        .into_iter()
        .map(|m| MovementView::new(m, shop))
        .collect();
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
