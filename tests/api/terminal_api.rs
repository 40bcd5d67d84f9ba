//! The rest of the terminal API: each endpoint's JSON pinned, the rules of a till's day.

use crate::common::*;
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use chrono_tz::Africa::Kinshasa;
use futures::future::join_all;
use insta::{assert_json_snapshot, dynamic_redaction};
use reqwest::Method;
use serde_json::{Value, json};

/// Replaces an ISO 8601 timestamp with an offset by `[timestamp]`, failing on anything else.
fn timestamp() -> insta::internals::Redaction {
    dynamic_redaction(|value, path| {
        let text = value.as_str().unwrap_or_default().to_owned();
        assert!(
            chrono::DateTime::parse_from_rfc3339(&text).is_ok(),
            "{path}: {text:?} is not ISO 8601 with an offset"
        );
        "[timestamp]"
    })
}

#[tokio::test]
async fn terminal_info() {
    let app = TestApp::spawn().await;
    let reply = app
        .get(&format!("/api/v2/simple/terminal/{DEMO_SERIAL}/"), None)
        .await;
    assert_eq!(reply.status, 200);
    assert_json_snapshot!(reply.body);
    assert_eq!(reply.body["terminal"]["derniere_activite"], Value::Null);

    // The request above was recorded as the till's last activity.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let again = app
        .get(&format!("/api/v2/simple/terminal/{DEMO_SERIAL}"), None)
        .await;
    assert_json_snapshot!("terminal_info_seen", again.body["terminal"], {".derniere_activite" => timestamp()});

    // At most once a minute: a till seen 30 s ago is not written to again; one seen two
    // minutes ago is.
    let seen = |ago: &'static str| {
        let app = &app;
        async move {
            sqlx::query_scalar::<_, DateTime<Utc>>(
                "UPDATE terminaux SET derniere_activite = date_trunc('second', now()) - $2::interval
                 WHERE numero_serie = $1 RETURNING derniere_activite",
            )
            .bind(DEMO_SERIAL)
            .bind(ago)
            .fetch_one(&app.pool)
            .await
            .unwrap()
        }
    };
    let last_activity = || async {
        sqlx::query_scalar::<_, DateTime<Utc>>(
            "SELECT derniere_activite FROM terminaux WHERE numero_serie = $1",
        )
        .bind(DEMO_SERIAL)
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    let recent = seen("30 seconds").await;
    app.get("/api/v2/simple/articles/", Some(DEMO_SERIAL)).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(last_activity().await, recent);
    let old = seen("2 minutes").await;
    app.get("/api/v2/simple/articles/", Some(DEMO_SERIAL)).await;
    let mut now_seen = old;
    for _ in 0..50 {
        now_seen = last_activity().await;
        if now_seen != old {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        now_seen > old + Duration::seconds(100),
        "{old} → {now_seen}"
    );

    for serial in ["NO-SUCH-TILL", INACTIVE_SERIAL] {
        let reply = app
            .get(&format!("/api/v2/simple/terminal/{serial}/"), None)
            .await;
        reply.assert_error(404, "TERMINAL_NOT_FOUND");
        assert_eq!(reply.body["numero_serie"], serial);
    }
    // A till cannot read another till by naming it in the path.
    let reply = app
        .get(
            &format!("/api/v2/simple/terminal/{DEMO_SERIAL}/"),
            Some(OTHER_SERIAL),
        )
        .await;
    reply.assert_error(404, "TERMINAL_NOT_FOUND");
}

#[tokio::test]
async fn catalogue() {
    let app = TestApp::spawn().await;
    let reply = app.get("/api/v2/simple/articles/", Some(DEMO_SERIAL)).await;
    assert_eq!(reply.status, 200);
    // The withdrawn TEL-OLD is not offered; the rest is ordered by name.
    assert_json_snapshot!(reply.body, {
        ".token" => "[token]",
        ".sync_metadata.server_time" => timestamp(),
        ".articles[].last_updated" => timestamp(),
    });

    let by_path = app
        .get(
            &format!("/api/v2/simple/articles/terminal/{DEMO_SERIAL}"),
            None,
        )
        .await;
    assert_eq!(by_path.status, 200);
    assert_eq!(by_path.body["articles"], reply.body["articles"]);
    assert_eq!(
        by_path.body["terminal"],
        json!({"numero_serie": DEMO_SERIAL, "nom_terminal": "Terminal MAUI"})
    );
    app.get(
        &format!("/api/v2/simple/articles/terminal/{DEMO_SERIAL}/"),
        Some(OTHER_SERIAL),
    )
    .await
    .assert_error(404, "TERMINAL_NOT_FOUND");

    let categories = app
        .get("/api/v2/simple/categories", Some(DEMO_SERIAL))
        .await;
    assert_eq!(categories.status, 200);
    assert_json_snapshot!(categories.body, {
        ".categories[].date_creation" => timestamp(),
        ".categories[].last_updated" => timestamp(),
        ".sync_metadata.server_time" => timestamp(),
        ".token" => "[token]",
    });

    let other = app.get("/api/v2/simple/articles", Some(OTHER_SERIAL)).await;
    assert_eq!(other.body["boutique_nom"], "Autre Boutique");
    assert_eq!(other.body["count"], 8);
}

#[tokio::test]
async fn online_sale() {
    let app = TestApp::spawn().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let earphones = app.article("BTQ-009", "ECO-001").await;
    let sale = json!({
        "numero_facture": "WEB-0001", "mode_paiement": "MOBILE_MONEY", "paye": true,
        "lignes": [
            {"article_id": charger.id, "quantite": 2, "prix_unitaire": 25000},
            {"article_id": earphones.id, "quantite": 1, "prix_unitaire": "74999.995"}
        ]
    });
    let reply = app
        .post("/api/v2/simple/ventes/", Some(DEMO_SERIAL), &sale)
        .await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    // Amounts are JSON numbers here: the till's model declares them decimal.
    assert_json_snapshot!(reply.body, {".vente.date_vente" => timestamp()});
    assert!(reply.body["vente"]["montant_total"].is_number());
    assert_eq!(app.stock(charger.id).await, 98);
    assert_eq!(app.stock(earphones.id).await, 9);

    // Sent again (the till did not hear the answer): the same sale, nothing touched.
    let again = app
        .post("/api/v2/simple/ventes", Some(DEMO_SERIAL), &sale)
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["status"], "already_exists");
    assert_eq!(again.body["vente"], reply.body["vente"]);
    assert_eq!(app.stock(charger.id).await, 98);

    // Refusals are 4xx with the sale-level code, and write nothing.
    let before = app.footprint().await;
    let other_article = app.article("BTQ-010", "RIZ-005").await;
    let refused = [
        (
            json!({"lignes": [{"article_id": earphones.id, "quantite": 50}]}),
            409,
            "INSUFFICIENT_STOCK",
        ),
        (
            json!({"lignes": [{"article_id": other_article.id}]}),
            404,
            "ARTICLE_NOT_FOUND",
        ),
        (json!({"lignes": []}), 400, "EMPTY_SALE"),
        (
            json!({"lignes": [{"article_id": charger.id, "quantite": 0}]}),
            400,
            "INVALID_FORMAT",
        ),
        (
            json!([{"lignes": [{"article_id": charger.id}]}]),
            400,
            "INVALID_FORMAT",
        ),
        (
            json!({"boutique_id": other_article.boutique_id, "lignes": [{"article_id": charger.id}]}),
            403,
            "BOUTIQUE_MISMATCH",
        ),
    ];
    for (body, status, code) in refused {
        let reply = app
            .post("/api/v2/simple/ventes/", Some(DEMO_SERIAL), &body)
            .await;
        reply.assert_error(status, code);
        assert_eq!(reply.body["success"], false);
        if code == "INSUFFICIENT_STOCK" {
            assert_eq!(reply.body["stock_disponible"], 9);
            assert_eq!(reply.body["stock_demande"], 50);
            assert_eq!(reply.body["article_id"], earphones.id);
        }
    }
    assert_eq!(app.footprint().await, before);

    // The invoice number is optional online: the server makes one.
    let unnumbered = app
        .post(
            "/api/v2/simple/ventes/",
            Some(DEMO_SERIAL),
            &json!({"lignes": [{"article_id": charger.id}]}),
        )
        .await;
    assert_eq!(unnumbered.status, 201, "{:#}", unnumbered.body);
    let numero = unnumbered.body["vente"]["numero_facture"].as_str().unwrap();
    assert!(numero.starts_with("AUTO-"), "{numero}");
    assert_eq!(app.sales_with_number(DEMO_SERIAL, numero).await, 1);
    assert_eq!(app.stock(charger.id).await, 97);
    app.assert_invariants().await;
}

