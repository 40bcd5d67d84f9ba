//! `GET terminal/<numero_serie>/`: what a till learns about itself when it is set up.

use super::terminal::PathTerminal;
use axum::Json;
use serde_json::{Value, json};

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
