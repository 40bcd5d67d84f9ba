//! What a manager reviews: refused sales (`ventes_rejetees`) and the stock alerts raised
//! by sales that took the stock below zero (`alertes_stock`).
//!
//! Nothing refused is lost: every sale the server refuses is kept with exactly what the
//! till sent, the code and the message, for a manager to review and resolve. The same
//! payload refused again from the same till, while unresolved, counts as another attempt
//! of the same rejection rather than a new one.

use crate::field::{self, Invalid};
use crate::sales::Refusal;
use crate::secret::sha256_hex;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;
use std::collections::HashMap;

/// What is kept of a refused sale as the till sent it: all of it up to this size; of a
/// bigger one, its beginning and a note of its whole length and SHA-256.
pub const PAYLOAD_KEPT: usize = 64 * 1024;

/// A till's open refusals kept whole, the latest first: older ones keep their code, message
/// and attempts, their payload summarised. A till (or whoever holds its serial) cannot fill
/// the database with refused sales.
const OPEN_KEPT_WHOLE: i64 = 200;

/// What is stored of `payload`, whose SHA-256 is `empreinte`.
fn kept_payload(payload: &str, empreinte: &str) -> String {
    if payload.len() <= PAYLOAD_KEPT {
        return payload.to_owned();
    }
    let mut end = PAYLOAD_KEPT;
    while !payload.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}… [tronqué : {} octets au total, SHA-256 {empreinte}]",
        &payload[..end],
        payload.len()
    )
}

/// How many characters of a payload a page shows.
pub const PAYLOAD_SHOWN: usize = 4 * 1024;

/// One refused sale of a request.
#[derive(Debug)]
pub struct Rejection<'a> {
    /// The invoice number as sent, if any.
    pub numero_facture: Option<String>,
    /// The sale's JSON exactly as it arrived.
    pub payload: &'a str,
    pub refusal: &'a Refusal,
}

