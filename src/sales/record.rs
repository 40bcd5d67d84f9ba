//! The transaction that records sales.
//!
//! All the sales of one call (one sync request, or one online sale) are recorded in one
//! database transaction, and each of them is still all-or-nothing: a refused sale writes
//! nothing, because every check is made before its rows are written and a sale row whose
//! stock check fails is removed before commit. The transaction goes:
//!
//! 1. [`lock_articles`]: every article the sales name, `FOR UPDATE`, in ascending id order
//!    (the one lock order of the whole server: two transactions never wait on each other
//!    in a cycle);
//! 2. [`price_sales`]: refuse those naming an article that is not an active article of the
//!    boutique (`ARTICLE_NOT_FOUND`);
//! 3. [`insert_sales`]: the sale rows, `ON CONFLICT DO NOTHING` on the unique (boutique,
//!    terminal, invoice number) index: a row not inserted is a sale already stored
//!    ([`settle_stored`]: `DUPLICATE`, or `INVOICE_CONFLICT` for other content) — no
//!    check-then-insert, so two retries racing each other store it once;
//! 4. [`take_stock`]: sale by sale in batch order, refusing a sale that asks more than is
//!    left (`INSUFFICIENT_STOCK`, its sale row removed);
//! 5. [`write_stock`]: every line, stock decrement and `VENTE` movement in one statement;
//! 6. [`settle_repeats`]: a number repeated within the batch shares its first occurrence's
//!    fate.
//!
//! Then the caller commits. Only then is any sale reported created.
//!
//! Should the transaction fail for a reason other than the database being unreachable,
//! the sales are recorded again one per transaction, so that one sale the database
//! rejects cannot take the others down with it.

use super::pricing::{CatalogueEntry, PricedSale, price_sale};
use super::sale::{NegativeStock, PendingSale, RecordedLine, RecordedSale, Refusal, SaleOutcome};
use crate::boutiques::{Shop, StockPolicy};
use crate::code::Code;
use crate::db::{is_transient, is_unavailable};
use crate::money::{Currency, Money, Rate};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How many times a transaction that lost a deadlock or serialization race is replayed.
const TRANSIENT_RETRIES: usize = 3;

/// Records `sales` (all of `shop`) and says what became of each, in the same order.
///
/// `Err` only when the database cannot be reached: then nothing may be assumed about the
/// sales, and the till must retry (duplicates are recognised).
pub async fn record_sales(
    pool: &PgPool,
    shop: &Shop,
    sales: &[PendingSale],
) -> Result<Vec<SaleOutcome>, sqlx::Error> {
    if sales.is_empty() {
        return Ok(Vec::new());
    }
    match record_in_transaction(pool, shop, sales).await {
        Ok(outcomes) => return Ok(outcomes),
        Err(e) if is_unavailable(&e) => return Err(e),
        Err(e) if sales.len() == 1 => {
            tracing::error!(error = %e, "sale could not be recorded");
            return Ok(vec![unexpected()]);
        }
        Err(e) => {
            tracing::warn!(error = %e, sales = sales.len(), "batch failed; recording its sales one by one");
        }
    }
    let mut outcomes = Vec::with_capacity(sales.len());
    for sale in sales {
        match record_in_transaction(pool, shop, std::slice::from_ref(sale)).await {
            Ok(mut outcome) => outcomes.push(outcome.pop().unwrap_or_else(unexpected)),
            Err(e) if is_unavailable(&e) => return Err(e),
            Err(e) => {
                tracing::error!(error = %e, numero_facture = %sale.draft.numero_facture, "sale could not be recorded");
                outcomes.push(unexpected());
            }
        }
    }
    Ok(outcomes)
}

fn unexpected() -> SaleOutcome {
    SaleOutcome::Refused(Refusal::new(
        Code::Other,
        "Erreur inattendue lors de l'enregistrement de la vente ; elle n'a pas été enregistrée",
    ))
}

async fn record_in_transaction(
    pool: &PgPool,
    shop: &Shop,
    sales: &[PendingSale],
) -> Result<Vec<SaleOutcome>, sqlx::Error> {
    let mut attempt = 0;
    loop {
        let mut tx = pool.begin().await?;
        match record_batch(&mut tx, shop, sales).await {
            Ok(outcomes) => {
                tx.commit().await?;
                return Ok(outcomes);
            }
            Err(e) if is_transient(&e) && attempt < TRANSIENT_RETRIES => {
                attempt += 1;
                tracing::debug!(error = %e, attempt, "transaction replayed");
            }
            Err(e) => return Err(e),
        }
    }
}

