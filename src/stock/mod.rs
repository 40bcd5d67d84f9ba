//! Stock changes other than sales (deliveries, counts, corrections): the same discipline as
//! the sale path. The articles are locked `FOR UPDATE` in ascending id order, each change
//! writes a movement with the stock before and after, and the stock and its movements are
//! written in one transaction, with the live event of each article's new stock (published
//! on commit). The journal of those movements is in [`journal`].

pub mod analysis;
pub mod counts;
pub mod journal;
pub mod sendings;
pub mod transfers;
pub mod value_journal;

use crate::events::{self, Channel, Event, SyncReason};
use crate::field::{self, Invalid};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;

/// Most lines one delivery note may carry.
pub const MAX_DELIVERY_LINES: usize = 1_000;
/// Most units one delivery line may bring.
pub const MAX_RECEIVED: i64 = 1_000_000;
/// Most units an article may be counted at.
pub const MAX_STOCK: i64 = 1_000_000_000;

/// The kinds of stock movement, as stored and as the tills read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovementType {
    Entree,
    Sortie,
    Ajustement,
    Vente,
    Retour,
}

impl MovementType {
    pub const ALL: &'static [&'static str] = &["ENTREE", "SORTIE", "AJUSTEMENT", "VENTE", "RETOUR"];

    pub fn as_str(self) -> &'static str {
        match self {
            MovementType::Entree => "ENTREE",
            MovementType::Sortie => "SORTIE",
            MovementType::Ajustement => "AJUSTEMENT",
            MovementType::Vente => "VENTE",
            MovementType::Retour => "RETOUR",
        }
    }
}

/// What to do to an article's stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Set the stock to this (an inventory count).
    SetTo(i32),
    /// Add this many (negative takes out).
    Add(i32),
}

#[derive(Debug, Clone)]
pub struct StockChange {
    pub article_id: i64,
    pub kind: MovementType,
    pub change: Change,
    pub reference_document: Option<String>,
    pub utilisateur: String,
    pub commentaire: Option<String>,
    /// The sale line a `RETOUR` gives back: (sale id, line id).
    pub sale_line: Option<(i64, i64)>,
}

/// A change as applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub article_id: i64,
    pub nom: String,
    pub code: String,
    pub stock_avant: i32,
    pub stock_apres: i32,
    pub movement_id: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum StockError {
    #[error("article {0} not found in this boutique")]
    ArticleNotFound(i64),
    #[error(
        "article {article_id}: the stock would leave the range of whole numbers or go below zero"
    )]
    OutOfRange { article_id: i64 },
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// A delivery note already received: entering it again would count the goods twice.
    #[error("delivery note {reference} already received")]
    AlreadyReceived {
        reference: String,
        at: DateTime<Utc>,
    },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Applies `changes`, in order, to articles of `boutique_id` (active or not). Nothing is
