//! Sessions, their cookies, and the CSRF gate.
//!
//! A session is a random token in a cookie (`HttpOnly`, `SameSite=Lax`, `Path=/backoffice`,
//! `Secure` unless `CAISSE_PLAIN_HTTP`); the database keeps only its hash, with the session's
//! form token. A handler that takes a [`Session`] runs only for a logged-in user (anyone else
//! is sent to the login page). Every `POST` goes through [`csrf_guard`] first: a form must
//! carry the session's form token (the login form: the token of the cookie set with the login
//! page), which another site can neither read nor guess.

use super::error::PageError;
use super::form::{self, Typed};
use super::paths::BASE;
use super::settings::Settings;
use crate::accounts::{self, User};
use crate::http::AppState;
use crate::secret::{hash_key, same_hash};
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use sqlx::PgPool;

pub const SESSION_COOKIE: &str = "caisse_session";
/// Holds the token of the login form between the page and its submission.
pub const LOGIN_COOKIE: &str = "caisse_login";
/// The form field that carries the form token, the one field of a form the gate reads.
pub const CSRF_FIELD: &str = "csrf";

/// The session a request's cookie opens.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    /// The token every form of this session carries.
    pub csrf: String,
    token_hash: String,
}

impl Session {
    /// The unexpired session of the request's cookie, if any, its user and merchant active.
    pub async fn from_headers(
        pool: &PgPool,
        headers: &HeaderMap,
    ) -> Result<Option<Session>, sqlx::Error> {
        let Some(token) = cookie(headers, SESSION_COOKIE) else {
            return Ok(None);
        };
        let token_hash = hash_key(token);
        Ok(accounts::session(pool, &token_hash)
            .await?
            .map(|(user, csrf)| Session {
                user,
                csrf,
                token_hash,
            }))
    }

    /// Ends the session on the server, not only in the browser.
    pub async fn close(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        accounts::close_session(pool, &self.token_hash).await
    }
}

/// A page asked for without a session is answered with the login page, which then leads
/// back to it.
impl FromRequestParts<AppState> for Session {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        // Already looked up by the CSRF gate for a form.
        if let Some(session) = parts.extensions.get::<Session>() {
            return Ok(session.clone());
        }
        match Session::from_headers(&state.pool, &parts.headers).await {
            Ok(Some(session)) => Ok(session),
            Ok(None) => Err(to_login(Some(&parts.uri), &parts.headers)),
            Err(e) => Err(PageError::from(e).into_response()),
        }
    }
}

/// The login page, leading back to `from` (a page's address) once logged in.
fn to_login(from: Option<&Uri>, headers: &HeaderMap) -> Response {
    let target = match from.and_then(|uri| uri.path_and_query()) {
        Some(from) => format!(
            "{BASE}/login?{}",
            serde_urlencoded::to_string([("suivant", from.as_str())]).unwrap_or_default()
        ),
        None => format!("{BASE}/login"),
    };
    // A part of a page refreshing itself (htmx) would follow a redirect and show the login
    // page in its place: the whole page is sent there instead.
    if headers.contains_key("hx-request") {
        return [("hx-redirect", target)].into_response();
    }
    Redirect::to(&target).into_response()
}

/// The value of the cookie `name` in the request, if any.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// A `Set-Cookie` for the back-office; a `max_age` of 0 deletes the cookie.
pub fn set_cookie(settings: &Settings, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={BASE}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("cookie names and tokens are plain ASCII")
}

/// The hidden field that every form of a session carries, checked by [`csrf_guard`].
pub fn csrf_field(session: &Session) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(session.csrf); }
}

/// The one field of a form the gate reads ([`CSRF_FIELD`]).
#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    csrf: Typed,
}

/// The gate every `POST` of the back-office goes through before its handler: the form
/// must carry the token of the session (or, to log in, of the login page's cookie). The
/// form is read within its size limit, then handed on to the handler.
pub async fn csrf_guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let bytes = match form::bytes(body).await {
        Ok(bytes) => bytes,
        Err(too_large) => return too_large.into_response(),
    };
    let sent = form::parse::<Token>(&bytes)
        .ok()
        .and_then(|token| token.csrf.given().map(str::to_owned));
    let expected = if parts.uri.path() == format!("{BASE}/login") {
        cookie(&parts.headers, LOGIN_COOKIE).map(str::to_owned)
    } else {
        match Session::from_headers(&state.pool, &parts.headers).await {
            Ok(Some(session)) => {
                let token = session.csrf.clone();
                parts.extensions.insert(session);
                Some(token)
            }
            // Logged out meanwhile (or never logged in): nothing to check it against.
            Ok(None) => return to_login(None, &parts.headers),
            Err(e) => return PageError::from(e).into_response(),
        }
    };
    match (sent, expected) {
        (Some(sent), Some(expected)) if same_hash(&sent, &expected) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => {
            tracing::warn!(path = %parts.uri.path(), "form refused: missing or wrong CSRF token");
            PageError::message(
                StatusCode::FORBIDDEN,
                "Ce formulaire a expiré ou ne vient pas du back-office. \
                 Rechargez la page et recommencez.",
            )
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_name() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; caisse_session=abc"),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("caisse_login=xyz"));
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, LOGIN_COOKIE), Some("xyz"));
        assert_eq!(cookie(&headers, "caisse"), None);
    }

    #[test]
    fn session_cookies_are_locked_down() {
        let secure = Settings {
            secure_cookies: true,
            terminal_silence: chrono::Duration::hours(24),
        };
        assert_eq!(
            set_cookie(&secure, SESSION_COOKIE, "t", 60),
            "caisse_session=t; Path=/backoffice; Max-Age=60; HttpOnly; SameSite=Lax; Secure"
        );
        let plain = Settings {
            secure_cookies: false,
            ..secure
        };
        assert_eq!(
            set_cookie(&plain, SESSION_COOKIE, "", 0),
            "caisse_session=; Path=/backoffice; Max-Age=0; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn the_gate_reads_the_token_field() {
        let token: Token = form::parse(format!("a=1&{CSRF_FIELD}=+abc+&b=").as_bytes()).unwrap();
        assert_eq!(token.csrf.given(), Some("abc"));
        let none: Token = form::parse(b"a=1").unwrap();
        assert_eq!(none.csrf.given(), None);
    }
}
