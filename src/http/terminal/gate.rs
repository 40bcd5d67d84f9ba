//! The terminal gate: the one place that decides which till is calling and which boutique
//! it may see. Every terminal endpoint takes a [`Terminal`] (or a [`PathTerminal`] when the
//! serial is in the path), so none can forget it. A till is resolved once per request: the
//! `Idempotency-Key` layer, which needs it first, leaves it in the request for the handler.

use crate::boutiques::Shop;
use crate::code::Code;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::bearer_token;
use crate::http::idempotency;
use crate::sales::parse::sent_id;
use crate::sales::{ParseContext, Seller};
use crate::secret::{hash_key, same_hash};
use crate::terminals;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// The header tills send their serial number in, then the names older app versions use.
const SERIAL_HEADERS: [&str; 3] = ["x-device-serial", "device-serial", "serial-number"];
/// The header that may carry the till's app version.
const APP_VERSION_HEADER: &str = "x-app-version";

/// An active terminal of an active boutique, as resolved from the request's serial.
#[derive(Debug, Clone)]
pub struct Terminal {
    pub id: i64,
    pub numero_serie: String,
    pub nom_terminal: String,
    pub version_app_maui: Option<String>,
    pub derniere_activite: Option<DateTime<Utc>>,
    pub boutique: Shop,
    /// The peer address of the request.
    pub client_ip: Option<String>,
    /// The app version the request announced, if any.
    pub app_version: Option<String>,
}

pub fn terminal_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        Code::TerminalNotFound,
        "Terminal non trouvé ou inactif",
    )
}

pub fn missing_serial() -> ApiError {
    ApiError::bad_request(
        Code::MissingSerial,
        "En-tête X-Device-Serial manquant : le terminal doit envoyer son numéro de série",
    )
    .with("header_required", "X-Device-Serial")
}

pub fn boutique_mismatch() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        Code::BoutiqueMismatch,
        "Accès refusé : cette boutique n'est pas celle du terminal",
    )
}

/// The serial a request carries in its headers, if any.
pub fn header_serial(headers: &HeaderMap) -> Option<&str> {
    SERIAL_HEADERS.iter().find_map(|name| {
        headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    })
}

/// The terminal key a request carries: `Authorization: Bearer <cle_api>` or `X-Api-Key`.
fn presented_key(headers: &HeaderMap) -> Option<&str> {
    bearer_token(headers)
        .or_else(|| headers.get("x-api-key").and_then(|v| v.to_str().ok()))
        .filter(|k| !k.is_empty())
}

impl FromRequestParts<AppState> for Terminal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(resolved) = parts.extensions.get::<Terminal>() {
            return Ok(resolved.clone());
        }
        let serial = header_serial(&parts.headers).ok_or_else(missing_serial)?;
        Terminal::resolve(parts, state, serial).await
    }
}

/// A till's `Idempotency-Key`s are its own.
impl idempotency::Scope for Terminal {
    fn scope_id(&self) -> i64 {
        self.id
    }
}

/// A terminal named in the path (`terminal/<numero_serie>/`). When the request also carries
/// a serial header, both must name the same till: one till cannot read another's data by
/// putting its serial in the path.
pub struct PathTerminal(pub Terminal);

impl FromRequestParts<AppState> for PathTerminal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| terminal_not_found())?;
        let serial = params.get("numero_serie").cloned().unwrap_or_default();
        let not_found = || terminal_not_found().with("numero_serie", serial.clone());
        if header_serial(&parts.headers).is_some_and(|h| h != serial) {
            return Err(not_found());
        }
        match Terminal::resolve(parts, state, &serial).await {
            Err(e) if e.code == Code::TerminalNotFound => Err(not_found()),
            other => other.map(PathTerminal),
        }
    }
}

impl Terminal {
    /// Resolves `serial` as the calling till: it must exist and be active, its boutique
    /// too, the key it presents (if any, or always when its key is required) must be its
    /// own, and a `boutique_id` in the query string must be its boutique's. An address that
    /// failed too often lately, or a till past its request budget, is answered 429.
    pub(super) async fn resolve(
        parts: &Parts,
        state: &AppState,
        serial: &str,
    ) -> Result<Self, ApiError> {
        let client = state.brakes.client(&parts.extensions, &parts.headers);
        if let Some(client) = client
            && let Some(wait) = state.brakes.identifications.blocked(client)
        {
            metrics::counter!(THROTTLED, "reason" => "identification").increment(1);
            return Err(ApiError::too_many(
                "Trop de tentatives d'identification échouées depuis cette adresse : réessayez plus tard",
                wait,
            ));
        }
        let row = match identify(state, parts, serial).await {
            Ok(row) => row,
            Err(refusal) => {
                // A guess: an unknown or inactive serial, a wrong key. (A known till that
                // sends no key guesses nothing; counting it would let one misconfigured till
                // lock out every till behind its shop's address.)
                if matches!(refusal.code, Code::TerminalNotFound | Code::InvalidApiKey) {
                    failed_identification(state, client, serial);
                }
                return Err(refusal);
            }
        };
        if let Err(wait) = state.brakes.tills.take(row.id) {
            metrics::counter!(THROTTLED, "reason" => "till_budget").increment(1);
            return Err(ApiError::too_many(
                "Trop de requêtes de ce terminal : réessayez dans un instant",
                wait,
            ));
        }
        let keyless = presented_key(&parts.headers).is_none();
        if !row.boutique_active {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                Code::BoutiqueInactive,
                "Boutique inactive : contactez votre gestionnaire",
            ));
        }

        // A boutique named in the query string is never a way into another shop.
        if let Ok(Query(query)) = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            && let Some(asked) = query.get("boutique_id")
            && asked.trim().parse::<i64>().ok() != Some(row.boutique.id)
        {
            return Err(boutique_mismatch());
        }

        terminals::touch_activity(&state.pool, &row, keyless);

        Ok(Terminal {
            id: row.id,
            numero_serie: serial.to_owned(),
            nom_terminal: row.nom_terminal,
            version_app_maui: row.version_app_maui,
            derniere_activite: row.derniere_activite,
            boutique: row.boutique,
            client_ip: client.map(|ip| ip.to_string()),
            app_version: parts
                .headers
                .get(APP_VERSION_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().chars().take(100).collect::<String>())
                .filter(|v| !v.is_empty()),
        })
    }
}

