//! A shop's till sessions (sessions de caisse): opened with a float per currency, closed
//! with the cash counted per currency, listed, and their Z-report as JSON. The rules and
//! the report live in [`crate::till_sessions`].

use super::AdminShop;
use crate::code::Code;
use crate::field::Invalid;
use crate::http::AppState;
use crate::http::error::{ApiError, TERMINAL_MISSING, missing};
use crate::http::extract::{Body, Params};
use crate::money::Money;
use crate::till_sessions::{
    self, CashLine, Expense, LateSale, ModeTotal, Session, SessionError, ZReport,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const SESSION_MISSING: &str = "Session de caisse introuvable dans cette boutique";

/// The floats a session opens with.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenSessionRequest {
    #[schema(example = 1)]
    terminal_id: i64,
    /// Cash in CDF put in the till at opening.
    fond_cdf: Money,
    /// Cash in USD put in the till at opening.
    fond_usd: Money,
}

/// The cash counted at closing, per currency.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseSessionRequest {
    compte_cdf: Money,
    compte_usd: Money,
}

/// A till session.
#[derive(Serialize, ToSchema)]
pub struct SessionView {
    #[schema(example = 1)]
    id: i64,
    #[schema(example = 1)]
    terminal_id: i64,
    terminal_nom: String,
    /// `ouverte` or `fermee`.
    #[schema(example = "ouverte")]
    statut: &'static str,
    #[schema(value_type = String)]
    date_ouverture: DateTime<Utc>,
    ouverte_par: String,
    fond_cdf: Money,
    fond_usd: Money,
    #[schema(value_type = Option<String>)]
    date_fermeture: Option<DateTime<Utc>>,
    fermee_par: Option<String>,
    compte_cdf: Option<Money>,
    compte_usd: Option<Money>,
}

impl From<Session> for SessionView {
    fn from(s: Session) -> Self {
        SessionView {
            id: s.id,
            terminal_id: s.terminal_id,
            terminal_nom: s.terminal_nom,
            statut: if s.date_fermeture.is_some() {
                "fermee"
            } else {
                "ouverte"
            },
            date_ouverture: s.date_ouverture,
            ouverte_par: s.ouverte_par,
            fond_cdf: Money::new(s.fond_cdf),
            fond_usd: Money::new(s.fond_usd),
            date_fermeture: s.date_fermeture,
            fermee_par: s.fermee_par,
            compte_cdf: s.compte_cdf.map(Money::new),
            compte_usd: s.compte_usd.map(Money::new),
        }
    }
}

/// One session, answered by open and close.
#[derive(Serialize, ToSchema)]
pub struct SessionResponse {
    #[schema(example = true)]
    success: bool,
    session: SessionView,
}

/// A shop's sessions, newest first.
#[derive(Serialize, ToSchema)]
pub struct SessionsResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    boutique_id: i64,
    #[schema(example = 1)]
    count: usize,
    sessions: Vec<SessionView>,
}

/// Sales (or units given back) of one payment mode in one currency.
#[derive(Serialize, ToSchema)]
pub struct ModeTotalView {
    #[schema(example = "CASH")]
    mode_paiement: String,
    #[schema(example = "CDF")]
    devise: String,
    /// Sales, or units for returns.
    #[schema(example = 3)]
    nombre: i64,
    montant: Money,
}

impl From<ModeTotal> for ModeTotalView {
    fn from(t: ModeTotal) -> Self {
        ModeTotalView {
            mode_paiement: t.mode_paiement,
            devise: t.devise,
            nombre: t.nombre,
            montant: Money::new(t.montant),
        }
    }
}

/// The cash of one currency.
#[derive(Serialize, ToSchema)]
pub struct CashLineView {
    #[schema(example = "CDF")]
    devise: &'static str,
    fond: Money,
    /// Sales paid `CASH` in this currency, cancelled ones left out.
    ventes_especes: Money,
    /// Cash given back for returns of `CASH` sales.
    retours_especes: Money,
    /// Expenses the till reported in this currency (`rapports-caisse/`) and a manager
    /// applied: paid from the till.
    depenses: Money,
    /// Expenses reported, not applied yet: not taken off `attendu`.
    depenses_en_attente: Money,
    /// `fond + ventes_especes - retours_especes - depenses`.
    attendu: Money,
    /// Counted at closing; `null` while open.
    compte: Option<Money>,
    /// `compte - attendu` (negative: cash missing); `null` while open.
    ecart: Option<Money>,
}

