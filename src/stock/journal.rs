//! The stock journal: every movement of a boutique's stock, newest first.

use crate::boutiques::DateRange;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// A movement, with its article's name and code.
#[derive(Debug, Clone)]
pub struct Movement {
    pub id: i64,
    pub article_id: i64,
    pub article_nom: String,
    pub article_code: String,
    pub type_mouvement: String,
    pub quantite: i32,
    pub stock_avant: i32,
    pub stock_apres: i32,
    pub reference_document: Option<String>,
    pub commentaire: Option<String>,
    pub date_mouvement: DateTime<Utc>,
    pub utilisateur: Option<String>,
}

/// Which movements to list.
#[derive(Debug, Default, Clone)]
pub struct MovementFilter {
    pub dates: DateRange,
    pub article_id: Option<i64>,
    /// One of [`super::MovementType::ALL`].
    pub type_mouvement: Option<&'static str>,
}

/// A page of the boutique's movements matching `filter`, newest first, and how many match.
pub async fn list(
    pool: &PgPool,
    boutique_id: i64,
    filter: &MovementFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Movement>, i64), sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT m.id, m.article_id, a.nom, a.code, m.type_mouvement, m.quantite, m.stock_avant,
                  m.stock_apres, m.reference_document, m.commentaire, m.date_mouvement,
                  m.utilisateur, count(*) OVER () AS "total!"
           FROM mouvements_stock m
           JOIN articles a ON a.boutique_id = m.boutique_id AND a.id = m.article_id
           WHERE m.boutique_id = $1
             AND ($2::int8 IS NULL OR m.article_id = $2)
             AND ($3::text IS NULL OR m.type_mouvement = $3)
             AND ($4::timestamptz IS NULL OR m.date_mouvement >= $4)
             AND ($5::timestamptz IS NULL OR m.date_mouvement < $5)
           ORDER BY m.id DESC
           LIMIT $6 OFFSET $7"#,
        boutique_id,
        filter.article_id,
        filter.type_mouvement,
        filter.dates.start,
        filter.dates.end,
        limit,
        offset
    )
    .fetch_all(pool)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    let movements = rows
        .into_iter()
        .map(|m| Movement {
            id: m.id,
            article_id: m.article_id,
            article_nom: m.nom,
            article_code: m.code,
            type_mouvement: m.type_mouvement,
            quantite: m.quantite,
            stock_avant: m.stock_avant,
            stock_apres: m.stock_apres,
            reference_document: m.reference_document,
            commentaire: m.commentaire,
            date_mouvement: m.date_mouvement,
            utilisateur: m.utilisateur,
        })
        .collect();
    Ok((movements, total))
}
