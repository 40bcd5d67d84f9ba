//! Cancelling a sale and returning articles: `POST ventes/annuler/` and `POST ventes/retour/`.
//! Any till of the shop cancels a sale of the shop within `CAISSE_CANCEL_WINDOW` of its
//! `date_vente` (the 2026 tills' cancel screen lists the whole shop, API-D1.md §3.4, with
//! their codes); a return is for the till that made the sale, within the window of its
//! arrival. The body names the sale (an invoice number, or the id) and, for a return, the
//! units; they are checked here for form, and [`give_back`] refuses a line given back beyond
//! what it sold. Both answer with the sale as it now is ([`GivenBackView`]).

use super::gate::Terminal;
use crate::boutiques::Shop;
use crate::code::Code;
use crate::field;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Body;
use crate::http::views::GivenBackView;
use crate::sales::give_back::{self, Actor, GiveBackError, SaleRef, WindowStart};
use crate::sales::parse::simple_field;
use crate::sales::{MAX_LINES_PER_SALE, MAX_QUANTITY};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The sale a till cancels, for the OpenAPI document only (read by hand: snake_case or
/// PascalCase keys).
#[derive(utoipa::ToSchema)]
pub struct CancelRequest {
    /// The sale's invoice number (also `reference`): this till's sale of that number, else
    /// the shop's only one. Or give `id`.
    #[schema(example = "WEB-0001")]
    pub numero_facture: Option<String>,
    pub id: Option<i64>,
    /// Default "Annulée depuis la caisse".
    #[schema(example = "Erreur de saisie")]
    pub motif: Option<String>,
}

/// What a cancellation is given when the till says no reason.
const CANCELLED_AT_THE_TILL: &str = "Annulée depuis la caisse";

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

/// The sale a cancellation names, and why.
fn cancel_request(
    body: &Map<String, Value>,
    terminal: &Terminal,
) -> Result<(SaleRef, Option<String>), ApiError> {
    let text = |value: &Value| match value {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let numero = simple_field(body, "numerofacture")
        .or_else(|| simple_field(body, "reference"))
        .and_then(text);
    let sale = match (numero, simple_field(body, "id")) {
        (Some(numero), _) => {
            let numero_facture =
                field::optional_text("numero_facture", Some(&numero), 100)?.unwrap_or_default();
            SaleRef::ShopInvoice {
                terminal_id: terminal.id,
                numero_facture,
            }
        }
        (None, Some(id)) => match id.as_i64() {
            Some(id) => SaleRef::Id(field::int("id", id, 1, i64::MAX)?),
            None => return Err(ApiError::invalid_field("id", "un entier est attendu")),
        },
        (None, None) => {
            return Err(ApiError::bad_request(
                Code::MissingNumeroFacture,
                "Champ 'numero_facture' obligatoire : le numéro de facture de la vente à annuler",
            )
            .with("champ", "numero_facture"));
        }
    };
    let motif = match simple_field(body, "motif") {
        None => None,
        Some(Value::String(m)) => reason(Some(m))?,
        Some(_) => return Err(ApiError::invalid_field("motif", "un texte est attendu")),
    };
    Ok((
        sale,
        Some(motif.unwrap_or_else(|| CANCELLED_AT_THE_TILL.to_owned())),
    ))
}

/// A refused cancellation under the 2026 tills' codes (API-D1.md §3.4).
fn cancel_refused(error: GiveBackError, shop: &Shop) -> ApiError {
    match error {
        GiveBackError::SaleNotFound => ApiError::new(
            StatusCode::NOT_FOUND,
            Code::VenteNotFound,
            "Vente introuvable dans cette boutique",
        ),
        GiveBackError::AlreadyCancelled { date_annulation } => ApiError::bad_request(
            Code::AlreadyCancelled,
            "Cette vente est déjà annulée",
        )
        .with(
            "date_annulation",
            date_annulation.map(|at| shop.timestamp(at)),
        ),
        GiveBackError::WindowExpired {
            date_vente,
            elapsed_minutes,
            window_minutes,
        } => ApiError::bad_request(
            Code::CancellationTimeout,
            format!(
                "Délai d'annulation dépassé : la vente date de {elapsed_minutes} minutes, \
                 le terminal peut l'annuler pendant {window_minutes} minutes ; demandez à un gestionnaire"
            ),
        )
        .with("date_vente", shop.timestamp(date_vente))
        .with("temps_ecoule_minutes", elapsed_minutes)
        .with("delai_max_minutes", window_minutes),
        other => ApiError::give_back(other, shop),
    }
}

#[utoipa::path(
    post,
    path = "/api/v2/simple/ventes/annuler/",
    operation_id = "cancel_sale",
    tag = "Terminal",
    summary = "Cancel a sale of this shop",
    description = "Any till of the shop, within `CAISSE_CANCEL_WINDOW` of the sale's \
        `date_vente` (later, a manager cancels it through the administration API). A number \
        names this till's sale of that number, else the shop's only one. Each line's units go \
        back to stock (`RETOUR` movements); the sale stays, cancelled, out of every revenue.",
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
    Body(body): Body<Map<String, Value>>,
) -> Result<Json<GivenBackView>, ApiError> {
    terminal.own_boutique_in(&body)?;
    let (sale, reason) = cancel_request(&body, &terminal)?;
    let shop = &terminal.boutique;
    // Any sale of the shop, within the window of its date.
    let actor = Actor {
        signature: terminal.nom_terminal.clone(),
        terminal_id: None,
        cancel_window: Some((state.limits.cancel_window, WindowStart::SaleDate)),
    };
    let done = give_back::cancel(&state.pool, shop, &sale, &actor, reason)
        .await
        .map_err(|e| cancel_refused(e, shop))?;
    state.recorder.figures_changed(shop);
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
    let actor = Actor {
        signature: terminal.nom_terminal.clone(),
        terminal_id: Some(terminal.id),
        cancel_window: Some((state.limits.cancel_window, WindowStart::Reception)),
    };
    let done = give_back::return_articles(&state.pool, shop, &sale, &actor, &units, reason)
        .await
        .map_err(|e| ApiError::give_back(e, shop))?;
    // Revenue is net of returns: the shop's live figures changed.
    state.recorder.figures_changed(shop);
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
