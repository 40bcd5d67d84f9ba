//! Categories and articles of a boutique: `/api/admin/boutiques/<id>/categories[/<id>]` and
//! `/api/admin/boutiques/<id>/articles[/<id>]`. Stock is not edited here: it changes only
//! through deliveries and adjustments, which write the stock journal.

use super::{Admin, conflict_on, not_found, path_id, shop, touched};
use crate::http::AppState;
use crate::http::body::JsonBody;
use crate::http::catalogue::{ArticleRow, ArticleView};
use crate::http::error::ApiError;
use crate::http::input::Input;
use crate::http::params::Params;
use crate::http::stock::invalid_field;
use crate::shop::Shop;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use sqlx::PgPool;

const CATEGORY_MISSING: &str = "Catégorie introuvable dans cette boutique";
pub const ARTICLE_MISSING: &str = "Article introuvable dans cette boutique";

pub async fn categories(
    pool: &PgPool,
    shop: &Shop,
    id: Option<i64>,
) -> Result<Vec<Value>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"SELECT c.id, c.nom, c.description, c.date_creation,
                  (SELECT count(*) FROM articles a
                    WHERE a.boutique_id = c.boutique_id AND a.categorie_id = c.id) AS "nb_articles!"
           FROM categories c
           WHERE c.boutique_id = $1 AND ($2::int8 IS NULL OR c.id = $2)
           ORDER BY c.nom, c.id"#,
        shop.id,
        id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|c| {
        json!({
            "id": c.id, "nom": c.nom, "description": c.description,
            "date_creation": shop.timestamp(c.date_creation), "boutique": shop.id,
            "nb_articles": c.nb_articles,
        })
    })
    .collect())
}

async fn one_category(pool: &PgPool, shop: &Shop, id: i64) -> Result<Value, ApiError> {
    categories(pool, shop, Some(id))
        .await?
        .pop()
        .ok_or_else(|| not_found(CATEGORY_MISSING))
}

const CATEGORY_UNIQUE: &[(&str, &str)] = &[("categories_boutique_id_nom_key", "nom")];

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
    _: Admin,
    Path(boutique_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let list = categories(&state.pool, &shop, None).await?;
    Ok(Json(json!({
        "success": true, "boutique_id": shop.id, "count": list.len(), "categories": list
    })))
}

