//! `POST /api/v2/simple/ventes/sync`: a till posts the sales it made offline.
//!
//! Body → batch of sales (a bare array, `{"pos_id", "ventes": […]}` or the MAUI app's
//! PascalCase `{"PosId", "Ventes": […]}`) → each parsed on its own → all recorded by
//! [`sales::record_sales`] → refusals kept in `ventes_rejetees` → the response the tills
//! already parse, plus what keeps them in step (`accepted`, `rejected`, `stock_updates`).

use super::gate::Terminal;
use crate::code::Code;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{RawBody, parse_json};
use crate::money::{Currency, Money};
use crate::review::{self, Rejection};
use crate::sales::{
    self, NegativeStock, PendingSale, RecordedLine, RecordedSale, Refusal, SaleOutcome, StockUpdate,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::{BTreeSet, HashMap};

#[utoipa::path(
    post,
    path = "/api/v2/simple/ventes/sync/",
    operation_id = "sync_sales",
    tag = "Terminal",
    summary = "Sync the sales a till made offline",
    description = "Each sale is recorded (exactly once) or refused on its own; a refused sale \
        leaves nothing behind and is kept for review. `accepted` lists the invoice numbers now \
        stored (the till may forget them), `rejected` what was refused and what to do, \
        `stock_updates` the stock of every article named.",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "One key per request the till builds, sent again with each retry of it: a retry gets the first answer back (with `Idempotent-Replayed: true`) and changes nothing"),
        ("X-App-Version" = Option<String>, Header, description = "The till app's version, kept with each sale it sends", example = "2.4.1"),
    ),
    request_body = super::sale_body::SyncRequest,
    responses(
        (status = 201, description = "At least one sale stored (created now, or already there)", body = SyncResponse),
        crate::http::openapi::refusals::Sync,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn sync(
    State(state): State<AppState>,
    terminal: Terminal,
    RawBody(body): RawBody,
) -> Result<(StatusCode, Json<SyncResponse>), ApiError> {
    let raw_items = batch_items(&body, state.limits.max_batch)?;
    let items: Vec<Value> = raw_items
        .iter()
        .map(|raw| serde_json::from_str(raw.get()).unwrap_or(Value::Null))
        .collect();

    let shop = &terminal.boutique;
    let (ctx, seller) = terminal.sale_context();

    // Parse every sale; those that parse are recorded together.
    let mut results: Vec<Option<SaleOutcome>> = Vec::with_capacity(items.len());
    let mut pending = Vec::with_capacity(items.len());
    let mut pending_index = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        match sales::parse_sale(item, &ctx) {
            Ok(draft) => {
                pending.push(PendingSale {
                    seller: seller.clone(),
                    draft,
                });
                pending_index.push(index);
                results.push(None);
            }
            Err(refusal) => results.push(Some(SaleOutcome::Refused(refusal))),
        }
    }
    // Every article the batch named, for the till to refresh its stock.
    let named: Vec<i64> = items
        .iter()
        .flat_map(sales::named_articles)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let recorded = state
        .recorder
        .record(shop, pending, named)
        .await
        .map_err(|_| ApiError::unavailable())?;
    for (index, outcome) in pending_index.into_iter().zip(recorded.outcomes) {
        results[index] = Some(outcome);
    }
    let results: Vec<SaleOutcome> = results
        .into_iter()
        .map(|outcome| {
            outcome.unwrap_or_else(|| {
                SaleOutcome::Refused(Refusal::new(Code::Other, "Vente non traitée"))
            })
        })
        .collect();

    // Nothing refused is lost.
    let rejections: Vec<Rejection> = results
        .iter()
        .enumerate()
        .filter_map(|(index, outcome)| match outcome {
            SaleOutcome::Refused(refusal) => Some(Rejection {
                numero_facture: sales::sent_invoice_number(&items[index]),
                payload: raw_items[index].get(),
                refusal,
            }),
            _ => None,
        })
        .collect();
    review::record_rejections(&state.pool, shop.id, terminal.id, &rejections).await?;

    let mut response = SyncResponse::new(&terminal, items.len());
    for (index, outcome) in results.into_iter().enumerate() {
        response.add(index + 1, &items[index], outcome, &terminal);
    }
    response.stock_updates = recorded.stock_updates;
    let status = response.finish(recorded.alerts);
    Ok((status, Json(response)))
}

