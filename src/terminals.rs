//! Tills (`terminaux`): which till a serial names, and the tills of a boutique as its managers
//! register, rename, deactivate and re-key them. A till's `cle_api` is made here, handed back
//! once to whoever made it, and stored only as a hash.

use crate::boutiques::{Shop, ShopColumns};
use crate::field::{self, Invalid};
use crate::secret::{generate_key, hash_key};
use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

/// Said to whoever is shown a new key.
pub const KEY_WARNING: &str = "Notez cette clé maintenant : elle ne sera plus jamais affichée.";

/// `derniere_activite` is refreshed at most this often per till.
const ACTIVITY_RESOLUTION: Duration = Duration::minutes(1);

/// The till a serial names, with its boutique, as the gate needs it to decide.
#[derive(Debug, Clone)]
pub struct Identified {
    pub id: i64,
    pub nom_terminal: String,
    pub est_actif: bool,
    pub derniere_activite: Option<DateTime<Utc>>,
    pub version_app_maui: Option<String>,
    /// The hash of its `cle_api`.
    pub cle_api_hash: String,
    /// Whether it must present its key (else its serial alone lets it in).
    pub cle_requise: bool,
    /// When it was last let in on its serial alone.
    pub derniere_sans_cle: Option<DateTime<Utc>>,
    pub boutique: Shop,
    pub boutique_active: bool,
}

/// The till whose serial is `serial`, active or not, with its boutique.
pub async fn identify(pool: &PgPool, serial: &str) -> Result<Option<Identified>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"SELECT t.id, t.nom_terminal, t.est_actif, t.derniere_activite, t.version_app_maui,
                  t.cle_api_hash, t.cle_requise, t.derniere_sans_cle,
                  b.id AS boutique_id, b.nom AS boutique_nom, b.code_boutique, b.type_commerce,
                  b.ville, b.devise, b.alerte_stock_bas, b.fuseau_horaire, b.politique_stock, b.est_active,
                  b.taux_courant, b.taux_depuis, b.pos_autorise
           FROM terminaux t
           JOIN boutiques b ON b.id = t.boutique_id
           WHERE t.numero_serie = $1"#,
        serial
    )
    .fetch_optional(pool)
    .await?
    .map(|row| Identified {
        id: row.id,
        nom_terminal: row.nom_terminal,
        est_actif: row.est_actif,
        derniere_activite: row.derniere_activite,
        version_app_maui: row.version_app_maui,
        cle_api_hash: row.cle_api_hash,
        cle_requise: row.cle_requise,
        derniere_sans_cle: row.derniere_sans_cle,
        boutique: Shop::from(ShopColumns {
            id: row.boutique_id,
            nom: row.boutique_nom,
            code_boutique: row.code_boutique,
            type_commerce: row.type_commerce,
            ville: row.ville,
            devise: row.devise,
            alerte_stock_bas: row.alerte_stock_bas,
            fuseau_horaire: row.fuseau_horaire,
            politique_stock: row.politique_stock,
            taux_courant: row.taux_courant,
            taux_depuis: row.taux_depuis,
            pos_autorise: row.pos_autorise,
        }),
        boutique_active: row.est_active,
    }))
}

/// Records that the till was seen, off the request's path and at most once a minute: `seen`
/// is what was read with it. `keyless`: it came in on its serial alone, which is recorded too
/// (the risk a manager is shown), as often.
pub fn touch_activity(pool: &PgPool, seen: &Identified, keyless: bool) {
    let due = |last: Option<DateTime<Utc>>| {
        last.is_none_or(|last| Utc::now() - last >= ACTIVITY_RESOLUTION)
    };
    let activity = due(seen.derniere_activite);
    let keyless = keyless && due(seen.derniere_sans_cle);
    if !activity && !keyless {
        return;
    }
    let pool = pool.clone();
    let terminal_id = seen.id;
    tokio::spawn(async move {
        let result = sqlx::query!(
            r#"UPDATE terminaux
               SET derniere_activite = CASE WHEN $2 THEN now() ELSE derniere_activite END,
                   derniere_sans_cle = CASE WHEN $3 THEN now() ELSE derniere_sans_cle END
               WHERE id = $1"#,
            terminal_id,
            activity,
            keyless
        )
        .execute(&pool)
        .await;
        if let Err(error) = result {
            tracing::debug!(%error, "terminal activity not recorded");
        }
    });
}

/// A till of a boutique.
#[derive(Debug, Clone)]
pub struct Till {
    pub id: i64,
    pub numero_serie: String,
    pub nom_terminal: String,
    pub est_actif: bool,
    pub version_app_maui: Option<String>,
    pub derniere_activite: Option<DateTime<Utc>>,
    pub date_creation: DateTime<Utc>,
    /// Whether it must present its key.
    pub cle_requise: bool,
    /// When it was last let in on its serial alone.
    pub derniere_sans_cle: Option<DateTime<Utc>>,
}

