//! Transfers between two shops of one merchant: the units leave the sender when sent, enter
//! the receiver with what was actually received (the rest recorded missing), or go back when
//! refused; a till of the receiver confirms them as it confirms a sending; never across
//! merchants; the same units are never taken twice.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};

const RECEIVER_TILL: &str = "TILL-LIMETE-1";
const RECEIVER_TILL_2: &str = "TILL-LIMETE-2";

/// A second shop of the merchant of "Ma Boutique" (BTQ-009), with a till; its id.
async fn second_shop(app: &TestApp) -> i64 {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO boutiques (commercant_id, nom, code_boutique)
         SELECT commercant_id, 'Boutique Limete', 'BTQ-011' FROM boutiques WHERE code_boutique = 'BTQ-009'
         RETURNING id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    app.add_till(id, RECEIVER_TILL, "Caisse Limete").await;
    id
}

async fn send(app: &TestApp, token: &str, from: i64, to: i64, lines: Value) -> Reply {
    app.admin(
        Method::POST,
        &format!("/api/admin/boutiques/{from}/transferts"),
        token,
        Some(&json!({"boutique_destination_id": to, "commentaire": "Réassort", "lignes": lines})),
    )
    .await
}

async fn receive(app: &TestApp, token: &str, shop: i64, id: i64, lines: Value) -> Reply {
    app.admin(
        Method::POST,
        &format!("/api/admin/boutiques/{shop}/transferts/{id}/recevoir"),
        token,
        Some(&json!({ "lignes": lines })),
    )
    .await
}

async fn refuse(app: &TestApp, token: &str, shop: i64, id: i64) -> Reply {
    app.admin(
        Method::POST,
        &format!("/api/admin/boutiques/{shop}/transferts/{id}/refuser"),
        token,
        None,
    )
    .await
}

/// The receiver's article of `code`: (id, stock, pending, on sale).
async fn receiver_article(app: &TestApp, shop: i64, code: &str) -> Option<(i64, i32, i32, bool)> {
    sqlx::query_as(
        "SELECT id, quantite_stock, quantite_envoyee, est_valide_client FROM articles
         WHERE boutique_id = $1 AND code = $2",
    )
    .bind(shop)
    .bind(code)
    .fetch_optional(&app.pool)
    .await
    .unwrap()
}

