//! Transfers between two shops of one merchant (`…/transferts`): sent from the shop of the
//! path to another of the token's merchant, listed and shown from either side, received
//! (with the units actually received per line) or refused by the receiving shop. The rules
//! are in [`transfers`]; a token of one merchant never reaches another's shops (the path's
//! shop is checked by [`AdminShop`], the destination in the transfer's SQL).

use super::AdminShop;
use crate::boutiques::Shop;
use crate::http::AppState;
use crate::http::error::{ApiError, TRANSFER_MISSING, missing};
use crate::http::extract::Body;
use crate::http::openapi::schemas::{nullable_timestamp, required_timestamp};
use crate::stock::transfers::{self, NewTransfer, Transfer, TransferLine};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Goods to send to another shop of the same merchant.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// The receiving shop (same merchant, active).
    #[schema(example = 2)]
    boutique_destination_id: i64,
    /// At most 500 characters.
    commentaire: Option<String>,
    /// 1 to 1,000 lines, the sender's articles (lines of one article add up).
    lignes: Vec<TransferRequestLine>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequestLine {
    #[schema(example = 1)]
    article_id: i64,
    #[schema(example = 12, minimum = 1, maximum = 1_000_000)]
    quantite: i64,
}

/// What the receiving shop received: lines not named are received in full.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ReceiptRequest {
    #[serde(default)]
    lignes: Vec<ReceiptLine>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptLine {
    /// A line of the transfer (`lignes[].id`).
    #[schema(example = 1)]
    ligne_id: i64,
    /// Units received, from 0 to those sent; the rest is recorded missing.
    #[schema(example = 11, minimum = 0)]
    quantite_recue: i64,
}

/// One transfer.
#[derive(Serialize, ToSchema)]
pub struct TransferResponse {
    #[schema(example = true)]
    success: bool,
    transfert: TransferView,
}

/// A shop's transfers, sent and received, newest first (at most 200).
#[derive(Serialize, ToSchema)]
pub struct TransfersResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    boutique_id: i64,
    count: usize,
    transferts: Vec<TransferView>,
}

#[derive(Serialize, ToSchema)]
pub struct TransferView {
    #[schema(example = 1)]
    id: i64,
    /// `SORTANT` (the shop of the path sent it) or `ENTRANT`.
    #[schema(example = "SORTANT")]
    sens: &'static str,
    boutique_source_id: i64,
    boutique_source_nom: String,
    boutique_destination_id: i64,
    boutique_destination_nom: String,
    /// `EN_TRANSIT`, `RECU`, `RECU_AVEC_ECART` (units missing or lines refused), `REFUSE`.
    #[schema(example = "EN_TRANSIT")]
    statut: String,
    commentaire: String,
    envoye_par: String,
    #[schema(schema_with = required_timestamp)]
    date_envoi: String,
    #[schema(schema_with = nullable_timestamp)]
    date_cloture: Option<String>,
    /// Units sent and not received, over its received lines.
    #[schema(example = 0)]
    quantite_manquante: i32,
    lignes: Vec<TransferLineView>,
}

#[derive(Serialize, ToSchema)]
pub struct TransferLineView {
    #[schema(example = 1)]
    id: i64,
    article_source_id: i64,
    /// The receiving shop's article of the same code.
    article_destination_id: i64,
    code: String,
    nom: String,
    quantite_envoyee: i32,
    /// Set once received.
    quantite_recue: Option<i32>,
    quantite_manquante: Option<i32>,
    /// The count a till declared when it confirmed this line alone (only noted).
    quantite_declaree: Option<i32>,
    /// `EN_TRANSIT`, `RECUE`, `REFUSEE`.
    #[schema(example = "EN_TRANSIT")]
    statut: String,
    traite_par: Option<String>,
    #[schema(schema_with = nullable_timestamp)]
    date_traitement: Option<String>,
}

impl TransferView {
    fn new(t: Transfer, shop: &Shop) -> Self {
        let manquants = t.manquants();
        TransferView {
            id: t.id,
            sens: if t.boutique_source_id == shop.id {
                "SORTANT"
            } else {
                "ENTRANT"
            },
            boutique_source_id: t.boutique_source_id,
            boutique_source_nom: t.boutique_source_nom,
            boutique_destination_id: t.boutique_destination_id,
            boutique_destination_nom: t.boutique_destination_nom,
            statut: t.statut,
            commentaire: t.commentaire,
            envoye_par: t.envoye_par,
            date_envoi: shop.timestamp(t.date_envoi),
            date_cloture: t.date_cloture.map(|at| shop.timestamp(at)),
            quantite_manquante: manquants,
            lignes: t
                .lignes
                .into_iter()
                .map(|l| TransferLineView::new(l, shop))
                .collect(),
        }
    }
}

impl TransferLineView {
    fn new(l: TransferLine, shop: &Shop) -> Self {
        TransferLineView {
            id: l.id,
            article_source_id: l.article_source_id,
            article_destination_id: l.article_destination_id,
            code: l.code,
            nom: l.nom,
            quantite_envoyee: l.quantite_envoyee,
            quantite_recue: l.quantite_recue,
            quantite_manquante: l.quantite_manquante,
            quantite_declaree: l.quantite_declaree,
            statut: l.statut,
            traite_par: l.traite_par,
            date_traitement: l.date_traitement.map(|at| shop.timestamp(at)),
        }
    }
}

