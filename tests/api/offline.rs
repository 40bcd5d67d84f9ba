//! What the offline tills get beyond the Django server: nothing refused is lost, retries
//! never double a sale, a reused invoice number is caught, the till is kept in step.

use crate::common::*;
use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// `POST ventes/sync` with an `Idempotency-Key`.
async fn sync_with_key(app: &TestApp, serial: &str, key: &str, body: &str) -> (Reply, bool) {
    let response = app
        .request(Method::POST, "/api/v2/simple/ventes/sync", Some(serial))
        .header("Idempotency-Key", key)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let replayed = response.headers().get("idempotent-replayed").is_some();
    (Reply::from(response).await, replayed)
}

async fn rejections(app: &TestApp) -> Vec<(Option<String>, String, String, i32, bool)> {
    sqlx::query_as(
        "SELECT numero_facture, code, payload, tentatives, resolue FROM ventes_rejetees ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn refused_sales_are_kept_exactly_as_sent_and_can_be_resolved() {
    let app = TestApp::spawn().await;
    let battery = app.article("BTQ-009", "BAT-001").await;
    let rice = app.article("BTQ-010", "RIZ-005").await;
    // Written by hand: the payload must come back byte for byte, odd spacing and all.
    let body = format!(
        r#"[
  {{"numero_facture": "K-1", "lignes": [{{"article_id": {b}, "quantite": 9, "prix_unitaire": 45000.00}}]}},
  {{"numero_facture": "K-2", "lignes": [{{"article_id": {r},"quantite":1}}]}},
  {{"numero_facture": "K-3", "lignes": [{{"article_id": {b}, "quantite": 1.5}}]}},
  {{"numero_facture": "K-4", "lignes": []}},
  {{"numero_facture": "K-5", "boutique_id": {rb}, "lignes": [{{"article_id": {b}}}]}},
  {{"numero_facture": "K-6", "lignes": [{{"article_id": {b}, "quantite": 1}}]}}
]"#,
        b = battery.id,
        r = rice.id,
        rb = rice.boutique_id
    );
    let reply = app.sync_raw(Some(DEMO_SERIAL), body.clone()).await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    assert_eq!(reply.body["ventes_creees"], 1);

    let stored = rejections(&app).await;
    let codes: Vec<&str> = stored.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(
        codes,
        [
            "INSUFFICIENT_STOCK",
            "ARTICLE_NOT_FOUND",
            "INVALID_FORMAT",
            "EMPTY_SALE",
            "BOUTIQUE_MISMATCH"
        ]
    );
    let sent: Vec<String> = serde_json::from_str::<Vec<Box<serde_json::value::RawValue>>>(&body)
        .unwrap()
        .iter()
        .map(|raw| raw.get().to_owned())
        .collect();
    for (i, rejection) in stored.iter().enumerate() {
        assert_eq!(
            rejection.0.as_deref(),
            Some(format!("K-{}", i + 1).as_str())
        );
        assert_eq!(
            rejection.2,
            sent[i],
            "payload of K-{} not kept exactly",
            i + 1
        );
        assert_eq!((rejection.3, rejection.4), (1, false));
    }

    // The same refused sale sent again is another attempt of the same rejection.
    app.sync_raw(Some(DEMO_SERIAL), format!("[{}]", sent[0]))
        .await;
    assert_eq!(rejections(&app).await[0].3, 2);
    assert_eq!(rejections(&app).await.len(), 5);

    // A manager lists them…
    let token = app.admin_token().await;
    let list = |query: String| {
        let (app, token) = (&app, &token);
        async move {
            app.admin(
                Method::GET,
                &format!("/api/admin/ventes-rejetees{query}"),
                token,
                None,
            )
            .await
        }
    };
    let open = list(format!(
        "?boutique_id={}&resolue=false",
        battery.boutique_id
    ))
    .await;
    assert_eq!(open.body["total"], 5, "{:#}", open.body);
    let stock = list("?code=INSUFFICIENT_STOCK".into()).await;
    assert_eq!(stock.body["total"], 1);
    let entry = &stock.body["ventes_rejetees"][0];
    assert_eq!(entry["payload"]["numero_facture"], "K-1");
    // The latest attempt's figures (K-6 has taken one battery since).
    assert_eq!(entry["details"]["stock_disponible"], 2);
    assert_eq!(entry["terminal"]["numero_serie"], DEMO_SERIAL);
    assert_eq!(entry["tentatives"], 2);
    assert_eq!(
        list(format!("?boutique_id={}", rice.boutique_id))
            .await
            .body["total"],
        0
    );

    // …resolves one with a comment…
    let id = open.body["ventes_rejetees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["numero_facture"] == "K-4")
        .unwrap()["id"]
        .clone();
    let resolved = app
        .admin(
            Method::POST,
            &format!(
                "/api/admin/boutiques/{}/ventes-rejetees/{id}/resoudre",
                battery.boutique_id
            ),
            &token,
            Some(&json!({"commentaire": "Vente vide, annulée en caisse"})),
        )
        .await;
    assert_eq!(resolved.status, 200, "{:#}", resolved.body);
    assert_eq!(resolved.body["vente_rejetee"]["resolu_par"], "admin:tests");
    assert_eq!(list("?resolue=true".into()).await.body["total"], 1);

    // …and a till that corrects a refused sale and sends it again has it linked.
    let corrected = app
        .sync(
            DEMO_SERIAL,
            &json!([sale("K-1", &[(battery.id, 2, 45000.0)])]),
        )
        .await;
    assert_eq!(corrected.body["ventes_creees"], 1, "{:#}", corrected.body);
    let sale_id = corrected.body["details"]["creees"][0]["id"].clone();
    let k1 = &list("?code=INSUFFICIENT_STOCK".into()).await.body["ventes_rejetees"][0];
    assert_eq!(k1["resolue"], true);
    assert_eq!(k1["vente_id"], sale_id);
    assert_eq!(k1["resolu_par"], "terminal");
}

#[tokio::test]
async fn a_refused_online_sale_is_kept_too() {
    let app = TestApp::spawn().await;
    let battery = app.article("BTQ-009", "BAT-001").await;
    let body = format!(
        r#"{{"numero_facture":"W-1","lignes":[{{"article_id":{},"quantite":7}}]}}"#,
        battery.id
    );
    let reply = app
        .send(
            app.request(Method::POST, "/api/v2/simple/ventes/", Some(DEMO_SERIAL))
                .body(body.clone()),
        )
        .await;
    reply.assert_error(409, "INSUFFICIENT_STOCK");
    let stored = rejections(&app).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].2, body);
}

