//! The OpenAPI document: it describes every route the router has and nothing else, it is
//! served with Swagger UI, and its examples fit its schemas. (That every answer of the
//! other tests fits the document is checked by the harness, on each request.)

use crate::common::contract;
use crate::common::*;
use caisse::http::{TERMINAL_API, admin, live, monitoring, openapi, terminal};
use reqwest::Method;
use serde_json::Value;
use std::collections::BTreeSet;

const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

/// Every route of the router, as (method, path template), found by asking the server: a
/// method a route does not have is answered `405`. Trailing slashes are dropped.
async fn routed(app: &TestApp) -> BTreeSet<(String, String)> {
    let mut paths: Vec<(String, bool)> = Vec::new();
    for (path, _) in terminal::routes() {
        paths.push((format!("{TERMINAL_API}{path}"), true));
    }
    for (path, _) in admin::routes() {
        paths.push((format!("/api/admin{path}"), true));
    }
    for (path, _) in monitoring::routes(true) {
        paths.push((path.to_owned(), false));
    }
    for path in live::PATHS {
        paths.push((path.to_owned(), true));
    }
    let mut found = BTreeSet::new();
    for (template, with_slash) in paths {
        let concrete = template
            .split('/')
            .map(|s| if s.starts_with('{') { "1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for method in METHODS {
            let mut statuses = Vec::new();
            let variants = if with_slash {
                vec![concrete.clone(), format!("{concrete}/")]
            } else {
                vec![concrete.clone()]
            };
            for url in variants {
                let status = app
                    .client
                    .request(method.clone(), app.url(&url))
                    .send()
                    .await
                    .unwrap()
                    .status();
                statuses.push(status != 405);
            }
            assert!(
                statuses.iter().all(|s| *s == statuses[0]),
                "{method} {template}: routed with a trailing slash but not without, or the reverse"
            );
            if statuses[0] {
                found.insert((method.as_str().to_owned(), template.clone()));
            }
        }
    }
    found
}

/// Every operation of the document, as (method, path template without trailing slash).
fn documented() -> BTreeSet<(String, String)> {
    let document = serde_json::to_value(openapi::document()).unwrap();
    let mut found = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method.as_str().to_ascii_lowercase()).is_some() {
                let path = path.strip_suffix('/').unwrap_or(path).to_owned();
                found.insert((method.as_str().to_owned(), path));
            }
        }
    }
    found
}

#[tokio::test]
async fn every_route_is_documented_and_nothing_else() {
    let app = TestApp::spawn_with(|c| c.metrics = true).await;
    let routed = routed(&app).await;
    let documented = documented();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "routes the OpenAPI document does not describe (add #[utoipa::path] to the handler \
         and list it in src/http/openapi/mod.rs): {undocumented:#?}"
    );
    let stale: Vec<_> = documented.difference(&routed).collect();
    assert!(
        stale.is_empty(),
        "operations of the OpenAPI document that no route serves: {stale:#?}"
    );
    assert!(routed.len() >= 48, "{routed:#?}");
}

#[tokio::test]
async fn the_document_and_swagger_ui_are_served() {
    let app = TestApp::spawn().await;
    let reply = app.get("/api/openapi.json", None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        serde_json::to_value(openapi::document()).unwrap()
    );
    assert!(reply.body["openapi"].as_str().unwrap().starts_with("3.1."));

    let mut operation_ids = BTreeSet::new();
    for (path, item) in reply.body["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap();
            assert!(operation_ids.insert(id.to_owned()), "{id} is not unique");
            assert!(
                operation["summary"].is_string(),
                "{method} {path} has no summary"
            );
            assert_eq!(operation["tags"].as_array().map(Vec::len), Some(1));
            let responses = operation["responses"].as_object().unwrap();
            // A WebSocket's success is its upgrade.
            assert!(
                responses
                    .keys()
                    .any(|s| s.starts_with('2') || (s == "101" && path.starts_with("/ws/"))),
                "{method} {path} documents no success"
            );
            // Every refusal names its codes.
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["description"].as_str().unwrap().contains('`'),
                        "{method} {path} {status}: {response}"
                    );
                }
            }
        }
    }

    let ui = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(ui.status(), 200);
    assert!(ui.text().await.unwrap().contains("swagger-ui"));
    let init = app
        .client
        .get(app.url("/api/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(init.status(), 200);
    assert!(init.text().await.unwrap().contains("/api/openapi.json"));
}

/// Every `example` and `examples` of a schema fits that schema: the document cannot show a
/// tester an example the server would never send or accept.
#[test]
fn examples_fit_their_schemas() {
    let document = serde_json::to_value(openapi::document()).unwrap();
    let mut checked = 0;
    let mut pointers = Vec::new();
    collect_examples(
        &document["components"]["schemas"],
        "#/components/schemas",
        &mut pointers,
    );
    for (pointer, example) in pointers {
        let mut root = document.clone();
        root["$ref"] = Value::String(pointer.clone());
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&example)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "example {example} of {pointer}: {errors:?}"
        );
        checked += 1;
    }
    assert!(checked > 50, "only {checked} examples");

    // Whole answers shown as examples fit as strictly as real answers.
    let mut answers = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                if let Some(example) = response.pointer("/content/application~1json/example") {
                    contract::check(Some(method), path, status.parse().unwrap(), example);
                    answers += 1;
                }
            }
        }
    }
    assert!(answers >= 5, "only {answers} answers as examples");
}

