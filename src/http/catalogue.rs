//! The catalogue a till downloads: `GET articles/`, `GET articles/terminal/<serial>/`,
//! `GET categories/`. Always the calling till's own boutique. Each answer carries a `token`;
//! `?since=<token>` then returns only what changed, and an unchanged answer is a `304`.

use super::AppState;
use super::cache::cacheable;
use super::error::ApiError;
use super::params::{Params, invalid};
use super::terminal::{PathTerminal, Terminal};
use crate::money::Money;
use crate::shop::Shop;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;
use serde_json::json;
use serde_json::value::RawValue;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// An article as the tills read it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ArticleView {
    pub id: i64,
    pub code: String,
    pub nom: String,
    pub description: String,
    pub prix_vente: Money,
    pub prix_achat: Money,
    pub categorie_id: Option<i64>,
    pub categorie_nom: Option<String>,
    pub categorie: Option<CategoryRef>,
    pub quantite_stock: i32,
    pub est_actif: bool,
    pub qr_code_url: Option<String>,
    pub image_url: Option<String>,
    pub full_details: FullDetails,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CategoryRef {
    pub id: i64,
    pub nom: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FullDetails {
    pub nom_complet: String,
    pub prix_vente_formate: String,
    pub stock_disponible: i32,
    pub categorie: String,
}

/// The columns an [`ArticleView`] is made of.
pub struct ArticleRow {
    pub id: i64,
    pub code: String,
    pub nom: String,
    pub description: String,
    pub prix_vente: rust_decimal::Decimal,
    pub prix_achat: rust_decimal::Decimal,
    pub categorie_id: Option<i64>,
    pub categorie_nom: Option<String>,
    pub quantite_stock: i32,
    pub est_actif: bool,
}

impl ArticleView {
    pub fn new(row: ArticleRow, devise: &str) -> Self {
        let prix_vente = Money::from(row.prix_vente);
        ArticleView {
            full_details: FullDetails {
                nom_complet: format!("{} ({})", row.nom, row.code),
                prix_vente_formate: format!("{prix_vente} {devise}"),
                stock_disponible: row.quantite_stock,
                categorie: row
                    .categorie_nom
                    .clone()
                    .unwrap_or_else(|| "Non catégorisé".to_owned()),
            },
            categorie: row
                .categorie_id
                .zip(row.categorie_nom.clone())
                .map(|(id, nom)| CategoryRef { id, nom }),
            id: row.id,
            code: row.code,
            nom: row.nom,
            description: row.description,
            prix_vente,
            prix_achat: Money::from(row.prix_achat),
            categorie_id: row.categorie_id,
            categorie_nom: row.categorie_nom,
            quantite_stock: row.quantite_stock,
            est_actif: row.est_actif,
            qr_code_url: None,
            image_url: None,
        }
    }
}

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

/// The boutique's active articles by name; or, with `since`, every article changed since
/// then (withdrawn ones included, so the till drops them). With the token of the next delta.
///
/// One statement, so one snapshot: the token is the oldest transaction this snapshot may
/// not see (or just past the shop's last change, when that is older, so that a quiet
/// shop's token and answer stay the same). A change committed while this was read has a
/// transaction id at or above the token and comes in the next delta.
async fn articles_since(
    pool: &PgPool,
    shop: &Shop,
    since: Option<i64>,
) -> Result<Snapshot<Vec<ArticleView>>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"WITH token AS (
               SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin,
                      LEAST(pg_snapshot_xmin(pg_current_snapshot())::text::bigint,
                            COALESCE((SELECT max(modif_txid) FROM articles WHERE boutique_id = $1), 0) + 1)
                      AS token
           )
           SELECT token.xmin AS "xmin!", token.token AS "token!", a.id AS "id?", a.code AS "code?", a.nom AS "nom?",
                  a.description AS "description?", a.prix_vente AS "prix_vente?",
                  a.prix_achat AS "prix_achat?", a.categorie_id, c.nom AS "categorie_nom?",
                  a.quantite_stock AS "quantite_stock?", a.est_actif AS "est_actif?"
           FROM token
           LEFT JOIN articles a
             ON a.boutique_id = $1
            AND (CASE WHEN $2::int8 IS NULL THEN a.est_actif ELSE a.modif_txid >= $2 END)
           LEFT JOIN categories c ON c.boutique_id = a.boutique_id AND c.id = a.categorie_id
           ORDER BY a.nom, a.id"#,
        shop.id,
        since
    )
    .fetch_all(pool)
    .await?;
    let (xmin, token) = rows.first().map_or((0, 0), |r| (r.xmin, r.token));
    let articles = rows
        .into_iter()
        .filter_map(|r| {
            Some(ArticleRow {
                id: r.id?,
                code: r.code?,
                nom: r.nom?,
                description: r.description?,
                prix_vente: r.prix_vente?,
                prix_achat: r.prix_achat?,
                categorie_id: r.categorie_id,
                categorie_nom: r.categorie_nom,
                quantite_stock: r.quantite_stock?,
                est_actif: r.est_actif?,
            })
        })
        .map(|row| ArticleView::new(row, &shop.devise))
        .collect();
    Ok(Snapshot {
        value: articles,
        xmin,
        token,
    })
}

