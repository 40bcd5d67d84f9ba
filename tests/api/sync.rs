//! `POST /api/v2/simple/ventes/sync`, over HTTP, against a real PostgreSQL.

use crate::common::*;
use futures::future::join_all;
use serde_json::{Value, json};

/// Takes `date_vente` out of each created sale (checked for form) so the rest can be
/// compared exactly.
fn without_sale_dates(mut body: Value) -> Value {
    for created in body["details"]["creees"].as_array_mut().unwrap() {
        let date = created
            .as_object_mut()
            .unwrap()
            .remove("date_vente")
            .unwrap();
        let date = date.as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(date).is_ok() && date.ends_with("+01:00"),
            "date_vente {date} is not ISO 8601 in the shop's zone"
        );
    }
    body
}

#[tokio::test]
async fn the_founding_example_is_recorded_and_answered_as_the_tills_expect() {
    let app = TestApp::spawn().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let earphones = app.article("BTQ-009", "ECO-001").await;
    assert_eq!((charger.stock, earphones.stock), (100, 10));

    let batch = json!([
        sale("FAC-20241104-001", &[(charger.id, 2, 25000.00)]),
        sale("FAC-20241104-002", &[(earphones.id, 1, 75000.00)]),
    ]);
    let reply = app.sync(DEMO_SERIAL, &batch).await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);

    let ids: Vec<i64> = reply.body["details"]["creees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    let (boutique_id, terminal_id): (i64, i64) = sqlx::query_as(
        "SELECT boutique_id, id FROM terminaux WHERE numero_serie = '0a1badae951f8473'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        without_sale_dates(reply.body),
        json!({
            "success": true,
            "message": "2 vente(s) synchronisée(s) avec succès",
            "ventes_creees": 2,
            "ventes_erreurs": 0,
            "details": {
                "creees": [
                    {
                        "index": 1, "numero_facture": "FAC-20241104-001", "status": "created",
                        "id": ids[0], "boutique_id": boutique_id, "boutique_nom": "Ma Boutique",
                        "montant_total": "50000.00", "lignes_count": 1,
                        "devise": "CDF", "taux_dollar": "2800.00", "montant_total_usd": null,
                        "lignes": [{"article_id": charger.id, "article_nom": "Chargeur USB-C 25 W",
                                    "article_code": "CHG-001", "quantite": 2, "prix_unitaire": "25000.00",
                                    "sous_total": "50000.00", "devise": "CDF", "prix_unitaire_usd": null,
                                    "variante_id": null}]
                    },
                    {
                        "index": 2, "numero_facture": "FAC-20241104-002", "status": "created",
                        "id": ids[1], "boutique_id": boutique_id, "boutique_nom": "Ma Boutique",
                        "montant_total": "75000.00", "lignes_count": 1,
                        "devise": "CDF", "taux_dollar": "2800.00", "montant_total_usd": null,
                        "lignes": [{"article_id": earphones.id, "article_nom": "Écouteurs Bluetooth",
                                    "article_code": "ECO-001", "quantite": 1, "prix_unitaire": "75000.00",
                                    "sous_total": "75000.00", "devise": "CDF", "prix_unitaire_usd": null,
                                    "variante_id": null}]
                    }
                ],
                "erreurs": []
            },
            "boutique": {"id": boutique_id, "nom": "Ma Boutique", "code": "BTQ-009"},
            "terminal": {"id": terminal_id, "nom": "Terminal MAUI", "numero_serie": "0a1badae951f8473"},
            "statistiques": {
                "total_envoyees": 2, "reussies": 2, "erreurs": 0,
                // COQ-001 (5), BAT-001 (3) and TEL-001 (0) are at or below the threshold of 5.
                "articles_stock_bas": 3, "articles_stock_zero": 1, "alerte_stock": true
            },
            "accepted": ["FAC-20241104-001", "FAC-20241104-002"],
            "rejected": [],
            "stock_updates": [
                {"article_id": charger.id, "code": "CHG-001", "nom": "Chargeur USB-C 25 W",
                 "stock_actuel": 98, "prix_actuel": "25000.00", "est_actif": true},
                {"article_id": earphones.id, "code": "ECO-001", "nom": "Écouteurs Bluetooth",
                 "stock_actuel": 9, "prix_actuel": "75000.00", "est_actif": true}
            ]
        })
    );

    assert_eq!(app.stock(charger.id).await, 98);
    assert_eq!(app.stock(earphones.id).await, 9);

    let movement: (String, i32, i32, i32, String, String, String, Option<i64>) = sqlx::query_as(
        "SELECT type_mouvement, quantite, stock_avant, stock_apres, reference_document,
                utilisateur, commentaire, vente_id
         FROM mouvements_stock WHERE article_id = $1",
    )
    .bind(charger.id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        movement,
        (
            "VENTE".into(),
            -2,
            100,
            98,
            "FAC-20241104-001".into(),
            "Terminal MAUI".into(),
            "Vente #FAC-20241104-001 - Prix: 25000.00 CDF".into(),
            Some(ids[0])
        )
    );

    let stored: (String, String, bool, String, i64) = sqlx::query_as(
        "SELECT montant_total::text, mode_paiement, paye, adresse_ip_client,
                (SELECT count(*) FROM lignes_vente l WHERE l.vente_id = v.id)
         FROM ventes v WHERE id = $1",
    )
    .bind(ids[0])
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        stored,
        (
            "50000.00".into(),
            "CASH".into(),
            true,
            "127.0.0.1".into(),
            1
        )
    );
    app.assert_invariants().await;
}

