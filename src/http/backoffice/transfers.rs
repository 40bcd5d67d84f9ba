//! Transfers between the merchant's shops: `/backoffice/boutiques/<id>/transferts` lists what
//! the shop sent and receives (status, units missing), sends goods to another shop of the
//! same merchant, and receives (with the units actually counted per line) or refuses what
//! is in transit to it. The rules are in [`transfers`].

use super::access::{ShopAccess, path_id};
use super::document::{notice, render_form};
use super::error::PageError;
use super::form::{Form, Typed};
use super::format::{date_time, number};
use super::layout::{Section, page};
use super::paths::shop_url;
use super::session::csrf_field;
use crate::catalogue;
use crate::http::AppState;
use crate::stock::transfers::{self, NewTransfer, Transfer, TransferError};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;

/// Rows of the send form.
const SEND_ROWS: usize = 5;

/// A transfer to send, as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SendForm {
    boutique_destination_id: Typed,
    commentaire: Typed,
    article_id: Vec<Typed>,
    quantite: Vec<Typed>,
}

/// What was received, as typed: one quantity per line of the transfer.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReceiveForm {
    ligne_id: Vec<Typed>,
    quantite_recue: Vec<Typed>,
}

fn sentence(error: TransferError) -> Result<String, PageError> {
    Ok(match error {
        TransferError::NotFound => return Err(PageError::NotFound),
        TransferError::DestinationNotFound => {
            "Choisissez une autre boutique active du même commerçant.".to_owned()
        }
        TransferError::ArticleNotFound(_) => "Article introuvable dans cette boutique.".to_owned(),
        TransferError::InsufficientStock { article_id, asked } => format!(
            "Stock insuffisant pour envoyer {asked} unité(s) de l'article n° {article_id} : rien n'a été envoyé."
        ),
        TransferError::Closed(id) => format!("Le transfert n° {id} n'a plus rien en transit."),
        TransferError::Invalid(invalid) => invalid.to_string(),
        TransferError::Database(e) => return Err(e.into()),
    })
}

/// `GET /backoffice/boutiques/<id>/transferts`.
pub async fn list(
    State(state): State<AppState>,
    access: ShopAccess,
) -> Result<Response, PageError> {
    transfers_page(&state, &access, &SendForm::default(), None).await
}

/// `POST /backoffice/boutiques/<id>/transferts`: sends, all or nothing.
pub async fn send(
    State(state): State<AppState>,
    access: ShopAccess,
    Form(typed): Form<SendForm>,
) -> Result<Response, PageError> {
    let mut lines = Vec::new();
    let mut refused = None;
    for (i, (article, quantity)) in typed.article_id.iter().zip(&typed.quantite).enumerate() {
        if article.given().is_none() && quantity.given().is_none() {
            continue;
        }
        match (article.chosen(), quantity.count("quantite").ok().flatten()) {
            (Some(a), Some(q)) if q > 0 => lines.push((a, q)),
            _ => {
                refused = Some(format!(
                    "Ligne {} : choisissez l'article et une quantité entière positive.",
                    i + 1
                ));
                break;
            }
        }
    }
    let destination = typed.boutique_destination_id.chosen();
    let refused = match (refused, destination) {
        (Some(r), _) => r,
        (None, None) => "Choisissez la boutique destinataire.".to_owned(),
        (None, Some(_)) if lines.is_empty() => {
            "Indiquez au moins un article et sa quantité.".to_owned()
        }
        (None, Some(destination)) => {
            let new = NewTransfer {
                boutique_destination_id: destination,
                lines,
                commentaire: Some(typed.commentaire.text().to_owned()),
                utilisateur: access.signature(),
            };
            match transfers::send(&state.pool, access.shop.id, &new).await {
                Ok(_) => {
                    return Ok(
                        Redirect::to(&shop_url(access.shop.id, "/transferts")).into_response()
                    );
                }
                Err(error) => sentence(error)?,
            }
        }
    };
    transfers_page(&state, &access, &typed, Some(&refused)).await
}

