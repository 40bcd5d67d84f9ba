//! A boutique's articles: `/backoffice/boutiques/<id>/articles[/nouveau|/<article_id>]`.
//! Listed with search, category filter and their stock (refreshed in place every few
//! seconds); created and edited through the catalogue's own functions, so the same rules
//! hold as for the administration API. The stock itself changes only by a delivery or an
//! adjustment.

use super::access::{ShopAccess, path_id};
use super::form::FormData;
use super::format::{amount, number};
use super::layout::{PageError, Refusal, Section, csrf_field, notice, page, render, shop_url};
use crate::boutiques::Shop;
use crate::catalogue::{self, Article, ArticleChanges, NewArticle};
use crate::field::Invalid;
use crate::http::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use std::collections::HashMap;

/// How often the list refreshes its stock in place.
const REFRESH: &str = "every 15s";

/// The boutique's categories: (id, name, number of articles).
async fn category_list(
    state: &AppState,
    shop: &Shop,
) -> Result<Vec<(i64, String, i64)>, PageError> {
    Ok(catalogue::categories(&state.pool, shop.id, None)
        .await?
        .into_iter()
        .map(|c| (c.id, c.nom, c.nb_articles))
        .collect())
}

/// The stock of an article, with its level.
pub fn stock_cell(shop: &Shop, stock: i32) -> Markup {
    html! {
        (number(stock.into())) " "
        @if stock < 0 { span.badge.bad { "négatif" } }
        @else if stock == 0 { span.badge.bad { "rupture" } }
        @else if stock <= shop.alerte_stock_bas { span.badge.warn { "bas" } }
    }
}

/// `GET /backoffice/boutiques/<id>/articles?recherche=&categorie_id=`.
pub async fn list(
    State(state): State<AppState>,
    access: ShopAccess,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let message = match query.get("fait").map(String::as_str) {
        Some("article-cree") => Some(("ok", "Article créé.")),
        Some("article-modifie") => Some(("ok", "Article enregistré.")),
        Some("categorie-creee") => Some(("ok", "Catégorie créée.")),
        _ => None,
    };
    list_page(&state, &access, &query, message, StatusCode::OK).await
}

async fn list_page(
    state: &AppState,
    access: &ShopAccess,
    query: &HashMap<String, String>,
    message: Option<(&str, &str)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let shop = &access.shop;
    let search = query
        .get("recherche")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty());
    let category = query
        .get("categorie_id")
        .and_then(|c| c.parse::<i64>().ok());
    let mut list: Vec<Article> = catalogue::articles(&state.pool, shop.id, None, search).await?;
    if let Some(category) = category {
        list.retain(|a| a.categorie_id == Some(category));
    }
    let categories = category_list(state, shop).await?;
    // The list refreshes itself from the same address, filters included.
    let here = format!(
        "{}?{}",
        shop_url(shop.id, "/articles"),
        serde_urlencoded::to_string([
            ("recherche", search.unwrap_or_default().to_owned()),
            (
                "categorie_id",
                category.map(|c| c.to_string()).unwrap_or_default()
            ),
        ])
        .unwrap_or_default()
    );
    let body = html! {
        h1 { "Articles" }
        @if let Some((kind, text)) = message { (notice(kind, text)) }
        div.actions {
            a.button href=(shop_url(shop.id, "/articles/nouveau")) { "Nouvel article" }
            a.button.secondary href=(shop_url(shop.id, "/entrees")) { "Recevoir une livraison" }
        }
        form.filters method="get" action=(shop_url(shop.id, "/articles"))
             hx-get=(shop_url(shop.id, "/articles")) hx-trigger="input changed delay:400ms from:input[name=recherche], change from:select"
             hx-target="#articles" hx-select="#articles" hx-swap="outerHTML" {
            label { "Recherche" input type="search" name="recherche" value=(search.unwrap_or_default()) placeholder="Nom ou code"; }
            label {
                "Catégorie"
                select name="categorie_id" {
                    option value="" { "Toutes" }
                    @for (id, name, _) in &categories {
                        option value=(id) selected[category == Some(*id)] { (name) }
                    }
                }
            }
            button type="submit" { "Filtrer" }
        }
        div #articles hx-get=(here) hx-trigger=(REFRESH) hx-select="#articles" hx-swap="outerHTML" {
            p.muted { (list.len()) " article(s) · stock à jour à l'instant" }
            div.table-wrap { table {
                thead { tr {
                    th { "Article" } th.hide-narrow { "Catégorie" } th.num { "Prix" }
                    th.num { "Stock" } th.hide-narrow { "" }
                } }
                tbody {
                    @for a in &list {
                        tr {
                            td {
                                a href=(shop_url(shop.id, &format!("/articles/{}", a.id))) { (a.nom) }
                                br; span.muted { (a.code) }
                                @if !a.est_actif { " " span.badge.muted { "retiré" } }
                            }
                            td.hide-narrow { (a.categorie_nom.as_deref().unwrap_or("—")) }
                            td.num { (amount(a.prix_vente.amount(), &shop.devise)) }
                            td.num data-article=(a.code) { (stock_cell(shop, a.quantite_stock)) }
                            // On a phone, the article's own page has these links.
                            td.hide-narrow {
                                a href=(shop_url(shop.id, &format!("/ajustements?article_id={}", a.id))) { "Ajuster" }
                                " · "
                                a href=(shop_url(shop.id, &format!("/mouvements?article_id={}", a.id))) { "Journal" }
                            }
                        }
                    }
                }
            } }
        }
        details {
            summary { "Nouvelle catégorie" }
            form.stacked.card method="post" action=(shop_url(shop.id, "/categories")) {
                (csrf_field(&access.session))
                label { "Nom" input type="text" name="nom" required maxlength="200"; }
                label { "Description" input type="text" name="description" maxlength="2000"; }
                button type="submit" { "Créer la catégorie" }
            }
        }
    };
    let mut response = render(page(
        "Articles",
        Some(&access.frame(Section::Articles)),
        body,
    ));
    *response.status_mut() = status;
    Ok(response)
}

