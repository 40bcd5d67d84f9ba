//! Categories and articles of a boutique: `/api/admin/boutiques/<id>/categories[/<id>]` and
//! `/api/admin/boutiques/<id>/articles[/<id>]`. Stock is not edited here: it changes only
//! through deliveries and adjustments, which write the stock journal.

use super::{AdminShop, given, null_empties};
use crate::boutiques::Shop;
use crate::catalogue::{self, ArticleChanges, Category, NewArticle};
use crate::http::AppState;
use crate::http::error::{ARTICLE_MISSING, ApiError, CATEGORY_MISSING};
use crate::http::extract::{Body, Params};
use crate::http::views::ArticleView;
use crate::money::Money;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// A category, with how many articles it holds.
#[derive(Serialize, ToSchema)]
pub struct AdminCategory {
    #[schema(example = 2)]
    id: i64,
    #[schema(example = "Accessoires")]
    nom: String,
    #[schema(example = "Chargeurs, câbles, écouteurs, coques")]
    description: String,
    #[schema(schema_with = crate::http::openapi::schemas::required_timestamp)]
    date_creation: String,
    /// The boutique's id.
    #[schema(example = 1)]
    boutique: i64,
    /// Articles in it, withdrawn ones included.
    #[schema(example = 6)]
    nb_articles: i64,
}

impl AdminCategory {
    fn new(c: Category, shop: &Shop) -> Self {
        AdminCategory {
            id: c.id,
            nom: c.nom,
            description: c.description,
            date_creation: shop.timestamp(c.date_creation),
            boutique: shop.id,
            nb_articles: c.nb_articles,
        }
    }
}

/// A shop's categories, by name.
#[derive(Serialize, ToSchema)]
pub struct AdminCategoriesResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    boutique_id: i64,
    #[schema(example = 2)]
    count: usize,
    categories: Vec<AdminCategory>,
}

/// A category as it is now.
#[derive(Serialize, ToSchema)]
pub struct CategoryResponse {
    #[schema(example = true)]
    success: bool,
    categorie: AdminCategory,
}

impl CategoryResponse {
    async fn of(state: &AppState, shop: &Shop, id: i64) -> Result<Self, ApiError> {
        Ok(CategoryResponse {
            success: true,
            categorie: AdminCategory::new(
                catalogue::category(&state.pool, shop.id, id).await?,
                shop,
            ),
        })
    }
}

/// What was deleted.
#[derive(Serialize, ToSchema)]
pub struct DeletedResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 5)]
    id: i64,
}

/// A category to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryCreate {
    /// Unique in the shop; 1 to 200 characters.
    #[schema(example = "Jus")]
    nom: String,
    #[serde(default, deserialize_with = "null_empties")]
    description: Option<String>,
}

/// What changes in a category: only the fields sent.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryUpdate {
    #[serde(default, deserialize_with = "given")]
    #[schema(example = "Jus de fruits")]
    nom: Option<String>,
    #[serde(default, deserialize_with = "null_empties")]
    description: Option<String>,
}

/// A shop's articles.
#[derive(Serialize, ToSchema)]
pub struct AdminArticlesResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    boutique_id: i64,
    #[schema(example = 9)]
    count: usize,
    articles: Vec<ArticleView>,
}

/// An article as it is now.
#[derive(Serialize, ToSchema)]
pub struct ArticleResponse {
    #[schema(example = true)]
    success: bool,
    article: ArticleView,
}

impl ArticleResponse {
    pub(super) async fn of(state: &AppState, shop: &Shop, id: i64) -> Result<Self, ApiError> {
        Ok(ArticleResponse {
            success: true,
            article: ArticleView::new(catalogue::article(&state.pool, shop.id, id).await?, shop),
        })
    }
}

/// An article to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleCreate {
    /// Unique in the shop; 1 to 64 characters.
    #[schema(example = "JUS-1")]
    code: String,
    #[schema(example = "Jus d orange 1 L")]
    nom: String,
    /// A number or a numeric string.
    #[schema(value_type = f64, example = 1500)]
    prix_vente: Money,
    #[serde(default, deserialize_with = "null_empties")]
    description: Option<String>,
    /// Default 0.
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<f64>)]
    prix_achat: Option<Money>,
    /// A category of the same shop; `null` or absent: none.
    categorie_id: Option<i64>,
    /// Default `true`.
    #[serde(default, deserialize_with = "given")]
    est_actif: Option<bool>,
    /// The stock the article starts with (default 0); later only movements change it.
    #[serde(default, deserialize_with = "given")]
    #[schema(example = 24)]
    quantite_stock: Option<i64>,
    /// Units sent to the shop with the article: it starts with no stock and off the
    /// catalogue until a till of the shop confirms receipt (`POST articles/valider/`).
    /// Not with `quantite_stock`.
    #[serde(default, deserialize_with = "given")]
    #[schema(example = json!(null))]
    quantite_envoyee: Option<i64>,
    /// `CDF` or `USD`, the currency of `prix_vente` and `prix_achat`; default the shop's.
    #[serde(default)]
    #[schema(example = "CDF")]
    devise: Option<String>,
    /// A CDF article's prices in USD, if the manager sets them (a USD article's are its
    /// own prices).
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    prix_vente_usd: Option<Money>,
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    prix_achat_usd: Option<Money>,
}

