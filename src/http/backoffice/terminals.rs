//! A boutique's tills: `/backoffice/boutiques/<id>/terminaux`. Listed with their last
//! activity and app version; created (the `cle_api` is shown once, on the page that
//! answers the form), deactivated or reactivated, and given a new key, through the same
//! functions as the administration API's.

use super::access::{ShopAccess, path_id};
use super::document::{notice, render, render_as};
use super::error::{PageError, Refusal};
use super::form::{Form, Typed, ticked};
use super::format::{ago, date_time};
use super::layout::{Section, page};
use super::paths::shop_url;
use super::session::csrf_field;
use crate::http::AppState;
use crate::terminals::{self, Change, KEY_WARNING, Order, Till};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use sqlx::PgPool;
use std::collections::HashMap;

/// The boutique's tills, active ones first, by name.
pub async fn tills(pool: &PgPool, boutique_id: i64) -> Result<Vec<Till>, sqlx::Error> {
    terminals::list(pool, boutique_id, None, Order::ActiveByName).await
}

/// A new till, as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TillForm {
    numero_serie: Typed,
    nom_terminal: Typed,
    /// Ticked: the till comes in on its serial alone (its app cannot send a key yet).
    #[serde(deserialize_with = "ticked")]
    sans_cle: bool,
}

async fn list_page(
    state: &AppState,
    access: &ShopAccess,
    message: Option<(&str, &str)>,
    draft: &TillForm,
) -> Result<Markup, PageError> {
    let shop = &access.shop;
    let now = Utc::now();
    let silence = state.backoffice.terminal_silence;
    let tills = tills(&state.pool, shop.id).await?;
    let body = html! {
        h1 { "Terminaux" }
        @if let Some((kind, text)) = message { (notice(kind, text)) }
        div.table-wrap { table {
            thead { tr {
                th { "Terminal" } th { "Dernière activité" } th { "Identification" } th { "État" }
            } }
            tbody {
                @for t in &tills {
                    tr {
                        td {
                            strong { (t.nom_terminal) } br; span.muted { (t.numero_serie) }
                            @if t.est_actif {
                                details {
                                    summary { "Nouvelle clé…" }
                                    p.muted { "L'ancienne clé cessera de fonctionner aussitôt : \
                                               il faudra saisir la nouvelle dans le terminal." }
                                    form method="post" action=(shop_url(shop.id, &format!("/terminaux/{}/cle", t.id))) {
                                        (csrf_field(&access.session))
                                        button type="submit" { "Générer une nouvelle clé" }
                                    }
                                }
                                details {
                                    summary { "Désactiver…" }
                                    p.muted { "Le terminal sera refusé dès sa prochaine connexion ; \
                                               les ventes qu'il n'a pas encore envoyées ne pourront plus l'être." }
                                    form method="post" action=(shop_url(shop.id, &format!("/terminaux/{}/actif", t.id))) {
                                        (csrf_field(&access.session))
                                        input type="hidden" name="actif" value="0";
                                        button.danger type="submit" { "Désactiver " (t.nom_terminal) }
                                    }
                                }
                            } @else {
                                form method="post" action=(shop_url(shop.id, &format!("/terminaux/{}/actif", t.id))) {
                                    (csrf_field(&access.session))
                                    input type="hidden" name="actif" value="1";
                                    button.secondary type="submit" { "Réactiver" }
                                }
                            }
                        }
                        td {
                            @match t.derniere_activite {
                                Some(at) => { (ago(at, now)) br; span.muted { (date_time(at, shop.time_zone)) } }
                                None => { span.muted { "jamais connecté" } }
                            }
                            @if let Some(version) = &t.version_app_maui {
                                br; span.muted { "app " (version) }
                            }
                        }
                        td {
                            @if t.cle_requise {
                                span.badge.good { "clé exigée" }
                            } @else {
                                span.badge.warn { "numéro de série seul" }
                                @if let Some(at) = t.derniere_sans_cle {
                                    br; span.muted { "entré sans clé " (ago(at, now)) }
                                }
                            }
                            form method="post" action=(shop_url(shop.id, &format!("/terminaux/{}/cle-requise", t.id))) {
                                (csrf_field(&access.session))
                                @if t.cle_requise {
                                    input type="hidden" name="requise" value="0";
                                    button.secondary type="submit" { "Accepter sans clé" }
                                } @else {
                                    input type="hidden" name="requise" value="1";
                                    button type="submit" { "Exiger la clé" }
                                }
                            }
                        }
                        td {
                            @if !t.est_actif { span.badge.muted { "désactivé" } }
                            @else if t.is_silent(now, silence) { span.badge.warn { "silencieux" } }
                            @else { span.badge.good { "actif" } }
                        }
                    }
                }
            }
        } }
        h2 { "Nouveau terminal" }
        form.stacked.card method="post" action=(shop_url(shop.id, "/terminaux")) {
            (csrf_field(&access.session))
            label {
                "Numéro de série"
                span.hint { "Celui que l'application affiche dans ses paramètres." }
                input type="text" name="numero_serie" value=(draft.numero_serie) required maxlength="100";
            }
            label {
                "Nom du terminal"
                input type="text" name="nom_terminal" value=(draft.nom_terminal) required maxlength="200"
                      placeholder="Caisse 1";
            }
            label {
                input type="checkbox" name="sans_cle" value="1" checked[draft.sans_cle];
                " Son application ne sait pas encore envoyer de clé : l'accepter sur son seul numéro de série"
                span.hint { "Déconseillé : quiconque connaît ce numéro pourrait se faire passer pour lui." }
            }
            button type="submit" { "Créer le terminal" }
        }
    };
    Ok(page("Terminaux", &access.frame(Section::Terminals), body))
}

