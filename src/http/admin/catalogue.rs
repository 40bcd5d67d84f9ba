//! Categories and articles of a boutique: `/api/admin/boutiques/<id>/categories[/<id>]` and
//! `/api/admin/boutiques/<id>/articles[/<id>]`. Stock is not edited here: it changes only
//! through deliveries and adjustments, which write the stock journal.

use super::AdminShop;
use crate::boutiques::Shop;
use crate::catalogue::{self, ArticleChanges, Category, NewArticle};
use crate::http::AppState;
use crate::http::error::{ARTICLE_MISSING, ApiError, CATEGORY_MISSING};
use crate::http::extract::{Input, JsonBody, Params};
use crate::http::views::ArticleView;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn category_view(c: Category, shop: &Shop) -> Value {
    json!({
        "id": c.id, "nom": c.nom, "description": c.description,
        "date_creation": shop.timestamp(c.date_creation), "boutique": shop.id,
        "nb_articles": c.nb_articles,
    })
}

async fn one_category(state: &AppState, shop: &Shop, id: i64) -> Result<Value, ApiError> {
    Ok(category_view(
        catalogue::category(&state.pool, shop.id, id).await?,
        shop,
    ))
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}/categories",
    operation_id = "admin_list_categories",
    tag = "Administration",
    summary = "A shop's categories",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    responses(
        (status = 200, description = "The categories", body = crate::http::openapi::schemas::AdminCategoriesResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn list_categories(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<Value>, ApiError> {
    let shop = &at.shop;
    let list: Vec<Value> = catalogue::categories(&state.pool, shop.id, None)
        .await?
        .into_iter()
        .map(|c| category_view(c, shop))
        .collect();
    Ok(Json(json!({
        "success": true, "boutique_id": shop.id, "count": list.len(), "categories": list
    })))
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/categories",
    operation_id = "admin_create_category",
    tag = "Administration",
    summary = "Create a category",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    request_body = crate::http::openapi::schemas::CategoryCreate,
    responses(
        (status = 201, description = "Created", body = crate::http::openapi::schemas::CategoryResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn create_category(
    State(state): State<AppState>,
    at: AdminShop,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let shop = &at.shop;
    let input = Input::new(body, &["nom", "description"])?;
    let id = catalogue::create_category(
        &state.pool,
        shop.id,
        &input.required_text("nom", 200)?,
        input.free_text("description", 2000)?.as_deref(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"success": true, "categorie": one_category(&state, shop, id).await?})),
    ))
}

#[utoipa::path(
    patch,
    path = "/api/admin/boutiques/{boutique_id}/categories/{categorie_id}",
    operation_id = "admin_update_category",
    tag = "Administration",
    summary = "Change a category",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("categorie_id" = i64, Path, description = "The category"),
    ),
    request_body = crate::http::openapi::schemas::CategoryUpdate,
    responses(
        (status = 200, description = "Changed", body = crate::http::openapi::schemas::CategoryResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn update_category(
    State(state): State<AppState>,
    at: AdminShop,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let shop = &at.shop;
    let id = at.id("categorie_id", CATEGORY_MISSING)?;
    let input = Input::new(body, &["nom", "description"])?;
    catalogue::update_category(
        &state.pool,
        shop.id,
        id,
        input.text("nom", 200)?.as_deref(),
        input.free_text("description", 2000)?.as_deref(),
    )
    .await?;
    Ok(Json(
        json!({"success": true, "categorie": one_category(&state, shop, id).await?}),
    ))
}

/// Deletes the category; its articles become uncategorised. Both show in the tills' next
/// catalogue delta (the category as deleted, the articles as changed).
#[utoipa::path(
    delete,
    path = "/api/admin/boutiques/{boutique_id}/categories/{categorie_id}",
    operation_id = "admin_delete_category",
    tag = "Administration",
    summary = "Delete a category",
    description = "Its articles become uncategorised.",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("categorie_id" = i64, Path, description = "The category"),
    ),
    responses(
        (status = 200, description = "Deleted", body = crate::http::openapi::schemas::DeletedResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn delete_category(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<Value>, ApiError> {
    let shop = &at.shop;
    let id = at.id("categorie_id", CATEGORY_MISSING)?;
    catalogue::delete_category(&state.pool, shop.id, id).await?;
    Ok(Json(json!({"success": true, "id": id})))
}

async fn one_article(state: &AppState, shop: &Shop, id: i64) -> Result<ArticleView, ApiError> {
    Ok(ArticleView::new(
        catalogue::article(&state.pool, shop.id, id).await?,
        &shop.devise,
    ))
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}/articles",
    operation_id = "admin_list_articles",
    tag = "Administration",
    summary = "A shop's articles, withdrawn ones included",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("recherche" = Option<String>, Query, description = "Only articles whose name or code contains this"),
    ),
    responses(
        (status = 200, description = "The articles", body = crate::http::openapi::schemas::AdminArticlesResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn list_articles(
    State(state): State<AppState>,
    at: AdminShop,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let shop = &at.shop;
    let list: Vec<ArticleView> =
        catalogue::articles(&state.pool, shop.id, None, params.get("recherche"))
            .await?
            .into_iter()
            .map(|a| ArticleView::new(a, &shop.devise))
            .collect();
    Ok(Json(json!({
        "success": true, "boutique_id": shop.id, "count": list.len(), "articles": list
    })))
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}/articles/{article_id}",
    operation_id = "admin_show_article",
    tag = "Administration",
    summary = "An article",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("article_id" = i64, Path, description = "The article", example = 1),
    ),
    responses(
        (status = 200, description = "The article", body = crate::http::openapi::schemas::ArticleResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn show_article(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<Value>, ApiError> {
    let shop = &at.shop;
    let id = at.id("article_id", ARTICLE_MISSING)?;
    Ok(Json(
        json!({"success": true, "article": one_article(&state, shop, id).await?}),
    ))
}

const ARTICLE_FIELDS: &[&str] = &[
    "code",
    "nom",
    "description",
    "prix_vente",
    "prix_achat",
    "categorie_id",
    "est_actif",
    "quantite_stock",
];
/// The article `input` describes.
fn new_article(input: &Input) -> Result<NewArticle, ApiError> {
    Ok(NewArticle {
        code: input.required_text("code", 64)?,
        nom: input.required_text("nom", 200)?,
        description: input.free_text("description", 2000)?,
        prix_vente: input
            .money("prix_vente")?
            .ok_or_else(|| ApiError::invalid_field("prix_vente", "champ obligatoire"))?,
        prix_achat: input.money("prix_achat")?,
        categorie_id: input.nullable_id("categorie_id")?.flatten(),
        quantite_stock: input.int("quantite_stock", 0, catalogue::MAX_STOCK)?,
        est_actif: input.boolean("est_actif")?,
    })
}

/// The changes `input` asks for; never the stock, which only deliveries and adjustments
/// change.
fn article_changes(input: &Input) -> Result<ArticleChanges, ApiError> {
    if input.has("quantite_stock") {
        return Err(ApiError::invalid_field(
            "quantite_stock",
            "le stock se modifie par une entrée (POST …/entrees) ou un ajustement (POST …/ajustements)",
        ));
    }
    Ok(ArticleChanges {
        code: input.text("code", 64)?,
        nom: input.text("nom", 200)?,
        description: input.free_text("description", 2000)?,
        prix_vente: input.money("prix_vente")?,
        prix_achat: input.money("prix_achat")?,
        categorie_id: input.nullable_id("categorie_id")?,
        est_actif: input.boolean("est_actif")?,
    })
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/articles",
    operation_id = "admin_create_article",
    tag = "Administration",
    summary = "Create an article",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    request_body = crate::http::openapi::schemas::ArticleCreate,
    responses(
        (status = 201, description = "Created", body = crate::http::openapi::schemas::ArticleResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn create_article(
    State(state): State<AppState>,
    at: AdminShop,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let shop = &at.shop;
    let input = Input::new(body, ARTICLE_FIELDS)?;
    let id = catalogue::create_article(&state.pool, shop.id, &new_article(&input)?).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"success": true, "article": one_article(&state, shop, id).await?})),
    ))
}

#[utoipa::path(
    patch,
    path = "/api/admin/boutiques/{boutique_id}/articles/{article_id}",
    operation_id = "admin_update_article",
    tag = "Administration",
    summary = "Change an article",
    description = "Not its stock: that changes only by deliveries and adjustments.",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("article_id" = i64, Path, description = "The article", example = 1),
    ),
    request_body = crate::http::openapi::schemas::ArticleUpdate,
    responses(
        (status = 200, description = "Changed", body = crate::http::openapi::schemas::ArticleResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn update_article(
    State(state): State<AppState>,
    at: AdminShop,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let shop = &at.shop;
    let id = at.id("article_id", ARTICLE_MISSING)?;
    let input = Input::new(body, ARTICLE_FIELDS)?;
    catalogue::change_article(&state.pool, shop.id, id, &article_changes(&input)?).await?;
    Ok(Json(
        json!({"success": true, "article": one_article(&state, shop, id).await?}),
    ))
}

/// Withdraws the article: tills no longer see or sell it; its history stays.
#[utoipa::path(
    delete,
    path = "/api/admin/boutiques/{boutique_id}/articles/{article_id}",
    operation_id = "admin_withdraw_article",
    tag = "Administration",
    summary = "Withdraw an article",
    description = "Tills no longer see or sell it; its history stays.",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("article_id" = i64, Path, description = "The article", example = 1),
    ),
    responses(
        (status = 200, description = "Withdrawn", body = crate::http::openapi::schemas::ArticleResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn deactivate_article(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<Value>, ApiError> {
    let shop = &at.shop;
    let id = at.id("article_id", ARTICLE_MISSING)?;
    catalogue::withdraw_article(&state.pool, shop.id, id).await?;
    Ok(Json(
        json!({"success": true, "article": one_article(&state, shop, id).await?}),
    ))
}
