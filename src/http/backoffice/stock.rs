//! Stock received and counted: `/backoffice/boutiques/<id>/entrees` (a delivery: several
//! articles under one delivery note, one `ENTREE` movement each) and `…/ajustements` (the
//! stock found by counting, with the reason; one `AJUSTEMENT` movement). Both go through
//! [`crate::stock`], the same locked path as the administration API's.

use super::access::ShopAccess;
use super::form::FormData;
use super::format::number;
use super::layout::{
    PageError, Section, csrf_field, notice, page, render, shop_url, stock_sentence,
};
use crate::catalogue::{self, Article};
use crate::http::AppState;
use crate::stock::{self, Count, Delivery, MAX_DELIVERY_LINES};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use std::collections::HashMap;

/// Rows of an empty delivery form; more on request.
const DELIVERY_ROWS: usize = 5;

/// A form refused: what was wrong, shown above the form.
struct Refused(String);

impl<T: Into<String>> From<T> for Refused {
    fn from(message: T) -> Self {
        Refused(message.into())
    }
}

/// The options of an article picker: active articles first, by name.
fn article_options(list: &[Article], selected: Option<i64>) -> Markup {
    html! {
        option value="" { "— Article —" }
        @for a in list.iter().filter(|a| a.est_actif).chain(list.iter().filter(|a| !a.est_actif)) {
            option value=(a.id) selected[selected == Some(a.id)] {
                (a.nom) " (" (a.code) ") — stock " (number(a.quantite_stock.into()))
                @if !a.est_actif { " — retiré" }
            }
        }
    }
}

/// A delivery's rows as typed: (article, quantity).
type Rows = Vec<(Option<i64>, String)>;

async fn delivery_page(
    state: &AppState,
    access: &ShopAccess,
    reference: &str,
    comment: &str,
    rows: &Rows,
    error: Option<&str>,
) -> Result<Markup, PageError> {
    let shop = &access.shop;
    let list = catalogue::articles(&state.pool, shop.id, None, None).await?;
    let body = html! {
        h1 { "Recevoir une livraison" }
        p.muted { "Une ligne par article reçu ; chaque ligne ajoute la quantité au stock et \
                   s'inscrit au journal du stock sous la référence du bon de livraison." }
        @if let Some(error) = error { (notice("error", error)) }
        form.stacked.card method="post" action=(shop_url(shop.id, "/entrees")) {
            (csrf_field(&access.session))
            label {
                "Référence du bon de livraison"
                span.hint { "Un bon n'est reçu qu'une fois." }
                input type="text" name="reference_document" value=(reference) required maxlength="100" placeholder="BL-2026-001";
            }
            div.table-wrap { table {
                thead { tr { th { "Article" } th.num { "Quantité reçue" } } }
                tbody {
                    @for (i, (article, quantity)) in rows.iter().enumerate() {
                        tr {
                            td { select name="article_id" aria-label={ "Article, ligne " (i + 1) } { (article_options(&list, *article)) } }
                            td.num { input type="number" name="quantite" min="1" max=(stock::MAX_RECEIVED) value=(quantity)
                                           aria-label={ "Quantité, ligne " (i + 1) } inputmode="numeric"; }
                        }
                    }
                }
            } }
            p { a href=(shop_url(shop.id, &format!("/entrees?lignes={}", rows.len() + 10))) { "Plus de lignes" } }
            label { "Commentaire" input type="text" name="commentaire" value=(comment) maxlength="500"; }
            button type="submit" { "Enregistrer la livraison" }
        }
    };
    Ok(page(
        "Réception",
        Some(&access.frame(Section::Delivery)),
        body,
    ))
}

/// `GET /backoffice/boutiques/<id>/entrees?article_id=&lignes=`.
pub async fn delivery_form(
    State(state): State<AppState>,
    access: ShopAccess,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let count = query
        .get("lignes")
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(DELIVERY_ROWS)
        .clamp(1, MAX_DELIVERY_LINES);
    let mut rows: Rows = vec![(None, String::new()); count];
    rows[0].0 = query.get("article_id").and_then(|id| id.parse().ok());
    Ok(render(
        delivery_page(&state, &access, "", "", &rows, None).await?,
    ))
}

