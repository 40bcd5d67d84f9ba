//! The catalogue a till downloads: `GET articles/`, `GET articles/terminal/<serial>/`,
//! `GET categories/`. Always the calling till's own boutique. Each answer carries a `token`;
//! `?since=<token>` then returns only what changed, and an unchanged answer is a `304`.

use super::etag::cacheable;
use super::gate::{PathTerminal, Terminal, TillIdentity};
use crate::boutiques::Shop;
use crate::catalogue::{self, Article, CategoryEntry};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Params, invalid};
use crate::http::views::ArticleView;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;
use serde_json::value::RawValue;
use std::sync::Arc;

/// A catalogue delta's starting point: the `token` of a previous answer.
fn since(params: &Params) -> Result<Option<i64>, ApiError> {
    params
        .get("since")
        .map(|v| {
            v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                invalid(
                    "since",
                    "le jeton ('token') d'une réponse précédente est attendu",
                )
            })
        })
        .transpose()
}

/// The full catalogue as the cache keeps it: serialised once, sent to every till.
pub struct SerialisedArticles {
    count: usize,
    articles: Box<RawValue>,
}

impl SerialisedArticles {
    fn new(articles: Vec<Article>, shop: &Shop) -> Result<Self, ApiError> {
        let views: Vec<ArticleView> = articles
            .into_iter()
            .map(|a| ArticleView::new(a, &shop.devise))
            .collect();
        Ok(SerialisedArticles {
            count: views.len(),
            articles: serde_json::value::to_raw_value(&views).map_err(|_| ApiError::internal())?,
        })
    }
}

/// The shop's catalogue, or what changed in it since `since`.
// Serialised straight from borrowed values: a large catalogue is thousands of articles,
// read by many tills.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ArticlesResponse<'a> {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 8)]
    count: usize,
    #[schema(example = 1)]
    boutique_id: i64,
    #[schema(example = "Ma Boutique")]
    boutique_nom: &'a str,
    /// `articles/terminal/<numero_serie>/` only: the till named in the path.
    #[serde(skip_serializing_if = "Option::is_none")]
    terminal: Option<TillIdentity>,
    // Serialised once per version of the catalogue (see `SerialisedArticles`).
    #[schema(value_type = Vec<ArticleView>)]
    articles: &'a RawValue,
    /// Pass it as `since` to get only what changes from now on.
    #[schema(example = "742")]
    token: String,
    /// `true` for the whole catalogue, `false` for a delta.
    #[schema(example = true)]
    complet: bool,
}

/// The shop's categories, or what changed in them since `since`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CategoriesResponse<'a> {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 2)]
    count: usize,
    #[schema(example = 1)]
    boutique_id: i64,
    #[schema(example = "Ma Boutique")]
    boutique_nom: &'a str,
    categories: Vec<CategoryView>,
    #[schema(example = "742")]
    token: String,
    #[schema(example = true)]
    complet: bool,
    /// With `since`: the ids of the categories deleted since.
    #[serde(skip_serializing_if = "Option::is_none")]
    supprimees: Option<Vec<i64>>,
}

/// A category as the tills read it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CategoryView {
    #[schema(example = 2)]
    id: i64,
    #[schema(example = "Accessoires")]
    nom: String,
    #[schema(example = "Chargeurs, câbles, écouteurs, coques")]
    description: String,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    date_creation: String,
    /// The boutique's id.
    #[schema(example = 1)]
    boutique: i64,
}

impl CategoryView {
    fn new(category: CategoryEntry, shop: &Shop) -> Self {
        // Only a deleted category comes without them, and those are listed apart.
        CategoryView {
            id: category.id,
            nom: category.nom.unwrap_or_default(),
            description: category.description.unwrap_or_default(),
            date_creation: category
                .date_creation
                .map(|at| shop.timestamp(at))
                .unwrap_or_default(),
            boutique: shop.id,
        }
    }
}