fn answer(t: Transfer, shop: &Shop) -> Json<TransferResponse> {
    Json(TransferResponse {
        success: true,
        transfert: TransferView::new(t, shop),
    })
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/transferts",
    operation_id = "admin_send_transfer",
    tag = "Administration",
    summary = "Send goods to another shop of the same merchant",
    description = "All or nothing: each line's units leave the sender at once (one `SORTIE` \
        referenced `TRANSFERT-<id>`; refused when the stock is short) and await the receiving \
        shop in its article of the same code (created off the catalogue if it has none), as \
        a sending does: its tills see them in `articles/pending/`.",
    params(("boutique_id" = i64, Path, description = "The sending boutique", example = 1)),
    request_body = TransferRequest,
    responses(
        (status = 201, description = "Sent, in transit", body = TransferResponse),
        crate::http::openapi::refusals::AdminTransfer,
    ),
    security(("admin_token" = []))
)]
pub async fn send(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<TransferRequest>,
) -> Result<(StatusCode, Json<TransferResponse>), ApiError> {
    let new = NewTransfer {
        boutique_destination_id: body.boutique_destination_id,
        lines: body
            .lignes
            .iter()
            .map(|l| (l.article_id, l.quantite))
            .collect(),
        commentaire: body.commentaire,
        utilisateur: at.admin.signature(),
    };
    let sent = transfers::send(&state.pool, at.shop.id, &new).await?;
    Ok((StatusCode::CREATED, answer(sent, &at.shop)))
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}/transferts",
    operation_id = "admin_list_transfers",
    tag = "Administration",
    summary = "A shop's transfers, sent and received",
    description = "Newest first, at most 200, each with its lines.",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    responses(
        (status = 200, description = "The transfers", body = TransfersResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<TransfersResponse>, ApiError> {
    let found: Vec<TransferView> = transfers::list(&state.pool, at.shop.id)
        .await?
        .into_iter()
        .map(|t| TransferView::new(t, &at.shop))
        .collect();
    Ok(Json(TransfersResponse {
        success: true,
        boutique_id: at.shop.id,
        count: found.len(),
        transferts: found,
    }))
}

fn transfer_id(at: &AdminShop) -> Result<i64, ApiError> {
    at.id("transfert_id", TRANSFER_MISSING)
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}/transferts/{transfert_id}",
    operation_id = "admin_show_transfer",
    tag = "Administration",
    summary = "One transfer the shop sent or receives",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("transfert_id" = i64, Path, description = "The transfer", example = 1),
    ),
    responses(
        (status = 200, description = "The transfer", body = TransferResponse),
        crate::http::openapi::refusals::AdminRead,
    ),
    security(("admin_token" = []))
)]
pub async fn show(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<TransferResponse>, ApiError> {
    let id = transfer_id(&at)?;
    let found = transfers::get(&state.pool, at.shop.id, id)
        .await
        .map_err(|_| missing(TRANSFER_MISSING))?;
    Ok(answer(found, &at.shop))
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/transferts/{transfert_id}/recevoir",
    operation_id = "admin_receive_transfer",
    tag = "Administration",
    summary = "Receive a transfer, with the units actually received",
    description = "By the receiving shop. Each line still in transit: the units received \
        (the sent ones when the line is not named) enter its stock by one `ENTREE` referenced \
        `TRANSFERT-<id>`; units missing are recorded on the line (`RECU_AVEC_ECART`).",
    params(
        ("boutique_id" = i64, Path, description = "The receiving boutique", example = 2),
        ("transfert_id" = i64, Path, description = "The transfer", example = 1),
    ),
    request_body = ReceiptRequest,
    responses(
        (status = 200, description = "Received", body = TransferResponse),
        crate::http::openapi::refusals::AdminTransfer,
    ),
    security(("admin_token" = []))
)]
pub async fn receive(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<ReceiptRequest>,
) -> Result<Json<TransferResponse>, ApiError> {
    let id = transfer_id(&at)?;
    let lines: Vec<(i64, i64)> = body
        .lignes
        .iter()
        .map(|l| (l.ligne_id, l.quantite_recue))
        .collect();
    let done =
        transfers::receive(&state.pool, at.shop.id, id, &lines, &at.admin.signature()).await?;
    Ok(answer(done, &at.shop))
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/transferts/{transfert_id}/refuser",
    operation_id = "admin_refuse_transfer",
    tag = "Administration",
    summary = "Refuse a transfer: its units go back to the sender",
    description = "By the receiving shop. Each line still in transit goes back to the \
        sender's stock (one `ENTREE` there, referenced `TRANSFERT-<id>`).",
    params(
        ("boutique_id" = i64, Path, description = "The receiving boutique", example = 2),
        ("transfert_id" = i64, Path, description = "The transfer", example = 1),
    ),
    responses(
        (status = 200, description = "Refused", body = TransferResponse),
        crate::http::openapi::refusals::AdminTransfer,
    ),
    security(("admin_token" = []))
)]
pub async fn refuse(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<TransferResponse>, ApiError> {
    let id = transfer_id(&at)?;
    let done = transfers::refuse(&state.pool, at.shop.id, id, &at.admin.signature()).await?;
    Ok(answer(done, &at.shop))
}
