//! What a manager reviews: refused sales (`ventes_rejetees`) and stock alerts raised by
//! sales that took the stock below zero.
//!
//! `GET /api/admin/ventes-rejetees` and `GET /api/admin/alertes-stock` list them across
//! shops (filter `boutique_id`); each is resolved, or closed, under its boutique.

use super::{Admin, AdminShop};
use crate::boutiques::{time_zone, timestamp};
use crate::http::AppState;
use crate::http::error::{ALERT_MISSING, ApiError, REJECTION_MISSING};
use crate::http::extract::{Input, JsonBody, Params, invalid};
use crate::review::{self, RejectionFilter};
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

/// A refusal code, as the filter `code` names it.
fn code_filter(params: &Params) -> Result<Option<String>, ApiError> {
    params
        .get("code")
        .map(|c| {
            let c = c.to_ascii_uppercase();
            if c.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_') {
                Ok(c)
            } else {
                Err(invalid("code", "un code de refus, ex. INSUFFICIENT_STOCK"))
            }
        })
        .transpose()
}

#[utoipa::path(
    get,
    path = "/api/admin/ventes-rejetees",
    operation_id = "admin_list_rejections",
    tag = "Administration",
    summary = "Refused sales of every shop, newest first",
    params(
        ("boutique_id" = Option<i64>, Query, description = "Only this shop's"),
        ("code" = Option<String>, Query, description = "Only this refusal code", example = "INSUFFICIENT_STOCK"),
        ("resolue" = Option<bool>, Query, description = "Resolved (`true`) or open (`false`) only"),
        ("limit" = Option<i64>, Query, description = "At most this many (default 50, at most 500)", minimum = 1),
        ("offset" = Option<i64>, Query, description = "Skip this many (default 0)", minimum = 0),
    ),
    responses(
        (status = 200, description = "The refused sales", body = crate::http::openapi::schemas::RejectionsResponse),
        crate::http::openapi::refusals::AdminList,
    ),
    security(("admin_token" = []))
)]
pub async fn list_rejections(
    State(state): State<AppState>,
    _: Admin,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let filter = RejectionFilter {
        boutique_id: params.id("boutique_id")?,
        code: code_filter(&params)?,
        resolue: params.flag("resolue")?,
        since: None,
    };
    let (limit, offset) = (params.limit(50, 500)?, params.offset()?);
    let (rows, total) = review::rejections(&state.pool, &filter, limit, offset).await?;
    let list: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            let zone = time_zone(&r.fuseau_horaire);
            json!({
                "id": r.id,
                "boutique_id": r.boutique_id,
                "terminal_id": r.terminal_id,
                "terminal": {"numero_serie": r.numero_serie, "nom_terminal": r.nom_terminal},
                "numero_facture": r.numero_facture,
                "code": r.code,
                "message": r.message,
                // What the till sent; shown as JSON when it is JSON.
                "payload": serde_json::from_str::<Value>(&r.payload).unwrap_or(Value::String(r.payload)),
                "article_id": r.article_id,
                "details": r.details,
                "tentatives": r.tentatives,
                "date_rejet": timestamp(r.date_rejet, zone),
                "date_derniere_tentative": timestamp(r.date_derniere_tentative, zone),
                "resolue": r.resolue,
                "date_resolution": r.date_resolution.map(|at| timestamp(at, zone)),
                "resolu_par": r.resolu_par,
                "commentaire_resolution": r.commentaire_resolution,
                "vente_id": r.vente_id,
            })
        })
        .collect();
    Ok(Json(json!({
        "success": true, "total": total, "limit": limit, "offset": offset,
        "count": list.len(), "ventes_rejetees": list,
    })))
}

