//! An article's variants (barcodes of one article: a colour, a size…): added, changed,
//! withdrawn. Each answers with the article as it now is, its active variants included.

use super::catalogue::ArticleResponse;
use super::{AdminShop, given};
use crate::catalogue::variants::{self, VariantFields};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Body;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

const ARTICLE_MISSING: &str = "Article introuvable dans cette boutique";
const VARIANT_MISSING: &str = "Variante introuvable pour cet article";

/// A new variant.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantCreate {
    /// Unique in the shop; 1 to 64 characters.
    #[schema(example = "6001234567890")]
    code_barre: String,
    #[schema(example = "Noir")]
    nom_variante: String,
    /// `COULEUR`, `TAILLE`, `PARFUM`, `POIDS`, `VOLUME`, `MODELE` or `AUTRE` (default).
    #[serde(default, deserialize_with = "given")]
    #[schema(example = "COULEUR")]
    type_attribut: Option<String>,
    #[serde(default, deserialize_with = "given")]
    image_url: Option<String>,
}

/// What changes in a variant: only the fields sent.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariantUpdate {
    #[serde(default, deserialize_with = "given")]
    code_barre: Option<String>,
    #[serde(default, deserialize_with = "given")]
    nom_variante: Option<String>,
    #[serde(default, deserialize_with = "given")]
    type_attribut: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<String>)]
    image_url: Option<Option<String>>,
    /// `false` withdraws it; `true` brings it back.
    #[serde(default, deserialize_with = "given")]
    est_actif: Option<bool>,
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/articles/{article_id}/variantes",
    operation_id = "admin_create_variant",
    tag = "Administration",
    summary = "Add a variant to an article",
    description = "A barcode of the article: no stock, price or currency of its own. A \
        `code_barre` already used in the shop is `409 ALREADY_EXISTS`.",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("article_id" = i64, Path, description = "The article", example = 1),
    ),
    request_body = VariantCreate,
    responses(
        (status = 201, description = "Added: the article", body = ArticleResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<VariantCreate>,
) -> Result<(StatusCode, Json<ArticleResponse>), ApiError> {
    let shop = &at.shop;
    let article = at.id("article_id", ARTICLE_MISSING)?;
    let fields = VariantFields {
        code_barre: Some(body.code_barre),
        nom_variante: Some(body.nom_variante),
        type_attribut: body.type_attribut,
        image_url: body.image_url.map(Some),
        est_actif: None,
    };
    variants::create(&state.pool, shop.id, article, &fields).await?;
    Ok((
        StatusCode::CREATED,
        Json(ArticleResponse::of(&state, shop, article).await?),
    ))
}

#[utoipa::path(
    patch,
    path = "/api/admin/boutiques/{boutique_id}/articles/{article_id}/variantes/{variante_id}",
    operation_id = "admin_update_variant",
    tag = "Administration",
    summary = "Change or withdraw a variant",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("article_id" = i64, Path, description = "The article", example = 1),
        ("variante_id" = i64, Path, description = "The variant"),
    ),
    request_body = VariantUpdate,
    responses(
        (status = 200, description = "Changed: the article", body = ArticleResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<VariantUpdate>,
) -> Result<Json<ArticleResponse>, ApiError> {
    let shop = &at.shop;
    let article = at.id("article_id", ARTICLE_MISSING)?;
    let variant = at.id("variante_id", VARIANT_MISSING)?;
    let fields = VariantFields {
        code_barre: body.code_barre,
        nom_variante: body.nom_variante,
        type_attribut: body.type_attribut,
        image_url: body.image_url,
        est_actif: body.est_actif,
    };
    variants::change(&state.pool, shop.id, article, variant, &fields).await?;
    Ok(Json(ArticleResponse::of(&state, shop, article).await?))
}

#[utoipa::path(
    delete,
    path = "/api/admin/boutiques/{boutique_id}/articles/{article_id}/variantes/{variante_id}",
    operation_id = "admin_withdraw_variant",
    tag = "Administration",
    summary = "Withdraw a variant",
    description = "Tills no longer see it; the sale lines that name it keep it.",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("article_id" = i64, Path, description = "The article", example = 1),
        ("variante_id" = i64, Path, description = "The variant"),
    ),
    responses(
        (status = 200, description = "Withdrawn: the article", body = ArticleResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn withdraw(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<ArticleResponse>, ApiError> {
    let shop = &at.shop;
    let article = at.id("article_id", ARTICLE_MISSING)?;
    let variant = at.id("variante_id", VARIANT_MISSING)?;
    let fields = VariantFields {
        est_actif: Some(false),
        ..VariantFields::default()
    };
    variants::change(&state.pool, shop.id, article, variant, &fields).await?;
    Ok(Json(ArticleResponse::of(&state, shop, article).await?))
}