/// What a refused sale 2 of 3 must leave untouched: its own article, found in its shop.
struct Case {
    name: &'static str,
    line: fn(&Fixture) -> (i64, i64),
    code: &'static str,
    untouched: fn(&Fixture) -> (&'static str, &'static str),
}

struct Fixture {
    other_shop_article: i64,
    low_stock: i64,
    withdrawn: i64,
}

#[tokio::test]
async fn a_refused_sale_between_two_good_ones_leaves_nothing_behind() {
    let cases = [
        Case {
            name: "unknown article",
            line: |_| (999_999_999, 1),
            code: "ARTICLE_NOT_FOUND",
            untouched: |_| ("BTQ-009", "BAT-001"),
        },
        Case {
            name: "another shop's article",
            line: |f| (f.other_shop_article, 1),
            code: "ARTICLE_NOT_FOUND",
            untouched: |_| ("BTQ-010", "EAU-150"),
        },
        Case {
            name: "withdrawn article",
            line: |f| (f.withdrawn, 1),
            code: "ARTICLE_NOT_FOUND",
            untouched: |_| ("BTQ-009", "TEL-OLD"),
        },
        Case {
            name: "insufficient stock",
            line: |f| (f.low_stock, 4),
            code: "INSUFFICIENT_STOCK",
            untouched: |_| ("BTQ-009", "BAT-001"),
        },
    ];
    for case in cases {
        let app = TestApp::spawn().await;
        let fixture = Fixture {
            other_shop_article: app.article("BTQ-010", "EAU-150").await.id,
            low_stock: app.article("BTQ-009", "BAT-001").await.id,
            withdrawn: app.article("BTQ-009", "TEL-OLD").await.id,
        };
        let (shop, code) = (case.untouched)(&fixture);
        let untouched = app.article(shop, code).await;
        let cable = app.article("BTQ-009", "CAB-001").await;
        let before = app.footprint().await;

        let (bad_article, bad_quantity) = (case.line)(&fixture);
        let batch = json!([
            sale("F-1", &[(cable.id, 1, 5000.0)]),
            sale(
                "F-2",
                &[(cable.id, 1, 5000.0), (bad_article, bad_quantity, 45000.0)]
            ),
            sale("F-3", &[(cable.id, 2, 5000.0)]),
        ]);
        let reply = app.sync(DEMO_SERIAL, &batch).await;
        assert_eq!(reply.status, 201, "{}: {:#}", case.name, reply.body);
        assert_eq!(reply.body["ventes_creees"], 2, "{}", case.name);
        assert_eq!(reply.body["ventes_erreurs"], 1, "{}", case.name);
        let error = &reply.body["details"]["erreurs"][0];
        assert_eq!(error["index"], 2, "{}", case.name);
        assert_eq!(error["numero_facture"], "F-2", "{}", case.name);
        assert_eq!(error["code"], case.code, "{}", case.name);
        assert_eq!(error["article_id"], bad_article, "{}", case.name);
        assert!(error["erreur"].as_str().unwrap().len() > 10);

        assert_eq!(app.sales_with_number(DEMO_SERIAL, "F-1").await, 1);
        assert_eq!(
            app.sales_with_number(DEMO_SERIAL, "F-2").await,
            0,
            "{}",
            case.name
        );
        assert_eq!(app.sales_with_number(DEMO_SERIAL, "F-3").await, 1);
        // Sale 2's cable line was not sold either: only sales 1 and 3 took stock.
        assert_eq!(app.stock(cable.id).await, cable.stock - 3, "{}", case.name);
        assert_eq!(
            app.stock(untouched.id).await,
            untouched.stock,
            "{}",
            case.name
        );
        let after = app.footprint().await;
        assert_eq!(
            after,
            (before.0 + 2, before.1 + 2, before.2 + 2, before.3 - 3),
            "{}",
            case.name
        );
        let movements: i64 =
            sqlx::query_scalar("SELECT count(*) FROM mouvements_stock WHERE article_id = $1")
                .bind(untouched.id)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        assert_eq!(movements, 0, "{}", case.name);
        app.assert_invariants().await;
    }
}

