//! A till's cash reports (API-D1.md §3.5): at the end of a shift a 2026 till writes a note
//! and one expense. Kept as the till sent them, once; every query names the till's boutique.

use crate::money::Currency;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgPool;

/// A report as the till sends it, checked.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub date_rapport: DateTime<Utc>,
    pub detail: String,
    pub depense: Decimal,
    pub devise: Currency,
}

/// A stored report, with its till.
#[derive(Debug, Clone)]
pub struct Report {
    pub id: i64,
    pub terminal_id: i64,
    pub terminal_nom: String,
    pub terminal_serial: String,
    pub date_rapport: DateTime<Utc>,
    pub detail: String,
    pub depense: Decimal,
    pub devise: String,
    pub depense_appliquee: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Stores `report` for the till; with `true` when the till had sent it already.
pub async fn record(
    pool: &PgPool,
    boutique_id: i64,
    terminal_id: i64,
    report: &NewReport,
) -> Result<(Report, bool), sqlx::Error> {
    let inserted = sqlx::query_scalar!(
        r#"INSERT INTO rapports_caisse (boutique_id, terminal_id, date_rapport, detail, depense, devise)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT DO NOTHING
           RETURNING id"#,
        boutique_id,
        terminal_id,
        report.date_rapport,
        report.detail,
        report.depense,
        report.devise.as_str()
    )
    .fetch_optional(pool)
    .await?;
    // Not inserted: the unique index holds the same report (a concurrent copy committed
    // before this one's insert returned), which is then read.
    let stored = sqlx::query_as!(
        Report,
        r#"SELECT r.id, r.terminal_id, t.nom_terminal AS terminal_nom,
                  t.numero_serie AS terminal_serial, r.date_rapport, r.detail, r.depense,
                  r.devise, r.depense_appliquee, r.created_at, r.updated_at
           FROM rapports_caisse r
           JOIN terminaux t ON t.boutique_id = r.boutique_id AND t.id = r.terminal_id
           WHERE r.boutique_id = $1 AND r.terminal_id = $2
             AND ($3::int8 IS NULL OR r.id = $3)
             AND r.date_rapport = $4 AND r.detail = $5 AND r.depense = $6 AND r.devise = $7"#,
        boutique_id,
        terminal_id,
        inserted,
        report.date_rapport,
        report.detail,
        report.depense,
        report.devise.as_str()
    )
    .fetch_one(pool)
    .await?;
    Ok((stored, inserted.is_none()))
}

/// The shop's reports dated in `[start, end)`, newest first, at most `limit`; only the
/// till's when `terminal_id` is given.
pub async fn list(
    pool: &PgPool,
    boutique_id: i64,
    terminal_id: Option<i64>,
    period: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    limit: i64,
) -> Result<Vec<Report>, sqlx::Error> {
    sqlx::query_as!(
        Report,
        r#"SELECT r.id, r.terminal_id, t.nom_terminal AS terminal_nom,
                  t.numero_serie AS terminal_serial, r.date_rapport, r.detail, r.depense,
                  r.devise, r.depense_appliquee, r.created_at, r.updated_at
           FROM rapports_caisse r
           JOIN terminaux t ON t.boutique_id = r.boutique_id AND t.id = r.terminal_id
           WHERE r.boutique_id = $1 AND ($2::int8 IS NULL OR r.terminal_id = $2)
             AND ($3::timestamptz IS NULL OR r.date_rapport >= $3)
             AND ($4::timestamptz IS NULL OR r.date_rapport < $4)
           ORDER BY r.date_rapport DESC, r.id DESC
           LIMIT $5"#,
        boutique_id,
        terminal_id,
        period.0,
        period.1,
        limit
    )
    .fetch_all(pool)
    .await
}

/// A manager applies the expense of the shop's report `id`: it was paid from the till, so it
/// comes off the cash expected of the till's session and off the shop's figures. `Some(true)`
/// when it was pending, `Some(false)` when it was applied already, `None` when the shop has
/// no such report.
pub async fn apply_expense(
    pool: &PgPool,
    boutique_id: i64,
    id: i64,
) -> Result<Option<bool>, sqlx::Error> {
    let applied = sqlx::query_scalar!(
        r#"UPDATE rapports_caisse SET depense_appliquee = TRUE, updated_at = now()
           WHERE boutique_id = $1 AND id = $2 AND NOT depense_appliquee
           RETURNING id"#,
        boutique_id,
        id
    )
    .fetch_optional(pool)
    .await?;
    if applied.is_some() {
        return Ok(Some(true));
    }
    let exists = sqlx::query_scalar!(
        "SELECT id FROM rapports_caisse WHERE boutique_id = $1 AND id = $2",
        boutique_id,
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(exists.map(|_| false))
}
