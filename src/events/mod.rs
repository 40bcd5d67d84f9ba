//! Live push: what the server tells the tills (and back-office pages) of a shop as it
//! happens, over WebSockets (API-D1.md §6).
//!
//! **Who publishes.** The domain code that changes something a till shows (a sale stored or
//! refused, a stock movement, an article or category edited) calls [`publish`] with the
//! connection of **its own transaction**, once per event:
//!
//! ```ignore
//! let mut tx = pool.begin().await?;
//! // … the change itself …
//! events::publish(&mut tx, boutique_id, Channel::Boutique, &Event::StockUpdated {
//!     article_id,
//!     new_stock: i64::from(stock_after),
//! })
//! .await?;
//! tx.commit().await?;
//! ```
//!
//! **Delivered on commit, in commit order, or never.** [`publish`] runs
//! `pg_notify('caisse_evenements', …)` in that transaction: PostgreSQL hands the event to the
//! listeners when the transaction commits, in the order transactions commit, and drops it if
//! the transaction rolls back. No till hears of a change that did not happen, and every server
//! instance hears of every change, whichever instance made it: no broker besides the
//! database. The payload is `{boutique_id, canal, message}`, under PostgreSQL's limit of
//! 8,000 bytes; an event too large for it is replaced by a `sync_required` to the same
//! channel. (A committing transaction that notified takes a lock on PostgreSQL's notification
//! queue: a handful of events per transaction is fine, thousands are better one
//! `sync_required`.)
//!
//! **Relayed by the hub.** Each server instance runs one [`hub::Hub`]: it listens on the
//! channel with a connection of its own and copies each event into the queue of every
//! socket of that shop and channel on that instance. Publishing never waits for a socket.
//!
//! **Best effort, with a signal when something may be missing.** An event can be missed: the
//! listener's connection dropped (every socket of the instance gets `sync_required` once it
//! is back), a socket did not keep up (its queue is dropped and replaced by one
//! `sync_required`), a till was offline. So a till treats events as hints to refresh what it
//! shows sooner, and on `sync_required` **reloads what it keeps of the shop** (its catalogue
//! and stock, by the delta routes of API-D1.md §3.1) rather than trusting what it has; the
//! HTTP API stays the truth.

pub mod hub;
pub mod publisher;

use crate::money::Money;
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sqlx::PgConnection;

/// The PostgreSQL channel events travel on between server instances.
pub const PG_CHANNEL: &str = "caisse_evenements";

/// PostgreSQL refuses a notification payload of 8,000 bytes or more.
pub const MAX_PAYLOAD: usize = 8_000;

/// Which of a shop's two sockets an event is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// `/ws/boutique/<id>/`: the catalogue and the stock.
    Boutique,
    /// `/ws/notifications/<id>/`: alerts and figures for the people of the shop.
    Notifications,
}

/// One message of the live push, as API-D1.md §6 lists them: the `type` and the fields
/// beside it, with the tills' names and JSON types. The `timestamp` every message carries is
/// added by [`Message`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Sent by the socket itself when it opens (both paths).
    ConnectionEstablished {
        /// The boutique as the URL named it: a string.
        boutique_id: String,
        message: String,
    },
    /// The answer to a client's `{"type": "ping"}` (both paths).
    Pong,
    /// An article entered the catalogue.
    ArticleCreated { article: CreatedArticle },
    /// An article's fields changed, or a sending to it was confirmed or refused.
    ArticleUpdated { article: UpdatedArticle },
    /// An article was withdrawn.
    ArticleDeleted { article_id: i64 },
    /// An article's stock changed (any cause), one event per article.
    StockUpdated { article_id: i64, new_stock: i64 },
    /// An article's `prix_vente` or `prix_vente_usd` changed.
    PriceUpdated {
        article_id: i64,
        new_price: Money,
        devise: String,
    },
    /// A category was created or changed.
    CategoryUpdated { category: ChangedCategory },
    /// What the till keeps of the shop may be out of date: reload it.
    SyncRequired { reason: SyncReason },
    /// An active article fell to the shop's low-stock threshold or below (notifications).
    StockAlert {
        article_id: i64,
        article_nom: String,
        stock_actuel: i64,
        seuil_alerte: i64,
    },
    /// A sale was refused, not as a duplicate (notifications).
    VenteRejected {
        vente_uid: String,
        /// The refusal's code (`INSUFFICIENT_STOCK`, …).
        raison: String,
    },
    /// A sale was stored or cancelled: the shop's figures now (notifications).
    DashboardStatsUpdated { stats: DashboardStats },
}

