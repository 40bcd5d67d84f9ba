//! Merchants and the people who log in to the back-office.
//!
//! A merchant (`commercant`) owns boutiques; a user belongs to one merchant and sees only
//! its boutiques, or is a superuser and sees all. Passwords are kept as Argon2id hashes.
//! The command line creates merchants and users; the back-office only logs them in.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sqlx::PgPool;
use std::sync::OnceLock;

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("not an e-mail address: {0:?}")]
    InvalidEmail(String),
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
    #[error("a user with the e-mail {0} already exists")]
    EmailTaken(String),
    #[error("a merchant named {0:?} already exists")]
    MerchantTaken(String),
    #[error("the merchant name must not be empty")]
    EmptyName,
    #[error("no merchant with the id or name {0:?}")]
    UnknownMerchant(String),
    #[error("no boutique with the code or id {0:?}")]
    UnknownBoutique(String),
    #[error("no user with the e-mail {0}")]
    UnknownUser(String),
    #[error("a user who is not a superuser must belong to a merchant (--commercant)")]
    NoMerchant,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// An e-mail address as stored: trimmed, lower-case, with one `@` between two non-empty parts.
pub fn normalize_email(raw: &str) -> Result<String, AccountError> {
    let email = raw.trim().to_lowercase();
    match email.split_once('@') {
        Some((user, domain))
            if !user.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && email.len() <= 254
                && !email.chars().any(char::is_whitespace) =>
        {
            Ok(email)
        }
        _ => Err(AccountError::InvalidEmail(raw.to_owned())),
    }
}

/// The Argon2id hash of `password` (PHC string, with its own random salt). Slow by design:
/// call it off the async threads.
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::PasswordTooShort);
    }
    Ok(Argon2::default()
        .hash_password(password.as_bytes())
        .expect("Argon2 with its default parameters hashes any password")
        .to_string())
}

/// Whether `password` matches `hash`. An unreadable hash matches nothing.
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A hash no password is known for, so that an unknown e-mail costs a login as much time
/// as a wrong password: the answer's delay does not tell which addresses have an account.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        hash_password(&crate::secret::generate_key()).expect("a generated key is long enough")
    })
}

/// Turns to run Argon2, one per core.
fn argon2_turns() -> &'static tokio::sync::Semaphore {
    static TURNS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    TURNS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    })
}

/// The active user with this e-mail and password, if any (its merchant active too).
pub async fn authenticate(
    pool: &PgPool,
    email: &str,
    password: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let user = sqlx::query!(
        r#"SELECT u.id, u.mot_de_passe_hash
           FROM utilisateurs u LEFT JOIN commercants c ON c.id = u.commercant_id
           WHERE u.email = $1 AND u.est_actif AND (u.est_superutilisateur OR c.est_actif)"#,
        email
    )
    .fetch_optional(pool)
    .await?;
    let (id, hash) = match user {
        Some(user) => (Some(user.id), user.mot_de_passe_hash),
        None => (None, decoy_hash().to_owned()),
    };
    let password = password.to_owned();
    // Each verification takes 19 MiB and a core for a while: as many at once as there are
    // cores, the others wait their turn.
    let _turn = argon2_turns()
        .acquire()
        .await
        .expect("the semaphore is never closed");
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    Ok(id.filter(|_| matches))
}

/// Creates a merchant; returns its id.
pub async fn create_merchant(
    pool: &PgPool,
    nom: &str,
    email: Option<&str>,
) -> Result<i64, AccountError> {
    let nom = nom.trim();
    if nom.is_empty() {
        return Err(AccountError::EmptyName);
    }
    let email = email.map(normalize_email).transpose()?;
    sqlx::query_scalar!(
        "INSERT INTO commercants (nom, email) VALUES ($1, $2) RETURNING id",
        nom,
        email
    )
    .fetch_one(pool)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            AccountError::MerchantTaken(nom.to_owned())
        }
        _ => e.into(),
    })
}