/// `GET /backoffice/boutiques/<id>/terminaux`.
pub async fn list(
    State(state): State<AppState>,
    access: ShopAccess,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let message = match query.get("fait").map(String::as_str) {
        Some("desactive") => Some(("ok", "Terminal désactivé.")),
        Some("reactive") => Some(("ok", "Terminal réactivé.")),
        Some("cle-exigee") => Some(("ok", "La clé du terminal est désormais exigée.")),
        Some("sans-cle") => Some((
            "warn",
            "Le terminal est désormais accepté sur son seul numéro de série.",
        )),
        _ => None,
    };
    let draft = TillForm::default();
    Ok(render(list_page(&state, &access, message, &draft).await?))
}

/// The page that shows a till's new key, once.
fn key_page(
    access: &ShopAccess,
    title: &str,
    nom_terminal: &str,
    numero_serie: &str,
    key: &str,
) -> Response {
    let body = html! {
        h1 { (title) }
        div.card {
            p { "Terminal " strong { (nom_terminal) } " (" (numero_serie) ")." }
            p { "Clé API à saisir dans l'application du terminal :" }
            p.key { (key) }
            (notice("warn", KEY_WARNING))
            p { a href=(shop_url(access.shop.id, "/terminaux")) { "Retour aux terminaux" } }
        }
    };
    render(page(title, &access.frame(Section::Terminals), body))
}

/// `POST /backoffice/boutiques/<id>/terminaux`.
pub async fn create(
    State(state): State<AppState>,
    access: ShopAccess,
    Form(form): Form<TillForm>,
) -> Result<Response, PageError> {
    let (numero_serie, nom_terminal) = (form.numero_serie.text(), form.nom_terminal.text());
    let cle_requise = !form.sans_cle;
    match terminals::register(
        &state.pool,
        access.shop.id,
        numero_serie,
        nom_terminal,
        cle_requise,
    )
    .await
    {
        Ok((_, key)) => Ok(key_page(
            &access,
            "Terminal créé",
            nom_terminal,
            numero_serie,
            &key,
        )),
        Err(error) => {
            let refused = error.sentence()?;
            let markup = list_page(&state, &access, Some(("error", &refused)), &form).await?;
            Ok(render_as(StatusCode::UNPROCESSABLE_ENTITY, markup))
        }
    }
}

/// `POST /backoffice/boutiques/<id>/terminaux/<terminal_id>/cle`.
pub async fn rotate_key(
    State(state): State<AppState>,
    access: ShopAccess,
    Path(params): Path<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let id = path_id(&params, "terminal_id")?;
    let till = tills(&state.pool, access.shop.id)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(PageError::NotFound)?;
    let key = terminals::new_key(&state.pool, access.shop.id, id)
        .await
        .map_err(Refusal::page)?;
    Ok(key_page(
        &access,
        "Nouvelle clé",
        &till.nom_terminal,
        &till.numero_serie,
        &key,
    ))
}

/// A till switched off (`actif` 0) or on again (1), from a button of the list.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActiveForm {
    actif: Typed,
}

/// `POST /backoffice/boutiques/<id>/terminaux/<terminal_id>/actif` with `actif` 0 or 1.
pub async fn set_active(
    State(state): State<AppState>,
    access: ShopAccess,
    Path(params): Path<HashMap<String, String>>,
    Form(form): Form<ActiveForm>,
) -> Result<Response, PageError> {
    let active = switch("actif", &form.actif)?;
    let change = Change {
        est_actif: Some(active),
        ..Change::default()
    };
    let done = if active { "reactive" } else { "desactive" };
    change_till(&state, &access, &params, change, done).await
}

/// Whether a till's key is required (`requise` 1) or its serial alone lets it in (0).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct KeyRequiredForm {
    requise: Typed,
}

/// `POST /backoffice/boutiques/<id>/terminaux/<terminal_id>/cle-requise` with `requise` 0 or 1.
pub async fn set_key_required(
    State(state): State<AppState>,
    access: ShopAccess,
    Path(params): Path<HashMap<String, String>>,
    Form(form): Form<KeyRequiredForm>,
) -> Result<Response, PageError> {
    let required = switch("requise", &form.requise)?;
    let change = Change {
        cle_requise: Some(required),
        ..Change::default()
    };
    let done = if required { "cle-exigee" } else { "sans-cle" };
    change_till(&state, &access, &params, change, done).await
}

/// A switch of a button's form: `1` on, `0` off.
pub(super) fn switch(name: &str, value: &Typed) -> Result<bool, PageError> {
    match value.text() {
        "1" => Ok(true),
        "0" => Ok(false),
        _ => Err(PageError::message(
            StatusCode::BAD_REQUEST,
            format!("Champ '{name}' invalide : 0 ou 1 est attendu"),
        )),
    }
}

/// Changes the till of the path, then back to the list saying what was `done`.
async fn change_till(
    state: &AppState,
    access: &ShopAccess,
    params: &HashMap<String, String>,
    change: Change<'_>,
    done: &str,
) -> Result<Response, PageError> {
    let id = path_id(params, "terminal_id")?;
    terminals::update(&state.pool, access.shop.id, id, change)
        .await
        .map_err(Refusal::page)?;
    Ok(Redirect::to(&shop_url(
        access.shop.id,
        &format!("/terminaux?fait={done}"),
    ))
    .into_response())
}
