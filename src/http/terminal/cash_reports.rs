//! `rapports-caisse/`: a 2026 till's end-of-shift note and expense (API-D1.md §3.5), written
//! and read back by the tills of the shop. A report the till sends again is kept once (`200`
//! with the stored one). Refusals carry, besides `champ`, a key per faulty field holding its
//! French messages, as the 2026 backend answered and the till shows them.

use super::gate::Terminal;
use crate::boutiques::{Shop, date_bound};
use crate::cash_reports::{self, NewReport, Report};
use crate::code::Code;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Body, Params};
use crate::money::{Currency, Money};
use crate::sales::parse::simple_field;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::str::FromStr;

/// Reports one listing shows at most.
const MAX_LISTED: i64 = 500;

/// The body of `POST rapports-caisse/`, for the OpenAPI document only (read by hand).
#[derive(utoipa::ToSchema)]
pub struct CashReportRequest {
    /// What happened on the shift; 1 to 500 characters.
    #[schema(example = "Achat de sachets")]
    pub detail: String,
    /// The expense (number or numeric string, ≥ 0).
    #[schema(value_type = String, example = "5000")]
    pub depense: String,
    /// `CDF` or `USD`; default the shop's.
    pub devise: Option<String>,
    /// When (ISO 8601); default now.
    #[schema(example = "2026-11-25T18:00:00+01:00")]
    pub date_rapport: Option<String>,
}

/// A report as the tills read it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CashReportView {
    id: i64,
    boutique_id: i64,
    boutique_nom: String,
    terminal_id: Option<i64>,
    terminal_nom: Option<String>,
    terminal_serial: Option<String>,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    date_rapport: String,
    detail: String,
    depense: Money,
    #[schema(example = "CDF")]
    devise: String,
    /// Always `true`: stored on the server.
    est_synchronise: bool,
    /// Always `null` (the 2026 tills keep their own id there).
    #[schema(value_type = Option<i64>)]
    id_backend: Option<i64>,
    /// Whether a manager took the expense out of the till's cash.
    depense_appliquee: bool,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    created_at: String,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    updated_at: String,
}

impl CashReportView {
    fn new(r: Report, shop: &Shop) -> Self {
        CashReportView {
            id: r.id,
            boutique_id: shop.id,
            boutique_nom: shop.nom.clone(),
            terminal_id: Some(r.terminal_id),
            terminal_nom: Some(r.terminal_nom),
            terminal_serial: Some(r.terminal_serial),
            date_rapport: shop.timestamp(r.date_rapport),
            detail: r.detail,
            depense: Money::from(r.depense),
            devise: r.devise,
            est_synchronise: true,
            id_backend: None,
            depense_appliquee: r.depense_appliquee,
            created_at: shop.timestamp(r.created_at),
            updated_at: shop.timestamp(r.updated_at),
        }
    }
}

/// The shop's reports, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CashReportsResponse {
    #[schema(example = true)]
    success: bool,
    count: usize,
    boutique_id: i64,
    boutique_nom: String,
    par_terminal: bool,
    results: Vec<CashReportView>,
}

/// A refused field, in both shapes the tills read: `champ`, and a key of its name holding
/// its messages.
fn faulty(champ: &str, message: &str) -> ApiError {
    ApiError::bad_request(
        Code::InvalidFormat,
        format!("Champ '{champ}' invalide : {message}"),
    )
    .with("champ", champ)
    .with(champ, json!([message]))
}