#[tokio::test]
async fn an_invoice_number_reused_for_another_sale_is_a_conflict() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let first = sale("N-1", &[(cable.id, 2, 5000.0), (charger.id, 1, 25000.0)]);
    assert_eq!(app.sync(DEMO_SERIAL, &json!([first])).await.status, 201);
    let footprint = app.footprint().await;

    // The same sale, its lines in another order: a retry.
    let reordered = sale("N-1", &[(charger.id, 1, 25000.0), (cable.id, 2, 5000.0)]);
    let reply = app.sync(DEMO_SERIAL, &json!([reordered])).await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.body["details"]["erreurs"][0]["code"], "DUPLICATE");
    assert_eq!(reply.body["accepted"], json!(["N-1"]));

    // Same number, other quantity / other price / other article: another sale.
    for other in [
        sale("N-1", &[(cable.id, 3, 5000.0), (charger.id, 1, 25000.0)]),
        sale("N-1", &[(cable.id, 2, 4500.0), (charger.id, 1, 25000.0)]),
        sale("N-1", &[(cable.id, 2, 5000.0)]),
    ] {
        let reply = app.sync(DEMO_SERIAL, &json!([other])).await;
        reply.assert_all_refused("INVOICE_CONFLICT");
        assert_eq!(reply.body["rejected"][0]["reason"], "INVOICE_CONFLICT");
        assert_eq!(reply.body["rejected"][0]["action"], "CHANGER_NUMERO");
        assert_eq!(reply.body["accepted"], json!([]));
    }
    let (ventes, lignes, mouvements, stock) = app.footprint().await;
    assert_eq!((ventes, lignes, mouvements, stock), footprint);
    let conflicts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM ventes_rejetees WHERE code = 'INVOICE_CONFLICT'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(conflicts, 3);

    // Within one batch as well.
    let reply = app
        .sync(
            DEMO_SERIAL,
            &json!([
                sale("N-2", &[(cable.id, 1, 5000.0)]),
                sale("N-2", &[(cable.id, 4, 5000.0)])
            ]),
        )
        .await;
    assert_eq!(reply.body["ventes_creees"], 1);
    assert_eq!(
        reply.body["details"]["erreurs"][0]["code"],
        "INVOICE_CONFLICT"
    );
    app.assert_invariants().await;
}

