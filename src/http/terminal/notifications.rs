//! `notifications/…`: a till's stock notifications (API-D1.md §3.9) — deliveries, removals,
//! counts and new prices of its shop's articles, made by the database with each change. A
//! till reads and marks only its own; another's id is a `404 NOTIFICATION_NOT_FOUND`, the
//! same as one that does not exist. Also served under `/api/v2/notifications/…`, where the
//! 2026 app's sample code calls them.

use super::gate::Terminal;
use crate::boutiques::Shop;
use crate::code::Code;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Params;
use crate::money::Money;
use crate::notifications::{self, Detail, Filter, Notification};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{MethodRouter, get, post};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::Value;

/// The routes, under the tills' API and again under `/api/v2`.
pub fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/notifications", get(list)),
        ("/notifications/unread", get(unread)),
        ("/notifications/count_unread", get(count_unread)),
        ("/notifications/recent", get(recent)),
        ("/notifications/mark_all_as_read", post(mark_all_as_read)),
        ("/notifications/{id}", get(detail)),
        ("/notifications/{id}/mark_as_read", post(mark_as_read)),
    ]
}

/// Listings show at most this many, newest first (`?limit=` up to it).
const MAX_LISTED: i64 = 200;
const DEFAULT_LISTED: i64 = 50;

fn not_found() -> ApiError {
    let message = "Notification introuvable";
    ApiError::new(StatusCode::NOT_FOUND, Code::NotificationNotFound, message)
        .with("detail", message)
}

/// `dd/mm/yyyy à HH:MM`, in the shop's time.
fn formatted(at: DateTime<Utc>, shop: &Shop) -> String {
    at.with_timezone(&shop.time_zone)
        .format("%d/%m/%Y à %H:%M")
        .to_string()
}

/// A notification in a listing.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NotificationView {
    #[schema(example = 12)]
    id: i64,
    /// The till's name.
    #[schema(example = "Terminal MAUI")]
    client_nom: String,
    #[schema(example = "Ma Boutique")]
    boutique_nom: String,
    /// `STOCK_AJOUT`, `STOCK_RETRAIT`, `STOCK_AJUSTEMENT` or `AJUSTEMENT_PRIX`.
    #[schema(example = "STOCK_AJOUT")]
    type_notification: String,
    #[schema(example = "Ajout de stock")]
    type_notification_display: &'static str,
    #[schema(example = "Ajout de stock : Chargeur USB-C 25 W")]
    titre: String,
    #[schema(example = "10 unité(s) de Chargeur USB-C 25 W ajoutée(s) (stock 90 → 100)")]
    message: String,
    article_nom: Option<String>,
    article_code: Option<String>,
    /// Signed, as the movement's; 0 for a price.
    #[schema(example = 10)]
    quantite_mouvement: i32,
    #[schema(example = 90)]
    stock_avant: i32,
    #[schema(example = 100)]
    stock_actuel: i32,
    /// Units added (0 for a removal or a price).
    #[schema(example = 10)]
    quantite_ajoutee: i32,
    lue: bool,
    #[schema(schema_with = crate::http::openapi::schemas::nullable_timestamp)]
    date_lecture: Option<String>,
    date_lecture_formatee: Option<String>,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    date_creation: String,
    #[schema(example = "25/11/2026 à 14:05")]
    date_creation_formatee: String,
    /// The article as it was (`article_id`, `article_code`, `article_nom`, `devise`,
    /// `categorie`), then for a movement `prix_vente`, `prix_ancien: null`, `type_mouvement`,
    /// `reference_document`, `utilisateur`, `stock_avant`, `stock_apres`; for a price
    /// `prix_ancien`, `prix_nouveau`, `variation`, `pourcentage_variation`, `stock_actuel`.
    #[schema(value_type = Object)]
    donnees_supplementaires: Value,
}