fn read(body: &Map<String, Value>, shop: &Shop) -> Result<NewReport, ApiError> {
    let detail = match simple_field(body, "detail") {
        Some(Value::String(s)) if !s.trim().is_empty() && s.trim().chars().count() <= 500 => {
            s.trim().to_owned()
        }
        None => return Err(faulty("detail", "Ce champ est obligatoire.")),
        Some(_) => {
            return Err(faulty(
                "detail",
                "Un texte de 1 à 500 caractères est attendu.",
            ));
        }
    };
    let depense = match simple_field(body, "depense") {
        None => return Err(faulty("depense", "Ce champ est obligatoire.")),
        Some(Value::Number(n)) => Decimal::from_str(&n.to_string()).ok(),
        Some(Value::String(s)) => Decimal::from_str(s.trim()).ok(),
        Some(_) => None,
    }
    .filter(|d| *d >= Decimal::ZERO && *d < Decimal::from(1_000_000_000_000i64))
    .ok_or_else(|| faulty("depense", "Un nombre positif ou nul est attendu."))?
    .round_dp(2);
    let devise = match simple_field(body, "devise") {
        None => Currency::parse(&shop.devise).unwrap_or(Currency::Cdf),
        Some(Value::String(s)) => {
            Currency::parse(s).ok_or_else(|| faulty("devise", "CDF ou USD est attendu."))?
        }
        Some(_) => return Err(faulty("devise", "CDF ou USD est attendu.")),
    };
    let date_rapport = match simple_field(body, "daterapport") {
        None => chrono::Utc::now(),
        Some(Value::String(s)) => crate::boutiques::parse_date(s.trim(), shop.time_zone)
            .ok_or_else(|| faulty("date_rapport", "Une date ISO 8601 est attendue."))?,
        Some(_) => return Err(faulty("date_rapport", "Une date ISO 8601 est attendue.")),
    };
    Ok(NewReport {
        date_rapport,
        detail,
        depense,
        devise,
    })
}

#[utoipa::path(
    post,
    path = "/api/v2/simple/rapports-caisse/",
    operation_id = "record_cash_report",
    tag = "Terminal",
    summary = "Record an end-of-shift report",
    description = "A note and one expense. The same report sent again by the till is a `200` \
        with the stored one.",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "One key per request the till builds, sent again with each retry of it: a retry gets the first answer back (with `Idempotent-Replayed: true`) and changes nothing"),
    ),
    request_body = CashReportRequest,
    responses(
        (status = 201, description = "Recorded", body = CashReportView),
        (status = 200, description = "Recorded already", body = CashReportView),
        crate::http::openapi::refusals::CashReport,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn record(
    State(state): State<AppState>,
    terminal: Terminal,
    Body(body): Body<Map<String, Value>>,
) -> Result<(StatusCode, Json<CashReportView>), ApiError> {
    terminal.own_boutique_in(&body)?;
    let shop = &terminal.boutique;
    let report = read(&body, shop)?;
    let (stored, already) =
        cash_reports::record(&state.pool, shop.id, terminal.id, &report).await?;
    let status = if already {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(CashReportView::new(stored, shop))))
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/rapports-caisse/",
    operation_id = "cash_reports",
    tag = "Terminal",
    summary = "The shop's end-of-shift reports",
    description = "Newest first (500 at most). `par_terminal` (`1`, `true`, `yes`, `on`): this \
        till's only; `date_min`, `date_max`: a day `YYYY-MM-DD` (whole) or an instant.",
    params(
        ("par_terminal" = Option<String>, Query, description = "This till's reports only"),
        ("date_min" = Option<String>, Query, description = "From this day or instant"),
        ("date_max" = Option<String>, Query, description = "To this day (included) or instant"),
    ),
    responses(
        (status = 200, description = "The reports", body = CashReportsResponse),
        crate::http::openapi::refusals::CashReports,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    terminal: Terminal,
    params: Params,
) -> Result<Json<CashReportsResponse>, ApiError> {
    let shop = &terminal.boutique;
    let bound = |name: &str, end: bool| {
        params
            .get(name)
            .map(|v| {
                date_bound(v, shop, end).ok_or_else(|| {
                    ApiError::bad_request(
                        Code::InvalidDateFormat,
                        format!("Paramètre '{name}' invalide : une date AAAA-MM-JJ ou ISO 8601 est attendue"),
                    )
                    .with("parametre", name)
                })
            })
            .transpose()
    };
    let period = (bound("date_min", false)?, bound("date_max", true)?);
    let par_terminal = params.lenient_flag("par_terminal");
    let results: Vec<CashReportView> = cash_reports::list(
        &state.pool,
        shop.id,
        par_terminal.then_some(terminal.id),
        period,
        MAX_LISTED,
    )
    .await?
    .into_iter()
    .map(|r| CashReportView::new(r, shop))
    .collect();
    Ok(Json(CashReportsResponse {
        success: true,
        count: results.len(),
        boutique_id: shop.id,
        boutique_nom: shop.nom.clone(),
        par_terminal,
        results,
    }))
}
