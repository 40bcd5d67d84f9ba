//! Boutiques: the tenant every request is scoped to. [`Shop`] is a boutique as the rest of
//! the server works with it (its zone, currency, stock policy); this module also owns the
//! boutiques' rows: listing, creating, changing and deactivating them, and which of them a
//! back-office user may see.

use crate::field::{self, Invalid};
use crate::money::{Currency, Rate};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SubsecRound, TimeZone, Utc};
use chrono_tz::Tz;
use sqlx::PgPool;

#[derive(Debug, Clone)]
pub struct Shop {
    pub id: i64,
    pub nom: String,
    pub code: String,
    pub type_commerce: String,
    pub ville: String,
    pub devise: String,
    pub alerte_stock_bas: i32,
    pub time_zone: Tz,
    pub stock_policy: StockPolicy,
    /// The exchange rate in force now, and since when: a sale dated before that instant
    /// is priced at the rate of its own date (see `taux_en_vigueur` in the schema).
    pub taux_dollar: Rate,
    pub taux_depuis: DateTime<Utc>,
    /// Whether its tills may sell (a manager may stop them).
    pub pos_autorise: bool,
}

/// The columns of `boutiques` a [`Shop`] is made of, as every query that reads one selects
/// them.
pub struct ShopColumns {
    pub id: i64,
    pub nom: String,
    pub code_boutique: String,
    pub type_commerce: String,
    pub ville: String,
    pub devise: String,
    pub alerte_stock_bas: i32,
    pub fuseau_horaire: String,
    pub politique_stock: String,
    pub taux_courant: rust_decimal::Decimal,
    pub taux_depuis: DateTime<Utc>,
    pub pos_autorise: bool,
}

impl From<ShopColumns> for Shop {
    fn from(row: ShopColumns) -> Self {
        Shop {
            id: row.id,
            nom: row.nom,
            code: row.code_boutique,
            type_commerce: row.type_commerce,
            ville: row.ville,
            devise: row.devise,
            alerte_stock_bas: row.alerte_stock_bas,
            time_zone: time_zone(&row.fuseau_horaire),
            stock_policy: StockPolicy::parse(&row.politique_stock),
            taux_dollar: Rate::new(row.taux_courant).unwrap_or(Rate::DEFAULT),
            taux_depuis: row.taux_depuis,
            pos_autorise: row.pos_autorise,
        }
    }
}

/// What a sale that asks more than the stock does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockPolicy {
    /// It is refused (`INSUFFICIENT_STOCK`).
    Strict,
    /// It is recorded (the sale happened in the shop), the stock goes below zero, and a
    /// stock alert is raised for a manager.
    AllowNegative,
}

impl StockPolicy {
    pub const ALL: &'static [&'static str] = &["STRICT", "AUTORISER_NEGATIF"];

    pub fn parse(value: &str) -> StockPolicy {
        match value {
            "AUTORISER_NEGATIF" => StockPolicy::AllowNegative,
            _ => StockPolicy::Strict,
        }
    }
}

/// The time zone used when a boutique's configured zone is not a valid IANA name.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Africa::Kinshasa;

/// Parses a boutique's `fuseau_horaire`, falling back to Kinshasa.
pub fn time_zone(name: &str) -> Tz {
    name.parse().unwrap_or(DEFAULT_TIME_ZONE)
}

impl Shop {
    /// The currency the shop sells in unless told otherwise.
    pub fn currency(&self) -> Currency {
        Currency::parse(&self.devise).unwrap_or_default()
    }

    /// A timestamp as the API writes it: ISO 8601 with the shop's offset.
    pub fn timestamp(&self, at: DateTime<Utc>) -> String {
        timestamp(at, self.time_zone)
    }

    /// The first instant of `day` in the shop's zone.
    pub fn start_of(&self, day: NaiveDate) -> DateTime<Utc> {
        start_of(day, self.time_zone)
    }

    /// The shop's current day and month, as `[start, end)` instants.
    pub fn today_and_month(&self, now: DateTime<Utc>) -> (Period, Period) {
        let today = now.with_timezone(&self.time_zone).date_naive();
        let first = today.with_day(1).unwrap_or(today);
        let next_month = first
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(today);
        (
            Period {
                start: self.start_of(today),
                end: self.start_of(today.succ_opt().unwrap_or(today)),
            },
            Period {
                start: self.start_of(first),
                end: self.start_of(next_month),
            },
        )
    }
}

