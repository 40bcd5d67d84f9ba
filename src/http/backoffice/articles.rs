//! A boutique's articles: `/backoffice/boutiques/<id>/articles[/nouveau|/<article_id>]`.
//! Listed with search, category filter and their stock (refreshed in place every few
//! seconds); created and edited through the catalogue's own functions, so the same rules
//! hold as for the administration API. The stock itself changes only by a delivery or an
//! adjustment.

use super::access::{ShopAccess, path_id};
use super::document::{notice, render_as, render_form};
use super::error::{PageError, Refusal};
use super::form::{Form, Typed, ticked};
use super::format::{amount, number};
use super::layout::{Section, page};
use super::paths::shop_url;
use super::session::csrf_field;
use crate::boutiques::Shop;
use crate::catalogue::{self, Article, ArticleChanges, CatalogueError, NewArticle};
use crate::field::Invalid;
use crate::http::AppState;
use crate::money::Money;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
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
    Ok(render_as(
        status,
        page("Articles", &access.frame(Section::Articles), body),
    ))
}

/// An article's form, as typed. `code`, `nom` and `description` are `None` when not sent
/// (a change then leaves them as they are); the page's form always sends them.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ArticleForm {
    code: Option<Typed>,
    nom: Option<Typed>,
    description: Option<Typed>,
    prix_vente: Typed,
    prix_achat: Typed,
    categorie_id: Typed,
    /// The initial stock, on a new article only.
    quantite_stock: Typed,
    #[serde(deserialize_with = "ticked")]
    est_actif: bool,
}

/// A text field of the form, blank when it was not sent.
fn sent(field: &Option<Typed>) -> &str {
    field.as_ref().map_or("", Typed::text)
}

impl ArticleForm {
    /// The form of an article to edit, its prices as people type them: a decimal comma,
    /// no cents when whole.
    fn of(a: &Article) -> Self {
        let price = |m: Money| {
            let text = m.to_string();
            Typed::from(text.strip_suffix(".00").unwrap_or(&text).replace('.', ","))
        };
        ArticleForm {
            code: Some(Typed::from(a.code.as_str())),
            nom: Some(Typed::from(a.nom.as_str())),
            description: Some(Typed::from(a.description.as_str())),
            prix_vente: price(a.prix_vente),
            prix_achat: price(a.prix_achat),
            categorie_id: a
                .categorie_id
                .map(|id| id.to_string())
                .unwrap_or_default()
                .into(),
            quantite_stock: Typed::default(),
            est_actif: a.est_actif,
        }
    }

    /// The article the form describes.
    fn new_article(&self) -> Result<NewArticle, Invalid> {
        Ok(NewArticle {
            code: sent(&self.code).to_owned(),
            nom: sent(&self.nom).to_owned(),
            description: self.description.as_ref().map(|d| d.text().to_owned()),
            prix_vente: self
                .prix_vente
                .amount("prix_vente")?
                .ok_or_else(|| Invalid::new("prix_vente", "champ obligatoire"))?,
            prix_achat: self.prix_achat.amount("prix_achat")?,
            categorie_id: self.categorie_id.id("categorie_id")?,
            quantite_stock: self.quantite_stock.count("quantite_stock")?,
            quantite_envoyee: None,
            est_actif: Some(self.est_actif),
            devise: None,
            prix_vente_usd: None,
            prix_achat_usd: None,
        })
    }

    /// The changes the form asks for; a blank price leaves the price as it is.
    fn changes(&self) -> Result<ArticleChanges, Invalid> {
        let text = |field: &Option<Typed>| field.as_ref().map(|t| t.text().to_owned());
        Ok(ArticleChanges {
            code: text(&self.code),
            nom: text(&self.nom),
            description: text(&self.description),
            prix_vente: self.prix_vente.amount("prix_vente")?,
            prix_achat: self.prix_achat.amount("prix_achat")?,
            categorie_id: Some(self.categorie_id.id("categorie_id")?),
            est_actif: Some(self.est_actif),
            devise: None,
            prix_vente_usd: None,
            prix_achat_usd: None,
        })
    }
}

