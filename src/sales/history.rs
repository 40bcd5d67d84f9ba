//! Sales as stored, for reading back: one sale or a page of them with their lines, and the
//! revenue of a period. Revenue is money kept: a sale counts for its total less what its
//! returns gave back (`montant_retourne`), on the day of the sale; a cancelled sale is
//! listed, but counts in no revenue; CDF and USD are summed apart, never together.

use crate::boutiques::DateRange;
use crate::money::{Currency, Money, Rate};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::collections::HashMap;

/// A stored sale with its lines.
#[derive(Debug, Clone)]
pub struct StoredSale {
    pub id: i64,
    pub numero_facture: String,
    pub date_vente: DateTime<Utc>,
    pub montant_total: Money,
    pub mode_paiement: String,
    pub paye: bool,
    pub terminal_id: i64,
    pub nom_terminal: String,
    pub annulee: bool,
    pub date_annulation: Option<DateTime<Utc>>,
    pub motif_annulation: Option<String>,
    pub devise: Currency,
    pub taux_dollar: Rate,
    pub montant_total_usd: Option<Money>,
    /// What returns gave back, in the sale's currency (see the module's note on revenue).
    pub montant_retourne: Money,
    pub lignes: Vec<StoredLine>,
}

impl StoredSale {
    /// What the sale brought in: nothing once cancelled, else its total less its returns.
    pub fn net(&self) -> Money {
        if self.annulee {
            Money::ZERO
        } else {
            Money::new(self.montant_total.amount() - self.montant_retourne.amount())
        }
    }
}

#[derive(Debug, Clone)]
pub struct StoredLine {
    pub article_id: i64,
    pub article_nom: String,
    pub article_code: String,
    pub quantite: i32,
    pub prix_unitaire: Money,
    pub sous_total: Money,
    /// Units given back since (returned, or restored by a cancellation).
    pub quantite_retournee: i32,
    pub devise: Currency,
    pub prix_unitaire_usd: Option<Money>,
    pub variante_id: Option<i64>,
}

/// Which sales to list.
#[derive(Debug, Default, Clone)]
pub struct SaleFilter {
    pub dates: DateRange,
    pub terminal_id: Option<i64>,
    pub mode_paiement: Option<String>,
}

/// The boutique's sales with these ids, with their lines, newest first.
pub async fn stored(
    pool: &PgPool,
    boutique_id: i64,
    ids: &[i64],
) -> Result<Vec<StoredSale>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT v.id, v.numero_facture, v.date_vente, v.montant_total, v.mode_paiement, v.paye,
                  v.terminal_id, t.nom_terminal, v.annulee, v.date_annulation, v.motif_annulation,
                  v.devise, v.taux_dollar, v.montant_total_usd, v.montant_retourne
           FROM ventes v
           JOIN terminaux t ON t.boutique_id = v.boutique_id AND t.id = v.terminal_id
           WHERE v.boutique_id = $1 AND v.id = ANY($2)
           ORDER BY v.date_vente DESC, v.id DESC"#,
        boutique_id,
        ids
    )
    .fetch_all(pool)
    .await?;
    let mut lines = lines(pool, boutique_id, ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| StoredSale {
            lignes: lines.remove(&r.id).unwrap_or_default(),
            id: r.id,
            numero_facture: r.numero_facture,
            date_vente: r.date_vente,
            montant_total: r.montant_total.into(),
            mode_paiement: r.mode_paiement,
            paye: r.paye,
            terminal_id: r.terminal_id,
            nom_terminal: r.nom_terminal,
            annulee: r.annulee,
            date_annulation: r.date_annulation,
            motif_annulation: r.motif_annulation,
            devise: Currency::parse(&r.devise).unwrap_or_default(),
            taux_dollar: Rate::new(r.taux_dollar).unwrap_or(Rate::DEFAULT),
            montant_total_usd: r.montant_total_usd.map(Money::from),
            montant_retourne: r.montant_retourne.into(),
        })
        .collect())
}

