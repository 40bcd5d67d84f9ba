//! Attacks on the tills' door, tried over HTTP as an attacker would: a till known by its
//! serial alone, serials enumerated, a stolen serial hammering, refused sales padded to fill
//! the database, answers kept by a cache, spreadsheet formulas smuggled in an invoice number.

use crate::common::{DEMO_SERIAL, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// The form token of the back-office's login page, as `client` (with its cookies) got it.
async fn login_token(client: &reqwest::Client, base: &str) -> String {
    let page = client
        .get(format!("{base}/backoffice/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the login page has a form token")
        .to_owned()
}

/// A till registered through the administration API; its id and key.
async fn register(app: &TestApp, token: &str, serial: &str, body: Value) -> (i64, String) {
    let shop: i64 = sqlx::query_scalar("SELECT id FROM boutiques WHERE code_boutique = 'BTQ-009'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let mut body = body;
    body["numero_serie"] = json!(serial);
    body["nom_terminal"] = json!("Caisse neuve");
    let created = app
        .admin(
            Method::POST,
            &format!("/api/admin/boutiques/{shop}/terminaux"),
            token,
            Some(&body),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    (
        created.body["terminal"]["id"].as_i64().unwrap(),
        created.body["cle_api"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn a_new_till_is_refused_on_its_serial_alone_unless_a_manager_allows_it() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let (id, key) = register(&app, &token, "TILL-NEUVE-1", json!({})).await;
    let shop: i64 = sqlx::query_scalar("SELECT boutique_id FROM terminaux WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();

    // Whoever learns the serial: refused.
    let stolen = app
        .get("/api/v2/simple/articles/", Some("TILL-NEUVE-1"))
        .await;
    assert_eq!(stolen.status, StatusCode::UNAUTHORIZED, "{}", stolen.body);
    assert_eq!(stolen.body["code"], "MISSING_API_KEY");
    // The till itself, with its key.
    let own = app
        .send(
            app.request(
                Method::GET,
                "/api/v2/simple/articles/",
                Some("TILL-NEUVE-1"),
            )
            .header("X-Api-Key", &key),
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);

    // A manager lets an old app in on its serial: shown as such, with when it last did.
    let path = format!("/api/admin/boutiques/{shop}/terminaux/{id}");
    let changed = app
        .admin(
            Method::PATCH,
            &path,
            &token,
            Some(&json!({"cle_requise": false})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.body["terminal"]["cle_requise"], false);
    assert_eq!(changed.body["terminal"]["derniere_sans_cle"], Value::Null);
    let keyless = app
        .get("/api/v2/simple/articles/", Some("TILL-NEUVE-1"))
        .await;
    assert_eq!(keyless.status, StatusCode::OK, "{}", keyless.body);
    let mut seen = Value::Null;
    for _ in 0..50 {
        seen =
            app.admin(Method::GET, &path, &token, None).await.body["terminal"]["derniere_sans_cle"]
                .clone();
        if !seen.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen.is_string(), "the keyless entry is recorded: {seen}");
    // A wrong key is refused even then.
    let wrong = app
        .send(
            app.request(
                Method::GET,
                "/api/v2/simple/articles/",
                Some("TILL-NEUVE-1"),
            )
            .header("X-Api-Key", "pas-la-bonne"),
        )
        .await;
    assert_eq!(wrong.body["code"], "INVALID_API_KEY");

    // Registered serial-only from the start, when asked; the demo till is serial-only.
    let (_, _) = register(&app, &token, "TILL-ANCIENNE", json!({"cle_requise": false})).await;
    for serial in ["TILL-ANCIENNE", DEMO_SERIAL] {
        let reply = app.get("/api/v2/simple/articles/", Some(serial)).await;
        assert_eq!(reply.status, StatusCode::OK, "{serial}: {}", reply.body);
    }
}

#[tokio::test]
async fn serials_cannot_be_enumerated_from_one_address() {
    let app = TestApp::spawn_with(|config| config.identification_failures = 5).await;
    for i in 0..5 {
        let guess = app
            .get(&format!("/api/v2/simple/terminal/GUESS-{i:04}/"), None)
            .await;
        assert_eq!(guess.status, StatusCode::NOT_FOUND, "{}", guess.body);
    }
    // The sixth guess — and any till request from that address — waits.
    for serial in ["GUESS-0005", DEMO_SERIAL] {
        let reply = app
            .send(app.request(
                Method::GET,
                &format!("/api/v2/simple/terminal/{serial}/"),
                None,
            ))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            reply.body
        );
        assert_eq!(reply.body["code"], "TOO_MANY_REQUESTS");
    }
    let raw = app
        .client
        .get(app.url("/api/v2/simple/articles/"))
        .header("X-Device-Serial", "GUESS-0006")
        // Not behind a trusted proxy: a forged X-Forwarded-For changes nothing.
        .header("X-Forwarded-For", "198.51.100.77")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = raw.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_guesser_is_stopped_and_the_shop_is_not() {
    let app = TestApp::spawn_with(|config| {
        config.identification_failures = 3;
        config.trusted_proxies = "127.0.0.1".parse().unwrap();
    })
    .await;
    let from = |client: &'static str, serial: &str| {
        app.request(Method::GET, "/api/v2/simple/articles/", Some(serial))
            .header("X-Forwarded-For", client)
    };
    for i in 0..3 {
        let guess = app.send(from("203.0.113.5", &format!("GUESS-{i}"))).await;
        assert_eq!(guess.status, StatusCode::NOT_FOUND);
    }
    let stopped = app.send(from("203.0.113.5", DEMO_SERIAL)).await;
    assert_eq!(stopped.status, StatusCode::TOO_MANY_REQUESTS);
    // The shop's till, through the same proxy, from its own address.
    let till = app.send(from("198.51.100.20", DEMO_SERIAL)).await;
    assert_eq!(till.status, StatusCode::OK, "{}", till.body);
    // What the guesser writes before the proxy's own address is not believed either.
    let forged = app
        .send(from("198.51.100.20, 203.0.113.5", DEMO_SERIAL))
        .await;
    assert_eq!(forged.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_stolen_serial_cannot_exceed_the_till_budget() {
    let app = TestApp::spawn_with(|config| config.till_requests_per_second = 5).await;
    let replies = futures::future::join_all((0..40).map(|_| {
        app.send(app.request(
            Method::GET,
            "/api/v2/simple/terminal/0a1badae951f8473/",
            Some(DEMO_SERIAL),
        ))
    }))
    .await;
    let ok = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    let throttled = replies
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(ok + throttled, 40);
    // A burst of twice the rate, and what the rate refills meanwhile.
    assert!((10..=15).contains(&ok), "{ok} served");
    // Another till of the same shop has its own budget.
    let other = app
        .get(
            "/api/v2/simple/articles/",
            Some(crate::common::OTHER_SERIAL),
        )
        .await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.body);
}

#[tokio::test]
async fn a_refused_sale_padded_to_megabytes_is_not_stored_whole() {
    let app = TestApp::spawn().await;
    let padding = "x".repeat(3 * 1024 * 1024);
    let sale = json!([{"numero_facture": "PAD-1", "commentaire": padding,
                       "lignes": [{"article_id": 999_999, "quantite": 1, "prix_unitaire": 1}]}]);
    for _ in 0..3 {
        let reply = app.sync(DEMO_SERIAL, &sale).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        assert_eq!(reply.body["rejected"][0]["reason"], "ARTICLE_NOT_FOUND");
    }
    let (rows, attempts, stored): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), sum(tentatives)::int8, max(octet_length(payload))::int8
         FROM ventes_rejetees WHERE numero_facture = 'PAD-1'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((rows, attempts), (1, 3));
    assert!(
        (64 * 1024..64 * 1024 + 200).contains(&stored),
        "{stored} bytes kept"
    );

    // Hundreds of different refused sales: the oldest keep their code, not their payload.
    let many: Vec<Value> = (0..205)
        .map(|i| {
            json!({"numero_facture": format!("MANY-{i:03}"),
                   "lignes": [{"article_id": 999_999, "quantite": 1, "prix_unitaire": 1}]})
        })
        .collect();
    let reply = app.sync(DEMO_SERIAL, &Value::Array(many)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let (open, summarised): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE payload LIKE '[résumé : %')
         FROM ventes_rejetees WHERE NOT resolue",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(open, 206);
    assert_eq!(summarised, 6);
}

#[tokio::test]
async fn shop_data_and_secrets_are_never_kept_by_a_cache() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let catalogue = app
        .client
        .get(app.url("/api/v2/simple/articles/"))
        .header("X-Device-Serial", DEMO_SERIAL)
        .send()
        .await
        .unwrap();
    assert_eq!(catalogue.status(), StatusCode::OK);
    assert_eq!(catalogue.headers()["cache-control"], "private, no-store");
    let shop: i64 = sqlx::query_scalar("SELECT id FROM boutiques WHERE code_boutique = 'BTQ-009'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let key = app
        .client
        .post(app.url(&format!("/api/admin/boutiques/{shop}/terminaux")))
        .bearer_auth(&token)
        .json(&json!({"numero_serie": "TILL-CACHE", "nom_terminal": "Caisse"}))
        .send()
        .await
        .unwrap();
    assert_eq!(key.status(), StatusCode::CREATED);
    assert_eq!(key.headers()["cache-control"], "private, no-store");
}

#[tokio::test]
async fn an_invoice_number_cannot_become_a_spreadsheet_formula() {
    let app = TestApp::spawn_with(|config| config.plain_http = true).await;
    let article = app.article("BTQ-009", "CHG-001").await;
    let numero = r#"=HYPERLINK("http://evil.example","facture")"#;
    let reply = app
        .sync(
            DEMO_SERIAL,
            &json!([{"numero_facture": numero, "date_vente": "2026-11-20T10:00:00+01:00",
                     "lignes": [{"article_id": article.id, "quantite": 1, "prix_unitaire": 25000}]}]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let token = login_token(&client, &app.address).await;
    let logged = client
        .post(app.url("/backoffice/login"))
        .form(&[
            ("csrf", token.as_str()),
            ("email", "gerant@ma-boutique.example"),
            ("mot_de_passe", "demo-ma-boutique"),
        ])
        .send()
        .await
        .unwrap();
    assert!(logged.status().is_success(), "{}", logged.status());
    let csv = client
        .get(app.url(&format!(
            "/backoffice/boutiques/{}/ventes.csv?date_debut=2026-11-20&date_fin=2026-11-20",
            article.boutique_id
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = csv
        .lines()
        .find(|l| l.contains("HYPERLINK"))
        .unwrap_or_else(|| panic!("{csv}"));
    // Quoted (it holds quotes and a comma), and starting with ' inside the quotes: a
    // spreadsheet shows the text, whatever separator it is set to.
    assert!(
        line.contains(r#";"'=HYPERLINK(""http://evil.example"",""facture"")";"#),
        "{line}"
    );
}

#[tokio::test]
async fn an_unknown_method_is_counted_as_other_in_the_metrics() {
    let app = TestApp::spawn_with(|config| config.metrics = true).await;
    let method = Method::from_bytes(b"SPRAYMETHOD").unwrap();
    let _ = app
        .client
        .request(method, app.url("/api/v2/simple/status/"))
        .send()
        .await
        .unwrap();
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!metrics.contains("SPRAYMETHOD"), "{metrics}");
    assert!(metrics.contains("method=\"other\""), "{metrics}");
}

#[tokio::test]
async fn a_typed_e_mail_cannot_forge_a_log_line() {
    use crate::common::server::{Server, free_address, scratch_dir};
    let (_, url) = crate::common::fresh_database().await;
    let log = scratch_dir("log-forging").join("server.log");
    let address = free_address();
    let server = Server::start_logging(
        &[
            ("DATABASE_URL", url),
            ("CAISSE_ADDR", address.clone()),
            ("CAISSE_LOG", "info".into()),
            ("CAISSE_PLAIN_HTTP", "true".into()),
        ],
        Some(&log),
    )
    .await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let token = login_token(&client, &format!("http://{address}")).await;
    let refused = client
        .post(format!("http://{address}/backoffice/login"))
        .form(&[
            ("csrf", token.as_str()),
            (
                "email",
                "x@y.example\nWARN caisse: logged in as admin@caisse",
            ),
            ("mot_de_passe", "devine"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    drop(server);
    let written = std::fs::read_to_string(&log).unwrap();
    assert!(written.contains("login failed"), "{written}");
    assert!(
        written
            .lines()
            .all(|line| !line.to_lowercase().starts_with("warn caisse: logged in")),
        "{written}"
    );
    assert!(
        // (The e-mail is logged as it is compared: in lower case.)
        written.contains("x@y.example\\u{a}warn caisse: logged in as admin@caisse"),
        "{written}"
    );
}

#[tokio::test]
async fn another_till_or_a_late_return_is_a_managers_act() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let article = app.article("BTQ-009", "CHG-001").await;
    let (_, _) = register(&app, &token, "TILL-VOISINE", json!({"cle_requise": false})).await;
    let sold = app
        .sync(
            DEMO_SERIAL,
            &json!([{"numero_facture": "RET-1",
                     "lignes": [{"article_id": article.id, "quantite": 2, "prix_unitaire": 25000}]}]),
        )
        .await;
    assert_eq!(sold.status, StatusCode::CREATED, "{}", sold.body);
    let vente_id = sold.body["details"]["creees"][0]["id"].as_i64().unwrap();
    let stock = app.stock(article.id).await;
    let give_back = json!({"id": vente_id, "lignes": [{"article_id": article.id, "quantite": 1}]});

    // Another till of the shop, which knows the sale's id: refused.
    let neighbour = app
        .post(
            "/api/v2/simple/ventes/retour/",
            Some("TILL-VOISINE"),
            &give_back,
        )
        .await;
    assert_eq!(
        neighbour.status,
        StatusCode::FORBIDDEN,
        "{}",
        neighbour.body
    );
    assert_eq!(neighbour.body["code"], "SALE_OF_ANOTHER_TERMINAL");
    // The sale's own till, once the window has passed: refused.
    sqlx::query("UPDATE ventes SET date_reception = now() - interval '2 hours' WHERE id = $1")
        .bind(vente_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let late = app
        .post(
            "/api/v2/simple/ventes/retour/",
            Some(DEMO_SERIAL),
            &give_back,
        )
        .await;
    assert_eq!(late.status, StatusCode::FORBIDDEN, "{}", late.body);
    assert_eq!(late.body["code"], "CANCEL_WINDOW_EXPIRED");
    assert_eq!(app.stock(article.id).await, stock);

    // A manager may, and the journal says who.
    let returned = app
        .admin(
            Method::POST,
            &format!(
                "/api/admin/boutiques/{}/ventes/{vente_id}/retour",
                article.boutique_id
            ),
            &token,
            Some(&json!({"lignes": [{"article_id": article.id, "quantite": 1}]})),
        )
        .await;
    assert_eq!(returned.status, StatusCode::OK, "{}", returned.body);
    assert_eq!(app.stock(article.id).await, stock + 1);
    let who: String = sqlx::query_scalar(
        "SELECT utilisateur FROM mouvements_stock WHERE vente_id = $1 AND type_mouvement = 'RETOUR'",
    )
    .bind(vente_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(who, "admin:tests");
}

#[tokio::test]
async fn a_server_with_the_published_demo_passwords_stays_on_this_machine() {
    let (options, url) = crate::common::fresh_database().await;
    let pool = sqlx::PgPool::connect_with(options).await.unwrap();
    let serve = |url: String| async move {
        let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_caisse"))
            .arg("serve")
            .env("DATABASE_URL", url)
            // Never bound: the server refuses before it listens.
            .env("CAISSE_ADDR", "0.0.0.0:9")
            .env("CAISSE_LOG", "error")
            .kill_on_drop(true)
            .output();
        let out = tokio::time::timeout(Duration::from_secs(60), run)
            .await
            .expect("the server refuses at once")
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, said) = serve(url.clone()).await;
    assert!(!ok);
    assert!(
        said.contains("refusing to serve on 0.0.0.0:9: the demo login(s) gerant@ma-boutique.example, gerant@autre-boutique.example still have the password the README publishes")
            && said.contains("caisse set-password --email")
            && said.contains("caisse seed-demo --remove"),
        "{said}"
    );
    caisse::accounts::set_password(
        &pool,
        "gerant@ma-boutique.example",
        "un mot de passe bien à moi",
    )
    .await
    .unwrap();
    let (ok, said) = serve(url.clone()).await;
    assert!(!ok);
    assert!(
        said.contains("the demo login(s) gerant@autre-boutique.example still"),
        "{said}"
    );

    // A count recorded in a demo shop goes with it.
    let (shop, article): (i64, i64) = sqlx::query_as(
        "SELECT a.boutique_id, a.id FROM articles a JOIN boutiques b ON b.id = a.boutique_id
         WHERE b.code_boutique = 'BTQ-009' ORDER BY a.id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    caisse::stock::counts::count_now(&pool, shop, article, 5, "test", "Inventaire")
        .await
        .unwrap();

    // The demo data removed: shops, tills, catalogue, logins.
    let removed = std::process::Command::new(env!("CARGO_BIN_EXE_caisse"))
        .args(["seed-demo", "--remove"])
        .env("DATABASE_URL", &url)
        .env("CAISSE_LOG", "error")
        .output()
        .unwrap();
    assert!(removed.status.success(), "{removed:?}");
    assert_eq!(
        String::from_utf8_lossy(&removed.stdout),
        "demo data removed (2 shop(s))\n"
    );
    let left: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM boutiques), (SELECT count(*) FROM terminaux),
                (SELECT count(*) FROM utilisateurs)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(left, (0, 0, 0));
    assert!(
        caisse::db::seed::published_logins(&pool)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_merchants_token_reaches_that_merchants_shops_only_and_expires_or_is_revoked() {
    let app = TestApp::spawn().await;
    let global = app.admin_token().await;
    let shop_of = |code: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_as::<_, (i64, i64)>(
                "SELECT id, commercant_id FROM boutiques WHERE code_boutique = $1",
            )
            .bind(code)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let (own, merchant) = shop_of("BTQ-009").await;
    let (other, other_merchant) = shop_of("BTQ-010").await;
    let scoped = caisse::accounts::create_scoped_admin_token(
        &app.pool,
        caisse::accounts::NewAdminToken {
            nom: "gerant-ma",
            commercant_id: Some(merchant),
            days: Some(30),
        },
    )
    .await
    .unwrap();
    // A refused sale in each shop.
    for serial in [DEMO_SERIAL, crate::common::OTHER_SERIAL] {
        let refused = app
            .sync(
                serial,
                &json!([{"numero_facture": format!("R-{serial}"),
                         "lignes": [{"article_id": 999_999, "quantite": 1, "prix_unitaire": 1}]}]),
            )
            .await;
        assert_eq!(refused.status, StatusCode::CREATED, "{}", refused.body);
    }

    let get = |path: String, token: &str| {
        let (app, token) = (&app, token.to_owned());
        async move { app.admin(Method::GET, &path, &token, None).await }
    };
    // The other merchant's shop: as if it did not exist.
    for path in [
        format!("/api/admin/boutiques/{other}"),
        format!("/api/admin/boutiques/{other}/ventes"),
        format!("/api/admin/boutiques/{other}/articles"),
    ] {
        let reply = get(path.clone(), &scoped).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            reply.body
        );
    }
    let rate = app
        .admin(
            Method::PUT,
            &format!("/api/admin/commercants/{other_merchant}/taux"),
            &scoped,
            Some(&json!({"taux_dollar": "1.00"})),
        )
        .await;
    assert_eq!(rate.status, StatusCode::NOT_FOUND, "{}", rate.body);
    assert_eq!(
        get(format!("/api/admin/boutiques/{own}/ventes"), &scoped)
            .await
            .status,
        StatusCode::OK
    );
    // Lists hold its merchant's shops only.
    let shops = get("/api/admin/boutiques".into(), &scoped).await;
    assert_eq!(shops.body["count"], 1);
    assert_eq!(shops.body["boutiques"][0]["id"], own);
    let through_till_door = app
        .send(
            app.request(Method::GET, "/api/v2/simple/boutiques/", None)
                .bearer_auth(&scoped),
        )
        .await;
    assert_eq!(
        through_till_door.body["boutiques"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let refusals = get("/api/admin/ventes-rejetees".into(), &scoped).await;
    assert_eq!(refusals.body["total"], 1);
    assert_eq!(refusals.body["ventes_rejetees"][0]["boutique_id"], own);
    assert_eq!(
        get("/api/admin/ventes-rejetees".into(), &global).await.body["total"],
        2
    );
    // A shop it creates is its merchant's.
    let created = app
        .admin(
            Method::POST,
            "/api/admin/boutiques",
            &scoped,
            Some(&json!({"nom": "Ma Boutique 2", "code_boutique": "BTQ-011"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(
        get("/api/admin/boutiques".into(), &scoped).await.body["count"],
        2
    );

    // Tokens: it sees its merchant's only, and cannot revoke the global one.
    let tokens = get("/api/admin/jetons".into(), &scoped).await;
    assert_eq!(tokens.body["count"], 1, "{}", tokens.body);
    assert_eq!(tokens.body["jetons"][0]["nom"], "gerant-ma");
    assert!(!tokens.body.to_string().contains(&scoped));
    let all = get("/api/admin/jetons".into(), &global).await;
    let global_id = all.body["jetons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["nom"] == "tests")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let scoped_id = tokens.body["jetons"][0]["id"].as_i64().unwrap();
    let refused = app
        .admin(
            Method::DELETE,
            &format!("/api/admin/jetons/{global_id}"),
            &scoped,
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);

    // Expired: refused.
    sqlx::query(
        "UPDATE admin_tokens SET date_expiration = now() - interval '1 second' WHERE id = $1",
    )
    .bind(scoped_id)
    .execute(&app.pool)
    .await
    .unwrap();
    let expired = get(format!("/api/admin/boutiques/{own}"), &scoped).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);

    // Revoked: refused at once.
    let stolen = app.admin_token().await;
    let stolen_id = get("/api/admin/jetons".into(), &global).await.body["jetons"][0]["id"]
        .as_i64()
        .unwrap();
    let revoked = app
        .admin(
            Method::DELETE,
            &format!("/api/admin/jetons/{stolen_id}"),
            &global,
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert_eq!(revoked.body["jeton"]["valide"], false);
    assert!(revoked.body["jeton"]["date_revocation"].is_string());
    assert_eq!(
        get("/api/admin/boutiques".into(), &stolen).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_admin_token_is_printed_once_alone_and_listed_and_revoked_from_the_command_line() {
    let app = TestApp::spawn().await;
    let url = crate::common::url_of(&app.pool);
    let caisse = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_caisse"))
            .args(args)
            .env("DATABASE_URL", &url)
            .env("CAISSE_LOG", "error")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, token, said) = caisse(&[
        "create-admin-token",
        "--nom",
        "compta",
        "--commercant",
        "Ets Ma Boutique",
        "--jours",
        "7",
    ]);
    assert!(ok, "{said}");
    let token = token.trim_end().to_owned();
    assert_eq!(
        token.len(),
        64,
        "only the token on standard output: {token:?}"
    );
    assert!(!said.contains(&token), "never in a message: {said}");
    assert!(
        said.contains("the shops of \"Ets Ma Boutique\", valid for 7 day(s)"),
        "{said}"
    );

    let (ok, listed, _) = caisse(&["list-admin-tokens"]);
    assert!(ok);
    let line = listed
        .lines()
        .find(|l| l.contains("\tcompta\t"))
        .unwrap_or_else(|| panic!("{listed}"));
    assert!(
        line.contains("merchant \"Ets Ma Boutique\"\tvalid until "),
        "{line}"
    );
    assert!(!listed.contains(&token));
    let id = line.split('\t').next().unwrap().to_owned();

    let works = app
        .admin(Method::GET, "/api/admin/boutiques", &token, None)
        .await;
    assert_eq!(works.status, StatusCode::OK);
    let (ok, said, _) = caisse(&["revoke-admin-token", "--id", &id]);
    assert!(ok);
    assert_eq!(said, format!("administration token {id} revoked\n"));
    assert_eq!(
        app.admin(Method::GET, "/api/admin/boutiques", &token, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let (ok, _, said) = caisse(&["revoke-admin-token", "--id", "999999"]);
    assert!(!ok);
    assert!(said.contains("no administration token 999999"), "{said}");
}
