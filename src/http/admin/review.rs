//! What a manager reviews: refused sales (`ventes_rejetees`) and stock alerts raised by
//! sales that took the stock below zero.
//!
//! `GET /api/admin/ventes-rejetees` and `GET /api/admin/alertes-stock` list them across
//! shops (filter `boutique_id`); each is resolved, or closed, under its boutique.

use super::{Admin, not_found, path_id, shop};
use crate::http::AppState;
use crate::http::body::JsonBody;
use crate::http::error::ApiError;
use crate::http::input::Input;
use crate::http::params::{Params, invalid};
use crate::shop::{time_zone, timestamp};
use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;

const REJECTION_MISSING: &str = "Vente rejetée introuvable dans cette boutique";
const ALERT_MISSING: &str = "Alerte de stock introuvable dans cette boutique";

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

/// Which refused sales to list.
#[derive(Debug, Default)]
pub struct RejectionFilter {
    pub boutique_id: Option<i64>,
    pub code: Option<String>,
    pub resolue: Option<bool>,
    /// Refused at or after this instant.
    pub since: Option<DateTime<Utc>>,
}

/// A refused sale as stored, with its till.
#[derive(Debug)]
pub struct RejectionRow {
    pub id: i64,
    pub boutique_id: i64,
    pub fuseau_horaire: String,
    pub terminal_id: i64,
    pub numero_serie: String,
    pub nom_terminal: String,
    pub numero_facture: Option<String>,
    pub code: String,
    pub message: String,
    pub payload: String,
    pub article_id: Option<i64>,
    pub details: Option<Value>,
    pub tentatives: i32,
    pub date_rejet: DateTime<Utc>,
    pub date_derniere_tentative: DateTime<Utc>,
    pub resolue: bool,
    pub date_resolution: Option<DateTime<Utc>>,
    pub resolu_par: Option<String>,
    pub commentaire_resolution: Option<String>,
    pub vente_id: Option<i64>,
    pub total: i64,
}

