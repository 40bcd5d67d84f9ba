//! Cancelling a sale and returning articles: `POST ventes/annuler/` and `POST ventes/retour/`
//! for the till that made the sale (cancelling within `CAISSE_CANCEL_WINDOW`), and
//! `POST /api/admin/boutiques/<id>/ventes/<id>/{annuler,retour}` for administrators, at any
//! time.

use super::AppState;
use super::admin::{Admin, path_id, shop};
use super::body::{JsonBody, RawBody, parse_json};
use super::error::ApiError;
use super::idempotency;
use super::input::Input;
use super::stock::{invalid_field, stock_error};
use super::terminal::Terminal;
use crate::code::Code;
use crate::money::Money;
use crate::sales::give_back::{self, Actor, GiveBackError, GivenBack, SaleRef};
use crate::shop::Shop;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

/// The client's error for a refused cancellation or return; times in `shop`'s zone.
fn error(e: GiveBackError, shop: &Shop) -> ApiError {
    match e {
        GiveBackError::SaleNotFound => {
            ApiError::new(StatusCode::NOT_FOUND, Code::SaleNotFound, "Vente introuvable")
        }
        GiveBackError::OtherTerminal => ApiError::new(
            StatusCode::FORBIDDEN,
            Code::SaleOfAnotherTerminal,
            "Cette vente a été faite par un autre terminal",
        ),
        GiveBackError::AlreadyCancelled { date_annulation } => ApiError::new(
            StatusCode::CONFLICT,
            Code::AlreadyCancelled,
            "Cette vente est déjà annulée",
        )
        .with(
            "date_annulation",
            date_annulation.map(|at| shop.timestamp(at)),
        ),
        GiveBackError::WindowExpired => ApiError::new(
            StatusCode::FORBIDDEN,
            Code::CancelWindowExpired,
            "Le délai d'annulation depuis le terminal est dépassé : demandez à un gestionnaire",
        ),
        GiveBackError::TooMany {
            article_id,
            asked,
            returnable,
        } => ApiError::new(
            StatusCode::CONFLICT,
            Code::ReturnExceedsSale,
            format!(
                "Article {article_id} : {asked} à retourner, mais {returnable} seulement vendu(s) et pas encore retourné(s)"
            ),
        )
        .with("article_id", article_id)
        .with("quantite_demandee", asked)
        .with("quantite_retournable", returnable),
        GiveBackError::Stock(e) => stock_error(e),
        GiveBackError::Database(e) => e.into(),
    }
}

fn view(done: GivenBack, shop: &Shop) -> Json<Value> {
    Json(json!({
        "success": true,
        "boutique_id": shop.id,
        "vente": {
            "id": done.vente_id,
            "numero_facture": done.numero_facture,
            "montant_total": Money::from(done.montant_total),
            "annulee": done.date_annulation.is_some(),
            "date_annulation": done.date_annulation.map(|at| shop.timestamp(at)),
        },
        "mouvements": done.movements.iter().map(|m| json!({
            "mouvement_id": m.movement_id, "article_id": m.article_id, "article_nom": m.nom,
            "article_code": m.code, "quantite": m.stock_apres - m.stock_avant,
            "stock_avant": m.stock_avant, "stock_apres": m.stock_apres,
        })).collect::<Vec<_>>(),
    }))
}

/// The sale a till names: by `numero_facture` (its own), or by `id`.
fn sale_of_terminal(input: &Input, terminal_id: i64) -> Result<SaleRef, ApiError> {
    if let Some(numero_facture) = input.text("numero_facture", 100)? {
        return Ok(SaleRef::Invoice {
            terminal_id,
            numero_facture,
        });
    }
    match input.int("id", 1, i64::MAX)? {
        Some(id) => Ok(SaleRef::Id(id)),
        None => Err(invalid_field(
            "numero_facture",
            "le numéro de facture (ou l'id) de la vente est attendu",
        )),
    }
}

/// `lignes: [{article_id, quantite}]`, the units to return.
fn returned_units(input: &Input) -> Result<Vec<(i64, i32)>, ApiError> {
    let Some(Value::Array(lines)) = input.raw("lignes") else {
        return Err(invalid_field(
            "lignes",
            "une liste [{article_id, quantite}] est attendue",
        ));
    };
    if lines.is_empty() || lines.len() > 1000 {
        return Err(invalid_field("lignes", "de 1 à 1000 lignes sont attendues"));
    }
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let article_id = line
                .get("article_id")
                .and_then(Value::as_i64)
                .filter(|id| *id > 0)
                .ok_or_else(|| {
                    invalid_field(&format!("lignes[{i}].article_id"), "un identifiant entier")
                })?;
            let quantite = match line.get("quantite") {
                None => Some(1),
                Some(q) => q.as_i64().filter(|q| (1..=1_000_000).contains(q)),
            }
            .ok_or_else(|| {
                invalid_field(&format!("lignes[{i}].quantite"), "un entier de 1 à 1000000")
            })?;
            Ok((article_id, quantite as i32))
        })
        .collect()
}

fn till(terminal: &Terminal, state: &AppState) -> Actor {
    Actor {
        signature: terminal.nom_terminal.clone(),
        terminal_id: Some(terminal.id),
        cancel_window: Some(state.limits.cancel_window),
    }
}