/// The merchant named by its id or its exact name: (id, name).
pub async fn find_merchant(pool: &PgPool, id_or_name: &str) -> Result<(i64, String), AccountError> {
    let key = id_or_name.trim();
    sqlx::query!(
        "SELECT id, nom FROM commercants WHERE nom = $1 OR id::text = $1 ORDER BY nom = $1 DESC LIMIT 1",
        key
    )
    .fetch_optional(pool)
    .await?
    .map(|m| (m.id, m.nom))
    .ok_or_else(|| AccountError::UnknownMerchant(key.to_owned()))
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub nom: &'a str,
    pub commercant_id: Option<i64>,
    pub superuser: bool,
    pub password: &'a str,
}

/// Creates a user; returns its id.
pub async fn create_user(pool: &PgPool, user: NewUser<'_>) -> Result<i64, AccountError> {
    let email = normalize_email(user.email)?;
    if !user.superuser && user.commercant_id.is_none() {
        return Err(AccountError::NoMerchant);
    }
    let hash = hash_off_thread(user.password).await?;
    sqlx::query_scalar!(
        r#"INSERT INTO utilisateurs (email, nom, mot_de_passe_hash, commercant_id, est_superutilisateur)
           VALUES ($1, $2, $3, $4, $5) RETURNING id"#,
        email,
        user.nom.trim(),
        hash,
        user.commercant_id,
        user.superuser
    )
    .fetch_one(pool)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => AccountError::EmailTaken(email),
        _ => e.into(),
    })
}

/// Sets a user's password and closes the sessions opened with the old one.
pub async fn set_password(pool: &PgPool, email: &str, password: &str) -> Result<(), AccountError> {
    let email = normalize_email(email)?;
    let hash = hash_off_thread(password).await?;
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar!(
        "UPDATE utilisateurs SET mot_de_passe_hash = $2 WHERE email = $1 RETURNING id",
        email,
        hash
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AccountError::UnknownUser(email.clone()))?;
    sqlx::query!("DELETE FROM sessions WHERE utilisateur_id = $1", id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Gives the boutique (by code or id) to the merchant: its users see it from their next
/// page on, and the previous owner's users no longer do. Returns the boutique's name.
pub async fn assign_boutique(
    pool: &PgPool,
    boutique: &str,
    commercant_id: i64,
) -> Result<String, AccountError> {
    let key = boutique.trim();
    sqlx::query_scalar!(
        r#"UPDATE boutiques SET commercant_id = $2
           WHERE code_boutique = $1 OR id::text = $1
           RETURNING nom"#,
        key,
        commercant_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AccountError::UnknownBoutique(key.to_owned()))
}

async fn hash_off_thread(password: &str) -> Result<String, AccountError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .expect("hashing does not panic")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_salted_and_verified() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_password("correct horse battery", &a));
        assert!(!verify_password("correct horse batterY", &a));
        assert!(!verify_password("anything", "not a hash"));
        assert!(matches!(
            hash_password("short"),
            Err(AccountError::PasswordTooShort)
        ));
    }

    #[test]
    fn emails() {
        assert_eq!(
            normalize_email("  Gerant@Ma-Boutique.CD ").unwrap(),
            "gerant@ma-boutique.cd"
        );
        for bad in ["", "gerant", "@x", "x@", "a@b@c", "a b@c"] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }
}

/// How long a back-office login lasts: a working day.
pub const SESSION_HOURS: i32 = 12;
/// Failed logins allowed per e-mail, and per client address, within the window; then that
/// e-mail (or address) is refused until its oldest failure leaves the window.
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;
pub const FAILURE_WINDOW_MINUTES: i32 = 15;

/// A logged-in back-office user.
#[derive(Debug, Clone)]
pub struct User {
    pub email: String,
    pub nom: String,
    pub commercant_id: Option<i64>,
    pub commercant_nom: Option<String>,
    pub superuser: bool,
}

impl User {
    /// How the user's actions are signed in the stock journal and on resolved sales.
    pub fn signature(&self) -> String {
        format!("backoffice:{}", self.email)
    }

    /// Which boutiques the user may see.
    pub fn viewer(&self) -> crate::boutiques::Viewer {
        if self.superuser {
            crate::boutiques::Viewer::Everyone
        } else {
            crate::boutiques::Viewer::Merchant(self.commercant_id)
        }
    }
}

