//! `GET analyse/mouvements` (API-D1.md §3.7): a shop's period analysed from its own sales,
//! movements and alerts, and never another shop's.

use crate::common::*;
use reqwest::Method;
use serde_json::json;

const PATH: &str = "/api/v2/simple/analyse/mouvements/";

#[tokio::test]
async fn the_analysis_reads_the_shops_sales_movements_and_alerts() {
    let app = TestApp::spawn().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let b = charger.boutique_id;
    sqlx::query("UPDATE boutiques SET politique_stock = 'AUTORISER_NEGATIF' WHERE id = $1")
        .bind(b)
        .execute(&app.pool)
        .await
        .unwrap();
    // 105 chargers with 100 on the shelf: 5 units to regularise.
    let synced = app
        .sync(
            DEMO_SERIAL,
            &json!([
                sale("A-1", &[(charger.id, charger.stock as i64 + 5, 25000.0)]),
                sale("A-2", &[(cable.id, 2, 5000.0)]),
                sale("A-3", &[(cable.id, 1, 5000.0)]),
            ]),
        )
        .await;
    assert_eq!(synced.status, 201, "{:#}", synced.body);
    app.post(
        "/api/v2/simple/ventes/annuler/",
        Some(DEMO_SERIAL),
        &json!({"numero_facture": "A-3"}),
    )
    .await;

    let reply = app.get(PATH, Some(DEMO_SERIAL)).await;
    assert_eq!(reply.status, 200, "{:#}", reply.body);
    let body = &reply.body;
    assert_eq!(body["boutique"], json!({"id": b, "nom": "Ma Boutique"}));
    let summary = &body["resume_financier"];
    assert_eq!(summary["chiffre_affaires_cdf"], 2_635_000.0);
    assert_eq!(summary["chiffre_affaires_usd"], 0.0);
    assert_eq!(
        (
            summary["nb_ventes"].clone(),
            summary["nb_lignes_vente"].clone()
        ),
        (json!(2), json!(2))
    );
    let value: f64 = sqlx::query_scalar(
        "SELECT sum(GREATEST(quantite_stock, 0) * prix_vente)::float8 FROM articles
         WHERE boutique_id = $1 AND est_actif AND devise = 'CDF'",
    )
    .bind(b)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(summary["valeur_stock_prix_vente_cdf"], value);
    assert_eq!(
        body["mouvements_resume"],
        json!({"entrees": {"nb": 0, "total_qte": 0}, "sorties": {"nb": 0, "total_qte": 0},
               "ventes": {"nb": 3, "total_qte": 108}, "retours": {"nb": 1, "total_qte": 1},
               "ajustements": {"nb": 0, "total_qte": 0}})
    );
    let alerts = &body["alertes_stock"];
    assert_eq!(alerts["total_en_attente"], 1);
    assert_eq!(
        alerts["articles_stock_negatif"],
        json!([{"id": charger.id, "nom": charger.nom, "code": "CHG-001", "quantite_stock": -5,
                "prix_vente": 25000.0, "prix_achat": 18000.0, "devise": "CDF"}])
    );
    assert_eq!(
        alerts["articles_a_regulariser"],
        json!([{"article_id": charger.id, "nom": charger.nom, "code": "CHG-001",
                "stock_actuel": -5, "qte_a_regulariser": 5, "nb_alertes": 1, "ventes": ["A-1"]}])
    );
    assert_eq!(alerts["pertes_estimees_cdf"], 90_000.0);
    // The score as the contract computes it, from the answer's own figures.
    let advice = &body["analyse_ia"];
    let active: i64 =
        sqlx::query_scalar("SELECT count(*) FROM articles WHERE boutique_id = $1 AND est_actif")
            .bind(b)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let rotation = advice["rotation_stock_annuelle"].as_f64().unwrap();
    let expected = 100
        - ((200.0 / active as f64).round_ties_even() as i64).min(40)
        - if rotation < 2.0 { 10 } else { 0 };
    assert_eq!(advice["score_sante_stock"], expected);
    assert!(
        advice["insights"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["type"] == "STOCK_NEGATIF")
    );
    assert!(
        advice["recommandations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["action"] == "REGULARISER_STOCK" && r["articles"] == json!([charger.nom]))
    );
    assert_eq!(body["top_articles_vendus"][0]["article_id"], charger.id);
    assert_eq!(body["top_articles_vendus"][0]["qte_vendue"], 105);
    assert_eq!(body["top_articles_vendus"][0]["ca"], 2_625_000.0);
    assert!(body.get("detail_par_article").is_none());

    let complete = app
        .get(&format!("{PATH}?mode=complet"), Some(DEMO_SERIAL))
        .await;
    let details = complete.body["detail_par_article"].as_array().unwrap();
    assert_eq!(details.len() as i64, active);
    let line = details.iter().find(|d| d["id"] == charger.id).unwrap();
    assert_eq!(
        (
            line["qte_vendue_periode"].clone(),
            line["alerte_stock"].clone(),
            line["valeur_stock_vente"].clone()
        ),
        (json!(105), json!(true), json!(0.0))
    );

    // Another period, another shop: none of it.
    let past = app
        .get(
            &format!("{PATH}?debut=2020-01-01&fin=2020-01-31"),
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(
        past.body["periode"],
        json!({"debut": "2020-01-01", "fin": "2020-01-31", "nb_jours": 31})
    );
    assert_eq!(past.body["resume_financier"]["nb_ventes"], 0);
    let other = app.get(PATH, Some(OTHER_SERIAL)).await;
    assert_eq!(other.body["resume_financier"]["nb_ventes"], 0);
    assert_eq!(other.body["alertes_stock"]["total_en_attente"], 0);
    for query in [
        "debut=hier",
        "fin=2026-13-01",
        "mode=tout",
        "debut=2026-02-01&fin=2026-01-01",
        "debut=2020-01-01&fin=2026-01-01",
    ] {
        app.get(&format!("{PATH}?{query}"), Some(DEMO_SERIAL))
            .await
            .assert_error(400, "INVALID_PARAMETER");
    }
}

/// `GET journal-valeur-stock` (API-D1.md §3.8): each day's value of the stock and what
/// moved it, derived from the journal, the sales and the price history.
#[tokio::test]
async fn the_stock_value_journal_tells_each_day_what_moved_the_value() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let b = cable.boutique_id;
    let value_now = || async {
        sqlx::query_scalar::<_, rust_decimal::Decimal>(
            "SELECT COALESCE(sum(GREATEST(quantite_stock, 0) * prix_vente), 0) FROM articles
             WHERE boutique_id = $1 AND est_actif AND devise = 'CDF'",
        )
        .bind(b)
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    let money = |d: rust_decimal::Decimal| format!("{:.2}", d.round_dp(2));
    let v0 = value_now().await;

    // Yesterday: 10 cables received.
    let received = app
        .admin(Method::POST, &format!("/api/admin/boutiques/{b}/entrees"), &token,
               Some(&json!({"reference_document": "BL-J", "lignes": [{"article_id": cable.id, "quantite": 10}]})))
        .await;
    assert_eq!(received.status, 201, "{:#}", received.body);
    sqlx::query("UPDATE mouvements_stock SET date_mouvement = now() - interval '1 day' WHERE reference_document = 'BL-J'")
        .execute(&app.pool)
        .await
        .unwrap();
    // Today: 2 chargers fewer counted, 2 cables sold at 4,500 rather than 5,000, then the
    // cable's price raised to 5,500.
    app.admin(Method::POST, &format!("/api/admin/boutiques/{b}/ajustements"), &token,
              Some(&json!({"article_id": charger.id, "quantite_stock": charger.stock - 2, "motif": "Inventaire"})))
        .await;
    app.sync(DEMO_SERIAL, &json!([sale("J-1", &[(cable.id, 2, 4500.0)])]))
        .await;
    app.admin(
        Method::PATCH,
        &format!("/api/admin/boutiques/{b}/articles/{}", cable.id),
        &token,
        Some(&json!({"prix_vente": "5500"})),
    )
    .await;

    let reply = app
        .get("/api/v2/simple/journal-valeur-stock/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(reply.status, 200, "{:#}", reply.body);
    assert_eq!(
        (
            reply.body["boutique_id"].clone(),
            reply.body["total"].clone()
        ),
        (json!(b), json!(2))
    );
    let today = &reply.body["journal"][0];
    let yesterday = &reply.body["journal"][1];
    let d = rust_decimal::Decimal::from;
    assert_eq!(yesterday["valeur_stock_precedent"], money(v0));
    assert_eq!(yesterday["valeur_stock_ajoute"], "50000.00");
    assert_eq!(yesterday["valeur_stock_reel"], money(v0 + d(50_000)));
    assert_eq!(yesterday["valeur_stock_restant"], money(v0 + d(50_000)));
    assert_eq!(today["valeur_stock_precedent"], money(v0 + d(50_000)));
    assert_eq!(today["montant_inventaire"], "-50000.00");
    assert_eq!(today["valeur_ventes"], "9000.00");
    // The raise applied to the 10,008 cables left.
    let cables = i64::from(cable.stock) + 8;
    assert_eq!(today["impact_modification_prix"], money(d(500 * cables)));
    let now = value_now().await;
    assert_eq!(today["valeur_stock_reel"], money(now));
    // The 1,000 granted off the catalogue price is the gap between what the day's changes
    // lead to and what the shelf is worth.
    assert_eq!(today["valeur_stock_restant"], money(now + d(1_000)));
    assert_eq!(today["valeur_stock_sorti"], "0.00");
    assert_eq!(today["date"].as_str().unwrap().len(), 10);

    let one = app
        .get(
            "/api/v2/simple/journal-valeur-stock/?limit=1",
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(one.body["total"], 1);
    for query in [
        "limit=beaucoup",
        "date_debut=2026-02-01&date_fin=2026-01-01",
        "date_fin=demain",
        "date_debut=2020-01-01&date_fin=2026-01-01",
    ] {
        app.get(
            &format!("/api/v2/simple/journal-valeur-stock/?{query}"),
            Some(DEMO_SERIAL),
        )
        .await
        .assert_error(400, "INVALID_PARAMETER");
    }
    // The other shop's journal: only its today, none of these values.
    let other = app
        .get("/api/v2/simple/journal-valeur-stock/", Some(OTHER_SERIAL))
        .await;
    assert_eq!(other.body["total"], 1);
    assert_eq!(other.body["journal"][0]["valeur_ventes"], "0.00");
}
