//! Counts that offline sales cannot spoil.
//!
//! A shop counts its shelves in a session: it is opened, lines are counted (an article, the
//! units on the shelf, and the instant each was counted, by whom; counting an article again
//! replaces its line), then a manager applies it or abandons it. Applying sets each counted
//! article to what was on the shelf at its count time *plus what moved after that time*: a
//! sale made after the count but already recorded still takes its units, a delivery received
//! after it still adds. Articles not counted are left alone.
//!
//! The count time is then the article's anchor (`articles.compte_a`). A sale that reaches
//! the server after the count was applied, but was made before the article was counted (a
//! till offline for the day), was already missing from the shelf when the shop counted: it is
//! recorded (its revenue, its line, its `VENTE` movement) without taking the article's stock
//! a second time, its movement followed by an `AJUSTEMENT` correction under
//! `INVENTAIRE-<session>` linked to the sale, so that the stock still equals the sum of the
//! movements. The sale path does this ([`crate::sales`]); this module writes the counts.
//!
//! When something happened, for this rule, is: a sale's instant (`date_vente`) for its
//! movement and its correction; a count's instant for the count's own movement; otherwise
//! the movement's date. An article counted again later takes the later count; a line older
//! than the article's anchor when its session is applied is superseded and changes nothing.
//!
//! A till's stock count (`PUT articles/<id>/stock/`) is a session of one line, counted and
//! applied at once. Applying locks the session, then the counted articles in ascending id
//! order (the server's one lock order), so a sale of the same articles lands either wholly
//! before the apply (and is seen by it) or wholly after (and sees the anchor).

use super::{
    Applied, Change, MAX_DELIVERY_LINES, MAX_STOCK, MovementType, StockChange, StockError,
};
use crate::field::{self, Invalid};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;

/// Most count sessions a listing returns.
pub const MAX_LISTED: i64 = 100;

/// Why a count was refused.
#[derive(Debug, thiserror::Error)]
pub enum CountError {
    #[error("count session {0} not found in this boutique")]
    NotFound(i64),
    /// Lines are only counted, and a session only applied or abandoned, while it is open.
    #[error("count session {id} is {statut}")]
    Closed { id: i64, statut: String },
    /// A shop counts in one session at a time.
    #[error("count session {0} is already open")]
    AlreadyOpen(i64),
    #[error("a count session needs at least one counted line")]
    Empty,
    /// The article was counted later than this, and that count is applied.
    #[error("article {0} was counted again since")]
    Superseded(i64),
    #[error(transparent)]
    Stock(#[from] StockError),
}

impl From<sqlx::Error> for CountError {
    fn from(e: sqlx::Error) -> Self {
        CountError::Stock(StockError::Database(e))
    }
}

impl From<Invalid> for CountError {
    fn from(e: Invalid) -> Self {
        CountError::Stock(StockError::Invalid(e))
    }
}

/// A count session, with its lines when shown whole.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: i64,
    pub statut: String,
    pub commentaire: Option<String>,
    pub ouvert_par: String,
    pub date_ouverture: DateTime<Utc>,
    pub cloture_par: Option<String>,
    pub date_cloture: Option<DateTime<Utc>>,
    pub nombre_lignes: i64,
    pub lignes: Vec<Line>,
}

/// A counted article.
#[derive(Debug, Clone)]
pub struct Line {
    pub article_id: i64,
    pub code: String,
    pub nom: String,
    pub quantite_comptee: i32,
    pub compte_a: DateTime<Utc>,
    pub compte_par: String,
    /// The article's stock now (while open), for the counter to compare.
    pub stock_actuel: i32,
    /// Once applied: the stock before and after, and the movement written (none when a
    /// later count had superseded the line).
    pub stock_avant: Option<i32>,
    pub stock_apres: Option<i32>,
    pub mouvement_id: Option<i64>,
}

