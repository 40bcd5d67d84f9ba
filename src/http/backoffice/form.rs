//! A submitted HTML form (`application/x-www-form-urlencoded`), field by field. A field may
//! repeat (the lines of a delivery).

use super::layout::PageError;
use axum::body::{Bytes, to_bytes};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde_json::{Map, Value};

/// Largest form the back-office accepts: its biggest, a delivery note, is a few KiB.
pub const FORM_LIMIT: usize = 256 * 1024;

pub struct FormData(Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> Option<Self> {
        serde_urlencoded::from_bytes(body).ok().map(FormData)
    }

    /// The first value of `name`, trimmed; `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
    }

    /// Every value of `name`, in order, blank ones included (rows of a table line up).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
            .collect()
    }

    /// The fields as the JSON object the administration API's validation reads: `texts` as
    /// strings (when the form has them, blank or not: a blank name is refused, a blank
    /// description clears it), `amounts` with a decimal comma or spaces accepted
    /// (`25 000,50`), `ids` as numbers (blank is `null`), `counts` as numbers, `flags` as
    /// booleans (a checkbox is sent only when ticked). Anything unreadable is passed on as
    /// typed, so that the validation names the field.
    pub fn to_json(
        &self,
        texts: &[&str],
        amounts: &[&str],
        ids: &[&str],
        counts: &[&str],
        flags: &[&str],
    ) -> Value {
        let mut object = Map::new();
        for name in texts {
            if let Some((_, value)) = self.0.iter().find(|(key, _)| key == name) {
                object.insert((*name).into(), value.trim().into());
            }
        }
        for name in amounts {
            if let Some(value) = self.get(name) {
                let cleaned: String = value
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .map(|c| if c == ',' { '.' } else { c })
                    .collect();
                object.insert((*name).into(), cleaned.into());
            }
        }
        for name in ids {
            let value = match self.get(name) {
                None => Value::Null,
                Some(raw) => raw.parse::<i64>().map_or_else(|_| raw.into(), Value::from),
            };
            object.insert((*name).into(), value);
        }
        for name in counts {
            if let Some(raw) = self.get(name) {
                let cleaned: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
                let value = cleaned
                    .parse::<i64>()
                    .map_or_else(|_| raw.into(), Value::from);
                object.insert((*name).into(), value);
            }
        }
        for name in flags {
            object.insert((*name).into(), self.get(name).is_some().into());
        }
        Value::Object(object)
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = PageError;

    async fn from_request(request: Request, _: &S) -> Result<Self, PageError> {
        let bytes: Bytes = to_bytes(request.into_body(), FORM_LIMIT)
            .await
            .map_err(|_| PageError::message(StatusCode::PAYLOAD_TOO_LARGE, TOO_LARGE))?;
        FormData::parse(&bytes)
            .ok_or_else(|| PageError::message(StatusCode::BAD_REQUEST, UNREADABLE))
    }
}

pub const TOO_LARGE: &str = "Formulaire trop volumineux.";
pub const UNREADABLE: &str = "Formulaire illisible.";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_as_the_api_reads_them() {
        let form = FormData::parse(
            b"code=JUS-1&nom=Jus+d%27orange&description=+&prix_vente=25+000%2C50&prix_achat=&categorie_id=&quantite_stock=12&est_actif=on&x=1&x=&x=3",
        )
        .unwrap();
        assert_eq!(form.get("nom"), Some("Jus d'orange"));
        assert_eq!(form.get("prix_achat"), None);
        assert_eq!(form.all("x"), ["1", "", "3"]);
        assert_eq!(
            form.to_json(
                &["code", "nom", "description", "type"],
                &["prix_vente", "prix_achat"],
                &["categorie_id"],
                &["quantite_stock"],
                &["est_actif", "absent"],
            ),
            json!({
                "code": "JUS-1", "nom": "Jus d'orange", "description": "", "prix_vente": "25000.50",
                "categorie_id": null, "quantite_stock": 12, "est_actif": true, "absent": false,
            })
        );
        let odd = FormData::parse(b"categorie_id=abc&quantite_stock=douze").unwrap();
        assert_eq!(
            odd.to_json(&[], &[], &["categorie_id"], &["quantite_stock"], &[]),
            json!({"categorie_id": "abc", "quantite_stock": "douze"})
        );
    }
}
