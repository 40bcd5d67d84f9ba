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
pub mod live;
pub mod variants;

use crate::events::{self, Channel, Event, SyncReason};
use crate::field::{self, Invalid};
use crate::money::{Currency, Money};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::collections::HashMap;

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
    /// The currency of `prix_vente` and `prix_achat`.
    pub devise: Currency,
    /// In USD: a USD article's own prices, a CDF one's as the manager set them.
    pub prix_vente_usd: Option<Money>,
    pub prix_achat_usd: Option<Money>,
    /// `false` while a sending that created it awaits the shop's confirmation.
    pub est_valide_client: bool,
    pub date_suppression: Option<DateTime<Utc>>,
    /// Moved by every change to the article (fields, stock, variants, validation, activity).
    pub last_updated: DateTime<Utc>,
    pub version: i64,
    /// Its active variants, by name.
    pub variantes: Vec<Variant>,
}

impl Article {
    /// Its USD prices: a USD article's own, else what the manager set.
    fn usd(
        devise: &str,
        vente: Money,
        achat: Money,
        vente_usd: Option<Money>,
        achat_usd: Option<Money>,
    ) -> (Currency, Option<Money>, Option<Money>) {
        match Currency::parse(devise).unwrap_or_default() {
            Currency::Usd => (Currency::Usd, Some(vente), Some(achat)),
            Currency::Cdf => (Currency::Cdf, vente_usd, achat_usd),
        }
    }
}

/// A variant of an article (a colour, a size…), scanned by its barcode: no stock, price or
/// currency of its own, its article's.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub id: i64,
    pub article_parent_id: i64,
    pub code_barre: String,
    pub nom_variante: String,
    pub type_attribut: String,
    pub est_actif: bool,
    pub image_url: Option<String>,
    pub date_creation: DateTime<Utc>,
    pub date_mise_a_jour: DateTime<Utc>,
}

/// Where a till's download starts. Nothing: the whole catalogue. A `token` of an earlier
/// answer: every article changed since, withdrawn ones included. An instant (`from`, the
/// margin already taken off) or a `version`: the catalogue's articles changed since, as the
/// 2026 tills ask (they learn of withdrawals from `articles/deleted/`). Several: all apply.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Since {
    pub token: Option<i64>,
    pub from: Option<DateTime<Utc>>,
    pub version: Option<i64>,
}

impl Since {
    pub fn token(token: i64) -> Self {
        Since {
            token: Some(token),
            ..Since::default()
        }
    }

    /// Whether this asks for a delta rather than the whole catalogue.
    pub fn is_delta(&self) -> bool {
        self.token.is_some() || self.from.is_some() || self.version.is_some()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("no such article in this boutique")]
    ArticleNotFound,
    #[error("no such category in this boutique")]
    CategoryNotFound,
    #[error("no such variant of this article")]
    VariantNotFound,
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
            Some("variantes_articles_boutique_id_code_barre_key") => CatalogueError::Duplicate {
                field: "code_barre",
            },
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
    let articles = sqlx::query!(
        r#"SELECT a.id, a.code, a.nom, a.description, a.prix_vente, a.prix_achat, a.categorie_id,
                  c.nom AS "categorie_nom?", a.quantite_stock, a.est_actif, a.devise,
                  a.prix_vente_usd, a.prix_achat_usd, a.est_valide_client, a.date_suppression,
                  a.last_updated, a.version
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
    .map(|r| {
        let (devise, prix_vente_usd, prix_achat_usd) = Article::usd(
            &r.devise,
            r.prix_vente.into(),
            r.prix_achat.into(),
            r.prix_vente_usd.map(Money::from),
            r.prix_achat_usd.map(Money::from),
        );
        Article {
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
            devise,
            prix_vente_usd,
            prix_achat_usd,
            est_valide_client: r.est_valide_client,
            date_suppression: r.date_suppression,
            last_updated: r.last_updated,
            version: r.version,
            variantes: Vec::new(),
        }
    })
    .collect();
    with_variants(pool, boutique_id, articles).await
}

/// The active variants of the boutique's articles `ids` (all of them: `None`), by article
/// then name.
pub async fn variants(
    pool: &PgPool,
    boutique_id: i64,
    ids: Option<&[i64]>,
) -> Result<Vec<Variant>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"SELECT id, article_parent_id, code_barre, nom_variante, type_attribut, est_actif,
                  image_url, date_creation, date_mise_a_jour
           FROM variantes_articles
           WHERE boutique_id = $1 AND est_actif AND ($2::int8[] IS NULL OR article_parent_id = ANY($2))
           ORDER BY article_parent_id, nom_variante, id"#,
        boutique_id,
        ids
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| Variant {
        id: r.id,
        article_parent_id: r.article_parent_id,
        code_barre: r.code_barre,
        nom_variante: r.nom_variante,
        type_attribut: r.type_attribut,
        est_actif: r.est_actif,
        image_url: r.image_url,
        date_creation: r.date_creation,
        date_mise_a_jour: r.date_mise_a_jour,
    })
    .collect())
}