#[tokio::test]
async fn insufficient_stock_reports_what_is_left_and_what_was_asked() {
    let app = TestApp::spawn().await;
    let battery = app.article("BTQ-009", "BAT-001").await;
    // Two lines of one article count together: 2 + 2 > 3.
    let reply = app
        .sync(
            DEMO_SERIAL,
            &json!([
                sale("S-1", &[(battery.id, 2, 45000.0), (battery.id, 2, 45000.0)]),
                sale("S-2", &[(battery.id, 2, 45000.0), (battery.id, 1, 45000.0)]),
            ]),
        )
        .await;
    assert_eq!(reply.status, 201);
    assert_eq!(
        reply.body["details"]["erreurs"][0],
        json!({
            "index": 1, "numero_facture": "S-1", "code": "INSUFFICIENT_STOCK",
            "erreur": "Stock insuffisant pour Batterie externe 10000 mAh : disponible 3, demandé 4",
            "article_id": battery.id, "article_nom": "Batterie externe 10000 mAh",
            "stock_disponible": 3, "stock_demande": 4
        })
    );
    assert_eq!(reply.body["details"]["creees"][0]["numero_facture"], "S-2");
    assert_eq!(app.stock(battery.id).await, 0);
    // The movements of S-2 chain line by line: 3 → 1 → 0.
    let chain: Vec<(i32, i32)> = sqlx::query_as(
        "SELECT stock_avant, stock_apres FROM mouvements_stock WHERE article_id = $1 ORDER BY id",
    )
    .bind(battery.id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(chain, vec![(3, 1), (1, 0)]);
    assert_eq!(reply.body["statistiques"]["articles_stock_zero"], 2);
    app.assert_invariants().await;
}

#[tokio::test]
async fn a_batch_sent_twice_is_stored_once() {
    let app = TestApp::spawn().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let batch = json!([
        sale("R-1", &[(charger.id, 1, 25000.0)]),
        sale("R-2", &[(charger.id, 3, 25000.0)]),
    ]);
    let first = app.sync(DEMO_SERIAL, &batch).await;
    assert_eq!(first.status, 201);
    let footprint = app.footprint().await;

    let second = app.sync(DEMO_SERIAL, &batch).await;
    assert_eq!(second.status, 201, "{:#}", second.body);
    assert_eq!(second.body["success"], true);
    assert_eq!(second.body["ventes_creees"], 0);
    assert_eq!(second.body["ventes_erreurs"], 2);
    let stats = &second.body["statistiques"];
    assert_eq!(
        (
            &stats["total_envoyees"],
            &stats["reussies"],
            &stats["erreurs"]
        ),
        (&json!(2), &json!(0), &json!(2))
    );
    for (i, number) in ["R-1", "R-2"].iter().enumerate() {
        assert_eq!(
            second.body["details"]["erreurs"][i],
            json!({
                "index": i + 1, "numero_facture": number, "erreur": "Vente déjà existante",
                "status": "already_exists", "code": "DUPLICATE",
                "id": first.body["details"]["creees"][i]["id"],
                "vente_existante_id": first.body["details"]["creees"][i]["id"]
            })
        );
    }
    assert_eq!(app.footprint().await, footprint);
    assert_eq!(app.stock(charger.id).await, 96);
    app.assert_invariants().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_copies_of_a_batch_store_each_sale_once() {
    let app = TestApp::spawn().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let batch = json!([
        sale("C-1", &[(charger.id, 1, 25000.0)]),
        sale("C-2", &[(cable.id, 5, 5000.0), (charger.id, 2, 25000.0)]),
        sale("C-3", &[(cable.id, 1, 5000.0)]),
    ]);
    let replies = join_all((0..10).map(|_| app.sync(DEMO_SERIAL, &batch))).await;

    let mut created = 0;
    let mut ids: std::collections::HashMap<String, i64> = Default::default();
    for reply in &replies {
        assert_eq!(reply.status, 201, "{:#}", reply.body);
        for c in reply.body["details"]["creees"].as_array().unwrap() {
            created += 1;
            ids.insert(
                c["numero_facture"].as_str().unwrap().into(),
                c["id"].as_i64().unwrap(),
            );
        }
    }
    assert_eq!(created, 3, "each sale created by exactly one request");
    for reply in &replies {
        for e in reply.body["details"]["erreurs"].as_array().unwrap() {
            assert_eq!(e["code"], "DUPLICATE", "{e}");
            assert_eq!(e["status"], "already_exists");
            assert_eq!(e["id"], ids[e["numero_facture"].as_str().unwrap()]);
        }
    }
    for number in ["C-1", "C-2", "C-3"] {
        assert_eq!(app.sales_with_number(DEMO_SERIAL, number).await, 1);
    }
    assert_eq!(app.stock(charger.id).await, charger.stock - 3);
    assert_eq!(app.stock(cable.id).await, cable.stock - 6);
    app.assert_invariants().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_batches_never_sell_more_than_the_stock() {
    let app = TestApp::spawn().await;
    let earphones = app.article("BTQ-009", "ECO-001").await;
    assert_eq!(earphones.stock, 10);
    let replies = join_all((0..20).map(|i| {
        let batch = json!([sale(&format!("E-{i}"), &[(earphones.id, 1, 75000.0)])]);
        let app = &app;
        async move { app.sync(DEMO_SERIAL, &batch).await }
    }))
    .await;

    let created = replies
        .iter()
        .filter(|r| r.body["ventes_creees"] == 1)
        .count();
    assert_eq!(created, 10);
    for reply in replies.iter().filter(|r| r.body["ventes_creees"] == 0) {
        // The only sale of the request was refused: the request achieved nothing.
        reply.assert_all_refused("INSUFFICIENT_STOCK");
        assert_eq!(
            reply.body["details"]["erreurs"][0]["stock_disponible"], 0,
            "{:#}",
            reply.body
        );
    }
    assert_eq!(app.stock(earphones.id).await, 0);
    let (sold, lowest): (i64, i32) = sqlx::query_as(
        "SELECT -sum(quantite)::int8, min(stock_apres) FROM mouvements_stock WHERE article_id = $1",
    )
    .bind(earphones.id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((sold, lowest), (10, 0));
    app.assert_invariants().await;
}

#[tokio::test]
async fn bad_requests_are_refused_with_json_and_write_nothing() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await.id;
    let other_shop = app.article("BTQ-010", "EAU-150").await.boutique_id;
    let one_line = |line: Value| json!([{"numero_facture": "BAD-1", "lignes": [line]}]).to_string();
    let too_many: Vec<Value> = (0..1001)
        .map(|i| sale(&format!("B-{i}"), &[(cable, 1, 5000.0)]))
        .collect();

    let cases: Vec<(&str, Option<&str>, String, u16, &str)> = vec![
        (
            "not JSON",
            Some(DEMO_SERIAL),
            "[{\"numero".into(),
            400,
            "INVALID_JSON",
        ),
        (
            "an object",
            Some(DEMO_SERIAL),
            json!({"numero_facture": "X"}).to_string(),
            400,
            "INVALID_FORMAT",
        ),
        (
            "a string",
            Some(DEMO_SERIAL),
            "\"ventes\"".into(),
            400,
            "INVALID_FORMAT",
        ),
        (
            "an empty array",
            Some(DEMO_SERIAL),
            "[]".into(),
            400,
            "EMPTY_DATA",
        ),
        (
            "over the batch limit",
            Some(DEMO_SERIAL),
            Value::Array(too_many).to_string(),
            413,
            "BATCH_TOO_LARGE",
        ),
        (
            "quantity 0",
            Some(DEMO_SERIAL),
            one_line(json!({"article_id": cable, "quantite": 0})),
            201,
            "INVALID_FORMAT",
        ),
        (
            "quantity -1",
            Some(DEMO_SERIAL),
            one_line(json!({"article_id": cable, "quantite": -1})),
            201,
            "INVALID_FORMAT",
        ),
        (
            "quantity 1.5",
            Some(DEMO_SERIAL),
            one_line(json!({"article_id": cable, "quantite": 1.5})),
            201,
            "INVALID_FORMAT",
        ),
        (
            "quantity \"abc\"",
            Some(DEMO_SERIAL),
            one_line(json!({"article_id": cable, "quantite": "abc"})),
            201,
            "INVALID_FORMAT",
        ),
        (
            "quantity null",
            Some(DEMO_SERIAL),
            one_line(json!({"article_id": cable, "quantite": null})),
            201,
            "INVALID_FORMAT",
        ),
        (
            "quantity 10^12",
            Some(DEMO_SERIAL),
            one_line(json!({"article_id": cable, "quantite": 1_000_000_000_000i64})),
            201,
            "INVALID_FORMAT",
        ),
        (
            "negative price",
            Some(DEMO_SERIAL),
            one_line(json!({"article_id": cable, "prix_unitaire": -5000})),
            201,
            "INVALID_FORMAT",
        ),
        (
            "no article id",
            Some(DEMO_SERIAL),
            one_line(json!({"quantite": 1})),
            201,
            "INVALID_FORMAT",
        ),
        (
            "missing lignes",
            Some(DEMO_SERIAL),
            json!([{"numero_facture": "BAD-1"}]).to_string(),
            201,
            "EMPTY_SALE",
        ),
        (
            "no lines",
            Some(DEMO_SERIAL),
            json!([{"numero_facture": "BAD-1", "lignes": []}]).to_string(),
            201,
            "EMPTY_SALE",
        ),
        (
            "a sale that is not an object",
            Some(DEMO_SERIAL),
            "[42]".into(),
            201,
            "INVALID_FORMAT",
        ),
        (
            "another shop's boutique_id",
            Some(DEMO_SERIAL),
            json!([{"boutique_id": other_shop, "lignes": [{"article_id": cable}]}]).to_string(),
            201,
            "BOUTIQUE_MISMATCH",
        ),
        (
            "unknown serial",
            Some("NO-SUCH-TILL"),
            one_line(json!({"article_id": cable})),
            404,
            "TERMINAL_NOT_FOUND",
        ),
        (
            "inactive terminal",
            Some(INACTIVE_SERIAL),
            one_line(json!({"article_id": cable})),
            404,
            "TERMINAL_NOT_FOUND",
        ),
        (
            "missing header",
            None,
            one_line(json!({"article_id": cable})),
            400,
            "MISSING_SERIAL",
        ),
    ];
    let before = app.footprint().await;
    for (name, serial, body, status, code) in cases {
        let reply = app.sync_raw(serial, body).await;
        if status == 201 {
            // A sale refused in a batch read whole: the till is told, nothing is written.
            reply.assert_all_refused(code);
            assert_eq!(reply.body["details"]["erreurs"][0]["index"], 1, "{name}");
            assert_eq!(app.footprint().await, before, "{name} wrote something");
            continue;
        }
        assert_eq!(reply.status.as_u16(), status, "{name}: {:#}", reply.body);
        assert_eq!(reply.body["code"], code, "{name}: {:#}", reply.body);
        assert_eq!(reply.body["success"], false, "{name}");
        assert!(
            reply.body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{name}"
        );
        if code == "MISSING_SERIAL" {
            assert_eq!(reply.body["header_required"], "X-Device-Serial");
        }
        assert_eq!(app.footprint().await, before, "{name} wrote something");
    }
}

#[tokio::test]
async fn a_boutique_id_in_the_query_string_is_no_way_into_another_shop() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let other_shop = app.article("BTQ-010", "EAU-150").await.boutique_id;
    let body = json!([sale("Q-1", &[(cable.id, 1, 5000.0)])]);
    let before = app.footprint().await;
    for query in [
        format!("?boutique_id={other_shop}"),
        "?boutique_id=abc".to_owned(),
    ] {
        let reply = Reply::from(
            app.client
                .post(app.url(&format!("/api/v2/simple/ventes/sync{query}")))
                .header("X-Device-Serial", DEMO_SERIAL)
                .body(body.to_string())
                .send()
                .await
                .unwrap(),
        )
        .await;
        reply.assert_error(403, "BOUTIQUE_MISMATCH");
    }
    assert_eq!(app.footprint().await, before);
    // Its own boutique named is fine.
    let reply = Reply::from(
        app.client
            .post(app.url(&format!(
                "/api/v2/simple/ventes/sync/?boutique_id={}",
                cable.boutique_id
            )))
            .header("X-Device-Serial", DEMO_SERIAL)
            .body(body.to_string())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
}

#[tokio::test]
async fn an_inactive_boutique_is_refused() {
    let app = TestApp::spawn().await;
    sqlx::query("UPDATE boutiques SET est_active = false WHERE code_boutique = 'BTQ-010'")
        .execute(&app.pool)
        .await
        .unwrap();
    let eau = app.article("BTQ-010", "EAU-150").await;
    let reply = app
        .sync(OTHER_SERIAL, &json!([sale("I-1", &[(eau.id, 1, 2500.0)])]))
        .await;
    reply.assert_error(403, "BOUTIQUE_INACTIVE");
    assert_eq!(app.stock(eau.id).await, eau.stock);
}

#[tokio::test]
async fn a_body_over_the_size_limit_is_refused() {
    let app = TestApp::spawn_with(|config| config.body_limit = 1024).await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let batch: Vec<Value> = (0..40)
        .map(|i| sale(&format!("L-{i}"), &[(cable.id, 1, 5000.0)]))
        .collect();
    let body = Value::Array(batch).to_string();
    assert!(body.len() > 1024);
    let before = app.footprint().await;
    let reply = app.sync_raw(Some(DEMO_SERIAL), body).await;
    reply.assert_error(413, "PAYLOAD_TOO_LARGE");
    assert_eq!(app.footprint().await, before);
}

#[tokio::test]
async fn old_serial_headers_and_the_trailing_slash_are_accepted() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    for (i, header) in ["Device-Serial", "Serial-Number"].iter().enumerate() {
        let reply = Reply::from(
            app.client
                .post(app.url("/api/v2/simple/ventes/sync/"))
                .header(*header, DEMO_SERIAL)
                .json(&json!([sale(&format!("H-{i}"), &[(cable.id, 1, 5000.0)])]))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(reply.status, 201, "{header}: {:#}", reply.body);
        assert_eq!(reply.body["terminal"]["numero_serie"], DEMO_SERIAL);
    }
    assert_eq!(app.stock(cable.id).await, cable.stock - 2);
}

#[tokio::test]
async fn defaults_prices_rounding_and_generated_invoice_numbers() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let reply = app
        .sync(
            DEMO_SERIAL,
            &json!([
                // No number, no price, no quantity: one cable at its catalogue price. The
                // total is the server's, whatever the till says it is.
                {"lignes": [{"article_id": cable.id}], "montant_total": "1.00"},
                {"lignes": [{"article_id": cable.id, "quantite": 3, "prix_unitaire": "1000.005"}]},
            ]),
        )
        .await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    let created = reply.body["details"]["creees"].as_array().unwrap();
    assert_eq!(created[0]["montant_total"], "5000.00");
    assert_eq!(created[0]["lignes"][0]["quantite"], 1);
    assert_eq!(created[0]["lignes"][0]["prix_unitaire"], "5000.00");
    assert_eq!(created[1]["lignes"][0]["prix_unitaire"], "1000.01");
    assert_eq!(created[1]["montant_total"], "3000.03");
    let (a, b) = (
        created[0]["numero_facture"].as_str().unwrap(),
        created[1]["numero_facture"].as_str().unwrap(),
    );
    assert!(a.starts_with("AUTO-") && b.starts_with("AUTO-"), "{a} {b}");
    assert_ne!(a, b);
    assert_eq!(app.sales_with_number(DEMO_SERIAL, a).await, 1);
    let stored: String =
        sqlx::query_scalar("SELECT montant_total::text FROM ventes WHERE numero_facture = $1")
            .bind(a)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, "5000.00");
    assert_eq!(app.stock(cable.id).await, cable.stock - 4);
    app.assert_invariants().await;
}

#[tokio::test]
async fn the_same_invoice_twice_in_one_batch_is_stored_once() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let one = sale("D-1", &[(cable.id, 2, 5000.0)]);
    let reply = app.sync(DEMO_SERIAL, &json!([one, one])).await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.body["ventes_creees"], 1);
    let id = reply.body["details"]["creees"][0]["id"].clone();
    assert_eq!(reply.body["details"]["erreurs"][0]["code"], "DUPLICATE");
    assert_eq!(reply.body["details"]["erreurs"][0]["index"], 2);
    assert_eq!(reply.body["details"]["erreurs"][0]["id"], id);
    assert_eq!(app.stock(cable.id).await, cable.stock - 2);
}

