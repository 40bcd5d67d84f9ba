//! The stock-value journal (`GET journal-valeur-stock`, API-D1.md §3.8): per local day of the
//! shop, what its stock of CDF-priced articles was worth at selling price and what moved that
//! value. Derived from the stock journal, the sales and the price history when asked (the
//! 2026 backend kept a row per day updated by every change: a hot row on the sale path).
//!
//! Per day: `ENTREE` and `RETOUR` add (an `ENTREE` referenced `TRANSFERT-…` is a transfer
//! in), `SORTIE` takes out (`TRANSFERT-…`: a transfer out), `AJUSTEMENT` is the count
//! (signed), each movement valued at the price in force when it happened; `ventes` is what
//! the day's sales charged on their CDF lines; a price change adds (new − old) × the stock
//! it applied to. `precedent` is the stock's value when the day began, `reel` when it
//! ended (active CDF articles with stock above zero, at the prices then in force; today: now),
//! and `restant` what the day's changes lead to from `precedent`: where `restant` and `reel`
//! differ, sales were charged other than the catalogue price, or stock went below zero.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::PgPool;
use std::collections::{BTreeMap, HashMap};

/// One day of the journal.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Day {
    pub date: NaiveDate,
    pub precedent: Decimal,
    pub inventaire: Decimal,
    pub ajoute: Decimal,
    pub transfert_entrant: Decimal,
    pub impact_prix: Decimal,
    pub sorti: Decimal,
    pub transfert_sortant: Decimal,
    pub ventes: Decimal,
    pub restant: Decimal,
    pub reel: Decimal,
}

fn day_of(days: &mut BTreeMap<NaiveDate, Day>, date: NaiveDate) -> &mut Day {
    days.entry(date).or_insert_with(|| Day {
        date,
        ..Day::default()
    })
}