impl Till {
    /// Not seen for longer than `silence` (or never).
    pub fn is_silent(&self, now: DateTime<Utc>, silence: Duration) -> bool {
        self.derniere_activite
            .is_none_or(|seen| now - seen > silence)
    }
}

/// In which order tills are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// As they were registered.
    Registration,
    /// Active ones first, then by name: what a manager looks for.
    ActiveByName,
}

#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    #[error("no such till in this boutique")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("{field}: value already used")]
    Duplicate { field: &'static str },
    #[error(transparent)]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for TerminalError {
    fn from(error: sqlx::Error) -> Self {
        match crate::db::unique_violation(&error) {
            Some("terminaux_numero_serie_key") => TerminalError::Duplicate {
                field: "numero_serie",
            },
            _ => TerminalError::Database(error),
        }
    }
}

/// The tills of the boutique, or its till `id`.
pub async fn list(
    pool: &PgPool,
    boutique_id: i64,
    id: Option<i64>,
    order: Order,
) -> Result<Vec<Till>, sqlx::Error> {
    sqlx::query_as!(
        Till,
        r#"SELECT id, numero_serie, nom_terminal, est_actif, version_app_maui, derniere_activite,
                  date_creation, cle_requise, derniere_sans_cle
           FROM terminaux
           WHERE boutique_id = $1 AND ($2::int8 IS NULL OR id = $2)
           ORDER BY CASE WHEN $3 THEN NOT est_actif END, CASE WHEN $3 THEN nom_terminal END, id"#,
        boutique_id,
        id,
        order == Order::ActiveByName
    )
    .fetch_all(pool)
    .await
}

/// The till `id` of the boutique.
pub async fn get(pool: &PgPool, boutique_id: i64, id: i64) -> Result<Till, TerminalError> {
    list(pool, boutique_id, Some(id), Order::Registration)
        .await?
        .pop()
        .ok_or(TerminalError::NotFound)
}

/// Registers a till in the boutique; returns its id and its `cle_api`, which is not kept.
/// `cle_requise`: whether it must present that key (the default), or its serial alone lets
/// it in (for an app that cannot send a key yet).
pub async fn register(
    pool: &PgPool,
    boutique_id: i64,
    numero_serie: &str,
    nom_terminal: &str,
    cle_requise: bool,
) -> Result<(i64, String), TerminalError> {
    let numero_serie = field::text("numero_serie", numero_serie, 100)?;
    let nom_terminal = field::text("nom_terminal", nom_terminal, 200)?;
    let cle_api = generate_key();
    let id = sqlx::query_scalar!(
        r#"INSERT INTO terminaux (boutique_id, numero_serie, nom_terminal, cle_api_hash, cle_requise)
           VALUES ($1, $2, $3, $4, $5) RETURNING id"#,
        boutique_id,
        numero_serie,
        nom_terminal,
        hash_key(&cle_api),
        cle_requise
    )
    .fetch_one(pool)
    .await?;
    Ok((id, cle_api))
}

/// What changes in a till; `None` leaves a field as it is.
#[derive(Debug, Default, Clone, Copy)]
pub struct Change<'a> {
    pub nom_terminal: Option<&'a str>,
    /// `false`: refused from its next request.
    pub est_actif: Option<bool>,
    /// `true`: its key is required from its next request.
    pub cle_requise: Option<bool>,
}

/// Changes the till `id` of the boutique.
pub async fn update(
    pool: &PgPool,
    boutique_id: i64,
    id: i64,
    change: Change<'_>,
) -> Result<(), TerminalError> {
    let nom_terminal = field::optional_text("nom_terminal", change.nom_terminal, 200)?;
    let updated = sqlx::query!(
        r#"UPDATE terminaux SET nom_terminal = COALESCE($3, nom_terminal),
                                est_actif = COALESCE($4, est_actif),
                                cle_requise = COALESCE($5, cle_requise)
           WHERE boutique_id = $1 AND id = $2"#,
        boutique_id,
        id,
        nom_terminal,
        change.est_actif,
        change.cle_requise
    )
    .execute(pool)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(TerminalError::NotFound);
    }
    Ok(())
}

/// Gives the till `id` of the boutique a new key, returned; the old one stops working at once.
pub async fn new_key(pool: &PgPool, boutique_id: i64, id: i64) -> Result<String, TerminalError> {
    let cle_api = generate_key();
    let updated = sqlx::query!(
        "UPDATE terminaux SET cle_api_hash = $3 WHERE boutique_id = $1 AND id = $2",
        boutique_id,
        id,
        hash_key(&cle_api)
    )
    .execute(pool)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(TerminalError::NotFound);
    }
    Ok(cle_api)
}
