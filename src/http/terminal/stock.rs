//! The stock journal (`GET mouvements-stock/`) and a till's stock count
//! (`PUT articles/<id>/stock/`).

use super::gate::{Terminal, boutique_mismatch};
use crate::http::AppState;
use crate::http::error::{ApiError, article_not_found};
use crate::http::extract::{JsonBody, Params};
use crate::http::views::MovementView;
use crate::sales::parse::sent_id;
use crate::stock::journal::{self, MovementFilter};
use crate::stock::{self, Applied, Count, MovementType};
use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use serde_json::Value;

/// The shop's stock journal, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MovementsResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = 1)]
    boutique_id: i64,
    #[schema(example = "Ma Boutique")]
    boutique_nom: String,
    #[schema(example = 1)]
    count: usize,
    mouvements: Vec<MovementView>,
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/mouvements-stock/",
    operation_id = "stock_movements",
    tag = "Terminal",
    summary = "The stock journal, newest first",
    params(
        ("article_id" = Option<i64>, Query, description = "Only this article's movements"),
        ("type_mouvement" = Option<String>, Query, description = "`ENTREE`, `SORTIE`, `AJUSTEMENT`, `VENTE` or `RETOUR`"),
        ("date_debut" = Option<String>, Query, description = "From this day (`YYYY-MM-DD`, in the shop's time zone) or instant (ISO 8601)", example = "2026-11-01"),
        ("date_fin" = Option<String>, Query, description = "To this day (included) or instant", example = "2026-11-30"),
        ("limit" = Option<i64>, Query, description = "At most this many (default 100, at most 500)", minimum = 1),
    ),
    responses(
        (status = 200, description = "The movements", body = MovementsResponse),
        crate::http::openapi::refusals::Listing,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn movements(
    State(state): State<AppState>,
    terminal: Terminal,
    params: Params,
) -> Result<Json<MovementsResponse>, ApiError> {
    let shop = &terminal.boutique;
    let filter = MovementFilter {
        dates: params.date_range(shop)?,
        article_id: params.id("article_id")?,
        type_mouvement: params.one_of("type_mouvement", MovementType::ALL)?,
    };
    let limit = params.limit(100, 500)?;
    let (movements, _) = journal::list(&state.pool, shop.id, &filter, limit, 0).await?;
    let movements: Vec<MovementView> = movements
        .into_iter()
        .map(|m| MovementView::new(m, shop))
        .collect();
    Ok(Json(MovementsResponse {
        success: true,
        boutique_id: shop.id,
        boutique_nom: shop.nom.clone(),
        count: movements.len(),
        mouvements: movements,
    }))
}

/// A stock count as applied.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StockCountResponse {
    #[schema(example = true)]
    success: bool,
    article: StockCountArticle,
    #[schema(example = 1)]
    boutique_id: i64,
}

/// The article counted, with its stock before and after.
#[derive(Serialize, utoipa::ToSchema)]
pub struct StockCountArticle {
    #[schema(example = 1)]
    id: i64,
    #[schema(example = "Chargeur USB-C 25 W")]
    nom: String,
    #[schema(example = "CHG-001")]
    code: String,
    #[schema(example = 100)]
    ancienne_quantite: i32,
    #[schema(example = 50)]
    nouvelle_quantite: i32,
    #[schema(example = -50)]
    difference: i32,
}

impl From<Applied> for StockCountArticle {
    fn from(applied: Applied) -> Self {
        StockCountArticle {
            id: applied.article_id,
            nom: applied.nom,
            code: applied.code,
            ancienne_quantite: applied.stock_avant,
            nouvelle_quantite: applied.stock_apres,
            difference: applied.stock_apres - applied.stock_avant,
        }
    }
}

/// An article id from the path: anything but a positive whole number names no article.
fn article_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| article_not_found(None))
}

/// A stock count from the till: sets the article's stock, with an `AJUSTEMENT` movement.
#[utoipa::path(
    put,
    path = "/api/v2/simple/articles/{article_id}/stock/",
    operation_id = "set_stock",
    tag = "Terminal",
    summary = "A stock count from the till",
    description = "The article is locked, its stock set, and an `AJUSTEMENT` movement written.",
    params(("article_id" = i64, Path, description = "The article", example = 1)),
    request_body = crate::http::openapi::schemas::StockCountRequest,
    responses(
        (status = 200, description = "Stock set", body = StockCountResponse),
        crate::http::openapi::refusals::SetStock,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn set_stock(
    State(state): State<AppState>,
    terminal: Terminal,
    Path(raw_id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<StockCountResponse>, ApiError> {
    let article_id = article_id(&raw_id)?;
    // A boutique named in the body is never a way into another shop.
    match body.get("boutique_id") {
        None | Some(Value::Null) => {}
        Some(sent) => match sent_id(sent) {
            Some(id) if id == terminal.boutique.id => {}
            Some(_) => return Err(boutique_mismatch()),
            None => {
                return Err(ApiError::invalid_field(
                    "boutique_id",
                    "un entier est attendu",
                ));
            }
        },
    }
    let quantite = body
        .get("quantite_stock")
        .and_then(Value::as_i64)
        .filter(|q| (0..=stock::MAX_STOCK).contains(q))
        .ok_or_else(|| {
            ApiError::invalid_field(
                "quantite_stock",
                &format!("un entier de 0 à {} est attendu", stock::MAX_STOCK),
            )
        })?;
    let comment = match body.get("commentaire").or_else(|| body.get("motif")) {
        None | Some(Value::Null) => "Inventaire depuis le terminal".to_owned(),
        Some(Value::String(s)) if s.chars().count() <= 500 => s.trim().to_owned(),
        Some(_) => {
            return Err(ApiError::invalid_field(
                "commentaire",
                "un texte de 500 caractères au plus",
            ));
        }
    };
    let shop = &terminal.boutique;
    let applied = stock::count(
        &state.pool,
        shop.id,
        &Count {
            article_id,
            quantite_stock: quantite,
            motif: comment,
            reference_document: None,
            utilisateur: terminal.nom_terminal.clone(),
        },
    )
    .await?;
    Ok(Json(StockCountResponse {
        success: true,
        article: StockCountArticle::from(applied),
        boutique_id: shop.id,
    }))
}
