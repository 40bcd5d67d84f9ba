//! After a run: does the database hold exactly what the server said?
//!
//! - every sale acknowledged `created` exists, once, under the id the server gave, with the
//!   lines that were sent;
//! - no sale of the run exists that the server did not acknowledge, except those whose
//!   request got no usable answer (counted apart: they may or may not be stored);
//! - a sale refused exists nowhere; a `DUPLICATE` answer to an invoice number sent once is
//!   a lie;
//! - every article's stock is its stock before the run minus what the stored sales of the
//!   run took, equals its initial stock plus all its movements, and the run's movements
//!   took out exactly what its sales' lines sold;
//! - a sale refused for stock asked more than is left at the end (stock only goes down
//!   during a run, so a refusal while there was enough is caught).

use crate::load::{Outcome, SaleRecord};
use crate::setup::BenchShop;
use anyhow::Result;
use sqlx::PgPool;
use std::collections::{BTreeMap, HashMap};

/// Each article's stock, by id.
pub type Stock = BTreeMap<i64, i64>;

/// The stock of the boutique's articles now: taken before a run, to compare after it.
pub async fn stock(pool: &PgPool, shop: &BenchShop) -> Result<Stock> {
    let rows: Vec<(i64, i32)> =
        sqlx::query_as("SELECT id, quantite_stock FROM articles WHERE boutique_id = $1")
            .bind(shop.boutique_id)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|(id, s)| (id, i64::from(s))).collect())
}

#[derive(Debug, Default)]
pub struct Verification {
    /// Sales the server said it created.
    pub acknowledged: usize,
    /// Sales of the run found in the database.
    pub stored: usize,
    /// Sales without a usable answer, and how many of them turned out stored.
    pub in_doubt: usize,
    pub in_doubt_stored: usize,
    /// Units the stored sales of the run took out of stock.
    pub units_sold: i64,
    /// Every broken expectation, described.
    pub problems: Vec<String>,
}

impl Verification {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

impl std::fmt::Display for Verification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} sales acknowledged, {} stored, {} units out of stock",
            self.acknowledged, self.stored, self.units_sold
        )?;
        if self.in_doubt > 0 {
            write!(
                f,
                ", {} without an answer ({} of them stored)",
                self.in_doubt, self.in_doubt_stored
            )?;
        }
        if self.passed() {
            write!(f, ": verified")
        } else {
            writeln!(f, ": VERIFICATION FAILED")?;
            for problem in self.problems.iter().take(20) {
                writeln!(f, "  - {problem}")?;
            }
            if self.problems.len() > 20 {
                writeln!(f, "  … and {} more", self.problems.len() - 20)?;
            }
            Ok(())
        }
    }
}

