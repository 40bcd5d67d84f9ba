//! `POST ventes/reconciliation/`: a till proves its day arrived. It sends the invoice
//! numbers it believes synced (and the period they cover); the server answers which it has
//! (with totals), which it does not (to send again), which it refused (with the code), and
//! which it has for that till in the period that the till did not list.

use super::gate::Terminal;
use crate::boutiques::date_bound;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Input, JsonBody};
use crate::money::Money;
use crate::sales::reconciliation::{self, MAX_NUMBERS};
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

#[utoipa::path(
    post,
    path = "/api/v2/simple/ventes/reconciliation/",
    operation_id = "reconcile",
    tag = "Terminal",
    summary = "Check that a day of sales arrived",
    description = "The till sends the invoice numbers it believes synced: the answer sorts them \
        into stored, missing (send again), refused, and stored-but-unlisted.",
    request_body = crate::http::openapi::schemas::ReconciliationRequest,
    responses(
        (status = 200, description = "The reconciliation", body = crate::http::openapi::schemas::ReconciliationResponse),
        crate::http::openapi::refusals::Reconcile,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn reconcile(
    State(state): State<AppState>,
    terminal: Terminal,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let shop = &terminal.boutique;
    let input = Input::new(body, &["date_debut", "date_fin", "numeros_factures"])?;
    let numbers: Vec<String> = match input.raw("numeros_factures") {
        Some(Value::Array(items)) if items.len() <= MAX_NUMBERS => items
            .iter()
            .map(|n| match n {
                Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                ApiError::invalid_field(
                    "numeros_factures",
                    "des numéros de facture (texte) sont attendus",
                )
            })?,
        _ => {
            return Err(ApiError::invalid_field(
                "numeros_factures",
                &format!("une liste d'au plus {MAX_NUMBERS} numéros de facture est attendue"),
            ));
        }
    };
    let bound = |name: &str, end: bool| {
        input
            .text(name, 40)?
            .map(|v| {
                date_bound(&v, shop, end).ok_or_else(|| {
                    ApiError::invalid_field(name, "une date AAAA-MM-JJ ou ISO 8601 est attendue")
                })
            })
            .transpose()
    };
    let (start, end) = (bound("date_debut", false)?, bound("date_fin", true)?);

    let found =
        reconciliation::reconcile(&state.pool, shop.id, terminal.id, &numbers, (start, end))
            .await?;
    let (present, missing) = (found.present, found.missing);
    let rejected: Vec<Value> = found
        .rejected
        .into_iter()
        .map(|r| {
            json!({
                "numero_facture": r.numero_facture, "code": r.code, "message": r.message,
                "date_rejet": shop.timestamp(r.date_rejet), "resolue": r.resolue,
            })
        })
        .collect();
    let unknown: Vec<Value> = found
        .unknown
        .iter()
        .map(|v| {
            json!({"numero_facture": v.numero_facture, "id": v.id,
                   "montant_total": Money::from(v.montant_total),
                   "date_vente": shop.timestamp(v.date_vente)})
        })
        .collect();
    let revenue = found.revenue;
    Ok(Json(json!({
        "success": true,
        "boutique_id": shop.id,
        "terminal": {"numero_serie": terminal.numero_serie, "nom_terminal": terminal.nom_terminal},
        "periode": {
            "date_debut": start.map(|at| shop.timestamp(at)),
            "date_fin": end.map(|at| shop.timestamp(at)),
        },
        "totaux": {
            "envoyees": numbers.len(),
            "presentes": present.len(),
            "montant_presentes": Money::from(revenue),
            "manquantes": missing.len(),
            "rejetees": rejected.len(),
            "inconnues": unknown.len(),
        },
        "presentes": present.iter().map(|v| json!({
            "numero_facture": v.numero_facture, "id": v.id,
            "montant_total": Money::from(v.montant_total),
            "date_vente": shop.timestamp(v.date_vente), "annulee": v.annulee,
        })).collect::<Vec<_>>(),
        "manquantes": missing,
        "rejetees": rejected,
        "inconnues": unknown,
    })))
}