impl NotificationView {
    fn new(n: Notification, terminal: &Terminal) -> Self {
        let shop = &terminal.boutique;
        let (article_nom, article_code) = n.article();
        NotificationView {
            id: n.id,
            client_nom: terminal.nom_terminal.clone(),
            boutique_nom: shop.nom.clone(),
            type_notification_display: n.display(),
            titre: n.titre(),
            message: n.message(),
            article_nom: article_nom.map(str::to_owned),
            article_code: article_code.map(str::to_owned),
            quantite_mouvement: n.quantite_mouvement,
            stock_avant: n.stock_avant,
            stock_actuel: n.stock_actuel,
            quantite_ajoutee: n.quantite_mouvement.max(0),
            lue: n.lue,
            date_lecture: n.date_lecture.map(|d| shop.timestamp(d)),
            date_lecture_formatee: n.date_lecture.map(|d| formatted(d, shop)),
            date_creation: shop.timestamp(n.date_creation),
            date_creation_formatee: formatted(n.date_creation, shop),
            type_notification: n.type_notification,
            donnees_supplementaires: n.donnees,
        }
    }
}

/// One notification, whole.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NotificationDetail {
    #[schema(example = 12)]
    id: i64,
    #[schema(example = "STOCK_AJOUT")]
    type_notification: String,
    #[schema(example = "Ajout de stock")]
    type_notification_display: &'static str,
    titre: String,
    message: String,
    quantite_mouvement: i32,
    stock_avant: i32,
    stock_actuel: i32,
    quantite_ajoutee: i32,
    lue: bool,
    #[schema(schema_with = crate::http::openapi::schemas::nullable_timestamp)]
    date_lecture: Option<String>,
    date_lecture_formatee: Option<String>,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    date_creation: String,
    date_creation_formatee: String,
    #[schema(value_type = Object)]
    donnees_supplementaires: Value,
    client_info: ClientInfo,
    boutique_info: BoutiqueInfo,
    /// The article as it is now.
    article_info: Option<ArticleInfo>,
    /// The movement it was made from (none for a price).
    mouvement_info: Option<MovementInfo>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ClientInfo {
    id: i64,
    nom_terminal: String,
    numero_serie: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BoutiqueInfo {
    id: i64,
    nom: String,
    code_boutique: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ArticleInfo {
    id: i64,
    code: String,
    nom: String,
    description: String,
    prix_vente: Money,
    #[schema(example = "CDF")]
    devise: String,
    quantite_stock: i32,
    categorie: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MovementInfo {
    id: i64,
    #[schema(example = "ENTREE")]
    type_mouvement: String,
    quantite: i32,
    stock_avant: i32,
    stock_apres: i32,
    #[schema(schema_with = crate::http::openapi::schemas::timestamp)]
    date_mouvement: String,
    date_mouvement_formatee: String,
    commentaire: Option<String>,
    reference_document: Option<String>,
    utilisateur: Option<String>,
}

impl NotificationDetail {
    fn new(d: Detail, terminal: &Terminal) -> Self {
        let shop = &terminal.boutique;
        let n = d.notification;
        NotificationDetail {
            id: n.id,
            type_notification_display: n.display(),
            titre: n.titre(),
            message: n.message(),
            quantite_mouvement: n.quantite_mouvement,
            stock_avant: n.stock_avant,
            stock_actuel: n.stock_actuel,
            quantite_ajoutee: n.quantite_mouvement.max(0),
            lue: n.lue,
            date_lecture: n.date_lecture.map(|t| shop.timestamp(t)),
            date_lecture_formatee: n.date_lecture.map(|t| formatted(t, shop)),
            date_creation: shop.timestamp(n.date_creation),
            date_creation_formatee: formatted(n.date_creation, shop),
            type_notification: n.type_notification,
            donnees_supplementaires: n.donnees,
            client_info: ClientInfo {
                id: terminal.id,
                nom_terminal: terminal.nom_terminal.clone(),
                numero_serie: terminal.numero_serie.clone(),
            },
            boutique_info: BoutiqueInfo {
                id: shop.id,
                nom: shop.nom.clone(),
                code_boutique: shop.code.clone(),
            },
            article_info: d.article.map(|a| ArticleInfo {
                id: a.id,
                code: a.code,
                nom: a.nom,
                description: a.description,
                prix_vente: Money::new(a.prix_vente),
                devise: a.devise,
                quantite_stock: a.quantite_stock,
                categorie: a.categorie,
            }),
            mouvement_info: d.mouvement.map(|m| MovementInfo {
                id: m.id,
                type_mouvement: m.type_mouvement,
                quantite: m.quantite,
                stock_avant: m.stock_avant,
                stock_apres: m.stock_apres,
                date_mouvement: shop.timestamp(m.date_mouvement),
                date_mouvement_formatee: formatted(m.date_mouvement, shop),
                commentaire: m.commentaire,
                reference_document: m.reference_document,
                utilisateur: m.utilisateur,
            }),
        }
    }
}

/// A till's notifications, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NotificationsResponse {
    /// How many match (the list shows at most `limit` of them).
    #[schema(example = 1)]
    count: i64,
    /// The till's unread ones, in all.
    #[schema(example = 1)]
    non_lues: i64,
    results: Vec<NotificationView>,
}

/// A till's unread notifications, newest first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UnreadResponse {
    #[schema(example = 1)]
    count: i64,
    results: Vec<NotificationView>,
}

/// Exactly `{"count": n}`: the app reads it as a map of numbers.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CountResponse {
    #[schema(example = 3)]
    count: i64,
}