/// The delivery's lines, checked: (article id, quantity).
fn delivery_lines(form: &FormData) -> Result<Vec<(i64, i32)>, Refused> {
    let articles = form.all("article_id");
    let quantities = form.all("quantite");
    if articles.len() != quantities.len() {
        return Err("Formulaire incomplet : rechargez la page.".into());
    }
    let mut lines = Vec::new();
    for (i, (article, quantity)) in articles.iter().zip(&quantities).enumerate() {
        if article.is_empty() && quantity.is_empty() {
            continue;
        }
        let row = i + 1;
        let article = article
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| format!("Ligne {row} : choisissez l'article reçu."))?;
        let quantity = quantity
            .parse::<i64>()
            .ok()
            .filter(|q| (1..=stock::MAX_RECEIVED).contains(q))
            .ok_or_else(|| {
                format!(
                    "Ligne {row} : la quantité reçue doit être un entier de 1 à {}.",
                    stock::MAX_RECEIVED
                )
            })?;
        lines.push((article, quantity as i32));
    }
    if lines.is_empty() {
        return Err("Indiquez au moins un article reçu et sa quantité.".into());
    }
    if lines.len() > MAX_DELIVERY_LINES {
        return Err(format!("Au plus {MAX_DELIVERY_LINES} lignes par livraison.").into());
    }
    Ok(lines)
}

