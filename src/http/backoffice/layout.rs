//! The frame of every page (header, the shop's menu, the style sheet), the error pages, and
//! small pieces the pages share.

use super::BASE;
use super::auth::Session;
use crate::boutiques::Shop;
use crate::boutiques::VisibleShop;
use crate::http::error::ApiError;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

pub const CSS_FILE: &str = "caisse.css";
pub const HTMX_FILE: &str = "htmx.min.js";

/// A static file's address, with a digest of its content: browsers may keep it for long,
/// and fetch it again when a new version of the server changes it.
fn asset(file: &str) -> &'static str {
    static CSS: OnceLock<String> = OnceLock::new();
    static HTMX: OnceLock<String> = OnceLock::new();
    let (cell, content) = match file {
        CSS_FILE => (&CSS, super::CSS),
        _ => (&HTMX, super::HTMX),
    };
    cell.get_or_init(|| {
        let digest = crate::secret::sha256_hex(content.as_bytes());
        format!("{BASE}/static/{file}?v={}", &digest[..12])
    })
}

/// An address inside a boutique's pages.
pub fn shop_url(boutique_id: i64, path: &str) -> String {
    format!("{BASE}/boutiques/{boutique_id}{path}")
}

/// The address of a boutique's CSV export `path`, with the `filters` of the page's `query`
/// that are set: the export holds what the page lists.
pub fn export_url(
    boutique_id: i64,
    path: &str,
    filters: &[&str],
    query: &HashMap<String, String>,
) -> String {
    let kept: Vec<(&str, &str)> = filters
        .iter()
        .filter_map(|k| query.get(*k).map(|v| (*k, v.as_str())))
        .collect();
    format!(
        "{}?{}",
        shop_url(boutique_id, path),
        serde_urlencoded::to_string(kept).unwrap_or_default()
    )
}

/// The part of the back-office a page belongs to, for the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Dashboard,
    Articles,
    Delivery,
    Adjustment,
    Terminals,
    Sales,
    Rejections,
    Journal,
}

const MENU: &[(Section, &str, &str)] = &[
    (Section::Dashboard, "", "Tableau de bord"),
    (Section::Articles, "/articles", "Articles"),
    (Section::Delivery, "/entrees", "Réception"),
    (Section::Adjustment, "/ajustements", "Ajustement"),
    (Section::Terminals, "/terminaux", "Terminaux"),
    (Section::Sales, "/ventes", "Ventes"),
    (Section::Rejections, "/ventes-rejetees", "Ventes refusées"),
    (Section::Journal, "/mouvements", "Journal du stock"),
];

/// What the frame of a page shows: who is logged in, and the boutique whose page it is.
pub struct Frame<'a> {
    pub session: &'a Session,
    pub shops: &'a [VisibleShop],
    pub shop: Option<(&'a Shop, Section)>,
}

/// A whole page.
pub fn page(title: &str, frame: Option<&Frame<'_>>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="fr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // No inline style or script anywhere: the pages' security policy forbids them.
                meta name="htmx-config" content=r#"{"includeIndicatorStyles": false, "allowEval": false, "historyCacheSize": 0}"#;
                title { (title) " · Caisse" }
                // No icon to fetch: one request less on a slow link.
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(asset(CSS_FILE));
                script src=(asset(HTMX_FILE)) defer {}
            }
            body {
                @if let Some(frame) = frame {
                    (header(frame))
                }
                main {
                    (body)
                }
            }
        }
    }
}

fn header(frame: &Frame<'_>) -> Markup {
    let user = &frame.session.user;
    html! {
        header.top {
            a.brand href={ (BASE) "/" } { "Caisse · back-office" }
            @if let Some((shop, _)) = frame.shop {
                span { strong { (shop.nom) } " (" (shop.code) ")" }
                @if frame.shops.len() > 1 {
                    a href={ (BASE) "/" } { "Changer de boutique" }
                }
            }
            span.hide-narrow { @if user.nom.is_empty() { (user.email) } @else { (user.nom) } }
            form method="post" action={ (BASE) "/logout" } {
                (csrf_field(frame.session))
                button.link type="submit" { "Se déconnecter" }
            }
        }
        @if let Some((shop, current)) = frame.shop {
            nav.shop aria-label="Menu de la boutique" {
                @for (section, path, label) in MENU {
                    a class=[(*section == current).then_some("current")]
                      href=(shop_url(shop.id, path)) { (label) }
                }
            }
        }
    }
}

/// The hidden field that every form carries: the session's token against cross-site
/// requests, checked by [`super::auth::csrf_guard`].
pub fn csrf_field(session: &Session) -> Markup {
    html! { input type="hidden" name=(super::auth::CSRF_FIELD) value=(session.csrf); }
}

/// A message at the top of a page.
pub fn notice(kind: &str, text: &str) -> Markup {
    html! { p class={ "notice " (kind) } role=(if kind == "error" { "alert" } else { "status" }) { (text) } }
}

/// Rows per page of the long lists.
pub const PAGE_SIZE: i64 = 50;

/// The page asked for (`page=`, from 1) and its offset.
pub fn page_number(query: &std::collections::HashMap<String, String>) -> (i64, i64) {
    let number = query
        .get("page")
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| (1..=100_000).contains(p))
        .unwrap_or(1);
    (number, (number - 1) * PAGE_SIZE)
}

