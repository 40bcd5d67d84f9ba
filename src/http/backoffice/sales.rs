//! A boutique's sales: `/backoffice/boutiques/<id>/ventes` (the history, filtered by
//! dates, till and payment mode, each sale with its lines), `…/ventes.csv` (the same as a
//! spreadsheet), and `…/ventes-rejetees` (the sales the server refused, with what the till
//! sent, resolved with a comment).

use super::access::{ShopAccess, path_id};
use super::csv::{Csv, MAX_EXPORT, decimal, export_name, within_limit};
use super::document::{notice, render, render_as};
use super::error::{PageError, Refusal};
use super::form::{CommentForm, Form};
use super::format::{amount, csv_time, date_time, number, revenue};
use super::layout::{Section, page};
use super::listing::{Listing, PAGE_SIZE, page_number, pager, status};
use super::paths::{export_url, shop_url};
use super::session::csrf_field;
use super::terminals::tills;
use crate::boutiques::Shop;
use crate::http::AppState;
use crate::http::extract::Params;
use crate::review::{self, RejectionFilter};
use crate::sales::history::{self, SaleFilter};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use std::collections::HashMap;

/// The payment modes the tills send, offered in the filter (any other can be typed).
const KNOWN_MODES: &[&str] = &["CASH", "MOBILE_MONEY", "CARTE", "CREDIT"];

/// The filter of the query string, checked like the API's (dates in the shop's zone).
fn sale_filter(params: &Params, shop: &Shop) -> Result<SaleFilter, PageError> {
    Ok(SaleFilter {
        dates: params.date_range(shop)?,
        terminal_id: params.id("terminal_id")?,
        mode_paiement: params.get("mode_paiement").map(str::to_uppercase),
    })
}

async fn filters(
    state: &AppState,
    shop: &Shop,
    query: &HashMap<String, String>,
) -> Result<Markup, PageError> {
    let tills = tills(&state.pool, shop.id).await?;
    let value = |name: &str| query.get(name).map(String::as_str).unwrap_or_default();
    Ok(html! {
        form.filters method="get" action=(shop_url(shop.id, "/ventes")) {
            label { "Du" input type="date" name="date_debut" value=(value("date_debut")); }
            label { "Au" input type="date" name="date_fin" value=(value("date_fin")); }
            label {
                "Terminal"
                select name="terminal_id" {
                    option value="" { "Tous" }
                    @for t in &tills {
                        option value=(t.id) selected[value("terminal_id") == t.id.to_string()] { (t.nom_terminal) }
                    }
                }
            }
            label {
                "Mode de paiement"
                input type="text" name="mode_paiement" list="modes" value=(value("mode_paiement")) size="12";
            }
            datalist #modes { @for mode in KNOWN_MODES { option value=(mode) {} } }
            button type="submit" { "Filtrer" }
        }
    })
}

