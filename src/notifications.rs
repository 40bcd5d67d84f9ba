//! Stock notifications of the 2026 tills: a delivery, a removal, a count that changes the
//! stock, a new selling price. The database makes them with the change (see the migration
//! `stock_notifications`), one per active till of the shop; here each till reads its own and
//! marks them read. Every query names the till and its boutique.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use sqlx::PgPool;

/// One till's notification, with what it was made from.
#[derive(Debug, Clone)]
pub struct Notification {
    pub id: i64,
    pub type_notification: String,
    pub article_id: i64,
    pub mouvement_id: Option<i64>,
    /// Signed, as the movement's; 0 for a price.
    pub quantite_mouvement: i32,
    pub stock_avant: i32,
    pub stock_actuel: i32,
    /// The article as it was then, and the movement's or the price's details.
    pub donnees: Value,
    pub lue: bool,
    pub date_lecture: Option<DateTime<Utc>>,
    pub date_creation: DateTime<Utc>,
}

impl Notification {
    /// How a person calls its kind.
    pub fn display(&self) -> &'static str {
        match self.type_notification.as_str() {
            "STOCK_AJOUT" => "Ajout de stock",
            "STOCK_RETRAIT" => "Retrait de stock",
            "AJUSTEMENT_PRIX" => "Ajustement de prix",
            _ => "Ajustement de stock",
        }
    }

    /// The article's name and code as they were.
    pub fn article(&self) -> (Option<&str>, Option<&str>) {
        (
            self.donnees["article_nom"].as_str(),
            self.donnees["article_code"].as_str(),
        )
    }

    pub fn titre(&self) -> String {
        match self.article().0 {
            Some(nom) => format!("{} : {nom}", self.display()),
            None => self.display().to_owned(),
        }
    }

    pub fn message(&self) -> String {
        let nom = self.article().0.unwrap_or("article");
        let stock = format!("stock {} → {}", self.stock_avant, self.stock_actuel);
        match self.type_notification.as_str() {
            "AJUSTEMENT_PRIX" => format!(
                "Nouveau prix de vente de {nom} : {} → {} {}",
                self.donnees["prix_ancien"].as_str().unwrap_or("?"),
                self.donnees["prix_nouveau"].as_str().unwrap_or("?"),
                self.donnees["devise"].as_str().unwrap_or(""),
            )
            .trim_end()
            .to_owned(),
            "STOCK_AJOUT" => format!(
                "{} unité(s) de {nom} ajoutée(s) ({stock})",
                self.quantite_mouvement
            ),
            "STOCK_RETRAIT" => format!(
                "{} unité(s) de {nom} retirée(s) ({stock})",
                -self.quantite_mouvement
            ),
            _ => format!(
                "Stock de {nom} ajusté de {:+} ({stock})",
                self.quantite_mouvement
            ),
        }
    }
}

/// Which of a till's notifications to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    /// Only read (`Some(true)`) or unread ones.
    pub lue: Option<bool>,
    /// Only those made from this instant on.
    pub depuis: Option<DateTime<Utc>>,
}

/// A till's notifications under `filter`, newest first, at most `limit`, with how many
/// match in all and how many of the till's are unread.
pub struct Listed {
    pub notifications: Vec<Notification>,
    pub total: i64,
    pub non_lues: i64,
}

pub async fn list(
    pool: &PgPool,
    boutique_id: i64,
    terminal_id: i64,
    filter: Filter,
    limit: i64,
) -> Result<Listed, sqlx::Error> {
    let notifications = sqlx::query_as!(
        Notification,
        r#"SELECT id, type_notification, article_id, mouvement_id, quantite_mouvement,
                  stock_avant, stock_actuel, donnees_supplementaires AS donnees, lue,
                  date_lecture, date_creation
           FROM notifications_stock
           WHERE boutique_id = $1 AND terminal_id = $2
             AND ($3::bool IS NULL OR lue = $3)
             AND ($4::timestamptz IS NULL OR date_creation >= $4)
           ORDER BY id DESC
           LIMIT $5"#,
        boutique_id,
        terminal_id,
        filter.lue,
        filter.depuis,
        limit
    )
    .fetch_all(pool)
    .await?;
    let counts = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE ($3::bool IS NULL OR lue = $3)
                                   AND ($4::timestamptz IS NULL OR date_creation >= $4)) AS "total!",
                  count(*) FILTER (WHERE NOT lue) AS "non_lues!"
           FROM notifications_stock
           WHERE boutique_id = $1 AND terminal_id = $2"#,
        boutique_id,
        terminal_id,
        filter.lue,
        filter.depuis
    )
    .fetch_one(pool)
    .await?;
    Ok(Listed {
        notifications,
        total: counts.total,
        non_lues: counts.non_lues,
    })
}

