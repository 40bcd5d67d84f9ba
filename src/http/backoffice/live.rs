//! A back-office page's live push socket: `/ws/notifications/<id>/` (API-D1.md §6) for a
//! boutique the logged-in user may see, with the session's cookie. A boutique the user may
//! not see is answered as every page answers it ([`ShopAccess`]), before any upgrade.
//!
//! The cookie is sent by browsers on cross-site WebSocket requests too, so a request whose
//! `Origin` is not this server's own address is refused: another site's page cannot read a
//! shop's figures through its visitor's session.
//!
//! The session cookie is set for `Path=/backoffice`: a browser sends it to `/ws/…` only if
//! that path is widened. Other clients (scripts, tools) send it themselves.

use super::access::ShopAccess;
use super::error::PageError;
use super::session::{SESSION_COOKIE, cookie};
use crate::events::Channel;
use crate::events::hub::Owner;
use crate::http::AppState;
use crate::http::live::{self, NOTIFICATIONS_PATH, Sockets};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The back-office's socket, for the requests that carry its session cookie.
pub fn sockets() -> Sockets {
    Sockets {
        routes: vec![(NOTIFICATIONS_PATH, get(notifications))],
        claims: |headers| cookie(headers, SESSION_COOKIE).is_some(),
    }
}

async fn notifications(
    State(state): State<AppState>,
    access: ShopAccess,
    Path(asked): Path<String>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    if !same_origin(&headers) {
        return PageError::message(
            StatusCode::FORBIDDEN,
            "Connexion refusée : elle ne vient pas du back-office.",
        )
        .into_response();
    }
    let Ok(upgrade) = upgrade else {
        return PageError::message(
            StatusCode::UPGRADE_REQUIRED,
            "Cette adresse attend une connexion WebSocket.",
        )
        .into_response();
    };
    let shop = &access.shop;
    let subscription = state.live.hub.subscribe(
        shop.id,
        Channel::Notifications,
        Owner::User(access.session.user.email.clone()),
        shop.time_zone,
    );
    let span = tracing::debug_span!(
        "live",
        user = %access.session.user.email,
        boutique_id = shop.id,
        channel = ?Channel::Notifications,
    );
    live::open(
        upgrade,
        &state.live,
        subscription,
        Channel::Notifications,
        asked,
        span,
    )
}

/// Whether the request comes from a page of this server, or from no page at all (a client
/// that sends no `Origin`).
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&'static str>, host: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static(host));
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, HeaderValue::from_static(origin));
        }
        headers
    }

    #[test]
    fn only_pages_of_this_server_may_open_a_session_socket() {
        assert!(same_origin(&headers(None, "caisse.example")));
        assert!(same_origin(&headers(
            Some("https://caisse.example"),
            "caisse.example"
        )));
        assert!(same_origin(&headers(
            Some("http://127.0.0.1:8000"),
            "127.0.0.1:8000"
        )));
        assert!(!same_origin(&headers(
            Some("https://evil.example"),
            "caisse.example"
        )));
        assert!(!same_origin(&headers(Some("null"), "caisse.example")));
    }
}