/// `GET /backoffice/boutiques/<id>/ventes`.
pub async fn list(State(state): State<AppState>, listing: Listing) -> Result<Response, PageError> {
    let (access, params, query) = (&listing.access, &listing.params, &listing.query);
    let shop = &access.shop;
    let (number_of_page, offset) = page_number(query);
    let filter = sale_filter(params, shop);
    let listed = match &filter {
        Ok(filter) => Some(history::list(&state.pool, shop.id, filter, PAGE_SIZE, offset).await?),
        Err(_) => None,
    };
    let export = export_url(
        shop.id,
        "/ventes.csv",
        &["date_debut", "date_fin", "terminal_id", "mode_paiement"],
        query,
    );
    let filters = filters(&state, shop, query).await?;
    let body = html! {
        h1 { "Ventes" }
        (filters)
        @if let Err(PageError::Message(_, message)) = &filter { (notice("error", message)) }
        @if let Some((sales, totals)) = &listed {
            div.actions {
                span { (number(totals.count)) " vente(s) · " (revenue(totals, &shop.devise)) " (ventes annulées exclues)" }
                a.button.secondary href=(export) download { "Exporter en CSV" }
            }
            @if sales.is_empty() {
                p.muted { "Aucune vente pour ces critères." }
            } @else {
                div.table-wrap { table {
                    thead { tr {
                        th { "Date" } th { "Facture" } th.hide-narrow { "Terminal" }
                        th.hide-narrow { "Paiement" } th.num { "Total" }
                    } }
                    tbody {
                        @for sale in sales {
                            tr {
                                td { (date_time(sale.date_vente, shop.time_zone)) }
                                td {
                                    strong { (sale.numero_facture) }
                                    @if sale.annulee { " " span.badge.muted { "annulée" } }
                                    @if !sale.paye { " " span.badge.warn { "non payée" } }
                                    ul.lines {
                                        @for line in &sale.lignes {
                                            li {
                                                (line.quantite) " × " (line.article_nom) " "
                                                span.muted { "(" (line.article_code) ")" }
                                                " à " (amount(line.prix_unitaire.amount(), line.devise.as_str())) " = " (amount(line.sous_total.amount(), line.devise.as_str()))
                                                @if line.quantite_retournee > 0 {
                                                    " " span.badge.muted { (line.quantite_retournee) " rendu(s)" }
                                                }
                                            }
                                        }
                                    }
                                }
                                td.hide-narrow { (sale.nom_terminal) }
                                td.hide-narrow { (sale.mode_paiement) }
                                td.num { (amount(sale.montant_total.amount(), sale.devise.as_str())) }
                            }
                        }
                    }
                } }
                (pager(&shop_url(shop.id, "/ventes"), query, number_of_page, totals.count))
            }
        }
    };
    Ok(render_as(
        status(&filter),
        page("Ventes", &access.frame(Section::Sales), body),
    ))
}

/// `GET /backoffice/boutiques/<id>/ventes.csv`: one row per sale line.
pub async fn export(
    State(state): State<AppState>,
    listing: Listing,
) -> Result<Response, PageError> {
    let (access, params, query) = (&listing.access, &listing.params, &listing.query);
    let shop = &access.shop;
    let filter = sale_filter(params, shop)?;
    let (sales, totals) = history::list(&state.pool, shop.id, &filter, MAX_EXPORT, 0).await?;
    within_limit(totals.count, "ventes")?;
    let mut csv = Csv::new(&[
        "date",
        "numero_facture",
        "terminal",
        "mode_paiement",
        "paye",
        "annulee",
        "montant_total",
        "devise",
        "article_code",
        "article",
        "quantite",
        "prix_unitaire",
        "sous_total",
        "quantite_retournee",
        "montant_retourne",
        "montant_net",
    ]);
    let yes_no = |b: bool| if b { "oui" } else { "non" };
    // Oldest first: a spreadsheet reads a period from the top.
    for sale in sales.iter().rev() {
        let net = sale.net();
        for line in &sale.lignes {
            csv.row([
                csv_time(sale.date_vente, shop.time_zone),
                sale.numero_facture.clone(),
                sale.nom_terminal.clone(),
                sale.mode_paiement.clone(),
                yes_no(sale.paye).to_owned(),
                yes_no(sale.annulee).to_owned(),
                decimal(sale.montant_total.amount()),
                sale.devise.as_str().to_owned(),
                line.article_code.clone(),
                line.article_nom.clone(),
                line.quantite.to_string(),
                decimal(line.prix_unitaire.amount()),
                decimal(line.sous_total.amount()),
                line.quantite_retournee.to_string(),
                decimal(sale.montant_retourne.amount()),
                decimal(net.amount()),
            ]);
        }
    }
    Ok(csv.download(&export_name("ventes", shop, query)))
}