/// `POST /backoffice/boutiques/<id>/transferts/<transfert_id>/recevoir`.
pub async fn receive(
    State(state): State<AppState>,
    access: ShopAccess,
    Path(params): Path<HashMap<String, String>>,
    Form(typed): Form<ReceiveForm>,
) -> Result<Response, PageError> {
    let id = path_id(&params, "transfert_id")?;
    let mut lines = Vec::new();
    let mut refused = None;
    for (line, quantity) in typed.ligne_id.iter().zip(&typed.quantite_recue) {
        match (
            line.chosen(),
            quantity.count("quantite_recue").ok().flatten(),
        ) {
            (Some(l), Some(q)) if q >= 0 => lines.push((l, q)),
            _ => {
                refused =
                    Some("Indiquez pour chaque ligne la quantité reçue (0 ou plus).".to_owned());
                break;
            }
        }
    }
    let refused = match refused {
        Some(r) => r,
        None => {
            match transfers::receive(&state.pool, access.shop.id, id, &lines, &access.signature())
                .await
            {
                Ok(_) => {
                    return Ok(
                        Redirect::to(&shop_url(access.shop.id, "/transferts")).into_response()
                    );
                }
                Err(error) => sentence(error)?,
            }
        }
    };
    transfers_page(&state, &access, &SendForm::default(), Some(&refused)).await
}

/// `POST /backoffice/boutiques/<id>/transferts/<transfert_id>/refuser`.
pub async fn refuse(
    State(state): State<AppState>,
    access: ShopAccess,
    Path(params): Path<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let id = path_id(&params, "transfert_id")?;
    match transfers::refuse(&state.pool, access.shop.id, id, &access.signature()).await {
        Ok(_) => Ok(Redirect::to(&shop_url(access.shop.id, "/transferts")).into_response()),
        Err(error) => {
            let refused = sentence(error)?;
            transfers_page(&state, &access, &SendForm::default(), Some(&refused)).await
        }
    }
}

fn status(statut: &str) -> &'static str {
    match statut {
        "EN_TRANSIT" => "En transit",
        "RECU" => "Reçu",
        "RECU_AVEC_ECART" => "Reçu avec écart",
        "REFUSE" => "Refusé",
        "RECUE" => "Reçue",
        "REFUSEE" => "Refusée",
        _ => "—",
    }
}

fn transfer_card(access: &ShopAccess, t: &Transfer) -> Markup {
    let shop = &access.shop;
    let incoming = t.boutique_destination_id == shop.id;
    let open = incoming && t.statut == "EN_TRANSIT";
    html! {
        section.card {
            h3 {
                "Transfert n° " (t.id) " — "
                @if incoming { "reçu de " (t.boutique_source_nom) @if t.source_est_depot { " (dépôt)" } }
                @else { "envoyé à " (t.boutique_destination_nom) @if t.destination_est_depot { " (dépôt)" } }
                " — " strong { (status(&t.statut)) }
            }
            p.muted {
                "Envoyé le " (date_time(t.date_envoi, shop.time_zone)) " par " (t.envoye_par)
                @if !t.commentaire.is_empty() { " — " (t.commentaire) }
                @if t.manquants() > 0 { " — " strong { (number(t.manquants().into())) " unité(s) manquante(s)" } }
            }
            @if open {
                form method="post" action=(shop_url(shop.id, &format!("/transferts/{}/recevoir", t.id))) {
                    (csrf_field(&access.session))
                    (lines_table(t, true))
                    button type="submit" { "Enregistrer la réception" }
                }
                form method="post" action=(shop_url(shop.id, &format!("/transferts/{}/refuser", t.id))) {
                    (csrf_field(&access.session))
                    button.secondary type="submit" { "Refuser : renvoyer le stock à l'expéditeur" }
                }
            } @else {
                (lines_table(t, false))
            }
        }
    }
}

