//! A till's sessions (sessions de caisse) and their Z-report. A session is a time window of
//! one till, opened with a float per currency and closed with the cash counted per
//! currency; at most one is open per till (a partial unique index: of two concurrent opens
//! one wins, the other is refused). Sales are not linked to a session: its sales are the
//! till's sales dated in its window, read when the report is read, so that a sale made
//! during the session but synced after it was closed still counts, shown as late. CDF and
//! USD are never added together.
//!
//! The cash reports a 2026 till writes (`rapports-caisse/`, [`crate::cash_reports`]) map
//! onto the session of their till whose window holds their `date_rapport`: each shows on its
//! report as an expense paid from the till, and once a manager has applied it
//! (`depense_appliquee`) it comes off the cash expected in its currency; until then it is
//! listed as pending and the difference still shows it.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgPool;

/// A stored session, with its till.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: i64,
    pub terminal_id: i64,
    pub terminal_nom: String,
    pub date_ouverture: DateTime<Utc>,
    pub ouverte_par: String,
    pub fond_cdf: Decimal,
    pub fond_usd: Decimal,
    pub date_fermeture: Option<DateTime<Utc>>,
    pub fermee_par: Option<String>,
    pub compte_cdf: Option<Decimal>,
    pub compte_usd: Option<Decimal>,
}

#[derive(Debug)]
pub enum SessionError {
    /// The till names nothing in this shop.
    NoTill,
    /// No such session in this shop.
    Missing,
    /// The till has an open session already.
    AlreadyOpen,
    /// The session was closed already.
    AlreadyClosed,
    Db(sqlx::Error),
}

impl From<sqlx::Error> for SessionError {
    fn from(e: sqlx::Error) -> Self {
        SessionError::Db(e)
    }
}

/// The payment mode whose sales are paid in notes and coins, and count in the till's cash.
pub const CASH: &str = "CASH";

/// Opens a session on the till with the floats; refused when one is open already.
pub async fn open(
    pool: &PgPool,
    boutique_id: i64,
    terminal_id: i64,
    by: &str,
    floats: (Decimal, Decimal),
) -> Result<Session, SessionError> {
    let inserted = sqlx::query_scalar!(
        r#"INSERT INTO sessions_caisse (boutique_id, terminal_id, ouverte_par, fond_cdf, fond_usd)
           SELECT t.boutique_id, t.id, $3, $4, $5 FROM terminaux t
           WHERE t.boutique_id = $1 AND t.id = $2
           ON CONFLICT DO NOTHING
           RETURNING id"#,
        boutique_id,
        terminal_id,
        by,
        floats.0,
        floats.1
    )
    .fetch_optional(pool)
    .await?;
    match inserted {
        Some(id) => find(pool, boutique_id, id)
            .await?
            .ok_or(SessionError::Missing),
        None => {
            let till = sqlx::query_scalar!(
                "SELECT id FROM terminaux WHERE boutique_id = $1 AND id = $2",
                boutique_id,
                terminal_id
            )
            .fetch_optional(pool)
            .await?;
            Err(if till.is_some() {
                SessionError::AlreadyOpen
            } else {
                SessionError::NoTill
            })
        }
    }
}

/// Closes an open session with the cash counted per currency; the row is locked, so two
/// concurrent closes cannot both succeed.
pub async fn close(
    pool: &PgPool,
    boutique_id: i64,
    session_id: i64,
    by: &str,
    counted: (Decimal, Decimal),
) -> Result<Session, SessionError> {
    let closed = sqlx::query_scalar!(
        r#"UPDATE sessions_caisse
           SET date_fermeture = greatest(now(), date_ouverture), fermee_par = $3,
               compte_cdf = $4, compte_usd = $5
           WHERE boutique_id = $1 AND id = $2 AND date_fermeture IS NULL
           RETURNING id"#,
        boutique_id,
        session_id,
        by,
        counted.0,
        counted.1
    )
    .fetch_optional(pool)
    .await?;
    match (closed, find(pool, boutique_id, session_id).await?) {
        (Some(_), Some(session)) => Ok(session),
        (None, Some(_)) => Err(SessionError::AlreadyClosed),
        (_, None) => Err(SessionError::Missing),
    }
}

/// One session of the shop.
pub async fn find(
    pool: &PgPool,
    boutique_id: i64,
    session_id: i64,
) -> Result<Option<Session>, sqlx::Error> {
    Ok(read(pool, boutique_id, Some(session_id), None, 1)
        .await?
        .pop())
}