/// What marking read did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MarkedResponse {
    /// `success`, or `already_read`.
    #[schema(example = "success")]
    status: &'static str,
    #[schema(example = "Notification marquée comme lue")]
    message: &'static str,
    /// The notification, when it was unread.
    #[serde(skip_serializing_if = "Option::is_none")]
    notification: Option<NotificationDetail>,
}

/// What marking all read did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MarkedAllResponse {
    /// `success`, or `no_unread`.
    #[schema(example = "success")]
    status: &'static str,
    #[schema(example = "3 notification(s) marquée(s) comme lue(s)")]
    message: String,
    /// How many were marked (0 when none were unread).
    #[schema(example = 3)]
    count: u64,
}

async fn listing(
    state: &AppState,
    terminal: &Terminal,
    params: &Params,
    filter: Filter,
) -> Result<(i64, i64, Vec<NotificationView>), ApiError> {
    let limit = params.limit(DEFAULT_LISTED, MAX_LISTED)?;
    let listed = notifications::list(
        &state.pool,
        terminal.boutique.id,
        terminal.id,
        filter,
        limit,
    )
    .await?;
    let results = listed
        .notifications
        .into_iter()
        .map(|n| NotificationView::new(n, terminal))
        .collect();
    Ok((listed.total, listed.non_lues, results))
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/notifications/",
    operation_id = "notifications",
    tag = "Terminal",
    summary = "The till's stock notifications",
    description = "Newest first: deliveries (`STOCK_AJOUT`), removals (`STOCK_RETRAIT`), counts \
        that changed the stock (`STOCK_AJUSTEMENT`), new selling prices (`AJUSTEMENT_PRIX`) of \
        the shop's articles; sales make none. Also at `/api/v2/notifications/`.",
    params(
        ("lue" = Option<bool>, Query, description = "Only read (`true`) or unread (`false`) ones"),
        ("limit" = Option<i64>, Query, description = "At most this many (default 50, at most 200)", minimum = 1),
    ),
    responses(
        (status = 200, description = "The notifications", body = NotificationsResponse),
        crate::http::openapi::refusals::Listing,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    terminal: Terminal,
    params: Params,
) -> Result<Json<NotificationsResponse>, ApiError> {
    let filter = Filter {
        lue: params.flag("lue")?,
        depuis: None,
    };
    let (count, non_lues, results) = listing(&state, &terminal, &params, filter).await?;
    Ok(Json(NotificationsResponse {
        count,
        non_lues,
        results,
    }))
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/notifications/recent/",
    operation_id = "notifications_recent",
    tag = "Terminal",
    summary = "The till's notifications of the last 24 hours",
    description = "As `notifications/`, made in the last 24 hours.",
    params(
        ("limit" = Option<i64>, Query, description = "At most this many (default 50, at most 200)", minimum = 1),
    ),
    responses(
        (status = 200, description = "The notifications", body = NotificationsResponse),
        crate::http::openapi::refusals::Listing,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn recent(
    State(state): State<AppState>,
    terminal: Terminal,
    params: Params,
) -> Result<Json<NotificationsResponse>, ApiError> {
    let filter = Filter {
        lue: None,
        depuis: Some(Utc::now() - Duration::hours(24)),
    };
    let (count, non_lues, results) = listing(&state, &terminal, &params, filter).await?;
    Ok(Json(NotificationsResponse {
        count,
        non_lues,
        results,
    }))
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/notifications/unread/",
    operation_id = "notifications_unread",
    tag = "Terminal",
    summary = "The till's unread notifications",
    params(
        ("limit" = Option<i64>, Query, description = "At most this many (default 50, at most 200)", minimum = 1),
    ),
    responses(
        (status = 200, description = "The unread notifications", body = UnreadResponse),
        crate::http::openapi::refusals::Listing,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn unread(
    State(state): State<AppState>,
    terminal: Terminal,
    params: Params,
) -> Result<Json<UnreadResponse>, ApiError> {
    let filter = Filter {
        lue: Some(false),
        depuis: None,
    };
    let (count, _, results) = listing(&state, &terminal, &params, filter).await?;
    Ok(Json(UnreadResponse { count, results }))
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/notifications/count_unread/",
    operation_id = "notifications_count_unread",
    tag = "Terminal",
    summary = "How many of the till's notifications are unread",
    responses(
        (status = 200, description = "The count", body = CountResponse),
        crate::http::openapi::refusals::Listing,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn count_unread(
    State(state): State<AppState>,
    terminal: Terminal,
) -> Result<Json<CountResponse>, ApiError> {
    let count = notifications::count_unread(&state.pool, terminal.boutique.id, terminal.id).await?;
    Ok(Json(CountResponse { count }))
}

/// The id in the path: anything but a whole number names no notification.
fn notification_id(raw: &str) -> Result<i64, ApiError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id >= 1)
        .ok_or_else(not_found)
}

#[utoipa::path(
    get,
    path = "/api/v2/simple/notifications/{id}/",
    operation_id = "notification",
    tag = "Terminal",
    summary = "One of the till's notifications, whole; reading it marks it read",
    params(("id" = i64, Path, description = "The notification")),
    responses(
        (status = 200, description = "The notification", body = NotificationDetail),
        crate::http::openapi::refusals::Notification,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn detail(
    State(state): State<AppState>,
    terminal: Terminal,
    Path(id): Path<String>,
) -> Result<Json<NotificationDetail>, ApiError> {
    let id = notification_id(&id)?;
    notifications::read(&state.pool, terminal.boutique.id, terminal.id, id)
        .await?
        .map(|read| Json(NotificationDetail::new(read.detail, &terminal)))
        .ok_or_else(not_found)
}

#[utoipa::path(
    post,
    path = "/api/v2/simple/notifications/{id}/mark_as_read/",
    operation_id = "notification_mark_as_read",
    tag = "Terminal",
    summary = "Marks one of the till's notifications read",
    description = "`status: \"already_read\"` (and no `notification`) when it was read already.",
    params(("id" = i64, Path, description = "The notification")),
    responses(
        (status = 200, description = "Marked, or read already", body = MarkedResponse),
        crate::http::openapi::refusals::Notification,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn mark_as_read(
    State(state): State<AppState>,
    terminal: Terminal,
    Path(id): Path<String>,
) -> Result<Json<MarkedResponse>, ApiError> {
    let id = notification_id(&id)?;
    let read = notifications::read(&state.pool, terminal.boutique.id, terminal.id, id)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(if read.now {
        MarkedResponse {
            status: "success",
            message: "Notification marquée comme lue",
            notification: Some(NotificationDetail::new(read.detail, &terminal)),
        }
    } else {
        MarkedResponse {
            status: "already_read",
            message: "Notification déjà lue",
            notification: None,
        }
    }))
}

#[utoipa::path(
    post,
    path = "/api/v2/simple/notifications/mark_all_as_read/",
    operation_id = "notifications_mark_all_as_read",
    tag = "Terminal",
    summary = "Marks all of the till's notifications read",
    responses(
        (status = 200, description = "Marked (`count` of them), or none unread", body = MarkedAllResponse),
        crate::http::openapi::refusals::Listing,
    ),
    security(("X-Device-Serial" = []), ("X-Device-Serial" = [], "cle_api" = []))
)]
pub async fn mark_all_as_read(
    State(state): State<AppState>,
    terminal: Terminal,
) -> Result<Json<MarkedAllResponse>, ApiError> {
    let count = notifications::read_all(&state.pool, terminal.boutique.id, terminal.id).await?;
    Ok(Json(if count == 0 {
        MarkedAllResponse {
            status: "no_unread",
            message: "Aucune notification non lue".to_owned(),
            count,
        }
    } else {
        MarkedAllResponse {
            status: "success",
            message: format!("{count} notification(s) marquée(s) comme lue(s)"),
            count,
        }
    }))
}