/// Opens a count session in the shop.
pub async fn open(
    pool: &PgPool,
    boutique_id: i64,
    ouvert_par: &str,
    commentaire: Option<&str>,
) -> Result<Session, CountError> {
    let commentaire = commentaire
        .map(|c| field::free_text("commentaire", c.trim(), 500))
        .transpose()?
        .filter(|c| !c.is_empty());
    let id = sqlx::query_scalar!(
        r#"INSERT INTO comptages (boutique_id, ouvert_par, commentaire) VALUES ($1, $2, $3)
           ON CONFLICT (boutique_id) WHERE statut = 'OUVERT' DO NOTHING
           RETURNING id"#,
        boutique_id,
        ouvert_par,
        commentaire
    )
    .fetch_optional(pool)
    .await?;
    match id {
        Some(id) => show(pool, boutique_id, id).await,
        None => {
            let open = sqlx::query_scalar!(
                "SELECT id FROM comptages WHERE boutique_id = $1 AND statut = 'OUVERT'",
                boutique_id
            )
            .fetch_optional(pool)
            .await?;
            // Closed in between: the caller may try again.
            Err(CountError::AlreadyOpen(open.unwrap_or_default()))
        }
    }
}

/// Records counted lines (article, units on the shelf) in an open session, counted now by
/// `compte_par`; an article counted again replaces its line. All or nothing.
pub async fn record(
    pool: &PgPool,
    boutique_id: i64,
    comptage_id: i64,
    lines: &[(i64, i64)],
    compte_par: &str,
) -> Result<Session, CountError> {
    let (ids, units) = checked_lines(lines)?;
    let mut tx = pool.begin().await?;
    lock_open(&mut tx, boutique_id, comptage_id, false).await?;
    insert_lines(&mut tx, boutique_id, comptage_id, &ids, &units, compte_par).await?;
    tx.commit().await?;
    show(pool, boutique_id, comptage_id).await
}

/// Applies an open session: each counted article's stock becomes what was counted plus what
/// moved after its count time, one `AJUSTEMENT` movement under `INVENTAIRE-<id>` each.
pub async fn apply(
    pool: &PgPool,
    boutique_id: i64,
    comptage_id: i64,
    par: &str,
) -> Result<Session, CountError> {
    close(pool, boutique_id, comptage_id, par, true).await
}

/// Abandons an open session: nothing it counted changes the stock.
pub async fn abandon(
    pool: &PgPool,
    boutique_id: i64,
    comptage_id: i64,
    par: &str,
) -> Result<Session, CountError> {
    close(pool, boutique_id, comptage_id, par, false).await
}