async fn catalogue(
    state: &AppState,
    terminal: &Terminal,
    named: bool,
    params: &Params,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let shop = &terminal.boutique;
    let since = since(params)?;
    let (articles, token) = match since {
        None => {
            state
                .catalogue
                .full(&state.pool, shop.id, &shop.devise, |articles| {
                    SerialisedArticles::new(articles, shop)
                })
                .await?
        }
        Some(since) => {
            let read = catalogue::articles_since(&state.pool, shop.id, Some(since)).await?;
            (
                Arc::new(SerialisedArticles::new(read.value, shop)?),
                read.token,
            )
        }
    };
    let body = ArticlesResponse {
        success: true,
        count: articles.count,
        boutique_id: shop.id,
        boutique_nom: &shop.nom,
        terminal: named.then(|| terminal.identity()),
        articles: &articles.articles,
        token: token.to_string(),
        complet: since.is_none(),
    };
    Ok(cacheable(headers, &body))
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/articles/",
    operation_id = "articles",
    tag = "Terminal",
    summary = "The shop's catalogue, or what changed since a token",
    description = "The till's shop's active articles, by name; with `since`, every article \
        created, changed or withdrawn since (withdrawn ones with `est_actif: false`). Compressed \
        when `Accept-Encoding` allows it.",
    params(
        ("since" = Option<String>, Query, description = "The `token` of an earlier answer: only what changed since", example = "742"),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of the answer the till holds: unchanged, the answer is a bodiless 304"),
    ),
    responses(
        (status = 200, description = "The catalogue, or its delta", body = ArticlesResponse, headers(("ETag" = String, description = "Send it back in `If-None-Match`"))),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag"),
        crate::http::openapi::refusals::Catalogue,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn articles(
    State(state): State<AppState>,
    terminal: Terminal,
    params: Params,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    catalogue(&state, &terminal, false, &params, &headers).await
}

/// The same, for the till named in the path, which it also names in the answer.
#[utoipa::path(
    get,
    path = "/api/v2/simple/articles/terminal/{numero_serie}/",
    operation_id = "articles_of_terminal",
    tag = "Terminal",
    summary = "The catalogue of the till named in the path",
    description = "As `GET articles/`, with `terminal`.",
    params(
        ("numero_serie" = String, Path, description = "The till's serial", example = "0a1badae951f8473"),
        ("since" = Option<String>, Query, description = "The `token` of an earlier answer: only what changed since", example = "742"),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of the answer the till holds: unchanged, the answer is a bodiless 304"),
    ),
    responses(
        (status = 200, description = "The catalogue, or its delta", body = ArticlesResponse, headers(("ETag" = String, description = "Send it back in `If-None-Match`"))),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag"),
        crate::http::openapi::refusals::CatalogueOfTerminal,
    ),
    security((), ("cle_api" = []))
)]
pub async fn articles_of_terminal(
    State(state): State<AppState>,
    PathTerminal(terminal): PathTerminal,
    params: Params,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    catalogue(&state, &terminal, true, &params, &headers).await
}

/// The boutique's categories; or, with `since`, those changed since then and the ids of
/// those deleted. Same token rule as the articles.
#[utoipa::path(
    get,
    path = "/api/v2/simple/categories/",
    operation_id = "categories",
    tag = "Terminal",
    summary = "The shop's categories, or what changed since a token",
    description = "With `since`, the ids of the categories deleted since are under `supprimees`.",
    params(
        ("since" = Option<String>, Query, description = "The `token` of an earlier answer: only what changed since", example = "742"),
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of the answer the till holds: unchanged, the answer is a bodiless 304"),
    ),
    responses(
        (status = 200, description = "The categories, or their delta", body = CategoriesResponse, headers(("ETag" = String, description = "Send it back in `If-None-Match`"))),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag"),
        crate::http::openapi::refusals::Catalogue,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn categories(
    State(state): State<AppState>,
    terminal: Terminal,
    params: Params,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let shop = &terminal.boutique;
    let since = since(&params)?;
    let read = catalogue::categories_since(&state.pool, shop.id, since).await?;
    let categories: Vec<CategoryView> = read
        .changed
        .into_iter()
        .map(|c| CategoryView::new(c, shop))
        .collect();
    let body = CategoriesResponse {
        success: true,
        count: categories.len(),
        boutique_id: shop.id,
        boutique_nom: &shop.nom,
        categories,
        token: read.token.to_string(),
        complet: since.is_none(),
        supprimees: since.is_some().then_some(read.deleted),
    };
    Ok(cacheable(&headers, &body))
}