/// Marks a refused sale as dealt with, with a comment.
#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/ventes-rejetees/{id}/resoudre",
    operation_id = "admin_resolve_rejection",
    tag = "Administration",
    summary = "Mark a refused sale resolved",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("id" = i64, Path, description = "The refused sale"),
    ),
    request_body = crate::http::openapi::schemas::ResolveRequest,
    responses(
        (status = 200, description = "Resolved", body = crate::http::openapi::schemas::ResolveResponse),
        crate::http::openapi::refusals::AdminReview,
    ),
    security(("admin_token" = []))
)]
pub async fn resolve_rejection(
    State(state): State<AppState>,
    at: AdminShop,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let shop = &at.shop;
    let id = at.id("id", REJECTION_MISSING)?;
    let input = Input::new(body, &["commentaire"])?;
    let comment = input.required_text("commentaire", 2000)?;
    let row = review::resolve(&state.pool, shop.id, id, &at.admin.signature(), &comment).await?;
    Ok(Json(json!({
        "success": true,
        "vente_rejetee": {
            "id": row.id, "boutique_id": shop.id, "resolue": row.resolue,
            "date_resolution": row.date_resolution.map(|at| shop.timestamp(at)),
            "resolu_par": row.resolu_par, "commentaire_resolution": row.commentaire_resolution,
        },
    })))
}

#[utoipa::path(
    get,
    path = "/api/admin/alertes-stock",
    operation_id = "admin_list_stock_alerts",
    tag = "Administration",
    summary = "Sales recorded beyond the stock",
    params(
        ("boutique_id" = Option<i64>, Query, description = "Only this shop's"),
        ("fermee" = Option<bool>, Query, description = "Closed (`true`) or open (`false`) only"),
        ("limit" = Option<i64>, Query, description = "At most this many (default 50, at most 500)", minimum = 1),
        ("offset" = Option<i64>, Query, description = "Skip this many (default 0)", minimum = 0),
    ),
    responses(
        (status = 200, description = "The alerts", body = crate::http::openapi::schemas::StockAlertsResponse),
        crate::http::openapi::refusals::AdminList,
    ),
    security(("admin_token" = []))
)]
pub async fn list_stock_alerts(
    State(state): State<AppState>,
    _: Admin,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let boutique_id = params.id("boutique_id")?;
    let fermee = params.flag("fermee")?;
    let (limit, offset) = (params.limit(50, 500)?, params.offset()?);
    let (rows, total) =
        review::stock_alerts(&state.pool, boutique_id, fermee, limit, offset).await?;
    let list: Vec<Value> = rows
        .into_iter()
        .map(|x| {
            let zone = time_zone(&x.fuseau_horaire);
            json!({
                "id": x.id,
                "boutique_id": x.boutique_id,
                "article": {"id": x.article_id, "code": x.code, "nom": x.nom,
                            "stock_actuel": x.quantite_stock},
                "vente": {"id": x.vente_id, "numero_facture": x.numero_facture},
                "manque": x.manque,
                "stock_avant": x.stock_avant,
                "stock_apres": x.stock_apres,
                "date_alerte": timestamp(x.date_alerte, zone),
                "fermee": x.fermee,
                "date_fermeture": x.date_fermeture.map(|at| timestamp(at, zone)),
                "fermee_par": x.fermee_par,
                "commentaire": x.commentaire,
            })
        })
        .collect();
    Ok(Json(json!({
        "success": true, "total": total, "limit": limit, "offset": offset,
        "count": list.len(), "alertes_stock": list,
    })))
}

/// Closes a stock alert (the stock was counted, the delivery recorded…), with a comment.
#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/alertes-stock/{id}/fermer",
    operation_id = "admin_close_stock_alert",
    tag = "Administration",
    summary = "Close a stock alert",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("id" = i64, Path, description = "The alert"),
    ),
    request_body = crate::http::openapi::schemas::CloseAlertRequest,
    responses(
        (status = 200, description = "Closed", body = crate::http::openapi::schemas::CloseAlertResponse),
        crate::http::openapi::refusals::AdminReview,
    ),
    security(("admin_token" = []))
)]
pub async fn close_stock_alert(
    State(state): State<AppState>,
    at: AdminShop,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let id = at.id("id", ALERT_MISSING)?;
    let input = Input::new(body, &["commentaire"])?;
    let comment = input.free_text("commentaire", 2000)?;
    review::close_alert(
        &state.pool,
        at.shop.id,
        id,
        &at.admin.signature(),
        comment.as_deref(),
    )
    .await?;
    Ok(Json(json!({"success": true, "id": id, "fermee": true})))
}
