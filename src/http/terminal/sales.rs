//! `POST ventes/`: one sale while online.
//!
//! The online sale goes through the very function the sync batch uses
//! ([`sales::record_sales`]); only the shape of the answer differs: this one is read by a
//! till model that declares amounts as numbers.

use super::gate::Terminal;
use crate::code::Code;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{RawBody, parse_json};
use crate::money::Money;
use crate::review::{self, Rejection};
use crate::sales::{self, PendingSale, Refusal, SaleOutcome, history};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// A refused sale as a refused request.
pub fn refusal_error(refusal: Refusal) -> ApiError {
    let status = match refusal.code {
        Code::InvalidFormat | Code::EmptySale => StatusCode::BAD_REQUEST,
        Code::BoutiqueMismatch => StatusCode::FORBIDDEN,
        Code::ArticleNotFound => StatusCode::NOT_FOUND,
        Code::InsufficientStock | Code::InvoiceConflict | Code::Duplicate => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let mut error = ApiError::new(status, refusal.code, refusal.message);
    if let Some(article_id) = refusal.article_id {
        error = error.with("article_id", article_id);
    }
    if let Some(shortage) = refusal.shortage {
        error = error
            .with("article_nom", shortage.article_nom)
            .with("stock_disponible", shortage.stock_disponible)
            .with("stock_demande", shortage.stock_demande);
    }
    error
}

#[utoipa::path(
    post,
    path = "/api/v2/simple/ventes/",
    operation_id = "create_sale",
    tag = "Terminal",
    summary = "One sale while online",
    description = "Recorded by the same code as each sale of a batch. **Amounts are JSON \
        numbers** in this answer. The same invoice number sent again returns the stored sale \
        with status 200 and `status: already_exists`. A refused sale is kept for review.",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "One key per request the till builds, sent again with each retry of it: a retry gets the first answer back (with `Idempotent-Replayed: true`) and changes nothing"),
        ("X-App-Version" = Option<String>, Header, description = "The till app's version, kept with each sale it sends", example = "2.4.1"),
    ),
    request_body = crate::http::openapi::schemas::SaleRequest,
    responses(
        (status = 201, description = "Sale recorded", body = crate::http::openapi::schemas::OnlineSaleResponse),
        (status = 200, description = "Already recorded: the stored sale (`status: already_exists`)", body = crate::http::openapi::schemas::OnlineSaleResponse),
        crate::http::openapi::refusals::OnlineSale,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn create_sale(
    State(state): State<AppState>,
    terminal: Terminal,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let value: Value = parse_json(&body)?;
    let (ctx, seller) = terminal.sale_context();
    let shop = &terminal.boutique;
    let outcome = match sales::parse_sale(&value, &ctx) {
        Ok(draft) => state
            .recorder
            .record(shop, vec![PendingSale { seller, draft }], Vec::new())
            .await
            .map_err(|_| ApiError::unavailable())?
            .outcomes
            .pop()
            .ok_or_else(ApiError::internal)?,
        Err(refusal) => SaleOutcome::Refused(refusal),
    };
    crate::http::monitoring::count_sale(&outcome);
    let (status, id, stock_alerts) = match outcome {
        SaleOutcome::Created(sale) => (StatusCode::CREATED, sale.id, sale.stock_alerts),
        // The till retried a sale that is stored: it gets the sale, as the first time.
        SaleOutcome::Duplicate { id } => (StatusCode::OK, id, Vec::new()),
        SaleOutcome::Refused(refusal) => {
            let rejection = Rejection {
                numero_facture: sales::sent_invoice_number(&value),
                payload: std::str::from_utf8(&body).unwrap_or_default(),
                refusal: &refusal,
            };
            review::record_rejections(&state.pool, shop.id, terminal.id, &[rejection]).await?;
            tracing::warn!(code = %refusal.code, "sale refused: {}", refusal.message);
            return Err(refusal_error(refusal));
        }
    };
    let sale = history::stored(&state.pool, shop.id, &[id])
        .await?
        .pop()
        .ok_or_else(ApiError::internal)?;
    let number = |m: Money| m.to_f64();
    let mut body = json!({
        "success": true,
        "vente": {
            "id": sale.id,
            "numero_facture": sale.numero_facture,
            "montant_total": number(sale.montant_total),
            "mode_paiement": sale.mode_paiement,
            "paye": sale.paye,
            "date_vente": shop.timestamp(sale.date_vente),
            "lignes": sale.lignes.iter().map(|l| json!({
                "article_id": l.article_id,
                "article_nom": l.article_nom,
                "quantite": l.quantite,
                "prix_unitaire": number(l.prix_unitaire),
                "sous_total": number(l.sous_total),
            })).collect::<Vec<_>>(),
        },
        "boutique_id": shop.id,
        "terminal_id": terminal.id,
    });
    if status == StatusCode::OK {
        body["status"] = json!("already_exists");
        body["message"] = json!("Vente déjà existante");
    }
    if !stock_alerts.is_empty() {
        body["alertes_stock"] = stock_alerts
            .iter()
            .map(|a| {
                json!({"article_id": a.article_id, "manque": a.manque,
                       "stock_avant": a.stock_avant, "stock_apres": a.stock_apres})
            })
            .collect();
    }
    Ok((status, Json(body)))
}