/// The article of `article_created`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedArticle {
    #[serde(flatten)]
    pub fields: ArticleFields,
    pub date_creation: Timestamp,
}

/// The article of `article_updated`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdatedArticle {
    #[serde(flatten)]
    pub fields: ArticleFields,
    pub last_updated: Timestamp,
    /// Bumped by every change to the article (API-D1.md §3.1).
    pub version: i64,
}

/// What `article_created` and `article_updated` both say of an article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleFields {
    pub id: i64,
    pub code: String,
    pub nom: String,
    pub prix_vente: Money,
    pub prix_vente_usd: Option<Money>,
    pub devise: String,
    pub quantite_stock: i64,
    pub est_actif: bool,
    pub categorie_id: Option<i64>,
    pub categorie_nom: Option<String>,
}

/// The category of `category_updated`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangedCategory {
    pub id: i64,
    pub nom: String,
    pub description: String,
    pub last_updated: Timestamp,
}

/// The figures of `dashboard_stats_updated`: paid sales not cancelled, per currency (CDF net
/// of applied expenses), today and this month in the shop's time zone. Amounts are JSON
/// numbers here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardStats {
    pub ca_jour: f64,
    pub ca_jour_usd: f64,
    pub ca_mois: f64,
    pub ca_mois_usd: f64,
    pub nb_ventes_jour: i64,
    pub nb_ventes_mois: i64,
}

/// Why a till must reload what it keeps of the shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncReason {
    /// More than 50 articles changed at once: one reload rather than 50 events.
    BulkChange,
    /// A category was deleted.
    CategoryDeleted,
    /// The exchange rate changed.
    ExchangeRateChanged,
    /// An event was too large to travel between server instances.
    PayloadTooLarge,
    /// The server's listener lost its database connection for a while.
    ListenerReconnected,
    /// The till (or page) is back on this instance after its socket closed, and events for
    /// its shop were relayed in between.
    MissedWhileAway,
    /// Events were dropped: a socket did not keep up, or the server's own queue of events
    /// to publish was full.
    QueueOverflow,
}

impl Event {
    /// The channel an event of this type goes to; `None` for those of both.
    pub fn channel(&self) -> Option<Channel> {
        match self {
            Event::ConnectionEstablished { .. } | Event::Pong | Event::SyncRequired { .. } => None,
            Event::ArticleCreated { .. }
            | Event::ArticleUpdated { .. }
            | Event::ArticleDeleted { .. }
            | Event::StockUpdated { .. }
            | Event::PriceUpdated { .. }
            | Event::CategoryUpdated { .. } => Some(Channel::Boutique),
            Event::StockAlert { .. }
            | Event::VenteRejected { .. }
            | Event::DashboardStatsUpdated { .. } => Some(Channel::Notifications),
        }
    }

    /// Every timestamp inside the event, to be written in `zone`.
    fn set_zone(&mut self, zone: Tz) {
        // No catch-all: a new type of event must say whether it carries timestamps.
        match self {
            Event::ArticleCreated { article } => article.date_creation.zone = Some(zone),
            Event::ArticleUpdated { article } => article.last_updated.zone = Some(zone),
            Event::CategoryUpdated { category } => category.last_updated.zone = Some(zone),
            Event::ConnectionEstablished { .. }
            | Event::Pong
            | Event::ArticleDeleted { .. }
            | Event::StockUpdated { .. }
            | Event::PriceUpdated { .. }
            | Event::SyncRequired { .. }
            | Event::StockAlert { .. }
            | Event::VenteRejected { .. }
            | Event::DashboardStatsUpdated { .. } => {}
        }
    }
}