/// The unexpired session whose token hashes to `token_hash`, its user and merchant active:
/// the user, and the token every form of the session carries.
pub async fn session(
    pool: &PgPool,
    token_hash: &str,
) -> Result<Option<(User, String)>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"SELECT s.jeton_csrf, u.email, u.nom, u.commercant_id,
                  c.nom AS "commercant_nom?", u.est_superutilisateur
           FROM sessions s
           JOIN utilisateurs u ON u.id = s.utilisateur_id
           LEFT JOIN commercants c ON c.id = u.commercant_id
           WHERE s.token_hash = $1 AND s.date_expiration > now() AND u.est_actif
             AND (u.est_superutilisateur OR c.est_actif)"#,
        token_hash
    )
    .fetch_optional(pool)
    .await?
    .map(|r| {
        (
            User {
                email: r.email,
                nom: r.nom,
                commercant_id: r.commercant_id,
                commercant_nom: r.commercant_nom,
                superuser: r.est_superutilisateur,
            },
            r.jeton_csrf,
        )
    }))
}

/// Opens a session for `user_id` (who logged in as `email`) under a token whose hash is
/// `token_hash`, for [`SESSION_HOURS`]; forgets the e-mail's failed logins and expired
/// sessions.
pub async fn open_session(
    pool: &PgPool,
    user_id: i64,
    email: &str,
    token_hash: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query!("DELETE FROM echecs_connexion WHERE email = $1", email)
        .execute(&mut *tx)
        .await?;
    sqlx::query!("DELETE FROM sessions WHERE date_expiration <= now()")
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        r#"INSERT INTO sessions (token_hash, utilisateur_id, jeton_csrf, date_expiration)
           VALUES ($1, $2, $3, now() + make_interval(hours => $4))"#,
        token_hash,
        user_id,
        crate::secret::generate_key(),
        SESSION_HOURS
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE utilisateurs SET derniere_connexion = now() WHERE id = $1",
        user_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Ends the session on the server, not only in the browser.
pub async fn close_session(pool: &PgPool, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM sessions WHERE token_hash = $1", token_hash)
        .execute(pool)
        .await?;
    Ok(())
}

/// Takes a login attempt for `email` from `address`, counted as a failure until
/// [`login_succeeded`] says otherwise; `None` when logins for that e-mail, or from that
/// address, failed too often lately. Taken under a lock per address and per e-mail, so that
/// guesses sent in parallel are counted one after the other: at most the limit is evaluated.
pub async fn take_login_attempt(
    pool: &PgPool,
    email: &str,
    address: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // Always the address first, then the e-mail: two logins never wait for each other's.
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtext('login-address:' || $1)),
                pg_advisory_xact_lock(hashtext('login-email:' || $2))",
        address,
        email
    )
    .fetch_one(&mut *tx)
    .await?;
    // Failures older than the window count for nothing: they go as new ones come.
    sqlx::query!(
        "DELETE FROM echecs_connexion WHERE date_echec <= now() - make_interval(mins => $1)",
        FAILURE_WINDOW_MINUTES
    )
    .execute(&mut *tx)
    .await?;
    let counts = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE email = $1) AS "email!",
                  count(*) FILTER (WHERE adresse_ip = $2) AS "address!"
           FROM echecs_connexion
           WHERE (email = $1 OR adresse_ip = $2)
             AND date_echec > now() - make_interval(mins => $3)"#,
        email,
        address,
        FAILURE_WINDOW_MINUTES
    )
    .fetch_one(&mut *tx)
    .await?;
    if counts.email >= MAX_FAILURES_PER_EMAIL || counts.address >= MAX_FAILURES_PER_ADDRESS {
        return Ok(None);
    }
    let attempt = sqlx::query_scalar!(
        "INSERT INTO echecs_connexion (email, adresse_ip) VALUES ($1, $2) RETURNING id",
        email,
        address
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(attempt))
}

/// The login `attempt` succeeded: it is not a failure.
pub async fn login_succeeded(pool: &PgPool, attempt: i64) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM echecs_connexion WHERE id = $1", attempt)
        .execute(pool)
        .await?;
    Ok(())
}

