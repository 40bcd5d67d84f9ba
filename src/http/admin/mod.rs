//! The administration API under `/api/admin/`: shops, tills, catalogue, stock, sales and
//! the stock journal of any boutique, behind `Authorization: Bearer <admin token>`. One file
//! per resource; [`Admin`] is the token's gate, and [`AdminShop`] the boutique of the path
//! (with the gate), so that no handler repeats either.
//!
//! Each handler reads its body into a serde type of its own (unknown fields refused), makes
//! one call into the domain, which holds every rule on the values (lengths, ranges, what is
//! required), and answers with a type of its own; the OpenAPI document is built from those
//! same types.

pub mod boutiques;
pub mod catalogue;
pub mod counts;
pub mod rates;
pub mod review;
pub mod sales;
pub mod sessions;
pub mod stock;
pub mod terminals;
pub mod tokens;
pub mod transfers;
pub mod variants;

use super::AppState;
use super::error::{ApiError, BOUTIQUE_MISSING, missing};
use super::extract::{admin_token_refused, bearer_token};
use crate::boutiques::Shop;
use axum::Router;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::routing::{get, post};
use serde::{Deserialize, Deserializer};
use std::collections::HashMap;

/// A request made with a valid administration token.
#[derive(Debug, Clone)]
pub struct Admin {
    pub id: i64,
    pub nom: String,
    /// The one merchant whose shops the token reaches; `None`: every merchant's.
    pub commercant_id: Option<i64>,
}

impl Admin {
    /// How an administrator's actions are signed in the stock journal.
    pub fn signature(&self) -> String {
        format!("admin:{}", self.nom)
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(&parts.headers).ok_or_else(|| admin_token_refused(false))?;
        let found = crate::accounts::admin_token(&state.pool, token)
            .await?
            .ok_or_else(|| admin_token_refused(true))?;
        Ok(Admin {
            id: found.id,
            nom: found.nom,
            commercant_id: found.commercant_id,
        })
    }
}

/// An id from the path: anything but a positive whole number names nothing.
fn path_id(raw: &str, what: &'static str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| missing(what))
}

/// An administrator's request about the boutique `{boutique_id}` of its path (active or
/// not), which must exist.
pub struct AdminShop {
    pub admin: Admin,
    pub shop: Shop,
    path: HashMap<String, String>,
}

impl AdminShop {
    /// Another id of the path (`{terminal_id}`, `{article_id}`…); `what` is said when it
    /// names nothing.
    pub fn id(&self, name: &str, what: &'static str) -> Result<i64, ApiError> {
        path_id(self.path.get(name).map_or("", String::as_str), what)
    }
}

impl FromRequestParts<AppState> for AdminShop {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let admin = Admin::from_request_parts(parts, state).await?;
        let Path(path) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| missing(BOUTIQUE_MISSING))?;
        let id = path_id(
            path.get("boutique_id").map_or("", String::as_str),
            BOUTIQUE_MISSING,
        )?;
        let shop = crate::boutiques::find(&state.pool, id)
            .await?
            .ok_or_else(|| missing(BOUTIQUE_MISSING))?;
        // Another merchant's shop, for a token of one merchant: as if it did not exist.
        if let Some(merchant) = admin.commercant_id
            && crate::boutiques::owner(&state.pool, shop.id).await? != Some(merchant)
        {
            return Err(missing(BOUTIQUE_MISSING));
        }
        Ok(AdminShop { admin, shop, path })
    }
}

/// For a body field that may be left out but holds a value when sent, with
/// `#[serde(default)]`: absent is `None`, and `null` is refused like any value of the wrong
/// type, rather than pass for "leave it as it is". With `T = Option<U>`, `null` is
/// `Some(None)`: "set it to nothing" (`categorie_id: null` takes an article out of its
/// category).
pub fn given<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// For a free text (a description, an address), with `#[serde(default)]`: absent is
/// `None`, and `null` empties it.
pub fn null_empties<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(deserializer).map(|text| Some(text.unwrap_or_default()))
}

