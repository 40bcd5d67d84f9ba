//! The stock of a boutique: deliveries received (`POST …/entrees`), counted stock
//! (`POST …/ajustements`), and its journal (`GET …/mouvements-stock`). Every change is
//! signed with the administrator's name in the journal.

use super::{AdminShop, given};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Body, Params};
use crate::http::terminal::sendings::PendingView;
use crate::http::views::{AppliedView, MovementView};
use crate::stock::journal::{self, MovementFilter};
use crate::stock::{self, Count, Delivery, MovementType};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Goods received under one delivery note.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryRequest {
    /// The delivery note; 1 to 100 characters.
    #[schema(example = "BL-2026-001")]
    reference_document: String,
    /// At most 500 characters.
    commentaire: Option<String>,
    /// 1 to 1,000 lines.
    lignes: Vec<DeliveryLine>,
}

/// Units of one article received.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryLine {
    #[schema(example = 1)]
    article_id: i64,
    #[schema(example = 24, minimum = 1, maximum = 1_000_000)]
    quantite: i64,
}

/// A delivery received: one `ENTREE` movement per line.
#[derive(Serialize, ToSchema)]
pub struct DeliveryResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    boutique_id: i64,
    #[schema(example = "BL-2026-001")]
    reference_document: String,
    mouvements: Vec<AppliedView>,
}

/// Units sent to the shop, to be confirmed by one of its tills.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendingRequest {
    /// 1 to 1,000 lines.
    lignes: Vec<DeliveryLine>,
}

/// The articles sent, as they now await the shop's confirmation.
#[derive(Serialize, ToSchema)]
pub struct SendingResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    boutique_id: i64,
    articles: Vec<PendingView>,
}

/// An article's stock as counted.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentRequest {
    #[schema(example = 1)]
    article_id: i64,
    /// The stock counted.
    #[schema(example = 97, minimum = 0, maximum = 1_000_000_000)]
    quantite_stock: i64,
    /// Why the count differs from the journal; 1 to 500 characters.
    #[schema(example = "Inventaire")]
    motif: String,
    /// 1 to 100 characters.
    #[serde(default, deserialize_with = "given")]
    reference_document: Option<String>,
}

/// A counted stock recorded: its one `AJUSTEMENT` movement.
#[derive(Serialize, ToSchema)]
pub struct AdjustmentResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    boutique_id: i64,
    mouvements: Vec<AppliedView>,
}

/// A page of a shop's stock journal.
#[derive(Serialize, ToSchema)]
pub struct AdminMovementsResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    boutique_id: i64,
    /// Movements matching the filters, all pages.
    #[schema(example = 1)]
    total: i64,
    #[schema(example = 100)]
    limit: i64,
    #[schema(example = 0)]
    offset: i64,
    #[schema(example = 1)]
    count: usize,
    mouvements: Vec<MovementView>,
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/envois",
    operation_id = "admin_send_to_shop",
    tag = "Administration",
    summary = "Send goods to a shop, to be confirmed by its tills",
    description = "Adds to each article's `quantite_envoyee` (sendings add up) and stamps \
        `date_envoi`; the stock does not move until a till of the shop confirms \
        (`POST articles/valider/`) or refuses (`POST articles/refuser/`). All or nothing; \
        active articles of the shop only.",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    request_body = SendingRequest,
    responses(
        (status = 201, description = "Sent", body = SendingResponse),
        crate::http::openapi::refusals::AdminStock,
    ),
    security(("admin_token" = []))
)]
pub async fn send(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<SendingRequest>,
) -> Result<(StatusCode, Json<SendingResponse>), ApiError> {
    let shop = &at.shop;
    let lines: Vec<(i64, i64)> = body
        .lignes
        .iter()
        .map(|line| (line.article_id, line.quantite))
        .collect();
    let sent = stock::sendings::send(&state.pool, shop.id, &lines).await?;
    Ok((
        StatusCode::CREATED,
        Json(SendingResponse {
            success: true,
            boutique_id: shop.id,
            articles: sent
                .into_iter()
                .map(|p| PendingView::new(p, shop))
                .collect(),
        }),
    ))
}

