//! Where `Idempotency-Key`s are claimed and the answers given under them kept
//! (`idempotency_keys`), per till.
//!
//! A key is claimed in its own committed statement, before any work (the work spans several
//! transactions, so the claim cannot live in one of them), and kept alive by its request
//! while it runs. A claim not refreshed for [`ABANDONED_AFTER_SECONDS`] belongs to a request
//! that will never finish (its server was killed): the same request may take it over.
//! Answers are kept [`RETENTION_HOURS`].

use sqlx::PgPool;
use std::time::Duration;

/// A claim not refreshed for this long is abandoned.
pub const ABANDONED_AFTER_SECONDS: f64 = 10.0;
/// Stored answers are kept this long (the IETF draft asks for at least 24 hours).
pub const RETENTION_HOURS: i32 = 48;

/// What a claim of a key got.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// The key is this request's: do the work.
    Granted,
    /// The same request was answered: its status and body.
    Replay(u16, Vec<u8>),
    /// The same request is being worked on.
    InProgress,
    /// The key served another request.
    Mismatch,
}

/// Claims `key` of the till for the request whose fingerprint is `fingerprint`.
pub async fn claim(
    pool: &PgPool,
    terminal_id: i64,
    key: &str,
    fingerprint: &str,
) -> Result<Claim, sqlx::Error> {
    let granted = sqlx::query_scalar!(
        r#"INSERT INTO idempotency_keys (terminal_id, cle, empreinte, etat)
           VALUES ($1, $2, $3, 'EN_COURS')
           ON CONFLICT (terminal_id, cle) DO UPDATE
               SET etat = 'EN_COURS', empreinte = EXCLUDED.empreinte, statut = NULL,
                   reponse = NULL, date_creation = now(), date_maj = now()
               WHERE (idempotency_keys.etat = 'EN_COURS'
                      AND idempotency_keys.empreinte = EXCLUDED.empreinte
                      AND idempotency_keys.date_maj < now() - make_interval(secs => $4))
                  OR idempotency_keys.date_creation < now() - make_interval(hours => $5)
           RETURNING 1 AS "granted!""#,
        terminal_id,
        key,
        fingerprint,
        ABANDONED_AFTER_SECONDS,
        RETENTION_HOURS
    )
    .fetch_optional(pool)
    .await?;
    if granted.is_some() {
        return Ok(Claim::Granted);
    }
    let Some(row) = sqlx::query!(
        r#"SELECT empreinte, etat, statut, reponse FROM idempotency_keys
           WHERE terminal_id = $1 AND cle = $2"#,
        terminal_id,
        key
    )
    .fetch_optional(pool)
    .await?
    else {
        // Purged between the two statements: an old key, free again.
        return Box::pin(claim(pool, terminal_id, key, fingerprint)).await;
    };
    Ok(if row.empreinte != fingerprint {
        Claim::Mismatch
    } else if let (Some(status), Some(body)) = (row.statut, row.reponse) {
        Claim::Replay(u16::try_from(status).unwrap_or(200), body)
    } else {
        Claim::InProgress
    })
}

/// Keeps the answer given under the key.
pub async fn complete(
    pool: &PgPool,
    terminal_id: i64,
    key: &str,
    status: u16,
    body: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE idempotency_keys SET etat = 'TERMINE', statut = $3, reponse = $4, date_maj = now()
           WHERE terminal_id = $1 AND cle = $2"#,
        terminal_id,
        key,
        i32::from(status),
        body
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Says the claim's request is still running.
pub async fn keep_alive(pool: &PgPool, terminal_id: i64, key: &str) {
    let refreshed = sqlx::query!(
        r#"UPDATE idempotency_keys SET date_maj = now()
           WHERE terminal_id = $1 AND cle = $2 AND etat = 'EN_COURS'"#,
        terminal_id,
        key
    )
    .execute(pool)
    .await;
    if let Err(error) = refreshed {
        tracing::debug!(%error, "idempotency claim not refreshed");
    }
}

/// Gives the key up unanswered: the retry does the work.
pub async fn release(pool: &PgPool, terminal_id: i64, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM idempotency_keys WHERE terminal_id = $1 AND cle = $2 AND etat = 'EN_COURS'",
        terminal_id,
        key
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Forgets stored answers past their retention, every hour, for as long as the server runs.
pub fn spawn_purge(pool: PgPool) {
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every_hour.tick().await;
            let purged = sqlx::query!(
                "DELETE FROM idempotency_keys WHERE date_creation < now() - make_interval(hours => $1)",
                RETENTION_HOURS
            )
            .execute(&pool)
            .await;
            match purged {
                Ok(done) if done.rows_affected() > 0 => {
                    tracing::info!(keys = done.rows_affected(), "old idempotency keys purged")
                }
                Ok(_) => {}
                Err(error) => tracing::debug!(%error, "idempotency keys not purged"),
            }
        }
    });
}