/// `POST /backoffice/boutiques/<id>/entrees`.
pub async fn receive(
    State(state): State<AppState>,
    access: ShopAccess,
    form: FormData,
) -> Result<Response, PageError> {
    let reference = form.get("reference_document").unwrap_or_default();
    let comment = form.get("commentaire").unwrap_or_default();
    match record_delivery(&state, &access, &form, reference, comment).await? {
        Ok(count) => {
            let query = serde_urlencoded::to_string([
                ("type_mouvement", "ENTREE"),
                ("fait", "livraison"),
                ("reference", reference),
                ("lignes", &count.to_string()),
            ])
            .unwrap_or_default();
            Ok(
                Redirect::to(&shop_url(access.shop.id, &format!("/mouvements?{query}")))
                    .into_response(),
            )
        }
        Err(Refused(message)) => {
            let rows: Rows = form
                .all("article_id")
                .iter()
                .zip(form.all("quantite"))
                .map(|(article, quantity)| (article.parse().ok(), quantity.to_owned()))
                .collect();
            let rows = if rows.is_empty() {
                vec![(None, String::new()); DELIVERY_ROWS]
            } else {
                rows
            };
            let mut response = render(
                delivery_page(&state, &access, reference, comment, &rows, Some(&message)).await?,
            );
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
    }
}

/// Records the delivery in one transaction; the number of lines, or why not.
async fn record_delivery(
    state: &AppState,
    access: &ShopAccess,
    form: &FormData,
    reference: &str,
    comment: &str,
) -> Result<Result<usize, Refused>, PageError> {
    if reference.is_empty() || reference.chars().count() > 100 {
        return Ok(Err(
            "Indiquez la référence du bon de livraison (100 caractères au plus).".into(),
        ));
    }
    if comment.chars().count() > 500 {
        return Ok(Err("Le commentaire a 500 caractères au plus.".into()));
    }
    let lines = match delivery_lines(form) {
        Ok(lines) => lines,
        Err(refused) => return Ok(Err(refused)),
    };
    let shop = &access.shop;
    let delivery = Delivery {
        reference_document: reference.to_owned(),
        commentaire: Some(comment.to_owned()),
        lines: lines
            .iter()
            .map(|&(article_id, quantity)| (article_id, i64::from(quantity)))
            .collect(),
        utilisateur: access.signature(),
        refuse_repeat: true,
    };
    match stock::receive(&state.pool, shop.id, &delivery).await {
        Ok(applied) => Ok(Ok(applied.len())),
        Err(error) => Ok(Err(stock_sentence(error, shop)?.into())),
    }
}

async fn adjustment_page(
    state: &AppState,
    access: &ShopAccess,
    article: Option<i64>,
    counted: &str,
    reason: &str,
    error: Option<&str>,
) -> Result<Markup, PageError> {
    let shop = &access.shop;
    let list = catalogue::articles(&state.pool, shop.id, None, None).await?;
    let current = article.and_then(|id| list.iter().find(|a| a.id == id));
    let body = html! {
        h1 { "Ajuster le stock" }
        p.muted { "Après un inventaire, une casse ou une perte : indiquez le stock compté et \
                   la raison. L'écart s'inscrit au journal du stock." }
        @if let Some(error) = error { (notice("error", error)) }
        form.stacked.card method="post" action=(shop_url(shop.id, "/ajustements")) {
            (csrf_field(&access.session))
            label {
                "Article"
                select name="article_id" required { (article_options(&list, article)) }
            }
            @if let Some(a) = current {
                p { "Stock actuel de " (a.nom) " : " strong { (number(a.quantite_stock.into())) } }
            }
            label {
                "Stock compté"
                input type="number" name="quantite_stock" min="0" max=(stock::MAX_STOCK) value=(counted) required inputmode="numeric";
            }
            label {
                "Raison"
                input type="text" name="motif" value=(reason) required maxlength="500" placeholder="Inventaire du 25/11, casse…";
            }
            button type="submit" { "Enregistrer l'ajustement" }
        }
    };
    Ok(page(
        "Ajustement",
        Some(&access.frame(Section::Adjustment)),
        body,
    ))
}

/// `GET /backoffice/boutiques/<id>/ajustements?article_id=`.
pub async fn adjustment_form(
    State(state): State<AppState>,
    access: ShopAccess,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let article = query.get("article_id").and_then(|id| id.parse().ok());
    Ok(render(
        adjustment_page(&state, &access, article, "", "", None).await?,
    ))
}

/// `POST /backoffice/boutiques/<id>/ajustements`.
pub async fn adjust(
    State(state): State<AppState>,
    access: ShopAccess,
    form: FormData,
) -> Result<Response, PageError> {
    let article = form.get("article_id").and_then(|id| id.parse::<i64>().ok());
    let counted = form.get("quantite_stock").unwrap_or_default();
    let reason = form.get("motif").unwrap_or_default();
    let checked = match (article, counted.parse::<i64>()) {
        (None, _) => Err("Choisissez l'article compté."),
        (_, Err(_)) => Err("Le stock compté doit être un nombre entier."),
        (_, Ok(n)) if !(0..=stock::MAX_STOCK).contains(&n) => {
            Err("Le stock compté doit être un entier de 0 à 1 000 000 000.")
        }
        _ if reason.is_empty() || reason.chars().count() > 500 => {
            Err("Indiquez la raison de l'ajustement (500 caractères au plus).")
        }
        (Some(article), Ok(n)) => Ok((article, n as i32)),
    };
    let refused = match checked {
        Ok((article_id, quantity)) => {
            let count = Count {
                article_id,
                quantite_stock: quantity.into(),
                motif: reason.to_owned(),
                reference_document: None,
                utilisateur: access.signature(),
            };
            match stock::count(&state.pool, access.shop.id, &count).await {
                Ok(_) => {
                    let target = format!("/mouvements?article_id={article_id}&fait=ajustement");
                    return Ok(Redirect::to(&shop_url(access.shop.id, &target)).into_response());
                }
                Err(error) => stock_sentence(error, &access.shop)?,
            }
        }
        Err(message) => message.to_owned(),
    };
    let mut response =
        render(adjustment_page(&state, &access, article, counted, reason, Some(&refused)).await?);
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}
