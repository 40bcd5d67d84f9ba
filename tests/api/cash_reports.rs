//! `rapports-caisse/` (API-D1.md §3.5): a till's end-of-shift note and expense, kept once
//! however often it is sent, read back by the tills of its shop only.

use crate::common::*;
use serde_json::json;

const PATH: &str = "/api/v2/simple/rapports-caisse/";

async fn reports(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM rapports_caisse")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_report_is_kept_once_and_read_by_the_tills_of_its_shop() {
    let app = TestApp::spawn().await;
    let b = app.article("BTQ-009", "CAB-001").await.boutique_id;
    app.add_till(b, "TILL-R-2", "Caisse 2").await;
    let body = json!({"detail": "Achat de sachets", "depense": "5000",
                      "date_rapport": "2026-11-25T18:00:00+01:00"});

    // Sent twice at once, then again: one report.
    let (first, second) = tokio::join!(
        app.post(PATH, Some(DEMO_SERIAL), &body),
        app.post(PATH, Some(DEMO_SERIAL), &body)
    );
    let mut statuses = [first.status.as_u16(), second.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 201], "{:#} {:#}", first.body, second.body);
    assert_eq!(first.body["id"], second.body["id"]);
    let again = app
        .post(PATH.trim_end_matches('/'), Some(DEMO_SERIAL), &body)
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(reports(&app).await, 1);
    let stored = &again.body;
    let id = stored["id"].clone();
    assert_eq!(
        *stored,
        json!({"id": id, "boutique_id": b, "boutique_nom": "Ma Boutique",
               "terminal_id": stored["terminal_id"], "terminal_nom": "Terminal MAUI",
               "terminal_serial": DEMO_SERIAL, "date_rapport": "2026-11-25T18:00:00+01:00",
               "detail": "Achat de sachets", "depense": "5000.00", "devise": "CDF",
               "est_synchronise": true, "id_backend": null, "depense_appliquee": false,
               "created_at": stored["created_at"], "updated_at": stored["updated_at"]})
    );
    assert!(stored["terminal_id"].is_i64());

    // Another till of the shop, in dollars, as a number, PascalCase, the next day.
    let usd = app
        .post(
            PATH,
            Some("TILL-R-2"),
            &json!({"Detail": "Transport", "Depense": 12.5, "Devise": "USD",
                      "DateRapport": "2026-11-26T09:00:00+01:00"}),
        )
        .await;
    assert_eq!(usd.status, 201, "{:#}", usd.body);
    assert_eq!(
        (usd.body["depense"].clone(), usd.body["devise"].clone()),
        (json!("12.50"), json!("USD"))
    );

    let all = app.get(PATH, Some(DEMO_SERIAL)).await;
    assert_eq!(all.status, 200, "{:#}", all.body);
    assert_eq!(
        (all.body["count"].clone(), all.body["par_terminal"].clone()),
        (json!(2), json!(false))
    );
    assert_eq!(all.body["results"][0]["detail"], "Transport");
    let own = app
        .get(&format!("{PATH}?par_terminal=yes"), Some(DEMO_SERIAL))
        .await;
    assert_eq!(own.body["count"], 1);
    assert_eq!(own.body["par_terminal"], true);
    let day = app
        .get(
            &format!("{PATH}?date_min=2026-11-26&date_max=2026-11-26"),
            Some(DEMO_SERIAL),
        )
        .await;
    assert_eq!(day.body["count"], 1);
    assert_eq!(day.body["results"][0]["detail"], "Transport");
    let bad = app
        .get(&format!("{PATH}?date_min=hier"), Some(DEMO_SERIAL))
        .await;
    bad.assert_error(400, "INVALID_DATE_FORMAT");
    // The other shop's till sees none of them.
    let other = app.get(PATH, Some(OTHER_SERIAL)).await;
    assert_eq!(other.body["count"], 0);
}

#[tokio::test]
async fn a_faulty_report_is_refused_field_by_field_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    for (body, champ) in [
        (json!({"depense": 100}), "detail"),
        (json!({"detail": "", "depense": 100}), "detail"),
        (json!({"detail": "x".repeat(501), "depense": 100}), "detail"),
        (json!({"detail": "Repas"}), "depense"),
        (json!({"detail": "Repas", "depense": -1}), "depense"),
        (json!({"detail": "Repas", "depense": "beaucoup"}), "depense"),
        (
            json!({"detail": "Repas", "depense": 100, "devise": "EUR"}),
            "devise",
        ),
        (
            json!({"detail": "Repas", "depense": 100, "date_rapport": "hier soir"}),
            "date_rapport",
        ),
    ] {
        let refused = app.post(PATH, Some(DEMO_SERIAL), &body).await;
        refused.assert_error(400, "INVALID_FORMAT");
        assert_eq!(refused.body["champ"], champ, "{body}");
        assert!(
            refused.body[champ][0]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{:#}",
            refused.body
        );
    }
    app.post(
        PATH,
        Some(DEMO_SERIAL),
        &json!({"detail": "Repas", "depense": 1, "boutique_id": 999}),
    )
    .await
    .assert_error(403, "BOUTIQUE_MISMATCH");
    assert_eq!(reports(&app).await, 0);
}
