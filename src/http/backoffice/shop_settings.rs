//! A boutique's selling settings: `/backoffice/boutiques/<id>/reglages`. The dollar rate its
//! tills sell at (its own, or its merchant's, which is set here too for all the merchant's
//! shops without a rate of their own) with the history of the rates that covered it,
//! the currency it sells in by default, and whether its tills may sell at all
//! (`pos/status/`). Changed through the same domain functions as the administration API's.

use super::access::ShopAccess;
use super::document::{notice, render, render_as};
use super::error::{PageError, Refusal};
use super::form::{Form, Typed};
use super::format::{amount, date_time};
use super::layout::{Section, page};
use super::paths::shop_url;
use super::session::csrf_field;
use super::terminals::switch;
use crate::boutiques::{self, BoutiqueError, BoutiqueFields};
use crate::http::AppState;
use crate::rates::{self, RateError, Source};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;

/// Rate changes the page lists, newest first.
const HISTORY: i64 = 20;

impl Refusal for RateError {
    fn sentence(self) -> Result<String, PageError> {
        match self {
            RateError::NotFound => Err(PageError::NotFound),
            RateError::Database(e) => Err(e.into()),
        }
    }
}

impl Refusal for BoutiqueError {
    fn sentence(self) -> Result<String, PageError> {
        match self {
            BoutiqueError::NotFound => Err(PageError::NotFound),
            BoutiqueError::Invalid(invalid) => Ok(invalid.to_string()),
            BoutiqueError::Duplicate { field } => {
                Ok(format!("Champ '{field}' : cette valeur est déjà utilisée"))
            }
            BoutiqueError::Database(e) => Err(e.into()),
        }
    }
}

fn source(source: Source) -> &'static str {
    match source {
        Source::Boutique => "taux propre à la boutique",
        Source::Commercant => "taux du commerçant",
        Source::Defaut => "taux par défaut",
    }
}

async fn settings_page(
    state: &AppState,
    access: &ShopAccess,
    message: Option<(&str, &str)>,
) -> Result<Markup, PageError> {
    let shop = &access.shop;
    let rate = rates::of_shop(&state.pool, shop.id, HISTORY)
        .await
        .map_err(Refusal::page)?;
    let zone = shop.time_zone;
    let merchant = boutiques::owner(&state.pool, shop.id).await?;
    let body = html! {
        h1 { "Réglages de vente" }
        @if let Some((kind, text)) = message { (notice(kind, text)) }
        h2 { "Caisses" }
        div.card {
            @if shop.pos_autorise {
                p { span.badge.good { "ouvertes" } " Les caisses de la boutique peuvent vendre." }
                details {
                    summary { "Arrêter les caisses…" }
                    p.muted { "Les caisses qui consultent leur statut cesseront de vendre ; \
                               les ventes déjà faites hors ligne seront encore reçues." }
                    form method="post" action=(shop_url(shop.id, "/reglages/caisses")) {
                        (csrf_field(&access.session))
                        input type="hidden" name="ouvertes" value="0";
                        button.danger type="submit" { "Arrêter les caisses" }
                    }
                }
            } @else {
                p { span.badge.warn { "arrêtées" } " Les caisses de la boutique ne doivent pas vendre." }
                form method="post" action=(shop_url(shop.id, "/reglages/caisses")) {
                    (csrf_field(&access.session))
                    input type="hidden" name="ouvertes" value="1";
                    button type="submit" { "Rouvrir les caisses" }
                }
            }
        }
        h2 { "Taux du dollar" }
        div.card {
            p {
                strong { (amount(rate.taux_dollar, "CDF")) } " pour 1 USD — " (source(rate.source))
                ", depuis le " (date_time(rate.depuis, zone))
            }
            form.stacked method="post" action=(shop_url(shop.id, "/reglages/taux")) {
                (csrf_field(&access.session))
                label {
                    "Nouveau taux de la boutique (CDF pour 1 USD)"
                    span.hint { "Les ventes faites à partir de maintenant le prennent ; chacune garde le taux de son jour. Vide : celui du commerçant s'applique." }
                    input type="text" name="taux_dollar" inputmode="decimal" maxlength="20"
                          placeholder="2850,00";
                }
                button type="submit" { "Enregistrer le taux" }
            }
            @if merchant.is_some() {
                form.stacked method="post" action=(shop_url(shop.id, "/reglages/taux-commercant")) {
                    (csrf_field(&access.session))
                    label {
                        "Taux du commerçant (CDF pour 1 USD)"
                        span.hint { "Pour toutes ses boutiques qui n'ont pas de taux propre." }
                        input type="text" name="taux_dollar" inputmode="decimal" maxlength="20"
                              required placeholder="2850,00";
                    }
                    button.secondary type="submit" { "Enregistrer le taux du commerçant" }
                }
            }
        }
        @if !rate.historique.is_empty() {
            h3 { "Historique" }
            div.table-wrap { table {
                thead { tr { th { "Depuis" } th { "Taux" } th { "Pour" } th { "Par" } } }
                tbody {
                    @for change in &rate.historique {
                        tr {
                            td { (date_time(change.date_effet, zone)) }
                            td {
                                @match change.taux_dollar {
                                    Some(t) => { (amount(t, "CDF")) }
                                    None => { span.muted { "taux propre retiré" } }
                                }
                            }
                            td { (source(change.source)) }
                            td { (change.modifie_par.as_deref().unwrap_or("")) }
                        }
                    }
                }
            } }
        }
        h2 { "Devise" }
        form.stacked.card method="post" action=(shop_url(shop.id, "/reglages/devise")) {
            (csrf_field(&access.session))
            label {
                "Devise de vente par défaut"
                span.hint { "Celle des nouveaux articles et des ventes qui n'en disent pas ; les montants en CDF et en USD ne sont jamais additionnés." }
                select name="devise" {
                    @for devise in ["CDF", "USD"] {
                        option value=(devise) selected[shop.devise == devise] { (devise) }
                    }
                }
            }
            button type="submit" { "Enregistrer la devise" }
        }
    };
    Ok(page(
        "Réglages de vente",
        &access.frame(Section::Settings),
        body,
    ))
}

