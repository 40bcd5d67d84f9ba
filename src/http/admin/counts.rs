//! Count sessions of a boutique (`…/comptages`): opened, counted line by line (possibly by
//! several people at once), then applied or abandoned. The rule that keeps late offline
//! sales from spoiling a count is in [`crate::stock::counts`].

use super::AdminShop;
use crate::boutiques::Shop;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Body, Params};
use crate::stock::counts::{self, Line, Session};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const COUNT_MISSING: &str = "Comptage introuvable dans cette boutique";

/// A count session to open.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenInventoryRequest {
    /// At most 500 characters.
    #[schema(example = "Inventaire de fin de mois")]
    commentaire: Option<String>,
}

/// Articles counted: what is on the shelf now.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InventoryLinesRequest {
    /// 1 to 1,000 lines; an article counted again replaces its line.
    lignes: Vec<InventoryLine>,
}

/// One article counted.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InventoryLine {
    #[schema(example = 1)]
    article_id: i64,
    /// Units on the shelf.
    #[schema(example = 12, minimum = 0, maximum = 1_000_000_000)]
    quantite: i64,
}

/// A count session.
#[derive(Serialize, ToSchema)]
pub struct InventoryView {
    #[schema(example = 3)]
    id: i64,
    /// `OUVERT`, `APPLIQUE` or `ABANDONNE`.
    #[schema(example = "OUVERT")]
    statut: String,
    commentaire: Option<String>,
    #[schema(example = "admin:gerant")]
    ouvert_par: String,
    #[schema(example = "2026-12-04T12:00:00+01:00")]
    date_ouverture: String,
    cloture_par: Option<String>,
    date_cloture: Option<String>,
    #[schema(example = 1)]
    nombre_lignes: i64,
    /// Empty in a listing.
    lignes: Vec<InventoryLineView>,
}

/// A counted article.
#[derive(Serialize, ToSchema)]
pub struct InventoryLineView {
    #[schema(example = 1)]
    article_id: i64,
    #[schema(example = "CHG-001")]
    article_code: String,
    #[schema(example = "Chargeur USB-C 25 W")]
    article_nom: String,
    #[schema(example = 12)]
    quantite_comptee: i32,
    /// When it was counted: the instant sales are compared with.
    #[schema(example = "2026-12-04T12:05:00+01:00")]
    compte_a: String,
    #[schema(example = "admin:gerant")]
    compte_par: String,
    /// The article's stock now.
    #[schema(example = 14)]
    stock_actuel: i32,
    /// Once applied: the stock before and after, and the movement (`null` when a later
    /// count of the article had superseded this line).
    stock_avant: Option<i32>,
    stock_apres: Option<i32>,
    mouvement_id: Option<i64>,
}

impl InventoryView {
    fn new(session: Session, shop: &Shop) -> Self {
        InventoryView {
            id: session.id,
            statut: session.statut,
            commentaire: session.commentaire,
            ouvert_par: session.ouvert_par,
            date_ouverture: shop.timestamp(session.date_ouverture),
            cloture_par: session.cloture_par,
            date_cloture: session.date_cloture.map(|d| shop.timestamp(d)),
            nombre_lignes: session.nombre_lignes,
            lignes: session
                .lignes
                .into_iter()
                .map(|l| InventoryLineView::new(l, shop))
                .collect(),
        }
    }
}

impl InventoryLineView {
    fn new(line: Line, shop: &Shop) -> Self {
        InventoryLineView {
            article_id: line.article_id,
            article_code: line.code,
            article_nom: line.nom,
            quantite_comptee: line.quantite_comptee,
            compte_a: shop.timestamp(line.compte_a),
            compte_par: line.compte_par,
            stock_actuel: line.stock_actuel,
            stock_avant: line.stock_avant,
            stock_apres: line.stock_apres,
            mouvement_id: line.mouvement_id,
        }
    }
}

/// One count session.
#[derive(Serialize, ToSchema)]
pub struct InventoryResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    boutique_id: i64,
    comptage: InventoryView,
}

/// A shop's count sessions, newest first.
#[derive(Serialize, ToSchema)]
pub struct InventoriesResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    boutique_id: i64,
    #[schema(example = 1)]
    count: usize,
    comptages: Vec<InventoryView>,
}