fn collect_examples(schema: &Value, pointer: &str, found: &mut Vec<(String, Value)>) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("type") || map.contains_key("$ref") {
                if let Some(example) = map.get("example") {
                    found.push((pointer.to_owned(), example.clone()));
                }
                if let Some(Value::Array(examples)) = map.get("examples") {
                    for example in examples {
                        found.push((pointer.to_owned(), example.clone()));
                    }
                }
            }
            for (key, inner) in map {
                let key = key.replace('~', "~0").replace('/', "~1");
                collect_examples(inner, &format!("{pointer}/{key}"), found);
            }
        }
        Value::Array(list) => {
            for (i, inner) in list.iter().enumerate() {
                collect_examples(inner, &format!("{pointer}/{i}"), found);
            }
        }
        _ => {}
    }
}

/// The harness's contract check catches an answer that drifts from the document.
#[test]
fn the_contract_check_catches_drift() {
    let path = "/api/v2/simple/terminal/0a1badae951f8473/";
    let good = serde_json::json!({
        "success": true,
        "terminal": {"id": 1, "numero_serie": "0a1badae951f8473", "nom_terminal": "Terminal MAUI",
                     "est_actif": true, "version_app_maui": null, "derniere_activite": null},
        "boutique": {"id": 1, "nom": "Ma Boutique", "code": "BTQ-009",
                     "type_commerce": "Téléphonie et accessoires", "ville": "Kinshasa", "devise": "CDF"},
    });
    contract::check(Some("GET"), path, 200, &good);
    let drifts = [
        ("/terminal/id", serde_json::json!("1")),
        ("/boutique/nouveau", serde_json::json!(1)),
        ("/terminal/derniere_activite", serde_json::json!("hier")),
    ];
    for (at, value) in drifts {
        let mut bad = good.clone();
        let (parent, key) = at.rsplit_once('/').unwrap();
        bad.pointer_mut(parent).unwrap()[key] = value;
        let result = std::panic::catch_unwind(|| contract::check(Some("GET"), path, 200, &bad));
        assert!(result.is_err(), "{at} drifted unnoticed");
    }
    let unlisted = serde_json::json!({"success": false, "error": "…", "code": "SALE_NOT_FOUND"});
    assert!(
        std::panic::catch_unwind(|| contract::check(Some("GET"), path, 404, &unlisted)).is_err(),
        "a code the document does not list for the status went unnoticed"
    );
    assert!(
        std::panic::catch_unwind(|| contract::check(Some("GET"), path, 418, &unlisted)).is_err(),
        "an undocumented status went unnoticed"
    );
    let money = serde_json::json!({"success": true, "count": 0, "boutique_id": 1,
        "boutique_nom": "Ma Boutique", "statistiques": {"total_ventes": 0, "chiffre_affaires": 0},
        "ventes": []});
    assert!(
        std::panic::catch_unwind(|| contract::check(
            Some("GET"),
            "/api/v2/simple/ventes/historique/",
            200,
            &money
        ))
        .is_err(),
        "money as a number went unnoticed"
    );
}