/// `GET /backoffice/boutiques/<id>/ventes-rejetees?etat=a-revoir|resolues|toutes`.
pub async fn rejections(
    State(state): State<AppState>,
    access: ShopAccess,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let shop = &access.shop;
    let state_filter = query.get("etat").map(String::as_str).unwrap_or("a-revoir");
    let resolue = match state_filter {
        "resolues" => Some(true),
        "toutes" => None,
        _ => Some(false),
    };
    let (number_of_page, offset) = page_number(&query);
    let filter = RejectionFilter {
        boutique_id: Some(shop.id),
        resolue,
        ..RejectionFilter::default()
    };
    let (rows, total) = review::rejections(&state.pool, &filter, PAGE_SIZE, offset).await?;
    let tab = |key: &str, label: &str| {
        html! {
            @if state_filter == key || (key == "a-revoir" && resolue == Some(false)) {
                strong { (label) }
            } @else {
                a href=(shop_url(shop.id, &format!("/ventes-rejetees?etat={key}"))) { (label) }
            }
        }
    };
    let body = html! {
        h1 { "Ventes refusées" }
        @if query.get("fait").is_some_and(|d| d == "resolue") { (notice("ok", "Vente refusée marquée comme résolue.")) }
        p.muted { "Le serveur a refusé ces ventes (stock insuffisant, article inconnu, numéro de \
                   facture déjà utilisé…). Rien n'en a été enregistré, mais la vente a peut-être eu \
                   lieu : vérifiez, corrigez au besoin (livraison, ajustement), puis marquez-la résolue." }
        div.actions { (tab("a-revoir", "À revoir")) " · " (tab("resolues", "Résolues")) " · " (tab("toutes", "Toutes")) }
        @if rows.is_empty() {
            p.muted { "Aucune vente refusée ici." }
        }
        @for r in &rows {
            div.card {
                p {
                    strong { (r.numero_facture.as_deref().unwrap_or("(sans numéro)")) }
                    " · " (date_time(r.date_rejet, shop.time_zone))
                    " · " (r.nom_terminal) " " span.muted { "(" (r.numero_serie) ")" }
                    @if r.tentatives > 1 { " · " (r.tentatives) " tentatives" }
                }
                p { span.badge.bad { (r.code) } " " (r.message) }
                details {
                    summary { "Ce que le terminal a envoyé" }
                    pre.payload { (pretty(&r.payload)) }
                }
                @if r.resolue {
                    p { span.badge.good { "résolue" } " "
                        @if let Some(at) = r.date_resolution { (date_time(at, shop.time_zone)) }
                        @if let Some(by) = &r.resolu_par { " par " (by) }
                        @if let Some(comment) = &r.commentaire_resolution { " : « " (comment) " »" }
                    }
                } @else {
                    form.filters method="post" action=(shop_url(shop.id, &format!("/ventes-rejetees/{}/resoudre", r.id))) {
                        (csrf_field(&access.session))
                        label { "Commentaire" input type="text" name="commentaire" required maxlength="2000" size="40"
                                                    placeholder="Stock recompté, vente ressaisie…"; }
                        button type="submit" { "Marquer résolue" }
                    }
                }
            }
        }
        (pager(&shop_url(shop.id, "/ventes-rejetees"), &query, number_of_page, total))
    };
    Ok(render(page(
        "Ventes refusées",
        &access.frame(Section::Rejections),
        body,
    )))
}

/// A till's payload, indented when it is JSON, its first few kilobytes only.
fn pretty(payload: &str) -> String {
    let shown = crate::review::PAYLOAD_SHOWN;
    if payload.len() > shown {
        let mut end = shown;
        while !payload.is_char_boundary(end) {
            end -= 1;
        }
        return format!(
            "{}… [{} caractères de plus, dans l'API d'administration]",
            &payload[..end],
            payload[end..].chars().count()
        );
    }
    serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| payload.to_owned())
}

/// `POST /backoffice/boutiques/<id>/ventes-rejetees/<rejet_id>/resoudre`.
pub async fn resolve(
    State(state): State<AppState>,
    access: ShopAccess,
    Path(params): Path<HashMap<String, String>>,
    Form(form): Form<CommentForm>,
) -> Result<Response, PageError> {
    let id = path_id(&params, "rejet_id")?;
    let comment = form.commentaire.text();
    if comment.is_empty() || comment.chars().count() > 2000 {
        return Err(PageError::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Indiquez en commentaire ce qui a été fait (2000 caractères au plus).",
        ));
    }
    review::resolve(
        &state.pool,
        access.shop.id,
        id,
        &access.signature(),
        comment,
    )
    .await
    .map_err(Refusal::page)?;
    Ok(Redirect::to(&shop_url(access.shop.id, "/ventes-rejetees?fait=resolue")).into_response())
}
