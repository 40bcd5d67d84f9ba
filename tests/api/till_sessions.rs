//! Till sessions (sessions de caisse) over the administration API: opened with floats,
//! sold on in CDF and USD, a return and a cancellation, closed with a difference; the
//! Z-report's exact figures, a sale synced after closing shown as late, concurrent opens,
//! and another merchant's token or another shop's path refused.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};

async fn sale_id(app: &TestApp, numero: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM ventes WHERE numero_facture = $1")
        .bind(numero)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn line(article: i64, quantite: i64, prix: f64) -> Value {
    json!([{"article_id": article, "quantite": quantite, "prix_unitaire": prix}])
}

#[tokio::test]
async fn a_session_closed_with_a_difference_reads_as_its_z_report_and_late_sales_show() {
    let app = TestApp::spawn().await;
    let article = app.article("BTQ-009", "CAB-001").await;
    let b = article.boutique_id;
    let till: i64 = sqlx::query_scalar("SELECT id FROM terminaux WHERE numero_serie = $1")
        .bind(DEMO_SERIAL)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let token = app.admin_token().await;
    let base = format!("/api/admin/boutiques/{b}/sessions-caisse");
    let open_body = json!({"terminal_id": till, "fond_cdf": 10000, "fond_usd": "20"});

    // Two opens at once: one session, the other a 409.
    let (first, second) = tokio::join!(
        app.admin(Method::POST, &base, &token, Some(&open_body)),
        app.admin(Method::POST, &base, &token, Some(&open_body))
    );
    let mut statuses = [first.status.as_u16(), second.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{:#} {:#}", first.body, second.body);
    let opened = if first.status == 201 { &first } else { &second };
    let refused = if first.status == 201 { &second } else { &first };
    refused.assert_error(409, "ALREADY_EXISTS");
    let id = opened.body["session"]["id"].as_i64().unwrap();
    assert_eq!(opened.body["session"]["statut"], "ouverte");
    assert_eq!(opened.body["session"]["fond_cdf"], "10000.00");
    assert_eq!(opened.body["session"]["fond_usd"], "20.00");
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions_caisse")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 1);
    // The session began an hour ago, so that a sale can be dated inside it later.
    sqlx::query("UPDATE sessions_caisse SET date_ouverture = now() - interval '1 hour'")
        .execute(&app.pool)
        .await
        .unwrap();

    let a = article.id;
    let reply = app
        .sync(
            DEMO_SERIAL,
            &json!([
                {"numero_facture": "Z-1", "mode_paiement": "CASH", "lignes": line(a, 1, 5000.0)},
                {"numero_facture": "Z-2", "mode_paiement": "CASH", "devise": "USD",
                 "lignes": line(a, 1, 9.0)},
                {"numero_facture": "Z-3", "mode_paiement": "MOBILE_MONEY",
                 "lignes": line(a, 1, 3000.0)},
                {"numero_facture": "Z-4", "mode_paiement": "CASH", "lignes": line(a, 2, 2000.0)},
                {"numero_facture": "Z-5", "mode_paiement": "CASH", "lignes": line(a, 1, 7000.0)},
            ]),
        )
        .await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    let sales = format!("/api/admin/boutiques/{b}/ventes");
    let returned = app
        .admin(
            Method::POST,
            &format!("{sales}/{}/retour", sale_id(&app, "Z-4").await),
            &token,
            Some(&json!({"lignes": [{"article_id": a, "quantite": 1}]})),
        )
        .await;
    assert_eq!(returned.status, 200, "{:#}", returned.body);
    let cancelled = app
        .admin(
            Method::POST,
            &format!("{sales}/{}/annuler", sale_id(&app, "Z-5").await),
            &token,
            Some(&json!({})),
        )
        .await;
    assert_eq!(cancelled.status, 200, "{:#}", cancelled.body);

    let close = format!("{base}/{id}/fermer");
    let closed = app
        .admin(
            Method::POST,
            &close,
            &token,
            Some(&json!({"compte_cdf": 16500, "compte_usd": 29})),
        )
        .await;
    assert_eq!(closed.status, 200, "{:#}", closed.body);
    assert_eq!(closed.body["session"]["statut"], "fermee");
    let again = app
        .admin(
            Method::POST,
            &close,
            &token,
            Some(&json!({"compte_cdf": 1, "compte_usd": 1})),
        )
        .await;
    again.assert_error(409, "ALREADY_EXISTS");

    let report_path = format!("{base}/{id}/rapport-z");
    let report = app.admin(Method::GET, &report_path, &token, None).await;
    assert_eq!(report.status, 200, "{:#}", report.body);
    let r = &report.body;
    assert_eq!(
        r["ventes"],
        json!([
            {"mode_paiement": "CASH", "devise": "CDF", "nombre": 2, "montant": "9000.00"},
            {"mode_paiement": "CASH", "devise": "USD", "nombre": 1, "montant": "9.00"},
            {"mode_paiement": "MOBILE_MONEY", "devise": "CDF", "nombre": 1, "montant": "3000.00"},
        ])
    );
    assert_eq!(
        r["annulations"],
        json!([{"mode_paiement": "CASH", "devise": "CDF", "nombre": 1, "montant": "7000.00"}])
    );
    assert_eq!(
        r["retours"],
        json!([{"mode_paiement": "CASH", "devise": "CDF", "nombre": 1, "montant": "2000.00"}])
    );
    assert_eq!(
        r["caisse"],
        json!([
            {"devise": "CDF", "fond": "10000.00", "ventes_especes": "9000.00",
             "retours_especes": "2000.00", "depenses": "0.00", "depenses_en_attente": "0.00",
             "attendu": "17000.00", "compte": "16500.00", "ecart": "-500.00"},
            {"devise": "USD", "fond": "20.00", "ventes_especes": "9.00",
             "retours_especes": "0.00", "depenses": "0.00", "depenses_en_attente": "0.00",
             "attendu": "29.00", "compte": "29.00", "ecart": "0.00"},
        ])
    );
    assert_eq!(r["ventes_tardives"], json!([]));
    assert_eq!(r["depenses"], json!([]));

    // A sale made during the session, synced after it was closed: counted, and listed late.
    let during = (chrono::Utc::now() - chrono::Duration::minutes(30)).to_rfc3339();
    let late = app
        .sync(
            DEMO_SERIAL,
            &json!([{"numero_facture": "Z-6", "mode_paiement": "CASH", "devise": "USD",
                     "date_vente": during, "lignes": line(a, 1, 9.0)}]),
        )
        .await;
    assert_eq!(late.status, 201, "{:#}", late.body);
    let after = app.admin(Method::GET, &report_path, &token, None).await;
    let r = &after.body;
    assert_eq!(
        r["ventes"][1],
        json!({"mode_paiement": "CASH", "devise": "USD", "nombre": 2, "montant": "18.00"})
    );
    assert_eq!(
        (&r["caisse"][1]["attendu"], &r["caisse"][1]["ecart"]),
        (&json!("38.00"), &json!("-9.00"))
    );
    let tardives = r["ventes_tardives"].as_array().unwrap();
    assert_eq!(tardives.len(), 1, "{r:#}");
    assert_eq!(tardives[0]["numero_facture"], "Z-6");
    assert_eq!(tardives[0]["montant"], "9.00");

    let list = app.admin(Method::GET, &base, &token, None).await;
    assert_eq!(list.status, 200, "{:#}", list.body);
    assert_eq!(list.body["count"], 1);
    assert_eq!(list.body["sessions"][0]["compte_cdf"], "16500.00");

    // Another merchant's token, and another shop's path: as if the session did not exist.
    let other: i64 = sqlx::query_scalar("SELECT id FROM boutiques WHERE code_boutique = 'BTQ-010'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let scoped = app.merchant_token(other).await;
    app.admin(Method::GET, &report_path, &scoped, None)
        .await
        .assert_error(404, "NOT_FOUND");
    let elsewhere = format!("/api/admin/boutiques/{other}/sessions-caisse/{id}");
    app.admin(Method::GET, &format!("{elsewhere}/rapport-z"), &token, None)
        .await
        .assert_error(404, "NOT_FOUND");
    app.admin(
        Method::POST,
        &format!("{elsewhere}/fermer"),
        &token,
        Some(&json!({"compte_cdf": 0, "compte_usd": 0})),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    // Another shop's till cannot be opened from this shop's path.
    let other_till: i64 = sqlx::query_scalar("SELECT id FROM terminaux WHERE numero_serie = $1")
        .bind(OTHER_SERIAL)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    app.admin(
        Method::POST,
        &base,
        &token,
        Some(&json!({"terminal_id": other_till, "fond_cdf": 0, "fond_usd": 0})),
    )
    .await
    .assert_error(404, "NOT_FOUND");
    app.assert_invariants().await;
}
