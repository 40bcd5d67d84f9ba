//! A JSON request body read field by field: a field of the wrong
//! type or out of range is a `400` that names it, and an unknown field is refused rather
//! than silently ignored (a typo would otherwise look like success).

use crate::http::error::ApiError;
use crate::http::stock::invalid_field;
use crate::money::Money;
use serde_json::{Map, Value};

pub struct Input(Map<String, Value>);

impl Input {
    /// The body, which must be a JSON object with only the `allowed` fields.
    pub fn new(body: Value, allowed: &[&str]) -> Result<Self, ApiError> {
        let Value::Object(map) = body else {
            return Err(ApiError::bad_request(
                crate::code::Code::InvalidFormat,
                "Un objet JSON est attendu",
            ));
        };
        if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(invalid_field(
                unknown,
                &format!("champ inconnu (champs possibles : {})", allowed.join(", ")),
            ));
        }
        Ok(Input(map))
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// A text of 1 to `max` characters (trimmed), if present.
    pub fn text(&self, name: &str, max: usize) -> Result<Option<String>, ApiError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() && s.trim().chars().count() <= max => {
                Ok(Some(s.trim().to_owned()))
            }
            Some(_) => Err(invalid_field(
                name,
                &format!("un texte de 1 à {max} caractères est attendu"),
            )),
        }
    }

    /// A text that may be empty (a description), if present.
    pub fn free_text(&self, name: &str, max: usize) -> Result<Option<String>, ApiError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(String::new())),
            Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.trim().to_owned())),
            Some(_) => Err(invalid_field(
                name,
                &format!("un texte de {max} caractères au plus est attendu"),
            )),
        }
    }

    pub fn required_text(&self, name: &str, max: usize) -> Result<String, ApiError> {
        self.text(name, max)?
            .ok_or_else(|| invalid_field(name, "champ obligatoire"))
    }

    /// A whole number within `min..=max`, if present.
    pub fn int(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .filter(|n| (min..=max).contains(n))
                .map(Some)
                .ok_or_else(|| {
                    invalid_field(name, &format!("un entier de {min} à {max} est attendu"))
                }),
        }
    }

    pub fn required_int(&self, name: &str, min: i64, max: i64) -> Result<i64, ApiError> {
        self.int(name, min, max)?
            .ok_or_else(|| invalid_field(name, "champ obligatoire"))
    }

    /// An amount (number or numeric string, `>= 0`), if present.
    pub fn money(&self, name: &str) -> Result<Option<Money>, ApiError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(v) => Money::parse_price(v).map(Some).ok_or_else(|| {
                invalid_field(name, "un montant positif ou nul, inférieur à 10000000000")
            }),
        }
    }

    pub fn boolean(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(invalid_field(name, "true ou false est attendu")),
        }
    }

    /// An id that may be set to `null`: absent is `None`, `null` is `Some(None)`.
    pub fn nullable_id(&self, name: &str) -> Result<Option<Option<i64>>, ApiError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(v) => v
                .as_i64()
                .filter(|id| *id > 0)
                .map(|id| Some(Some(id)))
                .ok_or_else(|| invalid_field(name, "un identifiant entier ou null est attendu")),
        }
    }

    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
}
