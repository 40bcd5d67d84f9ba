//! What a manager reviews: refused sales (`ventes_rejetees`) and stock alerts raised by
//! sales that took the stock below zero.
//!
//! `GET /api/admin/ventes-rejetees` and `GET /api/admin/alertes-stock` list them across
//! shops (filter `boutique_id`), each timestamp in its own shop's zone; each is resolved,
//! or closed, under its boutique.

use super::{Admin, AdminShop, null_empties};
use crate::boutiques::{time_zone, timestamp};
use crate::http::AppState;
use crate::http::error::{ALERT_MISSING, ApiError, REJECTION_MISSING};
use crate::http::extract::{Body, Params, invalid};
use crate::http::openapi::schemas::{nullable_timestamp, required_timestamp};
use crate::review::{self, RejectionFilter, StockAlert, StoredRejection};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, SchemaType};

/// A page of refused sales, newest first.
#[derive(Serialize, ToSchema)]
pub struct RejectionsResponse {
    #[schema(example = true)]
    success: bool,
    /// Refused sales matching the filters, all pages.
    total: i64,
    limit: i64,
    offset: i64,
    count: usize,
    ventes_rejetees: Vec<RejectionView>,
}

/// A sale the server refused, kept for review.
#[derive(Serialize, ToSchema)]
pub struct RejectionView {
    id: i64,
    boutique_id: i64,
    terminal_id: i64,
    terminal: RejectionTerminal,
    numero_facture: Option<String>,
    #[schema(example = "INSUFFICIENT_STOCK")]
    code: String,
    message: String,
    /// The sale exactly as the till sent it (as JSON when it is JSON).
    #[schema(schema_with = any_value)]
    payload: Value,
    article_id: Option<i64>,
    #[schema(schema_with = any_value)]
    details: Option<Value>,
    /// How many times the till sent it.
    tentatives: i32,
    #[schema(schema_with = required_timestamp)]
    date_rejet: String,
    #[schema(schema_with = required_timestamp)]
    date_derniere_tentative: String,
    resolue: bool,
    #[schema(schema_with = nullable_timestamp)]
    date_resolution: Option<String>,
    resolu_par: Option<String>,
    commentaire_resolution: Option<String>,
    /// The corrected sale, once recorded.
    vente_id: Option<i64>,
    /// When the till gave it up (`ventes/notifier-rejet`); it stays open for review.
    #[schema(schema_with = nullable_timestamp)]
    date_abandon: Option<String>,
    motif_abandon: Option<String>,
}

/// The till that sent a refused sale.
#[derive(Serialize, ToSchema)]
pub struct RejectionTerminal {
    #[schema(example = "0a1badae951f8473")]
    numero_serie: String,
    #[schema(example = "Terminal MAUI")]
    nom_terminal: String,
}

/// Any JSON value: what a till sent is shown as it came.
fn any_value() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::AnyValue)
}

impl From<StoredRejection> for RejectionView {
    fn from(r: StoredRejection) -> Self {
        let zone = time_zone(&r.fuseau_horaire);
        RejectionView {
            id: r.id,
            boutique_id: r.boutique_id,
            terminal_id: r.terminal_id,
            terminal: RejectionTerminal {
                numero_serie: r.numero_serie,
                nom_terminal: r.nom_terminal,
            },
            numero_facture: r.numero_facture,
            code: r.code,
            message: r.message,
            // Stored as text, so that a payload that is not JSON is kept too.
            payload: serde_json::from_str::<Value>(&r.payload).unwrap_or(Value::String(r.payload)),
            article_id: r.article_id,
            details: r.details,
            tentatives: r.tentatives,
            date_rejet: timestamp(r.date_rejet, zone),
            date_derniere_tentative: timestamp(r.date_derniere_tentative, zone),
            resolue: r.resolue,
            date_resolution: r.date_resolution.map(|at| timestamp(at, zone)),
            resolu_par: r.resolu_par,
            commentaire_resolution: r.commentaire_resolution,
            vente_id: r.vente_id,
            date_abandon: r.date_abandon.map(|at| timestamp(at, zone)),
            motif_abandon: r.motif_abandon,
        }
    }
}

/// How a refused sale was dealt with.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// What was done; 1 to 2,000 characters.
    #[schema(example = "Stock recompté, vente saisie à nouveau")]
    commentaire: String,
}

/// A refused sale once resolved.
#[derive(Serialize, ToSchema)]
pub struct ResolveResponse {
    #[schema(example = true)]
    success: bool,
    vente_rejetee: ResolvedRejection,
}

/// How a refused sale stands once resolved.
#[derive(Serialize, ToSchema)]
pub struct ResolvedRejection {
    id: i64,
    boutique_id: i64,
    resolue: bool,
    /// When it was first resolved.
    #[schema(schema_with = nullable_timestamp)]
    date_resolution: Option<String>,
    resolu_par: Option<String>,
    commentaire_resolution: Option<String>,
}

/// A page of stock alerts, newest first.
#[derive(Serialize, ToSchema)]
pub struct StockAlertsResponse {
    #[schema(example = true)]
    success: bool,
    /// Alerts matching the filters, all pages.
    total: i64,
    limit: i64,
    offset: i64,
    count: usize,
    alertes_stock: Vec<StockAlertView>,
}

/// A sale recorded beyond the stock (shops set to `AUTORISER_NEGATIF`).
#[derive(Serialize, ToSchema)]
pub struct StockAlertView {
    id: i64,
    boutique_id: i64,
    article: AlertArticle,
    vente: AlertSale,
    /// Units sold beyond the stock.
    manque: i32,
    stock_avant: i32,
    stock_apres: i32,
    #[schema(schema_with = required_timestamp)]
    date_alerte: String,
    fermee: bool,
    #[schema(schema_with = nullable_timestamp)]
    date_fermeture: Option<String>,
    fermee_par: Option<String>,
    commentaire: Option<String>,
}

