//! `GET boutiques/`: every shop for an administrator, its own for a till.

use super::gate::{Terminal, header_serial};
use crate::boutiques;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{admin_token_refused, bearer_token};
use crate::http::views::BoutiqueListView;
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;

/// Who is asking: a till (by its serial), or the holder of an administration token.
pub enum Caller {
    /// With the one merchant its token reaches, if it is limited to one.
    Admin(Option<i64>),
    Terminal(Box<Terminal>),
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if header_serial(&parts.headers).is_some() {
            return Ok(Caller::Terminal(Box::new(
                Terminal::from_request_parts(parts, state).await?,
            )));
        }
        let token = bearer_token(&parts.headers).ok_or_else(|| admin_token_refused(false))?;
        crate::accounts::admin_token(&state.pool, token)
            .await?
            .map(|token| Caller::Admin(token.commercant_id))
            .ok_or_else(|| admin_token_refused(true))
    }
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/boutiques/",
    operation_id = "boutiques_for_caller",
    tag = "Terminal",
    summary = "The shops the caller may see",
    description = "With an administration token, every shop (a merchant's token: that merchant's); with a till's serial, its own.",
    responses(
        (status = 200, description = "The shops", body = BoutiqueListView),
        crate::http::openapi::refusals::BoutiquesForCaller,
    ),
    security(("X-Device-Serial" = []), ("admin_token" = []))
)]
pub async fn for_caller(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<BoutiqueListView>, ApiError> {
    let boutiques = match caller {
        Caller::Admin(merchant) => boutiques::list_of(&state.pool, None, merchant).await?,
        Caller::Terminal(terminal) => {
            boutiques::list(&state.pool, Some(terminal.boutique.id)).await?
        }
    };
    Ok(Json(BoutiqueListView::new(boutiques)))
}