/// The values an article form shows.
#[derive(Default)]
struct Values {
    code: String,
    nom: String,
    description: String,
    prix_vente: String,
    prix_achat: String,
    categorie_id: Option<i64>,
    quantite_stock: String,
    est_actif: bool,
}

impl Values {
    fn from_form(form: &FormData) -> Self {
        let text = |name: &str| form.get(name).unwrap_or_default().to_owned();
        Values {
            code: text("code"),
            nom: text("nom"),
            description: text("description"),
            prix_vente: text("prix_vente"),
            prix_achat: text("prix_achat"),
            categorie_id: form.get("categorie_id").and_then(|c| c.parse().ok()),
            quantite_stock: text("quantite_stock"),
            est_actif: form.get("est_actif").is_some(),
        }
    }

    fn from_article(a: &Article) -> Self {
        // Prices as typed in the form: a decimal comma, no cents when whole.
        let price = |m: crate::money::Money| {
            let text = m.to_string();
            text.strip_suffix(".00").unwrap_or(&text).replace('.', ",")
        };
        Values {
            code: a.code.clone(),
            nom: a.nom.clone(),
            description: a.description.clone(),
            prix_vente: price(a.prix_vente),
            prix_achat: price(a.prix_achat),
            categorie_id: a.categorie_id,
            quantite_stock: String::new(),
            est_actif: a.est_actif,
        }
    }
}

async fn article_form(
    state: &AppState,
    access: &ShopAccess,
    article: Option<&Article>,
    values: &Values,
    error: Option<&str>,
) -> Result<Markup, PageError> {
    let shop = &access.shop;
    let categories = category_list(state, shop).await?;
    let (title, action) = match article {
        Some(a) => (
            format!("Article {}", a.nom),
            shop_url(shop.id, &format!("/articles/{}", a.id)),
        ),
        None => ("Nouvel article".to_owned(), shop_url(shop.id, "/articles")),
    };
    let body = html! {
        h1 { (title) }
        @if let Some(error) = error { (notice("error", error)) }
        @if let Some(a) = article {
            div.card {
                "Stock : " strong { (stock_cell(shop, a.quantite_stock)) }
                " · "
                a href=(shop_url(shop.id, &format!("/ajustements?article_id={}", a.id))) { "Ajuster le stock" }
                " · "
                a href=(shop_url(shop.id, &format!("/entrees?article_id={}", a.id))) { "Recevoir" }
                " · "
                a href=(shop_url(shop.id, &format!("/mouvements?article_id={}", a.id))) { "Journal" }
            }
        }
        form.stacked.card method="post" action=(action) {
            (csrf_field(&access.session))
            label { "Code" input type="text" name="code" value=(values.code) required maxlength="64"; }
            label { "Nom" input type="text" name="nom" value=(values.nom) required maxlength="200"; }
            label { "Description" textarea name="description" rows="2" maxlength="2000" { (values.description) } }
            label {
                "Prix de vente (" (shop.devise) ")"
                input type="text" inputmode="decimal" name="prix_vente" value=(values.prix_vente) required placeholder="25000";
            }
            label {
                "Prix d'achat (" (shop.devise) ")"
                span.hint { "Facultatif." }
                input type="text" inputmode="decimal" name="prix_achat" value=(values.prix_achat);
            }
            label {
                "Catégorie"
                select name="categorie_id" {
                    option value="" { "Non catégorisé" }
                    @for (id, name, _) in &categories {
                        option value=(id) selected[values.categorie_id == Some(*id)] { (name) }
                    }
                }
            }
            @if article.is_none() {
                label {
                    "Stock initial"
                    span.hint { "Ensuite, le stock ne change que par une réception, un ajustement ou une vente." }
                    input type="number" name="quantite_stock" min="0" value=(values.quantite_stock) placeholder="0";
                }
            }
            label {
                input type="checkbox" name="est_actif" value="1" checked[values.est_actif];
                " Actif (vendu par les terminaux)"
            }
            button type="submit" { "Enregistrer" }
            " "
            a href=(shop_url(shop.id, "/articles")) { "Annuler" }
        }
    };
    Ok(page(&title, Some(&access.frame(Section::Articles)), body))
}

