//! Cancelling a sale and returning articles: `POST ventes/annuler/` and `POST ventes/retour/`
//! for the till that made the sale (cancelling within `CAISSE_CANCEL_WINDOW`). The body
//! names the sale (the till's own invoice number, or the id) and, for a return, the units;
//! they are checked here for form, and [`give_back`] refuses a line given back beyond what
//! it sold. Both answer with the sale as it now is ([`GivenBackView`]).

use super::gate::Terminal;
use crate::field;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Body;
use crate::http::views::GivenBackView;
use crate::sales::give_back::{self, Actor, SaleRef};
use crate::sales::{MAX_LINES_PER_SALE, MAX_QUANTITY};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;

/// The sale a till cancels: its own invoice number, or the sale's id.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// The till's invoice number of the sale (or give `id`).
    #[schema(example = "WEB-0001")]
    numero_facture: Option<String>,
    id: Option<i64>,
    #[schema(example = "Erreur de saisie")]
    motif: Option<String>,
}

/// Articles a till takes back, from a sale named as for a cancellation.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    #[schema(example = "FAC-20241104-001")]
    numero_facture: Option<String>,
    id: Option<i64>,
    lignes: Vec<ReturnLineRequest>,
    #[schema(example = "Article défectueux")]
    motif: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnLineRequest {
    #[schema(example = 1)]
    article_id: i64,
    /// Default 1.
    #[schema(example = 1, minimum = 1, maximum = 1_000_000)]
    quantite: Option<i64>,
}

/// The sale a till names: by `numero_facture` (its own), or by `id`.
fn sale_of_terminal(
    numero_facture: Option<&str>,
    id: Option<i64>,
    terminal_id: i64,
) -> Result<SaleRef, ApiError> {
    if let Some(numero_facture) = field::optional_text("numero_facture", numero_facture, 100)? {
        return Ok(SaleRef::Invoice {
            terminal_id,
            numero_facture,
        });
    }
    match id {
        Some(id) => Ok(SaleRef::Id(field::int("id", id, 1, i64::MAX)?)),
        None => Err(ApiError::invalid_field(
            "numero_facture",
            "le numéro de facture (ou l'id) de la vente est attendu",
        )),
    }
}

/// Why, if the till said: a blank reason is none.
fn reason(motif: Option<&str>) -> Result<Option<String>, ApiError> {
    Ok(motif
        .map(|m| field::free_text("motif", m, 500))
        .transpose()?
        .filter(|m| !m.is_empty()))
}

/// `(article, units)` to give back, each line checked.
fn units(lines: &[ReturnLineRequest]) -> Result<Vec<(i64, i32)>, ApiError> {
    if lines.is_empty() || lines.len() > MAX_LINES_PER_SALE {
        return Err(ApiError::invalid_field(
            "lignes",
            &format!("de 1 à {MAX_LINES_PER_SALE} lignes sont attendues"),
        ));
    }
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let article_id = field::int(
                &format!("lignes[{i}].article_id"),
                line.article_id,
                1,
                i64::MAX,
            )?;
            let quantite = field::int(
                &format!("lignes[{i}].quantite"),
                line.quantite.unwrap_or(1),
                1,
                MAX_QUANTITY,
            )?;
            Ok((article_id, quantite as i32))
        })
        .collect()
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
    request_body = CancelRequest,
    responses(
        (status = 200, description = "Cancelled", body = GivenBackView),
        crate::http::openapi::refusals::Cancel,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn cancel(
    State(state): State<AppState>,
    terminal: Terminal,
    Body(request): Body<CancelRequest>,
) -> Result<Json<GivenBackView>, ApiError> {
    let sale = sale_of_terminal(request.numero_facture.as_deref(), request.id, terminal.id)?;
    let reason = reason(request.motif.as_deref())?;
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
    description = "By the till that made the sale, within `CAISSE_CANCEL_WINDOW` of its arrival \
        (later, or from another till, a manager returns it through the administration API). \
        Each unit goes back to stock with a `RETOUR` movement; a line never gives back more \
        than it sold.",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "One key per request the till builds, sent again with each retry of it: a retry gets the first answer back (with `Idempotent-Replayed: true`) and changes nothing"),
    ),
    request_body = ReturnRequest,
    responses(
        (status = 200, description = "Returned", body = GivenBackView),
        crate::http::openapi::refusals::Return,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn return_articles(
    State(state): State<AppState>,
    terminal: Terminal,
    Body(request): Body<ReturnRequest>,
) -> Result<Json<GivenBackView>, ApiError> {
    let sale = sale_of_terminal(request.numero_facture.as_deref(), request.id, terminal.id)?;
    let units = units(&request.lignes)?;
    let reason = reason(request.motif.as_deref())?;
    let shop = &terminal.boutique;
    // By the sale's own till, within the window: anything else is a manager's act.
    let actor = till(&terminal, &state);
    let done = give_back::return_articles(&state.pool, shop, &sale, &actor, &units, reason)
        .await
        .map_err(|e| ApiError::give_back(e, shop))?;
    Ok(Json(GivenBackView::new(done, shop)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::extract::read_body;

    fn field_at_fault(refused: ApiError) -> String {
        refused.extra["champ"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn returned_lines_are_checked_one_by_one() {
        let request: ReturnRequest = read_body(
            br#"{"numero_facture": "R-1", "lignes": [{"article_id": 4}, {"article_id": 5, "quantite": 2}]}"#,
        )
        .unwrap();
        assert_eq!(units(&request.lignes).unwrap(), [(4, 1), (5, 2)]);

        let request: ReturnRequest = read_body(
            br#"{"id": 9, "lignes": [{"article_id": 4}, {"article_id": 5, "quantite": 0}]}"#,
        )
        .unwrap();
        let refused = units(&request.lignes).unwrap_err();
        assert_eq!(field_at_fault(refused), "lignes[1].quantite");
        let refused = units(&[]).unwrap_err();
        assert_eq!(field_at_fault(refused), "lignes");
        let refused =
            read_body::<ReturnRequest>(br#"{"id": 9, "lignes": [{"article_id": "x"}]}"#).err();
        assert_eq!(field_at_fault(refused.unwrap()), "lignes[0].article_id");
    }

    #[test]
    fn a_sale_is_named_by_its_invoice_number_or_its_id() {
        assert!(matches!(
            sale_of_terminal(Some(" C-1 "), None, 3),
            Ok(SaleRef::Invoice { terminal_id: 3, numero_facture }) if numero_facture == "C-1"
        ));
        assert!(matches!(
            sale_of_terminal(None, Some(8), 3),
            Ok(SaleRef::Id(8))
        ));
        for (numero_facture, id, field) in [
            (None, None, "numero_facture"),
            (Some(" "), Some(8), "numero_facture"),
            (None, Some(0), "id"),
        ] {
            let refused = sale_of_terminal(numero_facture, id, 3).unwrap_err();
            assert_eq!(field_at_fault(refused), field);
        }
        assert_eq!(reason(Some("  ")).unwrap(), None);
        let refused = reason(Some(&"x".repeat(501))).unwrap_err();
        assert_eq!(field_at_fault(refused), "motif");
    }
}
