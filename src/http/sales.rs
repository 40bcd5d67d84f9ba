//! `POST ventes/` (one sale while online) and `GET ventes/historique/`.
//!
//! The online sale goes through the very function the sync batch uses
//! ([`sales::record_sales`]); only the shape of the answer differs: this one is read by a
//! till model that declares amounts as numbers.

use super::AppState;
use super::body::{RawBody, parse_json};
use super::error::ApiError;
use super::idempotency;
use super::params::{DateRange, Params};
use super::terminal::Terminal;
use crate::code::Code;
use crate::money::Money;
use crate::sales::{self, ParseContext, PendingSale, Refusal, Rejection, SaleOutcome, Seller};
use crate::shop::Shop;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;

/// The parsing context and the seller of a terminal's request.
pub fn sale_context(terminal: &Terminal) -> (ParseContext, Arc<Seller>) {
    (
        ParseContext {
            boutique_id: terminal.boutique.id,
            time_zone: terminal.boutique.time_zone,
            now: Utc::now(),
            version_app: terminal.app_version.clone(),
        },
        Arc::new(Seller {
            terminal_id: terminal.id,
            nom_terminal: terminal.nom_terminal.clone(),
            adresse_ip: terminal.client_ip.clone(),
        }),
    )
}

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
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Response {
    let route = "POST /api/v2/simple/ventes";
    idempotency::respond(
        state,
        terminal,
        &headers,
        route,
        body,
        |state, terminal, body| async move { online_sale(&state, &terminal, &body).await },
    )
    .await
}

async fn online_sale(
    state: &AppState,
    terminal: &Terminal,
    body: &[u8],
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let value: Value = parse_json(body)?;
    let (ctx, seller) = sale_context(terminal);
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
    super::monitoring::count_sale(&outcome);
    let (status, id, stock_alerts) = match outcome {
        SaleOutcome::Created(sale) => (StatusCode::CREATED, sale.id, sale.stock_alerts),
        // The till retried a sale that is stored: it gets the sale, as the first time.
        SaleOutcome::Duplicate { id } => (StatusCode::OK, id, Vec::new()),
        SaleOutcome::Refused(refusal) => {
            let rejection = Rejection {
                numero_facture: sales::sent_invoice_number(&value),
                payload: std::str::from_utf8(body).unwrap_or_default(),
                refusal: &refusal,
            };
            sales::record_rejections(&state.pool, shop.id, terminal.id, &[rejection]).await?;
            tracing::warn!(code = %refusal.code, "sale refused: {}", refusal.message);
            return Err(refusal_error(refusal));
        }
    };
    let sale = stored_sales(&state.pool, shop, &[id])
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
            "date_vente": sale.date_vente,
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

/// A stored sale as the history shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SaleView {
    pub id: i64,
    pub numero_facture: String,
    pub date_vente: String,
    pub montant_total: Money,
    pub mode_paiement: String,
    pub paye: bool,
    pub terminal: String,
    pub terminal_id: i64,
    /// A cancelled sale is listed, but counts in no revenue.
    pub annulee: bool,
    pub lignes: Vec<LineView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LineView {
    pub article_id: i64,
    pub article_nom: String,
    pub article_code: String,
    pub quantite: i32,
    pub prix_unitaire: Money,
    pub sous_total: Money,
    /// Units given back since (returned, or restored by a cancellation).
    pub quantite_retournee: i32,
}

/// Which sales to list.
#[derive(Debug, Default)]
pub struct SaleFilter {
    pub dates: DateRange,
    pub terminal_id: Option<i64>,
    pub mode_paiement: Option<String>,
}

/// The sales with these ids, with their lines, newest first.
pub async fn stored_sales(
    pool: &PgPool,
    shop: &Shop,
    ids: &[i64],
) -> Result<Vec<SaleView>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT v.id, v.numero_facture, v.date_vente, v.montant_total, v.mode_paiement, v.paye,
                  v.terminal_id, t.nom_terminal, v.annulee
           FROM ventes v
           JOIN terminaux t ON t.boutique_id = v.boutique_id AND t.id = v.terminal_id
           WHERE v.boutique_id = $1 AND v.id = ANY($2)
           ORDER BY v.date_vente DESC, v.id DESC"#,
        shop.id,
        ids
    )
    .fetch_all(pool)
    .await?;
    let mut lines = sale_lines(pool, shop.id, ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| SaleView {
            lignes: lines.remove(&r.id).unwrap_or_default(),
            id: r.id,
            numero_facture: r.numero_facture,
            date_vente: shop.timestamp(r.date_vente),
            montant_total: r.montant_total.into(),
            mode_paiement: r.mode_paiement,
            paye: r.paye,
            terminal: r.nom_terminal,
            terminal_id: r.terminal_id,
            annulee: r.annulee,
        })
        .collect())
}