#[tokio::test]
async fn the_till_is_told_what_is_stored_what_is_refused_and_the_stock_now() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let battery = app.article("BTQ-009", "BAT-001").await;
    let withdrawn = app.article("BTQ-009", "TEL-OLD").await;
    app.sync(DEMO_SERIAL, &json!([sale("S-0", &[(cable.id, 1, 5000.0)])]))
        .await;
    let reply = app
        .sync(
            DEMO_SERIAL,
            &json!([
                sale("S-0", &[(cable.id, 1, 5000.0)]),
                sale("S-1", &[(cable.id, 4, 5000.0)]),
                sale("S-2", &[(battery.id, 4, 45000.0)]),
                sale("S-3", &[(withdrawn.id, 1, 25000.0)]),
                {"numero_facture": "S-4", "lignes": [{"article_id": 999999999, "quantite": 0}]},
            ]),
        )
        .await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.body["accepted"], json!(["S-0", "S-1"]));
    assert_eq!(
        reply.body["rejected"],
        json!([
            {"vente_uid": "S-2", "reason": "INSUFFICIENT_STOCK", "action": "VERIFIER_STOCK",
             "message": "Stock insuffisant pour Batterie externe 10000 mAh : disponible 3, demandé 4",
             "article_id": battery.id, "article_nom": "Batterie externe 10000 mAh",
             "stock_disponible": 3, "stock_demande": 4},
            {"vente_uid": "S-3", "reason": "ARTICLE_NOT_FOUND", "action": "ACTUALISER_CATALOGUE",
             "message": format!("Article {} introuvable ou inactif dans cette boutique", withdrawn.id),
             // An article the shop does not sell: no name, nothing available (API-D1.md).
             "article_id": withdrawn.id, "article_nom": "", "stock_disponible": 0, "stock_demande": 1},
            {"vente_uid": "S-4", "reason": "INVALID_FORMAT", "action": "CORRIGER_VENTE",
             "message": "Ligne 1 : 'quantite' doit être un entier de 1 à 1000000"}
        ])
    );
    // Every article the batch named, refused or not, as it is now (an unknown id has none).
    assert_eq!(
        reply.body["stock_updates"],
        json!([
            {"article_id": cable.id, "code": "CAB-001", "nom": "Câble USB-C 1 m",
             "stock_actuel": cable.stock - 5, "prix_actuel": "5000.00", "est_actif": true},
            {"article_id": battery.id, "code": "BAT-001", "nom": "Batterie externe 10000 mAh",
             "stock_actuel": 3, "prix_actuel": "45000.00", "est_actif": true},
            {"article_id": withdrawn.id, "code": "TEL-OLD", "nom": "Nokia 105 (retiré)",
             "stock_actuel": 7, "prix_actuel": "25000.00", "est_actif": false}
        ])
    );
}