struct LockedArticle {
    entry: CatalogueEntry,
    stock: i32,
    /// The article's last applied count: when it was counted, and the count session.
    counted: Option<(DateTime<Utc>, i64)>,
}

impl LockedArticle {
    /// The count session that already saw a sale made at `date_vente` missing from the
    /// shelf: the article was counted after the sale was made (it reached the server late).
    fn counted_after(&self, date_vente: DateTime<Utc>) -> Option<i64> {
        self.counted
            .filter(|(compte_a, _)| date_vente < *compte_a)
            .map(|(_, comptage_id)| comptage_id)
    }
}

/// What pricing a batch needs besides its articles: the rates of the sales dated before
/// the shop's current rate took effect, and the boutique's active variants the sales name.
#[derive(Default)]
struct PricingContext {
    /// Rate in force at each such date.
    rates: HashMap<DateTime<Utc>, Rate>,
    /// Variant id → its parent article.
    variants: HashMap<i64, i64>,
}

/// A sale whose articles all exist, with its prices settled.
struct Priced {
    index: usize,
    sale: PricedSale,
}

/// Key of the unique index, within the boutique.
type InvoiceKey<'a> = (i64, &'a str);

/// A sale stored before under the same key: a true repeat if it has the same content.
fn repeat_of(id: i64, stored: Option<&str>, sale: &PendingSale) -> SaleOutcome {
    match stored {
        Some(empreinte) if empreinte != sale.draft.empreinte => {
            SaleOutcome::Refused(Refusal::invoice_conflict(&sale.draft.numero_facture))
        }
        // Same content (or stored before fingerprints were kept): the till is retrying.
        _ => SaleOutcome::Duplicate { id },
    }
}

/// What is known of each sale of a batch as the steps go; `None` until settled.
type Outcomes = Vec<Option<SaleOutcome>>;

/// The transaction's work, step by step (see the module's comment).
async fn record_batch(
    conn: &mut PgConnection,
    shop: &Shop,
    sales: &[PendingSale],
) -> Result<Vec<SaleOutcome>, sqlx::Error> {
    let mut outcomes: Outcomes = vec![None; sales.len()];
    let articles = lock_articles(conn, shop, sales).await?;
    let context = pricing_context(conn, shop, sales).await?;
    let batch = price_sales(shop, sales, &articles, &context, &mut outcomes);
    let inserted = insert_sales(conn, shop, sales, &batch.priced).await?;
    settle_stored(conn, shop, sales, &batch, &inserted, &mut outcomes).await?;
    let taken = take_stock(
        shop,
        sales,
        batch.priced,
        &articles,
        &inserted,
        &mut outcomes,
    );
    write_stock(conn, shop, &articles, &taken).await?;
    settle_repeats(sales, &batch.repeats, &mut outcomes);
    Ok(outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(unexpected))
        .collect())
}

/// Step 1: locks every article the sales name, `FOR UPDATE`, in ascending id order: the one
/// lock order of the whole server. Withdrawn and other shops' articles are not returned.
async fn lock_articles(
    conn: &mut PgConnection,
    shop: &Shop,
    sales: &[PendingSale],
) -> Result<HashMap<i64, LockedArticle>, sqlx::Error> {
    let ids: Vec<i64> = sales
        .iter()
        .flat_map(|s| s.draft.lines.iter().map(|l| l.article_id))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok(sqlx::query!(
        r#"SELECT id, nom, code, prix_vente, quantite_stock, devise, prix_vente_usd, compte_a,
                  comptage_id
           FROM articles
           WHERE boutique_id = $1 AND id = ANY($2) AND est_actif
           ORDER BY id
           FOR UPDATE"#,
        shop.id,
        &ids
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| {
        let article = LockedArticle {
            entry: CatalogueEntry {
                nom: row.nom,
                code: row.code,
                devise: Currency::parse(&row.devise).unwrap_or_default(),
                prix_vente: Money::from(row.prix_vente),
                prix_vente_usd: row.prix_vente_usd.map(Money::from),
            },
            stock: row.quantite_stock,
            counted: row.compte_a.zip(row.comptage_id),
        };
        (row.id, article)
    })
    .collect())
}