/// A page of the shop's sales matching `filter`, newest first, with their lines; and how
/// many sales and how much revenue the whole filter covers (cancelled sales left out).
pub async fn list_sales(
    pool: &PgPool,
    shop: &Shop,
    filter: &SaleFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<SaleView>, i64, Money), sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar!(
        r#"SELECT id FROM ventes
           WHERE boutique_id = $1
             AND ($2::timestamptz IS NULL OR date_vente >= $2)
             AND ($3::timestamptz IS NULL OR date_vente < $3)
             AND ($4::int8 IS NULL OR terminal_id = $4)
             AND ($5::text IS NULL OR mode_paiement = $5)
           ORDER BY date_vente DESC, id DESC
           LIMIT $6 OFFSET $7"#,
        shop.id,
        filter.dates.start,
        filter.dates.end,
        filter.terminal_id,
        filter.mode_paiement,
        limit,
        offset
    )
    .fetch_all(pool)
    .await?;
    let totals = sqlx::query!(
        r#"SELECT count(*) AS "count!", COALESCE(sum(montant_total), 0) AS "revenue!"
           FROM ventes
           WHERE boutique_id = $1 AND NOT annulee
             AND ($2::timestamptz IS NULL OR date_vente >= $2)
             AND ($3::timestamptz IS NULL OR date_vente < $3)
             AND ($4::int8 IS NULL OR terminal_id = $4)
             AND ($5::text IS NULL OR mode_paiement = $5)"#,
        shop.id,
        filter.dates.start,
        filter.dates.end,
        filter.terminal_id,
        filter.mode_paiement,
    )
    .fetch_one(pool)
    .await?;
    let sales = stored_sales(pool, shop, &ids).await?;
    Ok((sales, totals.count, Money::from(totals.revenue)))
}

async fn sale_lines(
    pool: &PgPool,
    boutique_id: i64,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<LineView>>, sqlx::Error> {
    let mut lines: HashMap<i64, Vec<LineView>> = HashMap::new();
    for l in sqlx::query!(
        r#"SELECT l.vente_id, l.article_id, a.nom, a.code, l.quantite, l.prix_unitaire,
                  l.quantite_retournee
           FROM lignes_vente l
           JOIN articles a ON a.boutique_id = l.boutique_id AND a.id = l.article_id
           WHERE l.boutique_id = $1 AND l.vente_id = ANY($2)
           ORDER BY l.vente_id, l.id"#,
        boutique_id,
        ids
    )
    .fetch_all(pool)
    .await?
    {
        let prix_unitaire = Money::from(l.prix_unitaire);
        lines.entry(l.vente_id).or_default().push(LineView {
            article_id: l.article_id,
            article_nom: l.nom,
            article_code: l.code,
            quantite: l.quantite,
            sous_total: prix_unitaire.times(l.quantite).unwrap_or_default(),
            prix_unitaire,
            quantite_retournee: l.quantite_retournee,
        });
    }
    Ok(lines)
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/ventes/historique/",
    operation_id = "sales_history",
    tag = "Terminal",
    summary = "The shop's sales, newest first",
    description = "By when they were made. `statistiques` covers the whole period, `ventes` the \
        first `limit`; a cancelled sale is listed with `annulee: true` and counts in no total.",
    params(
        ("date_debut" = Option<String>, Query, description = "From this day (`YYYY-MM-DD`, in the shop's time zone) or instant (ISO 8601)", example = "2026-11-01"),
        ("date_fin" = Option<String>, Query, description = "To this day (included) or instant", example = "2026-11-30"),
        ("limit" = Option<i64>, Query, description = "At most this many (default 50, at most 500)", minimum = 1),
    ),
    responses(
        (status = 200, description = "The sales", body = crate::http::openapi::schemas::HistoryResponse),
        crate::http::openapi::refusals::Listing,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn history(
    State(state): State<AppState>,
    terminal: Terminal,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let shop = &terminal.boutique;
    let filter = SaleFilter {
        dates: params.date_range(shop)?,
        ..SaleFilter::default()
    };
    let limit = params.limit(50, 500)?;
    let (sales, total, revenue) = list_sales(&state.pool, shop, &filter, limit, 0).await?;
    Ok(Json(json!({
        "success": true,
        "boutique_id": shop.id,
        "boutique_nom": shop.nom,
        "statistiques": {
            "total_ventes": total,
            "chiffre_affaires": revenue,
        },
        "count": sales.len(),
        "ventes": sales,
    })))
}

/// Sales count and revenue of a period, cancelled sales left out.
pub async fn sales_between(
    pool: &PgPool,
    boutique_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<(i64, Decimal), sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT count(*) AS "count!", COALESCE(sum(montant_total), 0) AS "revenue!"
           FROM ventes
           WHERE boutique_id = $1 AND NOT annulee AND date_vente >= $2 AND date_vente < $3"#,
        boutique_id,
        start,
        end
    )
    .fetch_one(pool)
    .await?;
    Ok((row.count, row.revenue))
}
