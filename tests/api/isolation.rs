//! Each shop's data sealed off: every endpoint tried by a till of the other shop, an
//! inactive till, nobody, and wrong credentials. The status is asserted, and that nothing
//! changed anywhere.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};

/// Every terminal endpoint, aimed at "Ma Boutique" objects.
fn terminal_endpoints(article: i64) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, "/api/v2/simple/articles/".into(), None),
        (Method::GET, "/api/v2/simple/categories/".into(), None),
        (
            Method::GET,
            "/api/v2/simple/ventes/historique/".into(),
            None,
        ),
        (Method::GET, "/api/v2/simple/statistiques/".into(), None),
        (Method::GET, "/api/v2/simple/mouvements-stock/".into(), None),
        (Method::GET, "/api/v2/simple/boutiques/".into(), None),
        (
            Method::PUT,
            format!("/api/v2/simple/articles/{article}/stock/"),
            Some(json!({"quantite_stock": 1})),
        ),
        (
            Method::POST,
            "/api/v2/simple/ventes/".into(),
            Some(json!({"numero_facture": "X-1", "lignes": [{"article_id": article}]})),
        ),
        (
            Method::POST,
            "/api/v2/simple/ventes/sync/".into(),
            Some(json!([{"numero_facture": "X-2", "lignes": [{"article_id": article}]}])),
        ),
    ]
}

#[tokio::test]
async fn a_till_of_another_shop_cannot_see_or_touch_this_one() {
    let app = TestApp::spawn().await;
    let ours = app.article("BTQ-009", "CHG-001").await;
    let before = app.fingerprint().await;

    // Objects of "Ma Boutique" named by a till of "Autre Boutique": refused, and refused
    // exactly as an id that exists nowhere (the answer does not tell which).
    for (method, path, body) in terminal_endpoints(ours.id) {
        let reply = send(
            &app,
            method.clone(),
            &path,
            Some(OTHER_SERIAL),
            body.as_ref(),
        )
        .await;
        let nowhere = send(
            &app,
            method.clone(),
            &path.replace(&ours.id.to_string(), "999999999"),
            Some(OTHER_SERIAL),
            body.map(|b| {
                serde_json::from_str(&b.to_string().replace(&ours.id.to_string(), "999999999"))
                    .unwrap()
            })
            .as_ref(),
        )
        .await;
        let scrub = |v: &Value| {
            v.to_string()
                .replace(&ours.id.to_string(), "N")
                .replace("999999999", "N")
        };
        assert_eq!(reply.status, nowhere.status, "{method} {path}");
        if reply.status.is_client_error() {
            assert_eq!(scrub(&reply.body), scrub(&nowhere.body), "{method} {path}");
        }
        // What it may read is its own shop's, never ours.
        assert!(
            !reply.body.to_string().contains("Ma Boutique"),
            "{method} {path}: {:#}",
            reply.body
        );
        match (method.as_str(), path.as_str()) {
            ("PUT", _) => reply.assert_error(404, "ARTICLE_NOT_FOUND"),
            ("POST", p) if p.ends_with("/ventes/") => reply.assert_error(404, "ARTICLE_NOT_FOUND"),
            ("POST", _) => {
                reply.assert_all_refused("ARTICLE_NOT_FOUND");
                assert_eq!(
                    reply.body["details"]["erreurs"][0]["code"],
                    "ARTICLE_NOT_FOUND"
                );
            }
            _ => assert_eq!(reply.status, 200, "{method} {path}"),
        }
    }

    // Our article's journal, asked for by id: an empty list.
    let journal = app
        .get(
            &format!("/api/v2/simple/mouvements-stock/?article_id={}", ours.id),
            Some(OTHER_SERIAL),
        )
        .await;
    assert_eq!(journal.body["count"], 0);

    // Our boutique named in the query string: refused on every endpoint.
    for (method, path, body) in terminal_endpoints(ours.id) {
        let separator = if path.contains('?') { '&' } else { '?' };
        let path = format!("{path}{separator}boutique_id={}", ours.boutique_id);
        send(&app, method, &path, Some(OTHER_SERIAL), body.as_ref())
            .await
            .assert_error(403, "BOUTIQUE_MISMATCH");
    }

    // Our till's serial in the path, with theirs in the header.
    for path in [
        format!("/api/v2/simple/terminal/{DEMO_SERIAL}/"),
        format!("/api/v2/simple/articles/terminal/{DEMO_SERIAL}/"),
    ] {
        app.get(&path, Some(OTHER_SERIAL))
            .await
            .assert_error(404, "TERMINAL_NOT_FOUND");
    }
    assert_eq!(app.fingerprint().await, before);
}

