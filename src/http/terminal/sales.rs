//! `POST ventes/`: one sale while online.
//!
//! The online sale goes through the very function the sync batch uses
//! ([`sales::record_sales`]); only the shape of the answer differs: this one is read by a
//! till model that declares amounts as numbers.

use super::gate::Terminal;
use super::sync::NegativeStockEntry;
use crate::boutiques::Shop;
use crate::code::Code;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{RawBody, parse_json};
use crate::money::{Currency, Money};
use crate::review::{self, Rejection};
use crate::sales::history::{self, StoredSale};
use crate::sales::{self, PendingSale, Refusal, SaleOutcome, StockUpdate};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;

/// A refused sale as a refused request.
fn refusal_error(refusal: Refusal) -> ApiError {
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

/// `POST ventes/`: the sale as stored. **Amounts are JSON numbers** here, not strings: the
/// till's model for this answer declares them `decimal`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OnlineSaleResponse {
    #[schema(example = true)]
    success: bool,
    vente: OnlineSale,
    #[schema(example = 1)]
    boutique_id: i64,
    #[schema(example = 1)]
    terminal_id: i64,
    /// `already_exists` when the till had already sent this invoice number (status 200).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "already_exists")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "Vente déjà existante")]
    message: Option<&'static str>,
    /// `true` when the till had already sent this invoice number (status 200).
    #[serde(skip_serializing_if = "Option::is_none")]
    already_exists: Option<bool>,
    /// Articles the sale took below zero (shops that allow it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    alertes_stock: Vec<NegativeStockEntry>,
    /// The sale's articles as they are now, for the till to refresh its stock.
    stock_updates: Vec<StockUpdate>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OnlineSale {
    #[schema(example = 1)]
    id: i64,
    #[schema(example = "WEB-0001")]
    numero_facture: String,
    #[schema(example = 50000.0)]
    montant_total: f64,
    #[schema(example = "CASH")]
    mode_paiement: String,
    #[schema(example = true)]
    paye: bool,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    date_vente: String,
    /// The currency paid; `montant_total` is in it.
    devise: Currency,
    /// The total in USD, when known, as a number.
    #[schema(example = 17.86)]
    montant_total_usd: Option<f64>,
    /// The rate (CDF per USD) in force at the sale's date.
    taux_dollar: Money,
    lignes: Vec<OnlineSaleLine>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OnlineSaleLine {
    #[schema(example = 1)]
    article_id: i64,
    #[schema(example = "Chargeur USB-C 25 W")]
    article_nom: String,
    #[schema(example = 2)]
    quantite: i32,
    #[schema(example = 25000.0)]
    prix_unitaire: f64,
    #[schema(example = 50000.0)]
    sous_total: f64,
    #[schema(example = "CHG-001")]
    article_code: String,
    /// The unit price in USD, when known, as a number.
    #[schema(example = 8.93)]
    prix_unitaire_usd: Option<f64>,
    devise: Currency,
    /// The variant scanned, when it is one of the article's.
    variante_id: Option<i64>,
    article: OnlineSaleArticle,
}

/// The line's article, as the 2026 tills' model nests it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OnlineSaleArticle {
    #[schema(example = 1)]
    id: i64,
    #[schema(example = "Chargeur USB-C 25 W")]
    nom: String,
    #[schema(example = "CHG-001")]
    code: String,
}

impl OnlineSale {
    fn new(sale: StoredSale, shop: &Shop) -> Self {
        OnlineSale {
            id: sale.id,
            numero_facture: sale.numero_facture,
            montant_total: sale.montant_total.to_f64(),
            mode_paiement: sale.mode_paiement,
            paye: sale.paye,
            date_vente: shop.timestamp(sale.date_vente),
            devise: sale.devise,
            montant_total_usd: sale.montant_total_usd.map(Money::to_f64),
            taux_dollar: sale.taux_dollar.amount(),
            lignes: sale
                .lignes
                .into_iter()
                .map(|line| OnlineSaleLine {
                    article: OnlineSaleArticle {
                        id: line.article_id,
                        nom: line.article_nom.clone(),
                        code: line.article_code.clone(),
                    },
                    article_id: line.article_id,
                    article_nom: line.article_nom,
                    article_code: line.article_code,
                    quantite: line.quantite,
                    prix_unitaire: line.prix_unitaire.to_f64(),
                    sous_total: line.sous_total.to_f64(),
                    prix_unitaire_usd: line.prix_unitaire_usd.map(Money::to_f64),
                    devise: line.devise,
                    variante_id: line.variante_id,
                })
                .collect(),
        }
    }
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
    request_body = super::sale_body::SaleRequest,
    responses(
        (status = 201, description = "Sale recorded", body = OnlineSaleResponse),
        (status = 200, description = "Already recorded: the stored sale (`status: already_exists`)", body = OnlineSaleResponse),
        crate::http::openapi::refusals::OnlineSale,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn create_sale(
    State(state): State<AppState>,
    terminal: Terminal,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<OnlineSaleResponse>), ApiError> {
    let value: Value = parse_json(&body)?;
    let (ctx, seller) = terminal.sale_context();
    let shop = &terminal.boutique;
    let named = sales::named_articles(&value);
    let (outcome, stock_updates) = match sales::parse_sale(&value, &ctx) {
        Ok(draft) => {
            let mut recorded = state
                .recorder
                .record(shop, vec![PendingSale { seller, draft }], named)
                .await
                .map_err(|_| ApiError::unavailable())?;
            let outcome = recorded.outcomes.pop().ok_or_else(ApiError::internal)?;
            (outcome, recorded.stock_updates)
        }
        Err(refusal) => (SaleOutcome::Refused(refusal), Vec::new()),
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
    let already = status == StatusCode::OK;
    let body = OnlineSaleResponse {
        success: true,
        vente: OnlineSale::new(sale, shop),
        boutique_id: shop.id,
        terminal_id: terminal.id,
        status: already.then_some("already_exists"),
        message: already.then_some("Vente déjà existante"),
        already_exists: already.then_some(true),
        alertes_stock: stock_alerts
            .into_iter()
            .map(NegativeStockEntry::from)
            .collect(),
        stock_updates,
    };
    Ok((status, Json(body)))
}
