//! A till's data over bad links: catalogue deltas, 304s, compression, cancellations,
//! returns, reconciliation.

use crate::common::*;
use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

/// The till's local copy of the catalogue, kept by applying deltas.
#[derive(Default)]
struct LocalCatalogue {
    articles: HashMap<i64, Value>,
    token: String,
}

impl LocalCatalogue {
    async fn refresh(&mut self, app: &TestApp) -> usize {
        let path = if self.token.is_empty() {
            "/api/v2/simple/articles/".to_owned()
        } else {
            format!("/api/v2/simple/articles/?since={}", self.token)
        };
        let reply = app.get(&path, Some(DEMO_SERIAL)).await;
        assert_eq!(reply.status, 200, "{:#}", reply.body);
        let changes = reply.body["articles"].as_array().unwrap();
        for article in changes {
            let id = article["id"].as_i64().unwrap();
            if article["est_actif"] == true {
                self.articles.insert(id, article.clone());
            } else {
                self.articles.remove(&id);
            }
        }
        self.token = reply.body["token"].as_str().unwrap().to_owned();
        changes.len()
    }

    /// What the server holds now, as the till should see it.
    async fn assert_matches(&self, app: &TestApp) {
        let truth: Vec<(i64, String, String, i32)> = sqlx::query_as(
            "SELECT a.id, a.nom, a.prix_vente::text, a.quantite_stock FROM articles a
             JOIN boutiques b ON b.id = a.boutique_id
             WHERE b.code_boutique = 'BTQ-009' AND a.est_actif ORDER BY a.id",
        )
        .fetch_all(&app.pool)
        .await
        .unwrap();
        let mut local: Vec<(i64, String, String, i32)> = self
            .articles
            .values()
            .map(|a| {
                (
                    a["id"].as_i64().unwrap(),
                    a["nom"].as_str().unwrap().to_owned(),
                    a["prix_vente"].as_str().unwrap().to_owned(),
                    a["quantite_stock"].as_i64().unwrap() as i32,
                )
            })
            .collect();
        local.sort();
        assert_eq!(
            local, truth,
            "the till's catalogue drifted from the server's"
        );
    }
}

#[tokio::test]
async fn a_delta_holds_exactly_what_changed_since_the_token() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let mut till = LocalCatalogue::default();
    assert_eq!(till.refresh(&app).await, 8);
    // Nothing changed: an empty delta, and the same token.
    let before = till.token.clone();
    assert_eq!(till.refresh(&app).await, 0);
    assert_eq!(till.token, before);

    let cable = app.article("BTQ-009", "CAB-001").await;
    let case = app.article("BTQ-009", "COQ-001").await;
    let b = cable.boutique_id;
    // A price change, a withdrawal, a new article, a sale, a stock count.
    app.admin(
        Method::PATCH,
        &format!("/api/admin/boutiques/{b}/articles/{}", cable.id),
        &token,
        Some(&json!({"prix_vente": "5500"})),
    )
    .await;
    app.admin(
        Method::DELETE,
        &format!("/api/admin/boutiques/{b}/articles/{}", case.id),
        &token,
        None,
    )
    .await;
    let created = app
        .admin(Method::POST, &format!("/api/admin/boutiques/{b}/articles"), &token,
            Some(&json!({"code": "NEW-1", "nom": "Support voiture", "prix_vente": 12000, "quantite_stock": 4})))
        .await;
    let new_id = created.body["article"]["id"].as_i64().unwrap();
    let charger = app.article("BTQ-009", "CHG-001").await;
    app.sync(
        DEMO_SERIAL,
        &json!([sale("D-1", &[(charger.id, 2, 25000.0)])]),
    )
    .await;
    let delta = app
        .get(
            &format!("/api/v2/simple/articles/?since={}", till.token),
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(delta.body["complet"], false);
    let mut changed: Vec<(i64, bool)> = delta.body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["id"].as_i64().unwrap(), a["est_actif"].as_bool().unwrap()))
        .collect();
    changed.sort();
    let mut expected = vec![
        (cable.id, true),
        (case.id, false),
        (new_id, true),
        (charger.id, true),
    ];
    expected.sort();
    assert_eq!(changed, expected);
    till.refresh(&app).await;
    till.assert_matches(&app).await;

    app.get(
        "/api/v2/simple/articles/?since=yesterday",
        Some(DEMO_SERIAL),
    )
    .await
    .assert_error(400, "INVALID_PARAMETER");
}

