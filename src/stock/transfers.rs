//! Transfers of goods between two shops of one merchant (a depot is a shop flagged
//! `est_depot`). Never across merchants: the transfer is inserted only when both shops have
//! the same merchant, and a trigger of the schema refuses any other.
//!
//! 1. **Sent**: all or nothing, the sender's articles locked: each line's units leave the
//!    sender at once (one `SORTIE` referenced `TRANSFERT-<id>`; refused when the stock is
//!    short) and await the receiver in its article of the same `code` (created off the
//!    catalogue when the shop has none), added to its `quantite_envoyee` as a sending's are,
//!    so the tills' `articles/pending/` lists them unchanged.
//! 2. **Received**: per line, the units actually received enter the receiver's stock (one
//!    `ENTREE` referenced `TRANSFERT-<id>`); the rest is recorded missing on the line and the
//!    transfer's status says so (`RECU_AVEC_ECART`). A manager gives the quantities; a till's
//!    `articles/valider/` receives what was sent (API-D1.md §3.2: the till's count is only
//!    noted).
//! 3. **Refused**: the units go back to the sender (an `ENTREE` referenced `TRANSFERT-<id>`
//!    in the sender's shop) and stop awaiting the receiver.
//!
//! An article's `quantite_envoyee` is the sum of its plain sendings and of its transfer lines
//! in transit. A till confirms or refuses an article as a whole (the tills work per article),
//! so it settles both; a manager settles one transfer, and leaves the rest pending.
//!
//! Locks: articles first (`FOR UPDATE`, ascending id, over both shops), then the transfers
//! (ascending id), then their lines; so a receipt and a refusal, or two receipts (two tills,
//! a till and a manager), wait for each other and the second finds the units already taken.

use super::{Change, MAX_DELIVERY_LINES, MAX_RECEIVED, MovementType, StockChange, StockError};
use crate::field::{self, Invalid};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use std::collections::BTreeMap;

/// Most transfers one listing shows.
pub const MAX_LISTED: i64 = 200;

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("transfer not found in this boutique")]
    NotFound,
    /// Not a shop of the sender's merchant (or inactive, or the sender itself).
    #[error("destination shop not found among the merchant's shops")]
    DestinationNotFound,
    #[error("article {0} not found in this boutique")]
    ArticleNotFound(i64),
    #[error("article {article_id}: not enough stock to send {asked}")]
    InsufficientStock { article_id: i64, asked: i32 },
    /// Nothing of it is in transit any more.
    #[error("transfer {0} already settled")]
    Closed(i64),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<StockError> for TransferError {
    fn from(error: StockError) -> Self {
        match error {
            StockError::ArticleNotFound(id) => TransferError::ArticleNotFound(id),
            StockError::Invalid(invalid) => TransferError::Invalid(invalid),
            StockError::Database(e) => TransferError::Database(e),
            // A stock pushed past its limit: as invalid as a quantity can be.
            StockError::OutOfRange { article_id } => TransferError::Invalid(Invalid::new(
                "lignes",
                format!("le stock de l'article {article_id} sortirait des limites"),
            )),
            StockError::AlreadyReceived { reference, .. } => {
                TransferError::Invalid(Invalid::new("lignes", format!("{reference} déjà reçu")))
            }
        }
    }
}

/// A transfer to send from a shop.
#[derive(Debug, Clone)]
pub struct NewTransfer {
    pub boutique_destination_id: i64,
    /// (sender's article id, units).
    pub lines: Vec<(i64, i64)>,
    pub commentaire: Option<String>,
    /// Who sent it, as signed in the journal.
    pub utilisateur: String,
}

#[derive(Debug, Clone)]
pub struct Transfer {
    pub id: i64,
    pub boutique_source_id: i64,
    pub boutique_source_nom: String,
    pub boutique_destination_id: i64,
    pub boutique_destination_nom: String,
    pub destination_est_depot: bool,
    pub source_est_depot: bool,
    /// `EN_TRANSIT`, `RECU`, `RECU_AVEC_ECART`, `REFUSE`.
    pub statut: String,
    pub commentaire: String,
    pub envoye_par: String,
    pub date_envoi: DateTime<Utc>,
    pub date_cloture: Option<DateTime<Utc>>,
    pub lignes: Vec<TransferLine>,
}

