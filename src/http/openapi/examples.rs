//! Whole answers of the main endpoints, as the demo data gives them, shown by Swagger UI and
//! Postman instead of examples pieced together field by field. A test checks each against
//! its response's schema, as strictly as real answers.

use serde_json::{Value, json};
use utoipa::Modify;
use utoipa::openapi::{OpenApi, RefOr};

/// (path, method, status, example)
fn examples() -> Vec<(&'static str, &'static str, u16, Value)> {
    let charger_sale_line = json!({
        "article_id": 1, "article_nom": "Chargeur USB-C 25 W", "quantite": 2,
        "article_code": "CHG-001", "prix_unitaire": "25000.00", "sous_total": "50000.00",
        "devise": "CDF", "prix_unitaire_usd": null, "variante_id": null,
    });
    vec![
        (
            "/api/v2/simple/ventes/sync/",
            "post",
            201,
            json!({
                "success": true,
                "message": "1 vente(s) synchronisée(s) avec succès",
                "ventes_creees": 1,
                "ventes_erreurs": 0,
                "details": {
                    "creees": [{
                        "index": 1, "numero_facture": "FAC-20241104-001", "status": "created",
                        "id": 1, "boutique_id": 1, "boutique_nom": "Ma Boutique",
                        "montant_total": "50000.00", "date_vente": "2026-11-25T14:03:00+01:00",
                        "devise": "CDF", "taux_dollar": "2800.00", "montant_total_usd": null,
                        "lignes_count": 1, "lignes": [charger_sale_line],
                    }],
                    "erreurs": [],
                },
                "boutique": {"id": 1, "nom": "Ma Boutique", "code": "BTQ-009"},
                "terminal": {"id": 1, "nom": "Terminal MAUI", "numero_serie": "0a1badae951f8473"},
                "statistiques": {
                    "total_envoyees": 1, "reussies": 1, "erreurs": 0,
                    "articles_stock_bas": 3, "articles_stock_zero": 1, "alerte_stock": true,
                },
                "accepted": ["FAC-20241104-001"],
                "rejected": [],
                "stock_updates": [{
                    "article_id": 1, "code": "CHG-001", "nom": "Chargeur USB-C 25 W",
                    "stock_actuel": 98, "prix_actuel": "25000.00", "est_actif": true,
                }],
            }),
        ),
        (
            "/api/v2/simple/articles/",
            "get",
            200,
            json!({
                "success": true, "count": 1, "boutique_id": 1, "boutique_nom": "Ma Boutique",
                "articles": [{
                    "id": 1, "code": "CHG-001", "nom": "Chargeur USB-C 25 W", "description": "",
                    "prix_vente": "25000.00", "prix_achat": "18000.00", "categorie_id": 2,
                    "categorie_nom": "Accessoires", "categorie": {"id": 2, "nom": "Accessoires"},
                    "quantite_stock": 100, "est_actif": true, "qr_code_url": null,
                    "image_url": null,
                    "full_details": {
                        "nom_complet": "Chargeur USB-C 25 W (CHG-001)",
                        "prix_vente_formate": "25000.00 CDF", "stock_disponible": 100,
                        "categorie": "Accessoires",
                    },
                    "devise": "CDF", "prix_vente_usd": null, "prix_achat_usd": null,
                    "categorie_backend_id": 2, "has_variantes": false,
                    "stock_total_variantes": 100, "variantes": [],
                    "est_valide_client": true, "date_suppression": null,
                    "last_updated": "2026-11-25T14:00:00+01:00", "version": 7,
                }],
                "token": "742",
                "complet": true,
                "taux_dollar": "2800.00",
                "sync_metadata": {
                    "is_incremental": false, "since": null, "version_min": null,
                    "server_time": "2026-11-25T14:05:00+01:00",
                },
            }),
        ),
        (
            "/api/v2/simple/ventes/historique/",
            "get",
            200,
            json!({
                "success": true, "boutique_id": 1, "boutique_nom": "Ma Boutique",
                "statistiques": {"total_ventes": 1, "chiffre_affaires": "50000.00",
                                  "chiffre_affaires_usd": "0.00"},
                "count": 1,
                "ventes": [{
                    "id": 1, "numero_facture": "FAC-20241104-001",
                    "date_vente": "2026-11-25T14:03:00+01:00", "montant_total": "50000.00",
                    "mode_paiement": "CASH", "paye": true, "terminal": "Terminal MAUI",
                    "terminal_id": 1, "annulee": false, "est_annulee": false,
                    "date_annulation": null, "motif_annulation": null,
                    "devise": "CDF", "montant_total_usd": null,
                    "lignes": [{
                        "article_id": 1, "article_nom": "Chargeur USB-C 25 W",
                        "article_code": "CHG-001", "quantite": 2, "prix_unitaire": "25000.00",
                        "sous_total": "50000.00", "total_ligne": "50000.00",
                        "quantite_retournee": 0, "devise": "CDF", "prix_unitaire_usd": null,
                    }],
                }],
            }),
        ),
        (
            "/api/v2/simple/mouvements-stock/",
            "get",
            200,
            json!({
                "success": true, "boutique_id": 1, "boutique_nom": "Ma Boutique", "count": 1,
                "mouvements": [{
                    "id": 1, "article_id": 1, "article_nom": "Chargeur USB-C 25 W",
                    "article_code": "CHG-001", "type_mouvement": "VENTE", "quantite": -2,
                    "stock_avant": 100, "stock_apres": 98,
                    "reference_document": "FAC-20241104-001",
                    "commentaire": "Vente #FAC-20241104-001 - Prix: 25000.00 CDF",
                    "date_mouvement": "2026-11-25T14:03:05+01:00", "utilisateur": "Terminal MAUI",
                }],
            }),
        ),
        (
            "/api/v2/simple/boutiques/",
            "get",
            200,
            json!({
                "success": true, "count": 1,
                "boutiques": [{
                    "id": 1, "nom": "Ma Boutique", "code_boutique": "BTQ-009",
                    "type_commerce": "Téléphonie et accessoires", "ville": "Kinshasa",
                    "adresse": "12 avenue du Commerce, Gombe", "devise": "CDF",
                    "alerte_stock_bas": 5, "fuseau_horaire": "Africa/Kinshasa",
                    "politique_stock": "STRICT", "est_active": true, "pos_autorise": true,
                    "date_creation": "2026-11-25T09:00:00+01:00", "nb_terminaux": 1,
                    "nb_articles": 8,
                }],
            }),
        ),
    ]
}

/// Sets the examples on their responses.
pub struct Examples;

impl Modify for Examples {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, method, status, example) in examples() {
            let operation = openapi
                .paths
                .paths
                .get_mut(path)
                .and_then(|item| match method {
                    "get" => item.get.as_mut(),
                    "post" => item.post.as_mut(),
                    _ => None,
                });
            let response =
                operation.and_then(|op| op.responses.responses.get_mut(&status.to_string()));
            let Some(RefOr::T(response)) = response else {
                panic!("no {method} {path} {status} in the document for its example");
            };
            if let Some(RefOr::T(content)) = response.content.get_mut("application/json") {
                content.example = Some(example);
            }
        }
    }
}
