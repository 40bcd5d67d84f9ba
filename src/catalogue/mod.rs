//! The catalogue of a boutique: its articles and categories, as managers create and change
//! them and as tills download them (whole, or what changed since a token).
//!
//! Every write to an article or a category stamps the row with the id of its transaction
//! (`modif_txid`, set by a trigger for whatever writes the row, so that a fix made with psql
//! is seen too; the sale path stamps its own); a delta is "every row stamped at or above the
//! token", and the token of
//! an answer comes from the snapshot of the statement that read it, so nothing committed
//! while it was read is missed (see [`articles_since`]). Stock is not changed here: only
//! sales and the stock journal ([`crate::stock`]) change it.

pub mod cache;

use crate::field::{self, Invalid};
use crate::money::Money;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Most units an article may start with.
pub const MAX_STOCK: i64 = 1_000_000_000;

/// An article with its category's name.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: i64,
    pub code: String,
    pub nom: String,
    pub description: String,
    pub prix_vente: Money,
    pub prix_achat: Money,
    pub categorie_id: Option<i64>,
    pub categorie_nom: Option<String>,
    pub quantite_stock: i32,
    pub est_actif: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("no such article in this boutique")]
    ArticleNotFound,
    #[error("no such category in this boutique")]
    CategoryNotFound,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("{field}: value already used")]
    Duplicate { field: &'static str },
    #[error(transparent)]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for CatalogueError {
    fn from(error: sqlx::Error) -> Self {
        match crate::db::unique_violation(&error) {
            Some("articles_boutique_id_code_key") => CatalogueError::Duplicate { field: "code" },
            Some("categories_boutique_id_nom_key") => CatalogueError::Duplicate { field: "nom" },
            _ => CatalogueError::Database(error),
        }
    }
}

/// The boutique's articles (withdrawn ones included), or its article `id`; those whose name
/// or code contains `search`, if given. By name.
pub async fn articles(
    pool: &PgPool,
    boutique_id: i64,
    id: Option<i64>,
    search: Option<&str>,
) -> Result<Vec<Article>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"SELECT a.id, a.code, a.nom, a.description, a.prix_vente, a.prix_achat, a.categorie_id,
                  c.nom AS "categorie_nom?", a.quantite_stock, a.est_actif
           FROM articles a
           LEFT JOIN categories c ON c.boutique_id = a.boutique_id AND c.id = a.categorie_id
           WHERE a.boutique_id = $1 AND ($2::int8 IS NULL OR a.id = $2)
             AND ($3::text IS NULL OR a.nom ILIKE '%' || $3 || '%' OR a.code ILIKE '%' || $3 || '%')
           ORDER BY a.nom, a.id"#,
        boutique_id,
        id,
        search
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| Article {
        id: r.id,
        code: r.code,
        nom: r.nom,
        description: r.description,
        prix_vente: r.prix_vente.into(),
        prix_achat: r.prix_achat.into(),
        categorie_id: r.categorie_id,
        categorie_nom: r.categorie_nom,
        quantite_stock: r.quantite_stock,
        est_actif: r.est_actif,
    })
    .collect())
}

/// The article `id` of the boutique, active or not.
pub async fn article(pool: &PgPool, boutique_id: i64, id: i64) -> Result<Article, CatalogueError> {
    articles(pool, boutique_id, Some(id), None)
        .await?
        .pop()
        .ok_or(CatalogueError::ArticleNotFound)
}

/// What a statement read, with its snapshot's oldest invisible transaction (`xmin`) and the
/// token of the next delta.
#[derive(Debug)]
pub struct Snapshot<T> {
    pub value: T,
    pub xmin: i64,
    pub token: i64,
}

