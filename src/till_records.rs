//! What a till records besides its sales: a price it negotiated, goods a customer brought
//! back (API-D1.md §3.6). Records only: no stock moves with them. Every query names the
//! till's boutique; a record sent again by its till is kept once.

use crate::money::Currency;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgPool;

/// Which record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nature {
    /// A price negotiated at the till (`articles-negocies`).
    Negociation,
    /// Goods brought back (`retours-articles`).
    Retour,
}

impl Nature {
    pub fn as_str(self) -> &'static str {
        match self {
            Nature::Negociation => "NEGOCIATION",
            Nature::Retour => "RETOUR",
        }
    }
}

/// A record as the till sends it, checked.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub nature: Nature,
    pub code_article: String,
    pub quantite: i32,
    pub montant: Decimal,
    pub devise: Currency,
    pub date_operation: DateTime<Utc>,
    pub motif: String,
    pub reference_vente: String,
}

/// A stored record, with its till and article.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: i64,
    pub terminal_id: i64,
    pub terminal_nom: String,
    pub terminal_serial: String,
    pub article_id: Option<i64>,
    pub article_nom: Option<String>,
    pub code_article: String,
    pub quantite: i32,
    pub montant: Decimal,
    pub devise: String,
    pub date_operation: DateTime<Utc>,
    pub motif: String,
    pub reference_vente: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Stores `record` for the till; `(id, true)` when the till had sent it already.
pub async fn record(
    pool: &PgPool,
    boutique_id: i64,
    terminal_id: i64,
    record: &NewRecord,
) -> Result<(i64, bool), sqlx::Error> {
    let devise = record.devise.as_str();
    // Two copies sent at once: the unique index keeps one, and the other reads it.
    for _ in 0..3 {
        let inserted = sqlx::query_scalar!(
            r#"INSERT INTO releves_articles (boutique_id, terminal_id, nature, code_article, article_id,
                                             quantite, montant, devise, date_operation, motif,
                                             reference_vente)
               VALUES ($1, $2, $3, $4,
                       (SELECT id FROM articles
                         WHERE boutique_id = $1 AND code = $4 AND est_actif),
                       $5, $6, $7, $8, $9, $10)
               ON CONFLICT DO NOTHING
               RETURNING id"#,
            boutique_id,
            terminal_id,
            record.nature.as_str(),
            record.code_article,
            record.quantite,
            record.montant,
            devise,
            record.date_operation,
            record.motif,
            record.reference_vente
        )
        .fetch_optional(pool)
        .await?;
        if let Some(id) = inserted {
            return Ok((id, false));
        }
        let existing = sqlx::query_scalar!(
            r#"SELECT id FROM releves_articles
               WHERE boutique_id = $1 AND terminal_id = $2 AND nature = $3 AND code_article = $4
                 AND date_operation = $5 AND montant = $6 AND quantite = $7 AND devise = $8
                 AND reference_vente = $9"#,
            boutique_id,
            terminal_id,
            record.nature.as_str(),
            record.code_article,
            record.date_operation,
            record.montant,
            record.quantite,
            devise,
            record.reference_vente
        )
        .fetch_optional(pool)
        .await?;
        if let Some(id) = existing {
            return Ok((id, true));
        }
    }
    Err(sqlx::Error::RowNotFound)
}

/// The shop's records of `nature`, newest first, at most `limit`; only the till's when
/// `terminal_id` is given.
pub async fn list(
    pool: &PgPool,
    boutique_id: i64,
    nature: Nature,
    terminal_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Record>, sqlx::Error> {
    sqlx::query_as!(
        Record,
        r#"SELECT r.id, r.terminal_id, t.nom_terminal AS terminal_nom, t.numero_serie AS terminal_serial,
                  r.article_id, a.nom AS "article_nom?", r.code_article, r.quantite, r.montant,
                  r.devise, r.date_operation, r.motif, r.reference_vente, r.created_at, r.updated_at
           FROM releves_articles r
           JOIN terminaux t ON t.boutique_id = r.boutique_id AND t.id = r.terminal_id
           LEFT JOIN articles a ON a.boutique_id = r.boutique_id AND a.id = r.article_id
           WHERE r.boutique_id = $1 AND r.nature = $2
             AND ($3::int8 IS NULL OR r.terminal_id = $3)
           ORDER BY r.date_operation DESC, r.id DESC
           LIMIT $4"#,
        boutique_id,
        nature.as_str(),
        terminal_id,
        limit
    )
    .fetch_all(pool)
    .await
}
