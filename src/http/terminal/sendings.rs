//! Sendings awaiting a till's confirmation (API-D1.md §3.2): `GET articles/pending/`,
//! `POST articles/valider/`, `POST articles/refuser/`, each for the till's own shop only.
//! The rules are in [`sendings`]; here, the bodies as the 2026 tills write them (snake_case
//! or camelCase keys) and the answers they read.

use super::gate::Terminal;
use crate::code::Code;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Body;
use crate::money::Money;
use crate::sales::parse::{sent_id, simple_field};
use crate::stock::sendings::{self, Confirmation, Pending, Settled};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::{Map, Value};

/// The shop's articles awaiting confirmation.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PendingResponse {
    #[schema(example = true)]
    success: bool,
    count: usize,
    #[schema(example = 1)]
    boutique_id: i64,
    #[schema(example = "Ma Boutique")]
    boutique_nom: String,
    articles_pending: Vec<PendingView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PendingView {
    #[schema(example = 1)]
    id: i64,
    #[schema(example = "CHG-001")]
    code: String,
    nom: String,
    description: String,
    categorie: Option<String>,
    categorie_id: Option<i64>,
    prix_vente: Money,
    prix_achat: Money,
    #[schema(example = "CDF")]
    devise: String,
    /// Units sent, awaiting confirmation.
    #[schema(example = 24)]
    quantite_envoyee: i32,
    quantite_stock: i32,
    #[schema(schema_with = crate::http::openapi::schemas::nullable_timestamp)]
    date_envoi: Option<String>,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    date_creation: String,
}

impl PendingView {
    pub fn new(p: Pending, shop: &crate::boutiques::Shop) -> Self {
        PendingView {
            id: p.id,
            code: p.code,
            nom: p.nom,
            description: p.description,
            categorie: p.categorie,
            categorie_id: p.categorie_id,
            prix_vente: Money::from(p.prix_vente),
            prix_achat: Money::from(p.prix_achat),
            devise: p.devise,
            quantite_envoyee: p.quantite_envoyee,
            quantite_stock: p.quantite_stock,
            date_envoi: p.date_envoi.map(|at| shop.timestamp(at)),
            date_creation: shop.timestamp(p.date_creation),
        }
    }
}

/// `POST articles/valider/`, for the OpenAPI document only (read by hand).
#[derive(utoipa::ToSchema)]
pub struct ConfirmRequest {
    /// Also `articleId`.
    #[schema(example = 1)]
    pub article_id: i64,
    /// The units the till counted (also `quantiteValidee`); only noted: the units sent enter
    /// the stock.
    #[schema(example = 24, minimum = 0)]
    pub quantite_validee: i64,
    /// The till's own shop, if named (also `boutiqueId`).
    pub boutique_id: Option<i64>,
}