/// The form of a new article, or of `article`, with `refused` above it when it was.
async fn article_form(
    state: &AppState,
    access: &ShopAccess,
    article: Option<&Article>,
    values: &ArticleForm,
    refused: Option<&str>,
) -> Result<Response, PageError> {
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
        @if let Some(refused) = refused { (notice("error", refused)) }
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
            label { "Code" input type="text" name="code" value=(sent(&values.code)) required maxlength="64"; }
            label { "Nom" input type="text" name="nom" value=(sent(&values.nom)) required maxlength="200"; }
            label { "Description" textarea name="description" rows="2" maxlength="2000" { (sent(&values.description)) } }
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
                        option value=(id) selected[values.categorie_id.chosen() == Some(*id)] { (name) }
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
    let markup = page(&title, &access.frame(Section::Articles), body);
    Ok(render_form(refused, markup))
}

/// A refused form, shown again with what was typed and why.
async fn refused_form(
    state: &AppState,
    access: &ShopAccess,
    article: Option<&Article>,
    form: &ArticleForm,
    refused: CatalogueError,
) -> Result<Response, PageError> {
    let sentence = refused.sentence()?;
    article_form(state, access, article, form, Some(&sentence)).await
}

/// `GET /backoffice/boutiques/<id>/articles/nouveau`.
pub async fn new_form(
    State(state): State<AppState>,
    access: ShopAccess,
) -> Result<Response, PageError> {
    let values = ArticleForm {
        est_actif: true,
        ..ArticleForm::default()
    };
    article_form(&state, &access, None, &values, None).await
}

/// `POST /backoffice/boutiques/<id>/articles`.
pub async fn create(
    State(state): State<AppState>,
    access: ShopAccess,
    Form(form): Form<ArticleForm>,
) -> Result<Response, PageError> {
    let created = match form.new_article() {
        Ok(new) => catalogue::create_article(&state.pool, access.shop.id, &new).await,
        Err(invalid) => Err(invalid.into()),
    };
    match created {
        Ok(_) => Ok(
            Redirect::to(&shop_url(access.shop.id, "/articles?fait=article-cree")).into_response(),
        ),
        Err(refused) => refused_form(&state, &access, None, &form, refused).await,
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
    let values = ArticleForm::of(&article);
    article_form(&state, &access, Some(&article), &values, None).await
}

/// `POST /backoffice/boutiques/<id>/articles/<article_id>`.
pub async fn update(
    State(state): State<AppState>,
    access: ShopAccess,
    Path(params): Path<HashMap<String, String>>,
    Form(form): Form<ArticleForm>,
) -> Result<Response, PageError> {
    let article = one(&state, &access.shop, path_id(&params, "article_id")?).await?;
    let changed = match form.changes() {
        Ok(changes) => {
            catalogue::change_article(&state.pool, access.shop.id, article.id, &changes).await
        }
        Err(invalid) => Err(invalid.into()),
    };
    match changed {
        Ok(()) => Ok(
            Redirect::to(&shop_url(access.shop.id, "/articles?fait=article-modifie"))
                .into_response(),
        ),
        Err(refused) => refused_form(&state, &access, Some(&article), &form, refused).await,
    }
}

/// A new category, as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CategoryForm {
    nom: Typed,
    description: Option<Typed>,
}

/// `POST /backoffice/boutiques/<id>/categories`.
pub async fn create_category(
    State(state): State<AppState>,
    access: ShopAccess,
    Form(form): Form<CategoryForm>,
) -> Result<Response, PageError> {
    let created = catalogue::create_category(
        &state.pool,
        access.shop.id,
        form.nom.text(),
        form.description.as_ref().map(Typed::text),
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
