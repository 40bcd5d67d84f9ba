//! `GET terminal/<numero_serie>/`: what a till learns about itself when it is set up. The
//! serial in the path names the till ([`PathTerminal`]).

use super::gate::{PathTerminal, Terminal};
use crate::boutiques::Shop;
use axum::Json;
use serde::Serialize;

/// The till and its shop.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TerminalInfoResponse {
    #[schema(example = true)]
    success: bool,
    terminal: TerminalInfo,
    boutique: TerminalInfoBoutique,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TerminalInfo {
    #[schema(example = 1)]
    id: i64,
    #[schema(example = "0a1badae951f8473")]
    numero_serie: String,
    #[schema(example = "Terminal MAUI")]
    nom_terminal: String,
    /// Always `true`: an inactive till is not found.
    #[schema(example = true)]
    est_actif: bool,
    version_app_maui: Option<String>,
    /// The till's last request, at most a minute old.
    #[schema(schema_with = crate::http::openapi::schemas::nullable_timestamp)]
    derniere_activite: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TerminalInfoBoutique {
    #[schema(example = 1)]
    id: i64,
    #[schema(example = "Ma Boutique")]
    nom: String,
    #[schema(example = "BTQ-009")]
    code: String,
    #[schema(example = "Téléphonie et accessoires")]
    type_commerce: String,
    #[schema(example = "Kinshasa")]
    ville: String,
    #[schema(example = "CDF")]
    devise: String,
}

impl TerminalInfoResponse {
    fn new(terminal: Terminal) -> Self {
        let Terminal {
            id,
            numero_serie,
            nom_terminal,
            version_app_maui,
            derniere_activite,
            boutique,
            ..
        } = terminal;
        TerminalInfoResponse {
            success: true,
            terminal: TerminalInfo {
                id,
                numero_serie,
                nom_terminal,
                est_actif: true,
                version_app_maui,
                derniere_activite: derniere_activite.map(|at| boutique.timestamp(at)),
            },
            boutique: TerminalInfoBoutique::from(boutique),
        }
    }
}

impl From<Shop> for TerminalInfoBoutique {
    fn from(shop: Shop) -> Self {
        TerminalInfoBoutique {
            id: shop.id,
            nom: shop.nom,
            code: shop.code,
            type_commerce: shop.type_commerce,
            ville: shop.ville,
            devise: shop.devise,
        }
    }
}

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
        (status = 200, description = "The till and its shop", body = TerminalInfoResponse),
        crate::http::openapi::refusals::TerminalInfo,
    ),
    security((), ("cle_api" = []))
)]
pub async fn terminal_info(PathTerminal(terminal): PathTerminal) -> Json<TerminalInfoResponse> {
    Json(TerminalInfoResponse::new(terminal))
}