/// Creates a category from `input` (`nom`, `description`); returns its id.
pub async fn insert_category(pool: &PgPool, shop: &Shop, input: &Input) -> Result<i64, ApiError> {
    sqlx::query_scalar!(
        r#"INSERT INTO categories (boutique_id, nom, description)
           VALUES ($1, $2, COALESCE($3, '')) RETURNING id"#,
        shop.id,
        input.required_text("nom", 200)?,
        input.free_text("description", 2000)?
    )
    .fetch_one(pool)
    .await
    .map_err(|e| conflict_on(e, CATEGORY_UNIQUE))
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
    _: Admin,
    Path(boutique_id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let input = Input::new(body, &["nom", "description"])?;
    let id = insert_category(&state.pool, &shop, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"success": true, "categorie": one_category(&state.pool, &shop, id).await?})),
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
    _: Admin,
    Path((boutique_id, categorie_id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let id = path_id(&categorie_id, CATEGORY_MISSING)?;
    let input = Input::new(body, &["nom", "description"])?;
    let updated = sqlx::query!(
        r#"UPDATE categories SET nom = COALESCE($3, nom), description = COALESCE($4, description),
                                  modif_txid = pg_current_xact_id()::text::bigint
           WHERE boutique_id = $1 AND id = $2"#,
        shop.id,
        id,
        input.text("nom", 200)?,
        input.free_text("description", 2000)?
    )
    .execute(&state.pool)
    .await
    .map_err(|e| conflict_on(e, CATEGORY_UNIQUE))?;
    touched(updated, CATEGORY_MISSING)?;
    Ok(Json(
        json!({"success": true, "categorie": one_category(&state.pool, &shop, id).await?}),
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
    _: Admin,
    Path((boutique_id, categorie_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let id = path_id(&categorie_id, CATEGORY_MISSING)?;
    let mut tx = state.pool.begin().await?;
    sqlx::query!(
        r#"UPDATE articles SET categorie_id = NULL, modif_txid = pg_current_xact_id()::text::bigint
           WHERE boutique_id = $1 AND categorie_id = $2"#,
        shop.id,
        id
    )
    .execute(&mut *tx)
    .await?;
    let deleted = sqlx::query!(
        "DELETE FROM categories WHERE boutique_id = $1 AND id = $2",
        shop.id,
        id
    )
    .execute(&mut *tx)
    .await?;
    touched(deleted, CATEGORY_MISSING)?;
    sqlx::query!(
        r#"INSERT INTO categories_supprimees (boutique_id, categorie_id) VALUES ($1, $2)
           ON CONFLICT (boutique_id, categorie_id)
           DO UPDATE SET modif_txid = pg_current_xact_id()::text::bigint"#,
        shop.id,
        id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Json(json!({"success": true, "id": id})))
}

pub async fn articles(
    pool: &PgPool,
    shop: &Shop,
    id: Option<i64>,
    search: Option<&str>,
) -> Result<Vec<ArticleView>, sqlx::Error> {
    let rows = sqlx::query_as!(
        ArticleRow,
        r#"SELECT a.id, a.code, a.nom, a.description, a.prix_vente, a.prix_achat, a.categorie_id,
                  c.nom AS "categorie_nom?", a.quantite_stock, a.est_actif
           FROM articles a
           LEFT JOIN categories c ON c.boutique_id = a.boutique_id AND c.id = a.categorie_id
           WHERE a.boutique_id = $1 AND ($2::int8 IS NULL OR a.id = $2)
             AND ($3::text IS NULL OR a.nom ILIKE '%' || $3 || '%' OR a.code ILIKE '%' || $3 || '%')
           ORDER BY a.nom, a.id"#,
        shop.id,
        id,
        search
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ArticleView::new(row, &shop.devise))
        .collect())
}

async fn one_article(pool: &PgPool, shop: &Shop, id: i64) -> Result<ArticleView, ApiError> {
    articles(pool, shop, Some(id), None)
        .await?
        .pop()
        .ok_or_else(|| not_found(ARTICLE_MISSING))
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
    _: Admin,
    Path(boutique_id): Path<String>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let list = articles(&state.pool, &shop, None, params.get("recherche")).await?;
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
    _: Admin,
    Path((boutique_id, article_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let id = path_id(&article_id, ARTICLE_MISSING)?;
    Ok(Json(
        json!({"success": true, "article": one_article(&state.pool, &shop, id).await?}),
    ))
}

pub const ARTICLE_FIELDS: &[&str] = &[
    "code",
    "nom",
    "description",
    "prix_vente",
    "prix_achat",
    "categorie_id",
    "est_actif",
    "quantite_stock",
];
const ARTICLE_UNIQUE: &[(&str, &str)] = &[("articles_boutique_id_code_key", "code")];

/// A category id must name a category of the same boutique.
async fn check_category(pool: &PgPool, shop: &Shop, id: Option<i64>) -> Result<(), ApiError> {
    let Some(id) = id else { return Ok(()) };
    let exists = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM categories WHERE boutique_id = $1 AND id = $2) AS "e!""#,
        shop.id,
        id
    )
    .fetch_one(pool)
    .await?;
    if exists {
        Ok(())
    } else {
        Err(invalid_field(
            "categorie_id",
            "catégorie introuvable dans cette boutique",
        ))
    }
}

/// Creates an article from `input` (the fields of [`ARTICLE_FIELDS`]); returns its id.
pub async fn insert_article(pool: &PgPool, shop: &Shop, input: &Input) -> Result<i64, ApiError> {
    let code = input.required_text("code", 64)?;
    let nom = input.required_text("nom", 200)?;
    let prix_vente = input
        .money("prix_vente")?
        .ok_or_else(|| invalid_field("prix_vente", "champ obligatoire"))?;
    let categorie_id = input.nullable_id("categorie_id")?.flatten();
    check_category(pool, shop, categorie_id).await?;
    // The stock an article starts with; from then on only movements change it.
    let stock = input.int("quantite_stock", 0, 1_000_000_000)?.unwrap_or(0) as i32;
    sqlx::query_scalar!(
        r#"INSERT INTO articles (boutique_id, code, nom, description, prix_vente, prix_achat,
                                 categorie_id, stock_initial, quantite_stock, est_actif)
           VALUES ($1, $2, $3, COALESCE($4, ''), $5, COALESCE($6::numeric, 0), $7, $8, $8, COALESCE($9, TRUE))
           RETURNING id"#,
        shop.id,
        code,
        nom,
        input.free_text("description", 2000)?,
        prix_vente.amount(),
        input.money("prix_achat")?.map(|m| m.amount()),
        categorie_id,
        stock,
        input.boolean("est_actif")?
    )
    .fetch_one(pool)
    .await
    .map_err(|e| conflict_on(e, ARTICLE_UNIQUE))
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
    _: Admin,
    Path(boutique_id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let input = Input::new(body, ARTICLE_FIELDS)?;
    let id = insert_article(&state.pool, &shop, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"success": true, "article": one_article(&state.pool, &shop, id).await?})),
    ))
}

