//! What a page could not do: [`PageError`], answered as a page of its own, and [`Refusal`],
//! which turns what the domain refused into the sentence the back-office shows beside the
//! form that asked for it.

use super::document::{document, notice, render_as};
use super::format::date_time;
use super::paths::BASE;
use crate::boutiques::Shop;
use crate::catalogue::CatalogueError;
use crate::http::error::ApiError;
use crate::review::ReviewError;
use crate::stock::StockError;
use crate::terminals::TerminalError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use std::borrow::Cow;

/// What a page could not do, as a page.
#[derive(Debug)]
pub enum PageError {
    /// Nothing here, or nothing the user may see: the same answer for both.
    NotFound,
    /// A refusal with its French message.
    Message(StatusCode, Cow<'static, str>),
    Unavailable,
    Internal,
}

impl PageError {
    pub fn message(status: StatusCode, text: impl Into<Cow<'static, str>>) -> Self {
        PageError::Message(status, text.into())
    }
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        match error.status {
            StatusCode::SERVICE_UNAVAILABLE => PageError::Unavailable,
            status if status.is_server_error() => PageError::Internal,
            status => PageError::Message(status, error.message),
        }
    }
}

impl From<sqlx::Error> for PageError {
    fn from(error: sqlx::Error) -> Self {
        ApiError::from(error).into()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, text): (StatusCode, &str, Cow<'static, str>) = match self {
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page introuvable",
                "Cette page n'existe pas, ou vous n'y avez pas accès.".into(),
            ),
            PageError::Message(status, text) => (status, "Action impossible", text),
            PageError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Service momentanément indisponible",
                "La base de données ne répond pas. Réessayez dans un instant.".into(),
            ),
            PageError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Erreur du serveur",
                "Une erreur inattendue s'est produite.".into(),
            ),
        };
        let body = document(
            title,
            None,
            html! {
                h1 { (title) }
                (notice("error", &text))
                p { a href={ (BASE) "/" } { "Retour au tableau de bord" } }
            },
        );
        render_as(status, body)
    }
}

/// What the domain refused, as the sentence the back-office shows beside the form that
/// asked for it; what is missing, or a fault of the server, is a page of its own.
pub trait Refusal: Sized {
    fn sentence(self) -> Result<String, PageError>;

    /// The refusal as a page of its own, for an action that has no form to show it beside.
    fn page(self) -> PageError {
        match self.sentence() {
            Ok(text) => PageError::message(StatusCode::UNPROCESSABLE_ENTITY, text),
            Err(error) => error,
        }
    }
}

fn already_used(field: &str) -> String {
    format!("Champ '{field}' : cette valeur est déjà utilisée")
}

impl Refusal for CatalogueError {
    fn sentence(self) -> Result<String, PageError> {
        match self {
            CatalogueError::ArticleNotFound
            | CatalogueError::CategoryNotFound
            | CatalogueError::VariantNotFound => Err(PageError::NotFound),
            CatalogueError::Invalid(invalid) => Ok(invalid.to_string()),
            CatalogueError::Duplicate { field } => Ok(already_used(field)),
            CatalogueError::Database(e) => Err(e.into()),
        }
    }
}

impl Refusal for TerminalError {
    fn sentence(self) -> Result<String, PageError> {
        match self {
            TerminalError::NotFound => Err(PageError::NotFound),
            TerminalError::Invalid(invalid) => Ok(invalid.to_string()),
            TerminalError::Duplicate { field } => Ok(already_used(field)),
            TerminalError::Database(e) => Err(e.into()),
        }
    }
}

impl Refusal for ReviewError {
    fn sentence(self) -> Result<String, PageError> {
        match self {
            ReviewError::RejectionNotFound | ReviewError::AlertNotFound => Err(PageError::NotFound),
            ReviewError::Invalid(invalid) => Ok(invalid.to_string()),
            ReviewError::Database(e) => Err(e.into()),
        }
    }
}

/// What the stock refused; a delivery note already received is dated in the shop's zone.
pub fn stock_sentence(error: StockError, shop: &Shop) -> Result<String, PageError> {
    match error {
        StockError::ArticleNotFound(_) => Ok("Article introuvable dans cette boutique".into()),
        StockError::OutOfRange { .. } => {
            Ok("Le stock ne peut pas devenir négatif ni dépasser la limite".into())
        }
        StockError::Invalid(invalid) => Ok(invalid.to_string()),
        StockError::AlreadyReceived { reference, at } => Ok(format!(
            "Le bon de livraison « {reference} » a déjà été reçu le {}. S'il s'agit d'une autre \
             livraison, donnez-lui une autre référence.",
            date_time(at, shop.time_zone)
        )),
        StockError::Database(e) => Err(e.into()),
    }
}