async fn close(
    pool: &PgPool,
    boutique_id: i64,
    comptage_id: i64,
    par: &str,
    applied: bool,
) -> Result<Session, CountError> {
    let mut tx = pool.begin().await?;
    lock_open(&mut tx, boutique_id, comptage_id, true).await?;
    if applied {
        apply_locked(&mut tx, boutique_id, comptage_id, par, None).await?;
    } else {
        sqlx::query!(
            r#"UPDATE comptages SET statut = 'ABANDONNE', cloture_par = $3, date_cloture = now()
               WHERE boutique_id = $1 AND id = $2"#,
            boutique_id,
            comptage_id,
            par
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    show(pool, boutique_id, comptage_id).await
}

/// One article counted and applied at once (a till's stock count): a session of one line.
pub async fn count_now(
    pool: &PgPool,
    boutique_id: i64,
    article_id: i64,
    quantite: i64,
    par: &str,
    motif: &str,
) -> Result<Applied, CountError> {
    let article_id = field::id("article_id", article_id)?;
    let quantite = field::int("quantite_stock", quantite, 0, MAX_STOCK)? as i32;
    let motif = field::text("motif", motif, 500)?;
    let mut tx = pool.begin().await?;
    // The article first: the count's instant is taken under its lock, so that of two tills
    // counting it at once the one applied last is the later count.
    let found = sqlx::query_scalar!(
        "SELECT id FROM articles WHERE boutique_id = $1 AND id = $2 FOR UPDATE",
        boutique_id,
        article_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if found.is_none() {
        return Err(StockError::ArticleNotFound(article_id).into());
    }
    let comptage_id = sqlx::query_scalar!(
        r#"WITH session AS (
               INSERT INTO comptages (boutique_id, statut, ouvert_par, commentaire)
               VALUES ($1, 'APPLIQUE', $2, $3) RETURNING id
           ), line AS (
               INSERT INTO lignes_comptage (comptage_id, boutique_id, article_id,
                                            quantite_comptee, compte_a, compte_par)
               SELECT id, $1, $4, $5, clock_timestamp(), $2 FROM session
           )
           SELECT id AS "id!" FROM session"#,
        boutique_id,
        par,
        motif,
        article_id,
        quantite
    )
    .fetch_one(&mut *tx)
    .await?;
    let applied = apply_locked(&mut tx, boutique_id, comptage_id, par, Some(&motif))
        .await?
        .pop()
        .ok_or(CountError::Superseded(article_id))?;
    tx.commit().await?;
    Ok(applied)
}

/// The shop's count sessions, newest first.
pub async fn list(pool: &PgPool, boutique_id: i64, limit: i64) -> Result<Vec<Session>, CountError> {
    Ok(sqlx::query!(
        r#"SELECT c.id, c.statut, c.commentaire, c.ouvert_par, c.date_ouverture, c.cloture_par,
                  c.date_cloture,
                  (SELECT count(*) FROM lignes_comptage l
                   WHERE l.boutique_id = c.boutique_id AND l.comptage_id = c.id) AS "lignes!"
           FROM comptages c
           WHERE c.boutique_id = $1
           ORDER BY c.date_ouverture DESC, c.id DESC
           LIMIT $2"#,
        boutique_id,
        limit.clamp(1, MAX_LISTED)
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| Session {
        id: r.id,
        statut: r.statut,
        commentaire: r.commentaire,
        ouvert_par: r.ouvert_par,
        date_ouverture: r.date_ouverture,
        cloture_par: r.cloture_par,
        date_cloture: r.date_cloture,
        nombre_lignes: r.lignes,
        lignes: Vec::new(),
    })
    .collect())
}

/// A count session of the shop with its lines, by article name.
pub async fn show(
    pool: &PgPool,
    boutique_id: i64,
    comptage_id: i64,
) -> Result<Session, CountError> {
    let session = sqlx::query!(
        r#"SELECT id, statut, commentaire, ouvert_par, date_ouverture, cloture_par, date_cloture
           FROM comptages WHERE boutique_id = $1 AND id = $2"#,
        boutique_id,
        comptage_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(CountError::NotFound(comptage_id))?;
    let lignes: Vec<Line> = sqlx::query!(
        r#"SELECT l.article_id, a.code, a.nom, l.quantite_comptee, l.compte_a, l.compte_par,
                  a.quantite_stock, l.stock_avant, l.stock_apres, l.mouvement_id
           FROM lignes_comptage l
           JOIN articles a ON a.boutique_id = l.boutique_id AND a.id = l.article_id
           WHERE l.boutique_id = $1 AND l.comptage_id = $2
           ORDER BY a.nom, a.id"#,
        boutique_id,
        comptage_id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| Line {
        article_id: r.article_id,
        code: r.code,
        nom: r.nom,
        quantite_comptee: r.quantite_comptee,
        compte_a: r.compte_a,
        compte_par: r.compte_par,
        stock_actuel: r.quantite_stock,
        stock_avant: r.stock_avant,
        stock_apres: r.stock_apres,
        mouvement_id: r.mouvement_id,
    })
    .collect();
    Ok(Session {
        id: session.id,
        statut: session.statut,
        commentaire: session.commentaire,
        ouvert_par: session.ouvert_par,
        date_ouverture: session.date_ouverture,
        cloture_par: session.cloture_par,
        date_cloture: session.date_cloture,
        nombre_lignes: lignes.len() as i64,
        lignes,
    })
}

fn checked_lines(lines: &[(i64, i64)]) -> Result<(Vec<i64>, Vec<i32>), CountError> {
    if lines.is_empty() || lines.len() > MAX_DELIVERY_LINES {
        return Err(Invalid::new(
            "lignes",
            format!(
                "une liste de 1 à {MAX_DELIVERY_LINES} lignes {{article_id, quantite}} est attendue"
            ),
        )
        .into());
    }
    let mut counted: HashMap<i64, i32> = HashMap::with_capacity(lines.len());
    for (i, &(article_id, quantite)) in lines.iter().enumerate() {
        let article_id = field::id(&format!("lignes[{i}].article_id"), article_id)?;
        let quantite = field::int(&format!("lignes[{i}].quantite"), quantite, 0, MAX_STOCK)?;
        // The same article twice in one request: the last line counts, as a recount would.
        counted.insert(article_id, quantite as i32);
    }
    let mut sorted: Vec<(i64, i32)> = counted.into_iter().collect();
    sorted.sort_unstable();
    Ok(sorted.into_iter().unzip())
}

/// Locks the shop's session, refusing one that is not open: exclusively to apply or abandon
/// it, shared to count in it (two counters add lines at once; an apply waits for them).
async fn lock_open(
    conn: &mut PgConnection,
    boutique_id: i64,
    comptage_id: i64,
    exclusive: bool,
) -> Result<(), CountError> {
    let statut = if exclusive {
        sqlx::query_scalar!(
            "SELECT statut FROM comptages WHERE boutique_id = $1 AND id = $2 FOR UPDATE",
            boutique_id,
            comptage_id
        )
        .fetch_optional(&mut *conn)
        .await?
    } else {
        sqlx::query_scalar!(
            "SELECT statut FROM comptages WHERE boutique_id = $1 AND id = $2 FOR SHARE",
            boutique_id,
            comptage_id
        )
        .fetch_optional(&mut *conn)
        .await?
    };
    match statut {
        None => Err(CountError::NotFound(comptage_id)),
        Some(statut) if statut != "OUVERT" => Err(CountError::Closed {
            id: comptage_id,
            statut,
        }),
        Some(_) => Ok(()),
    }
}

/// Writes (or replaces) counted lines of the shop's articles, counted now.
async fn insert_lines(
    conn: &mut PgConnection,
    boutique_id: i64,
    comptage_id: i64,
    ids: &[i64],
    units: &[i32],
    compte_par: &str,
) -> Result<(), CountError> {
    let found = sqlx::query_scalar!(
        "SELECT id FROM articles WHERE boutique_id = $1 AND id = ANY($2)",
        boutique_id,
        ids
    )
    .fetch_all(&mut *conn)
    .await?;
    if let Some(missing) = ids.iter().find(|id| !found.contains(id)) {
        return Err(StockError::ArticleNotFound(*missing).into());
    }
    sqlx::query!(
        r#"INSERT INTO lignes_comptage (comptage_id, boutique_id, article_id, quantite_comptee,
                                        compte_par)
           SELECT $2, $1, l.article_id, l.quantite, $5
           FROM unnest($3::int8[], $4::int4[]) AS l(article_id, quantite)
           ON CONFLICT (comptage_id, article_id) DO UPDATE
           SET quantite_comptee = EXCLUDED.quantite_comptee, compte_a = now(),
               compte_par = EXCLUDED.compte_par"#,
        boutique_id,
        comptage_id,
        ids,
        units,
        compte_par
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Applies the lines of a session locked by the caller and marks it applied. Returns the
/// changes written (superseded lines write none).
async fn apply_locked(
    conn: &mut PgConnection,
    boutique_id: i64,
    comptage_id: i64,
    par: &str,
    motif: Option<&str>,
) -> Result<Vec<Applied>, CountError> {
    let lines = sqlx::query!(
        r#"SELECT article_id, quantite_comptee, compte_a FROM lignes_comptage
           WHERE boutique_id = $1 AND comptage_id = $2
           ORDER BY article_id"#,
        boutique_id,
        comptage_id
    )
    .fetch_all(&mut *conn)
    .await?;
    if lines.is_empty() {
        return Err(CountError::Empty);
    }
    let ids: Vec<i64> = lines.iter().map(|l| l.article_id).collect();
    let times: Vec<DateTime<Utc>> = lines.iter().map(|l| l.compte_a).collect();
    // The articles first, in the one lock order: from here no sale of them can land until
    // commit, and every sale that landed before is seen below.
    let anchors: HashMap<i64, Option<DateTime<Utc>>> = sqlx::query!(
        r#"SELECT id, compte_a FROM articles WHERE boutique_id = $1 AND id = ANY($2)
           ORDER BY id FOR UPDATE"#,
        boutique_id,
        &ids
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| (r.id, r.compte_a))
    .collect();
    // What moved after each line's count time, each movement at the instant it happened.
    let since: HashMap<i64, i64> = sqlx::query!(
        r#"SELECT l.article_id AS "article_id!", COALESCE(sum(m.quantite), 0)::int8 AS "moved!"
           FROM unnest($2::int8[], $3::timestamptz[]) AS l(article_id, compte_a)
           JOIN mouvements_stock m ON m.boutique_id = $1 AND m.article_id = l.article_id
           LEFT JOIN ventes v ON v.boutique_id = m.boutique_id AND v.id = m.vente_id
                             AND m.type_mouvement IN ('VENTE', 'AJUSTEMENT')
           LEFT JOIN lignes_comptage c ON c.boutique_id = m.boutique_id AND c.mouvement_id = m.id
           WHERE COALESCE(c.compte_a, v.date_vente, m.date_mouvement) > l.compte_a
           GROUP BY l.article_id"#,
        boutique_id,
        &ids,
        &times
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| (r.article_id, r.moved))
    .collect();

    let reference = format!("INVENTAIRE-{comptage_id}");
    let mut changes = Vec::with_capacity(lines.len());
    let mut anchored = Vec::with_capacity(lines.len());
    for line in &lines {
        let Some(anchor) = anchors.get(&line.article_id) else {
            return Err(StockError::ArticleNotFound(line.article_id).into());
        };
        if anchor.is_some_and(|a| a >= line.compte_a) {
            continue; // counted again since, and that count was applied
        }
        let moved = since.get(&line.article_id).copied().unwrap_or(0);
        let target = i64::from(line.quantite_comptee) + moved;
        let target = i32::try_from(target).map_err(|_| StockError::OutOfRange {
            article_id: line.article_id,
        })?;
        let counted = format!(
            "{} compté(s) le {}",
            line.quantite_comptee,
            line.compte_a.format("%Y-%m-%d %H:%M:%S UTC")
        );
        changes.push(StockChange {
            article_id: line.article_id,
            kind: MovementType::Ajustement,
            change: Change::SetTo(target),
            reference_document: Some(reference.clone()),
            utilisateur: par.to_owned(),
            commentaire: Some(match (motif, moved) {
                (Some(motif), 0) => format!("{motif} : {counted}"),
                (Some(motif), _) => format!("{motif} : {counted}, {moved:+} depuis"),
                (None, 0) => format!("Comptage : {counted}"),
                (None, _) => format!("Comptage : {counted}, {moved:+} depuis"),
            }),
            sale_line: None,
        });
        anchored.push((line.article_id, line.compte_a));
    }
    let applied = if changes.is_empty() {
        Vec::new()
    } else {
        super::apply(conn, boutique_id, &changes).await?
    };
    let (art, mvt, avant, apres): (Vec<i64>, Vec<i64>, Vec<i32>, Vec<i32>) = applied
        .iter()
        .map(|a| (a.article_id, a.movement_id, a.stock_avant, a.stock_apres))
        .fold(Default::default(), |mut cols, (a, m, b, c)| {
            cols.0.push(a);
            cols.1.push(m);
            cols.2.push(b);
            cols.3.push(c);
            cols
        });
    let (anchored_ids, anchored_at): (Vec<i64>, Vec<DateTime<Utc>>) = anchored.into_iter().unzip();
    sqlx::query!(
        r#"WITH lines AS (
               UPDATE lignes_comptage AS l
               SET mouvement_id = x.mouvement_id, stock_avant = x.avant, stock_apres = x.apres
               FROM unnest($3::int8[], $4::int8[], $5::int4[], $6::int4[])
                    AS x(article_id, mouvement_id, avant, apres)
               WHERE l.boutique_id = $1 AND l.comptage_id = $2 AND l.article_id = x.article_id
           ), anchors AS (
               UPDATE articles AS a SET compte_a = x.compte_a, comptage_id = $2
               FROM unnest($7::int8[], $8::timestamptz[]) AS x(id, compte_a)
               WHERE a.boutique_id = $1 AND a.id = x.id
           )
           UPDATE comptages SET statut = 'APPLIQUE', cloture_par = $9, date_cloture = now()
           WHERE boutique_id = $1 AND id = $2"#,
        boutique_id,
        comptage_id,
        &art,
        &mvt,
        &avant,
        &apres,
        &anchored_ids,
        &anchored_at,
        par
    )
    .execute(&mut *conn)
    .await?;
    Ok(applied)
}
