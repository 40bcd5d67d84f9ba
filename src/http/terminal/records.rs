//! `articles-negocies` and `retours-articles`: a 2026 till records a price it negotiated, or
//! goods a customer brought back, and reads them back (API-D1.md §3.6). Records only: the
//! stock does not move with them. A record the till sends again is kept once (`200` with
//! `already_exists`), so a retry after a dropped link costs nothing.

use super::gate::Terminal;
use crate::code::Code;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Body, Params};
use crate::money::{Currency, Money};
use crate::sales::parse::simple_key;
use crate::till_records::{self, Nature, NewRecord, Record};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value};
use std::str::FromStr;

/// The body of `POST articles-negocies` (`montant_negocie`) and `POST retours-articles`
/// (`montant_retourne`), for the OpenAPI document only: it is read by hand, keys in
/// snake_case or PascalCase.
#[derive(utoipa::ToSchema)]
pub struct RecordRequest {
    /// The article's code; the shop's active article of that code is linked, if any.
    #[schema(example = "CHG-001")]
    pub code_article: String,
    /// `articles-negocies`: the price agreed (number or numeric string, ≥ 0).
    #[schema(value_type = Option<String>, example = "22000")]
    pub montant_negocie: Option<String>,
    /// `retours-articles`: the amount given back (number or numeric string, ≥ 0).
    #[schema(value_type = Option<String>, example = "25000")]
    pub montant_retourne: Option<String>,
    /// When (ISO 8601); unreadable: now.
    #[schema(example = "2026-11-25T14:03:00+01:00")]
    pub date_operation: String,
    /// Default 1.
    #[schema(example = 1)]
    pub quantite: Option<i64>,
    /// `CDF` or `USD`; default the shop's.
    pub devise: Option<String>,
    pub motif: Option<String>,
    /// The invoice number of the sale it belongs to, if any.
    pub reference_vente: Option<String>,
}

/// A record stored now, or found stored already.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RecordedResponse {
    #[schema(example = 7)]
    id: i64,
    /// `true` when the till had sent this record already (answer `200`).
    #[serde(skip_serializing_if = "Option::is_none")]
    already_exists: Option<bool>,
}

/// The shop's records, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RecordsResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    count: usize,
    #[schema(example = 1)]
    boutique_id: i64,
    #[schema(example = "Ma Boutique")]
    boutique_nom: String,
    /// Only the calling till's.
    par_terminal: bool,
    results: Vec<RecordView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RecordView {
    id: i64,
    boutique_id: i64,
    boutique_nom: String,
    terminal_id: Option<i64>,
    terminal_nom: Option<String>,
    terminal_serial: Option<String>,
    article_id: Option<i64>,
    article_nom: Option<String>,
    code_article: String,
    quantite: i32,
    /// `articles-negocies/historique/` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    montant_negocie: Option<Money>,
    /// `retours-articles/historique/` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    montant_retourne: Option<Money>,
    #[schema(example = "CDF")]
    devise: String,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    date_operation: String,
    motif: String,
    reference_vente: String,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    created_at: String,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    updated_at: String,
}

impl RecordView {
    fn new(r: Record, nature: Nature, terminal: &Terminal) -> Self {
        let shop = &terminal.boutique;
        let montant = Some(Money::new(r.montant));
        RecordView {
            id: r.id,
            boutique_id: shop.id,
            boutique_nom: shop.nom.clone(),
            terminal_id: Some(r.terminal_id),
            terminal_nom: Some(r.terminal_nom),
            terminal_serial: Some(r.terminal_serial),
            article_id: r.article_id,
            article_nom: r.article_nom,
            code_article: r.code_article,
            quantite: r.quantite,
            montant_negocie: montant.filter(|_| nature == Nature::Negociation),
            montant_retourne: montant.filter(|_| nature == Nature::Retour),
            devise: r.devise,
            date_operation: shop.timestamp(r.date_operation),
            motif: r.motif,
            reference_vente: r.reference_vente,
            created_at: shop.timestamp(r.created_at),
            updated_at: shop.timestamp(r.updated_at),
        }
    }
}

