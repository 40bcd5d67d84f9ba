//! `POST ventes/reconciliation/`: a till proves its day arrived. It sends the invoice
//! numbers it believes synced (and the period they cover); the server answers which it has
//! (with totals), which it does not (to send again), which it refused (with the code), and
//! which it has for that till in the period that the till did not list. The 2026 tills send
//! `references_maui` and read D1's comparison (`coherent`, `stats`, `differences`) beside it
//! (API-D1.md §3.4); keys are matched in snake_case or PascalCase.

use super::gate::{Terminal, TillIdentity};
use crate::boutiques::{Shop, date_bound};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Body;
use crate::money::Currency;
use crate::money::Money;
use crate::sales::parse::simple_field;
use crate::sales::reconciliation::{self, MAX_NUMBERS, Present, Refused};
use axum::Json;
use axum::extract::State;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// The invoice numbers a till believes synced, and the period they cover; for the OpenAPI
/// document only (read by hand: snake_case or PascalCase keys).
#[derive(utoipa::ToSchema)]
pub struct ReconciliationRequest {
    /// The period the invoice numbers cover (a day `YYYY-MM-DD`, or ISO 8601).
    #[schema(example = "2026-11-25")]
    pub date_debut: Option<String>,
    #[schema(example = "2026-11-25")]
    pub date_fin: Option<String>,
    /// The invoice numbers the till believes synced (at most 20,000); the 2026 tills call
    /// them `references_maui`. Absent: none.
    #[schema(example = json!(["FAC-20241104-001", "FAC-20241104-002"]))]
    pub numeros_factures: Option<Vec<String>>,
    pub references_maui: Option<Vec<String>>,
}

/// The request, read.
struct Asked {
    numbers: Vec<String>,
    date_debut: Option<String>,
    date_fin: Option<String>,
}

fn read_request(body: &Map<String, Value>) -> Result<Asked, ApiError> {
    let (champ, list) = match simple_field(body, "numerosfactures") {
        Some(list) => ("numeros_factures", Some(list)),
        None => ("references_maui", simple_field(body, "referencesmaui")),
    };
    let numbers = match list {
        None => Vec::new(),
        Some(Value::Array(items)) if items.len() <= MAX_NUMBERS => items
            .iter()
            .map(|n| match n {
                Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                ApiError::invalid_field(champ, "des numéros de facture (texte) sont attendus")
            })?,
        Some(_) => {
            return Err(ApiError::invalid_field(
                champ,
                &format!("une liste d'au plus {MAX_NUMBERS} numéros de facture est attendue"),
            ));
        }
    };
    let date = |simple: &str, champ: &str| match simple_field(body, simple) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(ApiError::invalid_field(
            champ,
            "une date AAAA-MM-JJ ou ISO 8601 est attendue",
        )),
    };
    Ok(Asked {
        numbers,
        date_debut: date("datedebut", "date_debut")?,
        date_fin: date("datefin", "date_fin")?,
    })
}

/// The invoice numbers a till sent, sorted.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReconciliationResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    boutique_id: i64,
    /// The shop's name.
    #[schema(example = "Ma Boutique")]
    boutique: String,
    /// The till's name (D1's key); the till as an object is `terminal_info`.
    #[schema(example = "Terminal MAUI")]
    terminal: String,
    terminal_info: TillIdentity,
    /// Nothing on one side that is not on the other.
    coherent: bool,
    stats: ReconciliationStats,
    differences: Differences,
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

