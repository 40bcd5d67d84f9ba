//! The tills' API, under `/api/v2/simple/`, as the deployed MAUI apps call it: one file per
//! resource. Every handler but `status/` takes the till from [`gate`], which decides which
//! till is calling and the one boutique it may see; nothing a request names (a
//! `boutique_id`, an article, a sale) reaches beyond that boutique, because every domain
//! call is given the gate's boutique.

pub mod boutiques;
pub mod catalogue;
pub mod etag;
pub mod gate;
pub mod give_back;
pub mod history;
pub mod info;
pub mod live;
pub mod reconciliation;
pub mod sales;
pub mod statistics;
pub mod status;
pub mod stock;
pub mod sync;

use super::AppState;
use axum::Router;
use axum::routing::{MethodRouter, get, post, put};

/// The tills' routes, under [`super::TERMINAL_API`], each also with a trailing slash. The
/// router is built from this list, and a test checks that the OpenAPI document describes
/// every route in it.
pub fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/status", get(status::status)),
        ("/terminal/{numero_serie}", get(info::terminal_info)),
        ("/articles", get(catalogue::articles)),
        (
            "/articles/terminal/{numero_serie}",
            get(catalogue::articles_of_terminal),
        ),
        ("/articles/{article_id}/stock", put(stock::set_stock)),
        ("/categories", get(catalogue::categories)),
        ("/ventes", post(sales::create_sale)),
        ("/ventes/sync", post(sync::sync)),
        ("/ventes/annuler", post(give_back::cancel)),
        ("/ventes/retour", post(give_back::return_articles)),
        ("/ventes/reconciliation", post(reconciliation::reconcile)),
        ("/ventes/historique", get(history::history)),
        ("/statistiques", get(statistics::statistics)),
        ("/mouvements-stock", get(stock::movements)),
        ("/boutiques", get(boutiques::for_caller)),
    ]
}

pub fn router() -> Router<AppState> {
    routes()
        .into_iter()
        .fold(Router::new(), |router, (path, route)| {
            super::both(router, path, route)
        })
}