/// What a statement read, with its snapshot's oldest invisible transaction (`xmin`) and the
/// token of the next delta.
struct Snapshot<T> {
    value: T,
    xmin: i64,
    token: i64,
}

/// The full catalogue of a few boutiques, serialised, for as long as nothing in it changes.
///
/// An entry built from a snapshot whose `xmin` was X holds every change made by a
/// transaction below X, and none made by a transaction at or above X. So while no article
/// or category of the shop has been changed by a transaction at or above X (every row keeps
/// the id of the transaction that last changed it), the entry is exactly what a fresh read
/// would give. That is checked on every use, in one cheap statement.
#[derive(Default)]
pub struct CatalogueCache {
    entries: Mutex<HashMap<i64, Arc<CachedCatalogue>>>,
}

struct CachedCatalogue {
    xmin: i64,
    devise: String,
    count: usize,
    articles: Box<RawValue>,
}

/// How many boutiques' catalogues are kept (each is about 0.5 KB per article).
const CACHED_SHOPS: usize = 32;

impl CatalogueCache {
    /// The shop's full catalogue (active articles) and the token of the next delta.
    async fn full(
        &self,
        pool: &PgPool,
        shop: &Shop,
    ) -> Result<(Arc<CachedCatalogue>, i64), ApiError> {
        let cached = self
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&shop.id)
            .cloned();
        if let Some(entry) = cached.filter(|e| e.devise == shop.devise) {
            let now = sqlx::query!(
                r#"SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS "xmin!",
                          COALESCE((SELECT max(modif_txid) FROM articles WHERE boutique_id = $1), 0) AS "articles!",
                          COALESCE((SELECT max(modif_txid) FROM categories WHERE boutique_id = $1), 0) AS "categories!""#,
                shop.id
            )
            .fetch_one(pool)
            .await?;
            if now.articles < entry.xmin && now.categories < entry.xmin {
                let token = now.xmin.min(now.articles + 1);
                return Ok((entry, token));
            }
        }
        let read = articles_since(pool, shop, None).await?;
        let token = read.token;
        let entry = Arc::new(CachedCatalogue::new(read, shop)?);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CACHED_SHOPS
            && !entries.contains_key(&shop.id)
            && let Some(&evicted) = entries.keys().next()
        {
            entries.remove(&evicted);
        }
        entries.insert(shop.id, Arc::clone(&entry));
        Ok((entry, token))
    }
}

impl CachedCatalogue {
    fn new(read: Snapshot<Vec<ArticleView>>, shop: &Shop) -> Result<Self, ApiError> {
        Ok(CachedCatalogue {
            xmin: read.xmin,
            devise: shop.devise.clone(),
            count: read.value.len(),
            articles: serde_json::value::to_raw_value(&read.value)
                .map_err(|_| ApiError::internal())?,
        })
    }
}