/// D1's comparison: "django" is the server (the till's sales dated in the period, or the
/// named ones stored when no period is given), "maui" the till's list.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReconciliationStats {
    /// The server's sales, cancelled ones included.
    ventes_django: usize,
    /// Distinct numbers the till named.
    ventes_maui: usize,
    en_commun: usize,
    /// The server's sales in CDF, cancelled ones left out (a JSON number).
    #[schema(example = 45000.0)]
    total_django: f64,
    #[schema(example = 0.0)]
    total_django_usd: f64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Differences {
    /// On the server, not in the till's list.
    dans_django_pas_maui: Vec<String>,
    /// In the till's list, not stored (to send again, or refused).
    dans_maui_pas_django: Vec<String>,
    /// `dans_django_pas_maui`, in detail.
    ventes_manquantes_details: Vec<MissingDetail>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MissingDetail {
    reference: String,
    #[schema(example = 5000.0)]
    montant: f64,
    #[schema(example = "CDF")]
    devise: String,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    date: String,
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
    Body(body): Body<Map<String, Value>>,
) -> Result<Json<ReconciliationResponse>, ApiError> {
    terminal.own_boutique_in(&body)?;
    let shop = &terminal.boutique;
    let request = read_request(&body)?;
    let numbers = request.numbers;
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
    let listed: BTreeSet<&str> = numbers.iter().map(String::as_str).collect();
    let total = |currency: Currency| {
        let sum: Decimal = found
            .held
            .iter()
            .filter(|v| !v.annulee && v.devise == currency.as_str())
            .map(|v| v.montant_total)
            .sum();
        Money::from(sum).to_f64()
    };
    let stats = ReconciliationStats {
        ventes_django: found.held.len(),
        ventes_maui: listed.len(),
        en_commun: found
            .present
            .iter()
            .map(|v| v.numero_facture.as_str())
            .collect::<BTreeSet<_>>()
            .len(),
        total_django: total(Currency::Cdf),
        total_django_usd: total(Currency::Usd),
    };
    let differences = Differences {
        dans_django_pas_maui: found
            .unknown
            .iter()
            .map(|v| v.numero_facture.clone())
            .collect(),
        dans_maui_pas_django: found
            .missing
            .iter()
            .cloned()
            .chain(found.rejected.iter().map(|r| r.numero_facture.clone()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        ventes_manquantes_details: found
            .unknown
            .iter()
            .map(|v| MissingDetail {
                reference: v.numero_facture.clone(),
                montant: Money::from(v.montant_total).to_f64(),
                devise: v.devise.clone(),
                date: shop.timestamp(v.date_vente),
            })
            .collect(),
    };
    Ok(Json(ReconciliationResponse {
        success: true,
        boutique_id: shop.id,
        boutique: shop.nom.clone(),
        terminal: terminal.nom_terminal.clone(),
        terminal_info: terminal.identity(),
        coherent: differences.dans_django_pas_maui.is_empty()
            && differences.dans_maui_pas_django.is_empty(),
        stats,
        differences,
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

    fn read(body: &str) -> Result<Asked, ApiError> {
        read_request(&serde_json::from_str(body).unwrap())
    }

    #[test]
    fn invoice_numbers_are_texts_or_numbers_and_judged_as_a_list() {
        let asked = read(r#"{"numeros_factures": ["FAC-1", 12, " FAC-2 "]}"#).unwrap();
        assert_eq!(asked.numbers, ["FAC-1", "12", "FAC-2"]);
        let asked = read(r#"{"ReferencesMaui": ["FAC-1"], "DateDebut": "2026-11-25"}"#).unwrap();
        assert_eq!(asked.numbers, ["FAC-1"]);
        assert_eq!(asked.date_debut.as_deref(), Some("2026-11-25"));
        assert!(
            read(r#"{"date_debut": "2026-11-25"}"#)
                .unwrap()
                .numbers
                .is_empty()
        );
        for (body, champ) in [
            (r#"{"numeros_factures": ["FAC-1", ""]}"#, "numeros_factures"),
            (
                r#"{"numeros_factures": ["FAC-1", null]}"#,
                "numeros_factures",
            ),
            (r#"{"numeros_factures": "FAC-1"}"#, "numeros_factures"),
            (r#"{"references_maui": {"a": 1}}"#, "references_maui"),
            (r#"{"date_fin": 20261125}"#, "date_fin"),
        ] {
            let refused = read(body).err();
            let refused = refused.unwrap_or_else(|| panic!("{body} was read"));
            assert_eq!(refused.extra["champ"], champ, "{body}");
        }
    }
}
