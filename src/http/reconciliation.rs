//! `POST ventes/reconciliation/`: a till proves its day arrived. It sends the invoice
//! numbers it believes synced (and the period they cover); the server answers which it has
//! (with totals), which it does not (to send again), which it refused (with the code), and
//! which it has for that till in the period that the till did not list.

use super::AppState;
use super::body::JsonBody;
use super::error::ApiError;
use super::input::Input;
use super::params::date_bound;
use super::stock::invalid_field;
use super::terminal::Terminal;
use crate::money::Money;
use axum::Json;
use axum::extract::State;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

/// Most invoice numbers one reconciliation may name.
const MAX_NUMBERS: usize = 20_000;

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
                invalid_field(
                    "numeros_factures",
                    "des numéros de facture (texte) sont attendus",
                )
            })?,
        _ => {
            return Err(invalid_field(
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
                    invalid_field(name, "une date AAAA-MM-JJ ou ISO 8601 est attendue")
                })
            })
            .transpose()
    };
    let (start, end) = (bound("date_debut", false)?, bound("date_fin", true)?);

    let present = sqlx::query!(
        r#"SELECT id, numero_facture, montant_total, date_vente, annulee FROM ventes
           WHERE boutique_id = $1 AND terminal_id = $2 AND numero_facture = ANY($3)
           ORDER BY date_vente, id"#,
        shop.id,
        terminal.id,
        &numbers
    )
    .fetch_all(&state.pool)
    .await?;
    let stored: HashSet<&str> = present.iter().map(|v| v.numero_facture.as_str()).collect();
    let absent: Vec<String> = numbers
        .iter()
        .filter(|n| !stored.contains(n.as_str()))
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let refused: HashMap<String, Value> = sqlx::query!(
        r#"SELECT DISTINCT ON (numero_facture) numero_facture AS "numero_facture!", code, message,
                  date_derniere_tentative, resolue
           FROM ventes_rejetees
           WHERE boutique_id = $1 AND terminal_id = $2 AND numero_facture = ANY($3)
           ORDER BY numero_facture, date_derniere_tentative DESC"#,
        shop.id,
        terminal.id,
        &absent
    )
    .fetch_all(&state.pool)
    .await?
    .into_iter()
    .map(|r| {
        let entry = json!({
            "numero_facture": r.numero_facture, "code": r.code, "message": r.message,
            "date_rejet": shop.timestamp(r.date_derniere_tentative), "resolue": r.resolue,
        });
        (r.numero_facture, entry)
    })
    .collect();
    let unknown = match (start, end) {
        (Some(start), Some(end)) => sqlx::query!(
            r#"SELECT id, numero_facture, montant_total, date_vente FROM ventes
               WHERE boutique_id = $1 AND terminal_id = $2 AND date_vente >= $3
                 AND date_vente < $4 AND NOT (numero_facture = ANY($5))
               ORDER BY date_vente, id"#,
            shop.id,
            terminal.id,
            start,
            end,
            &numbers
        )
        .fetch_all(&state.pool)
        .await?
        .into_iter()
        .map(|v| {
            json!({"numero_facture": v.numero_facture, "id": v.id,
                   "montant_total": Money::from(v.montant_total),
                   "date_vente": shop.timestamp(v.date_vente)})
        })
        .collect(),
        _ => Vec::new(),
    };

    let revenue: Decimal = present
        .iter()
        .filter(|v| !v.annulee)
        .map(|v| v.montant_total)
        .sum();
    let (rejected, missing): (Vec<String>, Vec<String>) =
        absent.into_iter().partition(|n| refused.contains_key(n));
    let rejected: Vec<Value> = rejected.iter().map(|n| refused[n].clone()).collect();
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
