//! What the doors of the JSON APIs read from a request, with the API's own errors: the
//! body (within its size limit), read into the handler's serde type, and the query string,
//! parsed strictly. A value that is there but unusable is a `400` naming it, never
//! ignored (a typo would otherwise look like success).

use super::error::ApiError;
use crate::boutiques::{DateRange, Shop, date_bound};
use crate::code::Code;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::HashMap;

/// The body's bytes, within the configured size limit.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        Code::PayloadTooLarge,
                        "Corps de la requête trop volumineux",
                    )
                } else {
                    ApiError::bad_request(Code::InvalidJson, "Corps de la requête illisible")
                }
            })
    }
}

/// A JSON body read into `T`, a serde type of the handler's (which should deny unknown
/// fields: a typo would otherwise look like success). A body that is not JSON is
/// `400 INVALID_JSON`; JSON that does not fit `T` is `400 INVALID_FORMAT` naming the field
/// at fault (`champ`, e.g. `lignes[0].quantite`), in French.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        read_body(&bytes).map(Body)
    }
}

/// Reads `bytes` as [`Body`] does.
pub fn read_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: Value = parse_json(bytes)?;
    if !value.is_object() {
        return Err(ApiError::bad_request(
            Code::InvalidFormat,
            "Un objet JSON est attendu",
        ));
    }
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let (field, expected) = french(&path, &error.inner().to_string());
        ApiError::invalid_field(&field, &expected)
    })
}

/// The field and what it should hold, in French, from serde's (English) words.
fn french(path: &str, message: &str) -> (String, String) {
    let at = |name: &str| {
        if path == "." || path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    let quoted = |text: &str| text.split('`').nth(1).unwrap_or_default().to_owned();
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let expected: Vec<&str> = rest.split('`').skip(3).step_by(2).collect();
        let expected = if expected.is_empty() {
            "champ inconnu".to_owned()
        } else {
            format!("champ inconnu (champs possibles : {})", expected.join(", "))
        };
        // The path already ends with the unknown field.
        return (path.to_owned(), expected);
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return (at(&quoted(rest)), "champ obligatoire".to_owned());
    }
    let expected = match message.rsplit_once(", expected ") {
        Some((_, kind))
            if message.starts_with("invalid type") || message.starts_with("invalid value") =>
        {
            let kind = kind.trim_end_matches(|c: char| c == '.' || c.is_whitespace());
            if kind.contains("string") || kind.contains("char") {
                "un texte est attendu"
            } else if kind.contains("bool") {
                "true ou false est attendu"
            } else if kind.contains("sequence") {
                "une liste est attendue"
            } else if kind.contains("struct") || kind.contains("map") {
                "un objet est attendu"
            } else if kind.starts_with('i') || kind.starts_with('u') || kind.contains("integer") {
                "un entier est attendu"
            } else {
                "valeur de type inattendu"
            }
            .to_owned()
        }
        // Our own types say what they expect in French.
        _ => message.to_owned(),
    };
    (path.to_owned(), expected)
}

/// Parses JSON, or says why not as a `400 INVALID_JSON`.
pub fn parse_json<'a, T: serde::Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(
            Code::InvalidJson,
            format!("Le corps de la requête n'est pas du JSON valide ({e})"),
        )
    })
}

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

    /// A day `YYYY-MM-DD` (in the shop's time zone, for the caller to place).
    pub fn day(&self, name: &str) -> Result<Option<chrono::NaiveDate>, ApiError> {
        self.get(name)
            .map(|v| {
                chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .map_err(|_| invalid(name, "une date AAAA-MM-JJ est attendue"))
            })
            .transpose()
    }

    /// A yes-or-no parameter as the 2026 backend read it: `1`, `true`, `yes`, `on` (and
    /// `oui`) are yes; anything else, or nothing, is no.
    pub fn lenient_flag(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| {
            ["1", "true", "yes", "on", "oui"].contains(&v.to_ascii_lowercase().as_str())
        })
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

/// The token of `Authorization: Bearer <token>`, if the request carries one.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The `401` of a request that names no administration token, or an unknown one.
pub fn admin_token_refused(present: bool) -> ApiError {
    if present {
        ApiError::unauthorized(Code::Unauthorized, "Jeton administrateur invalide")
    } else {
        ApiError::unauthorized(
            Code::Unauthorized,
            "Authentification requise : Authorization: Bearer <jeton administrateur>",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Delivery {
        reference_document: String,
        lignes: Vec<Line>,
        urgent: Option<bool>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Line {
        article_id: i64,
        prix: Option<Money>,
    }

    fn refusal(body: &str) -> (String, String) {
        let error = read_body::<Delivery>(body.as_bytes()).unwrap_err();
        (
            error.extra["champ"].as_str().unwrap_or_default().to_owned(),
            error.message.into_owned(),
        )
    }

    #[test]
    fn a_body_that_does_not_fit_names_the_field_in_french() {
        let (field, message) =
            refusal(r#"{"reference_document": "BL", "lignes": [{"article_id": "x"}]}"#);
        assert_eq!(field, "lignes[0].article_id");
        assert_eq!(
            message,
            "Champ 'lignes[0].article_id' invalide : un entier est attendu"
        );
        let (field, message) = refusal(r#"{"lignes": []}"#);
        assert_eq!(
            (field.as_str(), message.as_str()),
            (
                "reference_document",
                "Champ 'reference_document' invalide : champ obligatoire"
            )
        );
        let (field, message) =
            refusal(r#"{"reference_document": "BL", "lignes": [], "refrence": 1}"#);
        assert_eq!(field, "refrence");
        assert!(
            message
                .contains("champ inconnu (champs possibles : reference_document, lignes, urgent)"),
            "{message}"
        );
        let (field, _) =
            refusal(r#"{"reference_document": "BL", "lignes": [{"article_id": 1, "prix": -3}]}"#);
        assert_eq!(field, "lignes[0].prix");
        let (field, message) = refusal(r#"{"reference_document": 5, "lignes": []}"#);
        assert_eq!(
            (field.as_str(), message.as_str()),
            (
                "reference_document",
                "Champ 'reference_document' invalide : un texte est attendu"
            )
        );
        let (field, _) = refusal(r#"{"reference_document": "BL", "lignes": [], "urgent": "oui"}"#);
        assert_eq!(field, "urgent");
    }

    #[test]
    fn not_an_object_and_not_json_are_told_apart() {
        let error = read_body::<Delivery>(b"[1]").unwrap_err();
        assert_eq!(error.code, Code::InvalidFormat);
        let error = read_body::<Delivery>(b"{").unwrap_err();
        assert_eq!(error.code, Code::InvalidJson);
    }
}
