//! Stock received and counted: `/backoffice/boutiques/<id>/entrees` (a delivery: several
//! articles under one delivery note, one `ENTREE` movement each) and `…/ajustements` (the
//! stock found by counting, with the reason; one `AJUSTEMENT` movement). Both go through
//! [`crate::stock::apply`], the locked path of the administration API.

use super::access::ShopAccess;
use super::form::FormData;
use super::format::{date_time, number};
use super::layout::{PageError, Section, csrf_field, notice, page, render, shop_url};
use crate::http::AppState;
use crate::http::admin::catalogue::articles;
use crate::http::admin::journal::MAX_DELIVERY_LINES;
use crate::http::catalogue::ArticleView;
use crate::http::stock::stock_error;
use crate::stock::{self, Change, MovementType, StockChange};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use std::collections::HashMap;

/// Rows of an empty delivery form; more on request.
const DELIVERY_ROWS: usize = 5;
const MAX_QUANTITY: i64 = 1_000_000;
const MAX_STOCK: i64 = 1_000_000_000;

/// A form refused: what was wrong, shown above the form.
struct Refused(String);

impl<T: Into<String>> From<T> for Refused {
    fn from(message: T) -> Self {
        Refused(message.into())
    }
}

/// The options of an article picker: active articles first, by name.
fn article_options(list: &[ArticleView], selected: Option<i64>) -> Markup {
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
    let list = articles(&state.pool, shop, None, None).await?;
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
                            td.num { input type="number" name="quantite" min="1" max=(MAX_QUANTITY) value=(quantity)
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
            .filter(|q| (1..=MAX_QUANTITY).contains(q))
            .ok_or_else(|| {
                format!(
                    "Ligne {row} : la quantité reçue doit être un entier de 1 à {MAX_QUANTITY}."
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
    let changes: Vec<StockChange> = lines
        .iter()
        .map(|(article_id, quantity)| StockChange {
            article_id: *article_id,
            kind: MovementType::Entree,
            change: Change::Add(*quantity),
            reference_document: Some(reference.to_owned()),
            utilisateur: access.signature(),
            commentaire: Some(comment.to_owned()).filter(|c| !c.is_empty()),
            sale_line: None,
        })
        .collect();
    let shop = &access.shop;
    let mut tx = state.pool.begin().await?;
    let applied = match stock::apply(&mut tx, shop.id, &changes).await {
        Ok(applied) => applied,
        Err(error) => {
            let error = stock_error(error);
            return if error.status.is_client_error() {
                Ok(Err(error.message.into_owned().into()))
            } else {
                Err(error.into())
            };
        }
    };
    // The same note entered twice (a double click, a second person) would count the goods
    // twice. The articles are locked by now, so a delivery of the same note that came first
    // is committed and seen here.
    let ours: Vec<i64> = applied.iter().map(|a| a.movement_id).collect();
    let earlier = sqlx::query_scalar!(
        r#"SELECT min(date_mouvement) FROM mouvements_stock
           WHERE boutique_id = $1 AND type_mouvement = 'ENTREE' AND reference_document = $2
             AND id <> ALL($3)"#,
        shop.id,
        reference,
        &ours
    )
    .fetch_one(&mut *tx)
    .await?;
    if let Some(at) = earlier {
        tx.rollback().await?;
        return Ok(Err(format!(
            "Le bon de livraison « {reference} » a déjà été reçu le {}. S'il s'agit d'une autre \
             livraison, donnez-lui une autre référence.",
            date_time(at, shop.time_zone)
        )
        .into()));
    }
    tx.commit().await?;
    Ok(Ok(applied.len()))
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
    let list = articles(&state.pool, shop, None, None).await?;
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
                input type="number" name="quantite_stock" min="0" max=(MAX_STOCK) value=(counted) required inputmode="numeric";
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
        (_, Ok(n)) if !(0..=MAX_STOCK).contains(&n) => {
            Err("Le stock compté doit être un entier de 0 à 1 000 000 000.")
        }
        _ if reason.is_empty() || reason.chars().count() > 500 => {
            Err("Indiquez la raison de l'ajustement (500 caractères au plus).")
        }
        (Some(article), Ok(n)) => Ok((article, n as i32)),
    };
    let refused = match checked {
        Ok((article_id, quantity)) => {
            let mut tx = state.pool.begin().await?;
            let applied = stock::apply(
                &mut tx,
                access.shop.id,
                &[StockChange {
                    article_id,
                    kind: MovementType::Ajustement,
                    change: Change::SetTo(quantity),
                    reference_document: None,
                    utilisateur: access.signature(),
                    commentaire: Some(reason.to_owned()),
                    sale_line: None,
                }],
            )
            .await;
            match applied {
                Ok(_) => {
                    tx.commit().await?;
                    let target = format!("/mouvements?article_id={article_id}&fait=ajustement");
                    return Ok(Redirect::to(&shop_url(access.shop.id, &target)).into_response());
                }
                Err(error) => {
                    let error = stock_error(error);
                    if !error.status.is_client_error() {
                        return Err(error.into());
                    }
                    error.message.into_owned()
                }
            }
        }
        Err(message) => message.to_owned(),
    };
    let mut response =
        render(adjustment_page(&state, &access, article, counted, reason, Some(&refused)).await?);
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}