impl Transfer {
    /// Units missing over all its received lines.
    pub fn manquants(&self) -> i32 {
        self.lignes
            .iter()
            .filter_map(|l| l.quantite_manquante)
            .sum()
    }
}

#[derive(Debug, Clone)]
pub struct TransferLine {
    pub id: i64,
    pub article_source_id: i64,
    pub article_destination_id: i64,
    pub code: String,
    pub nom: String,
    pub quantite_envoyee: i32,
    pub quantite_recue: Option<i32>,
    /// Sent but not received (set once received).
    pub quantite_manquante: Option<i32>,
    pub quantite_declaree: Option<i32>,
    /// `EN_TRANSIT`, `RECUE`, `REFUSEE`.
    pub statut: String,
    pub traite_par: Option<String>,
    pub date_traitement: Option<DateTime<Utc>>,
}

/// What becomes of a line in transit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Units received (at most those sent), and the count a till declared if any.
    Received {
        units: i32,
        declared: Option<i32>,
    },
    Refused,
}

/// Sends `new` from the shop `source_id`; returns the transfer as sent.
pub async fn send(
    pool: &PgPool,
    source_id: i64,
    new: &NewTransfer,
) -> Result<Transfer, TransferError> {
    if new.lines.is_empty() || new.lines.len() > MAX_DELIVERY_LINES {
        return Err(Invalid::new(
            "lignes",
            format!("de 1 à {MAX_DELIVERY_LINES} lignes {{article_id, quantite}} sont attendues"),
        )
        .into());
    }
    let commentaire = new
        .commentaire
        .as_deref()
        .map(|c| field::free_text("commentaire", c, 500))
        .transpose()?
        .unwrap_or_default();
    // Lines of one article add up.
    let mut units: BTreeMap<i64, i64> = BTreeMap::new();
    for (i, &(article_id, quantite)) in new.lines.iter().enumerate() {
        let article_id = field::id(&format!("lignes[{i}].article_id"), article_id)?;
        let quantite = field::int(&format!("lignes[{i}].quantite"), quantite, 1, MAX_RECEIVED)?;
        *units.entry(article_id).or_default() += quantite;
    }
    if let Some((_, total)) = units.iter().find(|(_, u)| **u > MAX_RECEIVED) {
        return Err(Invalid::new(
            "lignes",
            format!("au plus {MAX_RECEIVED} unités par article ({total} demandées)"),
        )
        .into());
    }
    let ids: Vec<i64> = units.keys().copied().collect();
    let quantities: Vec<i32> = units.values().map(|u| *u as i32).collect();

    let mut tx = pool.begin().await?;
    // Same merchant, checked here (and again by the schema's trigger).
    let transfer = sqlx::query!(
        r#"INSERT INTO transferts (commercant_id, boutique_source_id, boutique_destination_id,
                                   commentaire, envoye_par)
           SELECT s.commercant_id, s.id, d.id, $3, $4
           FROM boutiques s JOIN boutiques d ON d.commercant_id = s.commercant_id
           WHERE s.id = $1 AND d.id = $2 AND d.id <> s.id AND d.est_active
           RETURNING id"#,
        source_id,
        new.boutique_destination_id,
        commentaire,
        new.utilisateur
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(TransferError::DestinationNotFound)?
    .id;
    let destination_id = new.boutique_destination_id;

    let found = sqlx::query!(
        r#"SELECT id, code FROM articles WHERE boutique_id = $1 AND id = ANY($2) AND est_actif"#,
        source_id,
        &ids
    )
    .fetch_all(&mut *tx)
    .await?;
    if let Some(missing) = ids.iter().find(|id| !found.iter().any(|f| f.id == **id)) {
        return Err(TransferError::ArticleNotFound(*missing));
    }
    // The receiver's article of the same code, created off the catalogue (as a sending
    // creates one) where the shop has none; its category is the one of the same name there.
    sqlx::query!(
        r#"INSERT INTO articles (boutique_id, code, nom, description, prix_vente, prix_achat,
                                 categorie_id, stock_initial, quantite_stock, devise,
                                 prix_vente_usd, prix_achat_usd, quantite_envoyee,
                                 est_valide_client, date_envoi)
           SELECT $2, a.code, a.nom, a.description, a.prix_vente, a.prix_achat, cd.id, 0, 0,
                  a.devise, a.prix_vente_usd, a.prix_achat_usd, 0, FALSE, now()
           FROM articles a
           LEFT JOIN categories c ON c.boutique_id = a.boutique_id AND c.id = a.categorie_id
           LEFT JOIN categories cd ON cd.boutique_id = $2 AND cd.nom = c.nom
           WHERE a.boutique_id = $1 AND a.id = ANY($3)
           ORDER BY a.id
           ON CONFLICT (boutique_id, code) DO NOTHING"#,
        source_id,
        destination_id,
        &ids
    )
    .execute(&mut *tx)
    .await?;
    let codes: Vec<String> = ids
        .iter()
        .map(|id| found.iter().find(|f| f.id == *id).map(|f| f.code.clone()))
        .collect::<Option<_>>()
        .unwrap_or_default();
    let receivers = sqlx::query!(
        r#"SELECT id, code, est_actif FROM articles WHERE boutique_id = $1 AND code = ANY($2)"#,
        destination_id,
        &codes
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut receiver_ids = Vec::with_capacity(ids.len());
    for (i, code) in codes.iter().enumerate() {
        let receiver = receivers
            .iter()
            .find(|r| &r.code == code)
            .ok_or(TransferError::ArticleNotFound(ids[i]))?;
        if !receiver.est_actif {
            return Err(Invalid::new(
                "lignes",
                format!("l'article {code} est retiré de la vente dans la boutique destinataire"),
            )
            .into());
        }
        receiver_ids.push(receiver.id);
    }
    let mut shops = vec![source_id; ids.len()];
    shops.extend(std::iter::repeat_n(destination_id, ids.len()));
    let mut all = ids.clone();
    all.extend(&receiver_ids);
    lock_articles(&mut tx, &shops, &all).await?;

    let reference = reference(transfer);
    let changes: Vec<StockChange> = ids
        .iter()
        .zip(&quantities)
        .map(|(&article_id, &q)| StockChange {
            article_id,
            kind: MovementType::Sortie,
            change: Change::Add(-q),
            reference_document: Some(reference.clone()),
            utilisateur: new.utilisateur.clone(),
            commentaire: Some(format!("Transfert n° {transfer} envoyé")),
            sale_line: None,
        })
        .collect();
    match super::apply(&mut tx, source_id, &changes).await {
        Ok(_) => {}
        Err(StockError::OutOfRange { article_id }) => {
            let asked = units.get(&article_id).copied().unwrap_or(0) as i32;
            return Err(TransferError::InsufficientStock { article_id, asked });
        }
        Err(e) => return Err(e.into()),
    }
    let awaiting = sqlx::query!(
        r#"UPDATE articles AS a
           SET quantite_envoyee = a.quantite_envoyee + s.units, date_envoi = now(),
               date_modification = now()
           FROM unnest($2::int8[], $3::int4[]) AS s(id, units)
           WHERE a.boutique_id = $1 AND a.id = s.id AND a.quantite_envoyee + s.units <= $4"#,
        destination_id,
        &receiver_ids,
        &quantities,
        MAX_RECEIVED as i32
    )
    .execute(&mut *tx)
    .await?;
    if awaiting.rows_affected() != receiver_ids.len() as u64 {
        return Err(Invalid::new(
            "lignes",
            format!("un article ne peut attendre plus de {MAX_RECEIVED} unités"),
        )
        .into());
    }
    sqlx::query!(
        r#"INSERT INTO lignes_transfert (transfert_id, boutique_source_id, boutique_destination_id,
                                         article_source_id, article_destination_id,
                                         quantite_envoyee)
           SELECT $1, $2, $3, l.source, l.destination, l.units
           FROM unnest($4::int8[], $5::int8[], $6::int4[]) AS l(source, destination, units)"#,
        transfer,
        source_id,
        destination_id,
        &ids,
        &receiver_ids,
        &quantities
    )
    .execute(&mut *tx)
    .await?;
    let sent = read(&mut tx, source_id, transfer)
        .await?
        .ok_or(TransferError::NotFound)?;
    tx.commit().await?;
    Ok(sent)
}