/// Keeps the refused sales of one request of the till `terminal_id`.
pub async fn record_rejections(
    pool: &PgPool,
    boutique_id: i64,
    terminal_id: i64,
    rejections: &[Rejection<'_>],
) -> Result<(), sqlx::Error> {
    if rejections.is_empty() {
        return Ok(());
    }
    // One row per distinct payload (a statement may not update a row twice).
    let mut rows: Vec<(&Rejection, String, i32)> = Vec::with_capacity(rejections.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for rejection in rejections {
        let empreinte = sha256_hex(rejection.payload.as_bytes());
        match seen.get(&empreinte) {
            Some(&i) => rows[i].2 += 1,
            None => {
                seen.insert(empreinte.clone(), rows.len());
                rows.push((rejection, empreinte, 1));
            }
        }
    }
    let mut numeros = Vec::with_capacity(rows.len());
    let mut codes = Vec::with_capacity(rows.len());
    let mut messages = Vec::with_capacity(rows.len());
    let mut payloads = Vec::with_capacity(rows.len());
    let mut empreintes = Vec::with_capacity(rows.len());
    let mut articles = Vec::with_capacity(rows.len());
    let mut details = Vec::with_capacity(rows.len());
    let mut attempts = Vec::with_capacity(rows.len());
    for (rejection, empreinte, count) in rows {
        let refusal = rejection.refusal;
        numeros.push(rejection.numero_facture.clone().unwrap_or_default());
        codes.push(refusal.code.as_str().to_owned());
        messages.push(refusal.message.clone());
        payloads.push(kept_payload(rejection.payload, &empreinte));
        empreintes.push(empreinte);
        articles.push(refusal.article_id.unwrap_or(0));
        details.push(
            refusal
                .shortage
                .as_ref()
                .map(|s| {
                    json!({
                        "article_nom": s.article_nom,
                        "stock_disponible": s.stock_disponible,
                        "stock_demande": s.stock_demande,
                    })
                    .to_string()
                })
                .unwrap_or_default(),
        );
        attempts.push(count);
    }
    sqlx::query!(
        r#"INSERT INTO ventes_rejetees (boutique_id, terminal_id, numero_facture, code, message,
                                       payload, empreinte, article_id, details, tentatives)
           SELECT $1, $2, NULLIF(r.numero, ''), r.code, r.message, r.payload, r.empreinte,
                  NULLIF(r.article_id, 0), NULLIF(r.details, '')::jsonb, r.tentatives
           FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int8[],
                       $9::text[], $10::int4[])
                AS r(numero, code, message, payload, empreinte, article_id, details, tentatives)
           ON CONFLICT (boutique_id, terminal_id, empreinte) WHERE NOT resolue DO UPDATE SET
               tentatives = ventes_rejetees.tentatives + EXCLUDED.tentatives,
               date_derniere_tentative = now(),
               code = EXCLUDED.code,
               message = EXCLUDED.message,
               article_id = EXCLUDED.article_id,
               details = EXCLUDED.details"#,
        boutique_id,
        terminal_id,
        &numeros,
        &codes,
        &messages,
        &payloads,
        &empreintes,
        &articles,
        &details,
        &attempts
    )
    .execute(pool)
    .await?;
    sqlx::query!(
        r#"UPDATE ventes_rejetees
           SET payload = '[résumé : ' || octet_length(payload) || ' octets retirés, SHA-256 '
                         || empreinte || ']'
           WHERE boutique_id = $1 AND id IN (
               SELECT id FROM ventes_rejetees
               WHERE boutique_id = $1 AND terminal_id = $2 AND NOT resolue
                 AND payload NOT LIKE '[résumé : %'
               ORDER BY date_derniere_tentative DESC, id DESC
               OFFSET $3)"#,
        boutique_id,
        terminal_id,
        OPEN_KEPT_WHOLE
    )
    .execute(pool)
    .await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no such refused sale in this boutique")]
    RejectionNotFound,
    #[error("no such stock alert in this boutique")]
    AlertNotFound,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Which refused sales to list.
#[derive(Debug, Default)]
pub struct RejectionFilter {
    pub boutique_id: Option<i64>,
    /// Only the shops of this merchant.
    pub commercant_id: Option<i64>,
    pub code: Option<String>,
    pub resolue: Option<bool>,
    /// Refused at or after this instant.
    pub since: Option<DateTime<Utc>>,
}

/// A refused sale as stored, with its till.
#[derive(Debug)]
pub struct StoredRejection {
    pub id: i64,
    pub boutique_id: i64,
    pub fuseau_horaire: String,
    pub terminal_id: i64,
    pub numero_serie: String,
    pub nom_terminal: String,
    pub numero_facture: Option<String>,
    pub code: String,
    pub message: String,
    pub payload: String,
    pub article_id: Option<i64>,
    pub details: Option<Value>,
    pub tentatives: i32,
    pub date_rejet: DateTime<Utc>,
    pub date_derniere_tentative: DateTime<Utc>,
    pub resolue: bool,
    pub date_resolution: Option<DateTime<Utc>>,
    pub resolu_par: Option<String>,
    pub commentaire_resolution: Option<String>,
    pub vente_id: Option<i64>,
    /// When the till gave it up (`ventes/notifier-rejet`), and why.
    pub date_abandon: Option<DateTime<Utc>>,
    pub motif_abandon: Option<String>,
    pub total: i64,
}

/// A page of the refused sales matching `filter`, newest first, and how many match.
pub async fn rejections(
    pool: &PgPool,
    filter: &RejectionFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<StoredRejection>, i64), sqlx::Error> {
    let rows = sqlx::query_as!(
        StoredRejection,
        r#"SELECT r.id, r.boutique_id, b.fuseau_horaire, r.terminal_id, t.numero_serie,
                  t.nom_terminal, r.numero_facture, r.code, r.message, r.payload, r.article_id,
                  r.details, r.tentatives, r.date_rejet, r.date_derniere_tentative, r.resolue,
                  r.date_resolution, r.resolu_par, r.commentaire_resolution, r.vente_id,
                  r.date_abandon, r.motif_abandon,
                  count(*) OVER () AS "total!"
           FROM ventes_rejetees r
           JOIN boutiques b ON b.id = r.boutique_id
           JOIN terminaux t ON t.boutique_id = r.boutique_id AND t.id = r.terminal_id
           WHERE ($1::int8 IS NULL OR r.boutique_id = $1)
             AND ($2::text IS NULL OR r.code = $2)
             AND ($3::bool IS NULL OR r.resolue = $3)
             AND ($4::timestamptz IS NULL OR r.date_rejet >= $4)
             AND ($7::int8 IS NULL OR b.commercant_id = $7)
           ORDER BY r.date_rejet DESC, r.id DESC
           LIMIT $5 OFFSET $6"#,
        filter.boutique_id,
        filter.code,
        filter.resolue,
        filter.since,
        limit,
        offset,
        filter.commercant_id
    )
    .fetch_all(pool)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    Ok((rows, total))
}

/// A refused sale once resolved.
#[derive(Debug)]
pub struct Resolved {
    pub id: i64,
    pub resolue: bool,
    pub date_resolution: Option<DateTime<Utc>>,
    pub resolu_par: Option<String>,
    pub commentaire_resolution: Option<String>,
}

/// Marks the refused sale `id` of the boutique as dealt with, by `by`, with a comment.
pub async fn resolve(
    pool: &PgPool,
    boutique_id: i64,
    id: i64,
    by: &str,
    comment: &str,
) -> Result<Resolved, ReviewError> {
    let comment = field::text("commentaire", comment, 2000)?;
    sqlx::query_as!(
        Resolved,
        r#"UPDATE ventes_rejetees
           SET resolue = TRUE, date_resolution = COALESCE(date_resolution, now()),
               resolu_par = $3, commentaire_resolution = $4
           WHERE boutique_id = $1 AND id = $2
           RETURNING id, resolue, date_resolution, resolu_par, commentaire_resolution"#,
        boutique_id,
        id,
        by,
        comment
    )
    .fetch_optional(pool)
    .await?
    .ok_or(ReviewError::RejectionNotFound)
}

/// A stock alert with its article and sale.
#[derive(Debug)]
pub struct StockAlert {
    pub id: i64,
    pub boutique_id: i64,
    pub fuseau_horaire: String,
    pub article_id: i64,
    pub code: String,
    pub nom: String,
    pub quantite_stock: i32,
    pub vente_id: i64,
    pub numero_facture: String,
    pub manque: i32,
    pub stock_avant: i32,
    pub stock_apres: i32,
    pub date_alerte: DateTime<Utc>,
    pub fermee: bool,
    pub date_fermeture: Option<DateTime<Utc>>,
    pub fermee_par: Option<String>,
    pub commentaire: Option<String>,
    pub total: i64,
}

/// A page of the stock alerts (of one boutique, or one merchant's, open or closed, if
/// asked), newest first, and how many match.
pub async fn stock_alerts(
    pool: &PgPool,
    boutique_id: Option<i64>,
    commercant_id: Option<i64>,
    fermee: Option<bool>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<StockAlert>, i64), sqlx::Error> {
    let rows = sqlx::query_as!(
        StockAlert,
        r#"SELECT x.id, x.boutique_id, b.fuseau_horaire, x.article_id, a.code, a.nom,
                  a.quantite_stock, x.vente_id, v.numero_facture, x.manque, x.stock_avant,
                  x.stock_apres, x.date_alerte, x.fermee, x.date_fermeture, x.fermee_par,
                  x.commentaire, count(*) OVER () AS "total!"
           FROM alertes_stock x
           JOIN boutiques b ON b.id = x.boutique_id
           JOIN articles a ON a.boutique_id = x.boutique_id AND a.id = x.article_id
           JOIN ventes v ON v.boutique_id = x.boutique_id AND v.id = x.vente_id
           WHERE ($1::int8 IS NULL OR x.boutique_id = $1)
             AND ($2::bool IS NULL OR x.fermee = $2)
             AND ($5::int8 IS NULL OR b.commercant_id = $5)
           ORDER BY x.date_alerte DESC, x.id DESC
           LIMIT $3 OFFSET $4"#,
        boutique_id,
        fermee,
        limit,
        offset,
        commercant_id
    )
    .fetch_all(pool)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    Ok((rows, total))
}

/// Closes the stock alert `id` of the boutique (the stock was counted, the delivery
/// recorded…), by `by`, with an optional comment.
pub async fn close_alert(
    pool: &PgPool,
    boutique_id: i64,
    id: i64,
    by: &str,
    comment: Option<&str>,
) -> Result<(), ReviewError> {
    let comment = comment
        .map(|c| field::free_text("commentaire", c, 2000))
        .transpose()?;
    let closed = sqlx::query!(
        r#"UPDATE alertes_stock
           SET fermee = TRUE, date_fermeture = COALESCE(date_fermeture, now()),
               fermee_par = $3, commentaire = COALESCE($4, commentaire)
           WHERE boutique_id = $1 AND id = $2"#,
        boutique_id,
        id,
        by,
        comment
    )
    .execute(pool)
    .await?;
    if closed.rows_affected() == 0 {
        return Err(ReviewError::AlertNotFound);
    }
    Ok(())
}

/// A refused sale its till gave up: `reference` (its invoice number) and why.
pub struct Abandon<'a> {
    pub reference: &'a str,
    pub motif: &'a str,
    /// What the till sent, kept when the server had no refusal of that number.
    pub payload: &'a str,
}