/// Reads what pricing needs beyond the articles, only when a sale of the batch needs it: a
/// sale dated before the shop's current rate took effect (offline across a rate change), a
/// line naming a variant.
async fn pricing_context(
    conn: &mut PgConnection,
    shop: &Shop,
    sales: &[PendingSale],
) -> Result<PricingContext, sqlx::Error> {
    let mut context = PricingContext::default();
    let old_dates: Vec<DateTime<Utc>> = sales
        .iter()
        .map(|s| s.draft.date_vente)
        .filter(|d| *d < shop.taux_depuis)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !old_dates.is_empty() {
        context.rates = sqlx::query!(
            r#"SELECT d AS "date!", taux_en_vigueur($1, d) AS "taux!"
               FROM unnest($2::timestamptz[]) AS d"#,
            shop.id,
            &old_dates
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .filter_map(|r| Some((r.date, Rate::new(r.taux)?)))
        .collect();
    }
    let variants: Vec<i64> = sales
        .iter()
        .flat_map(|s| s.draft.lines.iter().filter_map(|l| l.variante_id))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !variants.is_empty() {
        context.variants = sqlx::query!(
            r#"SELECT id, article_parent_id FROM variantes_articles
               WHERE boutique_id = $1 AND id = ANY($2) AND est_actif"#,
            shop.id,
            &variants
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| (r.id, r.article_parent_id))
        .collect();
    }
    Ok(context)
}

/// The sales of a batch once priced.
struct PricedBatch {
    /// Sales whose articles all exist, with their prices.
    priced: Vec<Priced>,
    /// Sales refused for their articles or their total (already in the outcomes): they may
    /// still turn out to be stored already.
    unpriced: Vec<usize>,
    /// A repeat of an invoice number within the batch, and its first occurrence.
    repeats: Vec<(usize, usize)>,
}

/// Step 2: prices each sale, refusing those naming an article that is not an active article of
/// the boutique; a repeat of an invoice number within the batch waits for the outcome of
/// its first occurrence.
fn price_sales(
    shop: &Shop,
    sales: &[PendingSale],
    articles: &HashMap<i64, LockedArticle>,
    context: &PricingContext,
    outcomes: &mut Outcomes,
) -> PricedBatch {
    let mut first_occurrence: HashMap<InvoiceKey, usize> = HashMap::new();
    let mut batch = PricedBatch {
        priced: Vec::new(),
        unpriced: Vec::new(),
        repeats: Vec::new(),
    };
    for (index, sale) in sales.iter().enumerate() {
        let key = (sale.seller.terminal_id, sale.draft.numero_facture.as_str());
        if let Some(&first) = first_occurrence.get(&key) {
            batch.repeats.push((index, first));
            continue;
        }
        first_occurrence.insert(key, index);
        let date = sale.draft.date_vente;
        let rate = if date >= shop.taux_depuis {
            shop.taux_dollar
        } else {
            context
                .rates
                .get(&date)
                .copied()
                .unwrap_or(shop.taux_dollar)
        };
        let priced = price_sale(
            &sale.draft,
            shop.currency(),
            rate,
            |id| articles.get(&id).map(|a| &a.entry),
            |variant| context.variants.get(&variant).copied(),
        );
        match priced {
            Ok(priced) => batch.priced.push(Priced {
                index,
                sale: priced,
            }),
            Err(refusal) => {
                outcomes[index] = Some(SaleOutcome::Refused(refusal));
                batch.unpriced.push(index);
            }
        }
    }
    batch
}

/// Step 3: inserts the priced sales' rows `ON CONFLICT DO NOTHING` on the unique (boutique,
/// terminal, invoice number) index, in one order (terminal, invoice) so that two batches
/// sharing invoice numbers wait on each other in that order. Returns the ids of the rows
/// inserted: a row not inserted is a sale already stored — no check-then-insert, so two
/// retries racing each other store it once.
async fn insert_sales(
    conn: &mut PgConnection,
    shop: &Shop,
    sales: &[PendingSale],
    priced: &[Priced],
) -> Result<HashMap<(i64, String), i64>, sqlx::Error> {
    let mut order: Vec<&Priced> = priced.iter().collect();
    order.sort_by_key(|p| {
        let d = &sales[p.index];
        (d.seller.terminal_id, d.draft.numero_facture.as_str())
    });
    let mut columns = SaleColumns::default();
    for p in &order {
        columns.push(&sales[p.index], &p.sale);
    }
    Ok(sqlx::query!(
        r#"INSERT INTO ventes (boutique_id, terminal_id, numero_facture, date_vente,
                               date_vente_terminal, montant_total, mode_paiement, paye,
                               adresse_ip_client, version_app_maui, empreinte, devise,
                               taux_dollar, montant_total_usd, montant_total_declare)
           SELECT $1, s.terminal_id, s.numero_facture, s.date_vente, NULLIF(s.date_vente_terminal, ''),
                  s.montant_total, s.mode_paiement, s.paye, NULLIF(s.adresse_ip, ''),
                  NULLIF(s.version_app, ''), s.empreinte, s.devise, s.taux_dollar,
                  s.montant_total_usd, s.montant_total_declare
           FROM unnest($2::int8[], $3::text[], $4::timestamptz[], $5::text[], $6::numeric[],
                       $7::text[], $8::bool[], $9::text[], $10::text[], $11::text[],
                       $12::text[], $13::numeric[], $14::numeric[], $15::numeric[])
                AS s(terminal_id, numero_facture, date_vente, date_vente_terminal, montant_total,
                     mode_paiement, paye, adresse_ip, version_app, empreinte, devise,
                     taux_dollar, montant_total_usd, montant_total_declare)
           ON CONFLICT (boutique_id, terminal_id, numero_facture) DO NOTHING
           RETURNING id, terminal_id, numero_facture"#,
        shop.id,
        &columns.terminal_id,
        &columns.numero_facture,
        &columns.date_vente,
        &columns.date_vente_terminal,
        &columns.montant_total,
        &columns.mode_paiement,
        &columns.paye,
        &columns.adresse_ip,
        &columns.version_app,
        &columns.empreinte,
        &columns.devise as &[&str],
        &columns.taux_dollar,
        &columns.montant_total_usd as &[Option<Decimal>],
        &columns.montant_total_declare as &[Option<Decimal>],
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| ((row.terminal_id, row.numero_facture), row.id))
    .collect())
}

