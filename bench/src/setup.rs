//! Bench data: a boutique with its tills and a catalogue, written straight into the
//! database, so that a run needs no manual step.
//!
//! Articles get consecutive ids: the pgbench ceiling scripts draw an article as
//! `first + random(0, count - 1)`, exactly as the load generator does.

use anyhow::{Context, Result, bail, ensure};
use sqlx::PgPool;

/// What `setup` creates.
#[derive(Debug, Clone)]
pub struct ShopSpec {
    /// `code_boutique` of the bench boutique; a boutique with this code is replaced.
    pub code: String,
    pub terminals: usize,
    pub articles: usize,
    /// Initial stock of every article.
    pub stock: i32,
}

/// A bench boutique as it stands in the database.
#[derive(Debug, Clone)]
pub struct BenchShop {
    pub boutique_id: i64,
    pub code: String,
    /// (id, serial) of each till, by id.
    pub terminals: Vec<(i64, String)>,
    /// The article ids, ascending and consecutive.
    pub articles: Vec<i64>,
}

/// Categories of the bench catalogue: the catalogue endpoint joins them, so they are there.
const CATEGORIES: usize = 10;

/// Creates the boutique of `spec`, replacing any boutique of the same code and everything
/// that belongs to it.
pub async fn setup(pool: &PgPool, spec: &ShopSpec) -> Result<BenchShop> {
    ensure!(spec.terminals > 0, "at least one terminal is needed");
    ensure!(spec.articles > 0, "at least one article is needed");
    ensure!(spec.stock >= 0, "the stock cannot be negative");
    let mut tx = pool.begin().await?;
    wipe(&mut tx, &spec.code).await.with_context(|| {
        format!(
            "could not remove the previous boutique {}; use another --boutique code or a fresh database",
            spec.code
        )
    })?;
    let boutique_id: i64 = sqlx::query_scalar(
        "INSERT INTO boutiques (nom, code_boutique, type_commerce, ville)
         VALUES ($1, $2, 'Banc d''essai', 'Kinshasa') RETURNING id",
    )
    .bind(format!("Boutique de banc d'essai {}", spec.code))
    .bind(&spec.code)
    .fetch_one(&mut *tx)
    .await?;
    // Any hex string will do as the key's hash: the bench identifies tills by serial only.
    sqlx::query(
        "INSERT INTO terminaux (boutique_id, numero_serie, nom_terminal, cle_api_hash, cle_requise)
         SELECT $1, $2 || '-T' || lpad(g::text, 4, '0'), 'Caisse ' || g, md5(g::text) || md5($2 || g), false
         FROM generate_series(1, $3) AS g ORDER BY g",
    )
    .bind(boutique_id)
    .bind(&spec.code)
    .bind(spec.terminals as i32)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO categories (boutique_id, nom, description)
         SELECT $1, 'Catégorie ' || g, 'Catégorie de banc d''essai' FROM generate_series(1, $2) AS g",
    )
    .bind(boutique_id)
    .bind(CATEGORIES as i32)
    .execute(&mut *tx)
    .await?;
    // Every tenth article has no category, as in a real catalogue.
    sqlx::query(
        "INSERT INTO articles (boutique_id, code, nom, description, prix_vente, prix_achat,
                               categorie_id, stock_initial, quantite_stock)
         SELECT $1, $2 || '-A' || lpad(g::text, 5, '0'), 'Article ' || lpad(g::text, 5, '0'),
                'Article de banc d''essai', 250.00, 200.00,
                CASE WHEN g % 10 = 0 THEN NULL ELSE c.ids[1 + g % array_length(c.ids, 1)] END,
                $4, $4
         FROM generate_series(1, $3) AS g,
              (SELECT array_agg(id ORDER BY id) AS ids FROM categories WHERE boutique_id = $1) AS c
         ORDER BY g",
    )
    .bind(boutique_id)
    .bind(&spec.code)
    .bind(spec.articles as i32)
    .bind(spec.stock)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let shop = find(pool, &spec.code).await?;
    ensure!(
        shop.articles.len() == spec.articles && shop.terminals.len() == spec.terminals,
        "the boutique {} was not created as asked",
        spec.code
    );
    Ok(shop)
}

/// The bench boutique `code`, as a previous `setup` left it.
pub async fn find(pool: &PgPool, code: &str) -> Result<BenchShop> {
    let Some(boutique_id): Option<i64> =
        sqlx::query_scalar("SELECT id FROM boutiques WHERE code_boutique = $1")
            .bind(code)
            .fetch_optional(pool)
            .await?
    else {
        bail!("no boutique {code}: create it with `caisse-bench setup --boutique {code}`");
    };
    let terminals: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, numero_serie FROM terminaux WHERE boutique_id = $1 AND est_actif ORDER BY id",
    )
    .bind(boutique_id)
    .fetch_all(pool)
    .await?;
    let articles: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM articles WHERE boutique_id = $1 AND est_actif ORDER BY id",
    )
    .bind(boutique_id)
    .fetch_all(pool)
    .await?;
    ensure!(
        !terminals.is_empty(),
        "the boutique {code} has no active till"
    );
    ensure!(
        !articles.is_empty(),
        "the boutique {code} has no active article"
    );
    let consecutive = articles.windows(2).all(|w| w[1] == w[0] + 1);
    ensure!(
        consecutive,
        "the articles of {code} do not have consecutive ids; recreate it with setup"
    );
    Ok(BenchShop {
        boutique_id,
        code: code.to_owned(),
        terminals,
        articles,
    })
}

/// Removes the boutique `code` and what belongs to it, children first.
async fn wipe(conn: &mut sqlx::PgConnection, code: &str) -> Result<()> {
    let Some(id): Option<i64> =
        sqlx::query_scalar("SELECT id FROM boutiques WHERE code_boutique = $1")
            .bind(code)
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(());
    };
    for table in [
        "mouvements_stock",
        "alertes_stock",
        "ventes_rejetees",
        "lignes_vente",
        "ventes",
        "articles",
        "categories_supprimees",
        "categories",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE boutique_id = $1"
        )))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "DELETE FROM idempotency_keys WHERE terminal_id IN (SELECT id FROM terminaux WHERE boutique_id = $1)",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM terminaux WHERE boutique_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM boutiques WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
