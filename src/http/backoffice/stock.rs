//! Stock received and counted: `/backoffice/boutiques/<id>/entrees` (a delivery: several
//! articles under one delivery note, one `ENTREE` movement each) and `…/ajustements` (the
//! stock found by counting, with the reason; one `AJUSTEMENT` movement). Both go through
//! [`crate::stock`], the same locked path as the administration API's.

use super::access::ShopAccess;
use super::document::{notice, render_form};
use super::error::{PageError, stock_sentence};
use super::form::{Form, Typed};
use super::format::number;
use super::layout::{Section, page};
use super::paths::shop_url;
use super::session::csrf_field;
use crate::catalogue::{self, Article};
use crate::http::AppState;
use crate::stock::{self, Count, Delivery, MAX_DELIVERY_LINES};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;

/// Rows of an empty delivery form; more on request.
const DELIVERY_ROWS: usize = 5;

/// The options of an article picker: active articles first, by name.
pub(super) fn article_options(list: &[Article], selected: &Typed) -> Markup {
    let selected = selected.chosen();
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

/// A delivery note, as typed: one `article_id` and one `quantite` per row of its table, in
/// order, blank rows included.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeliveryForm {
    reference_document: Typed,
    commentaire: Typed,
    article_id: Vec<Typed>,
    quantite: Vec<Typed>,
}

impl DeliveryForm {
    /// An empty note of `rows` rows, the first one for `article`.
    fn empty(rows: usize, article: &str) -> Self {
        let mut article_id = vec![Typed::default(); rows];
        article_id[0] = Typed::from(article);
        DeliveryForm {
            quantite: vec![Typed::default(); rows],
            article_id,
            ..DeliveryForm::default()
        }
    }

    /// The delivery the note describes, received by `utilisateur`, or why it is none.
    fn delivery(&self, utilisateur: String) -> Result<Delivery, String> {
        let reference = self.reference_document.text();
        if reference.is_empty() || reference.chars().count() > 100 {
            return Err(
                "Indiquez la référence du bon de livraison (100 caractères au plus).".to_owned(),
            );
        }
        let comment = self.commentaire.text();
        if comment.chars().count() > 500 {
            return Err("Le commentaire a 500 caractères au plus.".to_owned());
        }
        Ok(Delivery {
            reference_document: reference.to_owned(),
            commentaire: Some(comment.to_owned()),
            lines: self.lines()?,
            utilisateur,
            refuse_repeat: true,
        })
    }

    /// The rows that name something, checked: (article id, quantity).
    fn lines(&self) -> Result<Vec<(i64, i64)>, String> {
        if self.article_id.len() != self.quantite.len() {
            return Err("Formulaire incomplet : rechargez la page.".to_owned());
        }
        let mut lines = Vec::new();
        for (i, (article, quantity)) in self.article_id.iter().zip(&self.quantite).enumerate() {
            if article.given().is_none() && quantity.given().is_none() {
                continue;
            }
            let row = i + 1;
            let article = article
                .chosen()
                .ok_or_else(|| format!("Ligne {row} : choisissez l'article reçu."))?;
            let quantity = quantity
                .count("quantite")
                .ok()
                .flatten()
                .filter(|q| (1..=stock::MAX_RECEIVED).contains(q))
                .ok_or_else(|| {
                    format!(
                        "Ligne {row} : la quantité reçue doit être un entier de 1 à {}.",
                        stock::MAX_RECEIVED
                    )
                })?;
            lines.push((article, quantity));
        }
        if lines.is_empty() {
            return Err("Indiquez au moins un article reçu et sa quantité.".to_owned());
        }
        if lines.len() > MAX_DELIVERY_LINES {
            return Err(format!(
                "Au plus {MAX_DELIVERY_LINES} lignes par livraison."
            ));
        }
        Ok(lines)
    }
}