#[utoipa::path(
    post,
    path = "/api/v2/simple/sync-ventes/",
    operation_id = "sync_sales_again",
    tag = "Terminal",
    summary = "Sync the sales a till made offline (`ventes/sync/` by another name)",
    description = "Where the 2026 app's sample code and guide post their batches: the same \
        route as `ventes/sync/`, the same answers.",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "As for `ventes/sync/`"),
        ("X-App-Version" = Option<String>, Header, description = "As for `ventes/sync/`", example = "2.4.1"),
    ),
    request_body = super::sale_body::SyncRequest,
    responses(
        (status = 201, description = "At least one sale stored (created now, or already there)", body = SyncResponse),
        crate::http::openapi::refusals::Sync,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn sync_ventes(
    state: State<AppState>,
    terminal: Terminal,
    body: RawBody,
) -> Result<(StatusCode, Json<SyncResponse>), ApiError> {
    sync(state, terminal, body).await
}

/// The sales of the body: a JSON array of sales, or an object carrying them under `ventes`
/// (any case). Each is kept as the exact JSON text the till sent.
fn batch_items(body: &[u8], max_batch: usize) -> Result<Vec<&RawValue>, ApiError> {
    let not_a_batch = || {
        ApiError::bad_request(
            Code::InvalidFormat,
            "Format invalide : une liste JSON de ventes (ou {\"ventes\": [...]}) est attendue",
        )
    };
    let top: &RawValue = parse_json(body)?;
    let text = top.get().trim_start();
    let items: Vec<&RawValue> = if text.starts_with('[') {
        serde_json::from_str(text).map_err(|_| not_a_batch())?
    } else if text.starts_with('{') {
        let envelope: HashMap<String, &RawValue> =
            serde_json::from_str(text).map_err(|_| not_a_batch())?;
        let sales = envelope
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("ventes"))
            .map(|(_, v)| *v)
            .ok_or_else(not_a_batch)?;
        serde_json::from_str(sales.get()).map_err(|_| not_a_batch())?
    } else {
        return Err(not_a_batch());
    };
    if items.is_empty() {
        return Err(ApiError::bad_request(
            Code::EmptyData,
            "Aucune vente à synchroniser",
        ));
    }
    if items.len() > max_batch {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::BatchTooLarge,
            format!(
                "Trop de ventes dans une seule requête : {} (au plus {max_batch}) ; envoyez-les en plusieurs fois",
                items.len()
            ),
        )
        .with("max_ventes", max_batch));
    }
    Ok(items)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SyncResponse {
    /// `true` whenever the batch was read, every sale refused included: the tills read the
    /// refusals only from a 2xx answer.
    success: bool,
    message: String,
    ventes_creees: usize,
    ventes_erreurs: usize,
    details: Details,
    boutique: BoutiqueRef,
    terminal: TerminalRef,
    statistiques: Statistics,
    /// Invoice numbers now safely stored (created now, or before): the till may forget them.
    accepted: Vec<String>,
    /// Sales refused, with what the till should do about each.
    rejected: Vec<RejectedEntry>,
    /// Every article the batch named, as it is now.
    stock_updates: Vec<StockUpdate>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Details {
    creees: Vec<CreatedEntry>,
    erreurs: Vec<ErrorEntry>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct BoutiqueRef {
    id: i64,
    nom: String,
    code: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct TerminalRef {
    id: i64,
    nom: String,
    numero_serie: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct Statistics {
    total_envoyees: usize,
    reussies: usize,
    erreurs: usize,
    articles_stock_bas: i64,
    articles_stock_zero: i64,
    alerte_stock: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
struct CreatedEntry {
    index: usize,
    numero_facture: String,
    status: &'static str,
    id: i64,
    boutique_id: i64,
    boutique_nom: String,
    montant_total: Money,
    date_vente: String,
    lignes_count: usize,
    lignes: Vec<LineEntry>,
    /// The currency paid, and the rate (CDF per USD) in force at the sale's date.
    devise: Currency,
    taux_dollar: Money,
    /// The total in USD (a USD sale's total; a CDF sale's when every line has a USD price).
    montant_total_usd: Option<Money>,
    /// The total the till declared, when it differs from the lines' by more than 0.01.
    #[serde(skip_serializing_if = "Option::is_none")]
    montant_total_declare: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_vente_corrigee: Option<DateCorrection>,
    /// Articles this sale took below zero (boutiques that allow it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    alertes_stock: Vec<NegativeStockEntry>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct DateCorrection {
    date_envoyee: Option<String>,
    motif: &'static str,
}

/// An article a sale took below zero (boutiques that allow it).
#[derive(Serialize, utoipa::ToSchema)]
pub struct NegativeStockEntry {
    article_id: i64,
    /// Units sold beyond the stock.
    manque: i32,
    stock_avant: i32,
    stock_apres: i32,
}

#[derive(Serialize, utoipa::ToSchema)]
struct LineEntry {
    article_id: i64,
    article_nom: String,
    article_code: String,
    quantite: i32,
    /// The unit price charged, in the line's currency.
    prix_unitaire: Money,
    sous_total: Money,
    devise: Currency,
    prix_unitaire_usd: Option<Money>,
    /// The variant scanned, when it is one of the article's.
    variante_id: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ErrorEntry {
    index: usize,
    numero_facture: String,
    erreur: String,
    code: Code,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<i64>,
    /// A duplicate's stored sale (the same as `id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    vente_existante_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    article_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    article_nom: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stock_disponible: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stock_demande: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct RejectedEntry {
    vente_uid: String,
    reason: Code,
    message: String,
    action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    article_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    article_nom: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stock_disponible: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stock_demande: Option<i64>,
}

/// What the till should do about a refused sale.
fn action(code: Code) -> &'static str {
    match code {
        Code::InsufficientStock => "VERIFIER_STOCK",
        Code::ArticleNotFound => "ACTUALISER_CATALOGUE",
        Code::InvalidFormat | Code::EmptySale => "CORRIGER_VENTE",
        Code::BoutiqueMismatch => "VERIFIER_TERMINAL",
        Code::InvoiceConflict => "CHANGER_NUMERO",
        _ => "REESSAYER",
    }
}

impl SyncResponse {
    fn new(terminal: &Terminal, total: usize) -> Self {
        SyncResponse {
            success: true,
            message: String::new(),
            ventes_creees: 0,
            ventes_erreurs: 0,
            details: Details {
                creees: Vec::new(),
                erreurs: Vec::new(),
            },
            boutique: BoutiqueRef {
                id: terminal.boutique.id,
                nom: terminal.boutique.nom.clone(),
                code: terminal.boutique.code.clone(),
            },
            terminal: TerminalRef {
                id: terminal.id,
                nom: terminal.nom_terminal.clone(),
                numero_serie: terminal.numero_serie.clone(),
            },
            statistiques: Statistics {
                total_envoyees: total,
                reussies: 0,
                erreurs: 0,
                articles_stock_bas: 0,
                articles_stock_zero: 0,
                alerte_stock: false,
            },
            accepted: Vec::new(),
            rejected: Vec::new(),
            stock_updates: Vec::new(),
        }
    }

    fn add(&mut self, index: usize, item: &Value, outcome: SaleOutcome, terminal: &Terminal) {
        let sent_number = || sales::sent_invoice_number(item).unwrap_or_else(|| "N/A".into());
        crate::http::monitoring::count_sale(&outcome);
        match outcome {
            SaleOutcome::Created(sale) => {
                self.accepted.push(sale.numero_facture.clone());
                self.details
                    .creees
                    .push(CreatedEntry::new(index, sale, terminal));
            }
            SaleOutcome::Duplicate { id } => {
                tracing::info!(index, numero_facture = %sent_number(), id, "sale already stored");
                self.accepted.push(sent_number());
                self.details.erreurs.push(ErrorEntry {
                    status: Some("already_exists"),
                    id: Some(id),
                    vente_existante_id: Some(id),
                    ..ErrorEntry::new(
                        index,
                        sent_number(),
                        Refusal::new(Code::Duplicate, "Vente déjà existante"),
                    )
                });
            }
            SaleOutcome::Refused(refusal) => {
                tracing::warn!(index, numero_facture = %sent_number(), code = %refusal.code, "sale refused: {}", refusal.message);
                self.rejected.push(RejectedEntry {
                    vente_uid: sent_number(),
                    reason: refusal.code,
                    message: refusal.message.clone(),
                    action: action(refusal.code),
                    article_id: refusal.article_id,
                    article_nom: refusal.shortage.as_ref().map(|s| s.article_nom.clone()),
                    stock_disponible: refusal.shortage.as_ref().map(|s| s.stock_disponible),
                    stock_demande: refusal.shortage.as_ref().map(|s| s.stock_demande),
                });
                self.details
                    .erreurs
                    .push(ErrorEntry::new(index, sent_number(), refusal));
            }
        }
    }

    /// Fills in the counts. The answer is `201` whatever became of the sales: a batch in
    /// which every sale was refused is still an answer the till must read (the MAUI sync
    /// handler reads the body of a 2xx only, and would otherwise send the refused sales
    /// again forever without ever showing why).
    fn finish(&mut self, alerts: sales::StockAlerts) -> StatusCode {
        let created = self.details.creees.len();
        let errors = self.details.erreurs.len();
        self.ventes_creees = created;
        self.ventes_erreurs = errors;
        self.message = if errors == 0 {
            format!("{created} vente(s) synchronisée(s) avec succès")
        } else {
            format!("{created} vente(s) synchronisée(s) avec succès, {errors} erreur(s)")
        };
        let stats = &mut self.statistiques;
        stats.reussies = created;
        stats.erreurs = errors;
        stats.articles_stock_bas = alerts.stock_bas;
        stats.articles_stock_zero = alerts.stock_zero;
        stats.alerte_stock = alerts.stock_bas > 0 || alerts.stock_zero > 0;
        StatusCode::CREATED
    }
}

impl CreatedEntry {
    fn new(index: usize, sale: RecordedSale, terminal: &Terminal) -> Self {
        CreatedEntry {
            index,
            numero_facture: sale.numero_facture,
            status: "created",
            id: sale.id,
            boutique_id: terminal.boutique.id,
            boutique_nom: terminal.boutique.nom.clone(),
            montant_total: sale.montant_total,
            date_vente: terminal.boutique.timestamp(sale.date_vente),
            lignes_count: sale.lines.len(),
            lignes: sale.lines.into_iter().map(LineEntry::from).collect(),
            devise: sale.devise,
            taux_dollar: sale.taux_dollar.amount(),
            montant_total_usd: sale.montant_total_usd,
            montant_total_declare: sale.montant_total_declare,
            date_vente_corrigee: sale.date_correction.map(|motif| DateCorrection {
                date_envoyee: sale.date_vente_terminal,
                motif,
            }),
            alertes_stock: sale
                .stock_alerts
                .into_iter()
                .map(NegativeStockEntry::from)
                .collect(),
        }
    }
}

impl From<NegativeStock> for NegativeStockEntry {
    fn from(alert: NegativeStock) -> Self {
        NegativeStockEntry {
            article_id: alert.article_id,
            manque: alert.manque,
            stock_avant: alert.stock_avant,
            stock_apres: alert.stock_apres,
        }
    }
}

impl From<RecordedLine> for LineEntry {
    fn from(line: RecordedLine) -> Self {
        LineEntry {
            article_id: line.article_id,
            article_nom: line.article_nom,
            article_code: line.article_code,
            quantite: line.quantite,
            prix_unitaire: line.prix_unitaire,
            sous_total: line.sous_total,
            devise: line.devise,
            prix_unitaire_usd: line.prix_unitaire_usd,
            variante_id: line.variante_id,
        }
    }
}

impl ErrorEntry {
    fn new(index: usize, numero_facture: String, refusal: Refusal) -> Self {
        let shortage = refusal.shortage;
        ErrorEntry {
            index,
            numero_facture,
            erreur: refusal.message,
            code: refusal.code,
            status: None,
            id: None,
            vente_existante_id: None,
            article_id: refusal.article_id,
            stock_disponible: shortage.as_ref().map(|s| s.stock_disponible),
            stock_demande: shortage.as_ref().map(|s| s.stock_demande),
            article_nom: shortage.map(|s| s.article_nom),
        }
    }
}
