//! Tills: `/api/admin/boutiques/<id>/terminaux[/<id>[/cle]]`. A till's `cle_api` is made
//! here, shown once in the response that made it, and stored only as a hash.

use super::AdminShop;
use crate::boutiques::Shop;
use crate::http::AppState;
use crate::http::error::{ApiError, TERMINAL_MISSING};
use crate::http::extract::{Input, JsonBody};
use crate::terminals::{self, KEY_WARNING, Order, Till};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TerminalView {
    pub id: i64,
    pub boutique_id: i64,
    pub numero_serie: String,
    pub nom_terminal: String,
    pub est_actif: bool,
    pub version_app_maui: Option<String>,
    pub derniere_activite: Option<String>,
    pub date_creation: String,
}

impl TerminalView {
    fn new(t: Till, shop: &Shop) -> Self {
        TerminalView {
            id: t.id,
            boutique_id: shop.id,
            numero_serie: t.numero_serie,
            nom_terminal: t.nom_terminal,
            est_actif: t.est_actif,
            version_app_maui: t.version_app_maui,
            derniere_activite: t.derniere_activite.map(|at| shop.timestamp(at)),
            date_creation: shop.timestamp(t.date_creation),
        }
    }
}

async fn one(state: &AppState, shop: &Shop, id: i64) -> Result<TerminalView, ApiError> {
    Ok(TerminalView::new(
        terminals::get(&state.pool, shop.id, id).await?,
        shop,
    ))
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}/terminaux",
    operation_id = "admin_list_terminals",
    tag = "Administration",
    summary = "A shop's tills",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    responses(
        (status = 200, description = "The tills", body = crate::http::openapi::schemas::TerminalsResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn list(State(state): State<AppState>, at: AdminShop) -> Result<Json<Value>, ApiError> {
    let shop = &at.shop;
    let list: Vec<TerminalView> = terminals::list(&state.pool, shop.id, None, Order::Registration)
        .await?
        .into_iter()
        .map(|t| TerminalView::new(t, shop))
        .collect();
    Ok(Json(json!({
        "success": true, "boutique_id": shop.id, "count": list.len(), "terminaux": list
    })))
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}/terminaux/{terminal_id}",
    operation_id = "admin_show_terminal",
    tag = "Administration",
    summary = "A till",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("terminal_id" = i64, Path, description = "The till"),
    ),
    responses(
        (status = 200, description = "The till", body = crate::http::openapi::schemas::TerminalResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn show(State(state): State<AppState>, at: AdminShop) -> Result<Json<Value>, ApiError> {
    let shop = &at.shop;
    let id = at.id("terminal_id", TERMINAL_MISSING)?;
    Ok(Json(
        json!({"success": true, "terminal": one(&state, shop, id).await?}),
    ))
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/terminaux",
    operation_id = "admin_create_terminal",
    tag = "Administration",
    summary = "Register a till",
    description = "Its `cle_api` is in this answer only.",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    request_body = crate::http::openapi::schemas::TerminalCreate,
    responses(
        (status = 201, description = "Registered", body = crate::http::openapi::schemas::TerminalKeyResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    at: AdminShop,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let shop = &at.shop;
    let input = Input::new(body, &["numero_serie", "nom_terminal"])?;
    let numero_serie = input.required_text("numero_serie", 100)?;
    let nom_terminal = input.required_text("nom_terminal", 200)?;
    let (id, cle_api) =
        terminals::register(&state.pool, shop.id, &numero_serie, &nom_terminal).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "success": true,
            "terminal": one(&state, shop, id).await?,
            "cle_api": cle_api,
            "avertissement": KEY_WARNING,
        })),
    ))
}

#[utoipa::path(
    patch,
    path = "/api/admin/boutiques/{boutique_id}/terminaux/{terminal_id}",
    operation_id = "admin_update_terminal",
    tag = "Administration",
    summary = "Rename or (de)activate a till",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("terminal_id" = i64, Path, description = "The till"),
    ),
    request_body = crate::http::openapi::schemas::TerminalUpdate,
    responses(
        (status = 200, description = "Changed", body = crate::http::openapi::schemas::TerminalResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    at: AdminShop,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let shop = &at.shop;
    let id = at.id("terminal_id", TERMINAL_MISSING)?;
    let input = Input::new(body, &["nom_terminal", "est_actif"])?;
    terminals::update(
        &state.pool,
        shop.id,
        id,
        input.text("nom_terminal", 200)?.as_deref(),
        input.boolean("est_actif")?,
    )
    .await?;
    Ok(Json(
        json!({"success": true, "terminal": one(&state, shop, id).await?}),
    ))
}

/// Deactivates the till: refused from its next request.
#[utoipa::path(
    delete,
    path = "/api/admin/boutiques/{boutique_id}/terminaux/{terminal_id}",
    operation_id = "admin_deactivate_terminal",
    tag = "Administration",
    summary = "Deactivate a till",
    description = "Refused from its next request.",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("terminal_id" = i64, Path, description = "The till"),
    ),
    responses(
        (status = 200, description = "Deactivated", body = crate::http::openapi::schemas::TerminalResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn deactivate(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<Value>, ApiError> {
    let shop = &at.shop;
    let id = at.id("terminal_id", TERMINAL_MISSING)?;
    terminals::update(&state.pool, shop.id, id, None, Some(false)).await?;
    Ok(Json(
        json!({"success": true, "terminal": one(&state, shop, id).await?}),
    ))
}

/// Replaces the till's key: the old one stops working at once.
#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/terminaux/{terminal_id}/cle",
    operation_id = "admin_rotate_terminal_key",
    tag = "Administration",
    summary = "Replace a till's key",
    description = "The old key stops working at once; the new one is in this answer only.",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("terminal_id" = i64, Path, description = "The till"),
    ),
    responses(
        (status = 200, description = "New key", body = crate::http::openapi::schemas::TerminalKeyResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn rotate_key(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<Value>, ApiError> {
    let shop = &at.shop;
    let id = at.id("terminal_id", TERMINAL_MISSING)?;
    let cle_api = terminals::new_key(&state.pool, shop.id, id).await?;
    Ok(Json(json!({
        "success": true,
        "terminal": one(&state, shop, id).await?,
        "cle_api": cle_api,
        "avertissement": KEY_WARNING,
    })))
}
