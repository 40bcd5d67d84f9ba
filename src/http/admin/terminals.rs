//! Tills: `/api/admin/boutiques/<id>/terminaux[/<id>[/cle]]`. A till's `cle_api` is made
//! here, shown once in the response that made it, and stored only as a hash.

use super::{Admin, conflict_on, not_found, path_id, shop, touched};
use crate::http::AppState;
use crate::http::body::JsonBody;
use crate::http::error::ApiError;
use crate::http::input::Input;
use crate::secret::{generate_key, hash_key};
use crate::shop::Shop;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgPool;

pub const MISSING: &str = "Terminal introuvable dans cette boutique";

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

async fn terminals(
    pool: &PgPool,
    shop: &Shop,
    id: Option<i64>,
) -> Result<Vec<TerminalView>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"SELECT id, numero_serie, nom_terminal, est_actif, version_app_maui, derniere_activite,
                  date_creation
           FROM terminaux
           WHERE boutique_id = $1 AND ($2::int8 IS NULL OR id = $2)
           ORDER BY id"#,
        shop.id,
        id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|t| TerminalView {
        id: t.id,
        boutique_id: shop.id,
        numero_serie: t.numero_serie,
        nom_terminal: t.nom_terminal,
        est_actif: t.est_actif,
        version_app_maui: t.version_app_maui,
        derniere_activite: t.derniere_activite.map(|at| shop.timestamp(at)),
        date_creation: shop.timestamp(t.date_creation),
    })
    .collect())
}

async fn one(pool: &PgPool, shop: &Shop, id: i64) -> Result<TerminalView, ApiError> {
    terminals(pool, shop, Some(id))
        .await?
        .pop()
        .ok_or_else(|| not_found(MISSING))
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
pub async fn list(
    State(state): State<AppState>,
    _: Admin,
    Path(boutique_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let list = terminals(&state.pool, &shop, None).await?;
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
pub async fn show(
    State(state): State<AppState>,
    _: Admin,
    Path((boutique_id, terminal_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let id = path_id(&terminal_id, MISSING)?;
    Ok(Json(
        json!({"success": true, "terminal": one(&state.pool, &shop, id).await?}),
    ))
}

/// Creates a till in the boutique; returns its id and its `cle_api`, which is not kept.
pub async fn insert(
    pool: &PgPool,
    shop: &Shop,
    numero_serie: &str,
    nom_terminal: &str,
) -> Result<(i64, String), ApiError> {
    let cle_api = generate_key();
    let id = sqlx::query_scalar!(
        r#"INSERT INTO terminaux (boutique_id, numero_serie, nom_terminal, cle_api_hash)
           VALUES ($1, $2, $3, $4) RETURNING id"#,
        shop.id,
        numero_serie,
        nom_terminal,
        hash_key(&cle_api)
    )
    .fetch_one(pool)
    .await
    .map_err(|e| conflict_on(e, &[("terminaux_numero_serie_key", "numero_serie")]))?;
    Ok((id, cle_api))
}

/// Gives the till `id` of the boutique a new key, returned; the old one stops working at once.
pub async fn new_key(pool: &PgPool, shop: &Shop, id: i64) -> Result<String, ApiError> {
    let cle_api = generate_key();
    let updated = sqlx::query!(
        "UPDATE terminaux SET cle_api_hash = $3 WHERE boutique_id = $1 AND id = $2",
        shop.id,
        id,
        hash_key(&cle_api)
    )
    .execute(pool)
    .await?;
    touched(updated, MISSING)?;
    Ok(cle_api)
}

/// Activates or deactivates the till `id` of the boutique; a deactivated till is refused
/// from its next request.
pub async fn set_active(pool: &PgPool, shop: &Shop, id: i64, active: bool) -> Result<(), ApiError> {
    let updated = sqlx::query!(
        "UPDATE terminaux SET est_actif = $3 WHERE boutique_id = $1 AND id = $2",
        shop.id,
        id,
        active
    )
    .execute(pool)
    .await?;
    touched(updated, MISSING)
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
    _: Admin,
    Path(boutique_id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let input = Input::new(body, &["numero_serie", "nom_terminal"])?;
    let numero_serie = input.required_text("numero_serie", 100)?;
    let nom_terminal = input.required_text("nom_terminal", 200)?;
    let (id, cle_api) = insert(&state.pool, &shop, &numero_serie, &nom_terminal).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "success": true,
            "terminal": one(&state.pool, &shop, id).await?,
            "cle_api": cle_api,
            "avertissement": KEY_WARNING,
        })),
    ))
}

/// Said with every new key.
pub const KEY_WARNING: &str = "Notez cette clé maintenant : elle ne sera plus jamais affichée.";

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
    _: Admin,
    Path((boutique_id, terminal_id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let id = path_id(&terminal_id, MISSING)?;
    let input = Input::new(body, &["nom_terminal", "est_actif"])?;
    let updated = sqlx::query!(
        r#"UPDATE terminaux SET nom_terminal = COALESCE($3, nom_terminal),
                                est_actif = COALESCE($4, est_actif)
           WHERE boutique_id = $1 AND id = $2"#,
        shop.id,
        id,
        input.text("nom_terminal", 200)?,
        input.boolean("est_actif")?
    )
    .execute(&state.pool)
    .await?;
    touched(updated, MISSING)?;
    Ok(Json(
        json!({"success": true, "terminal": one(&state.pool, &shop, id).await?}),
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
    _: Admin,
    Path((boutique_id, terminal_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let id = path_id(&terminal_id, MISSING)?;
    set_active(&state.pool, &shop, id, false).await?;
    Ok(Json(
        json!({"success": true, "terminal": one(&state.pool, &shop, id).await?}),
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
    _: Admin,
    Path((boutique_id, terminal_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let id = path_id(&terminal_id, MISSING)?;
    let cle_api = new_key(&state.pool, &shop, id).await?;
    Ok(Json(json!({
        "success": true,
        "terminal": one(&state.pool, &shop, id).await?,
        "cle_api": cle_api,
        "avertissement": KEY_WARNING,
    })))
}
