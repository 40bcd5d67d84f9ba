//! Boutiques: `/api/admin/boutiques[/<id>]`.

use super::{Admin, path_id};
use crate::boutiques::{self, BoutiqueFields};
use crate::http::AppState;
use crate::http::error::{ApiError, BOUTIQUE_MISSING};
use crate::http::extract::{Input, JsonBody};
use crate::http::views::BoutiqueView;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

#[utoipa::path(
    get,
    path = "/api/admin/boutiques",
    operation_id = "admin_list_boutiques",
    tag = "Administration",
    summary = "Every shop",
    responses(
        (status = 200, description = "The shops", body = crate::http::openapi::schemas::BoutiquesResponse),
        crate::http::openapi::refusals::AdminList,
    ),
    security(("admin_token" = []))
)]
pub async fn list(State(state): State<AppState>, _: Admin) -> Result<Json<Value>, ApiError> {
    let list: Vec<BoutiqueView> = boutiques::list(&state.pool, None)
        .await?
        .into_iter()
        .map(BoutiqueView::from)
        .collect();
    Ok(Json(
        json!({"success": true, "count": list.len(), "boutiques": list}),
    ))
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}",
    operation_id = "admin_show_boutique",
    tag = "Administration",
    summary = "A shop",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    responses(
        (status = 200, description = "The shop", body = crate::http::openapi::schemas::BoutiqueResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn show(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id, BOUTIQUE_MISSING)?;
    Ok(Json(
        json!({"success": true, "boutique": one(&state, id).await?}),
    ))
}

const FIELDS: &[&str] = &[
    "nom",
    "code_boutique",
    "type_commerce",
    "ville",
    "adresse",
    "devise",
    "alerte_stock_bas",
    "fuseau_horaire",
    "politique_stock",
    "est_active",
];
async fn one(state: &AppState, id: i64) -> Result<BoutiqueView, ApiError> {
    Ok(boutiques::get(&state.pool, id).await?.into())
}

/// The settings a request sets.
fn fields(input: &Input) -> Result<BoutiqueFields, ApiError> {
    Ok(BoutiqueFields {
        nom: input.text("nom", 200)?,
        code_boutique: input.text("code_boutique", 50)?,
        type_commerce: input.free_text("type_commerce", 200)?,
        ville: input.free_text("ville", 200)?,
        adresse: input.free_text("adresse", 500)?,
        devise: input.text("devise", 10)?.map(|d| d.to_uppercase()),
        alerte_stock_bas: input.int("alerte_stock_bas", 0, 1_000_000)?,
        fuseau_horaire: input.text("fuseau_horaire", 64)?,
        politique_stock: input.text("politique_stock", 32)?,
        est_active: input.boolean("est_active")?,
    })
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques",
    operation_id = "admin_create_boutique",
    tag = "Administration",
    summary = "Create a shop",
    request_body = crate::http::openapi::schemas::BoutiqueCreate,
    responses(
        (status = 201, description = "Created", body = crate::http::openapi::schemas::BoutiqueResponse),
        crate::http::openapi::refusals::AdminCreateShop,
    ),
    security(("admin_token" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    _: Admin,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let input = Input::new(body, FIELDS)?;
    input.required_text("nom", 200)?;
    input.required_text("code_boutique", 50)?;
    let id = boutiques::create(&state.pool, &fields(&input)?).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"success": true, "boutique": one(&state, id).await?})),
    ))
}

#[utoipa::path(
    patch,
    path = "/api/admin/boutiques/{boutique_id}",
    operation_id = "admin_update_boutique",
    tag = "Administration",
    summary = "Change a shop",
    description = "Only the fields sent change.",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    request_body = crate::http::openapi::schemas::BoutiqueUpdate,
    responses(
        (status = 200, description = "Changed", body = crate::http::openapi::schemas::BoutiqueResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id, BOUTIQUE_MISSING)?;
    boutiques::update(&state.pool, id, &fields(&Input::new(body, FIELDS)?)?).await?;
    Ok(Json(
        json!({"success": true, "boutique": one(&state, id).await?}),
    ))
}

/// Deactivates the boutique: its tills are refused from their next request. Nothing is
/// deleted; it can be reactivated with `"est_active": true`.
#[utoipa::path(
    delete,
    path = "/api/admin/boutiques/{boutique_id}",
    operation_id = "admin_deactivate_boutique",
    tag = "Administration",
    summary = "Deactivate a shop",
    description = "Its tills are refused from their next request; nothing is deleted.",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    responses(
        (status = 200, description = "Deactivated", body = crate::http::openapi::schemas::BoutiqueResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn deactivate(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id, BOUTIQUE_MISSING)?;
    boutiques::deactivate(&state.pool, id).await?;
    Ok(Json(
        json!({"success": true, "boutique": one(&state, id).await?}),
    ))
}