/// An article's movements referenced `reference`: (type, quantity).
async fn movements(app: &TestApp, article_id: i64, reference: &str) -> Vec<(String, i32)> {
    sqlx::query_as(
        "SELECT type_mouvement, quantite FROM mouvements_stock
         WHERE article_id = $1 AND reference_document = $2 ORDER BY id",
    )
    .bind(article_id)
    .bind(reference)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn transfers_count(app: &TestApp) -> (i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM transferts), (SELECT count(*) FROM lignes_transfert)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_transfer_received_with_a_missing_unit_moves_both_stocks_and_records_the_difference() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let from = charger.boutique_id;
    let to = second_shop(&app).await;
    assert!(
        charger.stock >= 10,
        "the demo charger has {} units",
        charger.stock
    );

    let sent = send(
        &app,
        &token,
        from,
        to,
        json!([{"article_id": charger.id, "quantite": 6},
                                                    {"article_id": charger.id, "quantite": 4}]),
    )
    .await;
    assert_eq!(sent.status, 201, "{:#}", sent.body);
    let transfer = &sent.body["transfert"];
    let id = transfer["id"].as_i64().unwrap();
    let reference = format!("TRANSFERT-{id}");
    assert_eq!(transfer["sens"], "SORTANT");
    assert_eq!(transfer["statut"], "EN_TRANSIT");
    assert_eq!(transfer["boutique_destination_nom"], "Boutique Limete");
    assert_eq!(transfer["commentaire"], "Réassort");
    assert_eq!(transfer["date_cloture"], Value::Null);
    let line = &transfer["lignes"][0];
    assert_eq!(
        transfer["lignes"].as_array().unwrap().len(),
        1,
        "lines of one article add up"
    );
    assert_eq!(line["code"], "CHG-001");
    assert_eq!(line["quantite_envoyee"], 10);
    assert_eq!(line["quantite_recue"], Value::Null);
    assert_eq!(line["statut"], "EN_TRANSIT");

    // Out of the sender at once; awaiting the receiver in a new article off the catalogue.
    assert_eq!(app.stock(charger.id).await, charger.stock - 10);
    assert_eq!(
        movements(&app, charger.id, &reference).await,
        vec![("SORTIE".to_owned(), -10)]
    );
    let (received_id, stock, pending, on_sale) =
        receiver_article(&app, to, "CHG-001").await.unwrap();
    assert_eq!((stock, pending, on_sale), (0, 10, false));
    assert_eq!(line["article_destination_id"], received_id);
    let waiting = app
        .get("/api/v2/simple/articles/pending/", Some(RECEIVER_TILL))
        .await;
    assert_eq!(waiting.body["count"], 1, "{:#}", waiting.body);
    assert_eq!(waiting.body["articles_pending"][0]["quantite_envoyee"], 10);
    app.assert_invariants().await;

    // Received with one unit missing.
    let line_id = line["id"].as_i64().unwrap();
    let done = receive(
        &app,
        &token,
        to,
        id,
        json!([{"ligne_id": line_id, "quantite_recue": 9}]),
    )
    .await;
    assert_eq!(done.status, 200, "{:#}", done.body);
    let transfer = &done.body["transfert"];
    assert_eq!(transfer["sens"], "ENTRANT");
    assert_eq!(transfer["statut"], "RECU_AVEC_ECART");
    assert_eq!(transfer["quantite_manquante"], 1);
    assert!(transfer["date_cloture"].is_string());
    let line = &transfer["lignes"][0];
    assert_eq!(line["quantite_recue"], 9);
    assert_eq!(line["quantite_manquante"], 1);
    assert_eq!(line["statut"], "RECUE");
    assert!(line["traite_par"].as_str().unwrap().starts_with("admin:"));
    assert_eq!(
        receiver_article(&app, to, "CHG-001").await.unwrap(),
        (received_id, 9, 0, true)
    );
    assert_eq!(
        movements(&app, received_id, &reference).await,
        vec![("ENTREE".to_owned(), 9)]
    );
    assert_eq!(
        app.stock(charger.id).await,
        charger.stock - 10,
        "missing units are not given back"
    );
    app.assert_invariants().await;

    // Nothing left to receive or refuse; the sender sees the same transfer.
    receive(&app, &token, to, id, json!([]))
        .await
        .assert_error(409, "TRANSFER_CLOSED");
    refuse(&app, &token, to, id)
        .await
        .assert_error(409, "TRANSFER_CLOSED");
    // Only the receiver receives.
    receive(&app, &token, from, id, json!([]))
        .await
        .assert_error(404, "NOT_FOUND");
    let seen = app
        .admin(
            Method::GET,
            &format!("/api/admin/boutiques/{from}/transferts/{id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(seen.status, 200, "{:#}", seen.body);
    assert_eq!(seen.body["transfert"]["sens"], "SORTANT");
    assert_eq!(seen.body["transfert"]["lignes"][0]["quantite_manquante"], 1);
    let listed = app
        .admin(
            Method::GET,
            &format!("/api/admin/boutiques/{to}/transferts"),
            &token,
            None,
        )
        .await;
    assert_eq!(listed.status, 200, "{:#}", listed.body);
    assert_eq!(listed.body["count"], 1);
    assert_eq!(listed.body["transferts"][0]["id"], id);
    // Another merchant's shop does not see it.
    let other = app.article("BTQ-010", "COC-033").await.boutique_id;
    app.admin(
        Method::GET,
        &format!("/api/admin/boutiques/{other}/transferts/{id}"),
        &token,
        None,
    )
    .await
    .assert_error(404, "NOT_FOUND");
}

#[tokio::test]
async fn a_refused_transfer_gives_the_stock_back_to_the_sender() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let from = charger.boutique_id;
    let to = second_shop(&app).await;
    let sent = send(
        &app,
        &token,
        from,
        to,
        json!([{"article_id": charger.id, "quantite": 4}]),
    )
    .await;
    assert_eq!(sent.status, 201, "{:#}", sent.body);
    let id = sent.body["transfert"]["id"].as_i64().unwrap();
    assert_eq!(app.stock(charger.id).await, charger.stock - 4);

    let refused = refuse(&app, &token, to, id).await;
    assert_eq!(refused.status, 200, "{:#}", refused.body);
    assert_eq!(refused.body["transfert"]["statut"], "REFUSE");
    assert_eq!(refused.body["transfert"]["lignes"][0]["statut"], "REFUSEE");
    assert_eq!(
        refused.body["transfert"]["lignes"][0]["quantite_recue"],
        Value::Null
    );
    assert_eq!(app.stock(charger.id).await, charger.stock);
    assert_eq!(
        movements(&app, charger.id, &format!("TRANSFERT-{id}")).await,
        vec![("SORTIE".to_owned(), -4), ("ENTREE".to_owned(), 4)]
    );
    let (_, stock, pending, on_sale) = receiver_article(&app, to, "CHG-001").await.unwrap();
    assert_eq!((stock, pending, on_sale), (0, 0, false));
    let waiting = app
        .get("/api/v2/simple/articles/pending/", Some(RECEIVER_TILL))
        .await;
    assert_eq!(waiting.body["count"], 0);
    app.assert_invariants().await;
}

#[tokio::test]
async fn no_transfer_across_merchants_nor_beyond_the_stock_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let from = charger.boutique_id;
    let to = second_shop(&app).await;
    let foreign_article = app.article("BTQ-010", "COC-033").await;
    let (foreign, foreign_article) = (foreign_article.boutique_id, foreign_article.id);
    let footprint = app.footprint().await;
    let articles: i64 = sqlx::query_scalar("SELECT count(*) FROM articles")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    send(
        &app,
        &token,
        from,
        foreign,
        json!([{"article_id": charger.id, "quantite": 1}]),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    send(
        &app,
        &token,
        from,
        from,
        json!([{"article_id": charger.id, "quantite": 1}]),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    let short = send(
        &app,
        &token,
        from,
        to,
        json!([{"article_id": charger.id, "quantite": charger.stock + 1}]),
    )
    .await;
    short.assert_error(409, "INSUFFICIENT_STOCK");
    assert_eq!(short.body["article_id"], charger.id);
    send(
        &app,
        &token,
        from,
        to,
        json!([{"article_id": foreign_article, "quantite": 1}]),
    )
    .await
    .assert_error(404, "ARTICLE_NOT_FOUND");
    send(&app, &token, from, to, json!([]))
        .await
        .assert_error(400, "INVALID_FORMAT");
    send(
        &app,
        &token,
        from,
        to,
        json!([{"article_id": charger.id, "quantite": 0}]),
    )
    .await
    .assert_error(400, "INVALID_FORMAT");

    assert_eq!(app.footprint().await, footprint);
    assert_eq!(transfers_count(&app).await, (0, 0));
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM articles")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(after, articles, "no article created in the receiver");

    // The schema itself refuses a transfer between two merchants' shops.
    let direct = sqlx::query(
        "INSERT INTO transferts (commercant_id, boutique_source_id, boutique_destination_id, envoye_par)
         SELECT commercant_id, id, $2, 'sql' FROM boutiques WHERE id = $1",
    )
    .bind(from)
    .bind(foreign)
    .execute(&app.pool)
    .await;
    assert!(direct.is_err(), "a cross-merchant transfer was inserted");
    app.assert_invariants().await;
}

#[tokio::test]
async fn a_till_of_the_receiver_confirms_a_transfer_with_a_plain_sending_and_no_other_till_can() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let from = charger.boutique_id;
    let to = second_shop(&app).await;
    // The receiver already sells the charger, and has 3 sent to it plainly.
    let created = app
        .admin(
            Method::POST,
            &format!("/api/admin/boutiques/{to}/articles"),
            &token,
            Some(&json!({"code": "CHG-001", "nom": "Chargeur USB-C 25 W", "prix_vente": 25000, "quantite_stock": 2})),
        )
        .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let (received_id, ..) = receiver_article(&app, to, "CHG-001").await.unwrap();
    let plain = app
        .admin(
            Method::POST,
            &format!("/api/admin/boutiques/{to}/envois"),
            &token,
            Some(&json!({"lignes": [{"article_id": received_id, "quantite": 3}]})),
        )
        .await;
    assert_eq!(plain.status, 201, "{:#}", plain.body);
    let sent = send(
        &app,
        &token,
        from,
        to,
        json!([{"article_id": charger.id, "quantite": 5}]),
    )
    .await;
    let id = sent.body["transfert"]["id"].as_i64().unwrap();
    let waiting = app
        .get("/api/v2/simple/articles/pending/", Some(RECEIVER_TILL))
        .await;
    assert_eq!(waiting.body["articles_pending"][0]["quantite_envoyee"], 8);

    // The sender's till neither sees nor confirms it.
    let theirs = app
        .get("/api/v2/simple/articles/pending/", Some(DEMO_SERIAL))
        .await;
    assert!(
        theirs.body["articles_pending"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != received_id)
    );
    let footprint = app.footprint().await;
    for path in [
        "/api/v2/simple/articles/valider/",
        "/api/v2/simple/articles/refuser/",
    ] {
        app.post(
            path,
            Some(DEMO_SERIAL),
            &json!({"article_id": received_id, "quantite_validee": 8}),
        )
        .await
        .assert_error(404, "ARTICLE_NOT_FOUND");
    }
    assert_eq!(app.footprint().await, footprint);

    // The receiver's till counts 7: the 8 awaiting enter, the transfer's 5 under its reference.
    let done = app
        .post(
            "/api/v2/simple/articles/valider/",
            Some(RECEIVER_TILL),
            &json!({"article_id": received_id, "quantite_validee": 7}),
        )
        .await;
    assert_eq!(done.status, 200, "{:#}", done.body);
    assert_eq!(
        done.body["message"],
        "Réception confirmée : 8 unité(s) ajoutée(s) au stock"
    );
    assert_eq!(done.body["article"]["quantite_stock"], 10);
    assert_eq!(
        receiver_article(&app, to, "CHG-001").await.unwrap(),
        (received_id, 10, 0, true)
    );
    assert_eq!(
        movements(&app, received_id, &format!("TRANSFERT-{id}")).await,
        vec![("ENTREE".to_owned(), 5)]
    );
    assert_eq!(
        movements(
            &app,
            received_id,
            &format!("VALIDATION-BTQ-011-{received_id}")
        )
        .await,
        vec![("ENTREE".to_owned(), 3)]
    );
    let shown = app
        .admin(
            Method::GET,
            &format!("/api/admin/boutiques/{to}/transferts/{id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(shown.body["transfert"]["statut"], "RECU");
    assert_eq!(shown.body["transfert"]["lignes"][0]["quantite_recue"], 5);
    assert_eq!(
        shown.body["transfert"]["lignes"][0]["traite_par"],
        "Caisse Limete"
    );
    // The count covered the plain sending too: not the line's own.
    assert_eq!(
        shown.body["transfert"]["lignes"][0]["quantite_declaree"],
        Value::Null
    );
    app.assert_invariants().await;
}

#[tokio::test]
async fn a_till_refusing_a_transferred_article_sends_the_units_back() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let to = second_shop(&app).await;
    let sent = send(
        &app,
        &token,
        charger.boutique_id,
        to,
        json!([{"article_id": charger.id, "quantite": 3}]),
    )
    .await;
    let id = sent.body["transfert"]["id"].as_i64().unwrap();
    let (received_id, ..) = receiver_article(&app, to, "CHG-001").await.unwrap();
    let refused = app
        .post(
            "/api/v2/simple/articles/refuser/",
            Some(RECEIVER_TILL),
            &json!({"articleId": received_id}),
        )
        .await;
    assert_eq!(refused.status, 200, "{:#}", refused.body);
    assert_eq!(app.stock(charger.id).await, charger.stock);
    let shown = app
        .admin(
            Method::GET,
            &format!("/api/admin/boutiques/{to}/transferts/{id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(shown.body["transfert"]["statut"], "REFUSE");
    assert_eq!(
        shown.body["transfert"]["lignes"][0]["traite_par"],
        "Caisse Limete"
    );
    app.assert_invariants().await;
}

#[tokio::test]
async fn concurrent_receipts_and_refusals_take_the_units_once() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let from = charger.boutique_id;
    let to = second_shop(&app).await;
    app.add_till(to, RECEIVER_TILL_2, "Caisse Limete 2").await;

    for round in 0..4 {
        let before = app.stock(charger.id).await;
        let sent = send(
            &app,
            &token,
            from,
            to,
            json!([{"article_id": charger.id, "quantite": 2}]),
        )
        .await;
        assert_eq!(sent.status, 201, "{:#}", sent.body);
        let id = sent.body["transfert"]["id"].as_i64().unwrap();
        let line = sent.body["transfert"]["lignes"][0]["id"].as_i64().unwrap();
        let (received_id, received_before, ..) =
            receiver_article(&app, to, "CHG-001").await.unwrap();
        let till = |serial: &'static str| {
            let app = &app;
            async move {
                app.post(
                    "/api/v2/simple/articles/valider/",
                    Some(serial),
                    &json!({"article_id": received_id, "quantite_validee": 2}),
                )
                .await
            }
        };
        let manager = || {
            receive(
                &app,
                &token,
                to,
                id,
                json!([{"ligne_id": line, "quantite_recue": 1}]),
            )
        };
        let (a, b, c, d) = match round {
            // Two tills and a manager.
            0 | 1 => {
                let (a, b, c) = tokio::join!(till(RECEIVER_TILL), till(RECEIVER_TILL_2), manager());
                (a, b, c, None)
            }
            // A receipt, a refusal by the manager, a refusal by a till.
            _ => {
                let body = json!({"article_id": received_id});
                let till_refuses = app.post(
                    "/api/v2/simple/articles/refuser/",
                    Some(RECEIVER_TILL_2),
                    &body,
                );
                let (a, c, r, t) = tokio::join!(
                    till(RECEIVER_TILL),
                    manager(),
                    refuse(&app, &token, to, id),
                    till_refuses
                );
                (a, t, c, Some(r))
            }
        };
        for reply in [&a, &b, &c].into_iter().chain(d.as_ref()) {
            assert!(
                reply.status == 200 || reply.status == 409,
                "{}: {:#}",
                reply.status,
                reply.body
            );
        }
        let shown = app
            .admin(
                Method::GET,
                &format!("/api/admin/boutiques/{to}/transferts/{id}"),
                &token,
                None,
            )
            .await;
        let line = &shown.body["transfert"]["lignes"][0];
        let (_, received_after, pending, _) = receiver_article(&app, to, "CHG-001").await.unwrap();
        assert_eq!(pending, 0, "round {round}");
        let sender_after = app.stock(charger.id).await;
        match line["statut"].as_str().unwrap() {
            "RECUE" => {
                let got = line["quantite_recue"].as_i64().unwrap() as i32;
                assert!(got == 1 || got == 2, "round {round}: {line:#}");
                assert_eq!(received_after, received_before + got, "round {round}");
                assert_eq!(sender_after, before - 2, "round {round}");
            }
            "REFUSEE" => {
                assert_eq!(received_after, received_before, "round {round}");
                assert_eq!(sender_after, before, "round {round}");
            }
            other => panic!("round {round}: line {other}"),
        }
        app.assert_invariants().await;
    }
}

#[tokio::test]
async fn a_depot_made_through_the_admin_api_receives_and_is_said_to_be_one() {
    let app = TestApp::spawn().await;
    let shop = app.article("BTQ-009", "CHG-001").await;
    let token = app.merchant_token(shop.boutique_id).await;
    let created = app
        .admin(
            Method::POST,
            "/api/admin/boutiques",
            &token,
            Some(&json!({"nom": "Dépôt Kingabwa", "code_boutique": "DEP-KIN", "est_depot": true})),
        )
        .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    assert_eq!(created.body["boutique"]["est_depot"], true);
    let depot = created.body["boutique"]["id"].as_i64().unwrap();
    let path = format!("/api/admin/boutiques/{depot}");
    let refused = app
        .admin(
            Method::PATCH,
            &path,
            &token,
            Some(&json!({"est_depot": "oui"})),
        )
        .await;
    assert_eq!(refused.status, 400, "{:#}", refused.body);
    let shop_json = app.admin(Method::GET, &path, &token, None).await;
    assert_eq!(shop_json.body["boutique"]["est_depot"], true);
    // A shop is not a depot unless said so.
    let listed = app
        .admin(Method::GET, "/api/admin/boutiques", &token, None)
        .await;
    let flags: Vec<(String, bool)> = listed.body["boutiques"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["code_boutique"].as_str().unwrap().to_owned(),
                b["est_depot"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        flags,
        [("BTQ-009".to_owned(), false), ("DEP-KIN".to_owned(), true)]
    );

    // The shop sends to the depot; the depot receives what came.
    let sent = send(
        &app,
        &token,
        shop.boutique_id,
        depot,
        json!([{"article_id": shop.id, "quantite": 4}]),
    )
    .await;
    assert_eq!(sent.status, 201, "{:#}", sent.body);
    let id = sent.body["transfert"]["id"].as_i64().unwrap();
    let line = sent.body["transfert"]["lignes"][0]["id"].as_i64().unwrap();
    let received = receive(
        &app,
        &token,
        depot,
        id,
        json!([{"ligne_id": line, "quantite_recue": 4}]),
    )
    .await;
    assert_eq!(received.status, 200, "{:#}", received.body);
    let (_, stock, pending, _) = receiver_article(&app, depot, "CHG-001").await.unwrap();
    assert_eq!((stock, pending), (4, 0));
    let flag: bool = sqlx::query_scalar("SELECT est_depot FROM boutiques WHERE id = $1")
        .bind(depot)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(flag);
    let unset = app
        .admin(
            Method::PATCH,
            &path,
            &token,
            Some(&json!({"est_depot": false})),
        )
        .await;
    assert_eq!(unset.status, 200, "{:#}", unset.body);
    assert_eq!(unset.body["boutique"]["est_depot"], false);
    app.assert_invariants().await;
}
