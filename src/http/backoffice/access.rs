//! Which boutiques a user may see: the one check every back-office page goes through.
//!
//! A handler that works on a boutique takes a [`ShopAccess`], the only way the back-office
//! turns the boutique of a URL into a [`Shop`]. Everything else a page or a form names (an
//! article, a till, a refused sale, a filter) is then looked up within that boutique only,
//! so another merchant's ids name nothing.

use super::auth::Session;
use super::layout::{Frame, PageError, Section};
use crate::http::AppState;
use crate::shop::{Shop, StockPolicy, time_zone};
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use sqlx::PgPool;
use std::collections::HashMap;

use super::auth::User;

/// A boutique as the back-office lists it.
#[derive(Debug, Clone)]
pub struct ShopRow {
    pub shop: Shop,
    pub commercant_nom: Option<String>,
    pub est_active: bool,
}

/// The boutiques `user` may see and change: every one for a superuser, its merchant's for
/// anyone else.
pub async fn visible_shops(pool: &PgPool, user: &User) -> Result<Vec<ShopRow>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"SELECT b.id, b.nom, b.code_boutique, b.type_commerce, b.ville, b.devise,
                  b.alerte_stock_bas, b.fuseau_horaire, b.politique_stock, b.est_active,
                  c.nom AS "commercant_nom?"
           FROM boutiques b
           LEFT JOIN commercants c ON c.id = b.commercant_id
           WHERE $1 OR b.commercant_id = $2
           ORDER BY b.nom, b.id"#,
        user.superuser,
        user.commercant_id
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|row| ShopRow {
        shop: Shop {
            id: row.id,
            nom: row.nom,
            code: row.code_boutique,
            type_commerce: row.type_commerce,
            ville: row.ville,
            devise: row.devise,
            alerte_stock_bas: row.alerte_stock_bas,
            time_zone: time_zone(&row.fuseau_horaire),
            stock_policy: StockPolicy::parse(&row.politique_stock),
        },
        commercant_nom: row.commercant_nom,
        est_active: row.est_active,
    })
    .collect())
}

/// A logged-in user on a page of a boutique they may see. A boutique they may not see
/// is answered exactly like one that does not exist.
pub struct ShopAccess {
    pub session: Session,
    pub shop: Shop,
    /// Every boutique the user may see (for the header).
    pub shops: Vec<ShopRow>,
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
        let shops = visible_shops(&state.pool, &session.user)
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
