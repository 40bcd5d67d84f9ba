//! `POST ventes/reconciliation/`: a till proves its day arrived. It sends the invoice
//! numbers it believes synced (and the period they cover); the server answers which it has
//! (with totals), which it does not (to send again), which it refused (with the code), and
//! which it has for that till in the period that the till did not list.

use super::gate::{Terminal, TillIdentity};
use crate::boutiques::{Shop, date_bound};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Body;
use crate::money::Money;
use crate::sales::reconciliation::{self, MAX_NUMBERS, Present, Refused};
use axum::Json;
use axum::extract::State;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The invoice numbers a till believes synced, and the period they cover.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReconciliationRequest {
    /// The period the invoice numbers cover (a day `YYYY-MM-DD`, or ISO 8601).
    #[schema(example = "2026-11-25")]
    date_debut: Option<String>,
    #[schema(example = "2026-11-25")]
    date_fin: Option<String>,
    /// The invoice numbers the till believes synced (at most 20,000).
    #[schema(value_type = Vec<String>, example = json!(["FAC-20241104-001", "FAC-20241104-002"]))]
    numeros_factures: InvoiceNumbers,
}

/// Invoice numbers as tills send them: texts, or numbers read as text. The list is judged
/// whole, so that a refusal names `numeros_factures` itself.
struct InvoiceNumbers(Vec<String>);

impl<'de> Deserialize<'de> for InvoiceNumbers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Array(items) if items.len() <= MAX_NUMBERS => items
                .into_iter()
                .map(|n| match n {
                    Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
                .map(InvoiceNumbers)
                .ok_or_else(|| de::Error::custom("des numéros de facture (texte) sont attendus")),
            _ => Err(de::Error::custom(format!(
                "une liste d'au plus {MAX_NUMBERS} numéros de facture est attendue"
            ))),
        }
    }
}

/// The invoice numbers a till sent, sorted.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReconciliationResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    boutique_id: i64,
    terminal: TillIdentity,
    periode: Period,
    totaux: ReconciliationTotals,
    /// Stored.
    presentes: Vec<ReconciledSale>,
    /// Not stored and not refused: to send again.
    manquantes: Vec<String>,
    /// Refused, with why.
    rejetees: Vec<ReconciledRefusal>,
    /// Stored for this till in the period, but not in its list.
    inconnues: Vec<UnlistedSale>,
}

/// The period the till named, if it did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Period {
    #[schema(schema_with = crate::http::openapi::schemas::nullable_timestamp)]
    date_debut: Option<String>,
    #[schema(schema_with = crate::http::openapi::schemas::nullable_timestamp)]
    date_fin: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReconciliationTotals {
    envoyees: usize,
    presentes: usize,
    /// Cancelled sales left out.
    montant_presentes: Money,
    manquantes: usize,
    rejetees: usize,
    inconnues: usize,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReconciledSale {
    #[schema(example = "FAC-20241104-001")]
    numero_facture: String,
    id: i64,
    montant_total: Money,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    date_vente: String,
    annulee: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReconciledRefusal {
    numero_facture: String,
    #[schema(example = "INSUFFICIENT_STOCK")]
    code: String,
    message: String,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    date_rejet: String,
    /// Whether a manager resolved it.
    resolue: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UnlistedSale {
    numero_facture: String,
    id: i64,
    montant_total: Money,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    date_vente: String,
}

impl ReconciledSale {
    fn new(sale: Present, shop: &Shop) -> Self {
        ReconciledSale {
            numero_facture: sale.numero_facture,
            id: sale.id,
            montant_total: Money::from(sale.montant_total),
            date_vente: shop.timestamp(sale.date_vente),
            annulee: sale.annulee,
        }
    }
}

impl ReconciledRefusal {
    fn new(refused: Refused, shop: &Shop) -> Self {
        ReconciledRefusal {
            numero_facture: refused.numero_facture,
            code: refused.code,
            message: refused.message,
            date_rejet: shop.timestamp(refused.date_rejet),
            resolue: refused.resolue,
        }
    }
}

impl UnlistedSale {
    fn new(sale: Present, shop: &Shop) -> Self {
        UnlistedSale {
            numero_facture: sale.numero_facture,
            id: sale.id,
            montant_total: Money::from(sale.montant_total),
            date_vente: shop.timestamp(sale.date_vente),
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v2/simple/ventes/reconciliation/",
    operation_id = "reconcile",
    tag = "Terminal",
    summary = "Check that a day of sales arrived",
    description = "The till sends the invoice numbers it believes synced: the answer sorts them \
        into stored, missing (send again), refused, and stored-but-unlisted.",
    request_body = ReconciliationRequest,
    responses(
        (status = 200, description = "The reconciliation", body = ReconciliationResponse),
        crate::http::openapi::refusals::Reconcile,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn reconcile(
    State(state): State<AppState>,
    terminal: Terminal,
    Body(request): Body<ReconciliationRequest>,
) -> Result<Json<ReconciliationResponse>, ApiError> {
    let shop = &terminal.boutique;
    let InvoiceNumbers(numbers) = request.numeros_factures;
    let bound = |name: &str, sent: Option<&str>, end: bool| {
        sent.map(|v| {
            date_bound(v.trim(), shop, end).ok_or_else(|| {
                ApiError::invalid_field(name, "une date AAAA-MM-JJ ou ISO 8601 est attendue")
            })
        })
        .transpose()
    };
    let start = bound("date_debut", request.date_debut.as_deref(), false)?;
    let end = bound("date_fin", request.date_fin.as_deref(), true)?;

    let found =
        reconciliation::reconcile(&state.pool, shop.id, terminal.id, &numbers, (start, end))
            .await?;
    let totals = ReconciliationTotals {
        envoyees: numbers.len(),
        presentes: found.present.len(),
        montant_presentes: Money::from(found.revenue),
        manquantes: found.missing.len(),
        rejetees: found.rejected.len(),
        inconnues: found.unknown.len(),
    };
    Ok(Json(ReconciliationResponse {
        success: true,
        boutique_id: shop.id,
        terminal: terminal.identity(),
        periode: Period {
            date_debut: start.map(|at| shop.timestamp(at)),
            date_fin: end.map(|at| shop.timestamp(at)),
        },
        totaux: totals,
        presentes: found
            .present
            .into_iter()
            .map(|sale| ReconciledSale::new(sale, shop))
            .collect(),
        manquantes: found.missing,
        rejetees: found
            .rejected
            .into_iter()
            .map(|refused| ReconciledRefusal::new(refused, shop))
            .collect(),
        inconnues: found
            .unknown
            .into_iter()
            .map(|sale| UnlistedSale::new(sale, shop))
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::extract::read_body;

    #[test]
    fn invoice_numbers_are_texts_or_numbers_and_judged_as_a_list() {
        let request: ReconciliationRequest =
            read_body(br#"{"numeros_factures": ["FAC-1", 12, " FAC-2 "]}"#).unwrap();
        assert_eq!(request.numeros_factures.0, ["FAC-1", "12", "FAC-2"]);
        for body in [
            r#"{"numeros_factures": ["FAC-1", ""]}"#,
            r#"{"numeros_factures": ["FAC-1", null]}"#,
            r#"{"numeros_factures": "FAC-1"}"#,
            r#"{"date_debut": "2026-11-25"}"#,
        ] {
            let refused = read_body::<ReconciliationRequest>(body.as_bytes()).err();
            let refused = refused.unwrap_or_else(|| panic!("{body} was read"));
            assert_eq!(refused.extra["champ"], "numeros_factures", "{body}");
        }
    }
}
