//! A boutique as the request handlers see it: the tenant every terminal request is scoped to.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

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
}