/// A period `[start, end)`, either end open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DateRange {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

pub fn timestamp(at: DateTime<Utc>, time_zone: Tz) -> String {
    at.with_timezone(&time_zone)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// ISO 8601 with an offset, or without one (then in the boutique's time zone).
pub fn parse_date(raw: &str, time_zone: Tz) -> Option<DateTime<Utc>> {
    // To the microsecond, as PostgreSQL keeps it: the tills send .NET's 100 ns ticks, and a
    // date must read back equal to itself (the rate of a sale's day is looked up by it).
    parse_any_date(raw, time_zone).map(|d| d.trunc_subsecs(6))
}

fn parse_any_date(raw: &str, time_zone: Tz) -> Option<DateTime<Utc>> {
    if let Ok(date) = DateTime::parse_from_rfc3339(raw) {
        return Some(date.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(date) = DateTime::parse_from_str(raw, format) {
            return Some(date.with_timezone(&Utc));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(raw, format) {
            return time_zone
                .from_local_datetime(&naive)
                .earliest()
                .map(|d| d.with_timezone(&Utc));
        }
    }
    None
}

/// One end of a period: `YYYY-MM-DD` is that whole day in the shop's zone (its start, or
/// for an `end` the start of the next day); a full ISO 8601 timestamp is that instant
/// (without an offset, in the shop's zone).
pub fn date_bound(value: &str, shop: &Shop, end: bool) -> Option<DateTime<Utc>> {
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        let day = if end { day.succ_opt()? } else { day };
        return Some(shop.start_of(day));
    }
    // An unencoded `+` of an offset arrives as a space.
    parse_date(value, shop.time_zone)
        .or_else(|| {
            let i = value.rfind(' ')?;
            parse_date(
                &format!("{}+{}", &value[..i], &value[i + 1..]),
                shop.time_zone,
            )
        })
        .map(|at| {
            if end {
                at + chrono::Duration::microseconds(1)
            } else {
                at
            }
        })
}

/// The first instant of `day` in `time_zone` (midnight, or the first valid time after a gap).
pub fn start_of(day: NaiveDate, time_zone: Tz) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    (0..=3)
        .find_map(|hour| {
            time_zone
                .from_local_datetime(&(midnight + chrono::Duration::hours(hour)))
                .earliest()
        })
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// Why a change to a boutique was refused.
#[derive(Debug, thiserror::Error)]
pub enum BoutiqueError {
    #[error("no such boutique")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("{field}: value already used")]
    Duplicate { field: &'static str },
    #[error(transparent)]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for BoutiqueError {
    fn from(error: sqlx::Error) -> Self {
        match crate::db::unique_violation(&error) {
            Some("boutiques_code_boutique_key") => BoutiqueError::Duplicate {
                field: "code_boutique",
            },
            _ => BoutiqueError::Database(error),
        }
    }
}

/// The boutique `id`, active or not.
pub async fn find(pool: &PgPool, id: i64) -> Result<Option<Shop>, sqlx::Error> {
    Ok(sqlx::query_as!(
        ShopColumns,
        r#"SELECT id, nom, code_boutique, type_commerce, ville, devise, alerte_stock_bas,
                  fuseau_horaire, politique_stock, taux_courant, taux_depuis, pos_autorise
           FROM boutiques WHERE id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await?
    .map(Shop::from))
}

/// A boutique with its settings and how many active tills and articles it has.
#[derive(Debug, Clone)]
pub struct Boutique {
    pub id: i64,
    pub nom: String,
    pub code_boutique: String,
    pub type_commerce: String,
    pub ville: String,
    pub adresse: String,
    pub devise: String,
    pub alerte_stock_bas: i32,
    pub fuseau_horaire: String,
    pub politique_stock: String,
    pub est_active: bool,
    pub pos_autorise: bool,
    /// A depot: a stock room of the merchant, usually without tills, that sends transfers.
    pub est_depot: bool,
    pub date_creation: DateTime<Utc>,
    pub nb_terminaux: i64,
    pub nb_articles: i64,
}

impl Boutique {
    /// Its own time zone.
    pub fn time_zone(&self) -> Tz {
        time_zone(&self.fuseau_horaire)
    }
}

/// Every boutique, or the one with `id`, by id.
/// The boutiques (the one `id`, or one merchant's), in the order they were created.
pub async fn list_of(
    pool: &PgPool,
    id: Option<i64>,
    commercant_id: Option<i64>,
) -> Result<Vec<Boutique>, sqlx::Error> {
    sqlx::query_as!(
        Boutique,
        r#"SELECT b.id, b.nom, b.code_boutique, b.type_commerce, b.ville, b.adresse, b.devise,
                  b.alerte_stock_bas, b.fuseau_horaire, b.politique_stock, b.est_active,
                  b.pos_autorise, b.est_depot, b.date_creation,
                  (SELECT count(*) FROM terminaux t WHERE t.boutique_id = b.id AND t.est_actif)
                      AS "nb_terminaux!",
                  (SELECT count(*) FROM articles a WHERE a.boutique_id = b.id AND a.est_actif)
                      AS "nb_articles!"
           FROM boutiques b
           WHERE ($1::int8 IS NULL OR b.id = $1)
             AND ($2::int8 IS NULL OR b.commercant_id = $2)
           ORDER BY b.id"#,
        id,
        commercant_id
    )
    .fetch_all(pool)
    .await
}

/// Every boutique, or the one `id`.
pub async fn list(pool: &PgPool, id: Option<i64>) -> Result<Vec<Boutique>, sqlx::Error> {
    list_of(pool, id, None).await
}

/// The merchant the boutique `id` belongs to, if any.
pub async fn owner(pool: &PgPool, id: i64) -> Result<Option<i64>, sqlx::Error> {
    Ok(
        sqlx::query_scalar!("SELECT commercant_id FROM boutiques WHERE id = $1", id)
            .fetch_optional(pool)
            .await?
            .flatten(),
    )
}

/// Gives the boutique `id` to the merchant `commercant_id`.
pub async fn set_owner(pool: &PgPool, id: i64, commercant_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE boutiques SET commercant_id = $2 WHERE id = $1",
        id,
        commercant_id
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The boutique `id`, with its counts.
pub async fn get(pool: &PgPool, id: i64) -> Result<Boutique, BoutiqueError> {
    list(pool, Some(id))
        .await?
        .pop()
        .ok_or(BoutiqueError::NotFound)
}

/// The settings of a boutique that a change sets; `None` leaves a setting as it is (or,
/// on creation, to its default). Whoever fills it takes what was sent as it is: the rules
/// on each setting are checked here, the same for every door.
#[derive(Debug, Clone, Default)]
pub struct BoutiqueFields {
    pub nom: Option<String>,
    pub code_boutique: Option<String>,
    pub type_commerce: Option<String>,
    pub ville: Option<String>,
    pub adresse: Option<String>,
    pub devise: Option<String>,
    pub alerte_stock_bas: Option<i64>,
    pub fuseau_horaire: Option<String>,
    pub politique_stock: Option<String>,
    pub est_active: Option<bool>,
    /// Whether its tills may sell (`pos/status/`).
    pub pos_autorise: Option<bool>,
    /// Whether it is a depot (transfers say so).
    pub est_depot: Option<bool>,
}

/// The highest low-stock threshold a boutique may set.
pub const MAX_LOW_STOCK: i64 = 1_000_000;

impl BoutiqueFields {
    /// The settings as they are stored: names and codes of 1 to their length once trimmed,
    /// free texts (type, town, address) that may be empty, the currency in capitals, the
    /// threshold within its range, a real IANA zone, a known stock policy.
    fn checked(&self) -> Result<BoutiqueFields, Invalid> {
        let text = |name: &str, value: &Option<String>, max| {
            field::optional_text(name, value.as_deref(), max)
        };
        let free_text = |name: &str, value: &Option<String>, max| {
            value
                .as_deref()
                .map(|v| field::free_text(name, v, max))
                .transpose()
        };
        let checked = BoutiqueFields {
            nom: text("nom", &self.nom, 200)?,
            code_boutique: text("code_boutique", &self.code_boutique, 50)?,
            type_commerce: free_text("type_commerce", &self.type_commerce, 200)?,
            ville: free_text("ville", &self.ville, 200)?,
            adresse: free_text("adresse", &self.adresse, 500)?,
            devise: text("devise", &self.devise, 10)?.map(|d| d.to_uppercase()),
            alerte_stock_bas: self
                .alerte_stock_bas
                .map(|n| field::int("alerte_stock_bas", n, 0, MAX_LOW_STOCK))
                .transpose()?,
            fuseau_horaire: text("fuseau_horaire", &self.fuseau_horaire, 64)?,
            politique_stock: text("politique_stock", &self.politique_stock, 32)?,
            est_active: self.est_active,
            pos_autorise: self.pos_autorise,
            est_depot: self.est_depot,
        };
        if let Some(zone) = &checked.fuseau_horaire
            && zone.parse::<Tz>().is_err()
        {
            return Err(Invalid::new(
                "fuseau_horaire",
                "un fuseau horaire IANA est attendu (ex. Africa/Kinshasa)",
            ));
        }
        if let Some(policy) = &checked.politique_stock
            && !StockPolicy::ALL.contains(&policy.as_str())
        {
            return Err(Invalid::new(
                "politique_stock",
                "STRICT (refuser une vente sans stock) ou AUTORISER_NEGATIF (l'enregistrer et alerter)",
            ));
        }
        Ok(checked)
    }

    /// The threshold as its column holds it (checked to fit by then).
    fn threshold(&self) -> Option<i32> {
        self.alerte_stock_bas.and_then(|n| i32::try_from(n).ok())
    }
}

/// Creates a boutique (`nom` and `code_boutique` required); returns its id.
pub async fn create(pool: &PgPool, f: &BoutiqueFields) -> Result<i64, BoutiqueError> {
    if f.nom.is_none() {
        return Err(Invalid::new("nom", "champ obligatoire").into());
    }
    if f.code_boutique.is_none() {
        return Err(Invalid::new("code_boutique", "champ obligatoire").into());
    }
    let f = f.checked()?;
    Ok(sqlx::query_scalar!(
        r#"INSERT INTO boutiques (nom, code_boutique, type_commerce, ville, adresse, devise,
                                  alerte_stock_bas, fuseau_horaire, est_active, politique_stock,
                                  pos_autorise, est_depot)
           VALUES ($1, $2, COALESCE($3, ''), COALESCE($4, ''), COALESCE($5, ''),
                   COALESCE($6, 'CDF'), COALESCE($7, 5), COALESCE($8, 'Africa/Kinshasa'),
                   COALESCE($9, TRUE), COALESCE($10, 'STRICT'), COALESCE($11, TRUE),
                   COALESCE($12, FALSE))
           RETURNING id"#,
        f.nom,
        f.code_boutique,
        f.type_commerce,
        f.ville,
        f.adresse,
        f.devise,
        f.threshold(),
        f.fuseau_horaire,
        f.est_active,
        f.politique_stock,
        f.pos_autorise,
        f.est_depot
    )
    .fetch_one(pool)
    .await?)
}

/// Changes the settings of the boutique `id` that `f` sets.
pub async fn update(pool: &PgPool, id: i64, f: &BoutiqueFields) -> Result<(), BoutiqueError> {
    let f = f.checked()?;
    let updated = sqlx::query!(
        r#"UPDATE boutiques SET
               nom = COALESCE($2, nom),
               code_boutique = COALESCE($3, code_boutique),
               type_commerce = COALESCE($4, type_commerce),
               ville = COALESCE($5, ville),
               adresse = COALESCE($6, adresse),
               devise = COALESCE($7, devise),
               alerte_stock_bas = COALESCE($8, alerte_stock_bas),
               fuseau_horaire = COALESCE($9, fuseau_horaire),
               est_active = COALESCE($10, est_active),
               politique_stock = COALESCE($11, politique_stock),
               pos_autorise = COALESCE($12, pos_autorise),
               est_depot = COALESCE($13, est_depot)
           WHERE id = $1"#,
        id,
        f.nom,
        f.code_boutique,
        f.type_commerce,
        f.ville,
        f.adresse,
        f.devise,
        f.threshold(),
        f.fuseau_horaire,
        f.est_active,
        f.politique_stock,
        f.pos_autorise,
        f.est_depot
    )
    .execute(pool)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(BoutiqueError::NotFound);
    }
    Ok(())
}

/// Deactivates the boutique: its tills are refused from their next request. Nothing is
/// deleted; it can be reactivated.
pub async fn deactivate(pool: &PgPool, id: i64) -> Result<(), BoutiqueError> {
    let updated = sqlx::query!("UPDATE boutiques SET est_active = FALSE WHERE id = $1", id)
        .execute(pool)
        .await?;
    if updated.rows_affected() == 0 {
        return Err(BoutiqueError::NotFound);
    }
    Ok(())
}

/// How many active articles (and of them at or below the low-stock threshold) and
/// categories a boutique has.
#[derive(Debug, Clone, Copy)]
pub struct CatalogueCounts {
    pub articles: i64,
    pub stock_bas: i64,
    pub categories: i64,
}

pub async fn catalogue_counts(
    pool: &PgPool,
    boutique_id: i64,
) -> Result<CatalogueCounts, sqlx::Error> {
    sqlx::query_as!(
        CatalogueCounts,
        r#"SELECT
             (SELECT count(*) FROM articles WHERE boutique_id = $1 AND est_actif) AS "articles!",
             (SELECT stock_bas::int8 FROM compteurs_stock WHERE boutique_id = $1) AS "stock_bas!",
             (SELECT count(*) FROM categories WHERE boutique_id = $1) AS "categories!""#,
        boutique_id
    )
    .fetch_one(pool)
    .await
}

/// What needs a manager's eye in a boutique.
#[derive(Debug, Clone, Copy, Default)]
pub struct Attention {
    /// Active articles below zero, at zero, and low (above zero, at or below the threshold).
    pub negative: i64,
    pub zero: i64,
    pub low: i64,
    /// Sales recorded although the stock did not cover them, not yet closed.
    pub open_alerts: i64,
    /// Refused sales not resolved, refused since `refused_since`.
    pub refused: i64,
    /// Active tills not seen since `seen_since` (or never).
    pub silent_tills: i64,
}

pub async fn attention(
    pool: &PgPool,
    shop: &Shop,
    refused_since: DateTime<Utc>,
    seen_since: DateTime<Utc>,
) -> Result<Attention, sqlx::Error> {
    sqlx::query_as!(
        Attention,
        r#"SELECT
             (SELECT count(*) FROM articles
               WHERE boutique_id = $1 AND est_actif AND quantite_stock < 0) AS "negative!",
             (SELECT count(*) FROM articles
               WHERE boutique_id = $1 AND est_actif AND quantite_stock = 0) AS "zero!",
             (SELECT count(*) FROM articles
               WHERE boutique_id = $1 AND est_actif AND quantite_stock > 0
                 AND quantite_stock <= $2) AS "low!",
             (SELECT count(*) FROM alertes_stock
               WHERE boutique_id = $1 AND NOT fermee) AS "open_alerts!",
             (SELECT count(*) FROM ventes_rejetees
               WHERE boutique_id = $1 AND NOT resolue AND date_rejet >= $3) AS "refused!",
             (SELECT count(*) FROM terminaux
               WHERE boutique_id = $1 AND est_actif
                 AND (derniere_activite IS NULL OR derniere_activite < $4)) AS "silent_tills!""#,
        shop.id,
        shop.alerte_stock_bas,
        refused_since,
        seen_since
    )
    .fetch_one(pool)
    .await
}

/// A boutique as a back-office user sees it in their list.
#[derive(Debug, Clone)]
pub struct VisibleShop {
    pub shop: Shop,
    pub commercant_nom: Option<String>,
    pub est_active: bool,
}

/// Who is asking which boutiques they may see.
#[derive(Debug, Clone, Copy)]
pub enum Viewer {
    /// Every boutique.
    Everyone,
    /// The boutiques of one merchant (none, for a user attached to no merchant).
    Merchant(Option<i64>),
}

/// The boutiques `viewer` may see and change, by name.
pub async fn visible(pool: &PgPool, viewer: Viewer) -> Result<Vec<VisibleShop>, sqlx::Error> {
    let (all, merchant) = match viewer {
        Viewer::Everyone => (true, None),
        Viewer::Merchant(id) => (false, id),
    };
    Ok(sqlx::query!(
        r#"SELECT b.id, b.nom, b.code_boutique, b.type_commerce, b.ville, b.devise,
                  b.alerte_stock_bas, b.fuseau_horaire, b.politique_stock, b.est_active,
                  b.taux_courant, b.taux_depuis, b.pos_autorise, c.nom AS "commercant_nom?"
           FROM boutiques b
           LEFT JOIN commercants c ON c.id = b.commercant_id
           WHERE $1 OR b.commercant_id = $2
           ORDER BY b.nom, b.id"#,
        all,
        merchant
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|row| VisibleShop {
        shop: Shop::from(ShopColumns {
            id: row.id,
            nom: row.nom,
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
        commercant_nom: row.commercant_nom,
        est_active: row.est_active,
    })
    .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop(zone: Tz) -> Shop {
        Shop {
            id: 1,
            nom: "x".into(),
            code: "x".into(),
            type_commerce: String::new(),
            ville: String::new(),
            devise: "CDF".into(),
            alerte_stock_bas: 5,
            time_zone: zone,
            stock_policy: StockPolicy::Strict,
            taux_dollar: Rate::DEFAULT,
            taux_depuis: DateTime::<Utc>::MIN_UTC,
            pos_autorise: true,
        }
    }

    #[test]
    fn today_and_month_in_the_shops_zone() {
        let kinshasa = shop(chrono_tz::Africa::Kinshasa);
        // 23:30 UTC on 30 November is already 1 December in Kinshasa (UTC+1).
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 23, 30, 0).unwrap();
        let (today, month) = kinshasa.today_and_month(now);
        assert_eq!(
            today.start,
            Utc.with_ymd_and_hms(2026, 11, 30, 23, 0, 0).unwrap()
        );
        assert_eq!(
            today.end,
            Utc.with_ymd_and_hms(2026, 12, 1, 23, 0, 0).unwrap()
        );
        assert_eq!(month.start, today.start);
        assert_eq!(
            month.end,
            Utc.with_ymd_and_hms(2026, 12, 31, 23, 0, 0).unwrap()
        );
        assert_eq!(kinshasa.timestamp(now), "2026-12-01T00:30:00+01:00");
    }

    #[test]
    fn unknown_zones_fall_back_to_kinshasa() {
        assert_eq!(time_zone("Nowhere/Atlantis"), DEFAULT_TIME_ZONE);
        assert_eq!(
            time_zone("Africa/Lubumbashi"),
            chrono_tz::Africa::Lubumbashi
        );
    }

    #[test]
    fn settings_are_checked_and_stored_as_written_down() {
        let sent = BoutiqueFields {
            nom: Some("  Boutique de Goma ".into()),
            devise: Some("usd".into()),
            ville: Some(String::new()),
            alerte_stock_bas: Some(0),
            ..BoutiqueFields::default()
        };
        let checked = sent.checked().unwrap();
        assert_eq!(checked.nom.as_deref(), Some("Boutique de Goma"));
        assert_eq!(checked.devise.as_deref(), Some("USD"));
        assert_eq!(checked.ville.as_deref(), Some(""));
        assert_eq!(checked.threshold(), Some(0));
        /// Makes one setting unacceptable.
        type Spoil = fn(&mut BoutiqueFields);
        let refusals: [(&str, Spoil); 7] = [
            ("nom", |f| f.nom = Some(" ".into())),
            ("code_boutique", |f| f.code_boutique = Some("X".repeat(51))),
            ("adresse", |f| f.adresse = Some("X".repeat(501))),
            ("alerte_stock_bas", |f| f.alerte_stock_bas = Some(-1)),
            ("alerte_stock_bas", |f| {
                f.alerte_stock_bas = Some(MAX_LOW_STOCK + 1)
            }),
            ("fuseau_horaire", |f| {
                f.fuseau_horaire = Some("Mars/Olympus".into())
            }),
            ("politique_stock", |f| {
                f.politique_stock = Some("PEUT-ETRE".into())
            }),
        ];
        for (field, set) in refusals {
            let mut fields = BoutiqueFields::default();
            set(&mut fields);
            assert_eq!(fields.checked().unwrap_err().field, field);
        }
    }
}
