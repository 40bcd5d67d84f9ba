//! Revenue as money kept, and the boutique dashboard's charts: a partial return and a
//! cancellation come off the figures of every place that shows revenue, CDF and USD apart;
//! the dashboard draws its charts and gives their numbers as tables.

use super::*;
use reqwest::Method;

/// Sells, returns and cancels in both currencies; what stays is 30 000 CDF over the CDF
/// sale and 5 USD over the USD one.
///
/// - `N-CDF`: 2 cables at 5 000 and a charger at 25 000 (35 000 CDF), one cable returned;
/// - `N-USD`: 3 cables at 2.50 USD (7.50 USD), one returned;
/// - `N-ANN-CDF` (25 000 CDF) and `N-ANN-USD` (4 USD, one unit returned first): cancelled.
async fn sell_return_and_cancel(app: &TestApp) -> (Article, Article) {
    let cable = app.article("BTQ-009", "CAB-001").await;
    let charger = app.article("BTQ-009", "CHG-001").await;
    let usd = |numero: &str, quantite: i64, prix: f64| {
        json!({"numero_facture": numero, "devise": "USD", "mode_paiement": "MOBILE", "paye": true,
               "lignes": [{"article_id": cable.id, "quantite": quantite, "prix_unitaire": prix,
                           "devise": "USD"}]})
    };
    let synced = app
        .sync(
            DEMO_SERIAL,
            &json!([
                sale("N-CDF", &[(cable.id, 2, 5000.0), (charger.id, 1, 25000.0)]),
                usd("N-USD", 3, 2.5),
                sale("N-ANN-CDF", &[(charger.id, 1, 25000.0)]),
                usd("N-ANN-USD", 2, 2.0),
            ]),
        )
        .await;
    assert_eq!(synced.body["ventes_creees"], 4, "{:#}", synced.body);
    for (numero, article) in [
        ("N-CDF", cable.id),
        ("N-USD", cable.id),
        ("N-ANN-USD", cable.id),
    ] {
        let back = app
            .post(
                "/api/v2/simple/ventes/retour/",
                Some(DEMO_SERIAL),
                &json!({"numero_facture": numero, "lignes": [{"article_id": article, "quantite": 1}]}),
            )
            .await;
        assert_eq!(back.status, 200, "{:#}", back.body);
    }
    for numero in ["N-ANN-CDF", "N-ANN-USD"] {
        let cancelled = app
            .post(
                "/api/v2/simple/ventes/annuler/",
                Some(DEMO_SERIAL),
                &json!({"numero_facture": numero}),
            )
            .await;
        assert_eq!(cancelled.status, 200, "{:#}", cancelled.body);
    }
    (cable, charger)
}

