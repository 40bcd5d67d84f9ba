//! The 2026 tills' stock notifications: made with each delivery, count and price change of
//! the shop (never by a sale), one per active till, each till reading and marking its own.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};

const SECOND_SERIAL: &str = "TERM-A-002";

fn types(body: &Value) -> Vec<&str> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type_notification"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn each_till_of_the_shop_hears_of_deliveries_counts_and_prices() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let b = charger.boutique_id;
    sqlx::query(
        "INSERT INTO terminaux (boutique_id, numero_serie, nom_terminal, cle_api_hash, cle_requise)
         VALUES ($1, $2, 'Caisse 2', 'x', false)",
    )
    .bind(b)
    .bind(SECOND_SERIAL)
    .execute(&app.pool)
    .await
    .unwrap();

    // A sale, synced as the 2026 app's sample code posts it: no notification.
    let synced = app
        .post(
            "/api/v2/simple/sync-ventes/",
            Some(DEMO_SERIAL),
            &json!([sale("N-1", &[(charger.id, 2, 25000.0)])]),
        )
        .await;
    assert_eq!(synced.status, 201, "{:#}", synced.body);
    assert_eq!(synced.body["accepted"], json!(["N-1"]));
    let none = app
        .get(
            "/api/v2/simple/notifications/count_unread/",
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(none.body, json!({"count": 0}));

    // A delivery, a count, a new price.
    let delivery = app
        .admin(
            Method::POST,
            &format!("/api/admin/boutiques/{b}/entrees"),
            &token,
            Some(&json!({"reference_document": "BL-77",
                         "lignes": [{"article_id": charger.id, "quantite": 10}]})),
        )
        .await;
    assert_eq!(delivery.status, 201, "{:#}", delivery.body);
    let counted = app
        .admin(
            Method::POST,
            &format!("/api/admin/boutiques/{b}/ajustements"),
            &token,
            Some(&json!({"article_id": charger.id, "quantite_stock": 100, "motif": "Inventaire"})),
        )
        .await;
    assert_eq!(counted.status, 201, "{:#}", counted.body);
    let repriced = app
        .admin(
            Method::PATCH,
            &format!("/api/admin/boutiques/{b}/articles/{}", charger.id),
            &token,
            Some(&json!({"prix_vente": "27500"})),
        )
        .await;
    assert_eq!(repriced.status, 200, "{:#}", repriced.body);

    let list = app
        .get("/api/v2/simple/notifications/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(list.status, 200, "{:#}", list.body);
    assert_eq!(
        types(&list.body),
        ["AJUSTEMENT_PRIX", "STOCK_AJUSTEMENT", "STOCK_AJOUT"]
    );
    assert_eq!(
        (&list.body["count"], &list.body["non_lues"]),
        (&json!(3), &json!(3))
    );
    let added = &list.body["results"][2];
    let start = charger.stock - 2;
    assert_eq!(added["type_notification_display"], "Ajout de stock");
    assert_eq!(added["client_nom"], "Terminal MAUI");
    assert_eq!(added["boutique_nom"], "Ma Boutique");
    assert_eq!(added["article_code"], "CHG-001");
    assert_eq!(added["quantite_mouvement"], 10);
    assert_eq!(added["quantite_ajoutee"], 10);
    assert_eq!(added["stock_avant"], start);
    assert_eq!(added["stock_actuel"], start + 10);
    assert_eq!(added["lue"], false);
    assert_eq!(added["date_lecture"], Value::Null);
    let formatted = added["date_creation_formatee"].as_str().unwrap();
    assert_eq!(formatted.len(), "25/11/2026 à 14:05".len(), "{formatted}");
    assert!(formatted.contains(" à "), "{formatted}");
    let extra = &added["donnees_supplementaires"];
    assert_eq!(extra["type_mouvement"], "ENTREE");
    assert_eq!(extra["reference_document"], "BL-77");
    assert_eq!(extra["prix_vente"], "25000.00");
    assert_eq!(extra["prix_ancien"], Value::Null);
    assert_eq!(extra["devise"], "CDF");
    let count = &list.body["results"][1];
    assert_eq!(count["quantite_mouvement"], 100 - (start + 10));
    assert_eq!(count["quantite_ajoutee"], 0);
    let price = &list.body["results"][0]["donnees_supplementaires"];
    assert_eq!(
        (
            &price["prix_ancien"],
            &price["prix_nouveau"],
            &price["variation"]
        ),
        (&json!("25000.00"), &json!("27500.00"), &json!("2500.00"))
    );
    assert_eq!(price["pourcentage_variation"], "10.00");

    // The second till has its own three; the other shop's till none.
    let second = app
        .get("/api/v2/simple/notifications/unread/", Some(SECOND_SERIAL))
        .await;
    assert_eq!(second.body["count"], 3);
    let theirs = second.body["results"][0]["id"].as_i64().unwrap();
    let other = app
        .get("/api/v2/simple/notifications/", Some(OTHER_SERIAL))
        .await;
    assert_eq!(
        (&other.body["count"], &other.body["results"]),
        (&json!(0), &json!([]))
    );

    // Reading one marks it read, for this till only.
    let id = added["id"].as_i64().unwrap();
    let detail = app
        .get(
            &format!("/api/v2/simple/notifications/{id}/"),
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(detail.status, 200, "{:#}", detail.body);
    assert_eq!(detail.body["lue"], true);
    assert!(detail.body.get("client_nom").is_none());
    assert_eq!(detail.body["client_info"]["numero_serie"], DEMO_SERIAL);
    assert_eq!(detail.body["boutique_info"]["code_boutique"], "BTQ-009");
    assert_eq!(detail.body["article_info"]["prix_vente"], "27500.00");
    assert_eq!(detail.body["article_info"]["quantite_stock"], 100);
    assert_eq!(detail.body["mouvement_info"]["type_mouvement"], "ENTREE");
    assert_eq!(detail.body["mouvement_info"]["quantite"], 10);
    let again = app
        .post(
            &format!("/api/v2/simple/notifications/{id}/mark_as_read/"),
            Some(DEMO_SERIAL),
            &json!({}),
        )
        .await;
    assert_eq!(
        again.body,
        json!({"status": "already_read", "message": "Notification déjà lue"})
    );
    let marked = app
        .post(
            &format!(
                "/api/v2/simple/notifications/{}/mark_as_read/",
                count["id"].as_i64().unwrap()
            ),
            Some(DEMO_SERIAL),
            &json!({}),
        )
        .await;
    assert_eq!(marked.body["status"], "success");
    assert_eq!(marked.body["notification"]["lue"], true);
    let unread = app
        .get("/api/v2/simple/notifications/?lue=false", Some(DEMO_SERIAL))
        .await;
    assert_eq!(types(&unread.body), ["AJUSTEMENT_PRIX"]);
    assert_eq!(unread.body["non_lues"], 1);
    // Where the sample code calls them, the same.
    let alias = app
        .get("/api/v2/notifications/count_unread/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(alias.body, json!({"count": 1}));
    let second_count = app
        .get(
            "/api/v2/simple/notifications/count_unread",
            Some(SECOND_SERIAL),
        )
        .await;
    assert_eq!(second_count.body, json!({"count": 3}));

    // Another till's notification, or none at all, is not found; nothing is marked.
    for path in [
        format!("/api/v2/simple/notifications/{theirs}/"),
        "/api/v2/simple/notifications/999999/".to_owned(),
        "/api/v2/simple/notifications/abc/".to_owned(),
    ] {
        let refused = app.get(&path, Some(DEMO_SERIAL)).await;
        refused.assert_error(404, "NOTIFICATION_NOT_FOUND");
        assert_eq!(refused.body["detail"], "Notification introuvable");
    }
    app.post(
        &format!("/api/v2/simple/notifications/{theirs}/mark_as_read/"),
        Some(OTHER_SERIAL),
        &json!({}),
    )
    .await
    .assert_error(404, "NOTIFICATION_NOT_FOUND");
    assert_eq!(
        app.get(
            "/api/v2/simple/notifications/count_unread/",
            Some(SECOND_SERIAL)
        )
        .await
        .body,
        json!({"count": 3})
    );
    app.get(
        "/api/v2/simple/notifications/?lue=peut-etre",
        Some(DEMO_SERIAL),
    )
    .await
    .assert_error(400, "INVALID_PARAMETER");
    app.get("/api/v2/simple/notifications/", None)
        .await
        .assert_error(400, "MISSING_SERIAL");

    // All at once; then none left, and `count` still there.
    let all = app
        .post(
            "/api/v2/simple/notifications/mark_all_as_read/",
            Some(DEMO_SERIAL),
            &json!({}),
        )
        .await;
    assert_eq!(
        (&all.body["status"], &all.body["count"]),
        (&json!("success"), &json!(1))
    );
    let nothing = app
        .post(
            "/api/v2/notifications/mark_all_as_read/",
            Some(DEMO_SERIAL),
            &json!({}),
        )
        .await;
    assert_eq!(
        (&nothing.body["status"], &nothing.body["count"]),
        (&json!("no_unread"), &json!(0))
    );
    let recent = app
        .get("/api/v2/simple/notifications/recent/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(
        (&recent.body["count"], &recent.body["non_lues"]),
        (&json!(3), &json!(0))
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications_stock")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 6, "three changes, two active tills");
}

/// A withdrawn article's price change, and a count that finds what the journal says, make
/// no notification.
#[tokio::test]
async fn nothing_to_say_makes_no_notification() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let b = cable.boutique_id;
    let same = app
        .admin(
            Method::POST,
            &format!("/api/admin/boutiques/{b}/ajustements"),
            &token,
            Some(&json!({"article_id": cable.id, "quantite_stock": cable.stock, "motif": "Inventaire"})),
        )
        .await;
    assert_eq!(same.status, 201, "{:#}", same.body);
    let put = app
        .request(
            Method::PUT,
            &format!("/api/v2/simple/articles/{}/stock/", cable.id),
            Some(DEMO_SERIAL),
        )
        .json(&json!({"quantite_stock": cable.stock}))
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{}", put.status());
    app.admin(
        Method::PATCH,
        &format!("/api/admin/boutiques/{b}/articles/{}", cable.id),
        &token,
        Some(&json!({"prix_vente": "5000"})),
    )
    .await;
    let count = app
        .get(
            "/api/v2/simple/notifications/count_unread/",
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(count.body, json!({"count": 0}));
}