/// Sales not inserted are already stored: a retry if their content is the same, another
/// sale under a reused number if not (`INVOICE_CONFLICT`). So may be a sale refused for its
/// articles: a till re-sending a sale stored before one of its articles was withdrawn must
/// hear "already stored", not "refused".
async fn settle_stored(
    conn: &mut PgConnection,
    shop: &Shop,
    sales: &[PendingSale],
    batch: &PricedBatch,
    inserted: &HashMap<(i64, String), i64>,
    outcomes: &mut Outcomes,
) -> Result<(), sqlx::Error> {
    let lookup: Vec<usize> = batch
        .priced
        .iter()
        .map(|p| p.index)
        .filter(|&i| !inserted.contains_key(&owned_key(&sales[i])))
        .chain(batch.unpriced.iter().copied())
        .collect();
    if lookup.is_empty() {
        return Ok(());
    }
    let existing = existing_sales(conn, shop.id, lookup.iter().map(|&i| &sales[i])).await?;
    for index in lookup {
        if let Some((id, empreinte)) = existing.get(&owned_key(&sales[index])) {
            outcomes[index] = Some(repeat_of(*id, empreinte.as_deref(), &sales[index]));
        }
    }
    Ok(())
}

/// What taking stock decided: the writes of the sales created, and the rows of the sales
/// refused for their stock, to remove.
struct Taken {
    writes: StockWrites,
    refused_rows: Vec<i64>,
    /// Each locked article's stock once the created sales are taken from it.
    stock: HashMap<i64, i32>,
}

