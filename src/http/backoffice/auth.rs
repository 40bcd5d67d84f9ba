//! Logging in and out, sessions, the throttling of password guesses, and the CSRF gate.
//!
//! A session is a random token in a cookie (`HttpOnly`, `SameSite=Lax`, `Path=/backoffice`,
//! `Secure` unless `CAISSE_PLAIN_HTTP`); the database keeps only its hash, with the session's
//! form token. Every `POST` goes through [`csrf_guard`] first: a form must carry the
//! session's form token (the login form: the token of the cookie set with the login page),
//! which another site can neither read nor guess.

use super::form::{FORM_LIMIT, FormData, TOO_LARGE};
use super::layout::{PageError, notice, page, render};
use super::{BASE, Settings};
use crate::accounts::{
    self, FAILURE_WINDOW_MINUTES, SESSION_HOURS, User, authenticate, normalize_email,
};
use crate::http::AppState;
use crate::secret::{generate_key, hash_key, same_hash};
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use sqlx::PgPool;
use std::collections::HashMap;
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "caisse_session";
/// Holds the token of the login form between the page and its submission.
pub const LOGIN_COOKIE: &str = "caisse_login";
/// The form field that carries the form token.
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

/// Where to go after logging in: a back-office page, never another site.
fn next_page(asked: Option<&str>) -> String {
    match asked {
        Some(path)
            if path.starts_with(&format!("{BASE}/"))
                && !path.contains("//")
                && !path.contains('\\')
                && !path.starts_with(&format!("{BASE}/login")) =>
        {
            path.to_owned()
        }
        _ => format!("{BASE}/"),
    }
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
fn set_cookie(settings: &Settings, name: &str, value: &str, max_age: i64) -> HeaderValue {
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

/// The gate every `POST` of the back-office goes through before its handler: the form
/// must carry the token of the session (or, to log in, of the login page's cookie).
pub async fn csrf_guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, FORM_LIMIT).await else {
        return PageError::message(StatusCode::PAYLOAD_TOO_LARGE, TOO_LARGE).into_response();
    };
    let sent = FormData::parse(&bytes).and_then(|form| form.get(CSRF_FIELD).map(str::to_owned));
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

fn login_form(token: &str, next: Option<&str>, email: &str, error: Option<&str>) -> maud::Markup {
    page(
        "Connexion",
        None,
        html! {
            div.login.card {
                h1 { "Connexion au back-office" }
                @if let Some(error) = error {
                    (notice("error", error))
                }
                form.stacked method="post" action={ (BASE) "/login" } {
                    input type="hidden" name=(CSRF_FIELD) value=(token);
                    @if let Some(next) = next {
                        input type="hidden" name="suivant" value=(next);
                    }
                    label {
                        "Adresse e-mail"
                        input type="email" name="email" value=(email) autocomplete="username"
                              required autofocus[email.is_empty()];
                    }
                    label {
                        "Mot de passe"
                        input type="password" name="mot_de_passe" autocomplete="current-password"
                              required autofocus[!email.is_empty()];
                    }
                    button type="submit" { "Se connecter" }
                }
            }
        },
    )
}

/// `GET /backoffice/login`.
pub async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let next = query.get("suivant").map(String::as_str);
    if Session::from_headers(&state.pool, &headers)
        .await?
        .is_some()
    {
        return Ok(Redirect::to(&next_page(next)).into_response());
    }
    // A second login tab shares the first one's token rather than spoiling its form.
    let token = cookie(&headers, LOGIN_COOKIE)
        .filter(|t| t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit()))
        .map_or_else(generate_key, str::to_owned);
    let mut response = render(login_form(&token, next, "", None));
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state.backoffice, LOGIN_COOKIE, &token, 3600),
    );
    Ok(response)
}

/// `POST /backoffice/login` (its token already checked by the gate).
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: FormData,
) -> Result<Response, PageError> {
    let typed = form.get("email").unwrap_or_default();
    let email = normalize_email(typed).unwrap_or_else(|_| typed.to_lowercase());
    let password = form.get("mot_de_passe").unwrap_or_default();
    let next = form.get("suivant");
    let address = peer.ip().to_string();
    // The gate compared the form's token with this cookie: the same token serves again.
    let token = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    let refuse = |status: StatusCode, message: &str| {
        let mut response = render(login_form(token, next, typed, Some(message)));
        *response.status_mut() = status;
        response
    };

    if accounts::login_throttled(&state.pool, &email, &address).await? {
        tracing::warn!(%email, %address, "login refused: too many failures");
        let mut response = refuse(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "Trop de tentatives de connexion échouées. Réessayez dans \
                 {FAILURE_WINDOW_MINUTES} minutes."
            ),
        );
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(FAILURE_WINDOW_MINUTES * 60),
        );
        return Ok(response);
    }
    let Some(user_id) = authenticate(&state.pool, &email, password).await? else {
        accounts::record_login_failure(&state.pool, &email, &address).await?;
        tracing::info!(%email, %address, "login failed");
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            "Adresse e-mail ou mot de passe incorrect.",
        ));
    };

    let session_token = generate_key();
    accounts::open_session(&state.pool, user_id, &email, &hash_key(&session_token)).await?;
    tracing::info!(%email, "logged in to the back-office");

    let mut response = Redirect::to(&next_page(next)).into_response();
    let settings = &state.backoffice;
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        set_cookie(
            settings,
            SESSION_COOKIE,
            &session_token,
            i64::from(SESSION_HOURS) * 3600,
        ),
    );
    headers.append(
        header::SET_COOKIE,
        set_cookie(settings, LOGIN_COOKIE, "", 0),
    );
    Ok(response)
}

/// `POST /backoffice/logout`: the session ends on the server, not only in the browser.
pub async fn logout(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    accounts::close_session(&state.pool, &session.token_hash).await?;
    let mut response = Redirect::to(&format!("{BASE}/login")).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state.backoffice, SESSION_COOKIE, "", 0),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_login_only_back_office_pages() {
        assert_eq!(
            next_page(Some("/backoffice/boutiques/3/ventes?date_debut=2026-11-01")),
            "/backoffice/boutiques/3/ventes?date_debut=2026-11-01"
        );
        for elsewhere in [
            None,
            Some("https://evil.example/"),
            Some("//evil.example/backoffice/"),
            Some("/backoffice//evil.example"),
            Some("/backoffice/\\evil.example"),
            Some("/api/admin/boutiques"),
            Some("/backoffice/login"),
        ] {
            assert_eq!(next_page(elsewhere), "/backoffice/", "{elsewhere:?}");
        }
    }

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
}
