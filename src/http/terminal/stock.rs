//! The stock journal (`GET mouvements-stock/`) and a till's stock count
//! (`PUT articles/<id>/stock/`), a count of one line ([`counts::count_now`]).
//! A `boutique_id` in the count's body is never a way into another shop.

use super::gate::{NamedBoutique, Terminal};
use crate::field::Invalid;
use crate::http::AppState;
use crate::http::error::{ApiError, article_not_found};
use crate::http::extract::{Body, Params};
use crate::http::views::MovementView;
use crate::stock::counts::{self, CountError};
use crate::stock::journal::{self, MovementFilter};
use crate::stock::{self, Applied, MovementType, StockError};
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};

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

/// A stock count from the till: the article's stock is set to it, with an `AJUSTEMENT`
/// movement.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockCountRequest {
    /// The stock counted.
    #[schema(example = 50, minimum = 0, maximum = 1_000_000_000)]
    quantite_stock: i64,
    /// Why (also accepted as `motif`); default "Inventaire depuis le terminal".
    #[serde(alias = "motif")]
    #[schema(example = "Inventaire du soir")]
    commentaire: Option<String>,
    /// If sent, the till's own boutique; another is refused (`403 BOUTIQUE_MISMATCH`).
    #[schema(value_type = Option<i64>)]
    boutique_id: Option<NamedBoutique>,
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

/// A refused count, naming the field as the tills do: the domain's `motif` is their
/// `commentaire`.
fn in_till_words(error: CountError) -> ApiError {
    match error {
        CountError::Stock(StockError::Invalid(invalid)) if invalid.field == "motif" => {
            ApiError::from(Invalid {
                field: "commentaire".to_owned(),
                ..invalid
            })
        }
        error => error.into(),
    }
}

/// An article id from the path: anything but a positive whole number names no article.
fn article_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| article_not_found(None))
}