/// Step 4: takes stock sale by sale in batch order: a sale that asks more than is left is
/// refused (`INSUFFICIENT_STOCK`, its row to be removed) in a `STRICT` boutique, and
/// recorded below zero with a stock alert in one that allows it. A line of an article counted
/// after the sale was made (the sale reached the server late) takes no stock: it is recorded,
/// and its movement corrected (see [`crate::stock::counts`]).
fn take_stock(
    shop: &Shop,
    sales: &[PendingSale],
    priced: Vec<Priced>,
    articles: &HashMap<i64, LockedArticle>,
    inserted: &HashMap<(i64, String), i64>,
    outcomes: &mut Outcomes,
) -> Taken {
    let mut stock: HashMap<i64, i32> = articles.iter().map(|(id, a)| (*id, a.stock)).collect();
    let mut writes = StockWrites::default();
    let mut refused_rows: Vec<i64> = Vec::new();
    for p in priced {
        let sale = &sales[p.index];
        let Some(&vente_id) = inserted.get(&owned_key(sale)) else {
            continue; // stored before, settled above
        };
        // A line of an article counted after the sale was made takes nothing: the count
        // already found the units gone.
        let mut demand: BTreeMap<i64, i64> = BTreeMap::new();
        for line in &p.sale.lines {
            if articles[&line.article_id]
                .counted_after(sale.draft.date_vente)
                .is_none()
            {
                *demand.entry(line.article_id).or_default() += i64::from(line.quantite);
            }
        }
        let short: Vec<(i64, i64)> = demand
            .iter()
            .filter(|&(id, &wanted)| wanted > i64::from(stock[id]))
            .map(|(id, wanted)| (*id, *wanted))
            .collect();
        if let Some(&(article_id, wanted)) = short.first()
            && shop.stock_policy == StockPolicy::Strict
        {
            let article = &articles[&article_id];
            outcomes[p.index] = Some(SaleOutcome::Refused(Refusal::insufficient_stock(
                article_id,
                &article.entry.nom,
                stock[&article_id],
                wanted,
            )));
            refused_rows.push(vente_id);
            continue;
        }
        // The shop sold what its stock did not cover: recorded, below zero, and flagged.
        let stock_alerts: Vec<NegativeStock> = short
            .iter()
            .map(|&(article_id, wanted)| {
                let before = stock[&article_id];
                NegativeStock {
                    article_id,
                    manque: (wanted - i64::from(before.max(0))) as i32,
                    stock_avant: before,
                    stock_apres: before - wanted as i32,
                }
            })
            .collect();
        for line in &p.sale.lines {
            let before = stock[&line.article_id];
            let counted = articles[&line.article_id].counted_after(sale.draft.date_vente);
            if counted.is_none() {
                stock.insert(line.article_id, before - line.quantite);
            }
            writes.push(vente_id, line, before, sale, counted);
        }
        writes.link(vente_id, sale);
        for alert in &stock_alerts {
            writes.alert(vente_id, alert);
        }
        outcomes[p.index] = Some(SaleOutcome::Created(RecordedSale {
            id: vente_id,
            numero_facture: sale.draft.numero_facture.clone(),
            date_vente: sale.draft.date_vente,
            date_correction: sale.draft.date_correction,
            date_vente_terminal: sale.draft.date_vente_terminal.clone(),
            montant_total: p.sale.total,
            mode_paiement: sale.draft.mode_paiement.clone(),
            paye: sale.draft.paye,
            devise: p.sale.devise,
            taux_dollar: p.sale.taux_dollar,
            montant_total_usd: p.sale.total_usd,
            montant_total_declare: p.sale.total_declare,
            lines: p.sale.lines,
            stock_alerts,
        }));
    }
    Taken {
        writes,
        refused_rows,
        stock,
    }
}