#[tokio::test]
async fn the_maui_shapes_are_the_same_sales() {
    let app = TestApp::spawn().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let bare = json!([{"numero_facture": "M-1", "mode_paiement": "CASH", "paye": true,
        "date_vente": "2026-11-20T10:00:00",
        "lignes": [{"article_id": charger.id, "quantite": 2, "prix_unitaire": 25000.0}]}]);
    let wrapped = json!({"pos_id": "POS-01", "ventes": [{"numero_facture": "M-2",
        "mode_paiement": "CASH", "paye": true, "date_vente": "2026-11-20T10:00:00",
        "lignes": [{"article_id": charger.id, "quantite": 2, "prix_unitaire": 25000.0}]}]});
    let pascal = json!({"PosId": "POS-01", "Ventes": [{"VenteUid": "M-3", "Date": "2026-11-20T10:00:00",
        "ModePaiement": "CASH", "Paye": true,
        "Items": [{"ArticleId": charger.id, "Quantite": 2, "PrixUnitaire": 25000.0}]}]});
    for body in [&bare, &wrapped, &pascal] {
        let reply = app.sync(DEMO_SERIAL, body).await;
        assert_eq!(reply.status, 201, "{body}: {:#}", reply.body);
        let created = &reply.body["details"]["creees"][0];
        assert_eq!(created["montant_total"], "50000.00", "{body}");
        assert_eq!(created["date_vente"], "2026-11-20T10:00:00+01:00", "{body}");
    }
    let stored: Vec<(String, String, String, bool, i64)> = sqlx::query_as(
        "SELECT numero_facture, montant_total::text, mode_paiement, paye,
                (SELECT sum(quantite) FROM lignes_vente l WHERE l.vente_id = v.id)
         FROM ventes v ORDER BY numero_facture",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    for (i, row) in stored.iter().enumerate() {
        assert_eq!(
            row,
            &(
                format!("M-{}", i + 1),
                "50000.00".into(),
                "CASH".into(),
                true,
                2
            )
        );
    }
    assert_eq!(app.stock(charger.id).await, charger.stock - 6);
    // The PascalCase sale sent again is recognised.
    let again = app.sync(DEMO_SERIAL, &pascal).await;
    assert_eq!(again.body["details"]["erreurs"][0]["code"], "DUPLICATE");
    assert_eq!(again.body["accepted"], json!(["M-3"]));
    // An object without sales is not a batch.
    app.sync(DEMO_SERIAL, &json!({"PosId": "POS-01"}))
        .await
        .assert_error(400, "INVALID_FORMAT");
    app.sync(DEMO_SERIAL, &json!({"ventes": []}))
        .await
        .assert_error(400, "EMPTY_DATA");
}

#[tokio::test]
async fn a_shop_may_accept_sales_beyond_its_stock_and_be_alerted() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let battery = app.article("BTQ-009", "BAT-001").await;
    let b = battery.boutique_id;
    let patched = app
        .admin(
            Method::PATCH,
            &format!("/api/admin/boutiques/{b}"),
            &token,
            Some(&json!({"politique_stock": "AUTORISER_NEGATIF"})),
        )
        .await;
    assert_eq!(
        patched.body["boutique"]["politique_stock"],
        "AUTORISER_NEGATIF"
    );

    let reply = app
        .sync(
            DEMO_SERIAL,
            &json!([sale("NEG-1", &[(battery.id, 5, 45000.0)])]),
        )
        .await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    assert_eq!(
        reply.body["details"]["creees"][0]["alertes_stock"],
        json!([{"article_id": battery.id, "manque": 2, "stock_avant": 3, "stock_apres": -2}])
    );
    assert_eq!(app.stock(battery.id).await, -2);
    let movement: (i32, i32, i32) = sqlx::query_as(
        "SELECT quantite, stock_avant, stock_apres FROM mouvements_stock WHERE article_id = $1",
    )
    .bind(battery.id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(movement, (-5, 3, -2));
    // Below zero already: the whole next sale is short.
    let next = app
        .sync(
            DEMO_SERIAL,
            &json!([sale("NEG-2", &[(battery.id, 1, 45000.0)])]),
        )
        .await;
    assert_eq!(
        next.body["details"]["creees"][0]["alertes_stock"][0]["manque"],
        1
    );

    let alerts = app
        .admin(
            Method::GET,
            &format!("/api/admin/alertes-stock?boutique_id={b}&fermee=false"),
            &token,
            None,
        )
        .await;
    assert_eq!(alerts.body["total"], 2, "{:#}", alerts.body);
    let alert = &alerts.body["alertes_stock"][1];
    assert_eq!(alert["vente"]["numero_facture"], "NEG-1");
    assert_eq!(alert["article"]["stock_actuel"], -3);
    assert_eq!(alert["manque"], 2);
    let closed = app
        .admin(
            Method::POST,
            &format!(
                "/api/admin/boutiques/{b}/alertes-stock/{}/fermer",
                alert["id"]
            ),
            &token,
            Some(&json!({"commentaire": "Livraison non saisie, régularisée"})),
        )
        .await;
    assert_eq!(closed.status, 200, "{:#}", closed.body);
    let open = app
        .admin(
            Method::GET,
            &format!("/api/admin/alertes-stock?boutique_id={b}&fermee=false"),
            &token,
            None,
        )
        .await;
    assert_eq!(open.body["total"], 1);
    app.assert_invariants().await;

    // The other shop is still strict.
    let sugar = app.article("BTQ-010", "SUC-001").await;
    let strict = app
        .sync(
            OTHER_SERIAL,
            &json!([sale("STR-1", &[(sugar.id, 9, 4500.0)])]),
        )
        .await;
    strict.assert_all_refused("INSUFFICIENT_STOCK");
}