#[utoipa::path(
    post,
    path = "/api/v2/simple/ventes/annuler/",
    operation_id = "cancel_sale",
    tag = "Terminal",
    summary = "Cancel a sale of this till",
    description = "Within `CAISSE_CANCEL_WINDOW` of its arrival. Each line's units go back to \
        stock (`RETOUR` movements); the sale stays, cancelled, out of every revenue.",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "One key per request the till builds, sent again with each retry of it: a retry gets the first answer back (with `Idempotent-Replayed: true`) and changes nothing"),
    ),
    request_body = crate::http::openapi::schemas::CancelRequest,
    responses(
        (status = 200, description = "Cancelled", body = crate::http::openapi::schemas::GiveBackResponse),
        crate::http::openapi::refusals::Cancel,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn cancel(
    State(state): State<AppState>,
    terminal: Terminal,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Response {
    let route = "POST /api/v2/simple/ventes/annuler";
    idempotency::respond(
        state,
        terminal,
        &headers,
        route,
        body,
        |state, terminal, body| async move {
            let input = Input::new(parse_json(&body)?, &["numero_facture", "id", "motif"])?;
            let sale = sale_of_terminal(&input, terminal.id)?;
            let reason = input.free_text("motif", 500)?.filter(|m| !m.is_empty());
            let shop = &terminal.boutique;
            let done =
                give_back::cancel(&state.pool, shop, &sale, &till(&terminal, &state), reason)
                    .await
                    .map_err(|e| error(e, shop))?;
            Ok(view(done, shop))
        },
    )
    .await
}

#[utoipa::path(
    post,
    path = "/api/v2/simple/ventes/retour/",
    operation_id = "return_articles",
    tag = "Terminal",
    summary = "Return articles of a sale",
    description = "Each unit goes back to stock with a `RETOUR` movement; a line never gives \
        back more than it sold.",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "One key per request the till builds, sent again with each retry of it: a retry gets the first answer back (with `Idempotent-Replayed: true`) and changes nothing"),
    ),
    request_body = crate::http::openapi::schemas::ReturnRequest,
    responses(
        (status = 200, description = "Returned", body = crate::http::openapi::schemas::GiveBackResponse),
        crate::http::openapi::refusals::Return,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn return_articles(
    State(state): State<AppState>,
    terminal: Terminal,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Response {
    let route = "POST /api/v2/simple/ventes/retour";
    idempotency::respond(
        state,
        terminal,
        &headers,
        route,
        body,
        |state, terminal, body| async move {
            let input = Input::new(
                parse_json(&body)?,
                &["numero_facture", "id", "lignes", "motif"],
            )?;
            let sale = sale_of_terminal(&input, terminal.id)?;
            let units = returned_units(&input)?;
            let reason = input.free_text("motif", 500)?.filter(|m| !m.is_empty());
            let shop = &terminal.boutique;
            let actor = Actor {
                terminal_id: None,
                ..till(&terminal, &state)
            };
            let done = give_back::return_articles(&state.pool, shop, &sale, &actor, &units, reason)
                .await
                .map_err(|e| error(e, shop))?;
            Ok(view(done, shop))
        },
    )
    .await
}

fn administrator(admin: &Admin) -> Actor {
    Actor {
        signature: admin.signature(),
        terminal_id: None,
        cancel_window: None,
    }
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/ventes/{vente_id}/annuler",
    operation_id = "admin_cancel_sale",
    tag = "Administration",
    summary = "Cancel a sale, at any time",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("vente_id" = i64, Path, description = "The sale"),
    ),
    request_body = crate::http::openapi::schemas::AdminCancelRequest,
    responses(
        (status = 200, description = "Cancelled", body = crate::http::openapi::schemas::GiveBackResponse),
        crate::http::openapi::refusals::AdminGiveBack,
    ),
    security(("admin_token" = []))
)]
pub async fn admin_cancel(
    State(state): State<AppState>,
    admin: Admin,
    Path((boutique_id, vente_id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let id = path_id(&vente_id, "Vente introuvable")?;
    let input = Input::new(body, &["motif"])?;
    let reason = input.free_text("motif", 500)?.filter(|m| !m.is_empty());
    let done = give_back::cancel(
        &state.pool,
        &shop,
        &SaleRef::Id(id),
        &administrator(&admin),
        reason,
    )
    .await
    .map_err(|e| error(e, &shop))?;
    Ok(view(done, &shop))
}

#[utoipa::path(
    post,
    path = "/api/admin/boutiques/{boutique_id}/ventes/{vente_id}/retour",
    operation_id = "admin_return_articles",
    tag = "Administration",
    summary = "Return articles of a sale",
    params(
        ("boutique_id" = i64, Path, description = "The boutique", example = 1),
        ("vente_id" = i64, Path, description = "The sale"),
    ),
    request_body = crate::http::openapi::schemas::AdminReturnRequest,
    responses(
        (status = 200, description = "Returned", body = crate::http::openapi::schemas::GiveBackResponse),
        crate::http::openapi::refusals::AdminGiveBack,
    ),
    security(("admin_token" = []))
)]
pub async fn admin_return(
    State(state): State<AppState>,
    admin: Admin,
    Path((boutique_id, vente_id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let shop = shop(&state.pool, &boutique_id).await?;
    let id = path_id(&vente_id, "Vente introuvable")?;
    let input = Input::new(body, &["lignes", "motif"])?;
    let units = returned_units(&input)?;
    let reason = input.free_text("motif", 500)?.filter(|m| !m.is_empty());
    let done = give_back::return_articles(
        &state.pool,
        &shop,
        &SaleRef::Id(id),
        &administrator(&admin),
        &units,
        reason,
    )
    .await
    .map_err(|e| error(e, &shop))?;
    Ok(view(done, &shop))
}