/// `articles` with their active variants (one more statement, when there are articles).
async fn with_variants(
    pool: &PgPool,
    boutique_id: i64,
    mut articles: Vec<Article>,
) -> Result<Vec<Article>, sqlx::Error> {
    if articles.is_empty() {
        return Ok(articles);
    }
    let ids: Vec<i64> = articles.iter().map(|a| a.id).collect();
    let mut by_article: HashMap<i64, Vec<Variant>> = HashMap::new();
    for variant in variants(pool, boutique_id, Some(&ids)).await? {
        by_article
            .entry(variant.article_parent_id)
            .or_default()
            .push(variant);
    }
    if by_article.is_empty() {
        return Ok(articles);
    }
    for article in &mut articles {
        article.variantes = by_article.remove(&article.id).unwrap_or_default();
    }
    Ok(articles)
}

/// The article `id` of the boutique, active or not.
pub async fn article(pool: &PgPool, boutique_id: i64, id: i64) -> Result<Article, CatalogueError> {
    articles(pool, boutique_id, Some(id), None)
        .await?
        .pop()
        .ok_or(CatalogueError::ArticleNotFound)
}

/// What a statement read, with its snapshot's oldest invisible transaction (`xmin`), the
/// token of the next delta and the time of the snapshot (`at`).
#[derive(Debug)]
pub struct Snapshot<T> {
    pub value: T,
    pub xmin: i64,
    pub token: i64,
    pub at: DateTime<Utc>,
}

/// The boutique's catalogue (its active articles, confirmed by the shop), by name; or what
/// changed since `since` (see [`Since`]). With the token of the next delta.
///
/// One statement, so one snapshot: the token is the oldest transaction this snapshot may
/// not see (or just past the shop's last change, when that is older, so that a quiet
/// shop's token and answer stay the same). A change committed while this was read has a
/// transaction id at or above the token and comes in the next delta. An instant has no
/// such guarantee by itself: a change stamped before `at` may commit after it; the caller
/// takes a margin off the instant it is given back, longer than any writing transaction.
///
/// An article awaiting the shop's confirmation of its sending is not for sale: in a token
/// delta it comes with `est_actif: false`, like a withdrawn one.
pub async fn articles_since(
    pool: &PgPool,
    boutique_id: i64,
    since: Since,
) -> Result<Snapshot<Vec<Article>>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"WITH token AS (
               SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin,
                      LEAST(pg_snapshot_xmin(pg_current_snapshot())::text::bigint,
                            COALESCE((SELECT max(modif_txid) FROM articles WHERE boutique_id = $1), 0) + 1)
                      AS token,
                      now() AS at
           )
           SELECT token.xmin AS "xmin!", token.token AS "token!", token.at AS "at!",
                  a.id AS "id?", a.code AS "code?", a.nom AS "nom?",
                  a.description AS "description?", a.prix_vente AS "prix_vente?",
                  a.prix_achat AS "prix_achat?", a.categorie_id, c.nom AS "categorie_nom?",
                  a.quantite_stock AS "quantite_stock?",
                  (a.est_actif AND a.est_valide_client) AS "on_sale?",
                  a.devise AS "devise?", a.prix_vente_usd, a.prix_achat_usd,
                  a.est_valide_client AS "est_valide_client?", a.date_suppression,
                  a.last_updated AS "last_updated?", a.version AS "version?"
           FROM token
           LEFT JOIN articles a
             ON a.boutique_id = $1
            AND ($2::int8 IS NOT NULL OR (a.est_actif AND a.est_valide_client))
            AND ($2::int8 IS NULL OR a.modif_txid >= $2)
            AND ($3::timestamptz IS NULL OR a.last_updated >= $3)
            AND ($4::int8 IS NULL OR a.version > $4)
           LEFT JOIN categories c ON c.boutique_id = a.boutique_id AND c.id = a.categorie_id
           ORDER BY a.nom, a.id"#,
        boutique_id,
        since.token,
        since.from,
        since.version
    )
    .fetch_all(pool)
    .await?;
    let (xmin, token, at) = rows
        .first()
        .map_or((0, 0, Utc::now()), |r| (r.xmin, r.token, r.at));
    let articles = rows
        .into_iter()
        .filter_map(|r| {
            let (devise, prix_vente_usd, prix_achat_usd) = Article::usd(
                r.devise.as_deref()?,
                r.prix_vente?.into(),
                r.prix_achat?.into(),
                r.prix_vente_usd.map(Money::from),
                r.prix_achat_usd.map(Money::from),
            );
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
                est_actif: r.on_sale?,
                devise,
                prix_vente_usd,
                prix_achat_usd,
                est_valide_client: r.est_valide_client?,
                date_suppression: r.date_suppression,
                last_updated: r.last_updated?,
                version: r.version?,
                variantes: Vec::new(),
            })
        })
        .collect();
    Ok(Snapshot {
        value: with_variants(pool, boutique_id, articles).await?,
        xmin,
        token,
        at,
    })
}