#[tokio::test]
async fn a_repeated_idempotency_key_replays_the_first_response_and_touches_nothing() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let battery = app.article("BTQ-009", "BAT-001").await;
    let body = json!([
        sale("I-1", &[(cable.id, 1, 5000.0)]),
        sale("I-2", &[(battery.id, 9, 45000.0)])
    ])
    .to_string();
    let (first, replayed) = sync_with_key(&app, DEMO_SERIAL, "key-1", &body).await;
    assert_eq!((first.status.as_u16(), replayed), (201, false));
    let footprint = app.footprint().await;
    let refused = rejections(&app).await;

    let (again, replayed) = sync_with_key(&app, DEMO_SERIAL, "key-1", &body).await;
    assert!(replayed);
    assert_eq!(again.status, 201);
    // The very response: "created", not "already exists".
    assert_eq!(again.body, first.body);
    assert_eq!(app.footprint().await, footprint);
    assert_eq!(
        rejections(&app).await,
        refused,
        "a replay re-processed the refusal"
    );

    // The same key for another request: refused, nothing done.
    let other = json!([sale("I-3", &[(cable.id, 1, 5000.0)])]).to_string();
    let (reused, _) = sync_with_key(&app, DEMO_SERIAL, "key-1", &other).await;
    reused.assert_error(422, "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(app.sales_with_number(DEMO_SERIAL, "I-3").await, 0);

    // Keys belong to their till: another till's "key-1" is its own.
    let eau = app.article("BTQ-010", "EAU-150").await;
    let theirs = json!([sale("I-1", &[(eau.id, 1, 2500.0)])]).to_string();
    let (other_till, replayed) = sync_with_key(&app, OTHER_SERIAL, "key-1", &theirs).await;
    assert_eq!((other_till.status.as_u16(), replayed), (201, false));

    // A refusal is stored and replayed as well.
    let doomed = json!([sale("I-4", &[(battery.id, 50, 45000.0)])]).to_string();
    let (no, _) = sync_with_key(&app, DEMO_SERIAL, "key-2", &doomed).await;
    no.assert_all_refused("INSUFFICIENT_STOCK");
    let (no_again, replayed) = sync_with_key(&app, DEMO_SERIAL, "key-2", &doomed).await;
    assert!(replayed);
    assert_eq!((no_again.status, no_again.body), (no.status, no.body));
    let attempts: i32 =
        sqlx::query_scalar("SELECT tentatives FROM ventes_rejetees WHERE numero_facture = 'I-4'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(attempts, 1);

    // The online sale takes keys too.
    let online = json!({"numero_facture": "I-5", "lignes": [{"article_id": cable.id}]});
    let post = |key: &'static str| {
        app.request(Method::POST, "/api/v2/simple/ventes/", Some(DEMO_SERIAL))
            .header("Idempotency-Key", key)
            .json(&online)
    };
    let created = app.send(post("key-3")).await;
    assert_eq!(created.status, 201);
    let replay = app.send(post("key-3")).await;
    assert_eq!((replay.status, replay.body), (created.status, created.body));

    let long = "k".repeat(300);
    let (bad, _) = sync_with_key(&app, DEMO_SERIAL, &long, &body).await;
    bad.assert_error(400, "INVALID_IDEMPOTENCY_KEY");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_key_still_in_flight_is_409_and_concurrent_requests_never_both_run() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let body = json!([sale("F-1", &[(cable.id, 1, 5000.0)])]).to_string();

    // Hold the article: the first request waits on its lock, in flight.
    let mut blocker = app.pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM articles WHERE id = $1 FOR UPDATE")
        .bind(cable.id)
        .execute(&mut *blocker)
        .await
        .unwrap();
    let first = {
        let (app, body) = (&app, body.clone());
        async move { sync_with_key(app, DEMO_SERIAL, "slow", &body).await }
    };
    let second = async {
        // Once the first has claimed the key…
        for _ in 0..100 {
            let claimed: i64 = sqlx::query_scalar("SELECT count(*) FROM idempotency_keys")
                .fetch_one(&app.pool)
                .await
                .unwrap();
            if claimed == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let (reply, _) = sync_with_key(&app, DEMO_SERIAL, "slow", &body).await;
        reply.assert_error(409, "IDEMPOTENCY_KEY_IN_PROGRESS");
        blocker.rollback().await.unwrap();
    };
    let ((first, _), ()) = futures::join!(first, second);
    assert_eq!(first.status, 201);
    let (third, replayed) = sync_with_key(&app, DEMO_SERIAL, "slow", &body).await;
    assert!(replayed);
    assert_eq!(third.body, first.body);

    // Ten at once with one key: one runs, the others are told it is in flight or replayed.
    let body = json!([sale("F-2", &[(cable.id, 2, 5000.0)])]).to_string();
    let replies = join_all((0..10).map(|_| sync_with_key(&app, DEMO_SERIAL, "burst", &body))).await;
    let created: Vec<&Reply> = replies
        .iter()
        .filter(|(r, replayed)| r.status == 201 && !replayed)
        .map(|(r, _)| r)
        .collect();
    assert_eq!(created.len(), 1);
    for (reply, replayed) in &replies {
        match reply.status.as_u16() {
            201 => assert!(*replayed || reply.body == created[0].body),
            409 => assert_eq!(reply.body["code"], "IDEMPOTENCY_KEY_IN_PROGRESS"),
            other => panic!("unexpected {other}: {:#}", reply.body),
        }
    }
    assert_eq!(app.sales_with_number(DEMO_SERIAL, "F-2").await, 1);
    assert_eq!(app.stock(cable.id).await, cable.stock - 3);
}

/// Sends a sync request and hangs up without reading the answer, once the server has
/// stored it: the till never hears that its sales went through.
async fn send_and_hang_up(app: &TestApp, key: &str, body: &str) {
    let address = app.address.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "POST /api/v2/simple/ventes/sync HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: application/json\r\nX-Device-Serial: {DEMO_SERIAL}\r\n\
         Idempotency-Key: {key}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    for _ in 0..500 {
        let done: Option<String> =
            sqlx::query_scalar("SELECT etat FROM idempotency_keys WHERE cle = $1")
                .bind(key)
                .fetch_optional(&app.pool)
                .await
                .unwrap();
        if done.as_deref() == Some("TERMINE") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(socket);
}

/// A till syncs its offline queue over a link that drops every answer, three times, with
/// the same keys; it ends with exactly the sales it made, each once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_till_on_a_flaky_link_ends_with_each_sale_exactly_once() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let battery = app.article("BTQ-009", "BAT-001").await;
    // 30 sales in batches of 10; two of them cannot be made (battery: 3 in stock).
    let queue: Vec<Value> = (0..30)
        .map(|i| match i {
            7 | 21 => sale(&format!("Q-{i}"), &[(battery.id, 2, 45000.0)]),
            _ => sale(
                &format!("Q-{i}"),
                &[(cable.id, 1 + i % 3, 5000.0), (charger.id, 1, 25000.0)],
            ),
        })
        .collect();
    let batches: Vec<String> = queue
        .chunks(10)
        .map(|c| Value::Array(c.to_vec()).to_string())
        .collect();

    for round in 0..3 {
        for (n, batch) in batches.iter().enumerate() {
            if round < 2 {
                send_and_hang_up(&app, &format!("queue-{n}"), batch).await;
            } else {
                let (reply, replayed) =
                    sync_with_key(&app, DEMO_SERIAL, &format!("queue-{n}"), batch).await;
                assert!(replayed, "batch {n} was processed again");
                assert_eq!(reply.status, 201);
            }
        }
    }
    // Without keys, as an older app would: the invoice numbers alone keep it exact.
    for batch in &batches {
        let reply = app.sync_raw(Some(DEMO_SERIAL), batch.clone()).await;
        assert_eq!(reply.status, 201);
        assert_eq!(reply.body["ventes_creees"], 0);
    }

    for (i, _) in queue.iter().enumerate() {
        let expected = if i == 21 { 0 } else { 1 };
        assert_eq!(
            app.sales_with_number(DEMO_SERIAL, &format!("Q-{i}")).await,
            expected,
            "Q-{i}"
        );
    }
    let sold_cables: i32 = (0..30)
        .filter(|i| *i != 7 && *i != 21)
        .map(|i| 1 + i % 3)
        .sum();
    assert_eq!(app.stock(cable.id).await, cable.stock - sold_cables);
    assert_eq!(app.stock(charger.id).await, charger.stock - 28);
    assert_eq!(app.stock(battery.id).await, 1);
    // The refused one is findable, once, with every attempt counted.
    let refused: Vec<(Option<String>, String, String, i32, bool)> = rejections(&app).await;
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].0.as_deref(), Some("Q-21"));
    assert_eq!(refused[0].1, "INSUFFICIENT_STOCK");
    assert_eq!(refused[0].3, 2, "one keyed attempt and one unkeyed");
    app.assert_invariants().await;
}

