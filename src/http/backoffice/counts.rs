//! Counting the shelves: `/backoffice/boutiques/<id>/comptages`. A manager opens a count,
//! counts article by article (from a phone in the aisle: one article, one number, one
//! button), sees each line beside the stock the server holds, then applies or abandons it.
//! The rule that keeps late offline sales from spoiling a count is in
//! [`crate::stock::counts`]; this page says it in one paragraph.

use super::access::{ShopAccess, path_id};
use super::document::{notice, render_form};
use super::error::{PageError, Refusal};
use super::form::{Form, Typed};
use super::format::{date_time, number};
use super::layout::{Section, page};
use super::paths::shop_url;
use super::session::csrf_field;
use super::stock::article_options;
use crate::catalogue;
use crate::http::AppState;
use crate::stock::counts::{self, CountError, Session};
use crate::stock::{MAX_STOCK, StockError};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use std::collections::HashMap;

/// The rule for late sales, as a shop manager reads it.
const LATE_SALES: &str = "Chaque article compté garde l'heure de son comptage. Une vente faite \
    avant cette heure sur une caisse hors ligne, qui arrive plus tard, était déjà sortie du rayon \
    quand vous avez compté : elle est enregistrée (chiffre d'affaires, journal) sans retirer une \
    seconde fois l'article du stock. Une vente faite après l'heure du comptage retire l'article \
    normalement, même si elle arrive avant que le comptage soit appliqué. Les articles non \
    comptés ne changent pas.";

impl Refusal for CountError {
    fn sentence(self) -> Result<String, PageError> {
        match self {
            CountError::NotFound(_) => Err(PageError::NotFound),
            CountError::Closed { statut, .. } => Ok(match statut.as_str() {
                "APPLIQUE" => "Ce comptage est déjà appliqué.".to_owned(),
                _ => "Ce comptage est abandonné.".to_owned(),
            }),
            CountError::AlreadyOpen(_) => Ok(
                "Un comptage est déjà ouvert dans cette boutique : comptez dans celui-ci.".into(),
            ),
            CountError::Empty => Ok("Aucun article n'a encore été compté.".to_owned()),
            CountError::Superseded(_) => {
                Ok("Un comptage plus récent de cet article a déjà été appliqué.".to_owned())
            }
            CountError::Stock(StockError::ArticleNotFound(_)) => {
                Ok("Article introuvable dans cette boutique.".to_owned())
            }
            CountError::Stock(StockError::Invalid(invalid)) => Ok(invalid.to_string()),
            CountError::Stock(StockError::Database(e)) => Err(e.into()),
            CountError::Stock(_) => Ok("Le stock ne peut pas dépasser la limite.".to_owned()),
        }
    }
}

fn status(statut: &str) -> &'static str {
    match statut {
        "OUVERT" => "En cours",
        "APPLIQUE" => "Appliqué",
        _ => "Abandonné",
    }
}

/// `GET /backoffice/boutiques/<id>/comptages`: the shop's counts, and a way to start one.
pub async fn list(
    State(state): State<AppState>,
    access: ShopAccess,
) -> Result<Response, PageError> {
    let shop = &access.shop;
    let sessions = counts::list(&state.pool, shop.id, counts::MAX_LISTED)
        .await
        .map_err(Refusal::page)?;
    let open = sessions.iter().find(|s| s.statut == "OUVERT");
    let body = html! {
        h1 { "Comptages" }
        p.muted { (LATE_SALES) }
        @if let Some(open) = open {
            p { a.button href=(shop_url(shop.id, &format!("/comptages/{}", open.id))) { "Continuer le comptage en cours" } }
        } @else {
            form.card method="post" action=(shop_url(shop.id, "/comptages")) {
                (csrf_field(&access.session))
                label { "Commentaire" input type="text" name="commentaire" maxlength="500" placeholder="Inventaire de fin de mois"; }
                button type="submit" { "Commencer un comptage" }
            }
        }
        @if sessions.is_empty() {
            p.muted { "Aucun comptage pour l'instant." }
        } @else {
            h2 { "Comptages, du plus récent au plus ancien" }
            div.table-wrap { table {
                thead { tr { th scope="col" { "N°" } th scope="col" { "Ouvert le" } th scope="col" { "Par" } th scope="col" { "État" } th.num scope="col" { "Articles" } th scope="col" { "Clos le" } } }
                tbody {
                    @for s in &sessions {
                        tr {
                            td { a href=(shop_url(shop.id, &format!("/comptages/{}", s.id))) { (s.id) } }
                            td { (date_time(s.date_ouverture, shop.time_zone)) }
                            td { (s.ouvert_par) }
                            td { (status(&s.statut)) }
                            td.num { (number(s.nombre_lignes)) }
                            td { @if let Some(at) = s.date_cloture { (date_time(at, shop.time_zone)) } }
                        }
                    }
                }
            } }
        }
    };
    Ok(super::document::render(page(
        "Comptages",
        &access.frame(Section::Counts),
        body,
    )))
}