pub async fn count_unread(
    pool: &PgPool,
    boutique_id: i64,
    terminal_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM notifications_stock
           WHERE boutique_id = $1 AND terminal_id = $2 AND NOT lue"#,
        boutique_id,
        terminal_id
    )
    .fetch_one(pool)
    .await
}

/// The article as it is now, for a notification's detail.
#[derive(Debug, Clone)]
pub struct ArticleNow {
    pub id: i64,
    pub code: String,
    pub nom: String,
    pub description: String,
    pub prix_vente: Decimal,
    pub devise: String,
    pub quantite_stock: i32,
    pub categorie: Option<String>,
}

/// The movement a stock notification was made from.
#[derive(Debug, Clone)]
pub struct Movement {
    pub id: i64,
    pub type_mouvement: String,
    pub quantite: i32,
    pub stock_avant: i32,
    pub stock_apres: i32,
    pub date_mouvement: DateTime<Utc>,
    pub commentaire: Option<String>,
    pub reference_document: Option<String>,
    pub utilisateur: Option<String>,
}

/// A notification with its article as it is now and its movement.
pub struct Detail {
    pub notification: Notification,
    pub article: Option<ArticleNow>,
    pub mouvement: Option<Movement>,
}

/// A notification as a till read it.
pub struct Read {
    /// It was unread until now.
    pub now: bool,
    pub detail: Detail,
}

/// The till's notification `id`, read by the till: marked read if it was not. `None` when
/// the till has no such notification (another till's, another shop's, or none).
pub async fn read(
    pool: &PgPool,
    boutique_id: i64,
    terminal_id: i64,
    id: i64,
) -> Result<Option<Read>, sqlx::Error> {
    let marked = sqlx::query_scalar!(
        r#"UPDATE notifications_stock SET lue = TRUE, date_lecture = now()
           WHERE boutique_id = $1 AND terminal_id = $2 AND id = $3 AND NOT lue
           RETURNING id"#,
        boutique_id,
        terminal_id,
        id
    )
    .fetch_optional(pool)
    .await?
    .is_some();
    Ok(detail(pool, boutique_id, terminal_id, id)
        .await?
        .map(|detail| Read {
            now: marked,
            detail,
        }))
}

/// The till's notification `id` with its article and movement.
pub async fn detail(
    pool: &PgPool,
    boutique_id: i64,
    terminal_id: i64,
    id: i64,
) -> Result<Option<Detail>, sqlx::Error> {
    let Some(notification) = sqlx::query_as!(
        Notification,
        r#"SELECT id, type_notification, article_id, mouvement_id, quantite_mouvement,
                  stock_avant, stock_actuel, donnees_supplementaires AS donnees, lue,
                  date_lecture, date_creation
           FROM notifications_stock
           WHERE boutique_id = $1 AND terminal_id = $2 AND id = $3"#,
        boutique_id,
        terminal_id,
        id
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let article = sqlx::query_as!(
        ArticleNow,
        r#"SELECT a.id, a.code, a.nom, a.description, a.prix_vente, a.devise, a.quantite_stock,
                  c.nom AS "categorie?"
           FROM articles a
           LEFT JOIN categories c ON c.boutique_id = a.boutique_id AND c.id = a.categorie_id
           WHERE a.boutique_id = $1 AND a.id = $2"#,
        boutique_id,
        notification.article_id
    )
    .fetch_optional(pool)
    .await?;
    let mouvement =
        match notification.mouvement_id {
            Some(mouvement_id) => sqlx::query_as!(
                Movement,
                r#"SELECT id, type_mouvement, quantite, stock_avant, stock_apres, date_mouvement,
                          commentaire, reference_document, utilisateur
                   FROM mouvements_stock WHERE boutique_id = $1 AND id = $2"#,
                boutique_id,
                mouvement_id
            )
            .fetch_optional(pool)
            .await?,
            None => None,
        };
    Ok(Some(Detail {
        notification,
        article,
        mouvement,
    }))
}

/// Marks every unread notification of the till read; how many were.
pub async fn read_all(
    pool: &PgPool,
    boutique_id: i64,
    terminal_id: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        r#"UPDATE notifications_stock SET lue = TRUE, date_lecture = now()
           WHERE boutique_id = $1 AND terminal_id = $2 AND NOT lue"#,
        boutique_id,
        terminal_id
    )
    .execute(pool)
    .await?
    .rows_affected())
}
