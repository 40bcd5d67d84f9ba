//! The administration API: from an empty shop to a selling till, and its validation.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn from_an_empty_shop_to_a_selling_till() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let admin = |method: Method, path: String, body: Option<Value>| {
        let (app, token) = (&app, &token);
        async move {
            app.admin(method, &format!("/api/admin{path}"), token, body.as_ref())
                .await
        }
    };

    let shop = admin(
        Method::POST,
        "/boutiques".into(),
        Some(
            json!({"nom": "Boutique de Goma", "code_boutique": "BTQ-100", "ville": "Goma",
                    "type_commerce": "Boissons", "fuseau_horaire": "Africa/Lubumbashi"}),
        ),
    )
    .await;
    assert_eq!(shop.status, 201, "{:#}", shop.body);
    let b = shop.body["boutique"]["id"].as_i64().unwrap();
    assert_eq!(shop.body["boutique"]["devise"], "CDF");
    assert_eq!(shop.body["boutique"]["alerte_stock_bas"], 5);
    assert_eq!(shop.body["boutique"]["est_active"], true);

    let till = admin(
        Method::POST,
        format!("/boutiques/{b}/terminaux"),
        Some(json!({"numero_serie": "TILL-GOMA-1", "nom_terminal": "Caisse 1"})),
    )
    .await;
    assert_eq!(till.status, 201, "{:#}", till.body);
    let key = till.body["cle_api"].as_str().unwrap().to_owned();
    assert_eq!(key.len(), 64);
    let t = till.body["terminal"]["id"].as_i64().unwrap();
    // The key is stored only as a hash.
    let stored: String = sqlx::query_scalar("SELECT cle_api_hash FROM terminaux WHERE id = $1")
        .bind(t)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_ne!(stored, key);
    let listed = admin(Method::GET, format!("/boutiques/{b}/terminaux/"), None).await;
    assert!(listed.body["terminaux"][0].get("cle_api").is_none());
    assert!(!listed.body.to_string().contains(&key));

    let category = admin(
        Method::POST,
        format!("/boutiques/{b}/categories"),
        Some(json!({"nom": "Jus", "description": "Jus de fruits"})),
    )
    .await;
    assert_eq!(category.status, 201, "{:#}", category.body);
    let c = category.body["categorie"]["id"].as_i64().unwrap();

    let article = admin(
        Method::POST,
        format!("/boutiques/{b}/articles"),
        Some(
            json!({"code": "JUS-1", "nom": "Jus d'orange 1 L", "prix_vente": "1500",
                    "prix_achat": 900, "categorie_id": c}),
        ),
    )
    .await;
    assert_eq!(article.status, 201, "{:#}", article.body);
    let a = article.body["article"]["id"].as_i64().unwrap();
    assert_eq!(article.body["article"]["prix_vente"], "1500.00");
    assert_eq!(article.body["article"]["quantite_stock"], 0);
    assert_eq!(
        article.body["article"]["categorie"],
        json!({"id": c, "nom": "Jus"})
    );

    let delivery = admin(
        Method::POST,
        format!("/boutiques/{b}/entrees"),
        Some(json!({"reference_document": "BL-2026-001",
                    "lignes": [{"article_id": a, "quantite": 24}]})),
    )
    .await;
    assert_eq!(delivery.status, 201, "{:#}", delivery.body);
    assert_eq!(delivery.body["mouvements"][0]["stock_apres"], 24);

    let count = admin(
        Method::POST,
        format!("/boutiques/{b}/ajustements"),
        Some(json!({"article_id": a, "quantite_stock": 23, "motif": "Une bouteille cassée"})),
    )
    .await;
    assert_eq!(count.status, 201, "{:#}", count.body);
    assert_eq!(
        (
            count.body["mouvements"][0]["stock_avant"].clone(),
            count.body["mouvements"][0]["stock_apres"].clone()
        ),
        (json!(24), json!(23))
    );

    // The new till sells, with its key.
    let sync = app
        .send(
            app.request(
                Method::POST,
                "/api/v2/simple/ventes/sync/",
                Some("TILL-GOMA-1"),
            )
            .header("Authorization", format!("Bearer {key}"))
            .json(&json!([sale("G-1", &[(a, 3, 1500.0)])])),
        )
        .await;
    assert_eq!(sync.status, 201, "{:#}", sync.body);
    assert_eq!(sync.body["boutique"]["code"], "BTQ-100");
    assert_eq!(app.stock(a).await, 20);

    // An article without a category reaches the till as such.
    let water = admin(
        Method::POST,
        format!("/boutiques/{b}/articles"),
        Some(json!({"code": "EAU-1", "nom": "Eau 50 cl", "prix_vente": 500})),
    )
    .await;
    assert_eq!(water.status, 201, "{:#}", water.body);
    let catalogue = app
        .send(
            app.request(Method::GET, "/api/v2/simple/articles/", Some("TILL-GOMA-1"))
                .header("Authorization", format!("Bearer {key}")),
        )
        .await;
    let by_code = |code: &str| {
        catalogue.body["articles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == code)
            .unwrap_or_else(|| panic!("{code} missing: {:#}", catalogue.body))
            .clone()
    };
    let (water, juice) = (by_code("EAU-1"), by_code("JUS-1"));
    assert_eq!(
        (&water["categorie_id"], &water["categorie"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(water["full_details"]["categorie"], "Non catégorisé");
    assert_eq!(juice["full_details"]["categorie"], "Jus");

    let sales = admin(Method::GET, format!("/boutiques/{b}/ventes?limit=10"), None).await;
    assert_eq!(sales.body["total"], 1);
    assert_eq!(sales.body["chiffre_affaires"], "4500.00");
    assert_eq!(sales.body["ventes"][0]["terminal"], "Caisse 1");
    let journal = admin(
        Method::GET,
        format!("/boutiques/{b}/mouvements-stock"),
        None,
    )
    .await;
    let kinds: Vec<&str> = journal.body["mouvements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["type_mouvement"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["VENTE", "AJUSTEMENT", "ENTREE"]);
    assert_eq!(
        journal.body["mouvements"][2]["reference_document"],
        "BL-2026-001"
    );
    assert_eq!(
        journal.body["mouvements"][1]["commentaire"],
        "Une bouteille cassée"
    );
    assert_eq!(journal.body["mouvements"][1]["utilisateur"], "admin:tests");
    let entries = admin(
        Method::GET,
        format!("/boutiques/{b}/mouvements-stock?type_mouvement=ENTREE"),
        None,
    )
    .await;
    assert_eq!(entries.body["total"], 1);

    // Deactivating the till takes effect on its next request; so does reactivating it.
    let off = admin(
        Method::PATCH,
        format!("/boutiques/{b}/terminaux/{t}"),
        Some(json!({"est_actif": false})),
    )
    .await;
    assert_eq!(off.body["terminal"]["est_actif"], false);
    app.get("/api/v2/simple/articles/", Some("TILL-GOMA-1"))
        .await
        .assert_error(404, "TERMINAL_NOT_FOUND");
    admin(
        Method::PATCH,
        format!("/boutiques/{b}/terminaux/{t}"),
        Some(json!({"est_actif": true})),
    )
    .await;
    assert_eq!(
        app.send(
            app.request(Method::GET, "/api/v2/simple/articles/", Some("TILL-GOMA-1"))
                .header("X-Api-Key", &key)
        )
        .await
        .status,
        200
    );

    // A new key: the old one stops working at once.
    let rotated = admin(
        Method::POST,
        format!("/boutiques/{b}/terminaux/{t}/cle"),
        None,
    )
    .await;
    let new_key = rotated.body["cle_api"].as_str().unwrap().to_owned();
    assert_ne!(new_key, key);
    let with_key = |k: String| {
        app.request(
            Method::GET,
            "/api/v2/simple/categories/",
            Some("TILL-GOMA-1"),
        )
        .header("X-Api-Key", k)
    };
    app.send(with_key(key))
        .await
        .assert_error(401, "INVALID_API_KEY");
    assert_eq!(app.send(with_key(new_key.clone())).await.status, 200);

    // Withdrawing the article hides it from the till: only the water is left.
    admin(Method::DELETE, format!("/boutiques/{b}/articles/{a}"), None).await;
    let catalogue = app
        .send(
            app.request(Method::GET, "/api/v2/simple/articles/", Some("TILL-GOMA-1"))
                .header("X-Api-Key", &new_key),
        )
        .await;
    assert_eq!(catalogue.body["count"], 1);
    assert_eq!(catalogue.body["articles"][0]["code"], "EAU-1");

    // Deactivating the shop shuts its tills out from their next request.
    let closed = admin(Method::DELETE, format!("/boutiques/{b}"), None).await;
    assert_eq!(closed.body["boutique"]["est_active"], false);
    app.send(
        app.request(Method::GET, "/api/v2/simple/articles/", Some("TILL-GOMA-1"))
            .header("X-Api-Key", &new_key),
    )
    .await
    .assert_error(403, "BOUTIQUE_INACTIVE");
    app.assert_invariants().await;
}

#[tokio::test]
async fn validation_errors_name_the_field_and_write_nothing() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let demo = app.article("BTQ-009", "CHG-001").await;
    let other = app.article("BTQ-010", "RIZ-005").await;
    let other_category: i64 =
        sqlx::query_scalar("SELECT id FROM categories WHERE boutique_id = $1 LIMIT 1")
            .bind(other.boutique_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let b = demo.boutique_id;
    let cases: Vec<(Method, String, Value, u16, &str, &str)> = vec![
        (
            Method::POST,
            "/boutiques".into(),
            json!({"code_boutique": "X-1"}),
            400,
            "INVALID_FORMAT",
            "nom",
        ),
        (
            Method::POST,
            "/boutiques".into(),
            json!({"nom": "X", "code_boutique": "X-1", "fuseau_horaire": "Mars/Olympus"}),
            400,
            "INVALID_FORMAT",
            "fuseau_horaire",
        ),
        (
            Method::POST,
            "/boutiques".into(),
            json!({"nom": "X", "code_boutique": "BTQ-009"}),
            409,
            "ALREADY_EXISTS",
            "code_boutique",
        ),
        (
            Method::POST,
            "/boutiques".into(),
            json!({"nom": "X", "code_boutique": "X-1", "alerte_stock_bas": -1}),
            400,
            "INVALID_FORMAT",
            "alerte_stock_bas",
        ),
        (
            Method::POST,
            "/boutiques".into(),
            json!({"nom": "X", "code_boutique": "X-1", "couleur": "bleu"}),
            400,
            "INVALID_FORMAT",
            "couleur",
        ),
        (
            Method::PATCH,
            format!("/boutiques/{b}"),
            json!({"est_active": "non"}),
            400,
            "INVALID_FORMAT",
            "est_active",
        ),
        (
            Method::POST,
            format!("/boutiques/{b}/terminaux"),
            json!({"numero_serie": "TERM-B-001", "nom_terminal": "x"}),
            409,
            "ALREADY_EXISTS",
            "numero_serie",
        ),
        (
            Method::POST,
            format!("/boutiques/{b}/terminaux"),
            json!({"numero_serie": "NEW-1"}),
            400,
            "INVALID_FORMAT",
            "nom_terminal",
        ),
        (
            Method::POST,
            format!("/boutiques/{b}/categories"),
            json!({"nom": "Accessoires"}),
            409,
            "ALREADY_EXISTS",
            "nom",
        ),
        (
            Method::POST,
            format!("/boutiques/{b}/articles"),
            json!({"code": "N-1", "nom": "n", "prix_vente": -3}),
            400,
            "INVALID_FORMAT",
            "prix_vente",
        ),
        (
            Method::POST,
            format!("/boutiques/{b}/articles"),
            json!({"code": "N-1", "nom": "n"}),
            400,
            "INVALID_FORMAT",
            "prix_vente",
        ),
        (
            Method::POST,
            format!("/boutiques/{b}/articles"),
            json!({"code": "CHG-001", "nom": "n", "prix_vente": 1}),
            409,
            "ALREADY_EXISTS",
            "code",
        ),
        (
            Method::POST,
            format!("/boutiques/{b}/articles"),
            json!({"code": "N-1", "nom": "n", "prix_vente": 1, "categorie_id": other_category}),
            400,
            "INVALID_FORMAT",
            "categorie_id",
        ),
        (
            Method::PATCH,
            format!("/boutiques/{b}/articles/{}", demo.id),
            json!({"quantite_stock": 1}),
            400,
            "INVALID_FORMAT",
            "quantite_stock",
        ),
        (
            Method::POST,
            format!("/boutiques/{b}/entrees"),
            json!({"reference_document": "BL-1", "lignes": [{"article_id": demo.id, "quantite": 0}]}),
            400,
            "INVALID_FORMAT",
            "lignes[0].quantite",
        ),
        (
            Method::POST,
            format!("/boutiques/{b}/entrees"),
            json!({"lignes": [{"article_id": demo.id, "quantite": 1}]}),
            400,
            "INVALID_FORMAT",
            "reference_document",
        ),
        (
            Method::POST,
            format!("/boutiques/{b}/entrees"),
            json!({"reference_document": "BL-1", "lignes": []}),
            400,
            "INVALID_FORMAT",
            "lignes",
        ),
        (
            Method::POST,
            format!("/boutiques/{b}/ajustements"),
            json!({"article_id": demo.id, "quantite_stock": 3}),
            400,
            "INVALID_FORMAT",
            "motif",
        ),
        (
            Method::POST,
            format!("/boutiques/{b}/ajustements"),
            json!({"article_id": demo.id, "quantite_stock": -3, "motif": "x"}),
            400,
            "INVALID_FORMAT",
            "quantite_stock",
        ),
    ];
    let before = app.fingerprint().await;
    for (method, path, body, status, code, field) in cases {
        let reply = app
            .admin(method, &format!("/api/admin{path}"), &token, Some(&body))
            .await;
        assert_eq!(
            reply.status.as_u16(),
            status,
            "{path} {body}: {:#}",
            reply.body
        );
        assert_eq!(reply.body["code"], code, "{path} {body}");
        assert_eq!(reply.body["champ"], field, "{path} {body}");
        assert!(
            reply.body["error"].as_str().unwrap().contains(field),
            "{:#}",
            reply.body
        );
    }
    // A delivery naming another shop's article is refused whole: its valid line is not
    // received either.
    let reply = app
        .admin(
            Method::POST,
            &format!("/api/admin/boutiques/{b}/entrees"),
            &token,
            Some(&json!({"reference_document": "BL-2", "lignes": [
                {"article_id": demo.id, "quantite": 5}, {"article_id": other.id, "quantite": 5}]})),
        )
        .await;
    reply.assert_error(404, "ARTICLE_NOT_FOUND");
    let reply = app
        .send(
            app.request(Method::POST, "/api/admin/boutiques", None)
                .header("Authorization", format!("Bearer {token}"))
                .body("{not json"),
        )
        .await;
    reply.assert_error(400, "INVALID_JSON");
    for path in [
        "/api/admin/boutiques/999999".to_owned(),
        "/api/admin/boutiques/abc/articles".to_owned(),
        format!("/api/admin/boutiques/{}/articles/{}", b, other.id),
        format!("/api/admin/boutiques/{b}/terminaux/999999"),
    ] {
        app.admin(Method::GET, &path, &token, None)
            .await
            .assert_error(404, "NOT_FOUND");
    }
    assert_eq!(app.fingerprint().await, before);
}

#[tokio::test]
async fn sales_and_movements_are_paginated_and_filtered() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let batch: Vec<Value> = (0..7)
        .map(|i| {
            let mut s = sale(&format!("P-{i}"), &[(cable.id, 1, 5000.0)]);
            if i % 2 == 0 {
                s["mode_paiement"] = json!("MOBILE_MONEY");
            }
            s
        })
        .collect();
    assert_eq!(
        app.sync(DEMO_SERIAL, &Value::Array(batch)).await.status,
        201
    );
    let b = cable.boutique_id;
    let page = |query: &str| {
        let (app, token) = (&app, &token);
        let path = format!("/api/admin/boutiques/{b}/ventes?{query}");
        async move { app.admin(Method::GET, &path, token, None).await }
    };
    let first = page("limit=3").await;
    let second = page("limit=3&offset=3").await;
    let last = page("limit=3&offset=6").await;
    assert_eq!(
        (
            first.body["count"].clone(),
            second.body["count"].clone(),
            last.body["count"].clone()
        ),
        (json!(3), json!(3), json!(1))
    );
    assert_eq!(first.body["total"], 7);
    let numbers: Vec<Value> = [&first, &second, &last]
        .iter()
        .flat_map(|p| {
            p.body["ventes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["numero_facture"].clone())
        })
        .collect();
    assert_eq!(numbers.len(), 7);
    assert_eq!(
        numbers
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len(),
        7
    );
    let mobile = page("mode_paiement=MOBILE_MONEY").await;
    assert_eq!(mobile.body["total"], 4);
    page("offset=-2")
        .await
        .assert_error(400, "INVALID_PARAMETER");
    let other_till = page("terminal_id=999999").await;
    assert_eq!(other_till.body["total"], 0);
}

#[tokio::test]
async fn stock_alert_counts_follow_the_threshold_and_the_catalogue() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let b = app.article("BTQ-009", "CAB-001").await.boutique_id;
    async fn low(app: &TestApp) -> Value {
        app.get("/api/v2/simple/statistiques/", Some(DEMO_SERIAL))
            .await
            .body["statistiques"]["articles"]["stock_bas"]
            .clone()
    }
    // COQ-001 (5), BAT-001 (3), TEL-001 (0).
    assert_eq!(low(&app).await, 3);
    let patch = |body: Value| {
        let (app, token) = (&app, &token);
        async move {
            app.admin(
                Method::PATCH,
                &format!("/api/admin/boutiques/{b}"),
                token,
                Some(&body),
            )
            .await
        }
    };
    // Up to 20: ECO-001 (10) and TEL-002 (20) join.
    patch(json!({"alerte_stock_bas": 20})).await;
    assert_eq!(low(&app).await, 5);
    patch(json!({"alerte_stock_bas": 0})).await;
    assert_eq!(low(&app).await, 1);
    patch(json!({"alerte_stock_bas": 5})).await;
    // A new article with little stock, then withdrawn.
    let created = app
        .admin(Method::POST, &format!("/api/admin/boutiques/{b}/articles"), &token,
            Some(&json!({"code": "LOW-1", "nom": "Presque épuisé", "prix_vente": 1, "quantite_stock": 2})))
        .await;
    assert_eq!(low(&app).await, 4);
    let id = created.body["article"]["id"].as_i64().unwrap();
    app.admin(
        Method::DELETE,
        &format!("/api/admin/boutiques/{b}/articles/{id}"),
        &token,
        None,
    )
    .await;
    assert_eq!(low(&app).await, 3);
    // A delivery lifts BAT-001 over the threshold.
    let battery = app.article("BTQ-009", "BAT-001").await;
    app.admin(Method::POST, &format!("/api/admin/boutiques/{b}/entrees"), &token,
        Some(&json!({"reference_document": "BL-9", "lignes": [{"article_id": battery.id, "quantite": 10}]})))
        .await;
    assert_eq!(low(&app).await, 2);
    app.assert_invariants().await;
}

/// A manager sets the dollar rate of a merchant and of one of its shops: the tills read the
/// new rate, a sale made before the change keeps the rate of its day, every change is kept.
#[tokio::test]
async fn the_dollar_rate_of_a_merchant_and_of_a_shop() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let b = charger.boutique_id;
    let other = app.article("BTQ-010", "EAU-150").await.boutique_id;
    let merchant: i64 = sqlx::query_scalar("SELECT commercant_id FROM boutiques WHERE id = $1")
        .bind(b)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let rate_path = format!("/api/admin/boutiques/{b}/taux");
    let rate_now = || async { app.admin(Method::GET, &rate_path, &token, None).await };
    let till_reads = || async {
        app.get("/api/v2/simple/articles/", Some(DEMO_SERIAL))
            .await
            .body["taux_dollar"]
            .clone()
    };

    let start = rate_now().await;
    assert_eq!(start.status, 200, "{:#}", start.body);
    assert_eq!(start.body["taux_dollar"], "2800.00");
    assert_eq!(start.body["historique"], json!([]));

    // The merchant's rate covers its shops.
    let merchant_path = format!("/api/admin/commercants/{merchant}/taux");
    let set = app
        .admin(
            Method::PUT,
            &merchant_path,
            &token,
            Some(&json!({"taux_dollar": 2900})),
        )
        .await;
    assert_eq!(set.status, 200, "{:#}", set.body);
    assert_eq!(set.body["taux_dollar"], "2900.00");
    assert_eq!(till_reads().await, "2900.00");
    assert_eq!(rate_now().await.body["source"], "commercant");

    // The shop's own rate beats it; the other merchant's shop is untouched.
    let own = app
        .admin(
            Method::PUT,
            &rate_path,
            &token,
            Some(&json!({"taux_dollar": "2950.50"})),
        )
        .await;
    assert_eq!(own.status, 200, "{:#}", own.body);
    assert_eq!(
        (&own.body["taux_dollar"], &own.body["source"]),
        (&json!("2950.50"), &json!("boutique"))
    );
    assert_eq!(till_reads().await, "2950.50");
    let elsewhere: String =
        sqlx::query_scalar("SELECT taux_courant::text FROM boutiques WHERE id = $1")
            .bind(other)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(elsewhere, "2800.00");
    // A change of the merchant's rate no longer moves this shop.
    app.admin(
        Method::PUT,
        &merchant_path,
        &token,
        Some(&json!({"taux_dollar": 3000})),
    )
    .await;
    assert_eq!(till_reads().await, "2950.50");

    // A sale made offline yesterday keeps yesterday's rate; one made now takes the new one.
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let reply = app
        .sync(
            DEMO_SERIAL,
            &json!([
                {"numero_facture": "R-1", "devise": "USD", "date_vente": yesterday, "lignes": [
                    {"article_id": charger.id, "quantite": 1, "prix_unitaire": 9.0}]},
                {"numero_facture": "R-2", "devise": "USD", "lignes": [
                    {"article_id": charger.id, "quantite": 1, "prix_unitaire": 9.0}]},
            ]),
        )
        .await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    let rates: Vec<&Value> = reply.body["details"]["creees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["taux_dollar"])
        .collect();
    assert_eq!(rates, [&json!("2800.00"), &json!("2950.50")]);

    // Removing the shop's own: the merchant's applies again.
    let removed = app
        .admin(
            Method::PUT,
            &rate_path,
            &token,
            Some(&json!({"taux_dollar": null})),
        )
        .await;
    assert_eq!(
        (&removed.body["taux_dollar"], &removed.body["source"]),
        (&json!("3000.00"), &json!("commercant"))
    );
    let history: Vec<(Value, Value)> = removed.body["historique"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["taux_dollar"].clone(), h["portee"].clone()))
        .collect();
    assert_eq!(
        history,
        [
            (Value::Null, json!("boutique")),
            (json!("3000.00"), json!("commercant")),
            (json!("2950.50"), json!("boutique")),
            (json!("2900.00"), json!("commercant")),
        ]
    );
    assert_eq!(removed.body["historique"][0]["modifie_par"], "admin:tests");

    // Nothing but a rate is taken, and a refusal writes nothing.
    for bad in [
        json!(0),
        json!(-5),
        json!("abc"),
        json!(2850.123),
        json!(true),
        json!(2_000_000),
    ] {
        app.admin(
            Method::PUT,
            &rate_path,
            &token,
            Some(&json!({"taux_dollar": bad})),
        )
        .await
        .assert_error(400, "INVALID_FORMAT");
    }
    app.admin(
        Method::PUT,
        &merchant_path,
        &token,
        Some(&json!({"taux_dollar": null})),
    )
    .await
    .assert_error(400, "INVALID_FORMAT");
    let changes: i64 = sqlx::query_scalar("SELECT count(*) FROM taux_change")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(changes, 4);
    app.admin(
        Method::PUT,
        "/api/admin/commercants/999999/taux",
        &token,
        Some(&json!({"taux_dollar": 1})),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    app.admin(
        Method::GET,
        "/api/admin/boutiques/999999/taux",
        &token,
        None,
    )
    .await
    .assert_error(404, "NOT_FOUND");
    app.get(&rate_path, Some(DEMO_SERIAL))
        .await
        .assert_error(401, "UNAUTHORIZED");
}

/// A manager prices an article in USD, or gives a CDF article its USD prices; the tills read
/// them as the 2026 catalogue carries them.
#[tokio::test]
async fn articles_priced_in_either_currency() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let b = app.article("BTQ-009", "CAB-001").await.boutique_id;
    let create = |body: Value| {
        let (app, token) = (&app, &token);
        async move {
            app.admin(
                Method::POST,
                &format!("/api/admin/boutiques/{b}/articles"),
                token,
                Some(&body),
            )
            .await
        }
    };
    let usd =
        create(json!({"code": "MON-1", "nom": "Montre", "prix_vente": 9, "devise": "usd"})).await;
    assert_eq!(usd.status, 201, "{:#}", usd.body);
    assert_eq!(usd.body["article"]["devise"], "USD");
    assert_eq!(usd.body["article"]["prix_vente_usd"], "9.00");
    let cdf = create(json!({"code": "SAC-1", "nom": "Sac", "prix_vente": 28000,
                             "prix_vente_usd": "10", "prix_achat_usd": null}))
    .await;
    assert_eq!(cdf.status, 201, "{:#}", cdf.body);
    assert_eq!(
        (
            &cdf.body["article"]["devise"],
            &cdf.body["article"]["prix_vente_usd"]
        ),
        (&json!("CDF"), &json!("10.00"))
    );
    let refused =
        create(json!({"code": "EUR-1", "nom": "Euro", "prix_vente": 1, "devise": "EUR"})).await;
    refused.assert_error(400, "INVALID_FORMAT");
    assert_eq!(refused.body["champ"], "devise");

    let sac = cdf.body["article"]["id"].as_i64().unwrap();
    let path = format!("/api/admin/boutiques/{b}/articles/{sac}");
    let cleared = app
        .admin(
            Method::PATCH,
            &path,
            &token,
            Some(&json!({"prix_vente_usd": null})),
        )
        .await;
    assert_eq!(cleared.status, 200, "{:#}", cleared.body);
    assert_eq!(cleared.body["article"]["prix_vente_usd"], Value::Null);
    app.admin(
        Method::PATCH,
        &path,
        &token,
        Some(&json!({"devise": "XAF"})),
    )
    .await
    .assert_error(400, "INVALID_FORMAT");
    let moved = app
        .admin(
            Method::PATCH,
            &path,
            &token,
            Some(&json!({"devise": "USD", "prix_vente": 10})),
        )
        .await;
    assert_eq!(
        (
            &moved.body["article"]["devise"],
            &moved.body["article"]["prix_vente"]
        ),
        (&json!("USD"), &json!("10.00"))
    );

    let catalogue = app.get("/api/v2/simple/articles/", Some(DEMO_SERIAL)).await;
    let montre = catalogue.body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "MON-1")
        .unwrap();
    assert_eq!(
        (
            &montre["devise"],
            &montre["prix_vente"],
            &montre["full_details"]["prix_vente_formate"]
        ),
        (&json!("USD"), &json!("9.00"), &json!("9.00 USD"))
    );
    let stored: Option<String> =
        sqlx::query_scalar("SELECT code FROM articles WHERE code = 'EUR-1'")
            .fetch_optional(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, None);
}

/// An article's variants, managed by a manager: seen by the shop's tills at once, sold as
/// their article, withdrawn without touching the sales that name them.
#[tokio::test]
async fn variants_are_added_changed_and_withdrawn_and_the_tills_see_them() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let b = charger.boutique_id;
    let base = format!("/api/admin/boutiques/{b}/articles/{}/variantes", charger.id);
    let version: i64 = sqlx::query_scalar("SELECT version FROM articles WHERE id = $1")
        .bind(charger.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();

    let added = app
        .admin(
            Method::POST,
            &base,
            &token,
            Some(
                &json!({"code_barre": "6001", "nom_variante": "Noir", "type_attribut": "couleur"}),
            ),
        )
        .await;
    assert_eq!(added.status, 201, "{:#}", added.body);
    let variant = &added.body["article"]["variantes"][0];
    let id = variant["id"].as_i64().unwrap();
    assert_eq!(variant["nom_complet"], format!("{} - Noir", charger.nom));
    assert_eq!(variant["type_attribut"], "COULEUR");
    assert_eq!(variant["quantite_stock"], charger.stock);
    assert_eq!(variant["prix_vente"], "25000.00");
    // The till's delta by version brings the article again.
    let delta = app
        .get(
            &format!("/api/v2/simple/articles/?version={version}"),
            Some(DEMO_SERIAL),
        )
        .await;
    assert!(
        delta.body["articles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == charger.id)
    );
    let seen = app
        .get("/api/v2/simple/variantes/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(seen.body["count"], 1);
    assert_eq!(seen.body["variantes"][0]["code_barre"], "6001");

    // Refused: a barcode already used in the shop, an unknown kind, another shop's article.
    let footprint = app.footprint().await;
    let on_cable = format!("/api/admin/boutiques/{b}/articles/{}/variantes", cable.id);
    app.admin(
        Method::POST,
        &on_cable,
        &token,
        Some(&json!({"code_barre": "6001", "nom_variante": "x"})),
    )
    .await
    .assert_error(409, "ALREADY_EXISTS");
    app.admin(
        Method::POST,
        &on_cable,
        &token,
        Some(&json!({"code_barre": "6002", "nom_variante": "x", "type_attribut": "ODEUR"})),
    )
    .await
    .assert_error(400, "INVALID_FORMAT");
    let foreign = app.article("BTQ-010", "RIZ-005").await;
    app.admin(
        Method::POST,
        &format!("/api/admin/boutiques/{b}/articles/{}/variantes", foreign.id),
        &token,
        Some(&json!({"code_barre": "6003", "nom_variante": "x"})),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    app.admin(
        Method::PATCH,
        &format!("{on_cable}/{id}"),
        &token,
        Some(&json!({"nom_variante": "x"})),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    assert_eq!(app.footprint().await, footprint);

    let changed = app
        .admin(
            Method::PATCH,
            &format!("{base}/{id}"),
            &token,
            Some(&json!({"nom_variante": "Blanc"})),
        )
        .await;
    assert_eq!(changed.status, 200, "{:#}", changed.body);
    assert_eq!(
        changed.body["article"]["variantes"][0]["nom_complet"],
        format!("{} - Blanc", charger.nom)
    );

    // Sold as its article.
    let line = |numero: &str| {
        json!([{"numero_facture": numero, "lignes": [
        {"article_id": charger.id, "quantite": 1, "prix_unitaire": 25000, "variante_id": id}]}])
    };
    app.sync(DEMO_SERIAL, &line("V-1")).await;
    assert_eq!(app.stock(charger.id).await, charger.stock - 1);

    let withdrawn = app
        .admin(Method::DELETE, &format!("{base}/{id}"), &token, None)
        .await;
    assert_eq!(withdrawn.status, 200, "{:#}", withdrawn.body);
    assert_eq!(withdrawn.body["article"]["variantes"], json!([]));
    let seen = app
        .get("/api/v2/simple/variantes/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(seen.body["count"], 0);
    // A sale naming it now sells the article, its line without the variant.
    app.sync(DEMO_SERIAL, &line("V-2")).await;
    let variants: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT v.numero_facture, l.variante_id FROM lignes_vente l JOIN ventes v ON v.id = l.vente_id
         WHERE v.numero_facture LIKE 'V-%' ORDER BY v.numero_facture",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        variants,
        [("V-1".to_owned(), Some(id)), ("V-2".to_owned(), None)]
    );
    assert_eq!(app.stock(charger.id).await, charger.stock - 2);
    app.assert_invariants().await;
}