/// The boutique's active articles by name; or, with `since`, every article changed since
/// then (withdrawn ones included, so the till drops them). With the token of the next delta.
///
/// One statement, so one snapshot: the token is the oldest transaction this snapshot may
/// not see (or just past the shop's last change, when that is older, so that a quiet
/// shop's token and answer stay the same). A change committed while this was read has a
/// transaction id at or above the token and comes in the next delta.
pub async fn articles_since(
    pool: &PgPool,
    boutique_id: i64,
    since: Option<i64>,
) -> Result<Snapshot<Vec<Article>>, sqlx::Error> {
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
        boutique_id,
        since
    )
    .fetch_all(pool)
    .await?;
    let (xmin, token) = rows.first().map_or((0, 0), |r| (r.xmin, r.token));
    let articles = rows
        .into_iter()
        .filter_map(|r| {
            Some(Article {
                id: r.id?,
                code: r.code?,
                nom: r.nom?,
                description: r.description?,
                prix_vente: r.prix_vente?.into(),
                prix_achat: r.prix_achat?.into(),
                categorie_id: r.categorie_id,
                categorie_nom: r.categorie_nom,
                quantite_stock: r.quantite_stock?,
                est_actif: r.est_actif?,
            })
        })
        .collect();
    Ok(Snapshot {
        value: articles,
        xmin,
        token,
    })
}

/// The latest changes to a boutique's catalogue, and the current snapshot's `xmin`.
#[derive(Debug, Clone, Copy)]
pub struct LastChanges {
    pub xmin: i64,
    /// The highest transaction id stamped on an article of the boutique (0: none).
    pub articles: i64,
    /// The same for its categories.
    pub categories: i64,
}

/// See [`LastChanges`]: one cheap statement.
pub async fn last_changes(pool: &PgPool, boutique_id: i64) -> Result<LastChanges, sqlx::Error> {
    let now = sqlx::query!(
        r#"SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS "xmin!",
                  COALESCE((SELECT max(modif_txid) FROM articles WHERE boutique_id = $1), 0) AS "articles!",
                  COALESCE((SELECT max(modif_txid) FROM categories WHERE boutique_id = $1), 0) AS "categories!""#,
        boutique_id
    )
    .fetch_one(pool)
    .await?;
    Ok(LastChanges {
        xmin: now.xmin,
        articles: now.articles,
        categories: now.categories,
    })
}

/// A new article. Its stock is where it starts: from then on only movements change it.
#[derive(Debug, Clone)]
pub struct NewArticle {
    pub code: String,
    pub nom: String,
    pub description: Option<String>,
    pub prix_vente: Money,
    pub prix_achat: Option<Money>,
    pub categorie_id: Option<i64>,
    pub quantite_stock: Option<i64>,
    pub est_actif: Option<bool>,
}

/// What a change to an article sets; `None` leaves a field as it is. `categorie_id:
/// Some(None)` takes the article out of its category.
#[derive(Debug, Clone, Default)]
pub struct ArticleChanges {
    pub code: Option<String>,
    pub nom: Option<String>,
    pub description: Option<String>,
    pub prix_vente: Option<Money>,
    pub prix_achat: Option<Money>,
    pub categorie_id: Option<Option<i64>>,
    pub est_actif: Option<bool>,
}

/// A category id must name a category of the same boutique.
async fn check_category(
    pool: &PgPool,
    boutique_id: i64,
    id: Option<i64>,
) -> Result<(), CatalogueError> {
    let Some(id) = id else { return Ok(()) };
    let exists = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM categories WHERE boutique_id = $1 AND id = $2) AS "e!""#,
        boutique_id,
        id
    )
    .fetch_one(pool)
    .await?;
    if exists {
        Ok(())
    } else {
        Err(Invalid::new("categorie_id", "catégorie introuvable dans cette boutique").into())
    }
}

/// Creates an article in the boutique; returns its id.
pub async fn create_article(
    pool: &PgPool,
    boutique_id: i64,
    new: &NewArticle,
) -> Result<i64, CatalogueError> {
    let code = field::text("code", &new.code, 64)?;
    let nom = field::text("nom", &new.nom, 200)?;
    let description = new
        .description
        .as_deref()
        .map(|d| field::free_text("description", d, 2000))
        .transpose()?;
    let stock = field::int(
        "quantite_stock",
        new.quantite_stock.unwrap_or(0),
        0,
        MAX_STOCK,
    )? as i32;
    check_category(pool, boutique_id, new.categorie_id).await?;
    Ok(sqlx::query_scalar!(
        r#"INSERT INTO articles (boutique_id, code, nom, description, prix_vente, prix_achat,
                                 categorie_id, stock_initial, quantite_stock, est_actif)
           VALUES ($1, $2, $3, COALESCE($4, ''), $5, COALESCE($6::numeric, 0), $7, $8, $8, COALESCE($9, TRUE))
           RETURNING id"#,
        boutique_id,
        code,
        nom,
        description,
        new.prix_vente.amount(),
        new.prix_achat.map(|m| m.amount()),
        new.categorie_id,
        stock,
        new.est_actif
    )
    .fetch_one(pool)
    .await?)
}