/// The days of `[first, last]` (the shop's local days) on which something moved the value,
/// and `today` when it is among them, newest first, at most `limit`.
pub async fn journal(
    pool: &PgPool,
    shop: &crate::boutiques::Shop,
    (first, last): (NaiveDate, NaiveDate),
    today: NaiveDate,
    limit: usize,
) -> Result<Vec<Day>, sqlx::Error> {
    let zone = shop.time_zone.name();
    let start = shop.start_of(first);
    let mut days: BTreeMap<NaiveDate, Day> = BTreeMap::new();

    // Each movement of a CDF article valued at the price in force when it happened: the
    // price a later change replaced, else today's.
    let movements = sqlx::query!(
        r#"SELECT (m.date_mouvement AT TIME ZONE $3)::date AS "jour!", m.article_id,
                  CASE WHEN m.type_mouvement = 'ENTREE' AND m.reference_document LIKE 'TRANSFERT-%' THEN 'transfert_entrant'
                       WHEN m.type_mouvement IN ('ENTREE', 'RETOUR') THEN 'ajoute'
                       WHEN m.type_mouvement = 'SORTIE' AND m.reference_document LIKE 'TRANSFERT-%' THEN 'transfert_sortant'
                       WHEN m.type_mouvement = 'SORTIE' THEN 'sorti'
                       WHEN m.type_mouvement = 'AJUSTEMENT' THEN 'inventaire'
                       ELSE 'vente' END AS "nature!",
                  sum(m.quantite)::int8 AS "quantite!",
                  sum(m.quantite * COALESCE(p.prix_ancien, a.prix_vente)) AS "valeur!"
           FROM mouvements_stock m
           JOIN articles a ON a.boutique_id = m.boutique_id AND a.id = m.article_id
           LEFT JOIN LATERAL (
               SELECT h.prix_ancien FROM historique_prix h
               WHERE h.boutique_id = m.boutique_id AND h.article_id = m.article_id
                 AND h.date_changement > m.date_mouvement
               ORDER BY h.date_changement LIMIT 1
           ) p ON TRUE
           WHERE m.boutique_id = $1 AND m.date_mouvement >= $2 AND a.devise = 'CDF'
           GROUP BY 1, 2, 3"#,
        shop.id,
        start,
        zone
    )
    .fetch_all(pool)
    .await?;
    // Units each article moved per day, to walk its stock back from today.
    let mut moved: BTreeMap<NaiveDate, HashMap<i64, i64>> = BTreeMap::new();
    for m in movements {
        *moved
            .entry(m.jour)
            .or_default()
            .entry(m.article_id)
            .or_default() += m.quantite;
        if m.jour > last {
            continue;
        }
        let d = day_of(&mut days, m.jour);
        match m.nature.as_str() {
            "transfert_entrant" => d.transfert_entrant += m.valeur,
            "ajoute" => d.ajoute += m.valeur,
            "transfert_sortant" => d.transfert_sortant -= m.valeur,
            "sorti" => d.sorti -= m.valeur,
            "inventaire" => d.inventaire += m.valeur,
            // Sales count by what they charged, below; their movements make days appear.
            _ => {}
        }
    }
    for sale in sqlx::query!(
        r#"SELECT (v.date_reception AT TIME ZONE $3)::date AS "jour!",
                  COALESCE(sum(l.quantite * l.prix_unitaire), 0) AS "montant!"
           FROM ventes v
           JOIN lignes_vente l ON l.boutique_id = v.boutique_id AND l.vente_id = v.id
           JOIN articles a ON a.boutique_id = l.boutique_id AND a.id = l.article_id
           WHERE v.boutique_id = $1 AND v.date_reception >= $2 AND l.devise = 'CDF'
             AND a.devise = 'CDF'
           GROUP BY 1"#,
        shop.id,
        start,
        zone
    )
    .fetch_all(pool)
    .await?
    {
        if sale.jour <= last {
            day_of(&mut days, sale.jour).ventes += sale.montant;
        }
    }
    // Price changes, newest first, to walk prices back; their impact on their day.
    let changes = sqlx::query!(
        r#"SELECT (h.date_changement AT TIME ZONE $3)::date AS "jour!", h.article_id,
                  h.prix_ancien, h.prix_nouveau, h.stock
           FROM historique_prix h
           JOIN articles a ON a.boutique_id = h.boutique_id AND a.id = h.article_id
           WHERE h.boutique_id = $1 AND h.date_changement >= $2 AND a.devise = 'CDF'
           ORDER BY h.date_changement DESC, h.id DESC"#,
        shop.id,
        start,
        zone
    )
    .fetch_all(pool)
    .await?;
    for c in &changes {
        if c.jour <= last {
            day_of(&mut days, c.jour).impact_prix +=
                (c.prix_nouveau - c.prix_ancien) * Decimal::from(c.stock.max(0));
        }
    }
    if (first..=last).contains(&today) {
        day_of(&mut days, today);
    }

    // The value at the end of each day, walking back from now: the stock before a day's
    // movements, the price before a day's changes.
    let articles = sqlx::query!(
        r#"SELECT id, quantite_stock, prix_vente, est_actif FROM articles
           WHERE boutique_id = $1 AND devise = 'CDF'"#,
        shop.id
    )
    .fetch_all(pool)
    .await?;
    let mut stock: HashMap<i64, i64> = articles
        .iter()
        .map(|a| (a.id, i64::from(a.quantite_stock)))
        .collect();
    let mut price: HashMap<i64, Decimal> = articles.iter().map(|a| (a.id, a.prix_vente)).collect();
    let active: Vec<i64> = articles
        .iter()
        .filter(|a| a.est_actif)
        .map(|a| a.id)
        .collect();
    let value = |stock: &HashMap<i64, i64>, price: &HashMap<i64, Decimal>| -> Decimal {
        active
            .iter()
            .map(|id| Decimal::from(stock[id].max(0)) * price[id])
            .sum()
    };
    let mut changes = changes.iter().peekable();
    let mut reel: BTreeMap<NaiveDate, (Decimal, Decimal)> = BTreeMap::new();
    let mut date = today.max(last);
    while date >= first {
        let end = value(&stock, &price);
        if let Some(day_moves) = moved.get(&date) {
            for (id, q) in day_moves {
                if let Some(s) = stock.get_mut(id) {
                    *s -= q;
                }
            }
        }
        while let Some(c) = changes.next_if(|c| c.jour >= date) {
            price.insert(c.article_id, c.prix_ancien);
        }
        reel.insert(date, (value(&stock, &price), end));
        match date.pred_opt() {
            Some(before) => date = before,
            None => break,
        }
    }
    Ok(days
        .into_values()
        .rev()
        .take(limit)
        .map(|mut d| {
            let (began, ended) = reel.get(&d.date).copied().unwrap_or_default();
            d.precedent = began;
            d.reel = ended;
            d.restant = d.precedent + d.inventaire + d.ajoute + d.transfert_entrant + d.impact_prix
                - d.sorti
                - d.transfert_sortant
                - d.ventes;
            d
        })
        .collect())
}