impl From<CashLine> for CashLineView {
    fn from(c: CashLine) -> Self {
        CashLineView {
            devise: c.devise,
            fond: Money::new(c.fond),
            ventes_especes: Money::new(c.ventes_especes),
            retours_especes: Money::new(c.retours_especes),
            depenses: Money::new(c.depenses),
            depenses_en_attente: Money::new(c.depenses_en_attente),
            attendu: Money::new(c.attendu),
            compte: c.compte.map(Money::new),
            ecart: c.ecart.map(Money::new),
        }
    }
}

/// A cash report of the till dated in the session: its expense.
#[derive(Serialize, ToSchema)]
pub struct SessionExpenseView {
    /// The report's id (`rapports-caisse/`).
    rapport_id: i64,
    #[schema(value_type = String)]
    date_rapport: DateTime<Utc>,
    detail: String,
    depense: Money,
    #[schema(example = "CDF")]
    devise: String,
    /// Applied by a manager: taken off the cash expected.
    depense_appliquee: bool,
}

impl From<Expense> for SessionExpenseView {
    fn from(e: Expense) -> Self {
        SessionExpenseView {
            rapport_id: e.rapport_id,
            date_rapport: e.date_rapport,
            detail: e.detail,
            depense: Money::new(e.depense),
            devise: e.devise,
            depense_appliquee: e.depense_appliquee,
        }
    }
}

/// A sale made during the session, synced after it was closed.
#[derive(Serialize, ToSchema)]
pub struct LateSaleView {
    vente_id: i64,
    numero_facture: String,
    #[schema(value_type = String)]
    date_vente: DateTime<Utc>,
    #[schema(value_type = String)]
    date_reception: DateTime<Utc>,
    mode_paiement: String,
    devise: String,
    montant: Money,
    annulee: bool,
}

impl From<LateSale> for LateSaleView {
    fn from(s: LateSale) -> Self {
        LateSaleView {
            vente_id: s.vente_id,
            numero_facture: s.numero_facture,
            date_vente: s.date_vente,
            date_reception: s.date_reception,
            mode_paiement: s.mode_paiement,
            devise: s.devise,
            montant: Money::new(s.montant),
            annulee: s.annulee,
        }
    }
}

/// A session's Z-report as of now: a sale synced late still changes it, and is listed.
#[derive(Serialize, ToSchema)]
pub struct ZReportResponse {
    #[schema(example = true)]
    success: bool,
    session: SessionView,
    ventes: Vec<ModeTotalView>,
    annulations: Vec<ModeTotalView>,
    retours: Vec<ModeTotalView>,
    /// One line per currency, CDF then USD.
    caisse: Vec<CashLineView>,
    /// The till's cash reports dated in the session, oldest first.
    depenses: Vec<SessionExpenseView>,
    ventes_tardives: Vec<LateSaleView>,
}

impl From<ZReport> for ZReportResponse {
    fn from(r: ZReport) -> Self {
        let list = |l: Vec<ModeTotal>| l.into_iter().map(ModeTotalView::from).collect();
        ZReportResponse {
            success: true,
            session: r.session.into(),
            ventes: list(r.ventes),
            annulations: list(r.annulations),
            retours: list(r.retours),
            caisse: r.caisse.into_iter().map(CashLineView::from).collect(),
            depenses: r
                .depenses
                .into_iter()
                .map(SessionExpenseView::from)
                .collect(),
            ventes_tardives: r
                .ventes_tardives
                .into_iter()
                .map(LateSaleView::from)
                .collect(),
        }
    }
}

fn amount(field: &str, value: Money) -> Result<rust_decimal::Decimal, Invalid> {
    if value.fits_total() {
        Ok(value.amount())
    } else {
        Err(Invalid::new(field, "un montant trop grand"))
    }
}