/// written if any change cannot be applied; the caller commits.
pub async fn apply(
    conn: &mut PgConnection,
    boutique_id: i64,
    changes: &[StockChange],
) -> Result<Vec<Applied>, StockError> {
    let mut ids: Vec<i64> = changes.iter().map(|c| c.article_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut articles: HashMap<i64, (String, String, i32)> = sqlx::query!(
        r#"SELECT id, nom, code, quantite_stock FROM articles
           WHERE boutique_id = $1 AND id = ANY($2)
           ORDER BY id
           FOR UPDATE"#,
        boutique_id,
        &ids
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| (row.id, (row.nom, row.code, row.quantite_stock)))
    .collect();

    let mut planned = Vec::with_capacity(changes.len());
    for change in changes {
        let (nom, code, stock) = articles
            .get_mut(&change.article_id)
            .ok_or(StockError::ArticleNotFound(change.article_id))?;
        let before = *stock;
        let after = match change.change {
            Change::SetTo(value) => Some(value),
            Change::Add(delta) => before.checked_add(delta),
        }
        // Nothing takes stock below zero but a count: what was counted plus what sold since
        // may be less than nothing in a shop that sells beyond its stock.
        .filter(|after| {
            *after >= 0 || *after >= before || matches!(change.change, Change::SetTo(_))
        })
        .filter(|after| after.checked_sub(before).is_some())
        .ok_or(StockError::OutOfRange {
            article_id: change.article_id,
        })?;
        *stock = after;
        planned.push((change, nom.clone(), code.clone(), before, after));
    }

    let (final_ids, final_stock): (Vec<i64>, Vec<i32>) = articles
        .iter()
        .map(|(id, (_, _, stock))| (*id, *stock))
        .unzip();
    sqlx::query!(
        r#"UPDATE articles AS a
           SET quantite_stock = s.stock
           FROM unnest($2::int8[], $3::int4[]) AS s(id, stock)
           WHERE a.boutique_id = $1 AND a.id = s.id AND a.quantite_stock <> s.stock"#,
        boutique_id,
        &final_ids,
        &final_stock
    )
    .execute(&mut *conn)
    .await?;

    let mut applied = Vec::with_capacity(planned.len());
    for (change, nom, code, before, after) in planned {
        let movement_id = sqlx::query_scalar!(
            r#"INSERT INTO mouvements_stock (boutique_id, article_id, type_mouvement, quantite,
                                             stock_avant, stock_apres, reference_document,
                                             utilisateur, commentaire, vente_id, ligne_vente_id)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
               RETURNING id"#,
            boutique_id,
            change.article_id,
            change.kind.as_str(),
            after - before,
            before,
            after,
            change.reference_document,
            change.utilisateur,
            change.commentaire,
            change.sale_line.map(|(vente, _)| vente),
            change.sale_line.map(|(_, ligne)| ligne)
        )
        .fetch_one(&mut *conn)
        .await?;
        applied.push(Applied {
            article_id: change.article_id,
            nom,
            code,
            stock_avant: before,
            stock_apres: after,
            movement_id,
        });
    }
    // The tills of the shop hear of each article's stock now, on commit.
    let mut moved: Vec<(i64, i32)> = applied
        .iter()
        .map(|a| (a.article_id, articles[&a.article_id].2))
        .collect();
    moved.sort_unstable();
    moved.dedup();
    let events = if moved.len() > events::MAX_ARTICLE_EVENTS {
        vec![(
            Channel::Boutique,
            Event::SyncRequired {
                reason: SyncReason::BulkChange,
            },
        )]
    } else {
        moved
            .into_iter()
            .map(|(article_id, stock)| {
                (
                    Channel::Boutique,
                    Event::StockUpdated {
                        article_id,
                        new_stock: stock.into(),
                    },
                )
            })
            .collect()
    };
    events::publish_all(conn, boutique_id, events).await?;
    Ok(applied)
}

/// Goods received under one delivery note: one `ENTREE` movement per line, all or nothing.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub reference_document: String,
    pub commentaire: Option<String>,
    /// (article id, units received).
    pub lines: Vec<(i64, i64)>,
    /// Who received it, as signed in the journal.
    pub utilisateur: String,
    /// Refuse a note already received (a double click, a second person entering it).
    pub refuse_repeat: bool,
}

/// `TRANSFERT-<id>` names a transfer's movements only (the journal and `caisse check` read
/// them as such): a manager's delivery or count may not take it.
fn not_a_transfer(reference: Option<&str>) -> Result<(), Invalid> {
    match reference {
        Some(r) if r.to_uppercase().starts_with("TRANSFERT-") => Err(Invalid::new(
            "reference_document",
            "les références TRANSFERT-… sont réservées aux transferts entre boutiques",
        )),
        _ => Ok(()),
    }
}