fn lines_table(t: &Transfer, editable: bool) -> Markup {
    html! {
        div.table-wrap { table {
            thead { tr {
                th { "Article" } th.num { "Envoyé" } th.num { "Reçu" } th.num { "Manquant" } th { "État" }
            } }
            tbody {
                @for l in &t.lignes {
                    tr {
                        td { (l.nom) " (" (l.code) ")" }
                        td.num { (number(l.quantite_envoyee.into())) }
                        td.num {
                            @if editable && l.statut == "EN_TRANSIT" {
                                input type="hidden" name="ligne_id" value=(l.id);
                                input type="number" name="quantite_recue" min="0" max=(l.quantite_envoyee)
                                      value=(l.quantite_envoyee) inputmode="numeric"
                                      aria-label={ "Quantité reçue, " (l.nom) };
                            } @else if let Some(r) = l.quantite_recue { (number(r.into())) } @else { "—" }
                        }
                        td.num { @if let Some(m) = l.quantite_manquante { (number(m.into())) } @else { "—" } }
                        td {
                            (status(&l.statut))
                            @if let Some(d) = l.quantite_declaree { " (la caisse a compté " (d) ")" }
                            @if let Some(who) = &l.traite_par { " — " (who) }
                        }
                    }
                }
            }
        } }
    }
}

async fn transfers_page(
    state: &AppState,
    access: &ShopAccess,
    typed: &SendForm,
    refused: Option<&str>,
) -> Result<Response, PageError> {
    let shop = &access.shop;
    let all = transfers::list(&state.pool, shop.id).await?;
    let destinations = transfers::destinations(&state.pool, shop.id).await?;
    let articles = catalogue::articles(&state.pool, shop.id, None, None).await?;
    let chosen = typed.boutique_destination_id.chosen();
    let rows = typed.article_id.len().max(SEND_ROWS);
    let (incoming, outgoing): (Vec<&Transfer>, Vec<&Transfer>) = all
        .iter()
        .partition(|t| t.boutique_destination_id == shop.id);
    let body = html! {
        h1 { "Transferts" }
        p.muted { "Les unités envoyées quittent le stock de cette boutique aussitôt ; elles entrent \
                   dans celui de la destinataire quand elle les reçoit (une caisse ou un gérant), \
                   avec la quantité réellement reçue : l'écart reste inscrit sur le transfert. \
                   Un transfert refusé revient au stock de l'expéditeur." }
        @if let Some(refused) = refused { (notice("error", refused)) }
        h2 { "Reçus" }
        @if incoming.is_empty() { p.muted { "Aucun transfert reçu." } }
        @for t in &incoming { (transfer_card(access, t)) }
        h2 { "Envoyés" }
        @if outgoing.is_empty() { p.muted { "Aucun transfert envoyé." } }
        @for t in &outgoing { (transfer_card(access, t)) }
        h2 { "Envoyer un transfert" }
        @if destinations.is_empty() {
            p.muted { "Le commerçant n'a pas d'autre boutique active." }
        } @else {
            form.stacked.card method="post" action=(shop_url(shop.id, "/transferts")) {
                (csrf_field(&access.session))
                label {
                    "Boutique destinataire"
                    select name="boutique_destination_id" required {
                        option value="" { "— Boutique —" }
                        @for (id, nom, depot) in &destinations {
                            option value=(id) selected[chosen == Some(*id)] { (nom) @if *depot { " (dépôt)" } }
                        }
                    }
                }
                div.table-wrap { table {
                    thead { tr { th { "Article" } th.num { "Quantité" } } }
                    tbody {
                        @for i in 0..rows {
                            @let picked = typed.article_id.get(i).and_then(Typed::chosen);
                            tr {
                                td { select name="article_id" aria-label={ "Article, ligne " (i + 1) } {
                                    option value="" { "— Article —" }
                                    @for a in articles.iter().filter(|a| a.est_actif) {
                                        option value=(a.id) selected[picked == Some(a.id)] {
                                            (a.nom) " (" (a.code) ") — stock " (number(a.quantite_stock.into()))
                                        }
                                    }
                                } }
                                td.num { input type="number" name="quantite" min="1" inputmode="numeric"
                                               value=(typed.quantite.get(i).map(Typed::text).unwrap_or(""))
                                               aria-label={ "Quantité, ligne " (i + 1) }; }
                            }
                        }
                    }
                } }
                label { "Commentaire" input type="text" name="commentaire" value=(typed.commentaire) maxlength="500"; }
                button type="submit" { "Envoyer" }
            }
        }
    };
    let markup = page("Transferts", &access.frame(Section::Transfers), body);
    Ok(render_form(refused, markup))
}