/// A page of the refused sales matching `filter`, newest first, and how many match.
pub async fn rejections(
    pool: &PgPool,
    filter: &RejectionFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<RejectionRow>, i64), sqlx::Error> {
    let rows = sqlx::query_as!(
        RejectionRow,
        r#"SELECT r.id, r.boutique_id, b.fuseau_horaire, r.terminal_id, t.numero_serie,
                  t.nom_terminal, r.numero_facture, r.code, r.message, r.payload, r.article_id,
                  r.details, r.tentatives, r.date_rejet, r.date_derniere_tentative, r.resolue,
                  r.date_resolution, r.resolu_par, r.commentaire_resolution, r.vente_id,
                  count(*) OVER () AS "total!"
           FROM ventes_rejetees r
           JOIN boutiques b ON b.id = r.boutique_id
           JOIN terminaux t ON t.boutique_id = r.boutique_id AND t.id = r.terminal_id
           WHERE ($1::int8 IS NULL OR r.boutique_id = $1)
             AND ($2::text IS NULL OR r.code = $2)
             AND ($3::bool IS NULL OR r.resolue = $3)
             AND ($4::timestamptz IS NULL OR r.date_rejet >= $4)
           ORDER BY r.date_rejet DESC, r.id DESC
           LIMIT $5 OFFSET $6"#,
        filter.boutique_id,
        filter.code,
        filter.resolue,
        filter.since,
        limit,
        offset
    )
    .fetch_all(pool)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    Ok((rows, total))
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
    let (rows, total) = rejections(&state.pool, &filter, limit, offset).await?;
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

/// A refused sale once resolved.
#[derive(Debug)]
pub struct Resolved {
    pub id: i64,
    pub resolue: bool,
    pub date_resolution: Option<DateTime<Utc>>,
    pub resolu_par: Option<String>,
    pub commentaire_resolution: Option<String>,
}

/// Marks the refused sale `id` of the boutique as dealt with, by `by`, with a comment;
/// `None` if the boutique has no such refused sale.
pub async fn resolve(
    pool: &PgPool,
    boutique_id: i64,
    id: i64,
    by: &str,
    comment: &str,
) -> Result<Option<Resolved>, sqlx::Error> {
    sqlx::query_as!(
        Resolved,
        r#"UPDATE ventes_rejetees
           SET resolue = TRUE, date_resolution = COALESCE(date_resolution, now()),
               resolu_par = $3, commentaire_resolution = $4
           WHERE boutique_id = $1 AND id = $2
           RETURNING id, resolue, date_resolution, resolu_par, commentaire_resolution"#,
        boutique_id,
        id,
        by,
        comment
    )
    .fetch_optional(pool)
    .await
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
    admin: Admin,
    Path((boutique_id, id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let id = path_id(&id, REJECTION_MISSING)?;
    let input = Input::new(body, &["commentaire"])?;
    let comment = input.required_text("commentaire", 2000)?;
    let row = resolve(&state.pool, shop.id, id, &admin.signature(), &comment)
        .await?
        .ok_or_else(|| not_found(REJECTION_MISSING))?;
    Ok(Json(json!({
        "success": true,
        "vente_rejetee": {
            "id": row.id, "boutique_id": shop.id, "resolue": row.resolue,
            "date_resolution": row.date_resolution.map(|at| shop.timestamp(at)),
            "resolu_par": row.resolu_par, "commentaire_resolution": row.commentaire_resolution,
        },
    })))
}

/// A stock alert with its article and sale.
#[derive(Debug)]
pub struct StockAlertRow {
    pub id: i64,
    pub boutique_id: i64,
    pub fuseau_horaire: String,
    pub article_id: i64,
    pub code: String,
    pub nom: String,
    pub quantite_stock: i32,
    pub vente_id: i64,
    pub numero_facture: String,
    pub manque: i32,
    pub stock_avant: i32,
    pub stock_apres: i32,
    pub date_alerte: DateTime<Utc>,
    pub fermee: bool,
    pub date_fermeture: Option<DateTime<Utc>>,
    pub fermee_par: Option<String>,
    pub commentaire: Option<String>,
    pub total: i64,
}

/// A page of the stock alerts (of one boutique, open or closed, if asked), newest first,
/// and how many match.
pub async fn stock_alerts(
    pool: &PgPool,
    boutique_id: Option<i64>,
    fermee: Option<bool>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<StockAlertRow>, i64), sqlx::Error> {
    let rows = sqlx::query_as!(
        StockAlertRow,
        r#"SELECT x.id, x.boutique_id, b.fuseau_horaire, x.article_id, a.code, a.nom,
                  a.quantite_stock, x.vente_id, v.numero_facture, x.manque, x.stock_avant,
                  x.stock_apres, x.date_alerte, x.fermee, x.date_fermeture, x.fermee_par,
                  x.commentaire, count(*) OVER () AS "total!"
           FROM alertes_stock x
           JOIN boutiques b ON b.id = x.boutique_id
           JOIN articles a ON a.boutique_id = x.boutique_id AND a.id = x.article_id
           JOIN ventes v ON v.boutique_id = x.boutique_id AND v.id = x.vente_id
           WHERE ($1::int8 IS NULL OR x.boutique_id = $1)
             AND ($2::bool IS NULL OR x.fermee = $2)
           ORDER BY x.date_alerte DESC, x.id DESC
           LIMIT $3 OFFSET $4"#,
        boutique_id,
        fermee,
        limit,
        offset
    )
    .fetch_all(pool)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    Ok((rows, total))
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
    let (rows, total) = stock_alerts(&state.pool, boutique_id, fermee, limit, offset).await?;
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

/// Closes the stock alert `id` of the boutique, by `by`, with an optional comment; `false`
/// if the boutique has no such alert.
pub async fn close_alert(
    pool: &PgPool,
    boutique_id: i64,
    id: i64,
    by: &str,
    comment: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let closed = sqlx::query!(
        r#"UPDATE alertes_stock
           SET fermee = TRUE, date_fermeture = COALESCE(date_fermeture, now()),
               fermee_par = $3, commentaire = COALESCE($4, commentaire)
           WHERE boutique_id = $1 AND id = $2"#,
        boutique_id,
        id,
        by,
        comment
    )
    .execute(pool)
    .await?;
    Ok(closed.rows_affected() > 0)
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
    admin: Admin,
    Path((boutique_id, id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let id = path_id(&id, ALERT_MISSING)?;
    let input = Input::new(body, &["commentaire"])?;
    let comment = input.free_text("commentaire", 2000)?;
    if !close_alert(
        &state.pool,
        shop.id,
        id,
        &admin.signature(),
        comment.as_deref(),
    )
    .await?
    {
        return Err(not_found(ALERT_MISSING));
    }
    Ok(Json(json!({"success": true, "id": id, "fermee": true})))
}
