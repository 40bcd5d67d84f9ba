//! Giving back what a sale took: cancelling the whole sale, or returning some of its
//! articles. The sale is never deleted; each unit given back is a `RETOUR` movement linked
//! to its sale line, and a line never gives back more than it sold. A return also adds
//! what it gave back to the sale's `montant_retourne`, which revenue subtracts; a cancelled
//! sale counts in no revenue at all.
//!
//! Lock order: the sale row, then its articles (ascending ids, through [`stock::apply`]).
//! Recording a sale never locks an existing sale row, so the two cannot wait on each other
//! in a cycle.

use crate::boutiques::Shop;
use crate::stock::{self, Applied, Change, MovementType, StockChange, StockError};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use std::time::Duration;

/// Which sale: by id, by the invoice number of a till, or by an invoice number of the shop
/// as a till reads it on its cancel screen (which lists the whole shop).
#[derive(Debug, Clone)]
pub enum SaleRef {
    Id(i64),
    Invoice {
        terminal_id: i64,
        numero_facture: String,
    },
    /// The calling till's own sale of that number if it has one; else the shop's only sale
    /// of that number (two other tills' sales of one number are [`GiveBackError::Ambiguous`]).
    ShopInvoice {
        terminal_id: i64,
        numero_facture: String,
    },
}

/// From when a till's window runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowStart {
    /// The sale's `date_vente` (after the clock correction): the cancel screen's hour.
    SaleDate,
    /// When the server received the sale.
    Reception,
}

/// Who gives back, and what they may do.
#[derive(Debug, Clone)]
pub struct Actor {
    /// As signed in the stock journal (a till's name, or `admin:<name>`).
    pub signature: String,
    /// Set: only this till's own sales (a till's return); `None`: any sale of the shop (a
    /// manager, or a till cancelling).
    pub terminal_id: Option<i64>,
    /// How long a till may cancel or return, and from when (`None`: always, a manager's act).
    pub cancel_window: Option<(Duration, WindowStart)>,
}