fn refused(e: SessionError) -> ApiError {
    match e {
        SessionError::NoTill => missing(TERMINAL_MISSING),
        SessionError::Missing => missing(SESSION_MISSING),
        SessionError::AlreadyOpen => ApiError::new(
            StatusCode::CONFLICT,
            Code::AlreadyExists,
            "Une session de caisse est déjà ouverte sur ce terminal",
        ),
        SessionError::AlreadyClosed => ApiError::new(
            StatusCode::CONFLICT,
            Code::AlreadyExists,
            "Cette session de caisse est déjà fermée",
        ),
        SessionError::Db(e) => e.into(),
    }
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/sessions-caisse",
    operation_id = "admin_open_till_session",
    tag = "Administration",
    summary = "Open a till session with a float per currency",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    request_body = OpenSessionRequest,
    responses(
        (status = 201, description = "Opened", body = SessionResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn open(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<OpenSessionRequest>,
) -> Result<(StatusCode, Json<SessionResponse>), ApiError> {
    let terminal_id = crate::field::id("terminal_id", body.terminal_id)?;
    let floats = (
        amount("fond_cdf", body.fond_cdf)?,
        amount("fond_usd", body.fond_usd)?,
    );
    let session = till_sessions::open(
        &state.pool,
        at.shop.id,
        terminal_id,
        &at.admin.signature(),
        floats,
    )
    .await
    .map_err(refused)?;
    Ok((
        StatusCode::CREATED,
        Json(SessionResponse {
            success: true,
            session: session.into(),
        }),
    ))
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/sessions-caisse/{session_id}/fermer",
    operation_id = "admin_close_till_session",
    tag = "Administration",
    summary = "Close a till session with the cash counted per currency",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("session_id" = i64, Path, description = "The session"),
    ),
    request_body = CloseSessionRequest,
    responses(
        (status = 200, description = "Closed", body = SessionResponse),
        crate::http::openapi::refusals::AdminWrite,
    ),
    security(("admin_token" = []))
)]
pub async fn close(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<CloseSessionRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    let id = at.id("session_id", SESSION_MISSING)?;
    let counted = (
        amount("compte_cdf", body.compte_cdf)?,
        amount("compte_usd", body.compte_usd)?,
    );
    let session = till_sessions::close(&state.pool, at.shop.id, id, &at.admin.signature(), counted)
        .await
        .map_err(refused)?;
    Ok(Json(SessionResponse {
        success: true,
        session: session.into(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}/sessions-caisse",
    operation_id = "admin_list_till_sessions",
    tag = "Administration",
    summary = "A shop's till sessions, newest first",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("terminal_id" = Option<i64>, Query, description = "Only this till's"),
        ("limit" = Option<i64>, Query, description = "At most this many (default 50, at most 500)", minimum = 1),
    ),
    responses(
        (status = 200, description = "The sessions", body = SessionsResponse),
        crate::http::openapi::refusals::AdminShopList,
    ),
    security(("admin_token" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    at: AdminShop,
    params: Params,
) -> Result<Json<SessionsResponse>, ApiError> {
    let limit = params.limit(50, 500)?;
    let sessions =
        till_sessions::list(&state.pool, at.shop.id, params.id("terminal_id")?, limit).await?;
    let sessions: Vec<SessionView> = sessions.into_iter().map(SessionView::from).collect();
    Ok(Json(SessionsResponse {
        success: true,
        boutique_id: at.shop.id,
        count: sessions.len(),
        sessions,
    }))
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}/sessions-caisse/{session_id}/rapport-z",
    operation_id = "admin_till_session_report",
    tag = "Administration",
    summary = "A till session's Z-report, as of now",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("session_id" = i64, Path, description = "The session"),
    ),
    responses(
        (status = 200, description = "The Z-report", body = ZReportResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn report(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<ZReportResponse>, ApiError> {
    let id = at.id("session_id", SESSION_MISSING)?;
    let report = till_sessions::report(&state.pool, at.shop.id, id)
        .await?
        .ok_or_else(|| missing(SESSION_MISSING))?;
    Ok(Json(report.into()))
}
