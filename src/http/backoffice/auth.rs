//! Logging in and out, and the throttling of password guesses. The session itself, its
//! cookies and the CSRF gate (which the login and logout forms go through like any other)
//! are in [`super::session`].

use super::document::{document, notice, render, render_as};
use super::error::PageError;
use super::form::{Form, Typed};
use super::paths::BASE;
use super::session::{CSRF_FIELD, LOGIN_COOKIE, SESSION_COOKIE, Session, cookie, set_cookie};
use crate::accounts::{self, FAILURE_WINDOW_MINUTES, SESSION_HOURS, authenticate, normalize_email};
use crate::http::AppState;
use crate::secret::{generate_key, hash_key};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;

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

/// The login form, as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    email: Typed,
    mot_de_passe: Typed,
    /// The page to go back to once logged in.
    suivant: Typed,
}

fn login_form(token: &str, next: Option<&str>, email: &str, error: Option<&str>) -> maud::Markup {
    document(
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
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let typed = form.email.text();
    let email = normalize_email(typed).unwrap_or_else(|_| typed.to_lowercase());
    let password = form.mot_de_passe.text();
    let next = form.suivant.given();
    // Behind the TLS proxy, the client's own address: one guesser locks itself out, not
    // everyone the proxy serves.
    let address = state
        .brakes
        .proxies
        .client(
            peer.ip(),
            headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()),
        )
        .to_string();
    // The gate compared the form's token with this cookie: the same token serves again.
    let token = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    let refuse = |status: StatusCode, message: &str| {
        render_as(status, login_form(token, next, typed, Some(message)))
    };

    let Some(attempt) = accounts::take_login_attempt(&state.pool, &email, &address).await? else {
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
    };
    let Some(user_id) = authenticate(&state.pool, &email, password).await? else {
        tracing::info!(%email, %address, "login failed");
        return Ok(refuse(
            StatusCode::UNAUTHORIZED,
            "Adresse e-mail ou mot de passe incorrect.",
        ));
    };

    accounts::login_succeeded(&state.pool, attempt).await?;
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
    session.close(&state.pool).await?;
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
}