/// The body's fields by their simple names (lowercase, no underscores): the app writes
/// snake_case, its C# models PascalCase.
fn simple_fields(body: &Map<String, Value>) -> Map<String, Value> {
    body.iter()
        .map(|(k, v)| (simple_key(k), v.clone()))
        .collect()
}

fn missing(champ: &str) -> ApiError {
    ApiError::bad_request(Code::MissingField, format!("Champ '{champ}' obligatoire"))
        .with("champ", champ)
}

fn text(
    fields: &Map<String, Value>,
    simple: &str,
    champ: &str,
    max: usize,
) -> Result<String, ApiError> {
    match fields.get(simple) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) if s.trim().chars().count() <= max => Ok(s.trim().to_owned()),
        Some(_) => Err(ApiError::invalid_field(
            champ,
            &format!("un texte de {max} caractères au plus est attendu"),
        )),
    }
}

/// Reads a record as the till sends it.
fn read(
    body: &Map<String, Value>,
    nature: Nature,
    terminal: &Terminal,
) -> Result<NewRecord, ApiError> {
    let fields = simple_fields(body);
    let code_article = match fields.get("codearticle") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(ApiError::bad_request(
                Code::MissingCodeArticle,
                "Champ 'code_article' obligatoire",
            )
            .with("champ", "code_article"));
        }
    };
    if code_article.chars().count() > 100 {
        return Err(ApiError::invalid_field(
            "code_article",
            "un code de 100 caractères au plus est attendu",
        ));
    }
    let (simple, champ) = match nature {
        Nature::Negociation => ("montantnegocie", "montant_negocie"),
        Nature::Retour => ("montantretourne", "montant_retourne"),
    };
    let montant = match fields.get(simple) {
        None | Some(Value::Null) => return Err(missing(champ)),
        Some(Value::Number(n)) => Decimal::from_str(&n.to_string()).ok(),
        Some(Value::String(s)) => Decimal::from_str(s.trim()).ok(),
        Some(_) => None,
    }
    .filter(|m| *m >= Decimal::ZERO && *m < Decimal::from(1_000_000_000_000i64))
    .ok_or_else(|| ApiError::invalid_field(champ, "un montant positif ou nul est attendu"))?
    .round_dp(2);
    let shop = &terminal.boutique;
    let date_operation = match fields.get("dateoperation") {
        None | Some(Value::Null) => return Err(missing("date_operation")),
        // Unreadable: now, as the 2026 backend did.
        Some(Value::String(s)) => {
            crate::boutiques::parse_date(s, shop.time_zone).unwrap_or_else(chrono::Utc::now)
        }
        Some(_) => chrono::Utc::now(),
    };
    let quantite = match fields.get("quantite") {
        None | Some(Value::Null) => 1,
        Some(v) => v
            .as_i64()
            .filter(|q| (1..=1_000_000).contains(q))
            .ok_or_else(|| {
                ApiError::invalid_field("quantite", "un entier de 1 à 1 000 000 est attendu")
            })? as i32,
    };
    let devise = match fields.get("devise") {
        None | Some(Value::Null) => Currency::parse(&shop.devise).unwrap_or(Currency::Cdf),
        Some(Value::String(s)) => Currency::parse(s)
            .ok_or_else(|| ApiError::invalid_field("devise", "CDF ou USD est attendu"))?,
        Some(_) => return Err(ApiError::invalid_field("devise", "CDF ou USD est attendu")),
    };
    Ok(NewRecord {
        nature,
        code_article,
        quantite,
        montant,
        devise,
        date_operation,
        motif: text(&fields, "motif", "motif", 500)?,
        reference_vente: text(&fields, "referencevente", "reference_vente", 100)?,
    })
}

async fn store(
    state: &AppState,
    terminal: &Terminal,
    body: &Map<String, Value>,
    nature: Nature,
) -> Result<(StatusCode, Json<RecordedResponse>), ApiError> {
    let record = read(body, nature, terminal)?;
    let (id, already) =
        till_records::record(&state.pool, terminal.boutique.id, terminal.id, &record).await?;
    Ok(if already {
        (
            StatusCode::OK,
            Json(RecordedResponse {
                id,
                already_exists: Some(true),
            }),
        )
    } else {
        (
            StatusCode::CREATED,
            Json(RecordedResponse {
                id,
                already_exists: None,
            }),
        )
    })
}

