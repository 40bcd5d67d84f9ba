//! The tills' API, under `/api/v2/simple/`, as the deployed MAUI apps call it: one file per
//! resource. Every handler but `status/` takes the till from [`gate`], which decides which
//! till is calling and the one boutique it may see; nothing a request names (a
//! `boutique_id`, an article, a sale) reaches beyond that boutique, because every domain
//! call is given the gate's boutique.
//!
//! Every handler answers with a type of its own (or a view shared with the administration
//! API, [`super::views`]), the very type its OpenAPI description is built from. The routes
//! that record sales or give stock back run under the `Idempotency-Key` layer
//! ([`super::idempotency`]), keyed per till.

pub mod abandon;
pub mod analysis;
pub mod boutiques;
pub mod cash_reports;
pub mod catalogue;
pub mod etag;
pub mod gate;
pub mod give_back;
pub mod history;
pub mod info;
pub mod live;
pub mod negotiations;
pub mod notifications;
pub mod pos;
pub mod reconciliation;
pub mod records;
pub mod sale_body;
pub mod sales;
pub mod sendings;
pub mod statistics;
pub mod status;
pub mod stock;
pub mod sync;
pub mod value_journal;

use super::AppState;
use super::idempotency;
use axum::Router;
use axum::routing::{MethodRouter, get, post, put};
use gate::Terminal;

/// The tills' routes, under [`super::TERMINAL_API`], each also with a trailing slash. The
/// router is built from this list, and a test checks that the OpenAPI document describes
/// every route in it.
pub fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    let mut routes = unkeyed();
    routes.extend(notifications::routes());
    routes.extend(keyed());
    routes
}

/// The routes that record sales or give stock back: a till may send them again after a
/// dropped link, so they take an `Idempotency-Key`.
fn keyed() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/ventes", post(sales::create_sale)),
        ("/ventes/sync", post(sync::sync)),
        ("/sync-ventes", post(sync::sync_ventes)),
        ("/articles-negocies", post(records::record_negotiation)),
        ("/retours-articles", post(records::record_return)),
        ("/analyse/regulariser", post(stock::regularise)),
        ("/ventes/notifier-rejet", post(abandon::abandon)),
        ("/ventes/annuler", post(give_back::cancel)),
        ("/ventes/retour", post(give_back::return_articles)),
        ("/articles/valider", post(sendings::confirm)),
        ("/articles/refuser", post(sendings::refuse)),
        ("/rapports-caisse", post(cash_reports::record)),
    ]
}

fn unkeyed() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/status", get(status::status)),
        ("/pos/status", get(pos::pos_status)),
        ("/terminal/{numero_serie}", get(info::terminal_info)),
        ("/articles", get(catalogue::articles)),
        (
            "/articles/terminal/{numero_serie}",
            get(catalogue::articles_of_terminal),
        ),
        ("/articles/deleted", get(catalogue::deleted_articles)),
        ("/articles/pending", get(sendings::pending)),
        ("/rapports-caisse", get(cash_reports::list)),
        ("/analyse/mouvements", get(analysis::analyse)),
        ("/journal-valeur-stock", get(value_journal::journal)),
        ("/articles/{article_id}/stock", put(stock::set_stock)),
        ("/categories", get(catalogue::categories)),
        ("/variantes", get(catalogue::variants)),
        ("/ventes/reconciliation", post(reconciliation::reconcile)),
        ("/ventes/historique", get(history::history)),
        ("/statistiques", get(statistics::statistics)),
        ("/negociations", get(negotiations::negotiations)),
        (
            "/articles-negocies/historique",
            get(records::negotiation_history),
        ),
        ("/retours-articles/historique", get(records::return_history)),
        ("/mouvements-stock", get(stock::movements)),
        ("/boutiques", get(boutiques::for_caller)),
    ]
}

/// The routes of [`routes`], the keyed ones behind the `Idempotency-Key` layer (which
/// needs the state to resolve the till before the handler runs).
pub fn router(state: &AppState) -> Router<AppState> {
    // On the matched methods only: another method is still a plain `405`.
    let idempotent =
        axum::middleware::from_fn_with_state(state.clone(), idempotency::idempotent::<Terminal>);
    let keyed = keyed()
        .into_iter()
        .map(|(path, route)| (path, route.route_layer(idempotent.clone())));
    unkeyed()
        .into_iter()
        .chain(notifications::routes())
        .chain(keyed)
        .fold(Router::new(), |router, (path, route)| {
            super::both(router, path, route)
        })
}