/// An instant, written ISO 8601 with the offset of the shop it is shown to (API-D1.md §1,
/// `ts`). Between server instances it travels in UTC, with microseconds: the shop's zone is
/// applied by [`Message::render`], where the socket's shop is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    at: DateTime<Utc>,
    zone: Option<Tz>,
}

impl Timestamp {
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Timestamp { at, zone: None }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.zone {
            Some(zone) => serializer.serialize_str(&crate::boutiques::timestamp(self.at, zone)),
            None => serializer.serialize_str(&self.at.to_rfc3339_opts(SecondsFormat::Micros, true)),
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|at| Timestamp::from(at.with_timezone(&Utc)))
            .map_err(serde::de::Error::custom)
    }
}

/// An event and when it happened: what a socket sends, as one JSON text frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    #[serde(flatten)]
    pub event: Event,
    pub timestamp: Timestamp,
}

impl Message {
    /// `event`, happening now.
    pub fn now(event: Event) -> Self {
        Message {
            event,
            timestamp: Utc::now().into(),
        }
    }

    /// The JSON text frame, every timestamp in `zone` (the shop's).
    pub fn render(&self, zone: Tz) -> String {
        let mut zoned = self.clone();
        zoned.timestamp.zone = Some(zone);
        zoned.event.set_zone(zone);
        serde_json::to_string(&zoned).expect("events serialise to JSON")
    }
}

/// What travels between server instances: an event for the sockets of one shop and channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Published {
    pub boutique_id: i64,
    pub canal: Channel,
    pub message: Message,
}

impl Published {
    /// The notification payload: this event, or a `sync_required` to the same sockets when
    /// the event would not fit PostgreSQL's limit.
    pub fn payload(&self) -> String {
        let payload = serde_json::to_string(self).expect("events serialise to JSON");
        if payload.len() < MAX_PAYLOAD {
            return payload;
        }
        tracing::warn!(
            boutique_id = self.boutique_id,
            bytes = payload.len(),
            "event too large to publish: sync_required sent instead"
        );
        let instead = Published {
            message: Message {
                event: Event::SyncRequired {
                    reason: SyncReason::PayloadTooLarge,
                },
                timestamp: self.message.timestamp,
            },
            ..self.clone()
        };
        serde_json::to_string(&instead).expect("events serialise to JSON")
    }
}

/// Publishes `event` to the `channel` sockets of the boutique `boutique_id`, on every server
/// instance, **when the transaction `conn` belongs to commits** (at once if `conn` is in no
/// transaction). Never waits for a socket: it only queues a notification in PostgreSQL.
pub async fn publish(
    conn: &mut PgConnection,
    boutique_id: i64,
    channel: Channel,
    event: &Event,
) -> Result<(), sqlx::Error> {
    debug_assert!(
        event.channel().is_none_or(|c| c == channel),
        "{event:?} does not belong on {channel:?}"
    );
    publish_all(conn, boutique_id, vec![(channel, event.clone())]).await
}

/// Articles one change may report one by one; past this, one `sync_required` instead
/// (API-D1.md §6).
pub const MAX_ARTICLE_EVENTS: usize = 50;