/// How a transfer's movements are referenced.
pub fn reference(id: i64) -> String {
    format!("TRANSFERT-{id}")
}

/// Locks articles of several shops (`shops[i]` holds `ids[i]`), ascending id.
async fn lock_articles(
    conn: &mut PgConnection,
    shops: &[i64],
    ids: &[i64],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"SELECT a.id FROM articles a
           JOIN unnest($1::int8[], $2::int8[]) AS l(boutique_id, id)
             ON a.boutique_id = l.boutique_id AND a.id = l.id
           ORDER BY a.id FOR UPDATE OF a"#,
        shops,
        ids
    )
    .fetch_all(conn)
    .await?;
    Ok(())
}

/// The shop's transfers, sent and received, newest first.
pub async fn list(pool: &PgPool, boutique_id: i64) -> Result<Vec<Transfer>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let ids = sqlx::query_scalar!(
        r#"SELECT id FROM transferts
           WHERE boutique_source_id = $1 OR boutique_destination_id = $1
           ORDER BY id DESC LIMIT $2"#,
        boutique_id,
        MAX_LISTED
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(transfer) = read(&mut conn, boutique_id, id).await? {
            found.push(transfer);
        }
    }
    Ok(found)
}

/// The transfer `id`, if the shop sent or receives it.
pub async fn get(pool: &PgPool, boutique_id: i64, id: i64) -> Result<Transfer, TransferError> {
    let mut conn = pool.acquire().await?;
    read(&mut conn, boutique_id, id)
        .await?
        .ok_or(TransferError::NotFound)
}