/// Step 5: removes the rows of the sales refused for their stock, then writes every line, stock
/// decrement and `VENTE` movement in one statement (each movement of a line already counted
/// followed by its `AJUSTEMENT` correction); with the stock alerts of the sales that went
/// below zero, and the rejections that the sales now recorded correct.
async fn write_stock(
    conn: &mut PgConnection,
    shop: &Shop,
    articles: &HashMap<i64, LockedArticle>,
    taken: &Taken,
) -> Result<(), sqlx::Error> {
    if !taken.refused_rows.is_empty() {
        sqlx::query!(
            "DELETE FROM ventes WHERE boutique_id = $1 AND id = ANY($2)",
            shop.id,
            &taken.refused_rows
        )
        .execute(&mut *conn)
        .await?;
    }
    let (writes, stock) = (&taken.writes, &taken.stock);
    if writes.vente_id.is_empty() {
        return Ok(());
    }
    let (sold_ids, sold_qty): (Vec<i64>, Vec<i32>) = articles
        .iter()
        .filter(|(id, a)| stock[*id] != a.stock)
        .map(|(id, a)| (*id, a.stock - stock[id]))
        .unzip();
    sqlx::query!(
        r#"WITH new_lines AS (
               INSERT INTO lignes_vente (boutique_id, vente_id, article_id, quantite, prix_unitaire,
                                         devise, prix_unitaire_usd, variante_id, prix_original,
                                         est_negocie, motif_reduction)
               SELECT $1, l.vente_id, l.article_id, l.quantite, l.prix_unitaire, l.devise,
                      l.prix_unitaire_usd, l.variante_id, l.prix_original, l.est_negocie,
                      l.motif_reduction
               FROM unnest($2::int8[], $3::int8[], $4::int4[], $5::numeric[], $20::text[],
                           $21::numeric[], $22::int8[], $23::numeric[], $24::bool[], $25::text[])
                    AS l(vente_id, article_id, quantite, prix_unitaire, devise, prix_unitaire_usd,
                         variante_id, prix_original, est_negocie, motif_reduction)
           ), stock AS (
               UPDATE articles AS a
               SET quantite_stock = a.quantite_stock - s.sold,
                   modif_txid = pg_current_xact_id()::text::bigint,
                   last_updated = now(), version = a.version + 1
               FROM unnest($6::int8[], $7::int4[]) AS s(article_id, sold)
               WHERE a.boutique_id = $1 AND a.id = s.article_id
           ), alerts AS (
               INSERT INTO alertes_stock (boutique_id, article_id, vente_id, manque,
                                          stock_avant, stock_apres)
               SELECT $1, x.article_id, x.vente_id, x.manque, x.stock_avant, x.stock_apres
               FROM unnest($12::int8[], $13::int8[], $14::int4[], $15::int4[], $16::int4[])
                    AS x(vente_id, article_id, manque, stock_avant, stock_apres)
           ), corrected AS (
               UPDATE ventes_rejetees AS r
               SET vente_id = c.vente_id, resolue = TRUE, date_resolution = now(),
                   resolu_par = 'terminal',
                   commentaire_resolution = 'Vente corrigée et renvoyée par le terminal'
               FROM unnest($17::int8[], $18::int8[], $19::text[])
                    AS c(vente_id, terminal_id, numero_facture)
               WHERE r.boutique_id = $1 AND NOT r.resolue AND r.terminal_id = c.terminal_id
                 AND r.numero_facture = c.numero_facture
           )
           INSERT INTO mouvements_stock (boutique_id, article_id, vente_id, type_mouvement,
                                         quantite, stock_avant, stock_apres,
                                         reference_document, utilisateur, commentaire)
           SELECT $1, m.article_id, m.vente_id, s.type_mouvement, s.quantite, s.stock_avant,
                  s.stock_avant + s.quantite, s.reference, m.utilisateur, s.commentaire
           FROM unnest($2::int8[], $3::int8[], $4::int4[], $8::int4[], $9::text[],
                       $10::text[], $11::text[], $26::text[]) WITH ORDINALITY
                AS m(vente_id, article_id, quantite, stock_avant, reference, utilisateur,
                     commentaire, inventaire, rang)
           CROSS JOIN LATERAL (VALUES
               (1, 'VENTE', -m.quantite, m.stock_avant, m.reference, m.commentaire),
               (2, 'AJUSTEMENT', m.quantite, m.stock_avant - m.quantite, m.inventaire,
                'Vente #' || m.reference || ' faite avant le comptage : déjà comptée'))
                AS s(etape, type_mouvement, quantite, stock_avant, reference, commentaire)
           WHERE s.etape = 1 OR m.inventaire IS NOT NULL
           ORDER BY m.rang, s.etape"#,
        shop.id,
        &writes.vente_id,
        &writes.article_id,
        &writes.quantite,
        &writes.prix_unitaire,
        &sold_ids,
        &sold_qty,
        &writes.stock_avant,
        &writes.reference,
        &writes.utilisateur,
        &writes.commentaire,
        &writes.alert_vente_id,
        &writes.alert_article_id,
        &writes.alert_manque,
        &writes.alert_stock_avant,
        &writes.alert_stock_apres,
        &writes.created_vente_id,
        &writes.created_terminal_id,
        &writes.created_numero,
        &writes.devise as &[&str],
        &writes.prix_unitaire_usd as &[Option<Decimal>],
        &writes.variante_id as &[Option<i64>],
        &writes.prix_original,
        &writes.est_negocie,
        &writes.motif_reduction as &[Option<String>],
        &writes.inventaire as &[Option<String>],
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Step 6: a repeat of an invoice number within the batch shares the fate of its first
/// occurrence if it is the same sale; under the same number with other content, it is a
/// conflict.
fn settle_repeats(sales: &[PendingSale], repeats: &[(usize, usize)], outcomes: &mut Outcomes) {
    for &(index, first) in repeats {
        let sale = &sales[index];
        outcomes[index] = Some(if sale.draft.empreinte != sales[first].draft.empreinte {
            SaleOutcome::Refused(Refusal::invoice_conflict(&sale.draft.numero_facture))
        } else {
            match &outcomes[first] {
                Some(SaleOutcome::Created(created)) => SaleOutcome::Duplicate { id: created.id },
                Some(other) => other.clone(),
                None => unexpected(),
            }
        });
    }
}

fn owned_key(sale: &PendingSale) -> (i64, String) {
    (sale.seller.terminal_id, sale.draft.numero_facture.clone())
}

async fn existing_sales<'a>(
    conn: &mut PgConnection,
    boutique_id: i64,
    sales: impl Iterator<Item = &'a PendingSale>,
) -> Result<HashMap<(i64, String), (i64, Option<String>)>, sqlx::Error> {
    let (terminals, numbers): (Vec<i64>, Vec<String>) = sales
        .map(|s| (s.seller.terminal_id, s.draft.numero_facture.clone()))
        .unzip();
    Ok(sqlx::query!(
        r#"SELECT v.id, v.terminal_id, v.numero_facture, v.empreinte
           FROM ventes v
           JOIN unnest($2::int8[], $3::text[]) AS k(terminal_id, numero_facture)
             ON v.terminal_id = k.terminal_id AND v.numero_facture = k.numero_facture
           WHERE v.boutique_id = $1"#,
        boutique_id,
        &terminals,
        &numbers
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| {
        (
            (row.terminal_id, row.numero_facture),
            (row.id, row.empreinte),
        )
    })
    .collect())
}