/// A count to start.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OpenForm {
    commentaire: Typed,
}

/// `POST /backoffice/boutiques/<id>/comptages`.
pub async fn open(
    State(state): State<AppState>,
    access: ShopAccess,
    Form(form): Form<OpenForm>,
) -> Result<Response, PageError> {
    let comment = form.commentaire.text();
    let id = match counts::open(
        &state.pool,
        access.shop.id,
        &access.signature(),
        Some(comment),
    )
    .await
    {
        Ok(session) => session.id,
        // Someone opened one meanwhile: count in it.
        Err(CountError::AlreadyOpen(id)) if id > 0 => id,
        Err(e) => return Err(e.page()),
    };
    Ok(Redirect::to(&shop_url(access.shop.id, &format!("/comptages/{id}"))).into_response())
}

/// One article counted, as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LineForm {
    article_id: Typed,
    quantite: Typed,
}

impl LineForm {
    fn line(&self) -> Result<(i64, i64), String> {
        let article = self
            .article_id
            .chosen()
            .ok_or("Choisissez l'article compté.")?;
        let counted = self
            .quantite
            .count("quantite")
            .ok()
            .flatten()
            .filter(|q| (0..=MAX_STOCK).contains(q))
            .ok_or("Le nombre compté doit être un entier de 0 à 1 000 000 000.")?;
        Ok((article, counted))
    }
}

/// `GET /backoffice/boutiques/<id>/comptages/<comptage_id>`.
pub async fn show(
    State(state): State<AppState>,
    access: ShopAccess,
    Path(params): Path<HashMap<String, String>>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let id = path_id(&params, "comptage_id")?;
    let done = match query.get("fait").map(String::as_str) {
        Some("ligne") => Some("Article compté."),
        Some("applique") => Some("Comptage appliqué : le stock des articles comptés est à jour."),
        Some("abandonne") => Some("Comptage abandonné : le stock n'a pas changé."),
        _ => None,
    };
    session_page(
        &state,
        &access,
        id,
        &LineForm::default(),
        done.map(|d| ("ok", d)),
    )
    .await
}

/// `POST /backoffice/boutiques/<id>/comptages/<comptage_id>/lignes`.
pub async fn record(
    State(state): State<AppState>,
    access: ShopAccess,
    Path(params): Path<HashMap<String, String>>,
    Form(form): Form<LineForm>,
) -> Result<Response, PageError> {
    let id = path_id(&params, "comptage_id")?;
    let refused = match form.line() {
        Ok(line) => {
            match counts::record(
                &state.pool,
                access.shop.id,
                id,
                &[line],
                &access.signature(),
            )
            .await
            {
                Ok(_) => return Ok(done(&access, id, "ligne")),
                Err(e) => e.sentence()?,
            }
        }
        Err(refused) => refused,
    };
    session_page(&state, &access, id, &form, Some(("error", &refused))).await
}

/// `POST /backoffice/boutiques/<id>/comptages/<comptage_id>/appliquer`.
pub async fn apply(
    State(state): State<AppState>,
    access: ShopAccess,
    Path(params): Path<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let id = path_id(&params, "comptage_id")?;
    match counts::apply(&state.pool, access.shop.id, id, &access.signature()).await {
        Ok(_) => Ok(done(&access, id, "applique")),
        Err(e) => {
            let refused = e.sentence()?;
            session_page(
                &state,
                &access,
                id,
                &LineForm::default(),
                Some(("error", &refused)),
            )
            .await
        }
    }
}