/// Checks the database against `records`, the sales of the run `run_id` sent to `shop`,
/// whose stock was `before` when the run started.
pub async fn verify(
    pool: &PgPool,
    shop: &BenchShop,
    run_id: &str,
    before: &Stock,
    records: &[SaleRecord],
) -> Result<Verification> {
    let mut v = Verification::default();
    let serial_of: HashMap<i64, &str> = shop
        .terminals
        .iter()
        .map(|(id, serial)| (*id, serial.as_str()))
        .collect();

    // The run's sales as stored: (serial, invoice) → ids.
    let prefix = format!("{run_id}-");
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT id, terminal_id, numero_facture FROM ventes
         WHERE boutique_id = $1 AND starts_with(numero_facture, $2)",
    )
    .bind(shop.boutique_id)
    .bind(&prefix)
    .fetch_all(pool)
    .await?;
    let mut stored: HashMap<(String, String), Vec<i64>> = HashMap::new();
    for (id, terminal_id, numero) in rows {
        let serial = serial_of
            .get(&terminal_id)
            .map_or_else(|| format!("terminal {terminal_id}"), |s| (*s).to_owned());
        stored.entry((serial, numero)).or_default().push(id);
    }
    v.stored = stored.values().map(Vec::len).sum();
    let ids: Vec<i64> = stored.values().flatten().copied().collect();

    // Their lines: sale id → article → units.
    let line_rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT vente_id, article_id, sum(quantite)::int8 FROM lignes_vente
         WHERE boutique_id = $1 AND vente_id = ANY($2) GROUP BY vente_id, article_id",
    )
    .bind(shop.boutique_id)
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    let mut lines: HashMap<i64, BTreeMap<i64, i64>> = HashMap::new();
    let mut sold: BTreeMap<i64, i64> = BTreeMap::new();
    for (vente_id, article_id, units) in line_rows {
        lines.entry(vente_id).or_default().insert(article_id, units);
        *sold.entry(article_id).or_default() += units;
    }
    v.units_sold = sold.values().sum();

    // Each sale sent, against what is stored.
    let mut sent_keys = std::collections::HashSet::new();
    for record in records {
        let serial = shop.terminals[record.till].1.clone();
        let key = (serial, record.numero_facture.clone());
        let found = stored.get(&key).map(Vec::as_slice).unwrap_or_default();
        let numero = &record.numero_facture;
        if found.len() > 1 {
            v.problems
                .push(format!("sale {numero} is stored {} times", found.len()));
        }
        match &record.outcome {
            Outcome::Created { id } => {
                v.acknowledged += 1;
                if found.is_empty() {
                    v.problems.push(format!(
                        "sale {numero} was acknowledged (id {id}) but is not stored"
                    ));
                } else if !found.contains(id) {
                    v.problems.push(format!(
                        "sale {numero} was acknowledged as id {id} but is stored as {found:?}"
                    ));
                }
            }
            Outcome::Duplicate { .. } => v.problems.push(format!(
                "sale {numero} was sent once but answered DUPLICATE"
            )),
            Outcome::Refused { code, .. } => {
                if !found.is_empty() {
                    v.problems
                        .push(format!("sale {numero} was refused ({code}) but is stored"));
                }
            }
            Outcome::InDoubt => {
                v.in_doubt += 1;
                if !found.is_empty() {
                    v.in_doubt_stored += 1;
                }
            }
        }
        for id in found {
            let expected = units_by_article(&record.lines);
            let got = lines.get(id).cloned().unwrap_or_default();
            if got != expected {
                v.problems.push(format!(
                    "sale {numero} (id {id}) has lines {got:?} (article → units) but {expected:?} were sent"
                ));
            }
        }
        if !sent_keys.insert(key) {
            v.problems.push(format!(
                "the run sent invoice {numero} twice (a generator bug)"
            ));
        }
    }
    for (key, found) in &stored {
        if !sent_keys.contains(key) {
            v.problems.push(format!(
                "sale {} of till {} is stored ({found:?}) but was never sent",
                key.1, key.0
            ));
        }
    }

    // Stock: before − sold by the run = now = initial + every movement; the run's
    // movements took out what its lines sold.
    let articles: Vec<(i64, i32, i32, i64)> = sqlx::query_as(
        "SELECT a.id, a.quantite_stock, a.stock_initial,
                COALESCE((SELECT sum(m.quantite) FROM mouvements_stock m
                          WHERE m.boutique_id = a.boutique_id AND m.article_id = a.id), 0)::int8
         FROM articles a WHERE a.boutique_id = $1 ORDER BY a.id",
    )
    .bind(shop.boutique_id)
    .fetch_all(pool)
    .await?;
    let run_movements: BTreeMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>(
        "SELECT article_id, sum(quantite)::int8 FROM mouvements_stock
         WHERE boutique_id = $1 AND vente_id = ANY($2) GROUP BY article_id",
    )
    .bind(shop.boutique_id)
    .bind(&ids)
    .fetch_all(pool)
    .await?
    .into_iter()
    .collect();
    let mut now: BTreeMap<i64, i64> = BTreeMap::new();
    for (id, quantite_stock, stock_initial, movements) in articles {
        let stock = i64::from(quantite_stock);
        now.insert(id, stock);
        let sold = sold.get(&id).copied().unwrap_or(0);
        match before.get(&id) {
            Some(&before) if before - sold != stock => v.problems.push(format!(
                "article {id}: stock {stock}, but {before} before the run minus {sold} sold makes {}",
                before - sold
            )),
            Some(_) => {}
            None => v
                .problems
                .push(format!("article {id} appeared during the run")),
        }
        if i64::from(stock_initial) + movements != stock {
            v.problems.push(format!(
                "article {id}: stock {stock}, but initial stock {stock_initial} plus movements {movements} makes {}",
                i64::from(stock_initial) + movements
            ));
        }
        let moved = run_movements.get(&id).copied().unwrap_or(0);
        if moved != -sold {
            v.problems.push(format!(
                "article {id}: the run's sales sold {sold} units but their movements took out {}",
                -moved
            ));
        }
        if stock < 0 {
            v.problems
                .push(format!("article {id}: negative stock {stock}"));
        }
    }

    // A refusal for stock while there was enough.
    for record in records {
        if let Outcome::Refused {
            code,
            article_id: Some(article_id),
            stock_demande: Some(asked),
        } = &record.outcome
            && code == "INSUFFICIENT_STOCK"
            && let Some(&left) = now.get(article_id)
            && left >= *asked
        {
            v.problems.push(format!(
                "sale {} was refused for stock of article {article_id} ({asked} asked) but {left} are still left",
                record.numero_facture
            ));
        }
    }
    Ok(v)
}

fn units_by_article(lines: &[(i64, i32)]) -> BTreeMap<i64, i64> {
    let mut units = BTreeMap::new();
    for &(article, quantity) in lines {
        *units.entry(article).or_default() += i64::from(quantity);
    }
    units
}
