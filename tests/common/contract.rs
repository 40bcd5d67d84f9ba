//! The OpenAPI document as a contract: every response the harness receives is checked
//! against it. The operation (method and route) must be documented, the status must be one
//! of its responses, and the body must match that response's schema: every required key
//! there, with its JSON type, a refusal's `code` among those listed for the status, and no
//! key the document does not describe (the check is stricter than the published document,
//! which lets clients expect more keys in the future).

use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

struct Contract {
    /// The document, with every described object closed to undescribed keys.
    strict: Value,
    /// The document's paths, without their trailing slash, split in segments.
    routes: Vec<(String, Vec<String>)>,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        let mut strict = serde_json::to_value(caisse::http::openapi::document()).unwrap();
        if let Some(Value::Object(schemas)) = strict.pointer_mut("/components/schemas") {
            for schema in schemas.values_mut() {
                close(schema);
            }
        }
        let routes = strict["paths"]
            .as_object()
            .unwrap()
            .keys()
            .map(|template| (template.clone(), segments(template)))
            .collect();
        Contract {
            strict,
            routes,
            validators: Mutex::new(HashMap::new()),
        }
    })
}

/// Forbids keys an object schema does not describe, all the way down.
fn close(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    if map.contains_key("properties")
        && !map.contains_key("additionalProperties")
        && !map.contains_key("unevaluatedProperties")
    {
        map.insert("unevaluatedProperties".into(), Value::Bool(false));
    }
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        properties.values_mut().for_each(close);
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = map.get_mut(key) {
            close(inner);
        }
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(list)) = map.get_mut(key) {
            list.iter_mut().for_each(close);
        }
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_end_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

/// The documented route `path` is an instance of: literal segments beat parameters.
pub fn route_of(path: &str) -> Option<String> {
    let asked = segments(path);
    contract()
        .routes
        .iter()
        .filter(|(_, route)| {
            route.len() == asked.len()
                && route
                    .iter()
                    .zip(&asked)
                    .all(|(r, a)| r == a || (r.starts_with('{') && r.ends_with('}')))
        })
        .max_by_key(|(_, route)| route.iter().filter(|s| !s.starts_with('{')).count())
        .map(|(template, _)| template.clone())
}

/// The document's operation for `method` on the route `template`, if any.
pub fn operation(method: &str, template: &str) -> Option<&'static Map<String, Value>> {
    contract().strict["paths"][template][method.to_ascii_lowercase()].as_object()
}

/// Fails the test if `status` and `body`, the answer to `method path`, break the document.
/// Without the method, the answer is checked when the route has only one operation.
pub fn check(method: Option<&str>, path: &str, status: u16, body: &Value) {
    // An address the API does not have: the tests that ask for one check the answer.
    let Some(template) = route_of(path) else {
        return;
    };
    let method = match method {
        Some(method) => method.to_ascii_lowercase(),
        None => {
            let methods: Vec<&String> = contract().strict["paths"][&template]
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str()))
                .collect();
            match methods[..] {
                [only] => only.clone(),
                _ => return,
            }
        }
    };
    let Some(operation) = operation(&method, &template) else {
        assert_eq!(
            status, 405,
            "{method} {path} answered {status}, but the OpenAPI document has no {method} {template}"
        );
        return;
    };
    let status_key = status.to_string();
    let responses = operation["responses"].as_object().unwrap();
    let Some(response) = responses.get(&status_key) else {
        panic!(
            "{method} {path} answered {status}, which the OpenAPI document does not list for \
             {method} {template} (it lists {:?}): {body:#}",
            responses.keys().collect::<Vec<_>>()
        );
    };
    if response
        .pointer("/content/application~1json/schema")
        .is_none()
    {
        panic!(
            "{method} {path} answered {status} with a JSON body the document does not describe: {body:#}"
        );
    }
    let pointer = format!(
        "#/paths/{}/{method}/responses/{status_key}/content/application~1json/schema",
        template
            .replace('~', "~0")
            .replace('/', "~1")
            .replace('{', "%7B")
            .replace('}', "%7D")
    );
    let validator = validator(&pointer);
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("  at {}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} answered {status} with a body that breaks the OpenAPI document \
         ({method} {template}):\n{}\nbody: {body:#}",
        errors.join("\n")
    );
}

fn validator(pointer: &str) -> Arc<jsonschema::Validator> {
    let contract = contract();
    let mut cache = contract.validators.lock().unwrap();
    cache
        .entry(pointer.to_owned())
        .or_insert_with(|| {
            // The whole document is the root, so that its `$ref`s resolve.
            let mut root = contract.strict.clone();
            root["$ref"] = Value::String(pointer.to_owned());
            Arc::new(
                jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .should_validate_formats(true)
                    .build(&root)
                    .unwrap_or_else(|e| panic!("schema {pointer}: {e}")),
            )
        })
        .clone()
}