#[tokio::test]
async fn inactive_tills_and_nobody_get_nothing() {
    let app = TestApp::spawn().await;
    let ours = app.article("BTQ-009", "CHG-001").await;
    let before = app.fingerprint().await;
    for (method, path, body) in terminal_endpoints(ours.id) {
        let inactive = send(
            &app,
            method.clone(),
            &path,
            Some(INACTIVE_SERIAL),
            body.as_ref(),
        )
        .await;
        inactive.assert_error(404, "TERMINAL_NOT_FOUND");
        let nobody = send(&app, method.clone(), &path, None, body.as_ref()).await;
        if path.ends_with("/boutiques/") {
            nobody.assert_error(401, "UNAUTHORIZED");
        } else {
            nobody.assert_error(400, "MISSING_SERIAL");
        }
        let unknown = send(&app, method, &path, Some("NOT-A-TILL"), body.as_ref()).await;
        unknown.assert_error(404, "TERMINAL_NOT_FOUND");
    }
    for path in [
        format!("/api/v2/simple/terminal/{INACTIVE_SERIAL}/"),
        format!("/api/v2/simple/articles/terminal/{INACTIVE_SERIAL}/"),
    ] {
        app.get(&path, None)
            .await
            .assert_error(404, "TERMINAL_NOT_FOUND");
    }
    assert_eq!(app.fingerprint().await, before);
}

#[tokio::test]
async fn the_admin_api_needs_an_admin_token() {
    let app = TestApp::spawn().await;
    let ours = app.article("BTQ-009", "CHG-001").await;
    let b = ours.boutique_id;
    let a = ours.id;
    let endpoints: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/boutiques".into(), None),
        (
            Method::POST,
            "/boutiques".into(),
            Some(json!({"nom": "X", "code_boutique": "X"})),
        ),
        (Method::GET, format!("/boutiques/{b}"), None),
        (
            Method::PATCH,
            format!("/boutiques/{b}"),
            Some(json!({"nom": "X"})),
        ),
        (Method::DELETE, format!("/boutiques/{b}"), None),
        (Method::GET, format!("/boutiques/{b}/terminaux"), None),
        (
            Method::POST,
            format!("/boutiques/{b}/terminaux"),
            Some(json!({"numero_serie": "X", "nom_terminal": "X"})),
        ),
        (Method::GET, format!("/boutiques/{b}/terminaux/1"), None),
        (
            Method::PATCH,
            format!("/boutiques/{b}/terminaux/1"),
            Some(json!({"est_actif": false})),
        ),
        (Method::DELETE, format!("/boutiques/{b}/terminaux/1"), None),
        (
            Method::POST,
            format!("/boutiques/{b}/terminaux/1/cle"),
            None,
        ),
        (Method::GET, format!("/boutiques/{b}/categories"), None),
        (
            Method::POST,
            format!("/boutiques/{b}/categories"),
            Some(json!({"nom": "X"})),
        ),
        (
            Method::PATCH,
            format!("/boutiques/{b}/categories/1"),
            Some(json!({"nom": "X"})),
        ),
        (Method::DELETE, format!("/boutiques/{b}/categories/1"), None),
        (Method::GET, format!("/boutiques/{b}/articles"), None),
        (
            Method::POST,
            format!("/boutiques/{b}/articles"),
            Some(json!({"code": "X", "nom": "X", "prix_vente": 1})),
        ),
        (Method::GET, format!("/boutiques/{b}/articles/{a}"), None),
        (
            Method::PATCH,
            format!("/boutiques/{b}/articles/{a}"),
            Some(json!({"prix_vente": 1})),
        ),
        (Method::DELETE, format!("/boutiques/{b}/articles/{a}"), None),
        (
            Method::POST,
            format!("/boutiques/{b}/entrees"),
            Some(json!({"reference_document": "X", "lignes": [{"article_id": a, "quantite": 1}]})),
        ),
        (
            Method::POST,
            format!("/boutiques/{b}/ajustements"),
            Some(json!({"article_id": a, "quantite_stock": 1, "motif": "X"})),
        ),
        (Method::GET, format!("/boutiques/{b}/ventes"), None),
        (
            Method::GET,
            format!("/boutiques/{b}/mouvements-stock"),
            None,
        ),
    ];
    let real = app.admin_token().await;
    sqlx::query("UPDATE admin_tokens SET est_actif = FALSE")
        .execute(&app.pool)
        .await
        .unwrap();
    let before = app.fingerprint().await;
    let credentials: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("nobody", vec![]),
        (
            "a wrong token",
            vec![("Authorization", "Bearer not-a-token".into())],
        ),
        (
            "a revoked token",
            vec![("Authorization", format!("Bearer {real}"))],
        ),
        (
            "a till's serial",
            vec![("X-Device-Serial", DEMO_SERIAL.into())],
        ),
        (
            "a till's key",
            vec![("Authorization", "Bearer demo-cle-0a1badae951f8473".into())],
        ),
        (
            "basic auth",
            vec![("Authorization", "Basic YWRtaW46YWRtaW4=".into())],
        ),
    ];
    for (method, path, body) in &endpoints {
        for (who, headers) in &credentials {
            let mut request = app.request(method.clone(), &format!("/api/admin{path}"), None);
            for (name, value) in headers {
                request = request.header(*name, value);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let reply = app.send(request).await;
            assert_eq!(
                reply.status, 401,
                "{method} {path} as {who}: {:#}",
                reply.body
            );
            assert_eq!(
                reply.body["code"], "UNAUTHORIZED",
                "{method} {path} as {who}"
            );
        }
    }
    assert_eq!(app.fingerprint().await, before);
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    serial: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    let request = app.request(method, path, serial);
    let request = match body {
        Some(body) => request.json(body),
        None => request,
    };
    app.send(request).await
}