/// `GET /backoffice/boutiques/<id>/reglages`.
pub async fn show(
    State(state): State<AppState>,
    access: ShopAccess,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let message = match query.get("fait").map(String::as_str) {
        Some("taux") => Some((
            "ok",
            "Taux enregistré : les caisses vont recharger leur catalogue.",
        )),
        Some("caisses-ouvertes") => Some(("ok", "Les caisses peuvent vendre.")),
        Some("caisses-arretees") => Some(("warn", "Les caisses sont arrêtées.")),
        Some("devise") => Some(("ok", "Devise enregistrée.")),
        _ => None,
    };
    Ok(render(settings_page(&state, &access, message).await?))
}

fn done(access: &ShopAccess, what: &str) -> Response {
    Redirect::to(&shop_url(access.shop.id, &format!("/reglages?fait={what}"))).into_response()
}

async fn refused(state: &AppState, access: &ShopAccess, text: &str) -> Result<Response, PageError> {
    let markup = settings_page(state, access, Some(("error", text))).await?;
    Ok(render_as(StatusCode::UNPROCESSABLE_ENTITY, markup))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RateForm {
    taux_dollar: Typed,
}

/// The rate typed: `Ok(None)` when blank, `Err` with the sentence when unreadable.
fn typed_rate(form: &RateForm) -> Result<Option<crate::money::Rate>, String> {
    match form.taux_dollar.amount("taux_dollar") {
        Err(invalid) => Err(invalid.to_string()),
        Ok(None) => Ok(None),
        Ok(Some(money)) => rates::checked(money.amount())
            .map(Some)
            .ok_or_else(|| "Champ 'taux_dollar' invalide : un taux positif est attendu".to_owned()),
    }
}

/// `POST /backoffice/boutiques/<id>/reglages/taux`: the shop's own rate, or none (blank).
pub async fn set_rate(
    State(state): State<AppState>,
    access: ShopAccess,
    Form(form): Form<RateForm>,
) -> Result<Response, PageError> {
    let rate = match typed_rate(&form) {
        Ok(rate) => rate,
        Err(text) => return refused(&state, &access, &text).await,
    };
    rates::set_for_shop(&state.pool, access.shop.id, rate, &access.signature())
        .await
        .map_err(Refusal::page)?;
    Ok(done(&access, "taux"))
}

/// `POST /backoffice/boutiques/<id>/reglages/taux-commercant`: the rate of the shop's
/// merchant, for its shops without a rate of their own.
pub async fn set_merchant_rate(
    State(state): State<AppState>,
    access: ShopAccess,
    Form(form): Form<RateForm>,
) -> Result<Response, PageError> {
    let Some(merchant) = boutiques::owner(&state.pool, access.shop.id).await? else {
        return Err(PageError::NotFound);
    };
    let rate = match typed_rate(&form) {
        Ok(Some(rate)) => rate,
        Ok(None) => {
            let text = "Champ 'taux_dollar' invalide : un taux est attendu";
            return refused(&state, &access, text).await;
        }
        Err(text) => return refused(&state, &access, &text).await,
    };
    rates::set_for_merchant(&state.pool, merchant, rate, &access.signature())
        .await
        .map_err(Refusal::page)?;
    Ok(done(&access, "taux"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TillsForm {
    ouvertes: Typed,
}

/// `POST /backoffice/boutiques/<id>/reglages/caisses` with `ouvertes` 0 or 1.
pub async fn set_tills(
    State(state): State<AppState>,
    access: ShopAccess,
    Form(form): Form<TillsForm>,
) -> Result<Response, PageError> {
    let open = switch("ouvertes", &form.ouvertes)?;
    let fields = BoutiqueFields {
        pos_autorise: Some(open),
        ..BoutiqueFields::default()
    };
    boutiques::update(&state.pool, access.shop.id, &fields)
        .await
        .map_err(Refusal::page)?;
    Ok(done(
        &access,
        if open {
            "caisses-ouvertes"
        } else {
            "caisses-arretees"
        },
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CurrencyForm {
    devise: Typed,
}

/// `POST /backoffice/boutiques/<id>/reglages/devise`.
pub async fn set_currency(
    State(state): State<AppState>,
    access: ShopAccess,
    Form(form): Form<CurrencyForm>,
) -> Result<Response, PageError> {
    let devise = form.devise.text();
    if !["CDF", "USD"].contains(&devise) {
        return refused(
            &state,
            &access,
            "Champ 'devise' invalide : CDF ou USD est attendu",
        )
        .await;
    }
    let fields = BoutiqueFields {
        devise: Some(devise.to_owned()),
        ..BoutiqueFields::default()
    };
    boutiques::update(&state.pool, access.shop.id, &fields)
        .await
        .map_err(Refusal::page)?;
    Ok(done(&access, "devise"))
}
