//! Sendings (API-D1.md §3.2): units sent to a shop become its stock only once a till there
//! confirms receipt. A manager sends (`quantite_envoyee` adds up, `date_envoi` stamped); the
//! shop's tills list what awaits them, then confirm (the server's pending units enter the
//! stock by one `ENTREE`, whatever count the till declares, which is only noted) or refuse
//! (the pending units are dropped, the stock does not move). An article created as a sending
//! stays off the catalogue until confirmed; one already on sale stays on sale.
//!
//! Each step locks the article row, so a confirmation and a refusal, or two confirmations
//! from two tills, cannot both take the same units.

use super::transfers;
use super::{
    Applied, Change, MAX_DELIVERY_LINES, MAX_RECEIVED, MovementType, StockChange, StockError,
};
use crate::catalogue::live;
use crate::field::{self, Invalid};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};

/// An article with units awaiting a till's confirmation.
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: i64,
    pub code: String,
    pub nom: String,
    pub description: String,
    pub categorie: Option<String>,
    pub categorie_id: Option<i64>,
    pub prix_vente: Decimal,
    pub prix_achat: Decimal,
    pub devise: String,
    pub quantite_envoyee: i32,
    pub quantite_stock: i32,
    pub date_envoi: Option<DateTime<Utc>>,
    pub date_creation: DateTime<Utc>,
}

/// Adds `lines` (article, units) to what awaits the shop's confirmation; all or nothing.
/// Returns the articles sent, as they now await.
pub async fn send(
    pool: &PgPool,
    boutique_id: i64,
    lines: &[(i64, i64)],
) -> Result<Vec<Pending>, StockError> {
    if lines.is_empty() || lines.len() > MAX_DELIVERY_LINES {
        return Err(Invalid::new(
            "lignes",
            format!("de 1 à {MAX_DELIVERY_LINES} lignes sont attendues"),
        )
        .into());
    }
    let mut ids = Vec::with_capacity(lines.len());
    let mut units = Vec::with_capacity(lines.len());
    for (i, &(article_id, quantite)) in lines.iter().enumerate() {
        ids.push(field::int(
            &format!("lignes[{i}].article_id"),
            article_id,
            1,
            i64::MAX,
        )?);
        units.push(field::int(&format!("lignes[{i}].quantite"), quantite, 1, MAX_RECEIVED)? as i32);
    }
    let mut tx = pool.begin().await?;
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    let found = sqlx::query_scalar!(
        r#"SELECT id FROM articles WHERE boutique_id = $1 AND id = ANY($2) AND est_actif
           ORDER BY id FOR UPDATE"#,
        boutique_id,
        &sorted
    )
    .fetch_all(&mut *tx)
    .await?;
    if let Some(missing) = sorted.iter().find(|id| !found.contains(id)) {
        return Err(StockError::ArticleNotFound(*missing));
    }
    let updated = sqlx::query!(
        r#"UPDATE articles AS a
           SET quantite_envoyee = a.quantite_envoyee + s.units, date_envoi = now(),
               date_modification = now()
           FROM (SELECT id, sum(units)::int4 AS units
                 FROM unnest($2::int8[], $3::int4[]) AS l(id, units) GROUP BY id) AS s
           WHERE a.boutique_id = $1 AND a.id = s.id AND a.quantite_envoyee + s.units <= $4"#,
        boutique_id,
        &ids,
        &units,
        MAX_RECEIVED as i32
    )
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != sorted.len() as u64 {
        return Err(Invalid::new(
            "lignes",
            format!("un article ne peut attendre plus de {MAX_RECEIVED} unités"),
        )
        .into());
    }
    let sent = pending_of(&mut tx, boutique_id, Some(&sorted)).await?;
    tx.commit().await?;
    Ok(sent)
}

/// The shop's active articles with units awaiting confirmation, newest sending first.
pub async fn pending(pool: &PgPool, boutique_id: i64) -> Result<Vec<Pending>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    pending_of(&mut conn, boutique_id, None).await
}

