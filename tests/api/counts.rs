//! Counts that offline sales cannot spoil: a count session sets each counted article to what
//! was on the shelf at its count time plus what moved after it, and a sale made before the
//! count that reaches the server later is recorded without taking the stock a second time.

use crate::common::*;
use chrono::{DateTime, Duration, FixedOffset, Utc};
use reqwest::Method;
use serde_json::{Value, json};

/// How a till writes an instant: the shop's local time (Kinshasa, UTC+1), no offset.
fn till_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&FixedOffset::east_opt(3600).unwrap())
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// A paid cash sale of `quantite` units made at `at`.
fn sale_at(numero: &str, article_id: i64, quantite: i64, at: DateTime<Utc>) -> Value {
    let mut sale = sale(numero, &[(article_id, quantite, 25000.0)]);
    sale["date_vente"] = json!(till_time(at));
    sale
}

async fn counts(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Reply {
    app.admin(method, &format!("/api/admin/boutiques{path}"), token, body)
        .await
}

/// Applies (`appliquer`) or abandons (`abandonner`) the session.
async fn step(app: &TestApp, token: &str, b: i64, id: i64, action: &str) -> Reply {
    counts(
        app,
        token,
        Method::POST,
        &format!("/{b}/comptages/{id}/{action}"),
        None,
    )
    .await
}

/// Opens a session and counts `lines` in it, as counted at `at`; returns its id.
async fn counted(app: &TestApp, token: &str, b: i64, lines: Value, at: DateTime<Utc>) -> i64 {
    let opened = counts(
        app,
        token,
        Method::POST,
        &format!("/{b}/comptages"),
        Some(&json!({})),
    )
    .await;
    assert_eq!(opened.status, 201, "{:#}", opened.body);
    let id = opened.body["comptage"]["id"].as_i64().unwrap();
    let reply = counts(
        app,
        token,
        Method::POST,
        &format!("/{b}/comptages/{id}/lignes"),
        Some(&json!({ "lignes": lines })),
    )
    .await;
    assert_eq!(reply.status, 200, "{:#}", reply.body);
    counted_at(app, id, at).await;
    id
}

/// The shop counted its lines at `at` (a count taken earlier in the day).
async fn counted_at(app: &TestApp, comptage_id: i64, at: DateTime<Utc>) {
    sqlx::query("UPDATE lignes_comptage SET compte_a = $2 WHERE comptage_id = $1")
        .bind(comptage_id)
        .bind(at)
        .execute(&app.pool)
        .await
        .unwrap();
}

/// The article's stock was `stock` since yesterday.
async fn set_stock(app: &TestApp, token: &str, b: i64, article_id: i64, stock: i64) {
    let reply = app
        .admin(
            Method::POST,
            &format!("/api/admin/boutiques/{b}/ajustements"),
            token,
            Some(&json!({"article_id": article_id, "quantite_stock": stock, "motif": "Départ"})),
        )
        .await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    sqlx::query(
        "UPDATE mouvements_stock SET date_mouvement = now() - interval '1 day' WHERE id = $1",
    )
    .bind(
        reply.body["mouvements"][0]["mouvement_id"]
            .as_i64()
            .unwrap(),
    )
    .execute(&app.pool)
    .await
    .unwrap();
}

async fn sell(app: &TestApp, sale: Value) {
    let reply = app.sync(DEMO_SERIAL, &json!([sale])).await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    assert_eq!(
        reply.body["details"]["creees"].as_array().unwrap().len(),
        1,
        "{:#}",
        reply.body
    );
}

/// The article's movements since `after_id`: (type, quantity, before, after, reference, sale number).
async fn movements_since(
    app: &TestApp,
    article_id: i64,
    after_id: i64,
) -> Vec<(String, i32, i32, i32, Option<String>, Option<String>)> {
    sqlx::query_as(
        "SELECT m.type_mouvement, m.quantite, m.stock_avant, m.stock_apres, m.reference_document,
                v.numero_facture
         FROM mouvements_stock m LEFT JOIN ventes v ON v.boutique_id = m.boutique_id AND v.id = m.vente_id
         WHERE m.article_id = $1 AND m.id > $2 ORDER BY m.id",
    )
    .bind(article_id)
    .bind(after_id)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn last_movement(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COALESCE(max(id), 0) FROM mouvements_stock")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn mv(
    kind: &str,
    quantite: i32,
    avant: i32,
    apres: i32,
    reference: &str,
    numero: Option<&str>,
) -> (String, i32, i32, i32, Option<String>, Option<String>) {
    (
        kind.to_owned(),
        quantite,
        avant,
        apres,
        Some(reference.to_owned()),
        numero.map(str::to_owned),
    )
}

#[tokio::test]
async fn a_late_sale_made_before_the_count_is_recorded_without_taking_the_stock_twice() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let b = charger.boutique_id;
    set_stock(&app, &token, b, charger.id, 20).await;
    let start = last_movement(&app).await;
    let now = Utc::now();
    let count_time = now - Duration::hours(2);

    // The shop counts 15 chargers on the shelf at count_time; the cable is not counted.
    let id = counted(
        &app,
        &token,
        b,
        json!([{"article_id": charger.id, "quantite": 15}]),
        count_time,
    )
    .await;
    let shown = counts(
        &app,
        &token,
        Method::GET,
        &format!("/{b}/comptages/{id}"),
        None,
    )
    .await;
    assert_eq!(shown.status, 200, "{:#}", shown.body);
    assert_eq!(shown.body["comptage"]["statut"], "OUVERT");
    assert_eq!(shown.body["comptage"]["lignes"][0]["quantite_comptee"], 15);
    assert_eq!(shown.body["comptage"]["lignes"][0]["stock_actuel"], 20);
    assert_eq!(
        shown.body["comptage"]["lignes"][0]["stock_apres"],
        Value::Null
    );

    // Before the count is applied: a sale made before the count time, one made after.
    sell(
        &app,
        sale_at("AVANT-1", charger.id, 2, count_time - Duration::hours(1)),
    )
    .await;
    sell(
        &app,
        sale_at("APRES-1", charger.id, 1, count_time + Duration::hours(1)),
    )
    .await;
    assert_eq!(app.stock(charger.id).await, 17);

    // Applied: 15 on the shelf at count_time, less the one sold after it.
    let applied = step(&app, &token, b, id, "appliquer").await;
    assert_eq!(applied.status, 200, "{:#}", applied.body);
    let session = &applied.body["comptage"];
    assert_eq!(session["statut"], "APPLIQUE");
    assert!(
        session["cloture_par"]
            .as_str()
            .unwrap()
            .starts_with("admin:")
    );
    let line = &session["lignes"][0];
    assert_eq!(
        (line["stock_avant"].as_i64(), line["stock_apres"].as_i64()),
        (Some(17), Some(14))
    );
    assert!(line["mouvement_id"].as_i64().is_some());
    assert_eq!(app.stock(charger.id).await, 14);

    // After: a sale made before the count (a till offline all day) and one made after.
    sell(
        &app,
        sale_at("AVANT-2", charger.id, 4, count_time - Duration::minutes(30)),
    )
    .await;
    assert_eq!(
        app.stock(charger.id).await,
        14,
        "already missing when counted"
    );
    sell(
        &app,
        sale_at("APRES-2", charger.id, 1, count_time + Duration::minutes(30)),
    )
    .await;
    assert_eq!(app.stock(charger.id).await, 13);

    let reference = format!("INVENTAIRE-{id}");
    assert_eq!(
        movements_since(&app, charger.id, start).await,
        vec![
            mv("VENTE", -2, 20, 18, "AVANT-1", Some("AVANT-1")),
            mv("VENTE", -1, 18, 17, "APRES-1", Some("APRES-1")),
            mv("AJUSTEMENT", -3, 17, 14, &reference, None),
            mv("VENTE", -4, 14, 10, "AVANT-2", Some("AVANT-2")),
            mv("AJUSTEMENT", 4, 10, 14, &reference, Some("AVANT-2")),
            mv("VENTE", -1, 14, 13, "APRES-2", Some("APRES-2")),
        ]
    );
    // Every sale is revenue; the uncounted article did not move.
    let sold: i64 =
        sqlx::query_scalar("SELECT sum(l.quantite) FROM lignes_vente l WHERE l.article_id = $1")
            .bind(charger.id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(sold, 8);
    assert_eq!(app.stock(cable.id).await, cable.stock);
    // The till hears of no stock change for a late sale's correction.
    let notified: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications_stock n JOIN mouvements_stock m
           ON m.boutique_id = n.boutique_id AND m.id = n.mouvement_id
         WHERE m.vente_id IS NOT NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(notified, 0);
    app.assert_invariants().await;

    // Applied once: again is refused, and changes nothing.
    let again = step(&app, &token, b, id, "appliquer").await;
    again.assert_error(409, "COUNT_CLOSED");
    assert_eq!(again.body["statut"], "APPLIQUE");
    assert_eq!(app.stock(charger.id).await, 13);
}

#[tokio::test]
async fn sales_racing_the_apply_land_on_one_side_of_it_and_the_stock_comes_out_right() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let b = charger.boutique_id;
    set_stock(&app, &token, b, charger.id, 100).await;
    let count_time = Utc::now() - Duration::hours(2);
    let id = counted(
        &app,
        &token,
        b,
        json!([{"article_id": charger.id, "quantite": 40}]),
        count_time,
    )
    .await;

    // Twelve sales made before the count and twelve after, sent from two tills at once
    // while the manager applies the count.
    app.add_till(b, "TILL-COUNT-2", "Caisse 2").await;
    let apply_path = format!("/{b}/comptages/{id}/appliquer");
    let mut sales = Vec::new();
    for i in 0..24 {
        let at = if i % 2 == 0 {
            count_time - Duration::minutes(10 + i)
        } else {
            count_time + Duration::minutes(10 + i)
        };
        let serial = if i % 3 == 0 {
            "TILL-COUNT-2"
        } else {
            DEMO_SERIAL
        };
        sales.push((
            serial,
            json!([sale_at(&format!("R-{i}"), charger.id, 1, at)]),
        ));
    }
    let (applied, replies) = tokio::join!(
        async {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            counts(&app, &token, Method::POST, &apply_path, None).await
        },
        futures::future::join_all(sales.iter().map(|(serial, body)| app.sync(serial, body)))
    );
    assert_eq!(applied.status, 200, "{:#}", applied.body);
    for reply in replies {
        assert_eq!(reply.status, 201, "{:#}", reply.body);
    }
    // 40 on the shelf at count time, 12 sold after it: whatever the order they arrived in.
    assert_eq!(app.stock(charger.id).await, 28);
    let recorded: i64 =
        sqlx::query_scalar("SELECT count(*) FROM ventes WHERE numero_facture LIKE 'R-%'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(recorded, 24);
    app.assert_invariants().await;
}

#[tokio::test]
async fn a_tills_stock_count_is_a_count_of_one_line() {
    let app = TestApp::spawn().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let start = last_movement(&app).await;
    let reply = app
        .send(
            app.request(
                Method::PUT,
                &format!("/api/v2/simple/articles/{}/stock/", charger.id),
                Some(DEMO_SERIAL),
            )
            .json(&json!({"quantite_stock": 30})),
        )
        .await;
    assert_eq!(reply.status, 200, "{:#}", reply.body);
    assert_eq!(reply.body["article"]["nouvelle_quantite"], 30);
    let id: i64 = sqlx::query_scalar(
        "SELECT id FROM comptages WHERE statut = 'APPLIQUE' AND commentaire = 'Inventaire depuis le terminal'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();

    // A sale made an hour ago reaches the server now: the till's count already saw it gone.
    sell(
        &app,
        sale_at("HIER", charger.id, 3, Utc::now() - Duration::hours(1)),
    )
    .await;
    assert_eq!(app.stock(charger.id).await, 30);
    // A sale made now takes its units.
    let mut now = sale("MAINTENANT", &[(charger.id, 2, 25000.0)]);
    now["date_vente"] = json!(till_time(Utc::now() + Duration::seconds(1)));
    sell(&app, now).await;
    assert_eq!(app.stock(charger.id).await, 28);
    let reference = format!("INVENTAIRE-{id}");
    let journal = movements_since(&app, charger.id, start).await;
    assert_eq!(journal[0].0, "AJUSTEMENT");
    assert_eq!(journal[0].4.as_deref(), Some(reference.as_str()));
    assert_eq!(
        journal[1..],
        [
            mv("VENTE", -3, 30, 27, "HIER", Some("HIER")),
            mv("AJUSTEMENT", 3, 27, 30, &reference, Some("HIER")),
            mv("VENTE", -2, 30, 28, "MAINTENANT", Some("MAINTENANT")),
        ]
    );
    app.assert_invariants().await;
}

#[tokio::test]
async fn a_count_session_refuses_what_it_cannot_do_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let b = charger.boutique_id;
    let foreign = app.article("BTQ-010", "EAU-150").await;
    let opened = counts(
        &app,
        &token,
        Method::POST,
        &format!("/{b}/comptages"),
        Some(&json!({"commentaire": "Fin de mois"})),
    )
    .await;
    assert_eq!(opened.status, 201, "{:#}", opened.body);
    let id = opened.body["comptage"]["id"].as_i64().unwrap();
    assert_eq!(opened.body["comptage"]["commentaire"], "Fin de mois");

    // One session at a time per shop.
    let second = counts(
        &app,
        &token,
        Method::POST,
        &format!("/{b}/comptages"),
        Some(&json!({})),
    )
    .await;
    second.assert_error(409, "ALREADY_EXISTS");
    assert_eq!(second.body["comptage_id"], id);
    // Nothing counted: nothing to apply.
    let empty = step(&app, &token, b, id, "appliquer").await;
    empty.assert_error(400, "EMPTY_DATA");
    // Another shop's article, a negative count: refused whole.
    let lines = format!("/{b}/comptages/{id}/lignes");
    for (lignes, status, code) in [
        (
            json!([{"article_id": charger.id, "quantite": 5}, {"article_id": foreign.id, "quantite": 1}]),
            404,
            "ARTICLE_NOT_FOUND",
        ),
        (
            json!([{"article_id": charger.id, "quantite": -1}]),
            400,
            "INVALID_FORMAT",
        ),
        (json!([]), 400, "INVALID_FORMAT"),
    ] {
        let reply = counts(
            &app,
            &token,
            Method::POST,
            &lines,
            Some(&json!({ "lignes": lignes })),
        )
        .await;
        reply.assert_error(status, code);
    }
    let written: i64 = sqlx::query_scalar("SELECT count(*) FROM lignes_comptage")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(written, 0);
    // Counted twice: the last count replaces the line.
    for quantite in [5, 7] {
        let reply = counts(
            &app,
            &token,
            Method::POST,
            &lines,
            Some(&json!({"lignes": [{"article_id": charger.id, "quantite": quantite}]})),
        )
        .await;
        assert_eq!(reply.status, 200, "{:#}", reply.body);
        assert_eq!(reply.body["comptage"]["nombre_lignes"], 1);
        assert_eq!(
            reply.body["comptage"]["lignes"][0]["quantite_comptee"],
            quantite
        );
    }

    // Another merchant's token sees no such shop; another shop has no such session.
    let scoped = app.merchant_token(foreign.boutique_id).await;
    counts(
        &app,
        &scoped,
        Method::POST,
        &format!("/{b}/comptages/{id}/appliquer"),
        None,
    )
    .await
    .assert_error(404, "NOT_FOUND");
    counts(
        &app,
        &token,
        Method::POST,
        &format!("/{}/comptages/{id}/appliquer", foreign.boutique_id),
        None,
    )
    .await
    .assert_error(404, "NOT_FOUND");

    // Abandoned: the stock never moves, and the shop may open another.
    let abandoned = step(&app, &token, b, id, "abandonner").await;
    assert_eq!(abandoned.status, 200, "{:#}", abandoned.body);
    assert_eq!(abandoned.body["comptage"]["statut"], "ABANDONNE");
    assert_eq!(app.stock(charger.id).await, charger.stock);
    counts(
        &app,
        &token,
        Method::POST,
        &lines,
        Some(&json!({"lignes": [{"article_id": charger.id, "quantite": 1}]})),
    )
    .await
    .assert_error(409, "COUNT_CLOSED");
    let listed = counts(&app, &token, Method::GET, &format!("/{b}/comptages"), None).await;
    assert_eq!(listed.body["count"], 1);
    assert_eq!(listed.body["comptages"][0]["statut"], "ABANDONNE");
    let reopened = counts(
        &app,
        &token,
        Method::POST,
        &format!("/{b}/comptages"),
        Some(&json!({})),
    )
    .await;
    assert_eq!(reopened.status, 201);
    app.assert_invariants().await;
}

#[tokio::test]
async fn a_line_counted_before_a_later_applied_count_changes_nothing() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let b = charger.boutique_id;
    let id = counted(
        &app,
        &token,
        b,
        json!([{"article_id": charger.id, "quantite": 3}]),
        Utc::now() - Duration::hours(1),
    )
    .await;
    // The till counts the article afterwards, applied at once.
    let reply = app
        .send(
            app.request(
                Method::PUT,
                &format!("/api/v2/simple/articles/{}/stock/", charger.id),
                Some(DEMO_SERIAL),
            )
            .json(&json!({"quantite_stock": 9, "commentaire": "Recompté"})),
        )
        .await;
    assert_eq!(reply.status, 200, "{:#}", reply.body);
    let applied = step(&app, &token, b, id, "appliquer").await;
    assert_eq!(applied.status, 200, "{:#}", applied.body);
    let line = &applied.body["comptage"]["lignes"][0];
    assert_eq!(line["mouvement_id"], Value::Null);
    assert_eq!(line["stock_apres"], Value::Null);
    assert_eq!(app.stock(charger.id).await, 9);
    app.assert_invariants().await;
}
