//! Which boutiques a user may see: the one check every back-office page goes through.
//!
//! A handler that works on a boutique takes a [`ShopAccess`], the only way the back-office
//! turns the boutique of a URL into a [`Shop`], among the boutiques the user may see
//! ([`crate::boutiques::visible`] decides which, for every page). Everything else a page or
//! a form names (an article, a till, a refused sale, a filter) is then looked up within that
//! boutique only, so another merchant's ids name nothing.

use super::error::PageError;
use super::layout::{Frame, Section};
use super::session::Session;
use crate::boutiques::{Shop, VisibleShop, visible};
use crate::http::AppState;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

/// A logged-in user on a page of a boutique they may see. A boutique they may not see
/// is answered exactly like one that does not exist.
pub struct ShopAccess {
    pub session: Session,
    pub shop: Shop,
    /// Every boutique the user may see (for the header).
    pub shops: Vec<VisibleShop>,
}

impl ShopAccess {
    /// The page frame, in `section` of this boutique's menu.
    pub fn frame(&self, section: Section) -> Frame<'_> {
        Frame {
            session: &self.session,
            shops: &self.shops,
            shop: Some((&self.shop, section)),
        }
    }

    /// How the user's actions are signed.
    pub fn signature(&self) -> String {
        self.session.user.signature()
    }
}

impl FromRequestParts<AppState> for ShopAccess {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let session = Session::from_request_parts(parts, state).await?;
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| PageError::NotFound.into_response())?;
        let id = path_id(&params, "boutique_id").map_err(IntoResponse::into_response)?;
        let shops = visible(&state.pool, session.user.viewer())
            .await
            .map_err(|e| PageError::from(e).into_response())?;
        let shop = shops
            .iter()
            .find(|row| row.shop.id == id)
            .map(|row| row.shop.clone())
            .ok_or_else(|| PageError::NotFound.into_response())?;
        Ok(ShopAccess {
            session,
            shop,
            shops,
        })
    }
}

/// An id from the path (`article_id`, `terminal_id`…): anything but a positive whole
/// number names nothing.
pub fn path_id(params: &HashMap<String, String>, name: &str) -> Result<i64, PageError> {
    params
        .get(name)
        .and_then(|raw| raw.parse::<i64>().ok())
        .filter(|id| *id > 0)
        .ok_or(PageError::NotFound)
}
