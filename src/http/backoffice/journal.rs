//! A boutique's stock journal: `/backoffice/boutiques/<id>/mouvements` (every stock change,
//! filtered by article, type and dates, with the stock before and after) and
//! `…/mouvements.csv`.

use super::csv::{Csv, MAX_EXPORT, export_name, within_limit};
use super::document::{notice, render_as};
use super::error::PageError;
use super::format::{csv_time, date_time, number};
use super::layout::{Section, page};
use super::listing::{Listing, PAGE_SIZE, page_number, pager, status};
use super::paths::{export_url, shop_url};
use crate::boutiques::Shop;
use crate::catalogue;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Params;
use crate::stock::MovementType;
use crate::stock::journal::{self, MovementFilter};
use axum::extract::State;
use axum::response::Response;
use maud::html;

/// The movements the query string asks for.
fn movement_filter(params: &Params, shop: &Shop) -> Result<MovementFilter, ApiError> {
    Ok(MovementFilter {
        dates: params.date_range(shop)?,
        article_id: params.id("article_id")?,
        type_mouvement: params.one_of("type_mouvement", MovementType::ALL)?,
    })
}

/// What each movement type means to a shop manager.
fn type_label(kind: &str) -> &'static str {
    match kind {
        "ENTREE" => "Entrée",
        "SORTIE" => "Sortie",
        "AJUSTEMENT" => "Ajustement",
        "VENTE" => "Vente",
        "RETOUR" => "Retour",
        _ => "Autre",
    }
}

/// `GET /backoffice/boutiques/<id>/mouvements.csv`.
pub async fn export(
    State(state): State<AppState>,
    listing: Listing,
) -> Result<Response, PageError> {
    let (access, params, query) = (&listing.access, &listing.params, &listing.query);
    let shop = &access.shop;
    let filter = movement_filter(params, shop)?;
    let (movements, total) = journal::list(&state.pool, shop.id, &filter, MAX_EXPORT, 0).await?;
    within_limit(total, "mouvements")?;
    let mut csv = Csv::new(&[
        "date",
        "article_code",
        "article",
        "type_mouvement",
        "quantite",
        "stock_avant",
        "stock_apres",
        "reference_document",
        "utilisateur",
        "commentaire",
    ]);
    // Oldest first: a spreadsheet reads a journal from the top.
    for m in movements.iter().rev() {
        csv.row([
            csv_time(m.date_mouvement, shop.time_zone),
            m.article_code.clone(),
            m.article_nom.clone(),
            m.type_mouvement.clone(),
            m.quantite.to_string(),
            m.stock_avant.to_string(),
            m.stock_apres.to_string(),
            m.reference_document.clone().unwrap_or_default(),
            m.utilisateur.clone().unwrap_or_default(),
            m.commentaire.clone().unwrap_or_default(),
        ]);
    }
    Ok(csv.download(&export_name("mouvements", shop, query)))
}

/// `GET /backoffice/boutiques/<id>/mouvements?article_id=&type_mouvement=&date_debut=&date_fin=`.
pub async fn list(State(state): State<AppState>, listing: Listing) -> Result<Response, PageError> {
    let (access, params, query) = (&listing.access, &listing.params, &listing.query);
    let shop = &access.shop;
    let (number_of_page, offset) = page_number(query);
    let filter = movement_filter(params, shop);
    let listed = match &filter {
        Ok(filter) => Some(journal::list(&state.pool, shop.id, filter, PAGE_SIZE, offset).await?),
        Err(_) => None,
    };
    let catalogue = catalogue::articles(&state.pool, shop.id, None, None).await?;
    let value = |name: &str| query.get(name).map(String::as_str).unwrap_or_default();
    let done = match value("fait") {
        "livraison" => Some(format!(
            "Livraison « {} » enregistrée : {} article(s).",
            value("reference"),
            value("lignes")
        )),
        "ajustement" => Some("Ajustement enregistré.".to_owned()),
        _ => None,
    };
    let export = export_url(
        shop.id,
        "/mouvements.csv",
        &["article_id", "type_mouvement", "date_debut", "date_fin"],
        query,
    );
    let body = html! {
        h1 { "Journal du stock" }
        @if let Some(done) = &done { (notice("ok", done)) }
        form.filters method="get" action=(shop_url(shop.id, "/mouvements")) {
            label {
                "Article"
                select name="article_id" {
                    option value="" { "Tous" }
                    @for a in &catalogue {
                        option value=(a.id) selected[value("article_id") == a.id.to_string()] { (a.nom) " (" (a.code) ")" }
                    }
                }
            }
            label {
                "Type"
                select name="type_mouvement" {
                    option value="" { "Tous" }
                    @for kind in MovementType::ALL {
                        option value=(kind) selected[value("type_mouvement").eq_ignore_ascii_case(kind)] { (type_label(kind)) }
                    }
                }
            }
            label { "Du" input type="date" name="date_debut" value=(value("date_debut")); }
            label { "Au" input type="date" name="date_fin" value=(value("date_fin")); }
            button type="submit" { "Filtrer" }
        }
        @if let Err(error) = &filter { (notice("error", &error.message)) }
        @if let Some((movements, total)) = &listed {
            div.actions {
                span { (number(*total)) " mouvement(s)" }
                a.button.secondary href=(export) download { "Exporter en CSV" }
            }
            @if movements.is_empty() {
                p.muted { "Aucun mouvement pour ces critères." }
            } @else {
                div.table-wrap { table {
                    thead { tr {
                        th { "Date" } th { "Article" } th { "Mouvement" } th.num { "Stock" }
                        th.hide-narrow { "Par" } th.hide-narrow { "Commentaire" }
                    } }
                    tbody {
                        @for m in movements {
                            tr {
                                td { (date_time(m.date_mouvement, shop.time_zone)) }
                                td { (m.article_nom) br; span.muted { (m.article_code) } }
                                td {
                                    (type_label(&m.type_mouvement)) " "
                                    strong { @if m.quantite > 0 { "+" } (number(m.quantite.into())) }
                                    @if let Some(reference) = &m.reference_document {
                                        br; span.muted { (reference) }
                                    }
                                }
                                td.num { (number(m.stock_avant.into())) " → " strong { (number(m.stock_apres.into())) } }
                                td.hide-narrow { (m.utilisateur.as_deref().unwrap_or("—")) }
                                td.hide-narrow { (m.commentaire.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                } }
                (pager(&shop_url(shop.id, "/mouvements"), query, number_of_page, *total))
            }
        }
    };
    Ok(render_as(
        status(&filter),
        page("Journal du stock", &access.frame(Section::Journal), body),
    ))
}