/// History and movements answer their default page when no limit is asked, and never more
/// than the maximum.
#[tokio::test]
async fn lists_have_a_default_and_a_maximum_length() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let batch: Vec<Value> = (0..260)
        .map(|i| {
            sale(
                &format!("L-{i:03}"),
                &[(cable.id, 1, 5000.0), (cable.id, 1, 5000.0)],
            )
        })
        .collect();
    let reply = app.sync(DEMO_SERIAL, &json!(batch)).await;
    assert_eq!(reply.body["ventes_creees"], 260, "{:#}", reply.body);

    let count = |path: &'static str| {
        let app = &app;
        async move {
            let reply = app.get(path, Some(DEMO_SERIAL)).await;
            assert_eq!(reply.status, 200, "{path}: {:#}", reply.body);
            reply.body["count"].as_u64().unwrap()
        }
    };
    assert_eq!(count("/api/v2/simple/ventes/historique/").await, 50);
    assert_eq!(count("/api/v2/simple/mouvements-stock/").await, 100);
    // 520 movements exist; at most 500 are given.
    assert_eq!(
        count("/api/v2/simple/mouvements-stock/?limit=100000").await,
        500
    );
    assert_eq!(
        count("/api/v2/simple/ventes/historique/?limit=100000").await,
        260
    );
}