/// [`publish`] for several events, in order, in one round trip.
pub async fn publish_all(
    conn: &mut PgConnection,
    boutique_id: i64,
    events: Vec<(Channel, Event)>,
) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let payloads: Vec<String> = events
        .into_iter()
        .map(|(canal, event)| {
            Published {
                boutique_id,
                canal,
                message: Message::now(event),
            }
            .payload()
        })
        .collect();
    sqlx::query!(
        "SELECT FROM unnest($2::text[]) AS e(p), LATERAL pg_notify($1, e.p)",
        PG_CHANNEL,
        &payloads
    )
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rust_decimal::Decimal;
    use serde_json::{Value, json};

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 4, 9, 30, 15).unwrap()
    }

    fn article(nom: &str) -> ArticleFields {
        ArticleFields {
            id: 15,
            code: "SAM-A15".into(),
            nom: nom.into(),
            prix_vente: Money::new(Decimal::from(25_000)),
            prix_vente_usd: None,
            devise: "CDF".into(),
            quantite_stock: 12,
            est_actif: true,
            categorie_id: Some(3),
            categorie_nom: Some("Téléphones".into()),
        }
    }

    fn rendered(event: Event) -> Value {
        let message = Message {
            event,
            timestamp: at().into(),
        };
        serde_json::from_str(&message.render(chrono_tz::Africa::Lubumbashi)).unwrap()
    }

    #[test]
    fn frames_carry_the_types_of_the_contract_in_the_shops_zone() {
        assert_eq!(
            rendered(Event::ConnectionEstablished {
                boutique_id: "9".into(),
                message: "Connecté".into()
            }),
            json!({"type": "connection_established", "boutique_id": "9", "message": "Connecté",
                   "timestamp": "2026-11-04T11:30:15+02:00"})
        );
        assert_eq!(
            rendered(Event::Pong),
            json!({"type": "pong", "timestamp": "2026-11-04T11:30:15+02:00"})
        );
        assert_eq!(
            rendered(Event::ArticleCreated {
                article: CreatedArticle {
                    fields: article("Samsung A15"),
                    date_creation: at().into(),
                }
            }),
            json!({"type": "article_created", "timestamp": "2026-11-04T11:30:15+02:00",
                   "article": {"id": 15, "code": "SAM-A15", "nom": "Samsung A15",
                               "prix_vente": "25000.00", "prix_vente_usd": null, "devise": "CDF",
                               "quantite_stock": 12, "est_actif": true, "categorie_id": 3,
                               "categorie_nom": "Téléphones",
                               "date_creation": "2026-11-04T11:30:15+02:00"}})
        );
        assert_eq!(
            rendered(Event::ArticleUpdated {
                article: UpdatedArticle {
                    fields: ArticleFields {
                        prix_vente_usd: Some(Money::new(Decimal::new(1250, 2))),
                        categorie_id: None,
                        categorie_nom: None,
                        ..article("Samsung A15")
                    },
                    last_updated: at().into(),
                    version: 7,
                }
            })["article"],
            json!({"id": 15, "code": "SAM-A15", "nom": "Samsung A15", "prix_vente": "25000.00",
                   "prix_vente_usd": "12.50", "devise": "CDF", "quantite_stock": 12,
                   "est_actif": true, "categorie_id": null, "categorie_nom": null,
                   "last_updated": "2026-11-04T11:30:15+02:00", "version": 7})
        );
        assert_eq!(
            rendered(Event::StockUpdated {
                article_id: 15,
                new_stock: -2
            }),
            json!({"type": "stock_updated", "article_id": 15, "new_stock": -2,
                   "timestamp": "2026-11-04T11:30:15+02:00"})
        );
        assert_eq!(
            rendered(Event::PriceUpdated {
                article_id: 15,
                new_price: Money::new(Decimal::from(30_000)),
                devise: "CDF".into()
            })["new_price"],
            "30000.00"
        );
        assert_eq!(
            rendered(Event::CategoryUpdated {
                category: ChangedCategory {
                    id: 3,
                    nom: "Téléphones".into(),
                    description: String::new(),
                    last_updated: at().into(),
                }
            })["category"],
            json!({"id": 3, "nom": "Téléphones", "description": "",
                   "last_updated": "2026-11-04T11:30:15+02:00"})
        );
        assert_eq!(
            rendered(Event::SyncRequired {
                reason: SyncReason::ListenerReconnected
            })["reason"],
            "listener_reconnected"
        );
        assert_eq!(
            rendered(Event::StockAlert {
                article_id: 15,
                article_nom: "Samsung A15".into(),
                stock_actuel: 2,
                seuil_alerte: 5
            }),
            json!({"type": "stock_alert", "article_id": 15, "article_nom": "Samsung A15",
                   "stock_actuel": 2, "seuil_alerte": 5,
                   "timestamp": "2026-11-04T11:30:15+02:00"})
        );
        assert_eq!(
            rendered(Event::VenteRejected {
                vente_uid: "FAC-1".into(),
                raison: "INSUFFICIENT_STOCK".into()
            }),
            json!({"type": "vente_rejected", "vente_uid": "FAC-1",
                   "raison": "INSUFFICIENT_STOCK", "timestamp": "2026-11-04T11:30:15+02:00"})
        );
        assert_eq!(
            rendered(Event::DashboardStatsUpdated {
                stats: DashboardStats {
                    ca_jour: 50_000.0,
                    ca_jour_usd: 12.5,
                    ca_mois: 1_250_000.0,
                    ca_mois_usd: 0.0,
                    nb_ventes_jour: 2,
                    nb_ventes_mois: 40,
                }
            })["stats"],
            json!({"ca_jour": 50000.0, "ca_jour_usd": 12.5, "ca_mois": 1250000.0,
                   "ca_mois_usd": 0.0, "nb_ventes_jour": 2, "nb_ventes_mois": 40})
        );
    }

    #[test]
    fn the_payload_names_the_shop_and_channel_and_comes_back_whole() {
        let published = Published {
            boutique_id: 9,
            canal: Channel::Notifications,
            message: Message {
                event: Event::VenteRejected {
                    vente_uid: "FAC-1".into(),
                    raison: "INSUFFICIENT_STOCK".into(),
                },
                timestamp: at().into(),
            },
        };
        let payload = published.payload();
        assert_eq!(
            serde_json::from_str::<Value>(&payload).unwrap(),
            json!({"boutique_id": 9, "canal": "notifications",
                   "message": {"type": "vente_rejected", "vente_uid": "FAC-1",
                               "raison": "INSUFFICIENT_STOCK",
                               "timestamp": "2026-11-04T09:30:15.000000Z"}})
        );
        assert_eq!(
            serde_json::from_str::<Published>(&payload).unwrap(),
            published
        );
    }

    #[test]
    fn an_event_too_large_for_postgresql_becomes_sync_required() {
        let published = |nom: &str| Published {
            boutique_id: 9,
            canal: Channel::Boutique,
            message: Message {
                event: Event::ArticleCreated {
                    article: CreatedArticle {
                        fields: article(nom),
                        date_creation: at().into(),
                    },
                },
                timestamp: at().into(),
            },
        };
        // The largest name that fits, and one byte more.
        let base = published("").payload().len();
        let fits =
            "é".repeat((MAX_PAYLOAD - 1 - base) / 2) + &"x".repeat((MAX_PAYLOAD - 1 - base) % 2);
        let payload = published(&fits).payload();
        assert_eq!(payload.len(), MAX_PAYLOAD - 1);
        assert_eq!(
            serde_json::from_str::<Published>(&payload).unwrap(),
            published(&fits)
        );

        let payload = published(&format!("{fits}x")).payload();
        assert!(payload.len() < MAX_PAYLOAD);
        assert_eq!(
            serde_json::from_str::<Value>(&payload).unwrap(),
            json!({"boutique_id": 9, "canal": "boutique",
                   "message": {"type": "sync_required", "reason": "payload_too_large",
                               "timestamp": "2026-11-04T09:30:15.000000Z"}})
        );
    }
}