#[tokio::test]
async fn two_tills_may_use_the_same_invoice_number() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    sqlx::query(
        "INSERT INTO terminaux (boutique_id, numero_serie, nom_terminal, cle_api_hash, cle_requise)
         VALUES ($1, 'TERM-A-002', 'Caisse 2', 'x', false)",
    )
    .bind(cable.boutique_id)
    .execute(&app.pool)
    .await
    .unwrap();
    let batch = json!([sale("FAC-0001", &[(cable.id, 1, 5000.0)])]);
    assert_eq!(app.sync(DEMO_SERIAL, &batch).await.body["ventes_creees"], 1);
    assert_eq!(
        app.sync("TERM-A-002", &batch).await.body["ventes_creees"],
        1
    );
    assert_eq!(app.stock(cable.id).await, cable.stock - 2);
}

#[tokio::test]
async fn sale_dates_are_kept_and_till_clock_errors_corrected() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let mut yesterday = sale("T-1", &[(cable.id, 1, 5000.0)]);
    yesterday["date_vente"] = json!("2026-01-15T18:30:00");
    let mut future = sale("T-2", &[(cable.id, 1, 5000.0)]);
    future["date_vente"] = json!("2099-01-01T00:00:00Z");
    let mut unreadable = sale("T-3", &[(cable.id, 1, 5000.0)]);
    unreadable["date_vente"] = json!("hier");
    let reply = app
        .sync(DEMO_SERIAL, &json!([yesterday, future, unreadable]))
        .await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    let created = &reply.body["details"]["creees"];
    // No offset: the shop's local time (Kinshasa, UTC+1).
    assert_eq!(created[0]["date_vente"], "2026-01-15T18:30:00+01:00");
    assert!(created[0].get("date_vente_corrigee").is_none());
    assert_eq!(
        created[1]["date_vente_corrigee"]["date_envoyee"],
        "2099-01-01T00:00:00Z"
    );
    // A date that cannot be read: the server's time, said so.
    assert_eq!(created[2]["date_vente_corrigee"]["date_envoyee"], "hier");
    let stored: Vec<(String, String)> = sqlx::query_as(
        "SELECT numero_facture,
                CASE WHEN date_vente < now() - interval '1 day' THEN to_char(date_vente AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')
                     ELSE 'now' END
         FROM ventes ORDER BY numero_facture",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        stored,
        vec![
            ("T-1".into(), "2026-01-15 17:30".into()),
            ("T-2".into(), "now".into()),
            ("T-3".into(), "now".into())
        ]
    );
}