/// Changes the article `id` of the boutique; never its stock.
pub async fn change_article(
    pool: &PgPool,
    boutique_id: i64,
    id: i64,
    changes: &ArticleChanges,
) -> Result<(), CatalogueError> {
    let code = field::optional_text("code", changes.code.as_deref(), 64)?;
    let nom = field::optional_text("nom", changes.nom.as_deref(), 200)?;
    let description = changes
        .description
        .as_deref()
        .map(|d| field::free_text("description", d, 2000))
        .transpose()?;
    check_category(pool, boutique_id, changes.categorie_id.flatten()).await?;
    let updated = sqlx::query!(
        r#"UPDATE articles SET
               code = COALESCE($3, code),
               nom = COALESCE($4, nom),
               description = COALESCE($5, description),
               prix_vente = COALESCE($6, prix_vente),
               prix_achat = COALESCE($7, prix_achat),
               categorie_id = CASE WHEN $8 THEN $9 ELSE categorie_id END,
               est_actif = COALESCE($10, est_actif),
               date_suppression = CASE WHEN NOT COALESCE($10, est_actif) THEN COALESCE(date_suppression, now()) END,
               date_modification = now()
           WHERE boutique_id = $1 AND id = $2"#,
        boutique_id,
        id,
        code,
        nom,
        description,
        changes.prix_vente.map(|m| m.amount()),
        changes.prix_achat.map(|m| m.amount()),
        changes.categorie_id.is_some(),
        changes.categorie_id.flatten(),
        changes.est_actif
    )
    .execute(pool)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(CatalogueError::ArticleNotFound);
    }
    Ok(())
}

/// Withdraws the article: tills no longer see or sell it; its history stays.
pub async fn withdraw_article(
    pool: &PgPool,
    boutique_id: i64,
    id: i64,
) -> Result<(), CatalogueError> {
    let updated = sqlx::query!(
        r#"UPDATE articles SET est_actif = FALSE, date_modification = now(),
                                  date_suppression = COALESCE(date_suppression, now())
           WHERE boutique_id = $1 AND id = $2"#,
        boutique_id,
        id
    )
    .execute(pool)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(CatalogueError::ArticleNotFound);
    }
    Ok(())
}

/// A category, with how many articles it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub id: i64,
    pub nom: String,
    pub description: String,
    pub date_creation: DateTime<Utc>,
    pub nb_articles: i64,
}

/// The boutique's categories, or its category `id`, by name.
pub async fn categories(
    pool: &PgPool,
    boutique_id: i64,
    id: Option<i64>,
) -> Result<Vec<Category>, sqlx::Error> {
    sqlx::query_as!(
        Category,
        r#"SELECT c.id, c.nom, c.description, c.date_creation,
                  (SELECT count(*) FROM articles a
                    WHERE a.boutique_id = c.boutique_id AND a.categorie_id = c.id) AS "nb_articles!"
           FROM categories c
           WHERE c.boutique_id = $1 AND ($2::int8 IS NULL OR c.id = $2)
           ORDER BY c.nom, c.id"#,
        boutique_id,
        id
    )
    .fetch_all(pool)
    .await
}

/// The category `id` of the boutique.
pub async fn category(
    pool: &PgPool,
    boutique_id: i64,
    id: i64,
) -> Result<Category, CatalogueError> {
    categories(pool, boutique_id, Some(id))
        .await?
        .pop()
        .ok_or(CatalogueError::CategoryNotFound)
}

/// A category as a till reads it.
#[derive(Debug, Clone)]
pub struct CategoryEntry {
    pub id: i64,
    pub nom: Option<String>,
    pub description: Option<String>,
    pub date_creation: Option<DateTime<Utc>>,
}

/// The categories a till downloads: all of them, or those changed since a token and the
/// ids of those deleted since; with the token of the next delta (same rule as the articles).
#[derive(Debug)]
pub struct CategoryChanges {
    pub changed: Vec<CategoryEntry>,
    pub deleted: Vec<i64>,
    pub token: i64,
}