/// A refused form, shown again with what was typed and why.
async fn refused_form(
    state: &AppState,
    access: &ShopAccess,
    article: Option<&Article>,
    form: &FormData,
    error: &str,
) -> Result<Response, PageError> {
    let mut response = render(
        article_form(
            state,
            access,
            article,
            &Values::from_form(form),
            Some(error),
        )
        .await?,
    );
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// The article a form describes.
fn new_article(form: &FormData) -> Result<NewArticle, Invalid> {
    Ok(NewArticle {
        code: form.text("code").unwrap_or_default().to_owned(),
        nom: form.text("nom").unwrap_or_default().to_owned(),
        description: form.text("description").map(str::to_owned),
        prix_vente: form
            .amount("prix_vente")?
            .ok_or_else(|| Invalid::new("prix_vente", "champ obligatoire"))?,
        prix_achat: form.amount("prix_achat")?,
        categorie_id: form.id("categorie_id")?,
        quantite_stock: form.count("quantite_stock")?,
        est_actif: Some(form.ticked("est_actif")),
    })
}

/// The changes a form asks for.
fn article_changes(form: &FormData) -> Result<ArticleChanges, Invalid> {
    Ok(ArticleChanges {
        code: form.text("code").map(str::to_owned),
        nom: form.text("nom").map(str::to_owned),
        description: form.text("description").map(str::to_owned),
        prix_vente: form.amount("prix_vente")?,
        prix_achat: form.amount("prix_achat")?,
        categorie_id: Some(form.id("categorie_id")?),
        est_actif: Some(form.ticked("est_actif")),
    })
}

/// `GET /backoffice/boutiques/<id>/articles/nouveau`.
pub async fn new_form(
    State(state): State<AppState>,
    access: ShopAccess,
) -> Result<Response, PageError> {
    let values = Values {
        est_actif: true,
        ..Values::default()
    };
    Ok(render(
        article_form(&state, &access, None, &values, None).await?,
    ))
}

/// `POST /backoffice/boutiques/<id>/articles`.
pub async fn create(
    State(state): State<AppState>,
    access: ShopAccess,
    form: FormData,
) -> Result<Response, PageError> {
    let created = match new_article(&form) {
        Ok(new) => catalogue::create_article(&state.pool, access.shop.id, &new)
            .await
            .map_err(Refusal::sentence),
        Err(invalid) => Err(Ok(invalid.to_string())),
    };
    match created {
        Ok(_) => Ok(
            Redirect::to(&shop_url(access.shop.id, "/articles?fait=article-cree")).into_response(),
        ),
        Err(refused) => refused_form(&state, &access, None, &form, &refused?).await,
    }
}

async fn one(state: &AppState, shop: &Shop, id: i64) -> Result<Article, PageError> {
    catalogue::article(&state.pool, shop.id, id)
        .await
        .map_err(Refusal::page)
}

/// `GET /backoffice/boutiques/<id>/articles/<article_id>`.
pub async fn edit_form(
    State(state): State<AppState>,
    access: ShopAccess,
    Path(params): Path<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let article = one(&state, &access.shop, path_id(&params, "article_id")?).await?;
    let values = Values::from_article(&article);
    Ok(render(
        article_form(&state, &access, Some(&article), &values, None).await?,
    ))
}

/// `POST /backoffice/boutiques/<id>/articles/<article_id>`.
pub async fn update(
    State(state): State<AppState>,
    access: ShopAccess,
    Path(params): Path<HashMap<String, String>>,
    form: FormData,
) -> Result<Response, PageError> {
    let article = one(&state, &access.shop, path_id(&params, "article_id")?).await?;
    let changed = match article_changes(&form) {
        Ok(changes) => catalogue::change_article(&state.pool, access.shop.id, article.id, &changes)
            .await
            .map_err(Refusal::sentence),
        Err(invalid) => Err(Ok(invalid.to_string())),
    };
    match changed {
        Ok(()) => Ok(
            Redirect::to(&shop_url(access.shop.id, "/articles?fait=article-modifie"))
                .into_response(),
        ),
        Err(refused) => refused_form(&state, &access, Some(&article), &form, &refused?).await,
    }
}

/// `POST /backoffice/boutiques/<id>/categories`.
pub async fn create_category(
    State(state): State<AppState>,
    access: ShopAccess,
    form: FormData,
) -> Result<Response, PageError> {
    let created = catalogue::create_category(
        &state.pool,
        access.shop.id,
        form.text("nom").unwrap_or_default(),
        form.text("description"),
    )
    .await;
    match created {
        Ok(_) => Ok(
            Redirect::to(&shop_url(access.shop.id, "/articles?fait=categorie-creee"))
                .into_response(),
        ),
        Err(error) => {
            let refused = error.sentence()?;
            list_page(
                &state,
                &access,
                &HashMap::new(),
                Some(("error", &refused)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