#[tokio::test]
async fn status_answers_without_a_terminal() {
    let app = TestApp::spawn().await;
    for path in ["/api/v2/simple/status", "/api/v2/simple/status/"] {
        let reply = app.get(path, None).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body["status"], "ok");
        assert_eq!(reply.body["database"], "ok");
        for key in [
            "status",
            "articles",
            "categories",
            "ventes",
            "boutiques",
            "terminal_info",
        ] {
            assert!(reply.body["endpoints"][key].is_string(), "endpoints.{key}");
        }
        for key in ["api_version", "message", "authentication", "note"] {
            assert!(reply.body[key].is_string(), "{key}");
        }
    }
}

#[tokio::test]
async fn unknown_paths_and_methods_are_json_errors() {
    let app = TestApp::spawn().await;
    app.get("/api/v2/simple/nothing-here/", None)
        .await
        .assert_error(404, "NOT_FOUND");
    app.get("/api/v2/simple/ventes/sync", Some(DEMO_SERIAL))
        .await
        .assert_error(405, "METHOD_NOT_ALLOWED");
}

/// How many deadlocks PostgreSQL has counted in the test's database. Backends report their
/// counts when they exit: the server's are ended first (its pool reconnects by itself).
async fn deadlocks(app: &TestApp) -> i64 {
    let others = "SELECT count(*) FROM pg_stat_activity
                  WHERE datname = current_database() AND pid <> pg_backend_pid()
                    AND backend_type = 'client backend'";
    let mut conn = app.pool.acquire().await.unwrap();
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND backend_type = 'client backend'",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    for _ in 0..100 {
        let left: i64 = sqlx::query_scalar(others)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    sqlx::query_scalar("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// Sales naming the same articles in opposite orders, stock counts and a delivery listing
/// them backwards, all at once: every change takes the article locks in one order, so none
/// waits on another in a cycle (a deadlock would be replayed unseen: PostgreSQL's own count
/// is what tells).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn opposite_orders_never_deadlock() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let before = deadlocks(&app).await;

    let sales = (0..24).map(|i| {
        let lines = if i % 2 == 0 {
            [(cable.id, 1, 5000.0), (charger.id, 1, 15000.0)]
        } else {
            [(charger.id, 1, 15000.0), (cable.id, 1, 5000.0)]
        };
        let batch = json!([sale(&format!("D-{i}"), &lines)]);
        let app = &app;
        async move { app.sync(DEMO_SERIAL, &batch).await.status.as_u16() }
    });
    let counts = [cable.id, charger.id, cable.id, charger.id].map(|id| {
        let app = &app;
        async move {
            app.send(
                app.request(
                    reqwest::Method::PUT,
                    &format!("/api/v2/simple/articles/{id}/stock/"),
                    Some(DEMO_SERIAL),
                )
                .json(&json!({"quantite_stock": 500})),
            )
            .await
            .status
            .as_u16()
        }
    });
    let deliveries = (0..3).map(|i| {
        let (app, token) = (&app, &token);
        let body = json!({"reference_document": format!("BL-D-{i}"),
                          "lignes": [{"article_id": charger.id, "quantite": 5},
                                     {"article_id": cable.id, "quantite": 5}]});
        async move {
            let path = format!("/api/admin/boutiques/{}/entrees", cable.boutique_id);
            app.admin(reqwest::Method::POST, &path, token, Some(&body))
                .await
                .status
                .as_u16()
        }
    });
    let (sales, counts, deliveries) =
        tokio::join!(join_all(sales), join_all(counts), join_all(deliveries));

    assert!(sales.iter().all(|s| *s == 201), "{sales:?}");
    assert!(counts.iter().all(|s| *s == 200), "{counts:?}");
    assert!(deliveries.iter().all(|s| *s == 201), "{deliveries:?}");
    assert_eq!(deadlocks(&app).await, before);
    let sold: i64 =
        sqlx::query_scalar("SELECT count(*) FROM ventes WHERE numero_facture LIKE 'D-%'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(sold, 24);
    app.assert_invariants().await;
}

/// A sale whose total would not fit the column is refused like any bad sale: never a 500,
/// nothing written, the refusal kept.
#[tokio::test]
async fn a_total_too_large_to_store_is_refused() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let before = app.footprint().await;
    let reply = app
        .sync(
            DEMO_SERIAL,
            &json!([sale("BIG-1", &[(cable.id, 1_000_000, 9_999_999_999.0)])]),
        )
        .await;
    reply.assert_all_refused("INVALID_FORMAT");
    let refusal = &reply.body["details"]["erreurs"][0];
    assert_eq!(refusal["numero_facture"], "BIG-1");
    assert!(
        refusal["erreur"].as_str().unwrap().contains("dépasse"),
        "{refusal:#}"
    );
    assert_eq!(app.footprint().await, before);
    let kept: String =
        sqlx::query_scalar("SELECT code FROM ventes_rejetees WHERE numero_facture = 'BIG-1'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(kept, "INVALID_FORMAT");
    app.assert_invariants().await;
}

#[tokio::test]
async fn sales_in_usd_are_kept_in_usd_at_the_rate_of_their_day() {
    let app = TestApp::spawn().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    // The rate went from 2,800 to 3,000 an hour ago.
    for change in [
        "INSERT INTO taux_change (boutique_id, taux_dollar, date_effet)
         VALUES ($1, 3000, now() - interval '1 hour')",
        "UPDATE boutiques SET taux_courant = 3000, taux_depuis = now() - interval '1 hour'
          WHERE id = $1",
    ] {
        sqlx::query(change)
            .bind(charger.boutique_id)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    // With .NET's seven decimals of a second, as the MAUI tills write it.
    let yesterday = chrono::Utc::now() - chrono::Duration::days(1);
    let yesterday = format!(
        "{}{:07}+00:00",
        yesterday.format("%Y-%m-%dT%H:%M:%S."),
        yesterday.timestamp_subsec_nanos() / 100
    );
    let batch = json!([
        // Paid in USD at the till's USD price.
        {"numero_facture": "U-1", "devise": "USD", "lignes": [
            {"article_id": charger.id, "quantite": 2, "prix_unitaire": 9.0}]},
        // Paid in CDF, one line of it in USD: converted at the rate of the day, not added raw.
        {"numero_facture": "U-2", "devise": "CDF", "lignes": [
            {"article_id": cable.id, "quantite": 1, "prix_unitaire": 5000.0},
            {"article_id": charger.id, "quantite": 1, "devise": "USD", "prix_unitaire_usd": 10.0}]},
        // Made offline yesterday, before the change: yesterday's rate.
        {"numero_facture": "U-3", "devise": "CDF", "date_vente": yesterday, "lignes": [
            {"article_id": charger.id, "quantite": 1, "devise": "USD", "prix_unitaire_usd": 10.0}]},
    ]);
    let reply = app.sync(DEMO_SERIAL, &batch).await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    let created = reply.body["details"]["creees"].as_array().unwrap();
    let summary: Vec<Value> = created
        .iter()
        .map(|c| {
            json!([
                c["numero_facture"],
                c["devise"],
                c["taux_dollar"],
                c["montant_total"],
                c["montant_total_usd"],
                c["lignes"][0]["devise"],
                c["lignes"][0]["prix_unitaire"],
                c["lignes"][0]["prix_unitaire_usd"]
            ])
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            json!([
                "U-1", "USD", "3000.00", "18.00", "18.00", "USD", "9.00", "9.00"
            ]),
            json!([
                "U-2", "CDF", "3000.00", "35000.00", null, "CDF", "5000.00", null
            ]),
            // Every line has a USD price: the total in USD is known.
            json!([
                "U-3", "CDF", "2800.00", "28000.00", "10.00", "USD", "10.00", "10.00"
            ]),
        ]
    );
    assert_eq!(created[1]["lignes"][1]["sous_total"], "10.00");

    // Stored as answered, one stock movement per article line.
    let stored: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT numero_facture, devise, taux_dollar::text, montant_total_usd::text
           FROM ventes ORDER BY numero_facture",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        stored,
        vec![
            (
                "U-1".into(),
                "USD".into(),
                "3000.00".into(),
                Some("18.00".into())
            ),
            ("U-2".into(), "CDF".into(), "3000.00".into(), None),
            (
                "U-3".into(),
                "CDF".into(),
                "2800.00".into(),
                Some("10.00".into())
            ),
        ]
    );
    assert_eq!(app.stock(charger.id).await, charger.stock - 4);

    // Revenue per currency, never CDF and USD added together.
    let history = app
        .get("/api/v2/simple/ventes/historique/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(
        history.body["statistiques"],
        json!({"total_ventes": 3, "chiffre_affaires": "63000.00", "chiffre_affaires_usd": "18.00"})
    );
    let usd_sale = history.body["ventes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["numero_facture"] == "U-1")
        .unwrap();
    assert_eq!(
        (&usd_sale["devise"], &usd_sale["montant_total_usd"]),
        (&json!("USD"), &json!("18.00"))
    );

    // The same number sent again in another currency is another sale.
    let other = app
        .sync(
            DEMO_SERIAL,
            &json!([{"numero_facture": "U-1", "devise": "CDF", "lignes": [
                {"article_id": charger.id, "quantite": 2, "prix_unitaire": 9.0}]}]),
        )
        .await;
    other.assert_all_refused("INVOICE_CONFLICT");
    app.assert_invariants().await;
}
