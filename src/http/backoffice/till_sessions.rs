//! A shop's till sessions: `/backoffice/boutiques/<id>/sessions-caisse` lists them and opens
//! one on a till with a float per currency; `…/sessions-caisse/<session_id>` is its Z-report
//! as of now (expected against counted cash per currency, sales by payment mode, returns,
//! cancellations, the till's expenses, the sales that arrived after closing), with the form
//! that closes it, the button that applies a reported expense, and a print layout: the page
//! prints on A4, `?format=ticket` on 80 mm receipt paper. The rules are in
//! [`till_sessions`].

use super::access::{ShopAccess, path_id};
use super::document::{document, notice, render, render_form};
use super::error::{PageError, Refusal};
use super::form::{Form, Typed};
use super::format::{amount, date_time, number};
use super::layout::{Section, page};
use super::paths::shop_url;
use super::session::csrf_field;
use crate::boutiques::Shop;
use crate::cash_reports;
use crate::http::AppState;
use crate::money::Money;
use crate::terminals::{self, Order};
use crate::till_sessions::{self, CashLine, ModeTotal, SessionError, ZReport};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::HashMap;

/// Sessions listed on the page.
const LISTED: i64 = 100;

/// How a session works, as a manager reads it.
const HOW: &str = "Ouvrez une session sur un terminal avec le fond de caisse de chaque devise. \
    À la fermeture, comptez les espèces : le rapport Z compare, en CDF et en USD séparément, \
    ce qui devrait être dans la caisse (fond, ventes en espèces, moins les retours et les \
    dépenses appliquées) à ce qui a été compté. Une vente faite pendant la session sur une \
    caisse hors ligne, arrivée après la fermeture, compte dans son rapport et y est signalée \
    comme tardive.";

impl Refusal for SessionError {
    fn sentence(self) -> Result<String, PageError> {
        match self {
            SessionError::NoTill => Ok("Choisissez un terminal de cette boutique.".to_owned()),
            SessionError::Missing => Err(PageError::NotFound),
            SessionError::AlreadyOpen => {
                Ok("Une session est déjà ouverte sur ce terminal : fermez-la d'abord.".to_owned())
            }
            SessionError::AlreadyClosed => Ok("Cette session est déjà fermée.".to_owned()),
            SessionError::Db(e) => Err(e.into()),
        }
    }
}

/// A session to open, as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OpenForm {
    terminal_id: Typed,
    fond_cdf: Typed,
    fond_usd: Typed,
}

/// The cash counted at closing, as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CloseForm {
    compte_cdf: Typed,
    compte_usd: Typed,
}

/// Both amounts of a form, each required, `>= 0` and within a total's column.
fn amounts(fields: [(&Typed, &str, &str); 2]) -> Result<(Decimal, Decimal), String> {
    let mut read = [Decimal::ZERO; 2];
    for (slot, (typed, field, label)) in read.iter_mut().zip(fields) {
        *slot = typed
            .amount(field)
            .ok()
            .flatten()
            .filter(|m| m.fits_total())
            .map(Money::amount)
            .ok_or_else(|| format!("{label} : indiquez un montant de 0 ou plus."))?;
    }
    Ok((read[0], read[1]))
}

/// `GET /backoffice/boutiques/<id>/sessions-caisse`.
pub async fn list(
    State(state): State<AppState>,
    access: ShopAccess,
) -> Result<Response, PageError> {
    list_page(&state, &access, &OpenForm::default(), None).await
}

/// `POST /backoffice/boutiques/<id>/sessions-caisse`: opens a session.
pub async fn open(
    State(state): State<AppState>,
    access: ShopAccess,
    Form(typed): Form<OpenForm>,
) -> Result<Response, PageError> {
    let refused = match (
        typed.terminal_id.chosen(),
        amounts([
            (&typed.fond_cdf, "fond_cdf", "Fond en CDF"),
            (&typed.fond_usd, "fond_usd", "Fond en USD"),
        ]),
    ) {
        (None, _) => "Choisissez le terminal.".to_owned(),
        (_, Err(refused)) => refused,
        (Some(till), Ok(floats)) => {
            match till_sessions::open(
                &state.pool,
                access.shop.id,
                till,
                &access.signature(),
                floats,
            )
            .await
            {
                Ok(session) => return Ok(done(&access, session.id, "ouverte")),
                Err(e) => e.sentence()?,
            }
        }
    };
    list_page(&state, &access, &typed, Some(&refused)).await
}

