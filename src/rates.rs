//! The dollar rate (Congolese francs for one US dollar) of a merchant and of its shops: the
//! merchant's covers its shops, a shop may override it, and neither means 2800.00. Every
//! change is kept dated in `taux_change`, so that a sale made offline before a change is
//! priced at the rate of its own day (`taux_en_vigueur` in the schema); the rate in force
//! now is kept with the shop (`taux_courant`, `taux_depuis`), where the tills' requests read
//! it. Each shop whose rate changes is told to reload (`sync_required`).

use crate::events::{self, Channel, Event, SyncReason};
use crate::money::Rate;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgPool;

/// The highest rate accepted: a typing slip, not a currency, above it.
pub const MAX_RATE: Decimal = Decimal::from_parts(100_000_000, 0, 0, false, 2);

#[derive(Debug, thiserror::Error)]
pub enum RateError {
    #[error("boutique ou commerçant introuvable")]
    NotFound,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A rate as a manager gives it: above zero, at most [`MAX_RATE`], two decimals at most.
pub fn checked(rate: Decimal) -> Option<Rate> {
    (rate <= MAX_RATE && rate.normalize().scale() <= 2)
        .then(|| Rate::new(rate))
        .flatten()
}

/// Where a shop's rate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Boutique,
    Commercant,
    Defaut,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Boutique => "boutique",
            Source::Commercant => "commercant",
            Source::Defaut => "defaut",
        }
    }
}

/// One change of the rates that cover a shop.
#[derive(Debug, Clone)]
pub struct Change {
    /// `None`: the shop's override removed.
    pub taux_dollar: Option<Decimal>,
    pub source: Source,
    pub date_effet: DateTime<Utc>,
    pub modifie_par: Option<String>,
}

/// A shop's rate now, where it comes from, since when, and the changes that covered it,
/// newest first (at most `limit`).
#[derive(Debug, Clone)]
pub struct ShopRate {
    pub taux_dollar: Decimal,
    pub source: Source,
    pub depuis: DateTime<Utc>,
    pub historique: Vec<Change>,
}

pub async fn of_shop(pool: &PgPool, boutique_id: i64, limit: i64) -> Result<ShopRate, RateError> {
    let now = sqlx::query!(
        r#"SELECT b.taux_courant, b.taux_depuis, b.taux_dollar AS propre,
                  c.taux_dollar AS "du_commercant?"
           FROM boutiques b LEFT JOIN commercants c ON c.id = b.commercant_id
           WHERE b.id = $1"#,
        boutique_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(RateError::NotFound)?;
    let historique = sqlx::query!(
        r#"SELECT h.taux_dollar, h.boutique_id IS NOT NULL AS "de_boutique!", h.date_effet,
                  h.modifie_par
           FROM taux_change h
           WHERE h.boutique_id = $1
              OR h.commercant_id = (SELECT commercant_id FROM boutiques WHERE id = $1)
           ORDER BY h.date_effet DESC, h.id DESC
           LIMIT $2"#,
        boutique_id,
        limit
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| Change {
        taux_dollar: r.taux_dollar,
        source: if r.de_boutique {
            Source::Boutique
        } else {
            Source::Commercant
        },
        date_effet: r.date_effet,
        modifie_par: r.modifie_par,
    })
    .collect();
    let source = match (now.propre, now.du_commercant) {
        (Some(_), _) => Source::Boutique,
        (None, Some(_)) => Source::Commercant,
        (None, None) => Source::Defaut,
    };
    Ok(ShopRate {
        taux_dollar: now.taux_courant,
        source,
        depuis: now.taux_depuis,
        historique,
    })
}

/// Sets the shop's own rate (`None` removes it: its merchant's applies again), from now on.
pub async fn set_for_shop(
    pool: &PgPool,
    boutique_id: i64,
    rate: Option<Rate>,
    by: &str,
) -> Result<(), RateError> {
    let rate = rate.map(|r| r.amount().amount());
    let mut tx = pool.begin().await?;
    // The shop's row first: two changes of one shop's rate follow each other.
    sqlx::query!(
        "UPDATE boutiques SET taux_dollar = $2 WHERE id = $1 RETURNING id",
        boutique_id,
        rate
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(RateError::NotFound)?;
    sqlx::query!(
        "INSERT INTO taux_change (boutique_id, taux_dollar, modifie_par) VALUES ($1, $2, $3)",
        boutique_id,
        rate,
        by
    )
    .execute(&mut *tx)
    .await?;
    refresh(&mut tx, &[boutique_id]).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets the merchant's rate, from now on, for its shops that have none of their own.
pub async fn set_for_merchant(
    pool: &PgPool,
    commercant_id: i64,
    rate: Rate,
    by: &str,
) -> Result<(), RateError> {
    let rate = rate.amount().amount();
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "UPDATE commercants SET taux_dollar = $2 WHERE id = $1 RETURNING id",
        commercant_id,
        rate
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(RateError::NotFound)?;
    sqlx::query!(
        "INSERT INTO taux_change (commercant_id, taux_dollar, modifie_par) VALUES ($1, $2, $3)",
        commercant_id,
        rate,
        by
    )
    .execute(&mut *tx)
    .await?;
    let covered = sqlx::query_scalar!(
        "SELECT id FROM boutiques WHERE commercant_id = $1 AND taux_dollar IS NULL ORDER BY id",
        commercant_id
    )
    .fetch_all(&mut *tx)
    .await?;
    refresh(&mut tx, &covered).await?;
    tx.commit().await?;
    Ok(())
}

/// Puts the rate in force now with each of `shops`, and tells their tills to reload.
pub(crate) async fn refresh(tx: &mut sqlx::PgConnection, shops: &[i64]) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE boutiques b
           SET taux_courant = COALESCE(b.taux_dollar,
                                       (SELECT c.taux_dollar FROM commercants c WHERE c.id = b.commercant_id),
                                       2800.00),
               taux_depuis = now()
           WHERE b.id = ANY($1)"#,
        shops
    )
    .execute(&mut *tx)
    .await?;
    for &boutique_id in shops {
        events::publish(
            tx,
            boutique_id,
            Channel::Boutique,
            &Event::SyncRequired {
                reason: SyncReason::ExchangeRateChanged,
            },
        )
        .await?;
    }
    Ok(())
}