impl From<ArticleCreate> for NewArticle {
    fn from(body: ArticleCreate) -> Self {
        NewArticle {
            code: body.code,
            nom: body.nom,
            description: body.description,
            prix_vente: body.prix_vente,
            prix_achat: body.prix_achat,
            categorie_id: body.categorie_id,
            quantite_stock: body.quantite_stock,
            quantite_envoyee: body.quantite_envoyee,
            est_actif: body.est_actif,
            devise: body.devise,
            prix_vente_usd: body.prix_vente_usd,
            prix_achat_usd: body.prix_achat_usd,
        }
    }
}

/// What changes in an article: only the fields sent. Never its stock.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleUpdate {
    #[serde(default, deserialize_with = "given")]
    code: Option<String>,
    #[serde(default, deserialize_with = "given")]
    nom: Option<String>,
    #[serde(default, deserialize_with = "null_empties")]
    description: Option<String>,
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<f64>, example = 26000)]
    prix_vente: Option<Money>,
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<f64>)]
    prix_achat: Option<Money>,
    /// `null` leaves the article uncategorised.
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<i64>)]
    categorie_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "given")]
    est_actif: Option<bool>,
    /// `CDF` or `USD`: the currency its prices are in from now on.
    #[serde(default, deserialize_with = "given")]
    devise: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<f64>)]
    prix_vente_usd: Option<Option<Money>>,
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<f64>)]
    prix_achat_usd: Option<Option<Money>>,
    /// Named so that sending it is told why it is refused, rather than "unknown field".
    #[serde(
        default,
        rename = "quantite_stock",
        deserialize_with = "stock_is_not_edited"
    )]
    #[schema(ignore)]
    _quantite_stock: (),
}

/// Refuses any stock sent with a change to an article: the stock changes only by
/// movements, which keep its journal whole.
fn stock_is_not_edited<'de, D: Deserializer<'de>>(_: D) -> Result<(), D::Error> {
    Err(serde::de::Error::custom(
        "le stock se modifie par une entrée (POST …/entrees) ou un ajustement (POST …/ajustements)",
    ))
}