/// Catalogue changes and sales race the till's deltas; whatever the interleaving, the till
/// ends with the server's catalogue: no change is missed, even one committed while a
/// delta was being read.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deltas_miss_nothing_under_concurrent_changes() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT a.id FROM articles a JOIN boutiques b ON b.id = a.boutique_id
         WHERE b.code_boutique = 'BTQ-009' AND a.est_actif AND a.quantite_stock >= 20 ORDER BY a.id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let shop = app.article("BTQ-009", "CAB-001").await.boutique_id;
    let mut till = LocalCatalogue::default();
    till.refresh(&app).await;

    let done = std::sync::atomic::AtomicBool::new(false);
    let writers = (0..3).map(|w| {
        let (app, token, ids, done) = (&app, &token, &ids, &done);
        async move {
            for i in 0..40usize {
                let id = ids[(w + i) % ids.len()];
                match i % 3 {
                    0 => {
                        let price = 1000 + 10 * (w * 100 + i);
                        app.admin(
                            Method::PATCH,
                            &format!("/api/admin/boutiques/{shop}/articles/{id}"),
                            token,
                            Some(&json!({"prix_vente": price})),
                        )
                        .await;
                    }
                    1 => {
                        app.sync(
                            DEMO_SERIAL,
                            &json!([sale(&format!("RACE-{w}-{i}"), &[(id, 1, 1.0)])]),
                        )
                        .await;
                    }
                    _ => {
                        app.admin(
                            Method::PATCH,
                            &format!("/api/admin/boutiques/{shop}/articles/{id}"),
                            token,
                            Some(&json!({"nom": format!("Article {w}-{i}")})),
                        )
                        .await;
                    }
                }
            }
            done.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    });
    let reader = async {
        let mut rounds = 0;
        while !done.load(std::sync::atomic::Ordering::Relaxed) {
            till.refresh(&app).await;
            rounds += 1;
        }
        rounds
    };
    let (_, rounds) = futures::join!(join_all(writers), reader);
    till.refresh(&app).await;
    till.assert_matches(&app).await;
    assert!(
        rounds > 3,
        "the deltas did not race the writers ({rounds} rounds)"
    );
}

#[tokio::test]
async fn category_deltas_report_deletions() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let shop = app.article("BTQ-009", "CAB-001").await.boutique_id;
    let full = app
        .get("/api/v2/simple/categories/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(full.body["count"], 2);
    let since = full.body["token"].as_str().unwrap().to_owned();
    let accessoires: i64 = full.body["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["nom"] == "Accessoires")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let created = app
        .admin(
            Method::POST,
            &format!("/api/admin/boutiques/{shop}/categories"),
            &token,
            Some(&json!({"nom": "Réparations"})),
        )
        .await;
    app.admin(
        Method::DELETE,
        &format!("/api/admin/boutiques/{shop}/categories/{accessoires}"),
        &token,
        None,
    )
    .await;
    let delta = app
        .get(
            &format!("/api/v2/simple/categories/?since={since}"),
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(delta.body["complet"], false);
    assert_eq!(delta.body["supprimees"], json!([accessoires]));
    let names: Vec<&str> = delta.body["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["nom"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Réparations"]);
    assert_eq!(
        delta.body["categories"][0]["id"],
        created.body["categorie"]["id"]
    );
    // Its articles lost their category, and show in the articles' delta.
    let articles = app
        .get(
            &format!("/api/v2/simple/articles/?since={since}"),
            Some(DEMO_SERIAL),
        )
        .await;
    assert!(articles.body["count"].as_i64().unwrap() >= 5);
    assert!(
        articles.body["articles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["categorie"].is_null())
    );
}

#[tokio::test]
async fn an_unchanged_catalogue_is_a_304_and_answers_are_compressed() {
    let app = TestApp::spawn().await;
    let first = app
        .request(Method::GET, "/api/v2/simple/articles/", Some(DEMO_SERIAL))
        .send()
        .await
        .unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let body: Value = first.json().await.unwrap();
    let again = app
        .request(Method::GET, "/api/v2/simple/articles/", Some(DEMO_SERIAL))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert!(again.bytes().await.unwrap().is_empty());

    let cable = app.article("BTQ-009", "CAB-001").await;
    app.sync(DEMO_SERIAL, &json!([sale("E-1", &[(cable.id, 1, 5000.0)])]))
        .await;
    let changed = app
        .request(Method::GET, "/api/v2/simple/articles/", Some(DEMO_SERIAL))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);

    // Compressed when asked, and the same JSON once decoded.
    let raw = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .unwrap();
    for encoding in ["gzip", "br"] {
        let response = raw
            .get(app.url("/api/v2/simple/articles/"))
            .header("X-Device-Serial", DEMO_SERIAL)
            .header("Accept-Encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-encoding"], encoding);
        let compressed = response.bytes().await.unwrap().len();
        assert!(
            compressed * 3 < body.to_string().len(),
            "{encoding}: {compressed} bytes"
        );
    }
    let decoded: Value = app
        .request(Method::GET, "/api/v2/simple/articles/", Some(DEMO_SERIAL))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(decoded["articles"].as_array().unwrap().len(), 8);
    assert_eq!(decoded["boutique_nom"], "Ma Boutique");
}

