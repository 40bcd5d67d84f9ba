//! The long lists of a boutique (its sales, its refused sales, its stock journal): filtered
//! by the query string, cut into pages of [`PAGE_SIZE`] rows, and answered `400` when the
//! query string gets a filter wrong (the page then says which, above its filters).

use super::access::ShopAccess;
use super::error::PageError;
use crate::http::AppState;
use crate::http::extract::Params;
use axum::extract::{FromRequestParts, Query};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use std::collections::HashMap;

/// A filtered list of a boutique the user may see, as its page or its export asks for it.
pub struct Listing {
    pub access: ShopAccess,
    /// The query string, read strictly into the list's filter.
    pub params: Params,
    /// The query string as sent, kept in the page's links (its pages, its export).
    pub query: HashMap<String, String>,
}

impl FromRequestParts<AppState> for Listing {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let access = ShopAccess::from_request_parts(parts, state).await?;
        let params = Params::from_request_parts(parts, state)
            .await
            .map_err(|unreadable| PageError::from(unreadable).into_response())?;
        // The same query string again, which `params` has just read.
        let query = Query::try_from_uri(&parts.uri)
            .map(|Query(query)| query)
            .unwrap_or_default();
        Ok(Listing {
            access,
            params,
            query,
        })
    }
}

/// A list page's status: `400` when the filter could not be read from the query string.
pub fn status<F, E>(filter: &Result<F, E>) -> StatusCode {
    match filter {
        Ok(_) => StatusCode::OK,
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

/// Rows per page of the long lists.
pub const PAGE_SIZE: i64 = 50;

/// The page asked for (`page=`, from 1) and its offset.
pub fn page_number(query: &HashMap<String, String>) -> (i64, i64) {
    let number = query
        .get("page")
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| (1..=100_000).contains(p))
        .unwrap_or(1);
    (number, (number - 1) * PAGE_SIZE)
}

/// Links to the previous and next pages of a list of `total` rows, keeping the other
/// parameters of `query`.
pub fn pager(path: &str, query: &HashMap<String, String>, number: i64, total: i64) -> Markup {
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let link = |to: i64| {
        let mut params: Vec<(&str, String)> = query
            .iter()
            .filter(|(k, v)| k.as_str() != "page" && k.as_str() != "fait" && !v.is_empty())
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        params.sort();
        params.push(("page", to.to_string()));
        format!(
            "{path}?{}",
            serde_urlencoded::to_string(params).unwrap_or_default()
        )
    };
    html! {
        @if pages > 1 {
            nav.pager aria-label="Pages" {
                @if number > 1 { a href=(link(number - 1)) { "← Précédents" } }
                span.muted { "Page " (number) " sur " (pages) }
                @if number < pages { a href=(link(number + 1)) { "Suivants →" } }
            }
        }
    }
}