/// A delivery: several articles received under one delivery note, one `ENTREE` movement
/// each, all in one transaction.
#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/entrees",
    operation_id = "admin_receive_delivery",
    tag = "Administration",
    summary = "Receive a delivery",
    description = "One `ENTREE` movement per line under the delivery note, all or nothing.",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    request_body = DeliveryRequest,
    responses(
        (status = 201, description = "Received", body = DeliveryResponse),
        crate::http::openapi::refusals::AdminStock,
    ),
    security(("admin_token" = []))
)]
pub async fn receive(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<DeliveryRequest>,
) -> Result<(StatusCode, Json<DeliveryResponse>), ApiError> {
    let shop = &at.shop;
    let delivery = Delivery {
        reference_document: body.reference_document,
        commentaire: body.commentaire,
        lines: body
            .lignes
            .iter()
            .map(|line| (line.article_id, line.quantite))
            .collect(),
        utilisateur: at.admin.signature(),
        refuse_repeat: false,
    };
    let applied = stock::receive(&state.pool, shop.id, &delivery).await?;
    Ok((
        StatusCode::CREATED,
        Json(DeliveryResponse {
            success: true,
            boutique_id: shop.id,
            // As the journal holds it.
            reference_document: delivery.reference_document.trim().to_owned(),
            mouvements: applied.iter().map(AppliedView::from).collect(),
        }),
    ))
}

/// An adjustment: the stock found by counting, with the reason; one `AJUSTEMENT` movement.
#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/ajustements",
    operation_id = "admin_adjust_stock",
    tag = "Administration",
    summary = "Record a counted stock",
    description = "One `AJUSTEMENT` movement.",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    request_body = AdjustmentRequest,
    responses(
        (status = 201, description = "Adjusted", body = AdjustmentResponse),
        crate::http::openapi::refusals::AdminStock,
    ),
    security(("admin_token" = []))
)]
pub async fn adjust(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<AdjustmentRequest>,
) -> Result<(StatusCode, Json<AdjustmentResponse>), ApiError> {
    let shop = &at.shop;
    let count = Count {
        article_id: body.article_id,
        quantite_stock: body.quantite_stock,
        motif: body.motif,
        reference_document: body.reference_document,
        utilisateur: at.admin.signature(),
    };
    let applied = stock::count(&state.pool, shop.id, &count).await?;
    Ok((
        StatusCode::CREATED,
        Json(AdjustmentResponse {
            success: true,
            boutique_id: shop.id,
            mouvements: vec![AppliedView::from(&applied)],
        }),
    ))
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}/mouvements-stock",
    operation_id = "admin_list_movements",
    tag = "Administration",
    summary = "A shop's stock journal, newest first",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("article_id" = Option<i64>, Query, description = "Only this article's movements"),
        ("type_mouvement" = Option<String>, Query, description = "`ENTREE`, `SORTIE`, `AJUSTEMENT`, `VENTE` or `RETOUR`"),
        ("date_debut" = Option<String>, Query, description = "From this day (`YYYY-MM-DD`, in the shop's time zone) or instant (ISO 8601)", example = "2026-11-01"),
        ("date_fin" = Option<String>, Query, description = "To this day (included) or instant", example = "2026-11-30"),
        ("limit" = Option<i64>, Query, description = "At most this many (default 100, at most 500)", minimum = 1),
        ("offset" = Option<i64>, Query, description = "Skip this many (default 0)", minimum = 0),
    ),
    responses(
        (status = 200, description = "The movements", body = AdminMovementsResponse),
        crate::http::openapi::refusals::AdminShopList,
    ),
    security(("admin_token" = []))
)]
pub async fn movements(
    State(state): State<AppState>,
    at: AdminShop,
    params: Params,
) -> Result<Json<AdminMovementsResponse>, ApiError> {
    let shop = &at.shop;
    let filter = MovementFilter {
        dates: params.date_range(shop)?,
        article_id: params.id("article_id")?,
        type_mouvement: params.one_of("type_mouvement", MovementType::ALL)?,
    };
    let (limit, offset) = (params.limit(100, 500)?, params.offset()?);
    let (movements, total) = journal::list(&state.pool, shop.id, &filter, limit, offset).await?;
    let mouvements: Vec<MovementView> = movements
        .into_iter()
        .map(|m| MovementView::new(m, shop))
        .collect();
    Ok(Json(AdminMovementsResponse {
        success: true,
        boutique_id: shop.id,
        total,
        limit,
        offset,
        count: mouvements.len(),
        mouvements,
    }))
}