/// `POST /backoffice/boutiques/<id>/entrees`: the whole note in one transaction.
pub async fn receive(
    State(state): State<AppState>,
    access: ShopAccess,
    Form(note): Form<DeliveryForm>,
) -> Result<Response, PageError> {
    let refused = match note.delivery(access.signature()) {
        Ok(delivery) => match stock::receive(&state.pool, access.shop.id, &delivery).await {
            Ok(applied) => return Ok(received(&access, &delivery, applied.len())),
            Err(error) => stock_sentence(error, &access.shop)?,
        },
        Err(refused) => refused,
    };
    let shown = if note.article_id.is_empty() || note.quantite.is_empty() {
        DeliveryForm {
            article_id: vec![Typed::default(); DELIVERY_ROWS],
            quantite: vec![Typed::default(); DELIVERY_ROWS],
            ..note
        }
    } else {
        note
    };
    delivery_page(&state, &access, &shown, Some(&refused)).await
}

/// `GET /backoffice/boutiques/<id>/entrees?article_id=&lignes=`.
pub async fn delivery_form(
    State(state): State<AppState>,
    access: ShopAccess,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let rows = query
        .get("lignes")
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(DELIVERY_ROWS)
        .clamp(1, MAX_DELIVERY_LINES);
    let article = query.get("article_id").map_or("", String::as_str);
    let note = DeliveryForm::empty(rows, article);
    delivery_page(&state, &access, &note, None).await
}

/// The stock journal, showing the `lines` of the `delivery` just received.
fn received(access: &ShopAccess, delivery: &Delivery, lines: usize) -> Response {
    let query = serde_urlencoded::to_string([
        ("type_mouvement", "ENTREE"),
        ("fait", "livraison"),
        ("reference", &delivery.reference_document),
        ("lignes", &lines.to_string()),
    ])
    .unwrap_or_default();
    let target = shop_url(access.shop.id, &format!("/mouvements?{query}"));
    Redirect::to(&target).into_response()
}

/// The delivery note's page, with `refused` above the form when it was.
async fn delivery_page(
    state: &AppState,
    access: &ShopAccess,
    note: &DeliveryForm,
    refused: Option<&str>,
) -> Result<Response, PageError> {
    let shop = &access.shop;
    let list = catalogue::articles(&state.pool, shop.id, None, None).await?;
    let body = html! {
        h1 { "Recevoir une livraison" }
        p.muted { "Une ligne par article reçu ; chaque ligne ajoute la quantité au stock et \
                   s'inscrit au journal du stock sous la référence du bon de livraison." }
        @if let Some(refused) = refused { (notice("error", refused)) }
        form.stacked.card method="post" action=(shop_url(shop.id, "/entrees")) {
            (csrf_field(&access.session))
            label {
                "Référence du bon de livraison"
                span.hint { "Un bon n'est reçu qu'une fois." }
                input type="text" name="reference_document" value=(note.reference_document) required maxlength="100" placeholder="BL-2026-001";
            }
            div.table-wrap { table {
                thead { tr { th { "Article" } th.num { "Quantité reçue" } } }
                tbody {
                    @for (i, (article, quantity)) in note.article_id.iter().zip(&note.quantite).enumerate() {
                        tr {
                            td { select name="article_id" aria-label={ "Article, ligne " (i + 1) } { (article_options(&list, article)) } }
                            td.num { input type="number" name="quantite" min="1" max=(stock::MAX_RECEIVED) value=(quantity)
                                           aria-label={ "Quantité, ligne " (i + 1) } inputmode="numeric"; }
                        }
                    }
                }
            } }
            p { a href=(shop_url(shop.id, &format!("/entrees?lignes={}", note.quantite.len() + 10))) { "Plus de lignes" } }
            label { "Commentaire" input type="text" name="commentaire" value=(note.commentaire) maxlength="500"; }
            button type="submit" { "Enregistrer la livraison" }
        }
    };
    let markup = page("Réception", &access.frame(Section::Delivery), body);
    Ok(render_form(refused, markup))
}