async fn read(
    conn: &mut PgConnection,
    boutique_id: i64,
    id: i64,
) -> Result<Option<Transfer>, sqlx::Error> {
    let Some(row) = sqlx::query!(
        r#"SELECT t.id, t.boutique_source_id, s.nom AS source_nom, s.est_depot AS source_depot,
                  t.boutique_destination_id, d.nom AS destination_nom,
                  d.est_depot AS destination_depot, t.statut, t.commentaire, t.envoye_par,
                  t.date_envoi, t.date_cloture
           FROM transferts t
           JOIN boutiques s ON s.id = t.boutique_source_id
           JOIN boutiques d ON d.id = t.boutique_destination_id
           WHERE t.id = $2 AND (t.boutique_source_id = $1 OR t.boutique_destination_id = $1)"#,
        boutique_id,
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let lignes = sqlx::query_as!(
        TransferLine,
        r#"SELECT l.id, l.article_source_id, l.article_destination_id, a.code, a.nom,
                  l.quantite_envoyee, l.quantite_recue,
                  l.quantite_envoyee - l.quantite_recue AS quantite_manquante,
                  l.quantite_declaree, l.statut, l.traite_par, l.date_traitement
           FROM lignes_transfert l
           JOIN articles a ON a.boutique_id = l.boutique_source_id AND a.id = l.article_source_id
           WHERE l.transfert_id = $1
           ORDER BY l.id"#,
        id
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(Transfer {
        id: row.id,
        boutique_source_id: row.boutique_source_id,
        boutique_source_nom: row.source_nom,
        source_est_depot: row.source_depot,
        boutique_destination_id: row.boutique_destination_id,
        boutique_destination_nom: row.destination_nom,
        destination_est_depot: row.destination_depot,
        statut: row.statut,
        commentaire: row.commentaire,
        envoye_par: row.envoye_par,
        date_envoi: row.date_envoi,
        date_cloture: row.date_cloture,
        lignes,
    }))
}

/// A line in transit, as settling it needs it.
#[derive(Debug, Clone)]
pub struct InTransit {
    pub id: i64,
    pub transfert_id: i64,
    pub boutique_source_id: i64,
    pub boutique_destination_id: i64,
    pub article_source_id: i64,
    pub article_destination_id: i64,
    pub quantite_envoyee: i32,
}

/// The receiver's shop receives the transfer `id`: each line in transit gets the units of
/// `received` (line id → units, at most those sent), or all its units when not named.
pub async fn receive(
    pool: &PgPool,
    boutique_id: i64,
    id: i64,
    received: &[(i64, i64)],
    utilisateur: &str,
) -> Result<Transfer, TransferError> {
    let mut named: BTreeMap<i64, i64> = BTreeMap::new();
    for (i, &(line, units)) in received.iter().enumerate() {
        let line = field::id(&format!("lignes[{i}].ligne_id"), line)?;
        let units = field::int(
            &format!("lignes[{i}].quantite_recue"),
            units,
            0,
            MAX_RECEIVED,
        )?;
        if named.insert(line, units).is_some() {
            return Err(Invalid::new(
                format!("lignes[{i}].ligne_id"),
                "une même ligne ne peut être nommée deux fois",
            )
            .into());
        }
    }
    settle_transfer(
        pool,
        boutique_id,
        id,
        utilisateur,
        |line| {
            let units = named
                .get(&line.id)
                .copied()
                .unwrap_or(i64::from(line.quantite_envoyee));
            if units > i64::from(line.quantite_envoyee) {
                return Err(Invalid::new(
                    "quantite_recue",
                    format!(
                        "au plus {} unité(s) ont été envoyées sur la ligne {}",
                        line.quantite_envoyee, line.id
                    ),
                ));
            }
            Ok(Outcome::Received {
                units: units as i32,
                declared: None,
            })
        },
        |lines| match named.keys().find(|l| !lines.iter().any(|t| t.id == **l)) {
            Some(unknown) => Err(Invalid::new(
                "lignes",
                format!("la ligne {unknown} n'est pas en transit dans ce transfert"),
            )),
            None => Ok(()),
        },
    )
    .await
}

/// The receiver's shop refuses the transfer `id`: every line in transit goes back.
pub async fn refuse(
    pool: &PgPool,
    boutique_id: i64,
    id: i64,
    utilisateur: &str,
) -> Result<Transfer, TransferError> {
    settle_transfer(
        pool,
        boutique_id,
        id,
        utilisateur,
        |_| Ok(Outcome::Refused),
        |_| Ok(()),
    )
    .await
}

async fn settle_transfer(
    pool: &PgPool,
    boutique_id: i64,
    id: i64,
    utilisateur: &str,
    outcome: impl Fn(&InTransit) -> Result<Outcome, Invalid>,
    check: impl Fn(&[InTransit]) -> Result<(), Invalid>,
) -> Result<Transfer, TransferError> {
    let mut tx = pool.begin().await?;
    // The articles of its lines never change: lock them first (lock order), then the
    // transfer, then read what is still in transit.
    let all = sqlx::query!(
        r#"SELECT boutique_source_id, boutique_destination_id, article_source_id,
                  article_destination_id
           FROM lignes_transfert WHERE transfert_id = $1 AND boutique_destination_id = $2"#,
        id,
        boutique_id
    )
    .fetch_all(&mut *tx)
    .await?;
    if all.is_empty() {
        return Err(TransferError::NotFound);
    }
    let mut shops = Vec::with_capacity(all.len() * 2);
    let mut ids = Vec::with_capacity(all.len() * 2);
    for line in &all {
        shops.extend([line.boutique_source_id, line.boutique_destination_id]);
        ids.extend([line.article_source_id, line.article_destination_id]);
    }
    lock_articles(&mut tx, &shops, &ids).await?;
    lock_transfers(&mut tx, &[id]).await?;
    let lines = sqlx::query_as!(
        InTransit,
        r#"SELECT id, transfert_id, boutique_source_id, boutique_destination_id,
                  article_source_id, article_destination_id, quantite_envoyee
           FROM lignes_transfert
           WHERE transfert_id = $1 AND boutique_destination_id = $2 AND statut = 'EN_TRANSIT'
           ORDER BY id"#,
        id,
        boutique_id
    )
    .fetch_all(&mut *tx)
    .await?;
    if lines.is_empty() {
        return Err(TransferError::Closed(id));
    }
    check(&lines)?;
    for line in &lines {
        let what = outcome(line)?;
        settle_line(&mut tx, line, what, utilisateur).await?;
    }
    refresh(&mut tx, &[id]).await?;
    let done = read(&mut tx, boutique_id, id)
        .await?
        .ok_or(TransferError::NotFound)?;
    tx.commit().await?;
    Ok(done)
}

async fn lock_transfers(conn: &mut PgConnection, ids: &[i64]) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "SELECT id FROM transferts WHERE id = ANY($1) ORDER BY id FOR UPDATE",
        ids
    )
    .fetch_all(conn)
    .await?;
    Ok(())
}