#[tokio::test]
async fn a_till_cancels_a_recent_sale_of_its_shop_once() {
    let app = TestApp::spawn_with(|c| c.cancel_window = Duration::from_millis(1500)).await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    app.sync(
        DEMO_SERIAL,
        &json!([
            sale("C-1", &[(cable.id, 3, 5000.0), (charger.id, 1, 25000.0)]),
            sale("C-2", &[(cable.id, 1, 5000.0)]),
            sale("C-3", &[(cable.id, 1, 5000.0)]),
        ]),
    )
    .await;
    let cancel = |body: Value, serial: &'static str| {
        let app = &app;
        async move {
            app.post("/api/v2/simple/ventes/annuler/", Some(serial), &body)
                .await
        }
    };

    let done = cancel(
        json!({"numero_facture": "C-1", "motif": "Client parti"}),
        DEMO_SERIAL,
    )
    .await;
    assert_eq!(done.status, 200, "{:#}", done.body);
    assert_eq!(done.body["vente"]["annulee"], true);
    assert_eq!(done.body["vente"]["montant_total"], "40000.00");
    // The 2026 tills' keys (API-D1.md §5).
    assert_eq!(done.body["vente"]["devise"], "CDF");
    assert_eq!(done.body["vente"]["motif"], "Client parti");
    assert!(
        done.body["vente"]["date_vente"]
            .as_str()
            .unwrap()
            .ends_with("+01:00")
    );
    assert_eq!(
        done.body["message"],
        "Vente annulée : le stock est restauré"
    );
    assert_eq!(
        done.body["boutique"],
        json!({"id": cable.boutique_id, "nom": "Ma Boutique"})
    );
    assert_eq!(
        done.body["stock_restaure"],
        json!([
            {"article_id": cable.id, "code": "CAB-001", "nom": cable.nom,
             "quantite_restauree": 3, "stock_avant": cable.stock - 5, "stock_apres": cable.stock - 2},
            {"article_id": charger.id, "code": "CHG-001", "nom": charger.nom,
             "quantite_restauree": 1, "stock_avant": charger.stock - 1, "stock_apres": charger.stock},
        ])
    );
    assert_eq!(app.stock(cable.id).await, cable.stock - 2);
    assert_eq!(app.stock(charger.id).await, charger.stock);
    let returns: Vec<(String, i32, String, Option<i64>)> = sqlx::query_as(
        "SELECT type_mouvement, quantite, reference_document, ligne_vente_id
         FROM mouvements_stock WHERE type_mouvement = 'RETOUR' ORDER BY article_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(returns.len(), 2);
    assert!(
        returns
            .iter()
            .all(|r| r.0 == "RETOUR" && r.2 == "C-1" && r.3.is_some())
    );

    // Out of the revenue, still in the history.
    let history = app
        .get("/api/v2/simple/ventes/historique/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(
        history.body["statistiques"],
        json!({"total_ventes": 2, "chiffre_affaires": "10000.00", "chiffre_affaires_usd": "0.00"})
    );
    assert_eq!(history.body["count"], 3);
    let stats = app
        .get("/api/v2/simple/statistiques/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(
        stats.body["statistiques"]["ventes_jour"],
        json!({"nombre": 2, "chiffre_affaires": "10000.00", "chiffre_affaires_usd": "0.00"})
    );

    // Twice: a clear error, nothing moves.
    let footprint = app.footprint().await;
    let again = cancel(json!({"NumeroFacture": "C-1"}), DEMO_SERIAL).await;
    again.assert_error(400, "ALREADY_CANCELLED");
    // When it was cancelled, as the first answer said it: in the shop's time zone.
    assert_eq!(
        again.body["date_annulation"],
        done.body["vente"]["date_annulation"]
    );
    assert!(
        again.body["date_annulation"]
            .as_str()
            .unwrap()
            .ends_with("+01:00"),
        "{:#}",
        again.body
    );
    // Another shop's till cannot even see it; an unknown number is the same answer.
    let id = done.body["vente"]["id"].clone();
    cancel(json!({"id": id}), OTHER_SERIAL)
        .await
        .assert_error(404, "VENTE_NOT_FOUND");
    cancel(json!({"numero_facture": "C-2"}), OTHER_SERIAL)
        .await
        .assert_error(404, "VENTE_NOT_FOUND");
    cancel(json!({"reference": "NOPE"}), DEMO_SERIAL)
        .await
        .assert_error(404, "VENTE_NOT_FOUND");
    cancel(json!({"motif": "x"}), DEMO_SERIAL)
        .await
        .assert_error(400, "MISSING_NUMERO_FACTURE");
    cancel(
        json!({"numero_facture": "C-2", "boutique_id": 2}),
        DEMO_SERIAL,
    )
    .await
    .assert_error(403, "BOUTIQUE_MISMATCH");
    assert_eq!(app.footprint().await, footprint);

    // With a key, a retry of a cancellation is the same answer, not an error.
    let keyed = || {
        app.request(
            Method::POST,
            "/api/v2/simple/ventes/annuler",
            Some(DEMO_SERIAL),
        )
        .header("Idempotency-Key", "cancel-c2")
        .json(&json!({"numero_facture": "C-2"}))
    };
    let first = app.send(keyed()).await;
    assert_eq!(first.status, 200);
    let retry = app.send(keyed()).await;
    assert_eq!((retry.status, retry.body), (first.status, first.body));

    // Past the window, only a manager can.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let late = cancel(json!({"numero_facture": "C-3"}), DEMO_SERIAL).await;
    late.assert_error(400, "CANCELLATION_TIMEOUT");
    assert_eq!(late.body["temps_ecoule_minutes"], 0);
    assert_eq!(late.body["delai_max_minutes"], 0);
    assert!(late.body["date_vente"].as_str().is_some());
    let token = app.admin_token().await;
    let c3: i64 = sqlx::query_scalar("SELECT id FROM ventes WHERE numero_facture = 'C-3'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let by_admin = app
        .admin(
            Method::POST,
            &format!(
                "/api/admin/boutiques/{}/ventes/{c3}/annuler",
                cable.boutique_id
            ),
            &token,
            Some(&json!({"motif": "Erreur de caisse"})),
        )
        .await;
    assert_eq!(by_admin.status, 200, "{:#}", by_admin.body);
    assert_eq!(app.stock(cable.id).await, cable.stock);
    app.assert_invariants().await;
}

/// Any till of the shop cancels (the cancel screen lists the whole shop); its own sale of a
/// number first, and never a guess between two other tills' sales of one number. The hour
/// runs from the sale's date, not from when a late sync brought it.
#[tokio::test]
async fn any_till_of_the_shop_cancels_within_the_hour_of_the_sale() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let b = cable.boutique_id;
    app.add_till(b, "TILL-2", "Caisse 2").await;
    app.add_till(b, "TILL-3", "Caisse 3").await;
    app.sync(DEMO_SERIAL, &json!([sale("S-1", &[(cable.id, 1, 5000.0)])]))
        .await;
    app.sync("TILL-2", &json!([sale("S-2", &[(cable.id, 1, 5000.0)])]))
        .await;
    app.sync("TILL-3", &json!([sale("S-2", &[(cable.id, 2, 5000.0)])]))
        .await;
    let two_hours_ago = (chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc3339();
    let mut old = sale("S-OLD", &[(cable.id, 1, 5000.0)]);
    old["date_vente"] = json!(two_hours_ago);
    app.sync(DEMO_SERIAL, &json!([old])).await;
    assert_eq!(app.stock(cable.id).await, cable.stock - 5);

    // Another till of the shop cancels the demo till's sale.
    let done = app
        .post(
            "/api/v2/simple/ventes/annuler",
            Some("TILL-2"),
            &json!({"NumeroFacture": "S-1", "Motif": "Doublon"}),
        )
        .await;
    assert_eq!(done.status, 200, "{:#}", done.body);
    let by: (bool, String, String) = sqlx::query_as(
        "SELECT annulee, annulee_par, motif_annulation FROM ventes WHERE numero_facture = 'S-1'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(by, (true, "Caisse 2".to_owned(), "Doublon".to_owned()));

    // S-2 exists on TILL-2 and TILL-3: each cancels its own, the demo till cannot choose.
    let footprint = app.footprint().await;
    let ambiguous = app
        .post(
            "/api/v2/simple/ventes/annuler/",
            Some(DEMO_SERIAL),
            &json!({"numero_facture": "S-2"}),
        )
        .await;
    ambiguous.assert_error(409, "AMBIGUOUS_INVOICE");
    assert_eq!(ambiguous.body["terminaux"], json!(["Caisse 2", "Caisse 3"]));
    assert_eq!(app.footprint().await, footprint);
    let own = app
        .post(
            "/api/v2/simple/ventes/annuler/",
            Some("TILL-3"),
            &json!({"numero_facture": "S-2"}),
        )
        .await;
    assert_eq!(own.status, 200, "{:#}", own.body);
    assert_eq!(own.body["stock_restaure"][0]["quantite_restauree"], 2);
    assert_eq!(own.body["vente"]["motif"], "Annulée depuis la caisse");
    // Now the shop has one open S-2 besides the cancelled one: still two, still refused.
    app.post(
        "/api/v2/simple/ventes/annuler/",
        Some(DEMO_SERIAL),
        &json!({"numero_facture": "S-2"}),
    )
    .await
    .assert_error(409, "AMBIGUOUS_INVOICE");

    // Made two hours ago, synced just now: past the till's hour.
    let late = app
        .post(
            "/api/v2/simple/ventes/annuler/",
            Some(DEMO_SERIAL),
            &json!({"numero_facture": "S-OLD"}),
        )
        .await;
    late.assert_error(400, "CANCELLATION_TIMEOUT");
    assert_eq!(late.body["delai_max_minutes"], 60);
    let elapsed = late.body["temps_ecoule_minutes"].as_i64().unwrap();
    assert!((119..=121).contains(&elapsed), "{elapsed}");
    assert_eq!(app.stock(cable.id).await, cable.stock - 2);
    app.assert_invariants().await;
}

#[tokio::test]
async fn returns_are_capped_by_what_was_sold() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    app.sync(
        DEMO_SERIAL,
        &json!([sale(
            "R-1",
            &[
                (cable.id, 2, 5000.0),
                (charger.id, 1, 25000.0),
                (cable.id, 1, 5000.0)
            ]
        )]),
    )
    .await;
    let give_back = |lines: Value| {
        let app = &app;
        async move {
            app.post(
                "/api/v2/simple/ventes/retour/",
                Some(DEMO_SERIAL),
                &json!({"numero_facture": "R-1", "lignes": lines, "motif": "Défectueux"}),
            )
            .await
        }
    };
    let first = give_back(json!([{"article_id": cable.id, "quantite": 1}])).await;
    assert_eq!(first.status, 200, "{:#}", first.body);
    assert_eq!(first.body["mouvements"][0]["quantite"], 1);
    assert_eq!(app.stock(cable.id).await, cable.stock - 2);

    let too_many = give_back(json!([{"article_id": cable.id, "quantite": 3}])).await;
    too_many.assert_error(409, "RETURN_EXCEEDS_SALE");
    assert_eq!(too_many.body["quantite_retournable"], 2);
    give_back(json!([{"article_id": 999999, "quantite": 1}]))
        .await
        .assert_error(409, "RETURN_EXCEEDS_SALE");

    // The last two cable units span both cable lines.
    let rest = give_back(json!([{"article_id": cable.id, "quantite": 2}])).await;
    assert_eq!(rest.status, 200);
    let given: Vec<(i32, i32)> = sqlx::query_as(
        "SELECT quantite, quantite_retournee FROM lignes_vente WHERE article_id = $1 ORDER BY id",
    )
    .bind(cable.id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(given, [(2, 2), (1, 1)]);
    assert_eq!(app.stock(cable.id).await, cable.stock);

    // Cancelling now gives back only the charger.
    let cancelled = app
        .post(
            "/api/v2/simple/ventes/annuler/",
            Some(DEMO_SERIAL),
            &json!({"numero_facture": "R-1"}),
        )
        .await;
    assert_eq!(cancelled.body["mouvements"].as_array().unwrap().len(), 1);
    assert_eq!(cancelled.body["mouvements"][0]["article_id"], charger.id);
    give_back(json!([{"article_id": charger.id}]))
        .await
        .assert_error(409, "ALREADY_CANCELLED");
    assert_eq!(app.stock(charger.id).await, charger.stock);
    app.assert_invariants().await;
}

#[tokio::test]
async fn reconciliation_tells_the_till_what_to_send_again() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let battery = app.article("BTQ-009", "BAT-001").await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Africa::Kinshasa)
        .date_naive();
    app.sync(
        DEMO_SERIAL,
        &json!([
            sale("J-1", &[(cable.id, 1, 5000.0)]),
            sale("J-2", &[(cable.id, 2, 5000.0)]),
            sale("J-3", &[(battery.id, 10, 45000.0)]),
            sale("J-9", &[(cable.id, 1, 5000.0)]),
        ]),
    )
    .await;
    app.post(
        "/api/v2/simple/ventes/annuler",
        Some(DEMO_SERIAL),
        &json!({"numero_facture": "J-2"}),
    )
    .await;
    let day = today.format("%Y-%m-%d").to_string();
    let reply = app
        .post(
            "/api/v2/simple/ventes/reconciliation/",
            Some(DEMO_SERIAL),
            &json!({"date_debut": day, "date_fin": day, "numeros_factures": ["J-1", "J-2", "J-3", "J-4"]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{:#}", reply.body);
    assert_eq!(
        reply.body["totaux"],
        json!({"envoyees": 4, "presentes": 2, "montant_presentes": "5000.00",
               "manquantes": 1, "rejetees": 1, "inconnues": 1})
    );
    let present: Vec<(&str, bool)> = reply.body["presentes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["numero_facture"].as_str().unwrap(),
                p["annulee"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(present, [("J-1", false), ("J-2", true)]);
    assert_eq!(reply.body["manquantes"], json!(["J-4"]));
    assert_eq!(reply.body["rejetees"][0]["numero_facture"], "J-3");
    assert_eq!(reply.body["rejetees"][0]["code"], "INSUFFICIENT_STOCK");
    assert_eq!(reply.body["inconnues"][0]["numero_facture"], "J-9");
    // D1's comparison beside it: J-1, J-2 (cancelled) and J-9 on the server for the day.
    assert_eq!(reply.body["terminal"], "Terminal MAUI");
    assert_eq!(reply.body["terminal_info"]["numero_serie"], DEMO_SERIAL);
    assert_eq!(reply.body["boutique"], "Ma Boutique");
    assert_eq!(reply.body["coherent"], false);
    assert_eq!(
        reply.body["stats"],
        json!({"ventes_django": 3, "ventes_maui": 4, "en_commun": 2,
               "total_django": 10000.0, "total_django_usd": 0.0})
    );
    assert_eq!(
        reply.body["differences"]["dans_django_pas_maui"],
        json!(["J-9"])
    );
    assert_eq!(
        reply.body["differences"]["dans_maui_pas_django"],
        json!(["J-3", "J-4"])
    );
    let detail = &reply.body["differences"]["ventes_manquantes_details"];
    assert_eq!(detail[0]["reference"], "J-9");
    assert_eq!(detail[0]["montant"], 5000.0);
    assert_eq!(detail[0]["devise"], "CDF");
    assert!(detail[0]["date"].as_str().unwrap().ends_with("+01:00"));

    // As the 2026 tills send it: PascalCase, `ReferencesMaui`.
    let d1 = app
        .post(
            "/api/v2/simple/ventes/reconciliation",
            Some(DEMO_SERIAL),
            &json!({"ReferencesMaui": ["J-1", "J-2", "J-9"], "DateDebut": day, "DateFin": day}),
        )
        .await;
    assert_eq!(d1.status, 200, "{:#}", d1.body);
    assert_eq!(d1.body["coherent"], true);
    assert_eq!(d1.body["stats"]["en_commun"], 3);
    assert_eq!(d1.body["manquantes"], json!([]));
    // Another till's reconciliation sees none of it.
    let other = app
        .post(
            "/api/v2/simple/ventes/reconciliation/",
            Some(OTHER_SERIAL),
            &json!({"numeros_factures": ["J-1"]}),
        )
        .await;
    assert_eq!(other.body["manquantes"], json!(["J-1"]));
    app.post(
        "/api/v2/simple/ventes/reconciliation/",
        Some(DEMO_SERIAL),
        &json!({"numeros_factures": "J-1"}),
    )
    .await
    .assert_error(400, "INVALID_FORMAT");
}

/// The full catalogue is served from a cache while nothing in it changed: every kind of
/// change shows at once, including one by a transaction that began before the cached read
/// and committed after it.
#[tokio::test]
async fn the_full_catalogue_is_never_stale() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let b = cable.boutique_id;
    let full = || async {
        app.get("/api/v2/simple/articles/", Some(DEMO_SERIAL))
            .await
            .body["articles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == "CAB-001")
            .cloned()
            .unwrap()
    };
    assert_eq!(full().await["prix_vente"], "5000.00");
    assert_eq!(full().await["prix_vente"], "5000.00");

    // A change by a transaction older than the cached read, committed after it.
    let mut slow = app.pool.begin().await.unwrap();
    sqlx::query(
        "UPDATE articles SET prix_vente = 5100, modif_txid = pg_current_xact_id()::text::bigint
         WHERE id = $1",
    )
    .bind(cable.id)
    .execute(&mut *slow)
    .await
    .unwrap();
    assert_eq!(full().await["prix_vente"], "5000.00");
    slow.commit().await.unwrap();
    assert_eq!(full().await["prix_vente"], "5100.00");

    // A sale, a rename of its category, a new currency.
    app.sync(
        DEMO_SERIAL,
        &json!([sale("NS-1", &[(cable.id, 3, 5100.0)])]),
    )
    .await;
    assert_eq!(full().await["quantite_stock"], cable.stock - 3);
    let category = full().await["categorie_id"].as_i64().unwrap();
    app.admin(
        Method::PATCH,
        &format!("/api/admin/boutiques/{b}/categories/{category}"),
        &token,
        Some(&json!({"nom": "Accessoires et câbles"})),
    )
    .await;
    assert_eq!(full().await["categorie_nom"], "Accessoires et câbles");
    app.admin(
        Method::PATCH,
        &format!("/api/admin/boutiques/{b}"),
        &token,
        Some(&json!({"devise": "USD"})),
    )
    .await;
    // An article keeps the currency it was priced in; a new one takes the shop's.
    assert_eq!(
        full().await["full_details"]["prix_vente_formate"],
        "5100.00 CDF"
    );
    app.admin(
        Method::POST,
        &format!("/api/admin/boutiques/{b}/articles"),
        &token,
        Some(&json!({"code": "USB-900", "nom": "Clé USB", "prix_vente": "12"})),
    )
    .await;
    let usb = app
        .get("/api/v2/simple/articles/", Some(DEMO_SERIAL))
        .await
        .body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "USB-900")
        .cloned()
        .unwrap();
    assert_eq!(usb["devise"], "USD");
    assert_eq!(usb["full_details"]["prix_vente_formate"], "12.00 USD");
}

/// A stock fixed from psql (or any tool that knows nothing of the catalogue's stamps) is
/// seen at once by the full catalogue, its cache and the next delta.
#[tokio::test]
async fn a_write_from_outside_the_server_is_seen_by_the_catalogue() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let first = app.get("/api/v2/simple/articles/", Some(DEMO_SERIAL)).await;
    let token = first.body["token"].as_str().unwrap().to_owned();
    let stock_of = |body: &Value| {
        body["articles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == cable.id)
            .map(|a| a["quantite_stock"].clone())
    };
    assert_eq!(stock_of(&first.body), Some(json!(cable.stock)));

    sqlx::query("UPDATE articles SET quantite_stock = 1000000000 WHERE id = $1")
        .bind(cable.id)
        .execute(&app.pool)
        .await
        .unwrap();

    let full = app.get("/api/v2/simple/articles/", Some(DEMO_SERIAL)).await;
    assert_eq!(stock_of(&full.body), Some(json!(1_000_000_000)));
    let delta = app
        .get(
            &format!("/api/v2/simple/articles/?since={token}"),
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(delta.body["count"], 1, "{:#}", delta.body);
    assert_eq!(stock_of(&delta.body), Some(json!(1_000_000_000)));
}

/// `server_time` as a 2026 till sends it back: C#'s `ToString("o")` (seven decimals) with
/// its `+` left unencoded in the query string.
fn as_csharp_writes_it(server_time: &str) -> String {
    let (clock, offset) = server_time.split_at(server_time.len() - 6);
    format!("{clock}.0000000{offset}")
}

/// The 2026 tills ask for what changed since the `server_time` of their last download, or
/// above an article `version`; they learn of withdrawals from `articles/deleted/` and read
/// barcode variants from `variantes/`. A change to a variant is a change to its article.
#[tokio::test]
async fn the_2026_tills_ask_by_instant_and_by_version() {
    let app = TestApp::spawn_with(|c| c.delta_margin = Duration::ZERO).await;
    let token = app.admin_token().await;
    // Timestamps are to the second: the changes below come in a later one.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let full = app.get("/api/v2/simple/articles/", Some(DEMO_SERIAL)).await;
    assert_eq!(full.status, 200);
    assert_eq!(full.body["taux_dollar"], "2800.00");
    let metadata = &full.body["sync_metadata"];
    assert_eq!(metadata["is_incremental"], false);
    assert_eq!(metadata["since"], Value::Null);
    let server_time = metadata["server_time"].as_str().unwrap().to_owned();
    let cable = &full.body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "CAB-001")
        .unwrap()
        .clone();
    for key in [
        "devise",
        "last_updated",
        "version",
        "variantes",
        "est_valide_client",
    ] {
        assert!(cable.get(key).is_some(), "{key} missing from {cable:#}");
    }
    assert_eq!(cable["devise"], "CDF");
    assert_eq!(cable["has_variantes"], false);
    let cable_version = cable["version"].as_i64().unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;

    // A price change, a withdrawal, a variant added to a third article.
    let cable_id = cable["id"].as_i64().unwrap();
    let case = app.article("BTQ-009", "COQ-001").await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let b = case.boutique_id;
    app.admin(
        Method::PATCH,
        &format!("/api/admin/boutiques/{b}/articles/{cable_id}"),
        &token,
        Some(&json!({"prix_vente": "5500"})),
    )
    .await;
    app.admin(
        Method::DELETE,
        &format!("/api/admin/boutiques/{b}/articles/{}", case.id),
        &token,
        None,
    )
    .await;
    sqlx::query(
        "INSERT INTO variantes_articles (boutique_id, article_parent_id, code_barre, nom_variante, type_attribut)
         VALUES ($1, $2, '6201234567890', 'USB-C', 'MODELE')",
    )
    .bind(b)
    .bind(charger.id)
    .execute(&app.pool)
    .await
    .unwrap();

    // `since` as the till writes it: seven decimals, and a space where its `+` was.
    let since = as_csharp_writes_it(&server_time);
    assert!(since.contains('+'), "{since}");
    let delta = app
        .get(
            &format!("/api/v2/simple/articles/?since={since}"),
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(delta.status, 200, "{:#}", delta.body);
    assert_eq!(delta.body["complet"], false);
    assert_eq!(delta.body["sync_metadata"]["is_incremental"], true);
    assert_eq!(
        delta.body["sync_metadata"]["since"],
        since.replace('+', " ")
    );
    let mut changed: Vec<&str> = delta.body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    changed.sort();
    // The withdrawn case is not in it: the catalogue holds what is on sale.
    assert_eq!(changed, ["CAB-001", "CHG-001"]);
    let with_variant = delta.body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "CHG-001")
        .unwrap();
    assert_eq!(with_variant["has_variantes"], true);
    assert_eq!(with_variant["variantes"][0]["code_barre"], "6201234567890");
    assert_eq!(
        with_variant["variantes"][0]["nom_complet"],
        format!("{} - USB-C", charger.nom)
    );
    assert_eq!(
        with_variant["variantes"][0]["quantite_stock"],
        charger.stock
    );

    // `Z`, a bare date, the version: the same rule, each its own way.
    let utc = app
        .get(
            "/api/v2/simple/articles/?since=2000-01-01T00:00:00.1234567Z",
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(utc.body["count"], full.body["count"].as_i64().unwrap() - 1);
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2)).format("%Y-%m-%d");
    let none = app
        .get(
            &format!("/api/v2/simple/articles/?since={tomorrow}"),
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(
        (none.status.as_u16(), &none.body["count"]),
        (200, &json!(0))
    );
    let by_version = app
        .get(
            &format!("/api/v2/simple/articles/?version={cable_version}"),
            Some(DEMO_SERIAL),
        )
        .await;
    let versions: Vec<i64> = by_version.body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["version"].as_i64().unwrap())
        .collect();
    assert!(versions.iter().all(|v| *v > cable_version), "{versions:?}");
    assert!(
        by_version.body["articles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["code"] == "CAB-001")
    );
    assert_eq!(
        by_version.body["sync_metadata"]["version_min"],
        cable_version.to_string()
    );
    for bad in [
        "since=hier",
        "since=2026-13-01",
        "version=-1",
        "version=deux",
    ] {
        app.get(
            &format!("/api/v2/simple/articles/?{bad}"),
            Some(DEMO_SERIAL),
        )
        .await
        .assert_error(400, "INVALID_PARAMETER");
    }

    // The withdrawal, from its own route.
    let deleted = app
        .get(
            &format!("/api/v2/simple/articles/deleted/?since={since}"),
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.body["count"], 1);
    assert_eq!(deleted.body["deleted_articles"][0]["id"], case.id);
    assert_eq!(deleted.body["deleted_articles"][0]["code"], "COQ-001");
    let stored: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT date_suppression FROM articles WHERE id = $1")
            .bind(case.id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(stored.is_some());
    // Before the withdrawal was made, only the demo's old withdrawn article.
    let all = app
        .get("/api/v2/simple/articles/deleted/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(all.body["count"], 2);
    app.get(
        "/api/v2/simple/articles/deleted/?since=12",
        Some(DEMO_SERIAL),
    )
    .await
    .assert_error(400, "INVALID_PARAMETER");

    // The variants, with their article's stock, price and currency.
    let variants = app
        .get(
            &format!("/api/v2/simple/variantes/?since={since}"),
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(variants.status, 200);
    assert_eq!(variants.body["count"], 1);
    assert_eq!(variants.body["sync_metadata"]["total_variants"], 1);
    assert_eq!(variants.body["sync_metadata"]["is_incremental"], true);
    let variant = &variants.body["variantes"][0];
    assert_eq!(variant["article_parent_id"], charger.id);
    assert_eq!(variant["type_attribut"], "MODELE");
    assert_eq!(variant["devise"], "CDF");
    assert_eq!(variant["quantite_stock"], charger.stock);
    // Another shop's till sees none of it.
    let other = app
        .get("/api/v2/simple/variantes/", Some(OTHER_SERIAL))
        .await;
    assert_eq!(other.body["count"], 0);
    let other = app
        .get("/api/v2/simple/articles/deleted/", Some(OTHER_SERIAL))
        .await;
    assert!(
        other.body["deleted_articles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != case.id)
    );
}

/// The categories by instant: a deleted one listed with when it was deleted.
#[tokio::test]
async fn category_changes_since_an_instant() {
    let app = TestApp::spawn_with(|c| c.delta_margin = Duration::ZERO).await;
    let token = app.admin_token().await;
    let shop = app.article("BTQ-009", "CAB-001").await.boutique_id;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let full = app
        .get("/api/v2/simple/categories/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(full.body["supprimees"], json!([]));
    assert!(full.body["categories"][0]["last_updated"].is_string());
    let server_time = full.body["sync_metadata"]["server_time"]
        .as_str()
        .unwrap()
        .to_owned();
    let accessoires = full.body["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["nom"] == "Accessoires")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    app.admin(
        Method::POST,
        &format!("/api/admin/boutiques/{shop}/categories"),
        &token,
        Some(&json!({"nom": "Réparations"})),
    )
    .await;
    app.admin(
        Method::DELETE,
        &format!("/api/admin/boutiques/{shop}/categories/{accessoires}"),
        &token,
        None,
    )
    .await;
    let since = as_csharp_writes_it(&server_time);
    let delta = app
        .get(
            &format!("/api/v2/simple/categories/?since={since}"),
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(delta.status, 200, "{:#}", delta.body);
    assert_eq!(delta.body["complet"], false);
    assert_eq!(delta.body["supprimees"], json!([accessoires]));
    let names: Vec<&str> = delta.body["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["nom"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Réparations"]);
    // And the full list names the deleted one too.
    let again = app
        .get("/api/v2/simple/categories/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(again.body["supprimees"], json!([accessoires]));
}
