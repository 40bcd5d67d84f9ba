//! The back-office: web pages under `/backoffice/` where merchants and shop managers follow
//! their shops' sales and stock and manage their tills and articles, in French, on a
//! computer or a phone.
//!
//! Pages are rendered on the server (maud) and every form is a plain HTML form, so they work
//! without JavaScript. htmx only refreshes parts of a page in place (the stock, the search
//! as one types); it is served from the binary, never from a CDN, since shops' links are
//! poor: `static/htmx.min.js` is htmx.org 2.0.11 as published on the npm registry
//! (`dist/htmx.min.js`, BSD Zero Clause licence, SHA-256
//! d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717).
//!
//! Two gates, each in one place, so that no page can forget them:
//! - [`access::ShopAccess`] is the only way a handler gets a boutique: it takes the boutique
//!   from the URL and answers "not found" unless the logged-in user may see it
//!   ([`access::visible_shops`] decides that, for every page).
//! - [`auth::csrf_guard`] runs before every `POST` and refuses any form that does not carry
//!   the session's own token.

pub mod access;
pub mod articles;
pub mod auth;
pub mod csv;
pub mod dashboard;
pub mod form;
pub mod format;
pub mod journal;
pub mod layout;
pub mod live;
pub mod sales;
pub mod stock;
pub mod terminals;

use super::AppState;
use crate::config::Config;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

/// Where the back-office lives.
pub const BASE: &str = "/backoffice";

/// What the back-office reads from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Cookies are marked `Secure` (sent over HTTPS only) unless the server is reached over
    /// plain HTTP (`CAISSE_PLAIN_HTTP`, for development).
    pub secure_cookies: bool,
    /// An active till not seen for longer than this is flagged.
    pub terminal_silence: chrono::Duration,
}

impl Settings {
    pub fn new(config: &Config) -> Self {
        Settings {
            secure_cookies: !config.plain_http,
            terminal_silence: chrono::Duration::hours(i64::from(config.terminal_silence_hours)),
        }
    }
}

/// The back-office's routes, with their full paths.
pub fn router(state: AppState) -> Router<AppState> {
    let shop = |path: &str| format!("{BASE}/boutiques/{{boutique_id}}{path}");
    Router::new()
        .route(
            BASE,
            get(|| async { Redirect::permanent(&format!("{BASE}/")) }),
        )
        .route(&format!("{BASE}/"), get(dashboard::merchant))
        .route(
            &format!("{BASE}/login"),
            get(auth::login_page).post(auth::login),
        )
        .route(&format!("{BASE}/logout"), post(auth::logout))
        .route(&format!("{BASE}/static/{{file}}"), get(static_file))
        .route(&shop(""), get(dashboard::shop))
        .route(&shop("/"), get(dashboard::shop))
        .route(
            &shop("/alertes-stock/{alerte_id}/fermer"),
            post(dashboard::close_alert),
        )
        .route(
            &shop("/articles"),
            get(articles::list).post(articles::create),
        )
        .route(&shop("/articles/nouveau"), get(articles::new_form))
        .route(
            &shop("/articles/{article_id}"),
            get(articles::edit_form).post(articles::update),
        )
        .route(&shop("/categories"), post(articles::create_category))
        .route(
            &shop("/entrees"),
            get(stock::delivery_form).post(stock::receive),
        )
        .route(
            &shop("/ajustements"),
            get(stock::adjustment_form).post(stock::adjust),
        )
        .route(
            &shop("/terminaux"),
            get(terminals::list).post(terminals::create),
        )
        .route(
            &shop("/terminaux/{terminal_id}/cle"),
            post(terminals::rotate_key),
        )
        .route(
            &shop("/terminaux/{terminal_id}/actif"),
            post(terminals::set_active),
        )
        .route(&shop("/ventes"), get(sales::list))
        .route(&shop("/ventes.csv"), get(sales::export))
        .route(&shop("/ventes-rejetees"), get(sales::rejections))
        .route(
            &shop("/ventes-rejetees/{rejet_id}/resoudre"),
            post(sales::resolve),
        )
        .route(&shop("/mouvements"), get(journal::list))
        .route(&shop("/mouvements.csv"), get(journal::export))
        .route(
            &format!("{BASE}/{{*rest}}"),
            get(|| async { layout::PageError::NotFound }),
        )
        .layer(axum::middleware::from_fn_with_state(
            state,
            auth::csrf_guard,
        ))
        .layer(axum::middleware::map_response(protect))
}

/// Headers of every back-office answer: pages are never cached (they show money and are
/// behind a login), never framed (clickjacking), and may load nothing from elsewhere.
async fn protect(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

const CSS: &str = include_str!("static/caisse.css");
const HTMX: &str = include_str!("static/htmx.min.js");

/// The style sheet and htmx, from the binary. Their names carry a version, so they may be
/// cached for long.
async fn static_file(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (content_type, body) = match file.as_str() {
        layout::CSS_FILE => ("text/css; charset=utf-8", CSS),
        layout::HTMX_FILE => ("text/javascript; charset=utf-8", HTMX),
        _ => return layout::PageError::NotFound.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
        .into_response()
}
