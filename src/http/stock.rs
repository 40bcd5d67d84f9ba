//! The stock journal (`GET mouvements-stock/`) and a till's stock count
//! (`PUT articles/<id>/stock/`).

use super::AppState;
use super::body::JsonBody;
use super::error::ApiError;
use super::params::{DateRange, Params};
use super::terminal::{Terminal, boutique_mismatch};
use crate::code::Code;
use crate::sales::parse::sent_id;
use crate::shop::Shop;
use crate::stock::{self, Change, MovementType, StockChange, StockError};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgPool;

/// Most units an article may be counted at.
const MAX_STOCK: i64 = 1_000_000_000;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MovementView {
    pub id: i64,
    pub article_id: i64,
    pub article_nom: String,
    pub article_code: String,
    pub type_mouvement: String,
    pub quantite: i32,
    pub stock_avant: i32,
    pub stock_apres: i32,
    pub reference_document: Option<String>,
    pub commentaire: Option<String>,
    pub date_mouvement: String,
    pub utilisateur: Option<String>,
}

#[derive(Debug, Default)]
pub struct MovementFilter {
    pub dates: DateRange,
    pub article_id: Option<i64>,
    pub type_mouvement: Option<&'static str>,
}

impl MovementFilter {
    pub fn from_params(params: &Params, shop: &Shop) -> Result<Self, ApiError> {
        Ok(MovementFilter {
            dates: params.date_range(shop)?,
            article_id: params.id("article_id")?,
            type_mouvement: params.one_of("type_mouvement", MovementType::ALL)?,
        })
    }
}

/// A page of the shop's movements matching `filter`, newest first, and how many match.
pub async fn list_movements(
    pool: &PgPool,
    shop: &Shop,
    filter: &MovementFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<MovementView>, i64), sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT m.id, m.article_id, a.nom, a.code, m.type_mouvement, m.quantite, m.stock_avant,
                  m.stock_apres, m.reference_document, m.commentaire, m.date_mouvement,
                  m.utilisateur, count(*) OVER () AS "total!"
           FROM mouvements_stock m
           JOIN articles a ON a.boutique_id = m.boutique_id AND a.id = m.article_id
           WHERE m.boutique_id = $1
             AND ($2::int8 IS NULL OR m.article_id = $2)
             AND ($3::text IS NULL OR m.type_mouvement = $3)
             AND ($4::timestamptz IS NULL OR m.date_mouvement >= $4)
             AND ($5::timestamptz IS NULL OR m.date_mouvement < $5)
           ORDER BY m.id DESC
           LIMIT $6 OFFSET $7"#,
        shop.id,
        filter.article_id,
        filter.type_mouvement,
        filter.dates.start,
        filter.dates.end,
        limit,
        offset
    )
    .fetch_all(pool)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    let movements = rows
        .into_iter()
        .map(|m| MovementView {
            id: m.id,
            article_id: m.article_id,
            article_nom: m.nom,
            article_code: m.code,
            type_mouvement: m.type_mouvement,
            quantite: m.quantite,
            stock_avant: m.stock_avant,
            stock_apres: m.stock_apres,
            reference_document: m.reference_document,
            commentaire: m.commentaire,
            date_mouvement: shop.timestamp(m.date_mouvement),
            utilisateur: m.utilisateur,
        })
        .collect();
    Ok((movements, total))
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
        (status = 200, description = "The movements", body = crate::http::openapi::schemas::MovementsResponse),
        crate::http::openapi::refusals::Listing,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn movements(
    State(state): State<AppState>,
    terminal: Terminal,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let shop = &terminal.boutique;
    let filter = MovementFilter::from_params(&params, shop)?;
    let limit = params.limit(100, 500)?;
    let (movements, _) = list_movements(&state.pool, shop, &filter, limit, 0).await?;
    Ok(Json(json!({
        "success": true,
        "boutique_id": shop.id,
        "boutique_nom": shop.nom,
        "count": movements.len(),
        "mouvements": movements,
    })))
}

/// `article_id` is the article asked for, `None` when the path named no article at all.
pub fn article_not_found(article_id: Option<i64>) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        Code::ArticleNotFound,
        "Article introuvable dans cette boutique",
    )
    .with("article_id", article_id)
}

/// Maps a failed stock change to the client's error.
pub fn stock_error(error: StockError) -> ApiError {
    match error {
        StockError::ArticleNotFound(id) => article_not_found(Some(id)),
        StockError::OutOfRange { article_id } => ApiError::bad_request(
            Code::InvalidFormat,
            "Le stock ne peut pas devenir négatif ni dépasser la limite",
        )
        .with("article_id", article_id),
        StockError::Database(e) => e.into(),
    }
}

/// An article id from the path: anything but a positive whole number names no article.
pub fn article_id(raw: &str) -> Result<i64, ApiError> {
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
        (status = 200, description = "Stock set", body = crate::http::openapi::schemas::StockCountResponse),
        crate::http::openapi::refusals::SetStock,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn set_stock(
    State(state): State<AppState>,
    terminal: Terminal,
    Path(raw_id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let article_id = article_id(&raw_id)?;
    // A boutique named in the body is never a way into another shop.
    match body.get("boutique_id") {
        None | Some(Value::Null) => {}
        Some(sent) => match sent_id(sent) {
            Some(id) if id == terminal.boutique.id => {}
            Some(_) => return Err(boutique_mismatch()),
            None => return Err(invalid_field("boutique_id", "un entier est attendu")),
        },
    }
    let quantite = body
        .get("quantite_stock")
        .and_then(Value::as_i64)
        .filter(|q| (0..=MAX_STOCK).contains(q))
        .ok_or_else(|| {
            invalid_field(
                "quantite_stock",
                &format!("un entier de 0 à {MAX_STOCK} est attendu"),
            )
        })?;
    let comment = match body.get("commentaire").or_else(|| body.get("motif")) {
        None | Some(Value::Null) => "Inventaire depuis le terminal".to_owned(),
        Some(Value::String(s)) if s.chars().count() <= 500 => s.trim().to_owned(),
        Some(_) => {
            return Err(invalid_field(
                "commentaire",
                "un texte de 500 caractères au plus",
            ));
        }
    };
    let shop = &terminal.boutique;
    let mut tx = state.pool.begin().await?;
    let applied = stock::apply(
        &mut tx,
        shop.id,
        &[StockChange {
            article_id,
            kind: MovementType::Ajustement,
            change: Change::SetTo(quantite as i32),
            reference_document: None,
            utilisateur: terminal.nom_terminal.clone(),
            commentaire: Some(comment),
            sale_line: None,
        }],
    )
    .await
    .map_err(stock_error)?
    .remove(0);
    tx.commit().await?;
    Ok(Json(json!({
        "success": true,
        "article": {
            "id": applied.article_id,
            "nom": applied.nom,
            "code": applied.code,
            "ancienne_quantite": applied.stock_avant,
            "nouvelle_quantite": applied.stock_apres,
            "difference": applied.stock_apres - applied.stock_avant,
        },
        "boutique_id": shop.id,
    })))
}

/// A body field that is missing or unusable, named.
pub fn invalid_field(name: &str, expected: &str) -> ApiError {
    ApiError::bad_request(
        Code::InvalidFormat,
        format!("Champ '{name}' invalide : {expected}"),
    )
    .with("champ", name)
}