/// The administration API's routes, under `/api/admin`, each also with a trailing slash.
/// The router is built from this list, and a test checks that the OpenAPI document
/// describes every route in it.
pub fn routes() -> Vec<(&'static str, axum::routing::MethodRouter<AppState>)> {
    vec![
        ("/boutiques", get(boutiques::list).post(boutiques::create)),
        (
            "/boutiques/{boutique_id}",
            get(boutiques::show)
                .patch(boutiques::update)
                .delete(boutiques::deactivate),
        ),
        (
            "/boutiques/{boutique_id}/terminaux",
            get(terminals::list).post(terminals::create),
        ),
        (
            "/boutiques/{boutique_id}/terminaux/{terminal_id}",
            get(terminals::show)
                .patch(terminals::update)
                .delete(terminals::deactivate),
        ),
        (
            "/boutiques/{boutique_id}/terminaux/{terminal_id}/cle",
            post(terminals::rotate_key),
        ),
        (
            "/boutiques/{boutique_id}/categories",
            get(catalogue::list_categories).post(catalogue::create_category),
        ),
        (
            "/boutiques/{boutique_id}/categories/{categorie_id}",
            axum::routing::patch(catalogue::update_category).delete(catalogue::delete_category),
        ),
        (
            "/boutiques/{boutique_id}/articles",
            get(catalogue::list_articles).post(catalogue::create_article),
        ),
        (
            "/boutiques/{boutique_id}/articles/{article_id}",
            get(catalogue::show_article)
                .patch(catalogue::update_article)
                .delete(catalogue::deactivate_article),
        ),
        (
            "/boutiques/{boutique_id}/taux",
            get(rates::show).put(rates::set_for_shop),
        ),
        (
            "/commercants/{commercant_id}/taux",
            axum::routing::put(rates::set_for_merchant),
        ),
        ("/boutiques/{boutique_id}/entrees", post(stock::receive)),
        ("/boutiques/{boutique_id}/envois", post(stock::send)),
        (
            "/boutiques/{boutique_id}/transferts",
            get(transfers::list).post(transfers::send),
        ),
        (
            "/boutiques/{boutique_id}/transferts/{transfert_id}",
            get(transfers::show),
        ),
        (
            "/boutiques/{boutique_id}/transferts/{transfert_id}/recevoir",
            post(transfers::receive),
        ),
        (
            "/boutiques/{boutique_id}/transferts/{transfert_id}/refuser",
            post(transfers::refuse),
        ),
        (
            "/boutiques/{boutique_id}/articles/{article_id}/variantes",
            post(variants::create),
        ),
        (
            "/boutiques/{boutique_id}/articles/{article_id}/variantes/{variante_id}",
            axum::routing::patch(variants::update).delete(variants::withdraw),
        ),
        ("/boutiques/{boutique_id}/ajustements", post(stock::adjust)),
        (
            "/boutiques/{boutique_id}/comptages",
            get(counts::list).post(counts::open),
        ),
        (
            "/boutiques/{boutique_id}/comptages/{comptage_id}",
            get(counts::show),
        ),
        (
            "/boutiques/{boutique_id}/comptages/{comptage_id}/lignes",
            post(counts::record),
        ),
        (
            "/boutiques/{boutique_id}/comptages/{comptage_id}/appliquer",
            post(counts::apply),
        ),
        (
            "/boutiques/{boutique_id}/comptages/{comptage_id}/abandonner",
            post(counts::abandon),
        ),
        ("/boutiques/{boutique_id}/ventes", get(sales::list)),
        (
            "/boutiques/{boutique_id}/ventes/{vente_id}/annuler",
            post(sales::cancel),
        ),
        (
            "/boutiques/{boutique_id}/ventes/{vente_id}/retour",
            post(sales::return_articles),
        ),
        (
            "/boutiques/{boutique_id}/mouvements-stock",
            get(stock::movements),
        ),
        (
            "/boutiques/{boutique_id}/sessions-caisse",
            get(sessions::list).post(sessions::open),
        ),
        (
            "/boutiques/{boutique_id}/sessions-caisse/{session_id}/fermer",
            post(sessions::close),
        ),
        (
            "/boutiques/{boutique_id}/sessions-caisse/{session_id}/rapport-z",
            get(sessions::report),
        ),
        ("/jetons", get(tokens::list)),
        ("/jetons/{jeton_id}", axum::routing::delete(tokens::revoke)),
        ("/ventes-rejetees", get(review::list_rejections)),
        (
            "/boutiques/{boutique_id}/ventes-rejetees/{id}/resoudre",
            post(review::resolve_rejection),
        ),
        ("/alertes-stock", get(review::list_stock_alerts)),
        (
            "/boutiques/{boutique_id}/alertes-stock/{id}/fermer",
            post(review::close_stock_alert),
        ),
    ]
}

pub fn router() -> Router<AppState> {
    routes()
        .into_iter()
        .fold(Router::new(), |router, (path, route)| {
            super::both(router, path, route)
        })
}
