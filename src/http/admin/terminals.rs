//! Tills: `/api/admin/boutiques/<id>/terminaux[/<id>[/cle]]`. A till's `cle_api` is made
//! here, shown once in the response that made it, and stored only as a hash.

use super::{AdminShop, given};
use crate::boutiques::Shop;
use crate::http::AppState;
use crate::http::error::{ApiError, TERMINAL_MISSING};
use crate::http::extract::Body;
use crate::http::openapi::schemas::{nullable_timestamp, required_timestamp};
use crate::terminals::{self, Change, KEY_WARNING, Order, Till};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A till of the boutique, without its key.
#[derive(Debug, Serialize, ToSchema)]
pub struct TerminalView {
    pub id: i64,
    pub boutique_id: i64,
    pub numero_serie: String,
    pub nom_terminal: String,
    pub est_actif: bool,
    pub version_app_maui: Option<String>,
    /// Its last request, at most a minute old; `null` if it never called.
    #[schema(schema_with = nullable_timestamp)]
    pub derniere_activite: Option<String>,
    #[schema(schema_with = required_timestamp)]
    pub date_creation: String,
    /// `true`: its key is required; `false`: its serial alone lets it in (a risk, for an app
    /// that cannot send a key yet).
    pub cle_requise: bool,
    /// When it was last let in on its serial alone; `null` if never.
    #[schema(schema_with = nullable_timestamp)]
    pub derniere_sans_cle: Option<String>,
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
            cle_requise: t.cle_requise,
            derniere_sans_cle: t.derniere_sans_cle.map(|at| shop.timestamp(at)),
        }
    }
}

/// The tills of a shop, in the order they were registered.
#[derive(Serialize, ToSchema)]
pub struct TerminalsResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    boutique_id: i64,
    #[schema(example = 2)]
    count: usize,
    terminaux: Vec<TerminalView>,
}

/// A till as it is now.
#[derive(Serialize, ToSchema)]
pub struct TerminalResponse {
    #[schema(example = true)]
    success: bool,
    terminal: TerminalView,
}

impl TerminalResponse {
    async fn of(state: &AppState, shop: &Shop, id: i64) -> Result<Self, ApiError> {
        Ok(TerminalResponse {
            success: true,
            terminal: TerminalView::new(terminals::get(&state.pool, shop.id, id).await?, shop),
        })
    }
}

/// A till with its new key, shown only in this answer.
#[derive(Serialize, ToSchema)]
pub struct TerminalKeyResponse {
    #[schema(example = true)]
    success: bool,
    terminal: TerminalView,
    #[schema(example = "33e4b1c2d5f6…")]
    cle_api: String,
    /// To note the key now: it is never shown again.
    avertissement: String,
}

impl TerminalKeyResponse {
    async fn of(state: &AppState, shop: &Shop, id: i64, cle_api: String) -> Result<Self, ApiError> {
        Ok(TerminalKeyResponse {
            success: true,
            terminal: TerminalResponse::of(state, shop, id).await?.terminal,
            cle_api,
            avertissement: KEY_WARNING.to_owned(),
        })
    }
}

/// A till to register.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TerminalCreate {
    /// What the till sends in `X-Device-Serial`; unique, 1 to 100 characters.
    #[schema(example = "TILL-GOMA-1")]
    numero_serie: String,
    /// 1 to 200 characters.
    #[schema(example = "Caisse 1")]
    nom_terminal: String,
    /// Whether the till must present its key (default `true`); `false` lets its serial alone
    /// in, for an app that cannot send a key yet.
    #[serde(default)]
    #[schema(example = true)]
    cle_requise: Option<bool>,
}

/// What changes in a till: only the fields sent.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TerminalUpdate {
    #[serde(default, deserialize_with = "given")]
    #[schema(example = "Caisse principale")]
    nom_terminal: Option<String>,
    /// `false` refuses the till from its next request.
    #[serde(default, deserialize_with = "given")]
    est_actif: Option<bool>,
    /// `true` requires its key from its next request; `false` lets its serial alone in.
    #[serde(default, deserialize_with = "given")]
    cle_requise: Option<bool>,
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}/terminaux",
    operation_id = "admin_list_terminals",
    tag = "Administration",
    summary = "A shop's tills",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    responses(
        (status = 200, description = "The tills", body = TerminalsResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<TerminalsResponse>, ApiError> {
    let shop = &at.shop;
    let terminaux: Vec<TerminalView> =
        terminals::list(&state.pool, shop.id, None, Order::Registration)
            .await?
            .into_iter()
            .map(|t| TerminalView::new(t, shop))
            .collect();
    Ok(Json(TerminalsResponse {
        success: true,
        boutique_id: shop.id,
        count: terminaux.len(),
        terminaux,
    }))
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
        (status = 200, description = "The till", body = TerminalResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn show(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<TerminalResponse>, ApiError> {
    let id = at.id("terminal_id", TERMINAL_MISSING)?;
    Ok(Json(TerminalResponse::of(&state, &at.shop, id).await?))
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/terminaux",
    operation_id = "admin_create_terminal",
    tag = "Administration",
    summary = "Register a till",
    description = "Its `cle_api` is in this answer only.",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    request_body = TerminalCreate,
    responses(
        (status = 201, description = "Registered", body = TerminalKeyResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<TerminalCreate>,
) -> Result<(StatusCode, Json<TerminalKeyResponse>), ApiError> {
    let shop = &at.shop;
    let (id, cle_api) = terminals::register(
        &state.pool,
        shop.id,
        &body.numero_serie,
        &body.nom_terminal,
        body.cle_requise.unwrap_or(true),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(TerminalKeyResponse::of(&state, shop, id, cle_api).await?),
    ))
}

#[utoipa::path(
    patch,
    path = "/api/admin/boutiques/{boutique_id}/terminaux/{terminal_id}",
    operation_id = "admin_update_terminal",
    tag = "Administration",
    summary = "Rename, (de)activate a till, or set whether its key is required",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("terminal_id" = i64, Path, description = "The till"),
    ),
    request_body = TerminalUpdate,
    responses(
        (status = 200, description = "Changed", body = TerminalResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<TerminalUpdate>,
) -> Result<Json<TerminalResponse>, ApiError> {
    let shop = &at.shop;
    let id = at.id("terminal_id", TERMINAL_MISSING)?;
    terminals::update(
        &state.pool,
        shop.id,
        id,
        Change {
            nom_terminal: body.nom_terminal.as_deref(),
            est_actif: body.est_actif,
            cle_requise: body.cle_requise,
        },
    )
    .await?;
    Ok(Json(TerminalResponse::of(&state, shop, id).await?))
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
        (status = 200, description = "Deactivated", body = TerminalResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn deactivate(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<TerminalResponse>, ApiError> {
    let shop = &at.shop;
    let id = at.id("terminal_id", TERMINAL_MISSING)?;
    let deactivate = Change {
        est_actif: Some(false),
        ..Change::default()
    };
    terminals::update(&state.pool, shop.id, id, deactivate).await?;
    Ok(Json(TerminalResponse::of(&state, shop, id).await?))
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
        (status = 200, description = "New key", body = TerminalKeyResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn rotate_key(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<TerminalKeyResponse>, ApiError> {
    let shop = &at.shop;
    let id = at.id("terminal_id", TERMINAL_MISSING)?;
    let cle_api = terminals::new_key(&state.pool, shop.id, id).await?;
    Ok(Json(
        TerminalKeyResponse::of(&state, shop, id, cle_api).await?,
    ))
}