/// Marks the till's open refusals of `abandon.reference` as given up by the till; when the
/// server has none, keeps the abandonment as a refusal (code `OTHER`) for the manager.
/// Nothing else changes: no stock, no sale. Returns how many refusals it marks.
pub async fn abandon(
    pool: &PgPool,
    boutique_id: i64,
    terminal_id: i64,
    abandon: &Abandon<'_>,
) -> Result<u64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let marked = sqlx::query!(
        r#"UPDATE ventes_rejetees
           SET date_abandon = now(), motif_abandon = $4
           WHERE boutique_id = $1 AND terminal_id = $2 AND numero_facture = $3 AND NOT resolue"#,
        boutique_id,
        terminal_id,
        abandon.reference,
        abandon.motif
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if marked > 0 {
        tx.commit().await?;
        return Ok(marked);
    }
    // The same abandonment sent again marks the same row.
    let empreinte = sha256_hex(format!("abandon:{}", abandon.reference).as_bytes());
    sqlx::query!(
        r#"INSERT INTO ventes_rejetees (boutique_id, terminal_id, numero_facture, code, message,
                                        payload, empreinte, date_abandon, motif_abandon)
           VALUES ($1, $2, $3, 'OTHER', $4, $5, $6, now(), $4)
           ON CONFLICT (boutique_id, terminal_id, empreinte) WHERE NOT resolue
           DO UPDATE SET date_abandon = now(), motif_abandon = EXCLUDED.motif_abandon,
                         tentatives = ventes_rejetees.tentatives + 1,
                         date_derniere_tentative = now()"#,
        boutique_id,
        terminal_id,
        abandon.reference,
        abandon.motif,
        abandon.payload,
        empreinte
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(1)
}
