//! Till sessions in the back-office: opened on a till with a float per currency, sold on in
//! CDF and USD, an expense the till reported (`rapports-caisse/`), closed with the cash
//! counted, the Z-report (on the page, on a ticket, in the admin API), the expense applied,
//! a sale synced after closing shown as late; refusals write nothing; another merchant's
//! manager sees nothing.

use super::*;
use reqwest::Method;

/// Kinshasa local time (UTC+1) without an offset, as the tills write it, `minutes` ago.
fn local_minutes_ago(minutes: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(minutes))
        .with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap())
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

fn row(label: &str, value: &str) -> String {
    format!("<th scope=\"row\">{label}</th><td class=\"num\">{value}</td>")
}

#[tokio::test]
async fn a_till_session_opened_sold_in_cdf_and_usd_closed_with_a_difference_and_printed() {
    let app = spawn().await;
    let b = shop_id(&app, "BTQ-009").await;
    let url = |path: &str| format!("/backoffice/boutiques/{b}{path}");
    let till = terminal_id(&app, DEMO_SERIAL).await.to_string();
    let cable = app.article("BTQ-009", "CAB-001").await;
    app.add_till(b, "TILL-S-2", "Caisse 2").await;
    let ma = Browser::logged_in(&app, MA, MA_PASSWORD).await;

    ma.get(&url("/sessions-caisse"))
        .await
        .assert_ok()
        .assert_contains("Aucune session pour l'instant.")
        .assert_contains(&format!("<option value=\"{till}\">Terminal MAUI</option>"))
        .assert_contains("signalée")
        .assert_contains("comme tardive");
    // Refused, nothing written: no till chosen, a negative float, another shop's till.
    let open = |terminal: &str, cdf: &str, usd: &str| {
        [
            ("terminal_id", terminal.to_owned()),
            ("fond_cdf", cdf.to_owned()),
            ("fond_usd", usd.to_owned()),
        ]
    };
    for (fields, said) in [
        (open("", "0", "0"), "Choisissez le terminal."),
        (
            open(&till, "-5", "0"),
            "Fond en CDF : indiquez un montant de 0 ou plus.",
        ),
        (
            open(&terminal_id(&app, OTHER_SERIAL).await.to_string(), "0", "0"),
            "Choisissez un terminal de cette boutique.",
        ),
    ] {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = ma.post(&url("/sessions-caisse"), &fields).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{said}");
        refused.assert_contains(said);
    }
    assert_eq!(count(&app, "SELECT count(*) FROM sessions_caisse").await, 0);

    let fields = open(&till, "50 000", "20,50");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let opened = ma.post(&url("/sessions-caisse"), &fields).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.text);
    let shown = opened.location.clone().unwrap();
    let session = shown.strip_suffix("?fait=ouverte").unwrap().to_owned();
    let id: i64 = session.rsplit('/').next().unwrap().parse().unwrap();
    let again = ma.post(&url("/sessions-caisse"), &fields).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    again.assert_contains("Une session est déjà ouverte sur ce terminal");
    assert_eq!(count(&app, "SELECT count(*) FROM sessions_caisse").await, 1);
    // The session began an hour ago, so that sales and reports can be dated inside it.
    sqlx::query("UPDATE sessions_caisse SET date_ouverture = now() - interval '1 hour'")
        .execute(&app.pool)
        .await
        .unwrap();

    // Sold on: 10 000 CDF and 7.50 USD in cash, 4 000 CDF by mobile money.
    let usd = json!({"numero_facture": "S-USD", "devise": "USD", "mode_paiement": "CASH",
                     "paye": true, "lignes": [{"article_id": cable.id, "quantite": 3,
                     "prix_unitaire": 2.5, "devise": "USD"}]});
    let mut mobile = sale("S-MOB", &[(cable.id, 1, 4000.0)]);
    mobile["mode_paiement"] = json!("MOBILE_MONEY");
    let synced = app
        .sync(
            DEMO_SERIAL,
            &json!([sale("S-CDF", &[(cable.id, 2, 5000.0)]), usd, mobile]),
        )
        .await;
    assert_eq!(synced.status, 201, "{:#}", synced.body);
    // The till reports an expense of 3 000 CDF paid from its cash; one before the session
    // and one of another till do not belong to it.
    let report = |serial: &'static str, detail: &str, depense: &str, minutes: i64| {
        let body = json!({"detail": detail, "depense": depense,
                          "date_rapport": local_minutes_ago(minutes)});
        let app = &app;
        async move {
            let reply = app
                .post("/api/v2/simple/rapports-caisse/", Some(serial), &body)
                .await;
            assert_eq!(reply.status, 201, "{:#}", reply.body);
            reply.body["id"].as_i64().unwrap()
        }
    };
    let expense = report(DEMO_SERIAL, "Achat de sachets", "3000", 10).await;
    report(DEMO_SERIAL, "Hier soir", "1000", 120).await;
    report("TILL-S-2", "Transport", "500", 10).await;

    let page = ma.get(&shown).await;
    page.assert_ok()
        .assert_contains("Session ouverte.")
        .assert_contains(&format!("Session n° {id} (Terminal MAUI) — en cours"))
        .assert_contains(&row("Attendu", "60 000 CDF"))
        .assert_contains(&row("Attendu", "28 USD"))
        .assert_contains("session ouverte")
        .assert_contains("Fermer la session");

    // Closed: 57 000 CDF counted (the expense was paid from it), 27 USD (one missing).
    let refused = ma
        .post(
            &format!("{session}/fermer"),
            &[("compte_cdf", "57000"), ("compte_usd", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("Espèces comptées en USD : indiquez un montant de 0 ou plus.");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM sessions_caisse WHERE date_fermeture IS NULL"
        )
        .await,
        1
    );
    ma.post(
        &format!("{session}/fermer"),
        &[("compte_cdf", "57 000"), ("compte_usd", "27")],
    )
    .await
    .assert_redirect(&format!("{session}?fait=fermee"));
    let closed = ma.get(&format!("{session}?fait=fermee")).await;
    closed
        .assert_ok()
        .assert_contains(&format!("Rapport Z — session n° {id} (Terminal MAUI)"))
        .assert_contains(&row("Fond de caisse", "50 000 CDF"))
        .assert_contains(&row("Ventes en espèces", "+ 10 000 CDF"))
        .assert_contains(&row("Attendu", "60 000 CDF"))
        .assert_contains(&row("Compté", "57 000 CDF"))
        .assert_contains("-3 000 CDF (manque)")
        .assert_contains(&row("Dépenses à appliquer", "3 000 CDF"))
        .assert_contains(&row("Fond de caisse", "20,50 USD"))
        .assert_contains(&row("Ventes en espèces", "+ 7,50 USD"))
        .assert_contains("-1 USD (manque)")
        .assert_contains("<td>MOBILE_MONEY</td><td>CDF</td><td class=\"num\">1</td><td class=\"num\">4 000 CDF</td>")
        .assert_contains("Achat de sachets")
        .assert_contains("Appliquer 3 000 CDF — Achat de sachets");
    assert!(!closed.text.contains("Hier soir") && !closed.text.contains("Transport"));
    assert!(!closed.text.contains("Fermer la session"));
    ma.post(
        &format!("{session}/fermer"),
        &[("compte_cdf", "1"), ("compte_usd", "1")],
    )
    .await
    .assert_contains("Cette session est déjà fermée.");

    // The manager applies the expense: it comes off the cash expected.
    let apply = format!("{session}/depenses/{expense}/appliquer");
    for _ in 0..2 {
        ma.post(&apply, &[])
            .await
            .assert_redirect(&format!("{session}?fait=depense"));
    }
    let applied = ma.get(&format!("{session}?fait=depense")).await;
    applied
        .assert_ok()
        .assert_contains("Dépense appliquée")
        .assert_contains(&row("Dépenses appliquées", "− 3 000 CDF"))
        .assert_contains(&row("Attendu", "57 000 CDF"))
        .assert_contains("<span class=\"badge good\">0 CDF</span>");
    assert!(!applied.text.contains("Dépenses à appliquer"));
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM rapports_caisse WHERE depense_appliquee"
        )
        .await,
        1
    );

    // A sale made during the session, synced after closing: counted, and shown late.
    let mut late = sale("S-TARD", &[(cable.id, 1, 2000.0)]);
    late["date_vente"] = json!(local_minutes_ago(5));
    let synced = app.sync(DEMO_SERIAL, &json!([late])).await;
    assert_eq!(synced.status, 201, "{:#}", synced.body);
    ma.get(&session)
        .await
        .assert_ok()
        .assert_contains("Ventes arrivées après la fermeture")
        .assert_contains("<td>S-TARD</td>")
        .assert_contains(&row("Attendu", "59 000 CDF"))
        .assert_contains("-2 000 CDF (manque)")
        .assert_contains("Imprimer (A4)");
    // The ticket: the report alone, for 80 mm paper.
    let ticket = ma.get(&format!("{session}?format=ticket")).await;
    ticket
        .assert_ok()
        .assert_contains("<div class=\"receipt\">")
        .assert_contains("Imprimer le ticket")
        .assert_contains(&row("Compté", "27 USD"));
    assert!(!ticket.text.contains("Menu de la boutique"));
    let listed = ma.get(&url("/sessions-caisse")).await;
    listed
        .assert_ok()
        .assert_contains(&format!("href=\"{session}\">Rapport Z</a>"));

    // The administration API reads the same report.
    let token = app.admin_token().await;
    let z = app
        .admin(
            Method::GET,
            &format!("/api/admin/boutiques/{b}/sessions-caisse/{id}/rapport-z"),
            &token,
            None,
        )
        .await;
    assert_eq!(z.status, 200, "{:#}", z.body);
    assert_eq!(
        z.body["caisse"][0],
        json!({"devise": "CDF", "fond": "50000.00", "ventes_especes": "12000.00",
               "retours_especes": "0.00", "depenses": "3000.00",
               "depenses_en_attente": "0.00", "attendu": "59000.00", "compte": "57000.00",
               "ecart": "-2000.00"})
    );
    let depenses = z.body["depenses"].as_array().unwrap();
    assert_eq!(depenses.len(), 1, "{:#}", z.body);
    assert_eq!(depenses[0]["rapport_id"], expense);
    assert_eq!(
        (
            &depenses[0]["detail"],
            &depenses[0]["depense"],
            &depenses[0]["devise"]
        ),
        (&json!("Achat de sachets"), &json!("3000.00"), &json!("CDF"))
    );
    assert_eq!(depenses[0]["depense_appliquee"], true);
    app.assert_invariants().await;

    // Another merchant's manager: no such session, no such expense; nothing changes.
    let state = "SELECT count(*) FROM sessions_caisse s JOIN rapports_caisse r USING (boutique_id)
                 WHERE s.date_fermeture IS NOT NULL AND s.compte_cdf = 57000 AND r.depense_appliquee";
    assert_eq!(count(&app, state).await, 1);
    let before = app.fingerprint().await;
    let autre = Browser::logged_in(&app, AUTRE, AUTRE_PASSWORD).await;
    autre.get(&session).await.assert_not_found();
    autre
        .get(&format!("{session}?format=ticket"))
        .await
        .assert_not_found();
    autre
        .post(
            &format!("{session}/fermer"),
            &[("compte_cdf", "0"), ("compte_usd", "0")],
        )
        .await
        .assert_not_found();
    autre.post(&apply, &[]).await.assert_not_found();
    let other = shop_id(&app, "BTQ-010").await;
    autre
        .post(
            &format!(
                "/backoffice/boutiques/{other}/sessions-caisse/{id}/depenses/{expense}/appliquer"
            ),
            &[],
        )
        .await
        .assert_not_found();
    assert_eq!(app.fingerprint().await, before);
    assert_eq!(count(&app, state).await, 1);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM rapports_caisse WHERE depense_appliquee"
        )
        .await,
        1
    );
}