/// The senders' articles of the lines awaiting the receiver's article `article_id`, read
/// without a lock (a refusal locks them, in order, before it settles).
pub async fn senders_awaiting(
    conn: &mut PgConnection,
    boutique_id: i64,
    article_id: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"SELECT boutique_source_id, article_source_id FROM lignes_transfert
           WHERE article_destination_id = $2 AND boutique_destination_id = $1
             AND statut = 'EN_TRANSIT'"#,
        boutique_id,
        article_id
    )
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(|r| (r.boutique_source_id, r.article_source_id))
    .collect())
}

/// Locks several articles of several shops, ascending id (for a till's refusal, which
/// moves the senders' stock too).
pub async fn lock(conn: &mut PgConnection, articles: &[(i64, i64)]) -> Result<(), sqlx::Error> {
    let (shops, ids): (Vec<i64>, Vec<i64>) = articles.iter().copied().unzip();
    lock_articles(conn, &shops, &ids).await
}

/// The lines in transit to the receiver's article `article_id`, their transfers locked. The
/// article must be locked already (no line can then be added to it).
pub async fn awaiting(
    conn: &mut PgConnection,
    boutique_id: i64,
    article_id: i64,
) -> Result<Vec<InTransit>, sqlx::Error> {
    let transfers = sqlx::query_scalar!(
        r#"SELECT DISTINCT transfert_id FROM lignes_transfert
           WHERE article_destination_id = $2 AND boutique_destination_id = $1
             AND statut = 'EN_TRANSIT'
           ORDER BY transfert_id"#,
        boutique_id,
        article_id
    )
    .fetch_all(&mut *conn)
    .await?;
    if transfers.is_empty() {
        return Ok(Vec::new());
    }
    lock_transfers(conn, &transfers).await?;
    sqlx::query_as!(
        InTransit,
        r#"SELECT id, transfert_id, boutique_source_id, boutique_destination_id,
                  article_source_id, article_destination_id, quantite_envoyee
           FROM lignes_transfert
           WHERE article_destination_id = $2 AND boutique_destination_id = $1
             AND statut = 'EN_TRANSIT'
           ORDER BY transfert_id, id"#,
        boutique_id,
        article_id
    )
    .fetch_all(conn)
    .await
}

