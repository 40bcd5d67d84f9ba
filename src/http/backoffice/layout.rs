//! The frame of every page behind the login: its header (who is logged in, the boutique,
//! the boutique's menu) around the page's body.

use super::document::document;
use super::paths::{BASE, shop_url};
use super::session::{Session, csrf_field};
use crate::boutiques::{Shop, VisibleShop};
use maud::{Markup, html};

/// The part of the back-office a page belongs to, for the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Dashboard,
    Articles,
    Delivery,
    Adjustment,
    Counts,
    Transfers,
    Sessions,
    Terminals,
    Sales,
    Rejections,
    Journal,
    Settings,
}

const MENU: &[(Section, &str, &str)] = &[
    (Section::Dashboard, "", "Tableau de bord"),
    (Section::Articles, "/articles", "Articles"),
    (Section::Delivery, "/entrees", "Réception"),
    (Section::Adjustment, "/ajustements", "Ajustement"),
    (Section::Counts, "/comptages", "Comptages"),
    (Section::Transfers, "/transferts", "Transferts"),
    (Section::Sessions, "/sessions-caisse", "Sessions de caisse"),
    (Section::Terminals, "/terminaux", "Terminaux"),
    (Section::Sales, "/ventes", "Ventes"),
    (Section::Rejections, "/ventes-rejetees", "Ventes refusées"),
    (Section::Journal, "/mouvements", "Journal du stock"),
    (Section::Settings, "/reglages", "Réglages"),
];

/// What the frame of a page shows: who is logged in, and the boutique whose page it is.
pub struct Frame<'a> {
    pub session: &'a Session,
    pub shops: &'a [VisibleShop],
    pub shop: Option<(&'a Shop, Section)>,
}

/// A whole page, in its frame.
pub fn page(title: &str, frame: &Frame<'_>, body: Markup) -> Markup {
    document(title, Some(header(frame)), body)
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
