//! The dashboards: the merchant's (every boutique at a glance, `GET /backoffice/`) and a
//! boutique's (`GET /backoffice/boutiques/<id>`): today's and this month's sales in the
//! shop's time zone, stock alerts, refused sales waiting for review, and tills not seen
//! for too long (the sales they hold offline are at risk); a boutique's also draws its
//! last 30 days ([`super::trends`]).

use super::access::{ShopAccess, path_id};
use super::document::{notice, render};
use super::error::{PageError, Refusal};
use super::form::{CommentForm, Form};
use super::format::{ago, date_time, number, revenue};
use super::layout::{Frame, Section, page};
use super::paths::shop_url;
use super::session::{Session, csrf_field};
use super::settings::Settings;
use super::terminals::tills;
use crate::boutiques::{self, Attention, Shop};
use crate::http::AppState;
use crate::review::{self, RejectionFilter};
use crate::sales::history::{Revenue, totals_between};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use sqlx::PgPool;
use std::collections::HashMap;

/// Refused sales of the last days are the ones a manager still has to look at.
pub const REVIEW_DAYS: i64 = 7;

/// A boutique at a glance.
pub struct Summary {
    pub today: Revenue,
    pub month: Revenue,
    pub attention: Attention,
}

pub async fn summary(
    pool: &PgPool,
    shop: &Shop,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<Summary, sqlx::Error> {
    let (today, month) = shop.today_and_month(now);
    Ok(Summary {
        today: totals_between(pool, shop.id, today.start, today.end).await?,
        month: totals_between(pool, shop.id, month.start, month.end).await?,
        attention: boutiques::attention(
            pool,
            shop,
            now - chrono::Duration::days(REVIEW_DAYS),
            now - settings.terminal_silence,
        )
        .await?,
    })
}

/// The stock badges of a boutique: negative, out of stock, low.
fn stock_badges(s: &Summary) -> Markup {
    html! {
        @if s.attention.negative > 0 { span.badge.bad { (s.attention.negative) " négatif" } " " }
        @if s.attention.zero > 0 { span.badge.bad { (s.attention.zero) " en rupture" } " " }
        @if s.attention.low > 0 { span.badge.warn { (s.attention.low) " bas" } " " }
        @if s.attention.open_alerts > 0 { span.badge.bad { (s.attention.open_alerts) " vendu sans stock" } " " }
        @if s.attention.negative + s.attention.zero + s.attention.low + s.attention.open_alerts == 0 { span.badge.good { "OK" } }
    }
}

/// `GET /backoffice/`: every boutique of the merchant (all of them for a superuser).
pub async fn merchant(
    State(state): State<AppState>,
    session: Session,
) -> Result<Response, PageError> {
    let shops = boutiques::visible(&state.pool, session.user.viewer()).await?;
    let now = Utc::now();
    let mut rows = Vec::with_capacity(shops.len());
    // Revenue adds up per currency only.
    let mut totals = [Revenue::default(); 2];
    for row in &shops {
        let s = summary(&state.pool, &row.shop, &state.backoffice, now).await?;
        for (total, part) in totals.iter_mut().zip([s.today, s.month]) {
            total.count += part.count;
            total.cdf = total.cdf.checked_add(part.cdf).unwrap_or(total.cdf);
            total.usd = total.usd.checked_add(part.usd).unwrap_or(total.usd);
        }
        rows.push((row, s));
    }
    let [today, month] = totals;
    let user = &session.user;
    let title = match (&user.commercant_nom, user.superuser) {
        (_, true) => "Toutes les boutiques".to_owned(),
        (Some(name), false) => name.clone(),
        (None, false) => "Mes boutiques".to_owned(),
    };
    let frame = Frame {
        session: &session,
        shops: &shops,
        shop: None,
    };
    let body = html! {
        h1 { (title) }
        @if shops.is_empty() {
            (notice("warn", "Aucune boutique n'est encore rattachée à votre commerce. \
                             Demandez à l'administrateur de vous en attribuer une."))
        } @else {
            div.tiles {
                div.tile {
                    div.label { "Aujourd'hui" }
                    div.value { (revenue(&today, "CDF")) }
                    div.sub { (number(today.count)) " vente(s)" }
                }
                div.tile {
                    div.label { "Ce mois-ci" }
                    div.value { (revenue(&month, "CDF")) }
                    div.sub { (number(month.count)) " vente(s)" }
                }
            }
            h2 { "Boutiques" }
            div.table-wrap {
                table {
                    thead { tr {
                        th { "Boutique" }
                        th.num { "Aujourd'hui" }
                        th.num { "Ce mois-ci" }
                        th { "Stock" }
                        th.num { "Ventes refusées" }
                        th.num { "Terminaux silencieux" }
                    } }
                    tbody {
                        @for (row, s) in &rows {
                            tr {
                                td {
                                    a href=(shop_url(row.shop.id, "")) { (row.shop.nom) }
                                    " " span.muted { (row.shop.code) }
                                    @if !row.est_active { " " span.badge.muted { "inactive" } }
                                    @if user.superuser {
                                        br; span.muted { (row.commercant_nom.as_deref().unwrap_or("sans commerçant")) }
                                    }
                                }
                                td.num { (revenue(&s.today, &row.shop.devise)) br; span.muted { (s.today.count) " vente(s)" } }
                                td.num { (revenue(&s.month, &row.shop.devise)) br; span.muted { (s.month.count) " vente(s)" } }
                                td { (stock_badges(s)) }
                                td.num {
                                    @if s.attention.refused > 0 {
                                        a href=(shop_url(row.shop.id, "/ventes-rejetees")) { span.badge.bad { (s.attention.refused) } }
                                    } @else { "0" }
                                }
                                td.num {
                                    @if s.attention.silent_tills > 0 {
                                        a href=(shop_url(row.shop.id, "/terminaux")) { span.badge.warn { (s.attention.silent_tills) } }
                                    } @else { "0" }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(render(page(&title, &frame, body)))
}

/// `GET /backoffice/boutiques/<id>`.
pub async fn shop(
    State(state): State<AppState>,
    access: ShopAccess,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let shop = &access.shop;
    let pool = &state.pool;
    let now = Utc::now();
    let s = summary(pool, shop, &state.backoffice, now).await?;
    let low_stock = crate::catalogue::low_stock(pool, shop.id, shop.alerte_stock_bas, 100).await?;
    let (alerts, _) = review::stock_alerts(pool, Some(shop.id), None, Some(false), 50, 0).await?;
    let (refused, _) = review::rejections(
        pool,
        &RejectionFilter {
            boutique_id: Some(shop.id),
            resolue: Some(false),
            since: Some(now - chrono::Duration::days(REVIEW_DAYS)),
            ..RejectionFilter::default()
        },
        10,
        0,
    )
    .await?;
    let silence = state.backoffice.terminal_silence;
    let all_tills = tills(pool, shop.id).await?;
    let keyless: Vec<&crate::terminals::Till> = all_tills
        .iter()
        .filter(|t| t.est_actif && !t.cle_requise)
        .collect();
    let silent: Vec<&crate::terminals::Till> = all_tills
        .iter()
        .filter(|t| t.est_actif && t.is_silent(now, silence))
        .collect();
    let zone = shop.time_zone;
    let charts = super::trends::charts(pool, shop, now).await?;
    let body = html! {
        h1 { "Tableau de bord" }
        @if query.get("fait").is_some_and(|d| d == "alerte-fermee") {
            (notice("ok", "Alerte fermée."))
        }
        div.tiles {
            div.tile {
                div.label { "Aujourd'hui" }
                div.value { (revenue(&s.today, &shop.devise)) }
                div.sub { (number(s.today.count)) " vente(s)" }
            }
            div.tile {
                div.label { "Ce mois-ci" }
                div.value { (revenue(&s.month, &shop.devise)) }
                div.sub { (number(s.month.count)) " vente(s)" }
            }
            div.tile {
                div.label { "Stock" }
                div.value { (stock_badges(&s)) }
                div.sub { "seuil d'alerte : " (shop.alerte_stock_bas) }
            }
            div.tile {
                div.label { "Ventes refusées à revoir" }
                div.value { (s.attention.refused) }
                div.sub { (REVIEW_DAYS) " derniers jours" }
            }
            div.tile {
                div.label { "Terminaux silencieux" }
                div.value { (s.attention.silent_tills) }
                div.sub { "plus de " (silence.num_hours()) " h sans nouvelles" }
            }
        }

        h2 { "Stock à surveiller" }
        @if low_stock.is_empty() {
            p.muted { "Aucun article sous le seuil d'alerte." }
        } @else {
            div.table-wrap { table {
                thead { tr { th { "Article" } th.num { "Stock" } th { "État" } th { "" } } }
                tbody {
                    @for a in &low_stock {
                        tr {
                            td { (a.nom) " " span.muted { (a.code) } }
                            td.num { (number(a.quantite_stock.into())) }
                            td {
                                @if a.quantite_stock < 0 { span.badge.bad { "Négatif" } }
                                @else if a.quantite_stock == 0 { span.badge.bad { "Rupture" } }
                                @else { span.badge.warn { "Bas" } }
                            }
                            td {
                                a href=(shop_url(shop.id, &format!("/entrees?article_id={}", a.id))) { "Recevoir" }
                                " · "
                                a href=(shop_url(shop.id, &format!("/ajustements?article_id={}", a.id))) { "Ajuster" }
                            }
                        }
                    }
                }
            } }
        }

        @if !alerts.is_empty() {
            h2 { "Ventes enregistrées sans stock" }
            p.muted { "Ces ventes ont fait passer le stock sous zéro (livraison non saisie ?). \
                       Vérifiez le stock, puis fermez l'alerte." }
            div.table-wrap { table {
                thead { tr { th { "Date" } th { "Article" } th { "Vente" } th.num { "Manque" } th.num { "Stock" } th { "" } } }
                tbody {
                    @for x in &alerts {
                        tr {
                            td { (date_time(x.date_alerte, zone)) }
                            td { (x.nom) " " span.muted { (x.code) } }
                            td { (x.numero_facture) }
                            td.num { (x.manque) }
                            td.num { (x.stock_avant) " → " (x.stock_apres) }
                            td {
                                form.inline method="post" action=(shop_url(shop.id, &format!("/alertes-stock/{}/fermer", x.id))) {
                                    (csrf_field(&access.session))
                                    input type="text" name="commentaire" placeholder="Commentaire" aria-label="Commentaire";
                                    " "
                                    button.secondary type="submit" { "Fermer" }
                                }
                            }
                        }
                    }
                }
            } }
        }

        h2 { "Ventes refusées à revoir" }
        @if refused.is_empty() {
            p.muted { "Aucune vente refusée en attente ces " (REVIEW_DAYS) " derniers jours." }
        } @else {
            div.table-wrap { table {
                thead { tr { th { "Date" } th { "Terminal" } th { "Facture" } th { "Motif" } } }
                tbody {
                    @for r in &refused {
                        tr {
                            td { (date_time(r.date_rejet, zone)) }
                            td { (r.nom_terminal) }
                            td { (r.numero_facture.as_deref().unwrap_or("—")) }
                            td { span.badge.bad { (r.code) } " " (r.message) }
                        }
                    }
                }
            } }
            p { a href=(shop_url(shop.id, "/ventes-rejetees")) { "Voir et résoudre les ventes refusées" } }
        }

        @if !keyless.is_empty() {
            h2 { "Terminaux identifiés par leur seul numéro de série" }
            p.muted { "Quiconque connaît leur numéro de série peut lire les ventes de la boutique et \
                       enregistrer des ventes en leur nom. Donnez-leur une clé dès que leur \
                       application sait l'envoyer." }
            ul {
                @for t in &keyless {
                    li {
                        span.badge.warn { "risque" } " "
                        strong { (t.nom_terminal) } " (" (t.numero_serie) ") : "
                        @match t.derniere_sans_cle {
                            Some(at) => { "entré sans clé " (ago(at, now)) ", le " (date_time(at, zone)) }
                            None => { "jamais entré sans clé" }
                        }
                    }
                }
            }
            p { a href=(shop_url(shop.id, "/terminaux")) { "Gérer les terminaux" } }
        }

        h2 { "Terminaux silencieux" }
        @if silent.is_empty() {
            p.muted { "Tous les terminaux actifs ont donné des nouvelles ces " (silence.num_hours()) " dernières heures." }
        } @else {
            p.muted { "Ces terminaux n'ont rien envoyé depuis plus de " (silence.num_hours())
                      " h : les ventes qu'ils gardent hors ligne sont en danger." }
            ul {
                @for t in &silent {
                    li {
                        strong { (t.nom_terminal) } " (" (t.numero_serie) ") : "
                        @match t.derniere_activite {
                            Some(at) => { "vu " (ago(at, now)) ", le " (date_time(at, zone)) }
                            None => { "jamais connecté" }
                        }
                    }
                }
            }
        }
        // The pictures come after what asks for action.
        (charts)
    };
    Ok(render(page(
        &format!("{} — tableau de bord", shop.nom),
        &access.frame(Section::Dashboard),
        body,
    )))
}

/// `POST /backoffice/boutiques/<id>/alertes-stock/<alerte_id>/fermer`.
pub async fn close_alert(
    State(state): State<AppState>,
    access: ShopAccess,
    Path(params): Path<HashMap<String, String>>,
    Form(form): Form<CommentForm>,
) -> Result<Response, PageError> {
    let id = path_id(&params, "alerte_id")?;
    let comment = form
        .commentaire
        .given()
        .map(|c| c.chars().take(2000).collect::<String>());
    review::close_alert(
        &state.pool,
        access.shop.id,
        id,
        &access.signature(),
        comment.as_deref(),
    )
    .await
    .map_err(Refusal::page)?;
    Ok(Redirect::to(&shop_url(access.shop.id, "?fait=alerte-fermee")).into_response())
}