impl From<ArticleUpdate> for ArticleChanges {
    fn from(body: ArticleUpdate) -> Self {
        ArticleChanges {
            code: body.code,
            nom: body.nom,
            description: body.description,
            prix_vente: body.prix_vente,
            prix_achat: body.prix_achat,
            categorie_id: body.categorie_id,
            est_actif: body.est_actif,
            devise: body.devise,
            prix_vente_usd: body.prix_vente_usd,
            prix_achat_usd: body.prix_achat_usd,
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}/categories",
    operation_id = "admin_list_categories",
    tag = "Administration",
    summary = "A shop's categories",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    responses(
        (status = 200, description = "The categories", body = AdminCategoriesResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn list_categories(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<AdminCategoriesResponse>, ApiError> {
    let shop = &at.shop;
    let categories: Vec<AdminCategory> = catalogue::categories(&state.pool, shop.id, None)
        .await?
        .into_iter()
        .map(|c| AdminCategory::new(c, shop))
        .collect();
    Ok(Json(AdminCategoriesResponse {
        success: true,
        boutique_id: shop.id,
        count: categories.len(),
        categories,
    }))
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/categories",
    operation_id = "admin_create_category",
    tag = "Administration",
    summary = "Create a category",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    request_body = CategoryCreate,
    responses(
        (status = 201, description = "Created", body = CategoryResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn create_category(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<CategoryCreate>,
) -> Result<(StatusCode, Json<CategoryResponse>), ApiError> {
    let shop = &at.shop;
    let id =
        catalogue::create_category(&state.pool, shop.id, &body.nom, body.description.as_deref())
            .await?;
    Ok((
        StatusCode::CREATED,
        Json(CategoryResponse::of(&state, shop, id).await?),
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
    request_body = CategoryUpdate,
    responses(
        (status = 200, description = "Changed", body = CategoryResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn update_category(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<CategoryUpdate>,
) -> Result<Json<CategoryResponse>, ApiError> {
    let shop = &at.shop;
    let id = at.id("categorie_id", CATEGORY_MISSING)?;
    catalogue::update_category(
        &state.pool,
        shop.id,
        id,
        body.nom.as_deref(),
        body.description.as_deref(),
    )
    .await?;
    Ok(Json(CategoryResponse::of(&state, shop, id).await?))
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
        (status = 200, description = "Deleted", body = DeletedResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn delete_category(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<DeletedResponse>, ApiError> {
    let id = at.id("categorie_id", CATEGORY_MISSING)?;
    catalogue::delete_category(&state.pool, at.shop.id, id).await?;
    Ok(Json(DeletedResponse { success: true, id }))
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
        (status = 200, description = "The articles", body = AdminArticlesResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn list_articles(
    State(state): State<AppState>,
    at: AdminShop,
    params: Params,
) -> Result<Json<AdminArticlesResponse>, ApiError> {
    let shop = &at.shop;
    let articles: Vec<ArticleView> =
        catalogue::articles(&state.pool, shop.id, None, params.get("recherche"))
            .await?
            .into_iter()
            .map(|a| ArticleView::new(a, shop))
            .collect();
    Ok(Json(AdminArticlesResponse {
        success: true,
        boutique_id: shop.id,
        count: articles.len(),
        articles,
    }))
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
        (status = 200, description = "The article", body = ArticleResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn show_article(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<ArticleResponse>, ApiError> {
    let id = at.id("article_id", ARTICLE_MISSING)?;
    Ok(Json(ArticleResponse::of(&state, &at.shop, id).await?))
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/articles",
    operation_id = "admin_create_article",
    tag = "Administration",
    summary = "Create an article",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    request_body = ArticleCreate,
    responses(
        (status = 201, description = "Created", body = ArticleResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn create_article(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<ArticleCreate>,
) -> Result<(StatusCode, Json<ArticleResponse>), ApiError> {
    let shop = &at.shop;
    let id = catalogue::create_article(&state.pool, shop.id, &body.into()).await?;
    Ok((
        StatusCode::CREATED,
        Json(ArticleResponse::of(&state, shop, id).await?),
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
    request_body = ArticleUpdate,
    responses(
        (status = 200, description = "Changed", body = ArticleResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn update_article(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<ArticleUpdate>,
) -> Result<Json<ArticleResponse>, ApiError> {
    let shop = &at.shop;
    let id = at.id("article_id", ARTICLE_MISSING)?;
    catalogue::change_article(&state.pool, shop.id, id, &body.into()).await?;
    Ok(Json(ArticleResponse::of(&state, shop, id).await?))
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
        (status = 200, description = "Withdrawn", body = ArticleResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn deactivate_article(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<ArticleResponse>, ApiError> {
    let shop = &at.shop;
    let id = at.id("article_id", ARTICLE_MISSING)?;
    catalogue::withdraw_article(&state.pool, shop.id, id).await?;
    Ok(Json(ArticleResponse::of(&state, shop, id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::extract::read_body;

    fn change(body: &str) -> Result<ArticleChanges, (String, String)> {
        read_body::<ArticleUpdate>(body.as_bytes())
            .map(ArticleChanges::from)
            .map_err(|e| {
                let field = e.extra["champ"].as_str().unwrap_or_default().to_owned();
                (field, e.message.into_owned())
            })
    }

    #[test]
    fn a_change_sets_only_what_it_names() {
        let nothing = change("{}").unwrap();
        assert_eq!(
            (nothing.nom, nothing.categorie_id, nothing.description),
            (None, None, None)
        );
        // `null` takes the article out of its category; absent leaves it there.
        assert_eq!(
            change(r#"{"categorie_id": null}"#).unwrap().categorie_id,
            Some(None)
        );
        assert_eq!(
            change(r#"{"categorie_id": 3}"#).unwrap().categorie_id,
            Some(Some(3))
        );
        // `null` empties a description, but is no name or price.
        assert_eq!(
            change(r#"{"description": null}"#).unwrap().description,
            Some(String::new())
        );
        for field in ["nom", "code", "prix_vente", "prix_achat", "est_actif"] {
            let (named, _) = change(&format!(r#"{{"{field}": null}}"#)).unwrap_err();
            assert_eq!(named, field);
        }
        assert_eq!(
            change(r#"{"prix_vente": "26000.5"}"#)
                .unwrap()
                .prix_vente
                .map(|p| p.to_string()),
            Some("26000.50".to_owned())
        );
    }

    #[test]
    fn a_change_never_sets_the_stock() {
        for body in [
            r#"{"quantite_stock": 1}"#,
            r#"{"nom": "x", "quantite_stock": null}"#,
        ] {
            let (field, message) = change(body).unwrap_err();
            assert_eq!(field, "quantite_stock");
            assert!(message.contains("ajustement"), "{message}");
        }
        let (field, message) = change(r#"{"prix": 1}"#).unwrap_err();
        assert_eq!(field, "prix");
        assert!(message.contains("champ inconnu"), "{message}");
    }
}
