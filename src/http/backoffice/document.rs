//! The HTML document every answer of the back-office is (its head, the style sheet, htmx),
//! the static files it links to, and the notice any page may show at its top. It knows
//! nothing of sessions or boutiques: a page's header is given to it ready-made.

use super::paths::BASE;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use std::sync::OnceLock;

const CSS_FILE: &str = "caisse.css";
const HTMX_FILE: &str = "htmx.min.js";
const JS_FILE: &str = "caisse.js";
const CSS: &str = include_str!("static/caisse.css");
const HTMX: &str = include_str!("static/htmx.min.js");
const JS: &str = include_str!("static/caisse.js");

/// A static file of the back-office by name: its content type and its content.
pub fn static_file(name: &str) -> Option<(&'static str, &'static str)> {
    match name {
        CSS_FILE => Some(("text/css; charset=utf-8", CSS)),
        HTMX_FILE => Some(("text/javascript; charset=utf-8", HTMX)),
        JS_FILE => Some(("text/javascript; charset=utf-8", JS)),
        _ => None,
    }
}

/// A static file's address, with a digest of its content: browsers may keep it for long,
/// and fetch it again when a new version of the server changes it.
fn asset(file: &str) -> &'static str {
    static CSS_URL: OnceLock<String> = OnceLock::new();
    static HTMX_URL: OnceLock<String> = OnceLock::new();
    static JS_URL: OnceLock<String> = OnceLock::new();
    let (cell, content) = match file {
        CSS_FILE => (&CSS_URL, CSS),
        JS_FILE => (&JS_URL, JS),
        _ => (&HTMX_URL, HTMX),
    };
    cell.get_or_init(|| {
        let digest = crate::secret::sha256_hex(content.as_bytes());
        format!("{BASE}/static/{file}?v={}", &digest[..12])
    })
}

/// A whole page: `header` above its `body`.
pub fn document(title: &str, header: Option<Markup>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="fr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // No inline style or script anywhere: the pages' security policy forbids them.
                meta name="htmx-config" content=r#"{"includeIndicatorStyles": false, "allowEval": false, "historyCacheSize": 0}"#;
                title { (title) " · Caisse" }
                // No icon to fetch: one request less on a slow link.
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(asset(CSS_FILE));
                script src=(asset(HTMX_FILE)) defer {}
                script src=(asset(JS_FILE)) defer {}
            }
            body {
                @if let Some(header) = header {
                    (header)
                }
                main {
                    (body)
                }
            }
        }
    }
}

/// A message at the top of a page.
pub fn notice(kind: &str, text: &str) -> Markup {
    html! { p class={ "notice " (kind) } role=(if kind == "error" { "alert" } else { "status" }) { (text) } }
}

/// A page as a response.
pub fn render(markup: Markup) -> Response {
    Html(markup.into_string()).into_response()
}

/// A page with a form as a response: `422` when it shows the form `refused`, with what was
/// typed and why.
pub fn render_form(refused: Option<&str>, markup: Markup) -> Response {
    match refused {
        Some(_) => render_as(StatusCode::UNPROCESSABLE_ENTITY, markup),
        None => render(markup),
    }
}

/// A page as a response with another status than `200`: a refused form shown again (`422`),
/// an error page.
pub fn render_as(status: StatusCode, markup: Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}