#[utoipa::path(
    post,
    path = "/api/v2/simple/articles-negocies/",
    operation_id = "record_negotiated_price",
    tag = "Terminal",
    summary = "Record a price negotiated at the till",
    description = "A record only: the stock does not move. The same record sent again by the \
        till is a `200` with `already_exists: true`.",
    request_body = RecordRequest,
    responses(
        (status = 201, description = "Recorded", body = RecordedResponse),
        (status = 200, description = "Recorded already", body = RecordedResponse),
        crate::http::openapi::refusals::TillRecord,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn record_negotiation(
    State(state): State<AppState>,
    terminal: Terminal,
    Body(body): Body<Map<String, Value>>,
) -> Result<(StatusCode, Json<RecordedResponse>), ApiError> {
    store(&state, &terminal, &body, Nature::Negociation).await
}

#[utoipa::path(
    post,
    path = "/api/v2/simple/retours-articles/",
    operation_id = "record_returned_goods",
    tag = "Terminal",
    summary = "Record goods a customer brought back",
    description = "A record only: the stock does not move (a return that gives stock back is \
        `ventes/retour/`). The same record sent again by the till is a `200` with \
        `already_exists: true`.",
    request_body = RecordRequest,
    responses(
        (status = 201, description = "Recorded", body = RecordedResponse),
        (status = 200, description = "Recorded already", body = RecordedResponse),
        crate::http::openapi::refusals::TillRecord,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn record_return(
    State(state): State<AppState>,
    terminal: Terminal,
    Body(body): Body<Map<String, Value>>,
) -> Result<(StatusCode, Json<RecordedResponse>), ApiError> {
    store(&state, &terminal, &body, Nature::Retour).await
}

/// Listings show at most this many.
const MAX_LISTED: i64 = 500;

async fn history(
    state: &AppState,
    terminal: &Terminal,
    params: &Params,
    nature: Nature,
) -> Result<Json<RecordsResponse>, ApiError> {
    let limit = params.limit(100, MAX_LISTED)?;
    let par_terminal = params.lenient_flag("par_terminal");
    let records = till_records::list(
        &state.pool,
        terminal.boutique.id,
        nature,
        par_terminal.then_some(terminal.id),
        limit,
    )
    .await?;
    let results: Vec<RecordView> = records
        .into_iter()
        .map(|r| RecordView::new(r, nature, terminal))
        .collect();
    Ok(Json(RecordsResponse {
        success: true,
        count: results.len(),
        boutique_id: terminal.boutique.id,
        boutique_nom: terminal.boutique.nom.clone(),
        par_terminal,
        results,
    }))
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/articles-negocies/historique/",
    operation_id = "negotiated_prices",
    tag = "Terminal",
    summary = "The shop's negotiated-price records",
    description = "Newest `date_operation` first.",
    params(
        ("par_terminal" = Option<String>, Query, description = "`1`, `true`, `yes` or `on`: this till's only"),
        ("limit" = Option<i64>, Query, description = "At most this many (default 100, at most 500)", minimum = 1),
    ),
    responses(
        (status = 200, description = "The records", body = RecordsResponse),
        crate::http::openapi::refusals::Listing,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn negotiation_history(
    State(state): State<AppState>,
    terminal: Terminal,
    params: Params,
) -> Result<Json<RecordsResponse>, ApiError> {
    history(&state, &terminal, &params, Nature::Negociation).await
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/retours-articles/historique/",
    operation_id = "returned_goods",
    tag = "Terminal",
    summary = "The shop's returned-goods records",
    description = "Newest `date_operation` first.",
    params(
        ("par_terminal" = Option<String>, Query, description = "`1`, `true`, `yes` or `on`: this till's only"),
        ("limit" = Option<i64>, Query, description = "At most this many (default 100, at most 500)", minimum = 1),
    ),
    responses(
        (status = 200, description = "The records", body = RecordsResponse),
        crate::http::openapi::refusals::Listing,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn return_history(
    State(state): State<AppState>,
    terminal: Terminal,
    params: Params,
) -> Result<Json<RecordsResponse>, ApiError> {
    history(&state, &terminal, &params, Nature::Retour).await
}