/// Below the API, the schema itself keeps shops apart: a row of one shop cannot point at
/// another shop's article or sale, whatever code writes it.
#[tokio::test]
async fn the_database_refuses_rows_that_cross_shops() {
    let app = TestApp::spawn().await;
    let cable = app.article("BTQ-009", "CAB-001").await;
    let rice = app.article("BTQ-010", "RIZ-005").await;
    let reply = app
        .sync(DEMO_SERIAL, &json!([sale("X-1", &[(cable.id, 1, 5000.0)])]))
        .await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    let sale_id = reply.body["details"]["creees"][0]["id"].as_i64().unwrap();

    let attempts = [
        // A line of the first shop's sale, selling the second shop's article.
        (
            "INSERT INTO lignes_vente (boutique_id, vente_id, article_id, quantite, prix_unitaire)
             VALUES ($1, $2, $3, 1, 1000)",
            cable.boutique_id,
        ),
        // The same line filed under the second shop: the sale is not its.
        (
            "INSERT INTO lignes_vente (boutique_id, vente_id, article_id, quantite, prix_unitaire)
             VALUES ($1, $2, $3, 1, 1000)",
            rice.boutique_id,
        ),
        // A stock movement of the first shop on the second shop's article.
        (
            "INSERT INTO mouvements_stock (boutique_id, vente_id, article_id, type_mouvement,
                                           quantite, stock_avant, stock_apres)
             VALUES ($1, $2, $3, 'AJUSTEMENT', -1, 10, 9)",
            cable.boutique_id,
        ),
    ];
    let before = app.fingerprint().await;
    for (sql, boutique_id) in attempts {
        let error = sqlx::query(sql)
            .bind(boutique_id)
            .bind(sale_id)
            .bind(rice.id)
            .execute(&app.pool)
            .await
            .expect_err(sql);
        let code = error
            .as_database_error()
            .and_then(|e| e.code())
            .map(|c| c.into_owned());
        assert_eq!(code.as_deref(), Some("23503"), "{sql}: {error}");
    }
    assert_eq!(app.fingerprint().await, before);
}