fn answer(shop: &Shop, session: Session) -> Json<InventoryResponse> {
    Json(InventoryResponse {
        success: true,
        boutique_id: shop.id,
        comptage: InventoryView::new(session, shop),
    })
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/comptages",
    operation_id = "admin_open_count",
    tag = "Administration",
    summary = "Open a count session",
    description = "One session at a time per shop: another open one is `409 ALREADY_EXISTS` \
        with its `comptage_id`.",
    params(("boutique_id" = i64, Path, description = "The boutique", example = 1)),
    request_body = OpenInventoryRequest,
    responses(
        (status = 201, description = "Opened", body = InventoryResponse),
        crate::http::openapi::refusals::AdminCount,
    ),
    security(("admin_token" = []))
)]
pub async fn open(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<OpenInventoryRequest>,
) -> Result<(StatusCode, Json<InventoryResponse>), ApiError> {
    let session = counts::open(
        &state.pool,
        at.shop.id,
        &at.admin.signature(),
        body.commentaire.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, answer(&at.shop, session)))
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}/comptages",
    operation_id = "admin_list_counts",
    tag = "Administration",
    summary = "A shop's count sessions, newest first",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("limit" = Option<i64>, Query, description = "At most this many (default 20, at most 100)", minimum = 1),
    ),
    responses(
        (status = 200, description = "The sessions", body = InventoriesResponse),
        crate::http::openapi::refusals::AdminShopList,
    ),
    security(("admin_token" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    at: AdminShop,
    params: Params,
) -> Result<Json<InventoriesResponse>, ApiError> {
    let limit = params.limit(20, counts::MAX_LISTED)?;
    let sessions = counts::list(&state.pool, at.shop.id, limit).await?;
    let comptages: Vec<InventoryView> = sessions
        .into_iter()
        .map(|s| InventoryView::new(s, &at.shop))
        .collect();
    Ok(Json(InventoriesResponse {
        success: true,
        boutique_id: at.shop.id,
        count: comptages.len(),
        comptages,
    }))
}

#[utoipa::path(
    get,
    path = "/api/admin/boutiques/{boutique_id}/comptages/{comptage_id}",
    operation_id = "admin_show_count",
    tag = "Administration",
    summary = "A count session with its lines",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("comptage_id" = i64, Path, description = "The session", example = 3),
    ),
    responses(
        (status = 200, description = "The session", body = InventoryResponse),
        crate::http::openapi::refusals::AdminCount,
    ),
    security(("admin_token" = []))
)]
pub async fn show(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<InventoryResponse>, ApiError> {
    let id = at.id("comptage_id", COUNT_MISSING)?;
    let session = counts::show(&state.pool, at.shop.id, id).await?;
    Ok(answer(&at.shop, session))
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/comptages/{comptage_id}/lignes",
    operation_id = "admin_count_lines",
    tag = "Administration",
    summary = "Record counted articles",
    description = "Each line is counted now (the instant kept with it); an article counted \
        again replaces its line. Only while the session is open (`409 COUNT_CLOSED`).",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("comptage_id" = i64, Path, description = "The session", example = 3),
    ),
    request_body = InventoryLinesRequest,
    responses(
        (status = 200, description = "The session with its lines", body = InventoryResponse),
        crate::http::openapi::refusals::AdminCount,
    ),
    security(("admin_token" = []))
)]
pub async fn record(
    State(state): State<AppState>,
    at: AdminShop,
    Body(body): Body<InventoryLinesRequest>,
) -> Result<Json<InventoryResponse>, ApiError> {
    let id = at.id("comptage_id", COUNT_MISSING)?;
    let lines: Vec<(i64, i64)> = body
        .lignes
        .iter()
        .map(|l| (l.article_id, l.quantite))
        .collect();
    let session =
        counts::record(&state.pool, at.shop.id, id, &lines, &at.admin.signature()).await?;
    Ok(answer(&at.shop, session))
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/comptages/{comptage_id}/appliquer",
    operation_id = "admin_apply_count",
    tag = "Administration",
    summary = "Apply a count session",
    description = "Each counted article's stock becomes what was counted plus what moved \
        after its count time; one `AJUSTEMENT` movement under `INVENTAIRE-<id>` each. Articles \
        not counted are left alone. A sale made before an article's count time that reaches \
        the server later is recorded without taking that article's stock again.",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("comptage_id" = i64, Path, description = "The session", example = 3),
    ),
    responses(
        (status = 200, description = "Applied", body = InventoryResponse),
        crate::http::openapi::refusals::AdminCount,
    ),
    security(("admin_token" = []))
)]
pub async fn apply(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<InventoryResponse>, ApiError> {
    let id = at.id("comptage_id", COUNT_MISSING)?;
    let session = counts::apply(&state.pool, at.shop.id, id, &at.admin.signature()).await?;
    Ok(answer(&at.shop, session))
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/comptages/{comptage_id}/abandonner",
    operation_id = "admin_abandon_count",
    tag = "Administration",
    summary = "Abandon a count session",
    description = "Nothing it counted changes the stock.",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("comptage_id" = i64, Path, description = "The session", example = 3),
    ),
    responses(
        (status = 200, description = "Abandoned", body = InventoryResponse),
        crate::http::openapi::refusals::AdminCount,
    ),
    security(("admin_token" = []))
)]
pub async fn abandon(
    State(state): State<AppState>,
    at: AdminShop,
) -> Result<Json<InventoryResponse>, ApiError> {
    let id = at.id("comptage_id", COUNT_MISSING)?;
    let session = counts::abandon(&state.pool, at.shop.id, id, &at.admin.signature()).await?;
    Ok(answer(&at.shop, session))
}