pub async fn categories_since(
    pool: &PgPool,
    boutique_id: i64,
    since: Option<i64>,
) -> Result<CategoryChanges, sqlx::Error> {
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
        boutique_id,
        since
    )
    .fetch_all(pool)
    .await?;
    let token = rows.first().map_or(0, |r| r.token);
    let mut changes = CategoryChanges {
        changed: Vec::new(),
        deleted: Vec::new(),
        token,
    };
    for c in rows {
        let Some(id) = c.id else { continue };
        if c.deleted == Some(true) {
            changes.deleted.push(id);
        } else {
            changes.changed.push(CategoryEntry {
                id,
                nom: c.nom,
                description: c.description,
                date_creation: c.date_creation,
            });
        }
    }
    Ok(changes)
}

/// Creates a category in the boutique; returns its id.
pub async fn create_category(
    pool: &PgPool,
    boutique_id: i64,
    nom: &str,
    description: Option<&str>,
) -> Result<i64, CatalogueError> {
    let nom = field::text("nom", nom, 200)?;
    let description = description
        .map(|d| field::free_text("description", d, 2000))
        .transpose()?;
    Ok(sqlx::query_scalar!(
        r#"INSERT INTO categories (boutique_id, nom, description)
           VALUES ($1, $2, COALESCE($3, '')) RETURNING id"#,
        boutique_id,
        nom,
        description
    )
    .fetch_one(pool)
    .await?)
}

/// Renames a category and/or changes its description.
pub async fn update_category(
    pool: &PgPool,
    boutique_id: i64,
    id: i64,
    nom: Option<&str>,
    description: Option<&str>,
) -> Result<(), CatalogueError> {
    let nom = field::optional_text("nom", nom, 200)?;
    let description = description
        .map(|d| field::free_text("description", d, 2000))
        .transpose()?;
    let updated = sqlx::query!(
        r#"UPDATE categories SET nom = COALESCE($3, nom), description = COALESCE($4, description)
           WHERE boutique_id = $1 AND id = $2"#,
        boutique_id,
        id,
        nom,
        description
    )
    .execute(pool)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(CatalogueError::CategoryNotFound);
    }
    Ok(())
}

/// Deletes the category; its articles become uncategorised. Both show in the tills' next
/// catalogue delta (the category as deleted, the articles as changed).
pub async fn delete_category(
    pool: &PgPool,
    boutique_id: i64,
    id: i64,
) -> Result<(), CatalogueError> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        r#"UPDATE articles SET categorie_id = NULL
           WHERE boutique_id = $1 AND categorie_id = $2"#,
        boutique_id,
        id
    )
    .execute(&mut *tx)
    .await?;
    let deleted = sqlx::query!(
        "DELETE FROM categories WHERE boutique_id = $1 AND id = $2",
        boutique_id,
        id
    )
    .execute(&mut *tx)
    .await?;
    if deleted.rows_affected() == 0 {
        return Err(CatalogueError::CategoryNotFound);
    }
    sqlx::query!(
        r#"INSERT INTO categories_supprimees (boutique_id, categorie_id) VALUES ($1, $2)
           ON CONFLICT (boutique_id, categorie_id)
           DO UPDATE SET modif_txid = pg_current_xact_id()::text::bigint"#,
        boutique_id,
        id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An active article at or below a stock threshold.
#[derive(Debug, Clone)]
pub struct LowStock {
    pub id: i64,
    pub code: String,
    pub nom: String,
    pub quantite_stock: i32,
}

/// The boutique's active articles at or below `threshold`, lowest stock first (`limit` at
/// most).
pub async fn low_stock(
    pool: &PgPool,
    boutique_id: i64,
    threshold: i32,
    limit: i64,
) -> Result<Vec<LowStock>, sqlx::Error> {
    sqlx::query_as!(
        LowStock,
        r#"SELECT id, code, nom, quantite_stock FROM articles
           WHERE boutique_id = $1 AND est_actif AND quantite_stock <= $2
           ORDER BY quantite_stock, nom
           LIMIT $3"#,
        boutique_id,
        threshold,
        limit
    )
    .fetch_all(pool)
    .await
}
