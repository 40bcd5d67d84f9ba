//! The catalogue a till downloads: `GET articles/`, `GET articles/terminal/<serial>/`,
//! `GET categories/`, `GET variantes/`, `GET articles/deleted/`. Always the calling till's own
//! boutique. Each answer carries a `token`; `?since=<token>` then returns only what changed,
//! and an unchanged answer is a `304`. The 2026 tills ask by instant instead (`since=` the
//! `server_time` of an earlier answer) or by article `version`: see [`DeltaQuery`].

use super::etag::{cacheable, cacheable_bulk, digest};
use super::gate::{PathTerminal, Terminal, TillIdentity};
use crate::boutiques::{Shop, parse_date};
use crate::catalogue::{self, Article, CategoryEntry, Since, Variant};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Params, invalid};
use crate::http::views::ArticleView;
use crate::money::{Currency, Money};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use std::sync::Arc;
use std::time::Duration;

/// Where a download starts, as the query gave it: `since` (a token of caisse's, digits
/// only, or an instant) and `version`, echoed back in `sync_metadata`.
struct DeltaQuery {
    since: Since,
    raw_since: Option<String>,
    raw_version: Option<String>,
}

impl DeltaQuery {
    /// `margin` is taken off an instant: a change stamped before it but committed after it
    /// still comes (repeats are harmless: tills upsert).
    fn read(params: &Params, shop: &Shop, margin: Duration) -> Result<Self, ApiError> {
        let mut since = Since::default();
        let raw_since = params.get("since").map(str::to_owned);
        if let Some(raw) = raw_since.as_deref().map(str::trim) {
            if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
                since.token = Some(raw.parse::<i64>().map_err(|_| bad_since())?);
            } else {
                let instant = instant(raw, shop).ok_or_else(bad_since)?;
                let margin = chrono::Duration::from_std(margin).unwrap_or_default();
                since.from = Some(instant - margin);
            }
        }
        let raw_version = params.get("version").map(str::to_owned);
        if let Some(raw) = raw_version.as_deref() {
            let version = raw.trim().parse::<i64>().ok().filter(|v| *v >= 0);
            since.version = Some(
                version
                    .ok_or_else(|| invalid("version", "un entier positif ou nul est attendu"))?,
            );
        }
        Ok(DeltaQuery {
            since,
            raw_since,
            raw_version,
        })
    }

    fn metadata(&self, server_time: DateTime<Utc>, shop: &Shop) -> SyncMetadata {
        SyncMetadata {
            is_incremental: self.since.is_delta(),
            since: self.raw_since.clone(),
            version_min: self.raw_version.clone(),
            server_time: shop.timestamp(server_time),
            total_variants: None,
        }
    }
}

fn bad_since() -> ApiError {
    invalid(
        "since",
        "le jeton ('token') ou le 'server_time' (ISO 8601) d'une réponse précédente est attendu",
    )
}

/// An instant as the 2026 tills write it: C#'s `ToString("o")` (up to seven decimals; an
/// offset, `Z` or none for the shop's time), its `+` left unencoded in the query string and
/// so read as a space; a bare date is its first instant in the shop.
fn instant(raw: &str, shop: &Shop) -> Option<DateTime<Utc>> {
    let mut text = raw.to_owned();
    if let Some(space) = text.rfind(' ') {
        let offset = &text[space + 1..];
        let is_offset = (offset.len() == 5 && offset.as_bytes()[2] == b':')
            || (offset.len() == 4 && offset.bytes().all(|b| b.is_ascii_digit()));
        if space > 10 && is_offset {
            text.replace_range(space..space + 1, "+");
        }
    }
    parse_date(&text, shop.time_zone).or_else(|| {
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .ok()
            .map(|day| shop.start_of(day))
    })
}

/// What the 2026 tills read of how a download was made.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SyncMetadata {
    /// Whether `since` or `version` was given.
    is_incremental: bool,
    /// `since` as the query gave it.
    #[schema(example = "2026-11-25T14:00:00.0000000+01:00")]
    since: Option<String>,
    /// `version` as the query gave it.
    version_min: Option<String>,
    /// When the answer was read: pass it as `since` next time.
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    server_time: String,
    /// `variantes/` only: how many variants are listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    total_variants: Option<usize>,
}

/// The full catalogue as the cache keeps it: serialised once, sent to every till.
pub struct SerialisedArticles {
    count: usize,
    articles: Box<RawValue>,
    /// The articles' digest, for the answer's `ETag` (see [`cacheable_bulk`]).
    digest: u64,
}