/// `POST /backoffice/boutiques/<id>/comptages/<comptage_id>/abandonner`.
pub async fn abandon(
    State(state): State<AppState>,
    access: ShopAccess,
    Path(params): Path<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let id = path_id(&params, "comptage_id")?;
    counts::abandon(&state.pool, access.shop.id, id, &access.signature())
        .await
        .map_err(Refusal::page)?;
    Ok(done(&access, id, "abandonne"))
}

fn done(access: &ShopAccess, id: i64, what: &str) -> Response {
    Redirect::to(&shop_url(
        access.shop.id,
        &format!("/comptages/{id}?fait={what}"),
    ))
    .into_response()
}

async fn session_page(
    state: &AppState,
    access: &ShopAccess,
    id: i64,
    typed: &LineForm,
    said: Option<(&str, &str)>,
) -> Result<Response, PageError> {
    let shop = &access.shop;
    let session: Session = counts::show(&state.pool, shop.id, id)
        .await
        .map_err(Refusal::page)?;
    let is_open = session.statut == "OUVERT";
    let list = if is_open {
        catalogue::articles(&state.pool, shop.id, None, None).await?
    } else {
        Vec::new()
    };
    let base = format!("/comptages/{id}");
    let body = html! {
        p { a href=(shop_url(shop.id, "/comptages")) { "← Comptages" } }
        h1 { "Comptage n° " (session.id) }
        p {
            (status(&session.statut)) " — ouvert le " (date_time(session.date_ouverture, shop.time_zone))
            " par " (session.ouvert_par)
            @if let (Some(by), Some(at)) = (&session.cloture_par, session.date_cloture) {
                ", clos le " (date_time(at, shop.time_zone)) " par " (by)
            }
        }
        @if let Some(c) = &session.commentaire { p.muted { (c) } }
        @if let Some((kind, text)) = said { (notice(kind, text)) }
        @if is_open {
            form.stacked.card #compter method="post" action=(shop_url(shop.id, &format!("{base}/lignes"))) {
                (csrf_field(&access.session))
                label { "Article" select name="article_id" required { (article_options(&list, &typed.article_id)) } }
                label {
                    "Nombre sur le rayon"
                    span.hint { "L'heure du comptage est celle de l'enregistrement. Recompter un article remplace sa ligne." }
                    input type="number" name="quantite" min="0" max=(MAX_STOCK) value=(typed.quantite) required inputmode="numeric";
                }
                button type="submit" { "Enregistrer" }
            }
        }
        @if session.lignes.is_empty() {
            p.muted { "Aucun article compté." }
        } @else {
            h2 { "Articles comptés" }
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { "Article" } th.num scope="col" { "Compté" } th scope="col" { "À" } th scope="col" { "Par" }
                    @if is_open { th.num scope="col" { "Stock actuel" } } @else { th.num scope="col" { "Stock avant" } th.num scope="col" { "Stock après" } }
                } }
                tbody {
                    @for l in &session.lignes {
                        tr {
                            td { (l.nom) " (" (l.code) ")" }
                            td.num { (number(l.quantite_comptee.into())) }
                            td { (date_time(l.compte_a, shop.time_zone)) }
                            td { (l.compte_par) }
                            @if is_open {
                                td.num { (number(l.stock_actuel.into())) }
                            } @else if let (Some(before), Some(after)) = (l.stock_avant, l.stock_apres) {
                                td.num { (number(before.into())) }
                                td.num { (number(after.into())) }
                            } @else {
                                td colspan="2" { "Recompté depuis : sans effet" }
                            }
                        }
                    }
                }
            } }
        }
        @if is_open {
            p.muted { (LATE_SALES) }
            @if !session.lignes.is_empty() {
                form.inline method="post" action=(shop_url(shop.id, &format!("{base}/appliquer"))) {
                    (csrf_field(&access.session))
                    button type="submit" { "Appliquer le comptage" }
                }
            }
            form.inline method="post" action=(shop_url(shop.id, &format!("{base}/abandonner"))) {
                (csrf_field(&access.session))
                button.secondary type="submit" { "Abandonner" }
            }
        } @else if session.statut == "APPLIQUE" {
            p { a href=(shop_url(shop.id, "/mouvements?type_mouvement=AJUSTEMENT")) { "Voir les ajustements au journal du stock" } }
        }
    };
    let markup = page(
        &format!("Comptage {}", session.id),
        &access.frame(Section::Counts),
        body,
    );
    Ok(render_form(
        said.filter(|(k, _)| *k == "error").map(|(_, t)| t),
        markup,
    ))
}