/// The article an alert is about, with its stock now.
#[derive(Serialize, ToSchema)]
pub struct AlertArticle {
    id: i64,
    code: String,
    nom: String,
    stock_actuel: i32,
}

/// The sale that took the stock below zero.
#[derive(Serialize, ToSchema)]
pub struct AlertSale {
    id: i64,
    numero_facture: String,
}

impl From<StockAlert> for StockAlertView {
    fn from(x: StockAlert) -> Self {
        let zone = time_zone(&x.fuseau_horaire);
        StockAlertView {
            id: x.id,
            boutique_id: x.boutique_id,
            article: AlertArticle {
                id: x.article_id,
                code: x.code,
                nom: x.nom,
                stock_actuel: x.quantite_stock,
            },
            vente: AlertSale {
                id: x.vente_id,
                numero_facture: x.numero_facture,
            },
            manque: x.manque,
            stock_avant: x.stock_avant,
            stock_apres: x.stock_apres,
            date_alerte: timestamp(x.date_alerte, zone),
            fermee: x.fermee,
            date_fermeture: x.date_fermeture.map(|at| timestamp(at, zone)),
            fermee_par: x.fermee_par,
            commentaire: x.commentaire,
        }
    }
}

/// Why a stock alert is closed, if said.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseAlertRequest {
    /// At most 2,000 characters; `null` empties the alert's comment.
    #[serde(default, deserialize_with = "null_empties")]
    #[schema(example = "Livraison saisie")]
    commentaire: Option<String>,
}

/// A stock alert closed.
#[derive(Serialize, ToSchema)]
pub struct CloseAlertResponse {
    #[schema(example = true)]
    success: bool,
    id: i64,
    #[schema(example = true)]
    fermee: bool,
}

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
        (status = 200, description = "The refused sales", body = RejectionsResponse),
        crate::http::openapi::refusals::AdminList,
    ),
    security(("admin_token" = []))
)]
pub async fn list_rejections(
    State(state): State<AppState>,
    admin: Admin,
    params: Params,
) -> Result<Json<RejectionsResponse>, ApiError> {
    let filter = RejectionFilter {
        boutique_id: params.id("boutique_id")?,
        commercant_id: admin.commercant_id,
        code: code_filter(&params)?,
        resolue: params.flag("resolue")?,
        since: None,
    };
    let (limit, offset) = (params.limit(50, 500)?, params.offset()?);
    let (rows, total) = review::rejections(&state.pool, &filter, limit, offset).await?;
    let ventes_rejetees: Vec<RejectionView> = rows.into_iter().map(RejectionView::from).collect();
    Ok(Json(RejectionsResponse {
        success: true,
        total,
        limit,
        offset,
        count: ventes_rejetees.len(),
        ventes_rejetees,
    }))
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
    request_body = ResolveRequest,
    responses(
        (status = 200, description = "Resolved", body = ResolveResponse),
        crate::http::openapi::refusals::AdminReview,
    ),
    security(("admin_token" = []))
)]
pub async fn resolve_rejection(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<ResolveRequest>,
) -> Result<Json<ResolveResponse>, ApiError> {
    let shop = &at.shop;
    let id = at.id("id", REJECTION_MISSING)?;
    let row = review::resolve(
        &state.pool,
        shop.id,
        id,
        &at.admin.signature(),
        &body.commentaire,
    )
    .await?;
    Ok(Json(ResolveResponse {
        success: true,
        vente_rejetee: ResolvedRejection {
            id: row.id,
            boutique_id: shop.id,
            resolue: row.resolue,
            date_resolution: row.date_resolution.map(|at| shop.timestamp(at)),
            resolu_par: row.resolu_par,
            commentaire_resolution: row.commentaire_resolution,
        },
    }))
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
        (status = 200, description = "The alerts", body = StockAlertsResponse),
        crate::http::openapi::refusals::AdminList,
    ),
    security(("admin_token" = []))
)]
pub async fn list_stock_alerts(
    State(state): State<AppState>,
    admin: Admin,
    params: Params,
) -> Result<Json<StockAlertsResponse>, ApiError> {
    let boutique_id = params.id("boutique_id")?;
    let fermee = params.flag("fermee")?;
    let (limit, offset) = (params.limit(50, 500)?, params.offset()?);
    let (rows, total) = review::stock_alerts(
        &state.pool,
        boutique_id,
        admin.commercant_id,
        fermee,
        limit,
        offset,
    )
    .await?;
    let alertes_stock: Vec<StockAlertView> = rows.into_iter().map(StockAlertView::from).collect();
    Ok(Json(StockAlertsResponse {
        success: true,
        total,
        limit,
        offset,
        count: alertes_stock.len(),
        alertes_stock,
    }))
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
    request_body = CloseAlertRequest,
    responses(
        (status = 200, description = "Closed", body = CloseAlertResponse),
        crate::http::openapi::refusals::AdminReview,
    ),
    security(("admin_token" = []))
)]
pub async fn close_stock_alert(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<CloseAlertRequest>,
) -> Result<Json<CloseAlertResponse>, ApiError> {
    let id = at.id("id", ALERT_MISSING)?;
    review::close_alert(
        &state.pool,
        at.shop.id,
        id,
        &at.admin.signature(),
        body.commentaire.as_deref(),
    )
    .await?;
    Ok(Json(CloseAlertResponse {
        success: true,
        id,
        fermee: true,
    }))
}
