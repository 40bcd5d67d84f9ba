//! A submitted HTML form (`application/x-www-form-urlencoded`), field by field. A field may
//! repeat (the lines of a delivery).

use super::layout::PageError;
use crate::field::Invalid;
use crate::money::Money;
use axum::body::{Bytes, to_bytes};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;

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

    /// The value of `name` as typed, trimmed, when the form has the field (blank or not: a
    /// blank name is refused, a blank description clears it).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
    }

    /// An amount, with a decimal comma or spaces accepted (`25 000,50`); `None` when blank.
    pub fn amount(&self, name: &str) -> Result<Option<Money>, Invalid> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        let cleaned: String = value
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| if c == ',' { '.' } else { c })
            .collect();
        Money::parse_price(&serde_json::Value::String(cleaned))
            .map(Some)
            .ok_or_else(|| Invalid::new(name, "un montant positif ou nul, inférieur à 10000000000"))
    }

    /// The id chosen in a list; `None` when none is (blank).
    pub fn id(&self, name: &str) -> Result<Option<i64>, Invalid> {
        self.get(name)
            .map(|raw| {
                raw.parse::<i64>()
                    .ok()
                    .filter(|id| *id > 0)
                    .ok_or_else(|| Invalid::new(name, "un identifiant entier ou null est attendu"))
            })
            .transpose()
    }

    /// A whole number, spaces allowed (`1 000`); `None` when blank.
    pub fn count(&self, name: &str) -> Result<Option<i64>, Invalid> {
        self.get(name)
            .map(|raw| {
                let cleaned: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
                cleaned
                    .parse::<i64>()
                    .map_err(|_| Invalid::new(name, "un entier est attendu"))
            })
            .transpose()
    }

    /// A checkbox: sent only when ticked.
    pub fn ticked(&self, name: &str) -> bool {
        self.get(name).is_some()
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

    #[test]
    fn fields_as_people_type_them() {
        let form = FormData::parse(
            b"code=JUS-1&nom=Jus+d%27orange&description=+&prix_vente=25+000%2C50&prix_achat=&categorie_id=&quantite_stock=1+200&est_actif=on&x=1&x=&x=3",
        )
        .unwrap();
        assert_eq!(form.get("nom"), Some("Jus d'orange"));
        assert_eq!(form.get("prix_achat"), None);
        assert_eq!(form.text("description"), Some(""));
        assert_eq!(form.text("absent"), None);
        assert_eq!(form.all("x"), ["1", "", "3"]);
        assert_eq!(
            form.amount("prix_vente").unwrap().map(|m| m.to_string()),
            Some("25000.50".to_owned())
        );
        assert_eq!(form.amount("prix_achat").unwrap(), None);
        assert_eq!(form.id("categorie_id").unwrap(), None);
        assert_eq!(form.count("quantite_stock").unwrap(), Some(1200));
        assert!(form.ticked("est_actif"));
        assert!(!form.ticked("absent"));
        let odd = FormData::parse(b"categorie_id=abc&quantite_stock=douze&prix_vente=x").unwrap();
        assert_eq!(odd.id("categorie_id").unwrap_err().field, "categorie_id");
        assert_eq!(
            odd.count("quantite_stock").unwrap_err().field,
            "quantite_stock"
        );
        assert_eq!(odd.amount("prix_vente").unwrap_err().field, "prix_vente");
    }
}