/// `POST articles/refuser/`, for the OpenAPI document only (read by hand).
#[derive(utoipa::ToSchema)]
pub struct RefuseRequest {
    /// Also `articleId`.
    #[schema(example = 1)]
    pub article_id: i64,
    pub boutique_id: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ConfirmResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = "Réception confirmée : 24 unité(s) ajoutée(s) au stock")]
    message: String,
    /// Present (`true`) when nothing was pending: nothing changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    already_validated: Option<bool>,
    article: ConfirmedArticle,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ConfirmedArticle {
    id: i64,
    code: String,
    nom: String,
    quantite_stock: i32,
    est_valide_client: bool,
    /// Absent when nothing was pending.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    date_validation: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RefuseResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = "Envoi refusé : le stock n'a pas bougé")]
    message: &'static str,
    article: RefusedArticle,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RefusedArticle {
    id: i64,
    nom: String,
    quantite_stock: i32,
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/articles/pending/",
    operation_id = "pending_sendings",
    tag = "Terminal",
    summary = "Sendings awaiting this shop's confirmation",
    description = "Active articles with units sent to the shop and not yet confirmed, newest \
        sending first.",
    responses(
        (status = 200, description = "The pending sendings", body = PendingResponse),
        crate::http::openapi::refusals::Pending,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn pending(
    State(state): State<AppState>,
    terminal: Terminal,
) -> Result<Json<PendingResponse>, ApiError> {
    let shop = &terminal.boutique;
    let articles: Vec<PendingView> = sendings::pending(&state.pool, shop.id)
        .await?
        .into_iter()
        .map(|p| PendingView::new(p, shop))
        .collect();
    Ok(Json(PendingResponse {
        success: true,
        count: articles.len(),
        boutique_id: shop.id,
        boutique_nom: shop.nom.clone(),
        articles_pending: articles,
    }))
}

/// The article a body names, or `400 MISSING_ARTICLE_ID`.
fn article_id(body: &Map<String, Value>) -> Result<i64, ApiError> {
    match simple_field(body, "articleid") {
        None => Err(ApiError::bad_request(
            Code::MissingArticleId,
            "Champ 'article_id' obligatoire",
        )
        .with("champ", "article_id")),
        Some(value) => sent_id(value)
            .filter(|id| *id > 0)
            .ok_or_else(|| ApiError::invalid_field("article_id", "un entier est attendu")),
    }
}

#[utoipa::path(
    post,
    path = "/api/v2/simple/articles/valider/",
    operation_id = "confirm_sending",
    tag = "Terminal",
    summary = "Confirm receipt of a sending",
    description = "The units the server sent enter the stock by one `ENTREE` (the till's count \
        is only noted); the article goes on sale. Nothing pending: `already_validated`, no \
        change.",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "One key per request the till builds, sent again with each retry of it: a retry gets the first answer back (with `Idempotent-Replayed: true`) and changes nothing"),
    ),
    request_body = ConfirmRequest,
    responses(
        (status = 200, description = "Confirmed, or nothing was pending", body = ConfirmResponse),
        crate::http::openapi::refusals::ConfirmSending,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn confirm(
    State(state): State<AppState>,
    terminal: Terminal,
    Body(body): Body<Map<String, Value>>,
) -> Result<Json<ConfirmResponse>, ApiError> {
    terminal.own_boutique_in(&body)?;
    let article_id = article_id(&body)?;
    let declared = match simple_field(&body, "quantitevalidee") {
        None => {
            return Err(ApiError::bad_request(
                Code::MissingQuantite,
                "Champ 'quantite_validee' obligatoire",
            )
            .with("champ", "quantite_validee"));
        }
        Some(value) => sent_id(value)
            .filter(|q| (0..=crate::stock::MAX_RECEIVED).contains(q))
            .ok_or_else(|| {
                ApiError::invalid_field("quantite_validee", "un entier positif ou nul est attendu")
            })?,
    };
    let shop = &terminal.boutique;
    let done = sendings::confirm(
        &state.pool,
        shop.id,
        &Confirmation {
            article_id,
            quantite_declaree: declared,
            utilisateur: &terminal.nom_terminal,
            code_boutique: &shop.code,
        },
    )
    .await?;
    Ok(Json(confirmed(done, shop)))
}

fn confirmed(done: Settled, shop: &crate::boutiques::Shop) -> ConfirmResponse {
    let (message, already_validated) = match done.entree {
        _ if done.ajoute > 0 => (
            format!(
                "Réception confirmée : {} unité(s) ajoutée(s) au stock",
                done.ajoute
            ),
            None,
        ),
        _ => (
            "Rien n'attend de confirmation pour cet article".to_owned(),
            Some(true),
        ),
    };
    ConfirmResponse {
        success: true,
        message,
        article: ConfirmedArticle {
            id: done.id,
            code: done.code,
            nom: done.nom,
            quantite_stock: done.quantite_stock,
            est_valide_client: done.est_valide_client,
            date_validation: done
                .date_validation
                .filter(|_| already_validated.is_none())
                .map(|at| shop.timestamp(at)),
        },
        already_validated,
    }
}

#[utoipa::path(
    post,
    path = "/api/v2/simple/articles/refuser/",
    operation_id = "refuse_sending",
    tag = "Terminal",
    summary = "Refuse a sending",
    description = "The units pending for the article are dropped; the stock does not move and \
        no movement is written (nothing pending: the same answer).",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "One key per request the till builds, sent again with each retry of it: a retry gets the first answer back (with `Idempotent-Replayed: true`) and changes nothing"),
    ),
    request_body = RefuseRequest,
    responses(
        (status = 200, description = "Refused", body = RefuseResponse),
        crate::http::openapi::refusals::RefuseSending,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn refuse(
    State(state): State<AppState>,
    terminal: Terminal,
    Body(body): Body<Map<String, Value>>,
) -> Result<Json<RefuseResponse>, ApiError> {
    terminal.own_boutique_in(&body)?;
    let article_id = article_id(&body)?;
    let done = sendings::refuse(
        &state.pool,
        terminal.boutique.id,
        article_id,
        &terminal.nom_terminal,
    )
    .await?;
    Ok(Json(RefuseResponse {
        success: true,
        message: "Envoi refusé : le stock n'a pas bougé",
        article: RefusedArticle {
            id: done.id,
            nom: done.nom,
            quantite_stock: done.quantite_stock,
        },
    }))
}