/// An article withdrawn from sale, as the 2026 tills drop it.
#[derive(Debug, Clone, PartialEq)]
pub struct Withdrawn {
    pub id: i64,
    pub code: String,
    pub nom: String,
    pub date_suppression: DateTime<Utc>,
}

/// The boutique's withdrawn articles, most recent first; those withdrawn at or after `from`,
/// if given.
pub async fn withdrawn_since(
    pool: &PgPool,
    boutique_id: i64,
    from: Option<DateTime<Utc>>,
) -> Result<Vec<Withdrawn>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"SELECT id, code, nom, COALESCE(date_suppression, last_updated) AS "date_suppression!"
           FROM articles
           WHERE boutique_id = $1 AND NOT est_actif
             AND ($2::timestamptz IS NULL OR COALESCE(date_suppression, last_updated) >= $2)
           ORDER BY 4 DESC, id"#,
        boutique_id,
        from
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| Withdrawn {
        id: r.id,
        code: r.code,
        nom: r.nom,
        date_suppression: r.date_suppression,
    })
    .collect())
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
    /// Units sent with the article, awaiting the shop's confirmation: it starts with no
    /// stock, off the catalogue (`est_valide_client` false) until a till confirms.
    pub quantite_envoyee: Option<i64>,
    pub est_actif: Option<bool>,
    /// `CDF` or `USD`; default the shop's (CDF unless the shop is in USD).
    pub devise: Option<String>,
    /// A CDF article's prices in USD, as the manager sets them (a USD article's are its own).
    pub prix_vente_usd: Option<Money>,
    pub prix_achat_usd: Option<Money>,
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
    /// The currency its prices are in from now on.
    pub devise: Option<String>,
    /// `Some(None)` clears it.
    pub prix_vente_usd: Option<Option<Money>>,
    pub prix_achat_usd: Option<Option<Money>>,
}