/// How many sales a period or filter covers and their revenue in each currency: totals less
/// returns, cancelled sales left out. CDF and USD are never added together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Revenue {
    pub count: i64,
    /// The revenue of the sales paid in CDF, in CDF, net of their returns.
    pub cdf: Money,
    /// The revenue of the sales paid in USD, in USD, net of their returns.
    pub usd: Money,
}

/// A page of the boutique's sales matching `filter`, newest first, with their lines; and
/// how many sales and how much revenue the whole filter covers (cancelled sales left out).
pub async fn list(
    pool: &PgPool,
    boutique_id: i64,
    filter: &SaleFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<StoredSale>, Revenue), sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar!(
        r#"SELECT id FROM ventes
           WHERE boutique_id = $1
             AND ($2::timestamptz IS NULL OR date_vente >= $2)
             AND ($3::timestamptz IS NULL OR date_vente < $3)
             AND ($4::int8 IS NULL OR terminal_id = $4)
             AND ($5::text IS NULL OR mode_paiement = $5)
           ORDER BY date_vente DESC, id DESC
           LIMIT $6 OFFSET $7"#,
        boutique_id,
        filter.dates.start,
        filter.dates.end,
        filter.terminal_id,
        filter.mode_paiement,
        limit,
        offset
    )
    .fetch_all(pool)
    .await?;
    let totals = sqlx::query!(
        r#"SELECT count(*) AS "count!",
                  COALESCE(sum(montant_total - montant_retourne) FILTER (WHERE devise = 'CDF'), 0) AS "cdf!",
                  COALESCE(sum(montant_total - montant_retourne) FILTER (WHERE devise = 'USD'), 0) AS "usd!"
           FROM ventes
           WHERE boutique_id = $1 AND NOT annulee
             AND ($2::timestamptz IS NULL OR date_vente >= $2)
             AND ($3::timestamptz IS NULL OR date_vente < $3)
             AND ($4::int8 IS NULL OR terminal_id = $4)
             AND ($5::text IS NULL OR mode_paiement = $5)"#,
        boutique_id,
        filter.dates.start,
        filter.dates.end,
        filter.terminal_id,
        filter.mode_paiement,
    )
    .fetch_one(pool)
    .await?;
    let sales = stored(pool, boutique_id, &ids).await?;
    Ok((
        sales,
        Revenue {
            count: totals.count,
            cdf: totals.cdf.into(),
            usd: totals.usd.into(),
        },
    ))
}

async fn lines(
    pool: &PgPool,
    boutique_id: i64,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<StoredLine>>, sqlx::Error> {
    let mut lines: HashMap<i64, Vec<StoredLine>> = HashMap::new();
    for l in sqlx::query!(
        r#"SELECT l.vente_id, l.article_id, a.nom, a.code, l.quantite, l.prix_unitaire,
                  l.quantite_retournee, l.devise, l.prix_unitaire_usd, l.variante_id
           FROM lignes_vente l
           JOIN articles a ON a.boutique_id = l.boutique_id AND a.id = l.article_id
           WHERE l.boutique_id = $1 AND l.vente_id = ANY($2)
           ORDER BY l.vente_id, l.id"#,
        boutique_id,
        ids
    )
    .fetch_all(pool)
    .await?
    {
        let prix_unitaire = Money::from(l.prix_unitaire);
        lines.entry(l.vente_id).or_default().push(StoredLine {
            article_id: l.article_id,
            article_nom: l.nom,
            article_code: l.code,
            quantite: l.quantite,
            sous_total: prix_unitaire.times(l.quantite).unwrap_or_default(),
            prix_unitaire,
            quantite_retournee: l.quantite_retournee,
            devise: Currency::parse(&l.devise).unwrap_or_default(),
            prix_unitaire_usd: l.prix_unitaire_usd.map(Money::from),
            variante_id: l.variante_id,
        });
    }
    Ok(lines)
}

/// Sales count and revenue of a period (net of returns), cancelled sales left out.
pub async fn totals_between(
    pool: &PgPool,
    boutique_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Revenue, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT count(*) AS "count!",
                  COALESCE(sum(montant_total - montant_retourne) FILTER (WHERE devise = 'CDF'), 0) AS "cdf!",
                  COALESCE(sum(montant_total - montant_retourne) FILTER (WHERE devise = 'USD'), 0) AS "usd!"
           FROM ventes
           WHERE boutique_id = $1 AND NOT annulee AND date_vente >= $2 AND date_vente < $3"#,
        boutique_id,
        start,
        end
    )
    .fetch_one(pool)
    .await?;
    Ok(Revenue {
        count: row.count,
        cdf: row.cdf.into(),
        usd: row.usd.into(),
    })
}