#[derive(Debug, thiserror::Error)]
pub enum GiveBackError {
    #[error("no such sale in this boutique")]
    SaleNotFound,
    #[error("the sale was made by another till")]
    OtherTerminal,
    #[error("the sale is already cancelled")]
    AlreadyCancelled {
        date_annulation: Option<DateTime<Utc>>,
    },
    #[error("the sale can no longer be cancelled from the till")]
    WindowExpired {
        date_vente: DateTime<Utc>,
        elapsed_minutes: i64,
        window_minutes: i64,
    },
    #[error("tills {tills:?} each have a sale of this number")]
    Ambiguous { tills: Vec<String> },
    #[error("article {article_id}: {asked} to return, {returnable} returnable")]
    TooMany {
        article_id: i64,
        asked: i64,
        returnable: i64,
    },
    #[error(transparent)]
    Stock(#[from] StockError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The sale after the change, and the movements written.
#[derive(Debug)]
pub struct GivenBack {
    pub vente_id: i64,
    pub numero_facture: String,
    pub montant_total: rust_decimal::Decimal,
    pub devise: String,
    pub date_vente: DateTime<Utc>,
    pub date_annulation: Option<DateTime<Utc>>,
    pub motif: Option<String>,
    pub movements: Vec<Applied>,
}

struct LockedSale {
    id: i64,
    terminal_id: i64,
    numero_facture: String,
    montant_total: rust_decimal::Decimal,
    devise: String,
    annulee: bool,
    date_vente: DateTime<Utc>,
    date_annulation: Option<DateTime<Utc>>,
    date_reception: DateTime<Utc>,
}

struct Line {
    id: i64,
    article_id: i64,
    remaining: i32,
}

/// The id of a sale named by a shop's invoice number: the till's own first, else the only
/// one of the shop.
async fn sale_of_shop(
    conn: &mut PgConnection,
    shop: &Shop,
    terminal_id: i64,
    numero_facture: &str,
) -> Result<i64, GiveBackError> {
    let found = sqlx::query!(
        r#"SELECT v.id, v.terminal_id, t.nom_terminal
           FROM ventes v JOIN terminaux t ON t.id = v.terminal_id
           WHERE v.boutique_id = $1 AND v.numero_facture = $2
           ORDER BY (v.terminal_id = $3) DESC, v.id
           LIMIT 10"#,
        shop.id,
        numero_facture,
        terminal_id
    )
    .fetch_all(&mut *conn)
    .await?;
    match found.as_slice() {
        [] => Err(GiveBackError::SaleNotFound),
        [only] => Ok(only.id),
        [first, ..] if first.terminal_id == terminal_id => Ok(first.id),
        several => Err(GiveBackError::Ambiguous {
            tills: several.iter().map(|s| s.nom_terminal.clone()).collect(),
        }),
    }
}

async fn lock_sale(
    conn: &mut PgConnection,
    shop: &Shop,
    sale: &SaleRef,
    actor: &Actor,
) -> Result<(LockedSale, Vec<Line>), GiveBackError> {
    let (id, terminal_id, numero) = match sale {
        SaleRef::Id(id) => (Some(*id), None, None),
        SaleRef::Invoice {
            terminal_id,
            numero_facture,
        } => (None, Some(*terminal_id), Some(numero_facture.as_str())),
        SaleRef::ShopInvoice {
            terminal_id,
            numero_facture,
        } => (
            Some(sale_of_shop(conn, shop, *terminal_id, numero_facture).await?),
            None,
            None,
        ),
    };
    let sale = sqlx::query_as!(
        LockedSale,
        r#"SELECT id, terminal_id, numero_facture, montant_total, devise, annulee, date_vente,
                  date_annulation, date_reception
           FROM ventes
           WHERE boutique_id = $1
             AND ($2::int8 IS NULL OR id = $2)
             AND ($3::int8 IS NULL OR (terminal_id = $3 AND numero_facture = $4))
           FOR UPDATE"#,
        shop.id,
        id,
        terminal_id,
        numero
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(GiveBackError::SaleNotFound)?;
    if actor.terminal_id.is_some_and(|t| t != sale.terminal_id) {
        return Err(GiveBackError::OtherTerminal);
    }
    if let Some((window, start)) = actor.cancel_window {
        let from = match start {
            WindowStart::SaleDate => sale.date_vente,
            WindowStart::Reception => sale.date_reception,
        };
        let age = Utc::now() - from;
        if age.to_std().is_ok_and(|age| age > window) {
            return Err(GiveBackError::WindowExpired {
                date_vente: sale.date_vente,
                elapsed_minutes: age.num_minutes(),
                window_minutes: (window.as_secs() / 60) as i64,
            });
        }
    }
    if sale.annulee {
        return Err(GiveBackError::AlreadyCancelled {
            date_annulation: sale.date_annulation,
        });
    }
    let lines = sqlx::query_as!(
        Line,
        r#"SELECT id, article_id, quantite - quantite_retournee AS "remaining!"
           FROM lignes_vente WHERE boutique_id = $1 AND vente_id = $2 ORDER BY id"#,
        shop.id,
        sale.id
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok((sale, lines))
}

/// Gives `(line, units)` back: stock restored with a `RETOUR` movement per line, and the
/// units counted as given back on the line.
async fn give_back(
    conn: &mut PgConnection,
    shop: &Shop,
    sale: &LockedSale,
    units: &[(&Line, i32)],
    actor: &Actor,
    comment: String,
) -> Result<Vec<Applied>, GiveBackError> {
    let changes: Vec<StockChange> = units
        .iter()
        .map(|(line, quantity)| StockChange {
            article_id: line.article_id,
            kind: MovementType::Retour,
            change: Change::Add(*quantity),
            reference_document: Some(sale.numero_facture.clone()),
            utilisateur: actor.signature.clone(),
            commentaire: Some(comment.clone()),
            sale_line: Some((sale.id, line.id)),
        })
        .collect();
    let applied = stock::apply(conn, shop.id, &changes).await?;
    // One row per line: an UPDATE … FROM applies a single match per row.
    let mut per_line: std::collections::BTreeMap<i64, i32> = std::collections::BTreeMap::new();
    for (line, quantity) in units {
        *per_line.entry(line.id).or_default() += quantity;
    }
    let (line_ids, quantities): (Vec<i64>, Vec<i32>) = per_line.into_iter().unzip();
    sqlx::query!(
        r#"UPDATE lignes_vente AS l SET quantite_retournee = l.quantite_retournee + r.quantite
           FROM unnest($2::int8[], $3::int4[]) AS r(id, quantite)
           WHERE l.boutique_id = $1 AND l.id = r.id"#,
        shop.id,
        &line_ids,
        &quantities
    )
    .execute(&mut *conn)
    .await?;
    Ok(applied)
}

/// Keeps the sale's `montant_retourne` (what revenue subtracts) in step with its lines'
/// given-back units: each line at its price, a line in the other currency at the sale's
/// rate, rounded per line as `montant_total` is.
async fn returned_amount(
    conn: &mut PgConnection,
    shop: &Shop,
    vente_id: i64,
) -> Result<(), GiveBackError> {
    sqlx::query!(
        r#"UPDATE ventes v SET montant_retourne = (
               SELECT COALESCE(sum(valeur_ligne(l.quantite_retournee, l.prix_unitaire,
                                                l.devise, v.devise, v.taux_dollar)), 0)
               FROM lignes_vente l WHERE l.boutique_id = v.boutique_id AND l.vente_id = v.id)
           WHERE v.boutique_id = $1 AND v.id = $2"#,
        shop.id,
        vente_id
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Cancels the sale: every unit not yet returned goes back to stock, and the sale stays,
/// marked cancelled, out of the revenue.
pub async fn cancel(
    pool: &PgPool,
    shop: &Shop,
    sale: &SaleRef,
    actor: &Actor,
    reason: Option<String>,
) -> Result<GivenBack, GiveBackError> {
    let mut tx = pool.begin().await?;
    let (sale, lines) = lock_sale(&mut tx, shop, sale, actor).await?;
    let units: Vec<(&Line, i32)> = lines
        .iter()
        .filter(|l| l.remaining > 0)
        .map(|l| (l, l.remaining))
        .collect();
    let comment = format!(
        "Annulation de la vente #{}{}",
        sale.numero_facture,
        reason
            .as_deref()
            .map(|r| format!(" : {r}"))
            .unwrap_or_default()
    );
    let movements = give_back(&mut tx, shop, &sale, &units, actor, comment).await?;
    let date_annulation = sqlx::query_scalar!(
        r#"UPDATE ventes SET annulee = TRUE, date_annulation = now(), annulee_par = $3,
                             motif_annulation = $4
           WHERE boutique_id = $1 AND id = $2
           RETURNING date_annulation AS "date_annulation!""#,
        shop.id,
        sale.id,
        actor.signature,
        reason
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(GivenBack {
        vente_id: sale.id,
        numero_facture: sale.numero_facture,
        montant_total: sale.montant_total,
        devise: sale.devise,
        date_vente: sale.date_vente,
        date_annulation: Some(date_annulation),
        motif: reason,
        movements,
    })
}

/// Returns some units of some articles of the sale (the lines of an article are drawn on in
/// order), capped by what each line sold and has not given back yet.
pub async fn return_articles(
    pool: &PgPool,
    shop: &Shop,
    sale: &SaleRef,
    actor: &Actor,
    articles: &[(i64, i32)],
    reason: Option<String>,
) -> Result<GivenBack, GiveBackError> {
    let mut tx = pool.begin().await?;
    let (sale, lines) = lock_sale(&mut tx, shop, sale, actor).await?;
    let mut remaining: Vec<i32> = lines.iter().map(|l| l.remaining).collect();
    let mut units: Vec<(&Line, i32)> = Vec::new();
    for &(article_id, asked) in articles {
        let returnable: i64 = lines
            .iter()
            .zip(&remaining)
            .filter(|(l, _)| l.article_id == article_id)
            .map(|(_, r)| i64::from(*r))
            .sum();
        if i64::from(asked) > returnable {
            return Err(GiveBackError::TooMany {
                article_id,
                asked: asked.into(),
                returnable,
            });
        }
        let mut left = asked;
        for (line, rest) in lines.iter().zip(remaining.iter_mut()) {
            if left == 0 {
                break;
            }
            if line.article_id != article_id || *rest == 0 {
                continue;
            }
            let taken = left.min(*rest);
            *rest -= taken;
            left -= taken;
            units.push((line, taken));
        }
    }
    let comment = format!(
        "Retour sur la vente #{}{}",
        sale.numero_facture,
        reason
            .as_deref()
            .map(|r| format!(" : {r}"))
            .unwrap_or_default()
    );
    let movements = give_back(&mut tx, shop, &sale, &units, actor, comment).await?;
    returned_amount(&mut tx, shop, sale.id).await?;
    tx.commit().await?;
    Ok(GivenBack {
        vente_id: sale.id,
        numero_facture: sale.numero_facture,
        montant_total: sale.montant_total,
        devise: sale.devise,
        date_vente: sale.date_vente,
        date_annulation: None,
        motif: reason,
        movements,
    })
}