/// Who an administration token was made for, and what it reaches.
#[derive(Debug, Clone)]
pub struct AdminToken {
    pub id: i64,
    pub nom: String,
    /// The one merchant whose shops it reaches; `None`: every merchant's.
    pub commercant_id: Option<i64>,
}

/// An administration token to create.
#[derive(Debug, Clone, Default)]
pub struct NewAdminToken<'a> {
    pub nom: &'a str,
    /// Only this merchant's shops; `None`: every merchant's.
    pub commercant_id: Option<i64>,
    /// Valid this many days; `None`: until revoked.
    pub days: Option<u32>,
}

/// Creates an administration token reaching every shop, valid until revoked; the token is
/// returned once and only its hash is kept.
pub async fn create_admin_token(pool: &PgPool, nom: &str) -> Result<String, sqlx::Error> {
    create_scoped_admin_token(
        pool,
        NewAdminToken {
            nom,
            ..NewAdminToken::default()
        },
    )
    .await
}

/// Creates the administration token `new`; the token is returned once and only its hash is
/// kept.
pub async fn create_scoped_admin_token(
    pool: &PgPool,
    new: NewAdminToken<'_>,
) -> Result<String, sqlx::Error> {
    let token = crate::secret::generate_key();
    sqlx::query!(
        r#"INSERT INTO admin_tokens (nom, token_hash, commercant_id, date_expiration)
           VALUES ($1, $2, $3, now() + make_interval(days => $4::int4))"#,
        new.nom,
        crate::secret::hash_key(&token),
        new.commercant_id,
        new.days.map(|d| d.min(36_500) as i32)
    )
    .execute(pool)
    .await?;
    Ok(token)
}

/// The administration token `token` if it is valid (not revoked, not expired), looked up by
/// its hash: the database never sees the token itself.
pub async fn admin_token(pool: &PgPool, token: &str) -> Result<Option<AdminToken>, sqlx::Error> {
    sqlx::query_as!(
        AdminToken,
        r#"SELECT id, nom, commercant_id FROM admin_tokens
           WHERE token_hash = $1 AND est_actif
             AND (date_expiration IS NULL OR date_expiration > now())"#,
        crate::secret::hash_key(token)
    )
    .fetch_optional(pool)
    .await
}

/// An administration token as listed: never the token itself.
#[derive(Debug, Clone)]
pub struct ListedAdminToken {
    pub id: i64,
    pub nom: String,
    pub commercant_id: Option<i64>,
    pub commercant_nom: Option<String>,
    pub date_creation: chrono::DateTime<chrono::Utc>,
    pub date_expiration: Option<chrono::DateTime<chrono::Utc>>,
    pub date_revocation: Option<chrono::DateTime<chrono::Utc>>,
    /// Not revoked and not expired.
    pub valide: bool,
}

/// The administration tokens (of one merchant's, if `commercant_id`), newest first.
pub async fn list_admin_tokens(
    pool: &PgPool,
    commercant_id: Option<i64>,
) -> Result<Vec<ListedAdminToken>, sqlx::Error> {
    sqlx::query_as!(
        ListedAdminToken,
        r#"SELECT k.id, k.nom, k.commercant_id, c.nom AS "commercant_nom?", k.date_creation,
                  k.date_expiration, k.date_revocation,
                  (k.est_actif AND (k.date_expiration IS NULL OR k.date_expiration > now())) AS "valide!"
           FROM admin_tokens k LEFT JOIN commercants c ON c.id = k.commercant_id
           WHERE $1::int8 IS NULL OR k.commercant_id = $1
           ORDER BY k.id DESC"#,
        commercant_id
    )
    .fetch_all(pool)
    .await
}

/// Revokes the administration token `id` (one of `commercant_id`'s, if given): it stops
/// working at once. False if there is no such token.
pub async fn revoke_admin_token(
    pool: &PgPool,
    id: i64,
    commercant_id: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let found = sqlx::query!(
        r#"UPDATE admin_tokens
           SET est_actif = false, date_revocation = COALESCE(date_revocation, now())
           WHERE id = $1 AND ($2::int8 IS NULL OR commercant_id = $2)"#,
        id,
        commercant_id
    )
    .execute(pool)
    .await?;
    Ok(found.rows_affected() > 0)
}
