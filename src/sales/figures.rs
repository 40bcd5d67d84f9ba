//! The figures a shop's dashboard draws: revenue per local day, per payment mode, the best
//! sold articles, and each till's sales of a period. Revenue here is what it is everywhere
//! (see [`super::history`]): totals less returns, cancelled sales left out, CDF and USD
//! apart. Every query names the boutique and reads one period through `ventes_by_date`.

use crate::boutiques::{Period, Shop};
use crate::money::Money;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

/// One local day's sales.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySales {
    pub date: NaiveDate,
    pub count: i64,
    pub cdf: Money,
    pub usd: Money,
}

/// Every local day of `[first, last]`, with what its sales brought in (days without any
/// are there, at zero, so that a chart shows the gaps).
pub async fn per_day(
    pool: &PgPool,
    shop: &Shop,
    (first, last): (NaiveDate, NaiveDate),
) -> Result<Vec<DaySales>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT (date_vente AT TIME ZONE $4)::date AS "jour!", count(*) AS "count!",
                  COALESCE(sum(montant_total - montant_retourne) FILTER (WHERE devise = 'CDF'), 0) AS "cdf!",
                  COALESCE(sum(montant_total - montant_retourne) FILTER (WHERE devise = 'USD'), 0) AS "usd!"
           FROM ventes
           WHERE boutique_id = $1 AND NOT annulee AND date_vente >= $2 AND date_vente < $3
           GROUP BY 1"#,
        shop.id,
        shop.start_of(first),
        shop.start_of(last.succ_opt().unwrap_or(last)),
        shop.time_zone.name()
    )
    .fetch_all(pool)
    .await?;
    Ok(first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|date| {
            rows.iter()
                .find(|r| r.jour == date)
                .map(|r| DaySales {
                    date,
                    count: r.count,
                    cdf: r.cdf.into(),
                    usd: r.usd.into(),
                })
                .unwrap_or(DaySales {
                    date,
                    count: 0,
                    cdf: Money::ZERO,
                    usd: Money::ZERO,
                })
        })
        .collect())
}

/// The sales of a payment mode in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeSales {
    pub mode_paiement: String,
    pub devise: String,
    pub count: i64,
    pub amount: Money,
}

/// The period's sales per payment mode and currency, the largest amounts first.
pub async fn per_payment_mode(
    pool: &PgPool,
    boutique_id: i64,
    period: Period,
) -> Result<Vec<ModeSales>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"SELECT mode_paiement, devise, count(*) AS "count!",
                  sum(montant_total - montant_retourne) AS "amount!"
           FROM ventes
           WHERE boutique_id = $1 AND NOT annulee AND date_vente >= $2 AND date_vente < $3
           GROUP BY mode_paiement, devise
           ORDER BY devise, sum(montant_total - montant_retourne) DESC, mode_paiement"#,
        boutique_id,
        period.start,
        period.end
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| ModeSales {
        mode_paiement: r.mode_paiement,
        devise: r.devise,
        count: r.count,
        amount: r.amount.into(),
    })
    .collect())
}

/// An article among the best sold: units kept by the customers (sold less returned) and
/// what its lines brought in, per the currency they were charged in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleSales {
    pub article_id: i64,
    pub code: String,
    pub nom: String,
    pub quantite: i64,
    pub cdf: Money,
    pub usd: Money,
}

/// The `limit` articles of which the period's sales kept the most units.
pub async fn top_articles(
    pool: &PgPool,
    boutique_id: i64,
    period: Period,
    limit: i64,
) -> Result<Vec<ArticleSales>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"SELECT a.id, a.code, a.nom,
                  sum(l.quantite - l.quantite_retournee)::int8 AS "quantite!",
                  COALESCE(sum((l.quantite - l.quantite_retournee) * l.prix_unitaire)
                           FILTER (WHERE l.devise = 'CDF'), 0) AS "cdf!",
                  COALESCE(sum((l.quantite - l.quantite_retournee) * l.prix_unitaire)
                           FILTER (WHERE l.devise = 'USD'), 0) AS "usd!"
           FROM ventes v
           JOIN lignes_vente l ON l.boutique_id = v.boutique_id AND l.vente_id = v.id
           JOIN articles a ON a.boutique_id = l.boutique_id AND a.id = l.article_id
           WHERE v.boutique_id = $1 AND NOT v.annulee AND v.date_vente >= $2 AND v.date_vente < $3
           GROUP BY a.id, a.code, a.nom
           HAVING sum(l.quantite - l.quantite_retournee) > 0
           ORDER BY 4 DESC, a.nom, a.id
           LIMIT $4"#,
        boutique_id,
        period.start,
        period.end,
        limit
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| ArticleSales {
        article_id: r.id,
        code: r.code,
        nom: r.nom,
        quantite: r.quantite,
        cdf: r.cdf.into(),
        usd: r.usd.into(),
    })
    .collect())
}

/// A till: when the server last heard from it, and its sales of the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TillSales {
    pub terminal_id: i64,
    pub nom_terminal: String,
    pub est_actif: bool,
    pub derniere_activite: Option<DateTime<Utc>>,
    pub count: i64,
    pub cdf: Money,
    pub usd: Money,
}

/// The shop's active tills, and those deactivated that sold in the period (after the
/// active ones), by name, with their sales of the period.
pub async fn per_till(
    pool: &PgPool,
    boutique_id: i64,
    period: Period,
) -> Result<Vec<TillSales>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"SELECT t.id, t.nom_terminal, t.est_actif, t.derniere_activite,
                  count(v.id) AS "count!",
                  COALESCE(sum(v.montant_total - v.montant_retourne) FILTER (WHERE v.devise = 'CDF'), 0) AS "cdf!",
                  COALESCE(sum(v.montant_total - v.montant_retourne) FILTER (WHERE v.devise = 'USD'), 0) AS "usd!"
           FROM terminaux t
           LEFT JOIN ventes v ON v.boutique_id = t.boutique_id AND v.terminal_id = t.id
                AND NOT v.annulee AND v.date_vente >= $2 AND v.date_vente < $3
           WHERE t.boutique_id = $1
           GROUP BY t.id
           HAVING t.est_actif OR count(v.id) > 0
           ORDER BY NOT t.est_actif, t.nom_terminal, t.id"#,
        boutique_id,
        period.start,
        period.end
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| TillSales {
        terminal_id: r.id,
        nom_terminal: r.nom_terminal,
        est_actif: r.est_actif,
        derniere_activite: r.derniere_activite,
        count: r.count,
        cdf: r.cdf.into(),
        usd: r.usd.into(),
    })
    .collect())
}