/// A count of an article's stock, as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AdjustmentForm {
    article_id: Typed,
    quantite_stock: Typed,
    motif: Typed,
}

impl AdjustmentForm {
    /// The count the form describes, made by `utilisateur`, or why it is none.
    fn count(&self, utilisateur: String) -> Result<Count, &'static str> {
        let article_id = self
            .article_id
            .chosen()
            .ok_or("Choisissez l'article compté.")?;
        let counted = self
            .quantite_stock
            .count("quantite_stock")
            .ok()
            .flatten()
            .ok_or("Le stock compté doit être un nombre entier.")?;
        if !(0..=stock::MAX_STOCK).contains(&counted) {
            return Err("Le stock compté doit être un entier de 0 à 1 000 000 000.");
        }
        let reason = self.motif.text();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err("Indiquez la raison de l'ajustement (500 caractères au plus).");
        }
        Ok(Count {
            article_id,
            quantite_stock: counted,
            motif: reason.to_owned(),
            reference_document: None,
            utilisateur,
        })
    }
}

/// `POST /backoffice/boutiques/<id>/ajustements`.
pub async fn adjust(
    State(state): State<AppState>,
    access: ShopAccess,
    Form(typed): Form<AdjustmentForm>,
) -> Result<Response, PageError> {
    let refused = match typed.count(access.signature()) {
        Ok(count) => match stock::count(&state.pool, access.shop.id, &count).await {
            Ok(_) => {
                let target = format!(
                    "/mouvements?article_id={}&fait=ajustement",
                    count.article_id
                );
                return Ok(Redirect::to(&shop_url(access.shop.id, &target)).into_response());
            }
            Err(error) => stock_sentence(error, &access.shop)?,
        },
        Err(refused) => refused.to_owned(),
    };
    adjustment_page(&state, &access, &typed, Some(&refused)).await
}

/// `GET /backoffice/boutiques/<id>/ajustements?article_id=`.
pub async fn adjustment_form(
    State(state): State<AppState>,
    access: ShopAccess,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let typed = AdjustmentForm {
        article_id: Typed::from(query.get("article_id").map_or("", String::as_str)),
        ..AdjustmentForm::default()
    };
    adjustment_page(&state, &access, &typed, None).await
}

/// The adjustment's page, with `refused` above the form when it was.
async fn adjustment_page(
    state: &AppState,
    access: &ShopAccess,
    typed: &AdjustmentForm,
    refused: Option<&str>,
) -> Result<Response, PageError> {
    let list = catalogue::articles(&state.pool, access.shop.id, None, None).await?;
    let article = typed.article_id.chosen();
    let current = article.and_then(|id| list.iter().find(|a| a.id == id));
    let body = html! {
        h1 { "Ajuster le stock" }
        p.muted { "Après un inventaire, une casse ou une perte : indiquez le stock compté et \
                   la raison. L'écart s'inscrit au journal du stock." }
        @if let Some(refused) = refused { (notice("error", refused)) }
        form.stacked.card method="post" action=(shop_url(access.shop.id, "/ajustements")) {
            (csrf_field(&access.session))
            label {
                "Article"
                select name="article_id" required { (article_options(&list, &typed.article_id)) }
            }
            @if let Some(a) = current {
                p { "Stock actuel de " (a.nom) " : " strong { (number(a.quantite_stock.into())) } }
            }
            label {
                "Stock compté"
                input type="number" name="quantite_stock" min="0" max=(stock::MAX_STOCK) value=(typed.quantite_stock) required inputmode="numeric";
            }
            label {
                "Raison"
                input type="text" name="motif" value=(typed.motif) required maxlength="500" placeholder="Inventaire du 25/11, casse…";
            }
            button type="submit" { "Enregistrer l'ajustement" }
        }
    };
    let markup = page("Ajustement", &access.frame(Section::Adjustment), body);
    Ok(render_form(refused, markup))
}