#[tokio::test]
async fn a_date_without_offset_is_the_shops_local_time_and_reception_is_kept_apart() {
    let app = TestApp::spawn().await;
    // "Autre Boutique" is in Lubumbashi, UTC+2.
    let water = app.article("BTQ-010", "EAU-150").await;
    let mut offline = sale("L-1", &[(water.id, 1, 2500.0)]);
    offline["date_vente"] = json!("2026-11-20T21:15:00");
    let reply = app.sync(OTHER_SERIAL, &json!([offline])).await;
    assert_eq!(
        reply.body["details"]["creees"][0]["date_vente"],
        "2026-11-20T21:15:00+02:00"
    );
    let (made, received_recently): (String, bool) = sqlx::query_as(
        "SELECT to_char(date_vente AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),
                date_reception > now() - interval '1 minute'
         FROM ventes WHERE numero_facture = 'L-1'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (made.as_str(), received_recently),
        ("2026-11-20 19:15", true)
    );
    // Counted on the day it was made, in the shop's calendar.
    let day = app
        .get(
            "/api/v2/simple/ventes/historique/?date_debut=2026-11-20&date_fin=2026-11-20",
            Some(OTHER_SERIAL),
        )
        .await;
    assert_eq!(day.body["statistiques"]["total_ventes"], 1);
    let next_day = app
        .get(
            "/api/v2/simple/ventes/historique/?date_debut=2026-11-21&date_fin=2026-11-21",
            Some(OTHER_SERIAL),
        )
        .await;
    assert_eq!(next_day.body["statistiques"]["total_ventes"], 0);
}
