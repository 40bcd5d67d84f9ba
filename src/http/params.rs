//! Query-string parameters, parsed strictly: a value that is there but unusable is a `400`
//! naming the parameter, never ignored.

use super::error::ApiError;
use crate::code::Code;
use crate::sales::parse::parse_date;
use crate::shop::Shop;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

pub struct Params(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .map(|Query(map)| Params(map))
            .map_err(|_| {
                ApiError::bad_request(Code::InvalidParameter, "Paramètres de requête illisibles")
            })
    }
}

pub fn invalid(name: &str, expected: &str) -> ApiError {
    ApiError::bad_request(
        Code::InvalidParameter,
        format!("Paramètre '{name}' invalide : {expected}"),
    )
    .with("parametre", name)
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

/// A period `[start, end)` given by `date_debut` and `date_fin`, either open.
#[derive(Debug, Clone, Copy, Default)]
pub struct DateRange {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// `limit`: a whole number from 1; above `max` it is `max`.
    pub fn limit(&self, default: i64, max: i64) -> Result<i64, ApiError> {
        match self.get("limit") {
            None => Ok(default),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if n >= 1 => Ok(n.min(max)),
                _ => Err(invalid("limit", "un entier positif est attendu")),
            },
        }
    }

    /// `offset`: a whole number from 0.
    pub fn offset(&self) -> Result<i64, ApiError> {
        match self.get("offset") {
            None => Ok(0),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| invalid("offset", "un entier positif ou nul est attendu")),
        }
    }

    /// An id parameter: a whole number from 1.
    pub fn id(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.get(name)
            .map(|v| {
                v.parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| invalid(name, "un identifiant entier est attendu"))
            })
            .transpose()
    }

    /// One of `allowed`, exactly as written there (case-insensitive on input).
    pub fn one_of(
        &self,
        name: &str,
        allowed: &'static [&'static str],
    ) -> Result<Option<&'static str>, ApiError> {
        self.get(name)
            .map(|v| {
                allowed
                    .iter()
                    .find(|a| a.eq_ignore_ascii_case(v))
                    .copied()
                    .ok_or_else(|| {
                        invalid(name, &format!("valeurs possibles : {}", allowed.join(", ")))
                    })
            })
            .transpose()
    }

    /// `true` / `false` (also `1` / `0`).
    pub fn flag(&self, name: &str) -> Result<Option<bool>, ApiError> {
        self.get(name)
            .map(|v| match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "oui" => Ok(true),
                "false" | "0" | "non" => Ok(false),
                _ => Err(invalid(name, "true ou false est attendu")),
            })
            .transpose()
    }

    /// `date_debut` and `date_fin`: `YYYY-MM-DD` is that whole day in the shop's zone (so
    /// `date_fin=2026-11-25` includes all of the 25th); a full ISO 8601 timestamp is that
    /// instant (without an offset, in the shop's zone).
    pub fn date_range(&self, shop: &Shop) -> Result<DateRange, ApiError> {
        let bound = |name: &str, end: bool| -> Result<Option<DateTime<Utc>>, ApiError> {
            self.get(name)
                .map(|v| {
                    date_bound(v, shop, end).ok_or_else(|| {
                        invalid(
                            name,
                            "une date AAAA-MM-JJ ou ISO 8601 (2026-11-25T08:00:00+01:00) est attendue",
                        )
                    })
                })
                .transpose()
        };
        let range = DateRange {
            start: bound("date_debut", false)?,
            end: bound("date_fin", true)?,
        };
        if let (Some(start), Some(end)) = (range.start, range.end)
            && start >= end
        {
            return Err(invalid("date_fin", "elle doit suivre date_debut"));
        }
        Ok(range)
    }
}