/// The shop's sessions, newest first, at most `limit`; only the till's when given.
pub async fn list(
    pool: &PgPool,
    boutique_id: i64,
    terminal_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Session>, sqlx::Error> {
    read(pool, boutique_id, None, terminal_id, limit).await
}

/// The shop's sessions (the one `session_id`, the till's), newest first, at most `limit`.
async fn read(
    pool: &PgPool,
    boutique_id: i64,
    session_id: Option<i64>,
    terminal_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Session>, sqlx::Error> {
    sqlx::query_as!(
        Session,
        r#"SELECT s.id, s.terminal_id, t.nom_terminal AS terminal_nom, s.date_ouverture,
                  s.ouverte_par, s.fond_cdf, s.fond_usd, s.date_fermeture, s.fermee_par,
                  s.compte_cdf, s.compte_usd
           FROM sessions_caisse s
           JOIN terminaux t ON t.boutique_id = s.boutique_id AND t.id = s.terminal_id
           WHERE s.boutique_id = $1 AND ($2::int8 IS NULL OR s.id = $2)
             AND ($3::int8 IS NULL OR s.terminal_id = $3)
           ORDER BY s.date_ouverture DESC, s.id DESC
           LIMIT $4"#,
        boutique_id,
        session_id,
        terminal_id,
        limit
    )
    .fetch_all(pool)
    .await
}

/// Sales of one payment mode in one currency.
#[derive(Debug, Clone, PartialEq)]
pub struct ModeTotal {
    pub mode_paiement: String,
    pub devise: String,
    pub nombre: i64,
    pub montant: Decimal,
}

/// A sale synced after its session was closed.
#[derive(Debug, Clone)]
pub struct LateSale {
    pub vente_id: i64,
    pub numero_facture: String,
    pub date_vente: DateTime<Utc>,
    pub date_reception: DateTime<Utc>,
    pub mode_paiement: String,
    pub devise: String,
    pub montant: Decimal,
    pub annulee: bool,
}

/// An expense the till reported during the session (one of its cash reports).
#[derive(Debug, Clone)]
pub struct Expense {
    pub rapport_id: i64,
    pub date_rapport: DateTime<Utc>,
    pub detail: String,
    pub depense: Decimal,
    pub devise: String,
    pub depense_appliquee: bool,
}

/// The cash of one currency: float, cash sales, cash given back, expenses, expected,
/// counted.
#[derive(Debug, Clone, PartialEq)]
pub struct CashLine {
    pub devise: &'static str,
    pub fond: Decimal,
    pub ventes_especes: Decimal,
    pub retours_especes: Decimal,
    /// Expenses applied by a manager: paid from the till.
    pub depenses: Decimal,
    /// Expenses reported by the till, not applied yet: not taken off `attendu`.
    pub depenses_en_attente: Decimal,
    pub attendu: Decimal,
    pub compte: Option<Decimal>,
    pub ecart: Option<Decimal>,
}

/// A session's Z-report, as of when it is read.
#[derive(Debug, Clone)]
pub struct ZReport {
    pub session: Session,
    /// Sales not cancelled, by payment mode and currency.
    pub ventes: Vec<ModeTotal>,
    /// Cancelled sales, by payment mode and currency (their amount is not in the cash).
    pub annulations: Vec<ModeTotal>,
    /// Units given back from sales not cancelled, by payment mode and currency: `nombre` is
    /// the units, `montant` their price.
    pub retours: Vec<ModeTotal>,
    pub caisse: Vec<CashLine>,
    /// The till's cash reports dated in the window, oldest first (at most [`MAX_LISTED`];
    /// the cash lines count them all).
    pub depenses: Vec<Expense>,
    pub ventes_tardives: Vec<LateSale>,
}

/// At most this many late sales and expenses are listed on a report.
pub const MAX_LISTED: i64 = 1000;

/// The Z-report of a session of the shop.
pub async fn report(
    pool: &PgPool,
    boutique_id: i64,
    session_id: i64,
) -> Result<Option<ZReport>, sqlx::Error> {
    let Some(session) = find(pool, boutique_id, session_id).await? else {
        return Ok(None);
    };
    let (start, end) = (session.date_ouverture, session.date_fermeture);
    let totals = sqlx::query!(
        r#"SELECT v.annulee AS "annulee!", v.mode_paiement AS "mode_paiement!",
                  v.devise AS "devise!", count(*) AS "nombre!",
                  sum(v.montant_total) AS "montant!"
           FROM ventes v
           WHERE v.boutique_id = $1 AND v.terminal_id = $2
             AND v.date_vente >= $3 AND ($4::timestamptz IS NULL OR v.date_vente < $4)
           GROUP BY 1, 2, 3
           ORDER BY 2, 3"#,
        boutique_id,
        session.terminal_id,
        start,
        end
    )
    .fetch_all(pool)
    .await?;
    let (mut ventes, mut annulations) = (Vec::new(), Vec::new());
    for row in totals {
        let total = ModeTotal {
            mode_paiement: row.mode_paiement,
            devise: row.devise,
            nombre: row.nombre,
            montant: row.montant,
        };
        if row.annulee {
            annulations.push(total)
        } else {
            ventes.push(total)
        }
    }
    // Returns are given back from the till's cash when they are made: those made during
    // the window, of this till's sales (whenever sold) that are not cancelled.
    let retours = sqlx::query_as!(
        ModeTotal,
        r#"SELECT v.mode_paiement AS "mode_paiement!", v.devise AS "devise!",
                  sum(m.quantite)::int8 AS "nombre!",
                  sum(m.quantite * l.prix_unitaire) AS "montant!"
           FROM mouvements_stock m
           JOIN lignes_vente l ON l.boutique_id = m.boutique_id AND l.id = m.ligne_vente_id
           JOIN ventes v ON v.boutique_id = l.boutique_id AND v.id = l.vente_id
           WHERE m.boutique_id = $1 AND m.type_mouvement = 'RETOUR'
             AND v.terminal_id = $2 AND NOT v.annulee
             AND m.date_mouvement >= $3
             AND ($4::timestamptz IS NULL OR m.date_mouvement < $4)
           GROUP BY 1, 2
           ORDER BY 1, 2"#,
        boutique_id,
        session.terminal_id,
        start,
        end
    )
    .fetch_all(pool)
    .await?;
    let ventes_tardives = match end {
        None => Vec::new(),
        Some(end) => {
            sqlx::query_as!(
                LateSale,
                r#"SELECT v.id AS vente_id, v.numero_facture, v.date_vente, v.date_reception,
                          v.mode_paiement, v.devise, v.montant_total AS montant, v.annulee
                   FROM ventes v
                   WHERE v.boutique_id = $1 AND v.terminal_id = $2
                     AND v.date_vente >= $3 AND v.date_vente < $4 AND v.date_reception > $4
                   ORDER BY v.date_reception, v.id
                   LIMIT $5"#,
                boutique_id,
                session.terminal_id,
                start,
                end,
                MAX_LISTED
            )
            .fetch_all(pool)
            .await?
        }
    };
    let depenses = sqlx::query_as!(
        Expense,
        r#"SELECT r.id AS rapport_id, r.date_rapport, r.detail, r.depense, r.devise,
                  r.depense_appliquee
           FROM rapports_caisse r
           WHERE r.boutique_id = $1 AND r.terminal_id = $2
             AND r.date_rapport >= $3 AND ($4::timestamptz IS NULL OR r.date_rapport < $4)
           ORDER BY r.date_rapport, r.id
           LIMIT $5"#,
        boutique_id,
        session.terminal_id,
        start,
        end,
        MAX_LISTED
    )
    .fetch_all(pool)
    .await?;
    let spent = sqlx::query!(
        r#"SELECT r.devise AS "devise!", r.depense_appliquee AS "appliquee!",
                  sum(r.depense) AS "montant!"
           FROM rapports_caisse r
           WHERE r.boutique_id = $1 AND r.terminal_id = $2
             AND r.date_rapport >= $3 AND ($4::timestamptz IS NULL OR r.date_rapport < $4)
           GROUP BY 1, 2"#,
        boutique_id,
        session.terminal_id,
        start,
        end
    )
    .fetch_all(pool)
    .await?;
    let spent = |devise: &str, appliquee: bool| -> Decimal {
        spent
            .iter()
            .filter(|s| s.devise == devise && s.appliquee == appliquee)
            .map(|s| s.montant)
            .sum()
    };
    let cash = |list: &[ModeTotal], devise: &str| -> Decimal {
        list.iter()
            .filter(|t| t.mode_paiement == CASH && t.devise == devise)
            .map(|t| t.montant)
            .sum()
    };
    let caisse = [
        ("CDF", session.fond_cdf, session.compte_cdf),
        ("USD", session.fond_usd, session.compte_usd),
    ]
    .into_iter()
    .map(|(devise, fond, compte)| {
        let (ventes_especes, retours_especes) = (cash(&ventes, devise), cash(&retours, devise));
        let depenses = spent(devise, true);
        let attendu = fond + ventes_especes - retours_especes - depenses;
        CashLine {
            devise,
            fond,
            ventes_especes,
            retours_especes,
            depenses,
            depenses_en_attente: spent(devise, false),
            attendu,
            compte,
            ecart: compte.map(|c| c - attendu),
        }
    })
    .collect();
    Ok(Some(ZReport {
        session,
        ventes,
        annulations,
        retours,
        caisse,
        depenses,
        ventes_tardives,
    }))
}