async fn pending_of(
    conn: &mut PgConnection,
    boutique_id: i64,
    only: Option<&[i64]>,
) -> Result<Vec<Pending>, sqlx::Error> {
    sqlx::query_as!(
        Pending,
        r#"SELECT a.id, a.code, a.nom, a.description, c.nom AS "categorie?", a.categorie_id,
                  a.prix_vente, a.prix_achat, a.devise, a.quantite_envoyee, a.quantite_stock,
                  a.date_envoi, a.date_creation
           FROM articles a LEFT JOIN categories c ON c.id = a.categorie_id
           WHERE a.boutique_id = $1 AND a.est_actif AND a.quantite_envoyee > 0
             AND ($2::int8[] IS NULL OR a.id = ANY($2))
           ORDER BY a.date_envoi DESC NULLS LAST, a.id DESC"#,
        boutique_id,
        only
    )
    .fetch_all(conn)
    .await
}

/// An article after a confirmation or a refusal.
#[derive(Debug, Clone)]
pub struct Settled {
    pub id: i64,
    pub code: String,
    pub nom: String,
    pub quantite_stock: i32,
    pub est_valide_client: bool,
    pub date_validation: Option<DateTime<Utc>>,
    /// The last movement that brought units in (`None`: nothing was pending).
    pub entree: Option<Applied>,
    /// Units that entered the stock (plain sendings and transfers together).
    pub ajoute: i32,
}

/// Who confirms, and the count they declared.
pub struct Confirmation<'a> {
    pub article_id: i64,
    pub quantite_declaree: i64,
    /// As signed in the journal (the till's name).
    pub utilisateur: &'a str,
    pub code_boutique: &'a str,
}

async fn lock(
    conn: &mut PgConnection,
    boutique_id: i64,
    article_id: i64,
) -> Result<(live::Before, i32), StockError> {
    let before = live::before(conn, boutique_id, article_id)
        .await?
        .filter(|b| b.est_actif)
        .ok_or(StockError::ArticleNotFound(article_id))?;
    let pending = before.quantite_envoyee;
    Ok((before, pending))
}

async fn settled(
    conn: &mut PgConnection,
    boutique_id: i64,
    article_id: i64,
    entree: Option<Applied>,
) -> Result<Settled, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT id, code, nom, quantite_stock, est_valide_client, date_validation
           FROM articles WHERE boutique_id = $1 AND id = $2"#,
        boutique_id,
        article_id
    )
    .fetch_one(conn)
    .await?;
    Ok(Settled {
        id: row.id,
        code: row.code,
        nom: row.nom,
        quantite_stock: row.quantite_stock,
        est_valide_client: row.est_valide_client,
        date_validation: row.date_validation,
        ajoute: 0,
        entree,
    })
}