/// The shop's figures as its dashboards show them live (`dashboard_stats_updated`): paid
/// sales not cancelled, net of their returns, today and this month in its time zone, per
/// currency, the CDF revenue net of the cash-report expenses a manager applied.
pub async fn dashboard_figures(
    pool: &PgPool,
    shop: &crate::boutiques::Shop,
    now: DateTime<Utc>,
) -> Result<crate::events::DashboardStats, sqlx::Error> {
    let (today, month) = shop.today_and_month(now);
    let row = sqlx::query!(
        r#"WITH sales AS (
               SELECT count(*) FILTER (WHERE date_vente >= $2) AS nb_jour,
                      count(*) AS nb_mois,
                      COALESCE(sum(montant_total - montant_retourne) FILTER (WHERE devise = 'CDF' AND date_vente >= $2), 0) AS cdf_jour,
                      COALESCE(sum(montant_total - montant_retourne) FILTER (WHERE devise = 'USD' AND date_vente >= $2), 0) AS usd_jour,
                      COALESCE(sum(montant_total - montant_retourne) FILTER (WHERE devise = 'CDF'), 0) AS cdf_mois,
                      COALESCE(sum(montant_total - montant_retourne) FILTER (WHERE devise = 'USD'), 0) AS usd_mois
               FROM ventes
               WHERE boutique_id = $1 AND paye AND NOT annulee
                 AND date_vente >= $3 AND date_vente < $4
           ), expenses AS (
               SELECT COALESCE(sum(depense) FILTER (WHERE date_rapport >= $2), 0) AS jour,
                      COALESCE(sum(depense), 0) AS mois
               FROM rapports_caisse
               WHERE boutique_id = $1 AND depense_appliquee AND devise = 'CDF'
                 AND date_rapport >= $3 AND date_rapport < $4
           )
           SELECT s.nb_jour AS "nb_jour!", s.nb_mois AS "nb_mois!",
                  s.cdf_jour - e.jour AS "cdf_jour!", s.usd_jour AS "usd_jour!",
                  s.cdf_mois - e.mois AS "cdf_mois!", s.usd_mois AS "usd_mois!"
           FROM sales s, expenses e"#,
        shop.id,
        today.start,
        month.start,
        month.end
    )
    .fetch_one(pool)
    .await?;
    let number = |amount: rust_decimal::Decimal| Money::from(amount).to_f64();
    Ok(crate::events::DashboardStats {
        ca_jour: number(row.cdf_jour),
        ca_jour_usd: number(row.usd_jour),
        ca_mois: number(row.cdf_mois),
        ca_mois_usd: number(row.usd_mois),
        nb_ventes_jour: row.nb_jour,
        nb_ventes_mois: row.nb_mois,
    })
}

/// The negotiated lines of a period (non-cancelled sales): how many, and the reduction
/// granted on the CDF lines (catalogue price less price charged, times the quantity).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Negotiated {
    pub lines: i64,
    pub reduction_cdf: Money,
}