#[tokio::test]
async fn history_statistics_and_movements() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let now = Utc::now().with_timezone(&Kinshasa);
    let today = now.date_naive();
    let local = |day: chrono::NaiveDate, h: u32, m: u32| {
        Kinshasa
            .from_local_datetime(&day.and_hms_opt(h, m, 0).unwrap())
            .unwrap()
    };
    // Just after local midnight: still "today" for the shop, although UTC says yesterday.
    let early_today = local(today, 0, 5).min(now);
    let yesterday = local(today - Duration::days(1), 23, 50);
    let last_month = local(today.with_day(1).unwrap() - Duration::days(1), 12, 0);
    let at = |d: chrono::DateTime<chrono_tz::Tz>| d.format("%Y-%m-%dT%H:%M:%S").to_string();
    let mut sales = vec![
        sale("H-1", &[(cable.id, 1, 5000.0)]),
        sale("H-2", &[(charger.id, 2, 25000.0), (cable.id, 3, 5000.0)]),
        sale("H-3", &[(cable.id, 1, 5000.0)]),
        sale("H-4", &[(cable.id, 10, 4000.0)]),
    ];
    sales[1]["date_vente"] = json!(at(early_today));
    sales[2]["date_vente"] = json!(at(yesterday));
    sales[3]["date_vente"] = json!(at(last_month));
    let reply = app.sync(DEMO_SERIAL, &Value::Array(sales)).await;
    assert_eq!(reply.body["ventes_creees"], 4, "{:#}", reply.body);

    let history = app
        .get("/api/v2/simple/ventes/historique/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(history.status, 200);
    // Newest first, by the time of the sale (not of its arrival).
    let numbers: Vec<&str> = history.body["ventes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["numero_facture"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["H-1", "H-2", "H-3", "H-4"]);
    assert_json_snapshot!(history.body, {".ventes[].date_vente" => timestamp()});

    // A day filter is the shop's local day.
    let day = today.format("%Y-%m-%d").to_string();
    let only_today = app
        .get(
            &format!("/api/v2/simple/ventes/historique/?date_debut={day}&date_fin={day}"),
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(
        only_today.body["statistiques"],
        json!({"total_ventes": 2, "chiffre_affaires": "70000.00", "chiffre_affaires_usd": "0.00"})
    );
    let limited = app
        .get(
            "/api/v2/simple/ventes/historique?limit=1",
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(limited.body["count"], 1);
    assert_eq!(limited.body["statistiques"]["total_ventes"], 4);

    let stats = app
        .get("/api/v2/simple/statistiques/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(stats.status, 200);
    let same_month = yesterday.month() == today.month();
    assert_eq!(
        stats.body,
        json!({
            "success": true,
            "boutique": {"id": cable.boutique_id, "nom": "Ma Boutique",
                         "type": "Téléphonie et accessoires", "ville": "Kinshasa"},
            "statistiques": {
                "articles": {"total": 8, "stock_bas": 3},
                "categories": {"total": 2},
                "ventes_jour": {"nombre": 2, "chiffre_affaires": "70000.00", "chiffre_affaires_usd": "0.00"},
                "ventes_mois": {
                    "nombre": if same_month { 3 } else { 2 },
                    "chiffre_affaires": if same_month { "75000.00" } else { "70000.00" },
                    "chiffre_affaires_usd": "0.00"
                },
                "negociations_jour": {"nombre": 0, "montant_reduit": "0.00"},
                "negociations_mois": {"nombre": 0, "montant_reduit": "0.00"}
            }
        })
    );

    let movements = app
        .get(
            &format!("/api/v2/simple/mouvements-stock/?article_id={}", cable.id),
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(movements.status, 200);
    assert_eq!(movements.body["count"], 4);
    assert_json_snapshot!(movements.body, {".mouvements[].date_mouvement" => timestamp()});
    let sales_only = app
        .get(
            "/api/v2/simple/mouvements-stock?type_mouvement=VENTE&limit=2",
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(sales_only.body["count"], 2);
}

#[tokio::test]
async fn a_stock_count_from_the_till() {
    let app = TestApp::spawn().await;
    let case = app.article("BTQ-009", "COQ-001").await;
    let reply = app
        .send(
            app.request(
                Method::PUT,
                &format!("/api/v2/simple/articles/{}/stock/", case.id),
                Some(DEMO_SERIAL),
            )
            .json(&json!({"quantite_stock": 12})),
        )
        .await;
    assert_eq!(reply.status, 200, "{:#}", reply.body);
    assert_json_snapshot!(reply.body);
    assert_eq!(app.stock(case.id).await, 12);
    let movement: (String, i32, i32, i32, String) = sqlx::query_as(
        "SELECT type_mouvement, quantite, stock_avant, stock_apres, utilisateur
         FROM mouvements_stock WHERE article_id = $1",
    )
    .bind(case.id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        movement,
        ("AJUSTEMENT".into(), 7, 5, 12, "Terminal MAUI".into())
    );

    let before = app.footprint().await;
    for body in [
        json!({"quantite_stock": -1}),
        json!({"quantite_stock": "12"}),
        json!({}),
        json!({"quantite_stock": 1.5}),
    ] {
        let reply = app
            .send(
                app.request(
                    Method::PUT,
                    &format!("/api/v2/simple/articles/{}/stock", case.id),
                    Some(DEMO_SERIAL),
                )
                .json(&body),
            )
            .await;
        reply.assert_error(400, "INVALID_FORMAT");
        assert_eq!(reply.body["champ"], "quantite_stock");
    }
    // A boutique named in the body must be the till's own.
    let other_shop: i64 =
        sqlx::query_scalar("SELECT id FROM boutiques WHERE code_boutique = 'BTQ-010'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    for (boutique_id, status, code) in [
        (json!(other_shop), 403, "BOUTIQUE_MISMATCH"),
        (json!(other_shop.to_string()), 403, "BOUTIQUE_MISMATCH"),
        (json!("BTQ-009"), 400, "INVALID_FORMAT"),
    ] {
        let reply = app
            .send(
                app.request(
                    Method::PUT,
                    &format!("/api/v2/simple/articles/{}/stock/", case.id),
                    Some(DEMO_SERIAL),
                )
                .json(&json!({"quantite_stock": 3, "boutique_id": boutique_id})),
            )
            .await;
        reply.assert_error(status, code);
    }
    // An article that is not the shop's, or a path that names none: 404, with the id asked
    // for (null when there is none).
    for (article, article_id) in [
        ("999999".to_owned(), json!(999999)),
        ("abc".to_owned(), Value::Null),
        ("0".to_owned(), Value::Null),
    ] {
        let reply = app
            .send(
                app.request(
                    Method::PUT,
                    &format!("/api/v2/simple/articles/{article}/stock/"),
                    Some(DEMO_SERIAL),
                )
                .json(&json!({"quantite_stock": 3})),
            )
            .await;
        reply.assert_error(404, "ARTICLE_NOT_FOUND");
        assert_eq!(reply.body["article_id"], article_id, "{article}");
    }
    assert_eq!(app.footprint().await, before);
    app.assert_invariants().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stock_counts_and_sales_racing_on_one_article_keep_the_journal_exact() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let sales = (0..40).map(|i| {
        let app = &app;
        async move {
            app.sync(
                DEMO_SERIAL,
                &json!([sale(&format!("RACE-{i}"), &[(cable.id, 3, 5000.0)])]),
            )
            .await
            .status
            .as_u16()
        }
    });
    let counts = (0..10).map(|i| {
        let app = &app;
        async move {
            app.send(
                app.request(
                    Method::PUT,
                    &format!("/api/v2/simple/articles/{}/stock/", cable.id),
                    Some(DEMO_SERIAL),
                )
                .json(&json!({"quantite_stock": 500 + i})),
            )
            .await
            .status
            .as_u16()
        }
    });
    let (sales, counts) = futures::join!(join_all(sales), join_all(counts));
    assert!(sales.iter().all(|s| *s == 201), "{sales:?}");
    assert!(counts.iter().all(|s| *s == 200), "{counts:?}");
    // A sale stamped by the server before a count that was applied first is recorded
    // without taking the stock again: its movement and its correction are not counted here.
    let (movements, last_after): (i64, i32) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE vente_id IS NULL OR type_mouvement = 'VENTE'),
                (array_agg(stock_apres ORDER BY id DESC))[1]
         FROM mouvements_stock WHERE article_id = $1",
    )
    .bind(cable.id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(movements, 50);
    assert_eq!(app.stock(cable.id).await, last_after);
    app.assert_invariants().await;
}

#[tokio::test]
async fn bad_query_parameters_are_refused() {
    let app = TestApp::spawn().await;
    for (path, parameter) in [
        ("/api/v2/simple/ventes/historique/?limit=abc", "limit"),
        ("/api/v2/simple/ventes/historique/?limit=-1", "limit"),
        ("/api/v2/simple/ventes/historique/?limit=0", "limit"),
        (
            "/api/v2/simple/ventes/historique/?date_debut=yesterday",
            "date_debut",
        ),
        (
            "/api/v2/simple/ventes/historique/?date_fin=2026-13-45",
            "date_fin",
        ),
        (
            "/api/v2/simple/ventes/historique/?date_debut=2026-11-25&date_fin=2026-11-01",
            "date_fin",
        ),
        (
            "/api/v2/simple/mouvements-stock/?type_mouvement=VOL",
            "type_mouvement",
        ),
        (
            "/api/v2/simple/mouvements-stock/?article_id=abc",
            "article_id",
        ),
        ("/api/v2/simple/mouvements-stock/?limit=1e3", "limit"),
    ] {
        let reply = app.get(path, Some(DEMO_SERIAL)).await;
        reply.assert_error(400, "INVALID_PARAMETER");
        assert_eq!(reply.body["parametre"], parameter, "{path}");
    }
    // Above the maximum, a limit is the maximum.
    let reply = app
        .get(
            "/api/v2/simple/mouvements-stock/?limit=100000",
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(reply.status, 200);
    // Full timestamps are accepted, with or without an offset.
    for query in [
        "date_debut=2026-11-01T08:00:00%2B01:00",
        "date_debut=2026-11-01T08:00:00",
        "date_fin=2026-11-01T08:00:00Z",
    ] {
        let reply = app
            .get(
                &format!("/api/v2/simple/ventes/historique/?{query}"),
                Some(DEMO_SERIAL),
            )
            .await;
        assert_eq!(reply.status, 200, "{query}: {:#}", reply.body);
    }
}

#[tokio::test]
async fn boutiques_for_admins_and_tills() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let all = app
        .admin(Method::GET, "/api/v2/simple/boutiques/", &token, None)
        .await;
    assert_eq!(all.status, 200);
    assert_json_snapshot!(all.body, {".boutiques[].date_creation" => timestamp()});

    let own = app
        .get("/api/v2/simple/boutiques", Some(OTHER_SERIAL))
        .await;
    assert_eq!(own.body["count"], 1);
    assert_eq!(own.body["boutiques"][0]["nom"], "Autre Boutique");

    app.get("/api/v2/simple/boutiques/", None)
        .await
        .assert_error(401, "UNAUTHORIZED");
    app.admin(Method::GET, "/api/v2/simple/boutiques/", "wrong", None)
        .await
        .assert_error(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn terminal_keys_are_checked_when_given_and_can_be_required() {
    let app = TestApp::spawn().await;
    let path = "/api/v2/simple/categories/";
    let with = |key: &str, header: &'static str| {
        let value = if header == "Authorization" {
            format!("Bearer {key}")
        } else {
            key.to_owned()
        };
        app.request(Method::GET, path, Some(DEMO_SERIAL))
            .header(header, value)
    };
    assert_eq!(
        app.send(with("demo-cle-0a1badae951f8473", "Authorization"))
            .await
            .status,
        200
    );
    assert_eq!(
        app.send(with("demo-cle-0a1badae951f8473", "X-Api-Key"))
            .await
            .status,
        200
    );
    app.send(with("demo-cle-term-b-001", "Authorization"))
        .await
        .assert_error(401, "INVALID_API_KEY");
    app.send(with("guess", "X-Api-Key"))
        .await
        .assert_error(401, "INVALID_API_KEY");
    // Off by default: the deployed tills send no key.
    assert_eq!(app.get(path, Some(DEMO_SERIAL)).await.status, 200);

    let strict = TestApp::spawn_with(|c| c.require_terminal_key = true).await;
    strict
        .get(path, Some(DEMO_SERIAL))
        .await
        .assert_error(401, "MISSING_API_KEY");
    let reply = strict
        .send(
            strict
                .request(Method::GET, path, Some(DEMO_SERIAL))
                .header("X-Api-Key", "demo-cle-0a1badae951f8473"),
        )
        .await;
    assert_eq!(reply.status, 200);
}

/// A till's whole day against the demo data: catalogue, an online sale, an offline batch,
/// then what it reads back.
#[tokio::test]
async fn a_day_of_one_till() {
    let app = TestApp::spawn().await;
    let catalogue = app.get("/api/v2/simple/articles/", Some(DEMO_SERIAL)).await;
    let find = |code: &str| {
        catalogue.body["articles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == code)
            .cloned()
            .unwrap()
    };
    let (battery, sd_card) = (find("BAT-001"), find("CRT-001"));
    assert_eq!(battery["quantite_stock"], 3);

    let online = app
        .post(
            "/api/v2/simple/ventes/",
            Some(DEMO_SERIAL),
            &json!({"numero_facture": "J-001", "lignes": [{"article_id": battery["id"], "quantite": 1}]}),
        )
        .await;
    assert_eq!(online.status, 201);
    assert_eq!(online.body["vente"]["montant_total"], 45000.0);

    let offline = app
        .sync(
            DEMO_SERIAL,
            &json!([
                {"numero_facture": "J-002", "lignes": [{"article_id": battery["id"], "quantite": 2}]},
                {"numero_facture": "J-003", "lignes": [{"article_id": battery["id"], "quantite": 1}]},
                {"numero_facture": "J-004", "lignes": [{"article_id": sd_card["id"], "quantite": 4}]},
            ]),
        )
        .await;
    assert_eq!(offline.status, 201);
    assert_eq!(offline.body["ventes_creees"], 2);
    assert_eq!(
        offline.body["details"]["erreurs"][0]["numero_facture"],
        "J-003"
    );
    assert_eq!(
        offline.body["details"]["erreurs"][0]["code"],
        "INSUFFICIENT_STOCK"
    );

    let history = app
        .get("/api/v2/simple/ventes/historique/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(
        history.body["statistiques"],
        json!({"total_ventes": 3, "chiffre_affaires": "255000.00", "chiffre_affaires_usd": "0.00"})
    );
    let stats = app
        .get("/api/v2/simple/statistiques/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(
        stats.body["statistiques"]["ventes_jour"],
        json!({"nombre": 3, "chiffre_affaires": "255000.00", "chiffre_affaires_usd": "0.00"})
    );
    let journal = app
        .get(
            &format!(
                "/api/v2/simple/mouvements-stock/?article_id={}",
                battery["id"]
            ),
            Some(DEMO_SERIAL),
        )
        .await;
    let chain: Vec<(i64, i64)> = journal.body["mouvements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["stock_avant"].as_i64().unwrap(),
                m["stock_apres"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(chain, [(2, 0), (3, 2)]);
    let catalogue = app.get("/api/v2/simple/articles/", Some(DEMO_SERIAL)).await;
    let battery = catalogue.body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "BAT-001")
        .unwrap();
    assert_eq!(battery["quantite_stock"], 0);
    assert_eq!(battery["full_details"]["stock_disponible"], 0);
    app.assert_invariants().await;
}

/// `pos/status/`: a manager stops a shop's tills and lets them sell again; a till unknown,
/// inactive or of a closed shop is never told it may sell.
#[tokio::test]
async fn a_manager_stops_and_restarts_a_shops_tills() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let shop = app.article("BTQ-009", "CAB-001").await.boutique_id;
    let status = |serial: Option<&'static str>, query: String| {
        let app = &app;
        async move {
            app.get(&format!("/api/v2/simple/pos/status/{query}"), serial)
                .await
        }
    };

    let open = status(Some(DEMO_SERIAL), String::new()).await;
    assert_eq!(open.status, 200);
    assert_eq!(
        open.body,
        json!({"success": true, "pos_allowed": true, "code": "POS_OK",
               "message": "Caisse autorisée", "boutique_id": shop})
    );
    // The app versions that send no header name themselves in the query string.
    let by_query = status(None, format!("?numero_serie={DEMO_SERIAL}")).await;
    assert_eq!(by_query.body["code"], "POS_OK");
    assert_eq!(by_query.body["boutique_id"], shop);

    let stop = app
        .admin(
            Method::PATCH,
            &format!("/api/admin/boutiques/{shop}"),
            &token,
            Some(&json!({"pos_autorise": false})),
        )
        .await;
    assert_eq!(stop.status, 200, "{:#}", stop.body);
    assert_eq!(
        stop.body["boutique"]["pos_autorise"], false,
        "{:#}",
        stop.body
    );
    let stopped = status(Some(DEMO_SERIAL), String::new()).await;
    assert_eq!(stopped.status, 200);
    assert_eq!(stopped.body["pos_allowed"], false);
    assert_eq!(stopped.body["code"], "POS_DISABLED");
    assert_eq!(stopped.body["boutique_id"], shop);
    // Another shop's tills sell on.
    let other = status(Some(OTHER_SERIAL), String::new()).await;
    assert_eq!(other.body["code"], "POS_OK");
    // A setting that is not a yes or a no changes nothing.
    let bad = app
        .admin(
            Method::PATCH,
            &format!("/api/admin/boutiques/{shop}"),
            &token,
            Some(&json!({"pos_autorise": "peut-être"})),
        )
        .await;
    assert_eq!(bad.status, 400, "{:#}", bad.body);
    app.admin(
        Method::PATCH,
        &format!("/api/admin/boutiques/{shop}"),
        &token,
        Some(&json!({"pos_autorise": true})),
    )
    .await;
    assert_eq!(
        status(Some(DEMO_SERIAL), String::new()).await.body["code"],
        "POS_OK"
    );

    // Never POS_OK for a till that is not one, or not active.
    for serial in ["INCONNU-42", INACTIVE_SERIAL] {
        let unknown = status(None, format!("?numero_serie={serial}")).await;
        unknown.assert_error(404, "POS_UNKNOWN_BOUTIQUE");
        assert_eq!(unknown.body["numero_serie"], serial);
        assert_eq!(unknown.body["message"], unknown.body["error"]);
    }
    status(None, String::new())
        .await
        .assert_error(400, "MISSING_SERIAL");
    status(Some(DEMO_SERIAL), "?boutique_id=999999".into())
        .await
        .assert_error(403, "BOUTIQUE_MISMATCH");
    sqlx::query("UPDATE boutiques SET est_active = FALSE WHERE id = $1")
        .bind(shop)
        .execute(&app.pool)
        .await
        .unwrap();
    let closed = status(Some(DEMO_SERIAL), String::new()).await;
    closed.assert_error(403, "POS_BOUTIQUE_INACTIVE");
    assert_eq!(closed.body["boutique_id"], shop);
}

/// A 2026 till records negotiated prices and returned goods, sends them again after a
/// dropped link, and reads them back; the stock does not move and no shop sees another's.
#[tokio::test]
async fn negotiated_prices_and_returned_goods_are_recorded_once() {
    let app = TestApp::spawn().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let b = charger.boutique_id;
    let negotiated = json!({
        "code_article": "CHG-001", "montant_negocie": 22000, "quantite": 2,
        "date_operation": "2026-11-25T14:03:00+01:00", "motif": "Client fidèle",
        "reference_vente": "F-9",
    });
    let first = app
        .post(
            "/api/v2/simple/articles-negocies/",
            Some(DEMO_SERIAL),
            &negotiated,
        )
        .await;
    assert_eq!(first.status, 201, "{:#}", first.body);
    let id = first.body["id"].as_i64().unwrap();
    assert_eq!(first.body, json!({"id": id}));
    // Sent again, several times at once: one record.
    let again = join_all((0..4).map(|_| {
        app.post(
            "/api/v2/simple/articles-negocies/",
            Some(DEMO_SERIAL),
            &negotiated,
        )
    }))
    .await;
    for reply in again {
        assert_eq!(reply.status, 200, "{:#}", reply.body);
        assert_eq!(reply.body, json!({"id": id, "already_exists": true}));
    }
    // As the C# models write it, an unknown article, a date it cannot read.
    let pascal = app
        .post(
            "/api/v2/simple/articles-negocies",
            Some(DEMO_SERIAL),
            &json!({"CodeArticle": "ANCIEN-7", "MontantNegocie": "1000.5",
                    "DateOperation": "hier soir", "Devise": "usd"}),
        )
        .await;
    assert_eq!(pascal.status, 201, "{:#}", pascal.body);
    // A first record sent several times at once is stored once too.
    let returned = json!({"code_article": "CHG-001", "montant_retourne": "25000",
                          "date_operation": "2026-11-26T09:00:00+01:00"});
    let burst = join_all((0..4).map(|_| {
        app.post(
            "/api/v2/simple/retours-articles/",
            Some(DEMO_SERIAL),
            &returned,
        )
    }))
    .await;
    let mut statuses: Vec<u16> = burst.iter().map(|r| r.status.as_u16()).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 200, 200, 201], "{burst:?}");
    assert!(burst.iter().all(|r| r.body["id"] == burst[0].body["id"]));

    // Refusals name the field, and write nothing.
    for (body, code, champ) in [
        (
            json!({"montant_negocie": 1, "date_operation": "2026-11-25"}),
            "MISSING_CODE_ARTICLE",
            "code_article",
        ),
        (
            json!({"code_article": "X", "date_operation": "2026-11-25"}),
            "MISSING_FIELD",
            "montant_negocie",
        ),
        (
            json!({"code_article": "X", "montant_negocie": 1}),
            "MISSING_FIELD",
            "date_operation",
        ),
        (
            json!({"code_article": "X", "montant_negocie": "beaucoup", "date_operation": "2026-11-25"}),
            "INVALID_FORMAT",
            "montant_negocie",
        ),
        (
            json!({"code_article": "X", "montant_negocie": -1, "date_operation": "2026-11-25"}),
            "INVALID_FORMAT",
            "montant_negocie",
        ),
        (
            json!({"code_article": "X", "montant_negocie": 1, "quantite": 0, "date_operation": "2026-11-25"}),
            "INVALID_FORMAT",
            "quantite",
        ),
        (
            json!({"code_article": "X", "montant_negocie": 1, "devise": "EUR", "date_operation": "2026-11-25"}),
            "INVALID_FORMAT",
            "devise",
        ),
    ] {
        let refused = app
            .post(
                "/api/v2/simple/articles-negocies/",
                Some(DEMO_SERIAL),
                &body,
            )
            .await;
        refused.assert_error(400, code);
        assert_eq!(refused.body["champ"], champ, "{:#}", refused.body);
    }
    app.post(
        "/api/v2/simple/retours-articles/",
        Some(DEMO_SERIAL),
        &json!({"code_article": "X", "montant_negocie": 1, "date_operation": "2026-11-25"}),
    )
    .await
    .assert_error(400, "MISSING_FIELD");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM releves_articles")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 3);
    assert_eq!(app.article("BTQ-009", "CHG-001").await.stock, charger.stock);

    let history = app
        .get(
            "/api/v2/simple/articles-negocies/historique/",
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(history.status, 200, "{:#}", history.body);
    assert_eq!(history.body["count"], 2);
    assert_eq!(history.body["par_terminal"], false);
    // The one it could not date is dated now: newest first.
    assert_eq!(history.body["results"][0]["code_article"], "ANCIEN-7");
    assert_eq!(history.body["results"][0]["article_id"], Value::Null);
    assert_eq!(history.body["results"][0]["devise"], "USD");
    assert_eq!(history.body["results"][0]["montant_negocie"], "1000.50");
    let record = &history.body["results"][1];
    assert_eq!(
        record,
        &json!({
            "id": id, "boutique_id": b, "boutique_nom": "Ma Boutique",
            "terminal_id": record["terminal_id"], "terminal_nom": "Terminal MAUI",
            "terminal_serial": DEMO_SERIAL, "article_id": charger.id,
            "article_nom": charger.nom, "code_article": "CHG-001", "quantite": 2,
            "montant_negocie": "22000.00", "devise": "CDF",
            "date_operation": "2026-11-25T14:03:00+01:00", "motif": "Client fidèle",
            "reference_vente": "F-9", "created_at": record["created_at"],
            "updated_at": record["updated_at"],
        })
    );
    let returns = app
        .get(
            "/api/v2/simple/retours-articles/historique/?par_terminal=1",
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(returns.body["count"], 1);
    assert_eq!(returns.body["par_terminal"], true);
    assert_eq!(returns.body["results"][0]["montant_retourne"], "25000.00");
    assert!(returns.body["results"][0].get("montant_negocie").is_none());
    // Another shop's till sees none of them.
    let other = app
        .get(
            "/api/v2/simple/articles-negocies/historique/",
            Some(OTHER_SERIAL),
        )
        .await;
    assert_eq!(
        (&other.body["count"], &other.body["results"]),
        (&json!(0), &json!([]))
    );
    app.get(
        "/api/v2/simple/retours-articles/historique/?limit=zero",
        Some(DEMO_SERIAL),
    )
    .await
    .assert_error(400, "INVALID_PARAMETER");
}

/// `negociations/`: the lines sold below the catalogue price, each currency on its own,
/// cancelled sales left out, page by page.
#[tokio::test]
async fn the_negotiated_price_report() {
    let app = TestApp::spawn().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let reply = app
        .sync(
            DEMO_SERIAL,
            &json!([
                {"numero_facture": "N-1", "lignes": [
                    {"article_id": charger.id, "quantite": 2, "prix_unitaire": 22000, "prix_original": 25000},
                    {"article_id": cable.id, "quantite": 1, "prix_unitaire": 5000}]},
                {"numero_facture": "N-2", "devise": "USD", "lignes": [
                    {"article_id": charger.id, "quantite": 1, "prix_unitaire": 8.0, "prix_original": 9.0}]},
                {"numero_facture": "N-3", "lignes": [
                    {"article_id": cable.id, "quantite": 1, "prix_unitaire": 4000, "prix_original": 5000}]},
            ]),
        )
        .await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    assert_eq!(reply.body["accepted"].as_array().unwrap().len(), 3);
    let cancelled = app
        .post(
            "/api/v2/simple/ventes/annuler/",
            Some(DEMO_SERIAL),
            &json!({"numero_facture": "N-3", "motif": "Erreur"}),
        )
        .await;
    assert_eq!(cancelled.status, 200, "{:#}", cancelled.body);

    let report = app
        .get("/api/v2/simple/negociations/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(report.status, 200, "{:#}", report.body);
    assert_eq!(
        report.body["statistiques"],
        json!({"total_negociations": 2, "total_reduction": "6000.00",
               "total_reduction_usd": "1.00", "total_articles_negocies": 3})
    );
    let lines = report.body["negociations"].as_array().unwrap();
    let n1 = lines
        .iter()
        .find(|l| l["vente"]["numero_facture"] == "N-1")
        .unwrap();
    assert_eq!(n1["article"]["code"], "CHG-001");
    assert_eq!(
        (
            &n1["prix_original"],
            &n1["prix_negocie"],
            &n1["reduction_unitaire"],
            &n1["reduction_totale"]
        ),
        (
            &json!("25000.00"),
            &json!("22000.00"),
            &json!("3000.00"),
            &json!("6000.00")
        )
    );
    assert_eq!(n1["reduction_pourcentage"], json!(12.0));
    assert_eq!(n1["vente"]["nom_client"], "Client anonyme");
    assert_eq!(n1["devise"], "CDF");
    let n2 = lines
        .iter()
        .find(|l| l["vente"]["numero_facture"] == "N-2")
        .unwrap();
    assert_eq!(
        (&n2["devise"], &n2["reduction_totale"]),
        (&json!("USD"), &json!("1.00"))
    );

    let first = app
        .get("/api/v2/simple/negociations/?limit=1", Some(DEMO_SERIAL))
        .await;
    assert_eq!(
        first.body["pagination"],
        json!({"page": 1, "total_pages": 2, "total_items": 2, "has_next": true, "has_previous": false})
    );
    let second = app
        .get(
            "/api/v2/simple/negociations/?limit=1&page=2",
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(second.body["pagination"]["has_previous"], true);
    assert_ne!(
        first.body["negociations"][0]["id"],
        second.body["negociations"][0]["id"]
    );
    let tomorrow = (chrono::Utc::now() + Duration::days(2)).format("%Y-%m-%d");
    let later = app
        .get(
            &format!("/api/v2/simple/negociations/?date_debut={tomorrow}"),
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(later.body["statistiques"]["total_negociations"], 0);
    let other = app
        .get("/api/v2/simple/negociations/", Some(OTHER_SERIAL))
        .await;
    assert_eq!(other.body["negociations"], json!([]));
    for bad in ["page=0", "limit=x", "date_debut=hier"] {
        app.get(
            &format!("/api/v2/simple/negociations/?{bad}"),
            Some(DEMO_SERIAL),
        )
        .await
        .assert_error(400, "INVALID_PARAMETER");
    }
}

/// `analyse/regulariser/`: a till adds the units that sales beyond the stock left missing,
/// and the article's stock alerts close with it.
#[tokio::test]
async fn a_till_makes_good_what_sales_beyond_the_stock_left_missing() {
    let app = TestApp::spawn().await;
    let case = app.article("BTQ-009", "COQ-001").await;
    sqlx::query("UPDATE boutiques SET politique_stock = 'AUTORISER_NEGATIF' WHERE id = $1")
        .bind(case.boutique_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let oversold = app
        .sync(
            DEMO_SERIAL,
            &json!([sale("G-1", &[(case.id, i64::from(case.stock) + 3, 1000.0)])]),
        )
        .await;
    assert_eq!(oversold.status, 201, "{:#}", oversold.body);
    let open = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM alertes_stock WHERE article_id = $1 AND NOT fermee",
        )
        .bind(case.id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    assert_eq!(open().await, 1);

    // Refused: nothing written.
    let footprint = app.footprint().await;
    let foreign = app.article("BTQ-010", "EAU-150").await;
    for (body, status, code) in [
        (
            json!({"article_id": case.id, "quantite_ajout": 0}),
            400,
            "INVALID_FORMAT",
        ),
        (json!({"article_id": case.id}), 400, "INVALID_FORMAT"),
        (
            json!({"article_id": foreign.id, "quantite_ajout": 3}),
            404,
            "ARTICLE_NOT_FOUND",
        ),
    ] {
        app.post(
            "/api/v2/simple/analyse/regulariser/",
            Some(DEMO_SERIAL),
            &body,
        )
        .await
        .assert_error(status, code);
    }
    assert_eq!(app.footprint().await, footprint);

    let made_good = app
        .post(
            "/api/v2/simple/analyse/regulariser/",
            Some(DEMO_SERIAL),
            &json!({"article_id": case.id, "quantite_ajout": 3, "notes": "Carton retrouvé"}),
        )
        .await;
    assert_eq!(made_good.status, 200, "{:#}", made_good.body);
    assert_eq!(
        made_good.body,
        json!({"success": true, "article": {"id": case.id, "nom": case.nom, "code": "COQ-001"},
               "stock_avant": -3, "quantite_ajoutee": 3, "stock_apres": 0, "alertes_resolues": 1})
    );
    assert_eq!(open().await, 0);
    let (reference, comment): (String, Option<String>) = sqlx::query_as(
        "SELECT m.reference_document, x.commentaire FROM mouvements_stock m, alertes_stock x
         WHERE m.article_id = $1 AND m.type_mouvement = 'ENTREE' AND x.article_id = $1",
    )
    .bind(case.id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(
        reference.starts_with("REGUL-Terminal MAUI-20"),
        "{reference}"
    );
    assert_eq!(comment.as_deref(), Some("Carton retrouvé"));
    let again = app
        .post(
            "/api/v2/simple/analyse/regulariser/",
            Some(DEMO_SERIAL),
            &json!({"article_id": case.id, "quantite_ajout": 1}),
        )
        .await;
    assert_eq!(
        (&again.body["stock_apres"], &again.body["alertes_resolues"]),
        (&json!(1), &json!(0))
    );
    app.assert_invariants().await;
}

/// `ventes/notifier-rejet`: a till gives up a refused sale. The refusal stays open for the
/// manager, marked as given up; an abandonment the server had no refusal for is kept as one;
/// no stock moves.
#[tokio::test]
async fn a_till_gives_up_a_refused_sale_and_the_manager_still_sees_it() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let case = app.article("BTQ-009", "COQ-001").await;
    let foreign = app.article("BTQ-010", "EAU-150").await;
    let refused = app
        .sync(
            DEMO_SERIAL,
            &json!([sale(
                "X-1",
                &[(case.id, i64::from(case.stock) + 99, 1000.0)]
            )]),
        )
        .await;
    assert_eq!(
        refused.body["rejected"][0]["reason"], "INSUFFICIENT_STOCK",
        "{:#}",
        refused.body
    );
    let footprint = app.footprint().await;

    let notice = app
        .post(
            "/api/v2/simple/ventes/notifier-rejet/",
            Some(DEMO_SERIAL),
            &json!({"Reference": "X-1", "MotifRejet": "Stock insuffisant",
                    "Articles": [{"ArticleId": case.id, "Quantite": 99},
                                 {"ArticleId": foreign.id, "Quantite": 1}]}),
        )
        .await;
    assert_eq!(notice.status, 200, "{:#}", notice.body);
    assert_eq!(
        notice.body,
        json!({"success": true,
               "message": "Rejet enregistré : la vente reste à examiner par le gérant",
               "reference": "X-1", "motif_rejet": "Stock insuffisant",
               "traces": [{"article_id": case.id, "nom": case.nom, "quantite_tentee": 99,
                           "stock_actuel": case.stock}]})
    );
    // Nothing moved; the manager sees the refusal, open, given up by the till.
    assert_eq!(app.footprint().await, footprint);
    let review = app
        .admin(Method::GET, "/api/admin/ventes-rejetees", &token, None)
        .await;
    let row = review.body["ventes_rejetees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["numero_facture"] == "X-1")
        .unwrap()
        .clone();
    assert_eq!(row["resolue"], false);
    assert_eq!(row["code"], "INSUFFICIENT_STOCK");
    assert_eq!(row["motif_abandon"], "Stock insuffisant");
    assert!(row["date_abandon"].is_string(), "{row:#}");

    // A sale the server never saw, given up twice: one refusal to review.
    for _ in 0..2 {
        let unseen = app
            .post(
                "/api/v2/simple/ventes/notifier-rejet",
                Some(DEMO_SERIAL),
                &json!({"reference": "Y-9"}),
            )
            .await;
        assert_eq!(unseen.status, 200, "{:#}", unseen.body);
        assert_eq!(unseen.body["motif_rejet"], "Rejet inconnu");
        assert_eq!(unseen.body["traces"], json!([]));
    }
    let (code, attempts, resolved): (String, i32, bool) = sqlx::query_as(
        "SELECT code, tentatives, resolue FROM ventes_rejetees WHERE numero_facture = 'Y-9'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((code.as_str(), attempts, resolved), ("OTHER", 1, false));
    let notices: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications_stock")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(notices, 0);

    app.post(
        "/api/v2/simple/ventes/notifier-rejet/",
        Some(DEMO_SERIAL),
        &json!({}),
    )
    .await
    .assert_error(400, "MISSING_REFERENCE");
    app.post(
        "/api/v2/simple/ventes/notifier-rejet/",
        Some(DEMO_SERIAL),
        &json!({"reference": "Z-1", "articles": "tout"}),
    )
    .await
    .assert_error(400, "INVALID_FORMAT");
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM ventes_rejetees")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(kept, 2);
}

/// The answers of the routes the 2026 tills call that the 2025 ones did not (API-D1.md),
/// pinned whole: their names and JSON types are what the tills' C# models read.
#[tokio::test]
async fn the_2026_tills_routes_answers() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let b = cable.boutique_id;
    let ts = timestamp;
    app.admin(
        Method::POST,
        &format!("/api/admin/boutiques/{b}/envois"),
        &token,
        Some(&json!({"lignes": [{"article_id": cable.id, "quantite": 6}]})),
    )
    .await;
    let pending = app
        .get("/api/v2/simple/articles/pending/", Some(DEMO_SERIAL))
        .await;
    assert_json_snapshot!("d1_pending", pending.body, {
        ".articles_pending[].date_envoi" => ts(), ".articles_pending[].date_creation" => ts()
    });
    let confirmed = app
        .post(
            "/api/v2/simple/articles/valider/",
            Some(DEMO_SERIAL),
            &json!({"articleId": cable.id, "quantiteValidee": 6}),
        )
        .await;
    assert_json_snapshot!("d1_confirm", confirmed.body, {".article.date_validation" => ts()});

    app.sync(
        DEMO_SERIAL,
        &json!([sale("D1-1", &[(cable.id, 2, 5000.0)])]),
    )
    .await;
    let cancelled = app
        .post(
            "/api/v2/simple/ventes/annuler",
            Some(DEMO_SERIAL),
            &json!({"NumeroFacture": "D1-1", "Motif": "Erreur"}),
        )
        .await;
    assert_json_snapshot!("d1_cancel", cancelled.body, {
        ".vente.id" => "[id]", ".vente.date_vente" => ts(), ".vente.date_annulation" => ts(),
        ".mouvements[].mouvement_id" => "[id]"
    });
    let reconciled = app
        .post(
            "/api/v2/simple/ventes/reconciliation/",
            Some(DEMO_SERIAL),
            &json!({"ReferencesMaui": ["D1-1", "D1-9"]}),
        )
        .await;
    assert_json_snapshot!("d1_reconciliation", reconciled.body, {
        ".presentes[].id" => "[id]", ".presentes[].date_vente" => ts(),
        ".rejetees[].date_rejet" => ts()
    });
    let report = app
        .post(
            "/api/v2/simple/rapports-caisse/",
            Some(DEMO_SERIAL),
            &json!({"detail": "Sachets", "depense": 1500, "date_rapport": "2026-11-25T18:00:00+01:00"}),
        )
        .await;
    assert_json_snapshot!("d1_cash_report", report.body, {
        ".id" => "[id]", ".terminal_id" => "[id]", ".created_at" => ts(), ".updated_at" => ts()
    });
    let analysis = app
        .get("/api/v2/simple/analyse/mouvements/", Some(DEMO_SERIAL))
        .await;
    assert_json_snapshot!("d1_analysis", analysis.body, {
        ".periode" => "[period]", ".analyse_ia.rotation_stock_annuelle" => "[rotation]",
        ".analyse_ia.score_sante_stock" => "[score]", ".analyse_ia.niveau_sante" => "[level]",
        ".analyse_ia.insights" => "[insights]", ".analyse_ia.recommandations" => "[advice]"
    });
    let journal = app
        .get("/api/v2/simple/journal-valeur-stock/", Some(DEMO_SERIAL))
        .await;
    assert_json_snapshot!("d1_value_journal", journal.body, {".journal[].date" => "[day]"});
}
