//! Sendings (API-D1.md §3.2): goods a manager sends to a shop become its stock only when one
//! of its tills confirms them, once, whatever count the till declares; a refusal drops them.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};

const SECOND_SERIAL: &str = "TILL-SEND-2";

async fn send(app: &TestApp, token: &str, boutique_id: i64, lines: Value) -> Reply {
    app.admin(
        Method::POST,
        &format!("/api/admin/boutiques/{boutique_id}/envois"),
        token,
        Some(&json!({ "lignes": lines })),
    )
    .await
}

async fn movements_of(
    app: &TestApp,
    article_id: i64,
) -> Vec<(String, i32, Option<String>, Option<String>)> {
    sqlx::query_as(
        "SELECT type_mouvement, quantite, reference_document, commentaire FROM mouvements_stock
         WHERE article_id = $1 ORDER BY id",
    )
    .bind(article_id)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_sending_becomes_stock_once_when_a_till_of_the_shop_confirms_it() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let b = cable.boutique_id;
    app.add_till(b, SECOND_SERIAL, "Caisse 2").await;
    let before = movements_of(&app, cable.id).await;

    // Two sendings add up; the stock does not move.
    let sent = send(
        &app,
        &token,
        b,
        json!([{"article_id": cable.id, "quantite": 10},
                                            {"article_id": cable.id, "quantite": 5}]),
    )
    .await;
    assert_eq!(sent.status, 201, "{:#}", sent.body);
    assert_eq!(sent.body["articles"][0]["quantite_envoyee"], 15);
    let sent = send(
        &app,
        &token,
        b,
        json!([{"article_id": cable.id, "quantite": 5}]),
    )
    .await;
    assert_eq!(sent.body["articles"][0]["quantite_envoyee"], 20);
    assert_eq!(app.stock(cable.id).await, cable.stock);
    assert_eq!(movements_of(&app, cable.id).await, before);

    let pending = app
        .get("/api/v2/simple/articles/pending/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(pending.status, 200, "{:#}", pending.body);
    assert_eq!(pending.body["count"], 1);
    assert_eq!(pending.body["boutique_nom"], "Ma Boutique");
    let item = &pending.body["articles_pending"][0];
    assert_eq!(item["id"], cable.id);
    assert_eq!(item["code"], "CAB-001");
    assert_eq!(item["quantite_envoyee"], 20);
    assert_eq!(item["quantite_stock"], cable.stock);
    assert_eq!(item["prix_vente"], "5000.00");
    assert_eq!(item["devise"], "CDF");
    assert!(item["date_envoi"].as_str().unwrap().ends_with("+01:00"));
    // Another shop's till sees nothing of it and cannot touch it.
    let other = app
        .get("/api/v2/simple/articles/pending", Some(OTHER_SERIAL))
        .await;
    assert_eq!(other.body["count"], 0);
    let footprint = app.footprint().await;
    app.post(
        "/api/v2/simple/articles/valider/",
        Some(OTHER_SERIAL),
        &json!({"article_id": cable.id, "quantite_validee": 20}),
    )
    .await
    .assert_error(404, "ARTICLE_NOT_FOUND");
    app.post(
        "/api/v2/simple/articles/refuser/",
        Some(OTHER_SERIAL),
        &json!({"article_id": cable.id}),
    )
    .await
    .assert_error(404, "ARTICLE_NOT_FOUND");
    for (body, status, code) in [
        (json!({"quantite_validee": 20}), 400, "MISSING_ARTICLE_ID"),
        (json!({"article_id": cable.id}), 400, "MISSING_QUANTITE"),
        (
            json!({"article_id": cable.id, "quantite_validee": "vingt"}),
            400,
            "INVALID_FORMAT",
        ),
        (
            json!({"article_id": cable.id, "quantite_validee": -1}),
            400,
            "INVALID_FORMAT",
        ),
        (
            json!({"article_id": cable.id, "quantite_validee": 20, "boutique_id": b + 1}),
            403,
            "BOUTIQUE_MISMATCH",
        ),
    ] {
        app.post("/api/v2/simple/articles/valider/", Some(DEMO_SERIAL), &body)
            .await
            .assert_error(status, code);
    }
    assert_eq!(app.footprint().await, footprint);

    // Both tills confirm at once, counting 19: the 20 sent enter the stock, once.
    let confirm = |serial: &'static str| {
        let app = &app;
        let body = json!({"articleId": cable.id, "quantiteValidee": 19, "boutiqueId": b});
        async move {
            app.post("/api/v2/simple/articles/valider", Some(serial), &body)
                .await
        }
    };
    let (first, second) = tokio::join!(confirm(DEMO_SERIAL), confirm(SECOND_SERIAL));
    assert_eq!(first.status, 200, "{:#}", first.body);
    assert_eq!(second.status, 200, "{:#}", second.body);
    let (done, again) = if first.body.get("already_validated").is_none() {
        (first, second)
    } else {
        (second, first)
    };
    assert_eq!(again.body["already_validated"], true, "{:#}", again.body);
    assert_eq!(done.body["article"]["quantite_stock"], cable.stock + 20);
    assert_eq!(done.body["article"]["est_valide_client"], true);
    assert!(
        done.body["article"]["date_validation"]
            .as_str()
            .unwrap()
            .ends_with("+01:00")
    );
    assert_eq!(
        again.body["article"],
        json!({"id": cable.id, "code": "CAB-001", "nom": cable.nom,
               "quantite_stock": cable.stock + 20, "est_valide_client": true})
    );
    assert_eq!(app.stock(cable.id).await, cable.stock + 20);
    let after = movements_of(&app, cable.id).await;
    assert_eq!(after.len(), before.len() + 1);
    let (kind, quantite, reference, comment) = after.last().unwrap().clone();
    assert_eq!((kind.as_str(), quantite), ("ENTREE", 20));
    assert_eq!(
        reference.unwrap(),
        format!("VALIDATION-BTQ-009-{}", cable.id)
    );
    assert!(comment.unwrap().contains("19"));
    let pending = app
        .get("/api/v2/simple/articles/pending/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(pending.body["count"], 0);
    app.assert_invariants().await;
}

#[tokio::test]
async fn a_refused_sending_moves_nothing_and_a_new_article_waits_off_the_catalogue() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let b = charger.boutique_id;
    let foreign = app.article("BTQ-010", "RIZ-005").await;

    // Not this shop's article, or no units: refused, nothing written.
    let footprint = app.footprint().await;
    send(
        &app,
        &token,
        b,
        json!([{"article_id": charger.id, "quantite": 3},
                                 {"article_id": foreign.id, "quantite": 3}]),
    )
    .await
    .assert_error(404, "ARTICLE_NOT_FOUND");
    send(
        &app,
        &token,
        b,
        json!([{"article_id": charger.id, "quantite": 0}]),
    )
    .await
    .assert_error(400, "INVALID_FORMAT");
    assert_eq!(app.footprint().await, footprint);

    send(
        &app,
        &token,
        b,
        json!([{"article_id": charger.id, "quantite": 7}]),
    )
    .await;
    for _ in 0..2 {
        let refused = app
            .post(
                "/api/v2/simple/articles/refuser/",
                Some(DEMO_SERIAL),
                &json!({"ArticleId": charger.id}),
            )
            .await;
        assert_eq!(refused.status, 200, "{:#}", refused.body);
        assert_eq!(
            refused.body["article"],
            json!({"id": charger.id, "nom": charger.nom, "quantite_stock": charger.stock})
        );
    }
    assert_eq!(app.footprint().await, footprint);
    let confirmed = app
        .post(
            "/api/v2/simple/articles/valider/",
            Some(DEMO_SERIAL),
            &json!({"article_id": charger.id, "quantite_validee": 7}),
        )
        .await;
    assert_eq!(confirmed.body["already_validated"], true);
    assert_eq!(app.stock(charger.id).await, charger.stock);

    // A new article sent with 12 units: no stock, off the catalogue until confirmed.
    let created = app
        .admin(
            Method::POST,
            &format!("/api/admin/boutiques/{b}/articles"),
            &token,
            Some(
                &json!({"code": "NEW-1", "nom": "Powerbank 10000", "prix_vente": "30000",
                            "quantite_envoyee": 12}),
            ),
        )
        .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let id = created.body["article"]["id"].as_i64().unwrap();
    let on_sale = |body: &Value| {
        body["articles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id)
    };
    let catalogue = app.get("/api/v2/simple/articles/", Some(DEMO_SERIAL)).await;
    assert!(!on_sale(&catalogue.body));
    let pending = app
        .get("/api/v2/simple/articles/pending/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(pending.body["articles_pending"][0]["id"], id);
    assert_eq!(pending.body["articles_pending"][0]["quantite_stock"], 0);
    let confirmed = app
        .post(
            "/api/v2/simple/articles/valider/",
            Some(DEMO_SERIAL),
            &json!({"article_id": id, "quantite_validee": 12}),
        )
        .await;
    assert_eq!(confirmed.body["article"]["quantite_stock"], 12);
    let catalogue = app.get("/api/v2/simple/articles/", Some(DEMO_SERIAL)).await;
    assert!(on_sale(&catalogue.body));
    // Sent with stock as well: refused.
    app.admin(
        Method::POST,
        &format!("/api/admin/boutiques/{b}/articles"),
        &token,
        Some(
            &json!({"code": "NEW-2", "nom": "x", "prix_vente": "1", "quantite_stock": 3,
                           "quantite_envoyee": 2}),
        ),
    )
    .await
    .assert_error(400, "INVALID_FORMAT");
    app.assert_invariants().await;
}