pub async fn negotiated_between(
    pool: &PgPool,
    boutique_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Negotiated, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT count(*) AS "lines!",
                  COALESCE(sum((l.prix_original - l.prix_unitaire) * l.quantite)
                           FILTER (WHERE l.devise = 'CDF'), 0) AS "reduction!"
           FROM lignes_vente l
           JOIN ventes v ON v.boutique_id = l.boutique_id AND v.id = l.vente_id
           WHERE l.boutique_id = $1 AND l.est_negocie AND NOT v.annulee
             AND v.date_vente >= $2 AND v.date_vente < $3"#,
        boutique_id,
        start,
        end
    )
    .fetch_one(pool)
    .await?;
    Ok(Negotiated {
        lines: row.lines,
        reduction_cdf: row.reduction.into(),
    })
}

/// A negotiated line of a sale, for the negotiated-price report.
#[derive(Debug, Clone)]
pub struct NegotiatedLine {
    pub id: i64,
    pub vente_id: i64,
    pub numero_facture: String,
    pub date_vente: DateTime<Utc>,
    pub article_id: i64,
    pub article_code: String,
    pub article_nom: String,
    pub quantite: i32,
    pub prix_original: rust_decimal::Decimal,
    pub prix_unitaire: rust_decimal::Decimal,
    pub devise: String,
}

/// The negotiated lines of the shop's non-cancelled sales over `period`, newest first: a
/// page of them, and over them all how many lines and units, and the reduction granted in
/// each currency (never added together).
pub struct NegotiatedPage {
    pub lines: Vec<NegotiatedLine>,
    pub total_lines: i64,
    pub total_units: i64,
    pub reduction_cdf: Money,
    pub reduction_usd: Money,
}

pub async fn negotiated_lines(
    pool: &PgPool,
    boutique_id: i64,
    period: DateRange,
    limit: i64,
    offset: i64,
) -> Result<NegotiatedPage, sqlx::Error> {
    let totals = sqlx::query!(
        r#"SELECT count(*) AS "lines!", COALESCE(sum(l.quantite), 0)::int8 AS "units!",
                  COALESCE(sum((l.prix_original - l.prix_unitaire) * l.quantite)
                           FILTER (WHERE l.devise = 'CDF'), 0) AS "cdf!",
                  COALESCE(sum((l.prix_original - l.prix_unitaire) * l.quantite)
                           FILTER (WHERE l.devise = 'USD'), 0) AS "usd!"
           FROM lignes_vente l
           JOIN ventes v ON v.boutique_id = l.boutique_id AND v.id = l.vente_id
           WHERE l.boutique_id = $1 AND l.est_negocie AND NOT v.annulee
             AND ($2::timestamptz IS NULL OR v.date_vente >= $2)
             AND ($3::timestamptz IS NULL OR v.date_vente < $3)"#,
        boutique_id,
        period.start,
        period.end
    )
    .fetch_one(pool)
    .await?;
    let lines = sqlx::query_as!(
        NegotiatedLine,
        r#"SELECT l.id, v.id AS vente_id, v.numero_facture, v.date_vente, a.id AS article_id,
                  a.code AS article_code, a.nom AS article_nom, l.quantite,
                  COALESCE(l.prix_original, l.prix_unitaire) AS "prix_original!",
                  l.prix_unitaire, l.devise
           FROM lignes_vente l
           JOIN ventes v ON v.boutique_id = l.boutique_id AND v.id = l.vente_id
           JOIN articles a ON a.boutique_id = l.boutique_id AND a.id = l.article_id
           WHERE l.boutique_id = $1 AND l.est_negocie AND NOT v.annulee
             AND ($2::timestamptz IS NULL OR v.date_vente >= $2)
             AND ($3::timestamptz IS NULL OR v.date_vente < $3)
           ORDER BY v.date_vente DESC, l.id DESC
           LIMIT $4 OFFSET $5"#,
        boutique_id,
        period.start,
        period.end,
        limit,
        offset
    )
    .fetch_all(pool)
    .await?;
    Ok(NegotiatedPage {
        lines,
        total_lines: totals.lines,
        total_units: totals.units,
        reduction_cdf: totals.cdf.into(),
        reduction_usd: totals.usd.into(),
    })
}
