//! A boutique as the request handlers see it: the tenant every terminal request is scoped to.

use chrono_tz::Tz;

#[derive(Debug, Clone)]
pub struct Shop {
    pub id: i64,
    pub nom: String,
    pub code: String,
    pub devise: String,
    pub alerte_stock_bas: i32,
    pub time_zone: Tz,
}

/// The time zone used when a boutique's configured zone is not a valid IANA name.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Africa::Kinshasa;

/// Parses a boutique's `fuseau_horaire`, falling back to Kinshasa.
pub fn time_zone(name: &str) -> Tz {
    name.parse().unwrap_or(DEFAULT_TIME_ZONE)
}