/// Settles one line in transit (its articles and transfer locked by the caller): its
/// movement, the receiver's pending units, the line. The caller then [`refresh`]es the
/// transfers' status.
pub async fn settle_line(
    conn: &mut PgConnection,
    line: &InTransit,
    outcome: Outcome,
    utilisateur: &str,
) -> Result<(), TransferError> {
    let reference = reference(line.transfert_id);
    let received = match outcome {
        Outcome::Received { units, .. } => {
            if units > 0 {
                super::apply(
                    conn,
                    line.boutique_destination_id,
                    &[StockChange {
                        article_id: line.article_destination_id,
                        kind: MovementType::Entree,
                        change: Change::Add(units),
                        reference_document: Some(reference),
                        utilisateur: utilisateur.to_owned(),
                        commentaire: Some(if units == line.quantite_envoyee {
                            format!("Transfert n° {} reçu", line.transfert_id)
                        } else {
                            format!(
                                "Transfert n° {} reçu : {units} sur {} ({} manquante(s))",
                                line.transfert_id,
                                line.quantite_envoyee,
                                line.quantite_envoyee - units
                            )
                        }),
                        sale_line: None,
                    }],
                )
                .await?;
            }
            Some(units)
        }
        Outcome::Refused => {
            super::apply(
                conn,
                line.boutique_source_id,
                &[StockChange {
                    article_id: line.article_source_id,
                    kind: MovementType::Entree,
                    change: Change::Add(line.quantite_envoyee),
                    reference_document: Some(reference),
                    utilisateur: utilisateur.to_owned(),
                    commentaire: Some(format!(
                        "Transfert n° {} refusé : retour au stock",
                        line.transfert_id
                    )),
                    sale_line: None,
                }],
            )
            .await?;
            None
        }
    };
    let declared = match outcome {
        Outcome::Received { declared, .. } => declared,
        Outcome::Refused => None,
    };
    sqlx::query!(
        r#"UPDATE articles
           SET quantite_envoyee = GREATEST(quantite_envoyee - $3, 0),
               est_valide_client = est_valide_client OR COALESCE($4, 0) > 0,
               date_validation = CASE WHEN COALESCE($4, 0) > 0 THEN now() ELSE date_validation END,
               date_modification = now()
           WHERE boutique_id = $1 AND id = $2"#,
        line.boutique_destination_id,
        line.article_destination_id,
        line.quantite_envoyee,
        received
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"UPDATE lignes_transfert
           SET statut = CASE WHEN $2::int4 IS NULL THEN 'REFUSEE' ELSE 'RECUE' END,
               quantite_recue = $2, quantite_declaree = $3, traite_par = $4,
               date_traitement = now()
           WHERE id = $1 AND statut = 'EN_TRANSIT'"#,
        line.id,
        received,
        declared,
        utilisateur
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets the status of the transfers `ids` from their lines.
pub async fn refresh(conn: &mut PgConnection, ids: &[i64]) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE transferts t
           SET statut = s.statut,
               date_cloture = CASE WHEN s.statut = 'EN_TRANSIT' THEN NULL
                                   ELSE COALESCE(t.date_cloture, now()) END
           FROM (SELECT transfert_id,
                        CASE WHEN bool_or(statut = 'EN_TRANSIT') THEN 'EN_TRANSIT'
                             WHEN bool_and(statut = 'REFUSEE') THEN 'REFUSE'
                             WHEN bool_and(statut = 'RECUE' AND quantite_recue = quantite_envoyee)
                                  THEN 'RECU'
                             ELSE 'RECU_AVEC_ECART' END AS statut
                 FROM lignes_transfert WHERE transfert_id = ANY($1)
                 GROUP BY transfert_id) s
           WHERE t.id = s.transfert_id"#,
        ids
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The shops of the same merchant a shop may send to (active, itself excepted), by name.
pub async fn destinations(
    pool: &PgPool,
    boutique_id: i64,
) -> Result<Vec<(i64, String, bool)>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"SELECT d.id, d.nom, d.est_depot FROM boutiques s
           JOIN boutiques d ON d.commercant_id = s.commercant_id
           WHERE s.id = $1 AND d.id <> s.id AND d.est_active
           ORDER BY d.nom, d.id"#,
        boutique_id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.id, r.nom, r.est_depot))
    .collect())
}
