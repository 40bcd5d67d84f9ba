//! The back-office: web pages under `/backoffice/` where merchants and shop managers follow
//! their shops' sales and stock and manage their tills and articles, in French, on a
//! computer or a phone.
//!
//! Pages are rendered on the server (maud) and every form is a plain HTML form, so they work
//! without JavaScript. htmx only refreshes parts of a page in place (the stock, the search
//! as one types); it is served from the binary, never from a CDN, since shops' links are
//! poor: `static/htmx.min.js` is htmx.org 2.0.11 as published on the npm registry
//! (`dist/htmx.min.js`, BSD Zero Clause licence, SHA-256
//! d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717). `static/caisse.js`
//! is ours: the print buttons (a page's security policy forbids inline scripts).
//!
//! Two gates, each in one place, so that no page can forget them:
//! - [`access::ShopAccess`] is the only way a handler gets a boutique: it takes the boutique
//!   from the URL and answers "not found" unless the logged-in user may see it
//!   ([`crate::boutiques::visible`] decides that, for every page).
//! - [`session::csrf_guard`] runs before every `POST` and refuses any form that does not
//!   carry the session's own token.
//!
//! Its files import each other in one direction only, from the pages down: the pages
//! (`articles`, `stock`, `terminals`, `sales`, `journal`, `dashboard`; `sales` and
//! `dashboard` also list the tills through `terminals`) and `auth` (logging in) →
//! [`listing`] (the long lists) → [`access`] (the boutique of a page) → [`layout`] (the
//! frame of a page) → [`session`] → [`form`] and [`csv`] → [`error`] → [`document`] →
//! [`paths`], [`settings`] and [`format`](mod@format), which import nothing of the
//! back-office. A file may skip levels, never climb them. This file only puts the routes
//! together.

pub mod access;
pub mod articles;
pub mod auth;
pub mod chart;
pub mod counts;
pub mod csv;
pub mod dashboard;
pub mod document;
pub mod error;
pub mod form;
pub mod format;
pub mod journal;
pub mod layout;
pub mod listing;
pub mod live;
pub mod paths;
pub mod sales;
pub mod session;
pub mod settings;
pub mod shop_settings;
pub mod stock;
pub mod terminals;
pub mod till_sessions;
pub mod transfers;
pub mod trends;

pub use settings::Settings;

use crate::http::AppState;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use error::PageError;
use paths::BASE;

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
        .route(&shop("/comptages"), get(counts::list).post(counts::open))
        .route(&shop("/comptages/{comptage_id}"), get(counts::show))
        .route(
            &shop("/comptages/{comptage_id}/lignes"),
            post(counts::record),
        )
        .route(
            &shop("/comptages/{comptage_id}/appliquer"),
            post(counts::apply),
        )
        .route(
            &shop("/comptages/{comptage_id}/abandonner"),
            post(counts::abandon),
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
        .route(
            &shop("/terminaux/{terminal_id}/cle-requise"),
            post(terminals::set_key_required),
        )
        .route(
            &shop("/transferts"),
            get(transfers::list).post(transfers::send),
        )
        .route(
            &shop("/transferts/{transfert_id}/recevoir"),
            post(transfers::receive),
        )
        .route(
            &shop("/transferts/{transfert_id}/refuser"),
            post(transfers::refuse),
        )
        .route(
            &shop("/sessions-caisse"),
            get(till_sessions::list).post(till_sessions::open),
        )
        .route(
            &shop("/sessions-caisse/{session_id}"),
            get(till_sessions::show),
        )
        .route(
            &shop("/sessions-caisse/{session_id}/fermer"),
            post(till_sessions::close),
        )
        .route(
            &shop("/sessions-caisse/{session_id}/depenses/{rapport_id}/appliquer"),
            post(till_sessions::apply_expense),
        )
        .route(&shop("/ventes"), get(sales::list))
        .route(&shop("/ventes.csv"), get(sales::export))
        .route(&shop("/ventes-rejetees"), get(sales::rejections))
        .route(
            &shop("/ventes-rejetees/{rejet_id}/resoudre"),
            post(sales::resolve),
        )
        .route(&shop("/mouvements"), get(journal::list))
        .route(&shop("/reglages"), get(shop_settings::show))
        .route(&shop("/reglages/taux"), post(shop_settings::set_rate))
        .route(
            &shop("/reglages/taux-commercant"),
            post(shop_settings::set_merchant_rate),
        )
        .route(&shop("/reglages/caisses"), post(shop_settings::set_tills))
        .route(&shop("/reglages/devise"), post(shop_settings::set_currency))
        .route(&shop("/mouvements.csv"), get(journal::export))
        .route(
            &format!("{BASE}/{{*rest}}"),
            get(|| async { PageError::NotFound }),
        )
        .layer(axum::middleware::from_fn_with_state(
            state,
            session::csrf_guard,
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
        .or_insert(HeaderValue::from_static("private, no-store"));
    response
}

/// The style sheet and htmx, from the binary. Their names carry a version, so they may be
/// cached for long.
async fn static_file(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let Some((content_type, body)) = document::static_file(&file) else {
        return PageError::NotFound.into_response();
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