/// Links to the previous and next pages of a list of `total` rows, keeping the other
/// parameters of `query`.
pub fn pager(
    path: &str,
    query: &std::collections::HashMap<String, String>,
    number: i64,
    total: i64,
) -> Markup {
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let link = |to: i64| {
        let mut params: Vec<(&str, String)> = query
            .iter()
            .filter(|(k, v)| k.as_str() != "page" && k.as_str() != "fait" && !v.is_empty())
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        params.sort();
        params.push(("page", to.to_string()));
        format!(
            "{path}?{}",
            serde_urlencoded::to_string(params).unwrap_or_default()
        )
    };
    html! {
        @if pages > 1 {
            nav.pager aria-label="Pages" {
                @if number > 1 { a href=(link(number - 1)) { "← Précédents" } }
                span.muted { "Page " (number) " sur " (pages) }
                @if number < pages { a href=(link(number + 1)) { "Suivants →" } }
            }
        }
    }
}

/// A page as a response.
pub fn render(markup: Markup) -> Response {
    Html(markup.into_string()).into_response()
}

/// What a page could not do, as a page.
#[derive(Debug)]
pub enum PageError {
    /// Nothing here, or nothing the user may see: the same answer for both.
    NotFound,
    /// A refusal with its French message.
    Message(StatusCode, Cow<'static, str>),
    Unavailable,
    Internal,
}

impl PageError {
    pub fn message(status: StatusCode, text: impl Into<Cow<'static, str>>) -> Self {
        PageError::Message(status, text.into())
    }
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        match error.status {
            StatusCode::SERVICE_UNAVAILABLE => PageError::Unavailable,
            status if status.is_server_error() => PageError::Internal,
            status => PageError::Message(status, error.message),
        }
    }
}

impl From<sqlx::Error> for PageError {
    fn from(error: sqlx::Error) -> Self {
        ApiError::from(error).into()
    }
}

/// What the domain refused, as the sentence the back-office shows beside the form that
/// asked for it; what is missing, or a fault of the server, is a page of its own.
pub trait Refusal: Sized {
    fn sentence(self) -> Result<String, PageError>;

    /// The refusal as a page of its own, for an action that has no form to show it beside.
    fn page(self) -> PageError {
        match self.sentence() {
            Ok(text) => PageError::message(StatusCode::UNPROCESSABLE_ENTITY, text),
            Err(error) => error,
        }
    }
}

fn already_used(field: &str) -> String {
    format!("Champ '{field}' : cette valeur est déjà utilisée")
}

impl Refusal for crate::catalogue::CatalogueError {
    fn sentence(self) -> Result<String, PageError> {
        use crate::catalogue::CatalogueError;
        match self {
            CatalogueError::ArticleNotFound | CatalogueError::CategoryNotFound => {
                Err(PageError::NotFound)
            }
            CatalogueError::Invalid(invalid) => Ok(invalid.to_string()),
            CatalogueError::Duplicate { field } => Ok(already_used(field)),
            CatalogueError::Database(e) => Err(e.into()),
        }
    }
}

impl Refusal for crate::terminals::TerminalError {
    fn sentence(self) -> Result<String, PageError> {
        use crate::terminals::TerminalError;
        match self {
            TerminalError::NotFound => Err(PageError::NotFound),
            TerminalError::Invalid(invalid) => Ok(invalid.to_string()),
            TerminalError::Duplicate { field } => Ok(already_used(field)),
            TerminalError::Database(e) => Err(e.into()),
        }
    }
}

impl Refusal for crate::review::ReviewError {
    fn sentence(self) -> Result<String, PageError> {
        use crate::review::ReviewError;
        match self {
            ReviewError::RejectionNotFound | ReviewError::AlertNotFound => Err(PageError::NotFound),
            ReviewError::Invalid(invalid) => Ok(invalid.to_string()),
            ReviewError::Database(e) => Err(e.into()),
        }
    }
}

/// Times in the shop's zone, for a delivery note already received.
pub fn stock_sentence(error: crate::stock::StockError, shop: &Shop) -> Result<String, PageError> {
    use crate::stock::StockError;
    match error {
        StockError::ArticleNotFound(_) => Ok("Article introuvable dans cette boutique".into()),
        StockError::OutOfRange { .. } => {
            Ok("Le stock ne peut pas devenir négatif ni dépasser la limite".into())
        }
        StockError::Invalid(invalid) => Ok(invalid.to_string()),
        StockError::AlreadyReceived { reference, at } => Ok(format!(
            "Le bon de livraison « {reference} » a déjà été reçu le {}. S'il s'agit d'une autre \
             livraison, donnez-lui une autre référence.",
            super::format::date_time(at, shop.time_zone)
        )),
        StockError::Database(e) => Err(e.into()),
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, text): (StatusCode, &str, Cow<'static, str>) = match self {
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page introuvable",
                "Cette page n'existe pas, ou vous n'y avez pas accès.".into(),
            ),
            PageError::Message(status, text) => (status, "Action impossible", text),
            PageError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Service momentanément indisponible",
                "La base de données ne répond pas. Réessayez dans un instant.".into(),
            ),
            PageError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Erreur du serveur",
                "Une erreur inattendue s'est produite.".into(),
            ),
        };
        let body = page(
            title,
            None,
            html! {
                h1 { (title) }
                (notice("error", &text))
                p { a href={ (BASE) "/" } { "Retour au tableau de bord" } }
            },
        );
        (status, Html(body.into_string())).into_response()
    }
}