/// The sale rows of a batch, column by column, for one `INSERT … SELECT FROM unnest(…)`.
#[derive(Default)]
struct SaleColumns {
    terminal_id: Vec<i64>,
    numero_facture: Vec<String>,
    date_vente: Vec<chrono::DateTime<chrono::Utc>>,
    date_vente_terminal: Vec<String>,
    montant_total: Vec<Decimal>,
    mode_paiement: Vec<String>,
    paye: Vec<bool>,
    adresse_ip: Vec<String>,
    version_app: Vec<String>,
    empreinte: Vec<String>,
    devise: Vec<&'static str>,
    taux_dollar: Vec<Decimal>,
    montant_total_usd: Vec<Option<Decimal>>,
    montant_total_declare: Vec<Option<Decimal>>,
}

impl SaleColumns {
    fn push(&mut self, sale: &PendingSale, priced: &PricedSale) {
        let d = &sale.draft;
        self.terminal_id.push(sale.seller.terminal_id);
        self.numero_facture.push(d.numero_facture.clone());
        self.date_vente.push(d.date_vente);
        self.date_vente_terminal
            .push(d.date_vente_terminal.clone().unwrap_or_default());
        self.montant_total.push(priced.total.amount());
        self.devise.push(priced.devise.as_str());
        self.taux_dollar.push(priced.taux_dollar.amount().amount());
        self.montant_total_usd
            .push(priced.total_usd.map(Money::amount));
        self.montant_total_declare
            .push(priced.total_declare.map(Money::amount));
        self.mode_paiement.push(d.mode_paiement.clone());
        self.paye.push(d.paye);
        self.adresse_ip
            .push(sale.seller.adresse_ip.clone().unwrap_or_default());
        self.version_app
            .push(d.version_app.clone().unwrap_or_default());
        self.empreinte.push(d.empreinte.clone());
    }
}

/// The lines of the created sales and their `VENTE` movements, column by column.
#[derive(Default)]
struct StockWrites {
    vente_id: Vec<i64>,
    article_id: Vec<i64>,
    quantite: Vec<i32>,
    prix_unitaire: Vec<Decimal>,
    devise: Vec<&'static str>,
    prix_unitaire_usd: Vec<Option<Decimal>>,
    variante_id: Vec<Option<i64>>,
    prix_original: Vec<Decimal>,
    est_negocie: Vec<bool>,
    motif_reduction: Vec<Option<String>>,
    stock_avant: Vec<i32>,
    reference: Vec<String>,
    utilisateur: Vec<String>,
    commentaire: Vec<String>,
    /// The reference of the count correction following the line's movement, if any.
    inventaire: Vec<Option<String>>,
    alert_vente_id: Vec<i64>,
    alert_article_id: Vec<i64>,
    alert_manque: Vec<i32>,
    alert_stock_avant: Vec<i32>,
    alert_stock_apres: Vec<i32>,
    created_vente_id: Vec<i64>,
    created_terminal_id: Vec<i64>,
    created_numero: Vec<String>,
}