impl SerialisedArticles {
    fn new(articles: Vec<Article>, shop: &Shop) -> Result<Self, ApiError> {
        let views: Vec<ArticleView> = articles
            .into_iter()
            .map(|a| ArticleView::new(a, shop))
            .collect();
        let articles = serde_json::value::to_raw_value(&views).map_err(|_| ApiError::internal())?;
        Ok(SerialisedArticles {
            count: views.len(),
            digest: digest(articles.get().as_bytes()),
            articles,
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
    /// The shop's exchange rate now (CDF for one USD).
    taux_dollar: Money,
    sync_metadata: SyncMetadata,
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
    /// The ids of the categories deleted (since `since`, if given).
    supprimees: Vec<i64>,
    sync_metadata: SyncMetadata,
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
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    last_updated: String,
    /// The boutique's id.
    #[schema(example = 1)]
    boutique: i64,
}

impl CategoryView {
    fn new(category: CategoryEntry, shop: &Shop) -> Self {
        CategoryView {
            id: category.id,
            nom: category.nom,
            description: category.description,
            date_creation: shop.timestamp(category.date_creation),
            last_updated: shop.timestamp(category.last_updated),
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
    let query = DeltaQuery::read(params, shop, state.limits.delta_margin)?;
    let (articles, token, at) = if query.since.is_delta() {
        let read = catalogue::articles_since(&state.pool, shop.id, query.since).await?;
        (
            Arc::new(SerialisedArticles::new(read.value, shop)?),
            read.token,
            read.at,
        )
    } else {
        state
            .catalogue
            .full(&state.pool, shop.id, &shop.devise, |articles| {
                SerialisedArticles::new(articles, shop)
            })
            .await?
    };
    // The articles were hashed when serialised: only the rest is, per request.
    let nothing = RawValue::from_string("[]".to_owned()).map_err(|_| ApiError::internal())?;
    let answer = |whole: bool| ArticlesResponse {
        success: true,
        count: articles.count,
        boutique_id: shop.id,
        boutique_nom: &shop.nom,
        terminal: named.then(|| terminal.identity()),
        articles: if whole { &articles.articles } else { &nothing },
        token: token.to_string(),
        complet: !query.since.is_delta(),
        taux_dollar: shop.taux_dollar.amount(),
        sync_metadata: query.metadata(at, shop),
    };
    Ok(cacheable_bulk(
        headers,
        &answer(false),
        articles.digest,
        || answer(true),
    ))
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
        ("since" = Option<String>, Query, description = "The `token` of an earlier answer (digits), or its `sync_metadata.server_time` (ISO 8601): only what changed since", example = "742"),
        ("version" = Option<i64>, Query, description = "Only the articles whose `version` is above this", minimum = 0),
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
        ("since" = Option<String>, Query, description = "The `token` of an earlier answer (digits), or its `sync_metadata.server_time` (ISO 8601): only what changed since", example = "742"),
        ("version" = Option<i64>, Query, description = "Only the articles whose `version` is above this", minimum = 0),
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
        ("since" = Option<String>, Query, description = "The `token` of an earlier answer (digits), or its `sync_metadata.server_time` (ISO 8601): only what changed since", example = "742"),
        ("version" = Option<i64>, Query, description = "Only the articles whose `version` is above this", minimum = 0),
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
    let query = DeltaQuery::read(&params, shop, state.limits.delta_margin)?;
    let read = catalogue::categories_since(&state.pool, shop.id, query.since).await?;
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
        complet: !query.since.is_delta(),
        supprimees: read.deleted,
        sync_metadata: query.metadata(read.at, shop),
    };
    Ok(cacheable(&headers, &body))
}

/// The shop's articles withdrawn from sale, for the 2026 tills to drop.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DeletedArticlesResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    boutique_id: i64,
    #[schema(example = 1)]
    count: usize,
    deleted_articles: Vec<DeletedArticle>,
    #[schema(example = "1 article(s) supprimé(s)")]
    message: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DeletedArticle {
    #[schema(example = 9)]
    id: i64,
    #[schema(example = "TEL-OLD")]
    code: String,
    #[schema(example = "Nokia 105 (retiré)")]
    nom: String,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    date_suppression: String,
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/articles/deleted/",
    operation_id = "deleted_articles",
    tag = "Terminal",
    summary = "The articles withdrawn from sale",
    description = "Most recently withdrawn first; with `since`, those withdrawn since then. An \
        article put back on sale leaves the list.",
    params(
        ("since" = Option<String>, Query, description = "An instant (ISO 8601), e.g. the `server_time` of an earlier catalogue", example = "2026-11-25T14:00:00+01:00"),
    ),
    responses(
        (status = 200, description = "The withdrawn articles", body = DeletedArticlesResponse),
        crate::http::openapi::refusals::Catalogue,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn deleted_articles(
    State(state): State<AppState>,
    terminal: Terminal,
    params: Params,
) -> Result<Json<DeletedArticlesResponse>, ApiError> {
    let shop = &terminal.boutique;
    let query = DeltaQuery::read(&params, shop, state.limits.delta_margin)?;
    if query.since.token.is_some() {
        // Token deltas of the catalogue carry withdrawals themselves.
        return Err(bad_since());
    }
    let deleted: Vec<DeletedArticle> =
        catalogue::withdrawn_since(&state.pool, shop.id, query.since.from)
            .await?
            .into_iter()
            .map(|w| DeletedArticle {
                id: w.id,
                code: w.code,
                nom: w.nom,
                date_suppression: shop.timestamp(w.date_suppression),
            })
            .collect();
    Ok(Json(DeletedArticlesResponse {
        success: true,
        boutique_id: shop.id,
        count: deleted.len(),
        message: format!("{} article(s) supprimé(s)", deleted.len()),
        deleted_articles: deleted,
    }))
}

/// The active variants of the shop's catalogue articles.
#[derive(Serialize, utoipa::ToSchema)]
pub struct VariantsResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    boutique_id: i64,
    #[schema(example = 1)]
    count: usize,
    variantes: Vec<VariantEntry>,
    sync_metadata: SyncMetadata,
}

/// A variant, with its article's stock, price and currency.
#[derive(Serialize, utoipa::ToSchema)]
pub struct VariantEntry {
    id: i64,
    article_parent_id: i64,
    #[schema(example = "6201234567890")]
    code_barre: String,
    #[schema(example = "Rouge")]
    nom_variante: String,
    #[schema(example = "COULEUR")]
    type_attribut: String,
    quantite_stock: i32,
    est_actif: bool,
    prix_vente: Money,
    devise: Currency,
    #[schema(example = "Coque iPhone 13 - Rouge")]
    nom_complet: String,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    last_updated: String,
}

impl VariantEntry {
    fn new(variant: Variant, article: &Article, shop: &Shop) -> Self {
        VariantEntry {
            id: variant.id,
            article_parent_id: variant.article_parent_id,
            nom_complet: format!("{} - {}", article.nom, variant.nom_variante),
            code_barre: variant.code_barre,
            nom_variante: variant.nom_variante,
            type_attribut: variant.type_attribut,
            quantite_stock: article.quantite_stock,
            est_actif: variant.est_actif,
            prix_vente: article.prix_vente,
            devise: article.devise,
            // A variant's changes move its article's `last_updated` too.
            last_updated: shop.timestamp(variant.date_mise_a_jour.max(article.last_updated)),
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/variantes/",
    operation_id = "variants",
    tag = "Terminal",
    summary = "The barcode variants of the shop's articles",
    description = "Active variants of the articles on sale, by article then name; with `since` \
        (an instant, or a token), those of the articles changed since.",
    params(
        ("since" = Option<String>, Query, description = "An instant (ISO 8601) or the `token` of an earlier catalogue", example = "2026-11-25T14:00:00+01:00"),
    ),
    responses(
        (status = 200, description = "The variants", body = VariantsResponse),
        crate::http::openapi::refusals::Catalogue,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn variants(
    State(state): State<AppState>,
    terminal: Terminal,
    params: Params,
) -> Result<Json<VariantsResponse>, ApiError> {
    let shop = &terminal.boutique;
    let query = DeltaQuery::read(&params, shop, state.limits.delta_margin)?;
    let read = catalogue::articles_since(&state.pool, shop.id, query.since).await?;
    let variantes: Vec<VariantEntry> = read
        .value
        .into_iter()
        .filter(|a| a.est_actif)
        .flat_map(|mut article| {
            let variants = std::mem::take(&mut article.variantes);
            variants
                .into_iter()
                .map(|v| VariantEntry::new(v, &article, shop))
                .collect::<Vec<_>>()
        })
        .collect();
    Ok(Json(VariantsResponse {
        success: true,
        boutique_id: shop.id,
        count: variantes.len(),
        sync_metadata: SyncMetadata {
            total_variants: Some(variantes.len()),
            ..query.metadata(read.at, shop)
        },
        variantes,
    }))
}