/// A currency an article may be priced in.
fn article_currency(devise: Option<&str>) -> Result<Option<&'static str>, Invalid> {
    devise
        .map(|d| {
            Currency::parse(d)
                .map(Currency::as_str)
                .ok_or_else(|| Invalid::new("devise", "CDF ou USD est attendu"))
        })
        .transpose()
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
    let envoyee = field::int(
        "quantite_envoyee",
        new.quantite_envoyee.unwrap_or(0),
        0,
        crate::stock::MAX_RECEIVED,
    )? as i32;
    if envoyee > 0 && stock > 0 {
        return Err(Invalid::new(
            "quantite_envoyee",
            "un article envoyé commence sans stock : quantite_stock ou quantite_envoyee, pas les deux",
        )
        .into());
    }
    let devise = article_currency(new.devise.as_deref())?;
    check_category(pool, boutique_id, new.categorie_id).await?;
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO articles (boutique_id, code, nom, description, prix_vente, prix_achat,
                                 categorie_id, stock_initial, quantite_stock, est_actif, devise,
                                 prix_vente_usd, prix_achat_usd, quantite_envoyee,
                                 est_valide_client, date_envoi)
           VALUES ($1, $2, $3, COALESCE($4, ''), $5, COALESCE($6::numeric, 0), $7, $8, $8, COALESCE($9, TRUE),
                   -- Unless given, in the shop's currency when it is one an article can have.
                   COALESCE($10, (SELECT CASE WHEN devise = 'USD' THEN 'USD' ELSE 'CDF' END
                                  FROM boutiques WHERE id = $1)),
                   $11, $12, $13, $13 = 0, CASE WHEN $13 > 0 THEN now() END)
           RETURNING id"#,
        boutique_id,
        code,
        nom,
        description,
        new.prix_vente.amount(),
        new.prix_achat.map(|m| m.amount()),
        new.categorie_id,
        stock,
        new.est_actif,
        devise,
        new.prix_vente_usd.map(|m| m.amount()),
        new.prix_achat_usd.map(|m| m.amount()),
        envoyee
    )
    .fetch_one(&mut *tx)
    .await?;
    live::changed(&mut tx, boutique_id, id, None).await?;
    tx.commit().await?;
    Ok(id)
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
    let devise = article_currency(changes.devise.as_deref())?;
    check_category(pool, boutique_id, changes.categorie_id.flatten()).await?;
    let mut tx = pool.begin().await?;
    let before = live::before(&mut tx, boutique_id, id)
        .await?
        .ok_or(CatalogueError::ArticleNotFound)?;
    sqlx::query!(
        r#"UPDATE articles SET
               code = COALESCE($3, code),
               nom = COALESCE($4, nom),
               description = COALESCE($5, description),
               prix_vente = COALESCE($6, prix_vente),
               prix_achat = COALESCE($7, prix_achat),
               categorie_id = CASE WHEN $8 THEN $9 ELSE categorie_id END,
               est_actif = COALESCE($10, est_actif),
               date_suppression = CASE WHEN NOT COALESCE($10, est_actif) THEN COALESCE(date_suppression, now()) END,
               devise = COALESCE($11, devise),
               prix_vente_usd = CASE WHEN $12 THEN $13 ELSE prix_vente_usd END,
               prix_achat_usd = CASE WHEN $14 THEN $15 ELSE prix_achat_usd END,
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
        changes.est_actif,
        devise,
        changes.prix_vente_usd.is_some(),
        changes.prix_vente_usd.flatten().map(|m| m.amount()),
        changes.prix_achat_usd.is_some(),
        changes.prix_achat_usd.flatten().map(|m| m.amount())
    )
    .execute(&mut *tx)
    .await?;
    live::changed(&mut tx, boutique_id, id, Some(&before)).await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraws the article: tills no longer see or sell it; its history stays.
pub async fn withdraw_article(
    pool: &PgPool,
    boutique_id: i64,
    id: i64,
) -> Result<(), CatalogueError> {
    let mut tx = pool.begin().await?;
    let before = live::before(&mut tx, boutique_id, id)
        .await?
        .ok_or(CatalogueError::ArticleNotFound)?;
    sqlx::query!(
        r#"UPDATE articles SET est_actif = FALSE, date_modification = now(),
                                  date_suppression = COALESCE(date_suppression, now())
           WHERE boutique_id = $1 AND id = $2"#,
        boutique_id,
        id
    )
    .execute(&mut *tx)
    .await?;
    live::changed(&mut tx, boutique_id, id, Some(&before)).await?;
    tx.commit().await?;
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
    pub nom: String,
    pub description: String,
    pub date_creation: DateTime<Utc>,
    pub last_updated: DateTime<Utc>,
}

/// The categories a till downloads: all of them, or those changed since `since` (its token
/// or its instant, as for the articles); the ids of those deleted (since then); the token of
/// the next delta and the time of the snapshot.
#[derive(Debug)]
pub struct CategoryChanges {
    pub changed: Vec<CategoryEntry>,
    pub deleted: Vec<i64>,
    pub token: i64,
    pub at: DateTime<Utc>,
}