/// Records `delivery` in the boutique's stock.
pub async fn receive(
    pool: &PgPool,
    boutique_id: i64,
    delivery: &Delivery,
) -> Result<Vec<Applied>, StockError> {
    let reference = field::text("reference_document", &delivery.reference_document, 100)?;
    not_a_transfer(Some(&reference))?;
    let commentaire = delivery
        .commentaire
        .as_deref()
        .map(|c| field::free_text("commentaire", c, 500))
        .transpose()?
        .filter(|c| !c.is_empty());
    if delivery.lines.is_empty() || delivery.lines.len() > MAX_DELIVERY_LINES {
        return Err(Invalid::new(
            "lignes",
            format!(
                "une liste de 1 à {MAX_DELIVERY_LINES} lignes {{article_id, quantite}} est attendue"
            ),
        )
        .into());
    }
    let mut changes = Vec::with_capacity(delivery.lines.len());
    for (i, &(article_id, quantite)) in delivery.lines.iter().enumerate() {
        let article_id = field::id(&format!("lignes[{i}].article_id"), article_id)?;
        let quantite = field::int(&format!("lignes[{i}].quantite"), quantite, 1, MAX_RECEIVED)?;
        changes.push(StockChange {
            article_id,
            kind: MovementType::Entree,
            change: Change::Add(quantite as i32),
            reference_document: Some(reference.clone()),
            utilisateur: delivery.utilisateur.clone(),
            commentaire: commentaire.clone(),
            sale_line: None,
        });
    }
    let mut tx = pool.begin().await?;
    let applied = apply(&mut tx, boutique_id, &changes).await?;
    if delivery.refuse_repeat {
        // The articles are locked by now, so a delivery of the same note that came first is
        // committed and seen here.
        let ours: Vec<i64> = applied.iter().map(|a| a.movement_id).collect();
        let earlier = sqlx::query_scalar!(
            r#"SELECT min(date_mouvement) FROM mouvements_stock
               WHERE boutique_id = $1 AND type_mouvement = 'ENTREE' AND reference_document = $2
                 AND id <> ALL($3)"#,
            boutique_id,
            reference,
            &ours
        )
        .fetch_one(&mut *tx)
        .await?;
        if let Some(at) = earlier {
            tx.rollback().await?;
            return Err(StockError::AlreadyReceived { reference, at });
        }
    }
    tx.commit().await?;
    Ok(applied)
}

/// An article's stock as found by counting it, with why: one `AJUSTEMENT` movement.
#[derive(Debug, Clone)]
pub struct Count {
    pub article_id: i64,
    pub quantite_stock: i64,
    /// Why the stock is not what the journal says (required: an unexplained gap in the
    /// journal is what an adjustment must not leave).
    pub motif: String,
    pub reference_document: Option<String>,
    /// Who counted, as signed in the journal.
    pub utilisateur: String,
}

/// Sets the counted article's stock to what was counted.
pub async fn count(pool: &PgPool, boutique_id: i64, count: &Count) -> Result<Applied, StockError> {
    let article_id = field::id("article_id", count.article_id)?;
    let quantite = field::int("quantite_stock", count.quantite_stock, 0, MAX_STOCK)?;
    let motif = field::text("motif", &count.motif, 500)?;
    let reference = field::optional_text(
        "reference_document",
        count.reference_document.as_deref(),
        100,
    )?;
    not_a_transfer(reference.as_deref())?;
    let mut tx = pool.begin().await?;
    let applied = apply(
        &mut tx,
        boutique_id,
        &[StockChange {
            article_id,
            kind: MovementType::Ajustement,
            change: Change::SetTo(quantite as i32),
            reference_document: reference,
            utilisateur: count.utilisateur.clone(),
            commentaire: Some(motif),
            sale_line: None,
        }],
    )
    .await?
    .remove(0);
    tx.commit().await?;
    Ok(applied)
}

/// Units added to an article that sales left short (a till's `analyse/regulariser`): one
/// `ENTREE` under `reference`, and the article's open stock alerts closed with `notes`, in
/// one transaction. Returns the movement and how many alerts it closed.
pub async fn regularise(
    pool: &PgPool,
    boutique_id: i64,
    article_id: i64,
    quantite: i32,
    reference: &str,
    utilisateur: &str,
    notes: Option<&str>,
) -> Result<(Applied, u64), StockError> {
    let change = StockChange {
        article_id,
        kind: MovementType::Entree,
        change: Change::Add(quantite),
        reference_document: Some(reference.to_owned()),
        utilisateur: utilisateur.to_owned(),
        commentaire: notes.map(str::to_owned),
        sale_line: None,
    };
    let mut tx = pool.begin().await?;
    let applied = apply(&mut tx, boutique_id, &[change])
        .await?
        .pop()
        .ok_or(StockError::ArticleNotFound(article_id))?;
    let closed = sqlx::query!(
        r#"UPDATE alertes_stock
           SET fermee = TRUE, date_fermeture = now(), fermee_par = $3,
               commentaire = COALESCE($4, commentaire)
           WHERE boutique_id = $1 AND article_id = $2 AND NOT fermee"#,
        boutique_id,
        article_id,
        utilisateur,
        notes
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok((applied, closed))
}