/// The till's catalogue, as `GET articles/` answers it. Serialised straight from these
/// types (a large catalogue is thousands of articles, read by many tills).
#[derive(Serialize)]
struct Catalogue<'a> {
    success: bool,
    count: usize,
    boutique_id: i64,
    boutique_nom: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    terminal: Option<TerminalRef<'a>>,
    articles: &'a RawValue,
    token: String,
    complet: bool,
}

#[derive(Serialize)]
struct TerminalRef<'a> {
    numero_serie: &'a str,
    nom_terminal: &'a str,
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
        None => state.catalogue.full(&state.pool, shop).await?,
        Some(since) => {
            let read = articles_since(&state.pool, shop, Some(since)).await?;
            let token = read.token;
            (Arc::new(CachedCatalogue::new(read, shop)?), token)
        }
    };
    let body = Catalogue {
        success: true,
        count: articles.count,
        boutique_id: shop.id,
        boutique_nom: &shop.nom,
        terminal: named.then(|| TerminalRef {
            numero_serie: &terminal.numero_serie,
            nom_terminal: &terminal.nom_terminal,
        }),
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
        (status = 200, description = "The catalogue, or its delta", body = crate::http::openapi::schemas::ArticlesResponse, headers(("ETag" = String, description = "Send it back in `If-None-Match`"))),
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
        (status = 200, description = "The catalogue, or its delta", body = crate::http::openapi::schemas::ArticlesResponse, headers(("ETag" = String, description = "Send it back in `If-None-Match`"))),
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
        (status = 200, description = "The categories, or their delta", body = crate::http::openapi::schemas::CategoriesResponse, headers(("ETag" = String, description = "Send it back in `If-None-Match`"))),
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
    let rows = sqlx::query!(
        r#"WITH token AS (
               SELECT LEAST(pg_snapshot_xmin(pg_current_snapshot())::text::bigint,
                            GREATEST(
                                COALESCE((SELECT max(modif_txid) FROM categories WHERE boutique_id = $1), 0),
                                COALESCE((SELECT max(modif_txid) FROM categories_supprimees WHERE boutique_id = $1), 0)
                            ) + 1) AS token
           ), changes AS (
               SELECT c.id, c.nom, c.description, c.date_creation, FALSE AS deleted
               FROM categories c
               WHERE c.boutique_id = $1 AND ($2::int8 IS NULL OR c.modif_txid >= $2)
               UNION ALL
               SELECT d.categorie_id, NULL, NULL, NULL, TRUE
               FROM categories_supprimees d
               WHERE $2::int8 IS NOT NULL AND d.boutique_id = $1 AND d.modif_txid >= $2
           )
           SELECT token.token AS "token!", changes.id AS "id?", changes.nom, changes.description,
                  changes.date_creation, changes.deleted AS "deleted?"
           FROM token LEFT JOIN changes ON TRUE
           ORDER BY changes.nom, changes.id"#,
        shop.id,
        since
    )
    .fetch_all(&state.pool)
    .await?;
    let token = rows.first().map_or(0, |r| r.token);
    let mut categories = Vec::new();
    let mut deleted = Vec::new();
    for c in rows {
        let Some(id) = c.id else { continue };
        if c.deleted == Some(true) {
            deleted.push(id);
            continue;
        }
        categories.push(json!({
            "id": id,
            "nom": c.nom,
            "description": c.description,
            "date_creation": c.date_creation.map(|at| shop.timestamp(at)),
            "boutique": shop.id,
        }));
    }
    let mut body = json!({
        "success": true,
        "count": categories.len(),
        "boutique_id": shop.id,
        "boutique_nom": shop.nom,
        "categories": categories,
        "token": token.to_string(),
        "complet": since.is_none(),
    });
    if since.is_some() {
        body["supprimees"] = json!(deleted);
    }
    Ok(cacheable(&headers, &body))
}
