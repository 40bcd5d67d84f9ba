//! `GET pos/status/`: may this shop's tills sell. A manager stops them, and lets them sell
//! again, with the administration API (`pos_autorise` on the boutique); a 2026 till asks at
//! start-up and after each sync. The till is the gate's, named by its serial header or, for
//! the app versions that put it there, by `?numero_serie=`; an unknown or inactive till is
//! never told `POS_OK`.

use super::gate::{Terminal, header_serial, missing_serial};
use crate::code::Code;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::terminals;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::Serialize;
use std::collections::HashMap;

/// Whether the shop's tills may sell.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PosStatusResponse {
    #[schema(example = true)]
    success: bool,
    #[schema(example = true)]
    pos_allowed: bool,
    /// `POS_OK`, or `POS_DISABLED` when a manager has stopped the shop's tills.
    #[schema(example = "POS_OK")]
    code: Code,
    #[schema(example = "Caisse autorisée")]
    message: &'static str,
    #[schema(example = 1)]
    boutique_id: i64,
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/pos/status/",
    operation_id = "pos_status",
    tag = "Terminal",
    summary = "May this shop's tills sell",
    description = "The till by its `X-Device-Serial` header, else by `?numero_serie=`. An \
        unknown or inactive till is a `404 POS_UNKNOWN_BOUTIQUE`, an inactive shop a \
        `403 POS_BOUTIQUE_INACTIVE`; a shop whose manager stopped its tills answers `200` with \
        `pos_allowed: false`.",
    params(
        ("numero_serie" = Option<String>, Query, description = "The till's serial, when it sends no header", example = "0a1badae951f8473"),
        ("boutique_id" = Option<i64>, Query, description = "If given, must be the till's boutique"),
    ),
    responses(
        (status = 200, description = "Allowed (`POS_OK`) or stopped (`POS_DISABLED`)", body = PosStatusResponse),
        crate::http::openapi::refusals::PosStatus,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn pos_status(
    State(state): State<AppState>,
    parts: Parts,
) -> Result<Json<PosStatusResponse>, ApiError> {
    let query = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
        .map(|Query(q)| q)
        .unwrap_or_default();
    let serial = header_serial(&parts.headers)
        .or_else(|| {
            query
                .get("numero_serie")
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
        })
        .ok_or_else(missing_serial)?;
    let terminal = match Terminal::resolve(&parts, &state, serial).await {
        Ok(terminal) => terminal,
        Err(e) if e.code == Code::TerminalNotFound => return Err(unknown(serial)),
        Err(e) if e.code == Code::BoutiqueInactive => {
            // Rare: read the till again for the boutique the answer names.
            let boutique = terminals::identify(&state.pool, serial)
                .await?
                .map(|row| row.boutique.id);
            let message = "Boutique inactive : les ventes sont suspendues";
            return Err(
                ApiError::new(StatusCode::FORBIDDEN, Code::PosBoutiqueInactive, message)
                    .with("message", message)
                    .with("boutique_id", boutique),
            );
        }
        Err(e) => return Err(e),
    };
    let shop = &terminal.boutique;
    Ok(Json(if shop.pos_autorise {
        PosStatusResponse {
            success: true,
            pos_allowed: true,
            code: Code::PosOk,
            message: "Caisse autorisée",
            boutique_id: shop.id,
        }
    } else {
        PosStatusResponse {
            success: true,
            pos_allowed: false,
            code: Code::PosDisabled,
            message: "Caisse suspendue par le gérant : les ventes sont désactivées",
            boutique_id: shop.id,
        }
    }))
}

/// No active till has this serial: its boutique is unknown.
fn unknown(serial: &str) -> ApiError {
    let message = "Terminal inconnu ou inactif : aucune boutique associée";
    ApiError::new(StatusCode::NOT_FOUND, Code::PosUnknownBoutique, message)
        .with("message", message)
        .with("numero_serie", serial.chars().take(100).collect::<String>())
}