/// A till confirms receipt: the server's pending units enter the stock. Those awaiting in
/// transfers are received in full (each by an `ENTREE` referenced `TRANSFERT-<id>`, the
/// line marked received); the rest, plain sendings, by one `ENTREE` referenced
/// `VALIDATION-<code_boutique>-<id>`.
pub async fn confirm(
    pool: &PgPool,
    boutique_id: i64,
    confirmation: &Confirmation<'_>,
) -> Result<Settled, StockError> {
    let article_id = confirmation.article_id;
    let mut tx = pool.begin().await?;
    let (before, pending) = lock(&mut tx, boutique_id, article_id).await?;
    if pending == 0 {
        let unchanged = settled(&mut tx, boutique_id, article_id, None).await?;
        tx.commit().await?;
        return Ok(unchanged);
    }
    let declared = confirmation.quantite_declaree;
    let noted = if declared == i64::from(pending) {
        String::new()
    } else {
        format!(" (quantité déclarée par la caisse : {declared})")
    };
    let lines = transfers::awaiting(&mut tx, boutique_id, article_id).await?;
    let in_transfers: i32 = lines.iter().map(|l| l.quantite_envoyee).sum();
    let mut entree = None;
    for line in &lines {
        // The till's count is the line's own only when nothing else awaited.
        let declared = (line.quantite_envoyee == pending)
            .then(|| i32::try_from(declared).ok())
            .flatten();
        transfers::settle_line(
            &mut tx,
            line,
            transfers::Outcome::Received {
                units: line.quantite_envoyee,
                declared,
            },
            confirmation.utilisateur,
        )
        .await
        .map_err(transfer_failed)?;
    }
    let plain = (pending - in_transfers).max(0);
    if plain > 0 {
        entree = super::apply(
            &mut tx,
            boutique_id,
            &[StockChange {
                article_id,
                kind: MovementType::Entree,
                change: Change::Add(plain),
                reference_document: Some(format!(
                    "VALIDATION-{}-{article_id}",
                    confirmation.code_boutique
                )),
                utilisateur: confirmation.utilisateur.to_owned(),
                commentaire: Some(format!(
                    "Envoi de {plain} unité(s) confirmé par la caisse{noted}"
                )),
                sale_line: None,
            }],
        )
        .await?
        .pop();
    }
    sqlx::query!(
        r#"UPDATE articles SET est_valide_client = TRUE, quantite_envoyee = 0,
                               date_validation = now(), date_modification = now()
           WHERE boutique_id = $1 AND id = $2"#,
        boutique_id,
        article_id
    )
    .execute(&mut *tx)
    .await?;
    let transfer_ids: Vec<i64> = lines.iter().map(|l| l.transfert_id).collect();
    transfers::refresh(&mut tx, &transfer_ids).await?;
    live::changed(&mut tx, boutique_id, article_id, Some(&before)).await?;
    let mut done = settled(&mut tx, boutique_id, article_id, entree).await?;
    done.ajoute = plain + in_transfers;
    tx.commit().await?;
    Ok(done)
}

/// A transfer's failure where only a stock error can be told.
fn transfer_failed(error: transfers::TransferError) -> StockError {
    use transfers::TransferError;
    match error {
        TransferError::ArticleNotFound(id) => StockError::ArticleNotFound(id),
        TransferError::Invalid(invalid) => StockError::Invalid(invalid),
        TransferError::Database(e) => StockError::Database(e),
        other => StockError::Invalid(Invalid::new("article_id", other.to_string())),
    }
}

/// A till refuses a sending: its pending units are dropped, the stock does not move; units
/// awaiting in transfers go back to their senders (an `ENTREE` there, the line refused).
pub async fn refuse(
    pool: &PgPool,
    boutique_id: i64,
    article_id: i64,
    utilisateur: &str,
) -> Result<Settled, StockError> {
    // The senders' articles are locked with this one, in id order; a transfer sent to the
    // article between the first look and the locks brings a sender not locked: start again.
    for _ in 0..5 {
        let mut tx = pool.begin().await?;
        let mut articles = transfers::senders_awaiting(&mut tx, boutique_id, article_id).await?;
        articles.push((boutique_id, article_id));
        transfers::lock(&mut tx, &articles).await?;
        let (before, pending) = lock(&mut tx, boutique_id, article_id).await?;
        let lines = transfers::awaiting(&mut tx, boutique_id, article_id).await?;
        if lines
            .iter()
            .any(|l| !articles.contains(&(l.boutique_source_id, l.article_source_id)))
        {
            tx.rollback().await?;
            continue;
        }
        if pending > 0 {
            for line in &lines {
                transfers::settle_line(&mut tx, line, transfers::Outcome::Refused, utilisateur)
                    .await
                    .map_err(transfer_failed)?;
            }
            let transfer_ids: Vec<i64> = lines.iter().map(|l| l.transfert_id).collect();
            transfers::refresh(&mut tx, &transfer_ids).await?;
            sqlx::query!(
                r#"UPDATE articles SET quantite_envoyee = 0, date_modification = now()
                   WHERE boutique_id = $1 AND id = $2"#,
                boutique_id,
                article_id
            )
            .execute(&mut *tx)
            .await?;
            live::changed(&mut tx, boutique_id, article_id, Some(&before)).await?;
        }
        let done = settled(&mut tx, boutique_id, article_id, None).await?;
        tx.commit().await?;
        return Ok(done);
    }
    Err(StockError::Invalid(Invalid::new(
        "article_id",
        "l'article change trop vite, réessayez",
    )))
}