#[utoipa::path(
    put,
    path = "/api/v2/simple/articles/{article_id}/stock/",
    operation_id = "set_stock",
    tag = "Terminal",
    summary = "A stock count from the till",
    description = "A count of one line, applied at once: the article is locked, its stock set, \
        an `AJUSTEMENT` movement written under `INVENTAIRE-<n>`, and the count's instant kept: a \
        sale made before it that reaches the server later does not take the article's stock again.",
    params(("article_id" = i64, Path, description = "The article", example = 1)),
    request_body = StockCountRequest,
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
    Body(count): Body<StockCountRequest>,
) -> Result<Json<StockCountResponse>, ApiError> {
    let article_id = article_id(&raw_id)?;
    terminal.own_boutique(count.boutique_id)?;
    let shop = &terminal.boutique;
    // A one-line count: sales made before it that reach the server later do not take the
    // article's stock again.
    let applied = counts::count_now(
        &state.pool,
        shop.id,
        article_id,
        count.quantite_stock,
        &terminal.nom_terminal,
        // A till that says nothing (or an empty comment) counted for an inventory.
        &count
            .commentaire
            .filter(|c| !c.trim().is_empty())
            .unwrap_or_else(|| "Inventaire depuis le terminal".to_owned()),
    )
    .await
    .map_err(in_till_words)?;
    Ok(Json(StockCountResponse {
        success: true,
        article: StockCountArticle::from(applied),
        boutique_id: shop.id,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::extract::read_body;

    fn field_at_fault(body: &str) -> String {
        let refused = read_body::<StockCountRequest>(body.as_bytes()).err();
        let refused = refused.unwrap_or_else(|| panic!("{body} was read"));
        refused.extra["champ"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn a_stock_count_is_read_as_the_tills_send_it() {
        let count: StockCountRequest =
            read_body(br#"{"quantite_stock": 3, "motif": "Inventaire", "boutique_id": "7"}"#)
                .unwrap();
        assert_eq!(count.quantite_stock, 3);
        assert_eq!(count.commentaire.as_deref(), Some("Inventaire"));
        assert!(count.boutique_id.is_some());
        let count: StockCountRequest =
            read_body(br#"{"quantite_stock": 0, "boutique_id": null}"#).unwrap();
        assert!(count.boutique_id.is_none() && count.commentaire.is_none());

        for (body, field) in [
            (r#"{"quantite_stock": "12"}"#, "quantite_stock"),
            (r#"{"quantite_stock": 1.5}"#, "quantite_stock"),
            (r#"{}"#, "quantite_stock"),
            (
                r#"{"quantite_stock": 3, "boutique_id": "BTQ-009"}"#,
                "boutique_id",
            ),
            (r#"{"quantite_stock": 3, "commentaire": 5}"#, "commentaire"),
            (r#"{"quantite_stock": 3, "remarque": "x"}"#, "remarque"),
        ] {
            assert_eq!(field_at_fault(body), field, "{body}");
        }
        let too_long = CountError::Stock(StockError::Invalid(Invalid::new(
            "motif",
            "500 caractères au plus",
        )));
        assert_eq!(in_till_words(too_long).extra["champ"], "commentaire");
    }
}

/// Units a till adds to an article that sales left short.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct RegulariseRequest {
    #[schema(example = 3)]
    article_id: i64,
    /// Units added, from 1.
    #[schema(example = 5, minimum = 1, maximum = 1_000_000)]
    quantite_ajout: i64,
    /// Kept with the movement and on the alerts it closes.
    #[schema(example = "Carton retrouvé en réserve")]
    notes: Option<String>,
}

/// What the regularisation did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RegulariseResponse {
    #[schema(example = true)]
    success: bool,
    article: RegularisedArticle,
    stock_avant: i32,
    quantite_ajoutee: i32,
    stock_apres: i32,
    /// The article's open stock alerts, closed by it.
    alertes_resolues: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RegularisedArticle {
    id: i64,
    nom: String,
    code: String,
}

#[utoipa::path(
    post,
    path = "/api/v2/simple/analyse/regulariser/",
    operation_id = "regularise_stock",
    tag = "Terminal",
    summary = "Add units to an article that sales left short, closing its stock alerts",
    description = "One `ENTREE` movement (reference `REGUL-<till>-<local time>`) under the \
        article's lock, and the article's open stock alerts closed with the notes, together.",
    request_body = RegulariseRequest,
    responses(
        (status = 200, description = "Added", body = RegulariseResponse),
        crate::http::openapi::refusals::Regularise,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn regularise(
    State(state): State<AppState>,
    terminal: Terminal,
    Body(body): Body<RegulariseRequest>,
) -> Result<Json<RegulariseResponse>, ApiError> {
    let article_id = crate::field::id("article_id", body.article_id)?;
    let quantite = crate::field::int(
        "quantite_ajout",
        body.quantite_ajout,
        1,
        stock::MAX_RECEIVED,
    )? as i32;
    let notes = body
        .notes
        .as_deref()
        .map(|n| crate::field::free_text("notes", n, 500))
        .transpose()?
        .filter(|n| !n.is_empty());
    let shop = &terminal.boutique;
    let name: String = terminal.nom_terminal.chars().take(40).collect();
    let reference = format!(
        "REGUL-{name}-{}",
        chrono::Utc::now()
            .with_timezone(&shop.time_zone)
            .format("%Y%m%d%H%M%S")
    );
    let (applied, closed) = stock::regularise(
        &state.pool,
        shop.id,
        article_id,
        quantite,
        &reference,
        &terminal.nom_terminal,
        notes.as_deref(),
    )
    .await
    .map_err(|e| match e {
        StockError::ArticleNotFound(id) => article_not_found(Some(id)),
        other => other.into(),
    })?;
    Ok(Json(RegulariseResponse {
        success: true,
        stock_avant: applied.stock_avant,
        quantite_ajoutee: applied.stock_apres - applied.stock_avant,
        stock_apres: applied.stock_apres,
        alertes_resolues: closed,
        article: RegularisedArticle {
            id: applied.article_id,
            nom: applied.nom,
            code: applied.code,
        },
    }))
}