#[tokio::test]
async fn revenue_is_net_of_returns_and_cancellations_in_each_currency() {
    let app = spawn().await;
    sell_return_and_cancel(&app).await;
    let b = shop_id(&app, "BTQ-009").await;

    // The till's statistics and history.
    let stats = app
        .get("/api/v2/simple/statistiques/", Some(DEMO_SERIAL))
        .await;
    for period in ["ventes_jour", "ventes_mois"] {
        let figures = &stats.body["statistiques"][period];
        assert_eq!(figures["nombre"], 2, "{period}: {figures}");
        assert_eq!(figures["chiffre_affaires"], "30000.00", "{period}");
        assert_eq!(figures["chiffre_affaires_usd"], "5.00", "{period}");
    }
    let history = app
        .get("/api/v2/simple/ventes/historique/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(
        history.body["statistiques"],
        json!({"total_ventes": 2, "chiffre_affaires": "30000.00", "chiffre_affaires_usd": "5.00"})
    );
    // A sale still shows what it was sold for.
    let sold: Vec<(&str, &str)> = history.body["ventes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["numero_facture"].as_str().unwrap(),
                v["montant_total"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(sold.contains(&("N-CDF", "35000.00")), "{sold:?}");

    // The analysis' revenue.
    let analysis = app
        .get("/api/v2/simple/analyse/mouvements", Some(DEMO_SERIAL))
        .await;
    assert_eq!(
        analysis.body["resume_financier"]["chiffre_affaires_cdf"],
        30000.0
    );
    assert_eq!(
        analysis.body["resume_financier"]["chiffre_affaires_usd"],
        5.0
    );

    // The administration API.
    let token = app.admin_token().await;
    let listed = app
        .admin(
            Method::GET,
            &format!("/api/admin/boutiques/{b}/ventes"),
            &token,
            None,
        )
        .await;
    assert_eq!(listed.status, 200, "{:#}", listed.body);
    assert_eq!(
        listed.body["chiffre_affaires"], "30000.00",
        "{:#}",
        listed.body
    );
    assert_eq!(listed.body["chiffre_affaires_usd"], "5.00");

    // The back-office: the dashboard's tiles, the sales page, the merchant's overview.
    let ma = Browser::logged_in(&app, MA, MA_PASSWORD).await;
    let dashboard = ma.get(&format!("/backoffice/boutiques/{b}")).await;
    dashboard.assert_ok().assert_contains("30 000 CDF + 5 USD");
    // Neither the totals sold nor the cancelled sales.
    dashboard
        .assert_lacks("35 000 CDF + 7,50 USD")
        .assert_lacks(">60 000 CDF");
    ma.get(&format!("/backoffice/boutiques/{b}/ventes"))
        .await
        .assert_ok()
        .assert_contains("30 000 CDF + 5 USD");
    ma.get("/backoffice/")
        .await
        .assert_ok()
        .assert_contains("30 000 CDF + 5 USD");

    // The export: each sale's returned and net amounts beside its total.
    let csv = ma
        .get(&format!("/backoffice/boutiques/{b}/ventes.csv"))
        .await;
    let header: Vec<&str> = csv.text.lines().next().unwrap().split(';').collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .unwrap()
    };
    let (numero, total, returned, net) = (
        column("numero_facture"),
        column("montant_total"),
        column("montant_retourne"),
        column("montant_net"),
    );
    let mut per_sale: Vec<(String, String, String, String)> = csv
        .text
        .lines()
        .skip(1)
        .map(|line| {
            // Amounts hold a decimal comma: quoted.
            let f: Vec<&str> = line.split(';').map(|f| f.trim_matches('"')).collect();
            (
                f[numero].to_owned(),
                f[total].to_owned(),
                f[returned].to_owned(),
                f[net].to_owned(),
            )
        })
        .collect();
    per_sale.dedup();
    per_sale.sort();
    let row = |n: &str, t: &str, r: &str, x: &str| {
        (n.to_owned(), t.to_owned(), r.to_owned(), x.to_owned())
    };
    assert_eq!(
        per_sale,
        [
            row("N-ANN-CDF", "25000,00", "0,00", "0,00"),
            row("N-ANN-USD", "4,00", "2,00", "0,00"),
            row("N-CDF", "35000,00", "5000,00", "30000,00"),
            row("N-USD", "7,50", "2,50", "5,00"),
        ]
    );
    app.assert_invariants().await;
}

#[tokio::test]
async fn a_return_in_the_other_currency_counts_at_the_sales_rate() {
    let app = spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    // A CDF sale with a line charged in USD: 2 x 3 USD at the sale's rate (2800) = 16 800 CDF.
    let synced = app
        .sync(
            DEMO_SERIAL,
            &json!([{"numero_facture": "X-1", "devise": "CDF", "mode_paiement": "CASH", "paye": true,
                     "lignes": [{"article_id": cable.id, "quantite": 2, "prix_unitaire": 3.0,
                                 "devise": "USD"}]}]),
        )
        .await;
    assert_eq!(synced.body["ventes_creees"], 1, "{:#}", synced.body);
    assert_eq!(
        synced.body["details"]["creees"][0]["montant_total"],
        "16800.00"
    );
    let back = app
        .post(
            "/api/v2/simple/ventes/retour/",
            Some(DEMO_SERIAL),
            &json!({"numero_facture": "X-1", "lignes": [{"article_id": cable.id}]}),
        )
        .await;
    assert_eq!(back.status, 200, "{:#}", back.body);
    let history = app
        .get("/api/v2/simple/ventes/historique/", Some(DEMO_SERIAL))
        .await;
    assert_eq!(history.body["statistiques"]["chiffre_affaires"], "8400.00");
    assert_eq!(history.body["statistiques"]["chiffre_affaires_usd"], "0.00");
    app.assert_invariants().await;

    // A returned amount that no longer matches the lines is what `caisse check` reports.
    sqlx::query("UPDATE ventes SET montant_retourne = 0 WHERE numero_facture = 'X-1'")
        .execute(&app.pool)
        .await
        .unwrap();
    let violations = caisse::db::check::check_invariants(&app.pool)
        .await
        .unwrap();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(
        violations[0].what.contains("returns gave back 0"),
        "{}",
        violations[0].what
    );
}

/// `1234567` as the pages write it once no-break spaces are read as spaces: `1 234 567`.
fn spaced(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

async fn local_today(app: &TestApp, format: &str) -> String {
    sqlx::query_scalar("SELECT to_char(now() AT TIME ZONE 'Africa/Kinshasa', $1)")
        .bind(format)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_dashboard_draws_its_last_30_days_and_gives_their_numbers() {
    let app = spawn().await;
    sell_return_and_cancel(&app).await;
    let b = shop_id(&app, "BTQ-009").await;
    let (day, date) = (
        local_today(&app, "DD/MM").await,
        local_today(&app, "DD/MM/YYYY").await,
    );
    let stock_value: i64 = sqlx::query_scalar(
        "SELECT sum(quantite_stock * prix_vente)::int8 FROM articles
         WHERE boutique_id = $1 AND est_actif AND devise = 'CDF' AND quantite_stock > 0",
    )
    .bind(b)
    .fetch_one(&app.pool)
    .await
    .unwrap();

    let ma = Browser::logged_in(&app, MA, MA_PASSWORD).await;
    let page = ma.get(&format!("/backoffice/boutiques/{b}")).await;
    page.assert_ok();
    // Days in CDF and in USD, modes in CDF and in USD, articles, stock value, tills.
    assert_eq!(page.text.matches("<svg ").count(), 7, "{}", page.text);
    assert_eq!(page.text.matches("<table class=\"chart-data\">").count(), 5);
    page.assert_lacks("style=").assert_lacks("<script>");
    page.assert_contains(&format!("<title>{day} : 30 000 CDF</title>"))
        .assert_contains(&format!("<title>{day} : 5 USD</title>"));
    // Each table, row by row: what the pictures draw, net of the return and cancellations.
    let row = |cells: &[&str]| {
        let mut html = format!("<tr><th scope=\"row\">{}</th>", cells[0]);
        for cell in &cells[1..] {
            let numeric = cell.chars().next().is_some_and(|c| c.is_ascii_digit());
            if numeric {
                html.push_str(&format!("<td class=\"num\">{cell}</td>"));
            } else {
                html.push_str(&format!("<td>{cell}</td>"));
            }
        }
        html + "</tr>"
    };
    page.assert_contains(&row(&[&date, "2", "30 000 CDF", "5 USD"]))
        .assert_contains(&row(&["CASH", "CDF", "1", "30 000 CDF"]))
        .assert_contains(&row(&["MOBILE", "USD", "1", "5 USD"]))
        .assert_contains(&row(&[
            "Câble USB-C 1 m",
            "CAB-001",
            "3",
            "5 000 CDF",
            "5 USD",
        ]))
        .assert_contains(&row(&[
            "Chargeur USB-C 25 W",
            "CHG-001",
            "1",
            "25 000 CDF",
            "0 USD",
        ]))
        .assert_contains(&row(&[&date, &format!("{} CDF", spaced(stock_value))]));
    // The till that sold, heard from a moment ago.
    page.assert_contains("<tr><th scope=\"row\">Terminal MAUI</th><td>")
        .assert_contains("(à l'instant)</td><td class=\"num\">2</td><td class=\"num\">30 000 CDF</td><td class=\"num\">5 USD</td></tr>");
    // A day before the sales: nothing sold.
    let yesterday: String = sqlx::query_scalar(
        "SELECT to_char(now() AT TIME ZONE 'Africa/Kinshasa' - interval '1 day', 'DD/MM/YYYY')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    page.assert_contains(&row(&[&yesterday, "0", "0 CDF", "0 USD"]));

    // The charts' colours come from the style sheet, which the policy allows.
    let css_path = {
        let start = page.text.find("/backoffice/static/caisse.css").unwrap();
        page.text[start..][..page.text[start..].find('"').unwrap()].to_owned()
    };
    ma.get(&css_path)
        .await
        .assert_ok()
        .assert_contains("figure.chart svg");

    // Another merchant's manager finds no such page.
    let autre = Browser::logged_in(&app, AUTRE, AUTRE_PASSWORD).await;
    autre
        .get(&format!("/backoffice/boutiques/{b}"))
        .await
        .assert_not_found()
        .assert_lacks("<svg");
}

#[tokio::test]
async fn an_empty_shops_dashboard_says_there_is_nothing_to_draw() {
    let app = spawn().await;
    let empty: i64 = sqlx::query_scalar(
        "INSERT INTO boutiques (nom, code_boutique, commercant_id)
         SELECT 'Boutique vide', 'BTQ-VIDE', commercant_id FROM boutiques WHERE code_boutique = 'BTQ-009'
         RETURNING id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let ma = Browser::logged_in(&app, MA, MA_PASSWORD).await;
    let page = ma.get(&format!("/backoffice/boutiques/{empty}")).await;
    page.assert_ok()
        .assert_contains("En images")
        .assert_contains("Aucune vente en CDF ces 30 derniers jours.")
        .assert_contains("Aucune vente ces 30 derniers jours.")
        .assert_contains("Aucun article vendu ces 30 derniers jours.")
        .assert_contains("Aucun stock valorisé en CDF.")
        .assert_contains("Aucune vente aujourd'hui.")
        .assert_lacks("<svg");
    // Its tables still list the 30 days, at zero.
    let date = local_today(&app, "DD/MM/YYYY").await;
    page.assert_contains(&format!(
        "<tr><th scope=\"row\">{date}</th><td class=\"num\">0</td><td class=\"num\">0 CDF</td><td class=\"num\">0 USD</td></tr>"
    ));
    assert_eq!(page.text.matches("<th scope=\"row\">").count(), 30 + 30);
}
