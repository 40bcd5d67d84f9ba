//! Boutiques: `/api/admin/boutiques[/<id>]`. A shop is created, changed and deactivated
//! here, never deleted; every answer shows it as it is once the request is done.

use super::{Admin, AdminShop, given, null_empties};
use crate::boutiques::{self, BoutiqueFields};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Body;
use crate::http::views::BoutiqueView;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Every shop, by id.
#[derive(Serialize, ToSchema)]
pub struct AdminBoutiquesResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    count: usize,
    boutiques: Vec<BoutiqueView>,
}

/// A shop as it is now.
#[derive(Serialize, ToSchema)]
pub struct BoutiqueResponse {
    #[schema(example = true)]
    success: bool,
    boutique: BoutiqueView,
}

impl BoutiqueResponse {
    /// The boutique `id`, read again after the change so that its counts are current.
    async fn of(state: &AppState, id: i64) -> Result<Self, ApiError> {
        Ok(BoutiqueResponse {
            success: true,
            boutique: BoutiqueView::with_depot(boutiques::get(&state.pool, id).await?),
        })
    }
}

/// A shop's settings. To create a shop, `nom` and `code_boutique` are required and the
/// others take their defaults; to change one, only the fields sent change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BoutiqueBody {
    /// 1 to 200 characters.
    #[serde(default, deserialize_with = "given")]
    #[schema(example = "Boutique de Goma")]
    nom: Option<String>,
    /// Unique; 1 to 50 characters.
    #[serde(default, deserialize_with = "given")]
    #[schema(example = "BTQ-100")]
    code_boutique: Option<String>,
    #[serde(default, deserialize_with = "null_empties")]
    type_commerce: Option<String>,
    #[serde(default, deserialize_with = "null_empties")]
    #[schema(example = "Goma")]
    ville: Option<String>,
    #[serde(default, deserialize_with = "null_empties")]
    adresse: Option<String>,
    /// Default `CDF`.
    #[serde(default, deserialize_with = "given")]
    devise: Option<String>,
    /// Default 5; from 0 to 1,000,000.
    #[serde(default, deserialize_with = "given")]
    #[schema(example = 5)]
    alerte_stock_bas: Option<i64>,
    /// An IANA time zone; default `Africa/Kinshasa`.
    #[serde(default, deserialize_with = "given")]
    fuseau_horaire: Option<String>,
    /// `STRICT` (default) or `AUTORISER_NEGATIF`.
    #[serde(default, deserialize_with = "given")]
    politique_stock: Option<String>,
    #[serde(default, deserialize_with = "given")]
    est_active: Option<bool>,
    /// `false` stops the shop's tills from selling (they read it from `pos/status/`);
    /// default `true`.
    #[serde(default, deserialize_with = "given")]
    pos_autorise: Option<bool>,
    /// A depot of the merchant: a stock room, usually without tills, that sends transfers
    /// to its shops; default `false`.
    #[serde(default, deserialize_with = "given")]
    est_depot: Option<bool>,
}

impl From<BoutiqueBody> for BoutiqueFields {
    fn from(body: BoutiqueBody) -> Self {
        BoutiqueFields {
            nom: body.nom,
            code_boutique: body.code_boutique,
            type_commerce: body.type_commerce,
            ville: body.ville,
            adresse: body.adresse,
            devise: body.devise,
            alerte_stock_bas: body.alerte_stock_bas,
            fuseau_horaire: body.fuseau_horaire,
            politique_stock: body.politique_stock,
            est_active: body.est_active,
            pos_autorise: body.pos_autorise,
            est_depot: body.est_depot,
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques",
    operation_id = "admin_list_boutiques",
    tag = "Administration",
    summary = "Every shop (a merchant's token: that merchant's)",
    responses(
        (status = 200, description = "The shops", body = AdminBoutiquesResponse),
        crate::http::openapi::refusals::AdminList,
    ),
    security(("admin_token" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    admin: Admin,
) -> Result<Json<AdminBoutiquesResponse>, ApiError> {
    let boutiques: Vec<BoutiqueView> = boutiques::list_of(&state.pool, None, admin.commercant_id)
        .await?
        .into_iter()
        .map(BoutiqueView::with_depot)
        .collect();
    Ok(Json(AdminBoutiquesResponse {
        success: true,
        count: boutiques.len(),
        boutiques,
    }))
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}",
    operation_id = "admin_show_boutique",
    tag = "Administration",
    summary = "A shop",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    responses(
        (status = 200, description = "The shop", body = BoutiqueResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn show(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<BoutiqueResponse>, ApiError> {
    Ok(Json(BoutiqueResponse::of(&state, at.shop.id).await?))
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques",
    operation_id = "admin_create_boutique",
    tag = "Administration",
    summary = "Create a shop",
    request_body = BoutiqueBody,
    responses(
        (status = 201, description = "Created", body = BoutiqueResponse),
        crate::http::openapi::refusals::AdminCreateShop,
    ),
    security(("admin_token" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    admin: Admin,
    Body(body): Body<BoutiqueBody>,
) -> Result<(StatusCode, Json<BoutiqueResponse>), ApiError> {
    let id = boutiques::create(&state.pool, &body.into()).await?;
    // A token of one merchant creates that merchant's shops.
    if let Some(merchant) = admin.commercant_id {
        boutiques::set_owner(&state.pool, id, merchant).await?;
    }
    Ok((
        StatusCode::CREATED,
        Json(BoutiqueResponse::of(&state, id).await?),
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
    request_body = BoutiqueBody,
    responses(
        (status = 200, description = "Changed", body = BoutiqueResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<BoutiqueBody>,
) -> Result<Json<BoutiqueResponse>, ApiError> {
    boutiques::update(&state.pool, at.shop.id, &body.into()).await?;
    Ok(Json(BoutiqueResponse::of(&state, at.shop.id).await?))
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
        (status = 200, description = "Deactivated", body = BoutiqueResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn deactivate(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<BoutiqueResponse>, ApiError> {
    boutiques::deactivate(&state.pool, at.shop.id).await?;
    Ok(Json(BoutiqueResponse::of(&state, at.shop.id).await?))
}
