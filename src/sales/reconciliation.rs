//! A till proves its day arrived: it names the invoice numbers it believes synced (and the
//! period they cover); the server sorts them into stored, missing (to send again) and
//! refused (with why), and adds what it has for that till in the period that the till did
//! not name.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgPool;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Most invoice numbers one reconciliation may name.
pub const MAX_NUMBERS: usize = 20_000;

/// A stored sale of the till.
#[derive(Debug, Clone)]
pub struct Present {
    pub id: i64,
    pub numero_facture: String,
    pub montant_total: Decimal,
    pub devise: String,
    pub date_vente: DateTime<Utc>,
    pub annulee: bool,
}

/// The last refusal of a number the server does not have.
#[derive(Debug, Clone)]
pub struct Refused {
    pub numero_facture: String,
    pub code: String,
    pub message: String,
    pub date_rejet: DateTime<Utc>,
    pub resolue: bool,
}

#[derive(Debug, Clone)]
pub struct Reconciliation {
    /// The named numbers stored, by date.
    pub present: Vec<Present>,
    /// Their revenue, cancelled sales left out.
    pub revenue: Decimal,
    /// Named, neither stored nor refused: to send again.
    pub missing: Vec<String>,
    /// Named, not stored, refused.
    pub rejected: Vec<Refused>,
    /// Stored for the till in the period, not named.
    pub unknown: Vec<Present>,
    /// The till's sales the server holds for the comparison: those dated in the period when
    /// both ends are given (cancelled included), else the named ones stored.
    pub held: Vec<Present>,
}

/// Reconciles the numbers the till `terminal_id` names with what the boutique holds; the
/// unnamed sales are looked for only when both ends of the period are given.
pub async fn reconcile(
    pool: &PgPool,
    boutique_id: i64,
    terminal_id: i64,
    numbers: &[String],
    period: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
) -> Result<Reconciliation, sqlx::Error> {
    let present = sqlx::query_as!(
        Present,
        r#"SELECT id, numero_facture, montant_total, devise, date_vente, annulee FROM ventes
           WHERE boutique_id = $1 AND terminal_id = $2 AND numero_facture = ANY($3)
           ORDER BY date_vente, id"#,
        boutique_id,
        terminal_id,
        numbers
    )
    .fetch_all(pool)
    .await?;
    let stored: HashSet<&str> = present.iter().map(|v| v.numero_facture.as_str()).collect();
    let absent: Vec<String> = numbers
        .iter()
        .filter(|n| !stored.contains(n.as_str()))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut refused: HashMap<String, Refused> = sqlx::query_as!(
        Refused,
        r#"SELECT DISTINCT ON (numero_facture) numero_facture AS "numero_facture!", code, message,
                  date_derniere_tentative AS date_rejet, resolue
           FROM ventes_rejetees
           WHERE boutique_id = $1 AND terminal_id = $2 AND numero_facture = ANY($3)
           ORDER BY numero_facture, date_derniere_tentative DESC"#,
        boutique_id,
        terminal_id,
        &absent
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.numero_facture.clone(), r))
    .collect();
    let held = match period {
        (Some(start), Some(end)) => {
            sqlx::query_as!(
                Present,
                r#"SELECT id, numero_facture, montant_total, devise, date_vente, annulee
                   FROM ventes
                   WHERE boutique_id = $1 AND terminal_id = $2 AND date_vente >= $3
                     AND date_vente < $4
                   ORDER BY date_vente, id"#,
                boutique_id,
                terminal_id,
                start,
                end
            )
            .fetch_all(pool)
            .await?
        }
        _ => present.clone(),
    };
    let named: HashSet<&str> = numbers.iter().map(String::as_str).collect();
    let unknown = held
        .iter()
        .filter(|v| !named.contains(v.numero_facture.as_str()))
        .cloned()
        .collect();
    let revenue = present
        .iter()
        .filter(|v| !v.annulee)
        .map(|v| v.montant_total)
        .sum();
    let (rejected, missing): (Vec<String>, Vec<String>) =
        absent.into_iter().partition(|n| refused.contains_key(n));
    let rejected = rejected.iter().filter_map(|n| refused.remove(n)).collect();
    Ok(Reconciliation {
        present,
        revenue,
        missing,
        rejected,
        unknown,
        held,
    })
}