/// Requests refused by a brake, by `reason`.
const THROTTLED: &str = "caisse_throttled_requests_total";
/// Failed till identifications (unknown or inactive serial, wrong key).
const FAILED_IDENTIFICATIONS: &str = "caisse_failed_identifications_total";

/// The active till `serial` names, if the key it presents (if any, or always when its key
/// is required) is its own.
async fn identify(
    state: &AppState,
    parts: &Parts,
    serial: &str,
) -> Result<terminals::Identified, ApiError> {
    if serial.is_empty() || serial.len() > 100 {
        return Err(terminal_not_found());
    }
    let row = terminals::identify(&state.pool, serial)
        .await?
        .filter(|row| row.est_actif)
        .ok_or_else(terminal_not_found)?;
    match presented_key(&parts.headers) {
        Some(key) if !same_hash(&hash_key(key), &row.cle_api_hash) => Err(ApiError::unauthorized(
            Code::InvalidApiKey,
            "Clé API du terminal invalide",
        )),
        None if row.cle_requise || state.limits.require_terminal_key => {
            Err(ApiError::unauthorized(
                Code::MissingApiKey,
                "Clé API du terminal requise (Authorization: Bearer <cle_api> ou X-Api-Key)",
            ))
        }
        _ => Ok(row),
    }
}

/// Counts a failed identification against the client's address; the one that reaches the
/// limit is logged (once per burst, not once per guess).
fn failed_identification(state: &AppState, client: Option<std::net::IpAddr>, serial: &str) {
    metrics::counter!(FAILED_IDENTIFICATIONS).increment(1);
    if let Some(client) = client
        && state.brakes.identifications.fail(client)
    {
        tracing::warn!(
            %client,
            last_serial = %serial.chars().take(100).collect::<String>(),
            "till identifications refused from this address for a minute: too many failures"
        );
    }
}

/// A `boutique_id` a till names in a body: a whole number, or a numeric string as some app
/// versions send it. It is never a way in: see [`Terminal::own_boutique`].
pub struct NamedBoutique(i64);

impl<'de> serde::Deserialize<'de> for NamedBoutique {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        sent_id(&value)
            .map(NamedBoutique)
            .ok_or_else(|| serde::de::Error::custom("un entier est attendu"))
    }
}

/// A till's own serial and name, as answers name it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct TillIdentity {
    #[schema(example = "0a1badae951f8473")]
    numero_serie: String,
    #[schema(example = "Terminal MAUI")]
    nom_terminal: String,
}

impl Terminal {
    pub fn identity(&self) -> TillIdentity {
        TillIdentity {
            numero_serie: self.numero_serie.clone(),
            nom_terminal: self.nom_terminal.clone(),
        }
    }

    /// Refuses a request whose body names a boutique other than the till's.
    pub fn own_boutique(&self, named: Option<NamedBoutique>) -> Result<(), ApiError> {
        match named {
            Some(NamedBoutique(id)) if id != self.boutique.id => Err(boutique_mismatch()),
            _ => Ok(()),
        }
    }

    /// Refuses a body read by hand whose `boutique_id`/`boutiqueId` is another boutique's.
    pub fn own_boutique_in(
        &self,
        body: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), ApiError> {
        match crate::sales::parse::simple_field(body, "boutiqueid") {
            None => Ok(()),
            Some(value) => {
                self.own_boutique(Some(sent_id(value).map(NamedBoutique).ok_or_else(
                    || ApiError::invalid_field("boutique_id", "un entier est attendu"),
                )?))
            }
        }
    }

    /// What the sale parser needs to know of the request, and who sells: every sale a till
    /// sends (online or in a batch) is read and recorded with these.
    pub fn sale_context(&self) -> (ParseContext, Arc<Seller>) {
        (
            ParseContext {
                boutique_id: self.boutique.id,
                time_zone: self.boutique.time_zone,
                now: Utc::now(),
                version_app: self.app_version.clone(),
            },
            Arc::new(Seller {
                terminal_id: self.id,
                nom_terminal: self.nom_terminal.clone(),
                adresse_ip: self.client_ip.clone(),
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_boutique_is_a_number_or_a_numeric_text() {
        let read = |json: &str| serde_json::from_str::<NamedBoutique>(json).map(|b| b.0);
        assert_eq!(read("7").unwrap(), 7);
        assert_eq!(read(r#"" 7 ""#).unwrap(), 7);
        for refused in [r#""BTQ-009""#, "1.5", "true", "[7]"] {
            let error = read(refused).unwrap_err().to_string();
            assert!(
                error.starts_with("un entier est attendu"),
                "{refused}: {error}"
            );
        }
    }
}