impl StockWrites {
    /// A line and its `VENTE` movement; `counted`: the count session that already saw its
    /// units gone, whose correction follows the movement.
    fn push(
        &mut self,
        vente_id: i64,
        line: &RecordedLine,
        stock_avant: i32,
        sale: &PendingSale,
        counted: Option<i64>,
    ) {
        let numero = &sale.draft.numero_facture;
        let devise = line.devise;
        self.vente_id.push(vente_id);
        self.article_id.push(line.article_id);
        self.quantite.push(line.quantite);
        self.prix_unitaire.push(line.prix_unitaire.amount());
        self.devise.push(devise.as_str());
        self.prix_unitaire_usd
            .push(line.prix_unitaire_usd.map(Money::amount));
        self.variante_id.push(line.variante_id);
        self.prix_original.push(line.prix_original.amount());
        self.est_negocie.push(line.est_negocie);
        self.motif_reduction.push(line.motif_reduction.clone());
        self.stock_avant.push(stock_avant);
        self.reference.push(numero.clone());
        self.utilisateur.push(sale.seller.nom_terminal.clone());
        self.commentaire.push(format!(
            "Vente #{numero} - Prix: {} {devise}",
            line.prix_unitaire
        ));
        self.inventaire
            .push(counted.map(|comptage_id| format!("INVENTAIRE-{comptage_id}")));
    }

    /// A created sale, for linking it to the rejections it corrects.
    fn link(&mut self, vente_id: i64, sale: &PendingSale) {
        self.created_vente_id.push(vente_id);
        self.created_terminal_id.push(sale.seller.terminal_id);
        self.created_numero.push(sale.draft.numero_facture.clone());
    }

    fn alert(&mut self, vente_id: i64, alert: &NegativeStock) {
        self.alert_vente_id.push(vente_id);
        self.alert_article_id.push(alert.article_id);
        self.alert_manque.push(alert.manque);
        self.alert_stock_avant.push(alert.stock_avant);
        self.alert_stock_apres.push(alert.stock_apres);
    }
}

/// Active articles of a boutique at or below its low-stock threshold, and at or below zero.
#[derive(Debug, Clone, Copy, Default)]
pub struct StockAlerts {
    pub stock_bas: i64,
    pub stock_zero: i64,
}

/// An article's stock and price as they are now, for a till to refresh its own.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct StockUpdate {
    pub article_id: i64,
    pub code: String,
    pub nom: String,
    pub stock_actuel: i32,
    pub prix_actuel: Money,
    /// A withdrawn article: the till should stop offering it.
    pub est_actif: bool,
}

/// The boutique's stock alerts, and the current stock of `article_ids` (those of the shop;
/// withdrawn ones included), in one round trip. The alerts are counts the database keeps
/// in step with the stock (`compteurs_stock`), so reading them costs one row.
pub async fn stock_report(
    pool: &PgPool,
    shop: &Shop,
    article_ids: &[i64],
) -> Result<(StockAlerts, Vec<StockUpdate>), sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT s.stock_bas::int8 AS "stock_bas!", s.stock_zero::int8 AS "stock_zero!",
                  a.id AS "id?", a.code AS "code?", a.nom AS "nom?",
                  a.quantite_stock AS "quantite_stock?", a.prix_vente AS "prix_vente?",
                  a.est_actif AS "est_actif?"
           FROM compteurs_stock s
           LEFT JOIN articles a ON a.boutique_id = s.boutique_id AND a.id = ANY($2)
           WHERE s.boutique_id = $1
           ORDER BY a.id"#,
        shop.id,
        article_ids
    )
    .fetch_all(pool)
    .await?;
    let alerts = rows
        .first()
        .map_or_else(StockAlerts::default, |r| StockAlerts {
            stock_bas: r.stock_bas,
            stock_zero: r.stock_zero,
        });
    let updates = rows
        .into_iter()
        .filter_map(|r| {
            Some(StockUpdate {
                article_id: r.id?,
                code: r.code?,
                nom: r.nom?,
                stock_actuel: r.quantite_stock?,
                prix_actuel: Money::from(r.prix_vente?),
                est_actif: r.est_actif?,
            })
        })
        .collect();
    Ok((alerts, updates))
}