/// Changes the article `id` with the fields `input` sets; never its stock, which only
/// deliveries and adjustments change.
pub async fn change_article(
    pool: &PgPool,
    shop: &Shop,
    id: i64,
    input: &Input,
) -> Result<(), ApiError> {
    if input.has("quantite_stock") {
        return Err(invalid_field(
            "quantite_stock",
            "le stock se modifie par une entrée (POST …/entrees) ou un ajustement (POST …/ajustements)",
        ));
    }
    let categorie = input.nullable_id("categorie_id")?;
    check_category(pool, shop, categorie.flatten()).await?;
    let updated = sqlx::query!(
        r#"UPDATE articles SET
               code = COALESCE($3, code),
               nom = COALESCE($4, nom),
               description = COALESCE($5, description),
               prix_vente = COALESCE($6, prix_vente),
               prix_achat = COALESCE($7, prix_achat),
               categorie_id = CASE WHEN $8 THEN $9 ELSE categorie_id END,
               est_actif = COALESCE($10, est_actif),
               date_modification = now(),
               modif_txid = pg_current_xact_id()::text::bigint
           WHERE boutique_id = $1 AND id = $2"#,
        shop.id,
        id,
        input.text("code", 64)?,
        input.text("nom", 200)?,
        input.free_text("description", 2000)?,
        input.money("prix_vente")?.map(|m| m.amount()),
        input.money("prix_achat")?.map(|m| m.amount()),
        categorie.is_some(),
        categorie.flatten(),
        input.boolean("est_actif")?
    )
    .execute(pool)
    .await
    .map_err(|e| conflict_on(e, ARTICLE_UNIQUE))?;
    touched(updated, ARTICLE_MISSING)
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
    _: Admin,
    Path((boutique_id, article_id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let id = path_id(&article_id, ARTICLE_MISSING)?;
    let input = Input::new(body, ARTICLE_FIELDS)?;
    change_article(&state.pool, &shop, id, &input).await?;
    Ok(Json(
        json!({"success": true, "article": one_article(&state.pool, &shop, id).await?}),
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
    _: Admin,
    Path((boutique_id, article_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let id = path_id(&article_id, ARTICLE_MISSING)?;
    let updated = sqlx::query!(
        r#"UPDATE articles SET est_actif = FALSE, date_modification = now(),
                                  modif_txid = pg_current_xact_id()::text::bigint
           WHERE boutique_id = $1 AND id = $2"#,
        shop.id,
        id
    )
    .execute(&state.pool)
    .await?;
    touched(updated, ARTICLE_MISSING)?;
    Ok(Json(
        json!({"success": true, "article": one_article(&state.pool, &shop, id).await?}),
    ))
}