async fn list_page(
    state: &AppState,
    access: &ShopAccess,
    typed: &OpenForm,
    refused: Option<&str>,
) -> Result<Response, PageError> {
    let shop = &access.shop;
    let tills = terminals::list(&state.pool, shop.id, None, Order::ActiveByName).await?;
    let sessions = till_sessions::list(&state.pool, shop.id, None, LISTED).await?;
    let body = html! {
        h1 { "Sessions de caisse" }
        p.muted { (HOW) }
        @if let Some(text) = refused { (notice("error", text)) }
        form.stacked.card method="post" action=(shop_url(shop.id, "/sessions-caisse")) {
            (csrf_field(&access.session))
            label { "Terminal"
                select name="terminal_id" required {
                    option value="" { "— choisir —" }
                    @for t in tills.iter().filter(|t| t.est_actif) {
                        option value=(t.id) selected[typed.terminal_id.chosen() == Some(t.id)] { (t.nom_terminal) }
                    }
                }
            }
            label { "Fond de caisse en CDF" input type="text" name="fond_cdf" inputmode="decimal" required value=(typed.fond_cdf.given().unwrap_or("0")); }
            label { "Fond de caisse en USD" input type="text" name="fond_usd" inputmode="decimal" required value=(typed.fond_usd.given().unwrap_or("0")); }
            button type="submit" { "Ouvrir la session" }
        }
        @if sessions.is_empty() {
            p.muted { "Aucune session pour l'instant." }
        } @else {
            h2 { "Sessions, de la plus récente à la plus ancienne" }
            div.table-wrap { table {
                thead { tr { th scope="col" { "N°" } th scope="col" { "Terminal" } th scope="col" { "Ouverte le" } th scope="col" { "Par" } th scope="col" { "Fermée le" } th scope="col" { "Rapport" } } }
                tbody {
                    @for s in &sessions {
                        tr {
                            td { (s.id) }
                            td { (s.terminal_nom) }
                            td { (date_time(s.date_ouverture, shop.time_zone)) }
                            td { (s.ouverte_par) }
                            td { @if let Some(at) = s.date_fermeture { (date_time(at, shop.time_zone)) } @else { span.badge.warn { "Ouverte" } } }
                            td { a href=(shop_url(shop.id, &format!("/sessions-caisse/{}", s.id))) { @if s.date_fermeture.is_some() { "Rapport Z" } @else { "Suivre, fermer" } } }
                        }
                    }
                }
            } }
        }
    };
    Ok(render_form(
        refused,
        page("Sessions de caisse", &access.frame(Section::Sessions), body),
    ))
}

fn done(access: &ShopAccess, id: i64, what: &str) -> Response {
    Redirect::to(&shop_url(
        access.shop.id,
        &format!("/sessions-caisse/{id}?fait={what}"),
    ))
    .into_response()
}

/// `GET /backoffice/boutiques/<id>/sessions-caisse/<session_id>`: the report; with
/// `?format=ticket`, alone on a narrow page for 80 mm paper.
pub async fn show(
    State(state): State<AppState>,
    access: ShopAccess,
    Path(params): Path<HashMap<String, String>>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let id = path_id(&params, "session_id")?;
    if query.get("format").map(String::as_str) == Some("ticket") {
        let report = till_sessions::report(&state.pool, access.shop.id, id)
            .await?
            .ok_or(PageError::NotFound)?;
        let back = shop_url(access.shop.id, &format!("/sessions-caisse/{id}"));
        let body = html! {
            div.receipt {
                p.no-print.actions {
                    button type="button" data-print { "Imprimer le ticket" }
                    a href=(back) { "Retour au rapport" }
                }
                (report_body(&access.shop, &report))
            }
        };
        return Ok(render(document(&title(&report), None, body)));
    }
    let said = match query.get("fait").map(String::as_str) {
        Some("ouverte") => Some("Session ouverte."),
        Some("fermee") => Some("Session fermée : voici son rapport Z."),
        Some("depense") => Some("Dépense appliquée : elle est retirée des espèces attendues."),
        _ => None,
    };
    session_page(
        &state,
        &access,
        id,
        &CloseForm::default(),
        said.map(|d| ("ok", d)),
    )
    .await
}