pub async fn categories_since(
    pool: &PgPool,
    boutique_id: i64,
    since: Since,
) -> Result<CategoryChanges, sqlx::Error> {
    let rows = sqlx::query!(
        r#"WITH token AS (
               SELECT LEAST(pg_snapshot_xmin(pg_current_snapshot())::text::bigint,
                            GREATEST(
                                COALESCE((SELECT max(modif_txid) FROM categories WHERE boutique_id = $1), 0),
                                COALESCE((SELECT max(modif_txid) FROM categories_supprimees WHERE boutique_id = $1), 0)
                            ) + 1) AS token,
                      now() AS at
           ), changes AS (
               SELECT c.id, c.nom, c.description, c.date_creation, c.last_updated, FALSE AS deleted
               FROM categories c
               WHERE c.boutique_id = $1 AND ($2::int8 IS NULL OR c.modif_txid >= $2)
                 AND ($3::timestamptz IS NULL OR c.last_updated >= $3)
               UNION ALL
               SELECT d.categorie_id, NULL, NULL, NULL, NULL, TRUE
               FROM categories_supprimees d
               WHERE d.boutique_id = $1 AND ($2::int8 IS NULL OR d.modif_txid >= $2)
                 AND ($3::timestamptz IS NULL OR d.date_suppression >= $3)
           )
           SELECT token.token AS "token!", token.at AS "at!", changes.id AS "id?", changes.nom,
                  changes.description, changes.date_creation, changes.last_updated,
                  changes.deleted AS "deleted?"
           FROM token LEFT JOIN changes ON TRUE
           ORDER BY changes.nom, changes.id"#,
        boutique_id,
        since.token,
        since.from
    )
    .fetch_all(pool)
    .await?;
    let (token, at) = rows.first().map_or((0, Utc::now()), |r| (r.token, r.at));
    let mut changes = CategoryChanges {
        changed: Vec::new(),
        deleted: Vec::new(),
        token,
        at,
    };
    for c in rows {
        let Some(id) = c.id else { continue };
        match (c.deleted, c.nom, c.date_creation, c.last_updated) {
            (Some(false), Some(nom), Some(date_creation), Some(last_updated)) => {
                changes.changed.push(CategoryEntry {
                    id,
                    nom,
                    description: c.description.unwrap_or_default(),
                    date_creation,
                    last_updated,
                })
            }
            _ => changes.deleted.push(id),
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
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar!(
        r#"INSERT INTO categories (boutique_id, nom, description)
           VALUES ($1, $2, COALESCE($3, '')) RETURNING id"#,
        boutique_id,
        nom,
        description
    )
    .fetch_one(&mut *tx)
    .await?;
    live::category_changed(&mut tx, boutique_id, id).await?;
    tx.commit().await?;
    Ok(id)
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
    let mut tx = pool.begin().await?;
    let updated = sqlx::query!(
        r#"UPDATE categories SET nom = COALESCE($3, nom), description = COALESCE($4, description)
           WHERE boutique_id = $1 AND id = $2"#,
        boutique_id,
        id,
        nom,
        description
    )
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(CatalogueError::CategoryNotFound);
    }
    live::category_changed(&mut tx, boutique_id, id).await?;
    tx.commit().await?;
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
           DO UPDATE SET modif_txid = pg_current_xact_id()::text::bigint, date_suppression = now()"#,
        boutique_id,
        id
    )
    .execute(&mut *tx)
    .await?;
    let reload = Event::SyncRequired {
        reason: SyncReason::CategoryDeleted,
    };
    events::publish(&mut tx, boutique_id, Channel::Boutique, &reload).await?;
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

/// The name and stock of each of `ids` that is an article of the boutique.
pub async fn stock_of(
    pool: &PgPool,
    boutique_id: i64,
    ids: &[i64],
) -> Result<HashMap<i64, (String, i32)>, sqlx::Error> {
    Ok(sqlx::query!(
        "SELECT id, nom, quantite_stock FROM articles WHERE boutique_id = $1 AND id = ANY($2)",
        boutique_id,
        ids
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.id, (r.nom, r.quantite_stock)))
    .collect())
}
