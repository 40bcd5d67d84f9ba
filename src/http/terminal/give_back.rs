//! Cancelling a sale and returning articles: `POST ventes/annuler/` and `POST ventes/retour/`
//! for the till that made the sale (cancelling within `CAISSE_CANCEL_WINDOW`).

use super::gate::Terminal;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Input, JsonBody, returned_units};
use crate::http::views::GivenBackView;
use crate::sales::give_back::{self, Actor, SaleRef};
use axum::Json;
use axum::extract::State;

/// The sale a till names: by `numero_facture` (its own), or by `id`.
fn sale_of_terminal(input: &Input, terminal_id: i64) -> Result<SaleRef, ApiError> {
    if let Some(numero_facture) = input.text("numero_facture", 100)? {
        return Ok(SaleRef::Invoice {
            terminal_id,
            numero_facture,
        });
    }
    match input.int("id", 1, i64::MAX)? {
        Some(id) => Ok(SaleRef::Id(id)),
        None => Err(ApiError::invalid_field(
            "numero_facture",
            "le numéro de facture (ou l'id) de la vente est attendu",
        )),
    }
}

fn till(terminal: &Terminal, state: &AppState) -> Actor {
    Actor {
        signature: terminal.nom_terminal.clone(),
        terminal_id: Some(terminal.id),
        cancel_window: Some(state.limits.cancel_window),
    }
}

#[utoipa::path(
    post,
    path = "/api/v2/simple/ventes/annuler/",
    operation_id = "cancel_sale",
    tag = "Terminal",
    summary = "Cancel a sale of this till",
    description = "Within `CAISSE_CANCEL_WINDOW` of its arrival. Each line's units go back to \
        stock (`RETOUR` movements); the sale stays, cancelled, out of every revenue.",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "One key per request the till builds, sent again with each retry of it: a retry gets the first answer back (with `Idempotent-Replayed: true`) and changes nothing"),
    ),
    request_body = crate::http::openapi::schemas::CancelRequest,
    responses(
        (status = 200, description = "Cancelled", body = GivenBackView),
        crate::http::openapi::refusals::Cancel,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn cancel(
    State(state): State<AppState>,
    terminal: Terminal,
    JsonBody(body): JsonBody,
) -> Result<Json<GivenBackView>, ApiError> {
    let input = Input::new(body, &["numero_facture", "id", "motif"])?;
    let sale = sale_of_terminal(&input, terminal.id)?;
    let reason = input.free_text("motif", 500)?.filter(|m| !m.is_empty());
    let shop = &terminal.boutique;
    let done = give_back::cancel(&state.pool, shop, &sale, &till(&terminal, &state), reason)
        .await
        .map_err(|e| ApiError::give_back(e, shop))?;
    Ok(Json(GivenBackView::new(done, shop)))
}

#[utoipa::path(
    post,
    path = "/api/v2/simple/ventes/retour/",
    operation_id = "return_articles",
    tag = "Terminal",
    summary = "Return articles of a sale",
    description = "Each unit goes back to stock with a `RETOUR` movement; a line never gives \
        back more than it sold.",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "One key per request the till builds, sent again with each retry of it: a retry gets the first answer back (with `Idempotent-Replayed: true`) and changes nothing"),
    ),
    request_body = crate::http::openapi::schemas::ReturnRequest,
    responses(
        (status = 200, description = "Returned", body = GivenBackView),
        crate::http::openapi::refusals::Return,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn return_articles(
    State(state): State<AppState>,
    terminal: Terminal,
    JsonBody(body): JsonBody,
) -> Result<Json<GivenBackView>, ApiError> {
    let input = Input::new(body, &["numero_facture", "id", "lignes", "motif"])?;
    let sale = sale_of_terminal(&input, terminal.id)?;
    let units = returned_units(&input)?;
    let reason = input.free_text("motif", 500)?.filter(|m| !m.is_empty());
    let shop = &terminal.boutique;
    let actor = Actor {
        terminal_id: None,
        ..till(&terminal, &state)
    };
    let done = give_back::return_articles(&state.pool, shop, &sale, &actor, &units, reason)
        .await
        .map_err(|e| ApiError::give_back(e, shop))?;
    Ok(Json(GivenBackView::new(done, shop)))
}