/// `POST /backoffice/boutiques/<id>/sessions-caisse/<session_id>/fermer`.
pub async fn close(
    State(state): State<AppState>,
    access: ShopAccess,
    Path(params): Path<HashMap<String, String>>,
    Form(typed): Form<CloseForm>,
) -> Result<Response, PageError> {
    let id = path_id(&params, "session_id")?;
    let refused = match amounts([
        (&typed.compte_cdf, "compte_cdf", "Espèces comptées en CDF"),
        (&typed.compte_usd, "compte_usd", "Espèces comptées en USD"),
    ]) {
        Err(refused) => refused,
        Ok(counted) => {
            match till_sessions::close(
                &state.pool,
                access.shop.id,
                id,
                &access.signature(),
                counted,
            )
            .await
            {
                Ok(_) => return Ok(done(&access, id, "fermee")),
                Err(e) => e.sentence()?,
            }
        }
    };
    session_page(&state, &access, id, &typed, Some(("error", &refused))).await
}

/// `POST /backoffice/boutiques/<id>/sessions-caisse/<session_id>/depenses/<rapport_id>/appliquer`:
/// the manager agrees that a reported expense was paid from the till.
pub async fn apply_expense(
    State(state): State<AppState>,
    access: ShopAccess,
    Path(params): Path<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let id = path_id(&params, "session_id")?;
    let report = path_id(&params, "rapport_id")?;
    match cash_reports::apply_expense(&state.pool, access.shop.id, report).await? {
        None => Err(PageError::NotFound),
        Some(changed) => {
            if changed {
                state.recorder.figures_changed(&access.shop);
            }
            Ok(done(&access, id, "depense"))
        }
    }
}

fn title(report: &ZReport) -> String {
    let s = &report.session;
    match s.date_fermeture {
        Some(_) => format!("Rapport Z — session n° {} ({})", s.id, s.terminal_nom),
        None => format!("Session n° {} ({}) — en cours", s.id, s.terminal_nom),
    }
}

async fn session_page(
    state: &AppState,
    access: &ShopAccess,
    id: i64,
    typed: &CloseForm,
    said: Option<(&str, &str)>,
) -> Result<Response, PageError> {
    let shop = &access.shop;
    let report = till_sessions::report(&state.pool, shop.id, id)
        .await?
        .ok_or(PageError::NotFound)?;
    let base = format!("/sessions-caisse/{id}");
    let pending: Vec<_> = report
        .depenses
        .iter()
        .filter(|e| !e.depense_appliquee)
        .collect();
    let body = html! {
        p.no-print { a href=(shop_url(shop.id, "/sessions-caisse")) { "← Sessions de caisse" } }
        @if let Some((kind, text)) = said { (notice(kind, text)) }
        @if report.session.date_fermeture.is_none() {
            form.stacked.card.no-print method="post" action=(shop_url(shop.id, &format!("{base}/fermer"))) {
                (csrf_field(&access.session))
                h2 { "Fermer la session" }
                p.muted { "Comptez les billets de chaque devise dans la caisse." }
                label { "Espèces comptées en CDF" input type="text" name="compte_cdf" inputmode="decimal" required value=(typed.compte_cdf); }
                label { "Espèces comptées en USD" input type="text" name="compte_usd" inputmode="decimal" required value=(typed.compte_usd); }
                button type="submit" { "Fermer la session" }
            }
        }
        (report_body(shop, &report))
        @if !pending.is_empty() {
            section.no-print {
                h2 { "Dépenses à appliquer" }
                p.muted { "Une dépense signalée par le terminal n'est retirée des espèces attendues qu'une fois appliquée." }
                @for e in &pending {
                    form.inline method="post" action=(shop_url(shop.id, &format!("{base}/depenses/{}/appliquer", e.rapport_id))) {
                        (csrf_field(&access.session))
                        button.secondary type="submit" { "Appliquer " (amount(e.depense, &e.devise)) " — " (e.detail) }
                    }
                    " "
                }
            }
        }
        p.actions.no-print {
            button type="button" data-print { "Imprimer (A4)" }
            a.button.secondary href=(shop_url(shop.id, &format!("{base}?format=ticket"))) { "Ticket 80 mm" }
        }
    };
    Ok(render_form(
        said.filter(|(k, _)| *k == "error").map(|(_, t)| t),
        page(&title(&report), &access.frame(Section::Sessions), body),
    ))
}

