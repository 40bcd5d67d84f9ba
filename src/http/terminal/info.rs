//! `GET terminal/<numero_serie>/`: what a till learns about itself when it is set up.

use super::gate::PathTerminal;
use axum::Json;
use serde_json::{Value, json};

#[utoipa::path(
    get,
    path = "/api/v2/simple/terminal/{numero_serie}/",
    operation_id = "terminal_info",
    tag = "Terminal",
    summary = "What a till learns about itself",
    description = "The serial in the path names the till; a serial header naming another till is \
        `404`.",
    params(
        ("numero_serie" = String, Path, description = "The till's serial", example = "0a1badae951f8473"),
    ),
    responses(
        (status = 200, description = "The till and its shop", body = crate::http::openapi::schemas::TerminalInfoResponse),
        crate::http::openapi::refusals::TerminalInfo,
    ),
    security((), ("cle_api" = []))
)]
pub async fn terminal_info(PathTerminal(terminal): PathTerminal) -> Json<Value> {
    let shop = &terminal.boutique;
    Json(json!({
        "success": true,
        "terminal": {
            "id": terminal.id,
            "numero_serie": terminal.numero_serie,
            "nom_terminal": terminal.nom_terminal,
            "est_actif": true,
            "version_app_maui": terminal.version_app_maui,
            "derniere_activite": terminal.derniere_activite.map(|at| shop.timestamp(at)),
        },
        "boutique": {
            "id": shop.id,
            "nom": shop.nom,
            "code": shop.code,
            "type_commerce": shop.type_commerce,
            "ville": shop.ville,
            "devise": shop.devise,
        },
    }))
}
