//! The live events of a change to an article, published with the change's transaction
//! (API-D1.md §6): `article_created`, `article_updated`, `price_updated` when a price moved,
//! `article_deleted` when it was withdrawn; `category_updated` for a category.

use crate::events::{
    self, ArticleFields, ChangedCategory, Channel, CreatedArticle, Event, UpdatedArticle,
};
use crate::money::Money;
use rust_decimal::Decimal;
use sqlx::PgConnection;

/// What an article was before a change, as far as its events care.
pub struct Before {
    pub prix_vente: Decimal,
    pub prix_vente_usd: Option<Decimal>,
    pub est_actif: bool,
    /// Units sent to the shop and not yet confirmed.
    pub quantite_envoyee: i32,
}

/// The article `id` as it is before a change, locked until the transaction ends.
pub async fn before(
    conn: &mut PgConnection,
    boutique_id: i64,
    id: i64,
) -> Result<Option<Before>, sqlx::Error> {
    sqlx::query_as!(
        Before,
        r#"SELECT prix_vente, prix_vente_usd, est_actif, quantite_envoyee FROM articles
           WHERE boutique_id = $1 AND id = $2 FOR UPDATE"#,
        boutique_id,
        id
    )
    .fetch_optional(conn)
    .await
}

/// Publishes what became of the article `id` (created when there is no `before`).
pub async fn changed(
    conn: &mut PgConnection,
    boutique_id: i64,
    id: i64,
    before: Option<&Before>,
) -> Result<(), sqlx::Error> {
    let now = sqlx::query!(
        r#"SELECT a.id, a.code, a.nom, a.prix_vente, a.prix_vente_usd, a.devise,
                  a.quantite_stock, a.est_actif, a.categorie_id, c.nom AS "categorie_nom?",
                  a.date_creation, a.last_updated, a.version, a.est_valide_client
           FROM articles a LEFT JOIN categories c ON c.id = a.categorie_id
           WHERE a.boutique_id = $1 AND a.id = $2"#,
        boutique_id,
        id
    )
    .fetch_one(&mut *conn)
    .await?;
    let fields = ArticleFields {
        id: now.id,
        code: now.code,
        nom: now.nom,
        prix_vente: Money::from(now.prix_vente),
        prix_vente_usd: now.prix_vente_usd.map(Money::from),
        devise: now.devise.clone(),
        quantite_stock: now.quantite_stock.into(),
        est_actif: now.est_actif,
        categorie_id: now.categorie_id,
        categorie_nom: now.categorie_nom,
    };
    let mut sent = Vec::new();
    match before {
        // Sent to the shop and not confirmed yet: it enters the catalogue when confirmed.
        None if !now.est_valide_client => {}
        None => sent.push(Event::ArticleCreated {
            article: CreatedArticle {
                fields,
                date_creation: now.date_creation.into(),
            },
        }),
        Some(before) => {
            sent.push(Event::ArticleUpdated {
                article: UpdatedArticle {
                    fields,
                    last_updated: now.last_updated.into(),
                    version: now.version,
                },
            });
            if before.prix_vente != now.prix_vente || before.prix_vente_usd != now.prix_vente_usd {
                sent.push(Event::PriceUpdated {
                    article_id: id,
                    new_price: Money::from(now.prix_vente),
                    devise: now.devise,
                });
            }
            if before.est_actif && !now.est_actif {
                sent.push(Event::ArticleDeleted { article_id: id });
            }
        }
    }
    let sent = sent.into_iter().map(|e| (Channel::Boutique, e)).collect();
    events::publish_all(conn, boutique_id, sent).await
}

/// Publishes the category `id` as it is now.
pub async fn category_changed(
    conn: &mut PgConnection,
    boutique_id: i64,
    id: i64,
) -> Result<(), sqlx::Error> {
    let category = sqlx::query!(
        "SELECT id, nom, description, last_updated FROM categories WHERE boutique_id = $1 AND id = $2",
        boutique_id,
        id
    )
    .fetch_one(&mut *conn)
    .await?;
    let event = Event::CategoryUpdated {
        category: ChangedCategory {
            id: category.id,
            nom: category.nom,
            description: category.description,
            last_updated: category.last_updated.into(),
        },
    };
    events::publish(conn, boutique_id, Channel::Boutique, &event).await
}
