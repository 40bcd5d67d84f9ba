//! A submitted HTML form (`application/x-www-form-urlencoded`), read by [`Form`] into the
//! page's own serde type, within [`FORM_LIMIT`]. The type's fields hold what the person
//! typed ([`Typed`]): the page shows it again when the form is refused, and otherwise turns
//! it into the domain's input (amounts with a decimal comma or spaces, blank for none). A
//! checkbox is sent only when ticked ([`ticked`]); a field that repeats (the lines of a
//! delivery) is read into a `Vec`.

use super::error::PageError;
use crate::field::Invalid;
use crate::money::Money;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use maud::Render;
use serde::de::{DeserializeOwned, IgnoredAny, IntoDeserializer, value};
use serde::{Deserialize, Deserializer};

/// Largest form the back-office accepts: its biggest, a delivery note, is a few KiB.
pub const FORM_LIMIT: usize = 256 * 1024;

/// A form read into `T`: a `413` page past [`FORM_LIMIT`], a `400` page when it does not
/// fit `T` (a field sent twice that may be sent once).
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, _: &S) -> Result<Self, PageError> {
        let bytes = bytes(request.into_body()).await?;
        parse(&bytes).map(Form)
    }
}

/// The body of a form, within [`FORM_LIMIT`].
pub async fn bytes(body: Body) -> Result<Bytes, PageError> {
    to_bytes(body, FORM_LIMIT).await.map_err(|_| {
        PageError::message(StatusCode::PAYLOAD_TOO_LARGE, "Formulaire trop volumineux.")
    })
}

/// The fields of a form as `T`; fields `T` does not name are ignored.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, PageError> {
    serde_html_form::from_bytes(bytes)
        .map_err(|_| PageError::message(StatusCode::BAD_REQUEST, "Formulaire illisible."))
}

/// What a person typed in a field, trimmed; blank when the field was left empty or not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Typed(String);

impl<'de> Deserialize<'de> for Typed {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Typed::from)
    }
}

/// A value shown in a form to be changed (an article's name, its price written for people).
impl From<&str> for Typed {
    fn from(text: &str) -> Self {
        Typed(text.trim().to_owned())
    }
}

impl From<String> for Typed {
    fn from(text: String) -> Self {
        Typed::from(text.as_str())
    }
}

/// Shown back in its field, escaped.
impl Render for Typed {
    fn render_to(&self, buffer: &mut String) {
        self.0.render_to(buffer);
    }
}

impl Typed {
    pub fn text(&self) -> &str {
        &self.0
    }

    /// The text, `None` when blank.
    pub fn given(&self) -> Option<&str> {
        Some(self.0.as_str()).filter(|text| !text.is_empty())
    }

    /// An amount, with a decimal comma or spaces accepted (`25 000,50`), within what the
    /// domain takes as a price; `None` when blank.
    pub fn amount(&self, field: &str) -> Result<Option<Money>, Invalid> {
        let Some(text) = self.given() else {
            return Ok(None);
        };
        let written: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| if c == ',' { '.' } else { c })
            .collect();
        Money::deserialize(written.as_str().into_deserializer())
            .map(Some)
            .map_err(|refused: value::Error| Invalid::new(field, refused.to_string()))
    }

    /// The id chosen in a list, if one is: a positive whole number.
    pub fn chosen(&self) -> Option<i64> {
        self.0.parse::<i64>().ok().filter(|id| *id > 0)
    }

    /// The id chosen in a list; `None` when none is (blank).
    pub fn id(&self, field: &str) -> Result<Option<i64>, Invalid> {
        self.given()
            .map(|_| {
                self.chosen()
                    .ok_or_else(|| Invalid::new(field, "un identifiant entier ou null est attendu"))
            })
            .transpose()
    }

    /// A whole number, spaces allowed (`1 000`); `None` when blank.
    pub fn count(&self, field: &str) -> Result<Option<i64>, Invalid> {
        self.given()
            .map(|text| {
                let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                digits
                    .parse::<i64>()
                    .map_err(|_| Invalid::new(field, "un entier est attendu"))
            })
            .transpose()
    }
}

/// A form of one comment (a refused sale resolved, a stock alert closed), as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CommentForm {
    pub commentaire: Typed,
}

/// A checkbox, for `#[serde(default, deserialize_with = "ticked")]`: a browser sends it
/// only when ticked, whatever its value.
pub fn ticked<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(deserializer).map(|_| true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Sample {
        nom: Typed,
        description: Option<Typed>,
        absent: Option<Typed>,
        prix_vente: Typed,
        prix_achat: Typed,
        categorie_id: Typed,
        quantite_stock: Typed,
        #[serde(deserialize_with = "ticked")]
        est_actif: bool,
        #[serde(deserialize_with = "ticked")]
        archive: bool,
        x: Vec<Typed>,
    }

    #[test]
    fn fields_as_people_type_them() {
        let form: Sample = parse(
            b"csrf=t&code=JUS-1&nom=Jus+d%27orange&description=+&prix_vente=25+000%2C50&prix_achat=&categorie_id=&quantite_stock=1+200&est_actif=1&x=1&x=+&x=3",
        )
        .unwrap();
        assert_eq!(form.nom.text(), "Jus d'orange");
        assert_eq!(form.prix_achat.given(), None);
        assert_eq!(form.description, Some(Typed::from("")));
        assert_eq!(form.absent, None);
        assert_eq!(
            form.x,
            [Typed::from("1"), Typed::from(""), Typed::from("3")]
        );
        assert_eq!(
            form.prix_vente
                .amount("prix_vente")
                .unwrap()
                .map(|m| m.to_string()),
            Some("25000.50".to_owned())
        );
        assert_eq!(form.prix_achat.amount("prix_achat").unwrap(), None);
        assert_eq!(form.categorie_id.id("categorie_id").unwrap(), None);
        assert_eq!(
            form.quantite_stock.count("quantite_stock").unwrap(),
            Some(1200)
        );
        assert!(form.est_actif);
        assert!(!form.archive);
        let shown: Sample = parse(b"nom=%3Cb%3E+%26").unwrap();
        assert_eq!(maud::html! { (shown.nom) }.into_string(), "&lt;b&gt; &amp;");

        let odd: Sample =
            parse(b"categorie_id=abc&quantite_stock=douze&prix_vente=x&prix_achat=-1").unwrap();
        assert_eq!(
            odd.categorie_id.id("categorie_id").unwrap_err().field,
            "categorie_id"
        );
        assert_eq!(
            odd.quantite_stock
                .count("quantite_stock")
                .unwrap_err()
                .field,
            "quantite_stock"
        );
        assert_eq!(
            odd.prix_vente.amount("prix_vente").unwrap_err().to_string(),
            "Champ 'prix_vente' invalide : un montant positif ou nul, inférieur à 10000000000"
        );
        assert!(odd.prix_achat.amount("prix_achat").is_err());
    }

    #[test]
    fn a_field_sent_twice_that_may_be_sent_once_is_unreadable() {
        assert!(parse::<Sample>(b"nom=a&nom=b").is_err());
        assert!(parse::<Sample>(b"x=a&x=b").is_ok());
    }
}