/// The report itself, the same on the page, on A4 and on the ticket.
fn report_body(shop: &Shop, report: &ZReport) -> Markup {
    let s = &report.session;
    let zone = shop.time_zone;
    html! {
        article.z-report {
            h1 { (title(report)) }
            p {
                strong { (shop.nom) } " (" (shop.code) ")" br;
                "Terminal : " (s.terminal_nom) br;
                "Ouverte le " (date_time(s.date_ouverture, zone)) " par " (s.ouverte_par) br;
                @if let (Some(at), Some(by)) = (s.date_fermeture, &s.fermee_par) {
                    "Fermée le " (date_time(at, zone)) " par " (by) br;
                }
                "Édité le " (date_time(Utc::now(), zone))
            }
            h2 { "Espèces" }
            @for line in &report.caisse { (cash_table(line)) }
            h2 { "Ventes par mode de paiement" }
            (totals_table(&report.ventes, "Ventes", "Aucune vente."))
            h2 { "Annulations" }
            (totals_table(&report.annulations, "Ventes", "Aucune annulation."))
            h2 { "Retours" }
            (totals_table(&report.retours, "Unités", "Aucun retour."))
            h2 { "Dépenses signalées par le terminal" }
            @if report.depenses.is_empty() {
                p.muted { "Aucune dépense." }
            } @else {
                div.table-wrap { table {
                    thead { tr { th scope="col" { "Le" } th scope="col" { "Détail" } th.num scope="col" { "Montant" } th scope="col" { "État" } } }
                    tbody { @for e in &report.depenses { tr {
                        td { (date_time(e.date_rapport, zone)) }
                        td { (e.detail) }
                        td.num { (amount(e.depense, &e.devise)) }
                        td { @if e.depense_appliquee { "Appliquée" } @else { span.badge.warn { "À appliquer" } } }
                    } } }
                } }
            }
            @if !report.ventes_tardives.is_empty() {
                h2 { "Ventes arrivées après la fermeture" }
                p.muted { "Faites pendant la session sur une caisse hors ligne, reçues après sa fermeture : elles comptent dans ce rapport." }
                div.table-wrap { table {
                    thead { tr { th scope="col" { "Facture" } th scope="col" { "Faite le" } th scope="col" { "Reçue le" } th scope="col" { "Mode" } th.num scope="col" { "Montant" } } }
                    tbody { @for v in &report.ventes_tardives { tr {
                        td { (v.numero_facture) @if v.annulee { " " span.badge.muted { "annulée" } } }
                        td { (date_time(v.date_vente, zone)) }
                        td { (date_time(v.date_reception, zone)) }
                        td { (v.mode_paiement) }
                        td.num { (amount(v.montant, &v.devise)) }
                    } } }
                } }
            }
        }
    }
}

/// The cash of one currency, expected against counted.
fn cash_table(line: &CashLine) -> Markup {
    let d = line.devise;
    html! {
        div.table-wrap { table.cash {
            caption { "Caisse en " (d) }
            tbody {
                tr { th scope="row" { "Fond de caisse" } td.num { (amount(line.fond, d)) } }
                tr { th scope="row" { "Ventes en espèces" } td.num { "+ " (amount(line.ventes_especes, d)) } }
                tr { th scope="row" { "Retours payés en espèces" } td.num { "− " (amount(line.retours_especes, d)) } }
                tr { th scope="row" { "Dépenses appliquées" } td.num { "− " (amount(line.depenses, d)) } }
                tr.total { th scope="row" { "Attendu" } td.num { (amount(line.attendu, d)) } }
                tr { th scope="row" { "Compté" } td.num { @if let Some(c) = line.compte { (amount(c, d)) } @else { "—" } } }
                tr.total { th scope="row" { "Écart" } td.num {
                    @match line.ecart {
                        Some(e) if e.is_zero() => { span.badge.good { (amount(e, d)) } }
                        Some(e) if e.is_sign_negative() => { span.badge.bad { (amount(e, d)) " (manque)" } }
                        Some(e) => { span.badge.warn { "+" (amount(e, d)) " (excédent)" } }
                        None => { "session ouverte" }
                    }
                } }
                @if !line.depenses_en_attente.is_zero() {
                    tr { th scope="row" { "Dépenses à appliquer" } td.num { (amount(line.depenses_en_attente, d)) } }
                }
            }
        } }
    }
}

/// Totals by payment mode and currency; `nombre` counts `what` (its column's heading).
fn totals_table(totals: &[ModeTotal], what: &str, none: &str) -> Markup {
    html! {
        @if totals.is_empty() {
            p.muted { (none) }
        } @else {
            div.table-wrap { table {
                thead { tr { th scope="col" { "Mode" } th scope="col" { "Devise" } th.num scope="col" { (what) } th.num scope="col" { "Montant" } } }
                tbody { @for t in totals { tr {
                    td { (t.mode_paiement) }
                    td { (t.devise) }
                    td.num { (number(t.nombre)) }
                    td.num { (amount(t.montant, &t.devise)) }
                } } }
            } }
        }
    }
}
